"""The validation study (validation/): its worlds have the designs they claim, are reproducible, run
through the report, and the estimators meet issue 9's targets on a fast subset of the grid.

Tests named ``test_fixed_*`` are the regression tests of issue 9's estimator fix (branch
``i9-model``): they assert the targets of the issue on single cells of the grid and may fail on
``main`` before that fix (which ones did is written in the closing note / validation/RESULTS.md).
Their thresholds come from the issue (Spearman >= 0.9, no |severity| > 3 score points on a 1-4
scale), not from a run of the code. Sample seeds 101-103 were not used while developing either.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from validation import study
from validation.worlds import DESIGNS, MODELS, make_world, to_workbook, write_sample


@pytest.fixture(scope="module")
def worlds(bank):
    return {(d, m): make_world(d, m, param_seed=1, questions=bank) for d in DESIGNS for m in MODELS}


def _loops(scores):
    return scores.drop_duplicates("interview_id")


# --- the worlds -------------------------------------------------------------------------------
def test_samples_are_reproducible_from_seeds(bank):
    a = make_world("selection", "graded", param_seed=4, questions=bank).sample(400, sample_seed=9)
    b = make_world("selection", "graded", param_seed=4, questions=bank).sample(400, sample_seed=9)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.planted_interviewers, b.planted_interviewers)
    c = make_world("selection", "graded", param_seed=4, questions=bank).sample(400, sample_seed=10)
    assert not a.scores["score"].equals(c.scores["score"])  # another sample ...
    # ... of the same world: planted parameters fixed by param_seed alone
    assert np.array_equal(a.planted_interviewers["severity"], c.planted_interviewers["severity"])
    assert np.array_equal(a.planted_questions["discrimination"], c.planted_questions["discrimination"])
    d = make_world("selection", "graded", param_seed=5, questions=bank).sample(400, sample_seed=9)
    assert not np.array_equal(a.planted_interviewers["severity"], d.planted_interviewers["severity"])


def test_scores_have_the_loader_columns_and_a_1_to_4_rubric(worlds):
    for (d, m), w in worlds.items():
        s = w.sample(300, 1).scores
        assert list(s.columns) == ["interview_id", "date", "candidate_id", "level", "interviewer", "question_id",
                                   "score", "red_flag", "notes", "recommendation"], d
        assert s["score"].between(1, 4).all() and s["score"].nunique() == 4, (d, m)
        # an interview is one candidate, level, interviewer, date and recommendation, no repeated question
        per = s.groupby("interview_id")[["candidate_id", "level", "interviewer", "date", "recommendation"]].nunique()
        assert (per == 1).all().all(), d
        assert not s.duplicated(["interview_id", "question_id"]).any(), d


def test_nested_loops_are_nested(worlds):
    s = worlds["nested_loops", "graded"].sample(600, 2).scores
    iv = _loops(s)
    per = iv.groupby("candidate_id").agg(n=("interview_id", "size"), r=("interviewer", "nunique"),
                                         lv=("level", "nunique"))
    assert (per["n"] == 4).all() and (per["r"] == 4).all() and (per["lv"] == 1).all()


def test_single_interview_sees_each_candidate_once(worlds):
    iv = _loops(worlds["single_interview", "additive"].sample(600, 2).scores)
    assert iv["candidate_id"].is_unique


def test_two_teams_share_no_candidate(worlds):
    w = worlds["two_teams", "graded"]
    s = w.sample(600, 2)
    team = dict(zip(s.planted_interviewers["interviewer"], s.planted_interviewers["team"]))
    teams_per_candidate = s.scores.assign(team=s.scores["interviewer"].map(team)).groupby("candidate_id")["team"].nunique()
    assert (teams_per_candidate == 1).all()
    assert set(team.values()) == {"A", "B"}


def test_panels_score_the_same_answers_twice(worlds):
    s = worlds["panels", "graded"].sample(600, 2).scores
    # two scorecards by two interviewers of the same candidate, day and questions
    g = s.groupby(["candidate_id", "date"])
    assert (g["interview_id"].nunique() == 2).all() and (g["interviewer"].nunique() == 2).all()
    kits = s.groupby(["candidate_id", "date", "interview_id"])["question_id"].apply(lambda q: tuple(sorted(q)))
    assert (kits.groupby(level=[0, 1]).nunique() == 1).all()


def test_selection_sends_only_passed_candidates_to_the_harshest(worlds):
    w = worlds["selection", "graded"]
    s = w.sample(1000, 2)
    iv = _loops(s.scores).sort_values(["candidate_id", "date"])
    first = iv.groupby("candidate_id").head(1)
    later = iv[~iv["interview_id"].isin(first["interview_id"])]
    harsh = set(w.interviewers[np.argsort(w.severity)[-5:]])
    assert set(later["interviewer"]) <= harsh and not (set(first["interviewer"]) & harsh)
    reached = first[first["candidate_id"].isin(later["candidate_id"])]
    assert reached["recommendation"].isin(["yes", "strong_yes"]).all() and len(reached) > 50


def test_level_specialists_put_the_harsh_at_senior(worlds):
    w = worlds["level_specialists", "additive"]
    s = w.sample(1000, 2)
    harsh = set(w.interviewers[np.argsort(w.severity)[-5:]])
    iv = _loops(s.scores)
    share = iv[iv["level"] == "senior"]["interviewer"].isin(harsh).mean()
    assert share > 0.7


def test_sparse_workloads_are_heavy_tailed(worlds):
    s = worlds["sparse_heavy", "graded"].sample(2000, 2)
    n = _loops(s.scores)["interviewer"].value_counts()
    assert n.max() > 10 * n.median() and (n <= 5).sum() >= 3


def test_planted_points_follow_the_latent_severity(worlds):
    # expected score points are a decreasing function of the latent severity for every row, so
    # (within a team) their order is the same up to who got which candidates
    s = worlds["nested_loops", "graded"].sample(2000, 2)
    p = s.planted_interviewers
    assert stats.spearmanr(p["severity"], p["severity_points"]).statistic > 0.95


# --- baselines and the study's machinery --------------------------------------------------------
def test_als_recovers_an_exact_additive_fit():
    # hand construction: score = cell + candidate + interviewer exactly (no noise, no rounding);
    # fixed effects are then recovered exactly, up to the team centring
    rng = np.random.default_rng(0)
    rows = []
    rho = {"A": 0.4, "B": -0.2, "C": 0.1, "D": -0.5}
    for c in range(60):
        alpha = rng.normal()
        for r in rng.choice(list(rho), 2, replace=False):
            for q in ("q1", "q2", "q3"):
                rows.append({"candidate_id": f"c{c}", "interviewer": r, "question_id": q, "level": "mid",
                             "score": {"q1": 2.0, "q2": 2.5, "q3": 3.0}[q] + alpha + rho[r]})
    d = pd.DataFrame(rows)
    sev = study.als_severity(d, tol=1e-12, n_iter=5000)
    w = d["interviewer"].value_counts(normalize=True)
    lead = pd.Series(rho)
    expected = -(lead - (lead * w.reindex(lead.index)).sum())
    assert sev.reindex(expected.index).to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-6)


def test_raw_mean_is_centred_and_signed():
    d = pd.DataFrame({"interviewer": ["a", "a", "b", "b", "b", "b"], "score": [1, 1, 3, 3, 3, 3]})
    sev = study.raw_mean_severity(d)
    # team mean 7/3 (hand): a gives 1 -> 4/3 harsher; b gives 3 -> 2/3 softer
    assert sev["a"] == pytest.approx(4 / 3) and sev["b"] == pytest.approx(-2 / 3)


def test_estimate_runs_every_method(worlds, bank):
    s = worlds["sparse_heavy", "additive"].sample(300, 5)
    e = study.estimate(s, bank, n_boot=20)
    got = set(map(tuple, e[["kind", "method"]].drop_duplicates().to_numpy()))
    assert got == {("severity", "model"), ("severity", "raw_mean"), ("severity", "als_fe"),
                   ("discrimination", "model"), ("discrimination", "item_rest")}
    base = e[e["method"].isin(["raw_mean", "als_fe", "item_rest"])]
    assert base["est"].notna().mean() > 0.9


def test_worker_processes_give_the_same_table(bank, tmp_path, monkeypatch):
    # make validate runs worlds in worker processes (--jobs): the table must not depend on it
    monkeypatch.setattr(study, "ESTIMAND_SIZE", 600)
    grid, kw = {300: 2}, dict(designs=("panels", "selection"), models=("additive",), progress=False)
    monkeypatch.setattr(study, "CACHE", tmp_path / "one")
    one = study.run(grid, **kw)
    monkeypatch.setattr(study, "CACHE", tmp_path / "two")
    two = study.run(grid, jobs=2, **kw)
    assert sorted(p.name for p in (tmp_path / "two").rglob("*.pkl")) == sorted(p.name for p in (tmp_path / "one").rglob("*.pkl"))
    pd.testing.assert_frame_equal(one, two, check_exact=False, rtol=1e-9)


def test_fresh_samples_are_other_samples_cached_apart(bank, tmp_path, monkeypatch):
    # --fresh OFFSET replicates the grid on other samples of the same worlds: other sample seeds,
    # other cache files, the same estimand
    monkeypatch.setattr(study, "ESTIMAND_SIZE", 600)
    monkeypatch.setattr(study, "CACHE", tmp_path)
    kw = dict(designs=("panels",), models=("additive",), progress=False)
    own = study.run({300: 1}, **kw)
    monkeypatch.setattr(study, "SAMPLE_OFFSET", 500)
    fresh = study.run({300: 1}, jobs=2, **kw)
    names = sorted(p.name for p in tmp_path.rglob("*__n300*.pkl"))
    assert names == ["panels__additive__n300.pkl", "panels__additive__n300__fresh500.pkl"]
    a, b = (f.set_index(["kind", "method"])["rmse"] for f in (own, fresh))
    assert not np.allclose(a, b)  # other samples, other errors


def test_performance_measures_on_a_tiny_grid(worlds, bank, tmp_path, monkeypatch):
    monkeypatch.setattr(study, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(study, "ESTIMAND_SIZE", 600)
    perf = study.run({300: 2}, designs=("panels",), models=("additive",), progress=False)
    assert set(perf["method"]) == {"model", "raw_mean", "als_fe", "item_rest"}
    assert (perf["n_reps"] == 2).all()
    for col in ("spearman", "spearman_mcse", "rmse", "rmse_mcse", "abs_bias", "coverage"):
        assert col in perf
    m = perf[perf["method"] == "model"]
    assert m["coverage"].between(0, 1).all() and m["coverage_mcse"].gt(0).all()
    # cached: a rerun computes nothing and gives the same table
    files = sorted((tmp_path / "cache").rglob("*.pkl"))
    assert len(files) == 2
    again = study.run({300: 2}, designs=("panels",), models=("additive",), progress=False)
    pd.testing.assert_frame_equal(perf, again)


def test_targets_read_the_table():
    perf = pd.DataFrame([
        {"design": "panels", "model": "graded", "size": 600, "kind": "severity", "method": m, "spearman": sp, "spearman_common": sp,
         "spearman_mcse": 0.01, "rmse_truth": rt, "coverage": cov, "coverage_mcse": 0.01, "n_reps": 10}
        for m, sp, rt, cov in (("model", 0.93, 0.10, 0.95), ("raw_mean", 0.96, 0.12, np.nan),
                               ("als_fe", 0.90, 0.11, np.nan))])
    t = study.targets(perf).set_index("target")
    assert not t.at[1, "met"]            # 0.93 < 0.96 - 0.02: worse than the raw mean
    assert not t.at[1, "within_mcse"]    # no paired MCSE in the table: not called noise
    # the miss beyond the allowance is 0.96 - 0.02 - 0.93 = 0.01: noise when the paired difference's
    # MCSE is 0.006 (0.01 <= 2 x 0.006), real when it is 0.004
    for se, noise in ((0.006, True), (0.004, False)):
        paired = perf.assign(spearman_diff_mcse=np.where(perf["method"] == "raw_mean", se, 0.001),
                             rmse_truth_mcse=0.005)
        r = study.targets(paired).set_index("target").loc[1]
        assert not r["met"] and r["within_mcse"] == noise and f"{se:.3f}" in r["value"]
        # RESULTS.md calls a target met within Monte Carlo error only when every shortfall is within 2 MCSE
        from validation.results import _targets_md
        first = _targets_md(paired).splitlines()[0]
        assert ("met within Monte Carlo error" in first) == noise and ("**missed**" in first) == (not noise)
    assert t.at[2, "met"] and t.at[4, "met"]
    # coverage is not judged from a cell with too few samples to judge it
    thin = perf.assign(n_reps=2, coverage=0.5)
    assert 4 not in set(study.targets(thin)["target"])


# --- every design through the report ------------------------------------------------------------
def test_report_command_runs_on_a_nested_loop_world(worlds, tmp_path):
    folder = write_sample(worlds["nested_loops", "graded"].sample(300, 3), tmp_path / "data")
    r = subprocess.run([sys.executable, "-m", "analysis", "report", "--data", str(folder), "--out",
                        str(tmp_path / "out"), "--format", "csv", "--n-boot", "20"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "out" / "interviewer_stats.csv").exists()


@pytest.mark.parametrize("design", DESIGNS)
def test_every_design_runs_through_the_report(worlds, design, tmp_path, capsys):
    # the CLI's own entry point in-process (one subprocess above proves `python -m analysis`);
    # response models alternate so both are covered
    from analysis.cli import main
    model = MODELS[DESIGNS.index(design) % 2]
    folder = write_sample(worlds[design, model].sample(300, 3), tmp_path / "data")
    code = main(["report", "--data", str(folder), "--out", str(tmp_path / "out"), "--format", "csv",
                 "--n-boot", "20"])
    assert code == 0, capsys.readouterr().out
    q = pd.read_csv(tmp_path / "out" / "question_stats.csv")
    assert len(q) == 24


def test_write_sample_never_overwrites(worlds, tmp_path):
    s = worlds["panels", "additive"].sample(300, 1)
    write_sample(s, tmp_path / "d")
    with pytest.raises(FileExistsError):
        write_sample(s, tmp_path / "d")


# --- issue 9's targets on single cells (regression tests of the estimator fix) --------------------
def _severity(sample, bank):
    from analysis.stats.calibration import prepare
    _, fit = prepare(to_workbook(sample, bank))
    t = fit.interviewers.assign(interviewer=lambda f: f["interviewer"].astype(str))
    return t.merge(sample.planted_interviewers, on="interviewer", suffixes=("", "_true"))


@pytest.mark.parametrize("model", MODELS)
def test_fixed_severity_on_nested_loops_at_600(worlds, bank, model):
    for seed in (101, 102, 103):
        m = _severity(worlds["nested_loops", model].sample(600, seed), bank)
        ok = m["severity"].notna()
        assert ok.all(), "every interviewer of a nested loop is identified"
        assert m["severity"].abs().max() <= 3, (seed, m["severity"].abs().max())
        assert m["severity_se"].between(0.005, 2).all(), (seed, m["severity_se"].describe())
        assert stats.spearmanr(m["severity"], m["severity_true"]).statistic >= 0.9, seed


@pytest.mark.parametrize("design", ["panels", "level_specialists"])
def test_fixed_severity_not_worse_than_the_baselines_at_600(worlds, bank, design):
    got, base = [], []
    for seed in (101, 102, 103):
        s = worlds[design, "graded"].sample(600, seed)
        m = _severity(s, bank)
        got.append(stats.spearmanr(m["severity"], m["severity_true"]).statistic)
        raw = study.raw_mean_severity(s.scores).reindex(m["interviewer"])
        als = study.als_severity(s.scores).reindex(m["interviewer"])
        base.append(max(stats.spearmanr(raw, m["severity_true"]).statistic,
                        stats.spearmanr(als, m["severity_true"]).statistic))
    assert np.mean(got) >= 0.9 and np.mean(got) >= np.mean(base) - 0.02, (got, base)


def test_fixed_discrimination_on_nested_loops_at_2000(worlds, bank):
    from analysis.stats.calibration import prepare, question_stats
    s = worlds["nested_loops", "graded"].sample(2000, 101)
    d, _ = prepare(to_workbook(s, bank))
    q = question_stats(d, bank, n_boot=0).set_index("question_id")
    truth = s.planted_questions.set_index("question_id")["discrimination"]
    assert stats.spearmanr(q["discrimination"].reindex(truth.index), truth).statistic >= 0.9


@pytest.mark.parametrize("design, model, size, sample_seed", [
    ("panels", "graded", 600, 600_001), ("panels", "additive", 600, 600_001),
    ("nested_loops", "graded", 2000, 2_000_003), ("nested_loops", "additive", 2000, 2_000_003)])
def test_fixed_no_collapse_on_the_samples_that_broke_main(worlds, bank, design, model, size, sample_seed):
    # Counterexamples kept from the "before" grid (validation/results_before.csv): on these samples
    # the estimator of main before issue 9 returned severities of 27, 16, 8 and 4 score points on a
    # 1-4 scale. The fixed estimator must keep every severity within the rubric and rank them.
    m = _severity(worlds[design, model].sample(size, sample_seed), bank)
    assert m["severity"].notna().all()
    assert m["severity"].abs().max() <= 3, m["severity"].abs().max()
    assert stats.spearmanr(m["severity"], m["severity_true"]).statistic >= 0.9


@pytest.mark.parametrize("model", MODELS)
def test_fixed_single_interview_severities_are_reported_and_rank_like_the_raw_mean(worlds, bank, model):
    # Before this change every severity of this design was NaN (no shared candidate), and the
    # workbook lost to the raw mean score (0.91-1.00) in every cell. Now they are reported on the
    # between-candidate basis, labelled, and rank at least as well as the raw mean (within 0.02,
    # the tolerance of issue 9's first target).
    from analysis.stats.severity import BETWEEN
    got, base = [], []
    for seed in (101, 102, 103):
        s = worlds["single_interview", model].sample(600, seed)
        m = _severity(s, bank)
        assert m["severity"].notna().all() and (m["severity_basis"] == BETWEEN).all()
        got.append(stats.spearmanr(m["severity"], m["severity_true"]).statistic)
        raw = study.raw_mean_severity(s.scores).reindex(m["interviewer"])
        base.append(stats.spearmanr(raw, m["severity_true"]).statistic)
    assert np.mean(got) >= np.mean(base) - 0.02, (got, base)


def test_fixed_severity_coverage_on_sparse_workloads(bank):
    # Sparse heavy-tailed workloads (a world the grid does not use: param_seed 2), 12 samples of
    # 600 interviews against the value the same estimator gives on 30,000: the 95% intervals cover
    # 92-98% of the time (a binomial 99% band around 0.95 for ~400 correlated intervals). The
    # estimator before this change (CR1 sandwich with a V^-2 meat, t on shared - 1 df, interviewers
    # with < 3 shared candidates blank) covered 0.90 on exactly this setup, with 361 intervals.
    from analysis.stats.severity import fit_severity
    w = make_world("sparse_heavy", "graded", param_seed=2, questions=bank)
    target = fit_severity(w.sample(30000, 99).scores).interviewers.set_index("interviewer")["severity"]
    hits = []
    for r in range(12):
        t = fit_severity(w.sample(600, 500 + r).scores).interviewers.set_index("interviewer")
        t = t.dropna(subset=["severity"])
        e = target.reindex(t.index)
        hits += list((t["severity_low"] <= e) & (e <= t["severity_high"]))
    assert len(hits) >= 380
    assert 0.92 <= np.mean(hits) <= 0.98, (len(hits), np.mean(hits))


def test_selection_gap_measures_by_hand():
    # four interviewers, h1 and h2 the harsh group; planted points 0.0, 0.2 | 0.6, 0.8 (gap 0.6, equal
    # rows). The estimate keeps the order within the groups but narrows the gap to 0.3 - 0.125 = 0.175
    # (gap error -0.425), so h1 (0.2) ranks below m2 (0.25): the pooled Spearman drops to 0.8
    from validation.selection_gap import measures
    planted = pd.DataFrame({"severity": [0.0, 0.2, 0.6, 0.8], "severity_points": [0.0, 0.2, 0.6, 0.8],
                            "n_rows": [10, 10, 10, 10]}, index=["m1", "m2", "h1", "h2"])
    est = pd.Series([0.0, 0.25, 0.2, 0.4], index=planted.index)
    m = measures(est, planted, {"h1", "h2"}, other_gap_error=0.1)
    assert m["gap_error"] == pytest.approx((0.3 - 0.125) - 0.6)          # -0.425 by hand
    assert m["spearman"] == pytest.approx(stats.spearmanr([0.0, 0.25, 0.2, 0.4], [0, 1, 2, 3]).statistic)  # 0.8
    assert m["spearman"] < 1
    assert m["spearman_harsh"] == m["spearman_mild"] == pytest.approx(1.0)
    assert m["spearman_planted_gap"] == pytest.approx(1.0)  # the gap set right: the order within is perfect
    # given a gap 0.1 above the planted (other_gap_error=0.1), the order is still right
    assert m["spearman_other_gap"] == pytest.approx(1.0)
    # given a gap far below the planted, the harsh group sinks under the mild one
    assert measures(est, planted, {"h1", "h2"}, other_gap_error=-1.0)["spearman_other_gap"] < 0


def test_coverage_mcse_by_hand():
    # independent intervals (each its own sample and parameter): the binomial SE with the (n-1)
    # factor, sqrt(p (1 - p) / (n - 1)); here p = 0.9, n = 10
    hit = np.r_[np.ones(9), 0.0]
    assert study.coverage_mcse(hit, np.arange(10), np.arange(10)) == pytest.approx(np.sqrt(0.9 * 0.1 / 9))
    # 4 samples x 5 parameters, samples 0-1 cover everything and 2-3 nothing: the 20 intervals carry
    # the information of 4 draws, SE sqrt(p (1 - p) / (R - 1)) = sqrt(0.25 / 3); the binomial SE
    # would claim sqrt(0.25 / 20)
    rep, param = np.repeat(np.arange(4), 5), np.tile(np.arange(5), 4)
    hit = (rep < 2).astype(float)
    assert study.coverage_mcse(hit, rep, param) == pytest.approx(np.sqrt(0.25 / 3))
    # the same by parameter (a parameter whose estimand every sample misses)
    assert study.coverage_mcse((param < 2).astype(float), rep, param) == pytest.approx(np.sqrt(0.4 * 0.6 * 5 / 4 / 5))
    assert np.isnan(study.coverage_mcse(np.zeros(0), np.zeros(0), np.zeros(0)))
