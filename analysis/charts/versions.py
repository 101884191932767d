"""The before-and-after chart of a rewritten question: its versions side by side with their intervals.

>>> from analysis.stats.version_view import version_comparison
>>> from analysis.charts.versions import version_chart
>>> fig = version_chart(version_comparison(wb, "mid-caching"))      # doctest: +SKIP

Three panels share the versions on their x axis (``mid-caching v1``, ``mid-caching v2``): the
headline discrimination with its 95% interval and Ebel's band guides, the red-flag lift (log scale)
and the mean score, each with its interval. The title says whether the discrimination changed
clearly (:class:`analysis.stats.versions.VersionComparison`, whose ``changes`` decide it); a version
asked of too few candidates is named in the subtitle and not drawn. Finished by
:func:`analysis.charts.finish.finish`, which escapes the question ids.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.charts._parts import GREY, ends, join, no_data, plural
from analysis.charts.finish import DIGITS, finish
from analysis.charts.theme import NEUTRALS, defaults
from analysis.stats.discrimination import EBEL_EDGES

__all__ = ["version_chart", "GUIDE"]

#: How a hiring lead reads the chart (printed under it where it is shown).
GUIDE = ("Each version of the question, side by side, with 95% intervals: how well it separates strong from weak "
         "candidates (left; >= 0.30 good, < 0.20 poor), how much its red flag warns of a weak outcome (middle; 1 = "
         "no warning) and its mean score (right). The title says whether the rewrite changed the discrimination "
         "clearly: the interval of the difference excludes 0 by more than its Monte Carlo error.")

_PANELS = (("discrimination", "discrimination_low", "discrimination_high", "Discrimination (adjusted r)"),
           ("red_flag_lift", "red_flag_lift_low", "red_flag_lift_high", "Red-flag lift (x as likely weak)"),
           ("mean", "mean_low", "mean_high", "Mean score (1-4)"))


def _title(cmp) -> str:
    ch = cmp.changes[cmp.changes["statistic"] == "discrimination"]
    qid = cmp.question_id
    if ch.empty:
        return f"{qid} has one version: nothing to compare yet"
    known = ch[np.isfinite(ch["change"].to_numpy(float))]
    if known.empty:
        return f"Too few candidates to compare the versions of {qid} yet"
    last = known.iloc[-1]
    a, b = f"v{int(last['from_version'])}", f"v{int(last['to_version'])}"
    if bool(last["clear"]):
        better = "separates strong from weak better" if last["change"] > 0 else "separates strong from weak worse"
        return f"{qid} {b} {better} than {a} (difference {last['change']:+.2f}, clear)"
    return f"No clear change in how well {qid} separates strong from weak between {a} and {b}"


def version_chart(cmp, *, context: str | None = None) -> go.Figure:
    """The versions of one question side by side (see the module docstring).

    Parameters
    ----------
    cmp : analysis.stats.versions.VersionComparison
        What :func:`analysis.stats.version_view.version_comparison` returned.
    context : str, optional
        Appended to the subtitle (the slice, the criterion).

    Returns
    -------
    go.Figure
    """
    v = cmp.versions
    shown = v[v["reason"].astype(str) == ""]
    few = v[v["reason"].astype(str) != ""]
    sub = join([f"n = candidates per version ({', '.join(f'{r.label} {int(r.n_candidates)}' for r in v.itertuples())})"
                if len(v) else "",
                f"{plural(len(few), 'version')} asked of too few candidates not drawn "
                f"({', '.join(map(str, few['label']))})" if len(few) else "", context])
    if shown.empty:
        fig = go.Figure()
        no_data(fig, "No version of this question was asked of enough candidates to judge")
        return finish(fig, _title(cmp), subtitle=sub, height=360)
    fig = make_subplots(rows=1, cols=3, subplot_titles=[p[3] for p in _PANELS], horizontal_spacing=0.09)
    labels = shown["label"].astype(str).tolist()
    colours = [defaults.colorway[i % len(defaults.colorway)] for i in range(len(shown))]
    for col, (est, low, high, name) in enumerate(_PANELS, start=1):
        ok = np.isfinite(shown[est].to_numpy(float))
        g = shown[ok]
        if g.empty:
            continue
        y, plus, minus = ends(g, est, low, high)
        fig.add_scatter(x=g["label"].astype(str).tolist(), y=y, mode="markers", row=1, col=col, showlegend=False,
                        name=name, marker=dict(size=11, color=[c for c, k in zip(colours, ok) if k],
                                               line=dict(width=1, color=NEUTRALS["white"])),
                        error_y=dict(type="data", array=np.nan_to_num(plus), arrayminus=np.nan_to_num(minus),
                                     thickness=1.4),
                        customdata=np.c_[g["n_candidates"].to_numpy(), np.round(g[low].to_numpy(float), DIGITS),
                                         np.round(g[high].to_numpy(float), DIGITS)],
                        hovertemplate="%{x}<br>%{y:.2f} [%{customdata[1]:.2f}, %{customdata[2]:.2f}]<br>"
                                      "%{customdata[0]} candidates<extra></extra>")
        fig.update_xaxes(categoryorder="array", categoryarray=labels, type="category", row=1, col=col)
    for edge in sorted(e for e in EBEL_EDGES.values() if np.isfinite(e)):   # Ebel's band edges
        fig.add_hline(y=edge, line_dash="dot", line_color=defaults.guide_color, opacity=0.7, row=1, col=1)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.add_hline(y=1, line_dash="dot", line_color=GREY, row=1, col=2)
    fig.update_yaxes(range=[0.8, 4.2], row=1, col=3)
    fig.update_layout(margin=dict(l=10, r=10, t=110, b=10))
    return finish(fig, _title(cmp), subtitle=sub, height=460)
