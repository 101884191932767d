"""Two checkouts timed side by side on the same history: the full report and notebook 03 (issue 26).

    python benchmarks/side_by_side.py --before /path/to/old/checkout            # after: this checkout
    python benchmarks/side_by_side.py --before OLD --after NEW --size 10k --repeat 3 --json out.json

Each task runs as a whole process, before and after in turn (B A B A ...), so that a machine whose load
drifts during the run slows both alike; the table gives each side's median wall time of ``--repeat``
runs, the median of the paired ratios (after / before) and the 1-minute load average around the runs.
The history is the benchmark suite's (:func:`benchmarks.run.ensure_dataset`, generated into
``$BENCH_CACHE`` or ``~/.cache/interview-bench``); its parse cache is warmed first.

Tasks:

- ``report``: ``python -m analysis report --data D --out O`` (tables, every chart as PNG, SVG, PDF
  and HTML, ``index.html``), a fresh output folder per run;
- ``notebook03``: ``notebooks/03_calibration.ipynb`` of each checkout executed by papermill with
  ``data`` set to the history.

Timings belong here, not in tests (``docs/architecture.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from run import SIZES, default_cache, ensure_dataset  # noqa: E402  (benchmarks/run.py)

TASKS = ("report", "notebook03")


def _env(tree: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), TQDM_DISABLE="1")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def command(task: str, tree: Path, data: Path, work: Path) -> list[str]:
    """The command line of ``task`` for the checkout ``tree``, writing under ``work``."""
    py = sys.executable
    if task == "report":
        return [py, "-m", "analysis", "report", "--data", str(data), "--out", str(work / "report")]
    if task == "notebook03":
        nb = tree / "notebooks" / "03_calibration.ipynb"
        return [py, "-m", "papermill", str(nb), str(work / "03.out.ipynb"), "-p", "data", str(data),
                "--cwd", str(tree / "notebooks"), "--log-level", "WARNING", "--no-progress-bar", "-k", "python3"]
    raise ValueError(f"unknown task {task!r}: expected one of {', '.join(TASKS)}")


def run_once(task: str, tree: Path, data: Path) -> dict:
    """One whole-process run: wall seconds, exit code, the load average before it."""
    work = Path(tempfile.mkdtemp(prefix=f"side-{task}-"))
    try:
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        p = subprocess.run(command(task, tree, data, work), env=_env(tree), cwd=tree, capture_output=True,
                           text=True, stdin=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if p.returncode != 0:
        raise RuntimeError(f"{task} in {tree} exited {p.returncode}: {p.stderr.strip()[-800:]}")
    return {"wall": wall, "load": load}


def side_by_side(before: Path, after: Path, data: Path, tasks, repeat: int) -> list[dict]:
    rows = []
    for task in tasks:
        runs = {"before": [], "after": []}
        for _ in range(repeat):
            runs["before"].append(run_once(task, before, data))
            runs["after"].append(run_once(task, after, data))
        ratios = [a["wall"] / b["wall"] for a, b in zip(runs["after"], runs["before"])]
        loads = [r["load"] for side in runs.values() for r in side]
        rows.append({"task": task, "repeat": repeat,
                     "before_median_s": statistics.median(r["wall"] for r in runs["before"]),
                     "after_median_s": statistics.median(r["wall"] for r in runs["after"]),
                     "ratio_median": statistics.median(ratios),
                     "load_min": min(loads), "load_max": max(loads), "runs": runs})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| task | before (median s) | after (median s) | after / before (paired median) | load average |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['task']} | {r['before_median_s']:.1f} | {r['after_median_s']:.1f} | {r['ratio_median']:.2f} "
              f"| {r['load_min']:.1f}-{r['load_max']:.1f} |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", type=Path, required=True, help="the checkout to compare with")
    p.add_argument("--after", type=Path, default=ROOT, help="default: this checkout")
    p.add_argument("--size", default="10k", choices=sorted(SIZES))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--tasks", default=",".join(TASKS), help=f"among {', '.join(TASKS)}")
    p.add_argument("--json", type=Path, help="also write the runs as JSON")
    args = p.parse_args(argv)
    tasks = [t for t in args.tasks.split(",") if t]
    data, _ = ensure_dataset(SIZES[args.size], default_cache(), progress=False)
    # the parse cache warm for both sides: the tasks time the analysis, not the first parse
    subprocess.run([sys.executable, "-m", "analysis", "check", "--data", str(data)], env=_env(args.after.resolve()),
                   capture_output=True, check=False)
    rows = side_by_side(args.before.resolve(), args.after.resolve(), data, tasks, args.repeat)
    print(f"{args.size} history, {os.cpu_count()} cores, medians of {args.repeat}")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
