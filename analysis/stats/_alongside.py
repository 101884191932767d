"""The severity fit and the tables that do not read it, computed at once on two threads.

:func:`analysis.stats.calibration.calibrate` fits the slice's interviewer severities first: every
other table but two reads the fit. Those two (:data:`analysis.stats.tables.FIT_FREE`: the
inter-rater table and the level heat map) read only the slice's scores, so they are computed on a
second thread while the fit runs. Most of both is numpy and pandas work that lets go of the
interpreter lock (sorts, gathers, the cython group-bys), so on a machine with two cores the two
overlap: ``report --format csv`` on ten million score rows took 31.7 -> 27.5 s (one run each, issue 26,
``benchmarks/run.py``); on a million rows the gain is within the noise. Nothing they compute is
shared or changed (:class:`~analysis.stats.tables.TableInputs` reads its frame; the memoised codes of
:mod:`analysis.stats._codes` are built under a lock, once), so the tables and the fit are the same
numbers as one after the other (``tests/test_calibration_alongside.py``).

Memory: glibc gives the second thread its own heap ("arena"), and what that thread frees there is kept
for it (the command line keeps freed memory: :func:`analysis._process.keep_freed_memory`), out of reach
of the main thread's tables; so the free memory of both heaps is handed back once the thread is done
(:func:`analysis._process.hand_back_memory`). Without that the peak of the same report rose from 2.47 to
2.57 GB; with it, it is the same as one after the other.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from analysis._process import hand_back_memory
from analysis.stats.severity import SeverityFit, fit_severity
from analysis.stats.tables import FIT_FREE, TableInputs, compute_table

__all__ = ["fit_alongside"]


def fit_alongside(workbook, scores: pd.DataFrame, rows: pd.DataFrame, notes: dict,
                  **settings) -> tuple[SeverityFit, dict]:
    """``(fit, results)``: :func:`~analysis.stats.severity.fit_severity` of ``scores`` on this thread,
    and meanwhile on a second one the tables of :data:`~analysis.stats.tables.FIT_FREE` of ``rows``
    (``scores`` with the bank's columns), by name, their notes appended to ``notes[name]``. An error
    in either is raised here, once both are done."""
    def tables() -> dict:
        with np.errstate(all="ignore"):  # numpy's error state is per thread: the caller's quiet()
            inputs = TableInputs(workbook, rows, None, **settings)
            return {name: compute_table(name, inputs, notes[name]) for name in FIT_FREE}

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fit-free-tables") as pool:
        done = pool.submit(tables)
        fit = fit_severity(scores)
        results = done.result()
    hand_back_memory()
    return fit, results
