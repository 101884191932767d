"""CPU time of the question, topic and level tables of one calibration, in-process (issue 26).

Whole-process timings of ``report --format csv`` move by a second between runs on a shared machine;
the three separation tables are 1.5-2 CPU s of it. This loads DATA, prepares the rows once
(``calibration.prepare``), then computes the three tables as the calibration does (one
``TableInputs``, so they share its first step and whatever else the checkout shares) ``--repeat``
times, printing one JSON line: the CPU seconds (``time.process_time``) of each table per repeat, and
the process's peak RSS. Run it under each checkout in turn:

    PYTHONPATH=/old python benchmarks/separation_tables.py DATA --repeat 3
    PYTHONPATH=/new python benchmarks/separation_tables.py DATA --repeat 3
"""
import argparse
import json
import resource
import time

from analysis.io.load import load
from analysis.stats.calibration import N_BOOT, SEED, prepare, quiet
from analysis.stats.tables import TableInputs, compute_table

TABLES = ("question_stats", "topic_stats", "level_stats")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--criterion", default="recommendation")
    args = ap.parse_args()
    wb = load(args.data, progress=False)
    with quiet():
        d, fit = prepare(wb, args.criterion)
        cpu = {name: [] for name in TABLES}
        for _ in range(args.repeat):
            inputs = TableInputs(wb, d, fit, n_boot=N_BOOT, seed=SEED)
            for name in TABLES:
                t0 = time.process_time()
                compute_table(name, inputs, [])
                cpu[name].append(round(time.process_time() - t0, 3))
    total = [round(sum(cpu[n][i] for n in TABLES), 3) for i in range(args.repeat)]
    print(json.dumps({"rows": len(d), "cpu_s": cpu, "total_cpu_s": total,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))


if __name__ == "__main__":
    main()
