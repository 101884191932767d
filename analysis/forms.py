"""Widget forms to run an interview live (:class:`InterviewForm`) or log one afterwards
(:class:`LogForm`).

Both forms only gather values: they build a scorecard DataFrame and hand it to
:func:`analysis.store.save_interview`, which validates and writes it; nothing here knows how a
scorecard is stored. The live form also autosaves its state as a draft (:mod:`analysis.drafts`) on
every change, offers unfinished drafts when it opens, and removes the draft once the interview is
saved.

>>> from analysis.forms import InterviewForm, LogForm
>>> InterviewForm(interviewer="Casey")          # displays the form in a notebook or a Voila app

What the forms guarantee
------------------------
- Nothing is written until everything is there: the candidate id, the interviewer, the date, a
  score for every question in the kit and a recommendation. What is missing is listed in the form.
- User text (notes, names, ids) is escaped with :func:`html.escape` wherever it is rendered as HTML,
  so a note ``<img src=x onerror=alert(1)>`` shows as text.
- Candidate ids are pseudonymous keys: letters, digits, ``.``, ``_`` and ``-`` (up to 64). The
  interview id is ``<date>-<candidate id>-<8 random hex digits>``; the store and the drafts turn
  ids into file names with :func:`analysis.store.safe_filename`, so no id leaves its folder.
- An error inside a button or field callback is shown in the form's status line (with the
  traceback under it) and logged, never swallowed.
- The live form records ``duration_seconds``, the time the interviewer spent on each question
  (while it was on screen and the kernel ran), an optional column of the scorecard format.

Stable CSS classes (``icw-*``) are put on the widgets so that browser tests and custom styling can
find them.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import logging
import re
import time
import traceback
from contextlib import contextmanager

import ipywidgets as w
import pandas as pd

from . import config
from .bank import load_questions
from .drafts import list_drafts, load_draft, new_draft_id, remove_draft, save_draft
from .errors import ScorecardError, StoreError
from .kits import add_question, default_kit, filter_bank, move_question, remove_question, stretch_question
from .load import load
from .store import save_interview

__all__ = ["InterviewForm", "LogForm", "known_interviewers", "make_interview_id", "setup_problems",
           "CANDIDATE_ID_PATTERN"]

log = logging.getLogger(__name__)

#: What a candidate id may look like (a pseudonymous key, not a name).
CANDIDATE_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_MAX_NAME = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def known_interviewers(data=None) -> list[str]:
    """Interviewer names found in the data folder's valid scorecards, sorted.

    Uses the parse cache when one exists but never writes it, so opening a form never writes into
    the data folder (and is fast on a large folder once ``check``, ``report`` or the calibration
    notebook has built the cache).
    """
    scores = load(data, cache="read", progress=False).scores
    return sorted({str(n) for n in scores["interviewer"].astype(str) if str(n).strip()})


def make_interview_id(date, candidate_id: str, key: str) -> str:
    """``<YYYY-MM-DD>-<candidate id>-<first 8 characters of key>``: readable, unique per form.

    Only meaningful for a valid candidate id (see :func:`setup_problems`); the store still passes
    the id through :func:`analysis.store.safe_filename` before using it as a file name.
    """
    return f"{pd.Timestamp(date):%Y-%m-%d}-{str(candidate_id).strip()}-{str(key)[:8]}"


def setup_problems(candidate_id, level, interviewer, date) -> list[str]:
    """What is wrong with an interview's set-up fields, as short sentences (empty when fine)."""
    out = []
    cand = (candidate_id or "").strip()
    if not cand:
        out.append("candidate id: empty; expected a pseudonymous id such as C00042")
    elif not re.fullmatch(CANDIDATE_ID_PATTERN, cand):
        out.append(f"candidate id {cand!r}: expected letters, digits, '.', '_' or '-' (at most 64, "
                   "starting with a letter or digit)")
    if level not in config.LEVELS:
        out.append(f"level {level!r}: expected one of {', '.join(config.LEVELS)}")
    name = (interviewer or "").strip()
    if not name:
        out.append("interviewer: empty; pick a known name or type a new one")
    elif len(name) > _MAX_NAME or _CONTROL.search(name):
        out.append(f"interviewer: expected at most {_MAX_NAME} characters on one line")
    if date is None:
        out.append("date: not set; expected the day of the interview")
    return out


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _show(widget: w.Widget, visible: bool) -> None:
    widget.layout.display = "" if visible else "none"


def _classed(widget: w.Widget, *classes: str) -> w.Widget:
    for c in classes:
        widget.add_class(c)
    return widget


def _guarded(method):
    """Run a callback so that any error is shown in the form (and logged), never lost."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 — shown to the user, logged, kept in last_error
            self._show_error(method.__name__, exc)
            return None

    return wrapper


def _fmt_seconds(sec) -> str:
    sec = int(round(float(sec or 0)))
    return f"{sec // 60}:{sec % 60:02d}"


class _Form:
    """Set-up fields, status line and saving, shared by both forms."""

    _prefix = "icw"
    _title = ""

    def __init__(self, data=None, interviewer: str | None = None, *, questions: pd.DataFrame | None = None,
                 interviewers: list[str] | None = None, today: dt.date | None = None):
        self.data = data
        self.questions = load_questions(data) if questions is None else questions
        self._qinfo = self.questions.set_index("question_id")
        self.last_error: Exception | None = None
        self.saved_path = None
        self._loading = False
        self._key = new_draft_id()
        names = known_interviewers(data) if interviewers is None else list(interviewers)
        if interviewer and interviewer not in names:
            names = sorted([*names, interviewer])
        p = self._prefix
        wide = {"description_width": "7em"}
        self._candidate = _classed(w.Text(description="Candidate id", placeholder="e.g. C00042",
                                          continuous_update=True, style=wide), f"{p}-candidate")
        self._level = _classed(w.Dropdown(description="Level", options=list(config.LEVELS),
                                          value=config.LEVELS[0]), f"{p}-level")
        self._interviewer = _classed(w.Combobox(description="Interviewer", options=names, value=interviewer or "",
                                                placeholder="pick a name or type a new one",
                                                ensure_option=False, style=wide), f"{p}-interviewer")
        self._date = _classed(w.DatePicker(description="Date", value=today or dt.date.today()), f"{p}-date")
        self._id_label = _classed(w.HTML(), f"{p}-interview-id")
        self._status = _classed(w.HTML(), f"{p}-status")
        self._setup_box = w.VBox([w.HBox([self._candidate, self._level]),
                                  w.HBox([self._interviewer, self._date]), self._id_label])

    # -- display -------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        bundle["text/plain"] = f"{type(self).__name__}()"
        return bundle

    # -- status and errors ---------------------------------------------------------------------
    def _set_status(self, html_text: str, kind: str = "info") -> None:
        colour = {"info": "#444", "ok": "#1a7f37", "error": "#b42318"}[kind]
        self._status.value = f'<div class="{self._prefix}-status-{kind}" style="color:{colour}">{html_text}</div>'

    def _show_error(self, where: str, exc: Exception) -> None:
        self.last_error = exc
        log.error("error in %s.%s", type(self).__name__, where, exc_info=exc)
        tb = "".join(traceback.format_exception(exc))
        self._set_status(f"<b>Error</b> in {_esc(where)}: {_esc(type(exc).__name__)}: {_esc(exc)}"
                         f"<details><summary>traceback</summary><pre>{_esc(tb)}</pre></details>", "error")

    @contextmanager
    def _quiet(self):
        """Set widget values programmatically without triggering autosave and handlers."""
        before, self._loading = self._loading, True
        try:
            yield
        finally:
            self._loading = before

    # -- set-up ----------------------------------------------------------------------------------
    def _setup_values(self) -> dict:
        return {"candidate_id": (self._candidate.value or "").strip(), "level": self._level.value,
                "interviewer": (self._interviewer.value or "").strip(), "date": self._date.value}

    @property
    def interview_id(self) -> str | None:
        """The interview id the form will save under, or None while the set-up is incomplete."""
        v = self._setup_values()
        if setup_problems(**v):
            return None
        return make_interview_id(v["date"], v["candidate_id"], self._key)

    def _update_id_label(self) -> None:
        iid = self.interview_id
        self._id_label.value = (f"Interview id: <code>{_esc(iid)}</code>" if iid else
                                "<i>Interview id: set the candidate id, interviewer and date</i>")

    def _frame(self, answers: list[dict], recommendation, with_duration: bool) -> pd.DataFrame:
        v = self._setup_values()
        iid = self.interview_id or ""
        rows = []
        for a in answers:
            row = {"interview_id": iid, "date": v["date"].isoformat() if v["date"] else "",
                   "candidate_id": v["candidate_id"], "level": v["level"], "interviewer": v["interviewer"],
                   "question_id": a["question_id"], "score": a.get("score"),
                   "red_flag": bool(a.get("red_flag")), "notes": a.get("notes") or "",
                   "recommendation": recommendation or ""}
            if with_duration:
                row["duration_seconds"] = round(float(a.get("duration_seconds") or 0.0), 1)
            rows.append(row)
        return pd.DataFrame(rows)

    def _store(self, rows: pd.DataFrame, missing: list[str]):
        """Save ``rows`` unless something is missing; show the outcome. Returns the path or None."""
        if missing:
            items = "".join(f"<li>{_esc(m)}</li>" for m in missing)
            self._set_status(f"<b>Not saved</b> — missing or invalid:<ul>{items}</ul>", "error")
            return None
        try:
            path = save_interview(rows, self.data, questions=self.questions)
        except ScorecardError as exc:
            items = "".join(f"<li>{_esc(p)}</li>" for p in exc.problems)
            self._set_status(f"<b>Not saved</b> — the scorecard is invalid:<ul>{items}</ul>", "error")
            return None
        except StoreError as exc:
            self._set_status(f"<b>Not saved</b>: {_esc(exc)}", "error")
            return None
        self.saved_path = path
        self._set_status(f"Saved <code>{_esc(rows['interview_id'].iloc[0])}</code> to "
                         f"<code class='{self._prefix}-saved-path'>{_esc(path)}</code>", "ok")
        return path


class InterviewForm(_Form):
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
        Save a draft on every change.
    clock : callable, optional
        Returns seconds (default :func:`time.monotonic`); tests pass a fake clock.

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
    The kit starts as :func:`analysis.kits.default_kit` for the level (six questions spread over
    topics plus a stretch question from the level above) and can be edited until the interview is
    saved. Changing the level replaces the kit with the new level's default as long as nothing has
    been scored. ``duration_seconds`` counts the time each question was on screen after
    *Start interview*; choosing the recommendation pauses the clock (deliberating over the overall
    call is not time on the last question) and *Back*/*Next* start it again. The times survive a
    kernel restart through the draft (the seconds since the last change before a crash are lost).
    """

    def __init__(self, data=None, interviewer: str | None = None, *, questions=None, interviewers=None,
                 today=None, autosave: bool = True, clock=time.monotonic):
        super().__init__(data, interviewer, questions=questions, interviewers=interviewers, today=today)
        self.autosave = autosave
        self._clock = clock
        self._shown_at: float | None = None
        self._saved = False
        self._discard_armed = False
        self._kit: list[str] = default_kit(self.questions, self._level.value)
        self._answers: dict[str, dict] = {}
        self._current = 0
        self._started = False
        self._build()
        self._refresh_all()
        self._offer_drafts()

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        # resume offer
        self._resume_choice = _classed(w.Dropdown(description="Draft", options=[],
                                                  layout=w.Layout(width="32em")), "icw-resume-choice")
        self._resume_btn = _classed(w.Button(description="Resume", button_style="primary"), "icw-resume")
        self._discard_btn = _classed(w.Button(description="Discard draft"), "icw-discard")
        self._resume_box = _classed(w.VBox([w.HTML("<b>Unfinished interviews</b> (autosaved drafts):"),
                                            w.HBox([self._resume_choice, self._resume_btn, self._discard_btn])]),
                                    "icw-resume-box")
        # kit editor
        topics = sorted(self.questions["topic"].astype(str).unique())
        self._kit_select = _classed(w.Select(options=[], rows=8, layout=w.Layout(width="30em")), "icw-kit")
        self._kit_up = _classed(w.Button(description="Up", layout=w.Layout(width="6em")), "icw-kit-up")
        self._kit_down = _classed(w.Button(description="Down", layout=w.Layout(width="6em")), "icw-kit-down")
        self._kit_remove = _classed(w.Button(description="Remove", layout=w.Layout(width="6em")), "icw-kit-remove")
        self._stretch = _classed(w.Checkbox(value=True, description="stretch question from the level above",
                                            indent=False), "icw-stretch")
        self._kit_reset = _classed(w.Button(description="Default kit"), "icw-kit-reset")
        self._bank_text = _classed(w.Text(placeholder="search the bank", description="Filter"), "icw-bank-filter")
        self._bank_level = _classed(w.Dropdown(options=[("any level", "")] + [(lv, lv) for lv in config.LEVELS],
                                               value="", description="Level"), "icw-bank-level")
        self._bank_topic = _classed(w.Dropdown(options=[("any topic", "")] + [(t, t) for t in topics],
                                               value="", description="Topic"), "icw-bank-topic")
        self._bank_select = _classed(w.Select(options=[], rows=8, layout=w.Layout(width="46em")), "icw-bank")
        self._kit_add = _classed(w.Button(description="Add to kit"), "icw-kit-add")
        self._kit_summary = _classed(w.HTML(), "icw-kit-summary")
        kit_body = w.VBox([
            self._kit_summary,
            w.HBox([self._kit_select, w.VBox([self._kit_up, self._kit_down, self._kit_remove])]),
            w.HBox([self._kit_reset, self._stretch]),
            w.HTML("<b>Add from the bank</b>"),
            w.HBox([self._bank_text, self._bank_level, self._bank_topic]),
            self._bank_select, self._kit_add,
        ])
        self._kit_panel = _classed(w.Accordion(children=[kit_body], titles=("Question kit",), selected_index=0),
                                   "icw-kit-panel")
        self._start_btn = _classed(w.Button(description="Start interview", button_style="primary"), "icw-start")
        # one question at a time
        self._progress = _classed(w.HTML(), "icw-progress")
        self._progress_bar = _classed(w.IntProgress(min=0, max=1, value=0), "icw-progress-bar")
        self._question = _classed(w.HTML(), "icw-question")
        self._guide_body = _classed(w.HTML(), "icw-guide-body")
        self._guide = _classed(w.Accordion(children=[self._guide_body],
                                           titles=("Guide: what good looks like, and the red flag",),
                                           selected_index=None), "icw-guide")
        self._score = _classed(w.RadioButtons(options=[(f"{s} — {config.SCORE_MEANINGS[s]}", s)
                                                       for s in config.SCORES], value=None,
                                              description="Score", layout=w.Layout(width="auto")), "icw-score")
        self._red_flag = _classed(w.Checkbox(value=False, description="Red flag shown", indent=False),
                                  "icw-red-flag")
        self._notes = _classed(w.Textarea(placeholder="notes", description="Notes",
                                          layout=w.Layout(width="40em", height="6em")), "icw-notes")
        self._back = _classed(w.Button(description="◀ Back"), "icw-back")
        self._next = _classed(w.Button(description="Next ▶"), "icw-next")
        self._pager = _classed(w.VBox([w.HBox([self._progress, self._progress_bar]), self._question, self._guide,
                                       self._score, self._red_flag, self._notes,
                                       w.HBox([self._back, self._next])]), "icw-pager")
        # finish
        self._recommendation = _classed(w.ToggleButtons(options=list(config.RECOMMENDATIONS), value=None,
                                                        description="Recommendation"), "icw-recommendation")
        self._summary = _classed(w.HTML(), "icw-summary")
        self._save_btn = _classed(w.Button(description="Save scorecard", button_style="success"), "icw-save")
        self._new_btn = _classed(w.Button(description="New interview"), "icw-new")
        self._finish = _classed(w.VBox([self._recommendation, self._summary,
                                        w.HBox([self._save_btn, self._new_btn])]), "icw-finish")
        self.widget = _classed(w.VBox([w.HTML("<h3>Interview</h3>"), self._resume_box, self._setup_box,
                                       self._kit_panel, self._start_btn, self._pager, self._finish,
                                       self._status]), "icw-interview-form")
        _show(self._new_btn, False)
        # wiring
        for name in ("candidate", "level", "interviewer", "date", "score", "red_flag", "notes",
                     "recommendation", "stretch", "bank_text", "bank_level", "bank_topic", "resume_choice"):
            getattr(self, f"_{name}").observe(getattr(self, f"_on_{name}_value"), names="value")
        for name in ("resume_btn", "discard_btn", "kit_up", "kit_down", "kit_remove", "kit_reset", "kit_add",
                     "start_btn", "back", "next", "save_btn", "new_btn"):
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
                "interview_id": self.interview_id or ""}

    @property
    def kit(self) -> list[str]:
        """The question ids of the kit, in the order they are asked."""
        return list(self._kit)

    def _answer(self, qid: str) -> dict:
        return self._answers.setdefault(qid, {"score": None, "red_flag": False, "notes": "",
                                              "duration_seconds": 0.0})

    def rows(self) -> pd.DataFrame:
        """The scorecard the form would save now (one row per kit question)."""
        answers = [dict(self._answer(q), question_id=q) for q in self._kit]
        return self._frame(answers, self._recommendation.value, with_duration=True)

    def missing(self) -> list[str]:
        """What must still be filled in before the interview can be saved."""
        out = setup_problems(**self._setup_values())
        if not self._kit:
            out.append("question kit: empty; add at least one question")
        for i, q in enumerate(self._kit, start=1):
            if self._answer(q)["score"] is None:
                out.append(f"score for question {i} of {len(self._kit)} ({q})")
        if self._recommendation.value is None:
            out.append("recommendation: choose strong_no, no, yes or strong_yes")
        return out

    def _flush_time(self) -> None:
        if not self._started or self._saved or self._shown_at is None or not self._kit:
            return
        now = self._clock()
        a = self._answer(self._kit[self._current])
        a["duration_seconds"] = float(a.get("duration_seconds") or 0.0) + max(0.0, now - self._shown_at)
        self._shown_at = now

    def _changed(self) -> None:
        """After every user change: keep time, refresh what depends on it, autosave the draft."""
        if self._loading or self._saved:
            return
        self._flush_time()
        self._update_id_label()
        self._update_summary()
        if self.autosave:
            save_draft(self.state, self.data)

    # -- rendering -------------------------------------------------------------------------------
    def _refresh_all(self) -> None:
        with self._quiet():
            self._update_id_label()
            self._update_kit_views()
            self._show_question()
            self._update_summary()
            _show(self._pager, self._started)
            _show(self._finish, self._started)
            _show(self._start_btn, not self._started)

    def _update_kit_views(self) -> None:
        with self._quiet():
            info = self._qinfo
            self._kit_select.options = [(f"{i}. {q} · {info.at[q, 'level']} · {info.at[q, 'topic']}", q)
                                        for i, q in enumerate(self._kit, start=1)]
            if self._kit and self._kit_select.value is None:
                self._kit_select.value = self._kit[min(self._current, len(self._kit) - 1)]
            topics = info.loc[self._kit, "topic"].astype(str) if self._kit else pd.Series([], dtype=str)
            self._kit_summary.value = (f"{len(self._kit)} questions over {topics.nunique()} topics "
                                       f"({_esc(', '.join(sorted(set(topics))))})")
            rows = filter_bank(self.questions, text=self._bank_text.value, level=self._bank_level.value or None,
                               topic=self._bank_topic.value or None, exclude=self._kit)
            self._bank_select.options = [
                (f"{r.question_id} · {r.level} · {r.topic} — {str(r.question)[:70]}", r.question_id)
                for r in rows.itertuples()]

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
        self._question.value = (f"<div class='icw-question-meta'><code>{_esc(qid)}</code> · {_esc(q['level'])} · "
                                f"{_esc(q['topic'])}</div><p style='font-size:1.15em'>{_esc(q['question'])}</p>")
        self._guide_body.value = (f"<p><b>What good looks like:</b> {_esc(q['good_answer'])}</p>"
                                  f"<p><b>Red flag:</b> {_esc(q['red_flag'])}</p>")
        with self._quiet():
            self._score.value = a["score"]
            self._red_flag.value = bool(a["red_flag"])
            self._notes.value = a["notes"] or ""

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
            body.append(f"<tr><td>{i}</td><td><code>{_esc(q)}</code></td><td>{_esc(info.at[q, 'topic'])}</td>"
                        f"<td>{'' if a['score'] is None else int(a['score'])}</td>"
                        f"<td>{'yes' if a['red_flag'] else ''}</td><td class='icw-note'>{_esc(note)}</td>"
                        f"<td>{_fmt_seconds(a.get('duration_seconds'))}</td></tr>")
        mean = f"{sum(scores) / len(scores):.2f}" if scores else "–"
        self._summary.value = (
            f"<b>Summary</b>: {len(scores)} of {len(self._kit)} scored · mean score {mean} · "
            f"{flags} red flag(s)<table class='icw-summary-table'><tr><th>#</th><th>question</th><th>topic</th>"
            f"<th>score</th><th>red flag</th><th>notes</th><th>time</th></tr>{''.join(body)}</table>")

    # -- drafts ----------------------------------------------------------------------------------
    def _offer_drafts(self) -> None:
        drafts = list_drafts(self.data)
        bad = drafts[drafts["problem"] != ""]
        good = drafts[(drafts["problem"] == "") & (drafts["draft_id"] != self._key)]
        with self._quiet():
            self._resume_choice.options = [
                (f"{r.candidate_id or '(no candidate)'} · {r.level} · {r.interviewer or '(no interviewer)'} · "
                 f"{r.date} · {r.answered}/{r.questions} scored · saved {r.updated}", r.draft_id)
                for r in good.itertuples()]
            self._resume_choice.value = good["draft_id"].iloc[0] if len(good) else None
        _show(self._resume_box, len(good) > 0)
        if len(bad):
            items = "".join(f"<li>{_esc(p)}</li>" for p in bad["problem"])
            self._set_status(f"{len(bad)} draft(s) could not be read:<ul>{items}</ul>", "error")

    def resume(self, draft_id: str) -> None:
        """Continue the interview saved in draft ``draft_id`` (from :func:`analysis.drafts.list_drafts`)."""
        st = load_draft(draft_id, self.data)
        unknown = [q for q in st.get("kit", []) if q not in self._qinfo.index]
        with self._quiet():
            self._key = str(st["draft_id"])
            self._candidate.value = st.get("candidate_id", "")
            if st.get("level") in config.LEVELS:
                self._level.value = st["level"]
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
            self._kit_select.value = None
        self._saved = False
        self.saved_path = None
        self._save_btn.disabled = False
        self._refresh_all()
        self._shown_at = self._clock() if self._started else None
        if self._started:
            self._kit_panel.selected_index = None
        _show(self._resume_box, False)
        note = f" (dropped {len(unknown)} question(s) no longer in the bank: {_esc(', '.join(unknown))})" if unknown else ""
        self._set_status(f"Resumed the draft of <code>{_esc(st.get('candidate_id', ''))}</code>{note}.", "info")

    def start(self) -> None:
        """Show the first question and start the clock (the *Start interview* button)."""
        problems = setup_problems(**self._setup_values())
        if not self._kit:
            problems.append("question kit: empty; add at least one question")
        if problems:
            items = "".join(f"<li>{_esc(m)}</li>" for m in problems)
            self._set_status(f"<b>Cannot start</b>:<ul>{items}</ul>", "error")
            return
        self._started = True
        self._current = 0
        self._refresh_all()
        self._kit_panel.selected_index = None
        self._shown_at = self._clock()
        self._set_status("Interview started; the draft is saved on every change.", "info")
        self._changed()

    def save(self):
        """Validate and save the interview as a scorecard; remove its draft. Returns the path or None."""
        self._flush_time()
        path = self._store(self.rows(), self.missing())
        if path is not None:
            self._saved = True
            self._save_btn.disabled = True
            _show(self._new_btn, True)
            remove_draft(self._key, self.data)
        elif self.autosave:
            save_draft(self.state, self.data)
        return path

    def reset(self) -> None:
        """Start over with an empty form for the next interview (keeps interviewer and date)."""
        with self._quiet():
            self._key = new_draft_id()
            self._candidate.value = ""
            self._answers = {}
            self._current = 0
            self._started = False
            self._kit = default_kit(self.questions, self._level.value, stretch=self._stretch.value)
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

    def _set_kit(self, kit: list[str], select: str | None = None) -> None:
        current = self._kit[self._current] if self._kit and self._current < len(self._kit) else None
        self._flush_time()
        self._kit = list(kit)
        if current in self._kit:
            self._current = self._kit.index(current)
        with self._quiet():
            self._kit_select.value = None
        self._update_kit_views()
        if select in self._kit:
            with self._quiet():
                self._kit_select.value = select
        with self._quiet():
            self._show_question()
        self._changed()

    # -- handlers: set-up --------------------------------------------------------------------------
    @_guarded
    def _on_candidate_value(self, change):
        self._changed()

    @_guarded
    def _on_interviewer_value(self, change):
        self._changed()

    @_guarded
    def _on_date_value(self, change):
        self._changed()

    @_guarded
    def _on_level_value(self, change):
        if self._loading:
            return
        if any(self._answer(q)["score"] is not None for q in self._kit):
            self._set_status("Level changed; the kit was kept because questions are already scored. "
                             "Edit it under <i>Question kit</i> or press <i>Default kit</i>.", "info")
            self._changed()
        else:
            self._set_kit(default_kit(self.questions, change["new"], stretch=self._stretch.value))

    # -- handlers: kit -------------------------------------------------------------------------------
    def _selected_kit_question(self) -> str | None:
        return self._kit_select.value

    @_guarded
    def _on_kit_up_click(self, _):
        q = self._selected_kit_question()
        if q:
            self._set_kit(move_question(self._kit, q, -1), select=q)

    @_guarded
    def _on_kit_down_click(self, _):
        q = self._selected_kit_question()
        if q:
            self._set_kit(move_question(self._kit, q, +1), select=q)

    @_guarded
    def _on_kit_remove_click(self, _):
        q = self._selected_kit_question()
        if q:
            self._set_kit(remove_question(self._kit, q))

    @_guarded
    def _on_stretch_value(self, change):
        if self._loading:
            return
        level = self._level.value
        if change["new"]:
            covered = set(self._qinfo.loc[self._kit, "topic"].astype(str)) if self._kit else set()
            extra = stretch_question(self.questions, level, covered)
            if extra is not None:
                self._set_kit(add_question(self._kit, extra))
        else:  # drop every question from a level above the candidate's
            above = set(config.LEVELS[config.LEVELS.index(level) + 1:])
            self._set_kit([q for q in self._kit if str(self._qinfo.at[q, "level"]) not in above])

    @_guarded
    def _on_kit_reset_click(self, _):
        self._set_kit(default_kit(self.questions, self._level.value, stretch=self._stretch.value))

    @_guarded
    def _on_kit_add_click(self, _):
        q = self._bank_select.value
        if q is None:
            self._set_status("Pick a question in the bank list first.", "info")
            return
        self._set_kit(add_question(self._kit, q), select=q)

    @_guarded
    def _on_bank_text_value(self, change):
        self._update_kit_views()

    @_guarded
    def _on_bank_level_value(self, change):
        self._update_kit_views()

    @_guarded
    def _on_bank_topic_value(self, change):
        self._update_kit_views()

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
        self._current_answer()["notes"] = change["new"] or ""
        self._changed()

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

    # -- handlers: drafts ----------------------------------------------------------------------------
    @_guarded
    def _on_resume_choice_value(self, change):
        self._discard_armed = False
        self._discard_btn.description = "Discard draft"

    @_guarded
    def _on_resume_btn_click(self, _):
        if self._resume_choice.value is None:
            return
        self.resume(self._resume_choice.value)

    @_guarded
    def _on_discard_btn_click(self, _):
        draft = self._resume_choice.value
        if draft is None:
            return
        if not self._discard_armed:
            self._discard_armed = True
            self._discard_btn.description = "Click again to discard"
            return
        self._discard_armed = False
        self._discard_btn.description = "Discard draft"
        remove_draft(draft, self.data)
        self._offer_drafts()
        self._set_status("Draft discarded.", "info")


class LogForm(_Form):
    """Log a past interview quickly: set-up, one grid row per question, recommendation, save.

    Parameters are those of :class:`InterviewForm` (without autosave and clock). The grid starts
    with the level's default kit; rows can be removed and any bank question added. Nothing is
    written until every row has a score and a recommendation is chosen; the same validation and
    store as the live form apply. ``duration_seconds`` is left empty (unknown for a logged
    interview).
    """

    _prefix = "icw-log"

    def __init__(self, data=None, interviewer: str | None = None, *, questions=None, interviewers=None,
                 today=None):
        super().__init__(data, interviewer, questions=questions, interviewers=interviewers, today=today)
        self._grid_rows: list[dict] = []
        self._grid = _classed(w.VBox(), "icw-log-grid")
        self._add_choice = _classed(w.Dropdown(description="Add", options=[], layout=w.Layout(width="40em")),
                                    "icw-log-add-choice")
        self._add_btn = _classed(w.Button(description="Add question"), "icw-log-add")
        self._recommendation = _classed(w.Dropdown(description="Recommendation",
                                                   options=[("— choose —", None)] + [(r, r) for r in config.RECOMMENDATIONS],
                                                   value=None, style={"description_width": "9em"}),
                                    "icw-log-recommendation")
        self._save_btn = _classed(w.Button(description="Save scorecard", button_style="success"), "icw-log-save")
        self._new_btn = _classed(w.Button(description="Log another"), "icw-log-new")
        header = w.HTML("<div style='display:grid;grid-template-columns:28em 7em 6em 24em;font-weight:bold'>"
                        "<span>question</span><span>score</span><span>red flag</span><span>notes</span></div>")
        self.widget = _classed(w.VBox([w.HTML("<h3>Log a past interview</h3>"), self._setup_box, header, self._grid,
                                       w.HBox([self._add_choice, self._add_btn]), self._recommendation,
                                       w.HBox([self._save_btn, self._new_btn]), self._status]),
                               "icw-log-form")
        _show(self._new_btn, False)
        for name in ("candidate", "interviewer", "date"):
            getattr(self, f"_{name}").observe(self._on_setup_value, names="value")
        self._level.observe(self._on_level_value, names="value")
        self._add_btn.on_click(self._on_add_btn_click)
        self._save_btn.on_click(self._on_save_btn_click)
        self._new_btn.on_click(self._on_new_btn_click)
        self.set_questions(default_kit(self.questions, self._level.value))
        self._update_id_label()

    @property
    def kit(self) -> list[str]:
        """The question ids of the grid, in order."""
        return [r["question_id"] for r in self._grid_rows]

    def row_widgets(self, question_id: str) -> dict:
        """The ``score``, ``red_flag``, ``notes`` and ``remove`` widgets of one grid row."""
        for r in self._grid_rows:
            if r["question_id"] == question_id:
                return r
        raise KeyError(f"{question_id!r} is not in the grid; expected one of {', '.join(self.kit)}")

    def set_questions(self, question_ids: list[str]) -> None:
        """Rebuild the grid for ``question_ids``, keeping what was entered for questions kept."""
        old = {r["question_id"]: r for r in self._grid_rows}
        rows = []
        for qid in question_ids:
            if qid in old:
                rows.append(old[qid])
                continue
            q = self._qinfo.loc[qid]
            score = _classed(w.Dropdown(options=[("–", None)] + [(str(s), s) for s in config.SCORES], value=None,
                                        layout=w.Layout(width="6em")), "icw-log-score")
            flag = _classed(w.Checkbox(value=False, indent=False, layout=w.Layout(width="6em")), "icw-log-red-flag")
            notes = _classed(w.Text(placeholder="notes", layout=w.Layout(width="24em")), "icw-log-notes")
            remove = _classed(w.Button(description="✕", tooltip="remove this question",
                                       layout=w.Layout(width="3em")), "icw-log-remove")
            label = w.HTML(f"<div style='width:28em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis' "
                           f"title='{_esc(q['question'])}'><code>{_esc(qid)}</code> {_esc(q['question'])}</div>")
            remove.on_click(functools.partial(self._on_remove_click, qid))
            box = _classed(w.HBox([label, score, flag, notes, remove]), "icw-log-row", f"icw-log-row-{qid}")
            rows.append({"question_id": qid, "score": score, "red_flag": flag, "notes": notes,
                         "remove": remove, "box": box})
        self._grid_rows = rows
        self._grid.children = [r["box"] for r in rows]
        taken = set(self.kit)
        self._add_choice.options = [(f"{r.question_id} · {r.level} · {r.topic}", r.question_id)
                                    for r in self.questions.itertuples() if r.question_id not in taken]
        self._add_choice.value = None

    def rows(self) -> pd.DataFrame:
        """The scorecard the form would save now."""
        answers = [{"question_id": r["question_id"], "score": r["score"].value, "red_flag": r["red_flag"].value,
                    "notes": r["notes"].value} for r in self._grid_rows]
        return self._frame(answers, self._recommendation.value, with_duration=False)

    def missing(self) -> list[str]:
        """What must still be filled in before the interview can be saved."""
        out = setup_problems(**self._setup_values())
        if not self._grid_rows:
            out.append("questions: none; add the questions that were asked")
        for i, r in enumerate(self._grid_rows, start=1):
            if r["score"].value is None:
                out.append(f"score for row {i} ({r['question_id']})")
        if self._recommendation.value is None:
            out.append("recommendation: choose strong_no, no, yes or strong_yes")
        return out

    def save(self):
        """Validate and save the logged interview. Returns the path or None."""
        path = self._store(self.rows(), self.missing())
        if path is not None:
            self._save_btn.disabled = True
            _show(self._new_btn, True)
        return path

    def reset(self) -> None:
        """Clear the form for the next interview (keeps interviewer, level and date)."""
        self._key = new_draft_id()
        self._candidate.value = ""
        self._grid_rows = []
        self.set_questions(default_kit(self.questions, self._level.value))
        self._recommendation.value = None
        self.saved_path = None
        self._save_btn.disabled = False
        _show(self._new_btn, False)
        self._update_id_label()

    @_guarded
    def _on_setup_value(self, change):
        self._update_id_label()

    @_guarded
    def _on_level_value(self, change):
        self._update_id_label()
        if all(r["score"].value is None for r in self._grid_rows):
            self.set_questions(default_kit(self.questions, change["new"]))

    @_guarded
    def _on_add_btn_click(self, _):
        if self._add_choice.value is None:
            self._set_status("Pick a question to add first.", "info")
            return
        self.set_questions([*self.kit, self._add_choice.value])

    @_guarded
    def _on_remove_click(self, question_id, _):
        self.set_questions([q for q in self.kit if q != question_id])

    @_guarded
    def _on_save_btn_click(self, _):
        self.save()

    @_guarded
    def _on_new_btn_click(self, _):
        self.reset()
