"""The form to log a past interview (:class:`LogForm`): set-up, one grid row per question,
recommendation, save.

Built on :class:`~analysis.widgets.forms.base._Form` (set-up, messages, saving), so the same checks
(:mod:`analysis.io.interviews`) and the same store apply as for the live form; this module holds only
the grid. A logged interview has no draft and no ``duration_seconds`` (the time per question is not
known afterwards).
"""

from __future__ import annotations

import functools

import ipywidgets as w

from analysis import config
from analysis._text import escape_html
from analysis.io.bank import version_in_force
from analysis.io.drafts import new_draft_id
from analysis.io.interviews import empty_answers, recommendation_options
from analysis.io.kits import default_kit
from analysis.widgets.forms.base import SCORE_LABELS, _classed, _Form, _guarded, _show

__all__ = ["LogForm"]


class LogForm(_Form):
    """Log a past interview quickly: set-up, one grid row per question, recommendation, save.

    Parameters are those of :class:`InterviewForm` (without autosave and clock), except that
    ``today`` is only a pre-filled date: by default the date starts empty and must be picked (a
    logged interview happened on some earlier day; today would be saved silently wrong), and
    *Log another* empties it again.

    The grid starts with the level's default kit; rows can be removed (✕) and any bank question
    added. Each row shows the whole question (and, unfolded, what good looks like and the red flag),
    a score picker with the rubric meaning of each score, the red flag and a multi-line notes box.
    Nothing is written until every row has a score and a recommendation is chosen; the same
    validation and store as the live form apply. When *Save scorecard* stops because some rows are
    empty (nothing entered: questions that were not asked, :func:`analysis.io.interviews.empty_answers`),
    the status line names them and *Drop the N empty rows* removes them in one click; a row with a
    note or a red flag but no score is never dropped for you. A red flag beside a score above 1 is
    saved only once confirmed. The recommendation shows "Strong no" ... "Strong yes" and saves the
    code. ``duration_seconds`` is left empty (unknown for a logged interview). Changing the level
    once anything is entered asks to confirm before the grid is rebuilt.
    """

    _prefix = "icw-log"
    _kind = "log"
    _date_defaults_to_today = False
    _date_hint = "the day the interview took place"

    def __init__(self, data=None, interviewer: str | None = None, *, questions=None, interviewers=None,
                 today=None, practice: bool = False, show_paths: bool | None = None):
        super().__init__(data, interviewer, questions=questions, interviewers=interviewers, today=today,
                         practice=practice, show_paths=show_paths)
        self._grid_rows: list[dict] = []
        self._grid = _classed(w.VBox(), "icw-log-grid")
        self._add_choice = _classed(w.Dropdown(description="Add", options=[], layout=w.Layout(width="40em")),
                                    "icw-log-add-choice")
        self._add_btn = _classed(w.Button(description="Add question"), "icw-log-add")
        choices = [("— choose —", None)] + recommendation_options()  # words shown, codes saved
        self._recommendation = _classed(w.Dropdown(description="Recommendation", options=choices, value=None,
                                                   style={"description_width": "9em"}), "icw-log-recommendation")
        self._save_btn = _classed(w.Button(description="Save scorecard", button_style="success"), "icw-log-save")
        self._new_btn = _classed(w.Button(description="Log another"), "icw-log-new")
        self._drop_btn = _classed(w.Button(description="Drop the empty rows", button_style="warning",
                                           layout=w.Layout(width="auto")), "icw-log-drop-empty")
        help_text = _classed(w.HTML(
            "<p>The rows start with the level's default kit. Score each question that was asked; remove one that "
            "was not with ✕, or leave it empty: <i>Save scorecard</i> then offers to drop all empty rows at once."
            "</p>"), "icw-log-help")
        header = w.HTML("<div style='display:grid;grid-template-columns:30em 22em 6em 20em;font-weight:bold'>"
                        "<span>question</span><span>score</span><span>red flag</span><span>notes</span></div>")
        self.widget = _classed(w.VBox([w.HTML("<h3>Log a past interview</h3>"), self._setup_box, help_text, header,
                                       self._grid, w.HBox([self._add_choice, self._add_btn]), self._recommendation,
                                       self._flag_box, w.HBox([self._save_btn, self._drop_btn, self._new_btn]),
                                       self._status]),
                               "icw-log-form")
        _show(self._new_btn, False)
        _show(self._drop_btn, False)
        for name in ("candidate", "interviewer", "date"):
            getattr(self, f"_{name}").observe(self._on_setup_value, names="value")
        self._level.observe(self._on_level_value, names="value")
        self._recommendation.observe(self._on_row_value, names="value")
        self._add_btn.on_click(self._on_add_btn_click)
        self._save_btn.on_click(self._on_save_btn_click)
        self._new_btn.on_click(self._on_new_btn_click)
        self._drop_btn.on_click(self._on_drop_btn_click)
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
            scores = [("– score –", None)] + [(SCORE_LABELS[s], s) for s in config.SCORES]
            score = _classed(w.Dropdown(options=scores, value=None, layout=w.Layout(width="22em")), "icw-log-score")
            flag = _classed(w.Checkbox(value=False, indent=False, layout=w.Layout(width="6em")), "icw-log-red-flag")
            notes = _classed(w.Textarea(placeholder="notes (what the candidate said)", rows=3,
                                        layout=w.Layout(width="20em")), "icw-log-notes")
            remove = _classed(w.Button(description="✕", tooltip="remove this question",
                                       layout=w.Layout(width="3em")), "icw-log-remove")
            label = _classed(w.HTML(self._label_html(qid), layout=w.Layout(width="30em")), "icw-log-question")
            remove.on_click(functools.partial(self._on_remove_click, qid))
            for widget in (score, flag, notes):
                widget.observe(self._on_row_value, names="value")
            box = _classed(w.HBox([label, score, flag, notes, remove]), "icw-log-row", f"icw-log-row-{qid}")
            rows.append({"question_id": qid, "score": score, "red_flag": flag, "notes": notes,
                         "remove": remove, "box": box, "label": label})
        self._grid_rows = rows
        self._grid.children = [r["box"] for r in rows]
        taken = set(self.kit)
        self._add_choice.options = [(f"{r.question_id} · {r.level} · {r.topic}", r.question_id)
                                    for r in self.questions.itertuples() if r.question_id not in taken]
        self._add_choice.value = None
        self._update_flag_warning()
        self._update_drop_btn()

    def _shown_version(self, question_id: str) -> int:
        """The version in force on the interview's date (:func:`analysis.io.bank.version_in_force`):
        a past interview asked the wording of its day. Without a date, the active version."""
        active = super()._shown_version(question_id)
        day = self._date.value
        if day is None or active == 1 or "introduced" not in self._all_versions:
            return active
        return min(active, int(version_in_force(self._all_versions, [question_id], [day])[0]))

    def _shown_row(self, question_id: str):
        """The bank row of the version :meth:`_shown_version` picks."""
        version = self._shown_version(question_id)
        rows = self._all_versions[(self._all_versions["question_id"] == question_id)
                                  & (self._all_versions["version"] == version)]
        return rows.iloc[-1] if len(rows) else self._qinfo.loc[question_id]

    def _label_html(self, qid: str) -> str:
        """A grid row's question: id (and version once rewritten), level, topic, the text of the version
        in force on the interview's date, and its guide folded away."""
        q = self._shown_row(qid)
        # the version is named once the question has been rewritten (v1 too, for a date before the rewrite)
        label = f" · v{int(q.get('version', 1))}" if super()._shown_version(qid) > 1 else ""
        return (f"<div style='width:30em;white-space:normal;line-height:1.3'><code>{escape_html(qid)}</code>{label}"
                f" · {escape_html(q['level'])} · {escape_html(q['topic'])}<br><span class='icw-log-question-text'>"
                f"{escape_html(q['question'])}</span><details><summary>guide</summary><b>What good looks like:</b> "
                f"{escape_html(q['good_answer'])}<br>"
                f"<b>Red flag:</b> {escape_html(q['red_flag'])}</details></div>")

    def _refresh_labels(self) -> None:
        for r in self._grid_rows:
            r["label"].value = self._label_html(r["question_id"])

    def _empty_rows(self) -> list[str]:
        """The rows where nothing was entered, when at least one row has something (else dropping
        them all would leave no interview)."""
        empty = empty_answers(self._entries())
        return empty if len(empty) < len(self._grid_rows) else []

    def _update_drop_btn(self) -> None:
        """Offer *Drop the N empty rows* while a save is held up and some rows are empty."""
        empty = self._empty_rows() if self._pending_check == "save" and self.saved_path is None else []
        n = len(empty)
        self._drop_btn.description = f"Drop the {n} empty row{'' if n == 1 else 's'}"
        _show(self._drop_btn, bool(empty))

    def _show_missing(self, kind: str, problems: list[str]) -> None:
        super()._show_missing(kind, problems)
        empty = self._empty_rows() if kind == "save" else []
        if empty:
            n = len(empty)
            rows = ", ".join(f"{self.kit.index(q) + 1} ({q})" for q in empty)
            one = n == 1
            self._status.value += (
                f"<div class='icw-log-empty-hint'>{'Row' if one else 'Rows'} {escape_html(rows)} "
                f"{'has' if one else 'have'} nothing entered. If {'that question was' if one else 'they were'} "
                f"not asked, press <i>Drop the {n} empty row{'' if one else 's'}</i>; otherwise score "
                f"{'it' if one else 'them'}.</div>")
        self._update_drop_btn()

    def drop_empty_rows(self) -> list[str]:
        """Remove every row where nothing was entered (the *Drop the N empty rows* button); returns
        their question ids. Rows with a score, a red flag or a note stay; when no row has anything,
        nothing is dropped."""
        empty = self._empty_rows()
        if empty:
            self.set_questions([q for q in self.kit if q not in empty])
            self._set_status(f"Dropped {len(empty)} empty row{'' if len(empty) == 1 else 's'} "
                             f"({escape_html(', '.join(empty))}); {len(self.kit)} remain.", "info")
        self._revalidate()
        self._update_drop_btn()
        return empty

    def _entries(self) -> list[dict]:
        return [{"question_id": r["question_id"], "score": r["score"].value, "red_flag": r["red_flag"].value,
                 "notes": r["notes"].value} for r in self._grid_rows]

    def save(self):
        """Validate and save the logged interview. Returns the path or None (a second call after a
        successful save writes nothing)."""
        if self.saved_path is not None:
            self._already_saved()
            return None
        path = self._store(self.rows(), self.missing())
        if path is not None:
            self._save_btn.disabled = True
            _show(self._new_btn, True)
        self._update_drop_btn()
        return path

    def reset(self) -> None:
        """Clear the form for the next interview: keeps interviewer and level, empties the date
        (the next logged interview is rarely on the same day)."""
        self._key = new_draft_id()
        self._pending_check = None
        self._flags_confirmed, self._flags_asked, self._saved_id = (), False, None
        self._date.value = None
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
        self._refresh_labels()  # the date picks the version each row shows
        self._update_id_label()
        self._revalidate()

    @_guarded
    def _on_row_value(self, change):
        if self._loading:
            return
        owner = change.get("owner")
        if owner is not None and isinstance(change.get("new"), str):
            self._repaired(owner, change["new"])
        self._revalidate()
        self._update_drop_btn()

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

    @_guarded
    def _on_drop_btn_click(self, _):
        self.drop_empty_rows()
