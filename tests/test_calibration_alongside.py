"""The severity fit and the tables that do not read it, computed at once on two threads
(:mod:`analysis.stats._alongside`, issue 26).

- every table marked ``fit_free`` is the same computed without the fit (``fit=None``, no ``residual``
  column) as with it: the flag cannot be set on a table that reads the fit;
- :func:`~analysis.stats._alongside.fit_alongside` gives the fit and the tables that
  :func:`~analysis.stats.severity.fit_severity` and :func:`~analysis.stats.tables.compute_table`
  give one after the other, and raises an error of either thread;
- two threads asking for the codes of one text column at once hash it once
  (:mod:`analysis.stats._text_codes`' lock).
"""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import pandas as pd
import pytest

from analysis.stats import _codes, _text_codes, tables
from analysis.stats._alongside import fit_alongside
from analysis.stats.calibration import _with_bank, quiet, slice_rows, slice_scores
from analysis.stats.severity import fit_severity
from analysis.stats.tables import CRITERION_FREE, FIT_FREE, TABLES, TableInputs, compute_table
from planted import generated_workbook

SETTINGS = dict(n_boot=20, seed=0, min_n=30, progress=False)


@pytest.fixture(scope="module")
def small(bank):
    return generated_workbook(300, 5, bank)[1]


def _same(a, b):
    for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,), strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


def test_fit_free_tables_are_criterion_free_and_named():
    assert set(FIT_FREE) == {"inter_rater", "level_heatmap"}
    assert set(FIT_FREE) <= set(CRITERION_FREE)


def test_a_fit_free_table_reads_neither_the_fit_nor_its_residual(small):
    with quiet():
        scores = slice_scores(small)
        fit = fit_severity(scores)
        with_fit = TableInputs(small, slice_rows(small, scores, fit), fit, **SETTINGS)
        without = TableInputs(small, _with_bank(scores, small.questions), None, **SETTINGS)
        assert "residual" not in without.rows
        for name in FIT_FREE:
            _same(compute_table(name, without, []), compute_table(name, with_fit, []))


def test_fit_alongside_equals_one_after_the_other(small):
    with quiet():
        scores = slice_scores(small, level="senior")
        notes = {name: [] for name in TABLES}
        fit, results = fit_alongside(small, scores, _with_bank(scores, small.questions), notes, **SETTINGS)
        alone = fit_severity(scores)
        inputs = TableInputs(small, _with_bank(scores, small.questions), None, **SETTINGS)
        assert list(results) == list(FIT_FREE)
        for name in FIT_FREE:
            expected_notes = []
            _same(results[name], compute_table(name, inputs, expected_notes))
            assert notes[name] == expected_notes
    pd.testing.assert_frame_equal(fit.interviewers, alone.interviewers, check_exact=True)
    pd.testing.assert_frame_equal(fit.cells, alone.cells, check_exact=True)
    assert (fit.lam, fit.sigma_e, fit.notes) == (alone.lam, alone.sigma_e, alone.notes)
    np.testing.assert_array_equal(fit.row_column("residual").to_numpy(), alone.row_column("residual").to_numpy())


def test_an_error_on_the_second_thread_is_raised_by_the_caller(small, monkeypatch):
    def broken(_inputs):
        raise RuntimeError("a table broke")
    monkeypatch.setitem(tables.TABLES, FIT_FREE[0], dataclasses.replace(TABLES[FIT_FREE[0]], compute=broken))
    scores = slice_scores(small)
    with quiet(), pytest.raises(RuntimeError, match="a table broke"):
        fit_alongside(small, scores, _with_bank(scores, small.questions), {name: [] for name in TABLES}, **SETTINGS)


def test_two_threads_asking_for_a_columns_codes_hash_it_once(monkeypatch):
    column = pd.Series([f"c{i % 97}" for i in range(5000)], dtype="str")
    calls, factorize = [], pd.factorize

    def slow_factorize(values, **kw):
        calls.append(1)
        time.sleep(0.05)                       # long enough for the other thread to ask meanwhile
        return factorize(values, **kw)
    monkeypatch.setattr(_text_codes.pd, "factorize", slow_factorize)
    out = [None, None]

    def ask(i):
        out[i] = _codes.codes(column, sort=bool(i))
    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    monkeypatch.undo()
    np.testing.assert_array_equal(out[0][0], pd.factorize(column, sort=False)[0])
    np.testing.assert_array_equal(out[1][0], pd.factorize(column, sort=True)[0])
