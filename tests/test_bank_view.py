"""Filtering, coverage and display of the question bank, and the explorer widget driven by .value."""

from __future__ import annotations

import ipywidgets as w
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from analysis import config
from analysis.widgets.bank_view import (TABLE_COLUMNS, BankExplorer, bank_html, coverage_chart, coverage_table,
                                filter_questions)
from analysis.charts.theme import defaults

HOSTILE = '<img src=x onerror="alert(1)"> & <script>alert(2)</script>'


@pytest.fixture
def hostile_bank(bank):
    """The bank with markup in every text column of its first row."""
    b = bank.copy()
    for col in ("question_id", "question", "good_answer", "red_flag"):
        b[col] = b[col].astype(object)
        b.loc[0, col] = f"{col} {HOSTILE}"
    return b


def test_filter_by_level_topic_and_both(bank):
    senior = filter_questions(bank, level="senior")
    assert len(senior) == 8 and set(senior["level"]) == {"senior"}
    assert filter_questions(bank, level=" Senior ").equals(senior)
    cost = filter_questions(bank, topic="cost")
    assert set(cost["topic"]) == {"cost"} and len(cost) == (bank["topic"] == "cost").sum()
    both = filter_questions(bank, level="senior", topic="cost")
    assert both["question_id"].tolist() == [q for q in senior["question_id"] if q in set(cost["question_id"])]
    assert filter_questions(bank).equals(bank) and filter_questions(bank, level="", topic="", text="  ").equals(bank)
    assert filter_questions(bank, level="principal").empty


def test_text_search_is_case_insensitive_literal_and_covers_three_fields(bank):
    # one word from each field, found in that field only
    assert filter_questions(bank, text="lambda VS A LONG")["question_id"].tolist() == ["mid-lambda-vs-service"]
    assert filter_questions(bank, text="NOT A FILESYSTEM")["question_id"].tolist() == ["jr-s3-basics"]
    assert filter_questions(bank, text="mountable disk")["question_id"].tolist() == ["jr-s3-basics"]
    # literal: a regex metacharacter is just a character
    assert filter_questions(bank, text=".*").empty
    assert filter_questions(bank, text="cloudfront/elasticache")["question_id"].tolist() == ["mid-caching"]
    # ids and topics are not text
    assert filter_questions(bank, text="jr-s3-basics").empty


def test_filter_keeps_columns_dtypes_and_order(bank):
    got = filter_questions(bank, text="s3")
    assert list(got.columns) == list(bank.columns)
    assert got["level"].dtype == bank["level"].dtype
    assert list(got.index) == sorted(got.index)
    expected = [q for q, *texts in bank[["question_id", "question", "good_answer", "red_flag"]].itertuples(index=False)
                if any("s3" in t.lower() for t in texts)]
    assert got["question_id"].tolist() == expected


def test_coverage_table_is_tidy_and_counts_every_pair(bank):
    table = coverage_table(bank)
    topics = sorted(bank["topic"].astype(str).unique())
    assert list(table.columns) == ["level", "topic", "questions"]
    assert len(table) == 3 * len(topics)  # every (level, topic) pair, zeros included
    assert table["level"].cat.ordered and list(table["level"].cat.categories) == list(config.LEVELS)
    assert table["questions"].sum() == 24
    # the same counts by a plain groupby of the bank
    expected = bank.astype({"level": str, "topic": str}).groupby(["level", "topic"]).size()
    got = table.astype({"level": str, "topic": str}).set_index(["level", "topic"])["questions"]
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    assert (table.groupby("level", observed=True)["questions"].sum() == 8).all()


def test_coverage_chart_stacks_levels_with_the_theme(bank):
    fig = coverage_chart(bank)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == list(config.LEVELS)
    assert [t.marker.color for t in fig.data] == [defaults.level_colors[lv] for lv in config.LEVELS]
    assert fig.layout.barmode == "stack"
    topics = list(fig.data[0].x)
    assert topics == sorted(bank["topic"].astype(str).unique())
    for trace in fig.data:  # each bar is the number of that level's questions on that topic
        lv = bank[bank["level"] == trace.name]
        assert list(trace.y) == [int((lv["topic"] == t).sum()) for t in topics]
    assert sum(sum(t.y) for t in fig.data) == 24
    assert fig.layout.template == pio.templates[defaults.template]
    assert fig.layout.width == defaults.width


def test_bank_html_escapes_every_cell(hostile_bank):
    out = bank_html(hostile_bank)
    assert "<script" not in out and "<img" not in out
    assert HOSTILE not in out
    assert out.count("&lt;script&gt;alert(2)&lt;/script&gt;") == 4  # id, question, good answer, red flag
    assert out.count("<tr>") == len(hostile_bank) + 1
    assert all(f"<th>{h}</th>" in out for h in TABLE_COLUMNS.values())
    assert "No question matches" in bank_html(hostile_bank.iloc[0:0])


def test_explorer_filters_when_values_are_set(bank):
    ex = BankExplorer(bank)
    assert isinstance(ex, w.VBox) and ex.widget is ex
    table = ex.children[-1]
    assert len(ex.selected) == 24 and table.value.count("<tr>") == 25
    ex._level.value = "junior"
    assert len(ex.selected) == 8 and set(ex.selected["level"]) == {"junior"}
    ex._topic.value = "data"
    assert ex.selected["question_id"].tolist() == filter_questions(bank, level="junior", topic="data")["question_id"].tolist()
    ex._text.value = "no-such-text"
    assert ex.selected.empty and "No question matches" in table.value
    assert "<b>0</b> of 24 questions" in ex.children[1].value
    ex._level.value, ex._topic.value, ex._text.value = "(all)", "(all)", "cold start"
    assert ex.selected["question_id"].tolist() == ["mid-lambda-vs-service", "sr-serverless-tradeoffs"]
    assert table.value == bank_html(ex.selected)


def test_explorer_initial_values_and_options(bank):
    ex = BankExplorer(bank, level="senior", text="cost")
    assert ex._level.value == "senior" and len(ex.selected) == 2
    assert ex._level.options == ("(all)", "junior", "mid", "senior")
    assert ex._topic.options == ("(all)", *sorted(bank["topic"].astype(str).unique()))


def test_explorer_escapes_user_text(hostile_bank):
    ex = BankExplorer(hostile_bank)
    ex._text.value = "<script>"
    assert len(ex.selected) == 1
    assert "<script" not in ex.children[-1].value and "&lt;script&gt;" in ex.children[-1].value


def test_coverage_chart_escapes_topics_once(bank):
    b = bank.copy()
    b["topic"] = b["topic"].astype(object)
    b.loc[b.index[0], "topic"] = '<a href="https://evil.example/">t</a>'
    fig = coverage_chart(b)
    xs = [x for t in fig.data for x in t.x]
    assert '&lt;a href="https://evil.example/"&gt;t&lt;/a&gt;' in xs
    assert not any("<" in x or "&amp;lt;" in x for x in xs)
    assert fig.layout.title.subtitle.text == f"n = {len(b)} questions"
