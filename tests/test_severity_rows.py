"""The severity fit's per-row results kept as their parts (analysis.stats._severity_rows.FitRows):
``fit.rows`` built from them holds what the model says each column is, ``row_column`` gives the same
column alone, and nobody can change the fit through a frame built from it."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats.severity import ROW_COLUMNS, fit_severity


def _history(seed, n_cand, integer):
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_cand):
        ability = rng.normal()
        for r in rng.choice(["A", "B", "C", "D", "E"], size=2, replace=False):
            for q in rng.choice(["q1", "q2", "q3", "q4"], size=3, replace=False):
                rows.append((f"c{c}", r, q, ["junior", "mid"][c % 2], 2.5 + ability + rng.normal(0, 0.6)))
    d = pd.DataFrame(rows, columns=["candidate_id", "interviewer", "question_id", "level", "score"])
    if integer:  # the loader's scores: int8 on the 1-4 rubric
        d["score"] = d["score"].round().clip(1, 4).astype(np.int8)
    # an index that is not 0..n-1, so that the rows must carry the data's own
    return d.set_axis(rng.permutation(len(d)) * 3 + 7)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), n_cand=st.integers(8, 40), integer=st.booleans())
def test_rows_are_what_the_model_says_and_each_column_reads_alone(seed, n_cand, integer):
    d = _history(seed, n_cand, integer)
    fit = fit_severity(d, min_rows=1, min_shared=1)
    rows = fit.rows
    assert list(rows.columns) == list(ROW_COLUMNS) and (rows.dtypes == float).all()
    assert rows.index.equals(d.index)
    # fitted + residual is the score, to the bit (an integer score widens exactly)
    np.testing.assert_array_equal(rows["fitted"].to_numpy(), d["score"].to_numpy(float) - rows["residual"].to_numpy())
    # one leniency per interviewer (minus the severity where one is estimated), one ability per candidate
    for col, key in (("leniency", "interviewer"), ("ability", "candidate_id")):
        assert (rows[col].groupby(d[key].to_numpy()).nunique() == 1).all()
    sev = fit.interviewers.set_index("interviewer")["severity"]
    known = d["interviewer"].map(sev).notna().to_numpy()
    np.testing.assert_array_equal(rows["leniency"].to_numpy()[known], -d["interviewer"].map(sev).to_numpy()[known])
    for col in ROW_COLUMNS:
        pd.testing.assert_series_equal(fit.row_column(col), rows[col], check_exact=True)


def test_a_frame_built_from_the_rows_cannot_change_the_fit():
    d = _history(3, 20, True)
    fit = fit_severity(d, min_rows=1, min_shared=1)
    before = fit.rows.copy()
    rows = fit.rows
    assert np.shares_memory(rows["residual"].to_numpy(), fit.row_column("residual").to_numpy())
    rows.loc[rows.index[:5], ["residual", "ability", "leniency", "fitted"]] = 99.0
    col = fit.row_column("residual")
    col.iloc[0] = -99.0
    pd.testing.assert_frame_equal(fit.rows, before, check_exact=True)
    with pytest.raises(KeyError, match="residual"):
        fit.row_column("score")
