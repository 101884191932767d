"""The memo of Arrow text columns' codes (:mod:`analysis.stats._text_codes`): two threads asking for the
codes of one text column at once hash it once (the tables' inputs are thread-safe: the explorer may
compute tables concurrently), and both get ``pd.factorize``'s codes."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd

from analysis.stats import _codes, _text_codes


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
