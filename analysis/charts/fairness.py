"""Figures of the fairness analysis: impact ratios, DIF effects and interviewer gaps.

The pictures of :mod:`analysis.stats.fairness` and :mod:`analysis.stats.fairness_dif`, drawn from
their tables: a suppressed cell (fewer than ``small_group`` candidates, or hidden so a small one
cannot be worked out) is never drawn, only counted in the subtitle, and every label from the data
is escaped by :func:`analysis.charts.finish.finish`. :data:`READING_GUIDE` says how to read each
figure; the fairness report prints it beside them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis import config
from analysis.charts.finish import finish
from analysis.charts.theme import NEUTRALS, OKABE_ITO, defaults
from analysis.stats.fairness import OVERALL, STAGES

__all__ = ["READING_GUIDE", "impact_chart", "dif_chart", "interviewer_chart"]

READING_GUIDE = {
    "impact_ratios": "Each dot is a group's selection rate divided by the rate of the group with the highest rate, "
                     "at one stage (panel) and level (colour). Left of the dashed 0.8 line the four-fifths rule of "
                     "thumb is broken. It is a rule of thumb, not a test: read the flag (Fisher's exact test and "
                     "power) in adverse_impact.csv before concluding anything. Groups with fewer than "
                     f"{config.SMALL_GROUP} candidates are not drawn.",
    "dif_effects": "Each dot is a question's MH D-DIF for one group against the reference group, for candidates of "
                   "equal ability. Left of zero: harder for that group at the same ability. The shaded bands are "
                   "the ETS classes: inside +-1 negligible (A), 1-1.5 moderate (B), beyond 1.5 large (C). Filled dots "
                   "are flagged (B or C and significant after false-discovery control). Read a flagged question "
                   "before doing anything: it may test something the job needs.",
    "interviewer_gaps": "Each dot is an interviewer's pass rate for one group minus their pass rate for their other "
                        "candidates. Filled dots are significant after false-discovery control across interviewers. "
                        "Pass rates are not adjusted for the candidates each interviewer saw: look at the same "
                        "interviewer's scores before talking to them.",
}


def _suppressed_note(n_sup: int, small_group: int) -> str | None:
    """The subtitle saying how many cells a chart leaves out, or None when it leaves out none."""
    if not n_sup:
        return None
    return (f"{n_sup} cell{'s' if n_sup != 1 else ''} suppressed (fewer than {small_group} candidates, or hiding "
            "one): not drawn")


def impact_chart(adverse: pd.DataFrame, *, threshold: float = 0.8,
                 small_group: int = config.SMALL_GROUP) -> go.Figure:
    """Impact ratios per group, one panel per stage, one colour per level, with the 0.8 line.

    Only groups compared with a reference are drawn (not suppressed, not "not disclosed");
    the title says how many cells were suppressed (``small_group``: the floor the table was
    suppressed at, for that note).
    """
    d = adverse[~adverse["suppressed"].astype(bool) & adverse["impact_ratio"].notna()].copy()
    n_sup = int(adverse["suppressed"].astype(bool).sum())
    stages = [s for s in STAGES if s in set(adverse["stage"])] or list(STAGES[:1])
    fig = make_subplots(rows=1, cols=len(stages), shared_yaxes=True, subplot_titles=list(stages))
    d["label"] = d["attribute"].astype(str) + ": " + d["group"].astype(str)
    colors = {**defaults.level_colors, OVERALL: OKABE_ITO["black"]}
    for j, st in enumerate(stages, start=1):
        for level in (OVERALL, *config.LEVELS):
            v = d[(d["stage"] == st) & (d["level"] == level)]
            if v.empty:
                continue
            fig.add_trace(go.Scatter(
                x=v["impact_ratio"], y=v["label"], mode="markers", name=level, legendgroup=level,
                showlegend=j == 1, marker=dict(color=colors.get(level), size=10 if level == OVERALL else 7,
                                               symbol="diamond" if level == OVERALL else "circle"),
                customdata=np.c_[v["selection_rate"], v["flag"].astype(str), v["reference_group"].astype(str)],
                hovertemplate="%{y}<br>impact ratio %{x}<br>selection rate %{customdata[0]}<br>reference "
                              "%{customdata[2]}<br>%{customdata[1]}<extra>%{fullData.name}</extra>"), row=1, col=j)
        fig.add_vline(x=threshold, line_dash="dash", line_color=OKABE_ITO["vermillion"], row=1, col=j)
    fig.update_xaxes(title_text="impact ratio (vs highest-rate group)", rangemode="tozero")
    n_rows = max(1, d["label"].nunique())
    return finish(fig, "Selection rate relative to the highest-rate group (four-fifths line dashed)",
                  subtitle=_suppressed_note(n_sup, small_group), height=max(360, 120 + 40 * n_rows), digits=3)


def dif_chart(dif_table: pd.DataFrame, questions: pd.DataFrame | None = None) -> go.Figure:
    """MH D-DIF (or SMD) per question for each focal group, with the ETS bands; flagged dots filled;
    the question text in the hover (escaped)."""
    d = dif_table[dif_table["effect"].notna()].copy()
    text = {}
    if questions is not None:
        text = dict(zip(questions["question_id"].astype(str), questions["question"].astype(str)))
    ordinal = d["ets_class"].isin(["AA", "BB", "CC"]).any()
    fig = go.Figure()
    if not ordinal:
        fig.add_vrect(x0=-1, x1=1, fillcolor=OKABE_ITO["bluish green"], opacity=0.08, line_width=0)
        for lo, hi in ((-1.5, -1), (1, 1.5)):
            fig.add_vrect(x0=lo, x1=hi, fillcolor=OKABE_ITO["orange"], opacity=0.12, line_width=0)
    fig.add_vline(x=0, line_color=NEUTRALS["guide"])
    palette = defaults.colorway
    for i, ((a, f), v) in enumerate(d.groupby(["attribute", "focal"], sort=False)):
        name = f"{a}: {f} vs {v['reference'].iloc[0]}"
        flagged = v["flag"] != ""
        fig.add_trace(go.Scatter(
            x=v["effect"].round(2), y=v["question_id"].astype(str), mode="markers", name=name,
            marker=dict(color=palette[i % len(palette)], size=np.where(flagged, 12, 8),
                        symbol=np.where(flagged, "circle", "circle-open"), line=dict(width=1.5)),
            customdata=np.c_[v["question_id"].map(lambda q: text.get(q, "")), v["ets_class"].astype(str),
                             v["q_value"].round(3)],
            hovertemplate="%{y}: %{customdata[0]}<br>effect %{x}, class %{customdata[1]}, q %{customdata[2]}"
                          "<extra>%{fullData.name}</extra>"))
    fig.update_yaxes(autorange="reversed", title_text=None)
    fig.update_xaxes(title_text=("standardised mean difference (score points; < 0 = lower for the group)" if ordinal
                                 else "MH D-DIF (< 0 = harder for the group at equal ability)"))
    return finish(fig, "Differential item functioning per question (matched on ability)",
                  height=max(420, 120 + 22 * max(1, d["question_id"].nunique())), digits=3)


def interviewer_chart(iv: pd.DataFrame, *, small_group: int = config.SMALL_GROUP) -> go.Figure:
    """Each interviewer's pass-rate gap (group minus their other candidates), flagged dots filled;
    ``small_group`` as for :func:`impact_chart`."""
    d = iv[~iv["suppressed"].astype(bool) & iv["selection_rate"].notna() & iv["reference_rate"].notna()].copy()
    d["gap"] = (d["selection_rate"] - d["reference_rate"]).round(3)
    fig = go.Figure()
    fig.add_vline(x=0, line_color=NEUTRALS["guide"])
    palette = defaults.colorway
    for i, ((a, g), v) in enumerate(d.groupby(["attribute", "group"], sort=False)):
        flagged = v["flag"] != ""
        fig.add_trace(go.Scatter(
            x=v["gap"], y=v["interviewer"].astype(str), mode="markers", name=f"{a}: {g}",
            marker=dict(color=palette[i % len(palette)], size=np.where(flagged, 12, 8),
                        symbol=np.where(flagged, "circle", "circle-open"), line=dict(width=1.5)),
            customdata=np.c_[v["q_value"].round(3)],
            hovertemplate="%{y}: gap %{x}, q %{customdata[0]}<extra></extra>"))
    fig.update_xaxes(title_text="pass rate of the group minus the interviewer's other candidates")
    n_sup = int(iv["suppressed"].astype(bool).sum())
    return finish(fig, "Interviewers: pass-rate gap by group", subtitle=_suppressed_note(n_sup, small_group),
                  height=max(380, 120 + 30 * max(1, d["interviewer"].nunique())), digits=3)


