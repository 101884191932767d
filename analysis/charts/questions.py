"""Charts of the question tables: how well questions, topics and levels separate strong from weak
candidates, their scores, their red flags and their drift over time. A tidy table of
:mod:`analysis.stats` in, a finished ``go.Figure`` out (:func:`analysis.charts.finish.finish`).

A statistic resting on fewer candidates than the calibration's ``min_n`` (``too_few``) or the privacy
floor (``small_group``, :data:`analysis.config.SMALL_GROUP`) is not drawn as a finding; the subtitle
says how many were left out and why, and states n. The highest value is at the top (or the right), and
titles state the finding, computed from the table drawn.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis import config
from analysis.charts._layout import CHAR_WIDTH, fixed_frame, place_labels, plot_area, to_px
from analysis.charts._parts import GREY, band_guides, band_labels, ends, join, judgeable, no_data, plural, x_range
from analysis.charts.finish import DIGITS, finish
from analysis.charts.theme import NEUTRALS, defaults
from analysis.stats.item_ids import with_item_labels
from analysis.stats.verdicts import question_verdicts

__all__ = ["question_ranking", "score_distributions", "level_heatmap", "topic_separation", "level_separation",
           "red_flag_lift", "drift_lines"]


def question_ranking(question_stats: pd.DataFrame, *, min_n: int | None = None, context: str | None = None,
                     small_group: int = config.SMALL_GROUP) -> go.Figure:
    """Questions ranked by adjusted discrimination with 95% intervals, best at the top of each
    level's panel, coloured by topic. Questions asked of too few candidates (``too_few``) are not
    drawn; the subtitle counts them. Levels with no question to draw get no panel. The title counts the
    table's ``verdict`` column (:mod:`analysis.stats.verdicts`: ``keep`` and ``rewrite``), so it says
    what the brief says; a table without one is given verdicts as intervals without Monte Carlo error."""
    if "verdict" not in question_stats:
        question_stats = question_stats.assign(verdict=question_verdicts(question_stats, None))
    question_stats = with_item_labels(question_stats)   # one mark per version: mid-caching v1, mid-caching v2
    shown, n_few, n_missing = judgeable(question_stats, min_n=min_n, small_group=small_group)
    shown = shown.astype({"level": str, "topic": str, "question_id": str})
    levels = [lv for lv in config.LEVELS if (shown["level"] == lv).any()]
    counts = [int((shown["level"] == lv).sum()) for lv in levels]
    sub = join([f"n = candidates per question ({int(shown['n_candidates'].min())}-{int(shown['n_candidates'].max())})"
                 if len(shown) else "",
                 f"{plural(n_few, 'question')} asked of too few candidates not shown" if n_few else "",
                 f"{n_missing} not estimable" if n_missing else "", context])
    if not levels:
        fig = go.Figure()
        no_data(fig, "No question was asked of enough candidates to judge")
        return finish(fig, "Not enough candidates to rank the questions yet", subtitle=sub, height=360)
    fig = make_subplots(rows=len(levels), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        row_heights=[max(c, 2) for c in counts])
    legend_seen = set()
    for row, lv in enumerate(levels, start=1):
        d = shown[shown["level"] == lv].sort_values("discrimination")   # ascending: best drawn at the top
        for topic, g in d.groupby("topic", sort=False):
            x, plus, minus = ends(g, "discrimination", "discrimination_low", "discrimination_high")
            fig.add_scatter(x=x, y=g["question_id"].tolist(), mode="markers", row=row, col=1,
                            name=topic, legendgroup=topic, showlegend=topic not in legend_seen,
                            marker=dict(size=9, color=defaults.topic_colors.get(topic, defaults.other_color),
                                        line=dict(width=1, color=NEUTRALS["white"])),
                            error_x=dict(type="data", array=plus, arrayminus=minus, thickness=1.2),
                            customdata=np.c_[g["topic"].to_numpy(object), g["n_candidates"].to_numpy(),
                                             g["band"].astype(str).to_numpy(object),
                                             np.round(g["discrimination_low"].to_numpy(float), DIGITS),
                                             np.round(g["discrimination_high"].to_numpy(float), DIGITS),
                                             g["verdict"].astype(str).to_numpy(object)],
                            hovertemplate="%{y}<br>topic %{customdata[0]}<br>discrimination %{x:.2f} "
                                          "[%{customdata[3]:.2f}, %{customdata[4]:.2f}]<br>"
                                          "%{customdata[1]} candidates, %{customdata[2]}; verdict: "
                                          "%{customdata[5]}<extra></extra>")
            legend_seen.add(topic)
        fig.update_yaxes(categoryorder="array", categoryarray=d["question_id"].tolist(), row=row, col=1,
                         title_text=f"{lv} questions")
        band_guides(fig, row=row, label=False)
    lo = shown["discrimination_low"]
    hi = shown["discrimination_high"]
    fig.update_xaxes(range=x_range(lo, hi))
    fig.update_xaxes(title_text="Discrimination (adjusted r, 95% CI)", row=len(levels), col=1)
    band_labels(fig)
    good = int((shown["verdict"] == "keep").sum())
    poor = int((shown["verdict"] == "rewrite").sum())
    title = (f"{plural(good, 'question')} clearly separate{'s' if good == 1 else ''} strong from weak (keep); "
             f"{poor} {'is' if poor == 1 else 'are'} clearly poor (rewrite or retire)")
    height = 22 * len(shown) + 70 * len(levels) + 170
    fig.update_layout(legend=dict(orientation="v", x=1.01, y=1, yanchor="top"), margin=dict(l=10, r=10, t=100, b=10))
    return finish(fig, title, subtitle=sub, height=max(420, height))


def score_distributions(strong_weak: pd.DataFrame, questions=None, *, columns: int = 6,
                        context: str | None = None) -> go.Figure:
    """Score distribution of strong vs weak candidates per question (share of answers at each
    score), one small panel per question that has answers of both groups."""
    d = with_item_labels(strong_weak)   # one panel per version: mid-caching v1, mid-caching v2
    d["question_id"] = d["question_id"].astype(str)
    if questions is not None:
        d = d[d["question_id"].isin([str(q) for q in questions])]
    groups = d.groupby("question_id")["group"].nunique()
    qs = sorted(groups.index[groups >= 2])
    dropped = len(groups) - len(qs)
    sub = join([f"n = answers per question ({int(d.groupby('question_id')['n'].sum().min())}-"
                 f"{int(d.groupby('question_id')['n'].sum().max())})" if len(d) else "",
                 f"{plural(dropped, 'question')} with answers of one group only not shown" if dropped else "", context])
    if not qs:
        fig = go.Figure()
        no_data(fig, "No question has answers of both strong and weak candidates in this slice")
        return finish(fig, "Not enough strong and weak candidates to compare", subtitle=sub, height=360)
    rows = math.ceil(len(qs) / columns)
    # a panel title longer than its panel is cut (the hover names the question in full)
    fit = max(4, int((defaults.width - 20) / min(columns, len(qs)) * 0.9 / (CHAR_WIDTH * 9)))
    titles = [q if len(q) <= fit else q[:fit - 1] + "…" for q in qs]
    fig = make_subplots(rows=rows, cols=min(columns, len(qs)), subplot_titles=titles, horizontal_spacing=0.03,
                        vertical_spacing=min(0.08, 0.5 / rows), shared_yaxes=True)
    seen = set()
    for i, q in enumerate(qs):
        r, c = i // columns + 1, i % columns + 1
        for grp in ("weak", "strong"):
            g = d[(d["question_id"] == q) & (d["group"] == grp)].set_index("score")["share"]
            g = g.reindex(list(config.SCORES), fill_value=0.0)
            fig.add_bar(x=list(config.SCORES), y=g.to_numpy(float), name=grp, legendgroup=grp,
                        showlegend=grp not in seen, marker_color=defaults.strong_weak_colors[grp], row=r, col=c,
                        customdata=[[q, grp]] * len(g),
                        hovertemplate="%{customdata[0]}, %{customdata[1]}: score %{x}, %{y:.0%}<extra></extra>")
            seen.add(grp)
    fig.update_annotations(font_size=9)
    fig.update_xaxes(dtick=1, tickfont_size=9)
    fig.update_yaxes(tickformat=".0%", tickfont_size=9, rangemode="tozero")
    fig.update_layout(barmode="group", bargap=0.15, legend=dict(orientation="h", x=1, xanchor="right", y=1.06,
                                                                 yanchor="bottom"),
                      margin=dict(l=10, r=10, t=110, b=10))
    return finish(fig, "Scores of strong vs weak candidates, per question", subtitle=sub, height=140 * rows + 160)


def level_heatmap(heatmap: pd.DataFrame, *, context: str | None = None,
                  small_group: int = config.SMALL_GROUP) -> go.Figure:
    """Mean score by question level x candidate level; cells with fewer than ``small_group`` answers are left
    blank ("too few")."""
    z = heatmap.pivot(index="question_level", columns="candidate_level", values="mean_score")
    n = heatmap.pivot(index="question_level", columns="candidate_level", values="n")
    z = z.reindex(index=list(config.LEVELS), columns=list(config.LEVELS)).to_numpy(dtype=float)
    n = n.reindex(index=list(config.LEVELS), columns=list(config.LEVELS)).fillna(0).astype(int).to_numpy()
    few = (n > 0) & (n < small_group)
    z = np.where(few, np.nan, np.round(z, DIGITS))
    text = np.where(n == 0, "not asked", np.where(few, f"too few (n<{small_group})", np.char.add(
        np.char.mod("%.2f", np.nan_to_num(z)), np.char.add("  n=", n.astype(str)))))
    fig = go.Figure(go.Heatmap(z=z, x=list(config.LEVELS), y=list(config.LEVELS), text=text,
                               texttemplate="%{text}", colorscale=defaults.colorscale(), zmin=1, zmax=4, customdata=n,
                               hovertemplate="question level %{y}, candidate level %{x}: %{text}<extra></extra>",
                               colorbar=dict(title="Mean score")))
    fig.update_xaxes(title="Candidate level")
    fig.update_yaxes(title="Question level", autorange="reversed")
    sub = join([f"n = {int(n.sum())} answers", f"{int(few.sum())} cells with fewer than {small_group} answers blank"
                 if few.any() else "", context])
    return finish(fig, "Each level's questions score highest with the most senior candidates"
                  if _rises(z) else "Mean score by question level and candidate level", subtitle=sub, height=480)


def _rises(z) -> bool:
    rows = [r[np.isfinite(r)] for r in z]
    rows = [r for r in rows if len(r) >= 2]
    return bool(rows) and all(np.all(np.diff(r) >= 0) for r in rows)


def _interval_dots(d: pd.DataFrame, key: str, *, colors: dict, what: str, n_few: int, n_missing: int,
                   context: str | None) -> go.Figure:
    d = d.sort_values("discrimination")                       # ascending: best at the top
    fig = go.Figure()
    if d.empty:
        no_data(fig, f"No {what} rests on enough candidates to judge")
    else:
        x, plus, minus = ends(d, "discrimination", "discrimination_low", "discrimination_high")
        keys = d[key].astype(str).tolist()
        fig.add_scatter(x=x, y=keys, mode="markers", showlegend=False,
                        marker=dict(size=12, color=[colors.get(k, defaults.other_color) for k in keys],
                                    line=dict(width=1, color=NEUTRALS["white"])),
                        error_x=dict(type="data", array=plus, arrayminus=minus, thickness=1.5),
                        customdata=np.c_[d["n_candidates"].to_numpy(), d["band"].astype(str).to_numpy(object),
                                         np.round(d["discrimination_low"].to_numpy(float), DIGITS),
                                         np.round(d["discrimination_high"].to_numpy(float), DIGITS)],
                        hovertemplate="%{y}: %{x:.2f} [%{customdata[2]:.2f}, %{customdata[3]:.2f}]<br>"
                                      "%{customdata[0]} candidates, %{customdata[1]}<extra></extra>")
        fig.update_yaxes(categoryorder="array", categoryarray=keys)
        fig.update_xaxes(range=x_range(d["discrimination_low"], d["discrimination_high"]))
        band_guides(fig)
    fig.update_xaxes(title="Discrimination (adjusted r, 95% CI)")
    sub = join([f"n = candidates per {what} ({int(d['n_candidates'].min())}-{int(d['n_candidates'].max())})"
                 if len(d) else "",
                 f"{plural(n_few, what)} with too few candidates not shown" if n_few else "",
                 f"{n_missing} not estimable" if n_missing else "", context])
    fig.update_layout(margin=dict(l=10, r=10, t=100, b=10))
    return fig, sub


def topic_separation(topic_stats: pd.DataFrame, *, min_n: int | None = None, context: str | None = None,
                     small_group: int = config.SMALL_GROUP) -> go.Figure:
    """Adjusted discrimination of each topic with 95% intervals, best at the top."""
    shown, n_few, n_missing = judgeable(topic_stats.astype({"topic": str}), min_n=min_n, small_group=small_group)
    fig, sub = _interval_dots(shown, "topic", colors=defaults.topic_colors, what="topic", n_few=n_few,
                              n_missing=n_missing, context=context)
    if shown.empty:
        title = "Not enough candidates to compare topics yet"
    else:
        best = shown.loc[shown["discrimination"].idxmax()]
        worst = shown.loc[shown["discrimination"].idxmin()]
        title = (f"{best['topic']} separates strong from weak best ({best['discrimination']:.2f}), "
                 f"{worst['topic']} least ({worst['discrimination']:.2f})")
    return finish(fig, title, subtitle=sub, height=max(380, 40 * len(shown) + 200))


def level_separation(level_stats: pd.DataFrame, *, min_n: int | None = None, context: str | None = None,
                     small_group: int = config.SMALL_GROUP) -> go.Figure:
    """The reliability of interviews at each level (Cronbach's alpha, bars, left panel) and how well each
    level's questions separate strong from weak (adjusted discrimination with its 95% interval, dots,
    right panel). Two statistics on two axes, each titled by what it shows: they share a 0-1 range but
    not a meaning. A level without interviews is not drawn; a discrimination on too few candidates is not
    drawn as a point."""
    d = level_stats.copy()
    d["level"] = d["level"].astype(str)
    d = d[pd.to_numeric(d.get("n_interviews", 1), errors="coerce").fillna(0) > 0]
    dots, n_few, n_missing = judgeable(d, min_n=min_n, small_group=small_group)
    order = [lv for lv in config.LEVELS if lv in set(d["level"])]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=["Interview reliability", "Discrimination of the level's questions"])
    fig.update_annotations(font_size=12)
    fig.add_bar(x=d["level"].tolist(), y=np.round(d["alpha"].to_numpy(float), DIGITS), row=1, col=1,
                name="Interview reliability (alpha)", marker_color=NEUTRALS["light"], showlegend=False,
                customdata=d["n_interviews"].to_numpy(),
                hovertemplate="%{x}: alpha %{y:.2f} over %{customdata} interviews<extra></extra>")
    x, plus, minus = ends(dots, "discrimination", "discrimination_low", "discrimination_high")
    fig.add_scatter(x=dots["level"].tolist(), y=x, mode="markers", name="Discrimination of the level's questions",
                    marker=dict(size=13, color=[defaults.level_colors.get(v, defaults.other_color)
                                                for v in dots["level"]]),
                    error_y=dict(type="data", array=plus, arrayminus=minus, color=NEUTRALS["ink"]),
                    customdata=dots["n_candidates"].to_numpy(), showlegend=False, row=1, col=2,
                    hovertemplate="%{x} questions: %{y:.2f}, %{customdata} candidates<extra></extra>")
    fig.add_hline(y=0.6, line_dash="dot", line_color=defaults.guide_color, annotation_text="alpha 0.6",
                  annotation_position="top left", annotation_font=dict(size=10, color=NEUTRALS["secondary"]),
                  row=1, col=1)
    fig.add_hline(y=0, line_color=defaults.guide_color, line_width=1, row=1, col=2)
    lows = np.r_[d["alpha"].to_numpy(float), dots["discrimination_low"].to_numpy(float), 0.0]
    y_range = [round(min(0.0, float(np.nanmin(lows)) - 0.05), 2), 1]
    fig.update_yaxes(range=y_range)
    fig.update_yaxes(title_text="Cronbach's alpha", row=1, col=1)
    fig.update_yaxes(title_text="Adjusted discrimination (r, 95% CI)", row=1, col=2)
    fig.update_xaxes(title_text="Level", categoryorder="array", categoryarray=order)
    fig.update_layout(margin=dict(l=10, r=10, t=110, b=40))
    alpha = d.dropna(subset=["alpha"])
    if alpha.empty:
        title = "Too few interviews to judge each level's reliability"
    else:
        low = alpha.loc[alpha["alpha"].idxmin()]
        title = (f"Interviews at {low['level']} level are the least reliable (alpha {low['alpha']:.2f})"
                 if len(alpha) > 1 else f"Interviews at {low['level']} level: alpha {low['alpha']:.2f}")
    sub = join([f"n = {int(d['n_interviews'].sum())} interviews",
                 f"{plural(n_few, 'level')} with too few candidates: no discrimination drawn" if n_few else "",
                 context])
    return finish(fig, title, subtitle=sub, height=480)


def red_flag_lift(question_stats: pd.DataFrame, *, min_n: int | None = None, max_labels: int = 8,
                  context: str | None = None, small_group: int = config.SMALL_GROUP) -> go.Figure:
    """Red-flag rate vs how much a red flag raises the chance of a weak outcome, per question,
    coloured by the question's level (three legend entries). Only the strongest warnings are
    labelled, where a label fits without overlapping another."""
    q = with_item_labels(question_stats).astype({"topic": str, "level": str, "question_id": str})
    has_lift = q.dropna(subset=["red_flag_lift"])
    shown, n_few, _ = judgeable(has_lift.assign(discrimination=has_lift["red_flag_lift"]), min_n=min_n,
                                small_group=small_group)
    shown = shown[shown["red_flag_lift"] > 0]
    n_no_lift = len(q) - len(has_lift)
    fig = go.Figure()
    fixed_frame(fig, l=70, r=20, t=120, b=60)
    fig.update_layout(width=defaults.width, height=560)
    sub = join([f"n = {len(shown)} questions", f"{n_few} asked of too few candidates not shown" if n_few else "",
                 f"{n_no_lift} without a lift (red flag never or always raised)" if n_no_lift else "", context])
    if shown.empty:
        no_data(fig, "No red flag rests on enough candidates to judge")
        return finish(fig, "Not enough candidates to judge the red flags yet", subtitle=sub, height=560)
    rate = np.round(shown["red_flag_rate"].to_numpy(float), DIGITS)
    lift = np.round(shown["red_flag_lift"].to_numpy(float), DIGITS)
    xr = [0.0, round(float(rate.max()) * 1.12 + 0.02, 2)]
    ly = np.log10(lift)
    pad = max(0.08, 0.08 * (ly.max() - ly.min()))
    yr = [round(float(min(ly.min(), 0.0) - pad), 3), round(float(max(ly.max(), 0.0) + pad), 3)]
    fig.update_xaxes(range=xr, tickformat=".0%", title="Red-flag rate (share of answers)")
    fig.update_yaxes(type="log", range=yr, title="Weak outcome, red flag vs none (x as likely)")
    fig.add_hline(y=1, line_dash="dot", line_color=GREY, annotation_text="no warning (x1)",
                  annotation_position="bottom right", annotation_font=dict(size=10, color=NEUTRALS["secondary"]))
    # the annotation's box, so no label is placed on it
    x0, y0, x1, y1 = plot_area(fig)
    _, py1 = to_px(fig, np.array([xr[1]]), np.array([1.0]), log_y=True)
    reserved = [(x1 - 100, py1[0], x1, py1[0] + 16)]
    texts, positions = place_labels(fig, rate, lift, shown["question_id"].tolist(), np.abs(np.log(lift)),
                                    font_size=10, max_labels=max_labels, reserved=reserved, log_y=True)
    shown = shown.assign(_text=texts, _pos=positions, _rate=rate, _lift=lift)
    for lv in config.LEVELS:
        g = shown[shown["level"] == lv]
        if g.empty:
            continue
        fig.add_scatter(x=g["_rate"].to_numpy(), y=g["_lift"].to_numpy(), mode="markers+text", name=f"{lv} questions",
                        text=g["_text"].tolist(), textposition=g["_pos"].tolist(),
                        textfont=dict(size=10, color=NEUTRALS["ink"]),
                        marker=dict(size=10, color=defaults.level_colors.get(lv, defaults.other_color),
                                    line=dict(width=1, color=NEUTRALS["white"])),
                        customdata=np.c_[g["question_id"].to_numpy(object), g["topic"].to_numpy(object),
                                         g["n_candidates"].to_numpy()],
                        hovertemplate="%{customdata[0]} (%{customdata[1]})<br>raised in %{x:.0%} of answers<br>"
                                      "weak outcome %{y:.2f}x as likely<br>%{customdata[2]} candidates<extra></extra>")
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1.01, yanchor="bottom"))
    title = _red_flag_title(shown)
    return finish(fig, title, subtitle=sub, height=560)


def _red_flag_title(shown: pd.DataFrame) -> str:
    """The red-flag chart's finding: the (at most two) strongest warnings, each with its own lift, so no
    question is credited with another's number."""
    top = shown.sort_values("red_flag_lift", ascending=False, kind="stable").head(2)
    named = [f"{q} ({'weak outcome ' if i == 0 else ''}{lift:.1f}x{' as likely' if i == 0 else ''})"
             for i, (q, lift) in enumerate(zip(top["question_id"], top["red_flag_lift"]))]
    return f"Red flags warn most on {' and '.join(named)}"


def drift_lines(drift_by_quarter: pd.DataFrame, drift_tests: pd.DataFrame, top: int = 5,
                questions=None, *, context: str | None = None, small_group: int = config.SMALL_GROUP) -> go.Figure:
    """Mean residual score by quarter for the ``top`` questions most likely to have got easier
    (or the given ``questions``: item labels, ``mid-caching v2``); quarters with fewer than ``small_group``
    answers to a question are not drawn. Each version of a rewritten question is a line of its own."""
    drift_tests, drift_by_quarter = with_item_labels(drift_tests), with_item_labels(drift_by_quarter)
    if questions is None:
        questions = drift_tests.sort_values("p_value")["question_id"].head(top).tolist()
    questions = [str(q) for q in questions]
    t = drift_tests.assign(question_id=drift_tests["question_id"].astype(str)).set_index("question_id")
    d = drift_by_quarter.assign(question_id=drift_by_quarter["question_id"].astype(str))
    d = d[d["question_id"].isin(questions)]
    few = d["n"] < small_group
    n_few = int(few.sum())
    d = d[~few]
    fig = go.Figure()
    for q in questions:
        g = d[d["question_id"] == q].sort_values("quarter")
        if g.empty or q not in t.index:
            continue
        qv = t.at[q, "q_value"]
        label = f"{q} (q={qv:.2g}{', drifting' if bool(t.at[q, 'drifting']) else ''})"
        fig.add_scatter(x=g["quarter"].astype(str).tolist(), y=g["mean_residual"].to_numpy(float), mode="lines+markers",
                        name=label, customdata=np.c_[g["n"].to_numpy(), np.round(g["mean_score"].to_numpy(float), DIGITS)],
                        hovertemplate="%{x}: %{y:+.2f} points vs expected<br>mean score %{customdata[1]:.2f}, "
                                      "%{customdata[0]} answers<extra></extra>")
    fig.add_hline(y=0, line_color=defaults.guide_color, line_dash="dot")
    fig.update_xaxes(title="Quarter", type="category", categoryorder="category ascending")
    fig.update_yaxes(title="Score vs expected (points)")
    fig.update_layout(legend=dict(orientation="h", y=-0.25), margin=dict(l=10, r=10, t=100, b=10))
    drifting = t[t["drifting"].astype(bool)] if "drifting" in t else t.iloc[0:0]
    title = (f"{plural(len(drifting), 'question')} may have got easier over time (q < 0.05)" if len(drifting)
             else f"No question has clearly got easier over time; the {len(fig.data)} with the steepest rise")
    sub = join([f"n = answers per quarter ({int(d['n'].min())}-{int(d['n'].max())})" if len(d) else "",
                 f"{plural(n_few, 'quarter')} with fewer than {small_group} answers not drawn" if n_few else "", context])
    return finish(fig, title, subtitle=sub, height=540)

