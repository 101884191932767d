"""The rewritten loader against the old one (tests/reference_scorecards.py, the parser and
validator of commit 456f014, verbatim): on data the old code read right — the shipped demo history
and a generated bulk history, with and without defects the old code already handled — rows, dtypes,
values and problems are identical."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import reference_scorecards as old
from analysis.io import scorecards as new
from analysis.io import validation
from analysis.stats.demo import generate
from analysis.io.load import load
from conftest import REAL_DATA


def _both(data: bytes, bank):
    qids = bank["question_id"]
    raw_o, p_o = old.parse_csv(data, "f.csv")
    raw_n, p_n = new.parse_csv(data, "f.csv")
    s_o, q_o = old.judge_and_type(raw_o.assign(file="f.csv"), qids)
    s_n, q_n = validation.judge_and_type(raw_n.assign(file="f.csv"), qids)
    # the old format had no question_version: every row is version 1 of a one-version bank
    assert (s_n.pop("question_version") == 1).all()
    return (s_o, p_o + q_o), (s_n, p_n + q_n)


def _history(bank, n, seed) -> pd.DataFrame:
    h = generate(n, seed=seed, questions=bank).scores
    h["red_flag"] = np.where(h["red_flag"], "true", "false")
    return h


@pytest.mark.parametrize("n", [40, 2000])  # a small file and a bulk one (over 64 KiB, the C parser)
def test_bulk_history_identical_to_the_old_loader(bank, n):
    text = _history(bank, n, seed=5).to_csv(index=False).encode()
    (s_o, p_o), (s_n, p_n) = _both(text, bank)
    assert p_o == p_n == []
    pd.testing.assert_frame_equal(s_o, s_n)


def test_defects_the_old_loader_handled_are_reported_identically(bank):
    h = _history(bank, 60, seed=2)
    h.loc[3, "score"] = 7
    h.loc[10, "level"] = "staff"
    h.loc[20, "question_id"] = "nope"
    h.loc[30, "notes"] = "multi\nline, note"
    text = h.to_csv(index=False)
    lines = text.splitlines(keepends=True)
    lines[50] = lines[50].rstrip("\n") + ",extra\n"
    (s_o, p_o), (s_n, p_n) = _both("".join(lines).encode(), bank)
    pd.testing.assert_frame_equal(s_o, s_n)
    assert [str(p) for p in p_o] == [str(p) for p in p_n]


def test_shipped_demo_data_identical_to_the_old_loader(bank, monkeypatch):
    import analysis.io.load as load_module
    wb_new = load(REAL_DATA, cache=False, progress=False)
    def old_parse(data, path):  # the old format had no practice nor question_version column: both ''
        values, lines, problems = old.parse_records(data, path)
        return np.column_stack([values, np.full((len(values), 2), "", dtype=object)]), lines, problems
    monkeypatch.setattr(load_module, "parse_records", old_parse)
    monkeypatch.setattr(load_module, "judge_and_type", old.judge_and_type)
    wb_old = load(REAL_DATA, cache=False, progress=False, engine="records")
    pd.testing.assert_frame_equal(wb_old.scores, wb_new.scores)
    assert wb_old.problems == wb_new.problems
