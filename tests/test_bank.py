"""The question bank: verbatim against the guide, and refused when it is broken."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import config
from analysis.io.bank import load_questions
from analysis.errors import BankError

SEED_DIR = Path(__file__).resolve().parents[2] / "shared" / "seed"
LEVEL_HEADINGS = {"Junior": "junior", "Mid-level": "mid", "Senior": "senior"}


def _seed_questions() -> pd.DataFrame:
    """The guide's questions parsed from the seed text: a heading 'X AWS interview questions', the
    years line, the section line, then (question, good answer, red flag) triples."""
    if not SEED_DIR.is_dir() or not list(SEED_DIR.glob("*.txt")):
        pytest.skip(f"the guide's seed text is not here ({SEED_DIR}); cannot compare verbatim")
    lines = [ln.strip() for f in sorted(SEED_DIR.glob("*.txt"))
             for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
    rows = []
    i = 0
    while i < len(lines):
        m = re.fullmatch(r"(\S+) AWS interview questions", lines[i])
        if not m:
            i += 1
            continue
        level, years, section = LEVEL_HEADINGS[m.group(1)], lines[i + 1], lines[i + 2].rstrip(".")
        i += 3
        while i + 2 < len(lines) and lines[i].endswith("?"):
            rows.append(dict(level=level, years=years, section=section, question=lines[i],
                             good_answer=lines[i + 1], red_flag=lines[i + 2]))
            i += 3
    return pd.DataFrame(rows)


def test_bank_holds_the_guides_24_questions_verbatim(bank):
    seed = _seed_questions()
    assert len(seed) == 24  # the guide: 8 questions at each of 3 levels
    got = bank[["level", "years", "section", "question", "good_answer", "red_flag"]].astype(str)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), seed.astype(str), check_dtype=False)


def test_bank_columns_ids_and_dtypes(bank):
    for col in ("question_id", "level", "section", "topic", "question", "good_answer", "red_flag"):
        assert col in bank.columns
    assert bank["question_id"].is_unique
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", q) for q in bank["question_id"])
    assert isinstance(bank["level"].dtype, pd.CategoricalDtype)
    assert bank["level"].cat.ordered
    assert list(bank["level"].cat.categories) == list(config.LEVELS)
    assert (bank["level"] < "senior").sum() == 16  # ordered: junior < mid < senior
    assert bank.groupby("level", observed=True).size().to_dict() == {"junior": 8, "mid": 8, "senior": 8}
    assert set(bank["section"]) == {"Core services", "Architecture and scaling", "Reliability, security and cost"}


def test_most_topics_cut_across_levels(bank):
    levels_per_topic = bank.groupby("topic", observed=True)["level"].nunique()
    assert len(levels_per_topic) >= 5
    assert (levels_per_topic >= 2).sum() > len(levels_per_topic) / 2, levels_per_topic.to_dict()


# --- refusing a broken bank, each in a temporary folder ------------------------------------------

def _bank_copy(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "questions.csv", dtype=str, keep_default_na=False)


def _write(data: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(data / "questions.csv", index=False)


def test_duplicate_id_is_refused_naming_the_row(data):
    bank = _bank_copy(data)
    bank.loc[5, "question_id"] = bank.loc[1, "question_id"]
    _write(data, bank)
    with pytest.raises(BankError) as exc:
        load_questions(data)
    (p,) = exc.value.problems
    assert (p.line, p.column) == (7, "question_id")  # row 5 is CSV line 7 (header is line 1)
    assert f"duplicate id '{bank.loc[1, 'question_id']}'" in p.message and "first on line 3" in p.message
    assert str(data / "questions.csv") in str(exc.value)


def test_ids_differing_only_in_spaces_are_duplicates(data):
    """The loader strips ids, so ' a ' and 'a' are the same id (used to load as two rows, fixed)."""
    bank = _bank_copy(data)
    bank.loc[5, "question_id"] = f" {bank.loc[1, 'question_id']} "
    _write(data, bank)
    with pytest.raises(BankError, match="duplicate id") as exc:
        load_questions(data)
    assert [(p.line, p.column) for p in exc.value.problems] == [(7, "question_id")]


@pytest.mark.parametrize("column", ["question", "good_answer", "red_flag", "question_id", "topic"])
def test_missing_text_is_refused_naming_the_row(data, column):
    bank = _bank_copy(data)
    bank.loc[10, column] = "   "
    _write(data, bank)
    with pytest.raises(BankError) as exc:
        load_questions(data)
    (p,) = exc.value.problems
    assert (p.line, p.column) == (12, column)
    assert "empty" in p.message and "expected text" in p.message


def test_unknown_level_is_refused_naming_the_row(data):
    bank = _bank_copy(data)
    bank.loc[0, "level"] = "principal"
    _write(data, bank)
    with pytest.raises(BankError) as exc:
        load_questions(data)
    (p,) = exc.value.problems
    assert (p.line, p.column) == (2, "level")
    assert "got 'principal'" in p.message and "junior, mid, senior" in p.message
    assert f"{data / 'questions.csv'}:2: column level: got 'principal'" in str(exc.value)


def test_every_problem_is_reported_at_once(data):
    bank = _bank_copy(data)
    bank.loc[0, "level"] = "lead"
    bank.loc[3, "red_flag"] = ""
    _write(data, bank)
    with pytest.raises(BankError) as exc:
        load_questions(data)
    assert sorted((p.line, p.column) for p in exc.value.problems) == [(2, "level"), (5, "red_flag")]


def test_missing_column_is_refused(data):
    _write(data, _bank_copy(data).drop(columns="good_answer"))
    with pytest.raises(BankError, match="missing required column.*good_answer"):
        load_questions(data)


def test_missing_and_undecodable_bank_are_refused(data):
    (data / "questions.csv").unlink()
    with pytest.raises(BankError, match="question bank not found"):
        load_questions(data)
    (data / "questions.csv").write_bytes(b"question_id,level\n\xff\xfe,junior\n")
    with pytest.raises(BankError, match="UTF-8"):
        load_questions(data)


def test_case_whitespace_bom_and_crlf_are_tolerated(data):
    bank = _bank_copy(data)
    expected_levels = bank["level"].tolist()
    bank["level"] = "  " + bank["level"].str.upper() + " "
    text = bank.to_csv(index=False, lineterminator="\r\n")
    (data / "questions.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    loaded = load_questions(data)
    assert loaded["level"].astype(str).tolist() == expected_levels
    assert loaded["question"].tolist() == bank["question"].tolist()  # text verbatim, no \r left


def test_default_folder_is_the_repos_data(bank, monkeypatch):
    monkeypatch.delenv("INTERVIEW_DATA", raising=False)
    assert config.data_dir(None) == config.REPO_DIR / "data"
    pd.testing.assert_frame_equal(load_questions(), bank)
