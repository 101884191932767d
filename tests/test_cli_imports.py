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


def test_the_report_module_imports_the_statistics_only_when_it_computes_them():
    """``analysis.reports.report`` leaves the calibration's modules (scipy's among them) to
    ``build_report``, which imports them on a second thread while the data loads."""
    code = ("import analysis.reports.report as r\n"
            "before = 'analysis.stats.calibration' in sys.modules or 'scipy' in sys.modules\n"
            "t = r._import_while_loading(r._CALIBRATION)\n"
            "t.join()\n"
            "assert not before and r._import_while_loading(r._CALIBRATION) is None\n"
            "assert r._import_while_loading('analysis.stats.no_such_module').join() is None  # no error here\n")
    loaded = _loaded(code, ("analysis.stats.calibration", "scipy.sparse"))
    assert "analysis.stats.calibration" in loaded and "scipy.sparse" in loaded


def test_the_report_module_still_hands_on_its_statistics_names():
    """``from analysis.reports.report import INDEX_COLUMNS`` (in its ``__all__``), ``calibrate`` and
    ``Calibration`` still work, and are the statistics' own objects."""
    import analysis.reports.report as report
    from analysis.stats import calibration, tables
    assert report.INDEX_COLUMNS is tables.INDEX_COLUMNS
    assert report.calibrate is calibration.calibrate and report.Calibration is calibration.Calibration
    try:
        report.no_such_name  # noqa: B018
    except AttributeError:
        pass
    else:
        raise AssertionError("an unknown name must raise AttributeError")
