"""The kit builder widget: level, number of questions and required topics in; the recommended kit,
its reliability beside today's kit, and its information curve out.

The widget only gathers values and shows results: :func:`analysis.stats.kit_design.recommend_kit`
does the work and :func:`analysis.charts.kits.kit_figure` draws it.
"""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
from IPython.display import display

from analysis import config
from analysis._text import escape_html
from analysis.charts.kits import kit_figure
from analysis.stats.irt import IRTFit
from analysis.stats.kit_design import recommend_kit
from analysis.widgets.explorer import figure_bundle

__all__ = ["KitBuilder"]


class KitBuilder:
    """The kit builder as a widget: level, number of questions and required topics in; the
    recommended kit, its figures beside today's, and its information curve out.

    >>> KitBuilder(fit, wb.questions)            # doctest: +SKIP  (in a notebook cell)

    The widget only gathers values and shows results; :func:`recommend_kit` does the work, and an
    error (e.g. a topic no eligible question covers) is shown in the status line, never swallowed.
    """

    def __init__(self, fit: IRTFit, questions: pd.DataFrame, *, level: str = "mid", n_questions: int = 6,
                 topics=(), min_candidates: int = 30):
        self.fit, self.questions, self.min_candidates = fit, questions, min_candidates
        self._level = w.Dropdown(options=list(config.LEVELS), value=level, description="Level")
        self._n = w.IntSlider(value=n_questions, min=1, max=12, description="Questions")
        self._topics = w.SelectMultiple(options=sorted(questions["topic"].astype(str).unique()),
                                        value=tuple(topics), description="Must cover", rows=6)
        self._status = w.HTML()
        self._table = w.HTML()
        self._out = w.Output()
        for c in (self._level, self._n, self._topics):
            c.observe(self._on_change_value, names="value")
        self.widget = w.VBox([w.HBox([w.VBox([self._level, self._n]), self._topics]), self._status, self._table, self._out])
        self.widget.add_class("icw-kit-builder")
        self._level.add_class("icw-kit-level")
        self._status.add_class("icw-kit-status")
        self.recommendation = None
        self._update()

    def _on_change_value(self, change) -> None:
        self._update()

    def _update(self) -> None:
        # outputs are set directly (not ``with out:``), as analysis.widgets.explorer does, so the widget also
        # renders when built outside a running kernel's output capture (nbconvert, tests)
        try:
            rec = recommend_kit(self.fit, self._level.value, self._n.value, questions=self.questions,
                                topics=list(self._topics.value), min_candidates=self.min_candidates)
        except ValueError as exc:
            self.recommendation = None
            self._status.value = f"<b>Cannot build this kit:</b> {escape_html(exc)}"
            self._table.value = ""
            self._out.outputs = ()
            return
        self.recommendation = rec
        t = rec.today
        self._status.value = (f"Bar at ability {rec.bar:.2f}. Recommended: SE {rec.se:.2f}, reliability "
                              f"{rec.reliability:.2f} at the bar; today's kit: SE {t['se']:.2f}, reliability "
                              f"{t['reliability']:.2f}." + "".join(f"<br><i>{escape_html(n)}</i>" for n in rec.notes))
        self._table.value = rec.kit[["question_id", "rank", "information", "topic", "level"]].round(2).to_html(
            index=False, escape=True)
        self._out.outputs = (figure_bundle(kit_figure(self.fit, rec)),)

    def _ipython_display_(self):
        display(self.widget)
