"""The loader's whole-process timings (issue 11): ``check`` and cold/warm loads, before and after.

Each measurement is a whole process run under GNU time (``/usr/bin/time -f '%e %M'``: wall seconds
and peak RSS), repeated, median reported, alternating the code bases so a change in the machine's
load hits both alike. The parse floor (``benchmarks/floor.py``: pandas parsing the same bytes) is
measured in the same rounds. The load average is printed before and after: the machine is shared.

Usage::

    python benchmarks/load_bench.py DATA_DIR [DATA_DIR ...] [--repeat 3] [--before /path/to/old/checkout]
        [--json out.json]

With ``--phases``, each data folder is instead loaded once in this process (cold: no parse cache)
with its resident memory sampled every 5 ms and attributed to the loader's phases (reading,
parsing the pieces of a bulk file, dictionary codes, validation, the typed frame), to show where
the peak goes; Arrow's own pool peak is printed too. One process per size (``--phases`` on 10M
takes about a minute and 2.3 GB)::

    python benchmarks/load_bench.py --phases ~/.cache/interview-bench/10m-bulk-seed6

Tasks per data folder: ``floor``; ``check`` (the parse cache as it is: a per-interview folder is
warmed first); ``check --no-cache`` (cold: every file parsed); with ``--before``, the same two with
``PYTHONPATH`` pointing at the old checkout. A data folder needs ``questions.csv`` and ``scores/``
(``python -m analysis demo --data DIR --interviews 156000 --layout bulk`` or ``--interviews 100000``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _run(cmd: list[str], pythonpath: str) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    # run from the code base's root: ``python -m`` puts the working directory first on sys.path
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M", *cmd], env=env, capture_output=True, text=True,
                         cwd=pythonpath)
    if out.returncode not in (0, 1):  # check exits 1 when it finds problems
        raise RuntimeError(f"{cmd} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    wall, rss = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss)


def phases(data: str) -> None:
    """Load ``data`` cold in this process; print wall time and peak RSS per loader phase."""
    import functools
    import threading
    import time

    page = os.sysconf("SC_PAGE_SIZE")

    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * page

    state = {"phase": "other", "peak": {}, "stop": False}

    def sample() -> None:
        while not state["stop"]:
            r, p = rss(), state["phase"]
            if r > state["peak"].get(p, 0):
                state["peak"][p] = r
            time.sleep(0.005)

    sys.path.insert(0, str(REPO))
    import analysis.io._engine as E
    import analysis.io.load as L
    import analysis.io.scorecards as S
    spent: dict[str, float] = {}

    def wrap(mod, name, label):
        fn = getattr(mod, name)

        @functools.wraps(fn)
        def inner(*a, **k):
            prev, state["phase"] = state["phase"], label
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - t
                state["phase"] = prev
        setattr(mod, name, inner)

    for mod, name, label in ((L, "_read_scorecard", "read files"), (E, "_read_body", "parse (pyarrow, per piece)"),
                             (E, "encode", "dictionary-encode pieces"), (E, "unify", "unify dictionaries"),
                             (E, "batch_tables", "parse small files (batch)"), (E, "to_codes", "codes per column"),
                             (S, "_judge", "validate"), (S, "to_scorecard_frame", "typed frame"),
                             (L, "load_outcomes", "outcomes")):
        wrap(mod, name, label)
    threading.Thread(target=sample, daemon=True).start()
    base = rss()
    t0 = time.perf_counter()
    wb = L.load(data, cache=False, progress=False)
    total = time.perf_counter() - t0
    state["stop"] = True
    import pyarrow as pa
    frames = wb.scores.memory_usage(deep=True).sum()
    mb = 2 ** 20
    print(f"\n{data}: {wb.summary()}\nload {total:.1f} s; RSS before {base / mb:.0f} MB, peak "
          f"{max(state['peak'].values()) / mb:.0f} MB; scores frame {frames / mb:.0f} MB; Arrow pool peak "
          f"{pa.default_memory_pool().max_memory() / mb:.0f} MB")
    print("| phase | s (inclusive) | peak RSS MB |\n|---|---|---|")
    for label, pk in state["peak"].items():
        print(f"| {label} | {spent.get(label, float('nan')):.2f} | {pk / mb:.0f} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="+")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--phases", action="store_true", help="peak RSS per loader phase, in-process (cold load)")
    ap.add_argument("--before", help="an old checkout to compare with (its root goes on PYTHONPATH)")
    ap.add_argument("--json", help="write the raw results here")
    args = ap.parse_args(argv)
    if args.phases:
        for data in args.data:
            phases(str(Path(data).resolve()))
        return 0
    py = sys.executable
    codes = {"now": str(REPO)} | ({"before": str(Path(args.before).resolve())} if args.before else {})
    print(f"load average before: {os.getloadavg()}", flush=True)
    results = {}
    for data in map(lambda d: str(Path(d).resolve()), args.data):
        tasks = {"floor": ([py, str(HERE / "floor.py"), data], "now")}
        for code in codes:
            tasks[f"check ({code})"] = ([py, "-m", "analysis", "check", "--data", data], code)
            tasks[f"check --no-cache ({code})"] = ([py, "-m", "analysis", "check", "--no-cache", "--data", data], code)
        for code, path in codes.items():  # warm each code base's cache (an old cache format is rebuilt)
            _run([py, "-m", "analysis", "check", "--data", data], path)
        runs = {t: [] for t in tasks}
        for _ in range(args.repeat):
            for t, (cmd, code) in tasks.items():
                if t.startswith("check (") and len(codes) > 1:  # caches of two formats: re-warm this one
                    _run(cmd, codes[code])
                runs[t].append(_run(cmd, codes[code]))
        results[data] = {t: {"wall_s": statistics.median(w for w, _ in r), "rss_mb": max(m for _, m in r) / 1024,
                             "runs": r} for t, r in runs.items()}
        floor = results[data]["floor"]["wall_s"]
        print(f"\n{data}")
        print("| task | median s | x floor | peak RSS MB |\n|---|---|---|---|")
        for t, r in results[data].items():
            print(f"| {t} | {r['wall_s']:.2f} | {r['wall_s'] / floor:.1f}x | {r['rss_mb']:.0f} |")
    print(f"\nload average after: {os.getloadavg()}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
