"""A group key for pandas' own group reductions that pandas need not recode (issue 26).

The drift table takes several group sums and means over one integer key (question, or question and
quarter), each through ``Series.groupby(categorical, observed=True)`` so that each result is pandas'
own sum or mean, to the bit. But ``observed=True`` makes pandas recode the categorical at every
group-by: a hash table of the codes to find the observed categories and a new row-length code array
(``recode_for_groupby``), some 5 ms per call per million rows, nine calls per drift table. A
categorical whose categories are exactly the observed keys, in sorted order, is grouped as it is with
``observed=False, sort=True`` (pandas returns it untouched): the same groups in the same order, the same
cython reduction over the same rows in the same order, so the same bits, with the recoding done once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["observed_key"]


def _code_type(n_categories: int):
    """The code type pandas gives a categorical of ``n_categories`` (so ``from_codes`` keeps ours
    without a copy): int8 below 127 categories, int16, int32, else int64."""
    for t in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(t).max:
            return t
    return np.int64


def observed_key(keys: np.ndarray, bound: int, *, missing_group: bool = False) -> pd.Categorical:
    """A categorical of integer ``keys`` (``-1 .. bound - 1``) whose categories are the keys present,
    sorted: group by it with ``observed=False, sort=True`` to get what ``observed=True`` gives on any
    categorical of the same keys, without pandas recoding it per group-by.

    ``-1`` is no group (dropped, as a missing key is) unless ``missing_group``: then it is a group of
    its own, the category ``-1``, first (where sorted integers put it). One pass marks the keys present
    in a table of ``bound + 1`` flags (a key -1 marks the spare last one) and one gather writes the
    codes in the narrowest type pandas would choose; no row-length int64 array is made.

    Examples
    --------
    >>> c = observed_key(np.array([5, -1, 2, 5]), 6, missing_group=True)
    >>> list(c.categories), c.codes.tolist()
    ([-1, 2, 5], [2, 0, 1, 2])
    """
    keys = np.asarray(keys).reshape(-1)
    present = np.zeros(bound + 1, dtype=bool)
    present[keys] = True
    values = np.flatnonzero(present[:-1])
    has_missing = bool(missing_group and present[-1])
    n_cat = len(values) + has_missing
    rank = np.empty(bound + 1, dtype=_code_type(n_cat))
    rank[values] = np.arange(has_missing, n_cat, dtype=rank.dtype)
    rank[-1] = 0 if has_missing else -1
    categories = np.r_[np.int64(-1), values] if has_missing else values.astype(np.int64)
    return pd.Categorical.from_codes(rank[keys], categories=pd.Index(categories), validate=False)
