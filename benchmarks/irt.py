"""Fit times of the item response models (issue 12) at about 1k, 100k and 1M score rows.

Run: ``PYTHONPATH=. nice -n 10 .venv/bin/python benchmarks/irt.py [--sizes 1k,100k,1m]``.
Each size is generated with :func:`analysis.stats.demo.generate` (not timed) and fitted once with
``fit_irt(model="grm")`` (the item model alone) and once with ``rater="interviewer"`` (item model,
many-facet Rasch model, the joint many-facet GRM with its sandwich SEs, and fair abilities), with the
progress bar on (wall and CPU seconds: on a shared machine the CPU time is the steadier figure), after one untimed warm-up fit (imports and first calls cost a few seconds). Results are appended to ``benchmarks/irt_results.json`` and printed as a table.
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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1k,100k,1m")
    p.add_argument("--out", default=str(Path(__file__).with_name("irt_results.json")))
    p.add_argument("--no-rater", action="store_true", help="time only the item model")
    p.add_argument("--only-rater", action="store_true", help="time only the fit with the interviewer facet")
    args = p.parse_args(argv)
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "note": "shared machine; nice -n 10"}
    out = Path(args.out)
    runs = json.loads(out.read_text()) if out.exists() else []
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
