"""analysis._codes: each integer-code helper gives what the numpy / pandas call it replaces gives
(the reference is that call itself, on random keys and on the edge cases), so the statistics built on
them cannot change a number (issue 11)."""

import gc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import _codes

WORDS = ["b", "a", "é", "Z", "ä", "a b", "10", "9"]
settings.register_profile("codes", max_examples=60, deadline=None)
settings.load_profile("codes")


def _column(values, kind):
    """The same values as Arrow text, a categorical (categories not in sorted order) or objects."""
    values = np.asarray(values, dtype=object)
    if kind == "str":
        return pd.Series(values, dtype="str")
    if kind == "category":
        return pd.Series(pd.Categorical(values, categories=WORDS[::-1] + ["unused"]))
    return pd.Series(values, dtype=object)


words = st.lists(st.one_of(st.sampled_from(WORDS), st.none()), max_size=60)
kinds = st.sampled_from(["str", "category", "object"])


@given(words, kinds, st.booleans())
def test_codes_equal_pd_factorize(values, kind, sort):
    s = _column(values, kind)
    want_codes, want_names = pd.factorize(s, sort=sort)
    got_codes, got_names = _codes.codes(s, sort=sort)
    np.testing.assert_array_equal(got_codes, want_codes)
    assert got_names.equals(want_names) and got_names.dtype == want_names.dtype


@given(words, kinds, st.booleans(), st.randoms())
def test_subset_equals_pd_factorize_of_the_subset(values, kind, sort, rnd):
    s = _column(values, kind)
    keep = np.array([rnd.random() < 0.6 for _ in values], dtype=bool)
    want_codes, want_names = pd.factorize(s[keep], sort=sort)
    got_codes, got_names = _codes.subset(s, keep, sort=sort)
    np.testing.assert_array_equal(got_codes, want_codes)
    assert got_names.equals(want_names) and got_names.dtype == want_names.dtype


@given(st.lists(st.integers(0, 50), max_size=80), st.booleans())
def test_dense_equals_np_unique(keys, huge_bound):
    keys = np.asarray(keys, dtype=np.int64)
    # a bound far above the keys takes np.unique's own path; a tight one the presence table
    bound = (1 << 40) if huge_bound else 51
    want_u, want_inv = np.unique(keys, return_inverse=True)
    got_u, got_inv = _codes.dense(keys, bound)
    np.testing.assert_array_equal(got_u, want_u)
    np.testing.assert_array_equal(got_inv, want_inv.reshape(-1))


def test_dense_with_negative_keys_falls_back_to_np_unique():
    keys = np.array([3, -1, 3, 0, -1])
    u, inv = _codes.dense(keys)
    np.testing.assert_array_equal(u, [-1, 0, 3])
    np.testing.assert_array_equal(inv, [2, 0, 2, 1, 0])


@given(st.lists(st.integers(-5, 2**40), max_size=80))
def test_unique_equals_np_unique(keys):
    keys = np.asarray(keys, dtype=np.int64)
    np.testing.assert_array_equal(_codes.unique(keys), np.unique(keys))


@given(st.lists(st.integers(0, 9), max_size=80))
def test_first_and_by_appearance(keys):
    keys = np.asarray(keys, dtype=np.int64)
    u, dense = np.unique(keys, return_inverse=True)
    np.testing.assert_array_equal(_codes.first(dense.reshape(-1), len(u)), np.unique(keys, return_index=True)[1])
    np.testing.assert_array_equal(_codes.by_appearance(keys, 10), pd.factorize(keys, sort=False)[0])


@given(st.lists(st.tuples(st.one_of(st.sampled_from(WORDS[:3]), st.none()), st.integers(0, 2)), max_size=60),
       kinds)
def test_duplicated_and_first_rows_equal_pandas(rows, kind):
    frame = pd.DataFrame({"a": _column([r[0] for r in rows], kind), "b": [r[1] for r in rows]})
    for cols in (["a"], ["b"], ["a", "b"]):
        np.testing.assert_array_equal(_codes.duplicated(frame, cols),
                                      frame.duplicated(subset=cols, keep="first").to_numpy())
    pd.testing.assert_frame_equal(_codes.first_rows(frame, "a"), frame.drop_duplicates("a"))


def test_memo_serves_one_array_and_never_a_stale_or_other_one():
    s = pd.Series(["x", "y", "x", None], dtype="str")
    first = _codes.codes(s, sort=True)
    again = _codes.codes(s.reset_index(drop=True), sort=True)
    assert again[0] is first[0]                      # the same Arrow array behind a new Series: from the memo
    with pytest.raises(ValueError):
        first[0][0] = 5                              # memoised codes are read-only: no caller can spoil them
    s2 = s.copy()
    s2[0] = "z"                                      # assignment gives the column a new Arrow array
    np.testing.assert_array_equal(_codes.codes(s2, sort=True)[0], pd.factorize(s2, sort=True)[0])
    np.testing.assert_array_equal(_codes.codes(s, sort=True)[0], pd.factorize(s, sort=True)[0])
    # a collected array leaves the memo (no id reuse can serve its codes to another array)
    n_before = len(_codes._MEMO)
    del s, s2, first, again
    gc.collect()
    assert len(_codes._MEMO) <= n_before
    for i in range(3 * _codes._MEMO_SIZE):           # the memo stays bounded
        t = pd.Series([f"v{i}", "w"], dtype="str")
        np.testing.assert_array_equal(_codes.codes(t)[0], pd.factorize(t, sort=True)[0])
    assert len(_codes._MEMO) <= _codes._MEMO_SIZE
