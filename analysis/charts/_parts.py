"""Pieces the calibration charts share: the rows a chart may draw (the privacy floor and ``too_few``),
error-bar ends, the Ebel band guides, subtitles and the empty-chart message.

The band guides are drawn from :data:`analysis.stats.discrimination.EBEL_BANDS`, the one definition
of the bands the tables' ``band`` column also reads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import config
from analysis.charts.finish import DIGITS
from analysis.charts.theme import NEUTRALS, defaults
from analysis.stats.discrimination import EBEL_BANDS

__all__ = ["GREY", "HARSH", "SOFT", "NEUTRAL", "ends", "plural", "join", "judgeable", "band_guides",
           "band_labels", "x_range", "no_data"]

#: The guide grey and the verdict colours of the theme (:mod:`analysis.charts.theme`), as they were at import;
#: charts read ``defaults`` when they draw, so a restyled theme applies.
GREY = NEUTRALS["guide"]
HARSH, SOFT, NEUTRAL = (defaults.verdict_colors[k] for k in ("harsher", "softer", "not clear"))

_BANDS = sorted(EBEL_BANDS)                      # lowest first: (-inf, "poor"), ..., (0.4, "very good")
#: The band edges drawn as dotted lines, lowest first.
_EDGES = tuple(edge for edge, _ in _BANDS[1:])
#: Each band's name once above the plot: the lowest left of its edge, the middle ones centred between
#: their edges, the highest right of its edge.
_MARKS = ((_BANDS[1][0], _BANDS[0][1], "right"),
          *(((lo + hi) / 2, name, "center") for (lo, name), (hi, _) in zip(_BANDS[1:-1], _BANDS[2:])),
          (_BANDS[-1][0], _BANDS[-1][1], "left"))


def ends(d: pd.DataFrame, est: str, low: str, high: str):
    """Estimate and error-bar lengths from endpoints rounded first (so the drawn ends are exactly
    the rounded table values on any machine)."""
    x = np.round(d[est].to_numpy(float), DIGITS)
    lo = np.round(d[low].to_numpy(float), DIGITS)
    hi = np.round(d[high].to_numpy(float), DIGITS)
    return x, np.round(hi - x, DIGITS), np.round(x - lo, DIGITS)


def plural(n: int, word: str, plural: str | None = None) -> str:
    """``"1 question"``, ``"3 questions"``."""
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def join(parts) -> str:
    """A subtitle: the non-empty parts, joined by semicolons."""
    return "; ".join(p for p in parts if p)


def judgeable(d: pd.DataFrame, est: str = "discrimination", min_n: int | None = None, *,
              small_group: int = config.SMALL_GROUP):
    """Rows whose statistic may be drawn: estimated, not ``too_few``/``too few``, and at least the
    privacy floor (``small_group``) of candidates. Returns (shown, n_too_few, n_missing)."""
    n_c = pd.to_numeric(d.get("n_candidates", pd.Series(np.inf, index=d.index)), errors="coerce")
    few = n_c < max(small_group, int(min_n or 0))
    if "too_few" in d:
        few |= d["too_few"].fillna(True).astype(bool)
    if "band" in d:
        few |= d["band"].astype(str).eq("too few")
    missing = ~few & d[est].isna()
    return d[~few & ~missing], int(few.sum()), int(missing.sum())


def band_guides(fig: go.Figure, *, row=None, label: bool = True, yref="paper", y=1.0) -> None:
    """Dotted lines at the Ebel band edges (in panel ``row`` when given), and each band named once above
    the plot unless ``label`` is False."""
    for x0 in _EDGES:
        if row is None:
            fig.add_vline(x=x0, line_dash="dot", line_color=defaults.guide_color, opacity=0.7)
        else:
            fig.add_vline(x=x0, line_dash="dot", line_color=defaults.guide_color, opacity=0.7, row=row, col=1)
    if label:
        band_labels(fig, yref=yref, y=y)


def band_labels(fig: go.Figure, *, yref="paper", y=1.0) -> None:
    """Each Ebel band named once above the plot, at its place on the x axis."""
    for x0, text, anchor in _MARKS:
        fig.add_annotation(x=x0, y=y, xref="x", yref=yref, text=text, showarrow=False, xanchor=anchor,
                           yanchor="bottom", font=dict(size=10, color=NEUTRALS["secondary"]), xshift={"right": -3, "left": 3}.get(anchor, 0))


def x_range(lo, hi, floor=-0.2, ceil=0.8):
    """An x range for discrimination intervals: at least ``[floor, ceil]``, widened to the intervals."""
    lo = np.asarray(lo, float)
    hi = np.asarray(hi, float)
    a = min(floor, float(np.nanmin(lo)) - 0.05) if np.isfinite(lo).any() else floor
    b = max(ceil, float(np.nanmax(hi)) + 0.05) if np.isfinite(hi).any() else ceil
    return [round(max(a, -1.05), 2), round(min(b, 1.05), 2)]


def no_data(fig: go.Figure, message: str) -> None:
    """The message of a chart with nothing to draw, in place of its axes."""
    fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", text=message, showarrow=False,
                       font=dict(size=14, color=NEUTRALS["secondary"]))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
