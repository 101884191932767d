"""The rules of one interview as the forms gather it (:mod:`analysis.io.interviews`), called directly:
no widget, no data folder.

The forms (tests/test_forms.py) only put these functions behind widgets; what they check, build and
report is tested here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import config
from analysis.io.interviews import (MAX_NAME, RECOMMENDATION_LABELS, age_seconds, answer_problems, empty_answers,
                                    is_one_line, kit_problems, make_interview_id, recommendation_options,
                                    red_flag_conflicts, repair_text, scorecard_rows, setup_problems)

DAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize("candidate, message", [
    ("", "candidate id: empty"),
    ("../../etc/passwd", "expected letters, digits"),
    ("C 42", "expected letters, digits"),
    ("x" * 65, "expected letters, digits"),
])
def test_setup_problems_name_the_field(candidate, message):
    problems = setup_problems(candidate, "mid", "Avery", DAY)
    assert len(problems) == 1 and message in problems[0]
    assert setup_problems("C42", "mid", "", None) == [
        "interviewer: empty; pick a known name or type a new one",
        "date: not set; expected the day of the interview"]
    assert setup_problems("C42", "lead", "A\nB", DAY)[0].startswith("level 'lead'")


def test_interview_id_is_date_candidate_and_key():
    assert make_interview_id(DAY, " C42 ", "0123456789ab") == "2026-03-02-C42-01234567"


@pytest.mark.parametrize("name", ["A\nB", "A\tB", "A\rB", "A\x00B", "A\x7fB", "A\x85B", "A\u2028B", "A\u2029B",
                                  "x" * (MAX_NAME + 1)])
def test_an_interviewer_name_is_one_short_line(name):
    # tab and newline are allowed in notes (analysis._text.CONTROL_CHARS) but never in a name
    assert setup_problems("C42", "mid", name, DAY) == [
        f"interviewer: expected at most {MAX_NAME} characters on one line"]


@pytest.mark.parametrize("name", ["Blake Ó'Neil", "Zoe\u0308", "李雷", "x" * MAX_NAME, "  Avery  "])
def test_names_in_any_script_are_accepted(name):
    assert setup_problems("C42", "mid", name, DAY) == []
    assert is_one_line(name)


def test_what_is_missing_is_worded_for_each_form():
    answers = [{"question_id": "q1", "score": 3}, {"question_id": "q2", "score": None}]
    assert answer_problems(answers, None) == [
        "score for question 2 of 2 (q2)", "recommendation: choose Strong no, No, Yes or Strong yes"]
    assert answer_problems(answers, "yes", kind="log") == ["score for row 2 (q2)"]
    assert answer_problems([], "no") == kit_problems([]) == ["question kit: empty; add at least one question"]
    assert answer_problems([], "no", kind="log") == ["questions: none; add the questions that were asked"]
    assert kit_problems(["q1"]) == [] and answer_problems(answers[:1], "strong_no") == []


def test_text_is_kept_as_typed_except_broken_characters():
    assert repair_text(None) == ""
    assert repair_text("Zoe\u0308 <b>") == "Zoe\u0308 <b>"  # not normalised: saved as typed
    assert repair_text("half \ud83d emoji") == "half \ufffd emoji"
    assert repair_text(42) == "42"


def test_scorecard_rows_are_one_per_answer_in_the_scorecard_format():
    answers = [{"question_id": "q1", "score": 3, "red_flag": 1, "notes": "ok \ud800", "duration_seconds": 12.34},
               {"question_id": "q2", "score": None}]
    setup = {"interview_id": "2026-03-02-C42-01234567", "date": DAY, "candidate_id": "C42", "level": "mid",
             "interviewer": "Avery"}
    rows = scorecard_rows(answers, recommendation="yes", durations=True, **setup)
    assert list(rows.columns) == ["interview_id", "date", "candidate_id", "level", "interviewer", "question_id",
                                  "score", "red_flag", "notes", "recommendation", "duration_seconds"]
    assert rows["date"].tolist() == ["2026-03-02"] * 2
    assert rows["red_flag"].tolist() == [True, False]
    assert rows["notes"].tolist() == ["ok \ufffd", ""]
    assert rows["duration_seconds"].tolist() == [12.3, 0.0]
    bare = scorecard_rows(answers, recommendation=None, durations=False, **dict(setup, date=None))
    assert "duration_seconds" not in bare.columns
    assert bare["date"].tolist() == bare["recommendation"].tolist() == ["", ""]


def test_age_seconds_of_a_draft_stamp():
    now = dt.datetime.now(dt.timezone.utc)
    assert 59 <= age_seconds((now - dt.timedelta(seconds=60)).isoformat()) <= 70
    assert 59 <= age_seconds((now - dt.timedelta(seconds=60)).replace(tzinfo=None).isoformat()) <= 70  # UTC
    assert age_seconds((now + dt.timedelta(hours=1)).isoformat()) == 0.0  # a clock ahead: not negative
    assert age_seconds("yesterday") is None and age_seconds(None) is None


# -- issue 24: the forms' frictions, as plain rules -------------------------------------------------

def test_recommendations_are_shown_in_words_and_saved_as_codes():
    # the words are the ("Strong no", "No", "Yes", "Strong yes"); the codes are the
    # scorecard format's (config.RECOMMENDATIONS), in its order
    assert recommendation_options() == [("Strong no", "strong_no"), ("No", "no"), ("Yes", "yes"),
                                        ("Strong yes", "strong_yes")]
    assert list(RECOMMENDATION_LABELS) == list(config.RECOMMENDATIONS)


def test_a_red_flag_beside_a_score_above_1_is_named():
    answers = [{"question_id": "q1", "score": 1, "red_flag": True},   # what the rubric's 1 means: fine
               {"question_id": "q2", "score": 3, "red_flag": True},   # the contradiction
               {"question_id": "q3", "score": None, "red_flag": True},  # not scored yet: answer_problems' job
               {"question_id": "q4", "score": 4, "red_flag": False}]
    assert red_flag_conflicts(answers) == [
        "question 2 of 4 (q2): red flag shown with score 3, but the rubric's 1 is 'showed the red flag'"]
    assert red_flag_conflicts(answers, kind="log") == [
        "row 2 (q2): red flag shown with score 3, but the rubric's 1 is 'showed the red flag'"]
    assert red_flag_conflicts([]) == []


def test_empty_answers_are_those_with_nothing_entered():
    answers = [{"question_id": "q1", "score": None, "red_flag": False, "notes": ""},
               {"question_id": "q2", "score": 2, "red_flag": False, "notes": ""},
               {"question_id": "q3", "score": None, "red_flag": True, "notes": ""},
               {"question_id": "q4", "score": None, "red_flag": False, "notes": "asked, no time to score"},
               {"question_id": "q5", "score": None, "red_flag": False, "notes": " \n "},
               {"question_id": "q6"}]
    assert empty_answers(answers) == ["q1", "q5", "q6"]


_answer = st.fixed_dictionaries({"score": st.one_of(st.none(), st.sampled_from(config.SCORES)),
                                 "red_flag": st.booleans(), "notes": st.one_of(st.none(), st.text(max_size=5))})


@settings(deadline=None)  # pure functions; a loaded 2-core machine must not turn slowness into a failure
@given(st.lists(_answer, max_size=12), st.sampled_from(["interview", "log"]))
def test_conflicts_and_empty_rows_partition_as_promised(raw, kind):
    answers = [dict(a, question_id=f"q{i}") for i, a in enumerate(raw)]
    conflicts = red_flag_conflicts(answers, kind=kind)
    flagged_high = [a for a in answers if a["red_flag"] and a["score"] is not None and a["score"] > 1]
    assert len(conflicts) == len(flagged_high)  # one sentence per contradiction, none for anything else
    assert all(f"({a['question_id']})" in c for a, c in zip(flagged_high, conflicts))
    empty = empty_answers(answers)
    # an empty row has nothing entered, so dropping it loses nothing; every unscored row is either
    # empty (offered to drop) or named by answer_problems (to be scored)
    by_id = {a["question_id"]: a for a in answers}
    assert all(by_id[q]["score"] is None and not by_id[q]["red_flag"] and not (by_id[q]["notes"] or "").strip()
               for q in empty)
    unscored = [a["question_id"] for a in answers if a["score"] is None]
    assert set(empty) <= set(unscored)
    assert len([p for p in answer_problems(answers, "yes", kind=kind) if p.startswith("score for")]) == len(unscored)
