"""The columnar loader (issue 11) against the reference path, on whole data folders.

The reference is the loader as it was before the columnar engine: every file through the
csv-module parser (``parse_records(..., fast=False)``, the path every other parser is proven
against in tests/test_parser_properties.py), one object DataFrame, ``judge_and_type`` on that frame
(``load(..., engine="records")``). The columnar path must give the identical typed frame (values,
dtypes, categories, order) and the identical problem list (message, file, line, column and the
lines each problem accounts for), cold, from its cache, on the shipped demo, on a bulk history
and on per-interview files, with and without defects.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import analysis.io.load as load_module
from analysis.io import _engine
from analysis.io import outcomes as outcomes_module
from analysis.io import scorecards
from analysis.stats.demo import generate
from analysis.io.load import load
from conftest import REAL_DATA
from test_parser_properties import scorecard_files


@pytest.fixture
def reference(monkeypatch):
    """``reference(folder)``: the folder loaded by the csv-module path only (no columnar code)."""
    def run(folder):
        with monkeypatch.context() as m:
            m.setattr(load_module, "parse_records", lambda d, p: scorecards.parse_records(d, p, fast=False))
            m.setattr(outcomes_module, "_outcomes_fast", lambda d: None)
            return load(folder, cache=False, progress=False, engine="records")
    return run


def _same(new, old):
    pd.testing.assert_frame_equal(new.scores, old.scores)
    pd.testing.assert_frame_equal(new.outcomes, old.outcomes)
    assert [(p, p.lines) for p in new.problems] == [(p, p.lines) for p in old.problems]
    assert (new.files, new.rows_read) == (old.files, old.rows_read)


def _age_all(folder):
    """Old modification times, so the cache may serve every file (the racy-clean rule)."""
    t = time.time() - 3600
    for dirpath, _, names in os.walk(folder / "scores"):
        for n in names:
            os.utime(os.path.join(dirpath, n), (t, t))


def _cold_warm_reference(folder, reference):
    old = reference(folder)
    cold = load(folder, progress=False)
    _same(cold, old)
    warm = load(folder, progress=False)  # from the Arrow cache where the files allow it
    _same(warm, old)
    return cold


def test_shipped_demo_identical_to_the_reference(reference, tmp_path):
    import shutil
    folder = tmp_path / "demo"
    shutil.copytree(REAL_DATA, folder, ignore=shutil.ignore_patterns(".cache"))
    _age_all(folder)
    wb = _cold_warm_reference(folder, reference)
    assert len(wb.scores) > 1000 and (folder / ".cache" / "scorecards.arrow").exists()


def _history(bank, n, seed):
    h = generate(n, seed=seed, questions=bank).scores
    h["red_flag"] = np.where(h["red_flag"], "true", "false")
    return h


def _inject(lines: list[str]) -> list[str]:
    """Defects of every kind the loader names, at fixed places in the physical lines of a file."""
    out = list(lines)
    out[5] = out[5].replace(",3,", ",7,", 1) if ",3," in out[5] else out[5].replace(",2,", ",0,", 1)
    out[9] = out[9].rstrip("\n") + ",extra\n"  # a field too many
    out[14] = "\n"  # a blank line
    cells = out[20].rstrip("\n").split(",")
    cells[0] = " " + cells[0] + " "  # whitespace around an id: the same interview
    cells[4] = "Zoe\u0308"  # an interviewer typed with a combining diaeresis (NFC: Zoë)
    out[20] = ",".join(cells) + "\n"
    cells = out[25].rstrip("\n").split(",")
    cells[8] = '"a note, with a comma"'  # a quoted line (read by the csv module)
    out[25] = ",".join(cells) + "\n"
    cells = out[30].rstrip("\n").split(",")
    cells[5] = "no-such-question"
    out[30] = ",".join(cells) + "\n"
    cells = out[35].rstrip("\n").split(",")
    cells[1] = "2025-02-30"
    out[35] = ",".join(cells) + "\n"
    cells = out[40].rstrip("\n").split(",")
    cells[0] = cells[0] + "\u200b"  # an invisible character in an id
    out[40] = ",".join(cells) + "\n"
    cells = out[45].rstrip("\n").split(",")
    cells[8] = '"two\nlines"'  # a quoted note with a line break: the whole file takes the csv path
    out[45] = ",".join(cells) + "\n"
    return out


@pytest.mark.parametrize("defects", [False, True])
def test_bulk_history_identical_to_the_reference(bank, data, reference, defects):
    text = _history(bank, 1500, seed=11).to_csv(index=False)
    lines = text.splitlines(keepends=True)
    if defects:
        lines = _inject(lines)
    (data / "scores" / "bulk.csv").write_text("".join(lines))
    (data / "scores" / "late.csv").write_text("".join(lines[:1] + lines[1:8]))  # the same interview again
    _age_all(data)
    wb = _cold_warm_reference(data, reference)
    assert len(wb.scores) > 5000
    assert bool(wb.problems) is True  # late.csv repeats interviews of bulk.csv


def test_bulk_history_with_quoted_lines_takes_the_columnar_path(bank):
    """The proof must accept an ordinary export with quoted notes (or the fast path would silently
    never run): only a multi-line record sends a bulk file to the csv module."""
    h = _history(bank, 1500, seed=4)
    h.loc[::50, "notes"] = 'said "fine", then stopped'
    data = h.to_csv(index=False).encode()
    got = scorecards._parse_columnar(data, "bulk.csv", None)
    assert got is not None and got[1] == []
    values, lines, problems = scorecards.parse_records(data, "bulk.csv", fast=False)
    table = got[0]
    assert table.column("line").to_pylist() == lines.tolist()
    assert (scorecards._table_values(table) == values).all()


def _per_file_folder(bank, data, n, seed, defects):
    h = _history(bank, n, seed=seed)
    paths = []
    for i, (iid, g) in enumerate(h.groupby("interview_id", sort=False)):
        year = str(g["date"].iloc[0])[:4]
        path = data / "scores" / year / f"{iid}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = g.to_csv(index=False)
        if defects:
            kind = i % 13
            if kind == 1:
                text = text.replace("\n", "\r\n")  # CRLF: accepted by the batch
            elif kind == 2:
                text = "\ufeff" + text  # a byte-order mark
            elif kind == 3:
                text = text.replace(",3,", ",9,", 1)  # a bad score
            elif kind == 4:
                text = text.rstrip("\n")  # no final newline
            elif kind == 5:
                text = text.split("\n", 1)[0] + "\n"  # header only
            elif kind == 6:
                lines = text.splitlines(keepends=True)
                text = "".join(lines[:2]) + lines[2].rstrip("\n") + ",x\n" + "".join(lines[3:])  # extra field
            elif kind == 7:
                text = text.replace("\n", "\n\n", 2)  # blank lines
            elif kind == 8:
                lines = text.splitlines(keepends=True)
                cells = lines[1].rstrip("\n").split(",")
                cells[8] = '"note, quoted"'
                text = "".join(lines[:1]) + ",".join(cells) + "\n" + "".join(lines[2:])
            elif kind == 9:
                cols = list(g.columns)[::-1]  # another column order: another header group
                text = g[cols].to_csv(index=False)
            elif kind == 10:
                text = text.replace("Avery", "Zo\u00eb").replace("Blake", "Zoe\u0308")  # non-ASCII, two forms
            elif kind == 11:
                path.write_bytes(text.encode()[:-3] + b"\xff\xfe\n")  # not UTF-8
                paths.append(path)
                continue
            elif kind == 12:
                text = text.replace(",", ", ", 3)  # spaces after commas
        path.write_text(text, newline="")
        paths.append(path)
    return paths


@pytest.mark.parametrize("defects", [False, True])
def test_per_interview_files_identical_to_the_reference(bank, data, reference, defects):
    _per_file_folder(bank, data, 300, seed=3, defects=defects)
    _age_all(data)
    wb = _cold_warm_reference(data, reference)
    assert wb.files > 250
    # and after a change: one file rewritten, one deleted, one added, partly from the cache
    files = sorted((data / "scores").rglob("*.csv"))
    files[0].unlink()
    files[1].write_text(files[1].read_text().replace("true", "maybe"))
    (data / "scores" / "2026").mkdir(exist_ok=True)
    (data / "scores" / "2026" / "new.csv").write_text(files[2].read_text().replace("INT-", "NEW-"))
    _age_all(data)
    _same(load(data, progress=False), reference(data))


def test_batch_accepts_ordinary_files(bank, data):
    """Clean per-interview files are parsed in the batch, none by the csv module (otherwise the
    cold-load speed-up would silently vanish)."""
    paths = _per_file_folder(bank, data, 60, seed=8, defects=False)
    items = [(i, p.read_bytes()) for i, p in enumerate(paths)]
    table, fidx, rejected = _engine.batch_tables(items)
    assert rejected == [] and sorted(set(fidx.tolist())) == list(range(len(paths)))


@settings(max_examples=250, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(scorecard_files(), min_size=1, max_size=5))
# found by hypothesis in CI: a value that starts with U+FEFF on the first data line (Arrow dropped it)
@example(files=[b"INTERVIEW_ID,DATE,CANDIDATE_ID,LEVEL,INTERVIEWER,QUESTION_ID,SCORE,RED_FLAG,NOTES,"
                b"RECOMMENDATION,PRACTICE\n\xef\xbb\xbf,2026-03-02,C1,junior,Avery,jr-compute-options,1,"
                b"true,,yes,"])
def test_batch_agrees_with_the_csv_module_file_by_file(files):
    """Whatever the files hold: a file the batch accepts gives exactly the csv-module path's rows
    and lines, and that path finds no problem in it; every other file is handed back (and then
    parsed by the csv-module path)."""
    table, fidx, rejected = _engine.batch_tables(list(enumerate(files)))
    values = scorecards._table_values(table) if table.num_rows else np.empty((0, 11), object)
    lines = table.column("line").to_numpy()
    for i, data in enumerate(files):
        if i in rejected:
            continue
        v, ln, problems = scorecards.parse_records(data, "x.csv", fast=False)
        assert problems == [], (data, problems)
        here = fidx == i
        assert lines[here].tolist() == ln.tolist()
        assert values[here].shape == v.shape and (values[here] == v).all()
    # every file is accepted (with at least one row) or handed back, never both
    accepted = set(fidx.tolist())
    assert not accepted & set(rejected) and accepted | set(rejected) == set(range(len(files)))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["C1", "C2", " C3", "C4 ", "", "Zo\u00eb", "C1"]),
                          st.sampled_from(["hired", "Rejected", "withdrew", " hired", "fired", ""]),
                          st.sampled_from(["", "3", "5", "6", " 4", "x", "0"])), min_size=0, max_size=6),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_outcomes_fast_path_equals_the_csv_module(data_rows, newline, quote):
    """outcomes.csv: the columnar path either declines or gives exactly the csv-module frame, and
    it declines whenever the csv-module path finds a problem."""
    lines = ["candidate_id,decision,performance"] + [
        ",".join(f'"{v}"' if quote and j == 0 else v for j, v in enumerate(r)) for r in data_rows]
    raw = (newline.join(lines) + newline).encode()
    fast = outcomes_module._outcomes_fast(raw)
    if fast is None:
        return
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as d:
        Path(d, "outcomes.csv").write_bytes(raw)
        orig = outcomes_module._outcomes_fast
        try:
            outcomes_module._outcomes_fast = lambda b: None
            slow, problems = outcomes_module.load_outcomes(d)
        finally:
            outcomes_module._outcomes_fast = orig
    assert problems == []
    pd.testing.assert_frame_equal(fast, slow)


# --- bulk files read in pieces (memory: issue 11) ------------------------------------------------

@pytest.mark.parametrize("defects", [False, True])
def test_bulk_history_in_tiny_pieces_identical_to_the_reference(bank, data, reference, defects, monkeypatch):
    """A bulk file is parsed in pieces cut at line ends, each piece's columns dictionary-encoded
    and the pieces' dictionaries unified. With pieces of ~200 bytes (two or three rows each), an
    interview, a quoted note and a defect all straddle piece boundaries: the frame and every
    problem must still be exactly the reference's (the csv-module path)."""
    monkeypatch.setattr(_engine, "CHUNK_BYTES", 200)
    h = _history(bank, 400, seed=5)
    h.loc[::7, "notes"] = 'said "fine", then stopped'
    lines = h.to_csv(index=False).splitlines(keepends=True)
    if defects:
        lines = _inject(lines)
    (data / "scores" / "bulk.csv").write_text("".join(lines))
    raw = "".join(lines).encode()
    assert len(raw) > scorecards.BULK_BYTES
    if not defects:  # the pieces path really ran (defects include a multi-line record: csv module)
        assert scorecards._parse_columnar(raw, "bulk.csv", None) is not None
    wb = _cold_warm_reference(data, reference)
    assert len(wb.scores) > 1000


def test_pieces_are_dictionary_codes_in_first_appearance_order(bank, monkeypatch):
    """The table of a bulk file holds each column as one dictionary array whose codes are the
    first-appearance numbering ``pd.factorize`` gives (so validation needs no hash table), for
    any piece size; and a blank line in a later piece still sends the file to the csv module."""
    data = _history(bank, 300, seed=8).to_csv(index=False).encode()
    assert len(data) > scorecards.BULK_BYTES
    whole = pd.read_csv(__import__("io").BytesIO(data), dtype=str, keep_default_na=False)
    for size in (97, 4096, 1 << 24):
        monkeypatch.setattr(_engine, "CHUNK_BYTES", size)
        table, problems = scorecards._parse_columnar(data, "bulk.csv", None)
        assert problems == []
        for c in ("interview_id", "question_id", "interviewer"):
            col = table.column(c)
            assert col.num_chunks == 1 and col.type.index_type.bit_width == 32
            codes, uniq = _engine.to_codes(col)
            want_codes, want_uniq = pd.factorize(whole[c].to_numpy(dtype=object))
            assert codes.dtype == np.int32
            assert (codes == want_codes).all() and list(uniq) == list(want_uniq)
    monkeypatch.setattr(_engine, "CHUNK_BYTES", 4096)
    cut = data.index(b"\n", len(data) // 2) + 1
    assert scorecards._parse_columnar(data[:cut] + b"\n" + data[cut:], "bulk.csv", None) is None


def test_first_appearance_check():
    """:func:`_engine.first_appearance` accepts exactly pd.factorize's numbering (hand cases)."""
    fa = _engine.first_appearance
    assert fa(np.array([0, 0, 1, 0, 2, 1], np.int32), 3)
    assert not fa(np.array([1, 0], np.int32), 2)      # 1 before 0
    assert not fa(np.array([0, 2, 1], np.int32), 3)   # skips 1
    assert not fa(np.array([0, 1], np.int32), 3)      # an unused value
    assert fa(np.array([], np.int32), 0) and not fa(np.array([], np.int32), 1)
    # a dictionary out of order is renumbered, not trusted
    import pyarrow as pa
    d = pa.DictionaryArray.from_arrays(pa.array(np.array([1, 0, 1], np.int32)), pa.array(["b", "a"], pa.large_string()))
    codes, uniq = _engine.to_codes(d)
    assert codes.tolist() == [0, 1, 0] and list(uniq) == ["a", "b"]


def test_files_with_and_without_an_optional_column_load_together(bank, data, reference):
    """A folder where only some scorecards have an optional column (``duration_seconds``: the form's
    own files next to the demo's) has two header groups; the absent column is a one-value dictionary
    array in one and text in the other, and their tables must still combine (this raised ArrowInvalid
    "Schema ... was different" in the browser form test), cold and warm, equal to the reference."""
    paths = _per_file_folder(bank, data, 40, seed=5, defects=False)
    for i, path in enumerate(paths):
        if i % 3 == 0:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)  # the demo's files have none
            path.write_text(frame.assign(duration_seconds="2700").to_csv(index=False), newline="")
    items = [(i, p.read_bytes()) for i, p in enumerate(paths)]
    table, fidx, rejected = _engine.batch_tables(items)
    assert rejected == [] and len(set(fidx.tolist())) == len(paths)
    _age_all(data)
    _cold_warm_reference(data, reference)
