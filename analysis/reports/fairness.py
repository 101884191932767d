"""The fairness report: adverse impact, differential item functioning and interviewer gaps, written
as tables, charts and one page (``python -m analysis fairness``; on request only).

:func:`fairness_report` reads the group attributes of a data folder, runs the three analyses of
:mod:`analysis.stats.fairness` and :mod:`analysis.stats.fairness_dif`, draws the figures of
:mod:`analysis.charts.fairness`, rounds the tables to what they mean and writes everything with
:func:`analysis.reports.export.write_report` into an output folder checked by
:func:`analysis.io.folder.output_folder`.

The names the report is made of are importable from here too, so a notebook reads the whole
analysis from one namespace::

    from analysis.reports import fairness
    fairness.adverse_impact(wb, groups); fairness.impact_chart(...); fairness.fairness_report(data, out="fair")
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.charts.fairness import READING_GUIDE, dif_chart, impact_chart, interviewer_chart
from analysis.io.folder import output_folder
from analysis.io.groups import GroupsError, attributes, load_groups
from analysis.io.load import load
from analysis.reports.export import write_report
from analysis.reports.files import parse_formats
from analysis.stats.fairness import (ADVERSE_IMPACT_COLUMNS, INTERVIEWER_COLUMNS, SuppressionPlans, adverse_impact,
                                     interviewer_impact)
from analysis.stats.fairness_dif import DIF_COLUMNS, dif, flagged_questions

__all__ = [
    "NOTES", "fairness_report",
    # what the report is made of, for notebooks
    "ADVERSE_IMPACT_COLUMNS", "DIF_COLUMNS", "INTERVIEWER_COLUMNS", "READING_GUIDE",
    "adverse_impact", "dif", "flagged_questions", "interviewer_impact",
    "impact_chart", "dif_chart", "interviewer_chart",
]


#: The notes printed under the report; ``{small_group}`` is the floor the report was run with.
NOTES = (
    "The four-fifths rule (29 CFR 1607.4(D)) is a rule of thumb for when a gap deserves attention, not a test "
    "and not a legal conclusion: small samples break it by chance, large samples can hide a real gap above 0.8. "
    "Read it together with Fisher's exact test and the power in the flag.",
    "Every cell with fewer than {small_group} candidates is suppressed: its count is shown as <{small_group} and "
    "nothing else.",
    "A group's row of the adverse-impact table can be missing at a stage and level: either it had no candidate "
    "there, or the row was withheld because, even suppressed, its count could have been worked out from the totals "
    "and the fact that a listed group has at least one candidate. Which of the two is not said, on purpose.",
    "At the recommendation stage each interview counts once, so a candidate with several interviews counts "
    "several times; the decision stage counts candidates.",
    "A flagged question is a reason to read and perhaps rewrite it, never to drop a group's data.",
    "The reference is the group with the highest rate, which is partly high by chance, a small group most of all; "
    "with many attributes, stages and levels some cells will be significant by chance (no correction is applied "
    "across them, as the Guidelines judge each one). Give a flag against a small reference group, or in one level "
    "only, the most scepticism.",
)


def fairness_report(data=None, *, groups=None, out, formats=("csv", "png", "svg", "html"), method: str = "mh",
                    small_group: int = config.SMALL_GROUP, fdr: float = 0.05, workbook=None, progress: bool = True):
    """Run the three analyses on a data folder and write their tables and charts.

    Parameters
    ----------
    data : path-like, optional
        The data folder.
    groups : path-like, optional
        The group attributes file (default ``<data>/candidates.csv``).
    out : path-like
        Output folder, checked by :func:`analysis.io.folder.output_folder` (never the data folder
        or inside it): ``adverse_impact.csv``, ``dif.csv``, ``interviewer_impact.csv``,
        ``flagged_questions.csv`` (the flags with the question text), charts ``impact_ratios``,
        ``dif_effects``, ``interviewer_gaps`` in the chosen formats, and ``index.html``.
    formats : iterable of str
        Among csv, png, svg, pdf, html.
    method, small_group, fdr
        See :func:`~analysis.stats.fairness_dif.dif` and
        :func:`~analysis.stats.fairness.adverse_impact`; ``small_group`` (default :data:`analysis.config.SMALL_GROUP`) is the smallest cell shown.

    Returns
    -------
    (paths, problems)
        The files written, and the problems found in the groups file.

    Raises
    ------
    analysis.errors.OutputFolderError
        When ``out`` is an existing file, the data folder or inside it.
    analysis.errors.WorkbookError
        When the groups file is missing or has no usable row (its problems are attached).
    """
    fmts = parse_formats(formats)
    out = output_folder(out, data if workbook is None or workbook.data is None else workbook.data)
    wb = workbook if workbook is not None else load(data, progress=progress)
    known = set(wb.scores["candidate_id"].astype(str)) | set(wb.outcomes["candidate_id"].astype(str))
    g, problems = load_groups(wb.data if wb.data is not None else data, groups, known_candidates=known)
    if g.empty:
        raise GroupsError(problems or "no candidate with group data", groups)
    plans = SuppressionPlans()  # the recommendation stage's suppression, planned once for both tables
    ai = adverse_impact(wb, g, small_group=small_group, plans=plans)
    dt = dif(wb, g, method=method, small_group=small_group, fdr=fdr, progress=progress)
    iv = interviewer_impact(wb, g, small_group=small_group, fdr=fdr, plans=plans)
    tables = {"adverse_impact": ai[ADVERSE_IMPACT_COLUMNS], "dif": dt[DIF_COLUMNS],
              "interviewer_impact": iv[INTERVIEWER_COLUMNS], "flagged_questions": flagged_questions(dt, wb.questions)}
    tables = {k: _rounded(v) for k, v in tables.items()}
    figures = {}
    if any(f != "csv" for f in fmts):
        figures = {"impact_ratios": impact_chart(ai, small_group=small_group),
                   "dif_effects": dif_chart(dt, wb.questions),
                   "interviewer_gaps": interviewer_chart(iv, small_group=small_group)}
    meta = {"Interviews": wb.n_interviews, "Candidates with group data": len(g),
            "Attributes": ", ".join(attributes(g)), "Groups file problems": len(problems),
            "DIF method": method, "Smallest cell shown": small_group}
    paths = write_report(out, tables=tables, figures=figures, formats=fmts, title="Fairness report", meta=meta,
                         guides=READING_GUIDE, notes=[n.format(small_group=small_group) for n in NOTES], progress=progress)
    return paths, problems


def _rounded(df: pd.DataFrame) -> pd.DataFrame:
    """Values rounded to what they mean: rates and ratios 3 decimals, statistics 3, p-values 4
    significant digits."""
    out = df.copy()
    for c in out.columns:
        if c in ("fisher_p", "p_value", "q_value"):
            out[c] = out[c].map(lambda x: float(f"{x:.4g}") if pd.notna(x) else np.nan)
        elif out[c].dtype.kind == "f":
            out[c] = out[c].round(3)
    return out
