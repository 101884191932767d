"""Multiple testing: the one Benjamini-Hochberg adjustment every table of q-values uses.

A table that tests many questions (or interviewers) at once reports, beside each p-value, a q-value
that controls the false discovery rate across the table (Benjamini & Hochberg 1995). Drift over time
and differential functioning per question both read it from here, so they cannot disagree on how a
q-value is computed or on what a missing p-value means: a test that could not be made (NaN) is left
out of the family and keeps a NaN q-value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["fdr_bh"]


def fdr_bh(p):
    """Benjamini-Hochberg q-values of ``p``: statsmodels' ``multipletests(method="fdr_bh")``, step by step.

    The sorted p-values divided by their rank share ``k / m``, the running minimum from the largest
    down, capped at 1, put back in the original order: the same operations in the same order as
    statsmodels' ``fdrcorrection``, so the figures are equal to the last bit
    (``tests/test_multiple.py`` holds them to it). Written out here because importing
    ``statsmodels.stats.multitest`` imports ``scipy.stats``, about a second of start-up that a
    report otherwise never pays (issue 26).

    Parameters
    ----------
    p : array-like or Series of float
        p-values; NaN where no test was made.

    Returns
    -------
    ndarray, or Series with the index of ``p``
        The q-values of the finite p-values, adjusted among themselves; NaN where ``p`` is NaN.

    >>> fdr_bh([0.01, 0.04, float("nan"), 0.03]).round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    values = np.asarray(p, dtype=float)
    q = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    if ok.any():
        q[ok] = _bh(values[ok])
    return pd.Series(q, index=p.index) if isinstance(p, pd.Series) else q


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted values of finite ``p`` (statsmodels' ``fdrcorrection``)."""
    order = np.argsort(p)
    ranked = p[order]
    m = len(ranked)
    adjusted = np.minimum.accumulate((ranked / (np.arange(1, m + 1) / float(m)))[::-1])[::-1]
    adjusted[adjusted > 1] = 1
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out
