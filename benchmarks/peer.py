"""The peer path: what a hiring analyst would write by hand in a notebook.

This is the yardstick the workbook is measured against (issue 6). It is written the way a
competent analyst writes it the first time, on purpose without the workbook's machinery:

1. read every scorecard with ``pd.read_csv`` (one call per file for a folder of per-interview
   files; one call for a bulk file) and ``pd.concat`` them;
2. per question, a ``groupby(...).apply`` computing scikit-learn's ``roc_auc_score`` of the score
   against "strong" (the interviewer recommended yes / strong_yes) and an item-rest correlation
   (the score against the mean of the same interview's other questions);
3. interviewer severity from an additive model ``score = mu + candidate + question + interviewer``
   fitted by alternating least squares (backfitting group means of the residual until the effects
   move less than 1e-4 points, at most 100 sweeps);
4. no confidence intervals, no validation, no per-level centring; two CSV tables written.

It is deliberately a fair, not a straw-man, analyst: vectorised pandas, no Python loop over rows.

Usage::

    python benchmarks/peer.py DATA_DIR [--out DIR] [--stage all|load]

``--stage load`` stops after step 1 (the per-file ``read_csv`` loop the reload target is
measured against). Prints one JSON line with what it did.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

__all__ = ["read_all", "question_table", "severity_als", "main"]


def _csv_files(data: Path) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(data / "scores"):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files += [Path(dirpath, f) for f in filenames if f.endswith(".csv") and not f.startswith(".")]
    return sorted(files)


def read_all(data: Path) -> pd.DataFrame:
    """Step 1: ``pd.read_csv`` per file, then one ``pd.concat``."""
    frames = [pd.read_csv(f) for f in _csv_files(data)]
    return pd.concat(frames, ignore_index=True)


def question_table(df: pd.DataFrame) -> pd.DataFrame:
    """Step 2: per question AUC (scikit-learn) and item-rest correlation, by groupby-apply."""
    df = df.copy()
    df["strong"] = df["recommendation"].isin(["yes", "strong_yes"]).astype(int)
    g = df.groupby("interview_id")["score"]
    total, count = g.transform("sum"), g.transform("count")
    df["rest"] = (total - df["score"]) / (count - 1)

    def per_question(q: pd.DataFrame) -> pd.Series:
        auc = roc_auc_score(q["strong"], q["score"]) if q["strong"].nunique() == 2 else np.nan
        return pd.Series({"n": len(q), "mean": q["score"].mean(), "auc": auc,
                          "item_rest_r": q["score"].corr(q["rest"])})

    return df.groupby("question_id").apply(per_question, include_groups=False).reset_index()


def severity_als(df: pd.DataFrame, *, max_iter: int = 100, tol: float = 1e-4) -> tuple[pd.DataFrame, int]:
    """Step 3: ``score = mu + candidate + question + interviewer`` by alternating least squares.

    Returns the interviewers' severity (minus their effect: positive = harsher) and the sweeps used.
    """
    y = df["score"].astype(float)
    mu = y.mean()
    effects = {col: pd.Series(0.0, index=df.index) for col in ("candidate_id", "question_id", "interviewer")}
    sweeps = 0
    for sweeps in range(1, max_iter + 1):
        moved = 0.0
        for col in effects:
            others = sum(e for c, e in effects.items() if c != col)
            new = (y - mu - others).groupby(df[col]).transform("mean")
            moved = max(moved, float((new - effects[col]).abs().max()))
            effects[col] = new
        if moved < tol:
            break
    per = effects["interviewer"].groupby(df["interviewer"]).first()
    sev = -(per - per.mean())
    out = pd.DataFrame({"interviewer": sev.index, "severity": sev.to_numpy(),
                        "n_rows": df.groupby("interviewer").size().reindex(sev.index).to_numpy()})
    return out, sweeps


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", type=Path)
    p.add_argument("--out", type=Path, default=None, help="folder for the two CSV tables (default: a temporary one)")
    p.add_argument("--stage", choices=["all", "load"], default="all")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    df = read_all(args.data)
    info = {"rows": len(df), "files": len(_csv_files(args.data)), "t_read": time.perf_counter() - t0}
    if args.stage == "all":
        t1 = time.perf_counter()
        qt = question_table(df)
        t2 = time.perf_counter()
        sev, sweeps = severity_als(df)
        t3 = time.perf_counter()
        out = args.out or Path(tempfile.mkdtemp(prefix="peer-"))
        out.mkdir(parents=True, exist_ok=True)
        qt.to_csv(out / "question_stats.csv", index=False)
        sev.to_csv(out / "interviewer_severity.csv", index=False)
        info.update(questions=len(qt), interviewers=len(sev), als_sweeps=sweeps, t_questions=t2 - t1,
                    t_severity=t3 - t2)
    info["t_total"] = time.perf_counter() - t0
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    from analysis._process import exit_now  # ends without pyarrow's teardown (see its docstring)
    exit_now(main())
