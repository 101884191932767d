"""The item response theory part of a report: the exported tables (``irt_items``,
``irt_interviewers``), their notes, and ``python -m analysis irt`` (:func:`write_irt`).

Used by :func:`analysis.reports.report.build_report` with ``irt=True`` and by the ``irt`` command.
Interviewers with fewer than ``small_group`` interviews (:data:`analysis.config.SMALL_GROUP`, the
privacy floor) keep their counts but not their estimates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.charts.irt import IRT_READING_GUIDE, irt_figures
from analysis.io.folder import output_folder
from analysis.io.load import load
from analysis.reports.export import write_report
from analysis.reports.files import parse_formats
from analysis.stats.calibration import filter_scores
from analysis.stats.irt import IRTFit, fit_irt, rater_quarters
from analysis.stats.small_groups import mark_small_groups

__all__ = ["irt_tables", "report_outputs", "write_irt", "REPORT_NOTES"]


def irt_tables(fit: IRTFit, *, small_group: int = config.SMALL_GROUP) -> dict[str, pd.DataFrame]:
    """``irt_items`` and ``irt_interviewers`` as exported: rounded to what they mean, no candidate
    ids, interviewers with fewer than ``small_group`` interviews keep their counts but not their
    estimates (:func:`analysis.stats.small_groups.mark_small_groups`)."""
    it = fit.items.rename(columns={"question": "question_id"}).copy()
    num = it.select_dtypes("number").columns.difference(["n", "n_candidates"])
    it[num] = it[num].round(3)
    first = ["question_id", "discrimination", "difficulty"]            # the columns the issue names first
    it = it[first + [c for c in it.columns if c not in first]]
    tables = {"irt_items": it}
    if fit.raters is not None:
        rv = fit.raters.rename(columns={"rater": "interviewer"}).copy()
        est = [c for c in rv.columns if c not in ("interviewer", "n_interviews", "n_scores")]
        rv[est] = rv[est].round(3)
        first = ["interviewer", "severity", "se", "infit", "outfit"]
        rv = rv[first + [c for c in rv.columns if c not in first]]
        tables["irt_interviewers"] = mark_small_groups(rv, "n_interviews", est, small_group=small_group)
    return tables


REPORT_NOTES = (
    "IRT tables and charts (irt_*) come from one fit on the report's slice (its level and dates, like every "
    "other table). severity is the joint many-facet graded response model's interviewer shift on the "
    "ability scale of irt_items (+ = harsher, summing to zero); mfrm_severity is Linacre's many-facet Rasch "
    "(FACETS) severity in logits.",
    f"Interviewers with fewer than {config.SMALL_GROUP} interviews keep their counts in irt_interviewers but not their estimates, "
    "and are left out of the severity chart.",
)


def report_outputs(workbook, *, figures: bool = True, drift: bool = True,
                   small_group: int = config.SMALL_GROUP, progress: bool = True, level=None, start=None,
                   end=None) -> tuple[dict, dict, dict, list]:
    """Tables, figures, reading guides and notes of the IRT part of a report.

    Called by :func:`analysis.reports.report.build_report` with ``irt=True`` (with the report's ``level``,
    ``start`` and ``end``, so the IRT tables describe the same slice as the rest of the report) and by
    ``python -m analysis irt``. Fits the GRM with the interviewer facet on the slice's scorecards; with
    ``drift``, adds each interviewer's severity drift per year (:func:`analysis.stats.irt.rater_quarters`)
    to ``irt_interviewers``. Interviewers with fewer than ``small_group`` interviews keep their counts
    but not their estimates, and are left out of the charts. A slice the models cannot be fitted on gives no IRT tables and a note saying why.
    """
    scores = filter_scores(workbook.scores, level=level, start=start, end=end)
    try:
        fit = fit_irt(scores, rater="interviewer", progress=progress)
    except ValueError as exc:
        if level is None and start is None and end is None:
            raise
        return {}, {}, {}, [f"IRT tables not computed on this slice ({len(scores)} score rows): {exc}"]
    rq = None
    if drift and "date" in fit.data.columns:
        try:
            rq = rater_quarters(fit)
            dr = rq.groupby("rater")["drift_per_year"].first()
            fit.raters["drift_per_year"] = fit.raters["rater"].map(dr).to_numpy(float)
        except Exception as exc:  # a drift that cannot be estimated is NaN with a reason
            fit.raters["drift_per_year"] = np.nan
            fit.notes.append(f"severity drift not estimated: {exc}")
    tables = irt_tables(fit, small_group=small_group)
    figs, guides = {}, {}
    if figures:
        figs = irt_figures(fit, workbook.questions, small_group=small_group, quarters=rq)
        guides = {k: v for k, v in IRT_READING_GUIDE.items() if k in figs}
    return tables, figs, guides, list(REPORT_NOTES) + list(fit.notes)


def write_irt(data=None, out="reports", *, formats=("csv", "html"), progress: bool = True, workbook=None):
    """``python -m analysis irt``: write ``irt_items.csv``, ``irt_interviewers.csv`` and the IRT charts.

    ``out`` is checked by :func:`analysis.io.folder.output_folder` before anything is fitted or written
    (never the data folder, or a folder inside it, or an existing file), against ``data`` or, given
    only ``workbook``, the folder it was loaded from. Returns the list of files written."""
    fmts = parse_formats(formats)
    out = output_folder(out, workbook.data if workbook is not None and data is None else data)
    wb = workbook if workbook is not None else load(data, progress=progress)
    tables, figs, guides, notes = report_outputs(wb, figures=any(f != "csv" for f in fmts), progress=progress)
    return write_report(out, tables=tables, figures=figs, formats=fmts, title="Item response theory",
                        guides=guides, notes=notes, progress=progress)
