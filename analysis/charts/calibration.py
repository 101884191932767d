"""Plotly charts of the calibration tables: a tidy DataFrame in, a ``go.Figure`` out.

None of them calls ``.show()``; none shows a candidate id (only questions, topics, levels and
interviewers appear). Colours, labels, category orders and the template come from
:data:`analysis.charts.theme.defaults`. :func:`figures` builds them all from a
:class:`analysis.stats.calibration.Calibration`, and :data:`READING_GUIDE` says in a sentence or two how a
hiring lead should read each one (it is printed under the chart in the report).

What every chart does the same way
----------------------------------
- **One place for text and numbers.** Every chart ends in :func:`finish`, which escapes every
  piece of text a figure carries (trace values, labels, hover text, legend names, annotations,
  titles) exactly once, and rounds every number it carries to :data:`DIGITS` decimals. plotly
  renders a subset of HTML (``<a href>``, ``<b>``, ``<br>``) in labels and hover text, so a topic
  typed as ``<a href="https://evil.example/">t</a>`` would otherwise become a live link; escaped,
  it shows as the text that was typed. Markup the charts need themselves (line breaks in hover
  text) lives only in ``hovertemplate`` / ``texttemplate``, which never hold user text.
  Rounding to what a number means (a correlation to 3 decimals, a severity in score points to 3)
  makes a figure independent of the BLAS kernel and thread count of the machine that drew it.
- **Small samples are not drawn as findings.** A statistic resting on fewer candidates than the
  calibration's ``min_n`` (``too_few``) is not drawn as a point with an interval; interviewers with
  fewer than 5 interviews (:data:`analysis.reports.export.SMALL_GROUP`) are not drawn at all (the shared
  rule of :func:`analysis.reports.export.suppress_small_interviewers`); a severity that could not be
  estimated (NaN) is not drawn. The subtitle says how many were left out and why, and states n.
- **One ordering convention:** the highest value at the top (or the right).
- **Titles state the finding**, computed from the table drawn.
- **Labels never overlap:** point labels are placed by :func:`place_labels` (each label tries a
  few positions around its point and is dropped, keeping its hover text, when none is free).
"""

from __future__ import annotations

import html
import math
import unicodedata

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis import config
from analysis.charts.theme import defaults

__all__ = ["question_ranking", "score_distributions", "level_heatmap", "topic_separation", "level_separation",
           "red_flag_lift", "interviewer_severity", "pass_rate_funnel", "drift_lines", "figures", "READING_GUIDE",
           "finish", "plain_text", "place_labels", "label_boxes", "DIGITS", "EBEL_BANDS", "BUILDERS"]

#: Decimals every number in a figure is rounded to: correlations, shares, rates, lifts and score
#: points all mean nothing beyond the third decimal (bootstrap intervals move in the second).
DIGITS = 3
#: Ebel's bands of a discrimination index (Ebel & Frisbie 1991): lower edge and name.
EBEL_BANDS = ((0.2, "marginal"), (0.3, "good"), (0.4, "very good"))
#: Assumed width of a character as a share of the font size, for label boxes (Arial/Helvetica
#: average is 0.5-0.56 em; 0.6 keeps a margin).
CHAR_WIDTH = 0.6

READING_GUIDE = {
    "question_ranking": "Each dot is a question's adjusted discrimination with its 95% interval (bootstrap over "
                        "candidates), best at the top. Right is better: >= 0.40 very good, 0.30-0.39 good, 0.20-0.29 "
                        "marginal, < 0.20 poor (Ebel). Questions asked of too few candidates to judge are not drawn "
                        "(the subtitle says how many). Retire a question only when its whole interval sits in the "
                        "poor band.",
    "score_distributions": "For each question, how strong and weak candidates (by the chosen criterion) scored. "
                           "A good question pushes the green bars right and the red bars left; overlapping bars "
                           "mean the question does not tell them apart.",
    "level_heatmap": "Mean score by the question's level (rows) and the candidate's level (columns). Reading along a "
                     "row shows the same questions stretching juniors and warming up seniors; the diagonal is "
                     "each level's own kit.",
    "topic_separation": "How well each topic (across levels) separates strong from weak, with 95% intervals, best "
                        "at the top. A topic low here is one where the questions, not the candidates, are the problem.",
    "level_separation": "How well the questions of each level separate strong from weak (dots), and the "
                        "reliability of interviews at each level (Cronbach's alpha, bars). Alpha below 0.6 means "
                        "two interviews of the same candidate would often disagree.",
    "red_flag_lift": "For each question, how often its red flag is raised (x) and how many times more likely a "
                     "weak outcome is when it is (y). High on the chart: the red flag is a strong warning sign. "
                     "A lift near 1 means the red flag says little. Only the strongest warnings are labelled; "
                     "hover for the others.",
    "interviewer_severity": "Score points each interviewer gives below (+, harsher) or above (-, softer) the team for "
                            "the same candidate and question, with 95% intervals, harshest at the top. Intervals that "
                            "cross zero: no evidence of a difference yet. Interviewers with fewer than 5 interviews "
                            "are not shown.",
    "pass_rate_funnel": "Each interviewer's pass rate against their number of interviews. The funnel shows where a "
                        "rate would fall by chance around the team rate (95% dashed, 99.8% solid): only coloured "
                        "points outside it are unusual. Pass rates are not adjusted for the candidates seen; "
                        "severity is.",
    "drift_lines": "Mean score by quarter relative to what the candidates, levels and interviewers predict, for the "
                   "questions most likely to have got easier. A line that rises steadily suggests the question "
                   "has leaked; the legend gives the one-sided q-value of the trend.",
}

_MIN_GROUP = 5          # the privacy floor (analysis.reports.export.SMALL_GROUP); never judge below it
_GREY = "#888888"
_HARSH, _SOFT, _NEUTRAL = "#C0392B", "#2E86C1", "#555555"


# ----------------------------------------------------------------------------------------------
# The one place figures get their text and numbers
# ----------------------------------------------------------------------------------------------

def plain_text(value) -> str:
    """User text as plotly shows it literally: NFC-normalised, ``&``, ``<`` and ``>`` escaped.

    plotly decodes ``&amp;``, ``&lt;`` and ``&gt;`` back when it draws (but not ``&quot;``, which
    is why quotes are left alone: a name with a quote would otherwise show ``&quot;``).

    >>> plain_text('<a href="x">t</a> & co')
    '&lt;a href="x"&gt;t&lt;/a&gt; &amp; co'
    """
    s = unicodedata.normalize("NFC", "" if value is None else str(value))
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clean(value, digits):
    """One value of a figure: text escaped, floats rounded, everything else unchanged."""
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, (bool, np.bool_)) or value is None:
        return value
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return round(v, digits) if math.isfinite(v) else None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_clean(v, digits) for v in value]
    return value


def _clean_array(value, digits):
    if value is None:
        return None
    if isinstance(value, str):
        return plain_text(value)
    arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    if isinstance(arr, np.ndarray) and arr.dtype.kind == "f":
        out = np.round(arr.astype(float), digits)
        return out
    if isinstance(arr, np.ndarray) and arr.dtype.kind in "iub":
        return arr
    return _clean(list(value), digits)


_TRACE_ARRAYS = ("x", "y", "z", "text", "hovertext", "customdata")
_TRACE_TEXTS = ("name", "legendgroup")


def finish(fig: go.Figure, title: str, *, subtitle: str | None = None, height: int | None = None,
           digits: int = DIGITS) -> go.Figure:
    """Make a figure safe and stable: the last step of every chart in the workbook.

    Escapes (:func:`plain_text`) every text a figure carries, once: trace ``x``, ``y``, ``text``,
    ``hovertext``, ``customdata``, ``name`` and ``legendgroup``; every annotation; axis and legend
    titles and tick texts; the title and subtitle. Rounds every number carried in trace arrays,
    error bars and customdata to ``digits`` decimals. Applies the theme.

    Parameters
    ----------
    fig : go.Figure
        A figure built with plain (unescaped) text everywhere; markup only in ``hovertemplate`` and
        ``texttemplate``, which must not hold user text (reference it as ``%{customdata[i]}``).
    title : str
        The finding the chart shows (plain text).
    subtitle : str, optional
        n and what was left out (plain text).
    height : int, optional
    digits : int, default :data:`DIGITS`

    Returns
    -------
    go.Figure
        The same figure. Calling :func:`finish` twice on one figure is refused (it would escape
        twice and show ``&amp;lt;``).
    """
    if getattr(fig, "_icw_finished", False):
        raise ValueError("finish() was already applied to this figure: text would be escaped twice")
    for t in fig.data:
        for key in _TRACE_ARRAYS:
            if key in t and t[key] is not None:
                t[key] = _clean_array(t[key], digits)
        for key in _TRACE_TEXTS:
            if key in t and isinstance(t[key], str):
                t[key] = plain_text(t[key])
        for err in ("error_x", "error_y"):
            if err in t and t[err] is not None:
                for k in ("array", "arrayminus"):
                    if t[err][k] is not None:
                        t[err][k] = np.round(np.asarray(t[err][k], dtype=float), digits)
    for a in fig.layout.annotations:
        if a.text is not None:
            a.text = plain_text(a.text)
    for ax in [*fig.select_xaxes(), *fig.select_yaxes()]:
        if ax.title.text:
            ax.title.text = plain_text(ax.title.text)
        if ax.ticktext is not None:
            ax.ticktext = [plain_text(v) for v in ax.ticktext]
        if ax.categoryarray is not None:
            ax.categoryarray = [plain_text(v) if isinstance(v, str) else v for v in ax.categoryarray]
    defaults.apply(fig)
    fig.update_layout(title=dict(text=plain_text(title), x=0.01, xanchor="left",
                                 subtitle=dict(text=plain_text(subtitle) if subtitle else None,
                                               font=dict(size=12, color="#555"))),
                      legend_title_text=None)
    if fig.layout.legend.title.text:
        fig.layout.legend.title.text = plain_text(fig.layout.legend.title.text)
    if height:
        fig.update_layout(height=int(height))
    if fig.layout.margin.t is None:
        fig.update_layout(margin=dict(l=10, r=10, t=90, b=10))
    fig._icw_finished = True
    return fig


def _ends(d: pd.DataFrame, est: str, low: str, high: str):
    """Estimate and error-bar lengths from endpoints rounded first (so the drawn ends are exactly
    the rounded table values on any machine)."""
    x = np.round(d[est].to_numpy(float), DIGITS)
    lo = np.round(d[low].to_numpy(float), DIGITS)
    hi = np.round(d[high].to_numpy(float), DIGITS)
    return x, np.round(hi - x, DIGITS), np.round(x - lo, DIGITS)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _join(parts) -> str:
    return "; ".join(p for p in parts if p)


def _judgeable(d: pd.DataFrame, est: str = "discrimination", min_n: int | None = None):
    """Rows whose statistic may be drawn: estimated, not ``too_few``/``too few``, and at least the
    privacy floor of candidates. Returns (shown, n_too_few, n_missing)."""
    n_c = pd.to_numeric(d.get("n_candidates", pd.Series(np.inf, index=d.index)), errors="coerce")
    few = n_c < max(_MIN_GROUP, int(min_n or 0))
    if "too_few" in d:
        few |= d["too_few"].fillna(True).astype(bool)
    if "band" in d:
        few |= d["band"].astype(str).eq("too few")
    missing = ~few & d[est].isna()
    return d[~few & ~missing], int(few.sum()), int(missing.sum())


def _band_guides(fig: go.Figure, *, row=None, label: bool = True, yref="paper", y=1.0) -> None:
    """Dotted lines at the Ebel band edges, each band named once above the plot."""
    for x0, _ in EBEL_BANDS:
        if row is None:
            fig.add_vline(x=x0, line_dash="dot", line_color=_GREY, opacity=0.7)
        else:
            fig.add_vline(x=x0, line_dash="dot", line_color=_GREY, opacity=0.7, row=row, col=1)
    if not label:
        return
    marks = [(0.2, "poor", "right"), (0.25, "marginal", "center"), (0.35, "good", "center"),
             (0.4, "very good", "left")]
    for x0, text, anchor in marks:
        fig.add_annotation(x=x0, y=y, xref="x", yref=yref, text=text, showarrow=False, xanchor=anchor,
                           yanchor="bottom", font=dict(size=10, color="#666"), xshift={"right": -3, "left": 3}.get(anchor, 0))


def _x_range(lo, hi, floor=-0.2, ceil=0.8):
    lo = np.asarray(lo, float)
    hi = np.asarray(hi, float)
    a = min(floor, float(np.nanmin(lo)) - 0.05) if np.isfinite(lo).any() else floor
    b = max(ceil, float(np.nanmax(hi)) + 0.05) if np.isfinite(hi).any() else ceil
    return [round(max(a, -1.05), 2), round(min(b, 1.05), 2)]


def _empty(fig: go.Figure, message: str) -> None:
    fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", text=message, showarrow=False,
                       font=dict(size=14, color="#555"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)


# ----------------------------------------------------------------------------------------------
# Label placement (no two labels overlap)
# ----------------------------------------------------------------------------------------------

_POSITIONS = ("top center", "bottom center", "middle right", "middle left", "top right", "top left",
              "bottom right", "bottom left")


def _box(px, py, w, h, position, r):
    v, hz = position.split(" ")
    if hz == "center":
        x0 = px - w / 2
    elif hz == "right":
        x0 = px + r
    else:
        x0 = px - r - w
    if v == "top":
        y0 = py - r - h
    elif v == "bottom":
        y0 = py + r
    else:
        y0 = py - h / 2
    return (x0, y0, x0 + w, y0 + h)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _plot_area(fig: go.Figure):
    w = fig.layout.width or defaults.width
    h = fig.layout.height or defaults.height
    m = fig.layout.margin
    return (m.l, m.t, w - m.r, h - m.b)


def _to_px(fig, x, y, log_y=False):
    x0, y0, x1, y1 = _plot_area(fig)
    xr, yr = fig.layout.xaxis.range, fig.layout.yaxis.range
    yy = np.log10(y) if log_y else y
    px = x0 + (x - xr[0]) / (xr[1] - xr[0]) * (x1 - x0)
    py = y1 - (yy - yr[0]) / (yr[1] - yr[0]) * (y1 - y0)
    return px, py


def place_labels(fig: go.Figure, x, y, labels, priority, *, font_size: int = 10, marker_radius: float = 6,
                 max_labels: int = 8, reserved=(), log_y: bool = False):
    """Choose, for each point, a label position that overlaps no other label, or no label.

    The figure must have fixed margins and axis ranges (``xaxis.range``, ``yaxis.range``;
    ``automargin`` off), so a data point has a known pixel position. Points are labelled in order of
    ``priority`` (highest first), at most ``max_labels``; each tries :data:`_POSITIONS` in turn and
    takes the first whose box (``CHAR_WIDTH * font_size`` per character, 1.25 lines high) stays in
    the plot area and overlaps neither an earlier label nor a ``reserved`` box. A point with no
    free position is left unlabelled (its hover text still names it).

    Returns
    -------
    (text, textposition) : lists
        ``""`` for an unlabelled point, ready for a trace's ``text`` and ``textposition``.
    """
    area = _plot_area(fig)
    px, py = _to_px(fig, np.asarray(x, float), np.asarray(y, float), log_y=log_y)
    order = np.argsort(-np.asarray(priority, float), kind="stable")
    texts = [""] * len(labels)
    positions = ["top center"] * len(labels)
    placed = list(reserved)
    # markers are obstacles too (a label over another point hides it)
    dots = [(a - marker_radius, b - marker_radius, a + marker_radius, b + marker_radius) for a, b in zip(px, py)]
    for i in order[:max_labels]:
        label = str(labels[i])
        w, h = CHAR_WIDTH * font_size * len(label), 1.25 * font_size
        for pos in _POSITIONS:
            b = _box(px[i], py[i], w, h, pos, marker_radius)
            if b[0] < area[0] or b[2] > area[2] or b[1] < area[1] or b[3] > area[3]:
                continue
            if any(_overlaps(b, o) for o in placed):
                continue
            if any(_overlaps(b, dots[j]) for j in range(len(dots)) if j != i):
                continue
            placed.append(b)
            texts[i], positions[i] = label, pos
            break
    return texts, positions


def label_boxes(fig: go.Figure) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Pixel boxes of every point label of a figure's traces (``mode`` with ``text``), computed from
    its layout as :func:`place_labels` does, for tests of overlap. Log axes are handled."""
    boxes = []
    log_y = fig.layout.yaxis.type == "log"
    for t in fig.data:
        if t.type != "scatter" or not t.mode or "text" not in t.mode or t.text is None:
            continue
        texts = [t.text] * len(t.x) if isinstance(t.text, str) else list(t.text)
        pos = t.textposition if t.textposition is not None else "middle center"
        pos = [pos] * len(texts) if isinstance(pos, str) else list(pos)
        size = (t.textfont.size or 12)
        px, py = _to_px(fig, np.asarray(t.x, float), np.asarray(t.y, float), log_y=log_y)
        for i, s in enumerate(texts):
            if not s:
                continue
            shown = html.unescape(s)
            w, h = CHAR_WIDTH * size * len(shown), 1.25 * size
            p = pos[i] if pos[i] != "middle center" else "middle centre"
            if p == "middle centre":
                boxes.append((shown, (px[i] - w / 2, py[i] - h / 2, px[i] + w / 2, py[i] + h / 2)))
            else:
                boxes.append((shown, _box(px[i], py[i], w, h, p, 6)))
    return boxes


def _fixed_frame(fig, *, l=70, r=20, t=90, b=60):
    fig.update_layout(margin=dict(l=l, r=r, t=t, b=b, autoexpand=False))
    fig.update_xaxes(automargin=False)
    fig.update_yaxes(automargin=False)


# ----------------------------------------------------------------------------------------------
# The charts
# ----------------------------------------------------------------------------------------------

def question_ranking(question_stats: pd.DataFrame, *, min_n: int | None = None, context: str | None = None) -> go.Figure:
    """Questions ranked by adjusted discrimination with 95% intervals, best at the top of each
    level's panel, coloured by topic. Questions asked of too few candidates (``too_few``) are not
    drawn; the subtitle counts them. Levels with no question to draw get no panel."""
    shown, n_few, n_missing = _judgeable(question_stats, min_n=min_n)
    shown = shown.astype({"level": str, "topic": str, "question_id": str})
    levels = [lv for lv in config.LEVELS if (shown["level"] == lv).any()]
    counts = [int((shown["level"] == lv).sum()) for lv in levels]
    sub = _join([f"n = candidates per question ({int(shown['n_candidates'].min())}-{int(shown['n_candidates'].max())})"
                 if len(shown) else "",
                 f"{_plural(n_few, 'question')} asked of too few candidates not shown" if n_few else "",
                 f"{n_missing} not estimable" if n_missing else "", context])
    if not levels:
        fig = go.Figure()
        _empty(fig, "No question was asked of enough candidates to judge")
        return finish(fig, "Not enough candidates to rank the questions yet", subtitle=sub, height=360)
    fig = make_subplots(rows=len(levels), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        row_heights=[max(c, 2) for c in counts])
    legend_seen = set()
    for row, lv in enumerate(levels, start=1):
        d = shown[shown["level"] == lv].sort_values("discrimination")   # ascending: best drawn at the top
        for topic, g in d.groupby("topic", sort=False):
            x, plus, minus = _ends(g, "discrimination", "discrimination_low", "discrimination_high")
            fig.add_scatter(x=x, y=g["question_id"].tolist(), mode="markers", row=row, col=1,
                            name=topic, legendgroup=topic, showlegend=topic not in legend_seen,
                            marker=dict(size=9, color=defaults.topic_colors.get(topic, "#444")),
                            error_x=dict(type="data", array=plus, arrayminus=minus, thickness=1.2),
                            customdata=np.c_[g["topic"].to_numpy(object), g["n_candidates"].to_numpy(),
                                             g["band"].astype(str).to_numpy(object),
                                             np.round(g["discrimination_low"].to_numpy(float), DIGITS),
                                             np.round(g["discrimination_high"].to_numpy(float), DIGITS)],
                            hovertemplate="%{y}<br>topic %{customdata[0]}<br>discrimination %{x:.2f} "
                                          "[%{customdata[3]:.2f}, %{customdata[4]:.2f}]<br>"
                                          "%{customdata[1]} candidates, %{customdata[2]}<extra></extra>")
            legend_seen.add(topic)
        fig.update_yaxes(categoryorder="array", categoryarray=d["question_id"].tolist(), row=row, col=1,
                         title_text=f"{lv} questions")
        _band_guides(fig, row=row, label=False)
    lo = shown["discrimination_low"]
    hi = shown["discrimination_high"]
    fig.update_xaxes(range=_x_range(lo, hi))
    fig.update_xaxes(title_text="Discrimination (adjusted r, 95% CI)", row=len(levels), col=1)
    for x0, text, anchor in [(0.2, "poor", "right"), (0.25, "marginal", "center"), (0.35, "good", "center"),
                             (0.4, "very good", "left")]:
        fig.add_annotation(x=x0, y=1.0, xref="x", yref="paper", text=text, showarrow=False, xanchor=anchor,
                           yanchor="bottom", font=dict(size=10, color="#666"),
                           xshift={"right": -3, "left": 3}.get(anchor, 0))
    good = int((shown["discrimination_low"] >= 0.3).sum())
    poor = int((shown["discrimination_high"] < 0.2).sum())
    title = (f"{_plural(good, 'question')} clearly separate{'s' if good == 1 else ''} strong from weak; "
             f"{poor} {'is' if poor == 1 else 'are'} clearly poor")
    height = 22 * len(shown) + 70 * len(levels) + 170
    fig.update_layout(legend=dict(orientation="v", x=1.01, y=1, yanchor="top"), margin=dict(l=10, r=10, t=100, b=10))
    return finish(fig, title, subtitle=sub, height=max(420, height))


def score_distributions(strong_weak: pd.DataFrame, questions=None, *, columns: int = 6,
                        context: str | None = None) -> go.Figure:
    """Score distribution of strong vs weak candidates per question (share of answers at each
    score), one small panel per question that has answers of both groups."""
    d = strong_weak.copy()
    d["question_id"] = d["question_id"].astype(str)
    if questions is not None:
        d = d[d["question_id"].isin([str(q) for q in questions])]
    groups = d.groupby("question_id")["group"].nunique()
    qs = sorted(groups.index[groups >= 2])
    dropped = len(groups) - len(qs)
    sub = _join([f"n = answers per question ({int(d.groupby('question_id')['n'].sum().min())}-"
                 f"{int(d.groupby('question_id')['n'].sum().max())})" if len(d) else "",
                 f"{_plural(dropped, 'question')} with answers of one group only not shown" if dropped else "", context])
    if not qs:
        fig = go.Figure()
        _empty(fig, "No question has answers of both strong and weak candidates in this slice")
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


def level_heatmap(heatmap: pd.DataFrame, *, context: str | None = None) -> go.Figure:
    """Mean score by question level x candidate level; cells with fewer than 5 answers are left
    blank ("too few")."""
    z = heatmap.pivot(index="question_level", columns="candidate_level", values="mean_score")
    n = heatmap.pivot(index="question_level", columns="candidate_level", values="n")
    z = z.reindex(index=list(config.LEVELS), columns=list(config.LEVELS)).to_numpy(dtype=float)
    n = n.reindex(index=list(config.LEVELS), columns=list(config.LEVELS)).fillna(0).astype(int).to_numpy()
    few = (n > 0) & (n < _MIN_GROUP)
    z = np.where(few, np.nan, np.round(z, DIGITS))
    text = np.where(n == 0, "not asked", np.where(few, f"too few (n<{_MIN_GROUP})", np.char.add(
        np.char.mod("%.2f", np.nan_to_num(z)), np.char.add("  n=", n.astype(str)))))
    fig = go.Figure(go.Heatmap(z=z, x=list(config.LEVELS), y=list(config.LEVELS), text=text,
                               texttemplate="%{text}", colorscale="RdYlGn", zmin=1, zmax=4, customdata=n,
                               hovertemplate="question level %{y}, candidate level %{x}: %{text}<extra></extra>",
                               colorbar=dict(title="Mean score")))
    fig.update_xaxes(title="Candidate level")
    fig.update_yaxes(title="Question level", autorange="reversed")
    sub = _join([f"n = {int(n.sum())} answers", f"{int(few.sum())} cells with fewer than {_MIN_GROUP} answers blank"
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
        _empty(fig, f"No {what} rests on enough candidates to judge")
    else:
        x, plus, minus = _ends(d, "discrimination", "discrimination_low", "discrimination_high")
        keys = d[key].astype(str).tolist()
        fig.add_scatter(x=x, y=keys, mode="markers", showlegend=False,
                        marker=dict(size=12, color=[colors.get(k, "#444") for k in keys]),
                        error_x=dict(type="data", array=plus, arrayminus=minus, thickness=1.5),
                        customdata=np.c_[d["n_candidates"].to_numpy(), d["band"].astype(str).to_numpy(object),
                                         np.round(d["discrimination_low"].to_numpy(float), DIGITS),
                                         np.round(d["discrimination_high"].to_numpy(float), DIGITS)],
                        hovertemplate="%{y}: %{x:.2f} [%{customdata[2]:.2f}, %{customdata[3]:.2f}]<br>"
                                      "%{customdata[0]} candidates, %{customdata[1]}<extra></extra>")
        fig.update_yaxes(categoryorder="array", categoryarray=keys)
        fig.update_xaxes(range=_x_range(d["discrimination_low"], d["discrimination_high"]))
        _band_guides(fig)
    fig.update_xaxes(title="Discrimination (adjusted r, 95% CI)")
    sub = _join([f"n = candidates per {what} ({int(d['n_candidates'].min())}-{int(d['n_candidates'].max())})"
                 if len(d) else "",
                 f"{_plural(n_few, what)} with too few candidates not shown" if n_few else "",
                 f"{n_missing} not estimable" if n_missing else "", context])
    fig.update_layout(margin=dict(l=10, r=10, t=100, b=10))
    return fig, sub


def topic_separation(topic_stats: pd.DataFrame, *, min_n: int | None = None, context: str | None = None) -> go.Figure:
    """Adjusted discrimination of each topic with 95% intervals, best at the top."""
    shown, n_few, n_missing = _judgeable(topic_stats.astype({"topic": str}), min_n=min_n)
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


def level_separation(level_stats: pd.DataFrame, *, min_n: int | None = None, context: str | None = None) -> go.Figure:
    """Discrimination of each level's questions (with CI) and the reliability of interviews at each
    level. A level without interviews is not drawn; a discrimination on too few candidates is not
    drawn as a point."""
    d = level_stats.copy()
    d["level"] = d["level"].astype(str)
    d = d[pd.to_numeric(d.get("n_interviews", 1), errors="coerce").fillna(0) > 0]
    dots, n_few, n_missing = _judgeable(d, min_n=min_n)
    fig = go.Figure()
    fig.add_bar(x=d["level"].tolist(), y=np.round(d["alpha"].to_numpy(float), DIGITS),
                name="Interview reliability (alpha)", marker_color="#BBBBBB", opacity=0.8,
                customdata=d["n_interviews"].to_numpy(),
                hovertemplate="%{x}: alpha %{y:.2f} over %{customdata} interviews<extra></extra>")
    x, plus, minus = _ends(dots, "discrimination", "discrimination_low", "discrimination_high")
    fig.add_scatter(x=dots["level"].tolist(), y=x, mode="markers", name="Discrimination of the level's questions",
                    marker=dict(size=13, color=[defaults.level_colors.get(v, "#333") for v in dots["level"]]),
                    error_y=dict(type="data", array=plus, arrayminus=minus),
                    customdata=dots["n_candidates"].to_numpy(),
                    hovertemplate="%{x} questions: %{y:.2f}, %{customdata} candidates<extra></extra>")
    fig.add_hline(y=0.6, line_dash="dot", line_color=_GREY, annotation_text="alpha 0.6",
                  annotation_position="top left", annotation_font=dict(size=10, color="#666"))
    lows = np.r_[d["alpha"].to_numpy(float), dots["discrimination_low"].to_numpy(float), 0.0]
    fig.update_yaxes(title="Value", range=[round(min(0.0, float(np.nanmin(lows)) - 0.05), 2), 1])
    fig.update_xaxes(title="Level", categoryorder="array", categoryarray=[lv for lv in config.LEVELS
                                                                          if lv in set(d["level"])])
    fig.update_layout(legend=dict(orientation="h", x=0, y=-0.18), margin=dict(l=10, r=10, t=100, b=60))
    alpha = d.dropna(subset=["alpha"])
    if alpha.empty:
        title = "Too few interviews to judge each level's reliability"
    else:
        low = alpha.loc[alpha["alpha"].idxmin()]
        title = (f"Interviews at {low['level']} level are the least reliable (alpha {low['alpha']:.2f})"
                 if len(alpha) > 1 else f"Interviews at {low['level']} level: alpha {low['alpha']:.2f}")
    sub = _join([f"n = {int(d['n_interviews'].sum())} interviews",
                 f"{_plural(n_few, 'level')} with too few candidates: no discrimination drawn" if n_few else "",
                 context])
    return finish(fig, title, subtitle=sub, height=480)


def red_flag_lift(question_stats: pd.DataFrame, *, min_n: int | None = None, max_labels: int = 8,
                  context: str | None = None) -> go.Figure:
    """Red-flag rate vs how much a red flag raises the chance of a weak outcome, per question,
    coloured by the question's level (three legend entries). Only the strongest warnings are
    labelled, where a label fits without overlapping another."""
    q = question_stats.astype({"topic": str, "level": str, "question_id": str})
    has_lift = q.dropna(subset=["red_flag_lift"])
    shown, n_few, _ = _judgeable(has_lift.assign(discrimination=has_lift["red_flag_lift"]), min_n=min_n)
    shown = shown[shown["red_flag_lift"] > 0]
    n_no_lift = len(q) - len(has_lift)
    fig = go.Figure()
    _fixed_frame(fig, l=70, r=20, t=120, b=60)
    fig.update_layout(width=defaults.width, height=560)
    sub = _join([f"n = {len(shown)} questions", f"{n_few} asked of too few candidates not shown" if n_few else "",
                 f"{n_no_lift} without a lift (red flag never or always raised)" if n_no_lift else "", context])
    if shown.empty:
        _empty(fig, "No red flag rests on enough candidates to judge")
        return finish(fig, "Not enough candidates to judge the red flags yet", subtitle=sub, height=560)
    rate = np.round(shown["red_flag_rate"].to_numpy(float), DIGITS)
    lift = np.round(shown["red_flag_lift"].to_numpy(float), DIGITS)
    xr = [0.0, round(float(rate.max()) * 1.12 + 0.02, 2)]
    ly = np.log10(lift)
    pad = max(0.08, 0.08 * (ly.max() - ly.min()))
    yr = [round(float(min(ly.min(), 0.0) - pad), 3), round(float(max(ly.max(), 0.0) + pad), 3)]
    fig.update_xaxes(range=xr, tickformat=".0%", title="Red-flag rate (share of answers)")
    fig.update_yaxes(type="log", range=yr, title="Weak outcome, red flag vs none (x as likely)")
    fig.add_hline(y=1, line_dash="dot", line_color=_GREY, annotation_text="no warning (x1)",
                  annotation_position="bottom right", annotation_font=dict(size=10, color="#666"))
    # the annotation's box, so no label is placed on it
    x0, y0, x1, y1 = _plot_area(fig)
    _, py1 = _to_px(fig, np.array([xr[1]]), np.array([1.0]), log_y=True)
    reserved = [(x1 - 100, py1[0], x1, py1[0] + 16)]
    texts, positions = place_labels(fig, rate, lift, shown["question_id"].tolist(), np.abs(np.log(lift)),
                                    font_size=10, max_labels=max_labels, reserved=reserved, log_y=True)
    shown = shown.assign(_text=texts, _pos=positions, _rate=rate, _lift=lift)
    for lv in config.LEVELS:
        g = shown[shown["level"] == lv]
        if g.empty:
            continue
        fig.add_scatter(x=g["_rate"].to_numpy(), y=g["_lift"].to_numpy(), mode="markers+text", name=f"{lv} questions",
                        text=g["_text"].tolist(), textposition=g["_pos"].tolist(), textfont=dict(size=10),
                        marker=dict(size=10, color=defaults.level_colors.get(lv, "#444"), line=dict(width=1, color="white")),
                        customdata=np.c_[g["question_id"].to_numpy(object), g["topic"].to_numpy(object),
                                         g["n_candidates"].to_numpy()],
                        hovertemplate="%{customdata[0]} (%{customdata[1]})<br>raised in %{x:.0%} of answers<br>"
                                      "weak outcome %{y:.2f}x as likely<br>%{customdata[2]} candidates<extra></extra>")
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1.01, yanchor="bottom"))
    top = shown.sort_values("red_flag_lift", ascending=False).head(2)
    title = (f"Red flags on {' and '.join(top['question_id'])} warn most "
             f"(weak outcome {top['red_flag_lift'].iloc[0]:.1f}x as likely)")
    return finish(fig, title, subtitle=sub, height=560)


def _interviewers(interviewer_stats: pd.DataFrame):
    from analysis.reports.export import suppress_small_interviewers
    return suppress_small_interviewers(interviewer_stats)


def interviewer_severity(interviewer_stats: pd.DataFrame, *, context: str | None = None) -> go.Figure:
    """Interviewer severity in score points with 95% intervals (+ = harsher than the team), harshest
    at the top. Interviewers with fewer than 5 interviews are not drawn (privacy), nor are
    severities that could not be estimated (NaN; the reason is ``severity_note`` when the table has
    it); the subtitle counts both. A severity whose ``severity_basis`` is between candidates (no
    colleague saw the same candidates: it assumes comparable candidates) is an open dot."""
    d = _interviewers(interviewer_stats)
    small = d["small_group"].astype(bool)
    nan = ~small & d["severity"].isna()
    shown = d[~small & ~nan].sort_values("severity")
    n_between = (int(shown["severity_basis"].astype(str).str.startswith("between").sum())
                 if "severity_basis" in shown else 0)
    reasons = ""
    if nan.any() and "severity_note" in d:
        notes = d.loc[nan, "severity_note"].dropna().astype(str).value_counts()
        reasons = ", ".join(notes.index[:2])
    sub = _join([f"n = {len(shown)} interviewers, {int(shown['n_interviews'].sum())} interviews" if len(shown) else "",
                 f"{_plural(int(small.sum()), 'interviewer')} with fewer than {_MIN_GROUP} interviews not shown"
                 if small.any() else "",
                 f"{int(nan.sum())} not estimable{' (' + reasons + ')' if reasons else ''}" if nan.any() else "",
                 f"open dots: {n_between} compared only between candidates (assumes comparable candidates)"
                 if n_between else "",
                 context])
    fig = go.Figure()
    if shown.empty:
        _empty(fig, "No interviewer has enough interviews to estimate severity")
        return finish(fig, "Not enough interviews to compare interviewers yet", subtitle=sub, height=360)
    x, plus, minus = _ends(shown, "severity", "severity_low", "severity_high")
    lo = np.round(shown["severity_low"].to_numpy(float), DIGITS)
    hi = np.round(shown["severity_high"].to_numpy(float), DIGITS)
    colours = np.where(lo > 0, _HARSH, np.where(hi < 0, _SOFT, _NEUTRAL))
    names = shown["interviewer"].astype(str).tolist()
    # a severity resting on between-candidate comparison (nobody else saw these candidates) is drawn
    # open: it assumes the interviewer's candidates were as able as the team's
    between = (shown["severity_basis"].astype(str).str.startswith("between").to_numpy()
               if "severity_basis" in shown else np.zeros(len(shown), dtype=bool))
    basis = np.where(between, "between candidates (assumes comparable candidates)", "same candidates")
    fig.add_scatter(x=x, y=names, mode="markers", showlegend=False,
                    marker=dict(size=11, color=colours.tolist(),
                                symbol=np.where(between, "circle-open", "circle").tolist(), line=dict(width=2)),
                    error_x=dict(type="data", array=plus, arrayminus=minus),
                    customdata=np.c_[shown["n_interviews"].to_numpy(), lo, hi, basis],
                    hovertemplate="%{y}: %{x:+.2f} points [%{customdata[1]:+.2f}, %{customdata[2]:+.2f}]<br>"
                                  "%{customdata[0]} interviews; compared on %{customdata[3]}<extra></extra>")
    fig.add_vline(x=0, line_color=_GREY)
    fig.update_xaxes(title="Severity (score points; + harsher, - softer than the team)")
    fig.update_yaxes(title=None, categoryorder="array", categoryarray=names)
    fig.update_layout(margin=dict(l=10, r=10, t=100, b=10))
    harsh, soft = int((lo > 0).sum()), int((hi < 0).sum())
    if harsh or soft:
        title = (f"{_plural(harsh, 'interviewer')} grade{'s' if harsh == 1 else ''} clearly harsher and "
                 f"{soft} clearly softer than the team")
    else:
        title = "No interviewer grades clearly harsher or softer than the team"
    return finish(fig, title, subtitle=sub, height=max(380, 34 * len(shown) + 200))


_FLAG_STYLE = {"": ("within the 95% limits", "#9AA5B1"), "watch": ("outside 95%", "#E67E22"),
               "above": ("above 99.8%", _HARSH), "below": ("below 99.8%", _SOFT)}


def pass_rate_funnel(interviewer_stats: pd.DataFrame, *, max_labels: int = 8, context: str | None = None) -> go.Figure:
    """Funnel plot of pass rates: control limits around the team rate narrow as interviews grow.
    Interviewers outside the limits are coloured and labelled; interviewers with fewer than 5
    interviews are not drawn."""
    raw = interviewer_stats.copy()
    d = _interviewers(raw)
    p0 = float(raw["team_pass_rate"].iloc[0]) if len(raw) else np.nan
    shown = d[~d["small_group"].astype(bool) & d["pass_rate"].notna()].copy()
    n_small = int(d["small_group"].astype(bool).sum())
    nmax = max(int(raw["n_interviews"].max()) if len(raw) else 10, 10)
    n = np.arange(2, int(nmax * 1.15) + 2)
    fig = go.Figure()
    _fixed_frame(fig, l=70, r=20, t=120, b=60)
    fig.update_layout(width=defaults.width, height=540)
    for z, dash, name in ((1.959964, "dash", "95% limits"), (3.090232, "solid", "99.8% limits")):
        se = np.sqrt(p0 * (1 - p0) / n)
        for sign, show in ((1, True), (-1, False)):
            fig.add_scatter(x=n, y=np.clip(p0 + sign * z * se, 0, 1), mode="lines", name=name, showlegend=show,
                            legendgroup=name, line=dict(color="grey", dash=dash, width=1), hoverinfo="skip")
    fig.update_xaxes(title="Interviews", range=[0, round(float(n.max()) + 1, 0)])
    fig.update_yaxes(title="Pass rate (yes / strong_yes)", tickformat=".0%", range=[0, 1])
    fig.add_hline(y=p0, line_color="black", line_width=1, annotation_text=f"team {p0:.0%}" if np.isfinite(p0) else "team",
                  annotation_position="top right", annotation_font=dict(size=10))
    sub = _join([f"n = {len(shown)} interviewers, {int(shown['n_interviews'].sum())} interviews" if len(shown) else "",
                 f"{_plural(n_small, 'interviewer')} with fewer than {_MIN_GROUP} interviews not shown" if n_small else "",
                 context])
    flag = shown["funnel_flag"].fillna("").astype(str) if "funnel_flag" in shown else pd.Series("", index=shown.index)
    shown["_flag"] = flag.where(flag.isin(list(_FLAG_STYLE)), "")
    if len(shown):
        x0, y0, x1, y1 = _plot_area(fig)
        _, pyt = _to_px(fig, np.array([0.0]), np.array([p0]))
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
                            textfont=dict(size=10, color=colour if key else "#333"),
                            marker=dict(size=11 if key else 9, color=colour, line=dict(width=1, color="white")),
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


def drift_lines(drift_by_quarter: pd.DataFrame, drift_tests: pd.DataFrame, top: int = 5,
                questions=None, *, context: str | None = None) -> go.Figure:
    """Mean residual score by quarter for the ``top`` questions most likely to have got easier
    (or the given ``questions``); quarters with fewer than 5 answers to a question are not drawn."""
    if questions is None:
        questions = drift_tests.sort_values("p_value")["question_id"].head(top).tolist()
    questions = [str(q) for q in questions]
    t = drift_tests.assign(question_id=drift_tests["question_id"].astype(str)).set_index("question_id")
    d = drift_by_quarter.assign(question_id=drift_by_quarter["question_id"].astype(str))
    d = d[d["question_id"].isin(questions)]
    few = d["n"] < _MIN_GROUP
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
    fig.add_hline(y=0, line_color="grey", line_dash="dot")
    fig.update_xaxes(title="Quarter", type="category", categoryorder="category ascending")
    fig.update_yaxes(title="Score vs expected (points)")
    fig.update_layout(legend=dict(orientation="h", y=-0.25), margin=dict(l=10, r=10, t=100, b=10))
    drifting = t[t["drifting"].astype(bool)] if "drifting" in t else t.iloc[0:0]
    title = (f"{_plural(len(drifting), 'question')} may have got easier over time (q < 0.05)" if len(drifting)
             else f"No question has clearly got easier over time; the {len(fig.data)} with the steepest rise")
    sub = _join([f"n = answers per quarter ({int(d['n'].min())}-{int(d['n'].max())})" if len(d) else "",
                 f"{_plural(n_few, 'quarter')} with fewer than {_MIN_GROUP} answers not drawn" if n_few else "", context])
    return finish(fig, title, subtitle=sub, height=540)


def _min_n(cal):
    return (getattr(cal, "meta", {}) or {}).get("min_n")


#: How each chart is built from a :class:`analysis.stats.calibration.Calibration`, by name (one at a
#: time, so the explorer can build the chart of the open tab alone).
BUILDERS = {
    "question_ranking": lambda cal: question_ranking(cal.question_stats, min_n=_min_n(cal)),
    "score_distributions": lambda cal: score_distributions(cal.strong_weak),
    "level_heatmap": lambda cal: level_heatmap(cal.heatmap),
    "topic_separation": lambda cal: topic_separation(cal.topic_stats, min_n=_min_n(cal)),
    "level_separation": lambda cal: level_separation(cal.level_stats, min_n=_min_n(cal)),
    "red_flag_lift": lambda cal: red_flag_lift(cal.question_stats, min_n=_min_n(cal)),
    "interviewer_severity": lambda cal: interviewer_severity(cal.interviewer_stats),
    "pass_rate_funnel": lambda cal: pass_rate_funnel(cal.interviewer_stats),
    "drift_lines": lambda cal: drift_lines(cal.drift_by_quarter, cal.drift_tests),
}


def figures(cal) -> dict[str, go.Figure]:
    """Every calibration chart of a :class:`analysis.stats.calibration.Calibration`, by name."""
    return {name: build(cal) for name, build in BUILDERS.items()}
