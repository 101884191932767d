"""Load a whole data folder — bank, every scorecard, outcomes — into tidy DataFrames.

>>> from analysis.io.load import load
>>> wb = load()                         # the repo's data/, or load("path/to/my/data")
>>> wb.scores.head()                    # one row per question asked, typed
>>> wb.problems                         # every row that did not load, with file, line and column

Nothing is dropped silently: every input row is in ``wb.scores``, in ``wb.practice`` or named in
``wb.problems`` (see :mod:`analysis.io.validation` for why an interview loads whole or not at all).

Question versions
-----------------
``wb.questions`` holds every version of every question (:func:`analysis.io.bank.item_table`), and
each scorecard row is keyed by the item it answered: the version its ``question_version`` names,
else the version in force on its date (``jr-s3-basics v1`` before a rewrite, ``jr-s3-basics v2``
after). Both are found on distinct values only (:mod:`analysis.io._versions`); a bank with one
version of every question and scorecards without the column cost nothing, and then every item id
is the question's own id. An interview dated after its question was retired loads, with a warning
(``wb.warnings``).

Practice interviews
-------------------
An interview whose ``practice`` column is true (the forms' *This is a practice interview* box; see
:mod:`analysis.io.schema`) is loaded, validated like any other, and set aside in ``wb.practice``:
``wb.scores`` never holds one, so no table, chart, brief, fit, export, explorer or debrief counts
it. This is the one place that happens.

How it is fast
--------------
Scorecards are read by a columnar engine (:mod:`analysis.io._engine`): a bulk file by pyarrow's CSV
reader, the many small files of a per-interview history concatenated and parsed in *one* engine
call, each only after a proof that it reads exactly as the csv module would read it (anything
odd is parsed alone by the csv-module path, which names every problem). The raw rows stay one
Arrow table; ids and other text columns become integer codes (Arrow dictionaries) and each
*unique* value is validated once (:class:`analysis.io.validation._Factors`). ``load(...,
engine="records")`` runs the previous path (a Python object per value), which the tests hold
this one to: identical frames and problems.

Parse cache
-----------
Raw parsed rows of small files are kept in ``<data>/.cache/scorecards.arrow`` between loads, keyed
by each file's size, times and inode; see :mod:`analysis.io.parse_cache`.

Files that are not files
------------------------
Folders below ``scores/`` are followed also through symbolic links (a year folder that links to
another disk is read); a link that leads back into a folder already read is reported once and not
followed again. A broken link, a symlink loop, a named pipe, a socket or a device called ``*.csv``
is reported as a problem and never opened in a way that could block. A data folder without
``scores/`` is a problem, not "0 problems".
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis._process import hand_back_memory
from analysis.errors import Problem
from analysis.io import _engine, parse_cache
from analysis.io._versions import as_items, date_first_versions, retired_warnings
from analysis.io.bank import item_table, load_questions
from analysis.io.files import (NotARegularFile, file_kind, open_regular_file, read_regular_file, read_regular_file_stat, scorecard_entries,
                               unreadable)
from analysis.io.folder import require_data_folder
from analysis.io.outcomes import load_outcomes
from analysis.io.roster import apply_roster, read_roster
from analysis.io.schema import SCORECARD_COLUMNS, TRUE_VALUES, nfc
from analysis.io.scorecards import BULK_BYTES, parse_bulk_file, parse_csv, parse_records, parse_table
from analysis.io.validation import judge_and_type

__all__ = ["Workbook", "load", "load_scores", "load_outcomes", "scorecard_files"]


@dataclass
class Workbook:
    """Everything the workbook knows about one data folder.

    Attributes
    ----------
    questions : DataFrame
        The items: every version of every question, retired ones included
        (:func:`analysis.io.bank.item_table`): ``question_id`` is the item id (the stable id while a
        question has one version, ``mid-caching v2`` once it has two), ``base_id`` the stable id,
        then ``version``, ``status``, ``introduced``, ``retired`` and the bank's other columns. A
        version 1 without an ``introduced`` date (a bank written before versions) is dated at the
        folder's earliest interview.
    scores : DataFrame
        One row per question asked in a valid interview (see
        :func:`analysis.io.validation.to_scorecard_frame` for the columns and dtypes);
        ``question_id`` is the item id (categorical over ``questions.question_id``) and
        ``question_version`` the version asked (the scorecard's, else the one in force on its date).
    outcomes : DataFrame
        ``candidate_id``, ``decision`` (categorical), ``performance`` (float, NaN when unknown);
        empty when the folder has no ``outcomes.csv``.
    problems : list of Problem
        Everything that did not load, with file, line and column.
    files : int
        How many scorecard files were read.
    rows_read : int
        How many scorecard rows the files held.
    layout : analysis.config.Layout or None
        Every path of the data folder, as :func:`load` resolved it (once): whatever reads or writes
        beside the loaded data takes it from here. None for a workbook built in memory.
    practice : DataFrame
        The rows of valid practice interviews (``practice`` true), with the columns of ``scores``:
        set aside, never in ``scores``, so nothing counts them. ``rows_read`` is
        ``len(scores) + len(practice)`` plus the rows named in ``problems``.
    warnings : list of Problem
        What is worth a look but holds nothing back (not counted in ``problems``): a row of an
        interview dated after its question was retired (imported history may be late).
    """

    questions: pd.DataFrame
    scores: pd.DataFrame
    outcomes: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    rows_read: int = 0
    layout: config.Layout | None = None
    practice: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def data(self) -> Path | None:
        """The data folder (``layout.data``), or None for a workbook built in memory."""
        return self.layout.data if self.layout is not None else None

    @property
    def n_interviews(self) -> int:
        """How many (real) interviews loaded: practice interviews are not counted."""
        return int(self.scores["interview_id"].nunique())

    @property
    def n_practice(self) -> int:
        """How many practice interviews were loaded and set aside (``practice``)."""
        return int(self.practice["interview_id"].nunique()) if "interview_id" in self.practice else 0

    def summary(self) -> str:
        """The line ``python -m analysis check`` ends with: ``loaded N rows from M interviews in K
        files; P problems``, N and M counting real interviews only, and ``; Q practice interviews
        set aside`` appended when there are any (K counts every file read, practice ones too)."""
        line = (f"loaded {len(self.scores)} rows from {self.n_interviews} interviews in {self.files} files; "
                f"{len(self.problems)} problems")
        q = self.n_practice
        return line + (f"; {q} practice interview{'' if q == 1 else 's'} set aside" if q else "")


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
        return [], [Problem(lay.display(lay.scores), 0, None, f"the scores folder {what} ({root}); expected the scorecards in "
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
        for e, is_dir in scorecard_entries(entries):  # a symlink loop called *.csv: a file, reported later
            if is_dir:
                walk(e.path)
            else:
                out.append(e.path)
                if regular is not None:
                    try:
                        if e.is_file(follow_symlinks=False):
                            regular.add(e.path)
                    except OSError:
                        pass

    walk(root)
    return sorted(out), problems


def _parse_all(files: list[str], lay: config.Layout, use_cache, progress: bool, regular: set = frozenset()):
    """Raw rows and parse problems of every file, from the cache where it is provably fresh.

    Returns ``(raw, problems, n_files_read)`` with ``raw`` an Arrow table: the scorecard columns
    as text, ``line``, and ``file`` (dictionary-encoded), rows in file order then line order.
    Small files not in the cache are parsed together in one engine call
    (:func:`analysis.io._engine.batch_tables`); a file the batch cannot prove, and every bulk file,
    goes through :func:`analysis.io.scorecards.parse_table`, which names each problem.
    """
    import pyarrow as pa  # deferred: pyarrow costs start-up time, and only loading needs it
    cache = parse_cache.read_cache(lay.parse_cache) if use_cache else parse_cache.empty_cache()
    old = cache["files"]
    names: list[str] = []
    paths: list[str] = []
    sig_list: list[tuple] = []
    slots: list[list[Problem]] = []  # the problems of each file, in file order
    slot_of: list[list[Problem]] = []  # the same lists, by file index
    iterator = files
    if progress and len(files) > 2000:
        from tqdm.auto import tqdm  # deferred: only thousands of files show a progress bar
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
                    data, st = _read_scorecard(f, folders=folders, with_stat=True, skip_bulk=True)
                except OSError:
                    st = None  # classified below exactly as before (stat, then read)
                else:
                    if data is not None:  # (a bulk file is streamed in step 3, never read whole here)
                        pre_read[len(names)] = data
            if st is None:
                try:
                    st = _regular_stat(f)
                except OSError as exc:
                    slots.append([Problem(name, 0, None, unreadable(f, exc))])
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
    cacheable = sig[:, 0] <= parse_cache.MAX_FILE_BYTES
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
        hit &= cacheable & (sig[:, 1] / 1e9 < cache["written"] - parse_cache.RACY_SECONDS)
    tables, table_fidx = [], []
    if hit.any():
        fis = np.flatnonzero(hit)
        starts = np.asarray(old["start"], dtype=np.int64)[cpos[fis]]
        ends = np.asarray(old["end"], dtype=np.int64)[cpos[fis]]
        for fi in fis[[c in old["problems"] for c in cpos[fis]]] if old["problems"] else ():
            slot_of[fi] += old["problems"][cpos[fi]]
        rows = pa.array(parse_cache.ranges(starts, ends))
        t = cache["table"]
        tables.append(pa.table({**{c: t.column(c).take(rows) for c in SCORECARD_COLUMNS},
                                "line": t.column("line").take(rows)}))
        table_fidx.append(np.repeat(fis, ends - starts))
    # 3. read and parse the rest: small files in one batch, bulk files one by one
    batch: list[tuple[int, bytes]] = []
    unread = np.zeros(m, dtype=bool)
    for fi in np.flatnonzero(~hit).tolist():
        try:
            if fi not in pre_read and sig_list[fi][0] > BULK_BYTES:
                t, ps = parse_bulk_file(paths[fi], names[fi])
                tables.append(t)
                table_fidx.append(np.full(t.num_rows, fi, dtype=np.int64))
                slot_of[fi] += ps
                continue
            data = pre_read.pop(fi) if fi in pre_read else _read_scorecard(paths[fi])
        except OSError as exc:
            slot_of[fi].append(Problem(names[fi], 0, None, unreadable(paths[fi], exc)))
            unread[fi] = True
            continue
        if len(data) <= BULK_BYTES:
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
    fidx = (table_fidx[0] if len(table_fidx) == 1 else np.concatenate(table_fidx) if table_fidx
            else np.empty(0, dtype=np.int64))
    # each table's rows are in file order already: only several tables can need a sort (and one
    # bulk file is spared a diff of every row, 170 MB at 10M rows at the loader's peak)
    if len(table_fidx) > 1 and len(fidx) > 1 and (np.diff(fidx) < 0).any():
        perm = np.argsort(fidx, kind="stable")  # file order; each file's rows keep their order
        raw, fidx = raw.take(pa.array(perm)), fidx[perm]
    file_col = pa.DictionaryArray.from_arrays(pa.array(fidx.astype(np.int32), pa.int32()),
                                              pa.array(names, pa.large_string()))
    raw = raw.append_column("file", file_col)
    fresh_fi = np.flatnonzero(cacheable & ~unread)
    changed = bool((cacheable & ~hit & ~unread).any())
    if use_cache and use_cache != "read" and (changed or set(old["pos"]) != {names[i] for i in fresh_fi}):
        fresh = {names[i]: (sig_list[i], i, slot_of[i]) for i in fresh_fi.tolist()}
        parse_cache.write_cache(lay.parse_cache, raw, fresh, fidx)
    return raw, [p for ps in slots for p in ps], m


def _read_scorecard(path: str, *, folders: "_Folders | None" = None, with_stat: bool = False, skip_bulk: bool = False):
    """The bytes of one scorecard file (:func:`analysis.io.files.read_regular_file`: never blocking on
    a pipe, refusing anything but a regular file); with ``with_stat``, ``(bytes, stat_result)`` of
    the open file. With ``folders``, the file is opened by its name relative to its open folder
    (one name resolved instead of the whole path). With ``skip_bulk`` (and ``with_stat``), a file
    over :data:`~analysis.io.scorecards.BULK_BYTES` is not read: ``(None, stat_result)``, and the
    loader streams it (:func:`analysis.io.scorecards.parse_bulk_file`). Also the seam the tests count reads with."""
    dir_fd = folders.fd(path.rsplit(os.sep, 1)[0]) if folders is not None else None
    name = path.rsplit(os.sep, 1)[1] if folders is not None else path
    if skip_bulk:
        fd, st = open_regular_file(name, dir_fd)
        try:
            if st.st_size > BULK_BYTES:
                return None, st
            data = os.read(fd, st.st_size + 1)  # a short read proves the end, as files.read_regular_file_stat
        finally:
            os.close(fd)
        if len(data) <= st.st_size:
            return data, st
    data, st = read_regular_file_stat(name, dir_fd=dir_fd)  # (the file grew while being read: read it whole)
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
        raise NotARegularFile(f"not a regular file ({file_kind(st.st_mode)}); expected a CSV file; not read")
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
            problems.append(Problem(name, 0, None, unreadable(f, exc)))
            continue
        n_read += 1
        try:
            values, lines, probs = parse_records(read_regular_file(f), name)
        except OSError as exc:
            values, lines, _ = parse_records(b"", name)
            probs = [Problem(name, 0, None, unreadable(f, exc))]
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


def load_scores(questions: pd.DataFrame, data=None, *, cache: bool = True, progress: bool = True,
                engine: str = "columnar"):
    """Read and validate every scorecard of a data folder against ``questions`` (the item table of
    every version, :func:`analysis.io.bank.item_table`; a bank without versions is read as one).

    Returns ``(scores, practice, problems, n_files, n_rows_read)``; see :class:`Workbook`: the
    practice interviews are set aside here, before the roster is applied (each frame on its own,
    so a practice interview's spelling of a name cannot hold back a real one). ``engine`` is
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
    base_ids, versioned = _stable_ids(questions)
    resolve = versioned or _has_versions(raw)  # else one version of everything: nothing to resolve
    practice_ids = _practice_ids(raw)
    n_rows = len(raw) if isinstance(raw, pd.DataFrame) else raw.num_rows
    # raw handed over (no reference kept here): each raw column goes as soon as it is typed
    held = [raw]
    del raw
    if resolve:
        scores, row_problems = judge_and_type(held.pop(), base_ids, versions=questions)
    else:
        scores, row_problems = judge_and_type(held.pop(), base_ids)
    scores = as_items(scores, questions)
    is_practice = (scores["interview_id"].isin(practice_ids).to_numpy() if practice_ids
                   else np.zeros(len(scores), dtype=bool))
    # one person, one name: roster aliases mapped, near-duplicate spellings held back (analysis.io.roster)
    roster, roster_problems = read_roster(lay)
    if is_practice.any():
        practice = _tidy(scores[is_practice].reset_index(drop=True))
        scores = _tidy(scores[~is_practice].reset_index(drop=True))
    else:
        practice = scores.iloc[:0].copy()
    scores, name_problems = apply_roster(scores, roster)
    practice, practice_problems = apply_roster(practice, roster)
    problems = walk_problems + problems + row_problems + roster_problems + name_problems + practice_problems
    return scores, practice, problems, n_read, n_rows


def _stable_ids(questions: pd.DataFrame) -> tuple[list, bool]:
    """The stable ids of a bank (every version's, in bank order, once each) and whether any
    question has more than one version."""
    if "base_id" not in questions:
        return list(questions["question_id"]), False
    ids = pd.unique(questions["base_id"])
    return list(ids), len(ids) < len(questions)


def _has_versions(raw) -> bool:
    """Whether any raw row fills ``question_version`` (the column's unique values only)."""
    if isinstance(raw, pd.DataFrame):
        col = raw["question_version"] if "question_version" in raw else pd.Series([], dtype=object)
        return bool(col.astype(str).str.strip().ne("").any())
    _, uniq = _engine.to_codes(raw.column("question_version"))
    return any(str(u).strip() for u in uniq)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the categories only its own rows use in the columns whose categories come from
    the data (``interviewer``, ``file``): after the split, a practice interviewer or file must not
    linger as an empty category of ``scores`` (a chart or a table would show it with no rows)."""
    for col in ("interviewer", "file"):
        if col in frame and isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].cat.remove_unused_categories()
    return frame


def _practice_ids(raw) -> set:
    """The interview ids (stripped, NFC, as the typed frame holds them) of the raw rows whose
    ``practice`` is true (:data:`~analysis.io.schema.TRUE_VALUES`, any case). Validation holds back
    an interview whose rows disagree, so a loaded interview is practice on every row or on none.
    Only the column's unique values are judged; a folder without practice costs one pass."""
    if isinstance(raw, pd.DataFrame):
        flags = raw["practice"].astype(str).str.strip().str.lower().isin(TRUE_VALUES).to_numpy()
        ids = raw["interview_id"].to_numpy(dtype=object)[flags]
    else:
        codes, uniq = _engine.to_codes(raw.column("practice"))
        true_u = np.fromiter((str(u).strip().lower() in TRUE_VALUES for u in uniq), dtype=bool, count=len(uniq))
        flags = true_u[codes] if len(codes) else np.zeros(0, dtype=bool)
        if not flags.any():
            return set()
        import pyarrow as pa  # deferred: pyarrow costs start-up time, and only loading needs it
        ids = raw.column("interview_id").take(pa.array(np.flatnonzero(flags))).to_pylist()
    return {nfc(str(i).strip()) for i in ids}


def load(data=None, *, cache: bool = True, progress: bool = True, engine: str = "columnar") -> Workbook:
    """Load a data folder: the bank, every scorecard and the outcomes.

    Parameters
    ----------
    data : path-like or :class:`~analysis.config.Layout`, optional
        Folder holding ``questions.csv``, ``scores/`` and optionally ``outcomes.csv`` (default:
        :func:`analysis.config.data_dir`). Resolved once (:func:`analysis.io.folder.require_data_folder`)
        and passed down to every reader as a :class:`~analysis.config.Layout`.
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
        ``questions``, ``scores``, ``outcomes``, ``problems``, ``files``, ``rows_read``, ``layout``,
        and ``practice`` (the practice interviews, set aside: never in ``scores``).

    Raises
    ------
    DataFolderError
        ``data`` is not an existing folder.
    BankError
        The bank itself is unusable: nothing else can be judged without it.
    """
    lay = require_data_folder(data)
    questions = item_table(load_questions(lay, versions="all"))
    scores, practice, problems, n_files, n_rows = load_scores(questions, lay, cache=cache, progress=progress,
                                                             engine=engine)
    outcomes, out_problems = load_outcomes(lay)
    problems = sorted(problems + out_problems, key=lambda p: (p.path, p.line))
    warnings = sorted(retired_warnings(scores, questions) + retired_warnings(practice, questions),
                      key=lambda p: (p.path, p.line))
    questions = date_first_versions(questions, scores, practice)
    hand_back_memory()  # what the load freed, before the analyses (analysis._process)
    return Workbook(questions, scores, outcomes, problems, n_files, n_rows, lay, practice, warnings)

