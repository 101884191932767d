"""Creating a data folder: the one function that gives a folder its bank, its ``scores/`` and its roster.

``python -m analysis init DIR`` makes a new folder for real interviews, and the importer's notebook
prepares a folder to import into (:func:`analysis.io.importing.prepare_data_folder`); both call
:func:`create_data_folder`, so a data folder is set up one way. It never overwrites or deletes
anything: a new folder is refused unless it is missing or empty, and completing an existing folder
adds only what it lacks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from analysis import config
from analysis.errors import WorkbookError

__all__ = ["create_data_folder", "InitError", "ROSTER_COLUMNS", "shipped_bank"]

#: Columns of the interviewer roster template (``Layout.roster``, ``interviewers.csv``).
ROSTER_COLUMNS = ("interviewer", "aliases", "active")


class InitError(WorkbookError):
    """:func:`create_data_folder` refused the folder (not empty, or not a folder)."""


def shipped_bank() -> Path:
    """The bank this workbook ships (``data/questions.csv`` of the repository; from a plain install,
    the default data folder's)."""
    repo_bank = config.layout(config.REPO_DIR / "data").questions
    return repo_bank if repo_bank.is_file() else config.questions_path(None)


def create_data_folder(folder, *, bank=None, complete: bool = False, roster: bool = True) -> config.Layout:
    """Make ``folder`` a data folder: its question bank, an empty ``scores/`` and, with ``roster``,
    ``interviewers.csv``, a roster template holding only its header ``interviewer,aliases,active``
    (one row per interviewer: the name, other spellings separated by ``;``, and ``true``/``false``).

    Parameters
    ----------
    folder : path-like
        The folder.
    bank : path-like, optional
        The question bank to copy (default: :func:`shipped_bank`, the AWS guide's 24 questions).
    complete : bool, default False
        False: ``folder`` must be new or an existing empty folder (``init`` never writes into a
        folder that holds files). True: an existing folder is completed with what it lacks; its bank,
        scorecards and roster are kept as they are.
    roster : bool, default True
        Also write the roster template.

    Returns
    -------
    analysis.config.Layout
        The folder's layout.

    Raises
    ------
    InitError
        Without ``complete``: ``folder`` exists and is not empty, or is not a folder.
    """
    lay = config.layout(Path(folder))
    folder = lay.data
    if not complete and (folder.exists() or folder.is_symlink()):
        if not folder.is_dir():
            raise InitError(f"{folder} exists and is not a folder; expected a new or empty folder")
        found = sorted(p.name for p in folder.iterdir())
        if found:
            raise InitError(f"{folder} is not empty (it holds {', '.join(found[:5])}{', ...' if len(found) > 5 else ''}); "
                            "init only creates a new data folder and never writes over files: give a new or empty folder")
    lay.scores.mkdir(parents=True, exist_ok=True)
    if not lay.questions.exists():
        shutil.copyfile(Path(bank) if bank is not None else shipped_bank(), lay.questions)
    if roster:
        try:
            with open(lay.roster, "x", encoding="utf-8", newline="") as fh:
                fh.write(",".join(ROSTER_COLUMNS) + "\n")
        except FileExistsError:
            pass  # completing a folder: its roster is kept
    return lay
