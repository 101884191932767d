"""The command line: ``python -m analysis <command> [--data DIR]``.

Commands
--------
check
    Validate a data folder: print each problem as ``path:line: message`` and a summary line
    ``loaded N rows from M interviews in K files; P problems``; exit 1 when there are problems.
report
    Write the calibration tables (and, with the export work, charts and ``index.html``).
demo
    Generate a synthetic history with planted truth into a data folder.
fairness
    Adverse impact, differential item functioning and interviewer gaps by self-reported group
    (reads ``<data>/candidates.csv``; written only on request).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main", "build_parser"]


def _add_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", default=None,
                   help="data folder holding questions.csv, scores/ and optionally outcomes.csv "
                        "(default: the repo's data/, or $INTERVIEW_DATA)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis",
                                     description="Interview calibration workbook: check data, write reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="validate the question bank, every scorecard and the outcomes")
    _add_data(p)
    p.add_argument("--no-cache", action="store_true", help="ignore the parse cache in <data>/.cache")

    p = sub.add_parser("report", help="write the calibration tables, charts and a one-file report")
    _add_data(p)
    p.add_argument("--out", metavar="DIR", default="reports", help="output folder (default: reports/)")
    p.add_argument("--format", default="png,svg,pdf,html,csv",
                   help="comma-separated formats among png, svg, pdf, html, csv (default: all; "
                        "csv writes the tables only, fast)")
    p.add_argument("--criterion", default="recommendation",
                   choices=["recommendation", "decision", "performance", "rest"],
                   help="what 'strong' means (default: the interviewer's recommendation)")
    p.add_argument("--level", default=None, choices=["junior", "mid", "senior"], help="only this candidate level")
    p.add_argument("--start", default=None, help="first interview date to include (YYYY-MM-DD)")
    p.add_argument("--end", default=None, help="last interview date to include (YYYY-MM-DD)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples for the intervals (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the bootstrap")

    p = sub.add_parser("demo", help="generate a synthetic history with planted truth")
    p.add_argument("--data", metavar="DIR", required=True, help="folder to write")
    p.add_argument("--interviews", type=int, default=400)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--layout", choices=["per_interview", "bulk"], default="per_interview")
    p.add_argument("--groups", action="store_true", help="also plant group attributes and group effects")

    p = sub.add_parser("fairness", help="adverse impact, DIF and interviewer gaps by self-reported group")
    _add_data(p)
    p.add_argument("--groups", metavar="FILE", default=None,
                   help="group attributes CSV (default: <data>/candidates.csv)")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder for the fairness tables and charts")
    p.add_argument("--format", default="csv,png,svg,html", help="comma-separated among csv, png, svg, pdf, html")
    p.add_argument("--dif-method", choices=["mh", "mantel"], default="mh",
                   help="Mantel-Haenszel on score >= 3 (ETS A/B/C, default) or Mantel's ordinal test")
    p.add_argument("--min-n", type=int, default=5, help="smallest cell shown (default 5 candidates)")
    return parser


def _check(args) -> int:
    from .errors import WorkbookError
    from .load import load
    try:
        wb = load(args.data, cache=not args.no_cache)
    except WorkbookError as exc:
        print(exc)
        print("loaded 0 rows from 0 interviews in 0 files; "
              f"{len(getattr(exc, 'problems', [None]))} problems")
        return 1
    for p in wb.problems:
        print(p)
    print(wb.summary())
    return 1 if wb.problems else 0


def _report(args) -> int:
    from .report import run_report
    return run_report(args)


def _demo(args) -> int:
    from .demo import generate, write_history
    h = generate(args.interviews, seed=args.seed, groups=args.groups)
    out = write_history(h, args.data, layout=args.layout, clean=True)
    print(f"wrote {h.scores['interview_id'].nunique()} interviews ({len(h.scores)} rows) to {Path(out) / 'scores'}")
    return 0


def _fairness(args) -> int:
    from .fairness import run_fairness
    if args.min_n < 5:
        print("fairness: --min-n must be at least 5 (smaller cells identify people)", file=sys.stderr)
        return 2
    return run_fairness(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"check": _check, "report": _report, "demo": _demo, "fairness": _fairness}[args.command]
    try:
        return handler(args)
    except BrokenPipeError:
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
