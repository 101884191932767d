"""The loader's disposable parse cache: raw rows of small scorecard files kept between loads.

Opening 100k small files dominates a reload, so raw parsed rows of small files are cached in
``<data>/.cache/scorecards.arrow`` keyed by each file's path, size, modification time, change time
and inode (the change time catches a rewrite that puts the modification time back; no user call
can set it). The cache is an Arrow IPC file: columns of text (dictionary-encoded) and line numbers,
and a JSON index of files (stored column-wise: a list per field) and their parse problems in the
schema metadata. Reading it can never run
code (the pickle cache of earlier versions could: a crafted ``.cache/scorecards.pkl`` ran arbitrary
code on ``check``; that file is now never opened). Everything in it is validated on read (format
version, schema, types and ranges of every index entry); anything unexpected means the cache is
ignored and rebuilt, never trusted. Bulk files are not cached: the columnar engine reads them
about as fast as the cache would. A file that is new, changed or deleted is seen at the next load (only those are
parsed); a file modified within two seconds of the cache being written is never trusted from it
(the "racily clean" rule git uses), so a same-size rewrite in the same clock tick cannot be served
stale. The cache holds only raw text, so validation against the current bank always runs afresh.

The loader (:func:`analysis.io.load.load_scores`) decides which files the cache serves
(:data:`RACY_SECONDS`, :data:`MAX_FILE_BYTES`); this module reads, checks and writes the file at
:attr:`analysis.config.Layout.parse_cache`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from analysis.errors import Problem
from analysis.io.files import atomic_write
from analysis.io.schema import SCORECARD_COLUMNS

__all__ = ["read_cache", "write_cache", "empty_cache", "ranges", "RACY_SECONDS", "MAX_FILE_BYTES"]

_CACHE_VERSION = 9  # 8: the optional practice column; 9: the optional question_version column
_CACHE_KEY = b"interview-workbook-cache"
#: A file modified this close before the cache was written is never served from it (racily clean).
RACY_SECONDS = 2.0
#: Only files up to this size are cached: bulk files parse as fast through the columnar engine as
#: their rows read back; small files (one interview each, where per-file overhead dominates) gain.
MAX_FILE_BYTES = 1 << 16


def empty_cache() -> dict:
    """A cache that serves nothing (what :func:`read_cache` returns for anything it cannot trust)."""
    return {"version": _CACHE_VERSION, "written": 0.0, "table": None,
            "files": {"pos": {}, "sig": [], "start": [], "end": [], "problems": {}}}


def _cache_schema():
    import pyarrow as pa  # deferred: pyarrow costs start-up time, and only loading needs it
    fields = [pa.field(c, pa.dictionary(pa.int32(), pa.large_string())) for c in SCORECARD_COLUMNS]
    return pa.schema(fields + [pa.field("line", pa.int64())])


def _int(v) -> bool:
    return type(v) is int


def _valid_problem(p) -> bool:
    return (type(p) is list and len(p) == 4 and _int(p[0]) and (p[1] is None or type(p[1]) is str)
            and type(p[2]) is str and type(p[3]) is list and all(_int(x) for x in p[3]))


def read_cache(path: Path) -> dict:
    """The cache as ``{"written": t, "table": T, "files": index}``: the index maps each file's name
    to its position ``i`` (``index["pos"]``), with its signature ``index["sig"][i]``, its rows
    ``index["start"][i]:index["end"][i]`` of the Arrow table ``T`` and its parse problems
    ``index["problems"].get(i, [])``.

    Nothing read is trusted: an unreadable file, another format version, another schema, a
    dictionary code out of range, or any index entry of the wrong type or out of range returns an
    empty cache (everything is parsed afresh and the cache rebuilt). Arrow IPC holds only typed
    columns, so reading cannot run code. The columns stay Arrow (dictionary-encoded): no Python
    string is made per cached row, and the index is stored column-wise (one list per field), so
    it is checked with a few vectorised tests instead of a Python test per file."""
    empty = empty_cache()
    try:
        import pyarrow as pa  # deferred: pyarrow costs start-up time, and only loading needs it
        import pyarrow.compute as pc  # deferred with pyarrow
        import pyarrow.ipc as ipc  # deferred with pyarrow
        if not path.is_file() or path.is_symlink():
            return empty
        with pa.memory_map(str(path), "r") as src:
            reader = ipc.open_file(src)
            if not reader.schema.equals(_cache_schema(), check_metadata=False):
                return empty
            table = reader.read_all()
        meta = json.loads((table.schema.metadata or {}).get(_CACHE_KEY, b"null"))
        if type(meta) is not dict or meta.get("version") != _CACHE_VERSION or type(meta.get("written")) is not float:
            return empty
        n = table.num_rows
        for c in SCORECARD_COLUMNS:
            col = table.column(c)
            if col.null_count:
                return empty
            for chunk in col.chunks:
                if len(chunk) and chunk.dictionary.null_count:
                    return empty
                if len(chunk):
                    mm = pc.min_max(chunk.indices).as_py()
                    if mm["min"] < 0 or mm["max"] >= len(chunk.dictionary):
                        return empty
        if table.column("line").null_count:
            return empty
        idx = meta.get("files")
        if type(idx) is not dict or set(idx) != {"names", "sig", "start", "end", "problems"}:
            return empty
        names, problems = idx["names"], idx["problems"]
        if type(names) is not list or not all(type(x) is str for x in names) or len(set(names)) != len(names):
            return empty
        m = len(names)
        arrays = {}
        for key, shape in (("sig", (m, 4)), ("start", (m,)), ("end", (m,))):
            v = idx[key]
            if type(v) is not list or len(v) != m:
                return empty
            arr = np.asarray(v) if m else np.zeros(shape, dtype=np.int64)
            # JSON integers only: a float, string, null or ragged list gives another dtype or shape
            if arr.dtype != np.int64 or arr.shape != shape:
                return empty
            arrays[key] = arr
        start, end = arrays["start"], arrays["end"]
        if m and ((start < 0).any() or (start > end).any() or (end > n).any()):
            return empty
        if type(problems) is not list:
            return empty
        probs: dict[int, list[Problem]] = {}
        for e in problems:  # only the files that had problems: few
            if not (type(e) is list and len(e) == 2 and _int(e[0]) and 0 <= e[0] < m and type(e[1]) is list
                    and all(_valid_problem(p) for p in e[1])):
                return empty
            probs[e[0]] = [Problem(names[e[0]], ln, col, msg, tuple(ls)) for ln, col, msg, ls in e[1]]
        files = {"pos": {nm: i for i, nm in enumerate(names)}, "sig": arrays["sig"],
                 "start": start, "end": end, "problems": probs}
        return {"version": _CACHE_VERSION, "written": meta["written"], "files": files, "table": table}
    except Exception:  # a damaged or foreign cache is disposable: rebuild it
        return empty


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``concatenate([arange(a, b) for a, b in zip(starts, ends)])`` without a Python loop."""
    sizes = (ends - starts).astype(np.int64)
    total = int(sizes.sum())
    if not total:
        return np.empty(0, dtype=np.int64)
    offsets = np.cumsum(sizes) - sizes
    return np.repeat(starts.astype(np.int64) - offsets, sizes) + np.arange(total, dtype=np.int64)


def write_cache(path: Path, raw, fresh: dict, fidx: np.ndarray) -> None:
    """Write the cache atomically (:func:`analysis.io.files.atomic_write`): for each cacheable
    file (``fresh``: name -> (signature, file index, problems)) its rows of the combined raw table
    (sorted by file index, so a file's rows are contiguous)."""
    try:
        import pyarrow as pa  # deferred: pyarrow costs start-up time, and only loading needs it
        import pyarrow.compute as pc  # deferred with pyarrow
        import pyarrow.ipc as ipc  # deferred with pyarrow
        names = list(fresh)
        fis = np.array([fresh[n][1] for n in names], dtype=np.int64)
        lo = np.searchsorted(fidx, fis, side="left")
        hi = np.searchsorted(fidx, fis, side="right")
        sizes = hi - lo
        ends = np.cumsum(sizes, dtype=np.int64)
        starts = ends - sizes
        rows = pa.array(ranges(lo, hi))
        arrays = [pc.dictionary_encode(raw.column(c).take(rows).combine_chunks()).cast(
            pa.dictionary(pa.int32(), pa.large_string())) for c in SCORECARD_COLUMNS]
        arrays.append(raw.column("line").take(rows).combine_chunks())
        index = {"names": names, "sig": [[int(x) for x in fresh[n][0]] for n in names],
                 "start": starts.tolist(), "end": ends.tolist(),
                 "problems": [[i, [[int(p.line), p.column, p.message, [int(x) for x in p.lines]] for p in fresh[n][2]]]
                              for i, n in enumerate(names) if fresh[n][2]]}
        meta = {"version": _CACHE_VERSION, "written": float(time.time()), "files": index}
        schema = _cache_schema().with_metadata({_CACHE_KEY: json.dumps(meta).encode()})
        table = pa.Table.from_arrays(arrays, schema=schema)
        sink = pa.BufferOutputStream()
        with ipc.new_file(sink, schema) as writer:
            writer.write_table(table)
        atomic_write(path, sink.getvalue(), overwrite=True)
    except OSError:
        pass  # a read-only data folder simply goes without a cache
