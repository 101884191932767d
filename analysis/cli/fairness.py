"""``python -m analysis fairness``: adverse impact, differential item functioning and interviewer gaps
by self-reported group (reads ``<data>/candidates.csv``; written only on request)."""

from __future__ import annotations

from analysis import config
from analysis.cli._args import add_data, add_formats, add_out
from analysis.errors import UsageError

NAME = "fairness"
HELP = "adverse impact, DIF and interviewer gaps by self-reported group"
WRITES_OUT = True


def add_arguments(p) -> None:
    add_data(p)
    p.add_argument("--groups", metavar="FILE", default=None,
                   help="group attributes CSV (default: <data>/candidates.csv)")
    add_out(p, required=True, help="output folder for the fairness tables and charts")
    add_formats(p, "csv,png,svg,html", "comma-separated among csv, png, svg, pdf, html")
    p.add_argument("--dif-method", choices=["mh", "mantel"], default="mh",
                   help="Mantel-Haenszel on score >= 3 (ETS A/B/C, default) or Mantel's ordinal test")
    p.add_argument("--min-n", type=int, default=config.SMALL_GROUP,
                   help=f"smallest cell shown (default {config.SMALL_GROUP} candidates, the least allowed)")


def validate(args) -> None:
    if args.min_n < config.SMALL_GROUP:
        raise UsageError(f"--min-n must be at least {config.SMALL_GROUP} (smaller cells identify people); "
                         f"got {args.min_n}")


def run(args) -> int:
    from analysis.reports.fairness import fairness_report  # deferred: statsmodels and plotly, for this command only
    paths, problems = fairness_report(args.data, groups=args.groups, out=args.out, formats=args.format,
                                      method=args.dif_method, small_group=args.min_n)
    for p in problems:
        print(p)
    print(f"wrote {len(paths)} files to {args.out}; {len(problems)} problems in the groups file")
    return 0
