"""``python -m analysis bank list|add|rewrite|retire``: read and change the question bank.

::

    python -m analysis bank list    --data D [--all]
    python -m analysis bank add     --data D [--id ID] --level L --topic T --question Q
                                    --good-answer G --red-flag R [--section S] [--years Y]
                                    [--introduced YYYY-MM-DD]          # prints the new id
    python -m analysis bank rewrite QID --data D [--question Q] [--good-answer G] [--red-flag R]
                                    [--introduced YYYY-MM-DD]          # a new version
    python -m analysis bank retire  QID --data D [--date YYYY-MM-DD]

``list`` prints one line per active question (``--all``: every version), the newest wording
shortened. The three changes are :func:`analysis.io.bank_edit.add_question`,
:func:`~analysis.io.bank_edit.rewrite_question` and :func:`~analysis.io.bank_edit.retire_question`
(locked, atomic, never losing a row); a refusal is one line and exit status 2. The changes need
``--data`` (so the shipped demo bank is never edited by accident).

A date in the past moves stored interviews, and the command says how many: ``rewrite
--introduced`` before today, the interviews of the question on or after that day whose scorecard
names no ``question_version`` (now analysed as the new version,
:func:`~analysis.io.bank_edit.moved_by_rewrite`); ``retire --date`` before today, the interviews
dated after it (each a warning of ``check``, :func:`~analysis.io.bank_edit.dated_after_retirement`).
"""

from __future__ import annotations

import argparse
import datetime as dt

from analysis._text import CONTROL_CHARS
from analysis.cli._args import LEVEL_CHOICES, add_data, iso_date

NAME = "bank"
HELP = "list the question bank, or add, rewrite (a new version) or retire a question"

_QUESTION_WIDTH = 60


def _text_options(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument("--question", required=required, help="the question, as the interviewer asks it")
    p.add_argument("--good-answer", required=required, dest="good_answer", help="what a good answer holds")
    p.add_argument("--red-flag", required=required, dest="red_flag", help="the answer that is a red flag")


def add_arguments(p) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = sub.add_parser("list", help="the active questions (--all: every version)")
    add_data(show)
    show.add_argument("--all", action="store_true", help="every version, retired ones included")
    add = sub.add_parser("add", help="add a new question (prints its id)")
    add_data(add, required=True, help="the data folder whose bank to change")
    add.add_argument("--id", dest="question_id", metavar="ID",
                     help="the new id (default: made from the level and the question; never one used before)")
    add.add_argument("--level", required=True, type=str.lower, choices=LEVEL_CHOICES)
    add.add_argument("--topic", required=True, help="the topic it measures (compute, data, security, ...)")
    _text_options(add, required=True)
    add.add_argument("--section", help="the heading it belongs under (default: the bank's for the level)")
    add.add_argument("--years", help="years of experience of the level (default: the bank's for the level)")
    add.add_argument("--introduced", type=iso_date, metavar="YYYY-MM-DD", help="first day in use (default today)")
    rewrite = sub.add_parser("rewrite", help="new wording for a question: a new version, the old one kept")
    rewrite.add_argument("question_id", metavar="QID", help="the question's id (bank list shows them)")
    add_data(rewrite, required=True, help="the data folder whose bank to change")
    _text_options(rewrite, required=False)
    rewrite.add_argument("--introduced", type=iso_date, metavar="YYYY-MM-DD",
                         help="first day of the new version (default today)")
    retire = sub.add_parser("retire", help="stop asking a question (its history is kept; its id is never reused)")
    retire.add_argument("question_id", metavar="QID", help="the question's id (bank list shows them)")
    add_data(retire, required=True, help="the data folder whose bank to change")
    retire.add_argument("--date", type=iso_date, metavar="YYYY-MM-DD", help="the retirement date (default today)")


def _shown(value, width: int | None = None) -> str:
    """One line of ``value`` for the terminal: control characters and line breaks replaced."""
    text = " ".join(CONTROL_CHARS.sub("\ufffd", str(value).replace("\r", " ").replace("\n", " ")).split())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def _date(value) -> str:
    import pandas as pd  # deferred: pandas costs start-up time of every command
    return "" if pd.isna(value) else value.strftime("%Y-%m-%d")


def _list(args) -> int:
    from analysis.io.bank import load_questions
    from analysis.io.folder import require_data_folder
    bank = load_questions(require_data_folder(args.data), versions="all" if args.all else "active")
    rows = [("id", "version", "status", "introduced", "level", "topic", "question")]
    rows += [(_shown(r.question_id), str(r.version), r.status, _date(r.introduced), str(r.level), _shown(r.topic),
              _shown(r.question, _QUESTION_WIDTH)) for r in bank.itertuples(index=False)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    ids = bank["question_id"].nunique()
    what = f"{len(bank)} versions of {ids} questions" if args.all else f"{ids} active questions"
    print(what + ("" if args.all else " (--all: retired questions and earlier versions too)"))
    return 0


def run(args) -> int:
    from analysis.io import bank_edit  # deferred: the module imports pandas
    if args.action == "list":
        return _list(args)
    if args.action == "add":
        qid = bank_edit.add_question(args.data, level=args.level, topic=args.topic, question=args.question,
                                     good_answer=args.good_answer, red_flag=args.red_flag,
                                     question_id=args.question_id, section=args.section, years=args.years,
                                     introduced=args.introduced)
        print(qid)
        return 0
    if args.action == "rewrite":
        version = bank_edit.rewrite_question(args.data, args.question_id, question=args.question,
                                             good_answer=args.good_answer, red_flag=args.red_flag,
                                             introduced=args.introduced)
        qid = _shown(args.question_id.strip())
        print(f"{qid}: version {version} is active from {args.introduced or dt.date.today()}; "
              f"version {version - 1} is kept, retired (its interviews are measured on their own)")
        if _in_the_past(args.introduced):
            n = bank_edit.moved_by_rewrite(args.data, args.question_id, version)
            print(f"{n} stored interview(s) of {qid} dated {args.introduced} or later name no question_version: "
                  f"they are analysed as version {version} from now on (a scorecard naming its version keeps it)")
        return 0
    bank_edit.retire_question(args.data, args.question_id, date=args.date)
    qid = _shown(args.question_id.strip())
    print(f"{qid}: retired from {args.date or dt.date.today()}; its history is kept and its id is never reused")
    if _in_the_past(args.date):
        n = bank_edit.dated_after_retirement(args.data, args.question_id)
        print(f"{n} stored interview(s) of {qid} are dated after {args.date}: they stay in every analysis, and "
              "check warns of each (check their dates, or the retirement date)")
    return 0


def _in_the_past(day: str | None) -> bool:
    """Whether a ``--introduced``/``--date`` is before today (only then can it move stored interviews)."""
    return day is not None and dt.date.fromisoformat(day) < dt.date.today()
