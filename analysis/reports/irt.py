"""The item response theory part of a report: the exported tables (``irt_items``,
``irt_interviewers``), their notes, and ``python -m analysis irt`` (:func:`write_irt`).

Used by :func:`analysis.reports.report.build_report` with ``irt=True`` and by the ``irt`` command.
Interviewers with fewer than ``small_group`` interviews (:data:`analysis.config.SMALL_GROUP`, the
privacy floor) keep their counts but not their estimates.

``irt_interviewers`` carries the one ``verdict`` per interviewer (:mod:`analysis.stats.verdicts`: the
calibration's mixed-model severity on the same slice, the headline, as in ``interviewer_stats.csv``)
beside this model's estimates, with this model's own reading as a labelled cross-check
(``irt_verdict``) and whether the two agree (``models_agree``); each disagreement is a sentence in the
notes (:func:`severity_cross_check`).
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
from analysis.stats.calibration import filter_scores, slice_interviewer_verdicts
from analysis.stats.irt import IRTFit, fit_irt, rater_quarters
from analysis.stats.small_groups import mark_small_groups
from analysis.stats.verdicts import cross_check, model_verdicts

__all__ = ["irt_tables", "report_outputs", "write_irt", "REPORT_NOTES", "severity_cross_check"]

#: 95% normal quantile of the IRT severity interval (the severity chart's error bars).
_Z95 = 1.96


def severity_cross_check(fit: IRTFit, verdicts: pd.DataFrame, *,
                         small_group: int = config.SMALL_GROUP) -> tuple[pd.DataFrame, list[str]]:
    """The one verdict beside the IRT model's reading, per interviewer of ``fit``.

    ``verdicts``: ``interviewer, verdict`` of the same slice
    (:func:`analysis.stats.calibration.slice_interviewer_verdicts`, the headline). Returns
    ``(table, sentences)``: ``interviewer, n_interviews, verdict, irt_verdict, models_agree``
    (``irt_verdict`` from ``severity +- 1.96 se`` of the joint many-facet model, by the same rule
    :func:`analysis.stats.verdicts.model_verdicts`) and one sentence per disagreement, e.g. "The two
    models disagree on Devon: the IRT cross-check calls them harsher, the headline model's interval
    includes 0: treat as not clear." An interviewer the calibration does not know is ``not clear``."""
    r = fit.raters
    names = r["rater"].astype(str)
    sev, se = r["severity"].to_numpy(float), r["se"].to_numpy(float)
    own = pd.Series(model_verdicts(sev - _Z95 * se, sev + _Z95 * se, r["n_interviews"], small_group=small_group),
                    index=names.to_numpy())
    head = verdicts.assign(interviewer=verdicts["interviewer"].astype(str)).set_index("interviewer")["verdict"]
    head = head.reindex(own.index).fillna("not clear")
    agree, sentences = cross_check(head, own)
    table = pd.DataFrame({"interviewer": own.index, "n_interviews": r["n_interviews"].to_numpy(),
                          "verdict": head.to_numpy(), "irt_verdict": own.to_numpy(), "models_agree": agree.to_numpy()})
    return table, sentences


def irt_tables(fit: IRTFit, *, small_group: int = config.SMALL_GROUP,
               verdicts: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """``irt_items`` and ``irt_interviewers`` as exported: rounded to what they mean, no candidate
    ids, interviewers with fewer than ``small_group`` interviews keep their counts but not their
    estimates (:func:`analysis.stats.small_groups.mark_small_groups`). Given ``verdicts`` (see
    :func:`severity_cross_check`), ``irt_interviewers`` gains ``verdict``, ``irt_verdict`` and
    ``models_agree`` after the estimates the ``irt`` command's issue names first."""
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
        if verdicts is not None:
            check, _ = severity_cross_check(fit, verdicts, small_group=small_group)
            rv[["verdict", "irt_verdict", "models_agree"]] = check[["verdict", "irt_verdict", "models_agree"]].to_numpy()
            first += ["verdict", "irt_verdict", "models_agree"]      # after the columns the irt issue names first
        rv = rv[first + [c for c in rv.columns if c not in first]]
        tables["irt_interviewers"] = mark_small_groups(rv, "n_interviews", est, small_group=small_group)
    return tables


REPORT_NOTES = (
    "IRT tables and charts (irt_*) come from one fit on the report's slice (its level and dates, like every "
    "other table). severity is the joint many-facet graded response model's interviewer shift on the "
    "ability scale of irt_items (+ = harsher, summing to zero); mfrm_severity is Linacre's many-facet Rasch "
    "(FACETS) severity in logits.",
    "verdict in irt_interviewers is the one verdict of every output (interviewer_stats.csv, the brief): the "
    "calibration's mixed-model severity interval on the same slice, the headline model because its intervals are "
    "the validated ones (README). irt_verdict is this model's own reading (severity +- 1.96 se), a cross-check; "
    "models_agree says whether the two agree.",
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
    verdicts = slice_interviewer_verdicts(workbook, level=level, start=start, end=end)
    tables = irt_tables(fit, small_group=small_group, verdicts=verdicts)
    _, disagree = severity_cross_check(fit, verdicts, small_group=small_group)
    figs, guides = {}, {}
    if figures:
        figs = irt_figures(fit, workbook.questions, small_group=small_group, quarters=rq)
        guides = {k: v for k, v in IRT_READING_GUIDE.items() if k in figs}
    return tables, figs, guides, list(REPORT_NOTES) + disagree + list(fit.notes)


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
