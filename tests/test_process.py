"""How ``python -m analysis`` processes start: the allocator keeps freed memory for the next arrays
(:func:`analysis._process.keep_freed_memory`)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Allocates and touches an array of ``MiB`` MiB twice, freeing it in between, and prints the page
#: faults the second allocation cost: with glibc's defaults the freed block went back to the kernel,
#: so every 4 KiB page faults again (4,096 of them for 16 MiB); kept, the second array reuses the
#: first one's pages. Blocks of 32 MiB and more are still given back (keep_freed_memory's docstring).
PROBE = """
import resource, sys
from analysis._process import keep_freed_memory
kept = keep_freed_memory()
import numpy as np
n = int(sys.argv[1]) * 2**20 // 8
a = np.ones(n); del a
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
b = np.ones(n)
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"),
                           reason="the allocator setting is glibc's")


def _probe(mib=16, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES", "ANALYSIS_MALLOC"))}
    out = subprocess.run([sys.executable, "-c", PROBE, str(mib)], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**clean, "PYTHONPATH": str(ROOT), "NUMPY_MADVISE_HUGEPAGE": "0", **env}).stdout.split()
    return out[0] == "True", int(out[1])


@glibc
def test_freed_arrays_are_reused_without_new_page_faults():
    kept, faults = _probe()
    default, faults_default = _probe(ANALYSIS_MALLOC="default")
    assert kept and not default
    assert faults_default > 2_000          # 4,096 pages of 4 KiB faulted again with glibc's defaults
    assert faults < faults_default / 10


@glibc
def test_blocks_of_32_mib_and_more_still_go_back_to_the_kernel():
    """The limit that keeps the peak down at ten million rows: a freed 64 MiB block is not kept."""
    kept, faults = _probe(64)
    assert kept and faults > 8_000         # 16,384 pages of 4 KiB faulted again


@glibc
def test_a_users_own_malloc_tuning_is_left_alone():
    assert _probe(MALLOC_ARENA_MAX="2")[0] is False


def test_the_command_line_sets_it_before_the_workbook_loads_anything():
    source = (ROOT / "analysis" / "__main__.py").read_text()
    assert source.index("keep_freed_memory()") < source.index("from analysis.cli import main")


#: Keeps 400 MB of 8 MB arrays in the heap (under the 32 MiB threshold, so not trimmed), frees them,
#: and prints the resident MB before and after :func:`hand_back_memory`.
HAND_BACK = """
import numpy as np
from analysis._process import hand_back_memory, keep_freed_memory
keep_freed_memory()
keep = [np.ones(2**20) for _ in range(50)]
tail = np.ones(16)  # a live block above them, so only malloc_trim (not the heap's top) can return them
del keep
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
before = rss()
hand_back_memory()
print(before, rss())
"""


@glibc
def test_hand_back_memory_returns_what_the_heap_kept():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES", "ANALYSIS_MALLOC"))}
    before, after = map(float, subprocess.run([sys.executable, "-c", HAND_BACK], capture_output=True, text=True,
                                              check=True, cwd=ROOT, env={**clean, "PYTHONPATH": str(ROOT)}).stdout.split())
    assert before - after > 300  # of the 400 MB freed, kept by the heap until handed back


#: Which allocator Arrow uses after :func:`keep_freed_memory` (pyarrow imported after it, as in
#: ``python -m analysis``).
ARROW_POOL = """
from analysis._process import keep_freed_memory
keep_freed_memory()
import pyarrow as pa
print(pa.default_memory_pool().backend_name)
"""


def _arrow_pool(**env):
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("MALLOC_", "GLIBC_TUNABLES", "ANALYSIS_MALLOC", "ARROW_DEFAULT_MEMORY_POOL"))}
    return subprocess.run([sys.executable, "-c", ARROW_POOL], capture_output=True, text=True, check=True, cwd=ROOT,
                          env={**clean, "PYTHONPATH": str(ROOT), **env}).stdout.strip()


@glibc
def test_arrow_allocates_from_the_kept_heap():
    """Arrow's buffers come from glibc's malloc, tuned to keep freed blocks; with the defaults asked
    for (``ANALYSIS_MALLOC=default``), Arrow keeps its own allocator; a user's own choice is theirs."""
    import pyarrow as pa
    assert _arrow_pool() == "system"
    others = [b for b in pa.supported_memory_backends() if b != "system"]
    if others:  # (a pyarrow built with no allocator of its own has nothing to tell apart)
        assert _arrow_pool(ANALYSIS_MALLOC="default") != "system"
        assert _arrow_pool(ARROW_DEFAULT_MEMORY_POOL=others[0]) == others[0]
