"""One verdict per question and per interviewer (analysis/stats/verdicts.py, issue 24), read by every
surface: the rules at their edges, the Monte Carlo margin against measured seed-to-seed noise, the
issue's two reproductions on the repository's data, and the contract of ``interviewer_stats.csv``,
``question_stats.csv`` and ``irt_interviewers.csv``."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from analysis.config import REPO_DIR
from analysis.io.load import load
from analysis.stats.calibration import calibrate, prepare, slice_interviewer_verdicts
from analysis.stats.separation import question_stats, severity_first_step
from analysis.stats.verdicts import (INTERVIEWER_VERDICTS, MC_SES, QUESTION_VERDICTS, cross_check, end_mc_error,
                                     interviewer_verdicts, question_verdicts)

DATA = REPO_DIR / "data"


@pytest.fixture(scope="module")
def workbook():
    return load(DATA, progress=False)


def _q(low, high, too_few=False):
    return pd.DataFrame({"discrimination_low": [low], "discrimination_high": [high], "too_few": [too_few]})


def test_question_rule_at_its_edges():
    # without Monte Carlo error (n_boot None) the edges are Ebel's: low >= 0.30 keep, high < 0.20 rewrite
    assert question_verdicts(_q(0.30, 0.6), None).iloc[0] == "keep"
    assert question_verdicts(_q(0.30 - 1e-9, 0.6), None).iloc[0] == "watch"
    assert question_verdicts(_q(-0.1, 0.20 - 1e-9), None).iloc[0] == "rewrite"
    assert question_verdicts(_q(-0.1, 0.20), None).iloc[0] == "watch"
    assert question_verdicts(_q(0.5, 0.9, too_few=True), None).iloc[0] == "too few"
    assert question_verdicts(_q(np.nan, np.nan), None).iloc[0] == "watch"         # n_boot=0: no interval


def test_an_end_within_its_monte_carlo_error_of_a_threshold_is_not_clear():
    high = 0.7
    for n_boot in (200, 1000):
        # the margin is MC_SES Monte Carlo SEs of the end, computed for an end at the edge
        mc = float(end_mc_error([0.30], [high], n_boot)[0])
        assert 0 < mc < 0.02
        assert question_verdicts(_q(0.30 + 0.5 * MC_SES * mc, high), n_boot).iloc[0] == "watch"
        assert question_verdicts(_q(0.30 + 1.2 * MC_SES * mc, high), n_boot).iloc[0] == "keep"
    # fewer resamples, wider margin: an end 0.012 above the edge is clear at 1000 resamples, not at 200
    assert question_verdicts(_q(0.312, high), 1000).iloc[0] == "keep"
    assert question_verdicts(_q(0.312, high), 200).iloc[0] == "watch"


@settings(max_examples=200, deadline=None)
@given(low=st.floats(-0.99, 0.99), width=st.floats(0, 1.5), n_boot=st.sampled_from([None, 0, 1, 10, 200, 1000]),
       few=st.booleans())
def test_question_verdicts_are_one_of_the_documented_values_and_never_contradict_the_interval(low, width, n_boot, few):
    high = min(low + width, 0.999)
    v = question_verdicts(_q(low, high, few), n_boot).iloc[0]
    assert v in QUESTION_VERDICTS
    if v == "keep":
        assert low >= 0.30 and not few
    if v == "rewrite":
        assert high < 0.20 and not few
    if few:
        assert v == "too few"


def test_interviewer_rule_and_privacy_floor():
    iv = pd.DataFrame({"interviewer": list("ABCDEF"), "n_interviews": [40, 40, 40, 40, 4, 40],
                       "severity_low": [0.01, -0.5, 0.0, -0.2, 0.5, np.nan],
                       "severity_high": [0.4, -0.01, 0.3, 0.2, 0.9, np.nan]})
    assert interviewer_verdicts(iv).tolist() == ["harsher", "softer", "not clear", "not clear", "too few",
                                                 "not clear"]
    assert set(interviewer_verdicts(iv)) <= set(INTERVIEWER_VERDICTS)


def test_cross_check_sentences_say_how_to_read_a_disagreement():
    head = pd.Series({"Devon": "not clear", "Avery": "softer", "Blake": "harsher", "Jo": "too few"})
    other = pd.Series({"Devon": "harsher", "Avery": "not clear", "Blake": "harsher", "Jo": "softer"})
    agree, sentences = cross_check(head, other)
    assert agree.to_dict() == {"Devon": "no", "Avery": "no", "Blake": "yes", "Jo": ""}
    assert len(sentences) == 2
    assert sentences[0].startswith("The two models disagree on Devon") and "treat as not clear" in sentences[0]
    assert "disagree on Avery" in sentences[1] and "the verdict stays softer" in sentences[1]


def test_monte_carlo_error_estimate_matches_the_seed_to_seed_spread(workbook):
    # the expected value is the estimate itself: the SD of the lower end over seeds, divided by
    # end_mc_error, should be about 1 (measured: median 0.95-0.98 over 20 seeds; here 8 seeds, whose
    # SD has a relative error of about 27%, so the median over 24 questions is checked within 0.7-1.3)
    d, fit = prepare(workbook)
    step = severity_first_step(d, fit)
    lows, highs = [], []
    for seed in range(8):
        q = question_stats(d, workbook.questions, n_boot=200, seed=seed, severity=step)
        lows.append(q["discrimination_low"].to_numpy())
        highs.append(q["discrimination_high"].to_numpy())
    lows, highs = np.array(lows), np.array(highs)
    ratio = lows.std(0, ddof=1) / end_mc_error(lows.mean(0), highs.mean(0), 200)
    assert 0.7 < float(np.median(ratio)) < 1.3


def test_issue_24_the_keep_list_does_not_follow_the_resamples(workbook):
    # issue 24: on this data 200 resamples (the explorer's old default) called 2 questions clearly good
    # and the report's 1000 called 1; mid-high-availability's lower end sits within its Monte Carlo
    # error of 0.30 (0.2955 at 1000 resamples, seed 0; 0.304 on average over seeds), so it is 'watch' in both
    keep = {}
    for n_boot in (200, 1000):
        q = calibrate(workbook, n_boot=n_boot, seed=0).question_stats
        keep[n_boot] = sorted(q.loc[q["verdict"] == "keep", "question_id"])
        assert q.set_index("question_id").loc["mid-high-availability", "verdict"] == "watch"
    assert keep[200] == keep[1000] == ["jr-s3-pricing"]


def test_issue_24_one_answer_for_devon_and_avery_in_every_table(workbook, tmp_path):
    from analysis.reports.irt import report_outputs
    from analysis.reports.report import build_report
    out = tmp_path / "report"
    build_report(DATA, out=out, formats="csv", n_boot=50, progress=False, workbook=workbook, irt=True)
    iv = pd.read_csv(out / "interviewer_stats.csv", keep_default_na=False).set_index("interviewer")
    irt = pd.read_csv(out / "irt_interviewers.csv", keep_default_na=False).set_index("interviewer")
    qs = pd.read_csv(out / "question_stats.csv", keep_default_na=False)
    assert set(iv["verdict"]) <= set(INTERVIEWER_VERDICTS) and set(qs["verdict"]) <= set(QUESTION_VERDICTS)
    assert irt["verdict"].to_dict() == iv["verdict"].to_dict()               # the one answer
    assert iv.loc["Devon", "verdict"] == "not clear" and iv.loc["Avery", "verdict"] == "softer"
    assert irt.loc["Devon", "irt_verdict"] == "harsher" and irt.loc["Devon", "models_agree"] == "no"
    # the brief names exactly the interviewers and questions the verdicts say
    brief = (out / "brief.md").read_text(encoding="utf-8")
    talk = next(line for line in brief.splitlines() if line.startswith("- **Talk.**"))
    named = {n for n in iv.index if n in talk.split("(score points")[0]}
    assert named == set(iv.index[iv["verdict"].isin(["harsher", "softer"])])
    keep = next(line for line in brief.splitlines() if line.startswith("- **Keep.**")).split("(")[0]
    assert {q for q in qs["question_id"] if q in keep} == set(qs.loc[qs["verdict"] == "keep", "question_id"])
    notes = report_outputs(workbook, figures=False, progress=False)[3]
    assert any(n.startswith("The two models disagree on Devon") and "treat as not clear" in n for n in notes)


def test_slice_interviewer_verdicts_are_the_calibrations(workbook):
    v = slice_interviewer_verdicts(workbook, level="senior")
    cal = calibrate(workbook, level="senior", n_boot=10)
    assert v["verdict"].tolist() == cal.interviewer_stats["verdict"].tolist()
