"""The scorecard store: the only writer of ``data/scores/``, and it only adds files.

:func:`save_interview` validates one interview, then writes it as one new file
``scores/<year>/<safe interview id>-<hash>.csv`` atomically:

1. the CSV is written to a hidden temporary file in the store's own hidden folder
   ``scores/.cache/store-index/staging/`` (``.<random>.part``; the loader never reads hidden
   folders or ``*.part`` files), flushed and ``fsync``-ed,
2. hard-linked to its final name, which fails if that name exists — so an existing file is never
   overwritten and two processes saving the same interview cannot both win — then the folder is
   fsync-ed and the temporary name removed. (Staged outside the year folder so that the year
   folder changes exactly once, by the link; where the year folder is on another filesystem, the
   temporary file is made in the year folder itself, as :func:`atomic_write` does.)

A crash at any moment leaves either no scorecard or a complete one (at worst a hidden ``.part``
file, which is ignored). Two processes saving different interviews at the same time both succeed:
each has its own temporary file and final name.

Interview ids are unique across the whole scores folder, atomically: the check "is this id saved
anywhere?" and the hard link run under an exclusive lock on ``scores/.store.lock`` (:func:`store_lock`;
the kernel releases it when a process dies, so a crash never leaves the folder locked). The check
covers every scorecard file the loader reads, in any year folder, at any depth, linked folders and
bulk files included, through a persistent id index that is checked against the folder at every
save (:func:`analysis.io.id_index.find_interview`, Notes): a save on a folder of 100,000 files costs a ``stat`` per
folder, not a read per file. So two saves of one id with dates 2024-12-31 and 2025-01-01 at the
same moment cannot both win, and an id already present in a bulk import is refused.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import tempfile
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.errors import Problem, ScorecardError, StoreError
from analysis.io.bank import load_questions, version_in_force
from analysis.io.files import atomic_write, fsync_dir, safe_filename, umask
from analysis.io.id_index import INDEX_DIR, find_interview, lookup, norm_id, store_lock
from analysis.io.schema import SCORECARD_COLUMNS, TRUE_VALUES, nfc
from analysis.io.validation import scorecard_text, validate_interview

# safe_filename (analysis.io.files), find_interview and store_lock (analysis.io.id_index) stay
# importable from here: the store's public names.
__all__ = ["save_interview", "render_interview", "safe_filename", "scorecard_path", "atomic_write", "find_interview",
           "store_lock"]


def scorecard_path(interview_id: str, date, data=None) -> Path:
    """Where :func:`save_interview` puts an interview: ``scores/<year>/<safe id>.csv``."""
    year = pd.Timestamp(date).year
    root = config.layout(data).scores.resolve()
    path = (root / f"{year:04d}" / f"{safe_filename(interview_id)}.csv").resolve()
    if root not in path.parents:  # cannot happen with safe_filename; kept as a guard
        raise StoreError(f"refusing to write outside {root}: {path}")
    return path


def _to_csv(text: pd.DataFrame, cols: list[str]) -> bytes:
    """The scorecard CSV of ``text`` (the text form :func:`analysis.io.validation.scorecard_text`
    gives, already canonical), columns ``cols``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    writer.writerows(zip(*(text[c].tolist() for c in cols)))
    return buf.getvalue().encode("utf-8")


def _stage(root: str, body: bytes) -> str:
    """Write ``body`` to a new hidden file in the index folder (flushed and fsync-ed): outside the
    year folders, so staging a save does not change the folder's time. Returns its path."""
    folder = os.path.join(root, INDEX_DIR, "staging")
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        os.chmod(tmp, 0o666 & ~umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _link_new(staged: str | None, path: Path, body: bytes) -> Path:
    """Give the staged file its final name with a hard link (fails if the name exists, so nothing
    is ever overwritten); across filesystems (a linked year folder) fall back to
    :func:`atomic_write` in the folder itself."""
    if staged is not None:
        try:
            os.link(staged, path)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
        else:
            fsync_dir(path.parent)
            return path
    return atomic_write(path, body)


def _publish(ix, staged: str | None, path: Path, body: bytes, wanted: str) -> Path:
    """Link the new scorecard in and record it in the index without listing its folder."""
    rel = ix.rel_of(path.parent)
    intact = staged is not None and ix.unchanged(rel, path.parent)
    try:
        out = _link_new(staged, path, body)
    finally:  # whatever happened, the folder may have changed: re-list unless proven
        ix.record_link(rel, path, wanted, intact)
    return out


def _surrogate_problems(rows: pd.DataFrame) -> list[Problem]:
    out = []
    for col in rows.columns:
        for i, v in enumerate(rows[col]):
            if isinstance(v, str) and any("\ud800" <= ch <= "\udfff" for ch in v):
                out.append(Problem("<interview>", i + 2, str(col),
                                   "contains an unpaired surrogate (a broken character, e.g. half an emoji "
                                   "pasted from another program); expected valid Unicode text: retype it"))
    return out


def _every_version(questions: pd.DataFrame, lay: config.Layout) -> pd.DataFrame:
    """The bank to judge and fill ``question_version`` by: ``questions`` when it holds every version
    of its questions (or is a bank without versions), else (the active versions a form offers) every
    version of those questions, read from the data folder's bank."""
    if "version" not in questions:
        return questions
    key = questions["base_id"] if "base_id" in questions else questions["question_id"]
    n = questions.groupby(key, sort=False)["version"].agg(["size", "max"])
    if (n["size"] == n["max"]).all():
        return questions
    bank = load_questions(lay, versions="all")
    return bank[bank["question_id"].isin(set(key))].reset_index(drop=True)


def _fill_versions(text: pd.DataFrame, bank: pd.DataFrame) -> None:
    """Write the version in force on the interview's date where a row names none (validated rows)."""
    empty = text["question_version"].str.strip() == ""
    if not empty.any():
        return
    ids = [nfc(q.strip()) for q in text.loc[empty, "question_id"]]
    days = text.loc[empty, "date"].str.strip()
    if "version" in bank and "introduced" in bank:
        got = version_in_force(bank, ids, days)
    else:  # a bank without versions: every question is version 1
        got = [1] * len(ids)
    text.loc[empty, "question_version"] = [str(int(v)) for v in got]


def render_interview(rows: pd.DataFrame, data=None, *, questions: pd.DataFrame | None = None
                     ) -> tuple[str, Path, bytes]:
    """Validate one interview and return its id, the path :func:`save_interview` gives it and the
    exact bytes it writes (raises :class:`ScorecardError` as :func:`save_interview` does). Also used
    by :mod:`analysis.io.store_update`, which replaces a stored interview with these bytes.

    Every file written has ``question_version`` on every row: the one ``rows`` give (validated like
    any value: a version of that question, not introduced after the interview's date), else the
    version in force on the interview's date. So the forms and every importer write it from here.
    ``questions`` (default: every version of the data folder's bank) may be the active versions
    only, as a form offers them: the other versions of those questions are then read from the bank.
    """
    lay = config.layout(data)
    questions = load_questions(lay, versions="all") if questions is None else _every_version(questions, lay)
    # unpaired surrogates cannot be encoded (nor validated, which goes through Arrow strings)
    problems = _surrogate_problems(rows) or validate_interview(rows, questions)
    if problems:
        raise ScorecardError(problems)
    text = scorecard_text(rows)
    _fill_versions(text, questions)
    for col in ("level", "recommendation"):
        text[col] = [v.strip().lower() for v in text[col]]
    # one canonical value: exactly what validation judged (the text the loader would read)
    text["red_flag"] = ["true" if v.strip().lower() in TRUE_VALUES else "false" for v in text["red_flag"]]
    interview_id = str(rows["interview_id"].iloc[0]).strip()
    path = scorecard_path(interview_id, rows["date"].iloc[0], lay)
    cols = [c for c in SCORECARD_COLUMNS if c in rows.columns or c == "notes"]
    cols.insert(cols.index("question_id") + 1, "question_version")  # beside the question it qualifies
    return interview_id, path, _to_csv(text, list(dict.fromkeys(cols)))


def save_interview(rows: pd.DataFrame, data=None, *, questions: pd.DataFrame | None = None) -> Path:
    """Validate one interview and save it as a new scorecard file.

    Parameters
    ----------
    rows : DataFrame
        One interview in the scorecard format (see :mod:`analysis.io.schema`), one row per
        question asked. Values may be typed or text; ``level``/``recommendation`` are normalised to
        lower case on the way out and ``red_flag`` is written as ``true`` or ``false`` — the value
        validation judged (``1``, ``1.0``, ``"YES"`` and ``True`` are all written ``true``).
    data : path-like, optional
        The data folder or its :class:`~analysis.config.Layout` (default: :func:`analysis.config.data_dir`).
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
    lay = config.layout(data)
    interview_id, path, body = render_interview(rows, lay, questions=questions)
    root = str(lay.scores.resolve())
    os.makedirs(root, exist_ok=True)
    staged = _stage(root, body)  # written and fsync-ed before the lock is taken
    try:
        with store_lock(lay):
            path.parent.mkdir(parents=True, exist_ok=True)
            ix, existing = lookup(root, interview_id, persist=False)
            try:
                if existing is not None:
                    raise StoreError(f"interview {interview_id!r} is already saved in {existing}; "
                                     "choose a new interview_id (saved scorecards are never overwritten)")
                try:
                    return _publish(ix, staged, path, body, norm_id(interview_id))
                except FileExistsError:
                    raise StoreError(f"interview {interview_id!r} is already saved at {path}; "
                                     "choose a new interview_id (saved scorecards are never overwritten)") from None
            finally:
                ix.save()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(staged)
