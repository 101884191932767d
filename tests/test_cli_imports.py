"""What a command imports before it runs: each pays for what it uses (issue 26).

``python -m analysis`` imports the parser and every command module to build ``--help``; a command then
imports what it runs. Start-up time at 1M rows is about a fifth of ``report --format csv``, so the
modules that only another command (or only an image format) needs must not come in at start-up. The
lists below are the ones a regression would most likely bring back: asyncio (and ssl with it) for the
image renderer, filelock for the writers, plotly for charts, the folder writer of ``init``; and for
``check``, which only loads, no scipy at all.

Each check runs a fresh interpreter (``sys.modules`` of the test process holds everything already).
"""

from __future__ import annotations

import subprocess
import sys

#: Modules a ``report --format csv`` never uses: they must not be imported by the command line and
#: the report module.
NOT_FOR_CSV_REPORT = ("asyncio", "ssl", "filelock", "plotly", "kaleido", "statsmodels", "sklearn",
                      "analysis.io.create", "analysis.io.bank_edit")


def _loaded(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` (or their submodules) are in ``sys.modules`` after running ``code`` in a
    fresh interpreter."""
    probe = (f"import sys\n{code}\n"
             f"names = {names!r}\n"
             "print(sorted(m for m in sys.modules if any(m == n or m.startswith(n + '.') for n in names)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return eval(out.strip())  # a list of module names, printed by the probe above


def test_csv_report_start_up_imports_nothing_it_does_not_use():
    assert _loaded("import analysis.cli.main, analysis.reports.report", NOT_FOR_CSV_REPORT) == []


def test_check_start_up_imports_no_statistics():
    """``check`` loads and validates: the command line and the loader import no scipy, no stats."""
    assert _loaded("import analysis.cli.main, analysis.io.load", ("scipy", "analysis.stats", "plotly")) == []


def test_the_probe_sees_an_import():
    """The probe itself works: a module the code imports is reported (else the tests above prove nothing)."""
    assert _loaded("import asyncio", ("asyncio",)) != []
