"""Load a whole data folder — bank, every scorecard, outcomes — into tidy DataFrames.

>>> from analysis.load import load
>>> wb = load()                         # the repo's data/, or load("path/to/my/data")
>>> wb.scores.head()                    # one row per question asked, typed
>>> wb.problems                         # every row that did not load, with file, line and column

Nothing is dropped silently: every input row is either in ``wb.scores`` or named in
``wb.problems`` (see :mod:`analysis.scorecards` for why an interview loads whole or not at all).

Parse cache
-----------
Parsing 100k small files dominates a reload, so raw parsed rows of small files are cached in
``<data>/.cache/`` keyed by each file's path, size, modification time, change time and inode (the
change time catches a rewrite that puts the modification time back; no user call can set it).
Bulk files are not cached: pandas' C parser reads them faster than their rows unpickle. A file that is new, changed or
deleted is seen at the next load; a file modified within two seconds of the cache being written is
never trusted from it (the "racily clean" rule git uses), so a same-size rewrite in the same clock
tick cannot be served stale. The cache holds only raw text, so validation against the current bank
always runs afresh. It is disposable: a damaged or foreign cache is ignored and rebuilt.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .bank import load_questions
from .errors import Problem
from .scorecards import SCORECARD_COLUMNS, judge_and_type, parse_csv, parse_records

__all__ = ["Workbook", "load", "load_scores", "load_outcomes", "scorecard_files"]

_CACHE_VERSION = 5
_RACY_SECONDS = 2.0
# Bulk files parse faster through pandas' C parser than their rows unpickle: only small files
# (one interview each, where per-file overhead dominates) are cached.
_CACHE_MAX_BYTES = 1 << 16


@dataclass
class Workbook:
    """Everything the workbook knows about one data folder.

    Attributes
    ----------
    questions : DataFrame
        The bank (see :func:`analysis.bank.load_questions`).
    scores : DataFrame
        One row per question asked in a valid interview (see
        :func:`analysis.scorecards.to_scorecard_frame` for the columns and dtypes).
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
    """Every scorecard file below ``<data>/scores``: ``*.csv`` recursively, sorted, skipping hidden
    files and folders (the store's temporary files start with a dot)."""
    return [Path(p) for p in _scorecard_paths(config.scores_dir(data))]


def _scorecard_paths(root) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out += [os.path.join(dirpath, f) for f in filenames if f.endswith(".csv") and not f.startswith(".")]
    return sorted(out)


def _display(path: Path, data: Path) -> str:
    try:
        return str(path.relative_to(data))
    except ValueError:
        return str(path)


def _read_cache(path: Path) -> dict:
    """The cache as ``{"written": t, "files": {name: (signature, values, lines, problems)}}``.

    On disk every column of the cached rows is stored factorised (integer codes and the distinct
    values), which unpickles in a fraction of the time millions of separate strings take; each
    file's rows are a slice of the decoded columns."""
    try:
        with open(path, "rb") as fh:
            cache = pickle.load(fh)
        if cache.get("version") == _CACHE_VERSION:
            columns = [uniq[codes] for codes, uniq in cache["columns"]]
            values = np.column_stack(columns) if columns and len(columns[0]) else np.empty((0, len(SCORECARD_COLUMNS)), object)
            lines = cache["lines"]
            files = {name: (sig, values[a:b], lines[a:b], probs) for name, (sig, a, b, probs) in cache["files"].items()}
            return {"version": _CACHE_VERSION, "written": cache["written"], "files": files}
    except Exception:  # a damaged cache is disposable: rebuild it
        pass
    return {"version": _CACHE_VERSION, "written": 0.0, "files": {}}


def _write_cache(path: Path, fresh: dict) -> None:
    try:
        names = list(fresh)
        blocks = [fresh[n][1] for n in names]
        sizes = [len(b) for b in blocks]
        ends = np.cumsum(sizes)
        starts = ends - np.asarray(sizes, dtype=np.int64)
        values = np.concatenate(blocks) if blocks else np.empty((0, len(SCORECARD_COLUMNS)), object)
        columns = []
        for j in range(values.shape[1]):
            codes, uniq = pd.factorize(values[:, j], use_na_sentinel=False)
            columns.append((codes.astype(np.int32), np.asarray(uniq, dtype=object)))
        lines = np.concatenate([fresh[n][2] for n in names]) if names else np.empty(0, np.int64)
        files = {n: (fresh[n][0], int(a), int(b), fresh[n][3]) for n, a, b in zip(names, starts, ends)}
        payload = {"version": _CACHE_VERSION, "written": time.time(), "files": files, "columns": columns, "lines": lines}
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache-", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only data folder simply goes without a cache


def _parse_all(files: list[Path], data: Path, use_cache: bool, progress: bool):
    """Raw rows and parse problems of every file, from the cache where it is provably fresh.

    Files are parsed to plain object arrays (:func:`analysis.scorecards.parse_records`) and joined
    into one frame at the end: building and concatenating 100k small DataFrames costs more than
    parsing the files.
    """
    cache_file = config.cache_dir(data) / "scorecards.pkl"
    cache = _read_cache(cache_file) if use_cache else {"files": {}, "written": 0.0}
    old = cache["files"]
    fresh: dict[str, tuple] = {}
    blocks, line_blocks, names, counts, problems = [], [], [], [], []
    text_cols = list(SCORECARD_COLUMNS)  # parse_csv's text columns, in its order; then line
    changed = False
    iterator = files
    if progress and len(files) > 2000:
        from tqdm.auto import tqdm
        iterator = tqdm(files, desc="reading scorecards", unit="file")
    prefix = str(data) + os.sep
    for f in iterator:
        name = f[len(prefix):] if f.startswith(prefix) else f
        try:
            st = os.stat(f)
        except FileNotFoundError:
            continue
        sig = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)  # ctime: a rewrite that puts mtime back
        hit = old.get(name)
        cacheable = st.st_size <= _CACHE_MAX_BYTES
        if cacheable and hit is not None and hit[0] == sig and st.st_mtime < cache["written"] - _RACY_SECONDS:
            values, lines, probs = hit[1], hit[2], hit[3]
        else:
            try:
                with open(f, "rb") as fh:
                    values, lines, probs = parse_records(fh.read(), name)
            except OSError as exc:
                values, lines, _ = parse_records(b"", name)
                probs = [Problem(name, 0, None, f"cannot read: {exc}")]
            changed |= cacheable
        if cacheable:
            fresh[name] = (sig, values, lines, probs)
        if len(values):
            blocks.append(values)
            line_blocks.append(lines)
            names.append(name)
            counts.append(len(values))
        problems += probs
    if use_cache and use_cache != "read" and (changed or set(old) != set(fresh)):
        _write_cache(cache_file, fresh)
    if not blocks:
        return parse_csv(b"", "")[0].assign(file=pd.Series([], dtype=object)), problems
    values = np.concatenate(blocks)
    raw = pd.DataFrame({c: pd.Series(values[:, i], dtype=object) for i, c in enumerate(text_cols)})
    raw["line"] = np.concatenate(line_blocks)
    raw["file"] = np.repeat(np.array(names, dtype=object), counts)
    return raw, problems


def load_scores(questions: pd.DataFrame, data=None, *, cache: bool = True, progress: bool = True):
    """Read and validate every scorecard of a data folder.

    Returns ``(scores, problems, n_files, n_rows_read)``; see :class:`Workbook`.
    """
    data = config.data_dir(data)
    files = _scorecard_paths(config.scores_dir(data))
    raw, problems = _parse_all(files, data, cache, progress)
    scores, row_problems = judge_and_type(raw, questions["question_id"])
    return scores, problems + row_problems, len(files), len(raw)


def load_outcomes(data=None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the optional ``outcomes.csv``: ``candidate_id``, ``decision`` (hired / rejected /
    withdrew), ``performance`` (on-the-job rating 1-5, empty when unknown).

    Bad rows are reported and not loaded; a candidate listed twice is reported on the second line.
    """
    path = config.outcomes_path(data)
    name = _display(path, config.data_dir(data))
    empty = pd.DataFrame({"candidate_id": pd.Series([], dtype=str),
                          "decision": pd.Categorical([], categories=config.DECISIONS),
                          "performance": pd.Series([], dtype=float)})
    if not path.exists():
        return empty, []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return empty, [Problem(name, 0, None, f"not UTF-8 ({exc.reason}); expected a UTF-8 CSV")]
    import csv
    import io
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        return empty, [Problem(name, 1, None, f"unreadable header ({exc}); expected candidate_id, decision, performance")]
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
            cid, dec, perf = r["candidate_id"], r["decision"].lower(), r.get("performance", "")
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


def load(data=None, *, cache: bool = True, progress: bool = True) -> Workbook:
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

    Returns
    -------
    Workbook
        ``questions``, ``scores``, ``outcomes``, ``problems``, ``files``, ``rows_read``.

    Raises
    ------
    BankError
        The bank itself is unusable: nothing else can be judged without it.
    """
    data = config.data_dir(data)
    questions = load_questions(data)
    scores, problems, n_files, n_rows = load_scores(questions, data, cache=cache, progress=progress)
    outcomes, out_problems = load_outcomes(data)
    problems = sorted(problems + out_problems, key=lambda p: (p.path, p.line))
    return Workbook(questions, scores, outcomes, problems, n_files, n_rows, data)
