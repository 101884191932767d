"""``python -m analysis init DIR [--bank FILE]``: an empty data folder for real interviews (bank,
scores/, roster), made by :func:`analysis.io.create.create_data_folder`.

With ``--bank FILE`` the folder starts from a bank of your own (another role's questions): a CSV with
the bank's columns, or the same columns exported from a spreadsheet (UTF-8, ``,``, ``;`` or tab
separated). It is checked first (:func:`analysis.io.create.read_bank_file`): a bad bank prints every
problem with its file and line, exits 1 and creates nothing. The bank is written in the versioned
format (version 1 of every question, active, introduced ``--introduced`` or today).
"""

from __future__ import annotations

from pathlib import Path

from analysis.cli._args import iso_date
from analysis.errors import UsageError

NAME = "init"
HELP = "create an empty data folder for real interviews (bank, scores/, roster)"


def add_arguments(p) -> None:
    p.add_argument("folder", metavar="DIR", help="the folder to create (new or empty)")
    p.add_argument("--bank", metavar="FILE",
                   help="start from this question bank (CSV, or a spreadsheet saved as CSV UTF-8) instead of "
                        "the AWS guide's 24 questions")
    p.add_argument("--introduced", type=iso_date, metavar="YYYY-MM-DD",
                   help="with --bank: the date its questions came into use, when the file does not say "
                        "(default today)")


def validate(args) -> None:
    if args.introduced is not None and args.bank is None:
        raise UsageError("--introduced goes with --bank FILE (the shipped bank keeps its own dates)")
    if args.bank is not None and Path(args.bank).suffix.lower() in (".xlsx", ".xls", ".ods", ".numbers"):
        raise UsageError(f"--bank {args.bank}: a spreadsheet file; save it as CSV (\"CSV UTF-8\") with the "
                         "bank's columns and pass that file")
    if args.bank is not None and not Path(args.bank).is_file():
        what = "is not a file" if Path(args.bank).exists() else "does not exist"
        raise UsageError(f"--bank {args.bank} {what}; expected a CSV file of questions (a spreadsheet saved as "
                         "CSV UTF-8)")


def run(args) -> int:
    # deferred: the folder writer (and the bank editor it uses) is for this command only
    from analysis.io.create import InitError, create_data_folder, read_bank_file
    text = read_bank_file(args.bank, introduced=args.introduced) if args.bank is not None else None
    try:
        lay = create_data_folder(args.folder, bank_text=text)
    except InitError as exc:
        raise UsageError(f"refused: {exc}") from None
    folder = lay.data
    what = f"the bank from {args.bank}" if args.bank is not None else "the bank"
    print(f"created {folder}: {lay.questions.name} ({what}), {lay.scores.name}/ (empty), "
          f"{lay.roster.name} (roster template)")
    print(f"next: python -m analysis check --data {folder}   (or INTERVIEW_DATA={folder} make interview)")
    return 0
