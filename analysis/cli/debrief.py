"""``python -m analysis debrief CANDIDATE_ID``: one candidate's interviews and fair score, as HTML (and
PDF) for a hiring committee. ``python -m analysis debrief --list`` lists the candidate ids to choose
from (pseudonymous id, level, interviews, latest interview date) and writes nothing."""

from __future__ import annotations

from pathlib import Path

from analysis._text import CONTROL_CHARS, clean_text
from analysis.cli._args import add_data, add_out
from analysis.errors import UsageError

NAME = "debrief"
HELP = "one candidate's interviews and fair score, as HTML (and PDF) for a hiring committee"


def WRITES_OUT(args) -> bool:  # noqa: N802 - the runner's WRITES_OUT, here a function: --list writes nothing
    return not args.list


def add_arguments(p) -> None:
    p.add_argument("candidate_id", metavar="CANDIDATE_ID", nargs="?", default=None,
                   help="the pseudonymous candidate id (see --list)")
    p.add_argument("--list", action="store_true",
                   help="list the candidate ids with their level and number of interviews, and write nothing")
    add_data(p)
    add_out(p)
    p.add_argument("--no-pdf", action="store_true", help="write the HTML page only")


def validate(args) -> None:
    if args.list and args.candidate_id is not None:
        raise UsageError("give a CANDIDATE_ID or --list, not both")
    if not args.list and args.candidate_id is None:
        raise UsageError("give the CANDIDATE_ID to debrief; list the ids with: python -m analysis debrief --list"
                         + (f" --data {args.data}" if args.data else ""))


def run(args) -> int:
    # deferred: pandas, scipy and the severity fit load for this command only
    from analysis.io.load import load
    from analysis.stats.debrief import candidates, debrief
    wb = load(args.data, progress=False)
    if args.list:
        return _print_list(candidates(wb))
    from analysis.reports.debrief import write_debrief
    try:
        db = debrief(wb, args.candidate_id)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    written = write_debrief(db, args.out, pdf=not args.no_pdf)
    for kind, where in written.items():
        print(f"{kind}: {where}")
    return 0 if all(isinstance(v, Path) for v in written.values()) else 1


def _print_list(table) -> int:
    """One line per candidate, aligned, then how many. An id is printed as plain text: a control character
    in it (which could move the cursor or recolour the terminal) shows as U+FFFD."""
    if table.empty:
        print("no scorecard carries a candidate id yet")
        return 0
    table = table.assign(candidate_id=[CONTROL_CHARS.sub("\ufffd", clean_text(c)) for c in table["candidate_id"]])
    width = max(len("candidate_id"), int(table["candidate_id"].str.len().max()))
    print(f"{'candidate_id':<{width}}  {'level':<6}  {'interviews':>10}  last interview")
    for r in table.itertuples():
        print(f"{r.candidate_id:<{width}}  {r.level:<6}  {r.n_interviews:>10}  {r.last_interview}")
    print(f"{len(table)} candidates; debrief one with: python -m analysis debrief CANDIDATE_ID")
    return 0
