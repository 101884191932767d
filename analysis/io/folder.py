"""Guards of the data folder that every command and writer shares: is ``data`` a data folder, and may
an output folder be written.

A command that writes (``report``, ``irt``, ``debrief`` and the others with ``--out``; the export panel; notebooks
04-06) resolves its output folder with :func:`output_folder` and nothing else, so the rule is the same
everywhere: never the data folder or anything inside it (files written into ``scores/`` are read back
as scorecards), never an existing file.
"""

from __future__ import annotations

import os
from pathlib import Path

from analysis import config
from analysis.errors import DataFolderError, OutputFolderError

__all__ = ["require_data_folder", "output_folder"]


def require_data_folder(data=None) -> config.Layout:
    """The :class:`~analysis.config.Layout` of ``data``; :class:`DataFolderError` when it is not an
    existing folder (a missing bank inside a folder is a problem of the data, reported by the loader)."""
    layout = config.layout(data)
    if not layout.data.is_dir():
        what = "is not a folder" if layout.data.exists() else "does not exist"
        raise DataFolderError(
            f"data folder {layout.data} {what}; expected a folder holding questions.csv and scores/ "
            "(pass data=... or --data DIR; python -m analysis init DIR creates one)")
    return layout


def output_folder(out: str | os.PathLike, data=None) -> Path:
    """``out`` as a folder that may be written, else :class:`OutputFolderError`.

    Refused: an existing file (expected a folder, new or existing), and the data folder or anything
    inside it. The folder is not created here; writers create it when they write.
    """
    out_path = Path(out).expanduser()
    if out_path.exists() and not out_path.is_dir():
        raise OutputFolderError(f"--out {out}: is an existing file; expected a folder (new or existing)")
    data_path = config.layout(data).data.resolve()
    target = out_path.resolve()
    if target == data_path or data_path in target.parents:
        raise OutputFolderError(
            f"--out {out}: is inside the data folder {data_path}; the output would mix its files with the "
            "data (CSVs in scores/ are read as scorecards). Choose a folder outside it, e.g. --out reports")
    return out_path
