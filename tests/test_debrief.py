"""The candidate debrief: the numbers (analysis.stats.debrief) and the page (analysis.reports.debrief), what a
hiring committee reads about one candidate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.errors import OutputFolderError
from analysis.reports.debrief import debrief_html, write_debrief
from analysis.stats.debrief import debrief
from analysis.io.load import load
from analysis.stats.severity import fit_severity
from conftest import interview_rows

XSS = '<script>alert("x")</script><a href="https://evil.example/">t</a>'


def _two_interviewers(write_card, *, notes=("", "", "")):
    """Candidate C1 seen by a harsh (Harsh) and a soft (Soft) interviewer; others calibrate them."""
    rows = []
    k = 0
    for c in range(8):
        cid = f"C{c + 1}"
        for who, shift in (("Harsh", -1), ("Soft", 0)):
            k += 1
            scores = tuple(int(np.clip(2 + (c % 3) + shift + d, 1, 4)) for d in (0, 1, 0))
            rows += interview_rows(f"INT-{k}", date=f"2026-03-{k % 27 + 1:02d}", candidate=cid, interviewer=who,
                                   scores=scores, notes=list(notes) if cid == "C1" else None,
                                   recommendation="yes" if sum(scores) >= 8 else "no")
    write_card("2026/all.csv", rows)
    return rows


def test_answers_are_the_candidates_rows_with_severity_added_back(data, write_card):
    _two_interviewers(write_card)
    wb = load(data, progress=False)
    fit = fit_severity(wb.scores.reset_index(drop=True))
    db = debrief(wb, "C1", fit=fit)
    mine = wb.scores[wb.scores["candidate_id"] == "C1"]
    assert len(db.answers) == len(mine) == 6
    assert set(db.interviews["interview_id"]) == set(mine["interview_id"])
    sev = fit.interviewers.set_index("interviewer")["severity"]
    # hand rule: adjusted = score + the interviewer's severity (harsher -> raised)
    for r in db.answers.itertuples():
        assert r.adjusted == pytest.approx(r.score + sev[r.interviewer])
    assert sev["Harsh"] > sev["Soft"]
    # every question was asked in both interviews: the panel table lists three, each asked again
    assert len(db.agreement) == 3
    assert set(db.agreement["kind"]) == {"asked again"}


def test_fair_score_sits_between_the_raw_means_and_has_an_interval(data, write_card):
    _two_interviewers(write_card)
    wb = load(data, progress=False)
    db = debrief(wb, "C1")
    f = db.fair
    assert f["low"] < f["score"] < f["high"]
    assert 1 <= f["score"] <= 4
    assert 0 <= f["percentile"] <= 100
    assert f["n_level"] == 8


def test_unknown_candidate_is_a_clear_error(data, write_card):
    _two_interviewers(write_card)
    wb = load(data, progress=False)
    with pytest.raises(KeyError, match="no scorecard carries candidate id 'nobody'"):
        debrief(wb, "nobody")


def test_notes_and_names_are_escaped_and_the_page_runs_no_script(data, write_card):
    _two_interviewers(write_card, notes=(XSS, "", ""))
    wb = load(data, progress=False)
    page = debrief_html(debrief(wb, "C1"))
    assert "<script" not in page and 'href="https://evil' not in page
    assert "&lt;script&gt;" in page


def test_write_debrief_keeps_hostile_ids_in_the_folder(data, tmp_path, write_card):
    _two_interviewers(write_card)
    wb = load(data, progress=False)
    db = debrief(wb, "C1")
    db.candidate_id = "../../etc/passwd"
    out = tmp_path / "out"
    written = write_debrief(db, out, pdf=False)
    assert written["html"].parent == out
    assert written["html"].exists()


def test_write_debrief_refuses_the_data_folder(data, write_card):
    """The debrief carries its data folder, so write_debrief checks its output folder itself."""
    _two_interviewers(write_card)
    db = debrief(load(data, progress=False), "C1")
    for out in (data, data / "scores" / "debriefs"):
        with pytest.raises(OutputFolderError, match="inside the data folder"):
            write_debrief(db, out, pdf=False)
    assert not list(data.rglob("debrief-*"))


def test_small_level_shows_no_distribution(data, write_card):
    """Eight candidates at the level: shown with the default floor, hidden when the floor is raised above it."""
    _two_interviewers(write_card)
    wb = load(data, progress=False)
    assert debrief(wb, "C1").fair["n_level"] == 8
    f = debrief(wb, "C1", small_group=9).fair
    assert np.isnan(f["percentile"]) and f["note"] == "fewer than 9 candidates at this level: no distribution shown"


def test_cli_writes_html_and_pdf(data, tmp_path, write_card):
    _two_interviewers(write_card)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "analysis", "debrief", "C1", "--data", str(data), "--out", str(out)],
                         capture_output=True, text=True, timeout=180)
    html_files = list(out.glob("debrief-*.html"))
    assert len(html_files) == 1
    if Path("/usr/bin/chromium").exists():
        assert run.returncode == 0, run.stdout + run.stderr
        pdf = list(out.glob("debrief-*.pdf"))
        assert len(pdf) == 1 and pdf[0].read_bytes()[:5] == b"%PDF-"
    else:  # the HTML is written, the PDF is named as skipped, and the exit code says so
        assert run.returncode == 1 and "skipped" in run.stdout
    bad = subprocess.run([sys.executable, "-m", "analysis", "debrief", "nobody", "--data", str(data),
                          "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
