"""The adjusted discrimination engine (analysis.stats.discrimination)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.stats.discrimination import ebel_band, grouped_discrimination, pooled_within_r


def test_pooled_within_r_hand_calculation():
    # Two strata. Stratum A: x = (1, 2, 3), y = (1, 3, 2): cov = 1 (sum of products of deviations),
    # Sxx = 2, Syy = 2. Stratum B: x = (2, 4), y = (0, 2): cov = 2, Sxx = 2, Syy = 2.
    # Pooled r = (1 + 2) / sqrt((2 + 2) * (2 + 2)) = 3 / 4.
    def sums(x, y):
        x, y = np.array(x, float), np.array(y, float)
        return [len(x), x.sum(), y.sum(), (x * x).sum(), (y * y).sum(), (x * y).sum()]
    s = np.array([sums([1, 2, 3], [1, 3, 2]), sums([2, 4], [0, 2])])
    assert pooled_within_r(s) == pytest.approx(0.75)


def test_equals_partial_correlation_given_stratum():
    # The pooled within-stratum correlation is the partial correlation of x and y controlling for
    # stratum dummies; reference: residuals from statsmodels-free group demeaning and scipy pearsonr.
    rng = np.random.default_rng(0)
    n = 300
    s = rng.choice(["junior", "mid", "senior"], n)
    shift = pd.Series(s).map({"junior": 0.0, "mid": 1.0, "senior": 2.0}).to_numpy()
    x = shift + rng.normal(size=n)
    y = shift * 2 + 0.5 * x + rng.normal(size=n)
    d = pd.DataFrame({"g": "q", "x": x, "y": y, "s": s, "c": np.arange(n)})
    got = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=0)["discrimination"].iloc[0]
    rx = d["x"] - d.groupby("s")["x"].transform("mean")
    ry = d["y"] - d.groupby("s")["y"].transform("mean")
    assert got == pytest.approx(stats.pearsonr(rx, ry).statistic, abs=1e-10)


def test_not_fooled_by_level_mix():
    # A question with no within-level relation between score and criterion, asked mostly of seniors
    # (who score higher and pass more), must not look discriminating; the raw correlation does.
    rng = np.random.default_rng(1)
    n = 600
    s = np.where(rng.random(n) < 0.5, "junior", "senior")
    x = np.where(s == "senior", 3.5, 1.5) + rng.normal(0, 0.3, n)
    y = (s == "senior").astype(float)
    y = np.where(rng.random(n) < 0.2, 1 - y, y)
    d = pd.DataFrame({"g": "q", "x": x, "y": y, "s": s, "c": np.arange(n)})
    adj = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=0)["discrimination"].iloc[0]
    assert stats.pearsonr(x, y).statistic > 0.5
    assert abs(adj) < 0.1


def _clustered(seed, n_cand=150):
    rng = np.random.default_rng(seed)
    c = np.repeat(np.arange(n_cand), 3)
    theta = rng.normal(size=n_cand)[c]
    x = theta + rng.normal(0, 1, len(c))
    y = theta + rng.normal(0, 1, len(c))
    return pd.DataFrame({"g": "q", "x": x, "y": y, "s": "mid", "c": c})


def test_bootstrap_is_over_candidates_and_matches_a_classical_bootstrap():
    # Reference: a plain loop bootstrap resampling candidates with replacement (numpy), 600 replicates.
    d = _clustered(2)
    ours = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=1000, seed=3).iloc[0]
    rng = np.random.default_rng(4)
    cands = d["c"].unique()
    by_c = {k: g for k, g in d.groupby("c")}
    reps = []
    for _ in range(600):
        take = pd.concat([by_c[k] for k in rng.choice(cands, len(cands))])
        reps.append(stats.pearsonr(take["x"], take["y"]).statistic)
    assert ours["discrimination_se"] == pytest.approx(np.std(reps), rel=0.2)
    assert ours["discrimination_low"] == pytest.approx(np.quantile(reps, 0.025), abs=0.04)
    assert ours["discrimination_high"] == pytest.approx(np.quantile(reps, 0.975), abs=0.04)
    # a row-level bootstrap would be narrower: rows of one candidate are not independent
    assert ours["discrimination_low"] < ours["discrimination"] < ours["discrimination_high"]


def test_bootstrap_is_seeded():
    d = _clustered(5)
    a = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=200, seed=1)
    b = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=200, seed=1)
    c = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=200, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not np.isclose(a["discrimination_low"].iloc[0], c["discrimination_low"].iloc[0])


def test_ebel_bands():
    # Ebel & Frisbie's bands: >= .40 very good, .30-.39 good, .20-.29 marginal, < .20 poor.
    got = ebel_band([0.45, 0.40, 0.35, 0.25, 0.1, np.nan, 0.5], n=[50, 50, 50, 50, 50, 50, 3], min_n=30)
    assert list(got) == ["very good", "very good", "good", "marginal", "poor", "n/a", "too few"]


# --------------------------------------------------------------------------------------------------
# The influence-function interval used for large groups (method="auto" from influence_min
# candidates): it must equal the bootstrap within the bootstrap's Monte Carlo error, and cover.

def _two_strata_clustered(seed: int, n_cand: int, rows_per: int = 3, rho: float = 0.4) -> pd.DataFrame:
    """Candidates with several rows in one group (a topic), a candidate effect shared by their rows
    (so rows are not independent) and two strata with different means."""
    rng = np.random.default_rng(seed)
    cand = np.repeat(np.arange(n_cand), rows_per)
    level = np.where(cand % 2 == 0, "junior", "senior")
    ability = rng.normal(size=n_cand)[cand]
    x = (level == "senior") * 1.0 + 0.8 * ability + rng.normal(size=len(cand))
    y = (level == "senior") * 0.5 + rho * ability + rng.normal(size=len(cand))
    return pd.DataFrame({"g": "topic", "x": x, "y": y, "level": level, "candidate": cand})


def test_influence_interval_matches_the_bootstrap():
    d = _two_strata_clustered(1, 3000)
    boot = grouped_discrimination(d, "g", "x", "y", "level", "candidate", n_boot=2000, seed=3,
                                  method="bootstrap").iloc[0]
    infl = grouped_discrimination(d, "g", "x", "y", "level", "candidate", n_boot=2000,
                                  method="influence").iloc[0]
    assert infl["discrimination"] == boot["discrimination"]
    # The bootstrap SD of 2000 replicates has a Monte Carlo relative error of about
    # 1/sqrt(2 * 2000) = 1.6%; allow 8%. Interval ends: within a quarter of an SE.
    assert infl["discrimination_se"] == pytest.approx(boot["discrimination_se"], rel=0.08)
    se = boot["discrimination_se"]
    assert abs(infl["discrimination_low"] - boot["discrimination_low"]) < 0.25 * se
    assert abs(infl["discrimination_high"] - boot["discrimination_high"]) < 0.25 * se


def test_influence_interval_counts_candidates_not_rows():
    # Each candidate's three rows are near copies (the noise is the candidate's, not the row's), so
    # the evidence is one candidate, not three rows: the clustered SE must be about sqrt(3) times
    # the SE that treats rows as independent (the bootstrap over candidates says the same).
    rng = np.random.default_rng(2)
    n_cand = 2000
    cand = np.repeat(np.arange(n_cand), 3)
    u, v = rng.normal(size=(2, n_cand))
    x = (u + 0.4 * v)[cand] + rng.normal(0, 0.1, len(cand))
    y = v[cand] + rng.normal(0, 0.1, len(cand))
    d = pd.DataFrame({"g": "topic", "x": x, "y": y, "level": "mid", "candidate": cand})
    by_candidate = grouped_discrimination(d, "g", "x", "y", "level", "candidate", method="influence").iloc[0]
    by_row = grouped_discrimination(d.assign(candidate=np.arange(len(d))), "g", "x", "y", "level", "candidate",
                                    method="influence").iloc[0]
    boot = grouped_discrimination(d, "g", "x", "y", "level", "candidate", n_boot=1000, seed=0,
                                  method="bootstrap").iloc[0]
    assert by_candidate["discrimination_se"] / by_row["discrimination_se"] == pytest.approx(np.sqrt(3), rel=0.1)
    assert by_candidate["discrimination_se"] == pytest.approx(boot["discrimination_se"], rel=0.1)


def test_influence_interval_covers_the_large_sample_value():
    # Estimand: the same statistic on a very large sample of the same world (200k candidates).
    truth = grouped_discrimination(_two_strata_clustered(99, 200_000), "g", "x", "y", "level", "candidate",
                                   n_boot=0).iloc[0]["discrimination"]
    hits = []
    for seed in range(200):
        r = grouped_discrimination(_two_strata_clustered(1000 + seed, 400), "g", "x", "y", "level", "candidate",
                                   method="influence").iloc[0]
        hits.append(r["discrimination_low"] <= truth <= r["discrimination_high"])
    # 200 replicates: the Monte Carlo SE of a 95% coverage is 1.5 points; accept 90-99%.
    assert 0.90 <= np.mean(hits) <= 0.99


def test_auto_uses_the_influence_function_only_for_large_groups():
    small = _two_strata_clustered(4, 300).assign(g="small")
    large = _two_strata_clustered(5, 3000).assign(g="large", candidate=lambda f: f["candidate"] + 10_000)
    d = pd.concat([small, large], ignore_index=True)
    auto = grouped_discrimination(d, "g", "x", "y", "level", "candidate", n_boot=300, seed=1,
                                  influence_min=1000)
    # the same replicate weights as a bootstrap of the small group alone
    boot = grouped_discrimination(small, "g", "x", "y", "level", "candidate", n_boot=300, seed=1,
                                  method="bootstrap")
    infl = grouped_discrimination(d, "g", "x", "y", "level", "candidate", method="influence")
    assert auto.loc["large", "discrimination_se"] == infl.loc["large", "discrimination_se"]
    assert auto.loc["small", "discrimination_se"] == boot.loc["small", "discrimination_se"]
    with pytest.raises(ValueError, match="method"):
        grouped_discrimination(d, "g", "x", "y", "level", "candidate", method="jackknife")


def test_bootstrap_interval_is_normal_on_fishers_z():
    # Issue 9 (second pass): the bootstrap interval is tanh(atanh(r) +- 1.96 sd*), symmetric on
    # Fisher's z scale around the point (so asymmetric on r, shorter towards +-1), with sd* the
    # bootstrap SD of atanh(r*). Its width must agree with the delta method: sd(z) ~ se(r) / (1 - r^2),
    # se(r) being the bootstrap SD of r the table reports (within 15%: both from the same replicates,
    # the delta method is only first order).
    d = _clustered(11, n_cand=120)
    d["y"] = d["y"] + 1.5 * d["x"]  # a strong correlation, r about 0.9: the z scale matters here
    t = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=1000, seed=3, method="bootstrap").iloc[0]
    r, lo, hi = t["discrimination"], t["discrimination_low"], t["discrimination_high"]
    assert r > 0.8
    assert np.arctanh(hi) - np.arctanh(r) == pytest.approx(np.arctanh(r) - np.arctanh(lo), abs=1e-9)
    assert hi - r < r - lo
    half = (np.arctanh(hi) - np.arctanh(r)) / stats.norm.ppf(0.975)
    assert half == pytest.approx(t["discrimination_se"] / (1 - r ** 2), rel=0.15)


def test_small_sample_fisher_interval_by_hand():
    # Hand calculation with a published t table (Student's t, 9 degrees of freedom, two-sided 95%:
    # 2.262): r = 0.3 from 10 candidates, bootstrap variance of atanh(r*) 0.04, no first step.
    # sd = sqrt(10/9 * 0.04) = 0.2108; z = atanh(0.3) = 0.3095; ends tanh(0.3095 -+ 2.262 * 0.2108)
    from analysis.stats.discrimination import _fisher_interval
    lo, hi = _fisher_interval(np.array([np.arctanh(0.3)]), np.array([0.04]), np.array([0.0]), np.array([10]), 0.025)
    assert lo[0] == pytest.approx(np.tanh(0.3095 - 2.262 * 0.2108), abs=2e-3)
    assert hi[0] == pytest.approx(np.tanh(0.3095 + 2.262 * 0.2108), abs=2e-3)
    # thousands of candidates: the normal interval (1.96), and the first step's variance adds on z
    lo, hi = _fisher_interval(np.array([0.0]), np.array([0.01]), np.array([0.0]), np.array([100_000]), 0.025)
    assert hi[0] == pytest.approx(np.tanh(1.96 * 0.1), abs=1e-3)
    lo2, hi2 = _fisher_interval(np.array([0.0]), np.array([0.01]), np.array([0.01]), np.array([100_000]), 0.025)
    assert hi2[0] == pytest.approx(np.tanh(1.96 * np.sqrt(0.02)), abs=1e-3)
