"""What a slice keeps across criteria and minimum n (analysis.stats.calibration): the rest score kept per
slice, the tables that do not read ``min_n`` (:data:`MIN_N_FREE`) and the question table judged again at
another minimum n (:func:`judged_at`). Each shortcut is held to the straightforward computation: the
rows built without the kept part, the table computed afresh at that minimum n."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.stats.calibration import (MIN_N_FREE, MIN_N_JUDGED, TABLES, SliceParts, TableInputs, calibrate,
                                        compute_table, criterion_rows, judged_at, prepare_slice, question_stats)
from analysis.stats.criteria import CRITERIA, attach_criterion, rest_score
from planted import generated_workbook

N_BOOT = 40


@pytest.fixture(scope="module")
def demo(bank):
    return generated_workbook(300, 17, bank)[1]


@pytest.fixture(scope="module")
def sliced(demo):
    return prepare_slice(demo)


@pytest.fixture(scope="module")
def rows(demo, sliced):
    return criterion_rows(demo, *sliced, "recommendation")


@pytest.fixture(scope="module")
def at_30(demo, sliced, rows):
    """Every table of the slice at min_n 30, as calibrate computes them."""
    inputs = TableInputs(demo, rows, sliced[1], n_boot=N_BOOT, min_n=30)
    return {name: compute_table(name, inputs, []) for name in TABLES}


@pytest.mark.parametrize("criterion", CRITERIA)
def test_rows_with_the_kept_rest_score_equal_the_rows_computed_afresh(demo, sliced, criterion, monkeypatch):
    from analysis.stats import calibration
    parts = SliceParts()
    criterion_rows(demo, *sliced, "rest" if criterion != "rest" else "recommendation", parts=parts)  # kept first
    plain = criterion_rows(demo, *sliced, criterion)

    def again(*args, **kwargs):
        raise AssertionError("the rest score of a kept slice was computed again")
    monkeypatch.setattr(calibration, "rest_score", again)
    kept = criterion_rows(demo, *sliced, criterion, parts=parts)
    kept.attrs.pop("slice_parts")
    pd.testing.assert_frame_equal(kept, plain, check_exact=True)


def test_rest_score_is_the_mean_of_the_candidates_other_adjusted_scores():
    # by hand: candidate a has 1, 2, 6 (rest of each: 4, 3.5, 1.5), b a single row (no rest), c a NaN
    # beside 5 (the NaN is skipped, so 5 has no other row; the NaN row itself has no rest either), d 2 and 4
    s = pd.DataFrame({"candidate_id": ["a", "a", "a", "b", "c", "c", "d", "d"]})
    got = rest_score(s, [1.0, 2.0, 6.0, 3.0, 5.0, np.nan, 2.0, 4.0])
    np.testing.assert_array_equal(got.to_numpy(), [4.0, 3.5, 1.5, np.nan, np.nan, np.nan, 4.0, 2.0])
    # attach_criterion reads it given, or computes it from adjusted=: the same rows either way
    s = s.assign(level="junior", recommendation=pd.Categorical(["no"] * 8, categories=["strong_no", "no", "yes", "strong_yes"]))
    adjusted = [1.0, 2.0, 6.0, 3.0, 5.0, 4.0, 2.0, 3.0]
    pd.testing.assert_frame_equal(attach_criterion(s, None, "rest", rest=rest_score(s, adjusted)),
                                  attach_criterion(s, None, "rest", adjusted=adjusted), check_exact=True)


def test_tables_that_do_not_read_min_n_are_the_same_at_another(demo, sliced, rows, at_30):
    inputs = TableInputs(demo, rows, sliced[1], n_boot=N_BOOT, min_n=7)
    for name in MIN_N_FREE:
        got, want = compute_table(name, inputs, []), at_30[name]
        for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
            pd.testing.assert_frame_equal(g, w, check_exact=True, obj=name)


def test_every_table_is_either_free_of_min_n_judged_again_or_computed_again():
    # a table added to TABLES that reads min_n must not be taken as free of it by accident: the three
    # kinds are told apart here, and the explorer computes anything not in the first two again
    assert set(MIN_N_FREE) <= set(TABLES) and set(MIN_N_JUDGED) <= set(TABLES)
    assert not set(MIN_N_FREE) & set(MIN_N_JUDGED)
    assert {"question_stats", "topic_stats", "level_stats", "question_versions"}.isdisjoint(MIN_N_FREE)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_question_table_judged_again_equals_the_table_computed_at_that_min_n(demo, sliced, rows, at_30, data):
    # the minimum n drawn at a question's own candidate count, one above or one below: where too_few,
    # band and verdict flip
    counts = sorted(set(at_30["question_stats"]["n_candidates"].astype(int)))
    min_n = max(1, data.draw(st.sampled_from(counts)) + data.draw(st.sampled_from([-1, 0, 1])))
    want = question_stats(rows, demo.questions, n_boot=N_BOOT, min_n=min_n, severity=sliced[1])
    got = judged_at("question_stats", at_30["question_stats"], min_n=min_n, n_boot=N_BOOT)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_judged_again_leaves_the_given_table_and_refuses_other_tables(at_30):
    before = at_30["question_stats"].copy()
    judged_at("question_stats", at_30["question_stats"], min_n=1, n_boot=N_BOOT)
    pd.testing.assert_frame_equal(at_30["question_stats"], before, check_exact=True)
    with pytest.raises(ValueError, match="topic_stats"):
        judged_at("topic_stats", at_30["topic_stats"], min_n=1, n_boot=N_BOOT)


def test_a_table_not_computable_on_the_slice_stays_empty(at_30):
    empty = TABLES["question_stats"].empty()
    assert judged_at("question_stats", empty, min_n=5, n_boot=N_BOOT) is empty


def test_calibrate_at_another_min_n_differs_only_where_judged(demo):
    # the premise of judged_at, on calibrate itself: of the question table only too_few, band and
    # verdict move with min_n
    a, b = calibrate(demo, n_boot=N_BOOT, min_n=30), calibrate(demo, n_boot=N_BOOT, min_n=10**6)
    qa, qb = a.question_stats, b.question_stats
    moved = [c for c in qa.columns if not qa[c].equals(qb[c])]
    assert set(moved) <= {"too_few", "band", "verdict"} and "too_few" in moved


def test_a_kept_slice_builds_the_severity_step_once_per_kind_of_y_free(demo):
    # recommendation and rest share a rest-score y_free, decision and performance an outside one: two
    # steps per slice, each equal to the one severity_first_step builds from that criterion's rows
    from analysis.stats.calibration import KeptSlice, Y_FREE_IS_REST, severity_first_step
    piece, first = KeptSlice(demo), {}
    for criterion in ("recommendation", "rest", "decision", "performance"):
        d = criterion_rows(demo, piece.scores, piece.fit, criterion, parts=piece.parts)
        kept, fresh = piece.inputs(demo, d, n_boot=N_BOOT).first_step(), severity_first_step(d, piece.fit)
        for name in ("rater", "cov", "cand", "w_c"):
            a, b = getattr(kept, name), getattr(fresh, name)
            assert (a is None and b is None) or np.array_equal(a, b), (criterion, name)
        assert (kept.n_ck is None and fresh.n_ck is None) or (kept.n_ck != fresh.n_ck).nnz == 0
        assert kept is first.setdefault(Y_FREE_IS_REST[criterion], kept)
    assert len(piece.steps) == 2
