"""Calibration tables (analysis.stats.calibration, analysis.stats.criteria) on generated histories whose truth
is known, and on small hand-made data."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import config
from analysis.stats.calibration import calibrate, inter_rater, interviewer_stats, prepare
from analysis.stats.criteria import attach_criterion
from analysis.stats.discrimination import grouped_discrimination
from planted import generated_workbook

QUESTION_COLUMNS = ["question_id", "level", "topic", "n", "discrimination", "discrimination_low",
                    "discrimination_high", "band", "too_few", "auc", "item_rest_r", "mean", "sd",
                    "share_1", "share_4", "mean_junior", "mean_mid", "mean_senior", "red_flag_rate", "red_flag_lift"]


@pytest.fixture(scope="module")
def demo(bank):
    return generated_workbook(600, 31, bank)


@pytest.fixture(scope="module")
def cal(demo):
    return calibrate(demo[1], n_boot=200)


def test_tables_have_the_documented_columns(cal):
    assert set(QUESTION_COLUMNS) <= set(cal.question_stats.columns)
    assert {"interviewer", "n_interviews", "pass_rate", "severity", "severity_low", "severity_high",
            "funnel_low95", "funnel_high998", "decision_agreement"} <= set(cal.interviewer_stats.columns)
    assert "topic" in cal.topic_stats.columns and cal.topic_stats["topic"].is_unique
    assert list(cal.level_stats["level"]) == list(config.LEVELS)
    assert {"alpha", "discrimination", "pass_rate", "n_interviews"} <= set(cal.level_stats.columns)
    assert len(cal.question_stats) == 24
    # issue 24: the one verdict of each question and interviewer, with the documented values
    assert set(cal.question_stats["verdict"]) <= {"keep", "rewrite", "watch", "too few"}
    assert set(cal.interviewer_stats["verdict"]) <= {"harsher", "softer", "not clear", "too few"}
    assert (cal.question_stats["verdict"].eq("too few") == cal.question_stats["too_few"].astype(bool)).all()
    assert (cal.interviewer_stats["verdict"].eq("too few") == cal.interviewer_stats["small_group"]).all()
    q = cal.question_stats
    assert ((q["discrimination_low"] <= q["discrimination"]) & (q["discrimination"] <= q["discrimination_high"])).all()


def test_difficulty_by_candidate_level(cal):
    # The same question stretches a junior and warms up a senior: a mid question is easier for
    # seniors than for juniors (planted: ability means -1, 0, 1 by level).
    mid = cal.question_stats[cal.question_stats["level"] == "mid"]
    both = mid.dropna(subset=["mean_junior", "mean_senior"])
    assert (both["mean_senior"] > both["mean_junior"]).mean() >= 0.75
    h = cal.heatmap.set_index(["question_level", "candidate_level"])["mean_score"]
    assert h[("mid", "senior")] > h[("mid", "mid")] > h[("mid", "junior")]


def test_score_shares_sum_to_one_and_counts_match(demo, cal):
    q = cal.question_stats
    assert np.allclose(q[[f"share_{s}" for s in config.SCORES]].sum(axis=1), 1.0)
    counts = demo[1].scores["question_id"].astype(str).value_counts()
    assert (q.set_index("question_id")["n"] == counts[q["question_id"]].to_numpy()).all()


def test_red_flag_lift_by_hand(demo, cal):
    d, _ = prepare(demo[1])
    q = "jr-s3-basics"
    t = d[(d["question_id"] == q)]
    weak = t["strong"] == 0
    flag = t["red_flag"]
    expected = weak[flag].mean() / weak[~flag].mean()
    assert cal.question_stats.set_index("question_id").at[q, "red_flag_lift"] == pytest.approx(expected)


@pytest.mark.parametrize("seed", [41, 42])
def test_discrimination_recovers_planted_ranking_at_2000_interviews(bank, seed):
    # Issue 3: at 2000 interviews, Spearman(headline discrimination, planted discrimination) >= 0.9.
    # Seeds 41, 42 were not used while developing the method.
    h, wb = generated_workbook(2000, seed, bank)
    d, _ = prepare(wb)
    got = grouped_discrimination(d, "question_id", "x_adj", "y_free", "level", "candidate_id", n_boot=0)
    m = h.planted_questions.set_index("question_id").join(got["discrimination"].rename("est"))
    assert stats.spearmanr(m["discrimination"], m["est"]).statistic >= 0.9


def test_plain_recommendation_is_contaminated(bank):
    # Why the headline uses y_free: against the plain recommendation (made partly from the judged
    # scores) the ranking of questions is far worse. This documents the design decision.
    h, wb = generated_workbook(2000, 43, bank)
    d, _ = prepare(wb)
    free = grouped_discrimination(d, "question_id", "x_adj", "y_free", "level", "candidate_id", n_boot=0)
    plain = grouped_discrimination(d, "question_id", "x_adj", "y", "level", "candidate_id", n_boot=0)
    truth = h.planted_questions.set_index("question_id")["discrimination"]
    r_free = stats.spearmanr(truth, free["discrimination"].reindex(truth.index)).statistic
    r_plain = stats.spearmanr(truth, plain["discrimination"].reindex(truth.index)).statistic
    assert r_free > r_plain + 0.2


def test_discrimination_intervals_cover_the_large_history_value(bank):
    # Issue 3: the 95% intervals cover the value the same method gives on a very large history about
    # 95% of the time. Planted parameters fixed with param_seed; 12 histories x 24 questions.
    _, big = generated_workbook(20000, 700, bank, param_seed=77)
    d, _ = prepare(big)
    target = grouped_discrimination(d, "question_id", "x_adj", "y_free", "level", "candidate_id",
                                    n_boot=0)["discrimination"]
    hits = []
    for seed in range(12):
        _, wb = generated_workbook(500, 800 + seed, bank, param_seed=77)
        d, _ = prepare(wb)
        t = grouped_discrimination(d, "question_id", "x_adj", "y_free", "level", "candidate_id", n_boot=400,
                                   seed=seed)
        hits += list((t["discrimination_low"] <= target[t.index]) & (target[t.index] <= t["discrimination_high"]))
    coverage = np.mean(hits)
    # 288 intervals: a binomial 99% band around 0.95 is about 0.91-0.98; severities held fixed make
    # the intervals slightly optimistic (documented), so allow a little more below.
    assert 0.88 <= coverage <= 0.99, coverage


def test_drift_finds_the_leaked_question(bank):
    # The generator leaks mid-decoupling (0.6 logits easier per year); at 2000 interviews the drift
    # test flags it and at most one other question (FDR 5%).
    _, wb = generated_workbook(2000, 44, bank)
    cal = calibrate(wb, n_boot=0)
    flagged = set(cal.drift_tests.loc[cal.drift_tests["drifting"], "question_id"])
    assert "mid-decoupling" in flagged
    assert len(flagged - {"mid-decoupling"}) <= 1
    t = cal.drift_tests.set_index("question_id")
    assert t.at["mid-decoupling", "slope_per_year"] > 0
    assert {"question_id", "quarter", "n", "mean_score"} <= set(cal.drift_by_quarter.columns)


def test_funnel_limits_by_hand(cal):
    # Binomial control limits p0 +- z sqrt(p0 (1 - p0) / n), z = 1.96 (95%) and 3.09 (99.8%).
    t = cal.interviewer_stats.iloc[0]
    p0, n = t["team_pass_rate"], t["n_interviews"]
    assert t["funnel_low95"] == pytest.approx(max(0, p0 - 1.959964 * np.sqrt(p0 * (1 - p0) / n)), abs=1e-6)
    assert t["funnel_high998"] == pytest.approx(min(1, p0 + 3.090232 * np.sqrt(p0 * (1 - p0) / n)), abs=1e-6)


def test_interviewer_pass_rate_and_agreement_by_hand():
    d = pd.DataFrame({
        "interview_id": ["i1", "i2", "i3", "i4"], "candidate_id": ["a", "b", "c", "d"],
        "interviewer": ["X", "X", "X", "Y"],
        "recommendation": pd.Categorical(["yes", "no", "strong_yes", "no"], categories=config.RECOMMENDATIONS, ordered=True)})
    outcomes = pd.DataFrame({"candidate_id": ["a", "b", "c", "d"],
                             "decision": pd.Categorical(["hired", "hired", "rejected", "rejected"], categories=config.DECISIONS)})
    t = interviewer_stats(d, None, outcomes).set_index("interviewer")
    assert t.at["X", "pass_rate"] == pytest.approx(2 / 3)
    assert t.at["X", "team_pass_rate"] == pytest.approx(2 / 4)
    # X: a yes/hired (agree), b no/hired (disagree), c yes/rejected (disagree) -> 1/3
    assert t.at["X", "decision_agreement"] == pytest.approx(1 / 3)
    assert bool(t.at["X", "small_group"])


def test_inter_rater_on_a_constructed_panel():
    # Two interviewers score the same answers; they agree exactly on all 6 -> kappa = 1, alpha = 1, ICC = 1.
    rows = []
    for i, s in enumerate([1, 2, 3, 4, 2, 3]):
        for r in ("A", "B"):
            rows.append(dict(candidate_id=f"c{i}", question_id="q", date=pd.Timestamp("2025-01-01"),
                             interviewer=r, score=s, interview_id=f"{r}{i}"))
    t = inter_rater(pd.DataFrame(rows)).set_index("statistic")
    assert t.at["ICC1", "value"] == pytest.approx(1.0)
    assert t.at["krippendorff_alpha_ordinal", "value"] == pytest.approx(1.0)
    assert t.at["weighted_kappa_quadratic", "value"] == pytest.approx(1.0)


def test_inter_rater_on_shadowed_demo_is_substantial(cal):
    t = cal.inter_rater.set_index("statistic")
    assert t.at["ICC1", "n_units"] > 30
    assert 0.4 < t.at["ICC1", "value"] < 1


def test_criteria(demo):
    h, wb = demo
    s = wb.scores
    rec = attach_criterion(s, wb.outcomes, "recommendation")
    assert set(rec["strong"].dropna().unique()) <= {0.0, 1.0}
    assert (rec["strong"] == s["recommendation"].isin(["yes", "strong_yes"]).astype(float)).all()
    dec = attach_criterion(s, wb.outcomes, "decision")
    withdrew = s["candidate_id"].isin(wb.outcomes.loc[wb.outcomes["decision"] == "withdrew", "candidate_id"])
    assert dec.loc[withdrew.to_numpy(), "strong"].isna().all()
    perf = attach_criterion(s, wb.outcomes, "performance")
    assert perf["y"].dropna().between(1, 5).all()
    with pytest.raises(ValueError, match="outcomes.csv"):
        attach_criterion(s, None, "decision")
    with pytest.raises(ValueError, match="criterion must be one of"):
        attach_criterion(s, wb.outcomes, "vibes")


def test_rest_criterion_excludes_the_answer_itself():
    s = pd.DataFrame({"candidate_id": ["a", "a", "a", "b", "b"], "level": ["mid"] * 5,
                      "interview_id": ["1"] * 3 + ["2"] * 2})
    out = attach_criterion(s, None, "rest", adjusted=[1.0, 2.0, 3.0, 4.0, 6.0])
    # a: rest of row 0 = (2 + 3) / 2 = 2.5; row 2 = (1 + 2) / 2 = 1.5; b: row 3 -> 6, row 4 -> 4
    assert list(out["y"]) == [2.5, 2.0, 1.5, 6.0, 4.0]


def test_every_criterion_runs_and_slices_filter(demo):
    _, wb = demo
    for crit in ("recommendation", "decision", "performance", "rest"):
        c = calibrate(wb, crit, n_boot=20)
        assert c.question_stats["discrimination"].notna().sum() >= 20, crit
    senior = calibrate(wb, level="senior", n_boot=20)
    assert senior.meta["level"] == "senior"
    assert set(senior.heatmap.dropna(subset=["mean_score"])["candidate_level"].astype(str)) == {"senior"}
    with pytest.raises(ValueError, match="no scorecards"):
        calibrate(wb, start="2100-01-01")


def test_discrimination_intervals_cover_on_nested_loops(bank):
    # Issue 9 measured 66% coverage for discrimination on nested loops (the severity fit collapsed
    # and the headline is computed on severity-adjusted scores). A world analysis.stats.demo does not
    # make (tests/worlds.py): 12 samples of 800 interviews x 24 questions = 288 intervals against the
    # value of 30000 interviews; 99% binomial band around 0.95 about 0.91-0.98, widened below as in
    # the test above. Measured while developing (30 samples): 0.936.
    from worlds import nested_loops
    from planted import workbook_of
    d, _ = prepare(workbook_of(nested_loops(30000, 999, bank, param_seed=7), bank))
    target = grouped_discrimination(d, "question_id", "x_adj", "y_free", "level", "candidate_id",
                                    n_boot=0)["discrimination"]
    hits = []
    for seed in range(12):
        d, _ = prepare(workbook_of(nested_loops(800, 400 + seed, bank, param_seed=7), bank))
        t = grouped_discrimination(d, "question_id", "x_adj", "y_free", "level", "candidate_id", n_boot=300,
                                   seed=seed)
        hits += list((t["discrimination_low"] <= target[t.index]) & (target[t.index] <= t["discrimination_high"]))
    assert 0.88 <= np.mean(hits) <= 0.99, np.mean(hits)


def test_slice_parts_are_reused_across_criteria_with_the_same_numbers(demo):
    # the criterion-free parts of the question table (distribution, mean per level, item-rest r) kept
    # for a slice: every criterion's table equals the one computed without them, to the bit
    from analysis.stats.calibration import SliceParts, criterion_rows, prepare_slice, question_stats
    wb = demo[1]
    scores, fit = prepare_slice(wb)
    parts = SliceParts()
    for criterion in ("recommendation", "rest", "decision"):
        marked = criterion_rows(wb, scores, fit, criterion, parts=parts)
        plain = criterion_rows(wb, scores, fit, criterion)
        pd.testing.assert_frame_equal(question_stats(marked, wb.questions, n_boot=50, severity=fit),
                                      question_stats(plain, wb.questions, n_boot=50, severity=fit), check_exact=True)
    assert set(parts._parts) == {"distribution", "per_level", "item_rest_r", "rest_score"}


def test_slice_parts_are_not_reused_by_a_subset_of_the_rows(demo):
    # a subset of marked rows carries pandas' attrs (the mark) along, but is another slice: it must
    # compute its own parts (here: the senior candidates' rows alone)
    from analysis.stats.calibration import SliceParts, criterion_rows, prepare_slice, question_stats
    wb = demo[1]
    scores, fit = prepare_slice(wb)
    parts = SliceParts()
    marked = criterion_rows(wb, scores, fit, "recommendation", parts=parts)
    question_stats(marked, wb.questions, n_boot=20)
    sub = marked[marked["level"] == "senior"]
    assert "slice_parts" in sub.attrs
    plain = criterion_rows(wb, scores, fit, "recommendation")
    expected = question_stats(plain[plain["level"] == "senior"], wb.questions, n_boot=20)
    pd.testing.assert_frame_equal(question_stats(sub, wb.questions, n_boot=20), expected, check_exact=True)
