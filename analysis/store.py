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
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd

from . import config
from .bank import load_questions
from .errors import ScorecardError, StoreError
from .scorecards import SCORECARD_COLUMNS, scorecard_text, validate_interview

__all__ = ["save_interview", "safe_filename", "scorecard_path", "atomic_write"]

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


def save_interview(rows: pd.DataFrame, data=None, *, questions: pd.DataFrame | None = None) -> Path:
    """Validate one interview and save it as a new scorecard file.

    Parameters
    ----------
    rows : DataFrame
        One interview in the scorecard format (see :mod:`analysis.scorecards`), one row per
        question asked. Values may be typed or text; ``level``/``recommendation``/``red_flag`` are
        normalised to lower case on the way out.
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
        An interview with this id is already saved (in any year); nothing is overwritten.
    """
    if questions is None:
        questions = load_questions(data)
    problems = validate_interview(rows, questions)
    if problems:
        raise ScorecardError(problems)
    rows = rows.copy()
    for col in ("level", "recommendation"):
        rows[col] = rows[col].astype(str).str.strip().str.lower()
    rows["red_flag"] = rows["red_flag"].map(lambda v: str(v).strip().lower() in {"true", "yes", "1"})
    interview_id = str(rows["interview_id"].iloc[0]).strip()
    path = scorecard_path(interview_id, rows["date"].iloc[0], data)
    existing = [p for p in config.scores_dir(data).glob(f"*/{path.name}") if p != path]
    if existing:
        raise StoreError(f"interview {interview_id!r} is already saved at {existing[0]}; "
                         "choose a new interview_id (saved scorecards are never overwritten)")
    try:
        return atomic_write(path, _to_csv(rows))
    except FileExistsError:
        raise StoreError(f"interview {interview_id!r} is already saved at {path}; "
                         "choose a new interview_id (saved scorecards are never overwritten)") from None
