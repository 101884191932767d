"""Time ``python -m analysis import greenhouse`` on a generated export (issue 13).

    .venv/bin/python benchmarks/import_bench.py [--records 500] [--repeat 1]

Generates N Greenhouse scorecards (5 rated attributes each, one in five ``mixed``), imports them
into a fresh temporary data folder, then imports the same file again (nothing is added), each as a
whole process. Prints wall time and CPU time (user + system of the child): on a shared machine the
CPU time is the steadier figure, the wall time includes waiting for ``fsync`` (one per scorecard
file and one per folder, the store's durability). Writes nothing into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = ["sr-fault-tolerance-dr", "sr-cost-optimisation", "sr-secure-environment", "sr-network-topology",
             "sr-observability"]


def export(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    return [{"id": 100000 + i, "candidate_id": i // 3, "interview": "Senior onsite",
             "interviewed_at": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
             "interviewer": {"name": f"Interviewer {i % 20}"},
             "overall_recommendation": rng.choice(["definitely_not", "no", "yes", "strong_yes"]),
             "attributes": [{"name": q, "type": "Skills", "note": "<p>ok</p>",
                             "rating": rng.choice(["definitely_not", "no", "yes", "strong_yes", "mixed"])}
                            for q in QUESTIONS],
             "questions": []} for i in range(n)]


def timed(args: list[str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stdout.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        f = tmp / "scorecards.json"
        f.write_text(json.dumps(export(args.records)))
        for r in range(args.repeat):
            data = tmp / f"data{r}"
            (data / "scores").mkdir(parents=True)
            shutil.copyfile(REPO / "data" / "questions.csv", data / "questions.csv")
            cmd = ["import", "greenhouse", str(f), "--data", str(data), "--level", "senior"]
            for label in ("first import", "second import"):
                wall, cpu, summary = timed(cmd)
                print(f"{args.records} records, {label}: wall {wall:.1f} s, cpu {cpu:.1f} s "
                      f"({1000 * cpu / args.records:.1f} ms cpu/record): {summary}")


if __name__ == "__main__":
    main()
