"""The scorecard store: validated first, atomic, never overwrites, names that stay in their folder."""

from __future__ import annotations

import multiprocessing
import os
import traceback
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import ScorecardError, StoreError
from analysis.io.load import load, scorecard_files
from analysis.io.files import atomic_write
from analysis.io.store import safe_filename, save_interview, scorecard_path
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
    import analysis.io.store as store
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


# ------------------------------------------------------------------ issue 11: the persistent id index

HOUR_NS = 3600 * 10**9


def _age(folder: Path) -> None:
    """Make every folder below ``folder`` look an hour old (what time does between two sessions),
    so the index trusts its listings and the fast path is the one exercised."""
    old = __import__("time").time_ns() - HOUR_NS
    for p in [folder, *(q for q in folder.rglob("*") if q.is_dir() and ".cache" not in q.parts)]:
        os.utime(p, ns=(old, old))


def _fresh_process(monkeypatch):
    """Forget what this process remembers (listings already read): as a new kernel would start."""
    import analysis.io.id_index as id_index
    monkeypatch.setattr(id_index, "_NAMES", {})


def _count_listings(monkeypatch) -> list:
    import analysis.io.id_index as id_index
    calls = []
    real = os.scandir

    def counting(path="."):
        if ".cache" not in str(path):
            calls.append(str(path))
        return real(path)

    monkeypatch.setattr(id_index.os, "scandir", counting)
    return calls


def test_a_save_on_an_unchanged_folder_lists_no_folder_and_reads_no_file(data, write_card, make_interview, monkeypatch):
    """The point of the index: after the first save, a save in a new process only stats folders
    (it neither lists a year folder nor opens the store's files), yet refuses every saved id."""
    import analysis.io.id_index as id_index
    for i in range(30):
        save_interview(make_interview(f"OLD-{i}", date=f"202{4 + i % 3}-05-05"), data)
    write_card("imports/bulk.csv", interview_rows("BULK-1") + interview_rows("BULK-2"))
    save_interview(make_interview("WARM"), data)  # the index now knows every folder
    _age(data / "scores")
    save_interview(make_interview("AGED"), data)  # listings made now are trusted
    _fresh_process(monkeypatch)
    listings = _count_listings(monkeypatch)
    reads = []
    real_read = id_index.read_regular_file
    monkeypatch.setattr(id_index, "read_regular_file", lambda p: reads.append(str(p)) or real_read(p))
    save_interview(make_interview("NEW-1", date="2025-01-01"), data)
    # no folder listed and no store-written file opened; the bulk file, changed less than two
    # seconds ago (its change time cannot be aged), is read again, as it must be
    assert listings == [] and set(reads) <= {str((data / "scores" / "imports" / "bulk.csv").resolve())}
    for iid in ("OLD-7", "BULK-2", "AGED", "NEW-1"):
        with pytest.raises(StoreError, match="already saved"):
            save_interview(make_interview(iid, date="2026-06-06"), data)
    assert listings == []  # the store's own links were recorded, not listed
    assert load(data, cache=False).problems == []


@pytest.mark.parametrize("how", ["bulk file in a year folder", "store-named file copied in", "new deep folder",
                                 "folder time put back"])
def test_a_file_added_behind_the_stores_back_blocks_its_id(data, write_card, make_interview, monkeypatch, how):
    save_interview(make_interview("A", date="2025-03-03"), data)
    _age(data / "scores")
    save_interview(make_interview("B", date="2025-03-04"), data)  # 2025 now trusted in the index
    _fresh_process(monkeypatch)
    year = data / "scores" / "2025"
    stamp = year.stat()
    if how == "bulk file in a year folder":
        write_card("2025/hand-made.csv", interview_rows("X-1") + interview_rows("X"))
    elif how == "store-named file copied in":
        (data / "scores" / "2024").mkdir()
        write_card(f"2024/{safe_filename('X')}.csv", interview_rows("X", date="2024-02-02"))
    elif how == "new deep folder":
        write_card("2025/imports/2019/old.csv", interview_rows("X"))
    else:  # tar x / rsync -t restore the folder's modification time; its change time still moves
        write_card("2025/restored.csv", interview_rows("X"))
        os.utime(year, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        assert year.stat().st_mtime_ns == stamp.st_mtime_ns
    with pytest.raises(StoreError, match="already saved"):
        save_interview(make_interview("X", date="2025-09-09"), data)


@pytest.mark.parametrize("how", ["appended", "same size, time put back", "replaced by rename"])
def test_a_bulk_file_edited_behind_the_stores_back_blocks_its_new_id(data, write_card, make_interview, how):
    bulk = write_card("imports/bulk.csv", interview_rows("K-1"))
    save_interview(make_interview("S-1"), data)
    _age(data / "scores")
    old = __import__("time").time_ns() - HOUR_NS
    os.utime(bulk, ns=(old, old))
    save_interview(make_interview("S-2"), data)  # bulk.csv read and recorded with its K-1
    text = bulk.read_text()
    if how == "appended":
        bulk.write_text(text + "".join(l + "\n" for l in __import__("conftest").csv_text(interview_rows("K-2")).splitlines()[1:]))
    elif how == "same size, time put back":  # cp -p / an editor that keeps the time: the change time moves
        bulk.write_text(text.replace("K-1", "K-2"))
        os.utime(bulk, ns=(old, old))
    else:
        tmp = bulk.with_name("bulk.csv.new")
        tmp.write_text(text.replace("K-1", "K-2"))
        os.replace(tmp, bulk)
    with pytest.raises(StoreError, match="bulk.csv"):
        save_interview(make_interview("K-2"), data)
    save_interview(make_interview("K-1"), data) if how != "appended" else None  # K-1 left the file


def _index_files(data: Path) -> dict:
    folder = data / "scores" / ".cache" / "store-index"
    return {p.name: p for p in folder.iterdir() if p.is_file()}


def _damage_header(path: Path, how: str, other: Path) -> None:
    import json
    raw = path.read_bytes()
    if how == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "garbage":
        path.write_bytes(b"\x80\x00not json at all" * 10)
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "body edited, checksum kept":
        doc = json.loads(raw)  # the bulk file's record dropped: trusted, it would hide HIDDEN-1
        body = json.loads(doc["body"])
        assert body["tracked"]
        body["tracked"] = {}
        doc["body"] = json.dumps(body, sort_keys=True, separators=(",", ":"))
        path.write_text(json.dumps(doc))
    elif how == "another folder's index":
        path.write_bytes((other / "scores" / ".cache" / "store-index" / path.name).read_bytes())
    elif how == "pickle":
        import pickle
        path.write_bytes(pickle.dumps({"body": "x"}))
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["truncated", "garbage", "empty", "body edited, checksum kept",
                                 "another folder's index", "pickle"])
def test_a_damaged_index_is_rebuilt_not_trusted(data, tmp_path, write_card, make_interview, monkeypatch, how):
    """A damaged or foreign header is ignored: every file is read again, so the ids it would have
    hidden are still refused, and a valid header is written in its place."""
    import analysis.io.id_index as id_index
    from conftest import REAL_DATA
    import shutil
    other = tmp_path / "other"
    (other / "scores").mkdir(parents=True)
    shutil.copyfile(REAL_DATA / "questions.csv", other / "questions.csv")
    save_interview(make_interview("OTHER"), other)
    save_interview(make_interview("OTHER-2"), other)  # both header slots written
    write_card("imports/bulk.csv", interview_rows("HIDDEN-1"))
    save_interview(make_interview("S-1"), data)
    save_interview(make_interview("S-2"), data)  # both header slots written
    for slot in ("index-0.json", "index-1.json"):
        _damage_header(_index_files(data)[slot], how, other)
    _fresh_process(monkeypatch)
    with pytest.raises(StoreError, match="bulk.csv"):
        save_interview(make_interview("HIDDEN-1"), data)
    with pytest.raises(StoreError, match="already saved"):
        save_interview(make_interview("S-1", date="2024-01-01"), data)
    ix = id_index._Index.read(str((data / "scores").resolve()), os.stat(data / "scores"))
    assert "imports/bulk.csv" in ix.tracked and "imports" in ix.dirs  # rebuilt and valid again


@pytest.mark.parametrize("how", ["truncated", "edited", "deleted"])
def test_a_damaged_listing_is_read_again_not_trusted(data, write_card, make_interview, monkeypatch, how):
    """A folder's listing that fails its length or CRC check is not used: when the folder changes,
    every file in it is read again (so a listing claiming a bulk file is a store file hides nothing)."""
    save_interview(make_interview("S-1", date="2025-02-02"), data)
    _age(data / "scores")
    save_interview(make_interview("S-2", date="2025-02-03"), data)
    listings = [p for n, p in _index_files(data).items() if n.endswith(".names")]
    target = next(p for p in listings if "S-1" in p.read_text())
    store_name = f"{safe_filename('S-1')}.csv"
    bogus = "hand-made-12.csv"  # as long as the store's name: a same-length edit keeps the length
    assert len(bogus) == len(store_name)
    if how == "truncated":
        target.write_bytes(target.read_bytes()[:5])
    elif how == "edited":  # the listing now claims hand-made-12.csv is known: only the CRC-32 can tell
        raw = target.read_bytes()
        target.write_bytes(raw.replace(store_name.encode(), bogus.encode()))
    else:
        target.unlink()
    _fresh_process(monkeypatch)
    save_interview(make_interview("S-3", date="2025-02-04"), data)  # unchanged folder: listing not needed
    write_card(f"2025/{bogus}", interview_rows("H-1"))
    with pytest.raises(StoreError, match=bogus):
        save_interview(make_interview("H-1"), data)
    for iid in ("S-1", "S-2", "S-3"):
        with pytest.raises(StoreError, match="already saved"):
            save_interview(make_interview(iid, date="2024-01-01"), data)


def test_the_index_is_data_never_code(data, make_interview):
    """Everything the store keeps is JSON or plain text names, checksummed: nothing that can run."""
    import json
    save_interview(make_interview("S-1"), data)
    files = _index_files(data)
    save_interview(make_interview("S-2"), data)
    files = _index_files(data)
    doc = json.loads(files.pop("index-0.json").read_bytes())
    json.loads(files.pop("index-1.json").read_bytes())
    body = json.loads(doc["body"])
    assert body["format"] == "analysis.io.store id index" and set(body) >= {"dirs", "tracked", "root"}
    assert all(n.endswith(".names") for n in files)
    for p in files.values():
        for line in p.read_text().splitlines():  # a file name and its inode
            name, ino = line.split("\t")
            assert name.endswith(".csv") and ino.isdigit()


def test_a_file_removed_behind_the_stores_back_frees_its_id(data, make_interview):
    first = save_interview(make_interview("GONE"), data)
    _age(data / "scores")
    save_interview(make_interview("KEPT"), data)
    first.unlink()
    save_interview(make_interview("GONE"), data)
    with pytest.raises(StoreError):
        save_interview(make_interview("KEPT", date="2024-04-04"), data)


def test_an_id_in_a_linked_year_folder_is_refused(data, tmp_path, make_interview):
    """The loader follows a linked year folder; so does the store's check."""
    elsewhere = tmp_path / "archive" / "2019"
    elsewhere.mkdir(parents=True)
    (elsewhere / "old.csv").write_text(__import__("conftest").csv_text(interview_rows("ARCH-1", date="2019-01-01")))
    (data / "scores" / "2019").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(StoreError, match="old.csv"):
        save_interview(make_interview("ARCH-1"), data)


# A property: whatever happens to the folder between saves (files added, bulk files edited in
# place with or without their time put back, files removed; time passing; the index damaged; a new process), a save is
# refused exactly when its id is in some scorecard file, as an independent csv read of every file
# the loader reads says.

from hypothesis import HealthCheck, example, given, settings, strategies as st  # noqa: E402

IDS = ["A", " B ", "é"]  # few ids, so that operations collide often
_save = st.tuples(st.just("save"), st.sampled_from(IDS), st.sampled_from(["2024-06-01", "2025-06-01"]))
_bulk = st.tuples(st.just("bulk"), st.sampled_from(["2024/b1.csv", "2025/imports/b2.csv", "b3.csv"]),
                  st.lists(st.sampled_from(IDS), min_size=1, max_size=3))
_edit = st.tuples(st.just("edit"), st.integers(0, 50), st.sampled_from(IDS), st.booleans())
# saves, bulk files and edits drawn three times as often as the rest: they are what must collide
_op = st.one_of(_save, _save, _save, _bulk, _bulk, _edit, _edit, _edit,
                st.tuples(st.just("delete"), st.integers(0, 50)), st.tuples(st.just("age")),
                st.tuples(st.just("fresh")), st.tuples(st.just("damage")))


def _ids_on_disk(data: Path) -> set[str]:
    import csv as _csv
    import unicodedata
    out = set()
    for f in scorecard_files(data):
        with open(f, encoding="utf-8", newline="") as fh:
            out |= {unicodedata.normalize("NFC", r["interview_id"]).strip() for r in _csv.DictReader(fh)}
    return out


@settings(max_examples=int(os.environ.get("STORE_PROPERTY_EXAMPLES", "25")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(_op, min_size=1, max_size=12))
@example(ops=[("bulk", "2024/b1.csv", ["A"]), ("save", "é", "2025-06-01"), ("edit", 0, " B ", False),
              ("save", " B ", "2024-06-01")])
@example(ops=[("bulk", "2024/b1.csv", ["A"]), ("save", "é", "2025-06-01"), ("age",), ("fresh",),
              ("edit", 0, " B ", True), ("save", " B ", "2024-06-01")])
def test_property_a_save_is_refused_exactly_when_its_id_is_on_disk(tmp_path_factory, monkeypatch, ops):
    import shutil
    import analysis.io.id_index as id_index
    from conftest import REAL_DATA, csv_text
    data = tmp_path_factory.mktemp("prop") / "data"
    (data / "scores").mkdir(parents=True)
    shutil.copyfile(REAL_DATA / "questions.csv", data / "questions.csv")
    id_index._NAMES.clear()
    for op in ops:
        files = scorecard_files(data)
        if op[0] == "save":
            _, iid, date = op
            expect_refused = iid.strip() in _ids_on_disk(data)
            rows = pd.DataFrame(interview_rows(iid, date=date))
            if expect_refused:
                with pytest.raises(StoreError, match="already saved"):
                    save_interview(rows, data)
            else:
                assert save_interview(rows, data).exists()
        elif op[0] == "bulk":
            path = data / "scores" / op[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(csv_text([r for i in op[2] for r in interview_rows(i)]))
        elif op[0] == "edit" and [f for f in files if f.name.startswith("b")]:
            # a bulk or hand-made file (a store-written one edited to hold another id: see the
            # known gap below)
            bulks = [f for f in files if f.name.startswith("b")]
            f = bulks[op[1] % len(bulks)]
            st_ = f.stat()
            text = f.read_text()
            first_id = next(iter(_csv_ids(text)))
            f.write_text(text.replace(first_id, op[2]))  # in place
            if op[3]:  # and the modification time put back (cp -p, an editor that keeps it)
                os.utime(f, ns=(st_.st_atime_ns, st_.st_mtime_ns))
        elif op[0] == "delete" and files:
            files[op[1] % len(files)].unlink()
        elif op[0] == "age":
            _age(data / "scores")
        elif op[0] == "fresh":
            id_index._NAMES.clear()
        elif op[0] == "damage":
            for slot in ("index-0.json", "index-1.json"):
                header = data / "scores" / ".cache" / "store-index" / slot
                if header.exists():
                    header.write_bytes(header.read_bytes()[:-7])


def _csv_ids(text: str) -> list[str]:
    import csv as _csv
    import io as _io
    return [r["interview_id"] for r in _csv.DictReader(_io.StringIO(text))]


def test_a_store_written_file_replaced_by_a_rename_is_read_again(data, make_interview):
    """Most editors, ``sed -i`` and tools that write a temporary file and rename it over the old
    one give the file a new inode; the folder's listing records each name's inode, so the
    replaced file is read again and its new id refused."""
    save_interview(make_interview("A0"), data)
    _age(data / "scores")
    save_interview(make_interview("A00"), data)  # 2026 is trusted from here on
    p = save_interview(make_interview("A1"), data)
    tmp = p.with_name(".edit.tmp")
    tmp.write_text(p.read_text().replace("A1", "B1"))
    os.replace(tmp, p)
    with pytest.raises(StoreError, match=p.name):
        save_interview(make_interview("B1"), data)
    save_interview(make_interview("A1", date="2024-01-01"), data)  # A1 is free again: it left the file


@pytest.mark.xfail(strict=True, reason="known gap (issue 11 trade-off, see find_interview Notes): a file the store "
                   "wrote, edited in place (same inode) to hold another id, in a folder the index trusts, is not re-read "
                   "(seeing it would take a stat of every file: 0.7 s at 100k); the loader then reports the duplicate")
def test_known_gap_a_store_written_file_edited_to_hold_another_id(data, make_interview):
    save_interview(make_interview("A0"), data)
    _age(data / "scores")
    save_interview(make_interview("A00"), data)  # 2026 is trusted from here on
    p = save_interview(make_interview("A1"), data)
    p.write_text(p.read_text().replace("A1", "B1"))
    with pytest.raises(StoreError, match="already saved"):
        save_interview(make_interview("B1"), data)


def test_a_torn_newest_header_falls_back_to_the_older_slot(data, write_card, make_interview, monkeypatch):
    """The header is written in place into the older of two slots; a write torn by a crash fails
    its checksum and the other slot (one generation older, still checked against the folder) is
    used: nothing is lost, and nothing it would hide is missed."""
    import json
    import analysis.io.id_index as id_index
    write_card("imports/bulk.csv", interview_rows("HIDDEN-1"))
    for iid in ("S-1", "S-2", "S-3"):
        save_interview(make_interview(iid), data)
    files = _index_files(data)
    gens = {n: json.loads(json.loads(files[n].read_bytes())["body"])["gen"] for n in ("index-0.json", "index-1.json")}
    newest = max(gens, key=gens.get)
    files[newest].write_bytes(files[newest].read_bytes()[:40])  # torn
    root = str((data / "scores").resolve())
    assert id_index._Index.read(root, os.stat(root)).gen == min(gens.values())
    _fresh_process(monkeypatch)
    with pytest.raises(StoreError, match="bulk.csv"):
        save_interview(make_interview("HIDDEN-1"), data)
    for iid in ("S-1", "S-2", "S-3"):
        with pytest.raises(StoreError, match="already saved"):
            save_interview(make_interview(iid, date="2024-01-01"), data)
