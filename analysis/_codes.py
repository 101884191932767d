"""Integer codes for the statistics' group-bys (issue 11).

On a million score rows, every ``np.unique`` of an int64 key and every pandas group-by on an Arrow
string column costs a tenth of a second to a second; the statistics do dozens of them. The helpers
here give the same answers as the numpy / pandas calls they replace, from integer codes:

* :func:`dense` is ``np.unique(keys, return_inverse=True)`` for non-negative integer keys below a
  known bound, by a presence table (one pass, no sort) when the bound is small next to the number
  of keys, and by ``np.unique`` itself otherwise;
* :func:`unique` is ``np.unique(keys)`` by a sort: numpy 2.3+ finds plain uniques with a hash
  table, which on a million int64 keys is some 50 times slower than sorting them;
* :func:`codes` is ``pd.factorize(values, sort=True)`` that reads a categorical column's codes
  instead of hashing its values.

Nothing here changes a number: ``tests/test_codes.py`` checks each helper against the call it
replaces, on random keys and on the edge cases (empty, one value, missing values).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["dense", "codes", "unique", "first", "by_appearance", "combined", "duplicated", "first_rows", "subset"]

#: a presence table is used while the key bound is at most this many times the number of keys (plus
#: a constant); beyond it (e.g. candidates x questions x levels on ten million rows) ``np.unique``
_TABLE_RATIO = 4
_TABLE_MIN = 1 << 20


def dense(keys: np.ndarray, bound: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(unique_keys, inverse)`` of integer ``keys``, as
    ``np.unique(keys, return_inverse=True)`` returns them (sorted uniques, ``inverse`` the position of
    each key among them, as intp).

    ``bound`` is an exclusive upper bound of the keys (their maximum + 1 when not given). Negative
    keys (a missing code folded into a key) go to ``np.unique``.
    """
    keys = np.asarray(keys).reshape(-1)
    n = len(keys)
    if n == 0:
        return keys.astype(np.int64), np.zeros(0, dtype=np.intp)
    if bound is None:
        bound = int(keys.max()) + 1
    if bound > _TABLE_RATIO * n + _TABLE_MIN or keys.min() < 0:
        u, inv = np.unique(keys, return_inverse=True)
        return u, inv.reshape(-1).astype(np.intp, copy=False)
    present = np.zeros(bound, dtype=bool)
    present[keys] = True
    uniq = np.flatnonzero(present)
    rank = np.zeros(bound, dtype=np.intp)
    rank[uniq] = np.arange(len(uniq), dtype=np.intp)
    return uniq.astype(keys.dtype, copy=False), rank[keys]


def unique(keys: np.ndarray) -> np.ndarray:
    """``np.unique(keys)`` (sorted distinct values) of an integer array, by sorting."""
    s = np.sort(np.asarray(keys).reshape(-1))
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


def first(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """Row of the first occurrence of each key ``0 .. n_keys - 1`` of dense integer ``keys`` (every key
    present), i.e. ``np.unique(keys, return_index=True)[1]``, without the sort."""
    keys = np.asarray(keys).reshape(-1)
    out = np.full(n_keys, len(keys), dtype=np.intp)
    np.minimum.at(out, keys, np.arange(len(keys), dtype=np.intp))
    return out


def by_appearance(codes_: np.ndarray, n_codes: int) -> np.ndarray:
    """Renumber non-negative codes ``0 .. n_codes - 1`` by first appearance, as
    ``pd.factorize(values, sort=False)`` numbers the values they stand for: a subset of a coded
    column recoded without hashing its values again."""
    codes_ = np.asarray(codes_).reshape(-1)
    if not len(codes_):
        return codes_.astype(np.intp)
    pos = np.full(n_codes, len(codes_), dtype=np.intp)
    np.minimum.at(pos, codes_, np.arange(len(codes_), dtype=np.intp))
    seen = np.flatnonzero(pos < len(codes_))
    rank = np.zeros(n_codes, dtype=np.intp)
    rank[seen[np.argsort(pos[seen], kind="stable")]] = np.arange(len(seen), dtype=np.intp)
    return rank[codes_]


def combined(frame: pd.DataFrame, columns) -> tuple[np.ndarray, int]:
    """One dense integer key per row for the combination of ``columns`` (missing values count as
    one value, as ``DataFrame.duplicated`` counts them), and the number of distinct keys. The keys
    are numbered in sorted order of the column codes, not of the values: use them for equality."""
    key = np.zeros(len(frame), dtype=np.int64)
    n_keys = 1
    for col in columns:
        c = np.asarray(codes(frame[col], sort=False)[0], dtype=np.int64) + 1  # 0 = missing
        width = int(c.max()) + 1 if len(c) else 1
        _, key = dense(key * width + c, n_keys * width)
        key = key.astype(np.int64, copy=False)
        n_keys = int(key.max()) + 1 if len(key) else 1
    return key, n_keys


def duplicated(frame: pd.DataFrame, columns) -> np.ndarray:
    """``frame.duplicated(subset=columns, keep="first").to_numpy()`` from integer codes."""
    key, n_keys = combined(frame, columns)
    out = np.ones(len(frame), dtype=bool)
    if len(frame):
        out[first(key, n_keys)] = False
    return out


def first_rows(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame.drop_duplicates(column)``: the first row of each value (missing counts as one value),
    in row order, from the column's codes."""
    c = np.asarray(codes(frame[column], sort=False)[0], dtype=np.int64) + 1
    if not len(c):
        return frame.iloc[:0]
    n = int(c.max()) + 1
    rows = first(c, n)
    rows = np.sort(rows[rows < len(c)])
    return frame.iloc[rows]


def subset(values: pd.Series, keep: np.ndarray, sort: bool = True) -> tuple[np.ndarray, pd.Index]:
    """``codes(values[keep], sort)`` from the codes of the whole column: a row subset of an Arrow
    column is a new array (no memo), and taking the text costs more than the statistic."""
    c_all, names = codes(values, sort=sort)
    c = np.asarray(c_all)[keep]
    valid = c >= 0
    out = np.full(len(c), -1, dtype=np.intp)
    if sort:
        used, out[valid] = dense(c[valid], len(names))
    else:
        out[valid] = by_appearance(c[valid], len(names))
        used = c[valid][first(out[valid], int(out[valid].max()) + 1)] if valid.any() else np.zeros(0, np.intp)
    return out, names[used]


def codes(values, sort: bool = True) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values, sort=sort)`` as ``(codes, uniques)``: -1 for a missing value.

    A categorical ``values`` (the loader types ``question_id``, ``level`` and ``interviewer`` so) is
    coded from its category codes without hashing the values; the uniques keep the categorical
    dtype, as ``pd.factorize`` keeps it. Anything else goes to ``pd.factorize``.
    """
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        raw = values.cat.codes.to_numpy()
        cats = values.cat.categories
        if not len(raw):
            return np.zeros(0, dtype=np.intp), pd.Index(pd.Categorical([], dtype=values.dtype))
        valid = raw >= 0
        present = np.zeros(len(cats) + 1, dtype=bool)
        present[raw[valid]] = True
        if sort:
            used = np.flatnonzero(present[:-1])
            remap = np.full(len(cats), -1, dtype=np.intp)
            remap[used] = np.arange(len(used), dtype=np.intp)
            out = np.where(valid, remap[np.where(valid, raw, 0)], -1)
            return out, pd.Index(pd.Categorical.from_codes(used, dtype=values.dtype))
        return pd.factorize(values, sort=False)
    pa_array = _arrow_array(values)
    if pa_array is not None:
        return _arrow_codes(values, pa_array, sort)
    return pd.factorize(values, sort=sort)


# codes of Arrow-backed text columns, by the identity of the Arrow array. An Arrow array is
# immutable (pandas replaces it on assignment, never edits it), and the same object backs every
# column selection, reset_index and assign of a frame, so one factorisation of ``candidate_id``
# serves every statistic of a report. The entry is dropped when the array is collected; a few are kept.
_MEMO: dict[int, tuple] = {}
_MEMO_SIZE = 8


def _arrow_array(values):
    if not (isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype)):
        return None
    arr = getattr(values.array, "_pa_array", None)
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pandas' Arrow strings need pyarrow
        return None
    return arr if isinstance(arr, pa.ChunkedArray) else None


def _arrow_codes(values: pd.Series, arr, sort: bool):
    import weakref
    key = id(arr)
    hit = _MEMO.get(key)
    if hit is None or hit[0]() is not arr:
        c, names = pd.factorize(values, sort=False)
        c = np.asarray(c)
        c.flags.writeable = False
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        hit = [weakref.ref(arr, lambda _, key=key: _MEMO.pop(key, None)), c, names, None]
        _MEMO[key] = hit
    _, c, names, sorted_ = hit
    if not sort:
        return c, names
    if sorted_ is None:
        # pd.factorize(sort=True): the same uniques in sorted order, the codes renumbered
        order = np.asarray(names.argsort(), dtype=np.intp)
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order), dtype=np.intp)
        sc = np.where(c >= 0, rank[np.where(c >= 0, c, 0)], -1) if len(rank) else c.copy()
        sc.flags.writeable = False
        sorted_ = hit[3] = (sc, names[order])
    return sorted_
