"""A tidy table a hiring lead can read in a notebook: :func:`show_table`.

pandas' own HTML for a frame is made for developers. In JupyterLab it right-aligns every cell (so a
question's text hangs off the right edge), cuts text at 50 characters with '…', lets the notebook's
fixed table layout squeeze an id onto three lines, shows each float with as many decimals as it has
(``0.0015`` among two-decimal values) and runs wider than the page. :func:`show_table` returns the
same frame as an object that renders as:

* **text left-aligned and never cut**: ids and other one-word values stay on one line, prose wraps in
  a column of readable width;
* **numbers right-aligned with a precision per column** that means something (see
  :data:`FORMATS`): counts as whole numbers with thousands separators, statistics to 2 decimals,
  p- and q-values to 3 with ``< 0.001`` below that. Values are rounded for display only, so a stored
  notebook shows the same text on every CPU (a last-digit wobble never reaches the page);
* **inside the page**: the table scrolls sideways in its own box instead of widening the page, and a
  table of more than ``max_rows`` rows scrolls downwards in a box of fixed height;
* **sortable and searchable** where the notebook's output may run script (a live JupyterLab session,
  Voila): a search box above the table hides rows that do not contain the text typed, and a click on
  a heading sorts by that column (numbers as numbers). Where script may not run (a stored notebook
  opened untrusted, nbviewer, GitHub) the same table is shown, static.

Every style is an inline ``style`` attribute, because JupyterLab strips ``<style>`` blocks from the
output of a notebook it does not trust but keeps inline text alignment, white-space and overflow.
Every cell and heading is escaped with :func:`analysis._text.escape_html`: a question or a name is
shown as text, never run.

Why not itables? It renders the rows with JavaScript only: a stored output of an untrusted notebook
shows "Loading ITables..." instead of the table, every output carries a random table id (nbval
would see a new notebook on every run), and working offline means embedding a 600 KB script in each
notebook. A static table with a small optional script reads everywhere.

>>> import pandas as pd
>>> t = show_table(pd.DataFrame({"question_id": ["jr-s3-basics"], "n": [1234], "auc": [0.73958],
...                              "p_value": [0.0004]}))
>>> t.formatted()
    question_id      n   auc  p_value
0  jr-s3-basics  1,234  0.74  < 0.001
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

import pandas as pd
from pandas.api import types as ptypes

from analysis._text import escape_html

__all__ = ["FORMATS", "P_VALUE_COLUMNS", "Table", "show_table", "format_column", "column_kind"]

#: A column's display format: an ``int`` (that many decimals), or one of these names, or a callable
#: ``value -> str`` (called for non-missing values only).
FORMATS = {
    "count": "a whole number with thousands separators: 1,234",
    "p": "a p- or q-value: 3 decimals, '< 0.001' below 0.001",
    "mixed": "whole numbers without decimals, others to 2 decimals (a column of unlike quantities)",
    "text": "the value as text, left-aligned",
}
#: Columns shown as p-values unless told otherwise (their name, or a name ending in ``_p``).
P_VALUE_COLUMNS = frozenset({"p_value", "q_value", "p", "q", "p_adjusted", "p_holm", "p_bh"})
#: Statistics (correlations, rates, severities) default to this many decimals.
DEFAULT_DIGITS = 2
#: A text column whose longest value is at most this many characters and has no space is one-line.
_ONE_LINE = 40

_CELL = "padding:0.25em 0.5em;vertical-align:top;border-bottom:1px solid rgba(128,128,128,0.25);"
_HEAD = ("padding:0.25em 0.5em;vertical-align:bottom;font-weight:bold;"
         "border-bottom:2px solid rgba(128,128,128,0.6);")
_NUMBER = "text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums;"
_ONE_LINE_TEXT = "text-align:left;white-space:nowrap;"
_PROSE = "text-align:left;white-space:normal;min-width:14em;max-width:36em;overflow-wrap:break-word;"


def column_kind(series: pd.Series) -> str:
    """``"number"``, ``"flag"`` (yes/no) or ``"text"``: how a column is aligned and formatted."""
    if ptypes.is_bool_dtype(series.dtype):
        return "flag"
    if ptypes.is_numeric_dtype(series.dtype) and not isinstance(series.dtype, pd.CategoricalDtype):
        return "number"
    return "text"


def _default_format(name: str, series: pd.Series):
    kind = column_kind(series)
    if kind != "number":
        return "text"
    if str(name) in P_VALUE_COLUMNS or str(name).endswith("_p"):
        return "p"
    if ptypes.is_integer_dtype(series.dtype):
        return "count"
    values = pd.to_numeric(series, errors="coerce").dropna()
    finite = values[values.map(math.isfinite)]
    if len(finite) and (finite == finite.round()).all() and (finite.abs() < 1e15).all():
        return "count"  # counts stored as floats (a NaN forces float): 63.0 is shown as 63
    return DEFAULT_DIGITS


def _format_number(value, spec) -> str:
    if callable(spec):
        return str(spec(value))
    number = float(value)
    if not math.isfinite(number):
        return "∞" if number > 0 else ("−∞" if number < 0 else "")
    if spec == "p":
        return "< 0.001" if 0 <= number < 0.0005 else f"{number:.3f}"
    if spec == "mixed":
        spec = "count" if number == round(number) else DEFAULT_DIGITS
    if spec == "count":
        return f"{round(number):,}"
    text = f"{number:,.{spec}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # never "-0.00"


def format_column(series: pd.Series, spec=None) -> list[str]:
    """Each value of ``series`` as the text a table shows (``""`` for a missing value).

    ``spec`` is an entry of :data:`FORMATS`, a number of decimals, a callable, or None for the
    column's default (text as text, yes/no for a boolean, a count for whole numbers, a p-value for
    the names in :data:`P_VALUE_COLUMNS`, otherwise :data:`DEFAULT_DIGITS` decimals). Numbers are
    rounded half to even by Python's formatting, so ``-0.004`` shows as ``0.00``, never ``-0.00``.

    >>> format_column(pd.Series([0.12345, None, -0.004]), 2)
    ['0.12', '', '0.00']
    >>> format_column(pd.Series([True, False]))
    ['yes', 'no']
    """
    spec = _default_format(str(series.name), series) if spec is None else spec
    decimals = isinstance(spec, int) and not isinstance(spec, bool) and 0 <= spec <= 12
    if not (decimals or callable(spec) or (isinstance(spec, str) and spec in FORMATS)):
        raise ValueError(f"unknown format {spec!r} for column {series.name!r}: use a number of "
                         f"decimals, a callable or one of {', '.join(FORMATS)}")
    out = []
    for value in series.tolist():
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            out.append("")
        elif isinstance(value, bool) and spec == "text":
            out.append("yes" if value else "no")
        elif spec == "text":
            out.append(str(value))
        elif isinstance(value, str):
            out.append(value)  # a text value in a numeric column is shown as it is
        else:
            out.append(_format_number(value, spec))
    return out


def _heading(name) -> str:
    """A heading that may break after an underscore (``discrimination_<wbr>low``), never inside a word."""
    return "_<wbr>".join(escape_html(part) for part in str(name).split("_"))


#: Sorting and searching, for outputs where script runs; finds its own table through currentScript.
_SCRIPT = r"""<script>(function(){var s=document.currentScript,box=s&&s.previousElementSibling;
if(!box||!box.querySelector)return;var t=box.querySelector("table");if(!t||t.dataset.icwLive)return;
t.dataset.icwLive="1";var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
var f=document.createElement("input");f.type="search";f.placeholder="Search the table";
f.className="icw-table-search";f.setAttribute("aria-label","Search the table");
f.style.cssText="margin:0 0 0.4em 0;padding:0.2em 0.4em;width:16em;max-width:100%;";
f.addEventListener("input",function(){var q=f.value.toLowerCase();rows.forEach(function(r){
r.style.display=r.textContent.toLowerCase().indexOf(q)<0?"none":"";});});
box.parentNode.insertBefore(f,box);
Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){th.style.cursor="pointer";
th.title="Sort by this column";th.addEventListener("click",function(){var up=th.dataset.sort!=="asc";
Array.prototype.forEach.call(t.tHead.rows[0].cells,function(o){delete o.dataset.sort;});
th.dataset.sort=up?"asc":"desc";var num=th.dataset.kind==="number";
function key(r){var c=r.cells[i],v=c?c.textContent:"";return num?parseFloat(v.replace(/[,<\s]/g,"")
.replace("\u2212","-")):v.toLowerCase();}
rows.sort(function(a,b){var x=key(a),y=key(b);if(num){if(isNaN(x))return 1;if(isNaN(y))return -1;}
var d=x<y?-1:(x>y?1:0);return up?d:-d;});rows.forEach(function(r){body.appendChild(r);});});});
})();</script>"""


class Table:
    """A frame as a notebook shows it; build it with :func:`show_table`.

    ``_repr_html_`` gives the styled table, ``repr`` the same cells as plain text (for a terminal
    and for the notebook's text/plain output). :meth:`formatted` is the frame of display strings.
    """

    def __init__(self, frame: pd.DataFrame, formats: Mapping[str, object], max_rows: int, caption: str):
        self._frame = frame
        self._formats = dict(formats)
        self._max_rows = max_rows
        self._caption = caption

    @property
    def frame(self) -> pd.DataFrame:
        """The frame shown (the index, when named, as its first columns), values unrounded."""
        return self._frame

    def formatted(self) -> pd.DataFrame:
        """The cells as shown: a frame of strings, same columns as :attr:`frame`."""
        return pd.DataFrame({c: format_column(self._frame[c], self._formats.get(c))
                             for c in self._frame.columns}, index=self._frame.index, dtype=object)

    def __repr__(self) -> str:
        return self.formatted().to_string()

    def _repr_html_(self) -> str:
        cells = self.formatted()
        kinds = {c: column_kind(self._frame[c]) for c in self._frame.columns}
        styles = {}
        for column, kind in kinds.items():
            if kind == "number":
                styles[column] = _NUMBER
            else:
                longest = max((len(v) for v in cells[column]), default=0)
                spaced = any(" " in v for v in cells[column])
                styles[column] = _PROSE if (spaced and longest > _ONE_LINE) else _ONE_LINE_TEXT
        head = "".join(
            f'<th data-kind="{kinds[c]}" style="{_HEAD}{styles[c]}">{_heading(c)}</th>'
            for c in self._frame.columns)
        rows = []
        for position in range(len(self._frame)):
            tds = []
            for column in self._frame.columns:
                tds.append(f'<td style="{_CELL}{styles[column]}">'
                           f"{escape_html(cells[column].iloc[position])}</td>")
            rows.append("<tr>" + "".join(tds) + "</tr>")
        if not rows:
            rows.append(f'<tr><td colspan="{max(len(kinds), 1)}" style="{_CELL}text-align:left;">'
                        "<em>No rows.</em></td></tr>")
        long = len(self._frame) > self._max_rows
        box = "max-width:100%;overflow-x:auto;" + ("max-height:30em;overflow-y:auto;" if long else "")
        caption = escape_html(self._caption or (f"{len(self._frame)} rows; scroll for more" if long else ""))
        caption_html = (f'<caption style="caption-side:top;text-align:left;padding:0.2em 0;">{caption}'
                        "</caption>") if caption else ""
        table = (f'<table class="icw-table" style="table-layout:auto;border-collapse:collapse;'
                 f'margin:0;width:auto;max-width:none;">{caption_html}<thead><tr>{head}</tr></thead>'
                 f"<tbody>{''.join(rows)}</tbody></table>")
        return f'<div class="icw-table-box" style="{box}">{table}</div>{_SCRIPT}'


def show_table(frame: pd.DataFrame, digits: Mapping[str, object] | None = None, *, max_rows: int = 15,
               caption: str = "") -> Table:
    """Show ``frame`` as a table a reader can take in: the last expression of a notebook cell.

    Parameters
    ----------
    frame : DataFrame
        A tidy table. A named index (or several levels) is shown as the first column(s); an unnamed
        one (0, 1, 2, ...) is not shown.
    digits : mapping, optional
        ``{column: format}`` for columns whose default is not what they mean: a number of decimals,
        a name of :data:`FORMATS` or a callable. Defaults: text as text, booleans as yes/no, integer
        columns and whole-number floats as counts, p-/q-value columns (:data:`P_VALUE_COLUMNS`) as
        p-values, other numbers to :data:`DEFAULT_DIGITS` decimals.
    max_rows : int
        A longer table scrolls in a box of fixed height (every row is in the output).
    caption : str
        A line above the table (escaped); default: the row count when the table scrolls.

    Returns
    -------
    Table
        Renders as HTML in a notebook and as plain text in a terminal.

    Raises
    ------
    TypeError
        When ``frame`` is not a DataFrame.
    ValueError
        When ``digits`` names a column the frame does not have, or a format that does not exist.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"show_table: expected a pandas DataFrame, got {type(frame).__name__}; "
                        "pass a Series as series.to_frame()")
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    else:
        frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    if frame.columns.duplicated().any():
        raise ValueError(f"show_table: duplicated column names {sorted(set(frame.columns[frame.columns.duplicated()]))}; "
                         "rename them so each heading says which is which")
    digits = dict(digits or {})
    unknown = [c for c in digits if c not in frame.columns]
    if unknown:
        raise ValueError(f"show_table: digits names column(s) {unknown} not in the table; "
                         f"its columns are {list(frame.columns)}")
    for column, spec in digits.items():
        format_column(frame[column].iloc[:0], spec)  # raises for an unknown format, before rendering
    return Table(frame, digits, max_rows, caption)
