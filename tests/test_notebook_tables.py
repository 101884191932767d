"""Notebook tables a hiring lead can read (issue 24): :func:`analysis.show_table` and the stored
tables of notebooks 01 and 03.

What is checked here without a browser: the cells' text (never cut, numbers at a precision per
column, p-values as ``< 0.001``), the inline styles that align them (JupyterLab keeps inline
``text-align``/``white-space`` in untrusted outputs and drops ``<style>`` blocks), escaping, and the
stored notebooks. ``tests/test_browser_tables.py`` checks what Chromium lays out.

Expected strings are worked by hand from the inputs (0.73958 to 2 decimals is 0.74, and so on).
"""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analysis as aw
from analysis.reports.notebook_tables import format_column, show_table

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
XSS = "<script>alert(1)</script>"


class _Cells(HTMLParser):
    """Headings and cells of the first table in an HTML string: ``(tag, style, text)`` per row."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[tuple[str, str, str]]] = []
        self._cell: list | None = None
        self.scripts = 0
        self.box_style = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and "icw-table-box" in (attrs.get("class") or "") and self.box_style is None:
            self.box_style = attrs.get("style", "")
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = [tag, attrs.get("style", ""), ""]
        elif tag == "script":
            self.scripts += 1

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(tuple(self._cell))
            self._cell = None


def _parse(html: str) -> _Cells:
    parser = _Cells()
    parser.feed(html)
    return parser


def _table(frame, digits=None, **kwargs):
    table = show_table(frame, digits, **kwargs)
    parsed = _parse(table._repr_html_())
    header = [text for _tag, _style, text in parsed.rows[0]]
    return header, parsed.rows[1:], parsed


QUESTION = ("How would you design a multi-region, highly available web application on AWS, and what "
            "trade-offs would you make between cost, latency and consistency when a region fails?")


def test_text_is_whole_left_aligned_and_numbers_right_aligned():
    frame = pd.DataFrame({"question_id": ["sr-multi-region"], "question": [QUESTION], "n": [1234],
                          "auc": [0.73958], "p_value": [0.0004], "q_value": [0.04049], "drifting": [True]})
    header, rows, _ = _table(frame)
    assert header == list(frame.columns)
    cells = dict(zip(header, rows[0]))
    assert cells["question"][2] == QUESTION  # whole: pandas cuts at 50 characters with '…'
    assert cells["question_id"][2] == "sr-multi-region"
    # hand-worked: 1234 -> '1,234'; 0.73958 -> '0.74'; 0.0004 < 0.0005 -> '< 0.001'; 0.04049 -> '0.040'
    assert [cells[c][2] for c in ("n", "auc", "p_value", "q_value", "drifting")] == \
        ["1,234", "0.74", "< 0.001", "0.040", "yes"]
    for column in ("question_id", "question", "drifting"):
        assert "text-align:left" in cells[column][1], column
    for column in ("n", "auc", "p_value", "q_value"):
        assert "text-align:right" in cells[column][1] and "white-space:nowrap" in cells[column][1], column
    assert "white-space:nowrap" in cells["question_id"][1]  # an id stays on one line
    assert "white-space:normal" in cells["question"][1]  # prose wraps in a readable column


def test_a_column_keeps_one_precision_and_counts_stored_as_floats_are_whole():
    frame = pd.DataFrame({"severity": [0.0015, 0.25, -0.004], "n_decided": [63.0, None, 7.0],
                          "slope_per_year": [0.07704, 1.0, 0.1]})
    _, rows, _ = _table(frame, {"slope_per_year": 3})
    assert [r[0][2] for r in rows] == ["0.00", "0.25", "0.00"]  # never '0.0015' beside 2 decimals, never '-0.00'
    assert [r[1][2] for r in rows] == ["63", "", "7"]  # a NaN made the column float; blank, not 'nan'
    assert [r[2][2] for r in rows] == ["0.077", "1.000", "0.100"]


def test_mixed_column_shows_counts_whole_and_ratios_to_two_decimals():
    design = pd.DataFrame({"kind": ["group", "model", "panels"], "name": ["group 1", "lambda", "retest_pairs"],
                           "value": [8.0, 7.292637, 727.0]})
    _, rows, _ = _table(design, {"value": "mixed"})
    assert [r[2][2] for r in rows] == ["8", "7.29", "727"]


def test_named_index_is_a_column_and_unnamed_is_dropped():
    pivot = pd.DataFrame({"topic": ["cost", "data"], "level": ["junior", "junior"], "questions": [2, 1]}) \
        .pivot(index="topic", columns="level", values="questions")
    header, rows, _ = _table(pivot)
    assert header == ["topic", "junior"] and [r[0][2] for r in rows] == ["cost", "data"]
    header, _, _ = _table(pd.DataFrame({"a": [1]}, index=[7]))
    assert header == ["a"]


def test_hostile_text_is_escaped_everywhere():
    table = show_table(pd.DataFrame({XSS: [XSS], "n": [1]}), caption=XSS)
    html = table._repr_html_()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    header, rows, _ = _table(pd.DataFrame({XSS: [XSS]}))
    assert header == [XSS] and rows[0][0][2] == XSS


def test_long_table_scrolls_in_its_own_box_short_one_does_not():
    _, _, short = _table(pd.DataFrame({"n": range(15)}))
    _, rows, long = _table(pd.DataFrame({"n": range(16)}))
    assert "overflow-x:auto" in short.box_style and "max-height" not in short.box_style
    assert "max-height:30em" in long.box_style and "overflow-y:auto" in long.box_style
    assert len(rows) == 16  # every row is in the output; the box scrolls


def test_empty_table_says_so():
    _, rows, _ = _table(pd.DataFrame({"question_id": pd.Series([], dtype=str)}))
    assert rows[0][0][2] == "No rows."


def test_bad_arguments_say_how_to_fix_them():
    with pytest.raises(TypeError, match="to_frame"):
        show_table(pd.Series([1, 2]))
    with pytest.raises(ValueError, match=r"not in the table; its columns are \['n'\]"):
        show_table(pd.DataFrame({"n": [1]}), {"auc": 2})
    with pytest.raises(ValueError, match="unknown format 'percent'.*count, p, mixed, text"):
        show_table(pd.DataFrame({"n": [1]}), {"n": "percent"})
    with pytest.raises(ValueError, match="duplicated column"):
        show_table(pd.DataFrame([[1, 2]], columns=["n", "n"]))


def test_plain_text_repr_shows_the_same_cells():
    text = repr(show_table(pd.DataFrame({"question_id": ["jr-s3-basics"], "auc": [0.73958]})))
    assert "jr-s3-basics" in text and "0.74" in text and "0.7395" not in text


def test_facade_exports_show_table():
    assert aw.show_table is show_table


# ------------------------------------------------------------------------- properties

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
_floats = st.one_of(st.just(math.nan), st.floats(min_value=-1e9, max_value=1e9))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(_text, min_size=1, max_size=6), data=st.data())
def test_every_text_value_is_shown_whole_and_every_row_once(texts, data):
    numbers = data.draw(st.lists(_floats, min_size=len(texts), max_size=len(texts)))
    digits = data.draw(st.integers(min_value=0, max_value=4))
    frame = pd.DataFrame({"label": texts, "value": numbers})
    header, rows, _ = _table(frame, {"value": digits})
    assert header == ["label", "value"] and len(rows) == len(texts)
    for row, text, number in zip(rows, texts, numbers):
        # an HTML parser reads back the value itself: escaped, never cut, nothing added
        assert row[0][2] == text
        shown = row[1][2]
        if math.isnan(number):
            assert shown == ""
            continue
        assert re.fullmatch(r"-?\d{1,3}(,\d{3})*" + (rf"\.\d{{{digits}}}" if digits else ""), shown), shown
        # within half a unit of the last decimal shown (rounding, never truncation or a wrong digit)
        assert abs(float(shown.replace(",", "")) - number) <= 0.5 * 10 ** -digits + 1e-9 * max(1, abs(number))


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=1))
def test_p_values_keep_three_decimals_or_say_below(p):
    shown = format_column(pd.Series([p], name="p_value"))[0]
    if p < 0.0005:
        assert shown == "< 0.001"
    else:
        assert re.fullmatch(r"[01]\.\d{3}", shown) and abs(float(shown) - p) <= 0.0005 + 1e-12


# ------------------------------------------------------------------------ the notebooks

#: Notebook 03's table cells: the expression that makes each table.
TABLE_CELLS_03 = ("ranked.head(6)", "ranked.tail(6)", "cal.topic_stats.sort_values", "cal.level_stats[level_columns]",
                  'tables["interviewer_stats"]', 'design["kind"] != "interviewer"', "cal.inter_rater",
                  "cal.drift_tests.sort_values")


def _cells(name: str) -> list[dict]:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]


def _html_outputs(cell: dict) -> list[str]:
    return ["".join(o["data"]["text/html"]) for o in cell.get("outputs", [])
            if "data" in o and "text/html" in o["data"]]


@pytest.mark.parametrize("needle", TABLE_CELLS_03)
def test_notebook_03_stored_tables_are_readable(needle):
    cells = [c for c in _cells("03_calibration.ipynb")
             if c["cell_type"] == "code" and needle in "".join(c["source"])]
    assert len(cells) == 1, needle
    outputs = _html_outputs(cells[0])
    assert len(outputs) == 1, f"{needle}: expected one table output"
    parsed = _parse(outputs[0])
    assert parsed.box_style and "overflow-x:auto" in parsed.box_style, "the table must scroll in its own box"
    assert "…" not in outputs[0] and "..." not in outputs[0], "a cell was cut"
    header = parsed.rows[0]
    for row in parsed.rows[1:]:
        for (_tag, head_style, _name), (_t, style, text) in zip(header, row):
            if "text-align:right" in style:
                # a number: at most 3 decimals (p-values), never a raw float that a CPU could change
                assert re.fullmatch(r"|-?[\d,]+(\.\d{1,3})?|< 0\.001", text), (needle, text)
            else:
                assert "text-align:left" in style, (needle, text)
    # numeric columns hold one precision each (the design table's mixed value column aside)
    columns = list(zip(*[[cell[2] for cell in row] for row in parsed.rows[1:]]))
    for index, values in enumerate(columns):
        if "text-align:right" not in parsed.rows[1][index][1] or parsed.rows[0][index][2] == "value" \
                and "design" in needle:
            continue
        places = {len(v.split(".")[1]) if "." in v else 0 for v in values if v and v != "< 0.001"}
        assert len(places) <= 1, (needle, parsed.rows[0][index][2], values)


def test_notebook_01_lists_the_bank_once():
    cells = [c for c in _cells("01_question_bank.ipynb") if c["cell_type"] == "code"]
    listing = [c for c in cells if re.search(r"bank_html\(|BankExplorer\(|show_table\(bank", "".join(c["source"]))]
    assert len(listing) == 1, [("".join(c["source"])) for c in listing]
    text = json.dumps([c.get("outputs", []) for c in cells])
    bank = aw.load_questions(REPO / "data")
    assert all(text.count(q) <= 1 for q in bank["question_id"]), "a question id is stored twice"


def test_notebook_01_coverage_table_is_a_readable_table():
    cell = next(c for c in _cells("01_question_bank.ipynb") if "coverage_table(bank)" in "".join(c["source"]))
    parsed = _parse(_html_outputs(cell)[0])
    assert [h[2] for h in parsed.rows[0]] == ["topic", "junior", "mid", "senior"]
    assert all("text-align:left" in row[0][1] and "text-align:right" in row[1][1] for row in parsed.rows[1:])
