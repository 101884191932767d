"""``python -m analysis kit``: the kit that measures a level best at its hiring bar, as CSV on stdout,
then ``#`` lines with the bar and the expected SE and reliability beside today's kit
(``pandas.read_csv(..., comment="#")`` reads the kit back). Exit 2 when the request cannot be met."""

from __future__ import annotations

import sys

from analysis.cli._args import LEVEL_CHOICES, add_data, int_at_least
from analysis.errors import UsageError

NAME = "kit"
HELP = "recommend the kit that measures a level best at its hiring bar"


def add_arguments(p) -> None:
    add_data(p)
    p.add_argument("--level", required=True, choices=LEVEL_CHOICES)
    p.add_argument("--questions", type=int_at_least(1, "at least 1 question"), required=True, metavar="N",
                   help="questions in the kit")
    p.add_argument("--topics", default="", help="comma-separated topics the kit must cover")
    p.add_argument("--min-candidates", type=int, default=30,
                   help="never recommend a question asked of fewer candidates (default 30)")


def run(args) -> int:
    # deferred: pandas, mirt and statsmodels load only when the command runs (not for --help)
    from analysis.io.load import load
    from analysis.reports.csv_safety import safe_csv_frame
    from analysis.stats.irt import fit_irt
    from analysis.stats.kit_design import recommend_kit
    wb = load(args.data, progress=False)
    topics = [t.strip() for t in (args.topics or "").split(",") if t.strip()]
    known = set(wb.questions["topic"].astype(str))
    unknown = [t for t in topics if t not in known]
    if unknown:
        raise UsageError(f"unknown topic(s) {', '.join(unknown)}; topics in the bank: {', '.join(sorted(known))}")
    fit = fit_irt(wb.scores, rater="interviewer", progress=sys.stderr.isatty())
    try:
        rec = recommend_kit(fit, args.level, args.questions, questions=wb.questions, topics=topics,
                            min_candidates=args.min_candidates)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    kit = rec.kit[["question_id", "rank", "information", "topic"]].copy()
    kit["information"] = kit["information"].round(3)
    sys.stdout.write(safe_csv_frame(kit).to_csv(index=False, lineterminator="\n"))
    t = rec.today
    print(f"# level {rec.level}: hiring bar at ability {rec.bar:.2f}")
    print(f"# recommended kit: information {rec.kit['information'].sum():.2f}, expected SE {rec.se:.2f}, "
          f"reliability {rec.reliability:.2f} at the bar")
    print(f"# today's kit ({len(t['kit'])} questions): information {t['information']:.2f}, expected SE "
          f"{t['se']:.2f}, reliability {t['reliability']:.2f} at the bar")
    for n in rec.notes:
        print(f"# note: {n}")
    return 0
