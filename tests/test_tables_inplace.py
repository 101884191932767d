"""The separation tables' cheaper paths (issue 26) against the straightforward computation they
replace: the same numbers, to the bit, on small generated inputs."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats import _codes, items
from analysis.stats._disc_intervals import _unit_influence
from analysis.stats.separation import TableRows, _red_flag_lift, _red_flag_lift_frame


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.integers(0, 6), st.none()), st.sampled_from("abcd"),
                          st.one_of(st.sampled_from([1.0, 2.0, 3.0, 4.0, 2.5]), st.just(np.nan)),
                          st.booleans()),
                min_size=1, max_size=40))
def test_alpha_from_shared_codes_equals_alpha_of_the_subset(rows):
    """The level table's alpha: its rows of the whole frame's codes, as the alpha of the subset frame."""
    d = pd.DataFrame(rows, columns=["interview", "question", "score", "in_level"])
    d["question"] = d["question"].astype(pd.CategoricalDtype(list("dcbaz")))
    m = d["in_level"].to_numpy()

    def alpha(f):
        try:
            return f()
        except (ValueError, ZeroDivisionError) as e:
            return type(e)

    slow = alpha(lambda: items.cronbach_alpha(d[m], "interview", "question", "score"))
    iid = np.asarray(_codes.codes(d["interview"].astype(float), sort=False)[0])
    q, names = _codes.codes(d["question"], sort=True)
    fast = alpha(lambda: items.cronbach_alpha_coded(iid, np.asarray(q), names, d["score"].to_numpy(float), m))
    assert fast == slow or (fast != fast and slow != slow)  # both NaN, or the same number or error


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(2, 60), st.integers(0, 2**31))
def test_unit_influence_in_place_equals_the_formula(ng, ns, nu, seed):
    rng = np.random.default_rng(seed)
    ug = np.sort(rng.integers(0, ng, nu))
    us = rng.integers(0, ns, nu).astype(np.int8)
    feats = rng.normal(size=(nu, 6))
    feats[:, 0] = rng.integers(1, 4, nu)
    full = np.stack([np.bincount(ug * ns + us, feats[:, j], minlength=ng * ns) for j in range(6)],
                    -1).reshape(ng, ns, 6)
    point = rng.uniform(-0.9, 0.9, ng)
    infl, B, C = _unit_influence(full, feats.copy(), ug, us, point)
    # the formula as written in the module docstring, one new array per operation
    n, sx, sy = full[..., 0], full[..., 1], full[..., 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.where(n > 0, sx / np.where(n > 0, n, 1), 0.0)[ug, us]
        my = np.where(n > 0, sy / np.where(n > 0, n, 1), 0.0)[ug, us]
        un, usx, usy, usxx, usyy, usxy = feats.T
        a = usxy - my * usx - mx * usy + un * mx * my
        b = usxx - 2 * mx * usx + un * mx * mx
        c = usyy - 2 * my * usy + un * my * my
        B0, C0 = np.bincount(ug, b, minlength=ng), np.bincount(ug, c, minlength=ng)
        expect = np.nan_to_num(a / np.sqrt(B0 * C0)[ug] - point[ug] / 2 * (b / B0[ug] + c / C0[ug]))
    np.testing.assert_array_equal(B, B0)
    np.testing.assert_array_equal(C, C0)
    np.testing.assert_array_equal(infl, expect)


def test_red_flag_lift_of_a_criterion_other_than_0_1_takes_the_float_sums():
    d = pd.DataFrame({"g": ["a", "a", "a", "b", "b", "b"], "strong": [0.5, 0.0, 1.0, 0.25, np.nan, 1.0],
                      "red_flag": [True, False, True, True, False, False], "score": [1, 2, 3, 4, 1, 2]})
    assert not TableRows(d).strong_is_binary()
    assert TableRows(d.assign(strong=[0.0, 1.0, np.nan, 1.0, 0.0, 1.0])).strong_is_binary()
    pd.testing.assert_frame_equal(_red_flag_lift(d, "g"), _red_flag_lift_frame(d, "g"), check_exact=True)


@pytest.mark.parametrize("score", [[1.0, 2.0, 4.0, 4.0, np.nan, 3.0], [1.0, 2.5, 4.0, 4.0, np.nan, 3.0]])
def test_auc_from_rubric_codes_equals_the_sorted_scores(score):
    """With codes for the scores (the rubric positions) the AUC is the one found by sorting; a score
    off the codes' values (2.5) falls back to the sort."""
    g = np.array([0, 0, 0, 1, 1, 1])
    names = pd.Index(["a", "b"])
    score = np.array(score)
    strong = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    known = np.ones(6, bool)
    sc = np.full(6, -1, np.int8)
    for i, v in enumerate((1, 2, 3, 4)):
        sc[score == v] = i
    slow = items.grouped_auc_codes(g, names, score, strong, known)
    fast = items.grouped_auc_codes(g, names, score, strong, known, score_codes=(sc, (1, 2, 3, 4)))
    pd.testing.assert_series_equal(fast, slow, check_exact=True)


def test_table_rows_hold_narrow_scores_and_criterion_with_the_same_numbers():
    d = pd.DataFrame({"score": np.array([1, 4, 2], dtype=np.int8), "strong": [1.0, np.nan, 0.0]})
    rows = TableRows(d)
    assert rows.score().dtype == np.int8 and np.shares_memory(rows.score(), d["score"].to_numpy())
    assert rows.strong().dtype == np.float32 and rows.strong_is_binary()
    np.testing.assert_array_equal(rows.strong().astype(float), d["strong"].to_numpy())
    other = TableRows(d.assign(score=[1.0, np.nan, 2.5], strong=[0.5, np.nan, 1.0]))
    assert other.score().dtype == np.float64 and np.isnan(other.score()[1])
    assert other.strong().dtype == np.float64 and not other.strong_is_binary()


def _grouped_r_straight(group, x, y, n_groups):
    """Pearson r per group by two-pass sums, written out with a temporary per step (the formula
    items._grouped_r and the blocks of _item_matrix.rest_r compute)."""
    n = np.bincount(group, minlength=n_groups).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        dx = x - (np.bincount(group, weights=x, minlength=n_groups) / n)[group]
        dy = y - (np.bincount(group, weights=y, minlength=n_groups) / n)[group]
        sxy = np.bincount(group, weights=dx * dy, minlength=n_groups)
        sxx = np.bincount(group, weights=dx * dx, minlength=n_groups)
        syy = np.bincount(group, weights=dy * dy, minlength=n_groups)
        r = sxy / np.sqrt(sxx * syy)
    tiny = 1e-12 * np.maximum(n, 1)
    return np.where((n >= 2) & (sxx > tiny) & (syy > tiny), np.clip(r, -1.0, 1.0), np.nan)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.sampled_from("abcde"), st.sampled_from([1.0, 2.0, 3.0, 4.0, 2.5])),
                min_size=1, max_size=50), st.sampled_from([1, 3, 7, 1 << 18]))
def test_item_rest_r_in_place_equals_the_formula(rows, block):
    """items.item_rest_r (its rest scores and correlations made a block of answers at a time, issue
    26) equals the rest-score formula with a temporary per step over all answers, to the bit, with
    blocks of one answer up to all of them; candidates with one answer leave."""
    from analysis.stats import _item_matrix
    d = pd.DataFrame(rows, columns=["c", "q", "s"])
    _item_matrix._BLOCK, default = block, _item_matrix._BLOCK
    m = items.answer_matrix(d, "c", "q", "s", "test")
    k = np.bincount(m.c).astype(float)
    total = np.bincount(m.c, weights=m.x)
    has_rest = k[m.c] >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_rest = (total[m.c] - m.x) / (k[m.c] - 1)
    want = _grouped_r_straight(m.q[has_rest], m.x[has_rest], mean_rest[has_rest], m.n_questions)
    try:
        got = items.item_rest_r(d, "c", "q", "s").to_numpy()
    finally:
        _item_matrix._BLOCK = default
    np.testing.assert_array_equal(got, want)  # NaN where NaN, every other value to the bit


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.sampled_from("abcde"), st.sampled_from([1.0, 2.0, 3.0, 4.0, 2.5])),
                min_size=1, max_size=50), st.sampled_from([1, 4, 1 << 18]))
def test_answer_matrix_centred_by_blocks_equals_the_whole_array_fill(rows, block):
    """The centred candidates x questions matrix (Cronbach's alpha reads it) filled a block of
    answers at a time equals the one whole-array assignment, to the bit (repeated answers averaged)."""
    from analysis.stats import _item_matrix
    m = items.answer_matrix(pd.DataFrame(rows, columns=["c", "q", "s"]), "c", "q", "s", "test")
    want = np.zeros((m.n_candidates, m.n_questions))
    want[m.c, m.q] = m.x - m.means[m.q]
    _item_matrix._BLOCK, default = block, _item_matrix._BLOCK
    try:
        got = m.centred
    finally:
        _item_matrix._BLOCK = default
    np.testing.assert_array_equal(got, want)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 120), st.sampled_from([1, 5, 1 << 18]), st.booleans(), st.integers(0, 2**31 - 1))
def test_auc_count_table_by_blocks_equals_one_bincount(n, block, coded, seed):
    """The AUC's (group, score) table summed a block of rows at a time gives the AUC of the one
    bincount over the kept rows, to the bit, also for a criterion that is not 0/1 (its sums then
    depend on the order of addition), with score codes and by the sort, and with unknown rows."""
    rng = np.random.default_rng(seed)
    g = rng.integers(-1, 3, n).astype(np.int8)
    score = rng.choice([1.0, 2.0, 3.0, 4.0, np.nan], n)
    strong = np.where(rng.random(n) < 0.2, np.nan, rng.random(n) * 10.0 ** rng.integers(-3, 4, n))
    rows = rng.random(n) < 0.9
    sc = np.full(n, -1, np.int8)
    for i, v in enumerate((1, 2, 3, 4)):
        sc[score == v] = i
    codes = (sc, (1, 2, 3, 4)) if coded else None
    ok = rows & ~np.isnan(score) & ~np.isnan(strong) & (g >= 0)
    nv, names = 4, pd.Index(["a", "b", "c"])
    cell = g[ok].astype(np.int64) * nv + np.searchsorted([1.0, 2.0, 3.0, 4.0], score[ok])
    count = np.bincount(cell, minlength=3 * nv).reshape(3, nv).astype(float)
    s = np.bincount(cell, weights=strong[ok], minlength=3 * nv).reshape(3, nv)
    rank_strong = ((np.cumsum(count, axis=1) - count + (count + 1) / 2) * s).sum(axis=1)
    n_all, n_strong = count.sum(axis=1), s.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        want = (rank_strong - n_strong * (n_strong + 1) / 2) / (n_strong * (n_all - n_strong))
    want = np.where((n_strong > 0) & (n_all - n_strong > 0), want, np.nan)[n_all > 0]
    items._BLOCK, default = block, items._BLOCK
    try:
        got = items.grouped_auc_codes(g, names, score, strong, rows, score_codes=codes)
    finally:
        items._BLOCK = default
    if np.unique(score[ok]).size < 4:  # the sort numbers only the present scores: the same table, fewer columns
        return
    np.testing.assert_array_equal(got.to_numpy(), want)


def test_alpha_after_the_answers_are_let_go_equals_the_alpha_of_the_whole_matrix():
    """Cronbach's alpha drops the answer matrix's per-answer arrays before its pooled sums (issue 26):
    the sums made after dropping are those of a matrix that keeps them, to the bit."""
    from analysis.stats import _item_matrix
    rng = np.random.default_rng(2)
    d = pd.DataFrame({"c": rng.integers(0, 40, 300), "q": rng.choice(list("abcdef"), 300),
                      "s": rng.integers(1, 5, 300).astype(float)})
    kept = items.answer_matrix(d, "c", "q", "s", "test")
    dropped = items.answer_matrix(d, "c", "q", "s", "test")
    dropped.drop_answers()
    assert dropped.c is None and dropped.x is None
    want, got = _item_matrix.pooled(kept), _item_matrix.pooled(dropped)
    np.testing.assert_array_equal(got.sp, want.sp)
    np.testing.assert_array_equal(got.n_pair, want.n_pair)
    assert items.cronbach_alpha(d, "c", "q", "s") == _item_matrix.alpha_from_sums(
        *_item_matrix.pooled_terms(want), want.k_mean)
