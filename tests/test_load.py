"""Loading a whole data folder: every file found, nothing dropped silently, a parse cache that is
never stale, and the outcomes file."""

from __future__ import annotations

import csv
import io
import os
import pickle
import re
import time

import pandas as pd
import pytest

import importlib

from analysis.io import parse_cache
from analysis.io.load import load, load_outcomes, scorecard_files
from conftest import csv_text, interview_rows

# `analysis.io.load` the attribute is the function (re-exported by the package); this is the module.
load_module = importlib.import_module("analysis.io.load")


def test_load_returns_typed_tidy_frames(data, write_card):
    write_card("2026/a.csv", interview_rows("A"))
    write_card("2025/deep/er/b.csv", interview_rows("B", date="2025-06-01", level="mid", recommendation="no"))
    (data / "outcomes.csv").write_text("candidate_id,decision,performance\nC1,hired,4\n")
    wb = load(data)
    assert wb.problems == []
    assert (wb.files, wb.rows_read, len(wb.scores), wb.n_interviews) == (2, 6, 6, 2)
    assert wb.summary() == "loaded 6 rows from 2 interviews in 2 files; 0 problems"
    s = wb.scores
    assert s["date"].dtype.kind == "M" and s["score"].dtype.kind == "i" and s["red_flag"].dtype == bool
    assert s["level"].cat.ordered and s["recommendation"].cat.ordered
    assert set(s["file"].astype(str)) == {os.path.join("scores", "2026", "a.csv"),
                                          os.path.join("scores", "2025", "deep", "er", "b.csv")}
    assert len(wb.questions) == 24
    assert wb.outcomes.to_dict("records") == [{"candidate_id": "C1", "decision": "hired", "performance": 4.0}]


def test_hidden_temporary_and_other_files_are_not_scorecards(data, write_card):
    good = write_card("2026/a.csv", interview_rows("A"))
    bad = csv_text(interview_rows("B")).replace(",3,", ",9,")
    write_card("2026/.a.csv.123abc.part", text=bad)  # the store's temporary file
    write_card("2026/b.csv.part", text=bad)
    write_card("2026/.hidden.csv", text=bad)
    write_card(".tmp/c.csv", text=bad)
    write_card("2026/readme.txt", text="not a scorecard")
    assert scorecard_files(data) == [good]
    wb = load(data)
    assert (wb.files, len(wb.scores), wb.problems) == (1, 3, [])


def test_same_interview_id_in_two_files(data, write_card):
    write_card("2026/a.csv", interview_rows("INT-9"))
    write_card("2026/b.csv", interview_rows("INT-9"))
    write_card("2026/c.csv", interview_rows("INT-10"))
    wb = load(data)
    assert set(wb.scores["interview_id"]) == {"INT-10"}
    dup = [p for p in wb.problems if p.column == "interview_id"]
    assert [(p.path, p.line) for p in dup] == [(os.path.join("scores", "2026", "a.csv"), 2),
                                               (os.path.join("scores", "2026", "b.csv"), 2)]
    assert "interview 'INT-9' is also in scores/2026/b.csv" in dup[0].message.replace(os.sep, "/")
    assert "expected each interview in one file" in dup[0].message
    assert sum("not loaded" in p.message for p in wb.problems) == 2


def test_problems_name_file_line_column_found_and_expected(data, write_card):
    rows = interview_rows("A")
    rows[2]["red_flag"] = "nah"
    write_card("2026/a.csv", rows)
    wb = load(data)
    assert [str(p) for p in wb.problems] == [
        f"{os.path.join('scores', '2026', 'a.csv')}:2: interview 'A' not loaded: its 3 row(s) on line(s) 2, 3, 4 "
        "are held back until the problems reported for it are fixed (an interview loads whole or not at all)",
        f"{os.path.join('scores', '2026', 'a.csv')}:4: column red_flag: got 'nah', expected true/false (or yes/no, 1/0)",
    ]


@pytest.mark.parametrize("column, value, message", [
    ("score", "5", "got '5', expected an integer 1-4"),
    ("score", "2.0", "got '2.0', expected an integer 1-4"),
    ("question_id", "sr-unknown", "got 'sr-unknown', expected a question_id from the bank (questions.csv)"),
    ("date", "2026-3-2", "got '2026-3-2', expected an ISO date YYYY-MM-DD"),
    ("level", "staff", "got 'staff', expected one of junior, mid, senior"),
    ("recommendation", "hire", "got 'hire', expected one of strong_no, no, yes, strong_yes"),
    ("red_flag", "y", "got 'y', expected true/false (or yes/no, 1/0)"),
    ("interviewer", "", "empty; expected non-empty text"),
    ("candidate_id", "", "empty; expected non-empty text"),
])
def test_each_bad_value_in_a_folder(data, write_card, column, value, message):
    """Every value error of the format, read from a file, named as path:line: column: found/expected."""
    rows = interview_rows("A") + interview_rows("B", candidate="C2")  # A on lines 2-4, B on 5-7
    if column in ("score", "question_id", "red_flag"):  # per question: bad on B's second row
        rows[4][column] = value
        line = 6
    else:  # interview-wide: the same bad value on every row of B
        for r in rows[3:]:
            r[column] = value
        line = 5
    write_card("2026/a.csv", rows)
    wb = load(data)
    path = os.path.join("scores", "2026", "a.csv")
    assert f"{path}:{line}: column {column}: {message}" in [str(p) for p in wb.problems]
    assert set(wb.scores["interview_id"]) == {"A"}  # B held back whole, A unaffected
    assert any(p.line == 5 and "interview 'B' not loaded: its 3 row(s)" in p.message for p in wb.problems)


def _records(path) -> int:
    """How many CSV records (excluding header and blank lines) a file holds, counted independently."""
    text = path.read_bytes().decode("utf-8-sig")
    recs = [r for r in csv.reader(io.StringIO(text, newline="")) if r and r != [""]]
    return max(0, len(recs) - 1)


def _named_rows(problems) -> tuple[int, int]:
    """Rows the problems account for: (rows named and read, rows of whole files refused)."""
    named = unread = 0
    for p in problems:
        m = re.search(r"its (\d+) row\(s\)", p.message)
        if m:
            named += int(m.group(1))
        elif (p.column == "interview_id" and p.message.startswith("empty")) or \
                (re.match(r"found \d+ fields", p.message) and "; interview" not in p.message):
            named += 1  # a row no interview can be attributed to, reported alone
        m = re.search(r"none of the file's (\d+) rows", p.message)
        if m:
            unread += int(m.group(1))
    return named, unread


def test_messy_folder_drops_nothing_silently(data, write_card):
    write_card("2026/good.csv", interview_rows("G1") + interview_rows("G2", candidate="C2"))
    bad = interview_rows("B1")
    bad[0]["score"] = "5"
    write_card("2026/bad-score.csv", bad)
    bulk = (interview_rows("K1", notes=["multi\nline, note", "", ""]) + interview_rows("K2")
            + interview_rows("K3", level="mid", questions=("mid-caching", "mid-decoupling", "sr-egress-cost")))
    bulk[4]["interviewer"] = "Someone else"  # K2 differs within the interview
    bulk[5]["interview_id"] = ""  # cannot be attributed
    text = csv_text(bulk)
    lines = text.splitlines(keepends=True)
    lines[-1] = lines[-1].rstrip("\n") + ",oops\n"  # K3's last row has too many fields
    text = "".join(lines) + "\n,,,,,,,,\n"  # a short row without id
    write_card("2025/bulk.csv", text=text)
    write_card("2025/missing-col.csv", text=csv_text([{k: v for k, v in r.items() if k != "date"}
                                                      for r in interview_rows("M1")],
                                                     tuple(h for h in interview_rows()[0] if h != "date")))
    write_card("2024/x.csv", interview_rows("D1"))
    write_card("2024/y.csv", interview_rows("D1"))
    write_card("2024/empty.csv", raw=b"")
    write_card("2024/latin1.csv", raw=csv_text(interview_rows("L1", notes=["café"] * 3)).encode("latin-1"))
    wb = load(data)

    files = scorecard_files(data)
    assert wb.files == len(files) == 8
    whole_file = {p.path for p in wb.problems if p.line <= 2 and ("empty file" in p.message or "not UTF-8" in p.message)}
    assert whole_file == {os.path.join("scores", "2024", "empty.csv"), os.path.join("scores", "2024", "latin1.csv")}
    readable = [f for f in files if str(f.relative_to(data)) not in whole_file]
    total = sum(_records(f) for f in readable)
    named, unread = _named_rows(wb.problems)
    assert total == 6 + 3 + 10 + 3 + 3 + 3
    assert total == len(wb.scores) + named + unread
    assert wb.rows_read == len(wb.scores) + named  # the refused file's rows were never read
    assert set(wb.scores["interview_id"]) == {"G1", "G2", "K1"}
    assert len(wb.scores) == 9
    # the note's newline shifts later lines: header 1, K1 on 2-3 (the note) and 4-5, K2 on 6-8
    bulk_problems = {(p.line, p.column): p.message for p in wb.problems if p.path.endswith("bulk.csv")}
    assert bulk_problems[(7, "interviewer")].startswith("got 'Someone else' but line 6 of interview 'K2'")
    assert bulk_problems[(6, None)].startswith("interview 'K2' not loaded: its 2 row(s) on line(s) 6, 7 ")
    assert bulk_problems[(8, "interview_id")] == "empty; expected non-empty text"
    assert bulk_problems[(11, None)] == "found 11 fields, expected 10 (as in the header); interview 'K3'"
    assert bulk_problems[(9, None)].startswith("interview 'K3' not loaded: its 3 row(s) on line(s) 9, 10, 11 ")
    assert bulk_problems[(13, None)] == "found 9 fields, expected 10 (as in the header)"
    assert wb.problems == sorted(wb.problems, key=lambda p: (p.path, p.line))


# --- parse cache --------------------------------------------------------------------------------

@pytest.fixture
def parse_calls(monkeypatch, data):
    """Count how many files the loader actually reads and parses (the rest come from the cache)."""
    calls = []
    real = load_module._read_scorecard

    def counting(path, **kw):
        calls.append(os.path.relpath(path, data))
        return real(path, **kw)
    monkeypatch.setattr(load_module, "_read_scorecard", counting)
    return calls


def _age(path, seconds=3600):
    """Give a file an old modification time, as if written long before the cache."""
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_cache_serves_unchanged_files_and_sees_changes(data, write_card, parse_calls):
    a = write_card("2026/a.csv", interview_rows("A"))
    b = write_card("2026/b.csv", interview_rows("B"))
    _age(a), _age(b)
    first = load(data)
    assert len(parse_calls) == 2 and (data / ".cache" / "scorecards.arrow").exists()
    parse_calls.clear()
    second = load(data)
    assert parse_calls == []  # both from the cache
    pd.testing.assert_frame_equal(first.scores, second.scores)
    # a changed file is seen at the next load
    rows = interview_rows("A")
    rows[0]["score"] = 1
    rows[0]["notes"] = "changed"
    write_card("2026/a.csv", rows)
    wb = load(data)
    assert parse_calls == [os.path.join("scores", "2026", "a.csv")]
    assert wb.scores.set_index(["interview_id", "question_id"]).loc[("A", "jr-compute-options"), "score"] == 1
    # a deleted file disappears
    b.unlink()
    wb = load(data)
    assert set(wb.scores["interview_id"]) == {"A"} and wb.files == 1
    # a new file appears
    write_card("2025/c.csv", interview_rows("C", date="2025-01-01"))
    assert set(load(data).scores["interview_id"]) == {"A", "C"}


def test_same_size_rewrite_in_the_same_clock_tick_is_seen(data, write_card):
    """Racy-clean rule: a rewrite that keeps size, inode and mtime (a coarse clock) is not served
    from a cache written within two seconds of the file's mtime."""
    path = write_card("2026/a.csv", interview_rows("A", scores=(3, 2, 4)))
    st = path.stat()
    assert load(data).scores["score"].tolist() == [3, 2, 4]
    path.write_bytes(path.read_bytes().replace(b",3,", b",1,"))  # same size, same inode
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same mtime
    assert path.stat().st_size == st.st_size and path.stat().st_ino == st.st_ino
    assert load(data).scores["score"].tolist() == [1, 2, 4]


def test_same_size_rewrite_with_a_new_mtime_is_seen(data, write_card):
    path = write_card("2026/a.csv", interview_rows("A", scores=(3, 2, 4)))
    _age(path, 7200)
    assert load(data).scores["score"].tolist() == [3, 2, 4]
    path.write_bytes(path.read_bytes().replace(b",3,", b",2,"))
    _age(path, 3600)  # still old enough to be trusted, but a different mtime
    assert load(data).scores["score"].tolist() == [2, 2, 4]


@pytest.mark.parametrize("damage", [b"", b"not a pickle", pickle.dumps({"version": -1}), pickle.dumps([1, 2])])
def test_damaged_cache_is_rebuilt(data, write_card, parse_calls, damage):
    _age(write_card("2026/a.csv", interview_rows("A")))
    load(data)
    cache = data / ".cache" / "scorecards.arrow"
    cache.write_bytes(damage)
    parse_calls.clear()
    wb = load(data)
    assert len(wb.scores) == 3 and wb.problems == []
    assert parse_calls  # re-parsed, not trusted
    parse_calls.clear()
    load(data)
    assert parse_calls == []  # and the rebuilt cache works again
    assert parse_cache.read_cache(cache)["files"]["pos"]


def test_cache_can_be_switched_off(data, write_card):
    write_card("2026/a.csv", interview_rows("A"))
    assert len(load(data, cache=False).scores) == 3
    assert not (data / ".cache").exists()


def test_read_only_cache_uses_but_never_writes_the_cache(data, write_card, parse_calls):
    _age(write_card("2026/a.csv", interview_rows("A")))
    assert len(load(data, cache="read").scores) == 3
    assert not (data / ".cache").exists() and len(parse_calls) == 1
    load(data)  # builds the cache
    parse_calls.clear()
    _age(write_card("2026/b.csv", interview_rows("B")))
    before = (data / ".cache" / "scorecards.arrow").read_bytes()
    wb = load(data, cache="read")
    assert set(wb.scores["interview_id"]) == {"A", "B"}
    assert parse_calls == [os.path.join("scores", "2026", "b.csv")]  # a.csv came from the cache
    assert (data / ".cache" / "scorecards.arrow").read_bytes() == before


def test_mtime_put_back_after_a_same_size_rewrite_is_seen(data, write_card):
    """``cp -p`` or ``tar x`` restore an old mtime; the change time still moves, and is in the key."""
    path = write_card("2026/a.csv", interview_rows("A", scores=(3, 2, 4)))
    _age(path, 7200)
    st = path.stat()
    assert load(data).scores["score"].tolist() == [3, 2, 4]
    time.sleep(0.01)
    path.write_bytes(path.read_bytes().replace(b",3,", b",1,"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert load(data).scores["score"].tolist() == [1, 2, 4]


def test_validation_runs_afresh_against_the_current_bank(data, write_card):
    _age(write_card("2026/a.csv", interview_rows("A")))
    assert load(data).problems == []
    bank = pd.read_csv(data / "questions.csv", dtype=str, keep_default_na=False)
    bank.loc[bank["question_id"] == "jr-iam-basics", "question_id"] = "jr-iam"
    bank.to_csv(data / "questions.csv", index=False)
    wb = load(data)  # the file comes from the cache, but is judged against the new bank
    assert len(wb.scores) == 0
    assert any(p.column == "question_id" and "'jr-iam-basics'" in p.message for p in wb.problems)


# --- outcomes -----------------------------------------------------------------------------------

def test_outcomes_load_with_types_and_tolerance(data):
    (data / "outcomes.csv").write_bytes(
        b"\xef\xbb\xbfCandidate_ID , Decision,performance\r\nC1, HIRED ,5\r\nC2,rejected,\r\nC3,withdrew,\r\nC4,hired,\r\n")
    out, problems = load_outcomes(data)
    assert problems == []
    assert out["candidate_id"].tolist() == ["C1", "C2", "C3", "C4"]
    assert out["decision"].astype(str).tolist() == ["hired", "rejected", "withdrew", "hired"]
    assert list(out["decision"].cat.categories) == ["hired", "rejected", "withdrew"]
    assert out["performance"].tolist()[0] == 5.0 and out["performance"].isna().sum() == 3


def test_outcomes_problems_name_line_column_found_and_expected(data):
    (data / "outcomes.csv").write_text(
        "candidate_id,decision,performance\n"
        "C1,hired,4\n"
        "C2,promoted,\n"      # 3: unknown decision
        "C3,hired,6\n"        # 4: performance out of range
        "C4,rejected,3\n"     # 5: rating for a candidate not hired
        "C1,rejected,\n"      # 6: candidate twice
        ",hired,\n"           # 7: no id
        "C5,hired\n"          # 8: wrong field count
        "C6,hired,3.5\n")     # 9: not an integer
    out, problems = load_outcomes(data)
    assert out["candidate_id"].tolist() == ["C1"]
    got = {(p.line, p.column): p.message for p in problems}
    assert got == {
        (3, "decision"): "got 'promoted', expected one of hired, rejected, withdrew",
        (4, "performance"): "got '6', expected empty or an integer 1-5",
        (5, "performance"): "got a rating for a candidate whose decision is 'rejected'; "
                            "expected performance only for hired candidates",
        (6, "candidate_id"): "candidate 'C1' already on line 2; expected one row per candidate",
        (7, "candidate_id"): "empty; expected a candidate id",
        (8, None): "found 2 fields, expected 3",
        (9, "performance"): "got '3.5', expected empty or an integer 1-5",
    }
    assert all(p.path == "outcomes.csv" for p in problems)


def test_outcomes_missing_column_undecodable_and_absent(data):
    (data / "outcomes.csv").write_text("candidate_id,performance\nC1,3\n")
    out, problems = load_outcomes(data)
    assert len(out) == 0 and "missing required column(s) decision" in problems[0].message
    (data / "outcomes.csv").write_bytes("candidate_id,decision\nCé,hired\n".encode("latin-1"))
    out, problems = load_outcomes(data)
    assert len(out) == 0 and "not UTF-8" in problems[0].message
    (data / "outcomes.csv").unlink()
    out, problems = load_outcomes(data)
    assert len(out) == 0 and problems == [] and list(out.columns) == ["candidate_id", "decision", "performance"]


def test_outcomes_odd_content_is_reported_not_raised(data):
    """Two inputs that used to crash the loader (fixed here): a non-ASCII digit, and a field over the
    csv module's size limit."""
    big = "x" * 200_000
    (data / "outcomes.csv").write_text(
        f"candidate_id,decision,performance\nC1,hired,\u00b2\nC2,hired,3\nC3,hired,\"{big}\"\nC4,hired,2\n",
        encoding="utf-8")
    out, problems = load_outcomes(data)
    assert out["candidate_id"].tolist() == ["C2"]
    assert [(p.line, p.column) for p in problems] == [(2, "performance"), (4, None)]
    assert problems[0].message == "got '\u00b2', expected empty or an integer 1-5"
    assert "unreadable CSV from here on" in problems[1].message


def test_outcome_problems_are_part_of_the_workbook(data, write_card):
    write_card("2026/a.csv", interview_rows("A"))
    (data / "outcomes.csv").write_text("candidate_id,decision,performance\nC1,maybe,\n")
    wb = load(data)
    assert [(p.path, p.line, p.column) for p in wb.problems] == [("outcomes.csv", 2, "decision")]
    assert len(wb.scores) == 3


def test_cold_read_opens_only_listed_regular_files_before_a_stat(data, write_card, monkeypatch):
    """A cold load reads a plain file at once (its fstat is its signature: no separate stat),
    but a symbolic link (which may lead to a device or a pipe) is stat'ed first, as always; both
    load the same rows, and the cache they write serves the next load."""
    a = write_card("2026/a.csv", interview_rows("A"))
    b = write_card("2026/b.csv", interview_rows("B"))
    os.symlink(b, data / "scores" / "2026" / "c.csv")
    os.rename(b, data / "b.keep")  # c.csv -> the moved file: a broken link, reported
    os.symlink(data / "b.keep", data / "scores" / "2026" / "d.csv")
    _age(a), _age(data / "b.keep")
    seen = []
    real = load_module._read_scorecard

    def spy(path, **kw):
        seen.append((os.path.basename(path), bool(kw.get("with_stat"))))
        return real(path, **kw)
    monkeypatch.setattr(load_module, "_read_scorecard", spy)
    wb = load(data, progress=False)
    assert dict(seen) == {"a.csv": True, "d.csv": False}  # the link was stat'ed, then read by path
    assert sorted(wb.scores["interview_id"].unique()) == ["A", "B"]
    assert [p.path for p in wb.problems] == ["scores/2026/c.csv"] and "broken symbolic link" in wb.problems[0].message
    seen.clear()
    again = load(data, progress=False)
    assert seen == [] and again.problems == wb.problems
    pd.testing.assert_frame_equal(again.scores, wb.scores)
