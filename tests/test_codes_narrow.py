"""``_codes.answers`` reads narrow codes as they come (int8 questions, int16 dates, no int64 copies) and
sorts its key in place (``dense(..., owned=True)``), issue 26: the answers must be those of the same
codes as int64, and ``dense`` of an owned key what it is of a key it may not touch."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats import _codes

settings.register_profile("narrow", max_examples=120, deadline=None)
settings.load_profile("narrow")

rows = st.lists(st.tuples(st.integers(-1, 40), st.integers(-1, 5), st.integers(-1, 300)), max_size=60)


@given(rows, st.booleans())
def test_answers_of_narrow_codes_equal_those_of_int64(rows, dropna_date):
    c, q, d = (np.array([r[i] for r in rows], dtype=np.int64) for i in range(3))
    want = _codes.answers(c, q, d, dropna_date=dropna_date)
    got = _codes.answers(c.astype(np.int32), q.astype(np.int8), d.astype(np.int16), dropna_date=dropna_date)
    assert got.n == want.n and got.code.dtype == np.intp
    np.testing.assert_array_equal(got.code, want.code)
    np.testing.assert_array_equal(got.pair, want.pair)
    np.testing.assert_array_equal(got.pair_starts, want.pair_starts)


@given(st.lists(st.integers(-(2**40), 2**40), max_size=80))
def test_dense_of_an_owned_key_equals_dense(keys):
    keys = np.asarray(keys, dtype=np.int64)
    want_u, want_inv = np.unique(keys, return_inverse=True)
    mine = keys.copy()
    u, inv = _codes.dense(mine, owned=True)
    np.testing.assert_array_equal(u, want_u)
    np.testing.assert_array_equal(inv, want_inv.reshape(-1))


WORDS = ["b", "a", "é", "Z", "ä", "a b", "10", "9"]


@given(st.lists(st.one_of(st.sampled_from(WORDS), st.none()), max_size=60),
       st.sampled_from(["str", "category", "object"]))
def test_ranks_of_the_uniques_give_the_sorted_codes(values, kind):
    from analysis.stats._sorted_codes import rank_of
    s = pd.Series(values, dtype=object)
    s = s.astype("str") if kind == "str" else pd.Series(pd.Categorical(values, categories=WORDS[::-1])) \
        if kind == "category" else s
    code, names = _codes.codes(s, sort=False)
    code, rank = np.asarray(code), rank_of(names)
    np.testing.assert_array_equal(rank[code], pd.factorize(s, sort=True)[0])
    np.testing.assert_array_equal(rank[code], _codes.codes(s, sort=True)[0])
