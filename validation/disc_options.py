"""Which discrimination interval holds its 95%? Percentile, Fisher-z normal (bootstrap SD of z) and
BCa (influence-value acceleration) from the *same* bootstrap replicates, on six cells of the grid at
300-600 interviews, against the headline discrimination on a 100,000-scorecard sample of the same
world (as in :mod:`validation.study`). 15 samples per cell, ``n_boot=200`` as in the study.

``python -m validation.disc_options`` prints the table and writes
``validation/results_disc_options.csv`` (about 10 minutes on a quiet 2-core machine).

Measured for issue 9's second pass (coverage of 360 intervals per cell):

=================  ========  =====  ==========  ======  =====
design             model     size   percentile  fisher  bca
=================  ========  =====  ==========  ======  =====
nested_loops       graded    300    0.928       0.947   0.939
sparse_heavy       graded    300    0.933       0.944   0.933
sparse_heavy       graded    600    0.964       0.961   0.953
single_interview   graded    600    0.919       0.931   0.917
panels             additive  600    0.928       0.933   0.919
selection          additive  300    0.903       0.919   0.914
=================  ========  =====  ==========  ======  =====
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd

from .study import HERE, PARAM_SEED
from .worlds import make_world, to_workbook

CELLS = [("nested_loops", "graded", 300), ("sparse_heavy", "graded", 300), ("sparse_heavy", "graded", 600),
         ("single_interview", "graded", 600), ("panels", "additive", 600), ("selection", "additive", 300)]
N_REPS = 15
INTERVALS = ("percentile", "fisher", "bca")


def main(argv=None) -> int:
    from analysis.stats import calibration
    from analysis.stats import discrimination
    from analysis.io.bank import load_questions
    bank = load_questions()
    rows = []
    default = discrimination._INTERVAL
    warnings.simplefilter("ignore")
    try:
        for d, m, n in CELLS:
            w = make_world(d, m, PARAM_SEED, bank)
            dd, _ = calibration.prepare(to_workbook(w.sample(100_000, 999_999), bank))
            est = calibration.question_stats(dd, bank, n_boot=0).set_index("question_id")["discrimination"]
            hits = {k: [] for k in INTERVALS}
            for rep in range(N_REPS):
                dd, _ = calibration.prepare(to_workbook(w.sample(n, n * 1000 + rep), bank))
                for k in INTERVALS:
                    discrimination._INTERVAL = k
                    q = calibration.question_stats(dd, bank, n_boot=200, seed=rep).set_index("question_id")
                    q = q.dropna(subset=["discrimination_low"])
                    e = est.reindex(q.index)
                    hits[k] += list((q["discrimination_low"] <= e) & (e <= q["discrimination_high"]))
            rows.append({"design": d, "model": m, "size": n, "n_intervals": len(hits["fisher"]),
                         **{k: float(np.mean(v)) for k, v in hits.items()}})
            print(rows[-1], flush=True)
    finally:
        discrimination._INTERVAL = default
    out = HERE / "results_disc_options.csv"
    pd.DataFrame(rows).round(4).to_csv(out, index=False)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
