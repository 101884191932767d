"""``python -m analysis check --data DIR``, run as a real subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import REAL_DATA, REPO_DIR, csv_text, interview_rows

SUMMARY = re.compile(r"loaded (\d+) rows from (\d+) interviews in (\d+) files; (\d+) problems")


def check(*args, cwd=REPO_DIR, interview_data=None):
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    env.pop("INTERVIEW_DATA", None)
    if interview_data is not None:
        env["INTERVIEW_DATA"] = str(interview_data)
    return subprocess.run([sys.executable, "-m", "analysis", "check", *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_clean_folder_exits_0_with_the_summary_line(data, write_card):
    write_card("2026/a.csv", interview_rows("A"))
    write_card("2026/b.csv", interview_rows("B"))
    run = check("--data", data)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines() == ["loaded 6 rows from 2 interviews in 2 files; 0 problems"]


def test_problems_exit_1_one_per_line_then_the_summary(data, write_card):
    rows = interview_rows("A")
    rows[1]["score"] = "5"
    write_card("2026/a.csv", rows)
    write_card("2026/b.csv", interview_rows("B"))
    write_card("2026/empty.csv", raw=b"")
    run = check("--data", data)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    a = os.path.join("scores", "2026", "a.csv")
    assert lines[:-1] == [
        f"{a}:2: interview 'A' not loaded: its 3 row(s) on line(s) 2, 3, 4 are held back until the problems "
        "reported for it are fixed (an interview loads whole or not at all)",
        f"{a}:3: column score: got '5', expected an integer 1-4",
        f"{os.path.join('scores', '2026', 'empty.csv')}:0: empty file; expected a header row and scorecard rows",
    ]
    assert all(re.match(r"^[^:]+:\d+: \S", ln) for ln in lines[:-1])
    assert lines[-1] == "loaded 3 rows from 1 interviews in 3 files; 3 problems"


def test_interview_data_variable_points_check_at_another_folder(data, write_card):
    rows = interview_rows("A")
    rows[0]["score"] = "0"
    write_card("2026/a.csv", rows)
    run = check("--no-cache", interview_data=data)
    assert run.returncode == 1
    assert f"{os.path.join('scores', '2026', 'a.csv')}:2: column score: got '0'" in run.stdout
    assert run.stdout.splitlines()[-1] == "loaded 0 rows from 0 interviews in 1 files; 2 problems"


def test_broken_bank_exits_1(data):
    (data / "questions.csv").write_text("question_id,level\nq1,junior\n")
    run = check("--data", data)
    assert run.returncode == 1
    assert "missing required column(s)" in run.stdout
    assert SUMMARY.fullmatch(run.stdout.splitlines()[-1])


def test_no_cache_flag_leaves_the_folder_untouched(data, write_card):
    write_card("2026/a.csv", interview_rows("A"))
    assert check("--data", data, "--no-cache").returncode == 0
    assert not (data / ".cache").exists()


def test_shipped_data_passes_check():
    """The demo history in data/ (read only: --no-cache writes nothing)."""
    run = check("--data", REAL_DATA, "--no-cache")
    assert run.returncode == 0, run.stdout[-2000:]
    n_rows, n_interviews, n_files, n_problems = map(int, SUMMARY.fullmatch(run.stdout.strip()).groups())
    assert n_problems == 0 and n_interviews >= 200 and n_files >= 200 and n_rows >= 6 * n_interviews


def test_practice_interviews_are_loaded_and_named_in_the_summary(data, write_card):
    """Issue 24: N rows and M interviews count real interviews only; the practice ones are named."""
    write_card("2026/a.csv", interview_rows("A"))
    header = tuple(interview_rows("P")[0]) + ("practice",)
    for iid in ("P1", "P2"):
        write_card(f"2026/{iid}.csv", text=csv_text([dict(r, practice="true") for r in interview_rows(iid, candidate="C7")],
                                                  header))
    run = check("--data", data)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines() == ["loaded 3 rows from 1 interviews in 3 files; 0 problems; "
                                       "2 practice interviews set aside"]
    assert SUMMARY.match(run.stdout)  # the contract's prefix is unchanged


def test_a_bad_practice_value_is_a_problem_with_file_and_line(data, write_card):
    rows = [dict(r, practice="true") for r in interview_rows("P")]
    rows[2]["practice"] = "perhaps"
    write_card("2026/p.csv", text=csv_text(rows, tuple(rows[0])))
    run = check("--data", data)
    assert run.returncode == 1
    assert f"{os.path.join('scores', '2026', 'p.csv')}:4: column practice: got 'perhaps', expected true" in run.stdout
    assert run.stdout.splitlines()[-1].startswith("loaded 0 rows from 0 interviews in 1 files;")
