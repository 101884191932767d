"""Plotly charts of the calibration tables: a tidy DataFrame in, a ``go.Figure`` out.

None of them calls ``.show()``; none shows a candidate id (only questions, topics, levels and
interviewers appear). Colours, labels, category orders and the template come from
:data:`analysis.theme.defaults`. :func:`figures` builds them all from a
:class:`analysis.calibration.Calibration`, and :data:`READING_GUIDE` says in a sentence or two how a
hiring lead should read each one (it is printed under the chart in the report).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from . import config
from .theme import defaults

__all__ = ["question_ranking", "score_distributions", "level_heatmap", "topic_separation", "level_separation",
           "red_flag_lift", "interviewer_severity", "pass_rate_funnel", "drift_lines", "figures", "READING_GUIDE"]

READING_GUIDE = {
    "question_ranking": "Each dot is a question's adjusted discrimination with its 95% interval (bootstrap over "
                        "candidates). Right is better: >= 0.40 very good, 0.30-0.39 good, 0.20-0.29 marginal, "
                        "< 0.20 poor (Ebel). Hollow dots were asked of too few candidates to judge. Retire a question "
                        "only when its whole interval sits in the poor band.",
    "score_distributions": "For each question, how strong and weak candidates (by the chosen criterion) scored. "
                           "A good question pushes the green bars right and the red bars left; overlapping bars "
                           "mean the question does not tell them apart.",
    "level_heatmap": "Mean score by the question's level (rows) and the candidate's level (columns). Reading along a "
                     "row shows the same questions stretching juniors and warming up seniors; the diagonal is "
                     "each level's own kit.",
    "topic_separation": "How well each topic (across levels) separates strong from weak, with 95% intervals. "
                        "A topic low here is one where the questions, not the candidates, are the problem.",
    "level_separation": "How well the questions of each level separate strong from weak (dots, left axis), and the "
                        "reliability of interviews at each level (Cronbach's alpha, bars). Alpha below 0.6 means "
                        "two interviews of the same candidate would often disagree.",
    "red_flag_lift": "For each question, how often its red flag is raised (x) and how many times more likely a "
                     "weak outcome is when it is (y). High on the chart: the red flag is a strong warning sign. "
                     "A lift near 1 means the red flag says little.",
    "interviewer_severity": "Score points each interviewer gives below (+, harsher) or above (-, softer) the team for "
                            "the same candidate and question, with 95% intervals. Intervals that cross zero: no "
                            "evidence of a difference yet.",
    "pass_rate_funnel": "Each interviewer's pass rate against their number of interviews. The funnel shows where a "
                        "rate would fall by chance around the team rate (95% dashed, 99.8% solid): only points "
                        "outside it are unusual. Pass rates are not adjusted for the candidates seen; severity is.",
    "drift_lines": "Mean score by quarter relative to what the candidates, levels and interviewers predict, for the "
                   "questions most likely to have got easier. A line that rises steadily suggests the question "
                   "has leaked; the legend gives the one-sided q-value of the trend.",
}


def _esc(values) -> list[str]:
    """Names typed by users, escaped: plotly renders a subset of HTML in text and labels."""
    return [html.escape(str(v)) for v in values]


def _finish(fig: go.Figure, title: str, height: int | None = None) -> go.Figure:
    defaults.apply(fig)
    fig.update_layout(title=title, legend_title_text=None, margin=dict(l=10, r=10, t=60, b=10))
    if height:
        fig.update_layout(height=height)
    return fig


def question_ranking(question_stats: pd.DataFrame) -> go.Figure:
    """Questions ranked by adjusted discrimination with 95% intervals, coloured by topic, split by the
    question's level. Questions flagged ``too_few`` are drawn hollow."""
    d = question_stats.sort_values("discrimination").copy()
    d["err_plus"] = d["discrimination_high"] - d["discrimination"]
    d["err_minus"] = d["discrimination"] - d["discrimination_low"]
    d["level"] = d["level"].astype(str)
    d["topic"] = d["topic"].astype(str)
    fig = px.scatter(d, x="discrimination", y="question_id", color="topic", facet_row="level",
                     error_x="err_plus", error_x_minus="err_minus",
                     color_discrete_map=defaults.topic_colors, labels=defaults.labels,
                     category_orders={"level": list(config.LEVELS)},
                     hover_data={"n": True, "band": True, "auc": ":.2f", "err_plus": False, "err_minus": False})
    too_few = dict(zip(d["question_id"], d["too_few"].astype(bool)))
    fig.for_each_trace(lambda t: t.update(marker_symbol=["circle-open" if too_few.get(q) else "circle" for q in t.y],
                                          marker_size=9))
    fig.update_yaxes(matches=None, categoryorder="total ascending", title=None)
    for d0, name in ((0.2, "marginal"), (0.3, "good"), (0.4, "very good")):
        fig.add_vline(x=d0, line_dash="dot", line_color="grey", opacity=0.6)
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
    return _finish(fig, "Which questions separate strong from weak (adjusted discrimination, 95% CI)", height=900)


def score_distributions(strong_weak: pd.DataFrame, questions=None) -> go.Figure:
    """Score distribution of strong vs weak candidates per question (share of answers at each score)."""
    d = strong_weak.copy()
    if questions is not None:
        d = d[d["question_id"].isin(list(questions))]
    fig = px.bar(d, x="score", y="share", color="group", barmode="group", facet_col="question_id",
                 facet_col_wrap=6, color_discrete_map=defaults.strong_weak_colors,
                 category_orders={"group": ["weak", "strong"], "score": list(config.SCORES)},
                 labels={**defaults.labels, "share": "Share"})
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1], font_size=10))
    fig.update_xaxes(dtick=1)
    return _finish(fig, "Scores of strong vs weak candidates, per question", height=900)


def level_heatmap(heatmap: pd.DataFrame) -> go.Figure:
    """Mean score by question level x candidate level."""
    z = heatmap.pivot(index="question_level", columns="candidate_level", values="mean_score")
    n = heatmap.pivot(index="question_level", columns="candidate_level", values="n")
    z = z.reindex(index=list(config.LEVELS), columns=list(config.LEVELS))
    n = n.reindex(index=list(config.LEVELS), columns=list(config.LEVELS)).fillna(0).astype(int)
    text = np.where(np.isnan(z.to_numpy(dtype=float)), "not asked",
                    np.char.add(np.char.mod("%.2f", np.nan_to_num(z.to_numpy(dtype=float))),
                                np.char.add("<br>n=", n.to_numpy().astype(str))))
    fig = go.Figure(go.Heatmap(z=z.to_numpy(dtype=float), x=list(z.columns), y=list(z.index), text=text,
                               texttemplate="%{text}", colorscale="RdYlGn", zmin=1, zmax=4,
                               colorbar=dict(title="Mean score")))
    fig.update_xaxes(title="Candidate level")
    fig.update_yaxes(title="Question level", autorange="reversed")
    return _finish(fig, "Mean score by question level and candidate level", height=480)


def _interval_dots(d: pd.DataFrame, key: str, title: str, color=None) -> go.Figure:
    d = d.sort_values("discrimination")
    fig = px.scatter(d, x="discrimination", y=key,
                     error_x=d["discrimination_high"] - d["discrimination"],
                     error_x_minus=d["discrimination"] - d["discrimination_low"],
                     color=key if color else None, color_discrete_map=color or {},
                     hover_data={"n": True, "band": True}, labels=defaults.labels)
    for d0 in (0.2, 0.3, 0.4):
        fig.add_vline(x=d0, line_dash="dot", line_color="grey", opacity=0.6)
    fig.update_layout(showlegend=False)
    return _finish(fig, title, height=480)


def topic_separation(topic_stats: pd.DataFrame) -> go.Figure:
    """Adjusted discrimination of each topic with 95% intervals."""
    return _interval_dots(topic_stats.astype({"topic": str}), "topic",
                          "Which topics separate strong from weak (adjusted, 95% CI)", defaults.topic_colors)


def level_separation(level_stats: pd.DataFrame) -> go.Figure:
    """Discrimination of each level's questions (with CI) and the reliability of interviews at each level."""
    d = level_stats.copy()
    fig = go.Figure()
    fig.add_bar(x=d["level"], y=d["alpha"], name="Interview reliability (alpha)", marker_color="#BBBBBB", opacity=0.7)
    fig.add_scatter(x=d["level"], y=d["discrimination"], mode="markers", name="Discrimination of the level's questions",
                    marker=dict(size=12, color=[defaults.level_colors.get(str(v), "#333") for v in d["level"]]),
                    error_y=dict(type="data", array=d["discrimination_high"] - d["discrimination"],
                                 arrayminus=d["discrimination"] - d["discrimination_low"]))
    fig.update_yaxes(title="Value", range=[min(0, float(np.nanmin(d[["alpha", "discrimination_low"]].to_numpy(dtype=float), initial=0))), 1])
    fig.update_xaxes(title="Level", categoryorder="array", categoryarray=list(config.LEVELS))
    return _finish(fig, "Levels: separation and reliability", height=460)


def red_flag_lift(question_stats: pd.DataFrame) -> go.Figure:
    """Red-flag rate vs how much a red flag raises the chance of a weak outcome, per question."""
    d = question_stats.dropna(subset=["red_flag_lift"]).astype({"topic": str, "level": str})
    fig = px.scatter(d, x="red_flag_rate", y="red_flag_lift", color="topic", symbol="level", text="question_id",
                     color_discrete_map=defaults.topic_colors, labels=defaults.labels,
                     category_orders={"level": list(config.LEVELS)}, hover_data={"n": True})
    fig.update_traces(textposition="top center", textfont_size=9)
    fig.add_hline(y=1, line_dash="dot", line_color="grey")
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(title="Risk ratio of a weak outcome (red flag vs none)")
    return _finish(fig, "Red flags: how often raised, how much they warn", height=560)


def interviewer_severity(interviewer_stats: pd.DataFrame) -> go.Figure:
    """Interviewer severity in score points with 95% intervals (+ = harsher than the team)."""
    d = interviewer_stats.dropna(subset=["severity"]).sort_values("severity")
    fig = go.Figure(go.Scatter(
        x=d["severity"], y=_esc(d["interviewer"]), mode="markers",
        marker=dict(size=11, color=np.where(d["severity_low"] > 0, "#C0392B", np.where(d["severity_high"] < 0, "#2E86C1", "#555"))),
        error_x=dict(type="data", array=d["severity_high"] - d["severity"], arrayminus=d["severity"] - d["severity_low"]),
        customdata=np.c_[d["n_interviews"]], hovertemplate="%{y}: %{x:+.2f} points<br>%{customdata[0]} interviews<extra></extra>"))
    fig.add_vline(x=0, line_color="grey")
    fig.update_xaxes(title="Severity (score points; + harsher, - softer than the team)")
    fig.update_yaxes(title=None)
    return _finish(fig, "Who grades harder or softer (same candidate, same question; 95% CI)",
                   height=max(360, 40 * len(d) + 120))


def pass_rate_funnel(interviewer_stats: pd.DataFrame) -> go.Figure:
    """Funnel plot of pass rates: control limits around the team rate narrow as interviews grow."""
    d = interviewer_stats.copy()
    p0 = float(d["team_pass_rate"].iloc[0]) if len(d) else np.nan
    nmax = max(int(d["n_interviews"].max()) if len(d) else 10, 10)
    n = np.arange(2, int(nmax * 1.15) + 2)
    fig = go.Figure()
    for z, dash, name in ((1.959964, "dash", "95% limits"), (3.090232, "solid", "99.8% limits")):
        se = np.sqrt(p0 * (1 - p0) / n)
        for sign, show in ((1, True), (-1, False)):
            fig.add_scatter(x=n, y=np.clip(p0 + sign * z * se, 0, 1), mode="lines", name=name, showlegend=show,
                            line=dict(color="grey", dash=dash, width=1), hoverinfo="skip")
    fig.add_hline(y=p0, line_color="black", line_width=1, annotation_text="team", annotation_position="right")
    shown = d[~d.get("small_group", pd.Series(False, index=d.index)).astype(bool)]
    fig.add_scatter(x=shown["n_interviews"], y=shown["pass_rate"], mode="markers+text", text=_esc(shown["interviewer"]),
                    textposition="top center", name="interviewers", marker=dict(size=10, color="#1f77b4"))
    fig.update_xaxes(title="Interviews")
    fig.update_yaxes(title="Pass rate (yes / strong_yes)", tickformat=".0%", range=[0, 1])
    return _finish(fig, "Pass rates against the team, with funnel limits", height=520)


def drift_lines(drift_by_quarter: pd.DataFrame, drift_tests: pd.DataFrame, top: int = 5,
                questions=None) -> go.Figure:
    """Mean residual score by quarter for the ``top`` questions most likely to have got easier
    (or the given ``questions``)."""
    if questions is None:
        questions = drift_tests.sort_values("p_value")["question_id"].head(top).tolist()
    t = drift_tests.set_index("question_id")
    d = drift_by_quarter[drift_by_quarter["question_id"].isin(questions)].copy()
    d["label"] = [f"{q} (q={t.at[q, 'q_value']:.2g}{', drifting' if t.at[q, 'drifting'] else ''})" for q in d["question_id"]]
    fig = px.line(d.sort_values("quarter"), x="quarter", y="mean_residual", color="label", markers=True,
                  labels={**defaults.labels, "mean_residual": "Score vs expected (points)", "label": ""},
                  hover_data={"n": True, "mean_score": ":.2f"})
    fig.add_hline(y=0, line_color="grey", line_dash="dot")
    fig.update_layout(legend=dict(orientation="h", y=-0.25))
    return _finish(fig, "Questions that may have got easier over time", height=520)


def figures(cal) -> dict[str, go.Figure]:
    """Every calibration chart of a :class:`analysis.calibration.Calibration`, by name."""
    return {
        "question_ranking": question_ranking(cal.question_stats),
        "score_distributions": score_distributions(cal.strong_weak),
        "level_heatmap": level_heatmap(cal.heatmap),
        "topic_separation": topic_separation(cal.topic_stats),
        "level_separation": level_separation(cal.level_stats),
        "red_flag_lift": red_flag_lift(cal.question_stats),
        "interviewer_severity": interviewer_severity(cal.interviewer_stats),
        "pass_rate_funnel": pass_rate_funnel(cal.interviewer_stats),
        "drift_lines": drift_lines(cal.drift_by_quarter, cal.drift_tests),
    }
