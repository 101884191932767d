"""Benjamini-Hochberg once (analysis.stats.multiple): statsmodels' numbers, NaN p-values kept out of the family."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from analysis.stats.multiple import fdr_bh


def test_by_hand_and_against_statsmodels():
    """p = .01, .04, .03 (m = 3): sorted .01, .03, .04 -> .03, .045, .04 -> step-up minimum .03, .04, .04."""
    p = np.array([0.01, 0.04, 0.03])
    np.testing.assert_allclose(fdr_bh(p), [0.03, 0.04, 0.04], rtol=1e-12)
    rng = np.random.default_rng(0)
    p = rng.random(200) ** 3
    np.testing.assert_array_equal(fdr_bh(p), multipletests(p, method="fdr_bh")[1])


def test_nan_is_left_out_of_the_family_and_the_index_kept():
    p = pd.Series([0.01, np.nan, 0.04, 0.03], index=list("abcd"))
    q = fdr_bh(p)
    assert isinstance(q, pd.Series) and list(q.index) == list("abcd") and np.isnan(q["b"])
    assert q.drop("b").to_numpy() == pytest.approx([0.03, 0.04, 0.04])  # m = 3, not 4
    assert np.isnan(fdr_bh([np.nan, np.nan])).all() and fdr_bh([]).shape == (0,)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.05, 1.0])), max_size=60))
def test_equal_to_statsmodels_to_the_last_bit(values):
    """The adjustment written out in numpy gives statsmodels' own q-values, ties and ones included."""
    p = np.array(values, dtype=float)
    want = multipletests(p, method="fdr_bh")[1] if len(p) else np.empty(0)
    np.testing.assert_array_equal(fdr_bh(p), want)
