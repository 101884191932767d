"""The drift table's lean paths (issue 26) equal the straightforward pandas computations they replace:
the regression sums one column at a time against the six-column frame's group-by (to the bit: the same
pandas group sums over the same values), and the quarter from a cast to months against
``dt.year * 4 + dt.quarter - 1``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats.drift import _regression_sums, drift
from analysis.stats.item_ids import split_item_ids


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 6), st.floats(0, 12, allow_nan=False),
                          st.floats(-3, 3, allow_nan=False)), min_size=1, max_size=60))
def test_regression_sums_equal_the_frame_group_by(rows):
    g = np.array([r[0] for r in rows], dtype=np.int64)
    t = np.array([r[1] for r in rows])
    r = np.array([r[2] for r in rows])
    df = pd.DataFrame({"g": g, "t": t, "r": r})
    df["tt"], df["rr"], df["tr"] = df.t * df.t, df.r * df.r, df.t * df.r
    want = df.groupby("g").agg(n=("t", "size"), st=("t", "sum"), sr=("r", "sum"), stt=("tt", "sum"),
                               srr=("rr", "sum"), str_=("tr", "sum"))
    got = _regression_sums(g.copy(), t, r)
    assert got.index.tolist() == want.index.tolist()  # the -1 group kept, groups sorted
    for col in want.columns:
        np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy(), err_msg=col)
        assert got[col].dtype == want[col].dtype


@settings(max_examples=100, deadline=None)
@given(st.lists(st.datetimes(min_value=pd.Timestamp("1950-01-01").to_pydatetime(),
                             max_value=pd.Timestamp("2100-12-31").to_pydatetime()), min_size=3, max_size=40))
def test_drift_quarters_equal_the_calendar_quarters(stamps):
    dates = pd.Series(pd.to_datetime(stamps)).astype("datetime64[ns]")
    n = len(dates)
    d = pd.DataFrame({"question_id": np.where(np.arange(n) % 2, "q1", "q2"), "date": dates,
                      "score": np.arange(n) % 4 + 1.0, "residual": np.linspace(-1, 1, n)})
    by_q, _ = drift(d)
    code = dates.dt.year.to_numpy().astype(np.int64) * 4 + dates.dt.quarter.to_numpy() - 1
    want = sorted({(q, f"{c // 4}Q{c % 4 + 1}") for q, c in zip(d["question_id"], code)})
    assert sorted(zip(by_q["question_id"], by_q["quarter"])) == want


def _by_quarter_group_by(d):
    """The by-quarter table as the plain group-by on (question_id, quarter) computed it."""
    code = d["date"].dt.year.to_numpy().astype(np.int64) * 4 + d["date"].dt.quarter.to_numpy() - 1
    by_q = (d.assign(quarter=code).groupby(["question_id", "quarter"], observed=True)
            .agg(n=("score", "size"), mean_score=("score", "mean"), mean_residual=("residual", "mean"))
            .reset_index())
    by_q["quarter"] = [f"{c // 4}Q{c % 4 + 1}" for c in by_q["quarter"].tolist()]
    by_q["question_id"] = by_q["question_id"].astype(str)
    return split_item_ids(by_q)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["q-b", "q-a", "q-c@v2", "q-c", None]),
                          st.dates(pd.Timestamp("2015-01-01").date(), pd.Timestamp("2026-12-31").date()),
                          st.sampled_from([1.0, 2.0, 3.5, 4.0, np.nan]), st.floats(-2, 2, allow_nan=False)),
                min_size=3, max_size=50),
       st.sampled_from(["object", "category", "string"]))
def test_by_quarter_equals_the_group_by(rows, kind):
    d = pd.DataFrame({"question_id": [r[0] for r in rows], "date": pd.to_datetime([r[1] for r in rows]),
                      "score": [r[2] for r in rows], "residual": [r[3] for r in rows]})
    if kind == "category":  # a category order that is not the alphabetical one
        d["question_id"] = pd.Categorical(d["question_id"], categories=["q-c", "q-b", "q-c@v2", "q-a", "q-z"])
    elif kind == "string":
        d["question_id"] = d["question_id"].astype("string")
    if d["question_id"].isna().all():
        return
    got, _ = drift(d)
    pd.testing.assert_frame_equal(got, _by_quarter_group_by(d), check_exact=True)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.datetimes(min_value=pd.Timestamp("1950-01-01").to_pydatetime(),
                             max_value=pd.Timestamp("2100-12-31").to_pydatetime()), min_size=1, max_size=40),
       st.sampled_from(["ns", "us", "s"]))
def test_years_from_ticks_equal_the_timedelta_days(stamps, unit):
    from analysis.stats.drift import _years
    dates = pd.Series(pd.to_datetime(stamps)).astype(f"datetime64[{unit}]")
    want = (dates - dates.min()).dt.days.to_numpy() / 365.25
    np.testing.assert_array_equal(_years(dates), want)  # the same bits
