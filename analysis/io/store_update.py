"""Re-importing an interview: compare it with the stored one, and replace it when asked.

The store (:mod:`analysis.io.store`) only ever adds files. A re-import of an ATS export, though,
often brings a *corrected* scorecard: the same scorecard id with another score or recommendation.
This module holds the two steps such a record needs:

1. **Compare by content.** :func:`stored_versions` reads a scorecard file (through the one CSV
   reader, :class:`analysis.io.csvfile.CsvFile`) into one :class:`Version` per interview: its
   interview fields (date, candidate, level, interviewer, recommendation) and its questions (score,
   red flag, notes), in canonical form: Unicode NFC, surrounding whitespace and line-ending style
   ignored, ``level``/``recommendation`` in lower case, ``red_flag`` as ``true``/``false``, ``3.0``
   as ``3``, row order ignored. :func:`version_of` gives the same for rows about to be written, so
   ``stored == new`` means "already imported", and :func:`differences` names what changed
   (``recommendation yes -> strong_no``, ``jr-s3-basics score 3 -> 1``, ``question ... added``).

2. **Replace, keeping the previous version.** :func:`replace_interview` writes the new version in
   place of the file that holds the interview, under the store's lock
   (:func:`analysis.io.id_index.store_lock`, the same lock every save takes), after checking that
   the file still holds exactly the version that was compared (another process may have changed it
   since). The previous file is first hard-linked (or, across filesystems, copied and fsync-ed)
   into the audit folder ``<data>/history/<interview>/<UTC time>-<file name>``
   (:attr:`analysis.config.Layout.history`), which lies outside ``scores/``: the loader, ``check`` and
   the store's id index never read it. The new file then takes the old one's name by an atomic
   rename (:func:`analysis.io.files.atomic_write` with ``overwrite=True``), so a reader sees the
   old version or the new one, never a mix. When the corrected date moves the interview to another
   year folder, the old file is removed first and the new one linked in (a crash between the two
   leaves the interview absent from ``scores/`` with its previous version in ``history/``; the
   next import then imports the new version as new).

Only a file that holds this one interview is replaced. A bulk file that also holds other
interviews, or a symbolic link, is never rewritten (:class:`~analysis.errors.StoreError` says to
edit it by hand): the import holds such a record back.
"""

from __future__ import annotations

import errno
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.errors import StoreError
from analysis.io.csvfile import CsvFile, CsvTrouble
from analysis.io.files import atomic_write, fsync_dir, read_regular_file, safe_filename
from analysis.io.id_index import lookup, norm_id, store_lock
from analysis.io.schema import INTERVIEW_FIELDS, TRUE_VALUES, nfc
from analysis.io.store import render_interview

__all__ = ["Version", "version_of", "stored_versions", "differences", "replace_interview"]

_QUESTION_FIELDS = ("score", "red_flag", "notes")


@dataclass(frozen=True)
class Version:
    """One interview in canonical form (see the module docstring): what a re-import compares.

    ``head`` holds ``(field, value)`` for each of :data:`analysis.io.schema.INTERVIEW_FIELDS` (rows
    that disagree give their distinct values joined by `` / ``); ``questions`` holds
    ``(question_id, score, red_flag, notes)`` sorted. Columns an importer never writes
    (``duration_seconds``) are not compared, nor ``question_version``, which the store fills from
    the interview's date: a scorecard stored before versions existed (no such column) and the same
    interview as the store writes it now are one version, "already imported".
    """

    head: tuple[tuple[str, str], ...]
    questions: tuple[tuple[str, str, str, str], ...]


def _canon(column: str, value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        value = ""
    text = nfc(str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()
    if column in ("level", "recommendation"):
        return text.lower()
    if column == "red_flag":
        return "true" if text.lower() in TRUE_VALUES else "false"
    if column == "score" and re.fullmatch(r"[0-9]+\.0*", text):
        return text.split(".")[0]
    return text


def version_of(rows) -> Version:
    """The :class:`Version` of one interview's rows: a list of dicts or a DataFrame with the
    scorecard columns (missing columns read as blank)."""
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict("records")
    head = []
    for col in INTERVIEW_FIELDS:
        values = sorted({_canon(col, r.get(col, "")) for r in rows})
        head.append((col, " / ".join(values)))
    questions = sorted((_canon("question_id", r.get("question_id", "")),
                        *(_canon(c, r.get(c, "")) for c in _QUESTION_FIELDS)) for r in rows)
    return Version(tuple(head), tuple(questions))


def stored_versions(path) -> dict[str, Version]:
    """Every interview of one scorecard file as ``{interview id: Version}`` (ids compared as the
    store compares them: NFC, stripped). An unreadable file, or one without an ``interview_id``
    column, gives ``{}``."""
    try:
        csv_file = CsvFile(read_regular_file(path))
    except (OSError, CsvTrouble):
        return {}
    header = [h.strip().lower() for h in csv_file.header]
    if "interview_id" not in header:
        return {}
    by_id: dict[str, list[dict]] = {}
    try:
        for rec in csv_file.records():
            row = dict(zip(header, rec.cells))
            by_id.setdefault(norm_id(row.get("interview_id", "")), []).append(row)
    except CsvTrouble:
        pass  # the records before the unreadable one are compared; check names the rest
    by_id.pop("", None)
    return {i: version_of(rows) for i, rows in by_id.items()}


def differences(old: Version, new: Version) -> list[str]:
    """What changed from ``old`` to ``new``, one short phrase each, interview fields first:
    ``recommendation yes -> strong_no``, ``jr-s3-basics score 3 -> 1``, ``jr-iam-basics red_flag
    false -> true``, ``jr-vpc-basics notes changed``, ``question jr-rds-basics added (score 2)``,
    ``question jr-rds-basics removed (was score 2)``. Notes are named, never quoted."""
    out = [f"{col} {a or '(blank)'} -> {b or '(blank)'}"
           for (col, a), (_, b) in zip(old.head, new.head) if a != b]
    before = {q[0]: q[1:] for q in old.questions}
    after = {q[0]: q[1:] for q in new.questions}
    for qid in sorted(before.keys() | after.keys()):
        if qid not in after:
            out.append(f"question {qid} removed (was score {before[qid][0]})")
        elif qid not in before:
            out.append(f"question {qid} added (score {after[qid][0]})")
        else:
            for col, a, b in zip(_QUESTION_FIELDS, before[qid], after[qid]):
                if a != b:
                    out.append(f"{qid} notes changed" if col == "notes" else f"{qid} {col} {a} -> {b}")
    if not out and old != new:  # e.g. a question asked twice in a broken stored file
        out.append("the rows differ")
    return out


def history_path(interview_id: str, old: Path, data=None) -> Path:
    """Where :func:`replace_interview` keeps the previous file of ``interview_id``:
    ``history/<safe id>/<UTC time to the microsecond>-<old file name>``."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"{time.time_ns() // 1000 % 1_000_000:06d}Z"
    return config.layout(data).history / safe_filename(interview_id) / f"{stamp}-{Path(old).name}"


def _keep(old: Path, body: bytes, interview_id: str, lay: config.Layout) -> Path:
    """Put the previous file into the history folder, durable before the replacement starts."""
    for _ in range(100):
        dest = history_path(interview_id, old, lay)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(old, dest)  # the same bytes and inode: nothing is copied
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            try:
                atomic_write(dest, body)
            except FileExistsError:
                continue
            return dest
        fsync_dir(dest.parent)
        return dest
    raise StoreError(f"cannot find a free name in {dest.parent} for the previous version of {interview_id!r}")


def replace_interview(rows: pd.DataFrame, data=None, *, expected: Version,
                      questions: pd.DataFrame | None = None) -> tuple[Path, Path]:
    """Replace the stored version of one interview with ``rows``, keeping the previous file.

    Parameters
    ----------
    rows : DataFrame
        The new version, one interview in the scorecard format; validated exactly as
        :func:`analysis.io.store.save_interview` validates.
    data : path-like or Layout, optional
        The data folder (default :func:`analysis.config.data_dir`).
    expected : Version
        The stored version the caller compared against (:func:`stored_versions`). If the file
        holds anything else by the time the lock is held, nothing is written.
    questions : DataFrame, optional
        The bank (default: the data folder's).

    Returns
    -------
    (Path, Path)
        The scorecard file written and the previous file's place in ``history/``.

    Raises
    ------
    ScorecardError
        The new version is invalid; nothing is written.
    StoreError
        The interview is no longer stored, changed since it was compared, or its file also holds
        other interviews or is a symbolic link; nothing is written.
    """
    lay = config.layout(data)
    interview_id, new_path, body = render_interview(rows, lay, questions=questions)
    root = str(lay.scores.resolve())
    with store_lock(lay):
        ix, found = lookup(root, interview_id, persist=False)
        try:
            if found is None:
                raise StoreError(f"interview {interview_id!r} is no longer in {lay.scores}; import again "
                                 "(it is then imported as new)")
            old = Path(found)
            if old.is_symlink():
                raise StoreError(f"{lay.display(old)} is a symbolic link; the import replaces only regular "
                                 f"files: replace {interview_id} by hand")
            old_body = read_regular_file(old)
            stored = stored_versions(old)
            if norm_id(interview_id) not in stored:
                raise StoreError(f"{lay.display(old)} cannot be read as a scorecard file (python -m analysis check "
                                 f"names the problem); correct {interview_id} in it by hand")
            if len(stored) > 1:
                raise StoreError(f"{lay.display(old)} also holds {len(stored) - 1} other interview(s); the import "
                                 f"replaces only a file that holds one interview: correct {interview_id} in it by hand")
            if stored[norm_id(interview_id)] != expected:
                raise StoreError(f"{lay.display(old)} changed while importing; import again")
            kept = _keep(old, old_body, interview_id, lay)
            if os.path.normcase(os.path.abspath(old)) == os.path.normcase(str(new_path)):
                atomic_write(new_path, body, overwrite=True)
            else:  # another name (a hand-made file) or another year: remove, then link the new file
                os.unlink(old)
                fsync_dir(old.parent)
                new_path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(new_path, body)
        finally:
            ix.save()
    return new_path, kept
