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
    """Benjamini-Hochberg q-values of ``p``, from statsmodels' ``multipletests(method="fdr_bh")``.

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
    # deferred: statsmodels' multitest imports scipy.stats, a second of start-up for callers that never test
    from statsmodels.stats.multitest import multipletests

    values = np.asarray(p, dtype=float)
    q = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    if ok.any():
        q[ok] = multipletests(values[ok], method="fdr_bh")[1]
    return pd.Series(q, index=p.index) if isinstance(p, pd.Series) else q
