"""Large (bulk) scorecard files take pandas' C parser; it must give exactly the rows, lines and
problems the csv-module path gives."""

import numpy as np
import pandas as pd

from analysis.io import scorecards
from analysis.stats.demo import generate
from analysis.io.scorecards import parse_csv
from analysis.io.validation import judge_and_type


def _bulk(bank, n=300, seed=3):
    h = generate(n, seed=seed, questions=bank).scores
    h["red_flag"] = np.where(h["red_flag"], "true", "false")
    return h


def _both(text: bytes, monkeypatch):
    fast, fp = parse_csv(text, "bulk.csv")
    monkeypatch.setattr(scorecards, "BULK_BYTES", 1 << 40)
    slow, sp = parse_csv(text, "bulk.csv")
    monkeypatch.undo()
    return fast, fp, slow, sp


def test_fast_path_equals_slow_path(bank, monkeypatch):
    text = _bulk(bank).to_csv(index=False).encode()
    assert len(text) > scorecards.BULK_BYTES
    fast, fp, slow, sp = _both(text, monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)
    assert fp == sp == []
    a, _ = judge_and_type(fast.assign(file="bulk.csv"), bank["question_id"])
    b, _ = judge_and_type(slow.assign(file="bulk.csv"), bank["question_id"])
    pd.testing.assert_frame_equal(a, b)


def test_multiline_note_and_short_row_fall_back_with_true_line_numbers(bank, monkeypatch):
    frame = _bulk(bank)
    frame.loc[5, "notes"] = "two\nlines, with a comma"
    lines = frame.to_csv(index=False).splitlines(keepends=True)
    short = lines[40].rsplit(",", 3)[0] + "\n"  # record 40 loses three fields
    lines[40] = short
    text = "".join(lines).encode()
    fast, fp, slow, sp = _both(text, monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)
    assert fp == sp
    (p,) = [p for p in fp if "fields" in p.message]
    # lines[] holds physical lines (the note's newline splits it in two), so lines[40] is line 41
    assert p.line == 41
    assert fast.loc[fast["notes"].str.contains("two"), "line"].item() == 5 + 2


def test_a_clean_bulk_file_takes_the_columnar_path(bank):
    """The proof of one record per line must accept an ordinary export (or the fast path would
    silently never run): a clean file, and one with quoted notes, parse without falling back."""
    frame = _bulk(bank)
    text = frame.to_csv(index=False)
    names = list(frame.columns)
    assert scorecards._parse_fast(text, names, 1) is not None
    frame.loc[7, "notes"] = 'a "quoted", note'
    got = scorecards._parse_fast(frame.to_csv(index=False, lineterminator="\r\n"), names, 1)
    assert got is not None and 'a "quoted", note' in got[0][:, list(scorecards.SCORECARD_COLUMNS).index("notes")]
