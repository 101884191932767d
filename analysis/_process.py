"""How the workbook's own processes start and end (base module: imports nothing of the workbook).

:func:`keep_freed_memory` is called first thing by ``python -m analysis``: it asks glibc's allocator to
keep the memory a command frees for the command's next arrays instead of handing it back to the kernel
(why and what it costs: its docstring).

:func:`exit_now` ends a command-line process once its work is done and its output flushed, without
the interpreter's teardown. In that teardown pyarrow's native thread pools can be destroyed while a
worker thread is still alive, and the C++ runtime then aborts a process that has finished its work
(``terminate called without an active exception``, exit status -6; apache/arrow#34314). Seen here
after loading scorecards, in loaded test runs. Everything a command writes is written and closed
(:func:`analysis.io.files.atomic_write`) before it returns, so skipping the teardown loses nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["exit_now", "keep_freed_memory", "hand_back_memory"]

# mallopt(3) parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks of this many bytes or more still get their own ``mmap`` (and go back to the kernel when
#: freed): glibc's largest allowed threshold on 64-bit systems (``DEFAULT_MMAP_THRESHOLD_MAX``, 32 MiB),
#: a row-length float column of four million rows.
_MMAP_THRESHOLD = 32 * 2**20
#: What the kernel is left: freed memory at the top of the heap above this many bytes is returned
#: (glibc's default is 128 KiB, or twice the last large block freed; here, never in practice).
_TRIM_THRESHOLD = 2**31 - 1
#: The environment variables through which a user tunes glibc's malloc; when any is set, it is
#: theirs to choose and :func:`keep_freed_memory` changes nothing.
_USER_TUNING = ("GLIBC_TUNABLES", "MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX")


#: Arrow's allocator in a command-line process: glibc's malloc (Arrow's "system" pool), so that the
#: loader's Arrow buffers are kept and reused as above (see :func:`keep_freed_memory`). A user's own
#: ``ARROW_DEFAULT_MEMORY_POOL`` is left as it is.
_ARROW_POOL = ("ARROW_DEFAULT_MEMORY_POOL", "system")


def keep_freed_memory() -> bool:
    """Let glibc's malloc keep freed memory for reuse instead of returning it to the kernel; True
    when set.

    A command on a large history allocates and frees many row-length arrays, one after another (a
    float column of 1M rows is 8 MB, of 10M rows 80 MB). glibc serves a block above its mmap
    threshold (128 KiB at first, raised up to 32 MiB as blocks are freed) with its own ``mmap`` and
    gives it back with ``munmap`` when freed, so the next array of the same size comes from the
    kernel again, one page fault per 4 KiB page, each page zeroed. ``report --format csv`` on 10M score
    rows spent 29.5 of its 76 s in the kernel that way (14.8M page faults). Here blocks under 32 MiB
    (:data:`_MMAP_THRESHOLD`, ``M_MMAP_THRESHOLD``) come from the heap, and the heap is not trimmed
    (``M_TRIM_THRESHOLD``), so freed blocks are reused by the next arrays: on 1M rows every column
    (system time 1.4-1.7 -> 0.6-1.0 s, peak unchanged at 660 MB); on 10M rows the smaller arrays.

    Why not every block from the heap (``M_MMAP_MAX`` 0, this function's first version): on 10M rows
    it cut system time to 6-12 s, but the row-length blocks of different sizes fragment a heap that
    never shrinks, and the peak rose from 3.96 to 4.71 GB; with the 32 MiB limit the 80 MB blocks go
    back to the kernel and the peak is 3.85 GB, for 20-23 s of system time (one run each at 10M,
    ``benchmarks/probes.py memory --malloc``, issue 26; ``malloc_trim``
    after every table measured 4.19 GB). What a command freed under the threshold stays resident
    until it ends, which is soon: this is for the command line's short processes, not for a
    notebook's kernel, which keeps the allocator's defaults.

    Arrow's buffers (the loader's parsed pieces, dictionaries and codes) come from the same heap:
    pyarrow's own allocator (mimalloc in the wheels) hands freed pages back to the kernel within
    milliseconds, so each piece of a bulk file faulted in fresh pages again. With Arrow on glibc's
    malloc (:data:`_ARROW_POOL`, set here before pyarrow is imported) ``report --format csv`` on 1M
    rows took 0.55 -> 0.33 s of system time (CPU 3.73 -> 3.61 s, peak 493 -> 460 MB; medians of 5)
    and on 10M rows 13.0 -> 9.4 s (peak 2.97 -> 2.94 GB; one run each on a loaded machine).

    Changes nothing where the C library is not glibc, or when the user set glibc's malloc tuning
    themselves (:data:`_USER_TUNING`), or ``ANALYSIS_MALLOC=default``.
    """
    if os.environ.get("ANALYSIS_MALLOC") == "default" or any(v in os.environ for v in _USER_TUNING):
        return False
    libc = _glibc()
    if libc is None:
        return False
    mallopt = libc.mallopt
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    kept = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    if kept and "pyarrow" not in sys.modules:  # (Arrow reads it when its first array is made)
        os.environ.setdefault(*_ARROW_POOL)
    return kept


def hand_back_memory() -> None:
    """Return the free memory both allocators hold to the operating system, now.

    For a step that allocates and frees far more than it keeps, before the steps that follow: the
    loader calls it at its end (the parsed pieces, the codes of every column and validation's row
    masks are gone by then; at 10M rows this lowered the resident memory after the load from 1.64
    to 1.08 GB). Arrow's pool keeps freed memory for reuse (``release_unused`` returns it), and so
    does glibc's heap, whose free space below a live block only ``malloc_trim`` gives back (in a
    ``python -m analysis`` process it is not trimmed otherwise: :func:`keep_freed_memory`). No
    library offers this; without glibc only Arrow's pool is released.
    """
    if "pyarrow" in sys.modules:  # a process that never imported pyarrow has no pool to release
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _glibc():
    """The C library as a ``ctypes`` handle when it is glibc (whose malloc these functions tune), else None."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return None
        return ctypes.CDLL(None)
    except (AttributeError, ValueError, OSError):      # not a glibc system (macOS, Windows, musl)
        return None


def exit_now(status: int | None) -> None:
    """Flush stdout and stderr, then end the process with ``status`` (0 for None) at once."""
    status = 0 if status is None else int(status)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # ``... | head`` closed the pipe: nothing more to say
        status = status or 1
    os._exit(status)
