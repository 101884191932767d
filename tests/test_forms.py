"""The interview and log forms, driven without a browser: set values, click, read the files back.

Every test works in a temporary data folder holding a copy of the shipped bank (the ``data``
fixture of conftest.py). Saved scorecards are read back with :func:`analysis.io.load.load`, the same
loader every analysis uses, so "saved" means "loads as a valid interview".
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from analysis import config
from analysis.io.bank import load_questions
from analysis.io.drafts import list_drafts, load_draft
from analysis.io.interviews import known_interviewers
from analysis.io.kits import default_kit
from analysis.io.load import load
from analysis.widgets.forms import InterviewForm, LogForm

XSS = "<img src=x onerror=alert(1)>"
DAY = dt.date(2026, 3, 2)


class Clock:
    """A fake monotonic clock the test moves by hand."""

    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _scorecards(data):
    return sorted((data / "scores").rglob("*.csv"))


@pytest.fixture
def form(data):
    return InterviewForm(data, interviewer="Avery", interviewers=["Avery", "Blake"], today=DAY, clock=Clock())


def _setup(f, candidate="C42", level=None):
    if level:
        f._level.value = level
    f._candidate.value = candidate


def _answer_all(f, scores, red_flags=(), notes=None, clock=None, seconds=None):
    """Score every question through the widgets, moving on with Next."""
    notes = notes or {}
    for i, s in enumerate(scores):
        if clock is not None and seconds is not None:
            clock.t += seconds[i]
        f._score.value = s
        f._red_flag.value = i in red_flags
        if i in notes:
            f._notes.value = notes[i]
        f._next.click()


# -- set-up --------------------------------------------------------------------------------------


def test_known_interviewers_come_from_the_scorecards(data, write_card):
    from conftest import interview_rows

    write_card("2026/a.csv", interview_rows("I-1", interviewer="Devon"))
    write_card("2026/b.csv", interview_rows("I-2", interviewer="Avery"))
    assert known_interviewers(data) == ["Avery", "Devon"]
    f = InterviewForm(data, interviewer="Zoe", today=DAY)
    assert list(f._interviewer.options) == ["Avery", "Devon", "Zoe"]
    assert f._interviewer.value == "Zoe"
    assert not config.cache_dir(data).exists()  # reading the names wrote no parse cache


def test_the_form_starts_with_today_and_the_default_kit(data, bank):
    f = InterviewForm(data, interviewers=[])
    assert f._date.value == dt.date.today()
    assert f.kit == default_kit(bank, "junior")
    assert f.interview_id is None
    assert f._repr_mimebundle_()["text/plain"] == "InterviewForm()"


def test_opening_a_form_writes_nothing(data):
    before = _files(data)
    InterviewForm(data, interviewers=[])
    LogForm(data, interviewers=[])
    assert _files(data) == before


# -- the live interview ----------------------------------------------------------------------------


def test_a_full_interview_is_saved_with_exactly_the_values_entered(data):
    clock = Clock()
    f = InterviewForm(data, interviewer="Avery", interviewers=["Avery"], today=DAY, clock=clock)
    _setup(f, "C42", level="mid")
    f._interviewer.value = "Blake Ó'Neil"  # a new name, typed
    f._date.value = dt.date(2026, 2, 27)
    kit = f.kit
    f._start_btn.click()
    scores = [3, 2, 4, 1, 3, 2, 4]
    seconds = [30, 45, 60, 15, 20, 25, 90]
    _answer_all(f, scores, red_flags={3}, notes={0: XSS, 2: 'comma, "quotes"\nand a new line'},
                clock=clock, seconds=seconds)
    f._recommendation.value = "no"
    f._save_btn.click()
    assert f.last_error is None, f._status.value
    assert f.saved_path is not None and f.saved_path.exists()
    assert "icw-status-ok" in f._status.value

    wb = load(data, cache=False, progress=False)
    assert wb.problems == []
    got = wb.scores
    assert got["interview_id"].unique().tolist() == [f.interview_id]
    assert f.interview_id.startswith("2026-02-27-C42-")
    assert got["question_id"].astype(str).tolist() == kit
    assert got["score"].tolist() == scores
    assert got["red_flag"].tolist() == [False, False, False, True, False, False, False]
    assert got["notes"].tolist() == [XSS, "", 'comma, "quotes"\nand a new line', "", "", "", ""]
    assert set(got["candidate_id"]) == {"C42"}
    assert set(got["level"].astype(str)) == {"mid"}
    assert set(got["interviewer"].astype(str)) == {"Blake Ó'Neil"}
    assert set(got["date"]) == {pd.Timestamp("2026-02-27")}
    assert set(got["recommendation"].astype(str)) == {"no"}
    # the clock moved before each score was given: that time belongs to the question on screen
    assert got["duration_seconds"].tolist() == [float(s) for s in seconds]
    # the draft is gone once saved, and no other file was written
    assert list_drafts(data).empty
    assert _scorecards(data) == [f.saved_path]


def test_time_is_kept_per_question_when_going_back(form):
    clock = form._clock
    _setup(form)
    form._start_btn.click()
    clock.t += 10
    form._next.click()   # 10 s on question 1
    clock.t += 5
    form._back.click()   # 5 s on question 2
    clock.t += 7
    form._next.click()   # 7 more on question 1
    rows = form.rows()
    assert rows["duration_seconds"].tolist()[:3] == [17.0, 5.0, 0.0]


def test_choosing_the_recommendation_pauses_the_clock(form):
    clock = form._clock
    _setup(form)
    form._start_btn.click()
    clock.t += 10
    form._recommendation.value = "yes"  # 10 s on question 1, then the clock stops
    clock.t += 100
    form._score.value = 3
    assert form.rows()["duration_seconds"].tolist()[0] == 10.0
    form._next.click()  # navigating starts it again, on question 2
    clock.t += 4
    form._save_btn.click()
    assert form.rows()["duration_seconds"].tolist()[:2] == [10.0, 4.0]


def test_incomplete_interview_is_refused_and_nothing_is_written(data, form):
    _setup(form)
    form._start_btn.click()
    form._score.value = 3
    form._save_btn.click()
    assert _scorecards(data) == []
    status = form._status.value
    assert "Not saved" in status
    assert "score for question 2 of 7 (jr-s3-basics)" in status
    assert "score for question 1 of 7" not in status
    assert "recommendation" in status
    assert form.saved_path is None and form.last_error is None
    # the draft keeps everything entered so far
    (draft,) = list_drafts(data)["draft_id"]
    assert load_draft(draft, data)["answers"]["jr-compute-options"]["score"] == 3


@pytest.mark.parametrize("candidate", ["../../etc/passwd", "C 1", "<script>alert(1)</script>"])
def test_invalid_candidate_ids_are_refused(data, form, candidate):
    form._candidate.value = candidate
    form._start_btn.click()
    assert "Cannot start" in form._status.value
    form._started = True  # even past the start button, save refuses
    form._refresh_all()
    _answer_all(form, [3] * len(form.kit))
    form._recommendation.value = "yes"
    form._save_btn.click()
    assert _scorecards(data) == []
    assert "expected letters, digits" in form._status.value
    assert "<script>" not in form._status.value  # the refused id is shown escaped
    if "<" in candidate:
        assert "&lt;script&gt;" in form._status.value


def test_a_saved_interview_is_never_saved_twice(data, form):
    _setup(form)
    form._start_btn.click()
    _answer_all(form, [3] * len(form.kit))
    form._recommendation.value = "yes"
    first = form.save()
    assert first is not None and form._save_btn.disabled
    assert form.save() is None
    assert "already saved" in form._status.value
    assert _scorecards(data) == [first]


def test_the_store_validation_is_shown_when_the_bank_changed(data, form):
    # a question removed from the bank after the kit was built: the store refuses with its problem
    _setup(form)
    form._start_btn.click()
    _answer_all(form, [3] * len(form.kit))
    form._recommendation.value = "yes"
    form.questions = form.questions[form.questions["question_id"] != "jr-s3-basics"]
    form._save_btn.click()
    assert _scorecards(data) == []
    assert "the scorecard is invalid" in form._status.value
    assert "jr-s3-basics" in form._status.value


def test_user_text_is_escaped_wherever_it_is_rendered(data, form):
    _setup(form)
    form._start_btn.click()
    form._notes.value = XSS
    assert XSS not in form._summary.value
    assert html_escaped(XSS) in form._summary.value
    # a refused candidate id is echoed in the status line, escaped
    form._candidate.value = "<i>x</i>"
    form._save_btn.click()
    assert "<i>x</i>" not in form._status.value and "&lt;i&gt;x&lt;/i&gt;" in form._status.value
    assert "<i>x</i>" not in form._id_label.value


def test_bank_text_is_escaped_in_the_question_and_guide(data):
    bank = load_questions(data)
    bank.loc[0, "question"] = "What is <script>alert(1)</script>?"
    bank.loc[0, "red_flag"] = "Says <b>never</b>"
    f = InterviewForm(data, questions=bank, interviewers=[], today=DAY)
    _setup(f)
    f._interviewer.value = "Avery"
    f._start_btn.click()
    assert "<script>" not in f._question.value and "&lt;script&gt;alert(1)&lt;/script&gt;" in f._question.value
    assert "&lt;b&gt;never&lt;/b&gt;" in f._guide_body.value


def html_escaped(text):
    import html

    return html.escape(text, quote=True)


def test_kit_is_edited_through_the_widgets(data, form, bank):
    default = form.kit
    form._kit_select.value = default[1]
    form._kit_remove.click()
    assert form.kit == [default[0]] + default[2:]
    form._kit_select.value = default[3]
    form._kit_up.click()
    assert form.kit[1] == default[3]
    form._kit_down.click()
    form._kit_down.click()
    assert form.kit.index(default[3]) == 3
    form._bank_text.value = "EGRESS"
    offered = [v for _, v in form._bank_select.options]
    assert "sr-egress-cost" in offered
    searched = ["question_id", "question", "topic", "good_answer", "red_flag"]  # analysis.io.kits.filter_bank's fields
    text = bank.set_index("question_id", drop=False).loc[offered, searched].astype(str).agg(" ".join, axis=1).str.lower()
    assert text.str.contains("egress").all() and len(offered) < len(bank) - len(form.kit)
    form._bank_select.value = "sr-egress-cost"
    form._kit_add.click()
    assert form.kit[-1] == "sr-egress-cost"
    assert "sr-egress-cost" not in [v for _, v in form._bank_select.options]
    form._bank_text.value = ""
    form._bank_level.value = "senior"
    form._bank_topic.value = "cost"
    assert [v for _, v in form._bank_select.options] == ["sr-cost-optimisation"]
    form._kit_reset.click()
    assert form.kit == default
    form._stretch.value = False  # drops the question from the level above
    assert form.kit == default[:-1]
    form._kit_reset.click()
    assert form.kit == default[:-1]
    form._stretch.value = True  # adds it back, at the end
    assert form.kit == default
    form._stretch.value = False
    # a kit edit is a change: it is autosaved
    (draft,) = list_drafts(data)["draft_id"]
    assert load_draft(draft, data)["kit"] == default[:-1]


def test_the_level_replaces_the_kit_until_something_is_scored(form, bank):
    form._level.value = "senior"
    assert form.kit == default_kit(bank, "senior")
    _setup(form)
    form._start_btn.click()
    form._score.value = 2
    form._level.value = "mid"
    # issue 15: once scoring has begun the change asks first; the kit stays until confirmed
    assert form.kit == default_kit(bank, "senior")
    assert form._level_box.layout.display != "none" and "Change the level from senior to mid" in form._level_msg.value
    assert any("confirm the change to mid" in m for m in form.missing())
    assert set(form.rows()["level"]) == {"senior"}  # never the new level on the old level's kit
    form._level_confirm.click()
    assert form.kit == default_kit(bank, "mid") and form._level_box.layout.display == "none"
    assert set(form.rows()["level"]) == {"mid"}
    assert not any("confirm" in m for m in form.missing())


def test_cancelling_a_level_change_puts_the_old_level_back(form, bank):
    _setup(form)
    form._start_btn.click()
    form._notes.value = "said X"  # a note is a beginning too, as is a red flag
    form._level.value = "senior"
    form._level_cancel.click()
    assert form._level.value == "junior" and form.kit == default_kit(bank, "junior")
    assert form._level_box.layout.display == "none" and form._answer(form.kit[0])["notes"] == "said X"


def test_guide_panel_is_closed_until_opened_and_shows_the_rubric(form, bank):
    _setup(form)
    form._start_btn.click()
    assert form._guide.selected_index is None
    q = bank.set_index("question_id").loc[form.kit[0]]
    assert html_escaped(q["good_answer"]) in form._guide_body.value
    assert html_escaped(q["red_flag"]) in form._guide_body.value
    labels = [label for label, _ in form._score.options]
    assert labels == [f"{s} — {config.SCORE_MEANINGS[s]}" for s in (1, 2, 3, 4)]
    assert "Question 1 of 7" in form._progress.value
    form._next.click()
    assert "Question 2 of 7" in form._progress.value and not form._next.disabled and not form._back.disabled


# -- drafts ------------------------------------------------------------------------------------


def test_every_change_is_autosaved_and_a_new_form_resumes_it(data):
    clock = Clock()
    f = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY, clock=clock)
    assert list_drafts(data).empty
    _setup(f, "C9", level="mid")
    f._start_btn.click()
    clock.t += 40
    f._score.value = 4
    f._notes.value = XSS
    f._next.click()
    f._red_flag.value = True
    kit = f.kit
    (draft,) = list_drafts(data)["draft_id"]
    st = load_draft(draft, data)
    assert st["current"] == 1 and st["started"] is True and st["candidate_id"] == "C9"
    assert st["answers"][kit[0]] == {"score": 4, "red_flag": False, "notes": XSS, "duration_seconds": 40.0}
    assert st["answers"][kit[1]]["red_flag"] is True

    # the kernel dies (its hold on the draft goes with it); a new form on the same data offers the draft
    f.close()
    g = InterviewForm(data, interviewer="Avery", interviewers=[], today=dt.date(2026, 3, 3), clock=clock)
    assert g._resume_box.layout.display != "none"
    assert [v for _, v in g._resume_choice.options] == [draft]
    assert "C9 · mid · Avery · 2026-03-02 · 1/7 scored" in g._resume_choice.options[0][0]
    g._resume_btn.click()
    assert g.last_error is None
    assert (g._candidate.value, g._level.value, g._interviewer.value, g._date.value) == ("C9", "mid", "Avery", DAY)
    assert g.kit == kit and g._current == 1 and g._red_flag.value is True
    assert "Question 2 of 7" in g._progress.value
    assert g.interview_id == f.interview_id
    g._back.click()
    assert g._score.value == 4 and g._notes.value == XSS
    g._next.click()
    _answer_all(g, [1] + [2] * 5, red_flags={0})
    g._recommendation.value = "strong_no"
    g._save_btn.click()
    assert g.saved_path is not None, g._status.value
    assert list_drafts(data).empty
    got = load(data, cache=False, progress=False).scores
    assert got["score"].tolist() == [4, 1] + [2] * 5
    assert got["red_flag"].tolist() == [False, True] + [False] * 5
    assert got["notes"].tolist()[0] == XSS
    assert got["duration_seconds"].tolist()[0] == 40.0


def test_a_draft_can_be_discarded_after_confirming(data, form):
    _setup(form)
    g = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY)
    g._discard_btn.click()
    assert len(list_drafts(data)) == 1 and "again" in g._discard_btn.description
    g._discard_btn.click()
    assert list_drafts(data).empty
    assert g._resume_box.layout.display == "none"


def test_a_damaged_draft_is_reported_in_the_form(data):
    config.drafts_dir(data).mkdir()
    (config.drafts_dir(data) / "bad.json").write_text("{", encoding="utf-8")
    f = InterviewForm(data, interviewers=[], today=DAY)
    assert "could not be read" in f._status.value and "bad.json" in f._status.value


def test_new_interview_after_save_starts_clean(data, form):
    _setup(form)
    form._start_btn.click()
    _answer_all(form, [3] * len(form.kit))
    form._recommendation.value = "yes"
    form._save_btn.click()
    first_id = form.interview_id
    form._new_btn.click()
    assert form._candidate.value == "" and form._recommendation.value is None and not form._save_btn.disabled
    assert form._pager.layout.display == "none"
    _setup(form, "C43")
    assert form.interview_id != first_id
    assert len(list_drafts(data)) == 1  # the new interview autosaves again


# -- errors inside callbacks ---------------------------------------------------------------------


def test_an_error_in_a_callback_is_shown_in_the_form(data, form, monkeypatch):
    def broken(*a, **k):
        raise PermissionError("drafts folder is read-only")

    monkeypatch.setattr("analysis.widgets.forms.autosave.save_draft", broken)
    form._candidate.value = "C1"
    assert isinstance(form.last_error, PermissionError)
    assert "drafts folder is read-only" in form._status.value
    assert "icw-status-error" in form._status.value and "traceback" in form._status.value


# -- the log form --------------------------------------------------------------------------------


def _fill_log(f, scores, red_flags=(), notes=None):
    notes = notes or {}
    for i, (qid, s) in enumerate(zip(f.kit, scores)):
        row = f.row_widgets(qid)
        row["score"].value = s
        row["red_flag"].value = i in red_flags
        row["notes"].value = notes.get(i, "")


def test_the_log_form_saves_exactly_the_grid(data, bank):
    f = LogForm(data, interviewer="Harper", interviewers=["Harper"], today=DAY)
    f._candidate.value = "C77"
    f._level.value = "senior"
    assert f.kit == default_kit(bank, "senior")
    f.row_widgets(f.kit[1])["remove"].click()
    f._add_choice.value = "mid-caching"
    f._add_btn.click()
    kit = f.kit
    assert len(kit) == 6 and kit[-1] == "mid-caching"
    _fill_log(f, [1, 2, 3, 4, 3, 2], red_flags={0}, notes={5: XSS})
    f._recommendation.value = "strong_yes"
    f._save_btn.click()
    assert f.last_error is None and f.saved_path is not None, f._status.value
    got = load(data, cache=False, progress=False).scores
    assert got["question_id"].astype(str).tolist() == kit
    assert got["score"].tolist() == [1, 2, 3, 4, 3, 2]
    assert got["red_flag"].tolist() == [True] + [False] * 5
    assert got["notes"].tolist() == [""] * 5 + [XSS]
    assert set(got["recommendation"].astype(str)) == {"strong_yes"}
    assert set(got["interviewer"].astype(str)) == {"Harper"} and set(got["level"].astype(str)) == {"senior"}
    assert got["duration_seconds"].isna().all()  # unknown for a logged interview
    assert list_drafts(data).empty  # the log form keeps no drafts


def test_the_log_form_refuses_a_missing_score(data):
    f = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    f._candidate.value = "C77"
    _fill_log(f, [3, 3, None, 3, 3, 3, 3])
    f._recommendation.value = "yes"
    f._save_btn.click()
    assert _scorecards(data) == []
    assert f"score for row 3 ({f.kit[2]})" in f._status.value
    f.row_widgets(f.kit[2])["score"].value = 2
    f._candidate.value = "../x"
    f._save_btn.click()
    assert _scorecards(data) == [] and "expected letters, digits" in f._status.value
    f._candidate.value = "C77"
    f._save_btn.click()
    assert len(_scorecards(data)) == 1


def test_the_log_form_keeps_entries_when_rows_change(data, bank):
    f = LogForm(data, interviewers=[], today=DAY)
    first = f.kit[0]
    f.row_widgets(first)["score"].value = 4
    f._level.value = "mid"  # something scored: the grid is kept
    assert f.kit[0] == first
    f.row_widgets(f.kit[1])["remove"].click()
    assert f.row_widgets(first)["score"].value == 4
    with pytest.raises(KeyError):
        f.row_widgets("nope")
    g = LogForm(data, interviewers=[], today=DAY)
    g._level.value = "mid"  # nothing scored: the grid follows the level
    assert g.kit == default_kit(bank, "mid")


def test_log_another_after_save(data):
    f = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    f._candidate.value = "C1"
    _fill_log(f, [3] * len(f.kit))
    f._recommendation.value = "yes"
    f._save_btn.click()
    f._new_btn.click()
    assert f._candidate.value == "" and f._recommendation.value is None
    assert all(f.row_widgets(q)["score"].value is None for q in f.kit)
    f._candidate.value = "C2"
    _fill_log(f, [2] * len(f.kit))
    f._recommendation.value = "no"
    f._save_btn.click()
    assert "date: not set" in f._status.value  # Log another empties the date: the next one is another day
    f._date.value = dt.date(2026, 2, 20)
    f._save_btn.click()
    wb = load(data, cache=False, progress=False)
    assert wb.n_interviews == 2 and wb.problems == []


def test_the_notebook_data_folder_copy_is_independent(tmp_path):
    # the forms take any folder holding questions.csv: a bank-only folder works with no scores/ at all
    folder = tmp_path / "fresh"
    folder.mkdir()
    shutil.copyfile(config.questions_path(None), folder / "questions.csv")
    f = InterviewForm(folder, interviewers=None, today=DAY)
    assert list(f._interviewer.options) == []


# -- issue 10: forms that never destroy or duplicate data ------------------------------------------

class Scheduler:
    """A fake ``scheduler(delay, callback)``: keeps the callbacks; the test runs them by hand."""

    def __init__(self):
        self.calls = []

    def __call__(self, delay, callback):
        handle = type("Handle", (), {"cancelled": False})()
        handle.cancel = lambda: setattr(handle, "cancelled", True)
        self.calls.append((delay, callback, handle))
        return handle

    def run_due(self):
        for _, cb, h in list(self.calls):
            if not h.cancelled:
                h.cancelled = True
                cb()


def _count_writes(monkeypatch):
    import analysis.widgets.forms.autosave as forms_mod
    writes = []
    real = forms_mod.save_draft

    def counting(state, data=None, **kw):
        writes.append(state)
        return real(state, data, **kw)

    monkeypatch.setattr(forms_mod, "save_draft", counting)
    return writes


def _finished(f):
    _setup(f)
    f._start_btn.click()
    _answer_all(f, [3] * len(f.kit))
    f._recommendation.value = "yes"


def test_a_second_save_click_does_not_recreate_the_draft(data, form):
    """Issue 10: the second click of a double click failed with "already saved" and autosaved the
    state, so the saved interview's draft came back and was offered for resume."""
    _finished(form)
    form._save_btn.click()
    assert form.saved_path is not None and list_drafts(data).empty
    form._save_btn.click()
    assert list_drafts(data).empty, "the saved interview's draft was re-created"
    assert "already saved" in form._status.value and _scorecards(data) == [form.saved_path]
    g = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY)
    assert g._resume_box.layout.display == "none"


def test_log_form_notes_and_red_flags_survive_a_level_change(data, bank):
    """Issue 10: notes and red flags typed before any score were wiped when the level changed."""
    f = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    first = f.kit[0]
    f.row_widgets(first)["notes"].value = "strong on IAM"
    f.row_widgets(f.kit[1])["red_flag"].value = True
    f._level.value = "mid"
    assert f.kit[0] == first and f.row_widgets(first)["notes"].value == "strong on IAM"
    assert f._level_box.layout.display != "none"  # issue 15: asks first
    assert set(f.rows()["level"]) == {"junior"}
    f._level_cancel.click()
    assert f._level.value == "junior" and f.row_widgets(f.kit[1])["red_flag"].value is True
    f._level.value = "senior"
    f._level_confirm.click()
    assert f.kit == default_kit(bank, "senior") and set(f.rows()["level"]) == {"senior"}


@pytest.mark.parametrize("bad", [{"answers": ["jr-s3-basics"]}, {"answers": {"jr-s3-basics": 3}}, {"kit": 5},
                                 {"current": [1]}, {"interviewer": {"x": 1}}])
def test_a_malformed_draft_is_listed_as_unreadable_and_the_form_opens(data, bad):
    """Issue 10: a draft whose answers is a list made list_drafts() and so the form raise."""
    import json
    from analysis.io.drafts import draft_path
    path = draft_path("m1", data)
    path.parent.mkdir(parents=True)
    state = {"draft_id": "m1", "version": 1, "candidate_id": "C1", "level": "junior", "interviewer": "Avery",
             "date": "2026-03-02", "kit": ["jr-s3-basics"], "answers": {}, "current": 0, "started": True}
    path.write_text(json.dumps({**state, **bad}), encoding="utf-8")
    f = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY)
    assert f.last_error is None
    assert "could not be read" in f._status.value and "damaged draft" in f._status.value
    assert f._resume_box.layout.display == "none"


def test_a_lone_surrogate_in_notes_does_not_break_autosave(data, form):
    """Issue 10: a lone surrogate (half an emoji from the browser) made every later autosave fail."""
    _setup(form)
    form._start_btn.click()
    form._notes.value = "great \ud83d answer"
    assert form.last_error is None, form._status.value
    assert form._notes.value == "great \ufffd answer" and "broken character" in form._status.value
    form._score.value = 3  # the next autosave works
    assert form.last_error is None
    (draft,) = list_drafts(data)["draft_id"]
    assert load_draft(draft, data)["answers"][form.kit[0]]["notes"] == "great \ufffd answer"
    _answer_all(form, [3] * len(form.kit))
    form._recommendation.value = "yes"
    form._save_btn.click()
    assert form.saved_path is not None, form._status.value
    assert load(data, cache=False, progress=False).scores["notes"].iloc[0] == "great \ufffd answer"


def test_two_tabs_resuming_one_draft_never_overwrite_each_other(data):
    """Issue 10: two tabs resuming one draft overwrote each other. The second tab is warned, takes
    the draft over on a second click, and the first one is told and stops saving."""
    clock = Clock()
    f = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY, clock=clock)
    _setup(f, "C5")
    f._start_btn.click()
    f._score.value = 2
    f.close()  # the first kernel ends
    (draft,) = list_drafts(data)["draft_id"]
    tab1 = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY, clock=clock)
    tab1._resume_btn.click()
    assert tab1._candidate.value == "C5" and "Resumed" in tab1._status.value  # nobody held it: no warning
    tab2 = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY, clock=clock)
    tab2._resume_btn.click()
    assert tab2._candidate.value == "" and "open in another tab" in tab2._status.value
    tab2._resume_btn.click()  # take it over
    assert tab2._candidate.value == "C5"
    tab2._next.click()
    tab2._score.value = 4
    tab1._notes.value = "typed in the old tab"
    tab1._next.click()
    assert "opened in another tab" in tab1._status.value and tab1._save_btn.disabled
    st = load_draft(draft, data)
    assert st["answers"][tab2.kit[1]]["score"] == 4 and st["owner"] == tab2.owner
    assert st["answers"][tab2.kit[0]]["notes"] == ""  # tab 1 did not overwrite tab 2's draft
    _answer_all(tab1, [1] * len(tab1.kit))
    tab1._recommendation.value = "no"
    tab1.save()
    assert _scorecards(data) == []  # the stale tab cannot save over the live one


def test_each_interviewer_sees_only_their_own_drafts(data):
    """Issue 10: interviewers sharing the Voila app on one data folder saw each other's drafts."""
    a = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY)
    _setup(a, "C1")
    a.close()
    b = InterviewForm(data, interviewer="Blake", interviewers=[], today=DAY)
    assert b._resume_box.layout.display == "none" and b._resume_choice.options == ()
    anon = InterviewForm(data, interviewers=[], today=DAY)  # no name yet: nobody's drafts
    assert anon._resume_choice.options == ()
    anon._interviewer.value = "avery"  # picking the name offers them
    assert [v for _, v in anon._resume_choice.options] == [a._key]  # Avery's, not its own new one


def test_typing_notes_is_autosaved_within_a_second_not_per_keystroke(data, monkeypatch):
    """Issue 10: every keystroke in the notes wrote and fsync-ed the draft. Now the first unsaved
    keystroke schedules one write autosave_delay (1 s) later; a late timer is caught up by the next
    keystroke, and Next, a score or Save write at once, so at most a second of typing can be lost."""
    clock, sched = Clock(), Scheduler()
    f = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY, clock=clock, scheduler=sched)
    _setup(f)
    f._start_btn.click()
    writes = _count_writes(monkeypatch)
    for i, text in enumerate(["s", "sa", "sai", "said", "said X"]):
        clock.t += 0.15
        f._notes.value = text
    assert writes == [] and len(sched.calls) == 1 and sched.calls[0][0] == 1.0
    sched.run_due()  # the timer fires
    assert len(writes) == 1 and writes[0]["answers"][f.kit[0]]["notes"] == "said X"
    (draft,) = list_drafts(data)["draft_id"]
    assert load_draft(draft, data)["answers"][f.kit[0]]["notes"] == "said X"
    # the timer is late (a busy kernel): a keystroke after a second writes itself
    f._notes.value = "said X."
    clock.t += 1.01
    f._notes.value = "said X. Y"
    assert len(writes) == 2 and writes[-1]["answers"][f.kit[0]]["notes"] == "said X. Y"
    # typing then Next: written at once, and the pending timer is cancelled
    f._notes.value = "said X. Y!"
    f._next.click()
    assert writes[-1]["answers"][f.kit[0]]["notes"] == "said X. Y!"
    assert all(h.cancelled for _, _, h in sched.calls)


def test_the_default_scheduler_flushes_typed_notes_on_its_own(data):
    import time as _time
    f = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY, autosave_delay=0.2)
    _setup(f)
    f._start_btn.click()
    f._notes.value = "typed"
    deadline = _time.monotonic() + 5
    while _time.monotonic() < deadline:
        drafts = list_drafts(data)
        if len(drafts) and load_draft(drafts["draft_id"].iloc[0], data)["answers"].get(f.kit[0], {}).get("notes") == "typed":
            break
        _time.sleep(0.05)
    else:
        raise AssertionError("the typed note was never autosaved")


# -- issue 15: messages that follow the form, the level, the log form's rubric, the demo folder ------

def test_the_missing_list_clears_as_soon_as_it_is_fixed(data, form):
    _setup(form)
    form._start_btn.click()
    _answer_all(form, [3] * (len(form.kit) - 1))
    form._save_btn.click()
    assert "Not saved" in form._status.value and "recommendation" in form._status.value
    form._recommendation.value = "yes"  # one problem fixed: the list shrinks at once
    assert "recommendation" not in form._status.value and f"({form.kit[-1]})" in form._status.value
    form._score.value = 2
    assert "Not saved" not in form._status.value and "Everything needed is filled in" in form._status.value


def test_cannot_start_clears_when_the_set_up_is_fixed(data, form):
    form._start_btn.click()
    assert "Cannot start" in form._status.value and "candidate id: empty" in form._status.value
    form._candidate.value = "C1"
    assert "Cannot start" not in form._status.value


def test_log_form_messages_follow_the_grid(data):
    f = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    f._candidate.value = "C7"
    f._save_btn.click()
    assert "score for row 1" in f._status.value
    for qid in f.kit:
        f.row_widgets(qid)["score"].value = 3
    assert "score for row" not in f._status.value and "recommendation" in f._status.value
    f._recommendation.value = "no"
    assert "Not saved" not in f._status.value


def test_log_form_shows_the_whole_question_and_the_rubric(data, bank):
    f = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    qid = f.kit[0]
    row = f.row_widgets(qid)
    text = bank.set_index("question_id").at[qid, "question"]
    label = row["box"].children[0].value
    assert text.replace("'", "&#x27;").replace('"', "&quot;") in label or text in label
    assert "text-overflow:ellipsis" not in label and "nowrap" not in label
    assert [lab for lab, _ in row["score"].options][1:] == [f"{s} — {config.SCORE_MEANINGS[s]}" for s in config.SCORES]
    assert "1 — showed the red flag / no real understanding" in [lab for lab, _ in row["score"].options]


def _demo_folder(data):
    import json
    (data / "planted").mkdir()
    (data / "planted" / "demo-manifest.json").write_text(json.dumps({"generator": "analysis.demo", "files": {}}))
    return data


def test_the_demo_folder_shows_a_banner_and_refuses_real_interviews(data):
    _demo_folder(data)
    f = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY)
    assert f._demo_box.layout.display != "none" and "synthetic demo" in f._banner.value
    _finished(f)
    f._save_btn.click()
    assert _scorecards(data) == [] and "synthetic demo folder" in f._status.value and "init" in f._status.value
    f._practice.value = True
    f._save_btn.click()
    assert len(_scorecards(data)) == 1
    g = LogForm(data, interviewer="Harper", interviewers=[], today=DAY, practice=True)
    assert g._practice.value is True
    g._candidate.value = "C8"
    for qid in g.kit:
        g.row_widgets(qid)["score"].value = 2
    g._recommendation.value = "no"
    g._save_btn.click()
    assert len(_scorecards(data)) == 2


def test_an_own_data_folder_has_no_banner(data, form):
    assert form._demo_box.layout.display == "none"
    _finished(form)
    form._save_btn.click()
    assert form.saved_path is not None


def test_resuming_removes_the_forms_own_empty_draft(data):
    f = InterviewForm(data, interviewer="Alex", interviewers=[], today=DAY)
    _setup(f, "C1")
    f._start_btn.click()
    f._score.value = 3
    f.close()
    g = InterviewForm(data, interviewers=[], today=DAY)
    g._interviewer.value = "Alex"  # autosaves g's own (empty) draft
    assert len(list_drafts(data)) == 2
    g._resume_btn.click()
    assert list(list_drafts(data)["candidate_id"]) == ["C1"]


def test_the_form_starts_from_a_recommended_kit(data, bank):
    # A kit from analysis.stats.kit_design (here a stand-in with the same fields: level and a kit frame)
    # replaces the default kit and sets the level; the kit is then what the interview asks and saves.
    class Recommendation:
        level = "senior"
        kit = pd.DataFrame({"question_id": ["sr-egress-cost", "sr-multi-account", "mid-caching"]})

    f = InterviewForm(data, interviewers=[])
    f.use_kit(Recommendation())
    assert f._level.value == "senior"
    assert f.kit == ["sr-egress-cost", "sr-multi-account", "mid-caching"]
    assert list(f.rows()["question_id"]) == f.kit
    f.use_kit(["jr-s3-basics"], level="junior")
    assert f.kit == ["jr-s3-basics"] and f._level.value == "junior"
    with pytest.raises(ValueError, match="not in the question bank"):
        f.use_kit(["no-such-question"])
    assert f.kit == ["jr-s3-basics"]  # unchanged by a refused kit
    _setup(f, "C42", level="junior")
    f._interviewer.value = "Avery"
    f._start_btn.click()
    with pytest.raises(ValueError, match="has started"):
        f.use_kit(["jr-iam-basics"])


# -- practice interviews (issue 24) ------------------------------------------------------------


def test_practice_box_on_an_own_folder_writes_practice_true_and_the_loader_sets_it_aside(data, form):
    """Issue 24: the box saved a normal scorecard, which every report then counted."""
    assert form._practice.layout.display != "none" and form._demo_box.layout.display == "none"
    form._practice.value = True
    _finished(form)
    form._save_btn.click()
    assert form.saved_path is not None and "practice interview" in form._status.value
    (path,) = _scorecards(data)
    head, *body = path.read_text().splitlines()
    assert head.split(",")[-1] == "practice" and all(line.endswith(",true") for line in body)
    wb = load(data, cache=False, progress=False)
    assert wb.scores.empty and wb.n_practice == 1 and wb.problems == []


def test_a_real_interview_is_written_without_the_practice_column(data, form):
    _finished(form)
    form._save_btn.click()
    (path,) = _scorecards(data)
    assert "practice" not in path.read_text().splitlines()[0]
    wb = load(data, cache=False, progress=False)
    assert wb.n_interviews == 1 and wb.n_practice == 0


def test_log_form_practice_is_set_aside(data):
    g = LogForm(data, interviewer="Harper", interviewers=[], today=DAY, practice=True)
    g._candidate.value = "C8"
    for qid in g.kit:
        g.row_widgets(qid)["score"].value = 2
    g._recommendation.value = "no"
    g._save_btn.click()
    assert g.saved_path is not None, g._status.value
    wb = load(data, cache=False, progress=False)
    assert wb.scores.empty and set(wb.practice["candidate_id"]) == {"C8"}


def test_a_resumed_draft_keeps_the_practice_tick(data):
    clock = Clock()
    f = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY, clock=clock)
    _setup(f, "C9")
    f._practice.value = True
    f._start_btn.click()
    (draft,) = list_drafts(data)["draft_id"]
    assert load_draft(draft, data)["practice"] is True
    f.close()
    g = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY, clock=clock)
    g._resume_btn.click()
    assert g.last_error is None and g._practice.value is True
    _answer_all(g, [3] * len(g.kit))
    g._recommendation.value = "yes"
    g._save_btn.click()
    assert g.saved_path is not None, g._status.value
    assert load(data, cache=False, progress=False).n_practice == 1


# -- issue 24: the forms' frictions ------------------------------------------------------------------


def _visible(widget) -> bool:
    return widget.layout.display != "none"


def test_a_red_flag_beside_a_score_above_1_is_named_and_saved_only_once_confirmed(data):
    f = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY, clock=Clock())
    _setup(f, "C24")
    f._start_btn.click()
    kit = f.kit
    f._score.value = 3
    f._red_flag.value = True  # the rubric's 1 is "showed the red flag": 3 with a red flag contradicts it
    # said at once, beside the tick and in the box above Save, before anything is saved
    assert _visible(f._red_flag_hint) and "the rubric's 1 is 'showed the red flag'" in f._red_flag_hint.value
    assert _visible(f._flag_box) and f"question 1 of 7 ({kit[0]}): red flag shown with score 3" in f._flag_msg.value
    assert not _visible(f._flag_confirm)  # nothing to confirm until Save is pressed
    f._next.click()
    _answer_all(f, [2] * 6)
    f._recommendation.value = "yes"
    f._save_btn.click()
    assert f.saved_path is None and _scorecards(data) == []  # never silently
    assert "Not saved yet" in f._status.value and _visible(f._flag_confirm)
    f._flag_confirm.click()  # "Save with these red flags"
    assert f.saved_path is not None, f._status.value
    got = load(data, cache=False, progress=False).scores
    assert got["score"].tolist() == [3] + [2] * 6 and got["red_flag"].tolist() == [True] + [False] * 6


def test_a_red_flag_fixed_to_1_saves_without_asking_and_a_new_clash_asks_again(data):
    f = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    f._candidate.value = "C25"
    _fill_log(f, [4] + [3] * (len(f.kit) - 1), red_flags={0})
    f._recommendation.value = "strong_yes"
    assert _visible(f._flag_box) and f"row 1 ({f.kit[0]}): red flag shown with score 4" in f._flag_msg.value
    f._save_btn.click()
    assert _scorecards(data) == [] and _visible(f._flag_confirm)
    f._flags_confirmed = tuple(f._flag_conflicts())  # confirmed for row 1 only ...
    f.row_widgets(f.kit[1])["red_flag"].value = True  # ... then another clash: asked again
    f._save_btn.click()
    assert _scorecards(data) == [] and "Not saved yet" in f._status.value
    f.row_widgets(f.kit[0])["score"].value = 1  # fixed as the rubric says
    f.row_widgets(f.kit[1])["red_flag"].value = False
    assert not _visible(f._flag_box)
    f._save_btn.click()
    assert f.saved_path is not None, f._status.value


def test_recommendations_show_words_and_save_codes(data):
    f = InterviewForm(data, interviewer="Avery", interviewers=[], today=DAY, clock=Clock())
    g = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    words = ["Strong no", "No", "Yes", "Strong yes"]  # issue 24's words
    assert list(f._recommendation.options) == list(zip(words, config.RECOMMENDATIONS))
    assert list(g._recommendation.options)[1:] == list(zip(words, config.RECOMMENDATIONS))
    assert "strong_no" not in f._recommendation._options_labels and "Strong yes" in g._recommendation._options_labels
    g._candidate.value = "C26"
    _fill_log(g, [3] * len(g.kit))
    g._save_btn.click()
    assert "recommendation: choose Strong no, No, Yes or Strong yes" in g._status.value
    g._recommendation.value = "strong_no"
    g._save_btn.click()
    assert set(load(data, cache=False, progress=False).scores["recommendation"].astype(str)) == {"strong_no"}


def test_the_log_form_date_starts_empty_and_must_be_picked(data):
    f = LogForm(data, interviewer="Harper", interviewers=[])
    assert f._date.value is None and "the day the interview took place" in f._date_hint_label.value
    f._candidate.value = "C27"
    _fill_log(f, [3] * len(f.kit))
    f._recommendation.value = "yes"
    f._save_btn.click()
    assert _scorecards(data) == [] and "date: not set; expected the day of the interview" in f._status.value
    f._date.value = dt.date(2026, 1, 15)
    f._save_btn.click()
    assert set(load(data, cache=False, progress=False).scores["date"]) == {pd.Timestamp("2026-01-15")}
    assert InterviewForm(data, interviewers=[])._date.value == dt.date.today()  # live: today, as before


def test_the_log_form_offers_to_drop_the_empty_rows_and_keeps_the_others(data):
    f = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    f._candidate.value = "C28"
    kit = f.kit
    assert len(kit) == 7
    for i in (0, 1, 3, 5):
        f.row_widgets(kit[i])["score"].value = 3
    f.row_widgets(kit[6])["notes"].value = "asked, ran out of time"  # entered something: never dropped for them
    f._recommendation.value = "no"
    assert not _visible(f._drop_btn)  # offered only once a save stops for it
    f._save_btn.click()
    assert _scorecards(data) == []
    status = f._status.value
    assert f"score for row 3 ({kit[2]})" in status and f"Rows 3 ({kit[2]}), 5 ({kit[4]}) have nothing" in status
    assert _visible(f._drop_btn) and f._drop_btn.description == "Drop the 2 empty rows"
    f._drop_btn.click()
    assert f.kit == [kit[i] for i in (0, 1, 3, 5, 6)] and not _visible(f._drop_btn)
    assert f"score for row 5 ({kit[6]})" in f._status.value  # the row with a note still needs its score
    f.row_widgets(kit[6])["score"].value = 2
    f._save_btn.click()
    got = load(data, cache=False, progress=False).scores
    assert got["question_id"].astype(str).tolist() == [kit[i] for i in (0, 1, 3, 5, 6)]
    assert got["notes"].tolist()[-1] == "asked, ran out of time"


def test_nothing_is_dropped_when_every_row_is_empty(data):
    f = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    f._candidate.value = "C29"
    f._save_btn.click()
    assert not _visible(f._drop_btn) and f.drop_empty_rows() == [] and len(f.kit) == 7


def test_log_notes_are_a_multiline_box(data):
    import ipywidgets as w

    f = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    f._candidate.value = "C30"
    notes = f.row_widgets(f.kit[0])["notes"]
    assert isinstance(notes, w.Textarea) and notes.rows >= 2
    _fill_log(f, [3] * len(f.kit), notes={0: "line one\nline two"})
    f._recommendation.value = "yes"
    f._save_btn.click()
    assert load(data, cache=False, progress=False).scores["notes"].tolist()[0] == "line one\nline two"


def test_an_app_says_what_was_saved_without_server_paths(data, monkeypatch):
    from analysis.errors import StoreError
    from analysis.widgets.forms import base

    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.8")  # how Voila starts its kernels
    f = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    assert f.show_paths is False and LogForm(data, interviewers=[], show_paths=True).show_paths is True
    f._candidate.value = "C31"
    _fill_log(f, [3] * len(f.kit))
    f._recommendation.value = "yes"
    f._save_btn.click()
    assert f.saved_path is not None and f.saved_path.exists()  # the API still has it
    assert f"Saved interview <code>{f.interview_id}</code> (7 questions)." in f._status.value
    root = str(data.resolve()).split("/")[1]
    assert str(data) not in f._status.value and f"/{root}/" not in f._status.value
    f._save_btn.disabled = False
    f._save_btn.click()  # already saved: named by id, not by file
    assert "already saved as" in f._status.value and str(data) not in f._status.value
    # an error from the store names "the data folder", and the traceback stays in the server log
    g = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    g._candidate.value = "C32"
    _fill_log(g, [3] * len(g.kit))
    g._recommendation.value = "yes"

    def refuse(*args, **kwargs):
        raise StoreError(f"interview 'x' is already saved at {data.resolve()}/scores/2026/x.csv; choose a new one")

    monkeypatch.setattr(base, "save_interview", refuse)
    g._save_btn.click()
    assert "already saved at the data folder/scores/2026/x.csv" in g._status.value
    assert str(data.resolve()) not in g._status.value
    monkeypatch.setattr(base, "save_interview", lambda *a, **k: 1 / 0)
    g._save_btn.click()
    assert "ZeroDivisionError" in g._status.value and "server's log" in g._status.value
    assert "traceback" not in g._status.value and ".py" not in g._status.value
    # in a notebook the path is still shown
    monkeypatch.delenv("SERVER_SOFTWARE")
    n = LogForm(data, interviewer="Harper", interviewers=[], today=DAY)
    n._candidate.value = "C33"
    _fill_log(n, [3] * len(n.kit))
    n._recommendation.value = "yes"
    monkeypatch.undo()
    n._save_btn.click()
    assert str(n.saved_path) in n._status.value


def test_the_demo_banner_leaves_the_folder_out_in_an_app(data, monkeypatch):
    from analysis.widgets.forms import base

    monkeypatch.setattr(base, "is_demo_folder", lambda d: True)
    assert str(data) in InterviewForm(data, interviewers=[], show_paths=True)._banner.value
    app = InterviewForm(data, interviewers=[], show_paths=False)
    assert "synthetic demo folder" in app._banner.value and str(data) not in app._banner.value


# -- question versions (issue 25): active versions only, question_version on every row ---------------


def _versioned_bank(data):
    """Rewrite ``mid-caching`` (v2 from 2026-01-01) and retire ``mid-decoupling`` in ``data``'s bank,
    by hand (the CSV the bank commands write), and return the new question text."""
    bank = pd.read_csv(data / "questions.csv", dtype=str, keep_default_na=False)
    v1 = bank["question_id"] == "mid-caching"
    new = bank[v1].copy()
    bank.loc[v1, ["status", "retired"]] = ["retired", "2026-01-01"]
    new[["version", "status", "introduced", "question"]] = ["2", "active", "2026-01-01",
                                                           "When does a cache make things worse? <b>why</b>"]
    bank.loc[bank["question_id"] == "mid-decoupling", ["status", "retired"]] = ["retired", "2025-06-01"]
    bank = pd.concat([bank, new], ignore_index=True)
    bank.to_csv(data / "questions.csv", index=False)
    return new["question"].iloc[0]


@pytest.mark.parametrize("versions", ["active", "all", "items"])
def test_forms_offer_active_versions_only_whatever_bank_they_get(data, versions):
    text = _versioned_bank(data)
    all_versions = load_questions(data, versions="all")
    given = {"active": None, "all": all_versions, "items": load(data, cache=False, progress=False).questions}[versions]
    for form_type in (InterviewForm, LogForm):
        f = form_type(data, interviewers=[], today=DAY, questions=given, **({"autosave": False}
                                                                             if form_type is InterviewForm else {}))
        ids = f.questions["question_id"].tolist()
        assert len(ids) == len(set(ids)) == 23  # 24 questions, one retired
        assert "mid-decoupling" not in ids
        assert f.questions.set_index("question_id").loc["mid-caching", ["version", "question"]].tolist() == [2, text]
    log = LogForm(data, interviewers=[], questions=given)
    assert "mid-decoupling" not in [v for _, v in log._add_choice.options]


def test_the_form_shows_and_records_the_version_it_offers(data):
    text = _versioned_bank(data)
    f = InterviewForm(data, interviewer="Avery", interviewers=["Avery"], today=DAY, clock=Clock(), autosave=False)
    _setup(f, "C42", level="mid")
    f.use_kit(["mid-caching", "mid-high-availability"])
    f._start_btn.click()
    # the card says which wording is in use, escaped
    assert "<code>mid-caching</code> · v2 · mid · data" in f._question.value
    assert html_escaped(text) in f._question.value and "<b>why</b>" not in f._question.value
    _answer_all(f, [3, 2])
    rows = f.rows()
    assert dict(zip(rows["question_id"], rows["question_version"])) == {"mid-caching": 2, "mid-high-availability": 1}


def test_the_log_form_writes_question_version_on_every_row(data):
    _versioned_bank(data)
    f = LogForm(data, interviewer="Avery", interviewers=["Avery"], today=DAY)
    f._level.value = "mid"
    assert "mid-caching" in f.kit or f.set_questions([*f.kit, "mid-caching"]) is None
    rows = f.rows()
    assert len(rows) == len(f.kit) and rows["question_version"].notna().all()
    assert rows.set_index("question_id").loc["mid-caching", "question_version"] == 2
    assert set(rows["question_version"].drop(rows.index[rows["question_id"] == "mid-caching"])) == {1}


def test_a_bank_written_before_versions_is_version_1(data, bank):
    old = bank.drop(columns=["version", "status", "introduced", "retired"])
    f = InterviewForm(data, interviewers=[], today=DAY, questions=old, autosave=False)
    assert set(f.rows()["question_version"]) <= {1} and set(f.questions["version"]) == {1}


def test_the_log_form_shows_and_records_the_version_in_force_on_its_date(data):
    """A logged interview happened on its date: before the rewrite it asked version 1."""
    text = _versioned_bank(data)  # mid-caching v2 from 2026-01-01
    f = LogForm(data, interviewer="Avery", interviewers=["Avery"])
    f._level.value = "mid"
    if "mid-caching" not in f.kit:
        f.set_questions([*f.kit, "mid-caching"])
    label = f.row_widgets("mid-caching")["label"]
    assert "v2" in label.value and html_escaped(text) in label.value  # no date yet: the active version
    f._date.value = dt.date(2025, 12, 31)
    assert "<code>mid-caching</code> · v1 ·" in label.value and "How does caching with CloudFront" in label.value
    assert f.rows().set_index("question_id").loc["mid-caching", "question_version"] == 1
    f._date.value = dt.date(2026, 1, 1)
    assert "<code>mid-caching</code> · v2 ·" in label.value
    assert f.rows().set_index("question_id").loc["mid-caching", "question_version"] == 2


def test_a_logged_interview_from_before_the_rewrite_loads_as_version_1(data):
    _versioned_bank(data)  # mid-caching v2 from 2026-01-01
    f = LogForm(data, interviewer="Avery", interviewers=["Avery"])
    f._level.value = "mid"
    if "mid-caching" not in f.kit:
        f.set_questions([*f.kit, "mid-caching"])
    f._candidate.value = "C1"
    f._date.value = dt.date(2025, 12, 31)
    for q in f.kit:
        f.row_widgets(q)["score"].value = 3
    f._recommendation.value = "yes"
    path = f.save()
    assert path is not None, f._status.value
    card = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("question_id")
    assert card.loc["mid-caching", "question_version"] == "1"
    wb = load(data, cache=False, progress=False)
    assert wb.problems == [] and "mid-caching v1" in set(wb.scores["question_id"].astype(str))
