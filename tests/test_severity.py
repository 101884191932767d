"""Interviewer severity (analysis.severity): checked by hand, against a dense reference solve and
statsmodels OLS, and against the demo generator's planted severities."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.severity import fit_severity
from planted import generated_workbook


def test_hand_calculation_two_candidates_two_interviewers():
    # Each candidate is scored by both interviewers on the same question; Blake gives one point less
    # every time. Fixed effects (lam=0): Blake is 1 point harsher than Avery; with equal row shares
    # the team-centred severities are -0.5 (Avery) and +0.5 (Blake).
    d = pd.DataFrame({"candidate_id": ["c1", "c1", "c2", "c2"], "interviewer": ["Avery", "Blake"] * 2,
                      "question_id": ["q"] * 4, "level": ["mid"] * 4, "score": [3, 2, 4, 3]})
    fit = fit_severity(d, lam=0.0, min_rows=1, min_shared=1)
    sev = fit.interviewers.set_index("interviewer")["severity"]
    assert sev["Avery"] == pytest.approx(-0.5)
    assert sev["Blake"] == pytest.approx(0.5)
    assert fit.rows["residual"].abs().max() == pytest.approx(0.0, abs=1e-9)


def _toy(seed=0, n_cand=60):
    rng = np.random.default_rng(seed)
    rows = []
    raters = ["A", "B", "C", "D"]
    true = {"A": -0.4, "B": 0.0, "C": 0.3, "D": 0.1}
    for c in range(n_cand):
        ability = rng.normal()
        lvl = ["junior", "mid"][c % 2]
        for r in rng.choice(raters, size=2, replace=False):
            for q in rng.choice(["q1", "q2", "q3", "q4"], size=3, replace=False):
                rows.append((f"c{c}", r, q, lvl, 2.5 + ability - true[r] + rng.normal(0, 0.5)))
    return pd.DataFrame(rows, columns=["candidate_id", "interviewer", "question_id", "level", "score"])


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_fixed_effects_equal_statsmodels_ols_with_dummies():
    # Reference package: statsmodels OLS with candidate, question x level and interviewer dummies
    # (level is nested in candidate, so OLS warns of rank deficiency; interviewer effects stay identified).
    d = _toy()
    fit = fit_severity(d, lam=0.0)
    X = pd.get_dummies(d[["candidate_id", "interviewer"]].assign(cell=d.question_id + d.level), drop_first=True, dtype=float)
    ols = sm.OLS(d["score"], sm.add_constant(X)).fit()
    rho = {"A": 0.0, **{r: ols.params[f"interviewer_{r}"] for r in "BCD"}}
    w = d["interviewer"].value_counts(normalize=True)
    team = sum(w[r] * rho[r] for r in rho)
    sev = fit.interviewers.set_index("interviewer")["severity"]
    for r in "ABCD":
        assert sev[r] == pytest.approx(-(rho[r] - team), abs=1e-8)


def test_ridge_equals_dense_penalised_least_squares():
    # Reference: the same ridge problem solved densely (augmented least squares, numpy.linalg.lstsq).
    d = _toy(seed=1)
    lam = 2.0
    fit = fit_severity(d, lam=lam)
    C = pd.get_dummies(d["candidate_id"], dtype=float).to_numpy()
    Q = pd.get_dummies(d["question_id"] + d["level"], dtype=float).to_numpy()
    R = pd.get_dummies(d["interviewer"], dtype=float).to_numpy()[:, 1:]
    X = np.hstack([Q, R, C])
    k = Q.shape[1] + R.shape[1]
    pen = np.hstack([np.zeros((C.shape[1], k)), np.sqrt(lam) * np.eye(C.shape[1])])
    beta = np.linalg.lstsq(np.vstack([X, pen]), np.r_[d["score"], np.zeros(C.shape[1])], rcond=None)[0]
    rho = np.r_[0.0, beta[Q.shape[1]:k]]
    w = d["interviewer"].value_counts(normalize=True).sort_index().to_numpy()
    expected = -(rho - w @ rho)
    assert fit.interviewers["severity"].to_numpy() == pytest.approx(expected, abs=1e-8)


def test_interval_reflects_evidence():
    d = _toy(seed=2, n_cand=200)
    fit = fit_severity(d)
    t = fit.interviewers
    assert (t["severity_low"] < t["severity"]).all() and (t["severity"] < t["severity_high"]).all()
    few = fit_severity(_toy(seed=2, n_cand=30)).interviewers
    assert (few["severity_se"].to_numpy() > t["severity_se"].to_numpy()).all()


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_recovers_planted_severity_at_500_interviews(bank, seed):
    # Issue 3: at 500 interviews the Spearman correlation with the planted severity is >= 0.9.
    # Seeds were not used while developing the model (21-23).
    h, wb = generated_workbook(500, seed, bank)
    fit = fit_severity(wb.scores)
    m = fit.interviewers.merge(h.planted_interviewers, on="interviewer", suffixes=("", "_true"))
    assert stats.spearmanr(m["severity"], m["severity_true"]).statistic >= 0.9


def test_intervals_cover_the_large_history_value(bank):
    # Issue 3: across repeated histories the 95% intervals cover the value the same method gives on a
    # very large history about 95% of the time. Planted parameters fixed (param_seed), samples vary.
    _, big = generated_workbook(20000, 500, bank, param_seed=99)
    target = fit_severity(big.scores).interviewers.set_index("interviewer")["severity"]
    hits = []
    for seed in range(30):
        _, wb = generated_workbook(400, 600 + seed, bank, param_seed=99)
        t = fit_severity(wb.scores).interviewers.set_index("interviewer")
        hits += list((t["severity_low"] <= target[t.index]) & (target[t.index] <= t["severity_high"]))
    coverage = np.mean(hits)
    # 240 intervals: a binomial 99% band around 0.95 is about 0.91-0.985
    assert 0.90 <= coverage <= 0.99, coverage
