"""Where point labels go on a chart: each label tries a few positions around its point and is
dropped (keeping its hover text) when none is free, so no two labels overlap.

Placement needs a figure with a fixed frame (:func:`fixed_frame`: fixed margins, no automargin) and
fixed axis ranges, so a data point has a known pixel position (:func:`to_px`). :func:`label_boxes`
gives the boxes of the labels a figure carries, for tests of overlap.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from analysis.charts.theme import defaults

__all__ = ["place_labels", "label_boxes", "fixed_frame", "plot_area", "to_px", "CHAR_WIDTH"]

#: Assumed width of a character as a share of the font size, for label boxes (Arial/Helvetica
#: average is 0.5-0.56 em; 0.6 keeps a margin).
CHAR_WIDTH = 0.6

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


def plot_area(fig: go.Figure):
    """The plot area's pixel box ``(x0, y0, x1, y1)``, from the figure's size and margins."""
    w = fig.layout.width or defaults.width
    h = fig.layout.height or defaults.height
    m = fig.layout.margin
    return (m.l, m.t, w - m.r, h - m.b)


def to_px(fig, x, y, log_y=False):
    """Pixel positions of data points, from the fixed axis ranges (``log_y``: a log y axis)."""
    x0, y0, x1, y1 = plot_area(fig)
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
    area = plot_area(fig)
    px, py = to_px(fig, np.asarray(x, float), np.asarray(y, float), log_y=log_y)
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
        px, py = to_px(fig, np.asarray(t.x, float), np.asarray(t.y, float), log_y=log_y)
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


def fixed_frame(fig, *, l=70, r=20, t=90, b=60):
    """Fixed margins and no automargin: what :func:`place_labels` needs to know where a point is drawn."""
    fig.update_layout(margin=dict(l=l, r=r, t=t, b=b, autoexpand=False))
    fig.update_xaxes(automargin=False)
    fig.update_yaxes(automargin=False)

