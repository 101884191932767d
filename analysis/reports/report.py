"""``python -m analysis report``: the calibration tables, every chart and a one-file report.

>>> from analysis.reports.report import build_report
>>> paths = build_report(out="reports", formats=("csv",))          # the tables only, fast
>>> paths = build_report(out="reports/senior", level="senior")     # everything for one slice

The tables are those of :func:`analysis.stats.calibration.calibrate` plus ``design.csv`` (the design
diagnostics of :mod:`analysis.stats.design`), exported through
:mod:`analysis.reports.export` (CSV cells neutralized against formula injection; interviewers with fewer
than 5 interviews keep their counts but not their rates). No candidate id or note is exported.

The report never aborts because one statistic is undefined for one slice (every score the same, a
level nobody was asked): that cell is NaN with the reason in a ``reason``/``severity_note`` column or
in the report's notes, and every other table and chart is written.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.stats.calibration import Calibration, calibrate
from analysis.io.load import load

__all__ = ["build_report", "export_tables", "REPORT_NOTES", "INDEX_COLUMNS"]

#: The columns of each table shown in index.html (the CSV files keep every column).
INDEX_COLUMNS = {
    "question_stats": ["question_id", "level", "topic", "n_candidates", "discrimination", "discrimination_low",
                       "discrimination_high", "band", "auc", "red_flag_rate", "red_flag_lift", "mean"],
    "interviewer_stats": ["interviewer", "n_interviews", "pass_rate", "funnel_flag", "severity", "severity_low",
                          "severity_high", "small_group"],
    "topic_stats": ["topic", "levels", "n_candidates", "discrimination", "discrimination_low", "discrimination_high",
                    "band", "auc"],
    "level_stats": ["level", "n_interviews", "pass_rate", "alpha", "discrimination", "discrimination_low",
                    "discrimination_high", "band"],
    "drift": ["question_id", "n", "slope_per_year", "p_value", "q_value", "drifting"],
}

REPORT_NOTES = (
    "The headline discrimination is judged against the chosen criterion freed of the answer itself "
    "(analysis.stats.criteria); AUC and red-flag lift use the plain criterion, which is partly made from the "
    "scores being judged and so flatters every question.",
    "Interviewers with fewer than 5 interviews are marked as a small group: their counts are shown, their rates are not.",
    "Severities are in score points for the same candidate and question; pass rates are not adjusted for the "
    "candidates each interviewer saw.",
)

def export_tables(cal: Calibration, *, small: int = 5) -> dict[str, pd.DataFrame]:
    """The tables as exported: small interviewer groups blanked, no candidate identity."""
    from analysis.reports.export import suppress_small_interviewers
    tables = dict(cal.tables())
    tables["interviewer_stats"] = suppress_small_interviewers(tables["interviewer_stats"], small_group=small)
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
        Output folder (created).
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
    from analysis.reports.export import parse_formats, write_report
    fmts = parse_formats(formats)
    wb = workbook if workbook is not None else load(data, progress=progress)
    cal = calibrate(wb, criterion, level=level, start=start, end=end, n_boot=n_boot, seed=seed, min_n=min_n,
                    progress=progress)
    from analysis.reports.brief import brief_html, findings, markdown
    from analysis.reports.export import _atomic_write
    figures = {}
    guides = {}
    notes = list(REPORT_NOTES) + cal.notes
    try:
        items = findings(cal)
    except Exception as exc:  # noqa: BLE001 -- the brief must not take the tables down either
        items = []
        notes.append(f"brief: not computed on this slice ({type(exc).__name__}: {exc})")
    brief_path = _atomic_write(Path(out) / "brief.md", markdown(items, cal.meta))
    if any(f != "csv" for f in fmts):
        from analysis.charts.calibration import READING_GUIDE, figures as make_figures
        try:
            figures = make_figures(cal)
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
                        table_digits=3, brief=brief_html(items))
