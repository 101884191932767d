"""The scorecard format: parsing raw CSV bytes and judging rows (no files involved)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.io.schema import REQUIRED_COLUMNS, SCORECARD_COLUMNS
from analysis.io.scorecards import parse_csv
from analysis.io.validation import scorecard_text, to_scorecard_frame, validate_interview, validate_rows
from conftest import HEADER, csv_text, interview_rows


def judge(text: str | bytes, bank, path="f.csv"):
    """parse_csv + validate_rows on one file's content: (raw, loaded mask, all problems)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    raw, problems = parse_csv(data, path)
    raw = raw.assign(file=path)
    loaded, row_problems = validate_rows(raw, bank["question_id"])
    return raw, loaded, problems + row_problems


def test_format_columns():
    assert SCORECARD_COLUMNS[:10] == HEADER
    assert set(SCORECARD_COLUMNS) - set(REQUIRED_COLUMNS) == {"notes", "duration_seconds", "practice", "question_version"}


def test_valid_interview_loads_with_typed_columns(bank):
    raw, loaded, problems = judge(csv_text(interview_rows()), bank)
    assert problems == [] and loaded.all()
    frame = to_scorecard_frame(raw, bank["question_id"])
    assert frame["score"].tolist() == [3, 2, 4]
    assert frame["date"].dtype.kind == "M"
    assert frame["level"].cat.ordered and list(frame["level"].cat.categories) == ["junior", "mid", "senior"]
    assert frame["recommendation"].cat.ordered
    assert frame["recommendation"].cat.categories.tolist() == ["strong_no", "no", "yes", "strong_yes"]
    assert frame["red_flag"].dtype == bool
    assert frame["line"].tolist() == [2, 3, 4]
    assert frame["duration_seconds"].isna().all()


def test_export_quirks_are_tolerated(bank):
    """BOM, CRLF, stray whitespace, any case, quoted notes with commas and newlines."""
    header = " Interview_ID ,DATE,candidate_id,Level,interviewer,question_id,score,Red_Flag,notes,recommendation"
    text = (header + "\r\n"
            ' INT-7 , 2026-01-05 ,C9, Junior ,Avery , jr-s3-basics , 3 ,YES,"objects, not files\r\n'
            'second line, with comma",Strong_Yes\r\n'
            "INT-7,2026-01-05,C9,JUNIOR,Avery,jr-iam-basics,2,No,,strong_yes\r\n"
            "INT-7,2026-01-05,C9,junior,Avery,jr-vpc-basics,4,0,plain,STRONG_YES\r\n"
            "INT-7,2026-01-05,C9,junior,Avery,jr-rds-basics,1,1,,strong_yes\r\n")
    raw, loaded, problems = judge(b"\xef\xbb\xbf" + text.encode("utf-8"), bank)
    assert problems == [] and loaded.all()
    frame = to_scorecard_frame(raw, bank["question_id"])
    assert set(frame["interview_id"]) == {"INT-7"}
    assert frame["level"].astype(str).unique().tolist() == ["junior"]
    assert frame["recommendation"].astype(str).unique().tolist() == ["strong_yes"]
    assert frame["red_flag"].tolist() == [True, False, False, True]
    assert frame["notes"].iloc[0] == "objects, not files\r\nsecond line, with comma"
    # the multi-line note spans lines 2-3, so the next record starts on line 4
    assert frame["line"].tolist() == [2, 4, 5, 6]


def test_line_numbers_after_a_multiline_note_point_at_the_bad_field(bank):
    rows = interview_rows(notes=["one\ntwo\nthree", "", ""])
    rows[2]["score"] = "7"
    _, loaded, problems = judge(csv_text(rows), bank)
    assert not loaded.any()
    (score,) = [p for p in problems if p.column == "score"]
    assert score.line == 6  # header 1, first record 2-4, second 5, third 6
    assert score.message == "got '7', expected an integer 1-4"


@pytest.mark.parametrize("column, value, expected", [
    ("score", "5", "got '5', expected an integer 1-4"),
    ("score", "0", "got '0', expected an integer 1-4"),
    ("score", "2.5", "got '2.5', expected an integer 1-4"),
    ("score", "three", "got 'three', expected an integer 1-4"),
    ("score", "", "got an empty field, expected an integer 1-4"),
    ("question_id", "jr-nope", "got 'jr-nope', expected a question_id from the bank (questions.csv)"),
    ("date", "2026-02-30", "got '2026-02-30', expected an ISO date YYYY-MM-DD"),
    ("date", "03/02/2026", "got '03/02/2026', expected an ISO date YYYY-MM-DD"),
    ("date", "\u0662\u0660\u0662\u0666-01-02", "got '\u0662\u0660\u0662\u0666-01-02', expected an ISO date YYYY-MM-DD"),
    ("level", "principal", "got 'principal', expected one of junior, mid, senior"),
    ("recommendation", "maybe", "got 'maybe', expected one of strong_no, no, yes, strong_yes"),
    ("red_flag", "perhaps", "got 'perhaps', expected true/false (or yes/no, 1/0)"),
    ("candidate_id", "  ", "empty; expected non-empty text"),
    ("interviewer", "", "empty; expected non-empty text"),
])
def test_bad_value_names_line_column_found_and_expected(bank, column, value, expected):
    rows = interview_rows()
    rows[1][column] = value
    if column in ("level", "recommendation", "date", "candidate_id", "interviewer"):
        for r in rows:  # interview-wide fields: the same bad value on every row
            r[column] = value
    _, loaded, problems = judge(csv_text(rows), bank)
    ours = [p for p in problems if p.column == column]
    assert ours, problems
    assert ours[0].path == "f.csv" and ours[0].line in (2, 3)
    assert ours[0].message == expected
    assert not loaded.any()  # the interview is held back whole


@pytest.mark.parametrize("value, ok", [("", True), ("42", True), ("61.5", True), ("0", True),
                                       ("-3", False), ("abc", False), ("1e3", False),
                                       ("\u0663", False)])  # ARABIC-INDIC DIGIT THREE: crashed the loader
def test_optional_duration_seconds(bank, value, ok):
    rows = interview_rows()
    for r in rows:
        r["duration_seconds"] = "10"
    rows[0]["duration_seconds"] = value
    raw, loaded, problems = judge(csv_text(rows, HEADER + ("duration_seconds",)), bank)
    assert loaded.all() == ok
    if ok:
        frame = to_scorecard_frame(raw, bank["question_id"])
        assert frame["duration_seconds"].iloc[1:].tolist() == [10.0, 10.0]
        assert (frame["duration_seconds"].iloc[0] == float(value)) if value else pd.isna(frame["duration_seconds"].iloc[0])
    else:
        (p,) = [p for p in problems if p.column == "duration_seconds"]
        assert p.line == 2 and p.message == f"got '{value}', expected empty or a number of seconds >= 0"


def test_interview_with_one_bad_row_is_held_back_whole(bank):
    rows = interview_rows("INT-1") + interview_rows("INT-2", candidate="C2")
    rows[1]["score"] = "9"
    raw, loaded, problems = judge(csv_text(rows), bank)
    assert loaded.tolist() == [False, False, False, True, True, True]
    held = [p for p in problems if "not loaded" in p.message]
    assert len(held) == 1
    assert str(held[0]) == ("f.csv:2: interview 'INT-1' not loaded: its 3 row(s) on line(s) 2, 3, 4 are held back "
                            "until the problems reported for it are fixed (an interview loads whole or not at all)")


def test_fields_that_differ_within_an_interview(bank):
    rows = interview_rows()
    rows[2]["recommendation"] = "no"
    rows[1]["interviewer"] = "Blake"
    _, loaded, problems = judge(csv_text(rows), bank)
    assert not loaded.any()
    by_col = {p.column: p for p in problems if p.column}
    assert by_col["recommendation"].line == 4
    assert by_col["recommendation"].message == ("got 'no' but line 2 of interview 'INT-1' has 'yes'; "
                                                "expected the same recommendation on every row of one interview")
    assert by_col["interviewer"].line == 3
    # a difference of case or whitespace is not a difference
    rows = interview_rows()
    rows[1]["level"] = " JUNIOR"
    rows[2]["recommendation"] = "Yes "
    _, loaded, problems = judge(csv_text(rows), bank)
    assert problems == [] and loaded.all()


def test_same_question_twice_in_an_interview(bank):
    rows = interview_rows(questions=("jr-s3-basics", "jr-iam-basics", "jr-s3-basics"))
    _, loaded, problems = judge(csv_text(rows), bank)
    (dup,) = [p for p in problems if p.column == "question_id"]
    assert dup.line == 4 and "appears twice" in dup.message
    assert not loaded.any()


def test_wrong_number_of_fields(bank):
    text = csv_text(interview_rows())
    lines = text.splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + ",extra\n"
    raw, loaded, problems = judge("".join(lines), bank)
    (p,) = [p for p in problems if "fields" in p.message]
    assert (p.line, p.column) == (3, None)
    assert p.message == "found 11 fields, expected 10 (as in the header); interview 'INT-1'"
    assert not loaded.any()  # the rest of INT-1 is held back too
    assert len(raw) == 3  # the bad record is kept (named), not dropped


def test_row_without_interview_id_is_reported_alone(bank):
    rows = interview_rows("INT-1") + [dict(interview_rows("")[0])]
    _, loaded, problems = judge(csv_text(rows), bank)
    assert loaded.tolist() == [True, True, True, False]
    assert [(p.line, p.column, p.message) for p in problems] == [(5, "interview_id", "empty; expected non-empty text")]


def test_missing_required_column_refuses_the_file(bank):
    header = tuple(h for h in HEADER if h != "score")
    text = csv_text([{k: v for k, v in r.items() if k != "score"} for r in interview_rows()], header)
    raw, loaded, problems = judge(text, bank)
    assert len(raw) == 0
    (p,) = problems
    assert p.line == 1
    assert p.message.startswith("missing required column(s) score; expected a header with interview_id")
    assert "none of the file's 3 rows were loaded" in p.message


def test_duplicate_column_refuses_the_file(bank):
    text = csv_text([list(r.values()) + ["x"] for r in interview_rows()], HEADER + ("notes",))
    raw, _, problems = judge(text, bank)
    assert len(raw) == 0
    assert any("duplicate column(s) notes" in p.message for p in problems)


def test_empty_and_undecodable_files(bank):
    for content in (b"", b"  \n\r\n"):
        raw, _, problems = judge(content, bank)
        assert len(raw) == 0
        assert [(p.line, p.message) for p in problems] == [(0, "empty file; expected a header row and scorecard rows")]
    raw, _, problems = judge(",".join(HEADER) + "\n", bank)
    assert len(raw) == 0 and "no scorecard rows" in problems[0].message
    latin1 = csv_text(interview_rows(notes=["café", "", ""])).encode("latin-1")
    raw, _, problems = judge(latin1, bank)
    assert len(raw) == 0
    (p,) = problems
    assert p.line == 2 and "not UTF-8 (byte 0xe9" in p.message and "CSV UTF-8" in p.message
    raw, _, problems = judge(b"interview_id\x00,date\n", bank)
    assert len(raw) == 0 and "NUL" in problems[0].message


def test_unreadable_csv_never_loads_half_an_interview(bank):
    """A field over the csv module's limit stops the reader; the rows read before it belong to an
    interview whose other rows are unreadable, so nothing of the file loads (bug fixed here)."""
    rows = interview_rows()
    rows[1]["notes"] = "x" * 200_000
    raw, loaded, problems = judge(csv_text(rows), bank)
    assert len(raw) == 0 and not loaded.any()
    (p,) = problems
    assert p.line == 3 and "unreadable CSV" in p.message and "none of the file's rows were loaded" in p.message


def test_validate_interview_accepts_typed_values(bank):
    rows = pd.DataFrame(interview_rows())
    rows["date"] = pd.Timestamp("2026-03-02")
    rows["score"] = rows["score"].astype(np.int64)
    assert validate_interview(rows, bank) == []
    text = scorecard_text(rows)
    assert text["date"].tolist() == ["2026-03-02"] * 3
    assert text["red_flag"].tolist() == ["false"] * 3
    assert text["score"].tolist() == ["3", "2", "4"]
    rows["score"] = [3.0, 2.0, 4.0]
    assert validate_interview(rows, bank) == []


def test_validate_interview_reports_every_problem_with_its_line(bank):
    rows = pd.DataFrame(interview_rows())
    rows.loc[2, "score"] = 5
    rows.loc[0, "question_id"] = "nope"
    problems = validate_interview(rows, bank)
    assert sorted((p.line, p.column) for p in problems) == [(2, "question_id"), (4, "score")]
    assert not any("not loaded" in p.message for p in problems)


def test_validate_interview_refuses_two_interviews_missing_columns_and_no_rows(bank):
    rows = pd.DataFrame(interview_rows("A") + interview_rows("B"))
    assert any("more than one interview_id" in p.message for p in validate_interview(rows, bank))
    rows = pd.DataFrame(interview_rows()).drop(columns=["recommendation"])
    assert "missing required column(s) recommendation" in validate_interview(rows, bank)[0].message
    assert "no rows" in validate_interview(pd.DataFrame(columns=list(HEADER)), bank)[0].message
