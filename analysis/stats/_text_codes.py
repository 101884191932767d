"""The codes of Arrow-backed text columns, factorised once per column for a whole report.

``pd.factorize`` of a text column hashes every value: on ten million ``candidate_id`` values some
0.6 s, and the fit and nearly every table ask for the same columns' codes. The codes are kept here
by the identity of the column's Arrow array. An Arrow array is immutable (pandas replaces it on
assignment, never edits it), and the same object backs every column selection, ``reset_index`` and
``assign`` of a frame, so one factorisation of ``candidate_id`` serves every statistic of a report.
An entry is dropped when its array is collected (so no reused ``id`` can serve another array's codes),
and only a few are kept.

Built under a lock: the tables' inputs are thread-safe (the explorer may compute tables concurrently,
:class:`analysis.stats.tables.TableInputs`), and two threads asking for one column's codes at once
would otherwise both hash it; the second waits for the first's instead.
:func:`analysis.stats._codes.codes` is the one caller.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
import pandas as pd

from analysis.stats._sorted_codes import rank_of

__all__ = ["arrow_array", "arrow_codes", "MEMO", "MEMO_SIZE"]

#: Arrow array id -> ``[weakref to the array, codes, uniques, (sorted codes, sorted uniques) or None]``
MEMO: dict[int, list] = {}
#: How many columns' codes are kept at most (the oldest goes first).
MEMO_SIZE = 8
_LOCK = threading.Lock()


def arrow_array(values):
    """The Arrow ``ChunkedArray`` behind a pandas text Series, or None for anything else."""
    if not (isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype)):
        return None
    arr = getattr(values.array, "_pa_array", None)
    try:
        import pyarrow as pa  # deferred: only Arrow-backed strings need it (and pandas may lack it)
    except ImportError:  # pragma: no cover - pandas' Arrow strings need pyarrow
        return None
    return arr if isinstance(arr, pa.ChunkedArray) else None


def arrow_codes(values: pd.Series, arr, sort: bool) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values, sort=sort)`` of the text Series ``values`` backed by ``arr``
    (:func:`arrow_array`), memoised; the codes are read-only."""
    with _LOCK:
        key = id(arr)
        hit = MEMO.get(key)
        if hit is None or hit[0]() is not arr:
            c, names = pd.factorize(values, sort=False)
            c = np.asarray(c)
            c.flags.writeable = False
            if len(MEMO) >= MEMO_SIZE:
                MEMO.pop(next(iter(MEMO)))
            hit = [weakref.ref(arr, lambda _, key=key: MEMO.pop(key, None)), c, names, None]
            MEMO[key] = hit
        _, c, names, sorted_ = hit
        if not sort:
            return c, names
        if sorted_ is None:
            # pd.factorize(sort=True): the same uniques in sorted order, the codes renumbered
            # (a missing value's code -1 reads the table's spare last entry, -1: one gather, no masks)
            rank = rank_of(names)  # (_sorted_codes: the one rule)
            sc = rank[c]
            sc.flags.writeable = False
            order = np.empty(len(names), dtype=np.intp)
            order[rank[:-1]] = np.arange(len(names), dtype=np.intp)  # the uniques in sorted order
            sorted_ = hit[3] = (sc, names[order])
        return sorted_
