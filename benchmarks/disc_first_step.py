"""Cost of the severity term in the discrimination intervals (issue 9, analysis.discrimination):
question, topic and level statistics with and without the fit, on one data folder.

    python -m analysis demo --data /tmp/d1m --interviews 156000 --layout bulk   # ~1M score rows
    OPENBLAS_NUM_THREADS=1 python benchmarks/disc_first_step.py /tmp/d1m

Prints the median of 4 runs of each (``severity=None`` is the interval before the change; the
branch measured 2.48-2.83 s with the term against 2.54-2.57 s on main without it, question_stats
1.03-1.12 s against 1.00-1.02 s, on a shared 2-core machine).
"""

import sys
import time
import warnings

import numpy as np


def main(folder: str, reps: int = 4) -> None:
    from analysis import calibration
    from analysis.load import load
    warnings.simplefilter("ignore")
    wb = load(folder)
    d, fit = calibration.prepare(wb)
    times = {"without": [], "with": []}
    for _ in range(reps):
        for label, sev in (("without", None), ("with", fit)):
            calibration._FIRST_STEP = None  # the first step is built inside, once per calibration
            t = time.perf_counter()
            calibration.question_stats(d, wb.questions, n_boot=1000, seed=0, severity=sev)
            calibration.group_stats(d, "topic", n_boot=1000, seed=0, severity=sev)
            calibration.level_stats(d, n_boot=1000, seed=0, severity=sev)
            times[label].append(time.perf_counter() - t)
    print(f"{len(d)} rows; question+topic+level, median of {reps}: "
          + ", ".join(f"{k} the severity term {np.median(v):.2f} s" for k, v in times.items()))


if __name__ == "__main__":
    main(sys.argv[1])
