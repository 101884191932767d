"""A bulk scorecard file streamed from disk piece by piece (``scorecards.parse_file_table``, what the
loader does with every file over 64 KiB) against the same file parsed whole (``parse_table``).

The streamed path makes each of the bulk path's whole-file checks (BOM, NUL, UTF-8, lone carriage
returns, the header, one record per line) on each piece instead. It must never give another answer
than the whole file: where it accepts, the table is identical (codes, dictionaries, lines); where it
declines, the loader reads the file whole, so the loaded frame and every problem equal the
reference's. Pieces are made tiny here so that ids, quoted notes, CRLF pairs, multi-byte characters
and defects all straddle piece boundaries.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.io import _engine, _rowcodes, scorecards
from analysis.io.load import load
from analysis.io.scorecards import parse_bulk_file
from analysis.stats.demo import generate


def _history_bytes(bank, n=400, seed=5) -> bytes:
    h = generate(n, seed=seed, questions=bank).scores
    h["red_flag"] = np.where(h["red_flag"], "true", "false")
    return h.to_csv(index=False).encode()


def _streamed(data: bytes):
    return scorecards.parse_file_table(io.BytesIO(data).read, "bulk.csv")


def _equal_tables(a, b):
    assert a.column_names == b.column_names and a.num_rows == b.num_rows
    for c in a.column_names:
        x, y = a.column(c).combine_chunks(), b.column(c).combine_chunks()
        if hasattr(x, "dictionary"):  # same codes over the same dictionary, or at least the same values
            assert x.dictionary.equals(y.dictionary) and x.indices.equals(y.indices), c
        else:
            assert x.equals(y), c


def _defects(lines: list[bytes], kinds) -> list[bytes]:
    out = list(lines)
    for kind, at in kinds:
        at = 1 + at % (len(out) - 1)  # never the header
        cells = out[at].rstrip(b"\n").split(b",")
        if kind in ("quote", "multiline") and len(cells) < 9:
            continue  # a line blanked by an earlier defect has no notes field to quote
        if kind == "quote":
            cells[8] = b'"a note, with a comma"'
            out[at] = b",".join(cells) + b"\n"
        elif kind == "blank":
            out[at] = b"\n"
        elif kind == "nul":
            out[at] = out[at].replace(b",", b",\x00", 1)
        elif kind == "lone_cr":
            out[at] = out[at].replace(b",", b"\r,", 1)
        elif kind == "bad_utf8":
            out[at] = out[at].replace(b",", b",\xff", 1)
        elif kind == "accent":
            out[at] = out[at].replace(b",", ",Zo\u00eb".encode() + b",", 1)  # a field too many, non-ASCII
        elif kind == "multiline":
            cells[8] = b'"two\nlines"'
            out[at] = b",".join(cells) + b"\n"
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(piece=st.sampled_from([97, 300, 4096, 1 << 24]), crlf=st.booleans(), bom=st.booleans(),
       kinds=st.lists(st.tuples(st.sampled_from(["quote", "blank", "nul", "lone_cr", "bad_utf8", "accent",
                                                 "multiline"]), st.integers(0, 10_000)), max_size=3))
def test_streamed_equals_whole(bank, monkeypatch, piece, crlf, bom, kinds):
    """Accepted: the same table as the whole file's bulk path. Declined: exactly when the whole
    file's bulk path declines too (or the header's prefix runs past the first piece), and then the
    loader's fallback gives ``parse_table``'s table and problems."""
    lines = _defects(_history_bytes(bank).splitlines(keepends=True), kinds)
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(lines)
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    assert len(data) > scorecards.BULK_BYTES
    monkeypatch.setattr(_engine, "CHUNK_BYTES", piece)
    whole = scorecards._parse_columnar(data, "bulk.csv", None)
    streamed = _streamed(data)
    assert (streamed is None) == (whole is None)
    if whole is not None:
        _equal_tables(streamed[0], whole[0])
        assert streamed[1] == whole[1] == []


def test_the_loader_streams_a_bulk_file_and_falls_back_whole(bank, data, monkeypatch, tmp_path):
    """A clean bulk file is streamed (never read whole); a file with a multi-line note is declined
    by the stream and read whole, giving exactly ``parse_table``'s rows and problems."""
    monkeypatch.setattr(_engine, "CHUNK_BYTES", 500)
    clean = _history_bytes(bank, 600, seed=9)
    (data / "scores" / "bulk.csv").write_bytes(clean)
    reads = []
    real = scorecards.parse_table
    monkeypatch.setattr("analysis.io.load.parse_table", lambda d, p, **kw: reads.append(p) or real(d, p, **kw))
    wb = load(data, cache=False, progress=False)
    assert reads == [] and len(wb.scores) == clean.count(b"\n") - 1
    assert wb.scores.equals(load(data, cache=False, progress=False, engine="records").scores)

    lines = _defects(clean.splitlines(keepends=True), [("multiline", 50), ("accent", 300)])
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"".join(lines))
    table, problems = parse_bulk_file(str(odd), "odd.csv")
    want_table, want_problems = real(odd.read_bytes(), "odd.csv")
    _equal_tables(table, want_table)
    assert problems == want_problems and problems  # the row with a field too many is named


@pytest.mark.parametrize("size", [0, 10, 200_000])
def test_a_file_shorter_than_its_header_prefix(bank, size):
    """A first piece without a line end after 64 KiB (a header of giant fields, or no body at all)
    is declined rather than guessed at."""
    header = b"interview_id,date,candidate_id,level,interviewer,question_id,score,red_flag,notes,recommendation"
    data = header + (b"," + b"x" * size if size else b"") + b"\n"
    assert _streamed(data) is None


@settings(max_examples=200, deadline=None)
@given(runs=st.lists(st.tuples(st.integers(0, 6), st.lists(st.integers(0, 4), min_size=1, max_size=9)),
                     max_size=30))
def test_repeated_pairs_equals_the_hash_table(runs):
    """``validation.repeated_pairs`` (neighbour comparisons when each interview is one run of rows)
    says exactly what ``pd.Series(key).duplicated()`` says: with interviews in runs, split over
    several runs (the hash table then), runs longer than the limit, and no rows at all."""
    import pandas as pd

    from analysis.io import validation
    a = np.array([i for i, qs in runs for _ in qs], dtype=np.int32)
    b = np.array([q for _, qs in runs for q in qs], dtype=np.int32)
    want = pd.Series(a.astype(np.int64) * 6 + b).duplicated(keep="first").to_numpy()
    assert (validation.repeated_pairs(a, b, 5) == want).all()
    codes = pd.factorize(a)[0].astype(np.int32)  # the first-appearance codes the loader gives
    assert (validation.repeated_pairs(codes, b, 5) == want).all()


def test_repeated_pairs_on_long_runs(monkeypatch):
    from analysis.io import validation
    monkeypatch.setattr(_rowcodes, "_RUN_LIMIT", 3)
    a = np.array([0, 0, 0, 0, 0, 1, 1], dtype=np.int32)
    b = np.array([1, 2, 3, 4, 1, 2, 2], dtype=np.int32)
    assert validation.repeated_pairs(a, b, 5).tolist() == [False, False, False, False, True, False, True]


def test_judge_and_type_lets_a_handed_over_table_go(bank, monkeypatch):
    """The loader hands its raw Arrow table to ``judge_and_type`` and keeps no reference: every raw
    column is then freed as soon as it is typed (``_Factors.release``), so when the last column is
    typed Arrow holds much less than while a caller still holds the raw table; the frames are the
    same either way."""
    import pyarrow as pa

    from analysis.io import validation
    data = _history_bytes(bank, 3000, seed=4)

    def raw_table():
        raw, _ = scorecards.parse_table(data, "bulk.csv")
        return raw.append_column("file", pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(raw.num_rows, np.int32)), pa.array(["bulk.csv"], pa.large_string())))
    at_end = []
    real = validation._Factors.release

    def release(self, *cols):
        real(self, *cols)
        if cols == ("line",):  # the last column typed
            at_end.append(pa.total_allocated_bytes())
    monkeypatch.setattr(validation._Factors, "release", release)
    handed = [raw_table()]
    frame, problems = validation.judge_and_type(handed.pop(), bank["question_id"])
    raw = raw_table()  # held here while it is judged (and the first frame is still alive)
    held_frame, held_problems = validation.judge_and_type(raw, bank["question_id"])
    assert frame.equals(held_frame) and problems == held_problems
    let_go, held = at_end
    first_frame_text = int(frame.memory_usage(deep=True)[["interview_id", "candidate_id", "notes"]].sum())
    assert held - first_frame_text - let_go > raw.nbytes // 2
