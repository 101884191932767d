"""The item response theory charts: category curves of a question, test information per level with
its hiring bar, the interviewer severity ladder and severity drift by quarter, with their reading guide.

The numbers come from :mod:`analysis.stats.irt` (and the hiring bars from
:mod:`analysis.stats.kit_design`); these functions only draw them. Interviewers with fewer than
``small_group`` interviews (:data:`analysis.config.SMALL_GROUP`, the privacy floor) are left out of
the severity and drift charts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import config
from analysis.charts.finish import finish
from analysis.charts.theme import NEUTRALS, OKABE_ITO
from analysis.stats.irt import IRTFit, information_curves, item_probabilities
from analysis.stats.kit_design import hiring_bar

__all__ = ["icc_figure", "information_figure", "severity_figure", "drift_figure", "irt_figures",
           "IRT_READING_GUIDE", "FIT_BANDS"]

#: Decimals the IRT figures carry: abilities (in SDs of candidates) to 2, probabilities to 3,
#: information (its reciprocal is a squared SE) to 3. Beyond these nothing a reader can see changes.
ABILITY_DIGITS = 2
PROBABILITY_DIGITS = 3
INFORMATION_DIGITS = 3

#: The severity ladder's colours: infit in three bands (Wright & Linacre 1994), each a colour that
#: shows on white, with a legend entry; interviewers without an infit are grey.
FIT_BANDS = (("infit below 0.7: too predictable", OKABE_ITO["reddish purple"]),
             ("infit 0.7-1.3: as expected", OKABE_ITO["blue"]),
             ("infit above 1.3: erratic", OKABE_ITO["vermillion"]),
             ("infit not estimated", NEUTRALS["guide"]))

IRT_READING_GUIDE = {
    "irt_icc": "Each curve is the chance of a score at each ability. Where the curves cross is where "
               "the question sorts candidates: a steep question with crossings near your hiring bar is "
               "the one to keep.",
    "irt_information": "Higher = more precise. Each question measures best around its own difficulty; "
                       "the dashed line marks the level's hiring bar, where a kit should measure best.",
    "irt_drift": "Each line is one interviewer's severity quarter by quarter (quarters with few scores are "
                 "pooled with the next). A steady climb or fall is drift: an interviewer becoming harsher or "
                 "more lenient over time; the legend gives the slope per year.",
    "irt_severity": "A cross-check, not the verdict: the verdict (harsher / softer / not clear) comes from the "
                    "calibration's severity model, and irt_interviewers.csv shows both with models_agree. "
                    "Interviewers on the candidates' ability scale (joint many-facet graded response model; "
                    "+ = harsher: +0.5 means a candidate needs half a standard deviation more ability for the "
                    "same score), with 95% intervals. Fit (infit) near 1 is expected; above 1.3 erratic, below "
                    f"0.7 too predictable. Interviewers with fewer than {config.SMALL_GROUP} interviews are not shown.",
}


def icc_figure(fit: IRTFit, question_id: str, theta=None):
    """Item characteristic (category response) curves of one question: P(score = k | ability).

    The figure carries abilities to 2 decimals and probabilities to 3 (what a reader can tell apart;
    the fit itself agrees across machines to about 1e-10, so the rounded curves are the same on
    every CPU)."""
    if question_id not in set(fit.items["question"]):
        raise ValueError(f"icc_figure: question {question_id!r} is not in the fit; choose one of "
                         f"{', '.join(fit.items['question'][:5])}, ...")
    theta = np.linspace(-4, 4, 161) if theta is None else np.asarray(theta, float)
    a, thr = fit.params([question_id])
    p = item_probabilities(theta, a, thr, fit.model)[:, 0, :]
    fig = go.Figure()
    for k, c in enumerate(fit.categories):
        fig.add_trace(go.Scatter(x=np.round(theta, ABILITY_DIGITS), y=p[:, k], mode="lines", name=f"score {c}",
                                 hovertemplate="ability %{x:.1f}: %{y:.0%}<extra></extra>"))
    fig.update_layout(xaxis_title="ability (SD of candidates)", yaxis_title="probability")
    return finish(fig, f"How scores on {question_id} rise with ability (a = {a[0]:.2f})", digits=PROBABILITY_DIGITS)


def information_figure(curves: pd.DataFrame, bars: dict | None = None, *, group: str = "level",
                       title: str = "Information per level"):
    """Test information curves (the sum over each group's questions) with the hiring bars marked."""
    fig = go.Figure()
    grp = curves.groupby([group, "theta"], observed=True)["information"].sum().reset_index()
    for name, g in grp.groupby(group, observed=True):
        fig.add_trace(go.Scatter(x=g["theta"].round(ABILITY_DIGITS), y=g["information"], mode="lines", name=str(name)))
    for name, b in (bars or {}).items():
        if b is not None and np.isfinite(b):
            # rounded: the bar comes out of an optimiser, and figures carry what they mean (2 decimals)
            fig.add_vline(x=round(float(b), ABILITY_DIGITS), line_dash="dash", annotation_text=f"bar {name}")
    fig.update_layout(xaxis_title="ability", yaxis_title="information")
    return finish(fig, title, digits=INFORMATION_DIGITS)


def _fit_band(infit) -> np.ndarray:
    x = np.asarray(infit, float)
    return np.select([~np.isfinite(x), x < 0.7, x > 1.3], [3, 0, 2], default=1)


def severity_figure(raters: pd.DataFrame, *, small_group: int = config.SMALL_GROUP):
    """The severity ladder: interviewers' ``severity`` (+ = harsher) with 95% intervals, one colour per
    fit band (:data:`FIT_BANDS`: infit below 0.7, 0.7-1.3, above 1.3), harshest at the top.

    Every dot is a solid colour with a dark outline, so an interviewer who fits as expected is as
    visible as one who does not (a diverging scale centred on infit 1 would paint them white).
    Interviewers with fewer than ``small_group`` interviews are left out (the privacy floor)."""
    r = raters[raters["n_interviews"] >= small_group].sort_values("severity", kind="stable")
    band = _fit_band(r["infit"])
    fig = go.Figure()
    for k, (label, colour) in enumerate(FIT_BANDS):
        g = r[band == k]
        if g.empty:
            continue
        fig.add_trace(go.Scatter(
            x=g["severity"], y=g["rater"].astype(str).tolist(), mode="markers", name=label, showlegend=True,
            error_x=dict(type="data", array=1.96 * g["se"], color=colour),
            marker=dict(size=11, color=colour, line=dict(width=1, color=NEUTRALS["ink"])),
            customdata=np.c_[g["infit"], g["outfit"]],
            hovertemplate="%{y}: %{x:.2f}<br>infit %{customdata[0]}, outfit %{customdata[1]}<extra></extra>"))
    fig.add_vline(x=0, line_dash="dot")
    fig.update_layout(xaxis_title="severity (SD of ability)",
                      yaxis=dict(categoryorder="array", categoryarray=r["rater"].astype(str).tolist()))
    return finish(fig, "IRT cross-check of interviewer severity (ability scale, + = harsher)",
                  height=max(300, 40 * len(r) + 120),
                  digits=2)


def _quarter_label(quarter: str) -> str:
    """``"2024Q3"`` or a pooled ``"2024Q3..2024Q4"`` -> ``"2024 Q3"`` (where the pooled run starts)."""
    first = str(quarter).split("..", 1)[0]
    return f"{first[:4]} {first[4:]}"


def drift_figure(quarters: pd.DataFrame, raters: pd.DataFrame, *, small_group: int = config.SMALL_GROUP):
    """Severity by quarter, one line per interviewer (logits, + = harsher), from
    :func:`analysis.stats.irt.rater_quarters`.

    The x axis names quarters (``2024 Q1``, in time order); a point that pools quarters with few
    scores sits at the first of them and names them all on hover. Interviewers with fewer than
    ``small_group`` interviews are left out (the privacy floor)."""
    keep = set(raters.loc[raters["n_interviews"] >= small_group, "rater"])
    shown = quarters[quarters["rater"].isin(keep)]
    order = (shown.assign(label=shown["quarter"].map(_quarter_label)).sort_values("time")["label"]
             .drop_duplicates().tolist())
    fig = go.Figure()
    for name, g in shown.sort_values("time").groupby("rater"):
        slope = g["drift_per_year"].iloc[0]
        label = f"{name} ({slope:+.2f}/year)" if np.isfinite(slope) else str(name)
        fig.add_trace(go.Scatter(x=[_quarter_label(q) for q in g["quarter"]], y=g["severity"],
                                 mode="lines+markers", name=label,
                                 customdata=[str(q).replace("..", " to ") for q in g["quarter"]],
                                 hovertemplate="%{customdata}: %{y:.2f} logits<extra></extra>"))
    fig.add_hline(y=0, line_dash="dot")
    fig.update_layout(xaxis=dict(title="quarter", type="category", categoryorder="array", categoryarray=order),
                      yaxis_title="severity (logits)")
    return finish(fig, "Interviewer severity by quarter (logits, + = harsher)", digits=2)


def irt_figures(fit: IRTFit, questions: pd.DataFrame | None = None, *, question_id: str | None = None,
                small_group: int = config.SMALL_GROUP, quarters: pd.DataFrame | None = None) -> dict:
    """The IRT charts: item characteristic curves of one question (default: the most
    discriminating), information per level with its hiring bar, the severity ladder and, given
    ``quarters`` (:func:`analysis.stats.irt.rater_quarters`), severity drift."""
    figs = {}
    qid = question_id or str(fit.items.sort_values("discrimination", ascending=False)["question"].iloc[0])
    figs["irt_icc"] = icc_figure(fit, qid)
    level_of = None
    if questions is not None:
        level_of = dict(zip(questions["question_id"].astype(str), questions["level"].astype(str)))
    curves = information_curves(fit, level_of=level_of or {q: "all" for q in fit.items["question"]})
    bars = {}
    if fit.data is not None and "recommendation" in fit.data.columns and "level" in fit.data.columns:
        for lv in sorted(fit.data["level"].astype(str).unique()):
            try:
                bars[lv] = hiring_bar(fit, lv)["bar"]
            except ValueError:
                bars[lv] = None
    figs["irt_information"] = information_figure(curves, bars)
    if fit.raters is not None:
        figs["irt_severity"] = severity_figure(fit.raters, small_group=small_group)
    if quarters is not None and fit.raters is not None:
        figs["irt_drift"] = drift_figure(quarters, fit.raters, small_group=small_group)
    return figs

