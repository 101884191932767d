"""``python -m analysis debrief CANDIDATE_ID``: one candidate's interviews and fair score, as HTML (and
PDF) for a hiring committee."""

from __future__ import annotations

from pathlib import Path

from analysis.cli._args import add_data, add_out
from analysis.errors import UsageError

NAME = "debrief"
HELP = "one candidate's interviews and fair score, as HTML (and PDF) for a hiring committee"
WRITES_OUT = True


def add_arguments(p) -> None:
    p.add_argument("candidate_id", metavar="CANDIDATE_ID", help="the pseudonymous candidate id")
    add_data(p)
    add_out(p)
    p.add_argument("--no-pdf", action="store_true", help="write the HTML page only")


def run(args) -> int:
    # deferred: pandas, scipy and the severity fit load for this command only
    from analysis.io.load import load
    from analysis.reports.debrief import write_debrief
    from analysis.stats.debrief import debrief
    wb = load(args.data, progress=False)
    try:
        db = debrief(wb, args.candidate_id)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    written = write_debrief(db, args.out, pdf=not args.no_pdf)
    for kind, where in written.items():
        print(f"{kind}: {where}")
    return 0 if all(isinstance(v, Path) for v in written.values()) else 1
