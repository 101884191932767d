"""``python -m analysis practice list|remove ID``: the practice interviews of a data folder.

``list`` prints one line per practice interview (id, date, candidate, level, interviewer, how many
questions, file) and how many there are. ``remove ID`` moves that interview's file out of
``scores/`` into ``<data>/removed/`` (nothing is deleted: move it back to restore it); see
:mod:`analysis.io.practice` for why it moves rather than deletes, and what it refuses.
"""

from __future__ import annotations

import argparse

from analysis._text import CONTROL_CHARS
from analysis.cli._args import add_data
from analysis.errors import UsageError

NAME = "practice"
HELP = "list the practice interviews (set aside by every report), or move one out of scores/"


def add_arguments(p) -> None:
    p.add_argument("action", choices=("list", "remove"),
                   help="list: show the practice interviews; remove: move one out of scores/ into <data>/removed/")
    p.add_argument("interview_id", nargs="?", metavar="ID", help="the practice interview to remove (remove only)")
    add_data(p)


def validate(args: argparse.Namespace) -> None:
    if args.action == "remove" and not (args.interview_id or "").strip():
        raise UsageError("remove needs the interview id: python -m analysis practice remove ID "
                         "(python -m analysis practice list shows them)")
    if args.action == "list" and args.interview_id is not None:
        raise UsageError(f"list takes no interview id (got {args.interview_id!r}); "
                         f"did you mean: python -m analysis practice remove {args.interview_id}")


def _shown(value) -> str:
    return CONTROL_CHARS.sub("\ufffd", str(value))  # a control character never reaches the terminal


def run(args) -> int:
    from analysis.io.practice import list_practice, remove_practice  # deferred: loading costs start-up time
    if args.action == "remove":
        src, dst = remove_practice(args.interview_id, args.data)
        print(f"moved practice interview {_shown(args.interview_id.strip())!r} from {_shown(src)} to {_shown(dst)}; "
              "nothing was deleted (move the file back into scores/ to restore it)")
        return 0
    table = list_practice(args.data)
    for row in table.itertuples(index=False):
        print("  ".join(_shown(v) for v in (row.interview_id, row.date, row.candidate_id, row.level, row.interviewer,
                                            f"{row.questions} questions", row.file)))
    n = len(table)
    print(f"{n} practice interview{'' if n == 1 else 's'} (set aside: no report, brief or statistic counts "
          f"{'it' if n == 1 else 'them'})" + ("; move one out of scores/ with: python -m analysis practice remove ID"
                                              + (f" --data {args.data}" if args.data else "") if n else ""))
    return 0
