"""Property-based tests (hypothesis) of the scorecard parser and validator over generated files.

Invariants, over random quoting, field counts, encodings, line ends, blank and whitespace lines and
values of every column (dates, unicode digits, huge fields), at small and bulk sizes:

* nothing raises;
* every physical record of a file is in the loaded rows or named in a problem, never both;
* the bulk path (pandas' C parser) and the csv-module path give identical rows, lines and problems.

Shrunk counterexamples hypothesis found are kept below as ordinary regression tests.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.io.schema import SCORECARD_COLUMNS
from analysis.io.scorecards import parse_csv, parse_records
from analysis.io.validation import judge_and_type

QIDS = ("jr-compute-options", "jr-s3-basics", "jr-iam-basics", "mid-caching")
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                derandomize=True)

# --- generated files --------------------------------------------------------------------------------

_odd = st.sampled_from([
    "", " ", "\u00a0", "\f", "\t", "\v", "\u2028", "\x1c", "\x85", "\ufeff", "\u200b", "²", "٣", "３", "0", "5",
    "2.5", "1e400", "nan", "-1", "abc", "n/a", "yesterday", "2025-13-45", "2025-02-30", "2024/03/01",
    "0000-01-01", "9999-12-31", "1900-01-01", "２０２５-01-01", '"', '""', '"x', 'x"', 'a"b', ",", ",,",
    "\n", "\r\n", "\r", "line one\nline two", "x,y\nA,2026-01-01,C,junior,Avery,jr-s3-basics,3,false,,yes",
    "Zo\u00eb", "Zoe\u0308", "#", "=1+1", "\\", "'", "NULL", "None", "TRUE", "No",
])
_valid = {
    "interview_id": st.sampled_from(["I1", "I2", "I3", " I1 ", "i1"]),
    "date": st.sampled_from(["2026-03-02", "2025-12-31", "2026-03-03"]),
    "candidate_id": st.sampled_from(["C1", "C2"]),
    "level": st.sampled_from(["junior", "Mid", " senior "]),
    "interviewer": st.sampled_from(["Avery", "Zo\u00eb", "Zoe\u0308"]),
    "question_id": st.sampled_from(QIDS + ("sr-unknown",)),
    "score": st.sampled_from(["1", "2", "3", "4", " 3 "]),
    "red_flag": st.sampled_from(["true", "false", "Yes", "0"]),
    "notes": st.sampled_from(["", "fine", "a, b", 'said "hi"', "two\nlines"]),
    "recommendation": st.sampled_from(["yes", "no", "strong_yes", "Strong_No"]),
    "duration_seconds": st.sampled_from(["", "12", "3.5"]),
    "practice": st.sampled_from(["", "true", "false", "TRUE", " yes "]),
}


def _value(column):
    return st.one_of(_valid[column], _valid[column], _valid[column], _odd, st.text(max_size=6))


def _cell(value: str, mode: int) -> str:
    """Write one field: 0 raw (whatever it holds), 1 quoted properly, 2 quoted when csv would."""
    if mode == 1 or (mode == 2 and any(c in value for c in ',"\r\n')):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def scorecard_files(draw, *, min_rows=0, max_rows=12):
    columns = list(SCORECARD_COLUMNS[:10]) + [c for c in ("duration_seconds", "practice") if draw(st.booleans())]
    if draw(st.integers(0, 4)) == 0:
        columns = draw(st.permutations(columns))
    header = [c.upper() if draw(st.integers(0, 9)) == 0 else c for c in columns]
    newline = draw(st.sampled_from(["\n", "\r\n", "\n", "\r"]))
    lines = [",".join(header)]
    for _ in range(draw(st.integers(min_rows, max_rows))):
        kind = draw(st.integers(0, 19))
        if kind == 0:
            lines.append(draw(st.sampled_from(["", " ", "\u00a0", "\f", "\t", "  \u00a0 ", ",", '""'])))
            continue
        values = [draw(_value(c)) for c in columns]
        if kind == 1:
            values = values[:draw(st.integers(0, len(values) - 1))]
        elif kind == 2:
            values = values + draw(st.lists(_odd, min_size=1, max_size=2))
        modes = draw(st.lists(st.sampled_from([2, 2, 2, 1, 0]), min_size=len(values), max_size=len(values)))
        lines.append(",".join(_cell(v, m) for v, m in zip(values, modes)))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    if draw(st.integers(0, 29)) == 0:  # a huge field (beyond the csv module's limit)
        text = text.replace("fine", "x" * (csv.field_size_limit() + 10), 1)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


# --- the reference: what the records of a file are -----------------------------------------------

def _record_lines(data: bytes) -> list[int] | None:
    """Start lines of the file's non-blank records after the header, read independently with the
    csv module; ``None`` when the file cannot be read as text at all."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if "\x00" in text or not data.strip():
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    out, last, seen_header = [], 0, False
    try:
        for rec in reader:
            start, last = last + 1, reader.line_num
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue
            if not seen_header:
                if any(h.strip() for h in rec):
                    seen_header = True
                continue
            out.append(start)
    except csv.Error:
        return None
    return out


def _check_accounted(files: dict[str, bytes]) -> None:
    raws, problems = [], []
    for name, data in files.items():
        raw, probs = parse_csv(data, name)
        raws.append(raw.assign(file=name))
        problems += probs
    import pandas as pd
    raw = pd.concat(raws, ignore_index=True)
    scores, row_problems = judge_and_type(raw, list(QIDS))
    problems += row_problems
    loaded = set(zip(scores["file"].astype(str), scores["line"].astype(int)))
    assert len(loaded) == len(scores)  # one row per record
    for name, data in files.items():
        named = {p.line for p in problems if p.path == name} | {ln for p in problems if p.path == name for ln in p.lines}
        whole = any(p.path == name and p.line == 0 for p in problems)
        here = {ln for f, ln in loaded if f == name}
        records = _record_lines(data)
        if records is None:
            assert not here
            continue
        for ln in records:
            if ln in here:
                assert ln not in named, (name, ln, [str(p) for p in problems if ln in p.lines or p.line == ln])
            else:
                assert ln in named or whole, (name, ln, data)


@settings(max_examples=600, **SETTINGS)
@given(scorecard_files(), st.booleans())
def test_every_record_is_loaded_or_named_never_both(data, two_files):
    files = {"a.csv": data}
    if two_files:  # the same ids in a second file: the cross-file checks run too
        files["b.csv"] = data
    _check_accounted(files)


def _same(a, b):
    va, la, pa = a
    vb, lb, pb = b
    assert va.shape == vb.shape and (va == vb).all()
    assert la.tolist() == lb.tolist()
    assert [(p, p.lines) for p in pa] == [(p, p.lines) for p in pb]


@settings(max_examples=1200, **SETTINGS)
@given(scorecard_files())
def test_bulk_path_equals_small_path(data):
    _same(parse_records(data, "x.csv", fast=True), parse_records(data, "x.csv", fast=False))


@st.composite
def bulk_files(draw):
    """Over 64 KiB: many valid rows with a few generated ones spliced in at random places."""
    base = draw(scorecard_files(min_rows=1, max_rows=6))
    try:
        text = base.decode("utf-8")
    except UnicodeDecodeError:
        return base
    nl = "\r\n" if "\r\n" in text else "\n"
    head, *rest = text.split(nl)
    cols = [c.strip().lower() for c in head.split(",")]
    good = {"interview_id": "B{}", "date": "2026-01-05", "candidate_id": "K{}", "level": "mid",
            "interviewer": "Avery", "question_id": "jr-s3-basics", "score": "3", "red_flag": "false",
            "notes": "ok", "recommendation": "yes", "duration_seconds": "7"}
    filler = [",".join(good.get(c, "").format(i) for c in cols) for i in range(1400)]
    for piece in rest:
        filler.insert(draw(st.integers(0, len(filler))), piece)
    return (nl.join([head] + filler) + nl).encode()


@settings(max_examples=12, **SETTINGS)
@given(bulk_files())
def test_bulk_sized_files_agree_and_account_for_every_record(data):
    auto = parse_records(data, "x.csv")
    _same(auto, parse_records(data, "x.csv", fast=False))
    _check_accounted({"x.csv": data})


# --- shrunk counterexamples, kept as regression tests ---------------------------------------------

@pytest.mark.parametrize("text", [
    'interview_id,date\n"a\nb",1\n',  # a quoted id with a line break is not a runaway quote
    "interview_id,date,candidate_id,level,interviewer,question_id,score,red_flag,notes,recommendation\n"
    "I1,2026-03-02,C1,junior,Avery,jr-s3-basics,3,false,,yes\n\u00a0\n",  # no-break space line
])
def test_regressions(text):
    data = text.encode()
    _same(parse_records(data, "x.csv", fast=True), parse_records(data, "x.csv", fast=False))
    _check_accounted({"x.csv": data})
