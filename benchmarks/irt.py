"""Fit times of the item response models (issue 12) at about 1k, 100k and 1M score rows.

Run: ``PYTHONPATH=. nice -n 10 .venv/bin/python benchmarks/irt.py [--sizes 1k,100k,1m]``.
Each size is generated with :func:`analysis.stats.demo.generate` (not timed) and fitted once with
``fit_irt(model="grm")`` (the item model alone) and once with ``rater="interviewer"`` (item model,
many-facet Rasch model, the joint many-facet GRM with its sandwich SEs, and fair abilities), with the
progress bar on (wall and CPU seconds: on a shared machine the CPU time is the steadier figure), after one untimed warm-up fit (imports and first calls cost a few seconds). Results are appended to ``benchmarks/irt_results.json`` and printed as a table.

``--command`` times the whole ``python -m analysis irt`` instead (the issue 26 target: load, the three
fits, drift by quarter, verdicts, charts) on the benchmark suite's bulk histories
(:func:`benchmarks.datasets.ensure_dataset`: about 100k and 1M score rows), ``--runs`` times each (median),
with peak RSS from GNU time (:func:`benchmarks.run.run_once`) and the 1-minute load average before each
run. ``--baseline DIR`` (a checkout of the code to compare with, e.g. ``git worktree add /tmp/base
main``) runs that code in turn with this one (after, before, after, before, ...), so both see the
same machine. The suite itself (``benchmarks/run.py``, task ``irt``) times the same command at every
size from 1k interviews to ~10M rows for RESULTS.md, its targets table and the scaling chart; this
script is for a before/after comparison of two checkouts and for the fits alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from analysis.stats.demo import generate
from analysis.stats.irt import fit_irt

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
ROWS_PER_INTERVIEW = 6.45  # the demo's average (six questions, half the time a seventh, shadows)


def time_command(sizes, runs: int, baseline: str | None) -> list[dict]:
    """Median wall seconds and peak RSS of ``python -m analysis irt`` per size (and per code tree)."""
    import statistics
    import sys
    import tempfile

    from benchmarks.datasets import SIZES as SUITE_SIZES
    from benchmarks.datasets import Size, default_cache, ensure_dataset
    from benchmarks.run import run_once

    datasets = {"100k": Size("100krows", 15_500, "bulk"), "1m": SUITE_SIZES["1m"]}
    trees = {"after": Path(__file__).resolve().parent.parent}
    if baseline:
        trees["before"] = Path(baseline).resolve()
    out = []
    for name in sizes:
        data, info = ensure_dataset(datasets[name], default_cache(), progress=False)
        runs_of = {label: [] for label in trees}
        for _ in range(runs):
            for label, tree in trees.items():
                with tempfile.TemporaryDirectory() as tmp:        # cwd outside both trees: -m finds PYTHONPATH's
                    cmd = ["env", f"PYTHONPATH={tree}", sys.executable, "-m", "analysis", "irt", "--data", str(data),
                           "--out", str(Path(tmp) / "out")]
                    load = os.getloadavg()[0]
                    r = run_once(cmd, cwd=Path(tmp))
                if r["rc"] != 0:
                    raise SystemExit(f"{label} failed at {name}: {r['stderr_tail'] or r['stdout_tail']}")
                runs_of[label].append({"wall": round(r["wall"], 1), "peak_mib": round(r["rss"] / 2 ** 20),
                                       "load_average_1min": round(load, 1)})
                print(json.dumps({"size": name, "code": label, **runs_of[label][-1]}), flush=True)
        for label, rs in runs_of.items():
            out.append({"size": name, "rows": info["rows"], "code": label, "command": "python -m analysis irt",
                        "median_seconds": statistics.median(r["wall"] for r in rs),
                        "median_peak_mib": statistics.median(r["peak_mib"] for r in rs), "runs": rs})
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1k,100k,1m")
    p.add_argument("--out", default=str(Path(__file__).with_name("irt_results.json")))
    p.add_argument("--no-rater", action="store_true", help="time only the item model")
    p.add_argument("--only-rater", action="store_true", help="time only the fit with the interviewer facet")
    p.add_argument("--command", action="store_true", help="time the whole `python -m analysis irt` (sizes 100k, 1m)")
    p.add_argument("--runs", type=int, default=3, help="runs per size and code tree with --command (median)")
    p.add_argument("--baseline", help="with --command: a checkout of the code to time in turn with this one")
    args = p.parse_args(argv)
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "note": "shared machine; nice -n 10"}
    out = Path(args.out)
    runs = json.loads(out.read_text()) if out.exists() else []
    if args.command:
        sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip().lower() in ("100k", "1m")]
        meta["note"] = "shared machine; whole process (python -m analysis irt), median of runs, peak RSS by GNU time"
        runs.append({"meta": meta, "results": time_command(sizes, args.runs, args.baseline)})
        out.write_text(json.dumps(runs, indent=1))
        return 0
    run = {"meta": meta, "results": []}
    runs.append(run)
    results = run["results"]
    fit_irt(generate(150, seed=2).scores, rater="interviewer", progress=False)  # warm-up: imports, first calls
    for name in args.sizes.split(","):
        n_rows = SIZES[name.strip().lower()]
        h = generate(max(20, int(n_rows / ROWS_PER_INTERVIEW)), seed=1)
        rows = len(h.scores)
        for rater in ([None] if args.no_rater else ["interviewer"] if args.only_rater else [None, "interviewer"]):
            t0, c0 = time.perf_counter(), time.process_time()
            fit = fit_irt(h.scores, rater=rater, progress=True)
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            r = {"size": name, "rows": rows, "interviews": int(h.scores["interview_id"].nunique()),
                 "candidates": int(h.scores["candidate_id"].nunique()), "rater": rater or "none",
                 "seconds": round(dt, 1), "cpu_seconds": round(cpu, 1), "loglik": round(fit.loglik, 1),
                 "joint_loglik": round(fit.joint_loglik, 1) if fit.joint_loglik == fit.joint_loglik else None,
                 "notes": len(fit.notes),
                 "load_average_1min": round(os.getloadavg()[0], 1)}
            results.append(r)
            out.write_text(json.dumps(runs, indent=1))       # after every fit, so a long run keeps its results
            print(json.dumps(r), flush=True)
    print(f"{'size':>5} {'rows':>9} {'rater':>12} {'seconds':>8} {'cpu s':>8}")
    for r in results:
        print(f"{r['size']:>5} {r['rows']:>9} {r['rater']:>12} {r['seconds']:>8} {r['cpu_seconds']:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
