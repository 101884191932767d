"""``check`` and the bank commands together (issue 25): the retired-question warnings are one per
interview and ``check`` prints at most 20 per retired question; ``bank rewrite --introduced`` and
``bank retire --date`` in the past say how many stored interviews the date moves; ``check`` is clean
after every bank command on a copy of the demo folder.

The versioned folder is the one of tests/test_versions_load.py: the shipped bank with
``jr-s3-basics`` rewritten on 2026-01-01 and ``jr-iam-basics`` retired on 2025-06-01.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from analysis.cli import main
from analysis.io._versions import RetiredWarning, warning_lines
from analysis.io.bank_edit import retire_question
from analysis.io.load import load
from conftest import REAL_DATA
from test_versions_load import PLAIN, RETIRE_DAY, RETIRED, _card, _folder

OTHER = "jr-vpc-basics"  # a second question retired in some tests


@pytest.fixture
def vdata(tmp_path):
    return _folder(tmp_path)


def _run(capsys, *argv) -> tuple[int, list[str]]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out.splitlines()


# --- the warnings: one per interview, at most 20 lines per retired question in check ---------------

def test_a_late_interview_is_one_warning_on_its_first_row_naming_each_retired_question(vdata):
    retire_question(vdata, OTHER, date=RETIRE_DAY)
    _card(vdata, "both.csv", "BOTH", "2025-07-01", questions=(PLAIN, RETIRED, OTHER))
    _card(vdata, "one.csv", "ONE", "2025-07-01", questions=(RETIRED, PLAIN))
    wb = load(vdata, cache=False, progress=False)
    assert wb.problems == []
    assert [(w.path, w.line) for w in wb.warnings] == [("scores/both.csv", 2), ("scores/one.csv", 2)]
    assert all(isinstance(w, RetiredWarning) for w in wb.warnings)
    assert wb.warnings[0].retired == ((RETIRED, RETIRE_DAY), (OTHER, RETIRE_DAY))
    assert (f"after question '{RETIRED}' was retired ({RETIRE_DAY}) and question '{OTHER}' was retired "
            f"({RETIRE_DAY})") in wb.warnings[0].message
    assert wb.warnings[1].retired == ((RETIRED, RETIRE_DAY),)


def test_check_prints_at_most_20_warnings_per_retired_question_then_how_many_more(vdata, capsys):
    retire_question(vdata, OTHER, date=RETIRE_DAY)
    for i in range(2):  # the first files (by path): they name both retired questions
        _card(vdata, f"a{i}.csv", f"A{i}", "2025-07-01", questions=(RETIRED, OTHER))
    for i in range(23):
        _card(vdata, f"l{i:02d}.csv", f"L{i:02d}", "2025-07-01", questions=(PLAIN, RETIRED))
    _card(vdata, "z.csv", "Z", "2025-07-01", questions=(OTHER,))
    code, lines = _run(capsys, "check", "--data", vdata, "--no-cache")
    assert code == 0
    # 25 interviews after RETIRED: a0, a1, l00-l17 shown (20), l18-l22 counted (5); OTHER: a0, a1, z
    warned = [line for line in lines if ": warning: " in line]
    assert [w.split(":")[0] for w in warned] == (["scores/a0.csv", "scores/a1.csv"]
                                                 + [f"scores/l{i:02d}.csv" for i in range(18)] + ["scores/z.csv"])
    assert lines[len(warned):] == [
        f"... and 5 more interviews of {RETIRED} dated after it was retired on {RETIRE_DAY}",
        "loaded 51 rows from 26 interviews in 26 files; 0 problems"]
    wb = load(vdata, progress=False)
    assert len(wb.warnings) == 26  # the API keeps every one


def test_warning_lines_count_per_question_and_print_other_warnings_whole():
    def w(i, *retired):
        return RetiredWarning("scores/x.csv", i, "question_id", f"m{i}", retired=tuple((q, "2025-01-01") for q in retired))
    plain = [RetiredWarning("scores/y.csv", 9, None, "no retired question named")]
    lines = warning_lines([w(1, "a"), w(2, "a", "b"), w(3, "a"), w(4, "b"), *plain], per_question=1)
    # w2 is left out (a has its one line), so b still has room for w4; w3 is left out (a is full)
    assert lines == ["scores/x.csv:1: warning: m1", "scores/x.csv:4: warning: m4",
                     "scores/y.csv:9: warning: no retired question named",
                     "... and 2 more interviews of a dated after it was retired on 2025-01-01",
                     "... and 1 more interviews of b dated after it was retired on 2025-01-01"]


# --- the bank commands on a copy of the demo folder: what a past date moves; check after each -------

@pytest.fixture
def demo(tmp_path):
    folder = tmp_path / "demo"
    shutil.copytree(REAL_DATA, folder, ignore=shutil.ignore_patterns(".cache"))
    return folder


def _check_is_clean(capsys, folder, *, warned: str | None = None) -> list[str]:
    """``check`` exits 0 with 0 problems; every line before the summary is a warning about
    ``warned`` (a question retired in the past), or there is none."""
    code, lines = _run(capsys, "check", "--data", folder)
    assert code == 0, lines
    assert lines[-1].startswith("loaded ") and lines[-1].endswith("; 0 problems"), lines[-1]
    for line in lines[:-1]:
        assert warned is not None and (f"after question '{warned}' was retired" in line
                                       or line.startswith(f"... and ") and f" of {warned} dated after" in line), line
    return lines[:-1]


def test_check_is_clean_after_every_bank_command_and_past_dates_say_what_they_move(demo, capsys):
    before = load(demo, progress=False)
    assert before.problems == [] and before.warnings == []
    # expected counts, from the demo's own rows before any change
    every = before.scores[["interview_id", "question_id", "date"]]
    if len(before.practice):
        every = pd.concat([every, before.practice[["interview_id", "question_id", "date"]]])
    qid = every["question_id"].astype(str)
    moved = every[(qid == "mid-caching") & (every["date"] >= "2025-06-01")]["interview_id"].nunique()
    late = every[(qid == "jr-iam-basics") & (every["date"] > "2025-01-01")]["interview_id"].nunique()
    assert moved > 0 and late > 0

    code, out = _run(capsys, "bank", "add", "--data", demo, "--level", "mid", "--topic", "data",
                     "--question", "How would you shard a table?", "--good-answer", "a key", "--red-flag", "none")
    assert code == 0 and out == ["mid-shard-table"]
    _check_is_clean(capsys, demo)

    code, out = _run(capsys, "bank", "rewrite", "mid-caching", "--data", demo, "--question", "How, and when not?",
                     "--introduced", "2025-06-01")
    assert code == 0
    assert out[1] == (f"{moved} stored interview(s) of mid-caching dated 2025-06-01 or later name no question_version: "
                      "they are analysed as version 2 from now on (a scorecard naming its version keeps it)")
    _check_is_clean(capsys, demo)
    code, out = _run(capsys, "bank", "rewrite", "mid-decoupling", "--data", demo, "--red-flag", "no queue")
    assert code == 0 and len(out) == 1  # today: nothing stored moves
    _check_is_clean(capsys, demo)

    code, out = _run(capsys, "bank", "retire", "jr-iam-basics", "--data", demo, "--date", "2025-01-01")
    assert code == 0
    assert out[1].startswith(f"{late} stored interview(s) of jr-iam-basics are dated after 2025-01-01: ")
    warned = _check_is_clean(capsys, demo, warned="jr-iam-basics")  # the one warning the issue allows
    assert len(warned) == min(late, 20) + (late > 20)
    code, out = _run(capsys, "bank", "retire", "mid-caching", "--data", demo)
    assert code == 0 and len(out) == 1
    _check_is_clean(capsys, demo, warned="jr-iam-basics")
    assert len(load(demo, progress=False).warnings) == late
