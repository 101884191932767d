"""Load a whole data folder — bank, every scorecard, outcomes — into tidy DataFrames.

>>> from analysis.io.load import load
>>> wb = load()                         # the repo's data/, or load("path/to/my/data")
>>> wb.scores.head()                    # one row per question asked, typed
>>> wb.problems                         # every row that did not load, with file, line and column

Nothing is dropped silently: every input row is either in ``wb.scores`` or named in
``wb.problems`` (see :mod:`analysis.io.scorecards` for why an interview loads whole or not at all).

How it is fast
--------------
Scorecards are read by a columnar engine (:mod:`analysis.io._engine`): a bulk file by pyarrow's CSV
reader, the many small files of a per-interview history concatenated and parsed in *one* engine
call, each only after a proof that it reads exactly as the csv module would read it (anything
odd is parsed alone by the csv-module path, which names every problem). The raw rows stay one
Arrow table; ids and other text columns become integer codes (Arrow dictionaries) and each
*unique* value is validated once (:class:`analysis.io.scorecards._Factors`). ``load(...,
engine="records")`` runs the previous path (a Python object per value), which the tests hold
this one to: identical frames and problems.

Parse cache
-----------
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

Files that are not files
------------------------
Folders below ``scores/`` are followed also through symbolic links (a year folder that links to
another disk is read); a link that leads back into a folder already read is reported once and not
followed again. A broken link, a symlink loop, a named pipe, a socket or a device called ``*.csv``
is reported as a problem and never opened in a way that could block. A data folder without
``scores/`` is a problem, not "0 problems".
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.io.folder import require_data_folder
from analysis.io.bank import NotARegularFile, load_questions, read_regular_file, read_regular_file_stat
from analysis.io.roster import apply_roster, read_roster
from analysis.errors import Problem
from analysis.io import _engine
from analysis.io.scorecards import SCORECARD_COLUMNS, _nfc, judge_and_type, parse_csv, parse_records, parse_table

__all__ = ["Workbook", "load", "load_scores", "load_outcomes", "scorecard_files"]

_CACHE_VERSION = 7
_CACHE_NAME = "scorecards.arrow"
_CACHE_KEY = b"interview-workbook-cache"
_RACY_SECONDS = 2.0
# Bulk files parse as fast through pandas' C parser as their rows read back: only small files
# (one interview each, where per-file overhead dominates) are cached.
_CACHE_MAX_BYTES = 1 << 16


@dataclass
class Workbook:
    """Everything the workbook knows about one data folder.

    Attributes
    ----------
    questions : DataFrame
        The bank (see :func:`analysis.io.bank.load_questions`).
    scores : DataFrame
        One row per question asked in a valid interview (see
        :func:`analysis.io.scorecards.to_scorecard_frame` for the columns and dtypes).
    outcomes : DataFrame
        ``candidate_id``, ``decision`` (categorical), ``performance`` (float, NaN when unknown);
        empty when the folder has no ``outcomes.csv``.
    problems : list of Problem
        Everything that did not load, with file, line and column.
    files : int
        How many scorecard files were read.
    rows_read : int
        How many scorecard rows the files held.
    """

    questions: pd.DataFrame
    scores: pd.DataFrame
    outcomes: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    rows_read: int = 0
    data: Path | None = None

    @property
    def n_interviews(self) -> int:
        return int(self.scores["interview_id"].nunique())

    def summary(self) -> str:
        """The line ``python -m analysis check`` ends with."""
        return (f"loaded {len(self.scores)} rows from {self.n_interviews} interviews in {self.files} files; "
                f"{len(self.problems)} problems")


def scorecard_files(data=None) -> list[Path]:
    """Every scorecard file below ``<data>/scores``: ``*.csv`` recursively (following linked
    folders), sorted, skipping hidden files and folders (the store's temporary files start with a
    dot) and anything that is not a regular file (the loader reports those)."""
    paths, _ = _scorecard_paths(config.layout(data))
    return [Path(p) for p in paths if os.path.isfile(p)]


def _scorecard_paths(lay: config.Layout, regular: set | None = None) -> tuple[list[str], list[Problem]]:
    """Candidate scorecard paths (``*.csv``, not hidden) and the problems of the folder walk.

    ``regular``, when given, receives the paths the folder listing itself says are regular files
    and not symbolic links (``d_type``, no system call): only those may be opened before a stat
    proves what they are (a link may lead to a device, which must never be opened)."""
    root = str(lay.scores)
    if not os.path.isdir(root):
        what = "is not a folder" if os.path.lexists(root) else "does not exist"
        return [], [Problem("scores", 0, None, f"the scores folder {what} ({root}); expected the scorecards in "
                            "<data>/scores/ (create it, or pass the data folder that holds it with --data DIR)")]
    out: list[str] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}

    def walk(folder: str) -> None:
        real = os.path.realpath(folder)
        if real in seen:
            problems.append(Problem(lay.display(folder), 0, None, f"folder already read as {seen[real]} (a symbolic "
                                    "link loop or a second link to it); not read twice"))
            return
        seen[real] = lay.display(folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(lay.display(folder), 0, None, f"cannot list the folder: {exc.strerror or exc}"))
            return
        for e in entries:
            if e.name.startswith("."):
                continue
            try:
                is_dir = e.is_dir()  # follows symbolic links (False for a broken link)
            except OSError:  # a symlink loop: reported below if it is called *.csv, as a file
                is_dir = False
            if is_dir:
                walk(e.path)
            elif e.name.endswith(".csv"):
                out.append(e.path)
                if regular is not None:
                    try:
                        if e.is_file(follow_symlinks=False):
                            regular.add(e.path)
                    except OSError:
                        pass

    walk(root)
    return sorted(out), problems


def _unreadable(path: str, exc: OSError) -> str:
    """Why a scorecard path cannot be read, in words."""
    if isinstance(exc, NotARegularFile):
        return str(exc)
    if os.path.islink(path):
        target = os.readlink(path)
        if getattr(exc, "errno", None) == 40 or "loop" in str(exc).lower():  # ELOOP
            return f"symbolic link loop (-> {target}); expected a CSV file"
        if not os.path.exists(path):
            return f"broken symbolic link (-> {target}, which does not exist); expected a CSV file"
    return f"cannot read: {exc.strerror or exc}"


_EMPTY_CACHE = {"version": _CACHE_VERSION, "written": 0.0, "table": None,
                "files": {"pos": {}, "sig": [], "start": [], "end": [], "problems": {}}}


def _cache_schema():
    import pyarrow as pa
    fields = [pa.field(c, pa.dictionary(pa.int32(), pa.large_string())) for c in SCORECARD_COLUMNS]
    return pa.schema(fields + [pa.field("line", pa.int64())])


def _int(v) -> bool:
    return type(v) is int


def _valid_problem(p) -> bool:
    return (type(p) is list and len(p) == 4 and _int(p[0]) and (p[1] is None or type(p[1]) is str)
            and type(p[2]) is str and type(p[3]) is list and all(_int(x) for x in p[3]))


def _read_cache(path: Path) -> dict:
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
    empty = {**_EMPTY_CACHE, "files": {"pos": {}, "sig": [], "start": [], "end": [], "problems": {}}}
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.ipc as ipc
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


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``concatenate([arange(a, b) for a, b in zip(starts, ends)])`` without a Python loop."""
    sizes = (ends - starts).astype(np.int64)
    total = int(sizes.sum())
    if not total:
        return np.empty(0, dtype=np.int64)
    offsets = np.cumsum(sizes) - sizes
    return np.repeat(starts.astype(np.int64) - offsets, sizes) + np.arange(total, dtype=np.int64)


def _write_cache(path: Path, raw, fresh: dict, fidx: np.ndarray) -> None:
    """Write the cache atomically (a temporary file renamed over the old one): for each cacheable
    file (``fresh``: name -> (signature, file index, problems)) its rows of the combined raw table
    (sorted by file index, so a file's rows are contiguous)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.ipc as ipc
        names = list(fresh)
        fis = np.array([fresh[n][1] for n in names], dtype=np.int64)
        lo = np.searchsorted(fidx, fis, side="left")
        hi = np.searchsorted(fidx, fis, side="right")
        sizes = hi - lo
        ends = np.cumsum(sizes, dtype=np.int64)
        starts = ends - sizes
        rows = pa.array(_ranges(lo, hi))
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
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh, ipc.new_file(fh, schema) as writer:
                writer.write_table(table)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only data folder simply goes without a cache


def _parse_all(files: list[str], lay: config.Layout, use_cache, progress: bool, regular: set = frozenset()):
    """Raw rows and parse problems of every file, from the cache where it is provably fresh.

    Returns ``(raw, problems, n_files_read)`` with ``raw`` an Arrow table: the scorecard columns
    as text, ``line``, and ``file`` (dictionary-encoded), rows in file order then line order.
    Small files not in the cache are parsed together in one engine call
    (:func:`analysis.io._engine.batch_tables`); a file the batch cannot prove, and every bulk file,
    goes through :func:`analysis.io.scorecards.parse_table`, which names each problem.
    """
    import pyarrow as pa
    cache_file = lay.cache / _CACHE_NAME
    cache = _read_cache(cache_file) if use_cache else dict(_EMPTY_CACHE)
    old = cache["files"]
    names: list[str] = []
    paths: list[str] = []
    sig_list: list[tuple] = []
    slots: list[list[Problem]] = []  # the problems of each file, in file order
    slot_of: list[list[Problem]] = []  # the same lists, by file index
    iterator = files
    if progress and len(files) > 2000:
        from tqdm.auto import tqdm
        iterator = tqdm(files, desc="reading scorecards", unit="file")
    prefix = str(lay.data) + os.sep
    known_names = old["pos"]
    pre_read: dict[int, bytes] = {}  # files read in step 1 (those the cache cannot serve)
    folders = _Folders()
    try:
        # 1. the signature of every file: a file the cache knows costs one stat; a regular file
        # it does not know (per the folder listing: ``regular``) is read at once (open, fstat,
        # read, close: the fstat is its signature, so a cold load makes no separate stat),
        # relative to its open folder; anything else is stat'ed first, as it always was
        for f in iterator:
            name = f[len(prefix):] if f.startswith(prefix) else f
            st = None
            if name not in known_names and f in regular:  # (a link or anything odd: stat first)
                try:
                    data, st = _read_scorecard(f, folders=folders, with_stat=True)
                except OSError:
                    st = None  # classified below exactly as before (stat, then read)
                else:
                    pre_read[len(names)] = data
            if st is None:
                try:
                    st = _regular_stat(f)
                except OSError as exc:
                    slots.append([Problem(name, 0, None, _unreadable(f, exc))])
                    continue
            names.append(name)
            paths.append(f)
            probs: list[Problem] = []
            slots.append(probs)
            slot_of.append(probs)
            sig_list.append((st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))  # ctime: a rewrite that puts mtime back
    finally:
        folders.close()
    m = len(names)
    sig = np.array(sig_list, dtype=np.int64).reshape(m, 4)
    cacheable = sig[:, 0] <= _CACHE_MAX_BYTES
    # 2. which files the cache serves: same signature, and not modified within two seconds of the
    # cache being written (vectorised over all files)
    hit = np.zeros(m, dtype=bool)
    cpos = np.full(m, -1, dtype=np.int64)
    if old["pos"] and m:
        get = old["pos"].get
        cpos = np.fromiter((get(n, -1) for n in names), dtype=np.int64, count=m)
        known = cpos >= 0
        csig = np.asarray(old["sig"], dtype=np.int64).reshape(-1, 4)
        hit[known] = (csig[cpos[known]] == sig[known]).all(axis=1)
        hit &= cacheable & (sig[:, 1] / 1e9 < cache["written"] - _RACY_SECONDS)
    tables, table_fidx = [], []
    if hit.any():
        fis = np.flatnonzero(hit)
        starts = np.asarray(old["start"], dtype=np.int64)[cpos[fis]]
        ends = np.asarray(old["end"], dtype=np.int64)[cpos[fis]]
        for fi in fis[[c in old["problems"] for c in cpos[fis]]] if old["problems"] else ():
            slot_of[fi] += old["problems"][cpos[fi]]
        rows = pa.array(_ranges(starts, ends))
        t = cache["table"]
        tables.append(pa.table({**{c: t.column(c).take(rows) for c in SCORECARD_COLUMNS},
                                "line": t.column("line").take(rows)}))
        table_fidx.append(np.repeat(fis, ends - starts))
    # 3. read and parse the rest: small files in one batch, bulk files one by one
    small = _engine_small_bytes()
    batch: list[tuple[int, bytes]] = []
    unread = np.zeros(m, dtype=bool)
    for fi in np.flatnonzero(~hit).tolist():
        try:
            data = pre_read.pop(fi) if fi in pre_read else _read_scorecard(paths[fi])
        except OSError as exc:
            slot_of[fi].append(Problem(names[fi], 0, None, _unreadable(paths[fi], exc)))
            unread[fi] = True
            continue
        if len(data) <= small:
            batch.append((fi, data))
        else:
            t, ps = parse_table(data, names[fi])
            tables.append(t)
            table_fidx.append(np.full(t.num_rows, fi, dtype=np.int64))
            slot_of[fi] += ps
    if batch:
        t, fi_rows, rejected = _engine.batch_tables(batch)
        tables.append(t)
        table_fidx.append(fi_rows)
        if rejected:
            data_of = dict(batch)
            blocks, line_blocks, fis = [], [], []
            for fi in sorted(rejected):
                values, lines, ps = parse_records(data_of[fi], names[fi])
                slot_of[fi] += ps
                if len(values):
                    blocks.append(values)
                    line_blocks.append(lines)
                    fis.append(np.full(len(values), fi, dtype=np.int64))
            if blocks:
                tables.append(_engine.text_table(np.concatenate(blocks), np.concatenate(line_blocks)))
                table_fidx.append(np.concatenate(fis))
    keep = [i for i, t in enumerate(tables) if t.num_rows]
    tables, table_fidx = [tables[i] for i in keep], [table_fidx[i] for i in keep]
    if not tables:
        tables, table_fidx = [_engine.empty_table()], []
    # cached and bulk columns are dictionary-encoded, batch-parsed ones text: one dictionary
    # column each (codes and the unique values), never decoded back to one string per row
    raw = _engine.concat_encoded(tables)
    del tables
    fidx = np.concatenate(table_fidx) if table_fidx else np.empty(0, dtype=np.int64)
    if len(fidx) > 1 and (np.diff(fidx) < 0).any():
        perm = np.argsort(fidx, kind="stable")  # file order; each file's rows keep their order
        raw, fidx = raw.take(pa.array(perm)), fidx[perm]
    file_col = pa.DictionaryArray.from_arrays(pa.array(fidx.astype(np.int32), pa.int32()),
                                              pa.array(names, pa.large_string()))
    raw = raw.append_column("file", file_col)
    fresh_fi = np.flatnonzero(cacheable & ~unread)
    changed = bool((cacheable & ~hit & ~unread).any())
    if use_cache and use_cache != "read" and (changed or set(old["pos"]) != {names[i] for i in fresh_fi}):
        fresh = {names[i]: (sig_list[i], i, slot_of[i]) for i in fresh_fi.tolist()}
        _write_cache(cache_file, raw, fresh, fidx)
    return raw, [p for ps in slots for p in ps], m


def _engine_small_bytes() -> int:
    """Files up to this size are parsed in the batch (the rest, bulk files, one by one)."""
    from analysis.io.scorecards import _FAST_BYTES
    return _FAST_BYTES




def _read_scorecard(path: str, *, folders: "_Folders | None" = None, with_stat: bool = False):
    """The bytes of one scorecard file (:func:`analysis.io.bank.read_regular_file`: never blocking on
    a pipe, refusing anything but a regular file); with ``with_stat``, ``(bytes, stat_result)`` of
    the open file. With ``folders``, the file is opened by its name relative to its open folder
    (one name resolved instead of the whole path). Also the seam the tests count reads with."""
    if folders is None:
        return (read_regular_file_stat(path) if with_stat else read_regular_file(path))
    folder, base = path.rsplit(os.sep, 1)
    data, st = read_regular_file_stat(base, dir_fd=folders.fd(folder))
    return (data, st) if with_stat else data


class _Folders:
    """The open folder of the files being read (one at a time: the walk is sorted, so a folder's
    files come together), so each file is opened by its name relative to it."""

    def __init__(self):
        self.path, self._fd = None, None

    def fd(self, folder: str) -> int:
        if folder != self.path:
            self.close()
            self._fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            self.path = folder
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self.path, self._fd = None, None


def _regular_stat(f: str) -> os.stat_result:
    """``os.stat`` of a scorecard file; NotARegularFile (an OSError) for a folder, pipe or device."""
    st = os.stat(f)
    if not stat.S_ISREG(st.st_mode):
        raise NotARegularFile(f"not a regular file ({_kind(st.st_mode)}); expected a CSV file; not read")
    return st


def _parse_all_records(files: list[str], lay: config.Layout):
    """The previous loader path, kept as the reference the columnar path is tested against
    (``load(..., engine="records")``): each file through :func:`parse_records` to object arrays,
    one object DataFrame, no cache. Slower (a Python string per value), same results."""
    blocks, line_blocks, names, counts, problems = [], [], [], [], []
    n_read = 0
    prefix = str(lay.data) + os.sep
    for f in files:
        name = f[len(prefix):] if f.startswith(prefix) else f
        try:
            st = _regular_stat(f)
        except OSError as exc:
            problems.append(Problem(name, 0, None, _unreadable(f, exc)))
            continue
        n_read += 1
        try:
            values, lines, probs = parse_records(read_regular_file(f), name)
        except OSError as exc:
            values, lines, _ = parse_records(b"", name)
            probs = [Problem(name, 0, None, _unreadable(f, exc))]
        if len(values):
            blocks.append(values)
            line_blocks.append(lines)
            names.append(name)
            counts.append(len(values))
        problems += probs
    if not blocks:
        return parse_csv(b"", "")[0].assign(file=pd.Series([], dtype=object)), problems, n_read
    values = np.concatenate(blocks)
    raw = pd.DataFrame({c: pd.Series(values[:, i], dtype=object) for i, c in enumerate(SCORECARD_COLUMNS)})
    raw["line"] = np.concatenate(line_blocks)
    raw["file"] = np.repeat(np.array(names, dtype=object), counts)
    return raw, problems, n_read


def _kind(mode: int) -> str:
    from analysis.io.bank import _KINDS
    return next((k for test, k in _KINDS if test(mode)), "not a file")


def load_scores(questions: pd.DataFrame, data=None, *, cache: bool = True, progress: bool = True,
                engine: str = "columnar"):
    """Read and validate every scorecard of a data folder.

    Returns ``(scores, problems, n_files, n_rows_read)``; see :class:`Workbook`. ``engine`` is
    ``"columnar"`` (Arrow columns and dictionary codes from the parser through validation) or
    ``"records"`` (the previous per-file object-array path, without cache: the reference the
    tests hold the columnar path to; same results, slower).
    """
    lay = config.layout(data)
    regular: set = set()
    files, walk_problems = _scorecard_paths(lay, regular)
    if engine == "records":
        raw, problems, n_read = _parse_all_records(files, lay)
    elif engine == "columnar":
        raw, problems, n_read = _parse_all(files, lay, cache, progress, regular)
    else:
        raise ValueError(f"engine must be 'columnar' or 'records'; got {engine!r}")
    scores, row_problems = judge_and_type(raw, questions["question_id"])
    n_rows = len(raw) if isinstance(raw, pd.DataFrame) else raw.num_rows
    del raw  # the raw columns are done with: hand their memory back before the analyses run
    if engine == "columnar":
        import pyarrow as pa
        pa.default_memory_pool().release_unused()
    # one person, one name: roster aliases mapped, near-duplicate spellings held back (analysis.io.roster)
    roster, roster_problems = read_roster(lay)
    scores, name_problems = apply_roster(scores, roster)
    return scores, walk_problems + problems + row_problems + roster_problems + name_problems, n_read, n_rows


def load_outcomes(data=None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the optional ``outcomes.csv``: ``candidate_id``, ``decision`` (hired / rejected /
    withdrew), ``performance`` (on-the-job rating 1-5, empty when unknown).

    Bad rows are reported and not loaded; a candidate listed twice is reported on the second line.
    """
    lay = config.layout(data)
    path = lay.outcomes
    name = lay.display(path)
    empty = pd.DataFrame({"candidate_id": pd.Series([], dtype=str),
                          "decision": pd.Categorical([], categories=config.DECISIONS),
                          "performance": pd.Series([], dtype=float)})
    if not os.path.lexists(path):
        return empty, []
    try:
        raw_bytes = read_regular_file(path)
        fast = _outcomes_fast(raw_bytes)
        if fast is not None:
            return fast, []
        text = raw_bytes.decode("utf-8-sig")
    except OSError as exc:
        return empty, [Problem(name, 0, None, _unreadable(str(path), exc))]
    except UnicodeDecodeError as exc:
        return empty, [Problem(name, 0, None, f"not UTF-8 ({exc.reason}); expected a UTF-8 CSV")]
    import csv
    import io
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        return empty, [Problem(name, 1, None, f"unreadable header ({exc}); expected candidate_id, decision, performance")]
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        return empty, [Problem(name, 1, None, f"duplicate column(s) {', '.join(dupes)}; expected each column once "
                               "(column names are compared ignoring case)")]
    missing = [c for c in ("candidate_id", "decision") if c not in header]
    if missing:
        return empty, [Problem(name, 1, None, f"missing required column(s) {', '.join(missing)}; "
                               "expected candidate_id, decision, performance")]
    rows, problems, seen = [], [], {}
    last = reader.line_num
    try:
        for rec in reader:
            start, last = last + 1, reader.line_num
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue
            if len(rec) != len(header):
                problems.append(Problem(name, start, None, f"found {len(rec)} fields, expected {len(header)}"))
                continue
            r = {h: v.strip() for h, v in zip(header, rec)}
            cid, dec, perf = _nfc(r["candidate_id"]), r["decision"].lower(), r.get("performance", "")
            bad = []
            if not cid:
                bad.append(("candidate_id", "empty; expected a candidate id"))
            elif cid in seen:
                bad.append(("candidate_id", f"candidate {cid!r} already on line {seen[cid]}; expected one row per candidate"))
            if dec not in config.DECISIONS:
                bad.append(("decision", f"got {r['decision']!r}, expected one of {', '.join(config.DECISIONS)}"))
            lo, hi = config.PERFORMANCE_RANGE
            if perf and not (perf.isascii() and perf.isdigit() and lo <= int(perf) <= hi):
                bad.append(("performance", f"got {perf!r}, expected empty or an integer {lo}-{hi}"))
            elif perf and dec != "hired":
                bad.append(("performance", f"got a rating for a candidate whose decision is {dec!r}; "
                                           "expected performance only for hired candidates"))
            if bad:
                problems += [Problem(name, start, c, m) for c, m in bad]
                continue
            seen[cid] = start
            rows.append((cid, dec, float(perf) if perf else np.nan))
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        problems.append(Problem(name, last + 1, None, f"unreadable CSV from here on ({exc}); expected properly "
                                "quoted fields; the rows from here on were not loaded"))
    if not rows:
        return empty, problems
    out = pd.DataFrame(rows, columns=["candidate_id", "decision", "performance"])
    out["decision"] = pd.Categorical(out["decision"], categories=config.DECISIONS)
    return out, problems


def _outcomes_fast(data: bytes):
    """``outcomes.csv`` through the columnar engine when it provably has no problem at all (then
    the frame is exactly the csv-module path's); None otherwise, and the csv-module path below
    reads it and names every problem. Checks run on unique values: one Python call per distinct
    decision or rating, not per candidate."""
    import pyarrow as pa
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data or not data.isascii():
        return None  # unusual: let the csv-module path judge it
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return None
        data = data.replace(b"\r\n", b"\n")
    nl = data.find(b"\n")
    if nl < 0 or b'"' in data[:nl]:
        return None
    header = [h.strip().lower() for h in data[:nl].decode().split(",")]
    if len(set(header)) != len(header) or "candidate_id" not in header or "decision" not in header:
        return None
    body = data[nl + 1:]
    if not body.strip():
        return None
    if not body.endswith(b"\n"):
        body += b"\n"
    got = _engine._read_body(body, len(header))
    if got is None:
        return None
    plain, rows, plain_idx, q_idx, n = got
    def column(name):
        j = header.index(name)
        parts = []
        if plain is not None:
            parts += plain.column(j).chunks
        if len(q_idx):
            parts.append(pa.array([r[j] for r in rows], pa.large_string()))
        col = pa.chunked_array(parts, pa.large_string())
        if len(q_idx) and plain is not None:
            col = col.take(pa.array(np.argsort(np.concatenate([plain_idx, q_idx]), kind="stable")))
        return col
    c_codes, c_uniq, c_plain = _engine.to_codes(column("candidate_id"), plain=True)
    if not c_plain.all() or len(c_uniq) != n or (c_uniq == "").any():
        return None  # whitespace, non-ASCII, empty or repeated ids: the csv-module path reports or normalises
    d_codes, d_uniq = _engine.to_codes(column("decision"))
    d_norm = [u.strip().lower() for u in d_uniq]
    if any(d not in config.DECISIONS for d in d_norm):
        return None
    lo, hi = config.PERFORMANCE_RANGE
    if "performance" in header:
        p_codes, p_uniq = _engine.to_codes(column("performance"))
        p_norm = [u.strip() for u in p_uniq]
        if any(p and not (p.isascii() and p.isdigit() and lo <= int(p) <= hi) for p in p_norm):
            return None
        rated = np.array([p != "" for p in p_norm], dtype=bool)[p_codes]
        hired = (np.array(d_norm, dtype=object) == "hired")[d_codes]
        if (rated & ~hired).any():
            return None
        perf = np.array([float(p) if p else np.nan for p in p_norm], dtype=float)[p_codes]
    else:
        perf = np.full(n, np.nan)
    from analysis.io.scorecards import _text_of
    dec_pos = pd.Index(config.DECISIONS).get_indexer(d_norm)
    return pd.DataFrame({"candidate_id": _text_of(c_codes, c_uniq),
                         "decision": pd.Categorical.from_codes(dec_pos[d_codes], categories=list(config.DECISIONS)),
                         "performance": perf})


def load(data=None, *, cache: bool = True, progress: bool = True, engine: str = "columnar") -> Workbook:
    """Load a data folder: the bank, every scorecard and the outcomes.

    Parameters
    ----------
    data : path-like, optional
        Folder holding ``questions.csv``, ``scores/`` and optionally ``outcomes.csv`` (default:
        :func:`analysis.config.data_dir`).
    cache : bool or "read", default True
        Use the disposable parse cache in ``<data>/.cache`` (see the module docstring); ``"read"``
        uses an existing cache but never writes one (for callers that must not write into the
        data folder).
    progress : bool, default True
        Show a progress bar when reading thousands of files.
    engine : {"columnar", "records"}, default "columnar"
        How scorecards are parsed (see :func:`load_scores`); both give identical results, the
        columnar engine in a fraction of the time. ``"records"`` exists as the reference.

    Returns
    -------
    Workbook
        ``questions``, ``scores``, ``outcomes``, ``problems``, ``files``, ``rows_read``.

    Raises
    ------
    BankError
        The bank itself is unusable: nothing else can be judged without it.
    """
    lay = require_data_folder(data)
    questions = load_questions(lay)
    scores, problems, n_files, n_rows = load_scores(questions, lay, cache=cache, progress=progress, engine=engine)
    outcomes, out_problems = load_outcomes(lay)
    problems = sorted(problems + out_problems, key=lambda p: (p.path, p.line))
    return Workbook(questions, scores, outcomes, problems, n_files, n_rows, lay.data)
