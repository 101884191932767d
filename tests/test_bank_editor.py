"""The bank editor (:mod:`analysis.widgets.bank_editor`), driven without a browser: set values, click,
read the bank back from disk.

Every test works on a temporary data folder holding a copy of the shipped bank (the ``data`` fixture
of conftest.py); the statistics test on a copy of the whole demo folder. "Saved" means what
:func:`analysis.io.bank.load_questions` reads back, and what the forms then offer.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.io.bank import load_questions
from analysis.io.load import load
from analysis.stats.version_view import version_comparison
from analysis.widgets import bank_editor
from analysis.widgets.bank_editor import BankEditor, one_line, preview_html, question_choices, versions_html, versions_of
from analysis.widgets.forms import InterviewForm
from analysis.widgets.forms.card import guide_html, question_html

XSS = "<img src=x onerror=alert(1)>"
DAY = dt.date(2026, 3, 2)
REAL_DATA = bank_editor.config.data_dir()


@pytest.fixture
def editor(data):
    return BankEditor(data, question_id="mid-caching", statistics=False, today=DAY)


def _bytes(data):
    return (data / "questions.csv").read_bytes()


def _status(e):
    return e._status.value


def _assert_one_line_refusal(e, *words):
    text = _status(e)
    assert "Not saved" in text and "icw-bank-editor-status-error" in text
    assert "Traceback" not in text and "<details" not in text and "\n" not in text
    for word in words:
        assert word in text, text


# -- the plain functions --------------------------------------------------------------------------


def test_choices_list_every_question_once_retired_last(data, editor):
    editor._rt_btn.click()
    editor._rt_confirm.click()
    choices = question_choices(load_questions(data, versions="all"))
    ids = [v for _, v in choices]
    assert len(ids) == len(set(ids)) == 24
    assert choices[-1] == ("mid-caching · mid · data · retired", "mid-caching")
    assert choices[0] == ("jr-compute-options · junior · compute", "jr-compute-options")


def test_the_preview_is_the_forms_own_question_card(bank):
    row = bank.set_index("question_id", drop=False).loc["mid-caching"]
    html = preview_html(row, question="Q?", good_answer="G.", red_flag="R.", version=2)
    q = {"level": "mid", "topic": "data", "question": "Q?", "good_answer": "G.", "red_flag": "R.", "version": 2}
    assert question_html("mid-caching", q) in html and guide_html(q) in html
    assert "<code>mid-caching</code> · v2 · mid · data" in html


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=1, max_size=40))
def test_user_text_is_escaped_in_the_versions_and_the_preview(bank, text):
    row = bank.set_index("question_id", drop=False).loc["mid-caching"].copy()
    row["question"] = row["good_answer"] = row["red_flag"] = text + XSS
    versions = versions_of(pd.DataFrame([row]).reset_index(drop=True), "mid-caching")
    for html in (versions_html(versions), preview_html(row, question=text + XSS, good_answer=XSS, red_flag=XSS)):
        assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_one_line_joins_the_lines_of_a_message():
    assert one_line(ValueError("questions.csv:3: a\n questions.csv:4: b \n")) == "questions.csv:3: a; questions.csv:4: b"
    assert one_line(RuntimeError("")) == "RuntimeError"


# -- rewriting ---------------------------------------------------------------------------------------


def test_a_rewrite_through_the_widgets_adds_version_2_and_the_forms_offer_it(data, editor):
    assert editor._rw_question.value == "How does caching with CloudFront/ElastiCache help?"
    assert editor._rw_save.description == "Save as version 2"
    new = 'When does a cache make things worse, and how do you "invalidate" it?\nName two cases.'
    editor._rw_question.value = new
    # the preview follows the draft, as the interview form will show it
    assert "· v2 · mid · data" in editor._rw_preview.value and "When does a cache make things worse" in editor._rw_preview.value
    editor._rw_save.click()
    assert "Saved <code>mid-caching</code> version 2, in use from 2026-03-02" in _status(editor)
    every = load_questions(data, versions="all")
    rows = every[every["question_id"] == "mid-caching"].sort_values("version")
    assert rows["version"].tolist() == [1, 2] and rows["status"].tolist() == ["retired", "active"]
    assert rows["question"].iloc[1] == new  # verbatim: quotes and the new line kept
    assert rows["introduced"].iloc[1] == pd.Timestamp(DAY) and rows["retired"].iloc[0] == pd.Timestamp(DAY)
    assert len(every) == 25
    # the versions side by side, the draft reset to the new active text
    assert "mid-caching v1" in editor._versions.value and "mid-caching v2" in editor._versions.value
    assert editor._rw_question.value == new and editor._rw_save.description == "Save as version 3"
    offered = InterviewForm(data, interviewers=[], today=DAY, autosave=False).questions.set_index("question_id")
    assert offered.loc["mid-caching", ["version", "question"]].tolist() == [2, new]


def test_a_rewrite_that_changes_nothing_is_refused_in_one_line(data, editor):
    before = _bytes(data)
    editor._rw_save.click()
    _assert_one_line_refusal(editor, "nothing changes")
    assert isinstance(editor.last_error, bank_editor.WorkbookError)
    assert _bytes(data) == before


def test_a_rewrite_dated_before_the_current_version_is_refused(data, editor):
    editor._rw_question.value = "v2"
    editor._rw_save.click()
    before = _bytes(data)
    editor._rw_question.value = "v3"
    editor._rw_introduced.value = dt.date(2020, 1, 1)
    editor._rw_save.click()
    _assert_one_line_refusal(editor)
    assert _bytes(data) == before


def test_an_unexpected_error_is_shown_in_one_line(data, editor, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(bank_editor, "rewrite_question", broken)
    editor._rw_question.value = "new text"
    editor._rw_save.click()
    _assert_one_line_refusal(editor, "disk on fire; second line")


# -- retiring ------------------------------------------------------------------------------------------


def test_retiring_asks_first_and_cancel_writes_nothing(data, editor):
    before = _bytes(data)
    editor._action.value = "Retire"
    assert editor._retire_box.layout.display == "" and editor._rewrite_box.layout.display == "none"
    editor._rt_btn.click()
    assert editor._rt_confirm_box.layout.display == ""
    assert "Retire <code>mid-caching</code> from 2026-03-02?" in editor._rt_msg.value
    assert _bytes(data) == before  # nothing until confirmed
    editor._rt_cancel.click()
    assert editor._rt_confirm_box.layout.display == "none" and _bytes(data) == before
    assert "was not retired" in _status(editor)


def test_a_confirmed_retirement_stops_the_forms_offering_it(data, editor):
    editor._rt_btn.click()
    editor._rt_confirm.click()
    assert "Retired <code>mid-caching</code> from 2026-03-02" in _status(editor)
    row = load_questions(data, versions="all").set_index("question_id").loc["mid-caching"]
    assert row["status"] == "retired" and row["retired"] == pd.Timestamp(DAY)
    assert "mid-caching" not in set(load_questions(data)["question_id"])
    assert "mid-caching" not in set(InterviewForm(data, interviewers=[], today=DAY, autosave=False).questions["question_id"])
    # a retired question can be read, not rewritten or retired again
    assert editor.question_id == "mid-caching" and editor._rw_save.disabled and editor._rt_btn.disabled
    assert "is retired" in editor._rw_note.value
    before = _bytes(data)
    assert editor.rewrite() is None and _bytes(data) == before
    _assert_one_line_refusal(editor, "retired")


# -- adding ----------------------------------------------------------------------------------------------


def _fill_add(e, *, qid="", question="How do you choose a cache TTL?"):
    e._action.value = "Add a question"
    e._add_level.value = "mid"
    e._add_topic.value = "data"
    e._add_id.value = qid
    e._add_question.value = question
    e._add_good.value = "Trade staleness against load; measure hit rate."
    e._add_flag.value = XSS


def test_adding_a_question_gives_it_a_new_id_and_shows_it(data, editor):
    _fill_add(editor)
    assert "How do you choose a cache TTL?" in editor._add_preview.value and XSS not in editor._add_preview.value
    editor._add_btn.click()
    qid = editor.question_id
    assert qid.startswith("mid-") and qid in _status(editor)
    row = load_questions(data).set_index("question_id").loc[qid]
    assert (row["version"], row["status"], row["red_flag"]) == (1, "active", XSS)
    assert editor._add_question.value == ""  # the draft is cleared for the next one
    assert qid in set(InterviewForm(data, interviewers=[], today=DAY, autosave=False).questions["question_id"])


def test_an_id_used_before_is_refused_even_when_retired(data, editor):
    editor._rt_btn.click()
    editor._rt_confirm.click()
    before = _bytes(data)
    _fill_add(editor, qid="mid-caching")
    editor._add_btn.click()
    _assert_one_line_refusal(editor, "mid-caching")
    assert _bytes(data) == before
    assert editor._add_question.value  # the draft is kept, to fix the id


# -- statistics by version -------------------------------------------------------------------------------


def test_each_version_shows_the_before_and_after_view(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REAL_DATA, data, ignore=shutil.ignore_patterns(".cache", "drafts"))
    e = BankEditor(data, question_id="mid-caching", today=dt.date(2024, 6, 1))
    # one version: its numbers are the report's before-and-after view, shown with their intervals
    cmp = version_comparison(load(data, progress=False, cache=False), "mid-caching").versions.iloc[0]
    got = e._versions.value
    assert f"<td style='{bank_editor._CELL}'>{cmp['n_candidates']:.0f}</td>" in got
    assert f"{cmp['discrimination']:.2f} [{cmp['discrimination_low']:.2f}, {cmp['discrimination_high']:.2f}]" in got
    assert f"{cmp['red_flag_lift']:.2f} [{cmp['red_flag_lift_low']:.2f}, {cmp['red_flag_lift_high']:.2f}]" in got
    # a rewrite partway through the demo's history: each version measured on its own interviews
    e._rw_question.value = "When does a cache make things worse?"
    e._rw_save.click()
    stats = e.statistics()
    assert stats.versions["version"].tolist() == [1, 2]
    n1, n2 = stats.versions["n_candidates"]
    assert n1 > 0 and n2 > 0 and n1 + n2 >= cmp["n_candidates"]  # a candidate may have met both wordings
    got = e._versions.value
    assert "mid-caching v1" in got and "mid-caching v2" in got and "change from the version before" in got.lower()


def test_a_folder_without_interviews_shows_the_versions_without_statistics(data):
    e = BankEditor(data, question_id="mid-caching", today=DAY)
    assert e.statistics() is None
    assert "How does caching" in e._versions.value and "Candidates" not in e._versions.value
    assert "Not saved" not in _status(e) and "Error" not in _status(e)


def test_the_editor_displays_as_a_widget_without_its_folder_in_the_text(data, editor):
    bundle = editor._repr_mimebundle_()
    assert bundle["text/plain"] == "BankEditor()" and "application/vnd.jupyter.widget-view+json" in bundle
    assert str(data) in editor.widget.children[0].value  # the notebook shows where changes go
