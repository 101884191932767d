"""``python -m analysis demo``: a synthetic history with planted truth (:mod:`analysis.stats.demo`),
written by :mod:`analysis.io.demo_folder` into a new folder or an earlier demo (never over other data)."""

from __future__ import annotations

from analysis import config
from analysis.cli._args import int_at_least
from analysis.errors import UsageError

NAME = "demo"
HELP = "generate a synthetic history with planted truth"


def add_arguments(p) -> None:
    p.add_argument("--data", metavar="DIR", required=True,
                   help="folder to write: new, empty, or an earlier demo (never a folder of other data)")
    p.add_argument("--interviews", type=int_at_least(1, "at least 1 interview"), default=400)
    p.add_argument("--seed", type=int_at_least(0, "a seed of 0 or more"), default=0)
    p.add_argument("--layout", choices=["per_interview", "bulk"], default="per_interview")
    p.add_argument("--groups", action="store_true", help="also plant group attributes and group effects")


def run(args) -> int:
    # deferred: these pull in numpy and pandas; the parser is built for every command and --help
    from analysis.io.demo_folder import DemoFolderError, check_demo_target, write_history
    from analysis.stats.demo import generate
    try:
        check_demo_target(args.data)  # before the (slower) generation
        h = generate(args.interviews, seed=args.seed, groups=args.groups)
        out = write_history(h, args.data, layout=args.layout, clean=True)
    except DemoFolderError as exc:
        raise UsageError(f"refused: {exc}") from None
    n_interviews = h.scores["interview_id"].nunique()
    print(f"wrote {n_interviews} interviews ({len(h.scores)} rows) to {config.layout(out).scores}")
    return 0
