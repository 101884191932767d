"""Loading scorecards against a versioned bank (issue 25): each version of a rewritten question is an
item of its own (``jr-s3-basics v1`` / ``jr-s3-basics v2``), a scorecard's ``question_version`` is
judged (file, line and column) and an empty one resolves to the version in force on its date, an
interview dated after its question was retired is a warning that holds nothing back, and the store
writes ``question_version`` on every row.

The folder: the shipped bank with ``jr-s3-basics`` rewritten (version 2 introduced 2026-01-01) and
``jr-iam-basics`` retired on 2025-06-01; every other question keeps its one version.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.errors import ScorecardError
from analysis.io.bank import load_questions
from analysis.io.load import load
from analysis.io.store import save_interview
from analysis.io.store_update import stored_versions, version_of
from analysis.io.validation import judge_and_type
from conftest import REAL_DATA, REPO_DIR, csv_text, interview_rows

REWRITTEN, RETIRED, PLAIN = "jr-s3-basics", "jr-iam-basics", "jr-compute-options"
REWRITE_DAY, RETIRE_DAY = "2026-01-01", "2025-06-01"


def _versioned_bank_text() -> str:
    """The shipped bank with REWRITTEN at version 2 from REWRITE_DAY and RETIRED retired."""
    rows = list(csv.DictReader(io.StringIO((REAL_DATA / "questions.csv").read_text(encoding="utf-8"))))
    out = []
    for r in rows:
        if r["question_id"] == REWRITTEN:
            out.append({**r, "status": "retired", "retired": REWRITE_DAY})
            out.append({**r, "version": "2", "status": "active", "introduced": REWRITE_DAY, "retired": "",
                        "question": r["question"] + " (Name one thing it is not.)"})
        elif r["question_id"] == RETIRED:
            out.append({**r, "status": "retired", "retired": RETIRE_DAY})
        else:
            out.append(r)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(out)
    return buf.getvalue()


def _folder(root: Path) -> Path:
    folder = root / "data"
    (folder / "scores").mkdir(parents=True)
    (folder / "questions.csv").write_text(_versioned_bank_text(), encoding="utf-8")
    return folder


@pytest.fixture
def vdata(tmp_path) -> Path:
    return _folder(tmp_path)


HEADER_V = ("interview_id", "date", "candidate_id", "level", "interviewer", "question_id", "score", "red_flag",
            "notes", "recommendation", "question_version")


def _card(folder: Path, name: str, iid: str, date: str, versions=None, *, questions=(PLAIN, REWRITTEN),
          practice=False) -> Path:
    """One interview file; ``versions`` (one text per question) adds the question_version column."""
    rows = interview_rows(iid, date=date, questions=questions, scores=(3, 2, 4)[:len(questions)])
    header = HEADER_V if versions is not None else tuple(rows[0])
    if versions is not None:
        rows = [{**r, "question_version": v} for r, v in zip(rows, versions)]
    if practice:
        header = (*header, "practice")
        rows = [{**r, "practice": "true"} for r in rows]
    path = folder / "scores" / name
    path.write_text(csv_text([[r.get(c, "") for c in header] for r in rows], header=header), encoding="utf-8")
    return path


def _item(wb, iid: str, base: str) -> tuple[str, int]:
    row = wb.scores[(wb.scores["interview_id"] == iid) & (wb.scores["question_id"].astype(str).str.startswith(base))]
    assert len(row) == 1
    return str(row["question_id"].iat[0]), int(row["question_version"].iat[0])


def _accounted(wb) -> None:
    """rows read = loaded + practice + rows named in problems (each row once)."""
    named = {(p.path, ln) for p in wb.problems for ln in (p.lines or (p.line,)) if ln > 0}
    assert wb.rows_read == len(wb.scores) + len(wb.practice) + len(named)


# --- items and the version in force ------------------------------------------------------------

def test_each_version_is_an_item_and_an_empty_version_is_the_one_in_force(vdata):
    _card(vdata, "a.csv", "BEFORE", "2025-12-31")          # the day before the rewrite: version 1
    _card(vdata, "b.csv", "ON", REWRITE_DAY)               # the rewrite's own day: version 2
    _card(vdata, "c.csv", "OLD-TEXT", "2026-02-01", ["1", "1"])  # an explicit older version is allowed
    wb = load(vdata, cache=False, progress=False)
    assert wb.problems == [] and wb.warnings == []
    assert _item(wb, "BEFORE", REWRITTEN) == (f"{REWRITTEN} v1", 1)
    assert _item(wb, "ON", REWRITTEN) == (f"{REWRITTEN} v2", 2)
    assert _item(wb, "OLD-TEXT", REWRITTEN) == (f"{REWRITTEN} v1", 1)
    assert _item(wb, "ON", PLAIN) == (PLAIN, 1)  # a question with one version keeps its id
    # the items: every version, retired ones included, and the scores' categories are exactly them
    assert list(wb.scores["question_id"].cat.categories) == list(wb.questions["question_id"])
    assert len(wb.questions) == 25
    v = wb.questions[wb.questions["base_id"] == REWRITTEN]
    assert list(v["question_id"]) == [f"{REWRITTEN} v1", f"{REWRITTEN} v2"] and list(v["version"]) == [1, 2]
    assert wb.scores["question_version"].dtype.kind == "i"
    _accounted(wb)


def test_the_shipped_single_version_bank_is_todays_bank_plus_the_version_columns():
    wb = load(REAL_DATA, cache=False, progress=False)
    bank = load_questions(REAL_DATA)
    extra = {"base_id", "version", "status", "introduced", "retired"}
    assert extra <= set(wb.questions.columns)
    pd.testing.assert_frame_equal(wb.questions[list(bank.columns)], bank)
    assert (wb.questions["base_id"] == wb.questions["question_id"]).all()
    assert (wb.scores["question_version"] == 1).all() and wb.warnings == []
    assert list(wb.scores["question_id"].cat.categories) == list(bank["question_id"])


# --- problems: file, line and column ------------------------------------------------------------

@pytest.mark.parametrize("date, text, says", [
    ("2026-02-01", "abc", "expected a whole number 1, 2, ..."),
    ("2026-02-01", "0", "expected a whole number 1, 2, ..."),
    ("2026-02-01", "-1", "expected a whole number 1, 2, ..."),
    ("2026-02-01", "2.0", "expected a whole number 1, 2, ..."),
    ("2026-02-01", "9" * 5000, "expected a whole number 1, 2, ..."),  # never int() of a huge text
    ("2026-02-01", "3", "has no version 3 in the bank (it has versions 1-2)"),
    ("2025-12-01", "2", "was introduced 2026-01-01, after this interview's date 2025-12-01; expected the version "
                        "in force then (1)"),
])
def test_a_bad_question_version_is_a_problem_with_file_line_and_column(vdata, date, text, says):
    _card(vdata, "bad.csv", "BAD", date, ["", text])
    _card(vdata, "good.csv", "GOOD", date)
    wb = load(vdata, cache=False, progress=False)
    row = [p for p in wb.problems if p.column == "question_version"]
    assert len(row) == 1 and (row[0].path, row[0].line) == ("scores/bad.csv", 3)
    assert says in row[0].message
    held = [p for p in wb.problems if p.column is None]
    assert len(held) == 1 and "'BAD' not loaded" in held[0].message and held[0].lines == (2, 3)
    assert set(wb.scores["interview_id"]) == {"GOOD"}
    _accounted(wb)


def test_a_version_of_a_question_with_one_version_and_the_cli_line(vdata):
    _card(vdata, "x.csv", "X", "2026-02-01", ["2", ""])
    wb = load(vdata, cache=False, progress=False)
    (p,) = [p for p in wb.problems if p.column == "question_version"]
    assert (p.path, p.line) == ("scores/x.csv", 2)
    assert f"question '{PLAIN}' has no version 2 in the bank (it has version 1)" in p.message
    assert str(p).startswith("scores/x.csv:2: column question_version: got '2': ")


def test_versions_are_not_judged_on_a_row_whose_question_or_date_is_already_wrong(vdata):
    _card(vdata, "x.csv", "X", "2026-02-01", ["7", "7"], questions=("nope", REWRITTEN))
    wb = load(vdata, cache=False, progress=False)
    cols = sorted((p.line, p.column) for p in wb.problems if p.column)
    assert cols == [(2, "question_id"), (3, "question_version")]


# --- the retired question: a warning ----------------------------------------------------------------

def test_an_interview_after_its_question_was_retired_is_a_warning_not_a_problem(vdata):
    _card(vdata, "late.csv", "LATE", "2025-07-01", questions=(PLAIN, RETIRED))
    _card(vdata, "ontime.csv", "ONTIME", "2025-05-31", questions=(PLAIN, RETIRED))
    _card(vdata, "mock.csv", "MOCK", "2025-08-01", questions=(RETIRED,), practice=True)
    wb = load(vdata, cache=False, progress=False)
    assert wb.problems == []
    assert set(wb.scores["interview_id"]) == {"LATE", "ONTIME"} and wb.n_practice == 1
    assert [(w.path, w.line, w.column) for w in wb.warnings] == [("scores/late.csv", 2, "question_id"),
                                                                   ("scores/mock.csv", 2, "question_id")]
    assert "'LATE' is dated 2025-07-01, after question 'jr-iam-basics' was retired (2025-06-01)" in wb.warnings[0].message
    assert wb.summary().endswith("; 0 problems; 1 practice interview set aside")
    _accounted(wb)


def test_check_prints_each_warning_before_the_summary_line(vdata):
    _card(vdata, "late.csv", "LATE", "2025-07-01", questions=(PLAIN, RETIRED))
    p = subprocess.run([sys.executable, "-m", "analysis", "check", "--data", str(vdata), "--no-cache"],
                       capture_output=True, text=True, cwd=REPO_DIR)
    lines = p.stdout.splitlines()
    assert p.returncode == 0, p.stdout + p.stderr
    assert lines[-1] == "loaded 2 rows from 1 interviews in 1 files; 0 problems"
    assert lines[:-1] == [lines[0]] and lines[0].startswith("scores/late.csv:2: warning: interview 'LATE' is dated")


# --- the engines, the cache -----------------------------------------------------------------------

def test_columnar_and_records_engines_and_the_cache_agree(vdata):
    _card(vdata, "a.csv", "A", "2025-12-31")
    _card(vdata, "b.csv", "B", "2026-03-01", ["1", ""])
    _card(vdata, "c.csv", "C", "2025-07-01", ["", "zz"], questions=(RETIRED, REWRITTEN))
    _card(vdata, "d.csv", "D", "2025-07-01", questions=(RETIRED,))
    cold = load(vdata, progress=False)
    warm = load(vdata, progress=False)  # served from the parse cache
    rec = load(vdata, progress=False, engine="records")
    for other in (warm, rec):
        pd.testing.assert_frame_equal(cold.scores, other.scores)
        assert cold.problems == other.problems and cold.warnings == other.warnings
    assert len(cold.warnings) == 1 and sum(p.column == "question_version" for p in cold.problems) == 1


# --- the store ------------------------------------------------------------------------------------

def _written(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_the_store_writes_the_version_in_force_or_the_one_given(vdata):
    before = save_interview(pd.DataFrame(interview_rows("S1", date="2025-12-01", questions=(PLAIN, REWRITTEN),
                                                        scores=(3, 2))), vdata)
    after = save_interview(pd.DataFrame(interview_rows("S2", date="2026-02-01", questions=(PLAIN, REWRITTEN),
                                                       scores=(3, 2))), vdata)
    given_ = pd.DataFrame(interview_rows("S3", date="2026-02-01", questions=(PLAIN, REWRITTEN), scores=(3, 2)))
    given_["question_version"] = [None, 1]
    explicit = save_interview(given_, vdata)
    assert [r["question_version"] for r in _written(before)] == ["1", "1"]
    assert [r["question_version"] for r in _written(after)] == ["1", "2"]
    assert [r["question_version"] for r in _written(explicit)] == ["1", "1"]
    assert before.read_text().splitlines()[0].split(",")[5:7] == ["question_id", "question_version"]
    # a form passes the active versions only: the other versions are read from the bank
    active = load_questions(vdata)
    form = save_interview(pd.DataFrame(interview_rows("S4", date="2025-12-01", questions=(REWRITTEN,), scores=(2,))),
                          vdata, questions=active)
    assert [r["question_version"] for r in _written(form)] == ["1"]
    wb = load(vdata, cache=False, progress=False)
    assert wb.problems == [] and _item(wb, "S2", REWRITTEN) == (f"{REWRITTEN} v2", 2)


def test_the_store_refuses_a_version_the_loader_would_refuse(vdata):
    rows = pd.DataFrame(interview_rows("S1", date="2025-12-01", questions=(PLAIN, REWRITTEN), scores=(3, 2)))
    rows["question_version"] = ["1", "2"]
    with pytest.raises(ScorecardError) as err:
        save_interview(rows, vdata)
    assert [(p.line, p.column) for p in err.value.problems] == [(3, "question_version")]
    assert not any((vdata / "scores").rglob("*.csv"))


def test_a_scorecard_stored_before_versions_is_already_imported(vdata):
    """A file without question_version compares equal to the same interview as the store now writes it."""
    old = _card(vdata, "old.csv", "OLD", "2026-02-01")
    rows = pd.DataFrame(interview_rows("OLD", date="2026-02-01", questions=(PLAIN, REWRITTEN), scores=(3, 2)))
    assert stored_versions(old)["OLD"] == version_of(rows)


# --- properties -----------------------------------------------------------------------------------

def _read_versioned_bank() -> pd.DataFrame:
    with tempfile.TemporaryDirectory(prefix="vbank-") as tmp:
        return load_questions(_folder(Path(tmp)), versions="all")


_BANK = _read_versioned_bank()
_texts = st.one_of(st.sampled_from(["", "1", "2", "3", " 2 ", "02", "0", "-1", "1.0", "v2", "²", "１", "9" * 30]),
                   st.text(max_size=8))
_dates = st.one_of(st.sampled_from(["2025-12-31", REWRITE_DAY, "2026-06-30", "2025-07-01", "1900-01-01"]),
                   st.dates().map(str), st.text(max_size=10))


@settings(deadline=None, max_examples=150, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from([PLAIN, REWRITTEN, RETIRED, "nope"]), _texts, _dates),
                min_size=1, max_size=8))
def test_any_question_version_and_date_loads_or_is_a_problem(cells):
    """Never a crash: every row loads (with a version of its question in the bank, never one
    introduced after its date) or is named in a problem."""
    rows = [{"interview_id": f"I{i % 3}", "date": d, "candidate_id": "C", "level": "junior", "interviewer": "A",
             "question_id": q, "score": "3", "red_flag": "false", "notes": "", "recommendation": "yes",
             "duration_seconds": "", "practice": "", "question_version": v} for i, (q, v, d) in enumerate(cells)]
    raw = pd.DataFrame(rows, dtype=object).assign(line=np.arange(2, len(rows) + 2), file="f.csv")
    ids = list(pd.unique(_BANK["question_id"]))
    scores, problems = judge_and_type(raw, ids, versions=_BANK)
    named = {ln for p in problems for ln in (p.lines or (p.line,))}
    assert set(scores["line"]) | named == set(raw["line"]) and not set(scores["line"]) & named
    known = set(zip(_BANK["question_id"], _BANK["version"]))
    intro = dict(zip(zip(_BANK["question_id"], _BANK["version"]), _BANK["introduced"]))
    for q, v, d in zip(scores["question_id"].astype(str), scores["question_version"], scores["date"]):
        assert (q, int(v)) in known
        assert v == 1 or pd.isna(intro[(q, int(v))]) or intro[(q, int(v))] <= d


def test_a_bank_without_versions_reads_as_version_1_in_use_since_the_first_interview(tmp_path):
    """Issue 25: 'A bank without the new columns (older folders) reads as version 1, active,
    introduced at the earliest interview.'"""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(REAL_DATA, data, ignore=shutil.ignore_patterns(".cache"))
    bank = pd.read_csv(data / "questions.csv", dtype=str, keep_default_na=False)
    bank.drop(columns=["version", "status", "introduced", "retired"]).to_csv(data / "questions.csv", index=False)
    wb = load(data, progress=False)
    assert (wb.questions["version"] == 1).all() and (wb.questions["status"] == "active").all()
    assert (wb.questions["introduced"] == wb.scores["date"].min()).all()
    assert list(wb.questions["question_id"]) == list(wb.questions["base_id"])
