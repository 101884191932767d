"""Krippendorff's alpha from the coincidence matrix the workbook forms itself
(:func:`analysis.stats._coincidences.coincidences`): the same numbers as the ``krippendorff`` package.

The workbook sums each cell of the coincidence matrix over the units that add to it, instead of the
package's units x values x values array (issue 26: 1.3 GB at ten million score rows). The claim is
that no bit changes, so the checks compare with the package *in the same process* with
``array_equal`` (not across machines, where a float may differ in its last bit): generated count
matrices of units with zero to six ratings, so that terms divide by 1 to 5 (thirds and fifths are
not exact in binary, which makes the order of the sum matter).
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from krippendorff.krippendorff import _coincidences

from analysis.stats._coincidences import coincidences
from analysis.stats.reliability import alpha_from_codes, krippendorff_alpha, observed_domain

# a units x values count matrix: each unit holds 0-6 ratings over 2-5 values
count_rows = st.integers(2, 5).flatmap(
    lambda v: st.lists(st.lists(st.integers(0, v - 1), max_size=6), min_size=1, max_size=120).map(
        lambda units: np.array([np.bincount(u, minlength=v) for u in units], dtype=np.int64).reshape(-1, v)))


@settings(max_examples=200, deadline=None)
@given(count_rows)
def test_coincidences_equal_the_package_bit_for_bit(counts):
    assert np.array_equal(coincidences(counts), _coincidences(counts))


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # 0/0 as in the package
@settings(max_examples=150, deadline=None)
@given(count_rows, st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_alpha_from_codes_equals_the_package_on_the_same_counts(counts, level):
    units, values = np.nonzero(counts)
    reps = counts[units, values]
    targets, value_index = np.repeat(units, reps), np.repeat(values, reps)
    domain = np.arange(1, counts.shape[1] + 1, dtype=float)
    if not (np.bincount(targets) >= 2).any():
        with pytest.raises(ValueError, match="no unit was rated by two"):
            alpha_from_codes(targets, value_index, domain, level)
        return
    expected = krippendorff.alpha(value_counts=counts[np.unique(targets)], value_domain=domain,
                                  level_of_measurement=level)
    got = alpha_from_codes(targets, value_index, domain, level)
    assert np.array_equal(got, expected, equal_nan=True)


def test_coincidences_on_many_units_with_inexact_terms():
    """A large case (numpy reduces long axes in blocks): 200,000 units of 1-5 ratings."""
    rng = np.random.default_rng(26)
    m = rng.integers(1, 6, size=200_000)
    unit = np.repeat(np.arange(len(m)), m)
    counts = np.bincount(unit * 4 + rng.integers(0, 4, size=len(unit)), minlength=len(m) * 4).reshape(-1, 4)
    assert np.array_equal(coincidences(counts.astype(np.int8)), _coincidences(counts.astype(np.int8)))


def test_frame_entry_point_equals_the_package_on_reliability_data():
    """krippendorff_alpha of a tidy frame against the package's reliability-data form (raters x units)."""
    rng = np.random.default_rng(7)
    data = rng.integers(1, 5, size=(3, 40)).astype(float)
    data[rng.random(data.shape) < 0.3] = np.nan
    raters, units = np.nonzero(~np.isnan(data))
    frame = pd.DataFrame({"unit": units, "rater": raters, "score": data[raters, units]})
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal")
    assert krippendorff_alpha(frame, "unit", "rater", "score") == pytest.approx(expected, rel=1e-12)
    domain, index = observed_domain(frame["score"].to_numpy())
    assert np.array_equal(domain, np.unique(frame["score"]))


# units of 1, 2, 3 or 5 ratings: every m - 1 a power of two, the tally by count pattern
pattern_rows = st.integers(2, 5).flatmap(
    lambda v: st.lists(st.sampled_from([1, 2, 3, 5]).flatmap(lambda m: st.lists(st.integers(0, v - 1), min_size=m,
                                                                                 max_size=m)),
                       min_size=1, max_size=120).map(
        lambda units: np.array([np.bincount(u, minlength=v) for u in units], dtype=np.int64).reshape(-1, v)))


@settings(max_examples=200, deadline=None)
@given(pattern_rows)
def test_coincidences_by_count_pattern_equal_the_package_bit_for_bit(counts):
    assert np.array_equal(coincidences(counts), _coincidences(counts))


def test_coincidences_by_count_pattern_on_many_units():
    rng = np.random.default_rng(11)
    m = rng.choice([1, 2, 2, 3, 5], size=300_000)
    unit = np.repeat(np.arange(len(m)), m)
    counts = np.bincount(unit * 4 + rng.integers(0, 4, size=len(unit)), minlength=len(m) * 4).reshape(-1, 4)
    assert np.array_equal(coincidences(counts), _coincidences(counts.astype(np.int8)))
