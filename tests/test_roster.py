"""The interviewer roster (analysis.io.roster): one person is never split in two."""

from __future__ import annotations

import subprocess
import sys

import pytest

from analysis.io.interviews import known_interviewers
from analysis.io.load import load
from analysis.io.roster import _one_edit, read_roster
from conftest import interview_rows


def _three_spellings(write_card, names=("Avery", "Avery", "AVERY")):
    for i, name in enumerate(names):
        write_card(f"2026/i{i}.csv", interview_rows(f"INT-{i}", candidate=f"C{i}", interviewer=name))


def _every_row_loaded_or_named(wb, n_rows):
    named = {(p.path, ln) for p in wb.problems for ln in (p.lines or (p.line,))}
    loaded = set(zip(wb.scores["file"].astype(str), wb.scores["line"].astype(int)))
    assert not (named & loaded)
    assert len(loaded) + len({x for x in named if x[1] > 1}) >= n_rows


def test_case_variants_without_a_roster_are_one_person(data, write_card):
    _three_spellings(write_card)
    wb = load(data, progress=False)
    assert sorted(wb.scores["interviewer"].astype(str).unique()) == ["Avery"]
    msgs = [str(p) for p in wb.problems]
    assert any("'AVERY' differs from 'Avery' only in letter case or spacing" in m and "scores/2026/i2.csv:2" in m
               for m in msgs), msgs
    assert any("interview 'INT-2' not loaded" in m for m in msgs)
    assert wb.scores["interview_id"].nunique() == 2
    _every_row_loaded_or_named(wb, 9)


def test_roster_aliases_load_under_the_roster_name(data, write_card):
    (data / "interviewers.csv").write_text("interviewer,aliases,active\nAvery Chen,Avery;AVERY,true\n",
                                           encoding="utf-8")
    _three_spellings(write_card)
    wb = load(data, progress=False)
    assert wb.problems == []
    assert list(wb.scores["interviewer"].astype(str).unique()) == ["Avery Chen"]
    assert wb.scores["interview_id"].nunique() == 3


def test_one_letter_from_a_roster_name_is_held_back(data, write_card):
    (data / "interviewers.csv").write_text("interviewer,aliases,active\nAvery Chen,,true\nBlake,,true\n",
                                           encoding="utf-8")
    _three_spellings(write_card, names=("Avery Chen", "Avery Chn", "Morgan"))
    wb = load(data, progress=False)
    msgs = [str(p) for p in wb.problems]
    assert any("'Avery Chn' is not on the roster but is one letter from 'Avery Chen'" in m for m in msgs), msgs
    # a name far from every roster name is a new interviewer: it loads
    assert set(wb.scores["interviewer"].astype(str)) == {"Avery Chen", "Morgan"}


def test_bad_roster_rows_are_problems_with_their_line(data, write_card):
    (data / "interviewers.csv").write_text(
        "interviewer,aliases,active\nAvery,,maybe\n,x,true\nBlake,Avery2,true\nCasey,Avery2,true\n", encoding="utf-8")
    roster, problems = read_roster(data)
    text = [str(p) for p in problems]
    assert "interviewers.csv:2: column active: got 'maybe', expected true or false" in text
    assert any(t.startswith("interviewers.csv:3: column interviewer: empty roster name") for t in text)
    assert any(t.startswith("interviewers.csv:5: column aliases: 'Avery2' is already") for t in text)
    assert roster.names == ["Blake"]


def test_forms_offer_only_active_roster_names(data, write_card):
    _three_spellings(write_card, names=("Avery", "Blake", "Casey"))
    assert known_interviewers(data) == ["Avery", "Blake", "Casey"]
    (data / "interviewers.csv").write_text("interviewer,aliases,active\nAvery,,true\nBlake,,false\nDana,,\n",
                                           encoding="utf-8")
    assert known_interviewers(data) == ["Avery", "Dana"]


def test_check_names_the_roster_problems(data, write_card):
    _three_spellings(write_card)
    run = subprocess.run([sys.executable, "-m", "analysis", "check", "--data", str(data)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    # each of the 3 rows under the variant spelling is named, and its interview is held back once
    assert "loaded 6 rows from 2 interviews in 3 files; 4 problems" in run.stdout


@pytest.mark.parametrize("a, b, expected", [("avery", "avry", True), ("avery", "averyy", True),
                                            ("avery", "avary", True), ("avery", "avery", False),
                                            ("avery", "avy", False), ("jo", "jon", True), ("ab", "ba", False)])
def test_one_edit_hand_cases(a, b, expected):
    assert _one_edit(a, b) is expected
