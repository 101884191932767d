"""Reading and writing the data folder's files safely, in one place: the non-blocking read of a
regular file, safe file names, the atomic write and the cross-process lock.

Every reader of a data-folder file (the bank, scorecards, outcomes, the roster, the store's id index)
opens it with :func:`read_regular_file`, so a named pipe or a device called ``x.csv`` can never make
a load hang, and :func:`unreadable` says in words why a path could not be read. Every file name
derived from an id or a name goes through :func:`safe_filename`, so no id can leave its folder.

Every writer of the workbook (the scorecard store, drafts, the bank, report tables, images and pages)
writes through :func:`atomic_write`, so a reader never sees half a file and a crash leaves the
previous file or none. Every writer that must not race another process (the store's uniqueness check,
drafts) holds :func:`file_lock`, built on the ``filelock`` package (``flock`` on POSIX, ``msvcrt`` on
Windows, released when the process exits, even by a crash).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from filelock import FileLock

__all__ = ["NotARegularFile", "open_regular_file", "read_regular_file", "read_regular_file_stat", "file_kind", "unreadable",
           "scorecard_entries", "safe_filename", "atomic_write", "file_lock", "try_lock", "fsync_dir", "umask"]


class NotARegularFile(OSError):
    """A path that should be a CSV file is a folder, a named pipe, a socket or a device."""


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def file_kind(mode: int) -> str:
    """What a file of ``st_mode`` ``mode`` is, in words (``a folder``, ``a named pipe (FIFO)``, ...)."""
    return next((k for test, k in _KINDS if test(mode)), "not a file")


def read_regular_file(path) -> bytes:
    """The bytes of ``path``, refusing anything but a regular file (following symlinks).

    A named pipe is opened without blocking and refused, so a FIFO called ``x.csv`` cannot make a
    load hang; a folder, socket or device raises :class:`NotARegularFile` naming what it is. Other
    failures (a broken link, a symlink loop, no permission) raise the usual :class:`OSError`.
    """
    return read_regular_file_stat(path)[0]


def open_regular_file(path, dir_fd: int | None = None) -> tuple[int, os.stat_result]:
    """``path`` opened for reading, and its ``fstat``: the one way the workbook opens a data file.

    Opened without blocking (a named pipe put where a scorecard belongs does not hang the loader)
    and refused with :class:`NotARegularFile` unless it is a regular file, checked on the open file
    (not on the name, which could be swapped between a check and the open). The caller closes the
    descriptor: :func:`read_regular_file_stat` reads a small file whole, the loader streams a bulk
    file (:func:`analysis.io.scorecards.parse_bulk_file`) and needs its size first. ``dir_fd`` as in
    :func:`read_regular_file_stat`.
    """
    fd = os.open(path, _OPEN_FLAGS, dir_fd=dir_fd) if dir_fd is not None else os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(f"not a regular file ({file_kind(st.st_mode)}); expected a CSV file")
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_regular_file_stat(path, dir_fd: int | None = None) -> tuple[bytes, os.stat_result]:
    """:func:`read_regular_file` and the ``os.stat_result`` of the file read (from ``fstat`` of
    the open file: the size, times and inode of exactly what was read, at no extra system call).

    ``dir_fd`` (an open folder) makes ``path`` relative to it: the kernel then resolves one name
    instead of the whole path (the loader opens 100k files of a few folders this way). Four
    system calls per file: open, fstat, one read (a short read proves the end), close.
    """
    fd, st = open_regular_file(path, dir_fd)
    try:
        # one byte more than the size: a short read proves the end of the file, so a small file
        # costs one read call (100k cold scorecards spend most of their time in system calls)
        want = st.st_size + 1
        first = os.read(fd, want)
        if len(first) < want:
            return first, st
        chunks = [first]
        while True:  # the file grew while being read: read to its end
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks), st
            chunks.append(chunk)
    finally:
        os.close(fd)


def unreadable(path: str, exc: OSError) -> str:
    """Why ``path`` cannot be read, in words (a problem's message)."""
    if isinstance(exc, NotARegularFile):
        return str(exc)
    if os.path.islink(path):
        target = os.readlink(path)
        if getattr(exc, "errno", None) == 40 or "loop" in str(exc).lower():  # ELOOP
            return f"symbolic link loop (-> {target}); expected a CSV file"
        if not os.path.exists(path):
            return f"broken symbolic link (-> {target}, which does not exist); expected a CSV file"
    return f"cannot read: {exc.strerror or exc}"


def scorecard_entries(entries):
    """Of a folder's ``os.DirEntry`` list, what the scorecard loader reads: ``(entry, True)`` for each
    folder (following symbolic links; a broken link or a link loop is not a folder) and
    ``(entry, False)`` for each ``*.csv``; hidden names (a leading dot: temporary files, caches,
    locks) are skipped. The loader and the store's id index walk ``scores/`` with it, so they agree."""
    for e in entries:
        if e.name.startswith("."):
            continue
        try:
            is_dir = e.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            yield e, True
        elif e.name.endswith(".csv"):
            yield e, False


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
    from filelock import FileLock  # deferred: only writers lock, and a report or a check never does
    with FileLock(path, mode=0o666 & ~umask()):
        yield


def try_lock(path: Path) -> FileLock | None:
    """Take the exclusive lock file ``path`` (created if missing) without waiting: the held lock, to
    be released with its ``release()``, or None when another holder has it. Held across threads
    (a form's callbacks may run on any), released when the process exits."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock, Timeout  # deferred (see file_lock)
    lock = FileLock(path, timeout=0, mode=0o666 & ~umask(), thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        return None
    return lock
