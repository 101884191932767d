"""The scorecard store: validated first, atomic, never overwrites, names that stay in their folder."""

from __future__ import annotations

import multiprocessing
import os
import traceback
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import ScorecardError, StoreError
from analysis.load import load, scorecard_files
from analysis.store import atomic_write, safe_filename, save_interview, scorecard_path
from conftest import interview_rows


def _all_files(folder: Path) -> list[Path]:
    """Every file below ``folder`` but the store's lock file and its id index (which are expected
    to stay); a staged save left by a crash is listed."""
    index = folder / ".cache" / "store-index"
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != ".store.lock"
                  and not (index in p.parents and p.parent.name != "staging"))


def test_saved_interview_loads_back_identically(data, make_interview):
    rows = make_interview("INT-2025-7", date="2025-11-30", notes=["said \"it depends\", then, well\nmore", "", ""],
                          red_flags=(True, False, False), level="Junior", recommendation=" Strong_No")
    rows["duration_seconds"] = [61.5, 120, None]
    path = save_interview(rows, data)
    assert path.parent == (data / "scores" / "2025").resolve()
    assert path.name.startswith("INT-2025-7-") and path.suffix == ".csv"
    wb = load(data)
    assert wb.problems == []
    s = wb.scores
    assert s["interview_id"].tolist() == ["INT-2025-7"] * 3
    assert s["score"].tolist() == [3, 2, 4]
    assert s["red_flag"].tolist() == [True, False, False]
    assert s["notes"].iloc[0] == "said \"it depends\", then, well\nmore"
    assert s["level"].astype(str).unique().tolist() == ["junior"]
    assert s["recommendation"].astype(str).unique().tolist() == ["strong_no"]
    assert s["duration_seconds"].iloc[:2].tolist() == [61.5, 120.0] and pd.isna(s["duration_seconds"].iloc[2])


def test_invalid_interview_is_refused_and_nothing_written(data, make_interview):
    rows = make_interview()
    rows.loc[1, "score"] = 7
    rows.loc[2, "question_id"] = "no-such-question"
    with pytest.raises(ScorecardError) as exc:
        save_interview(rows, data)
    assert sorted((p.line, p.column) for p in exc.value.problems) == [(3, "score"), (4, "question_id")]
    assert "got '7', expected an integer 1-4" in str(exc.value)
    assert _all_files(data / "scores") == []


def test_an_interview_is_never_overwritten(data, make_interview):
    first = save_interview(make_interview("INT-1"), data)
    before = first.read_bytes()
    changed = make_interview("INT-1", scores=(1, 1, 1))
    with pytest.raises(StoreError, match="already saved"):
        save_interview(changed, data)
    with pytest.raises(StoreError, match="already saved"):  # even with a date in another year
        save_interview(make_interview("INT-1", date="2024-05-05"), data)
    assert first.read_bytes() == before
    assert _all_files(data / "scores") == [first]


def test_atomic_write_refuses_an_existing_file(tmp_path):
    target = tmp_path / "f.csv"
    atomic_write(target, b"one")
    with pytest.raises(FileExistsError):
        atomic_write(target, b"two")
    assert target.read_bytes() == b"one"
    atomic_write(target, b"three", overwrite=True)  # drafts
    assert target.read_bytes() == b"three"
    assert _all_files(tmp_path) == [target]  # no temporary file left behind


@pytest.mark.parametrize("step", ["fsync", "link"])
def test_a_crash_while_saving_leaves_no_scorecard(data, make_interview, monkeypatch, step):
    def crash(*args, **kwargs):
        raise OSError(f"simulated crash in {step}")
    monkeypatch.setattr(os, step, crash)
    with pytest.raises(OSError, match="simulated crash"):
        save_interview(make_interview("INT-1"), data)
    monkeypatch.undo()
    assert scorecard_files(data) == []
    assert [p for p in _all_files(data / "scores")] == []  # the temporary file was removed too
    assert save_interview(make_interview("INT-1"), data).exists()  # and saving again works


def test_a_hard_crash_leaves_a_temporary_file_that_is_never_read(data, make_interview, monkeypatch):
    """Die after the temporary file is written but before it is linked (cleanup never runs)."""
    monkeypatch.setattr(os, "link", lambda *a: (_ for _ in ()).throw(SystemExit("killed")))
    monkeypatch.setattr(os, "unlink", lambda *a: None)  # a killed process cleans up nothing
    with pytest.raises(SystemExit):
        save_interview(make_interview("INT-1"), data)
    monkeypatch.undo()
    (leftover,) = _all_files(data / "scores")
    assert leftover.name.startswith(".") and leftover.name.endswith(".part")
    assert ".cache" in leftover.parts  # staged in the store's hidden folder, never in a year folder
    for folder in (leftover.parent, data / "scores" / "2026"):  # hidden or *.part: never read
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "x.csv.part").write_bytes(leftover.read_bytes())
        (folder / ".hidden.csv").write_bytes(leftover.read_bytes())
    wb = load(data)
    assert (wb.files, len(wb.scores), wb.problems) == (0, 0, [])
    save_interview(make_interview("INT-1"), data)
    assert load(data).n_interviews == 1


def _save_many(data, prefix, barrier, n, errors):
    try:
        rows = pd.DataFrame(interview_rows("x"))
        barrier.wait(timeout=60)
        for i in range(n):
            save_interview(rows.assign(interview_id=f"{prefix}-{i}"), data)
    except BaseException:
        errors.put(traceback.format_exc())
        raise


def _save_same(data, barrier, results):
    rows = pd.DataFrame(interview_rows("SAME"))
    barrier.wait(timeout=60)
    try:
        save_interview(rows, data)
        results.put("saved")
    except StoreError:
        results.put("refused")


def test_two_processes_saving_at_once_both_succeed(data):
    ctx = multiprocessing.get_context("fork")
    barrier, errors = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_save_many, args=(data, p, barrier, 10, errors)) for p in ("A", "B")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0], errors.get() if not errors.empty() else ""
    wb = load(data)
    assert wb.problems == [] and wb.n_interviews == 20 and wb.files == 20


def test_two_processes_saving_the_same_interview_one_wins(data):
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_save_same, args=(data, barrier, results)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert sorted(results.get(timeout=5) for _ in procs) == ["refused", "saved"]
    assert load(data).n_interviews == 1


HOSTILE_IDS = ["../../etc/passwd", "/abs/path", "..", ".", "CON", "nul", "LPT1", "x" * 1000,
               "候选人-é", "a\\b\\..\\..\\c", "C:\\Windows\\system32", "-", ".hidden", "a\nb"]


@pytest.mark.parametrize("interview_id", HOSTILE_IDS, ids=lambda s: repr(s[:20]))
def test_hostile_ids_never_leave_the_scores_folder(data, make_interview, interview_id):
    path = save_interview(make_interview(interview_id), data)
    root = (data / "scores").resolve()
    assert path.parent == root / "2026"
    assert len(path.name) <= 80 + 9 + 4
    assert not path.name.startswith(".")
    assert path.stem.split("-")[0].lower() not in {"con", "nul", "lpt1", "prn", "aux"}
    assert load(data).scores["interview_id"].unique().tolist() == [interview_id.strip()]


def test_safe_filename_is_safe_and_distinct():
    names = [safe_filename(s) for s in HOSTILE_IDS + [" ", "a/b", "a-b", "a\x00b", "", "\udcff"]]
    assert len(set(names)) == len(names)  # two ids never share a file
    for n in names:
        assert n and not n.startswith(".") and "/" not in n and "\\" not in n and "\x00" not in n and ".." not in n
        assert n.isascii() and len(n) <= 89
    assert safe_filename("INT-2026-00042") == safe_filename("INT-2026-00042")  # stable
    assert safe_filename("INT-2026-00042").startswith("INT-2026-00042-")


def test_scorecard_path_stays_inside_for_any_id(data):
    root = (data / "scores").resolve()
    for iid in HOSTILE_IDS + ["a\x00b"]:
        assert root in scorecard_path(iid, "2026-01-01", data).parents


def test_nul_in_a_field_is_refused_not_saved_unloadable(data, make_interview):
    """The loader refuses files containing NUL, so the store must not write one (bug fixed here)."""
    for column, value in [("interview_id", "a\x00b"), ("notes", "x\x00")]:
        rows = make_interview()
        rows[column] = value
        with pytest.raises(ScorecardError, match="NUL"):
            save_interview(rows, data)
    assert _all_files(data / "scores") == []


# ------------------------------------------------------------------ issue 10: uniqueness, red flags

def _save_dated(data, date, barrier, results):
    rows = pd.DataFrame(interview_rows("SAME-ID", date=date))
    barrier.wait(timeout=60)
    try:
        save_interview(rows, data)
        results.put("saved")
    except StoreError:
        results.put("refused")


def test_same_id_in_two_years_at_the_same_moment_one_wins(data, monkeypatch):
    """Issue 10: dates 2024-12-31 and 2025-01-01 land in different year folders, so the old
    "is there a file of this name in another year?" glob and the link were check-then-act: both
    processes checked before either linked, and both saved. The write is slowed down here so both
    processes are always inside that window; with the store lock the second one waits, then sees
    the first one's file."""
    import analysis.store as store
    real = store._link_new

    def slow_write(*args, **kwargs):
        import time
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "_link_new", slow_write)  # inherited by the forked children
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_save_dated, args=(data, d, barrier, results)) for d in ("2024-12-31", "2025-01-01")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert sorted(results.get(timeout=5) for _ in procs) == ["refused", "saved"]
    wb = load(data, cache=False)
    assert wb.n_interviews == 1 and wb.problems == []


@pytest.mark.parametrize("rel", ["bulk.csv", "2026/imports/deep/batch-7.csv", "legacy.csv"])
def test_an_id_already_in_a_bulk_or_deeper_file_is_refused(data, write_card, make_interview, rel):
    """Issue 10: only same-named files in year folders were checked, so an id present in a bulk
    import or a file at any other depth was saved a second time (and the loader then refused both)."""
    write_card(rel, interview_rows("B-1") + interview_rows("INT-9", candidate="C9") + interview_rows("B-2"))
    with pytest.raises(StoreError, match="already saved in .*" + rel.split("/")[-1]):
        save_interview(make_interview(" INT-9 ", date="2023-01-05"), data)
    # an id that merely appears inside another field (a note, another id) is not a clash
    save_interview(make_interview("INT"), data)
    save_interview(make_interview("B"), data)
    assert load(data, cache=False).problems == []


def test_an_id_with_quotes_in_a_bulk_file_is_found(data, write_card, make_interview):
    write_card("bulk.csv", interview_rows('say "hi"'))  # written as "say ""hi""" in the CSV
    with pytest.raises(StoreError, match="already saved"):
        save_interview(make_interview('say "hi"'), data)


@pytest.mark.parametrize("value, written", [
    (1.0, "true"), (0.0, "false"), (1, "true"), (0, "false"), ("YES", "true"), (" no ", "false"),
    (True, "true"), (False, "false"), ("1", "true"), ("0", "false"), (np_true := __import__("numpy").True_, "true"),
])
def test_red_flag_is_written_as_the_value_validation_judged(data, make_interview, value, written):
    """Issue 10: red_flag=1.0 was validated as true (its text is "1") and written as false
    (str(1.0) == "1.0" is not a true word). Now one canonical word, true or false, is written."""
    rows = make_interview("RF")
    rows["red_flag"] = [value] * len(rows)
    path = save_interview(rows, data)
    import csv as _csv
    cells = [r["red_flag"] for r in _csv.DictReader(path.read_text(encoding="utf-8").splitlines())]
    assert cells == [written] * 3
    assert load(data, cache=False).scores["red_flag"].tolist() == [written == "true"] * 3


def test_a_lone_surrogate_is_refused_with_a_message_not_a_traceback(data):
    # pandas' Arrow-backed strings cannot even hold one, so such a frame comes as object columns
    rows = pd.DataFrame(interview_rows(notes=["half an emoji \ud83d", "", ""]), dtype=object)
    with pytest.raises(ScorecardError, match="unpaired surrogate"):
        save_interview(rows, data)
    assert _all_files(data / "scores") == []


def test_the_lock_file_is_hidden_from_the_loader(data, make_interview):
    save_interview(make_interview("L-1"), data)
    assert (data / "scores" / ".store.lock").exists()
    wb = load(data, cache=False)
    assert (wb.files, wb.problems) == (1, [])


def test_the_id_index_follows_the_folder_between_saves(data, write_card, make_interview):
    """find_interview keeps the ids in memory between saves; it must still see a bulk file edited in
    place, a new file in a folder just listed, and forget a removed folder."""
    import shutil
    save_interview(make_interview("FIRST"), data)
    bulk = write_card("imports/bulk.csv", interview_rows("B-1"))
    save_interview(make_interview("SECOND"), data)  # the index now knows bulk.csv with B-1
    bulk.write_text(bulk.read_text() + "".join(
        line + "\n" for line in __import__("conftest").csv_text(interview_rows("B-2")).splitlines()[1:]))
    with pytest.raises(StoreError, match="bulk.csv"):
        save_interview(make_interview("B-2"), data)
    write_card("imports/more.csv", interview_rows("M-1"))  # same folder, within the same second
    with pytest.raises(StoreError, match="more.csv"):
        save_interview(make_interview("M-1"), data)
    shutil.rmtree(data / "scores" / "imports")
    save_interview(make_interview("B-2"), data)
    save_interview(make_interview("M-1"), data)
    assert load(data, cache=False).problems == []
