"""``python -m analysis init DIR``: an empty data folder for real interviews (bank, scores/, roster)."""

from __future__ import annotations

from analysis.errors import UsageError

NAME = "init"
HELP = "create an empty data folder for real interviews (bank, scores/, roster)"


def add_arguments(p) -> None:
    p.add_argument("folder", metavar="DIR", help="the folder to create (new or empty)")


def run(args) -> int:
    from analysis.stats.demo import InitError, init_folder
    try:
        folder = init_folder(args.folder)
    except InitError as exc:
        raise UsageError(f"refused: {exc}") from None
    print(f"created {folder}: questions.csv (the bank), scores/ (empty), interviewers.csv (roster template)")
    print(f"next: python -m analysis check --data {folder}   (or INTERVIEW_DATA={folder} make interview)")
    return 0
