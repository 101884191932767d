"""Practice interviews: list them, and move one out of the data folder's ``scores/``.

A practice interview (a mock, an interviewer in training, a try-out of the form) is a scorecard
whose ``practice`` column is true: the forms write it when *This is a practice interview* is
ticked. The loader sets it aside (:attr:`analysis.io.load.Workbook.practice`), so nothing counts
it; ``python -m analysis check`` names how many were set aside. These two functions are what
``python -m analysis practice list`` and ``practice remove ID`` call.

>>> from analysis.io.practice import list_practice, remove_practice
>>> list_practice("my-data")                          # one row per practice interview
>>> remove_practice("2026-03-02-C1-0a1b2c3d", "my-data")   # -> (from, to)

Why *remove* moves instead of deleting
---------------------------------------
A scorecard, even a practice one, is data a person entered; no command deletes data it did not
create. ``remove`` moves the interview's file to ``<data>/removed/`` (:attr:`analysis.config.Layout.removed`)
under the same relative path, e.g. ``scores/2026/x.csv`` to ``removed/scores/2026/x.csv``, which
the loader never reads. Move it back to restore it; delete it yourself when you are sure. The move
never overwrites (an earlier removed file of the same name gets company as ``x-2.csv``), runs under
the store's lock (so it cannot race a save), and touches only a file that holds that one practice
interview and nothing else: a bulk file holding other interviews too is refused with what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.errors import UsageError
from analysis.io.files import fsync_dir
from analysis.io.id_index import store_lock
from analysis.io.load import load
from analysis.io.schema import nfc

__all__ = ["list_practice", "remove_practice", "PRACTICE_COLUMNS"]

#: The columns of :func:`list_practice`.
PRACTICE_COLUMNS = ("interview_id", "date", "candidate_id", "level", "interviewer", "questions", "file")


def list_practice(data=None) -> pd.DataFrame:
    """The practice interviews of a data folder, one row each, oldest first: ``interview_id``,
    ``date`` (``YYYY-MM-DD``), ``candidate_id``, ``level``, ``interviewer``, ``questions`` (how
    many were scored) and ``file`` (relative to the data folder). Never writes into the folder
    (the parse cache is read, not written)."""
    practice = load(data, cache="read", progress=False).practice
    if practice.empty:
        return pd.DataFrame({c: pd.Series([], dtype=int if c == "questions" else object) for c in PRACTICE_COLUMNS})
    p = practice.assign(date=practice["date"].dt.strftime("%Y-%m-%d"),
                        **{c: practice[c].astype(str) for c in ("level", "interviewer", "file")})
    out = (p.groupby("interview_id", sort=False)
           .agg(date=("date", "first"), candidate_id=("candidate_id", "first"), level=("level", "first"),
                interviewer=("interviewer", "first"), questions=("question_id", "size"), file=("file", "first"))
           .reset_index())
    return out.sort_values(["date", "interview_id"], kind="stable").reset_index(drop=True)[list(PRACTICE_COLUMNS)]


def remove_practice(interview_id: str, data=None) -> tuple[Path, Path]:
    """Move the file of practice interview ``interview_id`` from ``scores/`` to ``removed/`` (see
    the module docstring). Returns ``(from, to)``.

    Raises
    ------
    UsageError
        No practice interview has that id (a real interview is never moved: its ``practice`` is
        not true), or its file holds other interviews or rows with problems too, or the file
        changed or vanished meanwhile. Nothing is moved then.
    """
    lay = config.layout(data)
    wb = load(lay, cache="read", progress=False)
    lay = wb.layout
    iid = nfc(str(interview_id).strip())
    mine = wb.practice[wb.practice["interview_id"] == iid] if not wb.practice.empty else wb.practice
    if mine.empty:
        if iid in set(wb.scores["interview_id"]):
            raise UsageError(f"interview {iid!r} is a real interview (its practice column is not true); "
                             "practice remove moves only practice interviews, and nothing was moved")
        raise UsageError(f"no practice interview {iid!r} in {lay.scores}; list them with: "
                         f"python -m analysis practice list --data {lay.data}")
    rel = str(mine["file"].iloc[0])
    others = sorted((set(wb.scores.loc[wb.scores["file"].astype(str) == rel, "interview_id"])
                     | set(wb.practice.loc[wb.practice["file"].astype(str) == rel, "interview_id"])) - {iid})
    problems = [p for p in wb.problems if p.path == rel]
    if others or problems:
        what = (f"{len(others)} other interview(s) ({', '.join(map(repr, others[:3]))}"
                f"{', ...' if len(others) > 3 else ''})" if others else f"{len(problems)} row problem(s)")
        raise UsageError(f"{rel} holds {what} besides practice interview {iid!r}; nothing was moved. Delete "
                         f"that interview's rows from the file in a spreadsheet or text editor (keep a copy), "
                         "or move the other rows to a file of their own first")
    src = lay.data / rel
    with store_lock(lay):
        if not os.path.lexists(src):
            raise UsageError(f"{rel} is gone (moved or removed meanwhile); nothing was moved")
        return src, _move_aside(src, lay.removed / rel)


def _move_aside(src: Path, dst: Path) -> Path:
    """Move ``src`` to ``dst`` (or ``dst`` with ``-2``, ``-3``, ... when taken) without ever
    overwriting: a hard link to the new name (fails if it exists), then the old name removed;
    across file systems, an exclusive-create copy (flushed), then the old name removed."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        target = dst if n == 1 else dst.with_name(f"{dst.stem}-{n}{dst.suffix}")
        try:
            os.link(src, target, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            try:
                with open(target, "xb") as out:
                    out.write(src.read_bytes())
                    out.flush()
                    os.fsync(out.fileno())
            except FileExistsError:
                continue
        fsync_dir(target.parent)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(src)
        fsync_dir(src.parent)
        return target
    raise UsageError(f"{dst.parent} holds too many removed files named like {dst.name}; clear some out")
