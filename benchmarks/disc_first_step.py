"""Cost of the severity term in the discrimination intervals (issue 9, analysis.stats.discrimination):
question, topic and level statistics with and without the fit, on one data folder.

    python -m analysis demo --data /tmp/d1m --interviews 156000 --layout bulk   # ~1M score rows
    OPENBLAS_NUM_THREADS=1 python benchmarks/disc_first_step.py /tmp/d1m

Prints the median of 4 runs of each: ``without`` (``severity=None``, the interval before issue 9),
``with`` (the first step built once, ``calibration.severity_first_step``, and passed to the three
tables, as ``calibrate`` does), ``with, built per table`` (each table given the fit, so each builds
its own step), and ``step`` (building the step alone). The first branch measured 2.48-2.83 s with the
term against 2.54-2.57 s on main without it, question_stats 1.03-1.12 s against 1.00-1.02 s, on a
shared 2-core machine. With the step built once per calibration (session 5), on 1,005,774 rows:
without 2.53 s, with 2.87 s, built per table 2.98 s, the step alone 0.04 s (it was 0.08 s when it
also recomputed the rest score to tell the criterion).
"""

import sys
import time
import warnings

import numpy as np


def main(folder: str, reps: int = 4) -> None:
    from analysis.stats import calibration
    from analysis.io.load import load
    warnings.simplefilter("ignore")
    wb = load(folder)
    d, fit = calibration.prepare(wb)

    def tables(sev):
        calibration.question_stats(d, wb.questions, n_boot=1000, seed=0, severity=sev)
        calibration.group_stats(d, "topic", n_boot=1000, seed=0, severity=sev)
        calibration.level_stats(d, n_boot=1000, seed=0, severity=sev)

    runs = {"without": lambda: tables(None),
            "with": lambda: tables(calibration.severity_first_step(d, fit)),
            "with, built per table": lambda: tables(fit),
            "step": lambda: calibration.severity_first_step(d, fit)}
    times = {k: [] for k in runs}
    for _ in range(reps):
        for label, run in runs.items():
            t = time.perf_counter()
            run()
            times[label].append(time.perf_counter() - t)
    print(f"{len(d)} rows; question+topic+level, median of {reps}: "
          + ", ".join(f"{k} {np.median(v):.2f} s" for k, v in times.items()))


if __name__ == "__main__":
    main(sys.argv[1])
