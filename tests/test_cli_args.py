"""Usage errors of ``python -m analysis``: exit 2, one clear message, no traceback, nothing written;
``demo`` never writes over data it did not create; ``init`` creates a folder for real data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli import main
from conftest import REAL_DATA, REPO_DIR, interview_rows


def run(*args, cwd=REPO_DIR):
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    env.pop("INTERVIEW_DATA", None)
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _tree(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _usage_error(capsys, argv, expect: str):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert expect in err and "Traceback" not in err
    return err


@pytest.mark.parametrize("argv, expect", [
    (["report", "--format", "bogus"], "unknown format 'bogus'"),
    (["report", "--format", ","], "no format given"),
    (["report", "--n-boot", "-5"], "got -5, expected 0 or more resamples"),
    (["report", "--n-boot", "many"], "expected a whole number"),
    (["report", "--seed", "-1"], "expected a seed of 0 or more"),
    (["report", "--start", "2025-02-30"], "expected a calendar date YYYY-MM-DD"),
    (["report", "--end", "yesterday"], "expected a calendar date YYYY-MM-DD"),
    (["report", "--start", "2025-05-01", "--end", "2025-01-01"], "is after --end"),
    (["demo", "--data", "x", "--interviews", "0"], "expected at least 1 interview"),
    (["demo", "--data", "x", "--seed", "-3"], "expected a seed of 0 or more"),
])
def test_bad_values_are_usage_errors(capsys, argv, expect):
    _usage_error(capsys, argv, expect)


def test_report_out_an_existing_file_is_refused(capsys, tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("keep me")
    _usage_error(capsys, ["report", "--out", str(target)], "is an existing file")
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("where", [".", "scores", "scores/2026/reports"])
def test_report_out_inside_the_data_folder_is_refused(capsys, data, where):
    """Issue 10: report CSVs written into scores/ are read as (bad) scorecards by every later check."""
    before = _tree(data)
    _usage_error(capsys, ["report", "--data", str(data), "--out", str(data / where), "--format", "csv"],
                 "is inside the data folder")
    assert _tree(data) == before


def test_report_out_beside_the_data_folder_is_fine(capsys, data, tmp_path):
    from analysis.io.store import save_interview
    import pandas as pd
    for i in range(2):
        save_interview(pd.DataFrame(interview_rows(f"I{i}", candidate=f"C{i}")), data)
    assert main(["report", "--data", str(data), "--out", str(tmp_path / "data-reports"), "--format", "csv",
                 "--n-boot", "0"]) == 0
    assert (tmp_path / "data-reports" / "question_stats.csv").is_file()


def test_usage_errors_from_a_real_process_have_no_traceback(tmp_path):
    r = run("report", "--n-boot", "-5")
    assert r.returncode == 2 and "expected 0 or more" in r.stderr and "Traceback" not in r.stderr


# ------------------------------------------------------------------------------------------ demo

def test_demo_refuses_a_folder_of_real_data_and_leaves_it_untouched(data, write_card):
    """Issue 10: demo --data DIR ran shutil.rmtree(DIR/scores) and overwrote questions.csv and
    outcomes.csv without a word."""
    write_card("2026/real.csv", interview_rows("REAL-1"))
    (data / "outcomes.csv").write_text("candidate_id,decision,performance\nC1,hired,4\n")
    before = _tree(data)
    r = run("demo", "--data", data, "--interviews", "20")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "not a demo folder" in r.stderr and "Traceback" not in r.stderr
    assert _tree(data) == before


@pytest.mark.parametrize("content", ["notes.txt", "scores/"])
def test_demo_refuses_any_non_empty_folder_without_the_demo_marker(tmp_path, content):
    folder = tmp_path / "mine"
    (folder / content).parent.mkdir(parents=True, exist_ok=True)
    if not content.endswith("/"):
        (folder / content).write_text("mine")
    else:
        (folder / content).mkdir(exist_ok=True)
    before = _tree(folder)
    assert main(["demo", "--data", str(folder), "--interviews", "10"]) == 2
    assert _tree(folder) == before


def test_demo_writes_an_empty_or_new_folder_and_rewrites_its_own(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["demo", "--data", str(empty), "--interviews", "20", "--seed", "1"]) == 0
    assert main(["demo", "--data", str(tmp_path / "new" / "deeper"), "--interviews", "20"]) == 0
    first = _tree(empty)
    # an earlier demo, untouched: rewritten (with another seed: the old scorecards are gone)
    assert main(["demo", "--data", str(empty), "--interviews", "20", "--seed", "2"]) == 0
    second = _tree(empty)
    assert second != first and "planted/demo-manifest.json" in second


@pytest.mark.parametrize("change", ["saved interview", "edited bank", "edited scorecard", "edited outcomes"])
def test_demo_refuses_an_earlier_demo_holding_anything_it_did_not_write(tmp_path, change):
    """A real interview saved into the demo folder (issue 15 saw exactly that) or an edited bank
    would be destroyed by a rewrite; the manifest of what the demo wrote tells them apart."""
    folder = tmp_path / "demo"
    assert main(["demo", "--data", str(folder), "--interviews", "20"]) == 0
    if change == "saved interview":
        from analysis.io.store import save_interview
        import pandas as pd
        save_interview(pd.DataFrame(interview_rows("REAL-7", date="2024-03-03")), folder)
    elif change == "edited bank":
        with open(folder / "questions.csv", "a", encoding="utf-8") as fh:
            fh.write("\n")
    elif change == "edited scorecard":
        card = sorted((folder / "scores").rglob("*.csv"))[3]
        text = card.read_text()
        card.write_text(text.replace(",4,", ",1,") if ",4," in text else text.replace(",1,", ",4,").replace(",2,", ",3,"))
        assert card.read_text() != text
    else:
        (folder / "outcomes.csv").write_text("candidate_id,decision,performance\n")
    before = _tree(folder)
    assert main(["demo", "--data", str(folder), "--interviews", "20", "--seed", "9"]) == 2
    assert _tree(folder) == before


def test_demo_folder_files_the_demo_does_not_manage_are_kept(tmp_path):
    folder = tmp_path / "demo"
    assert main(["demo", "--data", str(folder), "--interviews", "20"]) == 0
    (folder / "README.md").write_text("my notes")
    (folder / "drafts").mkdir()
    (folder / "drafts" / "d.json").write_text("{}")
    assert main(["demo", "--data", str(folder), "--interviews", "20", "--seed", "4"]) == 0
    assert (folder / "README.md").read_text() == "my notes" and (folder / "drafts" / "d.json").exists()


def test_the_shipped_demo_folder_is_marked():
    from analysis.io.demo_folder import is_demo_folder
    assert is_demo_folder(REAL_DATA)


# ------------------------------------------------------------------------------------------ init

def test_init_creates_an_empty_data_folder_that_checks_clean(tmp_path):
    folder = tmp_path / "hiring-2027"
    r = run("init", folder)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["interviewers.csv", "questions.csv", "scores"]
    assert (folder / "questions.csv").read_bytes() == (REAL_DATA / "questions.csv").read_bytes()
    assert list((folder / "scores").iterdir()) == []
    assert (folder / "interviewers.csv").read_text() == "interviewer,aliases,active\n"
    from analysis.io.demo_folder import is_demo_folder
    assert not is_demo_folder(folder)
    check = run("check", "--data", folder)
    assert check.returncode == 0 and check.stdout.strip().endswith("loaded 0 rows from 0 interviews in 0 files; 0 problems"), check.stdout


def test_init_accepts_an_existing_empty_folder(tmp_path):
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / "questions.csv").is_file()


@pytest.mark.parametrize("content", ["file.txt", ".hidden"])
def test_init_refuses_a_non_empty_folder(tmp_path, capsys, content):
    (tmp_path / content).write_text("keep")
    assert main(["init", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == [content]


def test_init_refuses_a_file(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert main(["init", str(tmp_path / "f")]) == 2
    assert "not a folder" in capsys.readouterr().err
