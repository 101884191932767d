"""``python -m analysis report``: the calibration tables, every chart and a one-file report.

>>> from analysis.reports.report import build_report
>>> paths = build_report(out="reports", formats=("csv",))          # the tables only, fast
>>> paths = build_report(out="reports/senior", level="senior")     # everything for one slice

The tables are the exported ones of :data:`analysis.stats.tables.TABLES` (those of
:func:`analysis.stats.calibration.calibrate`, ``design.csv`` among them), the charts those of
:data:`analysis.charts.calibration.CHARTS`, written through :mod:`analysis.reports.export` (CSV cells
neutralized against formula injection; interviewers with fewer than :data:`analysis.config.SMALL_GROUP`
interviews keep their counts but not their rates). No candidate id or note is exported. The output
folder is checked by :func:`analysis.io.folder.output_folder` (never the data folder or inside it)
before anything is computed or written.

The report never aborts because one statistic is undefined for one slice (every score the same, a
level nobody was asked): that cell is NaN with the reason in a ``reason``/``severity_note`` column or
in the report's notes, and every other table and chart is written.
"""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis import config
from analysis.io.files import atomic_write
from analysis.io.folder import output_folder
from analysis.io.load import load
from analysis.reports.brief import brief_html, findings, markdown
from analysis.reports.export import write_report
from analysis.reports.figures import ImageRenderer, image_jobs
from analysis.reports.files import IMAGE_FORMATS, parse_formats
from analysis.reports.index_html import pack_plotlyjs_ahead
from analysis.stats.small_groups import suppress_small_interviewers

if TYPE_CHECKING:
    from analysis.stats.calibration import Calibration

#: The statistics the report computes once the data is loaded (:func:`_import_while_loading`), and
#: the names this module hands on from them (imported on first use, PEP 562).
_CALIBRATION = "analysis.stats.calibration"
_LATER = {"Calibration": _CALIBRATION, "calibrate": _CALIBRATION, "INDEX_COLUMNS": "analysis.stats.tables"}

__all__ = ["build_report", "export_tables", "REPORT_NOTES", "INDEX_COLUMNS"]

REPORT_NOTES = (
    "The headline discrimination is judged against the chosen criterion freed of the answer itself "
    "(analysis.stats.criteria); AUC and red-flag lift use the plain criterion, which is partly made from the "
    "scores being judged and so flatters every question.",
    f"Interviewers with fewer than {config.SMALL_GROUP} interviews are marked as a small group: their counts are "
    "shown, their rates are not.",
    "Severities are in score points for the same candidate and question; pass rates are not adjusted for the "
    "candidates each interviewer saw.",
)

#: The static images' scale (2: a 900 x 520 chart is an 1800 x 1040 PNG, sharp on slides).
IMAGE_SCALE = 2
#: Browser tabs rendering the report's images: two were 13% faster than one for the 27 images of a
#: full report on a shared two-core machine (benchmarks/RESULTS.md).
IMAGE_TABS = 2


def __getattr__(name: str):
    if name in _LATER:
        return getattr(importlib.import_module(_LATER[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _import_while_loading(name: str) -> threading.Thread | None:
    """Start importing the module ``name`` on a second thread, to be joined once the data is loaded;
    None when it is imported already.

    Why: the calibration's modules (scipy's sparse, linalg, special and optimize among them) are
    about 0.25 of the 0.6 CPU s a ``report`` spends importing, and the load (0.65 s at 1M rows)
    leaves a core mostly idle: pyarrow's reader and numpy run without the GIL, and the import runs
    meanwhile. The load imports nothing the statistics import (its modules are imported with this
    one; ``check`` imports no statistics: tests/test_cli_imports.py), so the two imports cannot wait
    on each other. A failed import is not reported here: the main thread's own import raises it."""
    if name in sys.modules:
        return None

    def run() -> None:
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 -- raised again, where it belongs, by the main thread's import
            pass
    thread = threading.Thread(target=run, name="import-statistics", daemon=True)
    thread.start()
    return thread


def export_tables(cal: Calibration, *, small_group: int = config.SMALL_GROUP) -> dict[str, pd.DataFrame]:
    """The tables as exported: interviewers with fewer than ``small_group`` interviews blanked, no
    candidate identity."""
    tables = dict(cal.tables())
    tables["interviewer_stats"] = suppress_small_interviewers(tables["interviewer_stats"], small_group=small_group)
    return tables


def _meta(cal: Calibration, data: Path) -> dict:
    m = cal.meta
    return {"Data folder": data.name, "Data period": f"{m['start']} to {m['end']}", "Criterion": m["criterion"],
            "Candidate level": m["level"], "Interviews": m["n_interviews"], "Candidates": m["n_candidates"],
            "Score rows": m["n_rows"], "Interviewers": m["n_interviewers"],
            "Bootstrap resamples": m["n_boot"], "Minimum candidates per question": m["min_n"]}


def build_report(data=None, *, out="reports", criterion: str = "recommendation", level=None, start=None, end=None,
                 formats=("png", "svg", "pdf", "html", "csv"), n_boot: int = 1000, seed: int = 0,
                 min_n: int = 30, progress: bool = True, workbook=None, irt: bool = False) -> list[Path]:
    """Compute the calibration for a slice and write it in the chosen formats.

    Parameters
    ----------
    data : path-like, optional
        The data folder (default: :func:`analysis.config.data_dir`).
    out : path-like
        Output folder (created). Refused (:class:`analysis.errors.OutputFolderError`) when it is the
        data folder, inside it, or an existing file.
    criterion, level, start, end, n_boot, seed, min_n
        As for :func:`analysis.stats.calibration.calibrate`.
    formats : iterable of str or comma-separated str
        Among csv, png, svg, pdf, html; ``("csv",)`` writes only the tables and skips the charts.
    workbook : analysis.io.load.Workbook, optional
        An already loaded data folder (saves re-reading it).
    irt : bool, default False
        Add the item response theory tables and charts (:func:`analysis.stats.irt.report_outputs`).

    Returns
    -------
    list of Path
        Every file written.
    """
    fmts = parse_formats(formats)
    # refused before anything is read or written; the data folder is the workbook's when one is given
    out = output_folder(out, workbook.data if workbook is not None and workbook.data is not None else data)
    if "html" in fmts:
        pack_plotlyjs_ahead()  # index.html's compressed plotly.js, packed while the data loads
    image_fmts = [f for f in fmts if f in IMAGE_FORMATS]
    if not image_fmts:
        return _build(data, out, fmts, None, criterion=criterion, level=level, start=start, end=end, n_boot=n_boot,
                      seed=seed, min_n=min_n, progress=progress, workbook=workbook, irt=irt)
    # Chromium starts now, in the background, while the data loads and the tables are computed; each
    # chart is rendered as soon as it is drawn, while the next is drawn and the tables are written
    with ImageRenderer(tabs=IMAGE_TABS) as renderer:
        return _build(data, out, fmts, renderer, criterion=criterion, level=level, start=start, end=end,
                      n_boot=n_boot, seed=seed, min_n=min_n, progress=progress, workbook=workbook, irt=irt)


def _build(data, out: Path, fmts: tuple, renderer: ImageRenderer | None, *, criterion, level, start, end, n_boot,
           seed, min_n, progress, workbook, irt) -> list[Path]:
    """:func:`build_report` once its output folder is checked (and its browser started when images
    are asked for)."""
    importing = None if workbook is not None else _import_while_loading(_CALIBRATION)
    wb = workbook if workbook is not None else load(data, progress=progress)
    if importing is not None:
        importing.join()
    from analysis.stats.calibration import calibrate  # imported while the data loaded (see above)
    from analysis.stats.tables import INDEX_COLUMNS
    cal = calibrate(wb, criterion, level=level, start=start, end=end, n_boot=n_boot, seed=seed, min_n=min_n,
                    progress=progress)
    figures = {}
    guides = {}
    notes = list(REPORT_NOTES) + cal.notes
    try:
        items = findings(cal)
    except Exception as exc:  # noqa: BLE001 -- the brief must not take the tables down either
        items = []
        notes.append(f"brief: not computed on this slice ({type(exc).__name__}: {exc})")
    brief_path = atomic_write(out / "brief.md", markdown(items, cal.meta), overwrite=True)
    if any(f != "csv" for f in fmts):
        # plotly loads only when charts are asked for (a csv-only report starts faster)
        from analysis.charts.calibration import BUILDERS, READING_GUIDE
        try:
            drawn = {}
            for name, build in BUILDERS.items():  # analysis.charts.calibration.figures, one chart at a time
                drawn[name] = build(cal)
                if renderer is not None:  # rendered while the next chart is drawn
                    renderer.submit(image_jobs({name: drawn[name]}, out, fmts, scale=IMAGE_SCALE))
            figures = drawn
        except Exception as exc:  # noqa: BLE001 -- one undefined chart must not take the tables down
            notes.append(f"charts: not drawn on this slice ({type(exc).__name__}: {exc}); the tables are complete")
        guides = READING_GUIDE
    tables = export_tables(cal)
    if irt:
        from analysis.reports.irt import report_outputs  # deferred: the IRT stack (scipy, mirt) loads only for irt=True
        t, f, g, n = report_outputs(wb, figures=any(f != "csv" for f in fmts), progress=progress,
                                    level=level, start=start, end=end)
        tables, figures, guides, notes = {**tables, **t}, {**figures, **f}, {**guides, **g}, notes + n
    return [brief_path] + write_report(out, tables=tables, figures=figures, formats=fmts,
                        title="Interview calibration report", meta=_meta(cal, config.data_dir(data)),
                        guides=guides, notes=notes, progress=progress, columns=INDEX_COLUMNS,
                        table_digits=3, brief=brief_html(items), scale=IMAGE_SCALE, renderer=renderer)
