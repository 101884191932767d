"""Tables as CSV files: rounded to what they mean, refused when they identify a candidate, safe to open.

:func:`write_tables` writes ``<name>.csv`` for any tidy frames (RFC 4180, UTF-8, every text cell
through :func:`analysis.reports.csv_safety.safe_csv_frame`); :func:`round_table` rounds floats to the
digits that are real (``report`` writes 3). What a table may not carry is :data:`PRIVATE_COLUMNS`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.reports.csv_safety import safe_csv_frame
from analysis.reports.files import ExportError, check_name, write_file

__all__ = ["PRIVATE_COLUMNS", "SIGNIFICANT_COLUMNS", "exportable", "round_table", "write_tables"]

#: Columns that identify a candidate or carry free text about them; :func:`write_tables` refuses
#: a table holding one unless told ``allow_private=True``.
PRIVATE_COLUMNS = ("candidate_id", "candidate", "notes", "note", "interview_id")


def exportable(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as exported: a named index becomes columns, an unnamed one is dropped."""
    if any(n is not None for n in df.index.names):
        return df.reset_index()
    return df.reset_index(drop=True)


#: Columns whose small values matter relatively (kept to 3 significant digits, not 3 decimals).
SIGNIFICANT_COLUMNS = ("p_value", "q_value", "p", "q", "severity_lambda")


def round_table(df: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """Every float column rounded to what it means: ``digits`` decimals (correlations, shares,
    rates, score points: nothing beyond the third decimal is real; the bootstrap moves the second),
    p- and q-values to ``digits`` significant digits. Integer, text and boolean columns are
    untouched. Rounded files are the same on every CPU and BLAS kernel (up to a value sitting on a
    rounding edge) and read at a glance."""
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if not (pd.api.types.is_float_dtype(col.dtype) and not isinstance(col.dtype, pd.CategoricalDtype)):
            continue
        if str(c) in SIGNIFICANT_COLUMNS:
            v = col.to_numpy(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                mag = np.where(np.isfinite(v) & (v != 0), np.floor(np.log10(np.abs(v))), 0)
            scale = 10.0 ** (digits - 1 - mag)
            out[c] = np.round(v * scale) / scale
        else:
            out[c] = col.round(digits)
    return out


def write_tables(tables: Mapping[str, pd.DataFrame], out: str | os.PathLike, *,
                 allow_private: bool = False, float_format: str | None = None,
                 digits: int | None = None) -> list[Path]:
    """Write each table as ``<out>/<name>.csv``, safe to open in a spreadsheet.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        ``{"question_stats": frame, ...}``. Names become file names, so they must be plain
        (letters, digits, ``_``, ``-``).
    out : path
        Output folder, created if needed.
    allow_private : bool, default False
        Tables holding a column of :data:`PRIVATE_COLUMNS` (candidate ids, notes) are refused unless
        this is True: exported tables should not identify candidates.
    float_format : str, optional
        Passed to :meth:`DataFrame.to_csv` (e.g. ``"%.4g"``); default full precision.
    digits : int, optional
        Round every float column first with :func:`round_table` (``report`` uses 3).

    Returns
    -------
    list of Path
        The files written, in the order of ``tables``.

    Notes
    -----
    Files are RFC 4180 CSV: UTF-8 without a byte-order mark, comma-separated, CRLF line ends (so a
    cell holding a lone carriage return or newline is quoted and cannot split a row), missing values
    as empty cells. A named index (``question_id``) is written as a column; an unnamed range index
    is not written. Every text cell and header is passed through :func:`safe_csv_frame`. Each file
    is written atomically (temporary file, then rename).
    """
    out = Path(out)
    paths = []
    for name, df in tables.items():
        check_name(name, "table")
        frame = exportable(df)
        if digits is not None:
            frame = round_table(frame, digits)
        if not allow_private:
            bad = [c for c in frame.columns if str(c).strip().lower() in PRIVATE_COLUMNS]
            if bad:
                raise ExportError(f"table {name!r} has identifying column(s) {bad}: drop them before "
                                  "export, or pass allow_private=True if this file stays private")
        text = safe_csv_frame(frame).to_csv(index=False, lineterminator="\r\n",
                                              float_format=float_format)
        paths.append(write_file(out / f"{name}.csv", text))
    return paths

