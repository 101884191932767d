"""Writing files safely, in one place: the atomic write and the cross-process lock.

Every writer of the workbook (the scorecard store, drafts, the bank, report tables, images and pages)
writes through :func:`atomic_write`, so a reader never sees half a file and a crash leaves the
previous file or none. Every writer that must not race another process (the store's uniqueness check,
drafts) holds :func:`file_lock`, built on the ``filelock`` package (``flock`` on POSIX, ``msvcrt`` on
Windows, released when the process exits, even by a crash).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from filelock import FileLock

__all__ = ["atomic_write", "file_lock", "fsync_dir", "umask"]


def umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fsync_dir(folder) -> None:
    """Flush a folder's entries to disk (a new name survives a crash); a file system that cannot
    fsync a folder is not an error."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def atomic_write(path: Path, data: bytes | str, *, overwrite: bool = False) -> Path:
    """Write ``data`` (text is written as UTF-8) to ``path`` so that readers see no file or the
    complete file: a temporary file beside it, flushed to disk, then given its name.

    With ``overwrite=False`` (scorecards, the bank's audit copies) the final step is a hard link, which
    fails if ``path`` exists (:class:`FileExistsError`); with ``overwrite=True`` (drafts, report files)
    it is an atomic rename over the old file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600; these are ordinary shared files
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    fsync_dir(path.parent)
    return path


@contextlib.contextmanager
def file_lock(path: Path):
    """Hold the exclusive lock file ``path`` (created if missing) for the ``with`` body; blocks while
    another process holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path, mode=0o666 & ~umask()):
        yield
