"""The benchmark suite: one command, ``make bench`` (or ``.venv/bin/python benchmarks/run.py``).

What it does (issues 6, 11 and 26)
----------------------------------
1. Generates interview histories with the demo generator (:func:`analysis.stats.demo.generate`, written
   by :func:`analysis.io.demo_folder.write_history`): 1k, 10k and 100k interviews as one file per interview
   (what the form writes), and about 1M and 10M score rows (156k and 1.56M interviews) as one bulk file
   each. They are cached outside the repository, in ``$BENCH_CACHE`` or ``~/.cache/interview-bench``,
   and regenerated only when missing or when ``analysis/stats/demo.py`` changed.
2. Times whole processes (wall clock, and peak RSS from GNU time), taking the median of ``--repeat`` runs:

   - ``check`` cold (the parse cache ``<data>/.cache`` deleted first) and warm (cache present);
   - ``report --format csv`` (warm), the full report with charts at the smaller sizes, and every
     notebook in ``notebooks/`` executed end to end by papermill on a copy with ``data`` pointing
     at the generated folder (at the smaller sizes);
   - ``irt`` (``python -m analysis irt``: the item model, many-facet severity with SEs, fair
     abilities, drift, its outputs) at every size, 10M included;
   - the peer path (:mod:`benchmarks.peer`, "the hand-written notebook"), the parse floor
     (:mod:`benchmarks.floor`);
   - ``analysis.io.load.load`` cold and warm in a probe process (:mod:`benchmarks.probes`), which also
     reports the size of the loaded frames (``memory_usage(deep=True)``);
   - the explorer's seconds per change, a form save (``save_interview``, timed in-process) and the
     stale-cache demonstration.
3. Writes ``benchmarks/results.json``, ``benchmarks/RESULTS.md`` (figures, targets, machine) and
   ``benchmarks/scaling.png`` (log-log chart, through kaleido) with :mod:`benchmarks.results`. The
   hand-written analysis between the ``analysis`` markers of RESULTS.md is kept across runs.

Which task runs at which size, and how often, is decided in one place, :func:`plan_suite`; before
measuring, the runner prints how long the plan will take, estimated from the medians of the last
``results.json`` (:func:`estimate_seconds`; ``--plan`` prints the plan and stops).

Options
-------
``--sizes 1k,10k`` runs a subset; ``--tasks floor,report,irt`` some tasks (names or prefixes);
``--merge`` lays the run over the existing ``results.json`` (same size and task replaced, the rest
kept), so a suite can run in pieces; ``--repeat N`` sets the runs per measurement (default 3);
``--repeat-slow N`` the runs of the slowest measurements: the peer path at every size, cold loads
at 100k and 1M, every task at 10M (default 1, to keep a full run near 30 minutes; at 100k the peer
path runs only its ``read_csv`` loop, see :data:`PEER_READ_ONLY`); ``--quick`` (no notebooks or full
report) is what the smoke test uses. See ``--help``.

The benchmark is not part of ``make test``; ``tests/test_benchmarks_smoke.py`` only checks that
the machinery produces well-formed results on ~200 interviews.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.datasets import (
    SIZES,
    Size,
    dataset_info,
    dataset_path,
    default_cache,
    ensure_dataset,
)
from benchmarks.results import (
    MARK_END,
    MARK_START,
    merge_results,
    render_markdown,
    scaling_figure,
    targets,
    write_results,
)

# the data sets live in benchmarks/datasets.py, the results side in benchmarks/results.py; their names
# are re-exported for the callers of run.py
__all__ = ["MARK_END", "MARK_START", "SIZES", "TASKS", "Size", "default_cache", "ensure_dataset",
           "estimate_seconds", "main", "measure", "merge_results", "plan_suite", "render_markdown",
           "run_suite", "scaling_figure", "targets", "write_results"]

#: Sizes whose slowest measurements (cold loads, and at a limited size every task) run
#: ``--repeat-slow`` times instead of ``--repeat``.
SLOW_SIZES = {"100k", "1m", "10m"}
#: Sizes at which the peer path runs only its per-file ``read_csv`` loop (``peer.py --stage load``,
#: task ``peer read``): what the reload target compares with. Its analysis on 100k per-interview
#: files took 10-17 minutes, half the suite's budget, and no target reads it (the report is compared
#: with the peer path on the 1M-row bulk file).
PEER_READ_ONLY = {"100k"}


# ---------------------------------------------------------------- measuring

def _child_env() -> dict:
    env = dict(os.environ)
    env["TQDM_DISABLE"] = "1"
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


_TIME = "/usr/bin/time"


def run_once(cmd: list[str], *, cwd: Path = ROOT, timeout: float = 3600) -> dict:
    """Run ``cmd`` as a child process: wall seconds, peak RSS (bytes), exit code, and the last stdout
    line parsed as JSON when it is JSON.

    Peak RSS comes from GNU time (``/usr/bin/time -f %M``), which forks the command from its own tiny
    process: measured directly from this (large) process, the child's ``ru_maxrss`` would start at
    this process's size at fork time, because Linux keeps the high-water mark across ``exec``.
    Without GNU time, ``os.wait4``'s figure is used (an over-estimate for small commands).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".time") as tfile:
        full = [_TIME, "-f", "%M", "-o", tfile.name, *cmd] if os.access(_TIME, os.X_OK) else list(cmd)
        t0 = time.perf_counter()
        p = subprocess.Popen(full, cwd=cwd, env=_child_env(), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        wall = time.perf_counter() - t0
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        rss = None
        if full[0] == _TIME:
            tfile.seek(0)
            last = [ln for ln in tfile.read().splitlines() if ln.strip()]
            if last and last[-1].strip().isdigit():
                rss = int(last[-1]) * 1024
        if rss is None:
            rss = ru.ru_maxrss * 1024
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    rc = p.returncode
    if full[0] == _TIME and stderr.rstrip().splitlines()[-1:] and stderr.rstrip().splitlines()[-1].startswith("Command exited"):
        stderr = "\n".join(stderr.rstrip().splitlines()[:-1])
    info = None
    lines = [ln for ln in stdout.strip().splitlines() if ln.strip()]
    if lines:
        try:
            info = json.loads(lines[-1])
        except ValueError:
            info = None
    return {"wall": wall, "rss": rss, "rc": rc, "info": info,
            "stdout_tail": "\n".join(lines[-3:]), "stderr_tail": stderr.strip()[-800:]}


def measure(cmd: list[str], repeat: int, *, setup=None, ok_codes=(0,)) -> dict:
    """Median wall time and peak RSS of ``repeat`` runs of ``cmd`` (``setup()`` before each run)."""
    runs = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        r = run_once(cmd)
        runs.append(r)
        if r["rc"] not in ok_codes:
            break
    good = [r for r in runs if r["rc"] in ok_codes]
    return {"cmd": portable(" ".join(str(c) for c in cmd)), "runs": [{"wall": r["wall"], "rss": r["rss"], "rc": r["rc"]} for r in runs],
            "median_wall": statistics.median([r["wall"] for r in good]) if good else None,
            "median_rss": statistics.median([r["rss"] for r in good]) if good else None,
            "ok": len(good) == len(runs), "info": runs[-1]["info"],
            "error": None if len(good) == len(runs) else (runs[-1]["stderr_tail"] or runs[-1]["stdout_tail"])}


def _py() -> str:
    return sys.executable


def portable(text: str) -> str:
    """``text`` (a command line) without this machine's paths, for the committed results: the
    interpreter becomes ``python``, the checkout ``.``, the home folder ``~``."""
    for path, short in ((sys.executable, "python"), (str(ROOT) + "/", ""), (str(ROOT), "."), (str(Path.home()), "~")):
        text = text.replace(path, short)
    return text


def _notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _parameters(nb: Path) -> str:
    for cell in json.loads(nb.read_text()).get("cells", []):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return "".join(cell.get("source", ""))
    return ""


def _notebook_cmd(nb: Path, data: Path, work: Path) -> list[str]:
    """papermill on a copy of the notebook (the output file), with ``data`` pointing at ``data`` and,
    for a notebook that writes files (an ``out`` parameter), ``out`` in a temporary folder."""
    out = work / f"{nb.stem}.out.ipynb"
    cmd = [_py(), "-m", "papermill", str(nb), str(out), "-p", "data", str(data)]
    if re.search(r"^out\s*=", _parameters(nb), re.M):
        cmd += ["-p", "out", str(work / f"{nb.stem}-{data.name}-files")]
    return cmd + ["--cwd", str(ROOT / "notebooks"), "--log-level", "WARNING", "--no-progress-bar", "-k", "python3"]


# ---------------------------------------------------------------- the suite

#: Sizes measured on a subset of the tasks only (every other size runs every task), once each
#: (``--repeat-slow``): the ~10M-row history is there for issue 26's target (report in < 30 s and
#: < 2.5 GB, within 15x the parse floor), for the IRT fit and for the growth table and chart, and each
#: of its runs takes one to several minutes. No full report and no notebooks (they are judged on a
#: team's history). The peer path runs: by its code (``pd.read_csv`` of the 817 MB file with string
#: columns, one copy of the frame in the question table, three float effects and a groupby-transform
#: per sweep in the severity fit) its memory grows linearly with rows, measured 0.25 GB at 100k rows
#: and 0.60 GB at 1M, so 4-5 GB at 10M, about what the workbook's report needed before issue 26
#: (4.7 GB) and far from the machine's 23 GB; its time, 10-12 CPU seconds at 1M rows, becomes 2-3
#: minutes: one run is the price of seeing the notebook beside the 10M target.
LIMITED_TASKS = {"10m": ("floor", "imports", "check cold", "load warm", "report csv", "irt", "peer")}
#: (size, task) pairs run only when ``--tasks`` names the task itself (not a prefix, not "all"): ``irt``
#: on 10M rows takes 10-20 minutes and 7.5 GB, which would take ``make bench`` past its 30 minutes
#: (issue 11). A run that skips them keeps their last measurement from ``results.json`` (see
#: :func:`main`), so the scaling chart still reaches 10M rows for the IRT fit; rerun it with
#: ``--merge --sizes 10m --tasks irt``.
ON_REQUEST = {("10m", "irt")}

#: Every task name, for ``--tasks`` (a prefix selects several: ``report`` is ``report csv`` and
#: ``report full``, ``load`` both loads, ``notebook`` every notebook, ``notebook 03`` one).
TASKS = ("floor", "imports", "load cold", "load warm", "check cold", "check warm", "report csv", "report full",
         "irt", "notebook", "explorer", "peer", "save", "stale")


def _wanted(task: str, only) -> bool:
    """Whether ``task`` is among ``only`` (names or prefixes such as ``notebook`` or ``report``); all if empty."""
    return not only or any(task == o or task.startswith(o) for o in only)


@dataclass
class Step:
    """One thing the suite runs at one size: ``runs`` timed runs of ``cmd`` (median reported), or,
    when ``timed`` is false, one run whose JSON line is all that is kept (the form save and the
    stale-cache probes). ``probe`` names where the JSON line goes in ``results["probes"]`` (the
    explorer's per-change seconds come that way too); ``setup`` runs before each run (the cold loads
    delete the parse cache)."""

    size: str
    task: str
    cmd: list
    runs: int
    setup: object = None
    probe: str | None = None
    timed: bool = True


def plan_suite(sizes: list[str], cache: Path, work: Path, *, repeat: int = 3, repeat_slow: int = 1,
               full_report_sizes=("1k", "10k"), notebook_sizes=("1k", "10k"), save_sizes=("1k", "100k"),
               stale_size: str | None = "100k", explorer_sizes=("10k", "1m"), notebook_repeat: int = 1,
               tasks=(), quick: bool = False) -> list[Step]:
    """What :func:`run_suite` runs, in order, without running anything.

    The one place that decides which task runs at which size and how many times, so the time
    estimate printed before a run (:func:`estimate_seconds`) and the run itself cannot disagree.
    """
    if quick:
        full_report_sizes, notebook_sizes = (), ()
    steps: list[Step] = []
    for name in sizes:
        size = SIZES[name]
        data = dataset_path(size, cache)
        allowed = LIMITED_TASKS.get(name)
        slow = repeat_slow if name in SLOW_SIZES else repeat
        once = slow if allowed else repeat  # at a limited size every task runs --repeat-slow times

        def add(task, cmd, runs, name=name, allowed=allowed, **kw):
            if (_wanted(task, tasks) and (allowed is None or task in allowed)
                    and ((name, task) not in ON_REQUEST or task in tasks)):
                steps.append(Step(name, task, cmd, runs, **kw))

        def drop_cache(d=data):
            shutil.rmtree(d / ".cache", ignore_errors=True)

        py, probes, cli = _py(), str(HERE / "probes.py"), [_py(), "-m", "analysis"]
        add("floor", [py, str(HERE / "floor.py"), str(data)], once)
        add("imports", [py, probes, "imports"], repeat)
        add("load cold", [py, probes, "load", str(data)], slow, setup=drop_cache)
        if name != "100k":  # at 100k a cold check is the cold load plus start-up: ~5 min saved per run
            add("check cold", cli + ["check", "--data", str(data)], slow, setup=drop_cache)
        # after a cold load or check: the parse cache is there
        add("load warm", [py, probes, "load", str(data)], once)
        add("check warm", cli + ["check", "--data", str(data)], repeat)
        add("report csv", cli + ["report", "--data", str(data), "--out", str(work / f"report-{name}"),
                                 "--format", "csv"], once)
        if name in full_report_sizes:
            add("report full", cli + ["report", "--data", str(data), "--out", str(work / f"report-full-{name}")], repeat)
        # the IRT fit as a user runs it: load, item model, many-facet severity with SEs, fair
        # abilities, drift by quarter, verdicts, its CSV and HTML outputs (issue 26's target)
        add("irt", cli + ["irt", "--data", str(data), "--out", str(work / f"irt-{name}")], once)
        if name in notebook_sizes:
            for nb in _notebooks():
                add(f"notebook {nb.stem[:2]}", _notebook_cmd(nb, data, work), notebook_repeat)
        if name in explorer_sizes:
            add("explorer", [py, probes, "explorer", str(data)], 1, probe=f"explorer {name}")
        if name in PEER_READ_ONLY:
            add("peer read", [py, str(HERE / "peer.py"), str(data), "--stage", "load"], repeat_slow)
        else:
            add("peer", [py, str(HERE / "peer.py"), str(data), "--out", str(work / f"peer-{name}")], repeat_slow)
        if name in save_sizes and size.layout == "per_interview":
            add("save", [py, probes, "save", str(data), "--n", "10" if quick else "30"], 1, probe=f"save {name}",
                timed=False)
        if name == stale_size:
            add("stale", [py, probes, "stale", str(data)], 1, probe="stale", timed=False)
    return steps


#: For the estimate only: seconds of an untimed probe; of a task never measured before, a fixed part
#: and seconds per million score rows (shaped on ``irt``, the last task added: ~28 s on 1k interviews
#: at load 5, ~55 s on 1M rows quiet); generating a data set, seconds per interview.
_GUESS_PROBE = {"save": 10.0, "stale": 40.0}
_GUESS_FIXED, _GUESS_PER_MROW = 20.0, 50.0
_GUESS_GENERATE = {"bulk": 2e-4, "per_interview": 2e-3}


def estimate_seconds(steps: list[Step], previous: dict | None, cache: Path) -> tuple[float, list[str]]:
    """About how long ``steps`` take, and which of them were guessed rather than measured before.

    Each step costs its runs times the median of the same size and task in ``previous`` (an earlier
    ``results.json``). A size where the task was not measured is estimated from the other sizes
    (:func:`_from_other_sizes`); a task never measured, and a data set still to generate, are guessed
    from the rates above. Good to a factor of about 1.5 on a quiet machine; a loaded one is slower.
    """
    previous = previous or {"measurements": [], "datasets": {}}
    rows = {}
    for name in dict.fromkeys(s.size for s in steps):
        info = dataset_info(SIZES[name], dataset_path(SIZES[name], cache)) or previous["datasets"].get(name)
        rows[name] = info["rows"] if info else SIZES[name].n_interviews * 6.45
    total, guessed = 0.0, []
    for name in rows:
        if dataset_info(SIZES[name], dataset_path(SIZES[name], cache)) is None:
            total += SIZES[name].n_interviews * _GUESS_GENERATE[SIZES[name].layout]
            guessed.append(f"generating {name}")
    for st in steps:
        if not st.timed:
            total += _GUESS_PROBE[st.task]
            continue
        seen = {m["size"]: m for m in previous["measurements"] if m["task"] == st.task and m.get("median_wall")
                and m.get("rows")}
        if st.size in seen:
            each = seen[st.size]["median_wall"]
        elif seen:
            each, used = _from_other_sizes([(m["rows"], m["median_wall"], s) for s, m in seen.items()], rows[st.size])
            guessed.append(f"{st.task} {st.size} (from {used})")
        else:
            each = _GUESS_FIXED + _GUESS_PER_MROW * rows[st.size] / 1e6
            guessed.append(f"{st.task} {st.size}")
        total += each * st.runs
    return total, guessed


def _from_other_sizes(points: list[tuple], rows: float) -> tuple[float, str]:
    """Seconds of a task at ``rows`` from its medians at other sizes (``(rows, seconds, size)``).

    A whole process is a fixed start-up plus a part that grows with the rows, and at the small sizes
    the fixed part is most of it (``irt`` on 1k interviews: ~25 s), so a small size scaled linearly
    would promise hours. Above every measured size: linear in rows from the largest, if it has at
    least 100k rows (the fixed part is small there). Otherwise the line through the two nearest sizes
    (in log rows), never below the faster of them; with one size, the larger of its time and the
    never-measured guess.
    """
    big = max(points)
    if rows > big[0] and big[0] >= 100_000:
        return big[1] * rows / big[0], big[2]
    near = sorted(points, key=lambda p: abs(math.log(p[0] / rows)))[:2]
    if len(near) == 2:
        (r1, t1, s1), (r2, t2, s2) = sorted(near)
        slope = max(0.0, (t2 - t1) / (r2 - r1)) if r2 > r1 else 0.0
        return max(min(t1, t2), t1 + slope * (rows - r1)), f"{s1}, {s2}"
    (_, t, s), = near
    return max(t, _GUESS_FIXED + _GUESS_PER_MROW * rows / 1e6), s


def _run_step(step: Step, info: dict, results: dict, log) -> None:
    t0 = time.perf_counter()
    if not step.timed:
        r = run_once(step.cmd)
        results["probes"][step.probe] = {**(r["info"] or {"error": r["stderr_tail"]}), "size": step.size}
        log(f"  {step.task:<24} ok={None if not r['info'] else r['info'].get('ok', r['rc'] == 0)}"
            f"  ({time.perf_counter() - t0:.0f} s)")
        return
    m = measure(step.cmd, step.runs, setup=step.setup)
    m.update(size=step.size, task=step.task, rows=info["rows"], interviews=info["interviews"])
    results["measurements"].append(m)
    if step.probe:
        results["probes"][step.probe] = m["info"] or {"error": m["error"]}
    status = "" if m["ok"] else f"  FAILED: {m['error']}"
    med = f"{m['median_wall']:.2f} s, {m['median_rss'] / 2**20:.0f} MB" if m["median_wall"] else "-"
    log(f"  {step.task:<24} {med}  ({len(m['runs'])} run(s), {time.perf_counter() - t0:.0f} s){status}")


def run_suite(sizes: list[str], cache: Path, *, log=print, **plan) -> dict:
    """Run every measurement of :func:`plan_suite` (``plan`` holds its options: ``repeat``, ``tasks``,
    ``quick``, ...); return the results as a dict (also what ``results.json`` holds).

    ``tasks`` limits the run to these task names or prefixes (:data:`TASKS`); empty runs them all.
    Each size's data set is found or generated first (:func:`ensure_dataset`).
    """
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    results: dict = {"started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                     "machine": machine(), "load_before": _loadavg(), "busy_before": _busy(),
                     "repeat": plan.get("repeat", 3), "repeat_slow": plan.get("repeat_slow", 1),
                     "notebook_repeat": plan.get("notebook_repeat", 1),
                     "tasks": list(plan.get("tasks", ())), "datasets": {}, "measurements": [], "probes": {}}
    steps = plan_suite(sizes, cache, work, **plan)
    try:
        for name in sizes:
            t_gen = time.perf_counter()
            data, info = ensure_dataset(SIZES[name], cache, progress=not plan.get("quick"))
            results["datasets"][name] = {**info, "path": str(data)}
            log(f"[{name}] {info['interviews']} interviews, {info['rows']} rows in {info['files']} file(s) at {data}"
                f" ({time.perf_counter() - t_gen:.0f} s to find or generate)")
            for step in steps:
                if step.size == name:
                    _run_step(step, info, results, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    results["load_after"], results["busy_after"] = _loadavg(), _busy()
    return results


# ---------------------------------------------------------------- machine

def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _busy() -> list[str]:
    """The other processes using CPU right now (command names), so RESULTS.md can say what else ran."""
    try:
        out = subprocess.run(["ps", "-eo", "pcpu,rss,args", "--sort=-pcpu"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rows = []
    for line in out.splitlines()[1:]:
        parts = line.split(None, 2)
        if len(parts) < 3:
            continue
        if float(parts[0]) < 5.0:
            break
        if "ps -eo" in parts[2]:
            continue
        rows.append(f"{parts[0]}% {portable(parts[2])[:110]}")
    return rows[:8]


def machine() -> dict:
    import importlib.metadata as md
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = {}
    for pkg in ("pandas", "numpy", "scipy", "scikit-learn", "plotly", "kaleido", "papermill", "tqdm"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = "-"
    blas = "?"
    try:
        import numpy
        from threadpoolctl import threadpool_info
        blas = "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} x{i.get('num_threads')}"
                         for i in threadpool_info())
    except Exception:
        pass
    return {"nproc": os.cpu_count(), "memory": mem, "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "packages": versions, "blas": blas,
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(not set)"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", "(not set)"),
            "git": _git_rev()}


def _git_rev() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Benchmark the workbook against the peer path and the parse floor (issue 6).")
    p.add_argument("--sizes", default="1k,10k,100k,1m,10m",
                   help="comma-separated among 1k,10k,100k,1m,10m (default: all; 10m is ~10M rows, ~800 MB, "
                        "generated once in about 3-5 minutes)")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement, median reported (default 3)")
    p.add_argument("--repeat-slow", type=int, default=1,
                   help="runs of the peer path (every size), of the cold loads at 100k and 1m and of every "
                        "task at 10m (default 1)")
    p.add_argument("--full-report-sizes", default="1k,10k", help="sizes at which the full report with charts runs")
    p.add_argument("--notebook-sizes", default="1k,10k", help="sizes at which the notebooks run")
    p.add_argument("--notebook-repeat", type=int, default=1, help="runs per notebook (default 1)")
    p.add_argument("--explorer-sizes", default="10k,1m",
                   help="sizes at which the explorer's redraw time is measured (default 10k,1m)")
    p.add_argument("--tasks", default="",
                   help="only these tasks, comma-separated names or prefixes among floor, imports, load, check, "
                        "report csv, report full, irt, notebook (or 'notebook 03'), explorer, peer, save, stale "
                        "(default: all)")
    p.add_argument("--cache", type=Path, default=None, help="where generated data sets live (default $BENCH_CACHE "
                   "or ~/.cache/interview-bench)")
    p.add_argument("--out", type=Path, default=HERE, help="folder for RESULTS.md, results.json, scaling.png")
    p.add_argument("--quick", action="store_true", help="no notebooks, no full report, no progress bars")
    p.add_argument("--no-chart", action="store_true", help="do not render scaling.png")
    p.add_argument("--merge", action="store_true",
                   help="lay this run's figures over the existing results.json in --out (same size and task "
                        "replaced, the rest kept), so a long suite can run in pieces")
    p.add_argument("--plan", action="store_true",
                   help="print what would run and about how long it takes (from the medians in results.json), "
                        "then stop")
    p.add_argument("--smoke-interviews", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    if args.smoke_interviews:
        SIZES["smoke"] = Size("smoke", args.smoke_interviews, "per_interview")
        SIZES["smoke-bulk"] = Size("smoke-bulk", args.smoke_interviews, "bulk")
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        p.error(f"unknown size(s) {', '.join(unknown)}; expected among {', '.join(SIZES)}")
    only = [t.strip() for t in args.tasks.split(",") if t.strip()]
    bad = [t for t in only if not any(k == t or k.startswith(t) or t.startswith("notebook") for k in TASKS)]
    if bad:
        p.error(f"unknown task(s) {', '.join(bad)}; expected names or prefixes among {', '.join(TASKS)}")
    cache = args.cache or default_cache()
    per_file = [s for s in sizes if SIZES[s].layout == "per_interview"]
    plan = {"repeat": args.repeat, "repeat_slow": args.repeat_slow,
            "full_report_sizes": [s for s in args.full_report_sizes.split(",") if s],
            "notebook_sizes": [s for s in args.notebook_sizes.split(",") if s],
            "explorer_sizes": [s for s in args.explorer_sizes.split(",") if s],
            "notebook_repeat": args.notebook_repeat, "tasks": only, "save_sizes": ("1k", "100k", "smoke"),
            "stale_size": "100k" if "100k" in sizes else (per_file[-1] if per_file else None), "quick": args.quick}
    steps = plan_suite(sizes, cache, Path("<work>"), **plan)
    earlier = next((f for f in (args.out / "results.json", HERE / "results.json") if f.exists()), None)
    seconds, guessed = estimate_seconds(steps, json.loads(earlier.read_text()) if earlier else None, cache)
    print(f"{len(steps)} measurements ({sum(s.runs for s in steps)} runs); about {seconds / 60:.0f} min"
          + (f" (guessed, not measured before: {'; '.join(guessed)})" if guessed else ""), flush=True)
    if args.plan:
        for s in steps:
            print(f"  {s.size:<6} {s.task:<14} x{s.runs}  {portable(' '.join(map(str, s.cmd)))}")
        return 0
    t0 = time.perf_counter()
    results = run_suite(sizes, cache, **plan)
    results["total_seconds"] = time.perf_counter() - t0
    if args.merge and (args.out / "results.json").exists():
        results = merge_results(json.loads((args.out / "results.json").read_text()), results)
    elif (args.out / "results.json").exists():  # keep the last figure of what runs only on request
        done = {(m["size"], m["task"]) for m in results["measurements"]}
        old = json.loads((args.out / "results.json").read_text())["measurements"]
        results["measurements"] += [m for m in old if (m["size"], m["task"]) in ON_REQUEST - done and m["size"] in sizes]
    path = write_results(results, args.out, chart=not args.no_chart)
    for t in targets(results):
        verdict = "-     " if t["met"] is None else "MET   " if t["met"] else "MISSED"
        beside = f" [parse floor {t['floor']}; hand-written notebook {t['peer']}]" if t.get("issue") == 26 else ""
        print(f"{verdict} {t['target']}: {t['figure']}{beside}")
    print(f"wrote {path} in {results['total_seconds'] / 60:.1f} min")
    return 0 if all(m["ok"] for m in results["measurements"]) else 1


if __name__ == "__main__":
    sys.exit(main())
