"""``python -m analysis bank list|add|rewrite|retire`` and ``init DIR --bank FILE`` (issue 25).

The command names and options are a contract (an outside check runs them): each is run here as a
user would, through ``analysis.cli.main``; refusals are one line and exit status 2, never a
traceback, and write nothing. The functions underneath are tested in tests/test_bank_edit.py.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.cli import main
from analysis.errors import BankError
from analysis.io.bank import BANK_COLUMNS, load_questions
from analysis.io.create import read_bank_file
from conftest import REAL_DATA, REPO_DIR

QUESTIONS = REAL_DATA / "questions.csv"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "data"
    shutil.copytree(REAL_DATA, folder, ignore=shutil.ignore_patterns(".cache"))
    return folder


@pytest.fixture
def demo(pristine, tmp_path):
    folder = tmp_path / "demo"
    shutil.copytree(pristine, folder)
    return folder


def _run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def _one_line_refusal(code, out, err) -> str:
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    lines = [line for line in (out + err).splitlines() if line.strip() and not line.startswith(("usage:", " "))]
    assert len(lines) == 1, out + err
    return lines[0]


# -------------------------------------------------------------------------------------- bank ...


def test_bank_list_shows_active_questions_and_all_versions(capsys, demo):
    code, out, _ = _run(capsys, "bank", "list", "--data", demo)
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["id", "version", "status", "introduced", "level", "topic", "question"]
    assert len(lines) == 1 + 24 + 1 and lines[-1].startswith("24 active questions")
    assert lines[2].split()[:6] == ["jr-s3-basics", "1", "active", "2023-01-01", "junior", "data"]
    assert "What is S3 and what is it good for?" in lines[2]
    assert max(len(line) for line in lines[1:-1]) < 160  # the question is shortened
    _run(capsys, "bank", "rewrite", "mid-caching", "--data", demo, "--question", "Where\nwould you cache?")
    _, out, _ = _run(capsys, "bank", "list", "--data", demo, "--all")
    assert out.splitlines()[-1] == "25 versions of 24 questions"
    rows = [line.split()[:3] for line in out.splitlines() if line.startswith("mid-caching ")]
    assert rows == [["mid-caching", "1", "retired"], ["mid-caching", "2", "active"]]
    assert "Where would you cache?" in out  # one line per version, whatever the text holds


def test_bank_add_prints_the_new_id_and_check_stays_clean(capsys, demo):
    code, out, err = _run(capsys, "bank", "add", "--data", demo, "--level", "senior", "--topic", "security",
                          "--question", "How would you, \"safely\", rotate a KMS key?", "--good-answer", "g",
                          "--red-flag", "r")
    assert (code, out, err) == (0, "sr-safely-rotate-kms-key\n", "")
    code, out, err = _run(capsys, "bank", "add", "--data", demo, "--id", "sr-kms", "--level", "senior",
                          "--topic", "security", "--question", "KMS?", "--good-answer", "g", "--red-flag", "r",
                          "--section", "Security", "--years", "7+ years", "--introduced", "2026-04-01")
    assert (code, out) == (0, "sr-kms\n")
    row = load_questions(demo).set_index("question_id").loc["sr-kms"]
    assert (row["section"], row["years"], row["introduced"]) == ("Security", "7+ years", pd.Timestamp("2026-04-01"))
    assert _run(capsys, "check", "--data", demo)[0] == 0


def test_bank_rewrite_and_retire(capsys, demo):
    code, out, _ = _run(capsys, "bank", "rewrite", "mid-caching", "--data", demo, "--question", "Where to cache?",
                        "--red-flag", "No TTLs", "--introduced", "2025-03-01")
    assert code == 0 and out.startswith("mid-caching: version 2 is active from 2025-03-01")
    assert _run(capsys, "check", "--data", demo)[0] == 0
    code, out, _ = _run(capsys, "bank", "retire", "mid-caching", "--data", demo, "--date", "2026-01-01")
    assert code == 0 and out.startswith("mid-caching: retired from 2026-01-01")
    assert "mid-caching" not in set(load_questions(demo)["question_id"])


@pytest.mark.parametrize(("argv", "expect"), [
    (["add", "--id", "mid-caching", "--level", "mid", "--topic", "data", "--question", "q", "--good-answer", "g",
      "--red-flag", "r"], "bank: --id 'mid-caching' is already used"),
    (["rewrite", "jr-s3-basics", "--question", "again?"], "bank: rewrite: 'jr-s3-basics' was retired on 2026-01-01"),
    (["add", "--id", "jr-s3-basics", "--level", "junior", "--topic", "data", "--question", "q", "--good-answer",
      "g", "--red-flag", "r"], "bank: --id 'jr-s3-basics' is already used"),
    (["retire", "jr-s3-basics"], "bank: retire: 'jr-s3-basics' was retired"),
    (["retire", "nope"], "bank: retire: no question 'nope' in the bank"),
    (["rewrite", "mid-caching"], "bank: rewrite: nothing changes"),
    (["rewrite", "mid-caching", "--introduced", "2026-02-30", "--question", "x"], "error: argument --introduced"),
    (["add", "--level", "expert", "--topic", "t", "--question", "q", "--good-answer", "g", "--red-flag", "r"],
     "error: argument --level"),
    (["add", "--level", "mid", "--topic", "t", "--question", "q", "--good-answer", "g"], "--red-flag"),
])
def test_bank_refusals_are_one_line_exit_2_and_write_nothing(capsys, demo, argv, expect):
    assert _run(capsys, "bank", "retire", "jr-s3-basics", "--data", demo, "--date", "2026-01-01")[0] == 0
    before = (demo / "questions.csv").read_bytes()
    line = _one_line_refusal(*_run(capsys, "bank", argv[0], "--data", demo, *argv[1:]))
    assert expect in line
    assert (demo / "questions.csv").read_bytes() == before


def test_bank_changes_need_data(capsys):
    line = _one_line_refusal(*_run(capsys, "bank", "retire", "jr-s3-basics"))
    assert "--data" in line
    assert load_questions(REAL_DATA)["status"].eq("active").all()  # the shipped bank untouched


def test_bank_runs_as_a_module(demo):
    """The contract as an outside check sees it: ``python -m analysis bank add`` in a fresh process."""
    run = subprocess.run([sys.executable, "-m", "analysis", "bank", "add", "--data", str(demo), "--level", "mid",
                          "--topic", "data", "--question", "Sharding?", "--good-answer", "g", "--red-flag", "r"],
                         capture_output=True, text=True, cwd=REPO_DIR, timeout=120, check=False)
    assert (run.returncode, run.stdout, run.stderr) == (0, "mid-sharding\n", "")
    again = subprocess.run([sys.executable, "-m", "analysis", "bank", "add", "--data", str(demo), "--id",
                            "mid-sharding", "--level", "mid", "--topic", "data", "--question", "S?",
                            "--good-answer", "g", "--red-flag", "r"], capture_output=True, text=True, cwd=REPO_DIR,
                           timeout=120, check=False)
    assert again.returncode == 2 and again.stdout == "" and len(again.stderr.splitlines()) == 1


# ------------------------------------------------------------------------------ init --bank FILE


def test_init_bank_writes_the_versioned_format(capsys, tmp_path):
    src = tmp_path / "bank.csv"
    src.write_text("question_id,level,section,topic,question,good_answer,red_flag\n"
                   'pm-prd,junior,Basics,product,"What is a PRD, and who reads it?",Users; problem,None\n'
                   "pm-prio,mid,Strategy,Product,Prioritise?,RICE or similar,Gut only\n", encoding="utf-8")
    code, out, _ = _run(capsys, "init", tmp_path / "d", "--bank", src, "--introduced", "2025-01-01")
    assert code == 0 and "the bank from" in out
    lines = (tmp_path / "d" / "questions.csv").read_text(encoding="utf-8").splitlines()
    assert lines == [",".join(BANK_COLUMNS),
                     ('pm-prd,1,active,2025-01-01,junior,Basics,product,"What is a PRD, and who reads it?",'
                      "Users; problem,None,,"),
                     "pm-prio,1,active,2025-01-01,mid,Strategy,Product,Prioritise?,RICE or similar,Gut only,,"]
    assert _run(capsys, "check", "--data", tmp_path / "d")[0] == 0
    assert _run(capsys, "bank", "retire", "pm-prd", "--data", tmp_path / "d")[0] == 0


def test_init_bank_reads_a_spreadsheet_export(capsys, tmp_path):
    src = tmp_path / "export.csv"
    src.write_bytes("\ufeffQuestion ID;Level;Section;Topic;Question;Good answer;Red flag;;\r\n"
                    'pm-1;Junior;Basics;product;"What is a PRD; why?";"Names users, problem";None;;\r\n'
                    "pm-2;mid;Strategy;product;Prioritise?;RICE;Gut’s only;;\r\n".encode("utf-8"))
    assert _run(capsys, "init", tmp_path / "d", "--bank", src)[0] == 0
    bank = load_questions(tmp_path / "d")
    assert bank["question"].tolist() == ["What is a PRD; why?", "Prioritise?"]
    assert bank["good_answer"].tolist() == ["Names users, problem", "RICE"]
    tab = tmp_path / "export.tsv"
    tab.write_text("question_id\tlevel\tsection\ttopic\tquestion\tgood_answer\tred_flag\n"
                   "a\tsenior\tS\tt\tWhat, and why?\tg\tr\n", encoding="utf-8")
    assert _run(capsys, "init", tmp_path / "t", "--bank", tab)[0] == 0
    assert load_questions(tmp_path / "t")["question"].tolist() == ["What, and why?"]


def test_init_with_a_bad_bank_names_file_and_line_and_creates_nothing(capsys, tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("question_id,level,section,topic,question,good_answer,red_flag\n"
                   'a,junior,s,t,"two\nlines",g,r\n'
                   "a,expert,s,t,,g,r\n", encoding="utf-8")
    code, out, err = _run(capsys, "init", tmp_path / "d", "--bank", src)
    assert code == 1 and "Traceback" not in out + err
    assert f"{src}:4: column level: got 'expert'" in out  # line 4: the record after a two-line one
    assert f"{src}:4: column question: empty" in out
    assert f"{src}:4: column question_id: duplicate id 'a' (first on line 2)" in out
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(("argv", "expect"), [
    (["--bank", "missing.csv"], "--bank missing.csv does not exist"),
    (["--introduced", "2025-01-01"], "--introduced goes with --bank"),
    (["--bank", "questions.xlsx"], "a spreadsheet file; save it as CSV"),
])
def test_init_bank_usage_errors(capsys, tmp_path, monkeypatch, argv, expect):
    monkeypatch.chdir(tmp_path)
    line = _one_line_refusal(*_run(capsys, "init", "d", *argv))
    assert expect in line and not (tmp_path / "d").exists()


def test_init_without_bank_is_unchanged(capsys, tmp_path):
    assert _run(capsys, "init", tmp_path / "d")[0] == 0
    assert (tmp_path / "d" / "questions.csv").read_bytes() == QUESTIONS.read_bytes()


_CELL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(("junior", "mid", "senior", "expert", "")), _CELL, _CELL),
                     max_size=5),
       sep=st.sampled_from((",", ";", "\t")))
def test_read_bank_file_accepts_a_good_bank_or_names_its_lines(tmp_path_factory, rows, sep):
    """Any file: either a bank that loads back exactly, or a BankError whose every problem names
    the file and a line of it; never another exception."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["question_id", "level", "section", "topic", "question", "good_answer", "red_flag"])
    for i, (level, question, answer) in enumerate(rows):
        writer.writerow([f"q{i}", level, "S", "t", question, answer, "r"])
    src = tmp_path_factory.mktemp("b") / "bank.csv"
    src.write_text(buf.getvalue(), encoding="utf-8", newline="")
    try:
        text = read_bank_file(src, introduced="2025-01-01")
    except BankError as exc:
        n_lines = len(re.findall(r"\r\n|\r|\n", buf.getvalue()))  # a lone \r ends a line too, as the reader counts
        assert all(p.path == str(src) and 0 <= p.line <= n_lines for p in exc.problems), exc.problems
        return
    folder = tmp_path_factory.mktemp("f")
    (folder / "scores").mkdir()
    (folder / "questions.csv").write_text(text, encoding="utf-8", newline="")
    bank = load_questions(folder)
    assert bank["question"].tolist() == [q for _, q, _ in rows]
    assert bank["good_answer"].tolist() == [a for _, _, a in rows]
