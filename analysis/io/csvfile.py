"""The one CSV reader of the data folder: bytes to a header and numbered records.

Every CSV file the workbook reads (scorecards, the bank, outcomes, candidates' groups, the roster,
an applicant-tracking export) goes through :class:`CsvFile`, so the steps are the same everywhere
and in the same order:

1. the text is UTF-8 (a byte-order mark is dropped), else :class:`NotUtf8`;
2. it holds no NUL byte, else :class:`HasNul` (unless the caller reads NUL as text);
3. the header is the first row (after blank lines, unless the caller says otherwise), else
   :class:`EmptyFile` (nothing but whitespace) or :class:`NoHeader`; a header the csv module
   cannot read is :class:`UnreadableHeader`;
4. the records follow, each with the physical lines it spans (a quoted field may hold line breaks),
   blank lines skipped; a record the csv module cannot read ends the file with
   :class:`UnreadableFrom`.

The reader judges nothing else: each caller turns these exceptions, :func:`duplicates` and
:func:`wrong_width` into its own problem messages (which tests and ``check`` output compare), because
what a problem means differs by file (a scorecard holds back an interview, a bad bank stops
everything). ``str()`` of an exception is the underlying error's text.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Iterator, NamedTuple

__all__ = ["CsvFile", "Record", "CsvTrouble", "NotUtf8", "HasNul", "NoHeader", "EmptyFile", "UnreadableHeader",
           "UnreadableFrom", "duplicates", "wrong_width"]


class CsvTrouble(ValueError):
    """A file (or the rest of it) that cannot be read as CSV text; ``str()`` is the cause's text."""

    def __init__(self, cause: Exception | None = None, line: int = 0):
        super().__init__(str(cause) if cause is not None else "")
        self.cause = cause
        #: The 1-based physical line the trouble is on (0 for the file as a whole).
        self.line = line


class NotUtf8(CsvTrouble):
    """The bytes are not UTF-8: ``byte`` at ``offset`` (on physical ``line``); ``reason`` as Python
    gives it."""

    def __init__(self, cause: UnicodeDecodeError, data: bytes):
        super().__init__(cause, data[: cause.start].count(b"\n") + 1)
        self.byte = data[cause.start]
        self.offset = cause.start
        self.reason = cause.reason


class HasNul(CsvTrouble):
    """The text holds a NUL byte (a binary file, or UTF-16 saved as CSV)."""


class NoHeader(CsvTrouble):
    """No header row: the text ends before one."""


class EmptyFile(NoHeader):
    """Nothing but whitespace: no header row, and no bytes that could have been one."""


class UnreadableHeader(CsvTrouble):
    """The csv module cannot read the header row (``cause`` is its ``csv.Error``)."""


class UnreadableFrom(CsvTrouble):
    """The csv module cannot read the record starting on ``line``; nothing from there on is read.
    ``end`` is the reader's line count when it gave up (where a runaway field had got to)."""

    def __init__(self, cause: csv.Error, line: int, end: int):
        super().__init__(cause, line)
        self.end = end


class Record(NamedTuple):
    """One CSV record: its first and last physical line and its fields (as read, unstripped)."""

    start: int
    end: int
    cells: list[str]


class CsvFile:
    """One CSV file's text and header; :meth:`records` reads the rest.

    Parameters
    ----------
    data : bytes
        The file's content.
    nul : bool, default False
        Whether a NUL byte is text (True) or makes the file unreadable (:class:`HasNul`).
    skip_blank_header : bool, default True
        Take the first row with a non-blank cell as the header (True), or the first row whatever
        it holds (False).
    delimiter : str, default ","
        The field separator (a bank exported from a spreadsheet may use ``;`` or a tab).

    Attributes
    ----------
    text : str
        The decoded text (without a byte-order mark).
    header : list of str
        The header's fields, as read.
    header_line : int
        The physical line the header ends on.

    Raises
    ------
    NotUtf8, HasNul, EmptyFile, NoHeader, UnreadableHeader
        In that order of checking (see the module docstring).
    """

    def __init__(self, data: bytes, *, nul: bool = False, skip_blank_header: bool = True, delimiter: str = ","):
        try:
            self.text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NotUtf8(exc, data) from exc
        if not nul and "\x00" in self.text:
            raise HasNul()
        self._reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=delimiter)
        try:
            header = next(self._reader)
            while skip_blank_header and not any(h.strip() for h in header):
                header = next(self._reader)
        except StopIteration:
            raise (EmptyFile() if not data.strip() else NoHeader()) from None
        except csv.Error as exc:
            raise UnreadableHeader(exc, 1) from exc
        self.header = header
        self.header_line = self._reader.line_num

    def records(self) -> Iterator[Record]:
        """The records after the header, in order, each with its physical lines; a blank line (no
        field, or one field of whitespace) is skipped. Raises :class:`UnreadableFrom` where the csv
        module gives up (a field over its size limit); the records before it were yielded."""
        reader = self._reader
        last = reader.line_num
        try:
            for cells in reader:
                start, last = last + 1, reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                yield Record(start, last, cells)
        except csv.Error as exc:
            raise UnreadableFrom(exc, last + 1, reader.line_num) from exc


def duplicates(names) -> list[str]:
    """The non-empty names that occur more than once, sorted (compare them normalised as needed)."""
    counts = Counter(names)
    return sorted(n for n, k in counts.items() if n and k > 1)


def wrong_width(cells, width: int) -> str | None:
    """``found N fields, expected W`` when a record does not have the header's ``width``, else None
    (callers add what the width is expected from)."""
    return None if len(cells) == width else f"found {len(cells)} fields, expected {width}"
