"""Creating a data folder: the one function that gives a folder its bank, its ``scores/`` and its roster.

``python -m analysis init DIR`` makes a new folder for real interviews (``--bank FILE``: with a bank of
your own, read and checked by :func:`read_bank_file` before anything is written), and the importer's notebook
prepares a folder to import into (:func:`analysis.io.importing.prepare_data_folder`); both call
:func:`create_data_folder`, so a data folder is set up one way. It never overwrites or deletes
anything: a new folder is refused unless it is missing or empty, and completing an existing folder
adds only what it lacks.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from analysis import config
from analysis.errors import BankError, Problem, WorkbookError
from analysis.io.bank import BANK_COLUMNS, TEXT_COLUMNS, bank_csv, read_bank_text, validate_questions
from analysis.io.bank_edit import check_date, today, versioned_columns
from analysis.io.files import atomic_write, read_regular_file
from analysis.io.schema import MAX_FIELD_CHARS

__all__ = ["create_data_folder", "InitError", "ROSTER_COLUMNS", "shipped_bank", "read_bank_file"]

#: Columns of the interviewer roster template (``Layout.roster``, ``interviewers.csv``).
ROSTER_COLUMNS = ("interviewer", "aliases", "active")


class InitError(WorkbookError):
    """:func:`create_data_folder` refused the folder (not empty, or not a folder)."""


def shipped_bank() -> Path:
    """The bank this workbook ships (``data/questions.csv`` of the repository; from a plain install,
    the default data folder's)."""
    repo_bank = config.layout(config.REPO_DIR / "data").questions
    return repo_bank if repo_bank.is_file() else config.questions_path(None)


def _delimiter(data: bytes) -> str:
    """The field separator of a CSV file: of ``,``, ``;`` and tab, the one its header line holds most
    of (a spreadsheet saved with a comma as its decimal mark writes ``;``; "text" exports use tabs)."""
    text = data.decode("utf-8-sig", errors="replace")
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > counts[","] else ","


def read_bank_file(path, *, introduced=None) -> str:
    """A question bank brought from elsewhere, checked and turned into this workbook's format.

    The file is a UTF-8 CSV with the bank's columns (``question_id, level, section, topic, question,
    good_answer, red_flag``, optionally ``years`` and the version columns), as written by hand or
    exported from a spreadsheet: a byte-order mark, ``;`` or tab separators and headers such as
    ``Question ID`` or ``good-answer`` are accepted. Nothing is written here.

    Parameters
    ----------
    path : path-like
        The file.
    introduced : date or ``YYYY-MM-DD``, optional
        The ``introduced`` date of a bank without that column (default today).

    Returns
    -------
    str
        The bank as CSV text in the versioned format (:data:`~analysis.io.bank.BANK_COLUMNS` first,
        then the file's other columns; a bank without version columns becomes version 1 of every
        question, active, introduced ``introduced``).

    Raises
    ------
    BankError
        Every problem of the file, each with its path and line: unreadable, not UTF-8, a record of
        the wrong width, a missing column, empty text, an unknown level, a duplicate id, a NUL
        character or a field over :data:`~analysis.io.schema.MAX_FIELD_CHARS` characters.
    BankEditError
        ``introduced`` is not a date.
    """
    path = Path(path)
    day = check_date(introduced, "--introduced") or today()
    try:
        data = read_regular_file(path)
    except OSError as exc:
        raise BankError(f"cannot read the bank: {getattr(exc, 'strerror', None) or exc}; expected a UTF-8 CSV "
                        "file with a header (save a spreadsheet as CSV UTF-8)", str(path)) from exc
    raw, lines = read_bank_text(path, delimiter=_delimiter(data))
    raw.columns = [re.sub(r"[\s-]+", "_", c) for c in raw.columns]
    blank = [c for c in raw.columns if not c]
    if blank and all(not raw.iloc[:, i].str.strip().any() for i, c in enumerate(raw.columns) if not c):
        raw = raw.loc[:, [bool(c) for c in raw.columns]]  # a spreadsheet's empty trailing columns
    if not len(raw):
        raise BankError("no questions: the file has a header but no rows; expected one row per question", str(path))
    problems = validate_questions(raw, str(path), lines)  # as the file has it: its messages name its columns
    for line, row in zip(lines, raw.itertuples(index=False)):
        for col, value in zip(raw.columns, row):
            if "\x00" in value:
                problems.append(Problem(str(path), line, col, "holds a NUL character; expected plain text"))
            elif len(value) > MAX_FIELD_CHARS and col in (*TEXT_COLUMNS, *BANK_COLUMNS):
                problems.append(Problem(str(path), line, col, f"{len(value):,} characters; expected at most "
                                        f"{MAX_FIELD_CHARS:,}"))
    if problems:
        raise BankError(sorted(problems, key=lambda p: p.line))
    return bank_csv(versioned_columns(raw, day))


def create_data_folder(folder, *, bank=None, bank_text: str | None = None, complete: bool = False,
                       roster: bool = True) -> config.Layout:
    """Make ``folder`` a data folder: its question bank, an empty ``scores/`` and, with ``roster``,
    ``interviewers.csv``, a roster template holding only its header ``interviewer,aliases,active``
    (one row per interviewer: the name, other spellings separated by ``;``, and ``true``/``false``).

    Parameters
    ----------
    folder : path-like
        The folder.
    bank : path-like, optional
        The question bank to copy (default: :func:`shipped_bank`, the AWS guide's 24 questions).
    bank_text : str, optional
        The bank's text to write instead (:func:`read_bank_file` makes it from a bank of your own).
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
    if bank_text is not None and not lay.questions.exists():
        atomic_write(lay.questions, bank_text)
    elif not lay.questions.exists():
        shutil.copyfile(Path(bank) if bank is not None else shipped_bank(), lay.questions)
    if roster:
        try:
            with open(lay.roster, "x", encoding="utf-8", newline="") as fh:
                fh.write(",".join(ROSTER_COLUMNS) + "\n")
        except FileExistsError:
            pass  # completing a folder: its roster is kept
    return lay
