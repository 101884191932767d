"""The workbook's small exception family and the :class:`Problem` record of bad input.

Every message says what was found, what was expected and, where it helps, how to fix it, and carries
the file, line and column it is about, so ``python -m analysis check`` can print it as
``path:line: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Problem", "WorkbookError", "UsageError", "DataFolderError", "OutputFolderError", "BankError",
           "BankEditError", "ScorecardError", "StoreError"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input.

    Attributes
    ----------
    path : str
        The file, as given to the loader (relative to the data folder where possible).
    line : int
        1-based physical line where the offending record starts (0 for the file as a whole).
    column : str or None
        The column the problem is about, if any.
    message : str
        What was found and what was expected.
    lines : tuple of int
        Every physical line the problem accounts for, when it is about more than the line it starts
        on (the rows of a held-back interview, the lines a runaway quoted field swallowed, all rows
        of a refused file). Not part of equality or order, so problems still compare by what they say.
    """

    path: str
    line: int
    column: str | None
    message: str
    lines: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        col = f"column {self.column}: " if self.column else ""
        return f"{self.path}:{self.line}: {col}{self.message}"


class WorkbookError(Exception):
    """Base class of the workbook's errors.

    Every command of :mod:`analysis.cli` turns one into a single line: exit status 1 when the data has
    problems, 2 when the request cannot be met (a :class:`UsageError`). ``exit_status`` says which.
    """

    exit_status = 1


class UsageError(WorkbookError, ValueError):
    """The request cannot be met as asked (a bad option value, a folder that must not be written):
    exit status 2. A ``ValueError`` too, so callers that caught the earlier ``ValueError`` still do."""

    exit_status = 2


class DataFolderError(UsageError):
    """``data`` is not a data folder (it does not exist, or is not a folder)."""


class OutputFolderError(UsageError):
    """An output folder that must not be written: the data folder, anything inside it, or an existing
    file (see :func:`analysis.io.folder.output_folder`)."""


class _ProblemsError(WorkbookError):
    def __init__(self, problems: list[Problem] | Problem | str, path: str | Path | None = None):
        if isinstance(problems, str):
            problems = [Problem(str(path or ""), 0, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BankError(_ProblemsError):
    """The question bank is unusable (duplicate ids, missing text, unknown level, ...)."""


class BankEditError(UsageError):
    """A change to the question bank was refused (an id used before, a retired or unknown question,
    a rewrite that changes nothing, text that cannot be stored): exit status 2, nothing written."""


class ScorecardError(_ProblemsError):
    """A scorecard is invalid; ``.problems`` lists every :class:`Problem` found."""


class StoreError(WorkbookError):
    """A scorecard could not be saved (already saved, unwritable folder, ...)."""
