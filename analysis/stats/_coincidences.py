"""Krippendorff's coincidence matrix from a units x values count matrix, and alpha from it.

Private helpers of :mod:`analysis.stats.reliability` (issue 26): the ``krippendorff`` package
forms the coincidences through units x values x values float arrays, the inter-rater table's
memory peak at ten million score rows; :func:`coincidences` gives the same matrix to the last bit
from one short array per cell, and :func:`alpha_of_counts` hands it to the package's own steps.
"""

from __future__ import annotations

import numpy as np

__all__ = ["coincidences", "alpha_of_counts"]


def coincidences(counts: np.ndarray) -> np.ndarray:
    """Krippendorff's coincidence matrix (values x values) of a units x values count matrix, the
    numbers :func:`krippendorff.alpha` forms from ``value_counts``, to the last bit.

    Why our own: the package forms each unit's ``(c c' - diag c) / (m - 1)`` as a units x values x
    values float array and sums it over the units: with four rubric values that is three arrays of
    128 bytes per unit, hundreds of MB at ten million score rows on top of the loaded frames.

    Here a unit with fewer than two ratings is left out: it adds an exact 0 (its ``c c'`` is its
    ``diag c``), and x + 0 is x. Then one of two sums, each equal to the package's to the last bit:

    * when every unit holds 2, 3, 5, 9 ... ratings (``m - 1`` a power of two: panels of two or three
      and test-retest pairs, the inter-rater table's units), every term and every partial sum is a
      multiple of ``1 / (m - 1)`` far below 2**53 of them, so all are exact in binary and any order
      of summation gives the same bits. The units are then tallied by their count pattern (a few
      dozen patterns among millions of units) and each pattern's term is weighted by its number.
    * otherwise each cell is summed on its own, over the units that add to it, in unit order, from
      the same float64 terms: a running sum (``np.cumsum``), the order in which numpy reduces the
      package's first axis.

    ``tests/test_reliability_alpha.py`` checks the matrix and alpha bit for bit against the package
    on generated counts (units of one to six ratings, so terms in thirds and fifths too)."""
    counts = np.asarray(counts)
    n_values = counts.shape[1]
    m = counts.sum(axis=1, dtype=np.int64)
    pairable = m >= 2
    if not pairable.all():
        counts, m = counts[pairable], m[pairable]
    out = np.zeros((n_values, n_values), dtype=np.float64)
    if not len(m):
        return out
    base = int(counts.max()) + 1
    exact = not ((m - 1) & (m - 2)).any() and base ** n_values <= 1 << 20
    if exact:
        # each unit's pattern as one number in base ``base``; its count is the pattern's weight
        pattern = counts.astype(np.int64) @ (base ** np.arange(n_values, dtype=np.int64))
        weight = np.bincount(pattern)
        for p in np.flatnonzero(weight):
            c = (p // base ** np.arange(n_values)) % base
            term = (np.outer(c, c) - np.diag(c)).astype(np.float64) / np.float64(c.sum() - 1)
            out += weight[p] * term
        return out
    divisor = (m - 1).astype(np.float64)
    cols = np.ascontiguousarray(counts.T, dtype=np.int64)  # one contiguous row per value
    for a in range(n_values):
        has_a = np.flatnonzero(cols[a])
        ca = cols[a, has_a]
        for b in range(a, n_values):
            # a unit adds to cell (a, b) only where it holds both values; c_a c_b is c_b c_a, so the
            # cell (b, a) is the same sum
            cb = cols[b, has_a]
            both = np.flatnonzero(cb)
            if not len(both):
                continue
            term = ca[both] * cb[both]
            if a == b:
                term -= ca[both]
            term = term.astype(np.float64)
            term /= divisor[has_a[both]]
            out[a, b] = out[b, a] = np.cumsum(term)[-1]
    return out


def alpha_of_counts(counts: np.ndarray, domain: np.ndarray, level: str) -> float:
    """Alpha of a units x values count matrix: :func:`coincidences` (ours, see there why), then the
    package's own steps from the coincidences on (expected coincidences, the level's distances and
    the ratio), so every number after the tally is the package's. Those steps are the package's
    private helpers (pinned at krippendorff 0.9.0); if a later version moves them, the whole
    :func:`krippendorff.alpha` is called on the counts instead (the same value, more memory)."""
    import krippendorff
    try:
        from krippendorff.krippendorff import _distance_metric, _distances, _random_coincidences
    except ImportError:  # pragma: no cover - a krippendorff other than the pinned 0.9.0
        largest = int(counts.sum(axis=1).max()) ** 2
        small = next(t for t in (np.int8, np.int16, np.int32, np.int64) if largest <= np.iinfo(t).max)
        return float(krippendorff.alpha(value_counts=counts.astype(small), value_domain=domain,
                                        level_of_measurement=level))
    dtype = np.dtype(krippendorff.DEFAULT_DTYPE)
    o = coincidences(counts)
    n_v = o.sum(axis=0)
    e = _random_coincidences(n_v, dtype=dtype)
    d = _distances(domain, _distance_metric(level), n_v, dtype=dtype)
    return float(1 - (o * d).sum() / (e * d).sum())
