"""``index.html``: the one self-contained report page, every chart interactive, the tables, the context.

:func:`write_index_html` builds the page from any plotly figures and tables: plotly.js inlined once
(gzip-compressed, unpacked by the browser), no request to any network, every piece of user text
escaped by the one HTML escaping, :func:`analysis._text.escape_html`.
"""

from __future__ import annotations

import base64
import concurrent.futures
import gzip
import math
import numbers
import os
import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analysis._text import escape_html
from analysis.reports.files import check_name, write_file
from analysis.reports.tables import exportable

__all__ = ["write_index_html", "pack_plotlyjs_ahead"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;
max-width:1100px;padding:1.5rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dl.meta dt{font-weight:600} dl.meta dd{margin:0}
p.guide{background:#f5f7fa;border-left:4px solid #4C9BE8;padding:.5rem .8rem}
nav ul{columns:2} .table-wrap{overflow-x:auto;max-height:32rem;overflow-y:auto}
table.data{border-collapse:collapse;font-size:.85rem}
table.data th,table.data td{border:1px solid #ddd;padding:.2rem .45rem;text-align:right}
table.data th{background:#f0f0f0;position:sticky;top:0}
.notes li{margin:.3rem 0} footer{margin-top:3rem;color:#777;font-size:.8rem}
section.brief{background:#fffbea;border:1px solid #f0d98c;border-radius:6px;padding:.2rem 1.2rem .8rem}
section.brief h2{border:0;margin-top:1rem} section.brief li{margin:.45rem 0}
section.brief .evidence{color:#666;font-size:.9em}
""".strip()



def _heading(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").strip().capitalize()


def _meta_value(v) -> str:
    if isinstance(v, (datetime, date, pd.Timestamp)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(
            isinstance(x, (datetime, date, pd.Timestamp)) for x in v):
        return " to ".join(_meta_value(x) for x in v)
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, float) and math.isfinite(v):
        return f"{v:.4g}"
    return str(v)


def _cell_text(v, float_digits: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, numbers.Integral):
        return str(v)
    if isinstance(v, numbers.Real):
        v = float(v)
        if v != 0 and abs(v) < 10 ** -(float_digits - 1):   # tiny values (p-values): significant digits
            return f"{v:.2g}"
        return f"{v:.{float_digits - 1}f}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else v.isoformat()
    return str(v)


def _table_html(name: str, df: pd.DataFrame, float_digits: int) -> str:
    frame = exportable(df)
    head = "".join(f"<th scope=\"col\">{escape_html(c)}</th>" for c in frame.columns)
    rows = []
    for rec in frame.itertuples(index=False, name=None):  # tables are small (one row per group)
        rows.append("<tr>" + "".join(f"<td>{escape_html(_cell_text(v, float_digits))}</td>" for v in rec)
                    + "</tr>")
    return (f'<div class="table-wrap"><table class="data" id="table-{name}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


_LOADER = """(function(){
var queue=[];
window.PlotlyConfig={MathJaxConfig:"local"};
window.Plotly={newPlot:function(){var a=arguments;return new Promise(function(ok){queue.push([a,ok]);});}};
var b64="%s";
var bytes=Uint8Array.from(atob(b64),function(c){return c.charCodeAt(0);});
var ready=function(){
  var stream=new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(function(js){
    var s=document.createElement("script");s.text=js;document.head.appendChild(s);
    queue.forEach(function(q){window.Plotly.newPlot.apply(window.Plotly,q[0]).then(q[1]);});
    queue=null;document.documentElement.setAttribute("data-plotly","ready");
  }).catch(function(e){document.documentElement.setAttribute("data-plotly","failed: "+e);
    console.error("plotly.js could not be unpacked: this browser has no DecompressionStream?",e);});
};
if(document.readyState==="loading"){document.addEventListener("DOMContentLoaded",ready);}else{ready();}
})();"""


#: plotly version -> future of plotly.js gzip-compressed (level 9, no time stamp) and base64-encoded.
_PACKED: dict = {}
_PACKING = threading.Lock()


def _packed_plotlyjs() -> concurrent.futures.Future:
    """The packed plotly.js of this process, packing it (once) in a background thread."""
    import plotly  # deferred: plotly is heavy to import
    with _PACKING:
        fut = _PACKED.get(plotly.__version__)
        if fut is None:
            fut = _PACKED[plotly.__version__] = concurrent.futures.Future()

            def pack():
                try:
                    from plotly.offline import get_plotlyjs
                    fut.set_result(base64.b64encode(gzip.compress(get_plotlyjs().encode("utf-8"), 9, mtime=0))
                                   .decode("ascii"))
                except BaseException as exc:  # noqa: BLE001 -- re-raised where the page needs it
                    fut.set_exception(exc)

            threading.Thread(target=pack, name="pack-plotlyjs", daemon=True).start()
    return fut


def pack_plotlyjs_ahead() -> None:
    """Start compressing plotly.js for :func:`write_index_html` now, in a background thread.

    Compressing 4.8 MB at gzip's level 9 takes about half a second; zlib releases the GIL, so a
    caller that will write an ``index.html`` with charts (``python -m analysis report``) starts it
    first and computes meanwhile. The page is the same either way.
    """
    _packed_plotlyjs()


def _compressed_plotlyjs_loader() -> str:
    """JavaScript that unpacks the inlined, gzip-compressed plotly.js and then draws every chart
    the page queued while it was unpacking (``Plotly.newPlot`` is a queueing stub until then)."""
    return _LOADER % _packed_plotlyjs().result()


def write_index_html(out: str | os.PathLike, figures: Mapping[str, object],
                     tables: Mapping[str, pd.DataFrame] | None = None, *, title: str,
                     meta: Mapping[str, object] | None = None,
                     guides: Mapping[str, str] | None = None,
                     notes: str | Sequence[str] | None = None,
                     filename: str = "index.html", float_digits: int = 3,
                     columns: Mapping[str, Sequence[str]] | None = None,
                     compress_plotlyjs: bool = True, brief: str | None = None) -> Path:
    """Write one self-contained report page: every chart interactive, the tables, the context.

    Parameters
    ----------
    out : path
        Output folder (created if needed); the page is ``<out>/index.html``.
    figures : mapping of str to plotly Figure
        Charts in the order shown. Each is embedded as a ``<div>`` with its data inline.
    tables : mapping of str to DataFrame, optional
        Tables shown after the charts, every cell and header HTML-escaped.
    title : str
        Page title and heading.
    meta : mapping, optional
        What a reader needs to trust the numbers: data period, counts, criterion, filters
        (``{"Data period": "2025-01-06 to 2026-03-30", "Interviews": 412, ...}``).
    guides : mapping of str to str, optional
        A short reading guide per chart, keyed like ``figures``: what a hiring lead should look at.
    notes : str or sequence of str, optional
        Caveats shown at the end (small groups, contamination of the criterion, ...).
    filename : str, default "index.html"
    float_digits : int, default 3
        Floats in the HTML tables get ``float_digits - 1`` decimals (``0.31``, ``-0.05``), values
        too small for that 2 significant digits (a p-value ``0.00042``), large ones none.
    columns : mapping of table name to column names, optional
        The columns a reader needs, per table, in order (the CSV keeps every column); a table not
        named is shown whole. Columns missing from a table are skipped.
    compress_plotlyjs : bool, default True
        Inline plotly.js gzip-compressed and base64-encoded (1.9 MB instead of 4.8 MB), unpacked in
        the browser by its built-in ``DecompressionStream`` (Chrome 80, Firefox 113, Safari 16.4);
        the page stays one file that opens offline. ``False`` inlines plain plotly.js.
    brief : str, optional
        HTML of a findings brief shown first (the caller escapes its text).

    Returns
    -------
    Path
        The page written.

    Notes
    -----
    plotly.js is inlined exactly once, in ``<head>`` (not at all when there is no figure); the page loads nothing else (no CDN, no web
    font, no MathJax), so it opens offline and makes no request that could leak that the report
    was opened. Every piece of text from the data or the caller (title, meta, guides, notes, table
    cells, column names) is escaped with :func:`analysis._text.escape_html`; figure data is embedded by plotly's
    own JSON encoder, which escapes ``<``, ``>`` and ``/``.
    """
    from plotly.offline import get_plotlyjs  # deferred: plotly is heavy to import

    out = Path(out)
    tables = tables or {}
    guides = guides or {}
    meta = meta or {}
    for name in figures:
        check_name(name, "figure")
    for name in tables:
        check_name(name, "table")
    if isinstance(notes, str):
        notes = [notes]

    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape_html(title)}</title>", f"<style>{_CSS}</style>"]
    if figures:  # a tables-only page does not carry plotly.js at all
        if compress_plotlyjs:
            parts.append(f'<script type="text/javascript">{_compressed_plotlyjs_loader()}</script>')
        else:
            parts += ['<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: "local"};</script>',
                      f'<script type="text/javascript">{get_plotlyjs()}</script>']
    parts += ["</head>", "<body>", f"<h1>{escape_html(title)}</h1>"]
    if brief:
        parts.append(f'<section class="brief" id="brief">{brief}</section>')
    if meta:
        parts.append('<dl class="meta">' + "".join(
            f"<dt>{escape_html(k)}</dt><dd>{escape_html(_meta_value(v))}</dd>" for k, v in meta.items()) + "</dl>")
    toc = [f'<li><a href="#chart-{n}">{escape_html(_heading(n))}</a></li>' for n in figures]
    toc += [f'<li><a href="#table-{n}">Table: {escape_html(n)}</a></li>' for n in tables]
    if toc:
        parts.append(f"<nav><h2>Contents</h2><ul>{''.join(toc)}</ul></nav>")
    for name, fig in figures.items():
        parts.append(f'<section class="chart" id="section-chart-{name}">')
        parts.append(f"<h2>{escape_html(_heading(name))}</h2>")
        if guides.get(name):
            parts.append(f'<p class="guide">{escape_html(guides[name])}</p>')
        parts.append(fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{name}",
                                 config={"displaylogo": False, "responsive": True}))
        parts.append("</section>")
    for name, df in tables.items():
        parts.append(f'<section class="table" id="section-table-{name}">')
        parts.append(f"<h2>Table: {escape_html(name)}</h2>")
        if guides.get(name):
            parts.append(f'<p class="guide">{escape_html(guides[name])}</p>')
        parts.append(f"<p>{len(df):,} rows; also written as <code>{escape_html(name)}.csv</code>.</p>")
        shown = df
        if columns and columns.get(name):
            frame = exportable(df)
            keep = [c for c in columns[name] if c in frame.columns]
            shown = frame[keep] if keep else frame
            if len(keep) < frame.shape[1]:
                parts.append(f"<p>{len(keep)} of {frame.shape[1]} columns shown; the CSV has all of them.</p>")
        parts.append(_table_html(name, shown, float_digits))
        parts.append("</section>")
    if notes:
        parts.append('<section class="notes"><h2>Notes</h2><ul>'
                     + "".join(f"<li>{escape_html(n)}</li>" for n in notes) + "</ul></section>")
    parts.append("<footer>Written by the interview calibration workbook "
                 "(<code>python -m analysis report</code>). Self-contained: opens offline.</footer>")
    parts += ["</body>", "</html>", ""]
    return write_file(out / filename, "\n".join(parts))

