"""The benchmark suite: one command, ``make bench`` (or ``.venv/bin/python benchmarks/run.py``).

What it does (issue 6)
----------------------
1. Generates interview histories with the demo generator (:func:`analysis.stats.demo.generate`, written
   by :func:`analysis.io.demo_folder.write_history`): 1k, 10k and 100k interviews as one file per interview
   (what the form writes), and about 1M score rows (156k interviews) as one bulk file. They are
   cached outside the repository, in ``$BENCH_CACHE`` or ``~/.cache/interview-bench``, and
   regenerated only when missing or when ``analysis/stats/demo.py`` changed.
2. Times whole processes (wall clock, and peak RSS from ``os.wait4``'s resource usage of that child),
   taking the median of ``--repeat`` runs:

   - ``check`` cold (the parse cache ``<data>/.cache`` deleted first) and warm (cache present);
   - ``report --format csv`` (warm), the full report with charts at the smaller sizes, and every
     notebook in ``notebooks/`` executed end to end by papermill on a copy with ``data`` pointing
     at the generated folder (at the smaller sizes);
   - the peer path (:mod:`benchmarks.peer`), the parse floor (:mod:`benchmarks.floor`);
   - ``analysis.io.load.load`` cold and warm in a probe process (:mod:`benchmarks.probes`), which also
     reports the size of the loaded frames (``memory_usage(deep=True)``);
   - a form save (``save_interview``, timed in-process) and the stale-cache demonstration.
3. Writes ``benchmarks/results.json``, ``benchmarks/RESULTS.md`` (figures, targets, machine) and
   ``benchmarks/scaling.png`` (log-log chart, through kaleido). The hand-written analysis between
   the ``analysis`` markers of RESULTS.md is kept across runs.

Options
-------
``--sizes 1k,10k`` runs a subset; ``--repeat N`` sets the runs per measurement (default 3);
``--repeat-slow N`` the runs of the slowest measurements: the peer path at every size, cold loads
and the parse floor at 100k and 1M (default 1, to keep a full run under 30 minutes; at 100k the peer
path runs only its ``read_csv`` loop, see :data:`PEER_READ_ONLY`); ``--quick`` (1 run, no notebooks or full
report) is what the smoke test uses. See ``--help``.

The benchmark is not part of ``make test``; ``tests/test_benchmarks_smoke.py`` only checks that
the machinery produces well-formed results on ~200 interviews.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
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

__all__ = ["Size", "SIZES", "ensure_dataset", "measure", "run_suite", "write_results", "main"]

MARK_START = "<!-- analysis:start -->"
MARK_END = "<!-- analysis:end -->"


@dataclass(frozen=True)
class Size:
    """One benchmark data set: ``n_interviews`` for the generator, and the file layout."""

    name: str
    n_interviews: int
    layout: str  # "per_interview" or "bulk"
    seed: int = 6


SIZES = {
    "1k": Size("1k", 1_000, "per_interview"),
    "10k": Size("10k", 10_000, "per_interview"),
    "100k": Size("100k", 100_000, "per_interview"),
    "1m": Size("1m", 156_000, "bulk"),  # ~6.45 rows per interview: about 1,000,000 rows
    "10m": Size("10m", 1_560_000, "bulk"),  # about 10,000,000 rows: a very large company's multi-year history
}
SLOW_SIZES = {"100k", "1m", "10m"}
#: Sizes at which the peer path runs only its per-file ``read_csv`` loop (``peer.py --stage load``,
#: task ``peer read``): what the reload target compares with. Its analysis on 100k per-interview
#: files took 10-17 minutes, half the suite's budget, and no target reads it (the report is compared
#: with the peer path on the 1M-row bulk file).
PEER_READ_ONLY = {"100k"}


def default_cache() -> Path:
    return Path(os.environ.get("BENCH_CACHE") or Path.home() / ".cache" / "interview-bench")


def _demo_hash() -> str:
    return hashlib.sha256((ROOT / "analysis" / "stats" / "demo.py").read_bytes()).hexdigest()[:16]


# ---------------------------------------------------------------- data sets

def ensure_dataset(size: Size, cache: Path, *, progress: bool = True) -> tuple[Path, dict]:
    """The generated data folder for ``size`` under ``cache``, generating it if missing or stale.

    Returns the folder and its description (``bench.json``: interviews, rows, files, bytes).
    """
    data = cache / f"{size.name}-{size.layout}-seed{size.seed}"
    marker = data / "bench.json"
    want = {"n_interviews": size.n_interviews, "layout": size.layout, "seed": size.seed, "demo": _demo_hash()}
    if marker.exists():
        try:
            info = json.loads(marker.read_text())
            if all(info.get(k) == v for k, v in want.items()):
                return data, info
        except (OSError, ValueError):
            pass
    from tqdm.auto import tqdm

    from analysis.io.demo_folder import write_history
    from analysis.stats.demo import History, generate
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    t0 = time.perf_counter()
    h = generate(size.n_interviews, seed=size.seed)
    if size.layout == "bulk":
        write_history(h, data, layout="bulk", clean=True)
    else:
        ids = h.scores["interview_id"].to_numpy()
        starts = [0] + [i for i in range(1, len(ids)) if ids[i] != ids[i - 1]]
        n_chunks = max(1, len(starts) // 5000)
        bounds = [starts[(len(starts) * k) // n_chunks] for k in range(n_chunks)] + [len(ids)]
        for k in tqdm(range(n_chunks), desc=f"writing {size.name} ({len(starts)} files)", unit="chunk",
                      disable=not progress):
            part = h.scores.iloc[bounds[k]:bounds[k + 1]]
            write_history(History(part, h.outcomes, h.planted_questions, h.planted_interviewers,
                                  h.planted_candidates), data, layout="per_interview", clean=(k == 0))
    from analysis.io.load import scorecard_files
    files = scorecard_files(data)
    info = {**want, "rows": len(h.scores), "interviews": int(h.scores["interview_id"].nunique()),
            "files": len(files), "bytes": sum(f.stat().st_size for f in files),
            "seconds_to_generate": round(time.perf_counter() - t0, 1)}
    marker.write_text(json.dumps(info, indent=1))
    return data, info


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

#: Sizes measured on a subset of the tasks only (every other size runs every task): the ~10M-row
#: history is there for its own target (report in < 60 s, peak RSS < 4 GB) and for the growth table,
#: and each of its runs takes minutes, so it is run once per task (``--repeat-slow``) and without the
#: peer path, the full report and the notebooks.
LIMITED_TASKS = {"10m": ("floor", "imports", "check cold", "load warm", "report csv")}


def _wanted(task: str, only) -> bool:
    """Whether ``task`` is among ``only`` (names or prefixes such as ``notebook`` or ``report``); all if empty."""
    return not only or any(task == o or task.startswith(o) for o in only)


def run_suite(sizes: list[str], cache: Path, *, repeat: int = 3, repeat_slow: int = 1, full_report_sizes=("1k", "10k"),
              notebook_sizes=("1k", "10k"), save_sizes=("1k", "100k"), stale_size: str | None = "100k",
              explorer_sizes=("10k", "1m"), notebook_repeat: int = 1, tasks=(), quick: bool = False,
              log=print) -> dict:
    """Run every measurement; return the results as a dict (also what ``results.json`` holds).

    ``tasks`` limits the run to these task names or prefixes (``floor``, ``imports``, ``load``,
    ``check``, ``report csv``, ``report full``, ``notebook``, ``peer``, ``explorer``, ``save``,
    ``stale``); empty runs them all.
    """
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    results: dict = {"started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                     "machine": machine(), "load_before": _loadavg(), "busy_before": _busy(),
                     "repeat": repeat, "repeat_slow": repeat_slow, "notebook_repeat": notebook_repeat,
                     "tasks": list(tasks), "datasets": {}, "measurements": [], "probes": {}}
    if quick:
        full_report_sizes, notebook_sizes = (), ()
    try:
        for name in sizes:
            size = SIZES[name]
            t_gen = time.perf_counter()
            data, info = ensure_dataset(size, cache, progress=not quick)
            results["datasets"][name] = {**info, "path": str(data)}
            log(f"[{name}] {info['interviews']} interviews, {info['rows']} rows in {info['files']} file(s) at {data}"
                f" ({time.perf_counter() - t_gen:.0f} s to find or generate)")
            slow = repeat_slow if name in SLOW_SIZES else repeat
            allowed = LIMITED_TASKS.get(name)

            def want(task, allowed=allowed):
                return _wanted(task, tasks) and (allowed is None or task in allowed)

            def add(task, cmd, n, **kw):
                if not want(task):
                    return None
                t0 = time.perf_counter()
                m = measure(cmd, n, **kw)
                m.update(size=name, task=task, rows=info["rows"], interviews=info["interviews"])
                results["measurements"].append(m)
                status = "" if m["ok"] else f"  FAILED: {m['error']}"
                med = f"{m['median_wall']:.2f} s, {m['median_rss'] / 2**20:.0f} MB" if m["median_wall"] else "-"
                log(f"  {task:<24} {med}  ({len(m['runs'])} run(s), {time.perf_counter() - t0:.0f} s){status}")
                return m

            def drop_cache(d=data):
                shutil.rmtree(d / ".cache", ignore_errors=True)

            add("floor", [_py(), str(HERE / "floor.py"), str(data)], slow if allowed else repeat)
            add("imports", [_py(), str(HERE / "probes.py"), "imports"], repeat)
            add("load cold", [_py(), str(HERE / "probes.py"), "load", str(data)], slow, setup=drop_cache)
            if name != "100k":  # at 100k a cold check is the cold load plus start-up: ~5 min saved per run
                add("check cold", [_py(), "-m", "analysis", "check", "--data", str(data)], slow, setup=drop_cache)
            # after a cold load or check: the parse cache is there
            add("load warm", [_py(), str(HERE / "probes.py"), "load", str(data)], slow if allowed else repeat)
            add("check warm", [_py(), "-m", "analysis", "check", "--data", str(data)], repeat)
            add("report csv", [_py(), "-m", "analysis", "report", "--data", str(data), "--out",
                               str(work / f"report-{name}"), "--format", "csv"], slow if allowed else repeat)
            if name in full_report_sizes:
                add("report full", [_py(), "-m", "analysis", "report", "--data", str(data), "--out",
                                    str(work / f"report-full-{name}")], repeat)
            if name in notebook_sizes:
                for nb in _notebooks():
                    add(f"notebook {nb.stem[:2]}", _notebook_cmd(nb, data, work), notebook_repeat)
            if name in explorer_sizes:
                m = add("explorer", [_py(), str(HERE / "probes.py"), "explorer", str(data)], 1)
                if m is not None:
                    results["probes"][f"explorer {name}"] = m["info"] or {"error": m["error"]}
            if name in PEER_READ_ONLY:
                add("peer read", [_py(), str(HERE / "peer.py"), str(data), "--stage", "load"], repeat_slow)
            else:
                add("peer", [_py(), str(HERE / "peer.py"), str(data), "--out", str(work / f"peer-{name}")], repeat_slow)
            if name in save_sizes and size.layout == "per_interview" and want("save"):
                m = run_once([_py(), str(HERE / "probes.py"), "save", str(data), "--n", "10" if quick else "30"])
                results["probes"][f"save {name}"] = m["info"] or {"error": m["stderr_tail"]}
                log(f"  form save                {m['info']}")
            if name == stale_size and want("stale"):
                m = run_once([_py(), str(HERE / "probes.py"), "stale", str(data)])
                results["probes"]["stale"] = {**(m["info"] or {"error": m["stderr_tail"]}), "size": name}
                log(f"  stale-cache demonstration ok={None if not m['info'] else m['info'].get('ok')}")
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
        import numpy  # noqa: F401  (threadpoolctl reports only loaded libraries)
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


# ---------------------------------------------------------------- results

def _get(results: dict, size: str, task: str):
    for m in results["measurements"]:
        if m["size"] == size and m["task"] == task:
            return m
    return None


def _wall(results, size, task):
    m = _get(results, size, task)
    return m["median_wall"] if m else None


def _fmt_s(v) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def _fmt_mb(v) -> str:
    return "-" if v is None else f"{v / 2**20:.0f}"


def _ratio(a, b) -> str:
    return "-" if not a or not b else f"{a / b:.1f}x"


def _info(results, size, task, key):
    m = _get(results, size, task)
    return m["info"].get(key) if m and m["info"] else None


def targets(results: dict) -> list[dict]:
    """Each target of issues 6 and 11 with the measured figure and whether it is met.

    Only the targets whose measurements were run appear (a subset run judges what it measured).
    """
    out = []
    ds = results["datasets"]
    if "1m" in ds:
        rep, peer, floor = (_wall(results, "1m", t) for t in ("report csv", "peer", "floor"))
        if rep and peer:
            out.append({"target": "report --format csv on ~1M rows >= 10x faster than the peer path",
                        "figure": f"{_fmt_s(rep)} s vs peer {_fmt_s(peer)} s: {peer / rep:.1f}x faster",
                        "met": peer / rep >= 10})
        if rep and floor:
            out.append({"target": "report --format csv on ~1M rows within 5x of the parse floor",
                        "figure": f"{_fmt_s(rep)} s vs floor {_fmt_s(floor)} s: {rep / floor:.1f}x the floor",
                        "met": rep / floor <= 5})
        chk = _wall(results, "1m", "check cold")
        chw = _wall(results, "1m", "check warm")
        if chk and floor:
            warm = f"; warm (parse cache present) {_fmt_s(chw)} s: {chw / floor:.1f}x" if chw else ""
            out.append({"target": "check on ~1M rows within 3x of the parse floor",
                        "figure": f"cold (no parse cache) {_fmt_s(chk)} s vs floor {_fmt_s(floor)} s: "
                                  f"{chk / floor:.1f}x{warm}",
                        "met": chk / floor <= 3})
    if "10m" in ds:
        rep = _get(results, "10m", "report csv")
        if rep and rep["median_wall"]:
            out.append({"target": "report --format csv on ~10M rows in < 60 s with peak RSS < 4 GB",
                        "figure": f"{ds['10m']['rows']:,} rows: {_fmt_s(rep['median_wall'])} s, "
                                  f"peak RSS {rep['median_rss'] / 2**30:.1f} GB",
                        "met": rep["median_wall"] < 60 and rep["median_rss"] < 4 * 2**30})
        elif rep:
            out.append({"target": "report --format csv on ~10M rows in < 60 s with peak RSS < 4 GB",
                        "figure": f"failed: {rep['error']}", "met": False})
    if "100k" in ds:
        cold = _info(results, "100k", "load cold", "t_load")
        if cold:
            whole = _wall(results, "100k", "load cold")
            out.append({"target": "cold load of 100k per-interview files < 6 s",
                        "figure": f"load() {_fmt_s(cold)} s in-process ({_fmt_s(whole)} s whole process)",
                        "met": cold < 6})
        warm = _get(results, "100k", "load warm")
        peer = _get(results, "100k", "peer") or _get(results, "100k", "peer read")
        if warm and peer and warm["info"] and peer["info"]:
            t_w, t_p = warm["info"]["t_load"], peer["info"]["t_read"]
            out.append({"target": "reload of 100k per-interview files (warm cache) >= 20x faster than a per-file pd.read_csv loop",
                        "figure": f"load() {_fmt_s(t_w)} s vs read_csv loop {_fmt_s(t_p)} s (in-process): {t_p / t_w:.1f}x",
                        "met": t_p / t_w >= 20})
    st = results["probes"].get("stale")
    if st and "ok" in st:
        out.append({"target": "the cache never serves stale data (changed or deleted file seen at the next load; damaged cache rebuilt)",
                    "figure": (f"{st['size']}: edit+delete seen: {st['edit_and_delete_seen']}; damaged cache rebuilt: "
                               f"{st['damaged_cache_rebuilt']}; mtime-preserving same-size rewrite seen: "
                               f"{st['mtime_preserving_rewrite_seen']}"),
                    "met": bool(st["ok"] and st["mtime_preserving_rewrite_seen"])})
    saves = {k: v for k, v in results["probes"].items() if k.startswith("save") and "median_s" in v}
    if saves:
        worst = max(v["median_s"] for v in saves.values())
        figs = "; ".join(f"{k.split()[1]} folder: median {v['median_s'] * 1e3:.0f} ms, max {v['max_s'] * 1e3:.0f} ms"
                         for k, v in saves.items())
        out.append({"target": "a form save is on disk in < 50 ms", "figure": figs, "met": worst < 0.050})
    explorers = {k.split()[1]: v for k, v in results["probes"].items() if k.startswith("explorer") and "steps" in v}
    if explorers:
        big = max(explorers, key=lambda s: ds[s]["rows"])
        e = explorers[big]
        out.append({"target": f"the explorer redraws in < 2 s when the criterion, level or period changes "
                              f"({ds[big]['rows']:,} rows)",
                    "figure": f"median {_fmt_s(e['median_redraw_s'])} s, slowest {_fmt_s(e['max_redraw_s'])} s "
                              f"over {sum(not s['change'].startswith('tab') for s in e['steps'])} changes"
                              + ("" if e["ok"] else " (a change ended in an error)"),
                    "met": bool(e["ok"] and e["max_redraw_s"] < 2)})
    for size in ("1m",) if "1m" in ds else ():
        lw = _get(results, size, "load warm")
        imp = _get(results, size, "imports")
        rep = _get(results, size, "report csv")
        if not (lw and lw["info"] and imp and rep and rep["median_rss"]):
            continue
        frames = lw["info"]["frames_bytes"]
        net = rep["median_rss"] - imp["median_rss"]
        out.append({"target": f"peak memory of report csv < 2x the loaded frames ({size})",
                    "figure": (f"frames {frames / 2**20:.0f} MB; report csv peak RSS {rep['median_rss'] / 2**20:.0f} MB "
                               f"({rep['median_rss'] / frames:.1f}x), above the {imp['median_rss'] / 2**20:.0f} MB of a "
                               f"process that only imports the package: {net / 2**20:.0f} MB ({net / frames:.1f}x)"),
                    "met": net / frames < 2})
    return out


def scaling_figure(results: dict):
    import plotly.graph_objects as go
    tasks = ["floor", "load warm", "check warm", "check cold", "report csv", "report full", "peer", "peer read"]
    tasks += sorted({m["task"] for m in results["measurements"] if m["task"].startswith("notebook")})
    fig = go.Figure()
    for t in tasks:
        pts = [(m["rows"], m["median_wall"]) for m in results["measurements"] if m["task"] == t and m["median_wall"]]
        if len(pts) < 1:
            continue
        pts.sort()
        fig.add_trace(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines+markers", name=t))
    fig.update_xaxes(type="log", title="score rows (1k, 10k, 100k interviews as files; ~1M and ~10M rows as one bulk file)")
    fig.update_yaxes(type="log", title="median wall time, whole process (s)")
    fig.update_layout(title="Cost growth with history size (log-log)", template="plotly_white", width=1000, height=560,
                      legend=dict(x=1.02, y=1.0, xanchor="left"))
    return fig


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def render_markdown(results: dict, chart: str | None, analysis: str) -> str:
    m = results["machine"]
    sizes = list(results["datasets"])
    tasks = []
    for x in results["measurements"]:
        if x["task"] not in tasks:
            tasks.append(x["task"])
    parts = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.py` (`make bench`); see `benchmarks/README.md` for what is measured and how.",
        f"Run {results['started']} to {results['finished']} UTC, commit `{m['git']}`, "
        f"{results['repeat']} runs per measurement (median), {results['repeat_slow']} for the peer path "
        f"(its read_csv loop alone at 100k), for the cold loads at 100k/1M and for every task at 10M, {results.get('notebook_repeat', results['repeat'])} per "
        f"notebook; the whole run took {results.get('total_seconds', 0) / 60:.1f} min"
        + (f" (tasks: {', '.join(results['tasks'])})" if results.get("tasks") else "") + ".",
        "",
        "## Machine",
        "",
        f"- {m['nproc']} cores, {m['memory']} memory, CPU `{m['cpu']}`; {m['platform']}",
        f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- BLAS: {m['blas']}; OPENBLAS_CORETYPE={m['OPENBLAS_CORETYPE']}, OPENBLAS_L2_SIZE={m['OPENBLAS_L2_SIZE']}",
        f"- Load average before / after: {results['load_before']} / {results['load_after']}. "
        "The machine is shared: other processes using CPU when the run started and ended:",
    ]
    busy = sorted(set(results.get("busy_before", []) + results.get("busy_after", [])))
    parts += [f"  - `{b}`" for b in busy] or ["  - (none above 5% CPU)"]
    if results.get("parts"):
        parts.append(f"- Run in {len(results['parts'])} parts (`--merge`), one after the other:")
        parts += [f"  - {p['started']} to {p['finished']}, commit `{p['commit']}`, sizes {', '.join(p['sizes'])}"
                  + (f", tasks {', '.join(p['tasks'])}" if p.get("tasks") else "")
                  + f": {(p.get('total_seconds') or 0) / 60:.1f} min, load average {p['load_before']} / {p['load_after']}"
                  for p in results["parts"]]
    parts += ["", "## Data sets (generated by `analysis.stats.demo`, cached outside the repo)", ""]
    parts.append(_table(["size", "layout", "interviews", "score rows", "files", "MB on disk"],
                        [[s, d["layout"], f"{d['interviews']:,}", f"{d['rows']:,}", f"{d['files']:,}",
                          f"{d['bytes'] / 1e6:.1f}"] for s, d in results["datasets"].items()]))
    parts += ["", "## Targets", ""]
    tg = targets(results)
    parts.append(_table(["target", "measured", "met?"],
                        [[t["target"], t["figure"], "**yes**" if t["met"] else "**no**"] for t in tg]) if tg
                 else "(no target applies to the sizes run)")
    parts += ["", "## Whole-process wall time, median seconds (peak RSS MB)", ""]
    rows = []
    for t in tasks:
        row = [t]
        for s in sizes:
            x = _get(results, s, t)
            row.append("-" if not x or x["median_wall"] is None else
                       f"{_fmt_s(x['median_wall'])} ({_fmt_mb(x['median_rss'])})" + ("" if x["ok"] else " FAILED"))
        rows.append(row)
    parts.append(_table(["task"] + [f"{s} ({results['datasets'][s]['rows']:,} rows)" for s in sizes], rows))
    parts += ["", "Tasks: `floor` = only pandas parsing the same bytes (benchmarks/floor.py); `imports` = a process "
              "that imports the package and exits; `load cold|warm` = `analysis.io.load.load()` without / with the parse "
              "cache (benchmarks/probes.py); `check`, `report csv` (1000 bootstrap resamples, adjusted severities), "
              "`report full` (tables, every chart as PNG/SVG/PDF/HTML, index.html) = `python -m analysis ...`; "
              "`notebook NN` = papermill on a copy of notebooks/NN_*.ipynb with `data` set; `peer` = benchmarks/peer.py.", ""]
    parts += ["## Growth with size", ""]
    gr = []
    for t in ("floor", "load warm", "check cold", "check warm", "report csv", "peer"):
        w = [_wall(results, s, t) for s in sizes]
        per = ["-" if v is None else f"{v / results['datasets'][s]['rows'] * 1e6:.1f}" for v, s in zip(w, sizes)]
        gr.append([t] + per)
    parts.append("Microseconds per score row (whole process, so the fixed start-up cost dominates the small sizes):")
    parts += ["", _table(["task"] + sizes, gr), ""]
    ratio_rows = []
    for s in sizes:
        ratio_rows.append([s, _ratio(_wall(results, s, "peer"), _wall(results, s, "report csv")),
                           _ratio(_wall(results, s, "report csv"), _wall(results, s, "floor")),
                           _ratio(_wall(results, s, "check warm"), _wall(results, s, "floor"))])
    parts += ["Ratios:", "", _table(["size", "peer / report csv", "report csv / floor", "check warm / floor"], ratio_rows), ""]
    # growth exponent b in time ~ rows^b between successive sizes of the same layout (a ratio of whole
    # processes, so start-up flattens it at the small sizes; b near 1 is linear)
    ex_rows = []
    for lay in ("per_interview", "bulk"):
        same = [x for x in sizes if results["datasets"][x]["layout"] == lay]
        for lo, hi in zip(same, same[1:]):
            row = [f"{lo} -> {hi} ({lay.replace('_', '-')})"]
            for t in ("floor", "check cold", "load warm", "report csv"):
                a, b = _wall(results, lo, t), _wall(results, hi, t)
                ra, rb = results["datasets"][lo]["rows"], results["datasets"][hi]["rows"]
                row.append("-" if not a or not b else f"{math.log(b / a) / math.log(rb / ra):.2f}")
            ex_rows.append(row)
    if ex_rows:
        parts += ["Growth exponent b (wall time ~ rows^b) between successive sizes of one layout:", "",
                  _table(["sizes", "floor", "check cold", "load warm", "report csv"], ex_rows), ""]
    if chart:
        parts += [f"![Log-log chart of median wall time against score rows]({chart})", ""]
    # reload, probes
    parts += ["## Reload and the parse cache", ""]
    rl = []
    for s in sizes:
        c, w, p = (_get(results, s, t) for t in ("load cold", "load warm", "peer"))
        p = p or _get(results, s, "peer read")
        tc = c["info"]["t_load"] if c and c["info"] else None
        tw = w["info"]["t_load"] if w and w["info"] else None
        tp = p["info"]["t_read"] if p and p["info"] else None
        rl.append([s, _fmt_s(tc), _fmt_s(tw), _fmt_s(tp), _ratio(tp, tw), _ratio(tc, tw)])
    parts.append(_table(["size", "load() cold s", "load() warm s", "read_csv loop s (peer)", "loop / warm", "cold / warm"], rl))
    parts += ["", "In-process seconds: `load()` timed inside the probe process, the `read_csv` loop (plus `pd.concat`) "
              "timed inside the peer process; neither includes interpreter start-up.", ""]
    st = results["probes"].get("stale")
    if st and "ok" in st:
        parts += [f"Stale-data check on the {st['size']} folder (benchmarks/probes.py `stale`): one file rewritten with the "
                  f"same size ({st['file_changed']}), one deleted ({st['file_deleted']}).", "",
                  _table(["step", "rows", "files", "score sum", "as expected?"], [
                      ["before", *(str(st["before"][k]) for k in ("rows", "files", "score_sum")), "-"],
                      ["edit + delete", *(str(st["after_edit_and_delete"][k]) for k in ("rows", "files", "score_sum")),
                       str(st["edit_and_delete_seen"])],
                      ["cache file damaged", *(str(st["after_damaged_cache"][k]) for k in ("rows", "files", "score_sum")),
                       str(st["damaged_cache_rebuilt"])],
                      ["same-size rewrite, mtime put back", *(str(st["after_mtime_preserving_rewrite"][k])
                                                              for k in ("rows", "files", "score_sum")),
                       str(st["mtime_preserving_rewrite_seen"])],
                      ["restored", *(str(st["restored"][k]) for k in ("rows", "files", "score_sum")), str(st["restored_equal"])],
                  ]), ""]
    saves = {k: v for k, v in results["probes"].items() if k.startswith("save")}
    if saves:
        parts += ["## Form save", "", "`analysis.io.store.save_interview` of one 7-question interview, timed in-process with "
                  "`time.perf_counter` around the call (validation, atomic write, fsync of file and folder), bank passed "
                  "in as the form does; each file removed again afterwards.", ""]
        parts.append(_table(["folder", "saves", "median ms", "max ms", "first ms", "files in folder"],
                            [[k.split()[1], str(v.get("n")), f"{v['median_s'] * 1e3:.1f}", f"{v['max_s'] * 1e3:.1f}",
                              f"{v['first_s'] * 1e3:.1f}", f"{v['files_in_folder']:,}"] for k, v in saves.items() if "median_s" in v]))
        parts.append("")
    explorers = {k.split()[1]: v for k, v in results["probes"].items() if k.startswith("explorer") and "steps" in v}
    if explorers:
        parts += ["## Explorer interactivity", "",
                  "`analysis.widgets.explorer.CalibrationExplorer` driven in-process (benchmarks/probes.py `explorer`): each "
                  "change sets a widget's value, whose handler computes what the open tab needs (200 bootstrap resamples, "
                  "the explorer's default; a criterion change reuses the slice's severity fit and its criterion-free "
                  "tables, a recent slice is kept) and redraws the open chart before the call returns; a tab change "
                  "computes that tab's tables if they are not computed yet. Seconds per change:", ""]
        changes = []
        for v in explorers.values():
            for st in v["steps"]:
                if st["change"] not in changes:
                    changes.append(st["change"])
        rows = [["load (once)"] + [_fmt_s(v["t_load"]) for v in explorers.values()],
                ["build + first computation (once)"] + [_fmt_s(v["t_first"]) for v in explorers.values()]]
        for c in changes:
            row = [c]
            for v in explorers.values():
                st = next((x for x in v["steps"] if x["change"] == c), None)
                row.append("-" if st is None else _fmt_s(st["seconds"]) + ("" if st["error"] is None else " (error)"))
            rows.append(row)
        parts.append(_table(["step"] + [f"{s} ({results['datasets'][s]['rows']:,} rows)" for s in explorers], rows))
        parts.append("")
    parts += ["## Memory", ""]
    mem = []
    for s in sizes:
        lw, imp, rep, chk = (_get(results, s, t) for t in ("load warm", "imports", "report csv", "check warm"))
        if not (lw and lw["info"] and imp):
            continue
        fb = lw["info"]["frames_bytes"]
        mem.append([s, f"{fb / 2**20:.1f}", _fmt_mb(imp["median_rss"]), _fmt_mb(lw["median_rss"]),
                    _fmt_mb(chk and chk["median_rss"]), _fmt_mb(rep and rep["median_rss"]),
                    f"{(rep['median_rss'] - imp['median_rss']) / fb:.1f}x" if rep and rep["median_rss"] else "-"])
    parts.append(_table(["size", "loaded frames MB (deep)", "imports-only RSS MB", "load RSS MB", "check RSS MB",
                         "report csv RSS MB", "(report - imports) / frames"], mem))
    parts += ["", "## Analysis", "", MARK_START, analysis.strip() or "(not written yet)", MARK_END, "",
              "## How to rerun", "", "```", "make bench                                   # everything",
              ".venv/bin/python benchmarks/run.py --sizes 1k,10k --repeat 3",
              ".venv/bin/python benchmarks/run.py --sizes 1m --tasks floor,report,peer   # one comparison",
              "BENCH_CACHE=/big/disk .venv/bin/python benchmarks/run.py   # where the generated data goes",
              "```", ""]
    return "\n".join(parts)


def _part(results: dict) -> dict:
    return {k: results.get(k) for k in ("started", "finished", "load_before", "load_after", "total_seconds", "tasks")} | {
        "sizes": list(results["datasets"]), "commit": results["machine"]["git"]}


def merge_results(old: dict, new: dict) -> dict:
    """``new`` laid over ``old`` (``--merge``): a measurement of the same size and task, a probe or a data
    set of the same name is replaced, everything else kept; the parts (when, what, commit, load average)
    are listed so RESULTS.md says how the figures were gathered. Lets a long suite run in pieces."""
    keys = {(m["size"], m["task"]) for m in new["measurements"]}
    merged = dict(new)
    merged["parts"] = (old.get("parts") or [_part(old)]) + [_part(new)]
    datasets = {**old["datasets"], **new["datasets"]}
    merged["datasets"] = dict(sorted(datasets.items(), key=lambda kv: kv[1]["rows"]))
    merged["measurements"] = [m for m in old["measurements"] if (m["size"], m["task"]) not in keys] + new["measurements"]
    merged["probes"] = {**old["probes"], **new["probes"]}
    merged["started"] = min(old["started"], new["started"])
    merged["load_before"] = old["load_before"]
    merged["busy_before"] = sorted(set(old.get("busy_before", []) + old.get("busy_after", []) + new.get("busy_before", [])))
    merged["total_seconds"] = sum(p.get("total_seconds") or 0 for p in merged["parts"])
    merged["tasks"] = []
    return merged


def write_results(results: dict, out_dir: Path, *, chart: bool = True) -> Path:
    """Write ``results.json``, ``scaling.png`` (if ``chart``) and ``RESULTS.md`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=1, default=str))
    md_path = out_dir / "RESULTS.md"
    analysis = ""
    if md_path.exists():
        text = md_path.read_text()
        if MARK_START in text and MARK_END in text:
            analysis = text.split(MARK_START, 1)[1].split(MARK_END, 1)[0]
    chart_name = None
    if chart:
        try:
            scaling_figure(results).write_image(str(out_dir / "scaling.png"), scale=1)
            chart_name = "scaling.png"
        except Exception as exc:  # no Chromium: the figures still get written
            print(f"scaling chart not written: {exc}", file=sys.stderr)
    md_path.write_text(render_markdown(results, chart_name, analysis))
    return md_path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Benchmark the workbook against the peer path and the parse floor (issue 6).")
    p.add_argument("--sizes", default="1k,10k,100k,1m,10m",
                   help="comma-separated among 1k,10k,100k,1m,10m (default: all; 10m is ~10M rows, ~800 MB, "
                        "generated once in about 3-5 minutes)")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement, median reported (default 3)")
    p.add_argument("--repeat-slow", type=int, default=1,
                   help="runs of the peer path (every size) and of cold loads at 100k and 1m (default 1)")
    p.add_argument("--full-report-sizes", default="1k,10k", help="sizes at which the full report with charts runs")
    p.add_argument("--notebook-sizes", default="1k,10k", help="sizes at which the notebooks run")
    p.add_argument("--notebook-repeat", type=int, default=1, help="runs per notebook (default 1)")
    p.add_argument("--explorer-sizes", default="10k,1m",
                   help="sizes at which the explorer's redraw time is measured (default 10k,1m)")
    p.add_argument("--tasks", default="",
                   help="only these tasks, comma-separated names or prefixes among floor, imports, load, check, "
                        "report csv, report full, notebook, explorer, peer, save, stale (default: all)")
    p.add_argument("--cache", type=Path, default=None, help="where generated data sets live (default $BENCH_CACHE "
                   "or ~/.cache/interview-bench)")
    p.add_argument("--out", type=Path, default=HERE, help="folder for RESULTS.md, results.json, scaling.png")
    p.add_argument("--quick", action="store_true", help="no notebooks, no full report, no progress bars")
    p.add_argument("--no-chart", action="store_true", help="do not render scaling.png")
    p.add_argument("--merge", action="store_true",
                   help="lay this run's figures over the existing results.json in --out (same size and task "
                        "replaced, the rest kept), so a long suite can run in pieces")
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
    known = ("floor", "imports", "load cold", "load warm", "check cold", "check warm", "report csv", "report full",
             "notebook", "explorer", "peer", "save", "stale")
    bad = [t for t in only if not any(k == t or k.startswith(t) or t.startswith("notebook") for k in known)]
    if bad:
        p.error(f"unknown task(s) {', '.join(bad)}; expected names or prefixes among {', '.join(known)}")
    cache = args.cache or default_cache()
    per_file = [s for s in sizes if SIZES[s].layout == "per_interview"]
    stale = "100k" if "100k" in sizes else (per_file[-1] if per_file else None)
    t0 = time.perf_counter()
    results = run_suite(sizes, cache, repeat=args.repeat, repeat_slow=args.repeat_slow,
                        full_report_sizes=[s for s in args.full_report_sizes.split(",") if s],
                        notebook_sizes=[s for s in args.notebook_sizes.split(",") if s],
                        explorer_sizes=[s for s in args.explorer_sizes.split(",") if s],
                        notebook_repeat=args.notebook_repeat,
                        tasks=only,
                        save_sizes=("1k", "100k", "smoke"), stale_size=stale,
                        quick=args.quick)
    results["total_seconds"] = time.perf_counter() - t0
    if args.merge and (args.out / "results.json").exists():
        results = merge_results(json.loads((args.out / "results.json").read_text()), results)
    path = write_results(results, args.out, chart=not args.no_chart)
    for t in targets(results):
        print(f"{'MET   ' if t['met'] else 'MISSED'} {t['target']}: {t['figure']}")
    print(f"wrote {path} in {results['total_seconds'] / 60:.1f} min")
    return 0 if all(m["ok"] for m in results["measurements"]) else 1


if __name__ == "__main__":
    sys.exit(main())
