"""Looking at the question bank: filter it, count its coverage, show it as a table or a widget.

The functions take the bank as :func:`analysis.io.bank.load_questions` returns it and know nothing about
notebooks; :class:`BankExplorer` is a thin ipywidgets layer on top of :func:`filter_questions` and
:func:`bank_html`, used by ``notebooks/01_question_bank.ipynb``.

>>> from analysis.io.bank import load_questions
>>> from analysis.widgets.bank_view import filter_questions, coverage_table
>>> bank = load_questions()
>>> len(filter_questions(bank, level="senior", text="cost"))
2
>>> coverage_table(bank).query("level == 'mid' and topic == 'architecture'")["questions"].item()
2
"""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from analysis import config
from analysis._text import escape_html
from analysis.io.bank import TEXT_COLUMNS as TEXT_FIELDS
from analysis.io.bank import filter_questions
from analysis.charts.finish import finish
from analysis.charts.theme import defaults

__all__ = ["TEXT_FIELDS", "TABLE_COLUMNS", "filter_questions", "coverage_table", "coverage_chart",
           "bank_html", "BankExplorer"]

#: The columns a free-text search looks in.
#: The columns :func:`bank_html` shows, with their headings.
TABLE_COLUMNS = {"question_id": "Id", "level": "Level", "topic": "Topic", "question": "Question",
                 "good_answer": "What good looks like", "red_flag": "Red flag"}
_ALL = "(all)"


def coverage_table(bank: pd.DataFrame) -> pd.DataFrame:
    """How many questions the bank has for each level and topic.

    Returns
    -------
    DataFrame
        Tidy, one row per (level, topic) pair, every pair included (0 where the bank has none):
        ``level`` (ordered categorical), ``topic`` (categorical), ``questions`` (int).

    Notes
    -----
    A topic asked at only one level cannot show whether it separates strong from weak candidates
    *independently of level*; the zeros here are where a new question would help most.
    """
    levels = pd.Categorical(bank["level"].astype(str), categories=config.LEVELS, ordered=True)
    topics = sorted(bank["topic"].astype(str).unique())
    counts = (pd.crosstab(pd.Series(levels, name="level"), pd.Series(bank["topic"].astype(str).to_numpy(), name="topic"),
                          dropna=False)
              .reindex(index=list(config.LEVELS), columns=topics, fill_value=0))
    out = counts.stack().rename("questions").reset_index()
    out["level"] = pd.Categorical(out["level"].astype(str), categories=config.LEVELS, ordered=True)
    out["topic"] = pd.Categorical(out["topic"].astype(str), categories=topics)
    out["questions"] = out["questions"].astype(int)
    return out.sort_values(["level", "topic"]).reset_index(drop=True)


def coverage_chart(bank: pd.DataFrame) -> go.Figure:
    """Questions per topic, stacked by level: which topics the bank covers, and at which levels.

    A bar made of one colour is a topic asked at one level only.
    """
    table = coverage_table(bank)
    topics = list(table["topic"].cat.categories)
    fig = go.Figure()
    for level in config.LEVELS:
        part = table[table["level"] == level].set_index("topic")["questions"].reindex(topics, fill_value=0)
        fig.add_trace(go.Bar(x=topics, y=part.to_list(), name=level,
                             marker_color=defaults.level_colors.get(level),
                             customdata=[level] * len(topics),
                             hovertemplate="%{customdata}<br>%{x}: %{y} question(s)<extra></extra>"))
    fig.update_layout(barmode="stack", legend_title_text=defaults.labels.get("level", "Level"),
                      margin=dict(l=10, r=10, t=90, b=10))
    fig.update_xaxes(title=defaults.labels.get("topic", "Topic"))
    fig.update_yaxes(title="Questions", dtick=1)
    single = [t for t in topics if (table[table["topic"] == t]["questions"] > 0).sum() == 1]
    title = (f"{len(single)} of {len(topics)} topics are asked at one level only" if single
             else "Every topic is asked at more than one level")
    # the one place chart text is escaped and numbers rounded (topics are typed by users)
    return finish(fig, title, subtitle=f"n = {len(bank)} questions", height=420)


def bank_html(bank: pd.DataFrame, columns=None) -> str:
    """The bank (or part of it) as an HTML table, every cell escaped with :func:`analysis._text.escape_html`.

    Parameters
    ----------
    bank : DataFrame
        Rows to show, e.g. the result of :func:`filter_questions`.
    columns : dict, optional
        ``{column: heading}`` to show (default :data:`TABLE_COLUMNS`).
    """
    columns = dict(columns or TABLE_COLUMNS)
    head = "".join(f"<th>{escape_html(str(h))}</th>" for h in columns.values())
    if len(bank) == 0:
        body = f'<tr><td colspan="{len(columns)}"><em>No question matches.</em></td></tr>'
    else:
        body = "".join(
            "<tr>" + "".join(f"<td>{escape_html(str(v))}</td>" for v in row) + "</tr>"
            for row in bank[list(columns)].itertuples(index=False, name=None))
    return (f'<table class="icw-bank"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


class BankExplorer(w.VBox):
    """Browse the bank: pick a level and a topic, type some text, read the matching questions.

    Parameters
    ----------
    bank : DataFrame
        The question bank.
    level, topic, text : str, optional
        Initial filter values.

    The current selection is :attr:`selected` (a DataFrame); the table is an escaped HTML widget.
    """

    def __init__(self, bank: pd.DataFrame, *, level: str | None = None, topic: str | None = None,
                 text: str = "", **kwargs):
        self._bank = bank
        topics = sorted(bank["topic"].astype(str).unique())
        self._level = w.Dropdown(options=[_ALL, *config.LEVELS], value=level or _ALL, description="Level")
        self._topic = w.Dropdown(options=[_ALL, *topics], value=topic or _ALL, description="Topic")
        self._text = w.Text(value=text, description="Text", placeholder="search question, answer, red flag",
                            continuous_update=True)
        self._count = w.HTML()
        self._table = w.HTML()
        for widget, name in ((self._level, "level"), (self._topic, "topic"), (self._text, "text")):
            widget.add_class(f"icw-bank-{name}")
        self._level.observe(self._on_level_change, names="value")
        self._topic.observe(self._on_topic_change, names="value")
        self._text.observe(self._on_text_change, names="value")
        super().__init__([w.HBox([self._level, self._topic, self._text]), self._count, self._table], **kwargs)
        self.add_class("icw-bank-explorer")
        self.selected = bank.iloc[0:0]
        self._refresh()

    @property
    def widget(self) -> w.VBox:
        """The explorer itself (it is a VBox), for symmetry with other forms."""
        return self

    def _on_level_change(self, change) -> None:
        self._refresh()

    def _on_topic_change(self, change) -> None:
        self._refresh()

    def _on_text_change(self, change) -> None:
        self._refresh()

    def _refresh(self) -> None:
        level = None if self._level.value == _ALL else self._level.value
        topic = None if self._topic.value == _ALL else self._topic.value
        try:
            self.selected = filter_questions(self._bank, level=level, topic=topic, text=self._text.value)
            self._count.value = (f"<b>{len(self.selected)}</b> of {len(self._bank)} questions")
            self._table.value = bank_html(self.selected)
        except Exception as exc:  # shown in the widget, never swallowed silently
            self._count.value = f'<span class="icw-error">Could not filter: {escape_html(repr(exc))}</span>'
            raise
