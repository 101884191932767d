"""The inter-rater table's rating units (``agreement._rating_units``) and the codes helpers it reads
equal the pandas group-bys they stand for, on generated score histories: panels (two interviewers on
one candidate's answer on one day), repeats by the same interviewer, missing interviewers, and
candidates asked a question on several days (test-retest).

Issue 26 rebuilt the units with fewer row-length arrays (the interviewers' categorical codes as they
are, the first scorecard of each answer by blocks, a pair's second date read off the sorted answers);
the reference here is the group-by version the table had before issue 11, whose units the report's
numbers come from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats import _codes, agreement
from reference_units import group_by_units

CANDIDATES = ["c3", "c1", "c2", "c4"]
QUESTIONS = ["q2", "q1", "q3"]
INTERVIEWERS = ["R2", "R1", "R3", None]
DATES = pd.to_datetime(["2024-03-02", "2024-01-05", "2024-02-01"]).to_numpy()

# an interview: candidate, date, interviewer, the questions asked (each scored once)
interviews = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 3),
                                st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4)), min_size=1, max_size=3,
                                         unique_by=lambda t: t[0])),
                      min_size=1, max_size=30)


def _history(items, repeat) -> pd.DataFrame:
    rows = [(f"i{k:03d}", CANDIDATES[c], QUESTIONS[q], DATES[d], INTERVIEWERS[r], score)
            for k, (c, d, r, asked) in enumerate(items) for q, score in asked]
    s = pd.DataFrame(rows, columns=["interview_id", "candidate_id", "question_id", "date", "interviewer", "score"])
    s["interview_id"] = s["interview_id"].astype("str")
    s["candidate_id"] = s["candidate_id"].astype("str")
    s["question_id"] = pd.Categorical(s["question_id"], categories=QUESTIONS)
    s["interviewer"] = pd.Categorical(s["interviewer"], categories=[i for i in INTERVIEWERS if i])
    s["score"] = s["score"].astype(np.int8)
    if repeat and len(s):  # the same interviewer scoring a row twice: not a second opinion
        s = pd.concat([s, s.iloc[[0]]], ignore_index=True)
    return s


def _canonical(units):
    t = units[["unit", "slot", "interviewer", "score"]].astype({"unit": np.int64, "slot": np.int64}).copy()
    t["interviewer"] = t["interviewer"].astype(object)
    return t.sort_values(["unit", "slot"]).reset_index(drop=True)


@settings(max_examples=150, deadline=None)
@given(interviews, st.booleans(), st.booleans())
def test_rating_units_equal_the_group_bys(items, repeat, as_text):
    scores = _history(items, repeat)
    if as_text:  # a frame built by hand: interviewers as text, coded by appearance
        scores["interviewer"] = scores["interviewer"].astype(object)
    multi, rt = agreement._rating_units(scores)
    ref_multi, ref_rt = group_by_units(scores)
    pd.testing.assert_frame_equal(_canonical(multi), _canonical(ref_multi))
    pd.testing.assert_frame_equal(_canonical(rt), _canonical(ref_rt))
    # the units are numbered 0 .. n-1 and the pairs' slots are 0 and 1
    assert set(rt["slot"]) <= {0, 1} and (rt.groupby("unit").size() == 2).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 40), st.integers(-1, 9)), max_size=80), st.sampled_from([np.int8, np.int64]))
def test_distinct_per_group_with_narrow_member_codes_equals_nunique(rows, member_type):
    g = np.array([r[0] for r in rows], dtype=np.int64)
    m = np.array([r[1] for r in rows], dtype=member_type)
    n = int(g.max()) + 1 if len(g) else 0
    keep = (g >= 0) & (m >= 0)
    expected = pd.Series(m[keep]).groupby(g[keep]).nunique().reindex(range(n), fill_value=0).to_numpy()
    assert np.array_equal(_codes.distinct_per_group(g, m, n), expected)


@given(st.lists(st.integers(0, 30), min_size=1, max_size=80), st.booleans())
def test_dense_of_keys_that_are_their_own_ranks_equals_np_unique(keys, complete):
    keys = np.array(keys + (list(range(31)) if complete else []), dtype=np.int64)
    uniq, inverse = _codes.dense(keys)
    expected_u, expected_inv = np.unique(keys, return_inverse=True)
    assert np.array_equal(uniq, expected_u) and uniq.dtype == keys.dtype
    assert np.array_equal(inverse, expected_inv) and inverse.dtype == np.intp
    inverse[:] = -1  # the ranks are the caller's own array, not the keys
    assert (keys >= 0).all()


@given(st.lists(st.integers(-(2**40), 2**40), max_size=80), st.integers(0, 2**31 - 1))
def test_unique_of_keys_within_32_bits_of_each_other_equals_np_unique(keys, spread):
    keys = np.array(keys, dtype=np.int64) % (spread + 1) + (keys[0] if keys else 0)
    got = _codes.unique(keys)
    assert np.array_equal(got, np.unique(keys)) and got.dtype == keys.dtype


@given(st.lists(st.tuples(st.integers(-1, 6), st.integers(-1, 2**33)), max_size=80))
def test_order_by_equals_lexsort(rows):
    first = np.array([r[0] for r in rows], dtype=np.int64)
    then = np.array([r[1] for r in rows], dtype=np.int64)
    got = _codes.order_by(first, then)
    assert np.array_equal(got, np.lexsort((then, first))) and got.dtype == np.intp


@settings(max_examples=60, deadline=None)
@given(interviews)
def test_pair_starts_mark_where_the_pair_steps_up(items):
    scores = _history(items, False)
    a = _codes.answer_codes(scores)
    # the answers in sorted (candidate, question, date) order, as the group-by lists them
    pairs = scores.groupby(["candidate_id", "question_id", "date"], observed=True).size().index.droplevel("date")
    expected = np.r_[True, pairs[1:] != pairs[:-1]] if len(pairs) else np.zeros(0, bool)
    assert np.array_equal(a.pair_starts, expected) and a.pair_starts.dtype == bool
    assert a.pair.dtype == np.intp and a.n_pairs == int(a.pair_starts.sum())
