"""The design table's panel counts read off the severity fit (SeverityFit.panels, counted from the
answers the fit builds) equal the counts made from the rows, and the pandas group-bys they stand for,
with panels, second tries on other days and undated scorecards."""

import dataclasses

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats.design import design_diagnostics
from analysis.stats.severity import fit_severity


def _history(seed, n_cand, panel_rate, undated):
    rng = np.random.default_rng(seed)
    raters = np.array(["A", "B", "C", "D"])
    rows = []
    for c in range(n_cand):
        ability = rng.normal()
        for k, r in enumerate(rng.choice(raters, size=2, replace=False)):
            day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 3)) + 10 * k)
            for q in rng.choice(["q1", "q2", "q3"], size=2, replace=False):
                who = [r] + ([rng.choice(raters[raters != r])] if rng.random() < panel_rate else [])
                for w in who:  # a panel: a second interviewer scores the same answer
                    rows.append((f"c{c}", w, q, "mid", day, float(np.clip(np.round(2.5 + ability + rng.normal()), 1, 4))))
    d = pd.DataFrame(rows, columns=["candidate_id", "interviewer", "question_id", "level", "date", "score"])
    d.loc[rng.random(len(d)) < undated, "date"] = pd.NaT
    return d


def _by_pandas(d):
    key = ["candidate_id", "question_id", "date"]
    twice = int((d.groupby(key)["interviewer"].nunique() >= 2).sum())
    firsts = d.drop_duplicates(key)
    retest = int((firsts.groupby(["candidate_id", "question_id"])["interviewer"].nunique() >= 2).sum())
    return twice, retest


def _panel_rows(table):
    return table[table["kind"] == "panels"].set_index("name")["value"]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n_cand=st.integers(6, 30), panel_rate=st.sampled_from([0.0, 0.3]),
       undated=st.sampled_from([0.0, 0.1]))
def test_design_reads_the_fits_panel_counts_and_they_are_the_rows(seed, n_cand, panel_rate, undated):
    d = _history(seed, n_cand, panel_rate, undated)
    fit = fit_severity(d, min_rows=1, min_shared=1)
    assert fit.panels["columns"] == ("candidate_id", "interviewer", "question_id", "date")
    from_fit = design_diagnostics(d, fit, min_shared=1)
    from_rows = design_diagnostics(d, dataclasses.replace(fit, panels={}), min_shared=1)
    pd.testing.assert_frame_equal(from_fit, from_rows)
    twice, retest = _by_pandas(d)
    assert (fit.panels["twice"], fit.panels["retest"]) == (twice, retest)
    assert _panel_rows(from_fit).tolist() == [twice, retest]


def test_a_fit_on_other_columns_is_not_read():
    d = _history(1, 12, 0.3, 0.0)
    fit = fit_severity(d.rename(columns={"date": "day"}), date="day", min_rows=1, min_shared=1)
    fit.panels["twice"] = -1  # would show if design read counts made under another date column
    assert _panel_rows(design_diagnostics(d, fit, min_shared=1)).tolist() == list(_by_pandas(d))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(-1, 3)), max_size=40))
def test_pairs_with_two_raters_equal_the_distinct_count(rows):
    """_panels' one-pass count of pairs with two or more known interviewers equals the sorted
    distinct count it replaced, on pair codes in the occasions' order (nondecreasing)."""
    from analysis.stats import _codes, _panels
    rows = sorted(rows, key=lambda r: r[0])
    pair = np.array([r[0] for r in rows], dtype=np.intp)
    who = np.array([r[1] for r in rows], dtype=np.int8)
    want = int((_codes.distinct_per_group(pair, who, 7) >= 2).sum())
    assert _panels._pairs_with_two_raters(pair, who) == want
