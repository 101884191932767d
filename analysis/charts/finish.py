"""The one finishing step of every figure in the workbook: its text escaped once, its numbers
rounded, the theme applied.

plotly renders a subset of HTML (``<a href>``, ``<b>``, ``<br>``) in labels and hover text, so a topic
typed as ``<a href="https://evil.example/">t</a>`` would otherwise become a live link; escaped by
:func:`plain_text`, it shows as the text that was typed. Markup the charts need themselves (line
breaks in hover text) lives only in ``hovertemplate`` / ``texttemplate``, which never hold user text.
Rounding to what a number means (a correlation to 3 decimals, a severity in score points to 3) makes a
figure independent of the BLAS kernel and thread count of the machine that drew it. Every chart
module (calibration, IRT, kits, group comparisons, the bank's coverage) ends its figures in :func:`finish`.

:func:`plain_text` is plotly's escaping, not HTML's: plotly decodes ``&amp;``, ``&lt;`` and ``&gt;``
when it draws but not ``&quot;``, so quotes are left alone. HTML pages escape with
:func:`analysis._text.escape_html`.
"""

from __future__ import annotations

import math
import unicodedata

import numpy as np
import plotly.graph_objects as go

from analysis.charts.theme import defaults

__all__ = ["finish", "plain_text", "DIGITS"]

#: Decimals every number in a figure is rounded to: correlations, shares, rates, lifts and score
#: points all mean nothing beyond the third decimal (bootstrap intervals move in the second).
DIGITS = 3


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
