"""``python -m analysis irt``: fit the item response models and write ``irt_items.csv``,
``irt_interviewers.csv`` and the IRT charts."""

from __future__ import annotations

import time

from analysis.cli._args import add_data, add_formats, add_out

NAME = "irt"
HELP = "fit item response models; write irt_items.csv, irt_interviewers.csv, charts"
WRITES_OUT = True


def add_arguments(p) -> None:
    add_data(p)
    add_out(p)
    add_formats(p, "csv,html", "comma-separated among png, svg, pdf, html, csv (default: csv,html)")


def run(args) -> int:
    # deferred: pandas, scipy, plotly and the IRT modules load only when the command runs (not for --help)
    from analysis.reports.irt import write_irt
    t0 = time.perf_counter()
    paths = write_irt(args.data, args.out, formats=args.format)
    print(f"wrote {len(paths)} files to {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0
