"""The question, topic and level tables from one set of shared row-level arrays
(analysis.stats.separation.TableRows, analysis.stats.discrimination.kept_rows, issue 26).

Each faster path here must give the numbers of the straightforward one it replaced, to the bit:
the bincount red-flag lift against the pandas group-by, the AUC on shared codes against
``grouped_auc`` of the subset frame, and the tables computed with one shared ``TableRows`` (in any
order) against each table computed on its own.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats import items
from analysis.stats.calibration import prepare
from analysis.stats.discrimination import grouped_discrimination, kept_rows
from analysis.stats.separation import (TableRows, _auc, _red_flag_lift, _red_flag_lift_frame, level_stats,
                                       question_stats, severity_first_step, topic_stats)
from analysis.stats.tables import TableInputs, compute_table
from planted import generated_workbook


@st.composite
def _rows(draw):
    """Small score rows: a categorical or text grouping with unused categories and missing keys, a
    criterion with unknowns (some groups with no known row), booleans for the red flag."""
    n = draw(st.integers(1, 40))
    groups = draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n))
    strong = draw(st.lists(st.sampled_from([0.0, 1.0, np.nan]), min_size=n, max_size=n))
    flag = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    score = draw(st.lists(st.sampled_from([1, 2, 3, 4]), min_size=n, max_size=n))
    kind = draw(st.sampled_from(["category", "str"]))
    g = pd.Series(groups, dtype=object)
    g = g.astype(pd.CategoricalDtype(["c", "a", "b", "z"])) if kind == "category" else g
    return pd.DataFrame({"g": g, "strong": strong, "red_flag": flag, "score": np.array(score, dtype=np.int8)})


@settings(max_examples=150, deadline=None)
@given(_rows())
def test_red_flag_lift_from_codes_equals_the_group_by(d):
    fast = _red_flag_lift(d, "g")
    slow = _red_flag_lift_frame(d, "g")
    # the same groups, in the same order, with the same numbers to the bit
    pd.testing.assert_frame_equal(fast, slow, check_exact=True, check_index_type=False)
    assert list(fast.index) == list(slow.index)


@settings(max_examples=150, deadline=None)
@given(_rows())
def test_auc_on_shared_codes_equals_grouped_auc_of_the_subset(d):
    known = d["strong"].notna()
    slow = (items.grouped_auc(d.loc[known, ["g", "score", "strong"]], "g", "score", "strong") if known.any()
            else pd.Series(dtype=float, name="auc"))
    fast = _auc(d, "g")
    pd.testing.assert_series_equal(fast, slow, check_exact=True, check_index_type=False)
    assert list(fast.index) == list(slow.index)


def test_red_flag_lift_of_non_boolean_flags_takes_the_group_by():
    d = pd.DataFrame({"g": ["a", "a", "b", "b"], "strong": [1.0, 0.0, 0.0, 1.0],
                      "red_flag": [1, 0, 0, 1], "score": [1, 2, 3, 4]})  # flags as 0/1 integers
    assert TableRows(d).red_flag() is None
    pd.testing.assert_frame_equal(_red_flag_lift(d, "g"), _red_flag_lift_frame(d, "g"))


@pytest.fixture(scope="module")
def slice_rows(bank):
    _, wb = generated_workbook(400, 17, bank)
    d, fit = prepare(wb, "recommendation")
    return wb, d, fit


def test_shared_rows_give_each_table_its_own_numbers_in_any_order(slice_rows):
    wb, d, fit = slice_rows
    step = severity_first_step(d, fit)
    kw = dict(n_boot=50, seed=3, severity=step)
    alone = {"question": question_stats(d, wb.questions, **kw), "topic": topic_stats(d, wb.questions, **kw),
             "level": level_stats(d, **kw)}
    shared = TableRows(d)
    # level first: what a table leaves in the shared rows must not change the next one
    together = {"level": level_stats(d, rows=shared, **kw), "topic": topic_stats(d, wb.questions, rows=shared, **kw),
                "question": question_stats(d, wb.questions, rows=shared, **kw)}
    for name, table in alone.items():
        pd.testing.assert_frame_equal(together[name], table, check_exact=True)
    # and the calibration's inputs hand the same object to each of its tables
    inputs = TableInputs(wb, d, fit, n_boot=50, seed=3)
    first = inputs.table_rows("question_stats")
    assert inputs.table_rows("topic_stats") is first
    assert inputs.table_rows("level_stats") is first
    assert inputs.table_rows("level_stats") is not first  # let go once all three took it: a new one
    pd.testing.assert_frame_equal(compute_table("level_stats", inputs, []), alone["level"], check_exact=True)


def test_kept_rows_given_or_not_give_the_same_headline(slice_rows):
    _, d, fit = slice_rows
    rows = kept_rows(d, "x_adj", "y_free", "level", "candidate_id")
    before = rows.x.copy()
    for by in ("question_id", "topic"):
        a = grouped_discrimination(d, by, "x_adj", "y_free", "level", "candidate_id", n_boot=30)
        b = grouped_discrimination(d, by, "x_adj", "y_free", "level", "candidate_id", n_boot=30, rows=rows)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    np.testing.assert_array_equal(rows.x, before)  # the tables centre copies, never the shared rows
    with pytest.raises(ValueError, match="rows describes"):
        grouped_discrimination(d.iloc[:10], "topic", "x_adj", "y_free", "level", "candidate_id", rows=rows)


def test_table_rows_refuse_another_frame(slice_rows):
    _, d, _ = slice_rows
    with pytest.raises(ValueError, match="made for a frame"):
        question_stats(d.iloc[:50], slice_rows[0].questions, n_boot=0, rows=TableRows(d))


@st.composite
def _scored_rows(draw):
    """Integer scores (the loader's int8, some off the rubric) by a categorical grouping with missing
    keys and a candidate level that may be unknown or outside the three levels."""
    n = draw(st.integers(1, 40))
    g = draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n))
    level = draw(st.lists(st.sampled_from(["junior", "mid", "senior", "intern", None]), min_size=n, max_size=n))
    score = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    return pd.DataFrame({"g": pd.Series(g, dtype=object).astype(pd.CategoricalDtype(["c", "a", "b", "z"])),
                         "level": pd.Series(level, dtype=object).astype("category"),
                         "score": np.array(score, dtype=np.int8)})


@settings(max_examples=150, deadline=None)
@given(_scored_rows())
def test_counts_and_means_from_codes_equal_pandas(d):
    """Integer scores take bincounts over the shared codes; float scores the pandas group-by and
    pivot table they replaced (the reference): the same numbers, to the bit, for every group the
    question table keeps (it joins these onto the groups with rows)."""
    from analysis.stats.separation import _distribution, _mean_per_level
    as_float = d.assign(score=d["score"].astype(float))
    fast, slow = _distribution(d, "g"), _distribution(as_float, "g")
    pd.testing.assert_frame_equal(fast, slow, check_exact=True, check_index_type=False)
    fast, slow = _mean_per_level(d, "g"), _mean_per_level(as_float, "g")
    groups = pd.CategoricalIndex(d["g"].dropna().unique(), dtype=d["g"].dtype, name="g").sort_values()
    pd.testing.assert_frame_equal(fast.reindex(groups), slow.reindex(groups), check_exact=True)


@pytest.mark.parametrize("criterion", ["recommendation", "decision"])  # a rest score (w_c) and not
def test_first_step_in_blocks_equals_one_block(slice_rows, criterion, monkeypatch):
    """The first step's per-row parts are computed a block of rows at a time (issue 26: block-length
    temporaries instead of row-length ones); blocks of 7 rows give the numbers of one block, to the bit."""
    from analysis.stats import _disc_first_step, _unit_sums, discrimination
    wb, _, _ = slice_rows
    d, fit = prepare(wb, criterion)
    kw = dict(n_boot=20, seed=1, severity=severity_first_step(d, fit))
    whole = question_stats(d, wb.questions, **kw)
    assert len(d) > 7 * 10 and whole["discrimination_se"].notna().any()
    for module in (_unit_sums, _disc_first_step, discrimination):  # the block size, where each reads it
        monkeypatch.setattr(module, "BLOCK", 7)
    monkeypatch.setattr(_unit_sums.CentredRows.__init__, "__kwdefaults__", {"block": 7})  # (bound at definition)
    pd.testing.assert_frame_equal(question_stats(d, wb.questions, **kw), whole, check_exact=True)
