"""Sorted codes as a table over the distinct values, not a row-length array (issue 26).

``codes(values, sort=True)`` numbers the values in sorted order; for an Arrow text column it is
memoised for the whole report as a row-length intp array next to the first-appearance codes. A
caller that needs the sorted numbers at some rows only (the inter-rater table reads each rating's
interview in text order, at the ratings of answers scored twice and a block at a time) can read
them through a table of one entry per distinct value instead: ``rank_of(names)[code]`` for its rows,
with ``code, names = codes(values, sort=False)`` (memoised). At ten
million rows that is 80 MB less resident for the rest of the report (under the question table's
peak) for each column read so; :func:`rank_of` is also the rule the memo itself renumbers by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["rank_of"]


def rank_of(names: pd.Index) -> np.ndarray:
    """Per distinct value (``pd.factorize(sort=False)``'s uniques ``names``), its number in sorted
    order, and -1 in a spare last entry, so that a missing value's code -1 reads -1: ``rank[codes]``
    is ``pd.factorize(values, sort=True)[0]`` for ``codes, names = pd.factorize(values, sort=False)``."""
    order = np.asarray(names.argsort(), dtype=np.intp)
    rank = np.empty(len(order) + 1, dtype=np.intp)
    rank[order] = np.arange(len(order), dtype=np.intp)
    rank[-1] = -1
    return rank

