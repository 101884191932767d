"""``python -m analysis init DIR``: an empty data folder for real interviews (bank, scores/, roster),
made by :func:`analysis.io.create.create_data_folder`."""

from __future__ import annotations

from analysis.errors import UsageError
from analysis.io.create import InitError, create_data_folder

NAME = "init"
HELP = "create an empty data folder for real interviews (bank, scores/, roster)"


def add_arguments(p) -> None:
    p.add_argument("folder", metavar="DIR", help="the folder to create (new or empty)")


def run(args) -> int:
    try:
        lay = create_data_folder(args.folder)
    except InitError as exc:
        raise UsageError(f"refused: {exc}") from None
    folder = lay.data
    print(f"created {folder}: {lay.questions.name} (the bank), {lay.scores.name}/ (empty), "
          f"{lay.roster.name} (roster template)")
    print(f"next: python -m analysis check --data {folder}   (or INTERVIEW_DATA={folder} make interview)")
    return 0
