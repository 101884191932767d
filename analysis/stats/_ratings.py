"""Ratings in tidy form, checked once for the inter-rater statistics.

Private helpers of :mod:`analysis.stats.reliability`: ratings read as numbers with an error that
names the bad value (:func:`numeric_ratings`), one row per target and rater with duplicates refused
(:func:`tidy_ratings`), and the pieces of Cohen's kappa: one rater's ratings as an array
(:func:`ratings_array`), numbers compared as numbers (:func:`common_type`), the label positions
(:func:`label_index`) and kappa from the agreement table (:func:`kappa_from_codes`). They live apart
so that :mod:`analysis.stats.reliability` reads as the three statistics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis._frames import check_columns as _check_columns
from analysis.stats import _codes

__all__ = ["numeric_ratings", "tidy_ratings", "label_index", "ratings_array", "kappa_from_codes", "common_type"]


def numeric_ratings(values: pd.Series, name: str, function: str) -> pd.Series:
    """Ratings as floats (ordered categoricals of numbers are accepted), with a clear error."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    try:
        return pd.to_numeric(values, errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        bad = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()]
        example = repr(bad.iloc[0]) if len(bad) else "?"
        raise ValueError(
            f"{function}: column {name!r} must hold numbers; got {example} "
            f"(row {bad.index[0] if len(bad) else '?'}); expected ratings such as 1-4"
        ) from exc


def tidy_ratings(
    data, keys: list[str], raters: str, ratings: str, function: str, *, numeric: bool = True
) -> pd.DataFrame:
    """One row per (key, rater); missing ratings dropped; duplicates refused.

    Ratings become floats, or (``numeric=False``, nominal codes such as "yes") strings.
    """
    _check_columns(data, [*keys, raters, ratings], function)
    frame = data[[*keys, raters, ratings]].copy()
    frame = frame.dropna(subset=[*keys, raters, ratings])
    if numeric:
        frame[ratings] = numeric_ratings(frame[ratings], ratings, function)
    else:
        frame[ratings] = frame[ratings].astype(str)
    # duplicates and target numbers from integer codes of the key columns (issue 11: the same as
    # duplicated(keep="first") and groupby(sort=True).ngroup(), without hashing text keys again)
    dup = pd.Series(_codes.duplicated(frame, [*keys, raters]), index=frame.index)
    if dup.any():
        first = frame.loc[dup].iloc[0]
        who = ", ".join(f"{k}={first[k]!r}" for k in [*keys, raters])
        raise ValueError(
            f"{function}: {int(dup.sum())} duplicate rating(s): the same rater rated the same "
            f"target more than once (first: {who}, row {frame.index[dup][0]}); expected one rating "
            f"per rater and target. Average or drop the repeats first."
        )
    if len(keys) == 1:
        frame["_target"] = np.asarray(_codes.codes(frame[keys[0]], sort=True)[0], dtype=np.int64)
    else:
        frame["_target"] = frame.groupby(keys, sort=True, observed=True).ngroup()
    return frame


def label_index(labels: list) -> pd.Index:
    index = pd.Index(labels)
    if not index.is_unique:
        raise ValueError(f"cohen_kappa: labels must be distinct categories; got {labels}")
    return index


def ratings_array(values) -> np.ndarray:
    """One rater's ratings as a numpy array: numbers stay numbers (nullable NA becomes NaN), anything
    else becomes an object array."""
    if isinstance(values, pd.Series | pd.Index):
        dtype = values.dtype
        if (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
                and not isinstance(dtype, pd.CategoricalDtype)):
            return values.to_numpy(dtype=float, na_value=np.nan)
        return values.to_numpy(dtype=object)
    arr = np.asarray(values)
    if arr.dtype.kind in "iuf":
        return arr
    return np.asarray(values, dtype=object)


def kappa_from_codes(codes_a: np.ndarray, codes_b: np.ndarray, n_labels: int, weights) -> float:
    """Kappa from two raters' category codes (0 .. n_labels - 1), as scikit-learn computes it.

    Why not :func:`sklearn.metrics.cohen_kappa_score` (which this reproduces to rounding error, see
    ``tests/test_reliability.py``): the calibration calls kappa once per interviewer, and sklearn's
    parameter validation, label handling on object arrays and its import (about a second) cost
    more than the statistic. The agreement table is one ``bincount``; then

    ``kappa = 1 - sum(w * observed) / sum(w * expected)``, with ``expected`` the outer product of
    the two raters' margins over the total and ``w`` 0 on the diagonal and 1 off it (unweighted),
    ``|i - j|`` (linear) or ``(i - j)**2`` (quadratic) in label positions. NaN when the expected
    disagreement is zero (both raters used one and the same category throughout).
    """
    k = n_labels
    confusion = np.bincount(codes_a * k + codes_b, minlength=k * k).reshape(k, k).astype(float)
    total = confusion.sum()
    if total == 0:
        return np.nan
    expected = np.outer(confusion.sum(axis=1), confusion.sum(axis=0)) / total
    pos = np.arange(k, dtype=float)
    if weights is None:
        w = 1.0 - np.eye(k)
    elif weights == "linear":
        w = np.abs(pos[:, None] - pos[None, :])
    else:
        w = (pos[:, None] - pos[None, :]) ** 2
    denominator = float((w * expected).sum())
    if denominator == 0:
        return np.nan
    return float(1.0 - (w * confusion).sum() / denominator)


def common_type(values: pd.Series) -> pd.Series:
    """Numbers as numbers (so 3 and 3.0 are one category), anything else as is."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all():
        as_int = numeric.round()
        return as_int.astype(int) if (as_int == numeric).all() else numeric.astype(float)
    return values
