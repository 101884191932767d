"""The bank editor: pick a question, read its versions side by side, rewrite, retire or add one.

Calibration is a loop: measure a question, change it, measure again. This widget is the second half
of the loop in a notebook (``notebooks/01_question_bank.ipynb``); the same changes are the commands
``python -m analysis bank rewrite | retire | add``. It only gathers values and shows results:

- the writes are :func:`analysis.io.bank_edit.rewrite_question`, :func:`~analysis.io.bank_edit.retire_question`
  and :func:`~analysis.io.bank_edit.add_question` (locked, atomic, never losing a row; a refusal is a
  :class:`~analysis.errors.BankEditError` whose message the editor shows in one line);
- the versions are the bank's rows (:func:`analysis.io.bank.load_questions` with ``versions="all"``),
  and their statistics the report's before-and-after view of the folder's interviews
  (:func:`analysis.stats.version_view.version_comparison`: each version's discrimination, red-flag lift
  and scores with their intervals, and whether each change is clear);
- the preview of a draft is the interview form's own question card
  (:func:`analysis.widgets.forms.card.question_html` and :func:`~analysis.widgets.forms.card.guide_html`),
  so what the preview shows is what interviewers will read.

>>> BankEditor("data")                      # doctest: +SKIP  (in a notebook cell)

The plain functions (:func:`question_choices`, :func:`versions_of`, :func:`versions_html`,
:func:`preview_html`) know nothing about widgets and are tested alone.
Stable CSS classes (``icw-bank-editor-*``) let browser tests and custom styling find the widgets.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

import ipywidgets as w
import numpy as np
import pandas as pd

from analysis import config
from analysis._text import escape_html
from analysis.errors import WorkbookError
from analysis.io.bank import item_key, load_questions
from analysis.io.bank_edit import add_question, retire_question, rewrite_question
from analysis.io.load import load
from analysis.stats.version_view import version_comparison
from analysis.stats.versions import VersionComparison
from analysis.widgets.forms.base import _classed, _show
from analysis.widgets.forms.card import guide_html, question_html

__all__ = ["BankEditor", "question_choices", "versions_of", "versions_html", "preview_html",
           "one_line"]

log = logging.getLogger(__name__)

#: What :func:`versions_html` shows for each version, top to bottom (statistics rows follow).
VERSION_ROWS = {"status": "Status", "in_use": "In use", "question": "Question",
                "good_answer": "What good looks like", "red_flag": "Red flag"}
_ACTIONS = ("Rewrite", "Retire", "Add a question")
_CELL = "text-align:left;vertical-align:top;padding:.25em .8em .25em 0;border-bottom:1px solid #ddd"


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def one_line(exc: BaseException) -> str:
    """An error as the editor shows it: its message on one line (a bank problem per ``; ``)."""
    return "; ".join(part.strip() for part in str(exc).splitlines() if part.strip()) or type(exc).__name__


def question_choices(bank: pd.DataFrame) -> list[tuple[str, str]]:
    """The questions to pick from, as ``(label, stable id)`` in the bank's order, retired ones last.

    ``bank`` is every version (:func:`analysis.io.bank.load_questions` with ``versions="all"``). A
    label reads ``mid-caching · mid · data · v2`` (``· retired`` for a question with no active
    version, which can be read but not rewritten).
    """
    active, retired = [], []
    for qid, rows in bank.groupby("question_id", sort=False):
        rows = rows.sort_values("version")
        last = rows.iloc[-1]
        is_active = (rows["status"] == "active").any()
        label = f"{qid} · {last['level']} · {last['topic']}"
        if len(rows) > 1:
            label += f" · v{int(last['version'])}"
        (active if is_active else retired).append((label if is_active else f"{label} · retired", str(qid)))
    return active + retired


def versions_of(bank: pd.DataFrame, question_id: str) -> pd.DataFrame:
    """The versions of one question, oldest first: the bank's rows of ``question_id`` with
    ``item_id`` (the id the analyses give each version, :func:`analysis.io.bank.item_key`)."""
    rows = bank[bank["question_id"] == question_id].sort_values("version").reset_index(drop=True)
    rows.insert(1, "item_id", [item_key(question_id, v, len(rows)) for v in rows["version"]])
    return rows


def _interval(value, low, high, fmt: str = "{:.2f}") -> str:
    if pd.isna(value):
        return "–"
    ends = f" [{fmt.format(low)}, {fmt.format(high)}]" if not (pd.isna(low) or pd.isna(high)) else ""
    return fmt.format(value) + ends


def _statistics_rows(versions: pd.DataFrame, comparison: VersionComparison) -> list[str]:
    """The rows of :func:`versions_html` that read the before-and-after view."""
    stats = comparison.versions.set_index("version")

    def cell(v, text):
        return f"<td>{escape_html(text)}</td>" if int(v) in stats.index else "<td>–</td>"

    rows = []
    for title, show in (
            ("Candidates", lambda r: "–" if pd.isna(r["n_candidates"]) else f"{r['n_candidates']:.0f}"),
            ("Discrimination", lambda r: _interval(r["discrimination"], r["discrimination_low"], r["discrimination_high"])),
            ("Red-flag lift", lambda r: _interval(r["red_flag_lift"], r["red_flag_lift_low"], r["red_flag_lift_high"])),
            ("Mean score", lambda r: _interval(r["mean"], r["mean_low"], r["mean_high"])),
            ("Scores 1 / 2 / 3 / 4", lambda r: " / ".join("–" if pd.isna(r[f"share_{s}"]) else f"{r[f'share_{s}']:.0%}"
                                                          for s in config.SCORES)),
            ("Note", lambda r: r["reason"] or "")):
        cells = "".join(cell(v, show(stats.loc[int(v)]) if int(v) in stats.index else "") for v in versions["version"])
        if title == "Note" and not stats["reason"].astype(bool).any():
            continue
        rows.append(f"<tr><th>{title}</th>{cells}</tr>")
    changes = comparison.changes
    change_rows = []
    for statistic, title in (("discrimination", "Discrimination"), ("red_flag_lift", "Red-flag lift"), ("mean", "Mean score")):
        cells = []
        for v in versions["version"]:
            c = changes[(changes["statistic"] == statistic) & (changes["to_version"] == int(v))]
            if not len(c):
                cells.append("<td></td>")
                continue
            c = c.iloc[0]
            if pd.isna(c["change"]):
                text = c["reason"] or "–"
            else:
                sign = "×" if c["change_kind"] == "ratio" else ("+" if c["change"] >= 0 else "")
                text = (f"{sign}{_interval(c['change'], c['change_low'], c['change_high'])}: "
                        f"{'clear' if c['clear'] else 'not clear'}")
            cells.append(f"<td class='icw-version-change'>{escape_html(text)}</td>")
        if any(c != "<td></td>" for c in cells):
            change_rows.append((f"{title}: change from the version before", "".join(cells)))
    if len({cells for _, cells in change_rows}) == 1 and len(change_rows) > 1:  # one reason for every change
        change_rows = [("Change from the version before", change_rows[0][1])]
    return rows + [f"<tr><th>{title}</th>{cells}</tr>" for title, cells in change_rows]


def versions_html(versions: pd.DataFrame, comparison: VersionComparison | None = None) -> str:
    """The versions of one question side by side (one column each, oldest left) as an HTML table:
    status, the dates it was in use, the three texts and, with ``comparison``
    (:func:`analysis.stats.version_view.version_comparison`), each version's candidates,
    discrimination, red-flag lift, mean score (95% intervals in brackets) and score shares, and
    each change from the version before with whether it is clear. Every cell is escaped."""
    head = "".join(f"<th>{escape_html(r.item_id)}</th>" for r in versions.itertuples())
    body = []
    for col, title in VERSION_ROWS.items():
        cells = []
        for r in versions.itertuples():
            if col == "in_use":
                start = _day(r.introduced) or ("from the start" if r.version == 1 else "")
                value = f"{start} → {_day(r.retired) or 'now'}"
            else:
                value = getattr(r, col)
            cells.append(f"<td class='icw-version-{col.replace('_', '-')}'>{escape_html(value)}</td>")
        body.append(f"<tr><th>{title}</th>{''.join(cells)}</tr>")
    if comparison is not None:
        body += _statistics_rows(versions, comparison)
    note = ("<caption style='caption-side:bottom;text-align:left;font-size:.9em'>Brackets: 95% intervals. A change "
            "is <i>clear</i> when its interval leaves out no change; a version asked of too few candidates has no "
            "statistics yet.</caption>" if comparison is not None else "")
    html = (f"<table class='icw-bank-versions' style='border-collapse:collapse'>"
            f"{note}<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
    return html.replace("<th>", f"<th style='{_CELL}'>").replace("<td", f"<td style='{_CELL}'")


def preview_html(current, *, question: str, good_answer: str, red_flag: str, version: int | None = None) -> str:
    """A draft as the interview form will show it: the form's question card and guide
    (:mod:`analysis.widgets.forms.card`) filled with the draft's text.

    ``current`` is the bank row the draft starts from (its id, level and topic are kept); ``version``
    the number the draft will get (default: the row's own).
    """
    q = {"level": current["level"], "topic": current["topic"], "question": question,
         "good_answer": good_answer, "red_flag": red_flag,
         "version": current["version"] if version is None else version}
    return (f"<div class='icw-bank-editor-card'>{question_html(str(current['question_id']), q)}"
            f"<div class='icw-bank-editor-guide'>{guide_html(q)}</div></div>")


def _guarded(handler):
    """Run a widget callback so that an unexpected error is shown in the editor's status line in
    one line (and logged with its traceback), never lost in the kernel's log alone."""

    @functools.wraps(handler)
    def wrapper(self, *args):
        try:
            return handler(self, *args)
        except Exception as exc:  # noqa: BLE001 — shown to the user and logged
            self._failed(handler.__name__, exc, head="Error")
            return None

    return wrapper


def _text_box(placeholder: str, cls: str) -> w.Textarea:
    return _classed(w.Textarea(placeholder=placeholder, rows=3, continuous_update=True,
                               layout=w.Layout(width="52em")), cls)


class BankEditor:
    """Rewrite, retire or add questions of a data folder's bank, and see each version's results.

    Parameters
    ----------
    data : path-like, optional
        The data folder whose ``questions.csv`` the editor changes (default
        :func:`analysis.config.data_dir`).
    question_id : str, optional
        The question to open (default: the first of the bank).
    statistics : bool, default True
        Show each version's statistics from the folder's interviews (the folder is loaded once,
        and again after each change).
    today : datetime.date, optional
        The date a rewrite, a retirement or a new question starts from (default: today).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The editor, displayed when the object is the last expression of a cell.
    bank : DataFrame
        Every version of every question, as it is on disk now.
    last_error : Exception or None
        The last refusal or error (shown in the status line, in one line, never a traceback).

    Notes
    -----
    *Rewrite* keeps the id, level and topic and adds a version, in use from its date; the old
    version stays in the bank and in every analysis, measured on its own. *Retire* asks to confirm,
    then stops the question's use (nothing is deleted, and its id is never given again). *Add a
    question* gives a new id (yours, or one made from the level and the text). The forms offer the
    active version of each question; a scorecard records which one it asked.
    """

    def __init__(self, data=None, *, question_id: str | None = None, statistics: bool = True,
                 today: dt.date | None = None):
        self.data = data
        self.show_statistics = statistics
        self.today = today or dt.date.today()
        self.last_error: Exception | None = None
        self._workbook = None
        self.bank = load_questions(data, versions="all")
        self._pick = _classed(w.Dropdown(description="Question", layout=w.Layout(width="40em")),
                              "icw-bank-editor-pick")
        self._versions = _classed(w.HTML(), "icw-bank-editor-versions")
        self._action = _classed(w.ToggleButtons(options=_ACTIONS, value=_ACTIONS[0]), "icw-bank-editor-action")
        self._status = _classed(w.HTML(), "icw-bank-editor-status")
        self._build_rewrite()
        self._build_retire()
        self._build_add()
        folder = escape_html(config.data_dir(data))
        self.widget = _classed(w.VBox([
            w.HTML(f"<h3>Question bank editor</h3><p>Changes are written to the bank of <code>{folder}</code>.</p>"),
            self._pick, self._versions, self._action, self._rewrite_box, self._retire_box, self._add_box,
            self._status]), "icw-bank-editor")
        self._pick.observe(self._on_pick_value, names="value")
        self._action.observe(self._on_action_value, names="value")
        self._refresh_choices(question_id)
        self._on_action_value(None)

    # -- layout ----------------------------------------------------------------------------------
    def _build_rewrite(self) -> None:
        self._rw_question = _text_box("the question, as interviewers will ask it", "icw-bank-editor-question")
        self._rw_good = _text_box("what a good answer looks like", "icw-bank-editor-good-answer")
        self._rw_flag = _text_box("the red flag", "icw-bank-editor-red-flag")
        self._rw_introduced = _classed(w.DatePicker(description="In use from", value=self.today),
                                       "icw-bank-editor-introduced")
        self._rw_preview = _classed(w.HTML(), "icw-bank-editor-preview")
        self._rw_save = _classed(w.Button(description="Save the rewrite", button_style="success",
                                          layout=w.Layout(width="16em")), "icw-bank-editor-save")
        self._rw_note = _classed(w.HTML(), "icw-bank-editor-rewrite-note")
        for box in (self._rw_question, self._rw_good, self._rw_flag):
            box.observe(self._on_draft_value, names="value")
        self._rw_save.on_click(self._on_rw_save_click)
        self._rewrite_box = _classed(w.VBox([
            self._rw_note, w.HTML("<b>Question</b>"), self._rw_question, w.HTML("<b>What good looks like</b>"),
            self._rw_good, w.HTML("<b>Red flag</b>"), self._rw_flag, self._rw_introduced,
            w.HTML("<b>Preview</b>: how the interview form will show it"), self._rw_preview, self._rw_save]),
            "icw-bank-editor-rewrite")

    def _build_retire(self) -> None:
        self._rt_date = _classed(w.DatePicker(description="Retired from", value=self.today), "icw-bank-editor-retire-date")
        self._rt_btn = _classed(w.Button(description="Retire this question…", button_style="warning",
                                         layout=w.Layout(width="auto")), "icw-bank-editor-retire")
        self._rt_msg = _classed(w.HTML(), "icw-bank-editor-retire-message")
        self._rt_confirm = _classed(w.Button(description="Yes, retire it", button_style="danger",
                                             layout=w.Layout(width="auto")), "icw-bank-editor-retire-confirm")
        self._rt_cancel = _classed(w.Button(description="Keep it", layout=w.Layout(width="auto")),
                                   "icw-bank-editor-retire-cancel")
        self._rt_confirm_box = w.VBox([self._rt_msg, w.HBox([self._rt_confirm, self._rt_cancel])])
        _show(self._rt_confirm_box, False)
        self._rt_btn.on_click(self._on_rt_btn_click)
        self._rt_confirm.on_click(self._on_rt_confirm_click)
        self._rt_cancel.on_click(self._on_rt_cancel_click)
        self._retire_box = _classed(w.VBox([
            w.HTML("<p>A retired question is no longer offered by the forms or put in a kit. Nothing is deleted: "
                   "its interviews stay in every analysis, and its id is never given to another question.</p>"),
            w.HBox([self._rt_date, self._rt_btn]), self._rt_confirm_box]), "icw-bank-editor-retire-box")

    def _build_add(self) -> None:
        topics = sorted(self.bank["topic"].astype(str).unique())
        self._add_level = _classed(w.Dropdown(description="Level", options=list(config.LEVELS)), "icw-bank-editor-add-level")
        self._add_topic = _classed(w.Combobox(description="Topic", options=topics, placeholder="pick or type a topic",
                                              ensure_option=False), "icw-bank-editor-add-topic")
        self._add_id = _classed(w.Text(description="Id", placeholder="optional: made from level and text",
                                       layout=w.Layout(width="30em")), "icw-bank-editor-add-id")
        self._add_question = _text_box("the question", "icw-bank-editor-add-question")
        self._add_good = _text_box("what a good answer looks like", "icw-bank-editor-add-good-answer")
        self._add_flag = _text_box("the red flag", "icw-bank-editor-add-red-flag")
        self._add_preview = _classed(w.HTML(), "icw-bank-editor-add-preview")
        self._add_btn = _classed(w.Button(description="Add the question", button_style="success",
                                          layout=w.Layout(width="16em")), "icw-bank-editor-add")
        for box in (self._add_level, self._add_topic, self._add_id, self._add_question, self._add_good, self._add_flag):
            box.observe(self._on_add_draft_value, names="value")
        self._add_btn.on_click(self._on_add_btn_click)
        self._add_box = _classed(w.VBox([
            w.HBox([self._add_level, self._add_topic]), self._add_id, w.HTML("<b>Question</b>"), self._add_question,
            w.HTML("<b>What good looks like</b>"), self._add_good, w.HTML("<b>Red flag</b>"), self._add_flag,
            w.HTML("<b>Preview</b>"), self._add_preview, self._add_btn]), "icw-bank-editor-add-box")

    def _repr_mimebundle_(self, **kwargs):
        """The widget, with ``BankEditor()`` as its plain text (no folder path in a saved notebook)."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle = dict(bundle[0] if isinstance(bundle, tuple) else bundle)
        bundle["text/plain"] = "BankEditor()"
        return bundle

    # -- what is shown ---------------------------------------------------------------------------
    @property
    def question_id(self) -> str | None:
        """The stable id of the question picked."""
        return self._pick.value

    def versions(self) -> pd.DataFrame:
        """:func:`versions_of` the question picked."""
        return versions_of(self.bank, self.question_id)

    def _active(self):
        """The active version of the question picked (a Series), or None when it is retired."""
        rows = self.versions()
        rows = rows[rows["status"] == "active"]
        return rows.iloc[-1] if len(rows) else None

    def statistics(self) -> VersionComparison | None:
        """The before-and-after view of the question picked
        (:func:`analysis.stats.version_view.version_comparison` of the folder's interviews), or None
        with ``statistics=False``. The folder is loaded once, and again after each change."""
        if not self.show_statistics:
            return None
        if self._workbook is None:
            self._workbook = load(self.data, progress=False)
        if not len(self._workbook.scores):  # a new folder: nothing to measure yet
            return None
        return version_comparison(self._workbook, self.question_id)

    def _refresh_choices(self, select: str | None = None) -> None:
        choices = question_choices(self.bank)
        ids = [v for _, v in choices]
        self._pick.options = choices
        self._pick.value = select if select in ids else (self._pick.value if self._pick.value in ids else ids[0])
        self._show_question()

    def _show_question(self) -> None:
        try:
            stats = self.statistics()
        except Exception as exc:  # noqa: BLE001 — no statistics (unreadable scorecards, ...): the versions anyway
            stats = None
            if not isinstance(exc, WorkbookError):
                log.error("BankEditor: no statistics for %s", self.question_id, exc_info=exc)
            self._set_status(f"Statistics not shown: {escape_html(one_line(exc))}", "info")
        self._versions.value = versions_html(self.versions(), stats)
        active = self._active()
        rows = self.versions()
        for box in (self._rw_question, self._rw_good, self._rw_flag, self._rw_save, self._rt_btn):
            box.disabled = active is None
        self._rt_date.disabled = active is None
        _show(self._rt_confirm_box, False)
        if active is None:
            retired = _day(rows["retired"].iloc[-1])
            self._rw_note.value = (f"<p><b>{escape_html(self.question_id)} is retired</b>"
                                   f"{' since ' + retired if retired else ''}: it cannot be rewritten, and its id is "
                                   "never given again. To ask something like it, add a new question.</p>")
            self._rw_preview.value = ""
            return
        with self._rw_question.hold_trait_notifications():
            self._rw_question.value = str(active["question"])
            self._rw_good.value = str(active["good_answer"])
            self._rw_flag.value = str(active["red_flag"])
        self._rw_note.value = (f"<p>Edit the text of <code>{escape_html(self.question_id)}</code> (version "
                               f"{int(active['version'])} now). Saving adds version {int(active['version']) + 1}; "
                               "interviews from its date on count as the new version, earlier ones as the old.</p>")
        self._rw_save.description = f"Save as version {int(active['version']) + 1}"
        self._update_preview()

    def _update_preview(self) -> None:
        active = self._active()
        if active is None:
            return
        self._rw_preview.value = preview_html(active, question=self._rw_question.value, good_answer=self._rw_good.value,
                                              red_flag=self._rw_flag.value, version=int(active["version"]) + 1)

    def _update_add_preview(self) -> None:
        row = {"question_id": self._add_id.value.strip() or "(new id)", "level": self._add_level.value,
               "topic": (self._add_topic.value or "").strip().lower(), "version": 1}
        self._add_preview.value = preview_html(row, question=self._add_question.value,
                                               good_answer=self._add_good.value, red_flag=self._add_flag.value)

    def _set_status(self, html_text: str, kind: str = "info") -> None:
        colour = {"info": "#444", "ok": "#1a7f37", "error": "#b42318"}[kind]
        self._status.value = f'<div class="icw-bank-editor-status-{kind}" style="color:{colour}">{html_text}</div>'

    def _failed(self, what: str, exc: Exception, head: str = "Not saved") -> None:
        """A refusal or an error, in one line in the status (the traceback, for an unexpected
        error, goes to the log only)."""
        self.last_error = exc
        if not isinstance(exc, WorkbookError):
            log.error("error in BankEditor while trying to %s", what, exc_info=exc)
        self._set_status(f"<b>{head}</b>: {escape_html(one_line(exc))}", "error")

    def _reload(self, select: str) -> None:
        """After a change: read the bank again (and the statistics, whose item ids may have changed)."""
        self.bank = load_questions(self.data, versions="all")
        self._workbook = None
        self._add_topic.options = sorted(self.bank["topic"].astype(str).unique())
        self._refresh_choices(select)

    # -- actions (also the buttons) --------------------------------------------------------------
    def rewrite(self) -> int | None:
        """Save the draft as the picked question's new version (*Save as version N*); returns the
        new version, or None when refused (the reason is in the status line)."""
        qid, active = self.question_id, self._active()
        if active is None:
            self._set_status(f"<b>Not saved</b>: {escape_html(qid)} is retired, so it cannot be rewritten; add a "
                             "new question instead.", "error")
            return None
        try:
            changed = {k: (v if v != str(active[k]) else None) for k, v in
                       (("question", self._rw_question.value), ("good_answer", self._rw_good.value),
                        ("red_flag", self._rw_flag.value))}
            version = rewrite_question(self.data, qid, introduced=self._rw_introduced.value, **changed)
        except Exception as exc:  # noqa: BLE001 — shown in one line, never lost
            self._failed("rewrite", exc)
            return None
        self._reload(qid)
        day = _day(self._rw_introduced.value) or "today"
        self._set_status(f"Saved <code>{escape_html(qid)}</code> version {version}, in use from {day}. The forms "
                         "offer it from now on; earlier interviews keep counting as the old version.", "ok")
        return version

    def ask_retire(self) -> None:
        """The first step of *Retire*: show what retiring means and ask to confirm."""
        qid = self.question_id
        self._rt_msg.value = (f"<b>Retire <code>{escape_html(qid)}</code> from {_day(self._rt_date.value) or 'today'}?</b> "
                              "The forms and kits stop offering it. Its interviews stay, and its id can never "
                              "come back.")
        _show(self._rt_confirm_box, True)

    def retire(self) -> bool:
        """Retire the picked question (the confirmation's *Yes, retire it*); True once done."""
        qid = self.question_id
        _show(self._rt_confirm_box, False)
        try:
            retire_question(self.data, qid, date=self._rt_date.value)
        except Exception as exc:  # noqa: BLE001
            self._failed("retire", exc)
            return False
        self._reload(qid)
        self._set_status(f"Retired <code>{escape_html(qid)}</code> from {_day(self._rt_date.value) or 'today'}.", "ok")
        return True

    def add(self) -> str | None:
        """Add the drafted question (*Add the question*); returns its id, or None when refused."""
        try:
            qid = add_question(self.data, level=self._add_level.value, topic=(self._add_topic.value or "").strip(),
                               question=self._add_question.value, good_answer=self._add_good.value,
                               red_flag=self._add_flag.value, question_id=self._add_id.value.strip() or None,
                               introduced=self.today)
        except Exception as exc:  # noqa: BLE001
            self._failed("add a question", exc)
            return None
        for box in (self._add_id, self._add_question, self._add_good, self._add_flag):
            box.value = ""
        self._reload(qid)
        self._set_status(f"Added <code>{escape_html(qid)}</code> (version 1, active).", "ok")
        return qid

    # -- handlers (each through _guarded: an error shows in the status line, never lost) ------------
    @_guarded
    def _on_pick_value(self, change) -> None:
        self._show_question()

    @_guarded
    def _on_action_value(self, change) -> None:
        for name, box in zip(_ACTIONS, (self._rewrite_box, self._retire_box, self._add_box)):
            _show(box, self._action.value == name)
        if self._action.value == _ACTIONS[2]:
            self._update_add_preview()

    @_guarded
    def _on_draft_value(self, change) -> None:
        self._update_preview()

    @_guarded
    def _on_add_draft_value(self, change) -> None:
        self._update_add_preview()

    @_guarded
    def _on_rw_save_click(self, _) -> None:
        self.rewrite()

    @_guarded
    def _on_add_btn_click(self, _) -> None:
        self.add()

    @_guarded
    def _on_rt_btn_click(self, _) -> None:
        self.ask_retire()

    @_guarded
    def _on_rt_confirm_click(self, _) -> None:
        self.retire()

    @_guarded
    def _on_rt_cancel_click(self, _) -> None:
        _show(self._rt_confirm_box, False)
        self._set_status(f"<code>{escape_html(self.question_id)}</code> was not retired.", "info")
