"""The calibration's memory-saving paths (issue 26: the 10M-row report's peak) hold the same numbers as
the straightforward ones.

- :func:`analysis.stats.calibration.calibrate` computes the criterion-free tables first, on
  :func:`~analysis.stats.calibration.slice_rows` (no criterion columns), then the others on
  :func:`~analysis.stats.calibration.criterion_rows`: every table and every note equals what computing
  each table of ``TABLES`` in order on ``prepare``'s rows gives (the code before the change);
- ``criterion_rows``' ``residual`` is the fit's own column (shared, not copied) and, by pandas'
  copy-on-write, changing the rows leaves the fit as it was;
- the inter-rater units skip their row-subset copies when every row belongs to an answer: rows that
  belong to none (no date) change nothing, so the copying and the view paths agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.stats import agreement
from analysis.stats.calibration import calibrate, criterion_rows, prepare, prepare_slice, quiet
from analysis.stats.criteria import CRITERIA
from analysis.stats.tables import TABLES, TableInputs, compute_table
from planted import generated_workbook


def _straightforward(wb, criterion, **kw):
    """``calibrate`` as it was before the criterion-free tables went first: every table of ``TABLES``
    in order on ``prepare``'s rows, one notes list."""
    with quiet():
        d, fit = prepare(wb, criterion, level=kw.get("level"))
        notes = list(fit.notes)
        inputs = TableInputs(wb, d, fit, n_boot=kw["n_boot"], seed=0, min_n=30, progress=False)
        return {name: compute_table(name, inputs, notes) for name in TABLES}, notes


def _assert_same(a, b):
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


@pytest.fixture(scope="module")
def small(bank):
    return generated_workbook(300, 5, bank)[1]


@pytest.mark.parametrize("criterion", CRITERIA)
def test_calibrate_equals_every_table_in_order_on_the_prepared_rows(small, criterion):
    cal = calibrate(small, criterion, n_boot=50)
    results, notes = _straightforward(small, criterion, n_boot=50)
    assert list(cal.results) == list(TABLES)
    for name in TABLES:
        _assert_same(cal.result(name), results[name])
    assert cal.notes == notes


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(n=st.integers(12, 120), seed=st.integers(0, 10_000), criterion=st.sampled_from(CRITERIA),
       level=st.sampled_from([None, "senior"]))
def test_calibrate_equals_the_straightforward_order_on_small_histories(bank, n, seed, criterion, level):
    """Small slices leave tables not computable: their notes must come out in TABLES order all the same."""
    wb = generated_workbook(n, seed, bank)[1]
    try:
        results, notes = _straightforward(wb, criterion, n_boot=20, level=level)
    except ValueError as exc:              # an empty slice: calibrate refuses it alike
        with pytest.raises(ValueError, match=str(exc)[:20]):
            calibrate(wb, criterion, level=level, n_boot=20)
        return
    cal = calibrate(wb, criterion, level=level, n_boot=20)
    for name in TABLES:
        _assert_same(cal.result(name), results[name])
    assert cal.notes == notes


def test_criterion_rows_share_the_fits_residual_and_copy_on_write(small):
    with quiet():
        scores, fit = prepare_slice(small)
        d = criterion_rows(small, scores, fit, "recommendation")
    assert np.shares_memory(d["residual"].to_numpy(), fit.rows["residual"].to_numpy())
    np.testing.assert_array_equal(d["residual"].to_numpy(), fit.rows["residual"].to_numpy())
    before = fit.rows["residual"].to_numpy().copy()
    d.loc[0, "residual"] = 99.0
    d.loc[0, "x_adj"] = 99.0
    np.testing.assert_array_equal(fit.rows["residual"].to_numpy(), before)
    assert d.loc[0, "residual"] == 99.0


def _canonical(units):
    t = units[["unit", "slot", "interviewer", "score"]].copy()
    t["interviewer"] = t["interviewer"].astype(str)
    return t.sort_values(["unit", "slot"]).reset_index(drop=True)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), share=st.floats(0.01, 0.3))
def test_rows_without_an_answer_change_no_rating_unit(small, seed, share):
    """An undated row belongs to no answer: the units of the rows with it (the copying path) equal
    those of the rows without it (the path that reads every row in place)."""
    scores = small.scores.reset_index(drop=True)
    undated = np.random.default_rng(seed).random(len(scores)) < share
    with_gaps = scores.assign(date=scores["date"].mask(undated))
    kept = scores[~undated].reset_index(drop=True)
    a_multi, a_rt = agreement._rating_units(with_gaps)
    b_multi, b_rt = agreement._rating_units(kept)
    assert len(b_multi) > 0
    pd.testing.assert_frame_equal(_canonical(a_multi), _canonical(b_multi))
    pd.testing.assert_frame_equal(_canonical(a_rt), _canonical(b_rt))


def test_notes_of_tables_not_computable_come_in_tables_order(small, monkeypatch):
    """A criterion table (question_stats, first in TABLES) and a criterion-free one (drift) that
    cannot be computed: their notes read in TABLES order although drift is computed first."""
    import dataclasses

    def undefined(why):
        def compute(inputs):
            raise ValueError(why)
        return compute
    for name in ("question_stats", "drift"):
        assert (name == "drift") == TABLES[name].criterion_free
        monkeypatch.setitem(TABLES, name, dataclasses.replace(TABLES[name], compute=undefined(f"no {name}")))
    cal = calibrate(small, n_boot=20)
    results, notes = _straightforward(small, "recommendation", n_boot=20)
    mine = [n for n in cal.notes if n.startswith(("question_stats:", "drift:"))]
    assert [n.split(":")[0] for n in mine] == ["question_stats", "drift"]
    assert cal.notes == notes
    _assert_same(cal.result("drift"), TABLES["drift"].empty())
