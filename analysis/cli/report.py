"""``python -m analysis report``: the calibration tables, every chart and a one-file report."""

from __future__ import annotations

import time

from analysis.cli._args import LEVEL_CHOICES, add_data, add_formats, add_out, int_at_least, iso_date
from analysis.errors import UsageError

NAME = "report"
HELP = "write the calibration tables, charts and a one-file report"
WRITES_OUT = True


def add_arguments(p) -> None:
    add_data(p)
    add_out(p)
    add_formats(p, "png,svg,pdf,html,csv", "comma-separated formats among png, svg, pdf, html, csv (default: "
                                           "all; csv writes the tables only, fast)")
    p.add_argument("--criterion", default="recommendation",
                   choices=["recommendation", "decision", "performance", "rest"],
                   help="what 'strong' means (default: the interviewer's recommendation)")
    p.add_argument("--level", default=None, choices=LEVEL_CHOICES, help="only this candidate level")
    p.add_argument("--start", default=None, type=iso_date, help="first interview date to include (YYYY-MM-DD)")
    p.add_argument("--end", default=None, type=iso_date, help="last interview date to include (YYYY-MM-DD)")
    p.add_argument("--n-boot", type=int_at_least(0, "0 or more resamples"), default=1000,
                   help="bootstrap resamples for the intervals (default 1000; 0 = no intervals)")
    p.add_argument("--seed", type=int_at_least(0, "a seed of 0 or more"), default=0,
                   help="random seed of the bootstrap")
    p.add_argument("--irt", action="store_true", help="add the item response theory tables and charts (slower)")


def validate(args) -> None:
    if args.start and args.end and args.start > args.end:
        raise UsageError(f"--start {args.start} is after --end {args.end}; expected start <= end")


def run(args) -> int:
    # deferred: the report's modules load pandas, scipy and the statistics; `--help` need not wait for them
    from analysis.reports.figures import BROWSER_HELP, MissingBrowserError
    from analysis.reports.report import build_report
    t0 = time.perf_counter()
    try:
        paths = build_report(args.data, out=args.out, criterion=args.criterion, level=args.level, start=args.start,
                             end=args.end, formats=args.format, n_boot=args.n_boot, seed=args.seed, irt=args.irt)
    except MissingBrowserError as exc:
        total = sum(p.stat().st_size for p in exc.paths)
        print(f"wrote {len(exc.paths)} files ({total / 1e6:.1f} MB) to {args.out}: tables, HTML charts and index.html")
        print(f"report: skipped {', '.join(exc.skipped)}: static images need Chrome or Chromium, none found. "
              f"To get them: {BROWSER_HELP}; then run the report again.")
        return 1
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files ({total / 1e6:.1f} MB) to {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0
