"""What both forms share: the set-up fields, the status line, the messages that follow the form,
the level-change confirmation and saving through the store.

:class:`_Form` is the base of :class:`~analysis.widgets.forms.interview.InterviewForm` and
:class:`~analysis.widgets.forms.log.LogForm`. It holds widgets and messages only: the rules for the
values (set-up checks, interview id, scorecard rows, what is missing) are the plain functions of
:mod:`analysis.io.interviews`, and saving is :func:`analysis.io.store.save_interview`. A subclass
supplies its answers (:meth:`_Form._entries`), whether it records time per question (``_timed``),
and how a level change rebuilds its questions (``_has_entries``, ``_apply_level``).

The small widget helpers (:func:`_show`, :func:`_classed`, :func:`_guarded`) are here too, so both
forms put the same stable ``icw-*`` CSS classes on their widgets and report callback errors alike.

Two guarantees of issue 24 live here, for both forms:

- *A red flag beside a score above 1 is never saved silently* (the rubric's 1 is "showed the red
  flag"): the warning box names every such answer (:func:`analysis.io.interviews.red_flag_conflicts`)
  as soon as it is entered; *Save scorecard* then stops once and offers *Save with these red flags*,
  which saves exactly those answers. Changing any of them asks again.
- *An app never shows the server's file paths*: with ``show_paths=False`` (the default when the
  kernel runs under Voila, which starts it with ``SERVER_SOFTWARE=voila/<version>``) the save message
  says "Saved interview <id> (N questions)" without the file, the demo banner leaves the folder out,
  and error messages replace the data folder's path by "the data folder" and keep the traceback in
  the server's log. In a notebook (``show_paths=True``) the saved file is shown as before.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
import traceback
from contextlib import contextmanager

import ipywidgets as w
import pandas as pd

from analysis import config
from analysis._text import escape_html
from analysis.errors import ScorecardError, StoreError
from analysis.io.bank import active_questions, load_questions
from analysis.io.drafts import new_draft_id
from analysis.io.interviews import (answer_problems, known_interviewers, make_interview_id, red_flag_conflicts,
                                    repair_text, scorecard_rows, setup_problems)
from analysis.io.store import save_interview
from analysis.io.demo_folder import is_demo_folder

__all__ = ["SCORE_LABELS", "in_voila", "offered_questions"]

log = logging.getLogger(__name__)

#: The rubric labels the score pickers show ("1 — showed the red flag / no real understanding").
SCORE_LABELS = {s: f"{s} — {config.SCORE_MEANINGS[s]}" for s in config.SCORES}


def in_voila() -> bool:
    """Whether this kernel serves a Voila app: Voila starts its kernels with the environment
    variable ``SERVER_SOFTWARE=voila/<version>`` (a notebook kernel has no such variable)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila/")


def offered_questions(bank: pd.DataFrame) -> pd.DataFrame:
    """The questions a form offers: the active version of each question, keyed by its stable id.

    Parameters
    ----------
    bank : DataFrame
        A bank as :func:`analysis.io.bank.load_questions` returns it (``versions="active"`` or
        ``"all"``), or the item table of a loaded workbook (:attr:`analysis.io.load.Workbook.questions`,
        whose ``question_id`` is the item id ``mid-caching v2`` and ``base_id`` the stable id).

    Returns
    -------
    DataFrame
        One row per question that has an active version (:func:`analysis.io.bank.active_questions`), in
        the place of its first version: ``question_id`` the stable id (what a scorecard names),
        ``version`` the version shown (1 for a bank written before versions), and the bank's other columns. Retired versions and retired questions are left out,
        so a form never offers them whatever bank it is given.
    """
    return active_questions(bank).drop(columns=["base_id", "item_id"], errors="ignore").reset_index(drop=True)


def _stable_ids(bank: pd.DataFrame) -> pd.DataFrame:
    """Every version of ``bank`` keyed by its stable id (an item table's ``base_id``), with a
    ``version`` column (1 for a bank written before versions)."""
    out = bank.copy()
    if "base_id" in out:
        out["question_id"] = out.pop("base_id").astype(str)
    if "version" not in out:
        out["version"] = 1
    return out.reset_index(drop=True)


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


class _Form:
    """Set-up fields, status line and saving, shared by both forms."""

    _prefix = "icw"
    #: The form's wording in :func:`analysis.io.interviews.answer_problems`.
    _kind = "interview"
    #: Whether the scorecard gets the ``duration_seconds`` column.
    _timed = False
    #: Whether the date starts as today (a live interview) or empty, to be picked (a logged one).
    _date_defaults_to_today = True
    #: A hint shown beside the date.
    _date_hint = ""

    def __init__(self, data=None, interviewer: str | None = None, *, questions: pd.DataFrame | None = None,
                 interviewers: list[str] | None = None, today: dt.date | None = None, practice: bool = False,
                 show_paths: bool | None = None):
        self._lock = threading.RLock()
        self.data = data
        #: Whether messages may show the server's file paths (False in an app: see the module notes).
        self.show_paths = (not in_voila()) if show_paths is None else bool(show_paths)
        self._saved_id: str | None = None
        self._flags_confirmed: tuple[str, ...] = ()
        self._flags_asked = False
        self._pending_check: str | None = None
        self._level_pending: str | None = None
        # the active version of each question, whatever bank is given (see offered_questions); every
        # version is kept too, for the log form, whose past interview may have asked an earlier one
        given = load_questions(data, versions="all") if questions is None else questions
        self.questions = offered_questions(given)
        self._all_versions = _stable_ids(given)
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
        # widths leave room for the whole placeholder (issue 24: "the interviewer placeholder is cut off")
        self._candidate = _classed(w.Text(description="Candidate id", placeholder="e.g. C00042",
                                          continuous_update=True, style=wide, layout=w.Layout(width="22em")),
                                   f"{p}-candidate")
        self._level = _classed(w.Dropdown(description="Level", options=list(config.LEVELS),
                                          value=config.LEVELS[0]), f"{p}-level")
        self._interviewer = _classed(w.Combobox(description="Interviewer", options=names, value=interviewer or "",
                                                placeholder="pick a name or type a new one",
                                                ensure_option=False, style=wide, layout=w.Layout(width="30em")),
                                     f"{p}-interviewer")
        start = today if today is not None else (dt.date.today() if self._date_defaults_to_today else None)
        self._date = _classed(w.DatePicker(description="Date", value=start), f"{p}-date")
        self._date_hint_label = _classed(w.HTML(f"<i>{self._date_hint}</i>" if self._date_hint else ""),
                                         f"{p}-date-hint")
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
        # practice interviews are saved with practice=true and set aside by the loader (nothing
        # counts them); the synthetic demo folder shows a banner and saves only practice interviews
        self.demo = is_demo_folder(data)
        self._practice = _classed(w.Checkbox(value=bool(practice), indent=False,
                                             description="This is a practice interview (saved as practice: no "
                                                         "report, brief or statistic counts it)",
                                             layout=w.Layout(width="auto")), f"{p}-practice")
        self._banner = _classed(w.HTML(
            f"<div class='icw-demo-banner' style='border:2px solid #b54708;background:#fffaeb;padding:.5em 1em;"
            "margin:.3em 0'><b>This is the synthetic demo folder</b>"
            + (f" (<code>{escape_html(config.data_dir(data))}</code>)" if self.show_paths else "")
            + ": its 399 interviews are made up. Real interviews do not belong here: create a folder of your "
            "own with <code>python -m analysis init DIR</code> and open the form on it. Tick <i>practice</i> below "
            "to save a practice interview here.</div>"), f"{p}-demo-banner")
        self._demo_box = _classed(w.VBox([self._banner]), f"{p}-demo-box")
        _show(self._demo_box, self.demo)
        self._setup_box = w.VBox([self._demo_box, self._practice, w.HBox([self._candidate, self._level]),
                                  self._level_box, w.HBox([self._interviewer, self._date, self._date_hint_label]),
                                  self._id_label])
        # a red flag beside a score above 1: named at once, saved only once confirmed
        self._flag_msg = _classed(w.HTML(), f"{p}-flag-warning")
        self._flag_confirm = _classed(w.Button(description="Save with these red flags", button_style="warning",
                                               layout=w.Layout(width="auto")), f"{p}-flag-confirm")
        self._flag_box = _classed(w.VBox([self._flag_msg, self._flag_confirm]), f"{p}-flag-box")
        _show(self._flag_box, False)
        self._flag_confirm.on_click(self._on_flag_confirm_click)

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

    def _public(self, text) -> str:
        """``text`` as the form may show it: unchanged in a notebook; in an app (``show_paths``
        False) with the data folder's path replaced by "the data folder"."""
        text = str(text)
        if self.show_paths:
            return text
        folder = config.data_dir(self.data)
        for path in sorted({str(folder.resolve()), str(folder.absolute()), str(folder)}, key=len, reverse=True):
            if path not in ("", "."):
                text = text.replace(path, "the data folder")
        return text

    def _show_error(self, where: str, exc: Exception) -> None:
        self.last_error = exc
        log.error("error in %s.%s", type(self).__name__, where, exc_info=exc)
        head = (f"<b>Error</b> in {escape_html(where)}: {escape_html(type(exc).__name__)}: "
                f"{escape_html(self._public(exc))}")
        if not self.show_paths:  # an app: the traceback (server paths) stays in the server's log
            self._set_status(f"{head}<br>The details are in the server's log.", "error")
            return
        tb = "".join(traceback.format_exception(exc))
        self._set_status(f"{head}<details><summary>traceback</summary><pre>{escape_html(tb)}</pre></details>",
                         "error")

    @contextmanager
    def _quiet(self):
        """Set widget values programmatically without triggering autosave and handlers."""
        before, self._loading = self._loading, True
        try:
            yield
        finally:
            self._loading = before

    def _repaired(self, widget: w.Widget, text: str) -> str:
        """``text`` with broken characters replaced (:func:`analysis.io.interviews.repair_text`); when
        one was, ``widget`` shows the repaired text and the status line says so (else every later
        save would fail on it)."""
        fixed = repair_text(text)
        if fixed != text:
            with self._quiet():
                widget.value = fixed
            self._set_status("A broken character in the notes (half an emoji, or a pasted symbol) was replaced "
                             "by \ufffd.", "info")
        return fixed

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
        self._id_label.value = (f"Interview id: <code>{escape_html(iid)}</code>" if iid else
                                "<i>Interview id: set the candidate id, interviewer and date</i>")

    # -- the interview the form would save -------------------------------------------------------
    def _entries(self) -> list[dict]:
        """The answers in the order asked: dicts with ``question_id``, ``score``, ``red_flag``,
        ``notes`` (and ``duration_seconds`` when ``_timed``)."""
        raise NotImplementedError

    def rows(self) -> pd.DataFrame:
        """The scorecard the form would save now (one row per question), with ``question_version``
        on every row: the version of the question the form showed (:func:`offered_questions`). With
        *This is a practice interview* ticked, with the column ``practice`` true on every row (the
        loader sets such an interview aside: :attr:`analysis.io.load.Workbook.practice`). A real
        interview is written without the column, as before."""
        rows = scorecard_rows(self._entries(), interview_id=self.interview_id or "",
                              recommendation=self._recommendation.value, durations=self._timed,
                              **self._setup_values())
        # the version each question was shown in (the store checks it against the bank and the date)
        rows["question_version"] = [self._shown_version(q) for q in rows.get("question_id", [])]
        if self._practice.value:
            rows["practice"] = True
        return rows

    def _shown_version(self, question_id: str) -> int:
        """The version of ``question_id`` the form shows: the active one (the log form: the one in
        force on the interview's date)."""
        return int(self._qinfo.at[question_id, "version"])

    def missing(self) -> list[str]:
        """What must still be filled in before the interview can be saved."""
        return (self._level_problems() + setup_problems(**self._setup_values())
                + answer_problems(self._entries(), self._recommendation.value, kind=self._kind))

    # -- messages that follow the form ---------------------------------------------------------
    def _show_missing(self, kind: str, problems: list[str]) -> None:
        head = {"save": "<b>Not saved</b> — missing or invalid:", "start": "<b>Cannot start</b>:"}[kind]
        items = "".join(f"<li>{escape_html(m)}</li>" for m in problems)
        self._set_status(f"{head}<ul>{items}</ul>", "error")

    def _start_problems(self) -> list[str]:
        return []

    def _revalidate(self) -> None:
        """After a change: re-check the list of problems on screen, and clear it once fixed."""
        self._update_flag_warning()
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

    # -- a red flag beside a score above 1 ----------------------------------------------------------
    def _flag_conflicts(self) -> list[str]:
        return red_flag_conflicts(self._entries(), kind=self._kind)

    def _update_flag_warning(self) -> None:
        """Show (or clear) the warning box; its confirm button only once a save stopped for it."""
        conflicts = self._flag_conflicts()
        if not conflicts:
            self._flags_asked = False
            _show(self._flag_box, False)
            return
        items = "".join(f"<li>{escape_html(c)}</li>" for c in conflicts)
        self._flag_msg.value = (
            "<div style='border-left:4px solid #b54708;background:#fffaeb;padding:.3em .8em'>"
            f"<b>Red flag beside a score above 1</b>:<ul>{items}</ul>If that was a slip, give a 1 or untick the "
            "red flag. If the red flag stands beside that score, <i>Save scorecard</i> asks you to confirm it.</div>")
        _show(self._flag_confirm, self._flags_asked)
        _show(self._flag_box, True)

    def _flags_unconfirmed(self) -> bool:
        """Whether a save must stop for red flags the interviewer has not confirmed (and say so)."""
        conflicts = tuple(self._flag_conflicts())
        if not conflicts or conflicts == self._flags_confirmed:
            return False
        self._flags_asked = True
        self._update_flag_warning()
        self._set_status("<b>Not saved yet</b>: a red flag is ticked beside a score above 1, and the rubric's 1 is "
                         "'showed the red flag' (listed above). Give a 1 or untick the red flag, or press <i>Save "
                         "with these red flags</i> to save them as entered.", "error")
        return True

    @_guarded
    def _on_flag_confirm_click(self, _):
        self._flags_confirmed = tuple(self._flag_conflicts())
        self._flags_asked = False
        self.save()

    def save(self):
        raise NotImplementedError

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
            f"<b>Change the level from {escape_html(self._level_committed)} to {escape_html(new)}?</b> Scoring "
            f"has begun. The kit is rebuilt as the default {escape_html(new)} kit: what was entered for questions "
            "in both kits is kept, the rest is dropped.")
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
                self._set_status(f"Level changed to {escape_html(new)}; the kit was rebuilt.", "info")
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
                self._set_status(f"Level kept at {escape_html(self._level_committed)}.", "info")
                self._revalidate()
            except Exception as exc:  # noqa: BLE001
                self._show_error("_on_level_cancel_click", exc)

    def _level_problems(self) -> list[str]:
        if self._level_pending is not None:
            return [f"level: confirm the change to {self._level_pending} (the kit is rebuilt) or keep "
                    f"{self._level_committed}"]
        return []

    # -- saving ------------------------------------------------------------------------------------
    def _already_saved(self) -> None:
        where = (f" to <code class='{self._prefix}-saved-path'>{escape_html(self.saved_path)}</code>"
                 if self.show_paths else f" as <code>{escape_html(self._saved_id)}</code>")
        self._set_status(f"This interview is already saved{where}; nothing was written again.", "ok")

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
        if self._flags_unconfirmed():
            return None
        try:
            path = save_interview(rows, self.data, questions=self.questions)
        except ScorecardError as exc:
            items = "".join(f"<li>{escape_html(p)}</li>" for p in exc.problems)
            self._set_status(f"<b>Not saved</b> — the scorecard is invalid:<ul>{items}</ul>", "error")
            return None
        except StoreError as exc:
            self._set_status(f"<b>Not saved</b>: {escape_html(self._public(exc))}", "error")
            return None
        self.saved_path = path
        self._saved_id = str(rows["interview_id"].iloc[0])
        _show(self._flag_box, False)
        what = "practice interview" if "practice" in rows else "interview"
        n = len(rows)
        text = f"Saved {what} <code>{escape_html(self._saved_id)}</code> ({n} question{'' if n == 1 else 's'})"
        if self.show_paths:
            text += f" to <code class='{self._prefix}-saved-path'>{escape_html(path)}</code>"
        if "practice" in rows:
            text += "; set aside as practice: nothing counts it"
        self._set_status(text + ".", "ok")
        return path
