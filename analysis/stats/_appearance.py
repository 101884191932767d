"""The first row of each value, read off codes numbered in first-appearance order (issue 26).

``pd.factorize(values, sort=False)`` -- and so :func:`analysis.stats._codes.codes` with
``sort=False``, whose Arrow codes are memoised for the whole report -- numbers the values as they
first appear: value ``k`` first appears after values ``0 .. k - 1`` have. The first row of each
value is then where the codes' running maximum grows, which one pass a block at a time finds: no
int64 copy of the codes, no position array, no ``np.minimum.at`` and no sort (at ten million rows
those were the interviewer table's peak, some 170 MB, and most of ``_codes.first_rows``' time).

The pass also checks the numbering as it goes: every new code must be one more than the largest
before it. Codes numbered some other way get None, and the caller takes its general path, so a
wrong assumption costs time, never a wrong row.
"""

from __future__ import annotations

import numpy as np

__all__ = ["first_rows_in_order", "first_positions"]

#: rows per block: the block's running maximum and flags stay in cache, and no temporary is row-length
_BLOCK = 1 << 18


def first_rows_in_order(codes: np.ndarray) -> np.ndarray | None:
    """Positions of the first row of each distinct code, in increasing order, for integer ``codes``
    numbered in first-appearance order (-1, a missing value, allowed anywhere: its first row is one
    more first row, as ``drop_duplicates`` counts missing as one value). The same positions as
    ``np.sort(np.unique(codes, return_index=True)[1])``; None when the codes are not in
    first-appearance order (the caller then finds them another way).

    Examples
    --------
    >>> first_rows_in_order(np.array([0, 0, 1, -1, 0, 2, -1, 1]))
    array([0, 2, 3, 5])
    >>> first_rows_in_order(np.array([1, 0])) is None  # 1 appears before 0: not that numbering
    True
    """
    codes = np.asarray(codes).reshape(-1)
    n = len(codes)
    if not n:
        return np.zeros(0, dtype=np.intp)
    if codes.dtype.kind not in "iu":
        return None
    run = np.empty(min(_BLOCK, n), dtype=codes.dtype)
    new = np.empty(len(run), dtype=bool)
    top = -1           # the largest code before the block (-1: none yet)
    missing = None     # the first row of a missing value, once seen
    found = []
    for lo in range(0, n, _BLOCK):
        block = codes[lo:lo + _BLOCK]
        r, is_new = run[:len(block)], new[:len(block)]
        np.maximum.accumulate(block, out=r)
        np.maximum(r, top, out=r)
        # a row holds a new code where it exceeds the largest code before it
        is_new[0] = block[0] > top
        np.greater(block[1:], r[:-1], out=is_new[1:])
        at = np.flatnonzero(is_new)
        # in first-appearance order the new codes are top + 1, top + 2, ... in turn
        if not np.array_equal(block[at], np.arange(top + 1, top + 1 + len(at))):
            return None
        if missing is None and codes.dtype.kind == "i":
            neg = np.flatnonzero(block < 0)
            if len(neg):
                missing = lo + int(neg[0])
        if len(at):
            at += lo
            found.append(at)
        top = int(r[-1])
    rows = np.concatenate(found) if found else np.zeros(0, dtype=np.intp)
    if missing is not None:
        rows = np.insert(rows, np.searchsorted(rows, missing), missing)
    return rows.astype(np.intp, copy=False)


def first_positions(codes: np.ndarray) -> np.ndarray:
    """Positions of the first row of each distinct code (-1 counts as one value), increasing:
    :func:`first_rows_in_order` when the codes are numbered by first appearance, else
    ``np.sort(np.unique(codes, return_index=True)[1])`` (a sort: any numbering)."""
    rows = first_rows_in_order(codes)
    if rows is None:
        rows = np.sort(np.unique(np.asarray(codes).reshape(-1), return_index=True)[1]).astype(np.intp, copy=False)
    return rows
