"""The live interview form (:class:`InterviewForm`): set-up, question kit, one question at a time,
recommendation, save.

Built on :class:`~analysis.widgets.forms.base._Form` (set-up, messages, saving),
:class:`~analysis.widgets.forms.autosave._AutosavedDrafts` (autosave and resume) and
:class:`~analysis.widgets.forms.kit_editor._KitEditor` (the question kit); this module holds the rest
of the live form: the pager with the time kept per question, the summary before saving, and the
form's state as a draft stores it.
"""

from __future__ import annotations

import datetime as dt
import time

import ipywidgets as w

from analysis import config
from analysis._text import escape_html
from analysis.io.drafts import new_draft_id, remove_draft
from analysis.io.interviews import kit_problems, recommendation_options, setup_problems
from analysis.io.kits import default_kit
from analysis.widgets.forms.autosave import _AutosavedDrafts
from analysis.widgets.forms.card import guide_html, question_html
from analysis.widgets.forms.kit_editor import _KitEditor
from analysis.widgets.forms.base import SCORE_LABELS, _classed, _Form, _guarded, _show

__all__ = ["InterviewForm"]


def _fmt_seconds(sec) -> str:
    """Seconds as ``m:ss``, the time column of the summary."""
    sec = int(round(float(sec or 0)))
    return f"{sec // 60}:{sec % 60:02d}"


class InterviewForm(_KitEditor, _AutosavedDrafts, _Form):
    """Run a structured interview: set-up, question kit, one question at a time, recommendation, save.

    Parameters
    ----------
    data : path-like, optional
        The data folder (default :func:`analysis.config.data_dir`); scorecards go to its
        ``scores/``, drafts to its ``drafts/``.
    interviewer : str, optional
        Pre-filled interviewer name.
    questions : DataFrame, optional
        The bank (default: the data folder's).
    interviewers : list of str, optional
        Names offered in the interviewer box (default: every interviewer in the data folder).
    today : datetime.date, optional
        The default date (default: today).
    autosave : bool, default True
        Save a draft on every change (typing in the notes: at most ``autosave_delay`` later).
    clock : callable, optional
        Returns seconds (default :func:`time.monotonic`); tests pass a fake clock.
    practice : bool, default False
        Tick *This is a practice interview*: the scorecard is saved with ``practice`` true and set
        aside by the loader (no report counts it); the synthetic demo folder saves only these.
    autosave_delay : float, default 1.0
        Longest time typed notes wait before they are autosaved (seconds).
    scheduler : callable, optional
        ``scheduler(delay, callback)`` runs ``callback`` after ``delay`` seconds and returns a handle
        with ``cancel()`` (default: the kernel's asyncio loop, else a timer thread); tests pass a
        fake one.
    show_paths : bool, optional
        Whether messages show the server's file paths (the saved scorecard's file). Default: yes in a
        notebook, no in a Voila app, where colleagues see "Saved interview <id> (N questions)".

    Attributes
    ----------
    widget : ipywidgets.VBox
        The form, displayed when the object is the last expression of a cell.
    saved_path : pathlib.Path or None
        The scorecard written by the last successful save.
    last_error : Exception or None
        The last error raised inside a callback (also shown in the form).

    Notes
    -----
    The kit starts as :func:`analysis.io.kits.default_kit` for the level (six questions spread over
    topics plus a stretch question from the level above) and can be edited until the interview is
    saved. Changing the level replaces the kit with the new level's default as long as nothing has
    been scored. ``duration_seconds`` counts the time each question was on screen after
    *Start interview*; choosing the recommendation pauses the clock (deliberating over the overall
    call is not time on the last question) and *Back*/*Next* start it again. The times survive a
    kernel restart through the draft (the seconds since the last change before a crash are lost).
    """

    _timed = True

    def __init__(self, data=None, interviewer: str | None = None, *, questions=None, interviewers=None,
                 today=None, autosave: bool = True, clock=time.monotonic, practice: bool = False,
                 autosave_delay: float = 1.0, scheduler=None, show_paths: bool | None = None):
        super().__init__(data, interviewer, questions=questions, interviewers=interviewers, today=today,
                         practice=practice, show_paths=show_paths)
        self._init_drafts(autosave=autosave, autosave_delay=autosave_delay, scheduler=scheduler)
        self._clock = clock
        self._shown_at: float | None = None
        self._saved = False
        self._kit: list[str] = default_kit(self.questions, self._level.value)
        self._answers: dict[str, dict] = {}
        self._current = 0
        self._started = False
        self._build()
        self._refresh_all()
        self._offer_drafts()

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        resume_box = self._build_resume_box()
        kit_panel = self._build_kit_panel()
        self._start_btn = _classed(w.Button(description="Start interview", button_style="primary"), "icw-start")
        # one question at a time
        self._progress = _classed(w.HTML(), "icw-progress")
        self._progress_bar = _classed(w.IntProgress(min=0, max=1, value=0), "icw-progress-bar")
        self._question = _classed(w.HTML(), "icw-question")
        self._guide_body = _classed(w.HTML(), "icw-guide-body")
        self._guide = _classed(w.Accordion(children=[self._guide_body],
                                           titles=("Guide: what good looks like, and the red flag",),
                                           selected_index=None), "icw-guide")
        self._score = _classed(w.RadioButtons(options=[(SCORE_LABELS[s], s) for s in config.SCORES], value=None,
                                              description="Score", layout=w.Layout(width="auto")), "icw-score")
        self._red_flag = _classed(w.Checkbox(value=False, description="Red flag shown", indent=False),
                                  "icw-red-flag")
        self._red_flag_hint = _classed(w.HTML(), "icw-red-flag-hint")
        self._notes = _classed(w.Textarea(placeholder="notes", description="Notes",
                                          layout=w.Layout(width="40em", height="6em")), "icw-notes")
        self._back = _classed(w.Button(description="◀ Back"), "icw-back")
        self._next = _classed(w.Button(description="Next ▶"), "icw-next")
        self._pager = _classed(w.VBox([w.HBox([self._progress, self._progress_bar]), self._question, self._guide,
                                       self._score, w.HBox([self._red_flag, self._red_flag_hint]), self._notes,
                                       w.HBox([self._back, self._next])]), "icw-pager")
        # finish
        # shown in words ("Strong yes"), saved as the code (strong_yes)
        self._recommendation = _classed(w.ToggleButtons(options=recommendation_options(), value=None,
                                                        description="Recommendation"), "icw-recommendation")
        self._summary = _classed(w.HTML(), "icw-summary")
        self._save_btn = _classed(w.Button(description="Save scorecard", button_style="success"), "icw-save")
        self._new_btn = _classed(w.Button(description="New interview"), "icw-new")
        self._finish = _classed(w.VBox([self._recommendation, self._summary, self._flag_box,
                                        w.HBox([self._save_btn, self._new_btn])]), "icw-finish")
        self.widget = _classed(w.VBox([w.HTML("<h3>Interview</h3>"), resume_box, self._setup_box,
                                       kit_panel, self._start_btn, self._pager, self._finish,
                                       self._status]), "icw-interview-form")
        _show(self._new_btn, False)
        # wiring
        for name in ("candidate", "level", "interviewer", "date", "score", "red_flag", "notes",
                     "recommendation", "practice"):
            getattr(self, f"_{name}").observe(getattr(self, f"_on_{name}_value"), names="value")
        for name in ("start_btn", "back", "next", "save_btn", "new_btn"):
            getattr(self, f"_{name}").on_click(getattr(self, f"_on_{name}_click"))

    # -- state -----------------------------------------------------------------------------------
    @property
    def state(self) -> dict:
        """The form's state as the JSON-serialisable dict a draft stores."""
        v = self._setup_values()
        return {"draft_id": self._key, "form": "interview", "candidate_id": v["candidate_id"],
                "level": v["level"], "interviewer": v["interviewer"],
                "date": v["date"].isoformat() if v["date"] else "", "kit": list(self._kit),
                "answers": {q: dict(a) for q, a in self._answers.items()}, "current": self._current,
                "started": self._started, "recommendation": self._recommendation.value,
                "interview_id": self.interview_id or "", "practice": bool(self._practice.value)}

    def _answer(self, qid: str) -> dict:
        return self._answers.setdefault(qid, {"score": None, "red_flag": False, "notes": "",
                                              "duration_seconds": 0.0})

    def _entries(self) -> list[dict]:
        return [dict(self._answer(q), question_id=q) for q in self._kit]

    def _flush_time(self) -> None:
        if not self._started or self._saved or self._shown_at is None or not self._kit:
            return
        now = self._clock()
        a = self._answer(self._kit[self._current])
        a["duration_seconds"] = float(a.get("duration_seconds") or 0.0) + max(0.0, now - self._shown_at)
        self._shown_at = now

    def _changed(self, *, soon: bool = False) -> None:
        """After every user change: keep time, refresh what depends on it, re-check the messages on
        screen, autosave the draft (now, or with ``soon`` within ``autosave_delay``)."""
        if self._loading or self._saved:
            return
        self._flush_time()
        self._update_id_label()
        self._update_summary()
        self._update_red_flag_hint()
        self._revalidate()
        self._autosave(soon=soon)

    # -- rendering -------------------------------------------------------------------------------
    def _refresh_all(self) -> None:
        with self._quiet():
            self._update_id_label()
            self._update_kit_views()
            self._show_question()
            self._update_summary()
            self._update_flag_warning()
            _show(self._pager, self._started)
            _show(self._finish, self._started)
            _show(self._start_btn, not self._started)

    def _show_question(self) -> None:
        n = len(self._kit)
        self._current = max(0, min(self._current, n - 1)) if n else 0
        scored = sum(1 for q in self._kit if self._answer(q)["score"] is not None)
        self._progress_bar.max = max(n, 1)
        self._progress_bar.value = scored
        self._back.disabled = self._current <= 0
        self._next.disabled = self._current >= n - 1
        if not n:
            self._progress.value = "No questions in the kit"
            self._question.value = self._guide_body.value = ""
            return
        qid = self._kit[self._current]
        q = self._qinfo.loc[qid]
        a = self._answer(qid)
        self._progress.value = f"<b>Question {self._current + 1} of {n}</b> · {scored} scored"
        self._question.value = question_html(qid, q)
        self._guide_body.value = guide_html(q)
        with self._quiet():
            self._score.value = a["score"]
            self._red_flag.value = bool(a["red_flag"])
            self._notes.value = a["notes"] or ""
        self._update_red_flag_hint()

    def _update_red_flag_hint(self) -> None:
        """Beside *Red flag shown*: a warning while it is ticked with a score above 1 on screen."""
        a = self._current_answer()
        clash = bool(a and a["red_flag"] and a["score"] is not None and int(a["score"]) > 1)
        self._red_flag_hint.value = (
            f"<span style='color:#b54708'>⚠ ticked with score {int(a['score'])}: the rubric's 1 is 'showed the red "
            "flag'. Give a 1, or keep both and confirm when saving.</span>" if clash else "")
        _show(self._red_flag_hint, clash)

    def _update_summary(self) -> None:
        info = self._qinfo
        body = []
        scores = []
        flags = 0
        for i, q in enumerate(self._kit, start=1):
            a = self._answer(q)
            if a["score"] is not None:
                scores.append(a["score"])
            flags += bool(a["red_flag"])
            note = a["notes"] or ""
            note = note if len(note) <= 120 else note[:117] + "..."
            body.append(f"<tr><td>{i}</td><td><code>{escape_html(q)}</code></td>"
                        f"<td>{escape_html(info.at[q, 'topic'])}</td>"
                        f"<td>{'' if a['score'] is None else int(a['score'])}</td>"
                        f"<td>{'yes' if a['red_flag'] else ''}</td><td class='icw-note'>{escape_html(note)}</td>"
                        f"<td>{_fmt_seconds(a.get('duration_seconds'))}</td></tr>")
        mean = f"{sum(scores) / len(scores):.2f}" if scores else "–"
        self._summary.value = (
            f"<b>Summary</b>: {len(scores)} of {len(self._kit)} scored · mean score {mean} · "
            f"{flags} red flag(s)<table class='icw-summary-table'><tr><th>#</th><th>question</th><th>topic</th>"
            f"<th>score</th><th>red flag</th><th>notes</th><th>time</th></tr>{''.join(body)}</table>")

    # -- drafts (the protocol is _AutosavedDrafts') -------------------------------------------------
    def _restore(self, st: dict) -> None:
        """Put a draft's state (see :attr:`state`) into the widgets; questions no longer in the bank
        are dropped, and the status line names them."""
        unknown = [q for q in st.get("kit", []) if q not in self._qinfo.index]
        with self._quiet():
            self._key = str(st["draft_id"])
            self._candidate.value = st.get("candidate_id", "")
            if st.get("level") in config.LEVELS:
                self._level.value = st["level"]
                self._level_committed = st["level"]
            self._level_pending = None
            _show(self._level_box, False)
            name = st.get("interviewer", "")
            if name and name not in self._interviewer.options:
                self._interviewer.options = sorted([*self._interviewer.options, name])
            self._interviewer.value = name
            self._date.value = dt.date.fromisoformat(st["date"]) if st.get("date") else None
            self._kit = [q for q in st.get("kit", []) if q in self._qinfo.index]
            self._answers = {q: dict(a) for q, a in (st.get("answers") or {}).items()}
            self._current = int(st.get("current") or 0)
            self._started = bool(st.get("started"))
            self._recommendation.value = st.get("recommendation")
            self._practice.value = st.get("practice") is True
            self._kit_select.value = None
        self._saved = False
        self.saved_path = None
        self._save_btn.disabled = False
        self._refresh_all()
        self._shown_at = self._clock() if self._started else None
        if self._started:
            self._kit_panel.selected_index = None
        _show(self._resume_box, False)
        note = (f" (dropped {len(unknown)} question(s) no longer in the bank: {escape_html(', '.join(unknown))})"
                if unknown else "")
        self._set_status(f"Resumed the draft of <code>{escape_html(st.get('candidate_id', ''))}</code>{note}.", "info")

    def start(self) -> None:
        """Show the first question and start the clock (the *Start interview* button)."""
        problems = self._start_problems()
        if problems:
            self._pending_check = "start"
            self._show_missing("start", problems)
            return
        self._pending_check = None
        self._started = True
        self._current = 0
        self._refresh_all()
        self._kit_panel.selected_index = None
        self._shown_at = self._clock()
        self._set_status("Interview started; the draft is saved on every change.", "info")
        self._changed()

    def _start_problems(self) -> list[str]:
        return self._level_problems() + setup_problems(**self._setup_values()) + kit_problems(self._kit)

    def _has_entries(self) -> bool:
        return any(a.get("score") is not None or a.get("red_flag") or (a.get("notes") or "").strip()
                   for q, a in self._answers.items() if q in self._kit)

    def _apply_level(self, level: str) -> None:
        self._set_kit(self._default_kit(level))

    def save(self):
        """Validate and save the interview as a scorecard; remove its draft. Returns the path or None.

        A second call after a successful save (a double click) writes nothing, returns None and
        keeps the draft removed (``saved_path`` still names the file)."""
        if self._saved:
            self._already_saved()
            return None
        if self._taken:
            self._set_status("<b>Not saved</b>: this interview continues in another tab or window; save it there "
                             "(or press <i>Resume</i> here to take it back).", "error")
            return None
        self._flush_time()
        path = self._store(self.rows(), self.missing())
        if path is not None:
            self._cancel_flush()
            self._saved = True
            self._save_btn.disabled = True
            _show(self._new_btn, True)
            remove_draft(self._key, self.data)
            self._release_hold(remove=True)
        elif self.autosave:
            self._write_draft()
        return path

    def reset(self) -> None:
        """Start over with an empty form for the next interview (keeps interviewer and date)."""
        self._cancel_flush()
        self._release_hold()
        self._taken = False
        self._pending_check = None
        self._level_pending = None
        self._level_committed = self._level.value
        self._flags_confirmed, self._flags_asked, self._saved_id = (), False, None
        _show(self._level_box, False)
        with self._quiet():
            self._key = new_draft_id()
            self._candidate.value = ""
            self._answers = {}
            self._current = 0
            self._started = False
            self._kit = self._default_kit(self._level.value)
            self._recommendation.value = None
            self._kit_select.value = None
        self._saved = False
        self.saved_path = None
        self._shown_at = None
        self._save_btn.disabled = False
        _show(self._new_btn, False)
        self._kit_panel.selected_index = 0
        self._refresh_all()
        self._offer_drafts()

    # -- handlers: set-up --------------------------------------------------------------------------
    @_guarded
    def _on_candidate_value(self, change):
        self._changed()

    @_guarded
    def _on_interviewer_value(self, change):
        self._changed()
        if not self._started:  # offer this interviewer's drafts (and only theirs)
            self._offer_drafts()

    @_guarded
    def _on_date_value(self, change):
        self._changed()

    @_guarded
    def _on_practice_value(self, change):
        self._changed()

    @_guarded
    def _on_level_value(self, change):
        if self._loading:
            return
        self._level_change(change["new"])
        self._changed()

    # -- handlers: questions -------------------------------------------------------------------------
    def _current_answer(self) -> dict | None:
        return self._answer(self._kit[self._current]) if self._kit else None

    @_guarded
    def _on_score_value(self, change):
        if self._loading or not self._kit:
            return
        self._current_answer()["score"] = change["new"]
        with self._quiet():
            self._show_question()
        self._changed()

    @_guarded
    def _on_red_flag_value(self, change):
        if self._loading or not self._kit:
            return
        self._current_answer()["red_flag"] = bool(change["new"])
        self._changed()

    @_guarded
    def _on_notes_value(self, change):
        if self._loading or not self._kit:
            return
        self._current_answer()["notes"] = self._repaired(self._notes, change["new"] or "")
        self._changed(soon=True)  # typing: autosaved within autosave_delay, not fsync-ed per keystroke

    def _go(self, offset: int) -> None:
        self._flush_time()
        if self._started and self._shown_at is None:  # the clock was paused by the recommendation
            self._shown_at = self._clock()
        self._current = max(0, min(len(self._kit) - 1, self._current + offset))
        with self._quiet():
            self._show_question()
        self._changed()

    @_guarded
    def _on_back_click(self, _):
        self._go(-1)

    @_guarded
    def _on_next_click(self, _):
        self._go(+1)

    @_guarded
    def _on_start_btn_click(self, _):
        self.start()

    @_guarded
    def _on_recommendation_value(self, change):
        # the questions are over: pause the clock (Back/Next starts it again)
        self._flush_time()
        self._shown_at = None
        self._changed()

    @_guarded
    def _on_save_btn_click(self, _):
        self.save()

    @_guarded
    def _on_new_btn_click(self, _):
        self.reset()

