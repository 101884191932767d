"""The demo history: seeded, valid, with its planted truth written beside it."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis import config
from pathlib import Path

from analysis.io.demo_folder import write_history
from analysis.stats.demo import History, generate
from analysis.io.load import load
from conftest import REAL_DATA, REPO_DIR


@pytest.fixture(scope="module")
def history(bank):
    return generate(120, seed=3, questions=bank)


def _frames(h):
    return [h.scores, h.outcomes, h.planted_questions, h.planted_interviewers, h.planted_candidates]


def test_same_seed_same_history_different_seed_different(bank, history):
    again = generate(120, seed=3, questions=bank)
    for a, b in zip(_frames(history), _frames(again)):
        pd.testing.assert_frame_equal(a, b)
    other = generate(120, seed=4, questions=bank)
    assert not history.scores.equals(other.scores)
    assert not np.allclose(history.planted_questions["difficulty"], other.planted_questions["difficulty"])


def test_generated_scores_follow_the_format(bank, history):
    s = history.scores
    assert 100 <= s["interview_id"].nunique() <= 140  # "about" n_interviews, shadows included
    assert set(s["score"]) <= {1, 2, 3, 4} and set(s["recommendation"]) <= set(config.RECOMMENDATIONS)
    assert set(s["question_id"]) <= set(bank["question_id"])
    per_interview = s.groupby("interview_id")
    assert (per_interview[["date", "candidate_id", "level", "interviewer", "recommendation"]].nunique() == 1).all().all()
    assert not s.duplicated(["interview_id", "question_id"]).any()
    assert s["interviewer"].nunique() >= 5
    assert set(history.outcomes["decision"]) <= set(config.DECISIONS)
    assert set(history.outcomes["candidate_id"]) == set(s["candidate_id"])
    # performance only for hired candidates, integer 1-5
    perf = history.outcomes.dropna(subset=["performance"])
    assert (perf["decision"] == "hired").all() and perf["performance"].between(1, 5).all()


def test_planted_truth_is_consistent(bank, history):
    pq, pr, pc = history.planted_questions, history.planted_interviewers, history.planted_candidates
    assert pq["question_id"].tolist() == bank["question_id"].tolist()
    assert (pq["discrimination"] > 0).all()
    assert pq.loc[pq["question_id"] == "mid-decoupling", "drift_per_year"].item() == -0.6  # the default leak
    assert (pq.loc[pq["question_id"] != "mid-decoupling", "drift_per_year"] == 0).all()
    assert abs(pr["severity"].mean()) < 1e-12  # centred by construction
    assert np.isclose(pr["share"].sum(), 1.0)
    # severity in score points has the sign of severity in logits (harsher = lower expected score)
    assert (np.sign(pr["severity_points"]) == np.sign(pr["severity"])).all()
    assert set(pc["candidate_id"]) == set(history.outcomes["candidate_id"])


def test_scores_rise_with_planted_ability(history):
    """The model's core: P(score >= k) increases with ability, so a candidate's mean score must
    correlate with the planted ability (with 120 interviews the rank correlation is ~0.6)."""
    s = history.scores
    mean = s.groupby("candidate_id")["score"].mean()
    ability = history.planted_candidates.set_index("candidate_id")["ability"].loc[mean.index]
    assert mean.corr(ability, method="spearman") > 0.4


@pytest.mark.parametrize("layout", ["per_interview", "bulk"])
def test_written_history_loads_with_no_problems(tmp_path, history, layout):
    out = write_history(history, tmp_path / "demo", layout=layout)
    for name in ("questions.csv", "outcomes.csv", "planted/questions.csv", "planted/interviewers.csv",
                 "planted/candidates.csv"):
        assert (out / name).is_file(), name
    wb = load(out, cache=False)
    assert wb.problems == []
    assert wb.n_interviews == history.scores["interview_id"].nunique()
    assert len(wb.scores) == len(history.scores)
    assert len(wb.outcomes) == len(history.outcomes)
    if layout == "per_interview":
        assert wb.files == wb.n_interviews
        assert all(f.parent.name == f.name.split("-")[1] for f in (out / "scores").rglob("*.csv"))  # <year>/
    else:
        assert wb.files == 1
    planted = pd.read_csv(out / "planted" / "interviewers.csv")
    # written at PLANTED_DECIMALS = 4 decimals: within half a unit of the 4th decimal of the truth
    pd.testing.assert_frame_equal(planted, history.planted_interviewers, check_dtype=False, check_exact=False,
                                  rtol=0, atol=0.5e-4 + 1e-12)


def test_write_history_clean_replaces_old_scores(tmp_path, history, bank):
    out = write_history(history, tmp_path / "demo", layout="bulk")
    write_history(generate(30, seed=1, questions=bank), out, layout="bulk", clean=True)
    assert load(out, cache=False).n_interviews < history.scores["interview_id"].nunique()


def test_demo_command_writes_a_folder_that_passes_check(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    env.pop("INTERVIEW_DATA", None)
    run = lambda *a: subprocess.run([sys.executable, "-m", "analysis", *a], cwd=REPO_DIR, env=env,
                                    capture_output=True, text=True, timeout=120)
    demo = run("demo", "--data", str(tmp_path / "d"), "--interviews", "40", "--seed", "5")
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.startswith("wrote ")
    check = run("check", "--data", str(tmp_path / "d"))
    assert check.returncode == 0, check.stdout
    assert check.stdout.strip().endswith("; 0 problems")


def test_shipped_history_is_labelled_synthetic_and_has_planted_truth():
    readme = (REAL_DATA / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme.upper()
    for name in ("questions.csv", "interviewers.csv", "candidates.csv"):
        assert (REAL_DATA / "planted" / name).is_file()
    wb = load(REAL_DATA, cache=False)  # read only
    assert wb.problems == []
    assert 200 <= wb.n_interviews <= 1000 and wb.scores["interviewer"].nunique() >= 5
    assert wb.scores["date"].dt.year.nunique() >= 3


def _planted_close(ours: Path, shipped: Path, name: str) -> None:
    """Planted files carry 4 decimals (analysis.io.demo_folder.PLANTED_DECIMALS). On another CPU or BLAS kernel
    the unrounded value may differ in its 16th digit (exp, matrix products), which can move a value
    sitting on a rounding boundary by one unit of the 4th decimal: so numbers compare to 1e-4 (one
    unit, plus float slack), ids and counts exactly."""
    a, b = pd.read_csv(ours / "planted" / name), pd.read_csv(shipped / "planted" / name)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=0, atol=1e-4 + 1e-9, obj=f"planted/{name}")


def test_shipped_history_is_what_the_documented_command_writes(tmp_path):
    """data/README.md says the history was made with `demo --interviews 400 --seed 7`; regenerating
    it must give the same files, or the planted truth the tests rely on is not the data's truth.
    Scorecards and outcomes are integers and words: byte for byte. Planted parameters: see
    _planted_close."""
    out = write_history(generate(400, seed=7), tmp_path / "regen")
    cmp = filecmp.dircmp(out / "scores", REAL_DATA / "scores")
    mismatched = []
    stack = [cmp]
    while stack:
        c = stack.pop()
        mismatched += [n for n in c.left_only + c.right_only if not n.startswith(".")]
        mismatched += filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)[1]
        stack += c.subdirs.values()
    assert mismatched == [], f"{len(mismatched)} files in data/scores differ from a regeneration, e.g. {mismatched[:3]}"
    assert filecmp.cmp(out / "outcomes.csv", REAL_DATA / "outcomes.csv", shallow=False)
    for name in ("questions.csv", "interviewers.csv", "candidates.csv"):
        _planted_close(out, REAL_DATA, name)
    # the shipped manifest lists the same files with the same content for everything but planted/
    import json
    ours = json.loads((out / "planted" / "demo-manifest.json").read_text())["files"]
    shipped = json.loads((REAL_DATA / "planted" / "demo-manifest.json").read_text())["files"]
    assert sorted(ours) == sorted(shipped)
    assert {k: v["sha256"] for k, v in ours.items() if not k.startswith("planted/")} == \
           {k: v["sha256"] for k, v in shipped.items() if not k.startswith("planted/")}


def test_planted_files_carry_four_decimals(tmp_path, history):
    """Issue 10: data/planted/interviewers.csv regenerated with a different 17th digit on another
    CPU. What a planted file carries is rounded to what it means."""
    out = write_history(history, tmp_path / "demo")
    for name in ("questions.csv", "interviewers.csv", "candidates.csv"):
        text = (out / "planted" / name).read_text()
        decimals = [len(tok.split(".")[1]) for line in text.splitlines()[1:] for tok in line.split(",")
                    if tok.replace(".", "", 1).lstrip("-").isdigit() and "." in tok]
        assert decimals and max(decimals) <= 4, name
    # a value one float step away (what another BLAS kernel might compute) writes the same file
    nudged = History(history.scores, history.outcomes,
                     history.planted_questions.assign(discrimination=np.nextafter(
                         history.planted_questions["discrimination"].to_numpy(), np.inf)),
                     history.planted_interviewers.assign(severity_points=history.planted_interviewers["severity_points"]
                                                         * (1 + 1e-15)),
                     history.planted_candidates)
    again = write_history(nudged, tmp_path / "nudged")
    for name in ("questions.csv", "interviewers.csv"):
        assert (again / "planted" / name).read_bytes() == (out / "planted" / name).read_bytes(), name
