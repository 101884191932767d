"""analysis.stats._codes: each integer-code helper gives what the numpy / pandas call it replaces gives
(the reference is that call itself, on random keys and on the edge cases), so the statistics built on
them cannot change a number (issue 11)."""

import gc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats import _codes, _text_codes

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


@given(st.lists(st.sampled_from([-(2**40), -7, 0, 3, 2**33, 2**40]), max_size=80), st.sampled_from([1, 2**21]))
def test_dense_of_spread_out_keys_equals_np_unique(keys, scale):
    # keys far apart (the answers' keys at a million rows): the sort of key * n + position; scale 2**21
    # takes the range times the number of keys past int64, i.e. np.unique itself
    keys = np.asarray(keys, dtype=np.int64) * scale
    want_u, want_inv = np.unique(keys, return_inverse=True)
    got_u, got_inv = _codes.dense(keys, 1 << 62)
    np.testing.assert_array_equal(got_u, want_u)
    assert got_u.dtype == want_u.dtype
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


@given(st.lists(st.integers(-5, 12), max_size=80), st.sampled_from([1, 2**20, 2**58]))
def test_first_occurrences_equal_the_sorted_np_unique_index(keys, scale):
    # scale 2**58: a key range times the number of keys past 2**62, which the helper hands to np.unique
    keys = np.asarray(keys, dtype=np.int64) * scale
    want = np.sort(np.unique(keys, return_index=True)[1])
    np.testing.assert_array_equal(_codes.first_occurrences(keys), want)


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
    n_before = len(_text_codes.MEMO)
    del s, s2, first, again
    gc.collect()
    assert len(_text_codes.MEMO) <= n_before
    for i in range(3 * _text_codes.MEMO_SIZE):           # the memo stays bounded
        t = pd.Series([f"v{i}", "w"], dtype="str")
        np.testing.assert_array_equal(_codes.codes(t)[0], pd.factorize(t, sort=True)[0])
    assert len(_text_codes.MEMO) <= _text_codes.MEMO_SIZE


# --- the same answer scored twice (issue 9) ---------------------------------------------------
# The reference is the plain pandas group-by each caller used to spell out:
# ``groupby([candidate, question, date])[interviewer].nunique()``, missing values in every column.

KEY = ["candidate_id", "question_id", "date"]
DATES = [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-01-15"), pd.Timestamp("2025-01-01")]
score_rows = st.lists(st.tuples(st.one_of(st.sampled_from(WORDS[:4]), st.none()),
                                st.one_of(st.sampled_from(["q2", "q1", "q3"]), st.none()),
                                st.one_of(st.sampled_from(DATES), st.none()),
                                st.one_of(st.sampled_from(["R2", "R1", "R3"]), st.none())), max_size=60)


def _score_frame(rows, kind):
    """Rows of (candidate, question, date, interviewer); the question and the interviewer categorical
    with categories out of sorted order (as the loader types them), the candidate of ``kind``."""
    rows = list(rows)
    return pd.DataFrame({
        "candidate_id": _column([r[0] for r in rows], kind),
        "question_id": pd.Categorical([r[1] for r in rows], categories=["q3", "q1", "q2", "unused"]),
        "date": pd.to_datetime(pd.Series([r[2] for r in rows], dtype=object)),
        "interviewer": pd.Categorical([r[3] for r in rows], categories=["R3", "R1", "R2"])})


def _interviewer_codes(frame):
    return _codes.codes(frame["interviewer"], sort=False)[0]


@given(score_rows, kinds)
def test_answer_codes_equal_the_group_by(rows, kind):
    frame = _score_frame(rows, kind)
    a = _codes.answer_codes(frame)
    g = frame.groupby(KEY, observed=True, sort=True)
    # the answers are the group-by's groups, numbered as it numbers them; a row with a missing part in none
    np.testing.assert_array_equal(a.code, g.ngroup().fillna(-1).to_numpy(dtype=np.int64))
    assert a.n == g.ngroups
    # distinct (named) interviewers per answer, in group order
    np.testing.assert_array_equal(a.raters(_interviewer_codes(frame)), g["interviewer"].nunique().to_numpy())
    twice = g["interviewer"].transform("nunique").fillna(0).to_numpy() >= 2
    np.testing.assert_array_equal(a.scored_twice(_interviewer_codes(frame)), twice)
    # each answer's (candidate, question) pair, numbered in sorted order (the group index is sorted, the
    # categorical question by its categories, so numbering its pairs by appearance numbers them in order)
    pairs = g.size().index.droplevel("date")
    np.testing.assert_array_equal(a.pair, pd.factorize(pairs, sort=False)[0])
    assert a.n_pairs == pairs.nunique()


@given(score_rows, kinds)
def test_answers_with_undated_rows_as_one_date_equal_the_group_by_with_dropna_false(rows, kind):
    frame = _score_frame(rows, kind)
    a = _codes.answer_codes(frame, dropna_date=False)
    inside = frame["candidate_id"].notna().to_numpy() & frame["question_id"].notna().to_numpy()
    g = frame[inside].groupby(KEY, observed=True, sort=True, dropna=False)
    assert (a.code[~inside] == -1).all()
    # the same partition of the rows (pandas puts the undated group last, answers puts it first)
    np.testing.assert_array_equal(pd.factorize(a.code[inside])[0], pd.factorize(g.ngroup().to_numpy())[0])
    assert a.n == g.ngroups
    want = g["interviewer"].transform("nunique").to_numpy()
    np.testing.assert_array_equal(a.raters(_interviewer_codes(frame))[a.code[inside]], want)
    assert (np.diff(a.pair) >= 0).all() and a.n_pairs == frame[inside].groupby(KEY[:2], observed=True).ngroups


@given(st.lists(st.tuples(st.integers(-1, 6), st.integers(-1, 4)), max_size=80), st.integers(0, 3))
def test_distinct_per_group_equals_nunique(rows, extra):
    groups = np.array([r[0] for r in rows], dtype=np.int64)
    members = np.array([r[1] for r in rows], dtype=np.int64)
    n_groups = (int(groups.max()) + 1 if len(rows) else 0) + extra  # trailing groups with no member
    s = pd.Series(np.where(members >= 0, members, np.nan))
    want = s[groups >= 0].groupby(groups[groups >= 0]).nunique().reindex(range(n_groups), fill_value=0)
    np.testing.assert_array_equal(_codes.distinct_per_group(groups, members, n_groups), want.to_numpy())


def test_answers_edge_cases():
    none = _codes.answers(np.array([-1, 0]), np.array([0, -1]), np.array([0, 0]))
    assert none.n == 0 and none.n_pairs == 0 and (none.code == -1).all() and len(none.pair) == 0
    assert not none.scored_twice(np.array([0, 1])).any()
    empty = _codes.answers(np.zeros(0, int), np.zeros(0, int), np.zeros(0, int))
    assert empty.n == 0 and len(empty.code) == 0 and len(empty.raters(np.zeros(0, int))) == 0
    # only undated rows: no answer, unless they count as one date
    undated = (np.array([0, 0]), np.array([1, 1]), np.array([-1, -1]))
    assert _codes.answers(*undated).n == 0
    one = _codes.answers(*undated, dropna_date=False)
    assert one.n == 1 and list(one.code) == [0, 0] and one.raters(np.array([0, 1]))[0] == 2
    with pytest.raises(ValueError, match="one code per row"):
        _codes.answers(np.zeros(2, int), np.zeros(3, int), np.zeros(2, int))


@given(score_rows, kinds)
def test_panels_equal_the_documented_group_bys(rows, kind):
    """design._panels is the group-by its docstring names, missing values in every column."""
    from analysis.stats.design import _panels
    frame = _score_frame(rows, kind)
    want_twice = int((frame.groupby(KEY, observed=True)["interviewer"].nunique() >= 2).sum())
    firsts = frame.drop_duplicates(KEY)
    want_retest = int((firsts.groupby(KEY[:2], observed=True)["interviewer"].nunique() >= 2).sum())
    assert _panels(frame, "candidate_id", "interviewer", "question_id", "date") == (want_twice, want_retest)


@given(st.lists(st.tuples(st.sampled_from(WORDS[:4]), st.sampled_from(["q2", "q1"]),
                          st.one_of(st.sampled_from(DATES[:2]), st.none()), st.sampled_from(["R2", "R1", "R3"])),
                min_size=1, max_size=60))
def test_panel_share_equals_the_group_by(rows):
    """severity._panel_share: per interviewer, the share of their rows on an answer 2+ interviewers
    scored; undated rows of a candidate and question count as one answer (group-by with dropna=False)."""
    from analysis.stats.severity import _panel_share
    frame = _score_frame(rows, "str")
    c, _ = _codes.codes(frame["candidate_id"]); q, _ = _codes.codes(frame["question_id"])
    r, names = _codes.codes(frame["interviewer"])
    n_r = np.bincount(r, minlength=len(names)).astype(float)
    k = frame.groupby(KEY, observed=True, dropna=False)["interviewer"].transform("nunique")
    want = (k >= 2).groupby(frame["interviewer"], observed=True).mean().reindex(names).to_numpy()
    np.testing.assert_allclose(_panel_share(frame, "date", c, q, r, n_r), want, rtol=1e-12)
    np.testing.assert_array_equal(_panel_share(frame, None, c, q, r, n_r), np.zeros(len(names)))


@given(st.lists(st.tuples(st.integers(-1, 6), st.integers(-1, 4), st.integers(-1, 5)), max_size=60),
       st.booleans())
def test_answers_with_keys_past_int64_number_the_pairs_first_and_agree(rows, dropna_date):
    # the codes spread out in the same order, (code + 1) * 2**40 for a candidate and * 2**11 for a
    # question and a date, with one dated row always there: the packed key's bound is then past 2**62
    # and answers takes its second path (number the (candidate, question) pairs first). The answers
    # are numbered in sorted key order either way, so both paths must give the same answers
    rows = [(0, 0, 0)] + list(rows)
    c, q, d = (np.array([r[i] for r in rows], dtype=np.int64) for i in range(3))
    spread = [np.where(x >= 0, (x + 1) * f, -1) for x, f in ((c, 2**40), (q, 2**11), (d, 2**11))]
    inside = (c >= 0) & (q >= 0)
    bound = (int(spread[0][inside].max()) + 1) * (int(spread[1][inside].max()) + 1) * (int(spread[2][inside].max()) + 2)
    assert bound >= 2**62  # what answers compares with 2**62
    small = _codes.answers(c, q, d, dropna_date=dropna_date)
    big = _codes.answers(*spread, dropna_date=dropna_date)
    np.testing.assert_array_equal(big.code, small.code)
    np.testing.assert_array_equal(big.pair, small.pair)
    assert (big.n, big.n_pairs) == (small.n, small.n_pairs)
