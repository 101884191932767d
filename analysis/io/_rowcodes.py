"""Integer codes of rows (one code per distinct value, numbered as the values first appear, as
``pd.factorize`` numbers them): the checks and shortcuts the loader makes on them (private).

Why a module of its own: at 10M rows every pass over a column of codes costs tens of milliseconds
and a fresh row-length temporary; the loader's parser (:mod:`analysis.io._engine`) and its
validation (:mod:`analysis.io.validation`) answer their questions (are these codes in
first-appearance order? where does each interview start? is a question asked twice?) with the
functions here, which use what a scorecard history almost always is (each interview one run of
adjacent rows) and fall back to a hash table or a sort when it is not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["first_appearance", "first_rows", "repeated_pairs", "small_codes", "used_codes"]


def first_appearance(codes: np.ndarray, n_uniques: int) -> bool:
    """Whether ``codes`` use every value ``0 .. n_uniques - 1`` and each for the first time in
    increasing order (as ``pd.factorize`` numbers them): each code is at most one more than the
    largest before it, and the largest is the last unique. One running maximum, no hash table."""
    if not len(codes):
        return n_uniques == 0
    if codes[0] != 0:
        return False
    # block by block, into buffers reused for every block: the whole-array form made three
    # row-length temporaries per column (at 10M rows 40 MB each, fresh pages the kernel zeroes:
    # about 1 s over the loader's 13 columns); each block's running maximum starts from the
    # previous block's last
    step = _BLOCK_ROWS
    run = np.empty(min(step, len(codes)), dtype=codes.dtype)
    ok = np.empty(len(run), dtype=bool)
    top = codes[0]
    for lo in range(0, len(codes), step):
        block = codes[lo:lo + step]
        if block.max() <= top:
            # no new code in the block: each is at most the largest before it, so it passes and
            # ``top`` stays; one pass instead of five (after its first rows, a column of few values
            # is all such blocks: 0.5 -> about 0.2 s over the 13 columns of 10M rows)
            continue
        r = run[:len(block)]
        np.maximum.accumulate(block, out=r)
        np.maximum(r, top, out=r)
        # each code at most one more than the largest before it (``top`` before the block)
        prev = r[:-1]
        o = ok[:len(block)]
        np.less_equal(block[0], top + 1, out=o[:1])
        np.add(prev, 1, out=r[:-1])  # (r[-1], the block's maximum, is kept for the next block)
        np.less_equal(block[1:], r[:-1], out=o[1:])
        if not o.all():
            return False
        top = r[-1]
    return bool(top == n_uniques - 1)


#: Rows per block of :func:`first_appearance` (1 MB of int32 codes: its buffers stay in cache).
_BLOCK_ROWS = 1 << 18


def small_codes(codes: np.ndarray, n_uniques: int) -> np.ndarray:
    """Codes as int32 when they fit (half the memory of intp at 10M rows), else as they are."""
    return codes.astype(np.int32, copy=False) if n_uniques < 2**31 - 1 else codes


def used_codes(codes: np.ndarray, n_uniques: int, every_row: bool) -> np.ndarray:
    """The codes ``codes`` use, sorted (what ``np.unique(codes)`` gives), for codes of ``n_uniques``
    values.

    ``every_row`` says ``codes`` are the codes of *every* row they were numbered over, as the
    loader's factorisation gives them (:class:`analysis.io.validation._Factors`: first-appearance
    order, :func:`analysis.io._engine.to_codes`; or ``pd.factorize``): then each of the values is
    used by some row and the answer is every code, with no pass over the rows (the count over 10M
    rows cost about 0.2 s and an 80 MB intp copy of the codes, twice per load). Otherwise (a
    subset of the rows, an interview held back) the codes are counted."""
    if not len(codes):
        return np.zeros(0, np.intp)
    if every_row:
        return np.arange(n_uniques, dtype=np.intp)
    return np.flatnonzero(np.bincount(codes, minlength=n_uniques))


def first_rows(codes: np.ndarray) -> np.ndarray:
    """Per row, the position of the first row with its code, for ``codes`` numbered in
    first-appearance order (:func:`first_appearance`): the first row of each
    code is where the running maximum grows (no sort, no hash table)."""
    new_id = np.empty(len(codes), dtype=bool)
    new_id[:1] = True
    new_id[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    return np.flatnonzero(new_id)[codes]


#: :func:`repeated_pairs` compares neighbours up to this many rows apart (an interview of more rows
#: than this takes the hash table).
_RUN_LIMIT = 64


def repeated_pairs(a: np.ndarray, b: np.ndarray, n_b: int) -> np.ndarray:
    """Per row, whether an earlier row has the same pair of codes ``(a, b)``: what
    ``pd.Series(a * (n_b + 1) + b).duplicated(keep="first")`` says, for ``b`` in ``0 .. n_b``.

    Why not that: at 10M rows its hash table and the int64 keys cost about 300 MB and a second of
    CPU at the loader's peak. In the usual file each ``a`` (an interview) is one run of adjacent
    rows (a bulk export, or one interview per file), so an earlier row of the same pair is at most
    the longest run less one rows back: comparing each row with its neighbours 1, 2, ... rows back
    finds every repeat with a few boolean arrays. When some ``a`` is split over several runs, or a
    run is longer than :data:`_RUN_LIMIT`, the hash table answers as before.
    """
    n = len(a)
    if not n:
        return np.zeros(0, dtype=bool)
    new_run = np.empty(n, dtype=bool)
    new_run[0] = True
    np.not_equal(a[1:], a[:-1], out=new_run[1:])
    starts = np.flatnonzero(new_run)
    del new_run
    longest = int(np.diff(starts, append=n).max())
    if longest <= _RUN_LIMIT and not (np.bincount(a[starts]) > 1).any():  # each a is one run
        dup = np.zeros(n, dtype=bool)
        for d in range(1, longest):
            dup[d:] |= (a[d:] == a[:-d]) & (b[d:] == b[:-d])
        return dup
    key = a.astype(np.int64) * (n_b + 1) + b
    return pd.Series(key).duplicated(keep="first").to_numpy()
