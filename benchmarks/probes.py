"""Small measured programs the benchmark runner starts as child processes.

Each stage prints one JSON line on stdout; :mod:`benchmarks.run` times the whole process (wall
time and peak RSS) and reads the line.

Stages
------
``load DATA``
    ``analysis.io.load.load(DATA)`` as the workbook does it (cache used if present, written if not),
    then the size of the loaded frames: ``DataFrame.memory_usage(deep=True).sum()`` of ``scores``,
    ``questions`` and ``outcomes``. The runner deletes ``DATA/.cache`` first for a cold load.
``imports``
    Only the imports ``python -m analysis check`` needs: the fixed cost of a process (its peak RSS
    is the baseline subtracted in the memory target).
``save DATA [--n N]``
    Form save: ``analysis.io.store.save_interview`` of one 7-question interview, N times with new ids,
    timed in-process with ``time.perf_counter`` around the call alone (the form holds the bank
    already, so ``questions=`` is passed as the form passes it). Before, another process brings
    the store's id index up to date (``index_s``: a cold build that reads every file once when the
    folder has no index yet, else a quick check), so ``first_s`` is a fresh process's first save.
    Every file written is removed again (and the index, if this probe built it), so DATA is
    unchanged afterwards.
``explorer DATA``
    The calibration explorer on DATA's history, driven in-process as a user drives it: load, build
    :class:`analysis.widgets.explorer.CalibrationExplorer` (its first computation), then change the
    criterion, the candidate level and the period, one at a time (among them the whole period again,
    the first view, whose slice was let go but whose tables and chart the explorer keeps; a return to
    a period seen a moment ago), open other charts' tabs (which compute their own tables then), a
    minimum n not seen on the whole period (the question table judged again), and last a criterion
    not seen on the whole period (rows prepared for it on the first view's slice, which is kept);
    each change timed with ``time.perf_counter`` around setting the widget's
    value (the handler recomputes the tables and redraws the open chart before the call returns, as in
    a kernel). Reports every step's seconds and whether it ended without an error. Then checks that the
    explorer's tables equal those of a fresh ``calibrate`` of the last choices (``same_as_calibrate``,
    part of ``ok``; not timed).
``stale DATA``
    The parse cache never serves stale data: warm load; rewrite one file with the same size (one
    score changed) and delete another; load and compare with the expected counts; damage the cache
    file; load and compare; rewrite the file again keeping size, inode and modification time (what
    ``cp -p`` or ``tar x`` do); load and see whether the change is seen; restore both files; load and
    compare with the start.
``memory DATA [--malloc keep|default|heap[-trim]]``
    Where ``report --format csv`` reaches its peak memory, and what is resident at each step: the
    report run in-process (:func:`analysis.reports.report.build_report` into a temporary folder) while
    a thread reads the resident set from ``/proc/self/statm`` every 20 ms. Each step (the load, the
    severity fit, the criterion rows, then every table as :func:`analysis.stats.tables.compute_table`
    is called for it, then the writing) is logged with the resident MB when it starts and the highest
    seen while it ran; ``peak_step`` names the step where the process peaked. ``--malloc keep`` (the
    default) first sets glibc's malloc as ``python -m analysis`` does
    (:func:`analysis._process.keep_freed_memory`: blocks under 32 MiB kept); ``default`` keeps glibc's
    defaults; ``heap`` serves every block from a heap never trimmed (``M_MMAP_MAX`` 0, that function's
    first version); a ``-trim`` suffix (``keep-trim``) calls ``malloc_trim(0)`` after every step. Why a sampler
    and not memray: memray counts pyarrow's 1 GiB virtual reservation, which is never resident, and
    slows a ten-million-row run several times; the sampler sees what ``/usr/bin/time`` sees (it can
    miss a spike shorter than 20 ms). Linux only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path


def _frames_bytes(wb) -> dict:
    s = int(wb.scores.memory_usage(deep=True).sum())
    q = int(wb.questions.memory_usage(deep=True).sum())
    o = int(wb.outcomes.memory_usage(deep=True).sum())
    return {"scores_bytes": s, "questions_bytes": q, "outcomes_bytes": o, "frames_bytes": s + q + o}


def stage_load(data: Path) -> dict:
    from analysis.io.load import load
    t0 = time.perf_counter()
    wb = load(data, progress=False)
    t = time.perf_counter() - t0
    return {"rows": len(wb.scores), "files": wb.files, "problems": len(wb.problems), "t_load": t, **_frames_bytes(wb)}


def stage_imports() -> dict:
    import analysis.cli  # noqa: F401
    import analysis.io.load  # noqa: F401
    return {}


def _one_interview(data: Path):
    """The first scorecard file of DATA, as the form would hand it over (typed values)."""
    import pandas as pd
    from analysis.io.load import scorecard_files
    f = scorecard_files(data)[0]
    rows = pd.read_csv(f, dtype=str, keep_default_na=False).head(7)
    rows["score"] = rows["score"].astype(int)
    rows["red_flag"] = rows["red_flag"].str.lower() == "true"
    return rows


def stage_save(data: Path, n: int = 20) -> dict:
    import subprocess

    from analysis import config
    from analysis.io.bank import load_questions
    from analysis.io.id_index import INDEX_DIR, LOCK_NAME
    from analysis.io.store import save_interview
    index = config.scores_dir(data) / INDEX_DIR
    lock = config.scores_dir(data) / LOCK_NAME
    had_index, had_lock = index.exists(), lock.exists()
    # The store's id index as an earlier session leaves it: brought up to date by another process
    # (a cold build when the folder has none: every file read once), so the saves timed below are
    # those of a fresh process (the form's kernel), its first save included.
    questions = load_questions(data)
    rows = _one_interview(data)
    times, written = [], []
    try:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sys; from analysis.io.store import find_interview; "
                        "find_interview('BENCH-SAVE-WARMUP', sys.argv[1])", str(data)], check=True,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
        index_s = time.perf_counter() - t0
        for i in range(n):
            r = rows.assign(interview_id=f"BENCH-SAVE-{os.getpid()}-{i:04d}")
            t0 = time.perf_counter()
            path = save_interview(r, data, questions=questions)
            times.append(time.perf_counter() - t0)
            written.append(path)
            if not path.exists():
                raise SystemExit(f"save reported {path} but it is not on disk")
    finally:
        for p in written:
            p.unlink(missing_ok=True)
        if not had_index:  # DATA unchanged afterwards: the index this probe built goes too
            shutil.rmtree(index, ignore_errors=True)
            with contextlib.suppress(OSError):
                index.parent.rmdir()  # scores/.cache, if it held nothing else
        if not had_lock:
            lock.unlink(missing_ok=True)
    return {"n": n, "rows_per_interview": len(rows), "median_s": statistics.median(times),
            "max_s": max(times), "first_s": times[0], "index_s": index_s, "index_existed": had_index,
            "files_in_folder": _count_files(data)}


def _count_files(data: Path) -> int:
    from analysis.io.load import scorecard_files
    return len(scorecard_files(data))


def _flip_score(text: bytes, row: int = 1) -> tuple[bytes, int]:
    """The same bytes with the score of data row ``row`` moved 1->2->3->4->1: same size, new value."""
    lines = text.decode().split("\n")
    k = lines[0].split(",").index("score")
    fields = lines[row].split(",")
    old = int(fields[k])
    fields[k] = str(1 + old % 4)
    lines[row] = ",".join(fields)
    return "\n".join(lines).encode(), (1 + old % 4) - old


def stage_stale(data: Path) -> dict:
    from analysis import config
    from analysis.io.load import load, scorecard_files

    def snap():
        wb = load(data, progress=False)
        s = wb.scores
        return {"rows": len(s), "files": wb.files, "problems": len(wb.problems),
                "score_sum": int(s["score"].astype(int).sum())}, s

    files = scorecard_files(data)
    a, b = files[len(files) // 3], files[2 * len(files) // 3]
    a_bytes, b_bytes = a.read_bytes(), b.read_bytes()
    out = {"file_changed": str(a.relative_to(data)), "file_deleted": str(b.relative_to(data))}
    t0 = time.perf_counter()
    before, s0 = snap()  # warms the cache
    out["t_warm_load"] = time.perf_counter() - t0
    in_b = s0["file"].astype(str) == str(b.relative_to(data))
    b_rows, b_sum = int(in_b.sum()), int(s0.loc[in_b, "score"].astype(int).sum())
    try:
        # A. an ordinary edit: same size, one score changed (the mtime moves as editors leave it); b deleted
        changed, delta = _flip_score(a_bytes)
        a.write_bytes(changed)
        b.unlink()
        after, _ = snap()
        out["after_edit_and_delete"] = after
        out["expected_after_edit_and_delete"] = exp = {
            "rows": before["rows"] - b_rows, "files": before["files"] - 1, "problems": before["problems"],
            "score_sum": before["score_sum"] - b_sum + delta}
        out["edit_and_delete_seen"] = after == exp
        # B. damage the cache: it must be ignored and rebuilt
        cache = config.cache_dir(data) / "scorecards.arrow"
        if cache.exists():
            with open(cache, "r+b") as fh:
                fh.truncate(max(cache.stat().st_size // 2, 1))
        damaged, _ = snap()
        out["after_damaged_cache"] = damaged
        out["damaged_cache_rebuilt"] = damaged == exp
        # C. an mtime-preserving rewrite (cp -p, tar x, rsync -t): same size, same inode, same mtime,
        # new content. Give a an old mtime, let the cache record it, rewrite, put the mtime back.
        old_ns = time.time_ns() - 3600 * 10**9
        os.utime(a, ns=(old_ns, old_ns))
        snap()
        changed2, delta2 = _flip_score(changed)
        a.write_bytes(changed2)
        os.utime(a, ns=(old_ns, old_ns))
        preserved, _ = snap()
        out["after_mtime_preserving_rewrite"] = preserved
        out["mtime_preserving_rewrite_seen"] = preserved["score_sum"] == exp["score_sum"] + delta2
    finally:
        a.write_bytes(a_bytes)
        b.write_bytes(b_bytes)
    restored, _ = snap()
    out["before"], out["restored"] = before, restored
    out["restored_equal"] = restored == before
    out["ok"] = bool(out["edit_and_delete_seen"] and out["damaged_cache_rebuilt"] and out["restored_equal"])
    return out


def stage_explorer(data: Path) -> dict:
    import warnings

    from analysis.widgets.explorer import CalibrationExplorer
    from analysis.io.load import load

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    wb = load(data, progress=False)
    out = {"rows": len(wb.scores), "t_load": time.perf_counter() - t0}
    t0 = time.perf_counter()
    ex = CalibrationExplorer(workbook=wb)
    out["t_first"] = time.perf_counter() - t0
    steps = []

    def step(name, fn):
        # CPU seconds beside the wall clock: on a shared machine the wall clock of one change can be
        # several times what it is on a quiet one, the process's own CPU time much less so
        t, c = time.perf_counter(), time.process_time()
        fn()
        steps.append({"change": name, "seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - c,
                      "error": None if ex.last_error is None else f"{type(ex.last_error).__name__}: {ex.last_error}",
                      "interviews": None if ex.calibration is None else int(ex.calibration.meta["n_interviews"])})

    options = ex._period.options
    last4 = (max(0, len(options) - 4), len(options) - 1)
    step("criterion -> rest", lambda: setattr(ex._criterion, "value", "rest"))
    step("level -> senior", lambda: setattr(ex._level, "value", "senior"))
    step("period -> last 4 quarters", lambda: setattr(ex._period, "index", last4))
    step("level -> all", lambda: setattr(ex._level, "value", "all"))
    step("criterion -> recommendation", lambda: setattr(ex._criterion, "value", "recommendation"))
    step("period -> all quarters (the first view, kept)",
         lambda: setattr(ex._period, "index", (0, len(options) - 1)))
    step("period -> last 4 quarters again (kept)", lambda: setattr(ex._period, "index", last4))
    step("tab -> Severity (its tables + draw)", lambda: setattr(ex._tabs, "selected_index", 6))
    step("tab -> Topics (its tables + draw)", lambda: setattr(ex._tabs, "selected_index", 3))
    step("tab -> Levels (its tables + draw)", lambda: setattr(ex._tabs, "selected_index", 4))
    step("tab -> Questions (drawn before)", lambda: setattr(ex._tabs, "selected_index", 0))
    step("period -> all quarters again (kept)", lambda: setattr(ex._period, "index", (0, len(options) - 1)))
    step("min n -> 20 (whole period: judged again)", lambda: setattr(ex._min_n, "value", 20))
    step("criterion -> performance (whole period, kept slice)", lambda: setattr(ex._criterion, "value", "performance"))
    out["steps"] = steps
    redraws = [s["seconds"] for s in steps if not s["change"].startswith("tab")]
    out["max_redraw_s"], out["median_redraw_s"] = max(redraws), statistics.median(redraws)
    cpu = [s["cpu_seconds"] for s in steps if not s["change"].startswith("tab")]
    out["max_redraw_cpu_s"], out["median_redraw_cpu_s"] = max(cpu), statistics.median(cpu)
    out["same_as_calibrate"] = _same_as_calibrate(ex, wb)
    out["ok"] = all(s["error"] is None for s in steps) and out["same_as_calibrate"]
    return out


def _same_as_calibrate(ex, wb) -> bool:
    """Whether every table on screen equals a fresh ``calibrate`` of the explorer's choices (to 1e-12)."""
    import pandas as pd

    from analysis.stats.calibration import FIELDS, calibrate
    if ex.calibration is None:
        return False
    fresh = calibrate(wb, n_boot=ex.n_boot, seed=ex.seed, **ex.choices)
    try:
        for name in FIELDS:
            pd.testing.assert_frame_equal(getattr(ex.calibration, name), getattr(fresh, name), rtol=1e-12, atol=0)
    except AssertionError as exc:
        print(f"explorer differs from calibrate: {exc}", file=sys.stderr)
        return False
    return ex.calibration.notes == fresh.notes


def stage_memory(data: Path, malloc: str = "keep") -> dict:
    import tempfile
    import threading

    from analysis._process import keep_freed_memory

    import ctypes

    libc = ctypes.CDLL(None)
    base, _, trim = malloc.partition("-")
    if base == "keep":
        kept = keep_freed_memory()
    elif base == "heap":         # every block from the heap, never trimmed (keep_freed_memory's first version)
        kept = bool(libc.mallopt(-4, 0)) and bool(libc.mallopt(-1, 2**31 - 1))
    else:
        kept = False
    page = os.sysconf("SC_PAGE_SIZE")
    steps: list = []          # [name, MB at start, highest MB while it ran]
    done = threading.Event()

    def rss_mb() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * page / 2**20

    def sample():
        while not done.is_set():
            mb = rss_mb()
            if steps and mb > steps[-1][2]:
                steps[-1][2] = mb
            done.wait(0.02)

    def begin(name):
        mb = rss_mb()
        if steps and mb > steps[-1][2]:
            steps[-1][2] = mb
        steps.append([name, mb, mb])

    def marked(name, fn):
        def wrapper(*args, **kwargs):
            begin(name if name else args[0])
            out = fn(*args, **kwargs)
            if trim:
                libc.malloc_trim(0)
            begin(f"after {name if name else args[0]}")
            return out
        return wrapper

    import analysis.io.load as load_module
    import analysis.reports.report as report
    import analysis.stats.calibration as calibration
    patched = [(report, "load"), (calibration, "fit_severity"), (calibration, "criterion_rows"),
               (calibration, "compute_table"), (report, "export_tables"), (report, "write_report")]
    originals = {(m, n): getattr(m, n) for m, n in patched}
    for (m, n), fn in originals.items():
        setattr(m, n, marked(None if n == "compute_table" else n, fn))
    del load_module
    begin("imports")
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        with tempfile.TemporaryDirectory() as out:
            report.build_report(data, out=out, formats=("csv",), progress=False)
    finally:
        done.set()
        thread.join()
        for (m, n), fn in originals.items():
            setattr(m, n, fn)
    peak = max(steps, key=lambda s: s[2])
    return {"malloc_kept": kept, "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0,
            "peak_mb": round(peak[2]), "peak_step": peak[0],
            "steps": [{"step": n, "start_mb": round(a), "max_mb": round(b)} for n, a, b in steps]}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    stage = argv[0]
    if stage == "imports":
        info = stage_imports()
    elif stage == "load":
        info = stage_load(Path(argv[1]))
    elif stage == "save":
        n = int(argv[argv.index("--n") + 1]) if "--n" in argv else 20
        info = stage_save(Path(argv[1]), n)
    elif stage == "stale":
        info = stage_stale(Path(argv[1]))
    elif stage == "explorer":
        info = stage_explorer(Path(argv[1]))
    elif stage == "memory":
        info = stage_memory(Path(argv[1]), argv[argv.index("--malloc") + 1] if "--malloc" in argv else "keep")
    else:
        raise SystemExit(f"unknown stage {stage!r}; expected load, imports, save, stale, explorer or memory")
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    from analysis._process import exit_now  # ends without pyarrow's teardown (see its docstring)
    exit_now(main())
