"""The files of an export: the formats, the file names, the error, how a file is written and listed.

Every writer of the reports layer (tables, figures, ``index.html``, ``brief.md``) checks its file names
with :func:`check_name`, writes through :func:`write_file` (the one atomic write,
:func:`analysis.io.files.atomic_write`, replacing an older file) and raises :class:`ExportError` for a
problem the user can fix; :func:`files_table` lists what was written, with sizes, for the closing note.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.io.files import atomic_write

__all__ = ["FORMATS", "IMAGE_FORMATS", "ExportError", "parse_formats", "check_name", "write_file",
           "progress_bar", "format_size", "files_table"]

#: Static image formats rendered by kaleido.
IMAGE_FORMATS = ("png", "svg", "pdf")
#: Every format :func:`analysis.reports.export.write_report` knows, in the order it writes them.
FORMATS = ("csv", "png", "svg", "pdf", "html")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


class ExportError(RuntimeError):
    """An export could not be written (bad name, missing browser, identifying column, ...)."""


def check_name(name: str, what: str) -> str:
    """``name`` when it is safe as a file name (ASCII letters, digits, ``_``, ``-``), else
    :class:`ExportError`; ``what`` ("table", "figure") names it in the message."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ExportError(f"{what} name {name!r} is not a safe file name: expected ASCII letters, "
                          "digits, '_' or '-' (1-100 characters, not starting with '-' or '_')")
    return name


def parse_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """``"png,svg"`` or ``["png", "svg"]`` -> ``("png", "svg")``, checked against :data:`FORMATS`.

    Raises
    ------
    ExportError
        For an unknown format, naming it and the known ones.
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    out: list[str] = []
    for f in items:
        f = str(f).strip().lower().lstrip(".")
        if not f:
            continue
        if f not in FORMATS:
            raise ExportError(f"unknown format {f!r}: expected some of {', '.join(FORMATS)}")
        if f not in out:
            out.append(f)
    if not out:
        raise ExportError(f"no format given: expected some of {', '.join(FORMATS)}")
    return tuple(out)


def write_file(path: Path, data: bytes | str) -> Path:
    """Write or replace one output file atomically (:func:`analysis.io.files.atomic_write`)."""
    return atomic_write(path, data, overwrite=True)


def progress_bar(total: int, desc: str, enabled: bool):
    """A tqdm bar of ``total`` files (hidden when not ``enabled`` or nothing is to be written)."""
    from tqdm.auto import tqdm  # deferred: in a notebook, tqdm.auto imports ipywidgets
    return tqdm(total=total, desc=desc, unit="file", disable=not enabled or total == 0,
                leave=False)


def format_size(n_bytes: int) -> str:
    """``1536`` -> ``"1.5 kB"`` (decimal units, as file managers show)."""
    size = float(n_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def files_table(paths: Iterable[str | os.PathLike], root: str | os.PathLike | None = None
                ) -> pd.DataFrame:
    """What was written, with sizes: one row per file, for the closing note of a report.

    Parameters
    ----------
    paths : iterable of path
        Files, e.g. the list returned by :func:`analysis.reports.export.write_report`.
    root : path, optional
        Shown paths are relative to it.

    Returns
    -------
    DataFrame
        Columns ``file`` (str), ``format`` (extension), ``bytes`` (int) and ``size`` (readable).
        ``df.bytes.sum()`` is the total; ``df.groupby("format").bytes.sum()`` the split.
    """
    rows = []
    for p in paths:
        p = Path(p)
        shown = p.relative_to(root) if root is not None and p.is_relative_to(root) else p
        n = p.stat().st_size
        rows.append({"file": shown.as_posix(), "format": p.suffix.lstrip(".").lower(), "bytes": n,
                     "size": format_size(n)})
    return pd.DataFrame(rows, columns=["file", "format", "bytes", "size"]).astype(
        {"bytes": "int64"})

