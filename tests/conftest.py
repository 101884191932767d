"""Shared fixtures: a throw-away data folder per test, and builders for scorecards.

Every test that reads or writes data works in ``tmp_path``; the real ``data/`` is only ever read
(the bank is copied from it, and one test checks the shipped history without using the cache).
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

TESTS_DIR = Path(__file__).resolve().parent
REPO_DIR = TESTS_DIR.parent
REAL_DATA = REPO_DIR / "data"

# The package from this checkout (also when it is not pip-installed), and tests/ itself so shared
# helper modules (browser fixtures) import by name.
for _p in (REPO_DIR, TESTS_DIR):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

# Chromium/JupyterLab/Voila fixtures and hooks (browser tests run last), see tests/browser_fixtures.py.
pytest_plugins = ["browser_fixtures"]

HEADER = ("interview_id", "date", "candidate_id", "level", "interviewer", "question_id",
          "score", "red_flag", "notes", "recommendation")
#: Three junior questions of the shipped bank, used by the scorecard builders.
JUNIOR_QUESTIONS = ("jr-compute-options", "jr-s3-basics", "jr-iam-basics")


@pytest.fixture
def data(tmp_path) -> Path:
    """An empty data folder holding a copy of the shipped bank and an empty ``scores/``."""
    folder = tmp_path / "data"
    (folder / "scores").mkdir(parents=True)
    shutil.copyfile(REAL_DATA / "questions.csv", folder / "questions.csv")
    return folder


@pytest.fixture(scope="session")
def bank() -> pd.DataFrame:
    """The shipped bank, loaded (read only)."""
    from analysis.io.bank import load_questions
    return load_questions(REAL_DATA)


def interview_rows(interview_id="INT-1", *, date="2026-03-02", candidate="C1", level="junior",
                   interviewer="Avery", questions=JUNIOR_QUESTIONS, scores=(3, 2, 4),
                   red_flags=(False, False, False), notes=None, recommendation="yes") -> list[dict]:
    """One valid interview as a list of dict rows in the scorecard format."""
    notes = notes or [""] * len(questions)
    return [dict(interview_id=interview_id, date=date, candidate_id=candidate, level=level,
                 interviewer=interviewer, question_id=q, score=s, red_flag=f, notes=n,
                 recommendation=recommendation)
            for q, s, f, n in zip(questions, scores, red_flags, notes)]


def csv_text(rows, header=HEADER, *, newline="\n") -> str:
    """Rows (dicts or sequences) as CSV text, quoting only where needed."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(header)
    for r in rows:
        w.writerow([_cell(r[h]) for h in header] if isinstance(r, dict) else r)
    return buf.getvalue()


def _cell(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


@pytest.fixture
def make_interview():
    """Factory: ``make_interview("INT-1", level="mid", ...)`` -> DataFrame of one valid interview."""
    return lambda *a, **k: pd.DataFrame(interview_rows(*a, **k))


@pytest.fixture
def write_card(data):
    """Factory: write a scorecard file under ``data/scores``.

    ``write_card("2026/a.csv", rows)`` writes rows (list of dicts) as CSV; pass ``text=`` for exact
    text or ``raw=`` for exact bytes. Returns the path.
    """
    def write(rel, rows=None, *, text=None, raw=None, encoding="utf-8"):
        path = data / "scores" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if raw is None:
            raw = (text if text is not None else csv_text(rows)).encode(encoding)
        path.write_bytes(raw)
        return path
    return write
