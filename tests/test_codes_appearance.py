"""The one-pass paths of issue 26 equal the straightforward calls they replace: the first rows of codes
numbered by first appearance (``analysis.stats._appearance``) against ``np.unique(return_index=True)``,
across block boundaries and with missing values, and None (not a wrong answer) for another numbering;
the group key with only observed categories (``analysis.stats._group_key``) against pandas' own
``observed=True`` group-by, to the bit; and the interviewer table's decisions read through the whole
column's codes against the map of each interview's candidate."""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats import _appearance, _codes
from analysis.stats._group_key import observed_key
from analysis.stats.interviewers import _decisions, _decisions_of_codes

settings.register_profile("appearance", max_examples=120, deadline=None)
settings.load_profile("appearance")

values = st.lists(st.one_of(st.integers(0, 12), st.none()), max_size=70)


def _want_first(codes):
    return np.sort(np.unique(codes, return_index=True)[1])


#: the default block and blocks of three rows (so a value first seen in a later block, and the
#: running maximum carried between blocks, are exercised)
blocks = st.sampled_from([1 << 18, 3])


@contextlib.contextmanager
def _in_blocks(size):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_appearance, "_BLOCK", size)
        yield


@given(values, blocks)
def test_first_rows_of_factorized_codes_equal_np_unique(vals, block):
    codes = pd.factorize(pd.Series(vals, dtype="Int64"), sort=False)[0]
    with _in_blocks(block):
        got = _appearance.first_rows_in_order(codes)
    np.testing.assert_array_equal(got, _want_first(codes))
    assert got.dtype == np.intp


@given(st.lists(st.integers(-1, 6), max_size=40), blocks)
def test_another_numbering_is_refused_or_right(codes, block):
    codes = np.asarray(codes, dtype=np.int64)
    with _in_blocks(block):
        got = _appearance.first_rows_in_order(codes)
    if got is not None:  # only when the codes happen to be in first-appearance order
        assert np.array_equal(pd.factorize(codes[codes >= 0], sort=False)[0], codes[codes >= 0])
        np.testing.assert_array_equal(got, _want_first(codes))
    np.testing.assert_array_equal(_appearance.first_positions(codes), _want_first(codes))


def test_a_code_appearing_early_is_refused():
    assert _appearance.first_rows_in_order(np.array([0, 2, 1])) is None
    assert _appearance.first_rows_in_order(np.array([1, 0])) is None


@given(values, st.sampled_from(["str", "category", "object"]), blocks)
def test_first_rows_equal_drop_duplicates(vals, kind, block):
    text = pd.Series([None if v is None else f"i{v}" for v in vals], dtype=object)
    col = text.astype("str") if kind == "str" else text.astype("category") if kind == "category" else text
    frame = pd.DataFrame({"a": col.to_numpy() if kind == "object" else col.array, "b": np.arange(len(col))},
                         index=np.arange(len(col)) * 3 + 1)
    with _in_blocks(block):
        got = _codes.first_rows(frame, "a")
    pd.testing.assert_frame_equal(got, frame.drop_duplicates("a"))


@given(st.lists(st.tuples(st.integers(-1, 9), st.floats(-1e6, 1e6, allow_nan=False)), max_size=60),
       st.booleans())
def test_observed_key_groups_as_the_observed_group_by(rows, missing_group):
    keys = np.array([r[0] for r in rows], dtype=np.int64)
    x = pd.Series([r[1] for r in rows], dtype=float)
    key = observed_key(keys, 10, missing_group=missing_group)
    if missing_group:  # -1 a group of its own: the integer group-by
        want_sum, want_n = x.groupby(keys).sum(), x.groupby(keys).size()
    else:              # -1 no group: the categorical group-by with observed=True
        cat = pd.Categorical.from_codes(keys, categories=pd.RangeIndex(10))
        want_sum = x.groupby(cat, observed=True).sum()
        want_n = x.groupby(cat, observed=True).size()
    got_sum = x.groupby(key, observed=False, sort=True).sum()
    got_mean = x.groupby(key, observed=False, sort=True).mean()
    got_n = x.groupby(key, observed=False, sort=True).size()
    assert got_sum.index.to_numpy(dtype=np.int64).tolist() == want_sum.index.to_numpy(dtype=np.int64).tolist()
    np.testing.assert_array_equal(got_sum.to_numpy(), want_sum.to_numpy())  # the same bits
    np.testing.assert_array_equal(got_n.to_numpy(), want_n.to_numpy())
    want_mean = x.groupby(keys).mean() if missing_group else x.groupby(cat, observed=True).mean()
    np.testing.assert_array_equal(got_mean.to_numpy(), want_mean.to_numpy())


@settings(max_examples=80)
@given(st.lists(st.sampled_from(["c1", "c2", "c3", "c4", None]), max_size=40),
       st.dictionaries(st.sampled_from(["c1", "c2", "c3", "c9"]), st.sampled_from(["hired", "rejected", "withdrew"])),
       st.data())
def test_decisions_of_whole_column_codes_equal_those_of_the_rows(ids, decided, data):
    column = pd.Series(ids, dtype="str")
    rows = np.asarray(data.draw(st.lists(st.integers(0, max(len(ids) - 1, 0)), max_size=len(ids))) if ids else [],
                      dtype=np.intp)
    outcomes = pd.DataFrame({"candidate_id": pd.Series(list(decided), dtype="str"),
                             "decision": list(decided.values())})
    code, distinct = _codes.codes(column, sort=False)
    got = _decisions_of_codes(np.asarray(code)[rows], distinct, outcomes)
    want = _decisions(column.iloc[rows], outcomes)
    assert got.dtype == object
    pd.testing.assert_series_equal(pd.Series(got, dtype=object), pd.Series(want, dtype=object))
