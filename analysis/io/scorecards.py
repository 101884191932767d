"""Parsing scorecard files: bytes to raw text rows, each named by the physical line it starts on.

The format itself (columns, values) is :mod:`analysis.io.schema`; judging the rows read here (and
typing them) is :mod:`analysis.io.validation`. Every file is read by the one CSV reader
(:mod:`analysis.io.csvfile`), or, for a bulk file, by the columnar engine (:mod:`analysis.io._engine`)
when it can prove it reads exactly the same rows.

What happens to a bad row is :mod:`analysis.io.validation`'s rule (an interview loads whole or not
at all); this module only turns bytes into raw rows and names the lines it could not read.

Hostile input
-------------
A record that spans several physical lines is normal (a quoted note with line breaks) unless it
looks wrong: the wrong number of fields, or a field holding a line break followed by text that
reads like a scorecard row (an unclosed or stray quote that made the reader swallow later rows).
Such a record is reported with the physical lines it spans, and every interview it touches (its
own and those of the rows it swallowed) is held back. Files over 64 KiB take a bulk path whose rows, problems and line numbers are identical
to the csv-module path (a differential property test checks this).
"""
from __future__ import annotations

import csv
import io
import os

import numpy as np
import pandas as pd

from analysis.errors import Problem
from analysis.io import _engine
from analysis.io.csvfile import (CsvFile, EmptyFile, HasNul, NoHeader, NotUtf8, UnreadableFrom, UnreadableHeader,
                                 duplicates, wrong_width)
from analysis.io.files import open_regular_file
from analysis.io.schema import MAX_FIELD_CHARS, REQUIRED_COLUMNS, SCORECARD_COLUMNS, nfc
# re-export until analysis.io.importing imports it from analysis.io.validation (remove after the merge)

__all__ = ["BULK_BYTES", "parse_csv", "parse_records", "parse_table", "parse_file_table", "parse_bulk_file"]


def parse_csv(data: bytes, path: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse one scorecard file's bytes into raw string rows, without judging the values.

    Returns a frame with every scorecard column as text ('' where absent) plus ``line``, the 1-based
    physical line the record starts on, and the problems that stop rows from being read at all
    (undecodable bytes, an empty file, missing columns, a wrong number of fields). Every record of
    the file is either in the frame or named in a problem.
    """
    values, lines, problems = parse_records(data, path)
    raw = pd.DataFrame({c: pd.Series(values[:, j], dtype=object) for j, c in enumerate(SCORECARD_COLUMNS)})
    raw["line"] = lines
    return raw, problems


def _no_rows():
    return np.empty((0, len(SCORECARD_COLUMNS)), dtype=object), np.empty(0, dtype=np.int64)


def parse_records(data: bytes, path: str, *, fast: bool | None = None) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """:func:`parse_csv` without the DataFrame: ``(values, lines, problems)`` with ``values`` an
    object array (rows x :data:`SCORECARD_COLUMNS`).

    ``fast`` chooses the bulk path (the columnar engine, see :func:`_parse_fast`): ``None`` takes it
    for files over 64 KiB, ``True`` tries it whatever the size (the differential tests use this to
    prove both paths agree), ``False`` never. Rows with a negative line were already reported.
    """
    got = _parse_columnar(data, path, fast)
    if got is not None:
        table, problems = got
        return _table_values(table), table.column("line").to_numpy(), problems
    return _parse_slow(data, path)


def parse_table(data: bytes, path: str, *, fast: bool | None = None):
    """:func:`parse_records` as an Arrow table (the scorecard columns as text, and ``line``): what
    the loader uses, so a bulk file's values never become one Python string per row. Same rows,
    lines and problems as :func:`parse_records` (and ``fast`` means the same)."""
    got = _parse_columnar(data, path, fast)
    if got is not None:
        return got
    values, lines, problems = _parse_slow(data, path)
    return _engine.text_table(values, lines), problems


def _table_values(table) -> np.ndarray:
    if not table.num_rows:
        return _no_rows()[0]
    import pyarrow as pa  # deferred: pyarrow costs start-up time, and only loading needs it
    def text(col):
        return col.cast(pa.large_string()) if pa.types.is_dictionary(col.type) else col
    return np.column_stack([text(table.column(c)).to_numpy(zero_copy_only=False).astype(object) for c in SCORECARD_COLUMNS])


def _parse_columnar(data: bytes, path: str, fast: bool | None):
    """The bulk path on the file's bytes, or None for the csv-module path (which then reports
    whatever makes the file unfit: bad bytes, a bad header, odd records)."""
    if not (fast or (fast is None and len(data) > BULK_BYTES)):
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data or data.isspace() or b"\x00" in data:  # (strip() would copy the file)
        return None
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return None  # a lone carriage return: the csv module's line count differs
        data = data.replace(b"\r\n", b"\n")
    head = _bulk_header(data, whole=True)
    if head is None:
        return None
    names, header_line, pos = head
    table = _engine.body_table(data, names, header_line + 1, start=pos)  # no copy of the body
    return None if table is None else (table, [])


def _bulk_header(data: bytes, *, whole: bool):
    """The bulk path's header of ``data`` (the file after its BOM, with CRLF made LF; or, with
    ``whole`` false, a first piece of it cut just after a line end): ``(names, header_line,
    body_start)``, or None to leave the file to the csv-module path. The header is read by the csv
    module from a prefix cut at a line end after 64 KiB (a StringIO of a whole 80 MB file costs
    ~1 s), and the prefix must hold a line after it. A first piece gives exactly what the whole
    file gives, or None when it cannot tell (then the caller reads the file whole)."""
    cut = data.find(b"\n", min(len(data), 1 << 16))
    if cut < 0 and not whole:
        return None  # the prefix runs past this piece
    prefix = data if cut < 0 else data[:cut + 1]
    reader = csv.reader(io.StringIO(prefix.decode("utf-8"), newline=""))
    try:
        header = next(reader)
        while not any(h.strip() for h in header):
            header = next(reader)
    except (StopIteration, csv.Error):
        return None
    header_line = reader.line_num
    if cut >= 0 and (not whole or cut + 1 < len(data)) and prefix.count(b"\n") <= header_line:
        return None
    names = [nfc(h.strip().lower()) for h in header]
    if len(set(names)) != len(names) or any(c not in names for c in REQUIRED_COLUMNS):
        return None
    pos = 0
    for _ in range(header_line):
        pos = data.find(b"\n", pos) + 1
        if pos == 0:
            return None
    return names, header_line, pos


class _Declined(Exception):
    """A piece of a streamed bulk file that the bulk path cannot take (see :func:`parse_file_table`)."""


def parse_file_table(read, path: str):
    """:func:`parse_table` of a bulk file read piece by piece: ``read(n)`` returns the next at most
    ``n`` bytes (``b""`` at the end), e.g. ``os.read`` on an open file. Returns ``(table,
    problems)`` as :func:`parse_table` would for the whole file, or None when the bulk path
    declines the file (then read it whole and call :func:`parse_table`, whose csv-module path
    names every problem).

    Why: :func:`parse_table` needs the whole file as one ``bytes`` (817 MB for 10M rows, held
    while its columns are built: most of the loader's peak memory). Here only one piece of about
    :data:`analysis.io._engine.CHUNK_BYTES` is held at a time. Every check the bulk path makes on
    the whole file (no NUL, UTF-8, no lone carriage return, the header) is made on each piece:
    pieces are cut just after a line end, so no character, ``\r\n`` pair or record spans two;
    any doubt declines the whole file, so a file this accepts gives exactly :func:`parse_table`'s
    table (tests/test_load_stream.py holds the two to equality)."""
    pieces = _checked_pieces(_line_pieces(read))
    try:
        first = next(pieces, b"")
        if not first or first.isspace():
            return None
        head = _bulk_header(first, whole=False)
        if head is None:
            return None
        names, header_line, pos = head

        def body():
            if pos < len(first):
                yield first[pos:]
            yield from pieces
        table = _engine.pieces_table(body(), names, header_line + 1)
    except _Declined:
        return None
    return None if table is None else (table, [])


def parse_bulk_file(path: str, name: str):
    """A bulk file's ``(table, problems)`` as :func:`parse_table` gives them,
    streamed from disk piece by piece (:func:`parse_file_table`) so the file
    is never one ``bytes`` in memory (817 MB at 10M rows: 40% of the loader's peak). A file the
    bulk path declines is read whole after all and parsed by :func:`parse_table`, whose csv-module
    path names every problem: the same outcome as reading it whole in the first place."""
    fd, _ = open_regular_file(path)
    try:
        got = parse_file_table(lambda n: os.read(fd, n), name)
        if got is not None:
            return got
        os.lseek(fd, 0, os.SEEK_SET)
        blocks = []
        while block := os.read(fd, 1 << 24):
            blocks.append(block)
    finally:
        os.close(fd)
    return parse_table(b"".join(blocks), name)


def _line_pieces(read):
    """What ``read`` gives, as pieces of about :data:`analysis.io._engine.CHUNK_BYTES` each cut just
    after a line end (the last one may end without one); a line longer than that is one piece."""
    carry = b""
    size = max(_engine.CHUNK_BYTES, 1 << 17)  # the first piece holds the header's 64 KiB prefix
    while True:
        block = read(size)
        size = _engine.CHUNK_BYTES
        if not block:
            if carry:
                yield carry
            return
        cut = block.rfind(b"\n")
        if cut < 0:
            carry += block
            continue
        # the piece is the last block's unfinished line and this block up to its last line end,
        # joined in one copy (``carry + block`` and a slice of it copied the piece twice)
        piece = (block if cut + 1 == len(block) else block[:cut + 1]) if not carry else \
            b"".join((carry, memoryview(block)[:cut + 1]))
        carry = block[cut + 1:]
        del block
        yield piece
        del piece


def _checked_pieces(pieces):
    """The pieces of a streamed bulk file after the bulk path's checks on each (see
    :func:`_parse_columnar`, which makes them on the whole file): the BOM dropped from the first,
    CRLF made LF; :class:`_Declined` for a NUL byte, bytes that are not UTF-8 or a lone carriage
    return."""
    first = True
    for piece in pieces:
        if first and piece.startswith(b"\xef\xbb\xbf"):
            piece = piece[3:]
        first = False
        if b"\x00" in piece:
            raise _Declined
        if not piece.isascii():
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError:
                raise _Declined from None
        if b"\r" in piece:
            if piece.count(b"\r") != piece.count(b"\r\n"):
                raise _Declined
            piece = piece.replace(b"\r\n", b"\n")
        yield piece


def _parse_slow(data: bytes, path: str) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """The csv-module path: every odd record named by its line (see :func:`parse_csv`)."""
    try:
        csv_file = CsvFile(data)
    except EmptyFile:
        return *_no_rows(), [Problem(path, 0, None, "empty file; expected a header row and scorecard rows")]
    except NotUtf8 as exc:
        return *_no_rows(), [Problem(path, exc.line, None,
                                      f"not UTF-8 (byte 0x{exc.byte:02x} at offset {exc.offset}); "
                                      "expected UTF-8 text: re-export the file as 'CSV UTF-8'",
                                      _all_lines(data))]
    except HasNul:
        return *_no_rows(), [Problem(path, 0, None, "contains NUL bytes; expected a UTF-8 CSV text file",
                                     _all_lines(data))]
    except NoHeader:
        return *_no_rows(), [Problem(path, 0, None, "no header row; expected a header and scorecard rows")]
    except UnreadableHeader as exc:
        return *_no_rows(), [Problem(path, exc.line, None, f"unreadable header ({exc})", _all_lines(data))]
    text, header_line = csv_file.text, csv_file.header_line
    names = [nfc(h.strip().lower()) for h in csv_file.header]
    problems: list[Problem] = []
    dupes = duplicates(names)
    if dupes:
        problems.append(Problem(path, header_line, None, f"duplicate column(s) {', '.join(dupes)}; "
                                "expected each column once (column names are compared ignoring case)"))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    k = len(names)
    id_at = names.index("interview_id") if "interview_id" in names else None
    physical: list[str] | None = None  # the file's physical lines, split only when a record spans several
    records: list[list[str]] = []
    lines: list[int] = []

    def hold(iid: str, line: int) -> None:
        """A placeholder row: never loaded, but it holds back the interview ``iid``."""
        rec = [""] * k
        if iid and id_at is not None:
            rec[id_at] = iid
        records.append(rec)
        lines.append(-line)

    try:
        for start, last, rec in csv_file.records():
            iid = rec[id_at].strip() if id_at is not None and len(rec) > id_at else ""
            swallowed: list[tuple[int, str]] = []  # (line, interview id) of row-like lines inside the record
            runaway = last > start and any(_swallowed_rows(v, k) for v in rec)
            if last > start and (runaway or len(rec) != k):  # the record spans lines: did a quote swallow rows?
                if physical is None:
                    physical = io.StringIO(text, newline="").readlines()
                swallowed = [(start + i, _row_id(ln, k, id_at))
                             for i, ln in enumerate(physical[start:last], start=1) if _looks_like_row(ln, k)]
            width = wrong_width(rec, k)
            if width or runaway:
                span = f"; the record spans lines {start}-{last}" if last > start else ""
                what = (f"{width} (as in the header)" if width else
                        f"record starting on line {start} spans lines {start}-{last}: a quoted field holds line "
                        f"breaks followed by text that looks like scorecard rows; expected each quote to be "
                        f"closed on its own line (an unclosed or stray quote?)")
                if width:
                    what += span
                touched = sorted(({iid} | {s for _, s in swallowed}) - {""})
                if touched:
                    what += ("; interview " if len(touched) == 1 and not swallowed else "; interviews touched: ") + \
                        ", ".join(repr(t) for t in touched)
                    if swallowed:
                        what += " (all held back)"
                problems.append(Problem(path, start, None, what, tuple(range(start, last + 1))))
                # keep the interview ids so the rest of each interview is held back too
                hold(iid, start)
                for ln, sid in swallowed:
                    hold(sid, ln)
                continue
            records.append(rec)
            lines.append(start)
    except UnreadableFrom as exc:
        # Rows after this point cannot be read, so any interview begun above may be incomplete:
        # hold back the whole file rather than load half an interview.
        return *_no_rows(), problems + [Problem(
            path, exc.line, None, f"unreadable CSV from here on ({exc}); expected properly quoted fields{_why(exc)}; "
            f"none of the file's rows were loaded ({len(records)} read before this line)", _all_lines(data))]
    if missing:
        n = len(records)
        problems.append(Problem(path, header_line, None,
                                f"missing required column(s) {', '.join(missing)}; expected a header with "
                                f"{', '.join(REQUIRED_COLUMNS)}; none of the file's {n} rows were loaded",
                                _all_lines(data)))
        return *_no_rows(), problems
    if dupes:
        return *_no_rows(), problems + [Problem(path, header_line, None,
                                                 f"none of the file's {len(records)} rows were loaded",
                                                 _all_lines(data))]
    if not records:
        problems.append(Problem(path, header_line, None, "no scorecard rows; expected at least one row after the header"))
        return *_no_rows(), problems
    arr = np.empty((len(records), len(names)), dtype=object)
    arr[:] = records
    return _reorder(arr, names), np.asarray(lines, dtype=np.int64), problems


def _why(exc: UnreadableFrom) -> str:
    """What a field over the csv module's size limit means, for the unreadable-CSV problem."""
    if "field limit" not in str(exc):
        return ""
    return (f" and at most {MAX_FIELD_CHARS:,} characters in one field (a field runs from line {exc.line} to at "
            f"least line {exc.end}: an unclosed quote, or a note too long: shorten it)")


def _all_lines(data: bytes) -> tuple[int, ...]:
    """Every physical line of a file (for a problem that refuses the whole file)."""
    n = data.count(b"\n") + (0 if data.endswith(b"\n") else 1) + data.replace(b"\r\n", b"").count(b"\r")
    return tuple(range(1, n + 1))


def _swallowed_rows(value: str, k: int) -> bool:
    """Whether a field holds a line break followed by text that reads like a scorecard row (as many
    commas as a row of ``k`` fields has, less one): the sign of an unclosed or stray quote that
    made the reader take the following rows as part of this field. A note's own second line, or
    a quoted id with a line break, does not."""
    if "\n" not in value and "\r" not in value:
        return False
    return any(part.count(",") >= k - 2 for part in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")[1:])


def _looks_like_row(line: str, k: int) -> bool:
    """Whether one physical line inside a quoted field reads like a scorecard row of its own (as
    many fields as the header, give or take one): the sign of a quote that swallowed rows. A note's
    own line with a comma or two does not."""
    if line.count(",") < k - 2:
        return False
    try:
        return len(next(csv.reader([line.rstrip("\r\n")]), [])) >= k - 1
    except csv.Error:
        return True


def _row_id(line: str, k: int, id_at: int | None) -> str:
    """The interview id a row-like line would have had on its own."""
    if id_at is None:
        return ""
    try:
        rec = next(csv.reader([line.rstrip("\r\n")]), [])
    except csv.Error:
        return ""
    return rec[id_at].strip() if len(rec) > id_at else ""


def _reorder(arr: np.ndarray, names: list[str]) -> np.ndarray:
    """Columns of ``arr`` (in file order ``names``) as :data:`SCORECARD_COLUMNS`, '' where absent."""
    out = np.empty((len(arr), len(SCORECARD_COLUMNS)), dtype=object)
    for j, c in enumerate(SCORECARD_COLUMNS):
        out[:, j] = arr[:, names.index(c)] if c in names else ""
    return out


#: Files over this many bytes (bulk imports) try the columnar engine first (:func:`parse_records`).
BULK_BYTES = 1 << 16


def _parse_fast(text: str, names: list[str], header_line: int):
    """Large files (bulk imports) through the columnar engine (:mod:`analysis.io._engine`), when it
    provably gives the same rows and line numbers as the csv module; ``None`` sends the file to
    the csv-module path, which reports each odd record by its line. Returns ``(values, lines)``
    as object arrays (the loader itself keeps the Arrow table: :func:`parse_table`).

    The proof is per physical line, not a guess from totals, and is vectorised over the file's
    bytes (numpy): every line after the header must be one whole record with exactly the header's
    number of fields. A line without a quote has ``commas + 1`` fields; those lines (almost all of
    a bulk export) are read by pyarrow's CSV reader with quoting off, which then cannot join or
    split them. A line with a quote is read alone by the csv module and must give one record of
    the header's width with no line break inside a field (so no quote runs on to the next line).
    A blank or whitespace line, a lone carriage return or a field over the csv module's size limit
    sends the whole file to the csv-module path, so both paths always see the same records (the
    differential property test in tests/test_parser_properties.py checks exactly this).
    """
    data = text.encode("utf-8")
    if "\r" in text:
        if "\r" in text.replace("\r\n", ""):
            return None
        data = data.replace(b"\r\n", b"\n")
    pos = 0
    for _ in range(header_line):
        pos = data.find(b"\n", pos) + 1
        if pos == 0:
            return None
    table = _engine.body_table(data, names, header_line + 1, start=pos)  # no copy of the body
    if table is None:
        return None
    return _table_values(table), table.column("line").to_numpy()
