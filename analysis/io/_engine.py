"""The loader's columnar engine (private): scorecard bytes to Arrow columns, and Arrow columns to
integer codes, without one Python string per row.

Why it exists
-------------
Validation judges each *unique* value once (a level, a score, a date) and maps the verdict back to
rows with integer codes (:class:`analysis.io.validation._Factors`). Before this module the codes were
made by ``pd.factorize`` over a million Python ``str`` objects that the parser had first created
one by one; at 1M rows that was most of ``check``. Here the bytes go to pyarrow's CSV reader (C++,
multi-threaded) and each column is dictionary-encoded in Arrow: only the dictionary (the unique
values) ever becomes Python strings.

Strictness is unchanged: the engine only reads what it can *prove* the csv module would read the
same way (one record per physical line with exactly the header's number of fields, checked with
vectorised byte counts; lines holding a quote are read by the csv module one by one). Anything
else (a wrong field count, a blank or whitespace line, a lone carriage return, a record spanning
lines) is left to the csv-module path of :func:`analysis.io.scorecards.parse_records`, which names
each problem by file, line and column. The differential tests (tests/test_parser_properties.py,
tests/test_load_engine.py) hold both paths to identical rows, lines and problems.

Many small files are parsed in *one* engine call: each file's header is checked (once per distinct
header), the bodies are concatenated with a file index per line, and the same per-line proof
runs over the whole batch; a file any of whose lines fails it is parsed alone by the csv-module
path instead, so its problems are named exactly as before.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from analysis.io._rowcodes import first_appearance, small_codes
from analysis.io.schema import REQUIRED_COLUMNS, SCORECARD_COLUMNS, nfc

__all__ = ["proof", "read_plain", "body_table", "pieces_table", "cut_pieces", "batch_tables", "to_codes", "text_table", "text_array", "empty_table",
           "encode", "unify", "concat_encoded"]

_BOM = b"\xef\xbb\xbf"


def _pa():
    import pyarrow as pa  # deferred: pyarrow costs start-up time, and only loading needs it
    return pa


def columns():
    return list(SCORECARD_COLUMNS)


def empty_table():
    """A table of no rows with every scorecard column as text and ``line``."""
    pa = _pa()
    cols = columns()
    return pa.table({**{c: pa.array([], pa.large_string()) for c in cols}, "line": pa.array([], pa.int64())})


def text_array(codes: np.ndarray, uniq):
    """``uniq[codes]`` as a ``str`` array built by Arrow (no Python string per row); ``uniq`` a
    Python object array, or the Arrow array of the same values (:func:`to_codes` with ``arrow``:
    not converted back to Arrow, at 10M rows 1.5M interview ids and 0.7M candidate ids)."""
    if not len(codes):
        return np.array([], dtype=object)
    pa = _pa()
    values = uniq if isinstance(uniq, pa.Array) else pa.array(list(uniq), pa.large_string())
    return pd.array(values.take(pa.array(codes)), dtype="str")


def text_table(values: np.ndarray, lines: np.ndarray):
    """Object rows (the csv-module path's output, rows x scorecard columns) as an Arrow table."""
    pa = _pa()
    cols = columns()
    if not len(values):
        return empty_table()
    return pa.table({**{c: pa.array(values[:, j], pa.large_string()) for j, c in enumerate(cols)},
                     "line": pa.array(np.asarray(lines, dtype=np.int64), pa.int64())})


def proof(body: bytes, k: int):
    """Which physical lines of ``body`` (text after a header, ending in ``\\n``, no ``\\r``) the
    columnar reader may read.

    Returns ``(ends, plain_ok, quoted)``: byte offset of each line's ``\\n``; per line, True when it
    holds no quote and exactly ``k - 1`` commas (so it is one record of ``k`` fields whatever the
    reader); per line, True when it holds a quote (such a line must be read by the csv module).
    A line over the csv module's field size limit is neither (the csv-module path reports it).
    Vectorised: positions of newlines, commas and quotes, and binary searches between them.
    """
    buf = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    n = len(ends)
    comma_pos = np.flatnonzero(buf == 44)
    upto = np.searchsorted(comma_pos, ends)  # commas before each line's end
    commas = np.diff(upto, prepend=0)
    quoted = np.zeros(n, dtype=bool)
    quote_pos = np.flatnonzero(buf == 34)
    if len(quote_pos):
        quoted[np.searchsorted(ends, quote_pos)] = True
    lengths = np.diff(ends, prepend=-1) - 1
    too_long = lengths > csv.field_size_limit()
    plain_ok = ~quoted & (commas == k - 1) & ~too_long
    quoted &= ~too_long
    return ends, plain_ok, quoted


def quoted_record(line: bytes, k: int):
    """One physical line holding a quote, read by the csv module; the record when it is exactly one
    record of ``k`` fields with no line break inside a field, else None."""
    try:
        recs = list(csv.reader(io.StringIO(line.decode("utf-8"), newline="")))
    except (csv.Error, UnicodeDecodeError):
        return None
    if len(recs) != 1 or len(recs[0]) != k or any("\n" in v or "\r" in v for v in recs[0]):
        return None
    return recs[0]


def read_plain(data: bytes, k: int, dictionary: bool = False):
    """Lines that hold no quote and ``k - 1`` commas each, as ``k`` Arrow text columns (pyarrow's
    CSV reader with quoting off: each line is one row, split at every comma). None if the reader
    disagrees with the line count (it never should), or if ``data`` starts with a byte-order mark:
    the reader would drop it, and there it is the first character of a value (U+FEFF), kept by the
    csv module.

    With ``dictionary``, each column comes back dictionary-encoded by the reader itself (one
    dictionary per block of :data:`BLOCK_BYTES`, in first-appearance order): the text of a column
    is never materialised, which at 1M rows halves the reader's peak memory (pool high-water
    210 MB -> 107 MB) and saves the separate encoding pass (0.79 -> 0.50 CPU s). The values are
    the same strings either way; :func:`encode` unifies the blocks' dictionaries."""
    if data[:3] == _BOM:
        return None
    pa = _pa()
    import pyarrow.csv as pacsv  # deferred with pyarrow (see _pa)
    names = [f"c{j}" for j in range(k)]
    kind = pa.dictionary(pa.int32(), pa.large_string()) if dictionary else pa.large_string()
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=",", quote_char=False, escape_char=False,
                                             double_quote=False, newlines_in_values=False,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={c: kind for c in names},
                                                 null_values=[], strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False, check_utf8=True))
    except (pa.ArrowInvalid, ValueError):
        return None
    return table


#: The block size of pyarrow's CSV reader (each block is parsed by one thread).
BLOCK_BYTES = 1 << 22


def _order(names: list[str], plain, quoted_rows: list[list[str]], plain_idx, quoted_idx, n: int):
    """The scorecard columns in file order of lines: plain rows and csv-read quoted rows merged."""
    pa = _pa()
    out = {}
    perm = None
    if len(quoted_idx) and len(plain_idx):
        where = np.concatenate([plain_idx, quoted_idx])
        perm = pa.array(np.argsort(where, kind="stable"))
    for c in columns():
        if c not in names:  # an absent optional column: one '' in a dictionary, not n Python strings
            out[c] = blank(n)
            continue
        j = names.index(c)
        if plain is not None and not len(quoted_idx):  # every line plain: the reader's column as it is
            out[c] = plain.column(j)
            continue
        parts = []
        if plain is not None and len(plain_idx):
            parts.append(plain.column(j))
        if len(quoted_idx):
            parts.append(pa.chunked_array([pa.array([r[j] for r in quoted_rows], pa.large_string())]))
        col = pa.chunked_array([ch for p in parts for ch in p.chunks], pa.large_string())
        if perm is not None:
            col = col.take(perm)
        out[c] = col
    return out


def _fits(table) -> bool:
    """No field over the csv module's size limit (the csv-module path reports such a field)."""
    import pyarrow.compute as pc  # deferred with pyarrow (see _pa)
    pa = _pa()
    limit = csv.field_size_limit()
    for col in table.columns:
        values = ([ch.dictionary for ch in col.chunks] if pa.types.is_dictionary(col.type) else col.chunks)
        if any(len(v) and (pc.max(pc.binary_length(v)).as_py() or 0) > limit for v in values):
            return False
    return True


def _has_empty(col) -> bool:
    """Whether a column the reader gave (text, or dictionary chunks: only the uniques are looked at)
    holds an empty value."""
    pa = _pa()
    import pyarrow.compute as pc  # deferred with pyarrow (see _pa)
    values = [ch.dictionary for ch in col.chunks] if pa.types.is_dictionary(col.type) else col.chunks
    return any(len(v) and pc.min(pc.binary_length(v)).as_py() == 0 for v in values)


def _read_body(body: bytes, k: int, dictionary: bool = False):
    """``body`` (ends in ``\\n``, no ``\\r``) as ``(plain, quoted_rows, plain_idx, quoted_idx, n)``
    when every line provably is one record of ``k`` fields, else None.

    The common case, a body without a single quote, needs no scan at all: pyarrow's reader with
    quoting off refuses any line whose field count differs from ``k``, and makes one row of each
    line (it splits at line ends only: no quote, no ``\\r``). A blank line it reads as a row of
    empty fields, so only a body whose first column has an empty value anywhere (in a clean file,
    none: it is the first column of the header, an id) is scanned for one (:func:`line_count`).
    With quotes, the lines holding one are found by vectorised byte positions and read by the csv
    module one by one; the rest go to pyarrow as one buffer. ``dictionary``: a body without quotes
    comes back with dictionary columns (:func:`read_plain`)."""
    if b'"' not in body:
        plain = read_plain(body, k, dictionary)
        if plain is None or not _fits(plain):
            return None
        n = plain.num_rows
        if _has_empty(plain.column(0)):
            lines, blank = line_count(body)
            if blank or lines != n:
                return None
        return plain, [], np.arange(n), np.empty(0, dtype=np.int64), n
    buf = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    n = len(ends)
    if _blank(ends):
        return None
    starts = np.concatenate(([0], ends[:-1] + 1))
    q_idx = np.unique(np.searchsorted(ends, np.flatnonzero(buf == 34)))
    rows = []
    for i in q_idx:
        rec = quoted_record(body[starts[i]:ends[i] + 1], k)
        if rec is None:
            return None
        rows.append(rec)
    plain_mask = np.ones(n, dtype=bool)
    plain_mask[q_idx] = False
    plain_idx = np.flatnonzero(plain_mask)
    plain = None
    if len(plain_idx):
        cuts, prev = [], 0
        for i in q_idx:
            cuts.append(body[prev:starts[i]])
            prev = ends[i] + 1
        cuts.append(body[prev:])
        plain = read_plain(b"".join(cuts), k)
        if plain is None or plain.num_rows != len(plain_idx) or not _fits(plain):
            return None
    return plain, rows, plain_idx, q_idx, n


def line_count(body) -> tuple[int, bool]:
    """How many line ends ``body`` holds, and whether a line is empty (pyarrow's reader takes an
    empty line as a row of empty fields, so the reader's rows cannot tell).

    Why numpy and not ``body.count(b"\\n")`` and ``b"\\n\\n" in body``: in a scorecard file a
    line end comes every 60-100 bytes, and both stop at each one (measured on a 16 MB piece: 13 ms
    and 28 ms); one comparison of the bytes and the positions of the line ends answer both in
    10 ms. :func:`_read_body` needs it only when the reader's rows may hold a blank line."""
    ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)
    return len(ends), _blank(ends)


def _blank(ends: np.ndarray) -> bool:
    """Whether the lines ending at byte offsets ``ends`` (of a body's line ends) hold an empty one."""
    return bool(len(ends) and (ends[0] == 0 or (np.diff(ends) == 1).any()))


def body_table(body, names: list[str], first_line: int, start: int = 0):
    """One file's body (``body[start:]``, after its header line ``first_line - 1``) as a table of
    the scorecard columns (dictionary-encoded: int32 codes and the unique values) and ``line``, or
    None when any line needs the csv-module path: :func:`pieces_table` of the body cut in pieces
    of about :data:`CHUNK_BYTES` at line ends. The body itself is never copied whole (``start``
    instead of a slice)."""
    return pieces_table(cut_pieces(body, start), names, first_line)


def cut_pieces(body, start: int = 0):
    """``body[start:]`` in pieces of about :data:`CHUNK_BYTES`, each cut just after a line end (the
    last one may end without one)."""
    pos = start
    while pos < len(body):
        cut = body.find(b"\n", pos + CHUNK_BYTES - 1) if len(body) - pos > CHUNK_BYTES else -1
        end = len(body) if cut < 0 else cut + 1
        yield body[pos:end] if (pos, end) != (0, len(body)) else body
        pos = end


def pieces_table(pieces, names: list[str], first_line: int):
    """A body given as pieces (bytes, each cut just after a line end, the last one maybe not; the
    first piece starts at line ``first_line``) as :func:`body_table` describes it, or None when any
    line needs the csv-module path (or there is no line at all).

    Why pieces: a record never spans lines here, so no record spans two pieces, and the body never
    has to be in memory whole: the loader streams a bulk file from disk piece by piece (an 817 MB
    file is never held as one ``bytes``; :func:`analysis.io.scorecards.parse_file_table`). Each
    piece's columns come out of pyarrow's reader dictionary-encoded (:func:`read_plain`), so no
    column of the file is ever held as Arrow text either. The dictionaries of every piece's blocks
    are unified once, at the end (first-appearance order, as one pass would give); where the
    pieces are cut changes nothing in the result. ``pieces`` may raise to stop early (the caller's own checks).
    """
    pa = _pa()
    k = len(names)
    parts: dict[str, list] = {c: [] for c in columns()}
    n_rows = 0
    for piece in pieces:
        if not piece.endswith(b"\n"):
            piece += b"\n"
        got = _read_body(piece, k, dictionary=True)
        if got is None:
            return None
        plain, rows, plain_idx, q_idx, n = got
        del piece
        cols = _order(names, plain, rows, plain_idx, q_idx, n)
        del plain, rows
        for c in parts:
            col = cols.pop(c)
            if isinstance(col, pa.ChunkedArray) and pa.types.is_dictionary(col.type):
                # the reader's blocks as they are: every block of every piece is unified once,
                # at the end (unifying each piece's blocks first transposed every code twice:
                # 0.24 of 6.1 CPU s at 10M rows)
                parts[c].extend(col.chunks)
            else:
                parts[c].append(encode(col))
        n_rows += n
    if not n_rows:
        return None
    out = {}
    for c in list(parts):  # one column's pieces and its unified copy at a time
        out[c] = unify(parts.pop(c))
    out["line"] = pa.array(np.arange(first_line, first_line + n_rows, dtype=np.int64))  # one line per row
    return pa.table(out)


CHUNK_BYTES = 1 << 24


def blank(n: int):
    """``n`` empty strings as a dictionary array (int32 zeros and the one value '')."""
    pa = _pa()
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([""], pa.large_string()))


def encode(col):
    """A text column (Array or ChunkedArray) as one DictionaryArray (int32 codes, large_string
    uniques in first-appearance order); a dictionary column is returned combined, as it is."""
    pa = _pa()
    import pyarrow.compute as pc  # deferred with pyarrow (see _pa)
    if isinstance(col, pa.ChunkedArray):
        if pa.types.is_dictionary(col.type):
            return unify(col.chunks) if col.num_chunks else blank(0)
        col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    if pa.types.is_dictionary(col.type):
        return col
    if not pa.types.is_large_string(col.type):
        col = col.cast(pa.large_string())
    return pc.dictionary_encode(col)


def unify(chunks):
    """Dictionary arrays (each with its own dictionary) as one, with one dictionary: pyarrow's
    unifier appends each chunk's new values in order, so the result keeps first-appearance order
    (:func:`to_codes` checks it, and re-orders if it ever did not)."""
    pa = _pa()
    chunks = [c for c in chunks if len(c)] or list(chunks[:1])
    if not chunks:
        return blank(0)
    if len(chunks) == 1:
        return chunks[0]
    return pa.chunked_array(chunks).combine_chunks()


def encode_table(table):
    """Every scorecard column of ``table`` dictionary-encoded (:func:`encode`), plus ``line``."""
    pa = _pa()
    return pa.table({**{c: encode(table.column(c)) for c in columns()}, "line": table.column("line")})


def concat_encoded(tables):
    """Tables of the scorecard columns (text or dictionary) and ``line`` as one table with every
    scorecard column one dictionary array: no column is ever decoded to text."""
    pa = _pa()
    tables = [encode_table(t) for t in tables]
    if len(tables) == 1:
        return tables[0]
    cols = {c: unify([t.column(c).chunk(0) if t.column(c).num_chunks == 1 else encode(t.column(c)) for t in tables])
            for c in columns()}
    cols["line"] = pa.chunked_array([ch for t in tables for ch in t.column("line").chunks], pa.int64())
    return pa.table(cols)


def _header_names(line: bytes):
    """The column names of a one-line header if the batch may use it (no quote, decodable, no
    duplicate or missing column); None sends the file to the csv-module path."""
    if b'"' in line or b"\r" in line:
        return None
    try:
        header = next(csv.reader([line.decode("utf-8").rstrip("\n")]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    names = [nfc(h.strip().lower()) for h in header]
    if not any(h.strip() for h in header) or len(set(names)) != len(names):
        return None
    if any(c not in names for c in REQUIRED_COLUMNS):
        return None
    return tuple(names)


def batch_tables(items):
    """Parse many small files in one engine call per distinct header.

    ``items`` is a list of ``(file_index, bytes)``. Returns ``(table, file_index_per_row,
    rejected)``: the rows of every accepted file (in the order given, lines in file order), and the
    file indexes the batch could not prove (to be parsed alone by the csv-module path). An accepted
    file has no parse problem at all, so nothing about it needs reporting.
    """
    pa = _pa()
    headers: dict[bytes, tuple | None] = {}
    groups: dict[tuple, list] = {}
    rejected: list[int] = []
    careful: list[tuple[int, bytes]] = []  # files that need the per-file checks below
    quick: dict[tuple, list] = {}
    # the common file (a known header, LF line ends, a final newline) costs a find and a lookup;
    # the body is not copied (a memoryview), and NUL, CR and UTF-8 are checked on the whole batch
    for fi, data in items:
        nl = data.find(b"\n")
        if nl < 0 or data[-1:] != b"\n" or len(data) == nl + 1:
            careful.append((fi, data))
            continue
        head = data[:nl + 1]
        names = headers.get(head, False)
        if names is False:
            names = headers[head] = _header_names(head)
        if names is None:
            careful.append((fi, data))
            continue
        quick.setdefault(names, []).append((fi, memoryview(data)[nl + 1:]))
    for names, members in quick.items():
        blob = b"".join(b for _, b in members)
        ok = b"\x00" not in blob and b"\r" not in blob
        if ok and not blob.isascii():
            try:
                blob.decode("utf-8")  # every body ends with a newline: no character spans two files
            except UnicodeDecodeError:
                ok = False
        if ok:
            groups.setdefault(names, []).extend(members)
        else:
            careful += [(fi, bytes(headers_line) + bytes(b)) for fi, b, headers_line in
                        ((fi, b, _head_of(names, headers)) for fi, b in members)]
    for fi, data in careful:
        if data.startswith(_BOM):
            data = data[3:]
        nl = data.find(b"\n")
        if nl < 0 or b"\x00" in data:
            rejected.append(fi)
            continue
        if b"\r" in data:
            if data.count(b"\r") != data.count(b"\r\n"):
                rejected.append(fi)
                continue
            data = data.replace(b"\r\n", b"\n")
            nl = data.find(b"\n")
        head = data[:nl + 1]
        names = headers.get(head, False)
        if names is False:
            names = headers[head] = _header_names(head)
        body = data[nl + 1:]
        if names is None or not body.strip():
            rejected.append(fi)
            continue
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                rejected.append(fi)
                continue
        if not body.endswith(b"\n"):
            body += b"\n"
        groups.setdefault(names, []).append((fi, body))
    for members in groups.values():
        members.sort(key=lambda m: m[0])
    tables, fidx = [], []
    for names, members in groups.items():
        got = _batch_group(list(names), members, rejected)
        if got is not None:
            tables.append(got[0])
            fidx.append(got[1])
    if not tables:
        return empty_table(), np.empty(0, dtype=np.int64), rejected
    if len(tables) == 1:
        table = tables[0]
    elif all(t.schema.equals(tables[0].schema) for t in tables[1:]):
        table = pa.concat_tables(tables)
    else:  # header groups differ in which columns are blank (dictionary) or text: one dictionary table
        table = concat_encoded(tables)
    fi = np.concatenate(fidx)
    if len(tables) > 1:  # back to the order the files were given in
        perm = np.argsort(fi, kind="stable")
        table, fi = table.take(pa.array(perm)), fi[perm]
    return table, fi, rejected


def _head_of(names, headers) -> bytes:
    """A header line that gives ``names`` (to rebuild a file for the per-file checks)."""
    return next(h for h, n in headers.items() if n == names)


def _batch_group(names, members, rejected):
    pa = _pa()
    k = len(names)
    for attempt in range(3):
        blob = b"".join(b for _, b in members)
        lens = np.fromiter((len(b) for _, b in members), dtype=np.int64, count=len(members))
        nl_pos = np.flatnonzero(np.frombuffer(blob, dtype=np.uint8) == 10)
        counts = np.diff(np.searchsorted(nl_pos, np.cumsum(lens), side="left"), prepend=0)
        got = _read_body(blob, k)
        if got is None:
            if attempt == 2:
                break
            # find the files whose lines the engine cannot prove; they go to the csv-module path
            ends, plain_ok, quoted = proof(blob, k)
            file_of_line = np.repeat(np.arange(len(members)), counts)
            bad = set(np.unique(file_of_line[~(plain_ok | quoted)]).tolist())
            starts = np.concatenate(([0], ends[:-1] + 1))
            for i in np.flatnonzero(quoted):
                if quoted_record(blob[starts[i]:ends[i] + 1], k) is None:
                    bad.add(int(file_of_line[i]))
            bad |= {m for m, (_, b) in enumerate(members)
                    if bytes(b[:1]) == b"\n" or b"\n\n" in bytes(b) or bytes(b[:3]) == _BOM}
            if not bad:
                break
            rejected.extend(members[m][0] for m in sorted(bad))
            members = [x for m, x in enumerate(members) if m not in bad]
            if not members:
                return None
            continue
        plain, rows, plain_idx, q_idx, n = got
        cols = _order(names, plain, rows, plain_idx, q_idx, n)
        first = np.cumsum(counts) - counts
        cols["line"] = pa.array(np.arange(n, dtype=np.int64) - np.repeat(first, counts) + 2)  # header is line 1
        fi = np.repeat(np.array([m[0] for m in members], dtype=np.int64), counts)
        return pa.table(cols), fi
    rejected.extend(fi for fi, _ in members)  # cannot happen; be safe: the csv-module path
    return None


def _plain(d) -> np.ndarray:
    """Per value of an Arrow text array: ASCII, and no byte <= 0x20 at either end (so Python's
    ``str.strip`` and NFC normalisation leave it unchanged)."""
    pa = _pa()
    import pyarrow.compute as pc  # deferred with pyarrow (see _pa)
    n = len(d)
    if not n:
        return np.zeros(0, dtype=bool)
    asc = pc.string_is_ascii(d).to_numpy(zero_copy_only=False)
    off_type = np.int64 if pa.types.is_large_string(d.type) else np.int32
    offsets = np.frombuffer(d.buffers()[1], dtype=off_type)[d.offset:d.offset + n + 1].astype(np.int64)
    data = d.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    ok = asc.copy()
    full = lengths > 0
    ok[full] &= (data[offsets[:-1][full]] > 0x20) & (data[offsets[1:][full] - 1] > 0x20)
    return ok


def to_codes(col, plain: bool = False, arrow: bool = False):
    """An Arrow text column as ``(codes, uniques)``: int32 codes per row in first-appearance order
    (as ``pd.factorize`` gives them) and the unique values as a Python object array. Only the
    uniques become Python strings. With ``plain``, also which uniques are plain (:func:`_plain`);
    with ``arrow``, last, the uniques as the Arrow array they came from (for :func:`text_array`).

    A dictionary column whose dictionary is already in first-appearance order with no unused
    entry (what :func:`encode` and :func:`unify` give) costs no hash table: its indices are the
    codes (checked with :func:`first_appearance`); any other is renumbered with ``pd.factorize``."""
    pa = _pa()
    import pyarrow.compute as pc  # deferred with pyarrow (see _pa)
    if isinstance(col, pa.ChunkedArray):
        col = encode(col)
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col)
    codes = col.indices.to_numpy(zero_copy_only=False)
    d = col.dictionary
    uniq = np.asarray(d.to_pylist(), dtype=object)
    if not len(codes):
        out = codes.astype(np.int32), np.array([], dtype=object)
        return (*out, *[np.zeros(0, dtype=bool)] * plain, *[d[:0]] * arrow)
    if len(d) == 1 or first_appearance(codes, len(d)):  # (one entry: every index of a valid array is 0)
        out = small_codes(codes, len(d)), uniq
        return (*out, *[_plain(d)] * plain, *[d] * arrow)
    # first-appearance order and no unused entries, whatever the dictionary held
    c2, used = pd.factorize(codes, use_na_sentinel=False)
    out = small_codes(c2, len(used)), uniq[used]
    return (*out, *[_plain(d)[used]] * plain, *[d.take(pa.array(used))] * arrow)
