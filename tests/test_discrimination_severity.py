"""The discrimination interval's first-step term: the severity estimates' own error (issue 9).

The headline is computed on severity-adjusted scores against a rest-score criterion built from the
same fit; the delta-method term ``G var(severity) G'`` (see analysis.stats.discrimination) must be
right (checked against numerical derivatives of the point estimate), matter where it should (a
question asked mostly by one interviewer whose severity is uncertain) and vanish where it should
(severities known exactly; one interviewer, whose shift the within-level centring removes)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis.stats import calibration
from analysis.stats.discrimination import RaterStep, grouped_discrimination, rater_first_step
from planted import generated_workbook


def _rated(seed=0, n_cand=200, main_share=0.8, n_raters=5):
    """One stratum, one row per candidate per question; question ``mostly_one`` is graded by rater 0
    for ``main_share`` of its rows (their candidates a little stronger on the criterion), question
    ``spread`` evenly by all raters."""
    rng = np.random.default_rng(seed)
    frames = []
    for g, p0 in (("mostly_one", main_share), ("spread", 1 / n_raters)):
        theta = rng.normal(size=n_cand)
        rater = np.where(rng.random(n_cand) < p0, 0, rng.integers(1, n_raters, n_cand))
        x = theta + rng.normal(0, 1, n_cand)
        y = theta + 0.5 * (rater == 0) + rng.normal(0, 1, n_cand)
        frames.append(pd.DataFrame({"g": g, "x": x, "y": y, "s": "mid", "c": np.arange(n_cand), "rater": rater}))
    return pd.concat(frames, ignore_index=True)


def _r(d, col="x"):
    return grouped_discrimination(d, "g", col, "y", "s", "c", n_boot=0)["discrimination"]


def test_first_step_term_equals_the_numerical_gradient():
    # Reference: central finite differences of the point estimate in each rater's shift; with a
    # diagonal covariance the term's variance is sum_k (dr/ds_k)^2 var_k.
    d = _rated(1)
    var = pd.Series(np.array([0.3, 0.05, 0.1, 0.02, 0.2]) ** 2)
    got = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=0,
                                 first_step=rater_first_step(d, "rater", var))["discrimination_se_first_step"]
    h = 1e-5
    grads = []
    for k in range(len(var)):
        shift = h * (d["rater"] == k)
        grads.append((_r(d.assign(x=d["x"] + shift)) - _r(d.assign(x=d["x"] - shift))) / (2 * h))
    expect = np.sqrt(sum(g ** 2 * v for g, v in zip(grads, var)))
    assert got.to_numpy() == pytest.approx(expect.reindex(got.index).to_numpy(), rel=1e-5)
    # the full-covariance form with a diagonal matrix gives the same
    full = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=0, first_step=rater_first_step(
        d, "rater", pd.DataFrame(np.diag(var))))["discrimination_se_first_step"]
    assert full.to_numpy() == pytest.approx(got.to_numpy(), rel=1e-12)


def test_uncertain_main_interviewer_widens_the_interval():
    # A question graded mostly by one interviewer whose severity is uncertain (SE 0.3 score points,
    # the others 0.02) gets a wider interval than with the severities known; a question graded
    # evenly by all of them barely moves (the uncertain one grades a fifth of it).
    d = _rated(2)
    known = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=400, seed=5)
    var = pd.Series(np.array([0.3, 0.02, 0.02, 0.02, 0.02]) ** 2)
    step = rater_first_step(d, "rater", var)
    est = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=400, seed=5, first_step=step)
    assert (est["discrimination"] == known["discrimination"]).all()
    width = est["discrimination_high"] - est["discrimination_low"]
    width0 = known["discrimination_high"] - known["discrimination_low"]
    assert width["mostly_one"] > 1.02 * width0["mostly_one"]
    assert width["mostly_one"] / width0["mostly_one"] > width["spread"] / width0["spread"]
    assert (est["discrimination_low"] <= known["discrimination_low"] + 1e-12).all()
    assert (est["discrimination_high"] >= known["discrimination_high"] - 1e-12).all()
    # the combined SE is the root sum of squares of the bootstrap SD and the first-step SE
    assert est["discrimination_se"].to_numpy() == pytest.approx(
        np.hypot(known["discrimination_se"], est["discrimination_se_first_step"]).to_numpy(), rel=1e-9)
    # the influence-function interval of large groups carries the same term
    infl0 = grouped_discrimination(d, "g", "x", "y", "s", "c", method="influence")
    infl = grouped_discrimination(d, "g", "x", "y", "s", "c", method="influence", first_step=step)
    assert infl["discrimination_se"].to_numpy() == pytest.approx(
        np.hypot(infl0["discrimination_se"], infl["discrimination_se_first_step"]).to_numpy(), rel=1e-9)


def test_term_vanishes_when_severities_are_known_or_there_is_one_interviewer():
    d = _rated(3)
    var1 = pd.Series(np.ones(5))
    base = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=200, seed=1)
    zero = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=200, seed=1, first_step=rater_first_step(
        d, "rater", pd.Series(np.zeros(5)), candidate="c", y_is_rest=True))
    cols = ["discrimination", "discrimination_low", "discrimination_high", "discrimination_se"]
    pd.testing.assert_frame_equal(zero[cols], base[cols])
    assert (zero["discrimination_se_first_step"] == 0).all()
    # one interviewer grades everything: shifting all scores alike is removed by the within-level
    # centring, so even a large severity variance adds nothing
    d1 = d.assign(rater="Avery")
    alone = grouped_discrimination(d1, "g", "x", "y", "s", "c", n_boot=200, seed=1,
                                   first_step=rater_first_step(d1, "rater", pd.Series({"Avery": 4.0})))
    assert alone["discrimination_se_first_step"].max() < 1e-9
    assert np.allclose(alone["discrimination_high"], base["discrimination_high"], rtol=0, atol=1e-9)
    # one interviewer per level: each level's shift is removed by the within-level centring
    d2 = d.assign(s=np.where(d["c"] % 2 == 0, "junior", "senior"))
    d2["rater"] = np.where(d2["s"] == "junior", 0, 1)
    per_level = grouped_discrimination(d2, "g", "x", "y", "s", "c", n_boot=0,
                                       first_step=rater_first_step(d2, "rater", pd.Series([1.0, 2.0])))
    assert per_level["discrimination_se_first_step"].max() < 1e-9
    # raters the variances do not name count as known exactly
    unnamed = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=0,
                                     first_step=rater_first_step(d, "rater", pd.Series({"someone else": 4.0})))
    assert (unnamed["discrimination_se_first_step"] == 0).all()
    with pytest.raises(ValueError, match="same frame"):
        grouped_discrimination(d.iloc[:10], "g", "x", "y", "s", "c", n_boot=0, first_step=rater_first_step(d, "rater", var1))
    with pytest.raises(ValueError, match="candidate column"):
        rater_first_step(d, "rater", var1, y_is_rest=True)


@pytest.fixture(scope="module")
def prepared(bank):
    _, wb = generated_workbook(400, 7, bank)
    d, fit = calibration.prepare(wb)
    return wb, d, fit


def test_sensitivities_match_a_refit_of_the_criterion_rows(prepared):
    # End to end: shifting one interviewer's severity by h moves x_adj of their rows by h and the
    # rest-score criterion of their candidates' other rows by h times the share of those rows the
    # interviewer graded. Reference: the point estimate recomputed by criterion_rows on a fit with
    # that interviewer's leniency moved (finite differences), for every question.
    wb, d, fit = prepared
    fs = calibration.severity_first_step(d, fit)
    assert fs.w_c is not None  # recommendation: y_free is the rest score
    scores = d[wb.scores.columns]
    names = list(fit.interviewers["interviewer"].astype(str))
    head = lambda frame: grouped_discrimination(frame, "question_id", "x_adj", "y_free", "level", "candidate_id",
                                                n_boot=0)
    h = 1e-4
    for k in (0, 3):
        m = (d["interviewer"].astype(str) == names[k]).to_numpy()
        rs = []
        for sign in (1, -1):
            rows = fit.rows.copy()
            rows["leniency"] = rows["leniency"] - sign * h * m
            rows["residual"] = rows["residual"] + sign * h * m
            rs.append(head(calibration.criterion_rows(wb, scores, dataclasses.replace(fit, rows=rows)))["discrimination"])
        fd = (rs[0] - rs[1]) / (2 * h)
        unit = np.zeros(len(names))
        unit[k] = 1.0
        got = grouped_discrimination(d, "question_id", "x_adj", "y_free", "level", "candidate_id", n_boot=0,
                                     first_step=RaterStep(fs.rater, unit, fs.cand, fs.w_c, fs.n_ck)
                                     )["discrimination_se_first_step"]
        ok = fd.notna()
        assert got[ok].to_numpy() == pytest.approx(fd[ok].abs().to_numpy(), rel=1e-3, abs=1e-7)
        # without the criterion's part the gradient is another (x_adj's alone): the rest score matters
        x_only = grouped_discrimination(d, "question_id", "x_adj", "y_free", "level", "candidate_id", n_boot=0,
                                        first_step=RaterStep(fs.rater, unit, None, None, None)
                                        )["discrimination_se_first_step"]
        assert not np.allclose(x_only[ok], fd[ok].abs(), rtol=1e-2)
    assert np.allclose(fs.cov, np.nan_to_num(fit.interviewers["severity_se"].to_numpy() ** 2))


def test_criterion_outside_the_interview_moves_only_through_the_score(prepared):
    wb, d, fit = prepared
    perf = calibration.criterion_rows(wb, d[wb.scores.columns], fit, "performance")
    assert calibration.severity_first_step(perf, fit).w_c is None
    rest = calibration.criterion_rows(wb, d[wb.scores.columns], fit, "rest")
    assert calibration.severity_first_step(rest, fit).w_c is not None
    with pytest.raises(ValueError, match="rows the severity was fitted on"):
        calibration.severity_first_step(d.iloc[:-1], fit)


@pytest.mark.parametrize("criterion, is_rest", [("recommendation", True), ("rest", True),
                                               ("decision", False), ("performance", False)])
def test_the_step_reads_y_free_from_the_criterion(prepared, criterion, is_rest):
    # What y_free is comes from the criterion the rows were built with (analysis.stats.criteria: the rest
    # score under recommendation and rest, the outside criterion under decision and performance),
    # and the step's gradient must be that of y_free as built. Reference: central finite differences
    # of the point estimate when criterion_rows is recomputed on a fit with one interviewer's
    # leniency moved (under decision/performance y_free does not move, only x_adj).
    wb, d, fit = prepared
    scores = d[wb.scores.columns]
    rows = calibration.criterion_rows(wb, scores, fit, criterion)
    assert rows.attrs["criterion"] == criterion
    fs = calibration.severity_first_step(rows, fit)
    assert (fs.w_c is not None) is is_rest is calibration.Y_FREE_IS_REST[criterion]
    # an explicit criterion wins over the one recorded on the rows
    other = "performance" if is_rest else "rest"
    assert (calibration.severity_first_step(rows, fit, criterion=other).w_c is None) is is_rest
    _assert_term_is_the_numerical_gradient(wb, d, scores, rows, fit, fs, list(fit.interviewers["interviewer"].astype(str)),
                                           1, criterion)


def test_rows_without_a_rest_basis_leave_the_rest_score(prepared):
    # A fit row with a NaN ability (none from fit_severity on loaded scores; a guard) drops out of its
    # candidate's rest score (attach_criterion's mean skips it): the step's rest-score structure must
    # count the candidate's other rows only. Reference: finite differences as above.
    wb, d, fit = prepared
    scores = d[wb.scores.columns]
    cand = d["candidate_id"].astype(str).to_numpy()
    hole = np.isin(np.arange(len(d)), np.flatnonzero(d["interviewer"].astype(str) == str(fit.interviewers["interviewer"][2]))[:40])
    frows = fit.rows.copy()
    frows.loc[hole, "ability"] = np.nan
    holed = dataclasses.replace(fit, rows=frows)  # a SeverityFit whose rows hold the holes (row_column reads them)
    rows = calibration.criterion_rows(wb, scores, holed, "rest")
    assert rows["y_free"][hole].isna().all() and np.isin(cand[~hole], cand[hole]).any()
    fs = calibration.severity_first_step(rows, holed)
    _assert_term_is_the_numerical_gradient(wb, d, scores, rows, holed, fs, list(fit.interviewers["interviewer"].astype(str)),
                                           2, "rest")


def test_the_step_needs_to_know_the_criterion(prepared):
    wb, d, fit = prepared
    bare = d.copy()
    bare.attrs.clear()  # rows built by hand: nothing says what y_free is
    with pytest.raises(ValueError, match=r"severity_first_step\(d, fit, criterion=\.\.\.\)"):
        calibration.severity_first_step(bare, fit)
    with pytest.raises(ValueError, match="criterion must be one of"):
        calibration.severity_first_step(bare, fit, criterion="vibes")
    assert calibration.severity_first_step(bare, fit, criterion="rest").w_c is not None


def _count_steps(monkeypatch):
    import analysis.stats.separation as separation   # where severity_first_step looks it up
    calls = []
    real = separation.rater_first_step

    def counting(*args, **kwargs):
        calls.append(kwargs.get("y_is_rest"))
        return real(*args, **kwargs)
    monkeypatch.setattr(separation, "rater_first_step", counting)
    return calls


def test_a_calibration_builds_the_first_step_once(prepared, monkeypatch):
    # question, topic and level tables (level_stats through group_stats) share one step, built where
    # the calibration's jobs are assembled; each table given the fit alone builds its own
    wb, d, fit = prepared
    calls = _count_steps(monkeypatch)
    cal = calibration.calibrate(wb, n_boot=20, seed=1)
    assert calls == [True]
    calls.clear()
    cal_d = calibration.calibrate(wb, "decision", n_boot=20, seed=1)
    assert calls == [False]
    calls.clear()
    step = calibration.severity_first_step(d, fit)
    kw = dict(n_boot=20, seed=1)
    q = calibration.question_stats(d, wb.questions, severity=step, **kw)
    calibration.level_stats(d, severity=step, **kw)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(q, cal.question_stats)  # the step passed = the fit passed
    calibration.question_stats(d, wb.questions, severity=fit, **kw)
    calibration.level_stats(d, severity=fit, **kw)
    assert len(calls) == 3
    assert len(cal_d.question_stats)


def test_the_explorer_builds_the_step_once_and_only_when_needed(prepared, monkeypatch):
    from analysis.widgets.explorer import LazyCalibration, _Slice
    wb, _, _ = prepared
    piece = _Slice(wb)
    calls = _count_steps(monkeypatch)
    cal = LazyCalibration(wb, piece, "rest", n_boot=20, seed=1)
    cal.interviewer_stats, cal.heatmap
    assert calls == []  # no headline table read yet
    cal.question_stats, cal.topic_stats, cal.level_stats
    assert calls == [True]
    pd.testing.assert_frame_equal(cal.topic_stats, calibration.calibrate(wb, "rest", n_boot=20, seed=1).topic_stats)


def test_question_stats_with_the_fit_widens_and_keeps_the_point(prepared, bank):
    wb, d, fit = prepared
    old = calibration.question_stats(d, bank, n_boot=200, seed=2).set_index("question_id")
    new = calibration.question_stats(d, bank, n_boot=200, seed=2, severity=fit).set_index("question_id")
    assert list(new.columns) == list(old.columns)
    pd.testing.assert_series_equal(new["discrimination"], old["discrimination"])
    ok = old["discrimination_low"].notna()
    assert (new.loc[ok, "discrimination_low"] <= old.loc[ok, "discrimination_low"] + 1e-12).all()
    assert (new.loc[ok, "discrimination_high"] >= old.loc[ok, "discrimination_high"] - 1e-12).all()
    assert (new.loc[ok, "discrimination_se"] > old.loc[ok, "discrimination_se"]).mean() > 0.9
    # calibrate passes its fit: the report's table is the widened one
    cal = calibration.calibrate(wb, n_boot=200, seed=2)
    q = cal.question_stats.set_index("question_id")
    assert np.allclose(q["discrimination_high"], new["discrimination_high"], equal_nan=True)


def test_only_interviewer_has_no_severity_and_no_term(bank):
    _, wb = generated_workbook(150, 3, bank)
    wb.scores["interviewer"] = wb.scores["interviewer"].cat.categories[0] if hasattr(
        wb.scores["interviewer"], "cat") else "Avery"
    d, fit = calibration.prepare(wb)
    assert fit.interviewers["severity"].isna().all()
    old = calibration.question_stats(d, bank, n_boot=100, seed=1)
    new = calibration.question_stats(d, bank, n_boot=100, seed=1, severity=fit)
    pd.testing.assert_frame_equal(new, old)


@pytest.mark.parametrize("interval", ["percentile", "bca"])
def test_other_bootstrap_intervals_widen_on_the_z_scale(monkeypatch, interval):
    # The percentile and BCa forms (validation/disc_options.py) keep their ends without a first step
    # and stretch them around the point on Fisher's z by sqrt(1 + var_first_step / var_boot) with one.
    import analysis.stats.discrimination as disc
    d = _rated(4)
    step = rater_first_step(d, "rater", pd.Series(np.array([0.3, 0.02, 0.02, 0.02, 0.02]) ** 2))
    monkeypatch.setattr(disc, "_INTERVAL", interval)
    plain = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=300, seed=2)
    zero = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=300, seed=2,
                                  first_step=rater_first_step(d, "rater", pd.Series(np.zeros(5))))
    wide = grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=300, seed=2, first_step=step)
    pd.testing.assert_series_equal(zero["discrimination_low"], plain["discrimination_low"])
    z = np.arctanh
    r = plain["discrimination"]
    ratio = (z(r) - z(wide["discrimination_low"])) / (z(r) - z(plain["discrimination_low"]))
    assert (ratio > 1).all()
    ratio_hi = (z(wide["discrimination_high"]) - z(r)) / (z(plain["discrimination_high"]) - z(r))
    assert np.allclose(ratio, ratio_hi)


def _assert_term_is_the_numerical_gradient(wb, d, scores, rows, fit, fs, names, k, criterion):
    """The step's term for a unit variance on interviewer ``names[k]`` equals |d discrimination /
    d severity| by central differences: ``criterion_rows`` rebuilt from a copy of ``fit`` whose rows
    have that interviewer's leniency moved by +-h (which moves ``x_adj`` and the rest-score basis)."""
    frows = fit.rows
    m = (d["interviewer"].astype(str) == names[k]).to_numpy()
    h = 1e-4
    rs = []
    for sign in (1, -1):
        moved = frows.copy()
        moved["leniency"] = moved["leniency"] - sign * h * m
        moved["residual"] = moved["residual"] + sign * h * m
        rs.append(grouped_discrimination(calibration.criterion_rows(wb, scores, dataclasses.replace(fit, rows=moved), criterion),
                                         "topic", "x_adj", "y_free", "level", "candidate_id", n_boot=0)["discrimination"])
    fd = ((rs[0] - rs[1]) / (2 * h)).abs()
    unit = np.zeros(len(names))
    unit[k] = 1.0
    got = grouped_discrimination(rows, "topic", "x_adj", "y_free", "level", "candidate_id", n_boot=0,
                                 first_step=RaterStep(fs.rater, unit, fs.cand, fs.w_c, fs.n_ck)
                                 )["discrimination_se_first_step"]
    ok = fd.notna() & (fd > 1e-6)
    assert ok.sum() >= 3
    assert got[ok].to_numpy() == pytest.approx(fd[ok].to_numpy(), rel=1e-3, abs=1e-7)


@pytest.mark.parametrize("n_raters", [127, 128])  # k at int8's limit, and one past it
def test_narrow_rater_codes_give_the_int64_numbers(n_raters):
    """rater_first_step keeps each row's rater as the narrowest integer holding -1 .. k (issue 26:
    held per row under every table); the step must give the numbers of int64 codes, to the bit,
    also where rows without a rater take the extra column k."""
    rng = np.random.default_rng(n_raters)
    n = 1500
    rater = rng.integers(0, n_raters, n).astype(object)
    rater[:40] = None  # rows without a rater
    d = pd.DataFrame({"g": rng.integers(0, 4, n), "x": rng.normal(size=n), "y": rng.normal(size=n),
                      "s": rng.integers(0, 2, n), "c": rng.integers(0, 300, n), "r": rater})
    var = pd.Series(rng.uniform(0.01, 0.1, n_raters), index=range(n_raters))
    step = rater_first_step(d, "r", var, candidate="c", y_is_rest=True)
    assert step.rater.itemsize < 8 and step.rater.max() == n_raters - 1
    wide = RaterStep(step.rater.astype(np.int64), step.cov, step.cand, step.w_c, step.n_ck)
    kw = dict(n_boot=0)
    got = grouped_discrimination(d, "g", "x", "y", "s", "c", first_step=step, **kw)
    want = grouped_discrimination(d, "g", "x", "y", "s", "c", first_step=wide, **kw)
    assert (got["discrimination_se_first_step"] > 0).all()
    pd.testing.assert_frame_equal(got, want, check_exact=True)
