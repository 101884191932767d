"""Hostile and odd data folders (issue 10): every defect found by trying to break the loader gets a
test here. Each ran against the loader before its fix and failed (a traceback, a hang or a silent
loss); the invariant they share is "every row loaded or named, never both, and no exception"."""

from __future__ import annotations

import os
import pickle
import shutil
import threading

import pandas as pd
import pytest

from analysis.errors import BankError
from analysis.io.load import load
from conftest import HEADER, csv_text, interview_rows

P = os.path.join("scores", "2026", "a.csv")


def _three(**first) -> list[dict]:
    """Interviews A (lines 2-4), B (5-7), C (8-10) in one file."""
    return (interview_rows("A", **first) + interview_rows("B", candidate="C2")
            + interview_rows("C", candidate="C3"))


def _lines_named(problems) -> set[tuple[str, int]]:
    out = set()
    for p in problems:
        out.add((p.path, p.line))
        out.update((p.path, ln) for ln in p.lines)
    return out


def _assert_accounted(wb, path, lines):
    """Each of ``lines`` of ``path`` is loaded or named in a problem, never both."""
    loaded = set(zip(wb.scores["file"].astype(str), wb.scores["line"]))
    named = _lines_named(wb.problems)
    for ln in lines:
        assert ((path, ln) in loaded) != ((path, ln) in named), (ln, loaded, named)


# --- quotes that swallow rows --------------------------------------------------------------------

def test_unclosed_quote_in_the_last_column_swallows_nothing_silently(data, write_card):
    header = tuple(h for h in HEADER if h != "notes") + ("notes",)
    rows = _three()
    text = csv_text(rows, header)
    lines = text.splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\n") + '"unclosed\n'  # A's first row: notes = "unclosed ... to EOF
    write_card("2026/a.csv", text="".join(lines))
    wb = load(data)
    assert len(wb.scores) == 0  # A, B and C were all touched by the runaway field
    (span,) = [p for p in wb.problems if "spans lines" in p.message]
    assert span.line == 2 and span.path == P
    assert "spans lines 2-10" in span.message and "quote" in span.message
    held = {p.message.split("'")[1] for p in wb.problems if "not loaded" in p.message}
    assert held == {"A", "B", "C"}
    _assert_accounted(wb, P, range(2, 11))


def test_stray_quote_that_swallows_the_first_row_of_the_next_interview(data, write_card):
    lines = csv_text(_three()).splitlines(keepends=True)
    # A's last note opens a quote that B's first note closes: the csv reader joins the two rows
    lines[3] = lines[3].replace(",false,,yes", ',false,"oops,yes')
    lines[4] = lines[4].replace(",false,,yes", ',false,ok",yes')
    write_card("2026/a.csv", text="".join(lines))
    wb = load(data)
    assert set(wb.scores["interview_id"]) == {"C"}  # never 2 of B's 3 rows
    (span,) = [p for p in wb.problems if "spans lines" in p.message]
    assert span.line == 4 and "spans lines 4-5" in span.message
    _assert_accounted(wb, P, range(2, 11))


def test_legitimate_multiline_note_still_loads(data, write_card):
    rows = _three(notes=["first line\nsecond line, with a comma\n\nthird", "", ""])
    write_card("2026/a.csv", rows)
    wb = load(data)
    assert wb.problems == []
    assert len(wb.scores) == 9
    assert wb.scores["notes"].iloc[0] == "first line\nsecond line, with a comma\n\nthird"


def test_multiline_record_with_too_many_fields_names_its_lines(data, write_card):
    rows = _three()
    text = csv_text(rows).splitlines(keepends=True)
    text[4] = text[4].rstrip("\n") + ',"x\ny"\n'  # B's first row: one field too many, over 2 lines
    write_card("2026/a.csv", text="".join(text))
    wb = load(data)
    assert set(wb.scores["interview_id"]) == {"A", "C"}
    (p,) = [p for p in wb.problems if "fields" in p.message]
    assert p.line == 5 and "spans lines 5-6" in p.message


# --- the bulk path agrees with the small path ------------------------------------------------------

def _bulk_text(n_interviews=400) -> list[str]:
    rows = []
    for i in range(n_interviews):
        rows += interview_rows(f"I{i}", candidate=f"C{i}")
    return csv_text(rows).splitlines(keepends=True)


@pytest.mark.parametrize("edit, problem_line", [
    (lambda ls: [ls[0]] + [l.rstrip("\n") + ",x\n" for l in ls[1:]], 2),  # every row one field too many
    (lambda ls: ls[:10] + [ls[10].rsplit(",", 1)[0] + "\n"] + ls[11:], 11),  # one field too few
    (lambda ls: ls[:10] + ["\u00a0\n"] + ls[10:], None),  # a line of a no-break space
    (lambda ls: ls[:10] + ["\f\n"] + ls[10:], None),  # a line of a form feed
    (lambda ls: ls[:10] + ["  \t \n"] + ls[10:], None),
])
def test_bulk_file_gives_the_problems_a_small_file_gives(data, write_card, edit, problem_line):
    lines = edit(_bulk_text())
    text = "".join(lines)
    assert len(text.encode()) > 1 << 16  # the bulk path
    write_card("2026/a.csv", text=text)
    wb = load(data, cache=False)
    if problem_line is None:  # the whitespace line is blank: everything loads, line numbers shift
        assert wb.problems == [] and len(wb.scores) == 1200
        assert wb.scores["line"].iloc[8] == 10 and wb.scores["line"].iloc[9] == 12
    else:
        assert any(p.line == problem_line and "fields" in p.message for p in wb.problems)
        assert len(wb.scores) < 1200
        _assert_accounted(wb, P, range(2, len(lines) + 1))


# --- tracebacks turned into problems -----------------------------------------------------------------

@pytest.mark.parametrize("column, value", [
    ("date", "2025-13-45"), ("date", "2025-02-30"), ("date", "yesterday"), ("date", "2024/03/01"),
    ("date", "0000-01-01"), ("date", "1899-12-31"), ("date", "2101-01-01"), ("date", "9999-12-31"),
    ("date", "\uff12\uff10\uff12\uff15-01-01"),
    ("duration_seconds", "abc"), ("duration_seconds", "n/a"), ("duration_seconds", "\u00b2"),
    ("duration_seconds", "-5"), ("duration_seconds", "1e400"), ("duration_seconds", "nan"),
    ("score", "\u00b2"), ("score", "\u0663"), ("score", "\uff13"),
])
def test_bad_value_is_a_problem_not_a_traceback(data, write_card, column, value):
    rows = _three()
    for r in rows[3:6]:
        r[column] = value
        r["duration_seconds"] = r.get("duration_seconds", "")
    header = HEADER + ("duration_seconds",)
    for r in rows:
        r.setdefault("duration_seconds", "")
    write_card("2026/a.csv", text=csv_text(rows, header))
    wb = load(data)
    assert set(wb.scores["interview_id"]) == {"A", "C"}
    assert any(p.column == column and p.line in (5, 6, 7) for p in wb.problems)
    from analysis.reports import report
    report  # the report's computations start from these frames: they must hold real dates
    assert wb.scores["date"].dt.year.between(1900, 2100).all()


def test_valid_year_range_edges_load(data, write_card):
    write_card("2026/a.csv", interview_rows("A", date="1900-01-01") + interview_rows("B", date="2100-12-31"))
    wb = load(data)
    assert wb.problems == [] and len(wb.scores) == 6


def test_header_with_a_column_twice_in_two_cases(data, write_card):
    text = csv_text(interview_rows("A")).replace("question_id", "question_id,Question_ID", 1)
    text = "\n".join(l + ",x" if i else l for i, l in enumerate(text.splitlines())) + "\n"
    write_card("2026/a.csv", text=text)
    wb = load(data)
    assert len(wb.scores) == 0 and any("duplicate column" in p.message for p in wb.problems)


def test_bank_header_with_a_column_twice_is_a_bank_error(data):
    text = (data / "questions.csv").read_text().splitlines()
    text[0] = text[0].replace("question_id", "question_id,Question_ID", 1)
    text[1:] = [l.replace(",", ",dup,", 1) for l in text[1:]]
    (data / "questions.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(BankError, match="duplicate column"):
        load(data)


def test_outcomes_header_with_a_column_twice(data, write_card):
    write_card("2026/a.csv", interview_rows("A"))
    (data / "outcomes.csv").write_text("candidate_id,decision,Decision\nC1,hired,rejected\n")
    wb = load(data)
    assert len(wb.scores) == 3 and any("duplicate column" in p.message and p.path == "outcomes.csv"
                                       for p in wb.problems)


def test_questions_csv_being_a_folder_is_a_bank_error(data):
    (data / "questions.csv").unlink()
    (data / "questions.csv").mkdir()
    with pytest.raises(BankError, match="not a regular file"):
        load(data)


def test_outcomes_csv_being_a_folder_is_a_problem(data, write_card):
    write_card("2026/a.csv", interview_rows("A"))
    (data / "outcomes.csv").mkdir()
    wb = load(data)
    assert len(wb.scores) == 3
    assert [p.path for p in wb.problems] == ["outcomes.csv"] and "not a regular file" in wb.problems[0].message


def test_bank_problem_after_a_multiline_field_names_the_right_line(data):
    bank = pd.read_csv(data / "questions.csv", dtype=str, keep_default_na=False)
    bank.loc[0, "question"] = "line one\nline two\nline three"
    bank.loc[3, "level"] = "staff"
    bank.to_csv(data / "questions.csv", index=False)
    with pytest.raises(BankError) as err:
        load(data)
    (p,) = err.value.problems
    assert p.line == 7  # header 1, record 1 on lines 2-4, records 2-3 on 5-6, record 4 on 7


# --- files that are not plain files ------------------------------------------------------------------

def test_fifo_named_csv_does_not_hang(data, write_card):
    write_card("2026/a.csv", interview_rows("A"))
    os.mkfifo(data / "scores" / "2026" / "x.csv")
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("wb", load(data)), daemon=True)
    t.start()
    t.join(20)
    if t.is_alive():  # unblock the reader so the test process can end
        with open(data / "scores" / "2026" / "x.csv", "wb"):
            pass
        pytest.fail("load() hung on a FIFO")
    wb = result["wb"]
    assert len(wb.scores) == 3
    (p,) = wb.problems
    assert p.path == os.path.join("scores", "2026", "x.csv") and "not a regular file" in p.message


def test_symlinked_year_folder_is_followed(data, write_card, tmp_path):
    outside = tmp_path / "elsewhere" / "2024"
    outside.mkdir(parents=True)
    (outside / "b.csv").write_text(csv_text(interview_rows("B")))
    write_card("2026/a.csv", interview_rows("A"))
    os.symlink(outside, data / "scores" / "2024")
    wb = load(data)
    assert wb.problems == [] and set(wb.scores["interview_id"]) == {"A", "B"} and wb.files == 2


def test_symlink_loop_and_broken_link_are_problems(data, write_card):
    write_card("2026/a.csv", interview_rows("A"))
    d = data / "scores" / "2026"
    os.symlink(d / "loop.csv", d / "loop.csv")
    os.symlink(d / "gone.csv", d / "broken.csv")
    os.symlink(data / "scores", d / "again")  # a folder loop
    wb = load(data)
    assert len(wb.scores) == 3
    paths = sorted(p.path for p in wb.problems)
    assert os.path.join("scores", "2026", "broken.csv") in paths
    assert os.path.join("scores", "2026", "loop.csv") in paths
    assert all("not loaded" not in p.message for p in wb.problems)


def test_data_folder_without_scores_is_a_problem(data):
    shutil.rmtree(data / "scores")
    wb = load(data)
    assert len(wb.problems) == 1 and "scores" in wb.problems[0].message
    assert wb.summary().endswith("; 1 problems")


def test_scores_being_a_file_is_a_problem(data):
    shutil.rmtree(data / "scores")
    (data / "scores").write_text("x")
    wb = load(data)
    assert len(wb.problems) == 1 and "scores" in wb.problems[0].message


# --- names and ids that look identical are identical ----------------------------------------------

def test_names_and_ids_are_normalised_to_nfc(data, write_card):
    composed, decomposed = "Zo\u00eb", "Zoe\u0308"
    write_card("2026/a.csv", interview_rows("A", interviewer=composed, candidate="Ren\u00e9"))
    write_card("2026/b.csv", interview_rows("B", interviewer=decomposed, candidate="Rene\u0301"))
    wb = load(data)
    assert wb.problems == []
    assert set(wb.scores["interviewer"].astype(str)) == {composed}
    assert set(wb.scores["candidate_id"]) == {"Ren\u00e9"}


def test_same_interview_id_typed_two_ways_is_a_duplicate(data, write_card):
    write_card("2026/a.csv", interview_rows("Zo\u00eb-1"))
    write_card("2026/b.csv", interview_rows("Zoe\u0308-1"))
    wb = load(data)
    assert len(wb.scores) == 0 and any("also in" in p.message for p in wb.problems)


@pytest.mark.parametrize("column", ["interview_id", "candidate_id", "question_id", "interviewer"])
@pytest.mark.parametrize("char", ["\u200b", "\ufeff", "\u2060"])
def test_zero_width_characters_and_boms_inside_ids_are_problems(data, write_card, column, char):
    rows = _three()
    for r in rows[3:6]:
        r[column] = r[column][:2] + char + r[column][2:]
    write_card("2026/a.csv", rows)
    wb = load(data)
    assert set(wb.scores["interview_id"]) == {"A", "C"}
    (p,) = [p for p in wb.problems if p.column == column and p.line == 5]
    assert f"U+{ord(char):04X}" in p.message


def test_zero_width_character_in_a_bank_id_is_a_bank_error(data):
    text = (data / "questions.csv").read_text().replace("jr-s3-basics", "jr-s3\u200b-basics")
    (data / "questions.csv").write_text(text)
    with pytest.raises(BankError, match="U\\+200B"):
        load(data)


# --- the forms open on such a folder ------------------------------------------------------------------

def test_read_only_load_of_a_hostile_folder_never_raises(data, write_card):
    rows = _three()
    rows[0]["date"] = "2025-13-45"
    rows[3]["score"] = "\u00b2"
    write_card("2026/a.csv", rows)
    write_card("2026/b.csv", text=csv_text(interview_rows("Q")) + '"unclosed,\n')
    os.mkfifo(data / "scores" / "2026" / "x.csv")
    os.symlink(data / "scores" / "2026" / "nope.csv", data / "scores" / "2026" / "broken.csv")
    wb = load(data, cache="read", progress=False)
    assert not (data / ".cache").exists()
    assert len(wb.problems) >= 4
    from analysis.io.interviews import known_interviewers
    from analysis.widgets.forms import InterviewForm, LogForm
    assert known_interviewers(data) == ["Avery"]  # interview Q loads; the others are held back
    InterviewForm(data)
    LogForm(data)


# --- the parse cache cannot run code ------------------------------------------------------------------

class _Boom:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("name", ["scorecards.pkl", "scorecards.arrow"])
def test_malicious_pickle_where_the_cache_lives_is_never_unpickled(data, write_card, tmp_path, name):
    write_card("2026/a.csv", interview_rows("A"))
    marker = tmp_path / "pwned"
    (data / ".cache").mkdir()
    (data / ".cache" / name).write_bytes(pickle.dumps(_Boom(str(marker))))
    for cache in (True, "read"):
        wb = load(data, cache=cache)
        assert len(wb.scores) == 3 and wb.problems == []
    assert not marker.exists()
    import analysis.io.load as load_module
    assert "import pickle" not in open(load_module.__file__).read()
