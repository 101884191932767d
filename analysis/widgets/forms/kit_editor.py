"""The live form's question kit editor: the kit as a list, reordered, trimmed and filled from the
filterable bank before the interview starts.

:class:`_KitEditor` is the part of :class:`~analysis.widgets.forms.interview.InterviewForm` that
shows and edits the kit; the kit rules themselves (the default kit, the stretch question, adding,
moving, removing, filtering the bank) are the plain functions of :mod:`analysis.io.kits`. It is a
mixin over :class:`~analysis.widgets.forms.base._Form` and uses the form's ``_kit``, ``_current``,
``_started``, ``_flush_time``, ``_show_question`` and ``_changed``.
"""

from __future__ import annotations

import ipywidgets as w
import pandas as pd

from analysis import config
from analysis._text import escape_html
from analysis.io.kits import add_question, default_kit, filter_bank, move_question, remove_question, stretch_question
from analysis.widgets.forms.base import _classed, _guarded

__all__: list[str] = []


class _KitEditor:
    """The kit panel of the live form: the kit list, its buttons and the bank to add from (a mixin)."""

    def _build_kit_panel(self) -> w.Widget:
        """The *Question kit* panel, wired to its handlers."""
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
        for name in ("stretch", "bank_text", "bank_level", "bank_topic"):
            getattr(self, f"_{name}").observe(getattr(self, f"_on_{name}_value"), names="value")
        for name in ("kit_up", "kit_down", "kit_remove", "kit_reset", "kit_add"):
            getattr(self, f"_{name}").on_click(getattr(self, f"_on_{name}_click"))
        return self._kit_panel

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

    def _update_kit_views(self) -> None:
        with self._quiet():
            info = self._qinfo
            self._kit_select.options = [(f"{i}. {q} · {info.at[q, 'level']} · {info.at[q, 'topic']}", q)
                                        for i, q in enumerate(self._kit, start=1)]
            if self._kit and self._kit_select.value is None:
                self._kit_select.value = self._kit[min(self._current, len(self._kit) - 1)]
            topics = info.loc[self._kit, "topic"].astype(str) if self._kit else pd.Series([], dtype=str)
            self._kit_summary.value = (f"{len(self._kit)} questions over {topics.nunique()} topics "
                                       f"({escape_html(', '.join(sorted(set(topics))))})")
            rows = filter_bank(self.questions, text=self._bank_text.value, level=self._bank_level.value or None,
                               topic=self._bank_topic.value or None, exclude=self._kit)
            self._bank_select.options = [
                (f"{r.question_id} · {r.level} · {r.topic} — {str(r.question)[:70]}", r.question_id)
                for r in rows.itertuples()]

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

    def _default_kit(self, level: str) -> list[str]:
        """The level's default kit, with a stretch question when the *stretch* box is ticked."""
        return default_kit(self.questions, level, stretch=self._stretch.value)

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
        self._set_kit(self._default_kit(self._level.value))

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
