"""The scorecard store: the only writer of ``data/scores/``, and it only adds files.

:func:`save_interview` validates one interview, then writes it as one new file
``scores/<year>/<safe interview id>-<hash>.csv`` atomically:

1. the CSV is written to a hidden temporary file in the same folder (``.<name>.<random>.part``; the
   loader never reads hidden files or ``*.part``),
2. flushed and ``fsync``-ed,
3. hard-linked to its final name, which fails if that name exists — so an existing file is never
   overwritten and two processes saving the same interview cannot both win — then the temporary
   name is removed and the folder fsync-ed.

A crash at any moment leaves either no scorecard or a complete one (at worst a hidden ``.part``
file, which is ignored). Two processes saving different interviews at the same time both succeed:
each has its own temporary file and final name.

Interview ids are unique across the whole scores folder, atomically: the check "is this id saved
anywhere?" and the hard link run under an exclusive lock on ``scores/.store.lock`` (``fcntl.flock``;
the kernel releases it when a process dies, so a crash never leaves the folder locked). The check
looks at every scorecard file the loader reads, in any year folder, at any depth, bulk files
included: a cheap byte search for the id, then a real CSV parse of the few files that contain it.
So two saves of one id with dates 2024-12-31 and 2025-01-01 at the same moment cannot both win, and
an id already present in a bulk import is refused.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import tempfile
import time
import unicodedata
from pathlib import Path

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

import pandas as pd

from . import config
from .bank import load_questions
from .errors import Problem, ScorecardError, StoreError
from .scorecards import SCORECARD_COLUMNS, TRUE_VALUES, scorecard_text, validate_interview

__all__ = ["save_interview", "safe_filename", "scorecard_path", "atomic_write", "find_interview", "store_lock"]

#: The lock file that makes "check the id, then link the file" one atomic step (hidden: never read).
LOCK_NAME = ".store.lock"

_MAX_STEM = 80
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_filename(text: str, *, max_length: int = _MAX_STEM) -> str:
    """A file-name stem derived from an id or a name that cannot leave its folder.

    Keeps ASCII letters, digits, ``-`` and ``_``; everything else (``/``, ``..``, ``\\``, NUL,
    spaces, accents) becomes ``-``. A short hash of the original text is appended so two ids that
    clean to the same stem (``a/b`` and ``a-b``) never share a file, and so reserved device names
    (``CON``, ``NUL``) and empty results stay harmless. The result is at most ``max_length + 9``
    characters and never starts with a dot.

    >>> safe_filename("../../etc/passwd")
    'etc-passwd-...'   # doctest: +SKIP
    """
    text = str(text)
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", norm).strip("-_")[:max_length].strip("-_")
    if not stem or stem.lower() in _RESERVED:
        stem = f"id-{stem}" if stem else "id"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{stem}-{digest}"


def scorecard_path(interview_id: str, date, data=None) -> Path:
    """Where :func:`save_interview` puts an interview: ``scores/<year>/<safe id>.csv``."""
    year = pd.Timestamp(date).year
    root = config.scores_dir(data).resolve()
    path = (root / f"{year:04d}" / f"{safe_filename(interview_id)}.csv").resolve()
    if root not in path.parents:  # cannot happen with safe_filename; kept as a guard
        raise StoreError(f"refusing to write outside {root}: {path}")
    return path


def atomic_write(path: Path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` so that readers see no file or the complete file.

    With ``overwrite=False`` (scorecards) the final step is a hard link, which fails if ``path``
    exists (:class:`FileExistsError`); with ``overwrite=True`` (drafts) it is an atomic rename.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a scorecard is an ordinary file
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _to_csv(rows: pd.DataFrame) -> bytes:
    text = scorecard_text(rows)
    cols = [c for c in SCORECARD_COLUMNS if c in rows.columns or c == "notes"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    writer.writerows(text[cols].itertuples(index=False, name=None))
    return buf.getvalue().encode("utf-8")


@contextlib.contextmanager
def store_lock(data=None):
    """Hold the scores folder's exclusive lock (``scores/.store.lock``) for the ``with`` body.

    Every :func:`save_interview` takes it around its uniqueness check and its hard link, so the two
    are one atomic step for every process on the machine (and on NFS, where ``flock`` is mapped to
    byte-range locks). The lock is released when the process exits, even by a crash.
    """
    root = config.scores_dir(data)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:  # pragma: no cover - Windows: lock the first byte, retrying while another holds it
            import msvcrt
            import time
            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _norm_id(text: str) -> str:
    return unicodedata.normalize("NFC", str(text)).strip()


def _ids_in_file(path: Path) -> set[str]:
    """The interview ids of one scorecard file (any layout), normalised; empty if unreadable."""
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return set()
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        return set()
    names = [h.strip().lower() for h in header]
    if "interview_id" not in names:
        return set()
    col = names.index("interview_id")
    return {_norm_id(row[col]) for row in reader if len(row) > col}


class _Dir:
    """What the id index knows of one folder below ``scores/``."""

    __slots__ = ("mtime_ns", "trusted", "subdirs", "files", "mutable")

    def __init__(self):
        self.mtime_ns, self.trusted, self.subdirs, self.files = -1, False, [], {}
        self.mutable: set[str] = set()  # files to check again at every call (not store-written)


#: In-memory id index per scores folder: {root: {relative dir: _Dir}}; a file's record is
#: (size, mtime_ns, ids, immutable). Kept per process (a form's kernel), validated on every use.
_INDEX: dict[str, dict[str, _Dir]] = {}
#: A folder changed less than this long before it was read may change again within the same
#: time-stamp tick, so its listing is not trusted at the next save.
_FRESH_NS = 2_000_000_000


def _file_record(path: str, name: str, st) -> tuple:
    ids = _ids_in_file(Path(path))
    # one interview in a file named after it: what the store and the demo write, once, never edited
    immutable = len(ids) == 1 and f"{safe_filename(next(iter(ids)))}.csv" == name
    return (st.st_size, st.st_mtime_ns, frozenset(ids), immutable)


def _scan(root: str, rel: str, index: dict, now_ns: int, seen: set) -> None:
    seen.add(rel)
    full = os.path.join(root, rel) if rel else root
    try:
        st = os.stat(full)
    except OSError:
        index.pop(rel, None)
        return
    d = index.get(rel)
    if d is None:
        d = index[rel] = _Dir()
    if not (d.trusted and d.mtime_ns == st.st_mtime_ns):
        subdirs, names = [], []
        try:
            with os.scandir(full) as it:
                for e in it:
                    if e.name.startswith("."):
                        continue
                    if e.is_dir(follow_symlinks=False):
                        subdirs.append(e.name)
                    elif e.name.endswith(".csv"):
                        names.append(e.name)
        except OSError:
            return
        old = d.files
        d.files = {n: old.get(n) for n in names}
        d.mutable = {n for n, rec in d.files.items() if rec is None or not rec[3]}
        d.subdirs = sorted(subdirs)
        d.mtime_ns = st.st_mtime_ns
        d.trusted = now_ns - st.st_mtime_ns > _FRESH_NS
    for name in list(d.mutable):  # store-written files are skipped: their id cannot change
        rec = d.files.get(name)
        path = os.path.join(full, name)
        try:
            fst = os.stat(path)
        except OSError:
            d.files.pop(name, None)
            d.mutable.discard(name)
            continue
        if rec is None or (rec[0], rec[1]) != (fst.st_size, fst.st_mtime_ns):
            rec = d.files[name] = _file_record(path, name, fst)
            if rec[3]:
                d.mutable.discard(name)
    for sub in d.subdirs:
        _scan(root, f"{rel}/{sub}" if rel else sub, index, now_ns, seen)


def find_interview(interview_id: str, data=None) -> Path | None:
    """The scorecard file that already holds ``interview_id``, or None.

    Looks in every file the loader reads (``scores/**/*.csv``, any year, any depth, bulk files
    included; hidden files and folders are skipped, as the loader skips them). Ids compare after
    stripping whitespace and Unicode NFC normalisation, as the loader compares them.

    Notes
    -----
    Cheap on a large folder: the ids of each file are kept in an in-memory index, which is checked
    against the folder on every call — a folder is listed again when its modification time changed
    (or changed within the last two seconds, finer than time stamps can tell), a file that is not a
    single store-written interview (a bulk import, a hand-made file) is parsed again when its size
    or time changed. A file the store or the demo wrote (one interview, named after its id) is read
    once. So the first call reads every file once; later calls cost a ``stat`` per folder and per
    bulk file.
    """
    root = str(config.scores_dir(data).resolve())
    wanted = _norm_id(interview_id)
    index = _INDEX.setdefault(root, {})
    seen: set[str] = set()
    _scan(root, "", index, time.time_ns(), seen)
    for gone in set(index) - seen:  # folders removed since the last call
        del index[gone]
    for rel, d in index.items():
        for name, rec in d.files.items():
            if rec is not None and wanted in rec[2]:
                return Path(root, rel, name) if rel else Path(root, name)
    return None


def _surrogate_problems(rows: pd.DataFrame) -> list[Problem]:
    out = []
    for col in rows.columns:
        for i, v in enumerate(rows[col]):
            if isinstance(v, str) and any("\ud800" <= ch <= "\udfff" for ch in v):
                out.append(Problem("<interview>", i + 2, str(col),
                                   "contains an unpaired surrogate (a broken character, e.g. half an emoji "
                                   "pasted from another program); expected valid Unicode text: retype it"))
    return out


def save_interview(rows: pd.DataFrame, data=None, *, questions: pd.DataFrame | None = None) -> Path:
    """Validate one interview and save it as a new scorecard file.

    Parameters
    ----------
    rows : DataFrame
        One interview in the scorecard format (see :mod:`analysis.scorecards`), one row per
        question asked. Values may be typed or text; ``level``/``recommendation`` are normalised to
        lower case on the way out and ``red_flag`` is written as ``true`` or ``false`` — the value
        validation judged (``1``, ``1.0``, ``"YES"`` and ``True`` are all written ``true``).
    data : path-like, optional
        The data folder (default: :func:`analysis.config.data_dir`).
    questions : DataFrame, optional
        The bank to check question ids against (default: the data folder's bank).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ScorecardError
        The interview is invalid; ``.problems`` lists every problem. Nothing is written.
    StoreError
        An interview with this id is already saved (in any year, any file of the scores folder,
        bulk files included); nothing is overwritten.
    """
    if questions is None:
        questions = load_questions(data)
    # unpaired surrogates cannot be encoded (nor validated, which goes through Arrow strings)
    problems = _surrogate_problems(rows) or validate_interview(rows, questions)
    if problems:
        raise ScorecardError(problems)
    text = scorecard_text(rows)
    rows = rows.copy()
    for col in ("level", "recommendation"):
        rows[col] = rows[col].astype(str).str.strip().str.lower()
    # one canonical value: exactly what validation judged (the text the loader would read)
    rows["red_flag"] = ["true" if str(v).strip().lower() in TRUE_VALUES else "false" for v in text["red_flag"]]
    interview_id = str(rows["interview_id"].iloc[0]).strip()
    path = scorecard_path(interview_id, rows["date"].iloc[0], data)
    body = _to_csv(rows)
    with store_lock(data):
        existing = find_interview(interview_id, data)
        if existing is not None:
            raise StoreError(f"interview {interview_id!r} is already saved in {existing}; "
                             "choose a new interview_id (saved scorecards are never overwritten)")
        try:
            return atomic_write(path, body)
        except FileExistsError:
            raise StoreError(f"interview {interview_id!r} is already saved at {path}; "
                             "choose a new interview_id (saved scorecards are never overwritten)") from None
