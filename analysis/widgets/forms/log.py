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
from analysis.io.drafts import new_draft_id
from analysis.io.kits import default_kit
from analysis.widgets.forms.base import SCORE_LABELS, _classed, _Form, _guarded, _show

__all__ = ["LogForm"]


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
    _kind = "log"

    def __init__(self, data=None, interviewer: str | None = None, *, questions=None, interviewers=None,
                 today=None, practice: bool = False):
        super().__init__(data, interviewer, questions=questions, interviewers=interviewers, today=today,
                         practice=practice)
        self._grid_rows: list[dict] = []
        self._grid = _classed(w.VBox(), "icw-log-grid")
        self._add_choice = _classed(w.Dropdown(description="Add", options=[], layout=w.Layout(width="40em")),
                                    "icw-log-add-choice")
        self._add_btn = _classed(w.Button(description="Add question"), "icw-log-add")
        choices = [("— choose —", None)] + [(r, r) for r in config.RECOMMENDATIONS]
        self._recommendation = _classed(w.Dropdown(description="Recommendation", options=choices, value=None,
                                                   style={"description_width": "9em"}), "icw-log-recommendation")
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
            scores = [("– score –", None)] + [(SCORE_LABELS[s], s) for s in config.SCORES]
            score = _classed(w.Dropdown(options=scores, value=None, layout=w.Layout(width="22em")), "icw-log-score")
            flag = _classed(w.Checkbox(value=False, indent=False, layout=w.Layout(width="6em")), "icw-log-red-flag")
            notes = _classed(w.Text(placeholder="notes", layout=w.Layout(width="20em")), "icw-log-notes")
            remove = _classed(w.Button(description="✕", tooltip="remove this question",
                                       layout=w.Layout(width="3em")), "icw-log-remove")
            label = _classed(w.HTML(
                f"<div style='width:30em;white-space:normal;line-height:1.3'><code>{escape_html(qid)}</code> · "
                f"{escape_html(q['level'])} · {escape_html(q['topic'])}<br><span class='icw-log-question-text'>"
                f"{escape_html(q['question'])}</span><details><summary>guide</summary><b>What good looks like:</b> "
                f"{escape_html(q['good_answer'])}<br>"
                f"<b>Red flag:</b> {escape_html(q['red_flag'])}</details></div>", layout=w.Layout(width="30em")),
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
        if owner is not None and isinstance(change.get("new"), str):
            self._repaired(owner, change["new"])
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
