"""The loader's shortcuts against the straightforward computation they replace (issue 26).

Each shortcut answers the same question with fewer passes over the rows: the line count and the
blank-line check of a piece (:func:`analysis.io._engine.line_count`), whether a blank line can be
in what the reader gave (:func:`analysis.io._engine._read_body`), the first-appearance check in
blocks (:func:`analysis.io._rowcodes.first_appearance`), narrow category codes
(:func:`analysis.io.validation._from_codes`) and validation's skips of checks no unique fails
(:func:`analysis.io.validation._judge`). Each must give what the straightforward way gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.io import _engine, _rowcodes, validation
from analysis.io.validation import validate_rows

_LINES = st.lists(st.text(alphabet="ab,", max_size=6), max_size=12)


@settings(max_examples=300, deadline=None)
@given(lines=_LINES, final=st.booleans())
def test_line_count_equals_bytes_methods(lines, final):
    body = ("\n".join(lines) + ("\n" if final else "")).encode()
    n, blank = _engine.line_count(body)
    assert n == body.count(b"\n")
    assert blank == (body.startswith(b"\n") or b"\n\n" in body)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["", "x", "id1"]), st.sampled_from(["", "1", "2"])), min_size=1,
                     max_size=12), blank_at=st.none() | st.integers(0, 12), dictionary=st.booleans())
def test_read_body_refuses_exactly_the_bodies_with_a_blank_line(rows, blank_at, dictionary):
    """A body is read (one row per line) unless a line is empty, whatever the first column holds
    (an empty id is a row the validation reports; an empty line is the csv-module path's)."""
    lines = [f"{a},{b}" for a, b in rows]
    if blank_at is not None:
        lines.insert(min(blank_at, len(lines)), "")
    body = ("\n".join(lines) + "\n").encode()
    got = _engine._read_body(body, 2, dictionary=dictionary)
    if blank_at is not None:
        assert got is None
        return
    assert got is not None
    plain, quoted, plain_idx, q_idx, n = got
    assert n == len(rows) and list(plain_idx) == list(range(n)) and not quoted and not len(q_idx)
    assert [tuple(r) for r in zip(*(plain.column(j).to_pylist() for j in range(2)))] == rows


def _first_appearance_plain(codes, n_uniques) -> bool:
    """The whole-array form: each code at most one more than the largest before it."""
    if not len(codes):
        return n_uniques == 0
    run = np.maximum.accumulate(codes)
    return bool(codes[0] == 0 and run[-1] == n_uniques - 1 and (codes[1:] <= run[:-1] + 1).all())


@settings(max_examples=400, deadline=None)
@given(codes=st.lists(st.integers(0, 6), max_size=40), block=st.integers(1, 9), extra=st.integers(0, 1))
def test_first_appearance_in_blocks_equals_the_whole_array_form(codes, block, extra):
    c = np.asarray(codes, dtype=np.int32)
    n_uniques = len(set(codes)) + extra
    old = _rowcodes._BLOCK_ROWS
    _rowcodes._BLOCK_ROWS = block
    try:
        assert _rowcodes.first_appearance(c, n_uniques) == _first_appearance_plain(c, n_uniques)
        factorized = pd.factorize(c)[0].astype(np.int32)  # always in first-appearance order
        assert _rowcodes.first_appearance(factorized, len(set(codes)))
    finally:
        _rowcodes._BLOCK_ROWS = old


@settings(max_examples=200, deadline=None)
@given(pos=st.lists(st.integers(-1, 2), min_size=1, max_size=5), n_rows=st.integers(0, 20), n_cats=st.sampled_from([3, 200]))
def test_from_codes_equals_pandas_on_the_gathered_codes(pos, n_rows, n_cats):
    cats = [f"c{i}" for i in range(n_cats)]
    pos = np.asarray(pos, dtype=np.int64)
    codes = (np.arange(n_rows) % len(pos)).astype(np.int32)
    got = validation._from_codes(pos, codes, cats, ordered=True)
    want = pd.Categorical.from_codes(pos[codes], categories=cats, ordered=True)
    pd.testing.assert_extension_array_equal(got, want)
    assert got.codes.dtype == want.codes.dtype  # the dtype pandas picks (int8 / int16)


_ROW = st.fixed_dictionaries({
    "interview": st.sampled_from(["i1", "i2", "i3", ""]),
    "candidate": st.sampled_from(["c1", "c2", ""]),
    "level": st.sampled_from(["junior", "mid", "Senior ", "boss"]),
    "interviewer": st.sampled_from(["Ann", "Bo", ""]),
    "question": st.sampled_from(["q1", "q2", "q9"]),
    "score": st.sampled_from(["1", "4", "7"]),
    "date": st.sampled_from(["2024-01-02", "2024-01-03", "2024-02-30"]),
    "recommendation": st.sampled_from(["yes", "no", "hire"]),
})


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(_ROW, min_size=1, max_size=14), sort=st.booleans())
def test_judge_shortcuts_equal_the_general_path(rows, sort):
    """Validation with its shortcuts (checks no unique fails skipped, interview fields compared to
    the row before within each interview's run) names exactly the problems and rows the general
    path names (forced here: no codes are taken to be in first-appearance order)."""
    if sort:  # each interview one run of rows, the bulk export's shape (where the shortcut applies)
        rows = sorted(rows, key=lambda r: r["interview"])
    raw = pd.DataFrame({
        "interview_id": [r["interview"] for r in rows], "date": [r["date"] for r in rows],
        "candidate_id": [r["candidate"] for r in rows], "level": [r["level"] for r in rows],
        "interviewer": [r["interviewer"] for r in rows], "question_id": [r["question"] for r in rows],
        "score": [r["score"] for r in rows], "red_flag": "false", "notes": "",
        "recommendation": [r["recommendation"] for r in rows], "duration_seconds": "", "practice": "",
        "question_version": "", "line": np.arange(2, len(rows) + 2), "file": "scores/bulk.csv"}, dtype=object)
    raw["line"] = raw["line"].astype(np.int64)
    ok, problems = validate_rows(raw, ["q1", "q2"])
    real = validation.first_appearance
    validation.first_appearance = lambda codes, n: False
    try:
        ok_general, problems_general = validate_rows(raw, ["q1", "q2"])
    finally:
        validation.first_appearance = real
    assert ok.tolist() == ok_general.tolist()
    assert problems == problems_general


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.sampled_from(["a", "b", " c", "é", ""]), max_size=15), shuffle_dictionary=st.booleans())
def test_text_from_the_arrow_uniques_equals_text_from_python_ones(values, shuffle_dictionary):
    """``to_codes(..., arrow=True)`` hands back the Arrow uniques in the order of the Python ones
    (also when the dictionary is not in first-appearance order and is renumbered), so
    ``text_array`` gives the same column from either."""
    import pyarrow as pa
    col = pa.array(values, pa.large_string()).dictionary_encode()
    if shuffle_dictionary and len(col.dictionary) > 1:  # a dictionary in another order, one unused entry
        d = pa.concat_arrays([col.dictionary[::-1], pa.array(["unused"], pa.large_string())])
        pos = {v: i for i, v in enumerate(d.to_pylist())}
        col = pa.DictionaryArray.from_arrays(pa.array([pos[v] for v in values], pa.int32()), d)
    codes, uniq, plain, arrow = _engine.to_codes(col, plain=True, arrow=True)
    assert arrow.to_pylist() == list(uniq)
    want = _engine.text_array(codes, uniq)
    got = _engine.text_array(codes, arrow)
    assert list(got) == list(want) == values


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.sampled_from(["a", "b", " c", "é", "", "b "]), max_size=15),
       shuffle_dictionary=st.booleans(), keep=st.lists(st.booleans(), max_size=15))
def test_used_codes_equals_np_unique_for_the_loaders_codes(values, shuffle_dictionary, keep):
    """``used_codes`` answers "every code" without a pass for the codes of every row the loader's
    factorisation gives (``_Factors.get``: Arrow dictionaries in any order, unused entries, values
    merged by stripping), and counts them for a subset of rows: both equal ``np.unique``."""
    import pyarrow as pa
    col = pa.array(values, pa.large_string()).dictionary_encode()
    if shuffle_dictionary and len(col.dictionary) > 1:  # a dictionary in another order, one unused entry
        d = pa.concat_arrays([col.dictionary[::-1], pa.array(["unused"], pa.large_string())])
        pos = {v: i for i, v in enumerate(d.to_pylist())}
        col = pa.DictionaryArray.from_arrays(pa.array([pos[v] for v in values], pa.int32()), d)
    raw = pa.table({"interviewer": col, "line": pa.array(np.arange(2, len(values) + 2), pa.int64())})
    codes, uniq = validation._Factors(raw).get("interviewer")
    assert np.array_equal(_rowcodes.used_codes(codes, len(uniq), True), np.unique(codes))
    rows = np.flatnonzero(np.resize(np.asarray(keep + [True], dtype=bool), len(values)))
    assert np.array_equal(_rowcodes.used_codes(codes[rows], len(uniq), False), np.unique(codes[rows]))
