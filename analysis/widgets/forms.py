"""Widget forms to run an interview live (:class:`InterviewForm`) or log one afterwards
(:class:`LogForm`).

Both forms only gather values: they build a scorecard DataFrame and hand it to
:func:`analysis.io.store.save_interview`, which validates and writes it; nothing here knows how a
scorecard is stored. The live form also autosaves its state as a draft (:mod:`analysis.io.drafts`) on
every change, offers unfinished drafts when it opens, and removes the draft once the interview is
saved.

>>> from analysis.widgets.forms import InterviewForm, LogForm
>>> InterviewForm(interviewer="Casey")          # displays the form in a notebook or a Voila app

What the forms guarantee
------------------------
- Nothing is written until everything is there: the candidate id, the interviewer, the date, a
  score for every question in the kit and a recommendation. What is missing is listed in the form.
- User text (notes, names, ids) is escaped with :func:`html.escape` wherever it is rendered as HTML,
  so a note ``<img src=x onerror=alert(1)>`` shows as text.
- Candidate ids are pseudonymous keys: letters, digits, ``.``, ``_`` and ``-`` (up to 64). The
  interview id is ``<date>-<candidate id>-<8 random hex digits>``; the store and the drafts turn
  ids into file names with :func:`analysis.io.store.safe_filename`, so no id leaves its folder.
- An error inside a button or field callback is shown in the form's status line (with the
  traceback under it) and logged, never swallowed.
- The live form records ``duration_seconds``, the time the interviewer spent on each question
  (while it was on screen and the kernel ran), an optional column of the scorecard format.
- Messages follow the form: a "Not saved — missing ..." list is re-checked on every change and
  clears as soon as its problems are fixed.
- Changing the level after anything was entered (a score, a red flag, a note) asks to confirm, then
  rebuilds the kit for the new level (entries of questions in both kits are kept); cancelling puts
  the old level back. Nothing is ever wiped without that confirmation.
- On the synthetic demo folder (:func:`analysis.stats.demo.is_demo_folder`) the forms show a banner and
  save only interviews marked as practice (the *This is a practice interview* box, or
  ``practice=True``); real interviews belong in a folder made with ``python -m analysis init DIR``.

Drafts (live form) are safe to share: each form writes its drafts with its own owner token, so two
tabs resuming one draft never overwrite each other (the second one takes it over after a warning,
the first is told and stops saving); a form offers only the drafts of the interviewer in its
*Interviewer* box; a saved interview's draft is never re-created (a double click on *Save* saves
once); typing in the notes is autosaved at most ``autosave_delay`` (1 s) after the first unsaved
keystroke instead of with an fsync per keystroke, and every other change, *Back*, *Next* and *Save*
write at once, so a crash loses at most a second of typing.

Stable CSS classes (``icw-*``) are put on the widgets so that browser tests and custom styling can
find them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import html
import logging
import re
import threading
import time
import traceback
import uuid
from contextlib import contextmanager

import ipywidgets as w
import pandas as pd

from analysis import config
from analysis.io.bank import load_questions
from analysis.stats.demo import is_demo_folder
from analysis._text import clean_text
from analysis.io.drafts import (DraftTakenError, claim_draft, hold_draft, list_drafts, load_draft, new_draft_id,
                     remove_draft, save_draft)
from analysis.errors import ScorecardError, StoreError
from analysis.io.kits import add_question, default_kit, filter_bank, move_question, remove_question, stretch_question
from analysis.io.load import load
from analysis.io.store import save_interview

__all__ = ["InterviewForm", "LogForm", "known_interviewers", "make_interview_id", "setup_problems",
           "CANDIDATE_ID_PATTERN"]

log = logging.getLogger(__name__)

#: What a candidate id may look like (a pseudonymous key, not a name).
CANDIDATE_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_MAX_NAME = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: The rubric labels the score pickers show ("1 — showed the red flag / no real understanding").
SCORE_LABELS = {s: f"{s} — {config.SCORE_MEANINGS[s]}" for s in config.SCORES}


def _no_surrogates(text) -> str:
    """Text with unpaired surrogates (broken characters) replaced by U+FFFD, else unchanged."""
    text = "" if text is None else str(text)
    return clean_text(text) if _SURROGATE.search(text) else text


def _default_scheduler(delay: float, callback):
    """Run ``callback`` after ``delay`` seconds: on the running asyncio loop (a Jupyter or Voila
    kernel: the callback then runs on the kernel's thread, like every widget callback), else on a
    timer thread. Returns a handle with ``cancel()``."""
    try:
        return asyncio.get_running_loop().call_later(delay, callback)
    except RuntimeError:
        timer = threading.Timer(delay, callback)
        timer.daemon = True
        timer.start()
        return timer


def known_interviewers(data=None) -> list[str]:
    """The names the forms offer: the roster's active names (``interviewers.csv``, see
    :mod:`analysis.io.roster`) when the folder has a roster, else the interviewer names found in its
    valid scorecards, sorted.

    Uses the parse cache when one exists but never writes it, so opening a form never writes into
    the data folder (and is fast on a large folder once ``check``, ``report`` or the calibration
    notebook has built the cache).
    """
    from analysis.io.roster import roster_names
    on_roster = roster_names(data)
    if on_roster:  # a roster lists who interviews: offer only its active names
        return on_roster
    scores = load(data, cache="read", progress=False).scores
    return sorted({str(n) for n in scores["interviewer"].astype(str) if str(n).strip()})


def make_interview_id(date, candidate_id: str, key: str) -> str:
    """``<YYYY-MM-DD>-<candidate id>-<first 8 characters of key>``: readable, unique per form.

    Only meaningful for a valid candidate id (see :func:`setup_problems`); the store still passes
    the id through :func:`analysis.io.store.safe_filename` before using it as a file name.
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
        with self._lock:  # one callback at a time, also against the autosave timer
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 — shown to the user, logged, kept in last_error
                self._show_error(method.__name__, exc)
                return None

    return wrapper


def _age_seconds(updated) -> float | None:
    """Seconds since an ISO time stamp (a draft's ``updated``), or None when unreadable."""
    try:
        t = dt.datetime.fromisoformat(str(updated))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (dt.datetime.now(dt.timezone.utc) - t).total_seconds())


def _fmt_seconds(sec) -> str:
    sec = int(round(float(sec or 0)))
    return f"{sec // 60}:{sec % 60:02d}"


class _Form:
    """Set-up fields, status line and saving, shared by both forms."""

    _prefix = "icw"
    _title = ""

    def __init__(self, data=None, interviewer: str | None = None, *, questions: pd.DataFrame | None = None,
                 interviewers: list[str] | None = None, today: dt.date | None = None, practice: bool = False):
        self._lock = threading.RLock()
        self.data = data
        self._pending_check: str | None = None
        self._level_pending: str | None = None
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
        self._level_committed = self._level.value
        self._level_msg = _classed(w.HTML(), f"{p}-level-message")
        self._level_confirm = _classed(w.Button(description="Change level and rebuild the kit",
                                                button_style="warning", layout=w.Layout(width="auto")),
                                       f"{p}-level-confirm")
        self._level_cancel = _classed(w.Button(description="Keep the level", layout=w.Layout(width="auto")),
                                      f"{p}-level-cancel")
        self._level_box = _classed(w.VBox([self._level_msg, w.HBox([self._level_confirm, self._level_cancel])]),
                                   f"{p}-level-box")
        _show(self._level_box, False)
        self._level_confirm.on_click(self._on_level_confirm_click)
        self._level_cancel.on_click(self._on_level_cancel_click)
        # the synthetic demo folder: a banner, and only practice interviews are saved there
        self.demo = is_demo_folder(data)
        self._practice = _classed(w.Checkbox(value=bool(practice), indent=False,
                                             description="This is a practice interview (save it into the demo folder)",
                                             layout=w.Layout(width="auto")), f"{p}-practice")
        self._banner = _classed(w.HTML(
            f"<div class='icw-demo-banner' style='border:2px solid #b54708;background:#fffaeb;padding:.5em 1em;"
            f"margin:.3em 0'><b>This is the synthetic demo folder</b> (<code>{_esc(config.data_dir(data))}</code>): "
            "its 399 interviews are made up. Real interviews do not belong here: create a folder of your own "
            "with <code>python -m analysis init DIR</code> and open the form on it. Tick <i>practice</i> below "
            "to save a practice interview here.</div>"), f"{p}-demo-banner")
        self._demo_box = _classed(w.VBox([self._banner, self._practice]), f"{p}-demo-box")
        _show(self._demo_box, self.demo)
        self._setup_box = w.VBox([self._demo_box, w.HBox([self._candidate, self._level]), self._level_box,
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
        return {"candidate_id": (self._candidate.value or "").strip(), "level": self._level_committed,
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
            row = {"interview_id": _no_surrogates(iid), "date": v["date"].isoformat() if v["date"] else "",
                   "candidate_id": _no_surrogates(v["candidate_id"]), "level": v["level"],
                   "interviewer": _no_surrogates(v["interviewer"]),
                   "question_id": a["question_id"], "score": a.get("score"),
                   "red_flag": bool(a.get("red_flag")), "notes": _no_surrogates(a.get("notes")),
                   "recommendation": recommendation or ""}
            if with_duration:
                row["duration_seconds"] = round(float(a.get("duration_seconds") or 0.0), 1)
            rows.append(row)
        return pd.DataFrame(rows)

    # -- messages that follow the form ---------------------------------------------------------
    def _show_missing(self, kind: str, problems: list[str]) -> None:
        head = {"save": "<b>Not saved</b> — missing or invalid:", "start": "<b>Cannot start</b>:"}[kind]
        items = "".join(f"<li>{_esc(m)}</li>" for m in problems)
        self._set_status(f"{head}<ul>{items}</ul>", "error")

    def _start_problems(self) -> list[str]:
        return []

    def _revalidate(self) -> None:
        """After a change: re-check the list of problems on screen, and clear it once fixed."""
        kind = self._pending_check
        if kind is None:
            return
        problems = self.missing() if kind == "save" else self._start_problems()
        if problems:
            self._show_missing(kind, problems)
        else:
            self._pending_check = None
            self._set_status("Everything needed is filled in." + (" Press <i>Save scorecard</i>." if kind == "save"
                                                                  else " Press <i>Start interview</i>."), "info")

    # -- level changes -----------------------------------------------------------------------------
    def _has_entries(self) -> bool:
        """Whether anything was entered for the questions (a score, a red flag or a note)."""
        raise NotImplementedError

    def _apply_level(self, level: str) -> None:
        raise NotImplementedError

    def _level_change(self, new: str) -> None:
        if new == self._level_committed:
            self._level_pending = None
            _show(self._level_box, False)
            return
        if not self._has_entries():
            self._level_committed = new
            self._apply_level(new)
            return
        self._level_pending = new
        self._level_msg.value = (
            f"<b>Change the level from {_esc(self._level_committed)} to {_esc(new)}?</b> Scoring has begun. "
            f"The kit is rebuilt as the default {_esc(new)} kit: what was entered for questions in both kits is "
            "kept, the rest is dropped.")
        _show(self._level_box, True)

    def _on_level_confirm_click(self, _):
        with self._lock:
            try:
                new = self._level_pending
                if new is None:
                    return
                self._level_pending = None
                self._level_committed = new
                _show(self._level_box, False)
                self._apply_level(new)
                self._set_status(f"Level changed to {_esc(new)}; the kit was rebuilt.", "info")
                self._revalidate()
            except Exception as exc:  # noqa: BLE001
                self._show_error("_on_level_confirm_click", exc)

    def _on_level_cancel_click(self, _):
        with self._lock:
            try:
                self._level_pending = None
                _show(self._level_box, False)
                with self._quiet():
                    self._level.value = self._level_committed
                self._update_id_label()
                self._set_status(f"Level kept at {_esc(self._level_committed)}.", "info")
                self._revalidate()
            except Exception as exc:  # noqa: BLE001
                self._show_error("_on_level_cancel_click", exc)

    def _level_problems(self) -> list[str]:
        if self._level_pending is not None:
            return [f"level: confirm the change to {self._level_pending} (the kit is rebuilt) or keep "
                    f"{self._level_committed}"]
        return []

    def _store(self, rows: pd.DataFrame, missing: list[str]):
        """Save ``rows`` unless something is missing; show the outcome. Returns the path or None."""
        if missing:
            self._pending_check = "save"
            self._show_missing("save", missing)
            return None
        self._pending_check = None
        if self.demo and not self._practice.value:
            self._set_status("<b>Not saved</b>: this is the synthetic demo folder. Save real interviews in a data "
                             "folder of your own (<code>python -m analysis init DIR</code>, then open the form on "
                             "it), or tick <i>This is a practice interview</i> to save a practice one here.", "error")
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
        Save a draft on every change (typing in the notes: at most ``autosave_delay`` later).
    clock : callable, optional
        Returns seconds (default :func:`time.monotonic`); tests pass a fake clock.
    practice : bool, default False
        Allow saving into the synthetic demo folder (ticks *This is a practice interview*).
    autosave_delay : float, default 1.0
        Longest time typed notes wait before they are autosaved (seconds).
    scheduler : callable, optional
        ``scheduler(delay, callback)`` runs ``callback`` after ``delay`` seconds and returns a handle
        with ``cancel()`` (default: the kernel's asyncio loop, else a timer thread); tests pass a
        fake one.

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

    def __init__(self, data=None, interviewer: str | None = None, *, questions=None, interviewers=None,
                 today=None, autosave: bool = True, clock=time.monotonic, practice: bool = False,
                 autosave_delay: float = 1.0, scheduler=None):
        super().__init__(data, interviewer, questions=questions, interviewers=interviewers, today=today,
                         practice=practice)
        self.autosave = autosave
        self._clock = clock
        self.autosave_delay = float(autosave_delay)
        self._scheduler = scheduler or _default_scheduler
        self._dirty_since: float | None = None
        self._flush_handle = None
        #: This form's owner token for the drafts it writes (one per tab / kernel).
        self.owner = uuid.uuid4().hex
        self._taken = False
        self._takeover_armed: str | None = None
        self._hold = None  # drafts.DraftHold of the draft this form has open
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

    def use_kit(self, kit, *, level: str | None = None) -> None:
        """Start from another kit: a list of question ids, or a
        :class:`analysis.stats.kit_design.KitRecommendation` (the kit item response theory finds most
        informative at the level's hiring bar; its level is used unless ``level`` is given).

        The kit stays editable like the default one. Refused (``ValueError``, nothing changed) once
        the interview has started, or when an id is not in the bank.
        """
        if hasattr(kit, "kit") and hasattr(kit, "level"):  # a KitRecommendation
            level = level or kit.level
            kit = list(kit.kit["question_id"].astype(str))
        ids = [str(q) for q in kit]
        unknown = [q for q in ids if q not in self._qinfo.index]
        if unknown:
            raise ValueError(f"use_kit: {', '.join(map(repr, unknown))} not in the question bank; expected ids from "
                             "questions.csv")
        if not ids:
            raise ValueError("use_kit: the kit is empty; expected at least one question id")
        if self._started:
            raise ValueError("use_kit: the interview has started; change the kit with the kit editor instead")
        if level is not None and level != self._level.value:
            if level not in config.LEVELS:
                raise ValueError(f"use_kit: unknown level {level!r}; expected one of {', '.join(config.LEVELS)}")
            self._level.value = level
        self._set_kit(ids)

    def _answer(self, qid: str) -> dict:
        return self._answers.setdefault(qid, {"score": None, "red_flag": False, "notes": "",
                                              "duration_seconds": 0.0})

    def rows(self) -> pd.DataFrame:
        """The scorecard the form would save now (one row per kit question)."""
        answers = [dict(self._answer(q), question_id=q) for q in self._kit]
        return self._frame(answers, self._recommendation.value, with_duration=True)

    def missing(self) -> list[str]:
        """What must still be filled in before the interview can be saved."""
        out = self._level_problems() + setup_problems(**self._setup_values())
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

    def _changed(self, *, soon: bool = False) -> None:
        """After every user change: keep time, refresh what depends on it, re-check the messages on
        screen, autosave the draft (now, or with ``soon`` within ``autosave_delay``)."""
        if self._loading or self._saved:
            return
        self._flush_time()
        self._update_id_label()
        self._update_summary()
        self._revalidate()
        self._autosave(soon=soon)

    def _autosave(self, *, soon: bool = False) -> None:
        if not self.autosave or self._taken:
            return
        if not soon:
            self._write_draft()
            return
        now = self._clock()
        if self._dirty_since is None:
            self._dirty_since = now
            self._flush_handle = self._scheduler(self.autosave_delay, self._on_autosave_timer)
        elif now - self._dirty_since >= self.autosave_delay:  # the timer is late (a busy kernel): write now
            self._write_draft()

    def _cancel_flush(self) -> None:
        handle, self._flush_handle, self._dirty_since = self._flush_handle, None, None
        if handle is not None:
            handle.cancel()

    def _write_draft(self) -> None:
        self._cancel_flush()
        if not self.autosave or self._taken or self._saved:
            return
        if self._hold is None or not self._hold.held:  # a sign of life for other tabs (see DraftHold)
            self._hold = hold_draft(self._key, self.data)
        try:
            save_draft(self.state, self.data, owner=self.owner)
        except DraftTakenError:
            self._release_hold()
            self._taken = True
            self._save_btn.disabled = True
            self._set_status("<b>This interview was opened in another tab or window</b>, which now saves it; "
                             "this tab stopped saving it so the two never overwrite each other. Continue in the "
                             "other tab (or press <i>Resume</i> here to take it back).", "error")
            self._offer_drafts()

    def _on_autosave_timer(self) -> None:
        with self._lock:
            try:
                if self._dirty_since is not None:
                    self._write_draft()
            except Exception as exc:  # noqa: BLE001 — shown in the form, never lost
                self._show_error("autosave", exc)

    def _release_hold(self, *, remove: bool = False) -> None:
        hold, self._hold = self._hold, None
        if hold is not None:
            hold.release(remove=remove)

    def close(self) -> None:
        """Write pending typing and let go of the draft (what a kernel's end does), so another form
        can resume it without a warning."""
        with self._lock:
            if self._dirty_since is not None:
                self._write_draft()
            self._cancel_flush()
            self._release_hold()

    def flush(self) -> None:
        """Write any typing not yet autosaved (the notes wait at most ``autosave_delay``)."""
        with self._lock:
            if self._dirty_since is not None:
                self._write_draft()

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
        drafts = list_drafts(self.data, interviewer=(self._interviewer.value or "").strip())
        bad = drafts[drafts["problem"] != ""]
        good = drafts[(drafts["problem"] == "") & ((drafts["draft_id"] != self._key) | self._taken)]
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

    def resume(self, draft_id: str, *, take_over: bool = False) -> None:
        """Continue the interview saved in draft ``draft_id`` (from :func:`analysis.io.drafts.list_drafts`).

        A draft that a live form holds open (another tab or window; see
        :class:`analysis.io.drafts.DraftHold`) is not taken silently: the first call only warns, a second
        call (or ``take_over=True``) takes it over, and the other tab is told at its next autosave and
        stops saving it. A draft left by a closed tab or a dead kernel resumes at once.
        """
        st = load_draft(draft_id, self.data)
        other = st.get("owner")
        hold = None
        if other != self.owner:
            hold = hold_draft(draft_id, self.data)
            if not hold.held and not take_over and self._takeover_armed != draft_id:
                age = _age_seconds(st.get("updated"))
                when = f" (last saved {int(age)} s ago)" if age is not None else ""
                self._takeover_armed = draft_id
                self._set_status(f"<b>This draft is open in another tab or window</b>{when}. Press <i>Resume</i> "
                                 "again to continue it here; the other tab then stops saving it.", "error")
                return
        self._takeover_armed = None
        if hold is not None:
            self._release_hold()
            self._hold = hold
        self._cancel_flush()
        if not self._has_entries() and not (self._candidate.value or "").strip() and self._key != draft_id:
            remove_draft(self._key, self.data)  # this form's own empty draft: nothing to keep
        st, _ = claim_draft(draft_id, self.data, owner=self.owner)
        self._taken = False
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
        problems = self._level_problems() + setup_problems(**self._setup_values())
        if not self._kit:
            problems.append("question kit: empty; add at least one question")
        return problems

    def _has_entries(self) -> bool:
        return any(a.get("score") is not None or a.get("red_flag") or (a.get("notes") or "").strip()
                   for q, a in self._answers.items() if q in self._kit)

    def _apply_level(self, level: str) -> None:
        self._set_kit(default_kit(self.questions, level, stretch=self._stretch.value))

    def save(self):
        """Validate and save the interview as a scorecard; remove its draft. Returns the path or None.

        A second call after a successful save (a double click) writes nothing, returns None and
        keeps the draft removed (``saved_path`` still names the file)."""
        if self._saved:
            self._set_status(f"This interview is already saved to <code class='{self._prefix}-saved-path'>"
                             f"{_esc(self.saved_path)}</code>; nothing was written again.", "ok")
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
        _show(self._level_box, False)
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
        if not self._started:  # offer this interviewer's drafts (and only theirs)
            self._offer_drafts()

    @_guarded
    def _on_date_value(self, change):
        self._changed()

    @_guarded
    def _on_level_value(self, change):
        if self._loading:
            return
        self._level_change(change["new"])
        self._changed()

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
        text = change["new"] or ""
        if _SURROGATE.search(text):  # a broken character would make every later save fail
            text = _no_surrogates(text)
            with self._quiet():
                self._notes.value = text
            self._set_status("A broken character in the notes (half an emoji, or a pasted symbol) was replaced "
                             "by \ufffd.", "info")
        self._current_answer()["notes"] = text
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
    with the level's default kit; rows can be removed and any bank question added. Each row shows
    the whole question (and, unfolded, what good looks like and the red flag) and a score picker
    with the rubric meaning of each score. Nothing is written until every row has a score and a
    recommendation is chosen; the same validation and store as the live form apply.
    ``duration_seconds`` is left empty (unknown for a logged interview). Changing the level once
    anything is entered asks to confirm before the grid is rebuilt.
    """

    _prefix = "icw-log"

    def __init__(self, data=None, interviewer: str | None = None, *, questions=None, interviewers=None,
                 today=None, practice: bool = False):
        super().__init__(data, interviewer, questions=questions, interviewers=interviewers, today=today,
                         practice=practice)
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
        header = w.HTML("<div style='display:grid;grid-template-columns:30em 22em 6em 20em;font-weight:bold'>"
                        "<span>question</span><span>score</span><span>red flag</span><span>notes</span></div>")
        self.widget = _classed(w.VBox([w.HTML("<h3>Log a past interview</h3>"), self._setup_box, header, self._grid,
                                       w.HBox([self._add_choice, self._add_btn]), self._recommendation,
                                       w.HBox([self._save_btn, self._new_btn]), self._status]),
                               "icw-log-form")
        _show(self._new_btn, False)
        for name in ("candidate", "interviewer", "date"):
            getattr(self, f"_{name}").observe(self._on_setup_value, names="value")
        self._level.observe(self._on_level_value, names="value")
        self._recommendation.observe(self._on_row_value, names="value")
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
            score = _classed(w.Dropdown(options=[("– score –", None)] + [(SCORE_LABELS[s], s) for s in config.SCORES],
                                        value=None, layout=w.Layout(width="22em")), "icw-log-score")
            flag = _classed(w.Checkbox(value=False, indent=False, layout=w.Layout(width="6em")), "icw-log-red-flag")
            notes = _classed(w.Text(placeholder="notes", layout=w.Layout(width="20em")), "icw-log-notes")
            remove = _classed(w.Button(description="✕", tooltip="remove this question",
                                       layout=w.Layout(width="3em")), "icw-log-remove")
            label = _classed(w.HTML(
                f"<div style='width:30em;white-space:normal;line-height:1.3'><code>{_esc(qid)}</code> · "
                f"{_esc(q['level'])} · {_esc(q['topic'])}<br><span class='icw-log-question-text'>{_esc(q['question'])}"
                f"</span><details><summary>guide</summary><b>What good looks like:</b> {_esc(q['good_answer'])}<br>"
                f"<b>Red flag:</b> {_esc(q['red_flag'])}</details></div>", layout=w.Layout(width="30em")),
                "icw-log-question")
            remove.on_click(functools.partial(self._on_remove_click, qid))
            for widget in (score, flag, notes):
                widget.observe(self._on_row_value, names="value")
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
        out = self._level_problems() + setup_problems(**self._setup_values())
        if not self._grid_rows:
            out.append("questions: none; add the questions that were asked")
        for i, r in enumerate(self._grid_rows, start=1):
            if r["score"].value is None:
                out.append(f"score for row {i} ({r['question_id']})")
        if self._recommendation.value is None:
            out.append("recommendation: choose strong_no, no, yes or strong_yes")
        return out

    def save(self):
        """Validate and save the logged interview. Returns the path or None (a second call after a
        successful save writes nothing)."""
        if self.saved_path is not None:
            self._set_status(f"This interview is already saved to <code class='{self._prefix}-saved-path'>"
                             f"{_esc(self.saved_path)}</code>; nothing was written again.", "ok")
            return None
        path = self._store(self.rows(), self.missing())
        if path is not None:
            self._save_btn.disabled = True
            _show(self._new_btn, True)
        return path

    def reset(self) -> None:
        """Clear the form for the next interview (keeps interviewer, level and date)."""
        self._key = new_draft_id()
        self._pending_check = None
        self._level_pending = None
        self._level_committed = self._level.value
        _show(self._level_box, False)
        self._candidate.value = ""
        self._grid_rows = []
        self.set_questions(default_kit(self.questions, self._level.value))
        self._recommendation.value = None
        self.saved_path = None
        self._save_btn.disabled = False
        _show(self._new_btn, False)
        self._update_id_label()

    def _has_entries(self) -> bool:
        return any(r["score"].value is not None or r["red_flag"].value or (r["notes"].value or "").strip()
                   for r in self._grid_rows)

    def _apply_level(self, level: str) -> None:
        self.set_questions(default_kit(self.questions, level))

    @_guarded
    def _on_setup_value(self, change):
        self._update_id_label()
        self._revalidate()

    @_guarded
    def _on_row_value(self, change):
        if self._loading:
            return
        owner = change.get("owner")
        if owner is not None and isinstance(change.get("new"), str) and _SURROGATE.search(change["new"]):
            with self._quiet():
                owner.value = _no_surrogates(change["new"])
            self._set_status("A broken character in the notes (half an emoji, or a pasted symbol) was replaced "
                             "by \ufffd.", "info")
        self._revalidate()

    @_guarded
    def _on_level_value(self, change):
        if self._loading:
            return
        self._level_change(change["new"])
        self._update_id_label()
        self._revalidate()

    @_guarded
    def _on_add_btn_click(self, _):
        if self._add_choice.value is None:
            self._set_status("Pick a question to add first.", "info")
            return
        self.set_questions([*self.kit, self._add_choice.value])
        self._revalidate()

    @_guarded
    def _on_remove_click(self, question_id, _):
        self.set_questions([q for q in self.kit if q != question_id])
        self._revalidate()

    @_guarded
    def _on_save_btn_click(self, _):
        self.save()

    @_guarded
    def _on_new_btn_click(self, _):
        self.reset()
