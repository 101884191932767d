"""The synthetic demo's data folder: writing a generated history, and never writing over other data.

The generator (:mod:`analysis.stats.demo`) draws a history in memory; this module writes it as a data
folder and guards the folders it writes into. It only writes files, so it is io: it reads the history
duck-typed (any object with the frames of :class:`analysis.stats.demo.History`: ``scores``,
``outcomes``, ``planted_questions``, ``planted_interviewers``, ``planted_candidates``,
``candidate_groups`` and ``planted_groups``, the last two None unless groups were planted).

Never destroying data
---------------------
:func:`write_history` writes a manifest (``Layout.demo_manifest``, ``planted/demo-manifest.json``)
naming every file it wrote (the bank, the outcomes, ``scores/**``, ``planted/*.csv``) with its size
and SHA-256. That file marks the folder as the synthetic demo (:func:`is_demo_folder`; the forms show
a banner and refuse real interviews there). Writing a history again into a folder is allowed only
when the folder is empty or missing, or is an earlier demo whose every scorecard, bank and outcomes
file is still exactly what the demo wrote: a folder of real data, or a demo folder into which a real
interview was saved or whose bank was edited, is refused with the list of files at stake
(:class:`DemoFolderError`), and nothing is written. Files the demo does not manage (a README,
``drafts/``, ``.cache/``) are left alone. With ``clean=True`` only the files the manifest lists are
removed, never a folder tree.

The planted parameters are written rounded to 4 decimals (:data:`PLANTED_DECIMALS`): more digits
mean nothing for a simulation's truth, and the 16th digit of ``exp`` or a matrix product differs
between CPUs and BLAS kernels, which would make the same command write different files on another
machine. The history in memory keeps full precision.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import WorkbookError
from analysis.io.files import safe_filename

__all__ = ["write_history", "is_demo_folder", "check_demo_target", "DemoFolderError", "PLANTED_DECIMALS"]

#: Decimals the planted parameters are written with (see the module docstring).
PLANTED_DECIMALS = 4
_GENERATOR = "analysis.demo"  # the manifest's identity of the generator (files in data folders carry it)


class DemoFolderError(WorkbookError):
    """The folder holds something other than an earlier demo; the demo refuses to write there."""


def _rel(lay: config.Layout, path: Path) -> str:
    """``path`` relative to the data folder, as the manifest names files (posix)."""
    return path.relative_to(lay.data).as_posix()


def _planted(lay: config.Layout) -> Path:
    """The folder of the planted truth, beside ``scores/``: where the demo's manifest is."""
    return lay.demo_manifest.parent


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def _digest(raw: bytes) -> str:
    # line ends normalised, so a checkout with CRLF (git autocrlf) still matches
    return hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()


#: (size, mtime_ns) of the files this process wrote, so writing a history in chunks into one folder
#: (the benchmarks) does not re-hash every earlier file at every chunk. Kept out of the manifest,
#: which stays the same on every machine.
_STAT_SEEN: dict[str, tuple[int, int]] = {}


def _entry(path: Path, raw: bytes | None = None) -> dict:
    st = path.stat()
    raw = path.read_bytes() if raw is None else raw
    _STAT_SEEN[os.path.abspath(path)] = (st.st_size, st.st_mtime_ns)
    return {"sha256": _digest(raw), "size": st.st_size}

def _read_manifest(lay: config.Layout) -> dict | None:
    try:
        man = json.loads(lay.demo_manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(man, dict) or man.get("generator") != _GENERATOR or not isinstance(man.get("files"), dict):
        return None
    return man


def is_demo_folder(data=None) -> bool:
    """True when ``data`` is a synthetic demo folder written by :func:`write_history` (it holds the
    demo's manifest ``planted/demo-manifest.json``). The forms use it to show a banner and to refuse
    real interviews; ``data`` defaults to :func:`analysis.config.data_dir`."""
    return _read_manifest(config.layout(data)) is not None


def _managed(lay: config.Layout) -> list[str]:
    """The files a demo write would remove or overwrite, relative to the folder (posix)."""
    out = [_rel(lay, p) for p in (lay.questions, lay.outcomes) if p.exists() or p.is_symlink()]
    for root in (lay.scores, _planted(lay)):
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for f in sorted(filenames):
                if root != lay.scores and not f.endswith(".csv"):
                    continue
                if root == lay.scores and f.startswith("."):
                    continue  # the store's lock and temporary files: never read as data
                out.append(_rel(lay, Path(dirpath, f)))
    return out


def _unchanged(lay: config.Layout, rel: str, entry) -> bool:
    path = lay.data / rel
    if not isinstance(entry, dict) or path.is_symlink() or not path.is_file():
        return False
    try:
        st = path.stat()
        if _STAT_SEEN.get(os.path.abspath(path)) == (st.st_size, st.st_mtime_ns) == (entry.get("size"), st.st_mtime_ns):
            return True  # written by this process and not touched since
        return _digest(path.read_bytes()) == entry.get("sha256")
    except OSError:
        return False


def check_demo_target(data) -> dict:
    """Refuse a folder a demo must not write into; return the earlier demo's manifest files.

    A missing or empty folder is fine (returns ``{}``). A folder marked as a demo is fine when every
    scorecard, bank, outcomes and planted file in it is one the demo wrote, unchanged. Anything
    else raises :class:`DemoFolderError` naming what is at stake.
    """
    lay = config.layout(data)
    data = lay.data
    if not data.exists() and not data.is_symlink():
        return {}
    if not data.is_dir():
        raise DemoFolderError(f"{data} is not a folder; expected a new or empty folder, or an earlier demo")
    if not any(data.iterdir()):
        return {}
    man = _read_manifest(lay)
    if man is None:
        listing = sorted(p.name for p in data.iterdir())
        raise DemoFolderError(
            f"{data} is not empty and is not a demo folder (it holds {', '.join(listing[:5])}"
            f"{', ...' if len(listing) > 5 else ''}; no {_rel(lay, lay.demo_manifest)}). The demo never writes "
            "over data it did not create: give a new or empty folder, e.g. --data demo-data")
    files = man["files"]
    foreign = [rel for rel in _managed(lay) if not _unchanged(lay, rel, files.get(rel))]
    if foreign:
        raise DemoFolderError(
            f"{data} is an earlier demo, but {len(foreign)} file(s) in it are not what the demo wrote "
            f"(saved interviews or edits would be lost): {', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}. "
            "Move them away or give a new or empty folder")
    return files


def write_history(history, data, *, layout: str = "per_interview", questions_from=None,
                  clean: bool = False) -> Path:
    """Write a generated history as a data folder.

    Parameters
    ----------
    history : analysis.stats.demo.History
        A generated history (read duck-typed: see the module docstring).
    data : path-like
        The folder to write: ``questions.csv`` (copied from ``questions_from``, default the repo's
        bank), ``scores/``, ``outcomes.csv`` and ``planted/`` (the truth, rounded to
        :data:`PLANTED_DECIMALS`; never read as scorecards) with the demo's manifest. It must be
        new, empty or an earlier demo left as the demo wrote it (see the module docstring).
    layout : {"per_interview", "bulk"}
        One file per interview under ``scores/<year>/`` (what the form writes), or one bulk file
        ``scores/bulk.csv``.
    clean : bool
        Remove the earlier demo's scorecards first (only the files its manifest lists).

    Raises
    ------
    DemoFolderError
        The folder holds something other than an earlier demo; nothing is written.
    """
    if layout not in ("per_interview", "bulk"):
        raise ValueError(f"layout must be 'per_interview' or 'bulk', got {layout!r}")
    lay = config.layout(data)
    data = lay.data
    previous = check_demo_target(lay)
    scores_dir = lay.scores
    in_scores = _rel(lay, scores_dir) + "/"
    if clean:
        for rel in previous:
            if rel.startswith(in_scores):
                (data / rel).unlink(missing_ok=True)
        for dirpath, _, _ in sorted(os.walk(scores_dir), key=lambda t: -len(t[0])) if scores_dir.exists() else []:
            if Path(dirpath) != scores_dir:
                try:
                    Path(dirpath).rmdir()  # only folders left empty
                except OSError:
                    pass
        previous = {k: v for k, v in previous.items() if not k.startswith(in_scores)}
    scores_dir.mkdir(parents=True, exist_ok=True)
    written: dict[Path, bytes | None] = {}
    src = Path(questions_from) if questions_from else config.questions_path(None)
    if src.resolve() != lay.questions.resolve():
        shutil.copyfile(src, lay.questions)
    written[lay.questions] = None
    frame = history.scores.copy()
    frame["red_flag"] = np.where(frame["red_flag"], "true", "false")
    if layout == "bulk":
        raw = _csv_bytes(frame)
        (scores_dir / "bulk.csv").write_bytes(raw)
        written[scores_dir / "bulk.csv"] = raw
    else:
        header = ",".join(frame.columns) + "\n"
        years = frame["date"].str[:4].to_numpy()
        for y in np.unique(years):
            (scores_dir / y).mkdir(exist_ok=True)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerows(frame.itertuples(index=False, name=None))
        lines = buf.getvalue().splitlines(keepends=True)
        ids = frame["interview_id"].to_numpy()
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        ends = np.r_[starts[1:], len(ids)]
        for s, e in zip(starts, ends):
            path = scores_dir / years[s] / f"{safe_filename(ids[s])}.csv"
            raw = (header + "".join(lines[s:e])).encode("utf-8")
            path.write_bytes(raw)
            written[path] = raw
    raw = _csv_bytes(history.outcomes.assign(
        performance=history.outcomes["performance"].map(lambda v: "" if pd.isna(v) else str(int(v)))))
    lay.outcomes.write_bytes(raw)
    written[lay.outcomes] = raw
    planted = _planted(lay)
    planted.mkdir(exist_ok=True)
    planted_frames = [("questions", history.planted_questions), ("interviewers", history.planted_interviewers),
                      ("candidates", history.planted_candidates)]
    if history.candidate_groups is not None:  # self-reported groups: read only on request
        raw = _csv_bytes(history.candidate_groups)
        lay.candidates.write_bytes(raw)
        written[lay.candidates] = raw
        planted_frames.append(("groups", history.planted_groups))
    elif clean:
        # an earlier demo's groups would describe other candidates under the same ids: remove them
        # with the scores they belonged to (only when the manifest lists them as the demo's own)
        for rel in (_rel(lay, lay.candidates), _rel(lay, planted / "groups.csv")):
            if rel in previous:
                (data / rel).unlink(missing_ok=True)
                previous.pop(rel)
    for name, frame in planted_frames:
        raw = _csv_bytes(_rounded(frame))
        (planted / f"{name}.csv").write_bytes(raw)
        written[planted / f"{name}.csv"] = raw
    files = dict(previous)
    for path, raw in written.items():
        files[_rel(lay, path)] = _entry(path, raw)
    manifest = {"generator": _GENERATOR,
                "about": "SYNTHETIC demo data written by analysis.demo.write_history (python -m analysis demo); "
                         "every file it wrote, so a later demo run never overwrites anything else",
                "files": dict(sorted(files.items()))}
    lay.demo_manifest.write_text(json.dumps(manifest, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return data


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(PLANTED_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return out

