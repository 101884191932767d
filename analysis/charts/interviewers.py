"""Charts of the interviewer table: severity with intervals, and pass rates in a funnel plot.

Interviewers under the privacy floor (fewer than ``small_group`` interviews,
:data:`analysis.config.SMALL_GROUP`) are never drawn, and the subtitle counts them: the table goes
through :func:`analysis.stats.small_groups.suppress_small_interviewers`, the rule every output applies,
so no chart shows what the exported tables blank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import config
from analysis.charts._layout import fixed_frame, place_labels, plot_area, to_px
from analysis.charts._parts import ends, join, no_data, plural
from analysis.charts.finish import DIGITS, finish
from analysis.charts.theme import NEUTRALS, OKABE_ITO, defaults
from analysis.stats.small_groups import suppress_small_interviewers
from analysis.stats.verdicts import interviewer_verdicts

__all__ = ["interviewer_severity", "pass_rate_funnel"]


def interviewer_severity(interviewer_stats: pd.DataFrame, *, context: str | None = None,
                         small_group: int = config.SMALL_GROUP) -> go.Figure:
    """Interviewer severity in score points with 95% intervals (+ = harsher than the team), harshest
    at the top. Interviewers with fewer than ``small_group`` interviews are not drawn (privacy), nor are
    severities that could not be estimated (NaN; the reason is ``severity_note`` when the table has
    it); the subtitle counts both. A severity whose ``severity_basis`` is between candidates (no
    colleague saw the same candidates: it assumes comparable candidates) is an open dot. Colours and
    title follow the table's ``verdict`` (:mod:`analysis.stats.verdicts`), the brief's."""
    if "verdict" not in interviewer_stats:
        interviewer_stats = interviewer_stats.assign(verdict=interviewer_verdicts(interviewer_stats,
                                                                                  small_group=small_group))
    d = suppress_small_interviewers(interviewer_stats, small_group=small_group)
    small = d["small_group"].astype(bool)
    nan = ~small & d["severity"].isna()
    shown = d[~small & ~nan].sort_values("severity")
    n_between = (int(shown["severity_basis"].astype(str).str.startswith("between").sum())
                 if "severity_basis" in shown else 0)
    reasons = ""
    if nan.any() and "severity_note" in d:
        notes = d.loc[nan, "severity_note"].dropna().astype(str).value_counts()
        reasons = ", ".join(notes.index[:2])
    sub = join([f"n = {len(shown)} interviewers, {int(shown['n_interviews'].sum())} interviews" if len(shown) else "",
                 f"{plural(int(small.sum()), 'interviewer')} with fewer than {small_group} interviews not shown"
                 if small.any() else "",
                 f"{int(nan.sum())} not estimable{' (' + reasons + ')' if reasons else ''}" if nan.any() else "",
                 f"open dots: {n_between} compared only between candidates (assumes comparable candidates)"
                 if n_between else "",
                 context])
    fig = go.Figure()
    if shown.empty:
        no_data(fig, "No interviewer has enough interviews to estimate severity")
        return finish(fig, "Not enough interviews to compare interviewers yet", subtitle=sub, height=360)
    x, plus, minus = ends(shown, "severity", "severity_low", "severity_high")
    lo = np.round(shown["severity_low"].to_numpy(float), DIGITS)
    hi = np.round(shown["severity_high"].to_numpy(float), DIGITS)
    verdict = shown["verdict"].astype(str).to_numpy()
    colours = np.array([defaults.verdict_colors.get(v, defaults.verdict_colors["not clear"]) for v in verdict], dtype=object)
    names = shown["interviewer"].astype(str).tolist()
    # a severity resting on between-candidate comparison (nobody else saw these candidates) is drawn
    # open: it assumes the interviewer's candidates were as able as the team's
    between = (shown["severity_basis"].astype(str).str.startswith("between").to_numpy()
               if "severity_basis" in shown else np.zeros(len(shown), dtype=bool))
    basis = np.where(between, "between candidates (assumes comparable candidates)", "same candidates")
    fig.add_scatter(x=x, y=names, mode="markers", showlegend=False,
                    marker=dict(size=11, color=colours.tolist(),
                                symbol=np.where(between, "circle-open", "circle").tolist(),
                                line=dict(width=2, color=colours.tolist())),
                    error_x=dict(type="data", array=plus, arrayminus=minus),
                    customdata=np.c_[shown["n_interviews"].to_numpy(), lo, hi, basis, verdict],
                    hovertemplate="%{y}: %{x:+.2f} points [%{customdata[1]:+.2f}, %{customdata[2]:+.2f}], "
                                  "%{customdata[4]}<br>%{customdata[0]} interviews; compared on "
                                  "%{customdata[3]}<extra></extra>")
    fig.add_vline(x=0, line_color=defaults.guide_color)
    fig.update_xaxes(title="Severity (score points; + harsher, - softer than the team)")
    fig.update_yaxes(title=None, categoryorder="array", categoryarray=names)
    fig.update_layout(margin=dict(l=10, r=10, t=100, b=10))
    harsh, soft = int((verdict == "harsher").sum()), int((verdict == "softer").sum())
    if harsh or soft:
        title = (f"{plural(harsh, 'interviewer')} grade{'s' if harsh == 1 else ''} clearly harsher and "
                 f"{soft} clearly softer than the team")
    else:
        title = "No interviewer grades clearly harsher or softer than the team"
    return finish(fig, title, subtitle=sub, height=max(380, 34 * len(shown) + 200))



#: The funnel's point styles by ``funnel_flag``: legend label and colour (greys for "nothing unusual",
#: orange to watch, vermillion / blue beyond the 99.8% limits, as the severity chart's harsher / softer).
_FLAG_STYLE = {"": ("within the 95% limits", NEUTRALS["light"]), "watch": ("outside 95%", OKABE_ITO["orange"]),
               "above": ("above 99.8%", OKABE_ITO["vermillion"]), "below": ("below 99.8%", OKABE_ITO["blue"])}


def pass_rate_funnel(interviewer_stats: pd.DataFrame, *, max_labels: int = 8, context: str | None = None,
                     small_group: int = config.SMALL_GROUP) -> go.Figure:
    """Funnel plot of pass rates: control limits around the team rate narrow as interviews grow.
    Interviewers outside the limits are coloured and labelled; interviewers with fewer than
    ``small_group`` interviews are not drawn."""
    raw = interviewer_stats
    d = suppress_small_interviewers(raw, small_group=small_group)
    p0 = float(raw["team_pass_rate"].iloc[0]) if len(raw) else np.nan
    shown = d[~d["small_group"].astype(bool) & d["pass_rate"].notna()].copy()
    n_small = int(d["small_group"].astype(bool).sum())
    nmax = max(int(raw["n_interviews"].max()) if len(raw) else 10, 10)
    n = np.arange(2, int(nmax * 1.15) + 2)
    fig = go.Figure()
    fixed_frame(fig, l=70, r=20, t=120, b=60)
    fig.update_layout(width=defaults.width, height=540)
    for z, dash, name in ((1.959964, "dash", "95% limits"), (3.090232, "solid", "99.8% limits")):
        se = np.sqrt(p0 * (1 - p0) / n)
        for sign, show in ((1, True), (-1, False)):
            fig.add_scatter(x=n, y=np.clip(p0 + sign * z * se, 0, 1), mode="lines", name=name, showlegend=show,
                            legendgroup=name, line=dict(color=defaults.guide_color, dash=dash, width=1), hoverinfo="skip")
    fig.update_xaxes(title="Interviews", range=[0, round(float(n.max()) + 1, 0)])
    fig.update_yaxes(title="Pass rate (yes / strong_yes)", tickformat=".0%", range=[0, 1])
    fig.add_hline(y=p0, line_color=NEUTRALS["ink"], line_width=1, annotation_text=f"team {p0:.0%}" if np.isfinite(p0) else "team",
                  annotation_position="top right", annotation_font=dict(size=10))
    sub = join([f"n = {len(shown)} interviewers, {int(shown['n_interviews'].sum())} interviews" if len(shown) else "",
                 f"{plural(n_small, 'interviewer')} with fewer than {small_group} interviews not shown" if n_small else "",
                 context])
    flag = shown["funnel_flag"].fillna("").astype(str) if "funnel_flag" in shown else pd.Series("", index=shown.index)
    shown["_flag"] = flag.where(flag.isin(list(_FLAG_STYLE)), "")
    if len(shown):
        x0, y0, x1, y1 = plot_area(fig)
        _, pyt = to_px(fig, np.array([0.0]), np.array([p0]))
        reserved = [(x1 - 70, pyt[0] - 16, x1, pyt[0])]
        priority = shown["_flag"].map({"above": 3, "below": 3, "watch": 2, "": 0}).to_numpy(float)
        labelled = priority > 0
        texts, positions = place_labels(fig, shown["n_interviews"].to_numpy(float),
                                        np.round(shown["pass_rate"].to_numpy(float), DIGITS),
                                        shown["interviewer"].astype(str).tolist(),
                                        np.where(labelled, priority, -1), max_labels=int(min(max_labels, labelled.sum())),
                                        reserved=reserved)
        shown["_text"], shown["_pos"] = texts, positions
        for key, (label, colour) in _FLAG_STYLE.items():
            g = shown[shown["_flag"] == key]
            if g.empty:
                continue
            fig.add_scatter(x=g["n_interviews"].to_numpy(), y=np.round(g["pass_rate"].to_numpy(float), DIGITS),
                            mode="markers+text", name=label, text=g["_text"].tolist(), textposition=g["_pos"].tolist(),
                            textfont=dict(size=10, color=colour if key else NEUTRALS["ink"]),
                            marker=dict(size=11 if key else 9, color=colour, line=dict(width=1, color=NEUTRALS["white"])),
                            customdata=np.c_[g["interviewer"].astype(str).to_numpy(object)],
                            hovertemplate="%{customdata[0]}: %{y:.0%} of %{x} interviews<extra></extra>")
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1.01, yanchor="bottom"))
    out = shown[shown["_flag"].isin(["above", "below"])] if len(shown) else shown
    if len(out):
        title = (f"{len(out)} interviewer{'s’ pass rates are' if len(out) > 1 else '’s pass rate is'} outside "
                 f"the 99.8% limits: {', '.join(out['interviewer'].astype(str).head(4))}")
    else:
        title = "No interviewer's pass rate is outside the 99.8% funnel limits"
    return finish(fig, title, subtitle=sub, height=540)

