"""Drafts: unfinished interviews the form autosaves, so a closed tab or a restarted kernel loses
nothing.

A draft is one JSON file ``<data>/drafts/<safe draft id>.json`` holding the form's whole state (set-up
fields, kit, answers so far, current question, recommendation). It is written atomically with
:func:`analysis.store.atomic_write` (temporary file, fsync, rename), so a crash leaves the previous
draft or the new one, never half of one. Drafts live beside ``scores/``, never inside it, so the
scorecard loader never reads them; the folder is ignored by git. When the interview is saved as a
scorecard, its draft is removed.

The draft id is a random key chosen when the form starts (not the interview id, which is derived
from the date and candidate id and may still change while the set-up is being corrected). File
names go through :func:`analysis.store.safe_filename`, so no id can point outside the folder.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from . import config
from .errors import WorkbookError
from .store import atomic_write, safe_filename

__all__ = ["DRAFT_VERSION", "DRAFT_COLUMNS", "new_draft_id", "draft_path", "save_draft", "load_draft",
           "list_drafts", "remove_draft"]

DRAFT_VERSION = 1
#: Columns of :func:`list_drafts`.
DRAFT_COLUMNS = ("draft_id", "candidate_id", "level", "interviewer", "date", "answered", "questions",
                 "updated", "path", "problem")


def new_draft_id() -> str:
    """A fresh random draft id (12 hex digits)."""
    return uuid.uuid4().hex[:12]


def draft_path(draft_id: str, data=None) -> Path:
    """The file of draft ``draft_id``: ``<data>/drafts/<safe_filename(draft_id)>.json``."""
    if not str(draft_id).strip():
        raise WorkbookError("empty draft id; expected the id of a draft (see list_drafts)")
    return config.drafts_dir(data) / f"{safe_filename(str(draft_id))}.json"


def save_draft(state: dict, data=None) -> Path:
    """Write the form state ``state`` (a JSON-serialisable dict with a ``draft_id``) atomically,
    replacing the previous version of the same draft. Adds ``version`` and ``updated`` (UTC)."""
    if "draft_id" not in state:
        raise WorkbookError("draft state has no 'draft_id'; expected one (see new_draft_id)")
    state = dict(state, version=DRAFT_VERSION,
                 updated=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    body = json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    return atomic_write(draft_path(state["draft_id"], data), body, overwrite=True)


def _read(path: Path) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkbookError(f"{path}: unreadable draft ({exc}); expected the JSON the form writes") from exc
    if not isinstance(state, dict) or "draft_id" not in state:
        raise WorkbookError(f"{path}: not a draft (no 'draft_id'); expected the JSON the form writes")
    if state.get("version") != DRAFT_VERSION:
        raise WorkbookError(f"{path}: draft version {state.get('version')!r}, expected {DRAFT_VERSION}")
    return state


def load_draft(draft_id: str, data=None) -> dict:
    """The saved state of draft ``draft_id``.

    Raises
    ------
    WorkbookError
        No such draft, or its file is damaged (the message names the file).
    """
    path = draft_path(draft_id, data)
    if not path.exists():
        raise WorkbookError(f"{path}: no such draft {draft_id!r}; expected one of list_drafts()")
    return _read(path)


def list_drafts(data=None) -> pd.DataFrame:
    """Every draft in the data folder, most recently updated first.

    Returns
    -------
    DataFrame
        One row per draft file with the columns of :data:`DRAFT_COLUMNS`: the set-up fields,
        ``answered`` (questions scored so far) of ``questions`` (the kit's size), ``updated`` (UTC
        time of the last autosave), ``path``, and ``problem`` — empty for a readable draft, the
        reason otherwise (a damaged draft is listed, not hidden).
    """
    folder = config.drafts_dir(data)
    rows = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if path.name.startswith("."):
            continue
        try:
            st = _read(path)
        except WorkbookError as exc:
            rows.append({"draft_id": path.stem, "path": str(path), "problem": str(exc)})
            continue
        answers = st.get("answers") or {}
        kit = st.get("kit") or []
        rows.append({
            "draft_id": str(st["draft_id"]),
            "candidate_id": str(st.get("candidate_id") or ""),
            "level": str(st.get("level") or ""),
            "interviewer": str(st.get("interviewer") or ""),
            "date": str(st.get("date") or ""),
            "answered": sum(1 for q in kit if (answers.get(q) or {}).get("score") is not None),
            "questions": len(kit),
            "updated": str(st.get("updated") or ""),
            "path": str(path),
            "problem": "",
        })
    frame = pd.DataFrame(rows, columns=list(DRAFT_COLUMNS))
    for col in DRAFT_COLUMNS:
        if col in ("answered", "questions"):
            frame[col] = frame[col].fillna(0).astype(int)
        else:
            frame[col] = frame[col].astype(object).fillna("").astype(str)
    return frame.sort_values("updated", ascending=False, kind="stable").reset_index(drop=True)


def remove_draft(draft_id: str, data=None) -> bool:
    """Delete draft ``draft_id``; True if a file was removed, False if there was none."""
    path = draft_path(draft_id, data)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
