"""Drafts: unfinished interviews the form autosaves, so a closed tab or a restarted kernel loses
nothing.

A draft is one JSON file ``<data>/drafts/<safe draft id>.json`` holding the form's whole state (set-up
fields, kit, answers so far, current question, recommendation). It is written atomically with
:func:`analysis.io.files.atomic_write` (temporary file, fsync, rename), so a crash leaves the previous
draft or the new one, never half of one. Drafts live beside ``scores/``, never inside it, so the
scorecard loader never reads them; the folder is ignored by git. When the interview is saved as a
scorecard, its draft is removed.

The draft id is a random key chosen when the form starts (not the interview id, which is derived
from the date and candidate id and may still change while the set-up is being corrected). File
names go through :func:`analysis.io.files.safe_filename`, so no id can point outside the folder.

Safe to share
-------------
- **Damaged drafts never crash anything.** Whatever bytes a ``*.json`` file in ``drafts/`` holds
  (not UTF-8, not JSON, JSON of the wrong shape or types, nesting deeper than
  :data:`MAX_DRAFT_DEPTH`, a file over :data:`MAX_DRAFT_BYTES`, a folder or a pipe named like a
  draft), :func:`load_draft` raises only :class:`~analysis.errors.WorkbookError` naming the file and
  what is wrong, and :func:`list_drafts` lists the file with that reason in ``problem``; it never
  raises for a draft's content, so one bad file cannot stop a form from being built for everyone
  sharing the folder. The structure is checked in full (answers a mapping of question id to score
  1-4 or empty, red flag, notes, seconds; kit a list of ids; ...), see :func:`draft_problem`.
- **Text that cannot be encoded** (an unpaired surrogate, half an emoji) is replaced by U+FFFD
  before writing, so one bad keystroke cannot make every later autosave fail; a draft file holding
  one (as a JSON ``\\ud800`` escape) is read with the same replacement, so it resumes.
- **Saved means resumable.** :func:`save_draft` refuses (with :class:`~analysis.errors.WorkbookError`,
  never a ``RecursionError`` or ``TypeError``) a state that :func:`load_draft` would refuse: one
  nested too deep, holding values JSON cannot store, or failing :func:`draft_problem`.
- **One owner per draft.** A form writes its drafts with its own ``owner`` token; :func:`save_draft`
  with ``owner=`` compares it with the token in the file under a lock (``drafts/.drafts.lock``) and
  raises :class:`DraftTakenError` when another tab or window has taken the draft over with
  :func:`claim_draft`, so two tabs never overwrite each other.
- **Per interviewer.** ``list_drafts(data, interviewer="Casey")`` lists only Casey's drafts (and
  drafts with no interviewer yet), so interviewers sharing one data folder through the app do not
  see each other's unfinished interviews.
"""

from __future__ import annotations

import json
import math
import os
import stat
import unicodedata
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from analysis import config
from analysis._text import clean_text
from analysis.errors import WorkbookError
from analysis.io.files import atomic_write, file_lock, safe_filename, try_lock

__all__ = ["DRAFT_VERSION", "DRAFT_COLUMNS", "MAX_DRAFT_DEPTH", "MAX_DRAFT_BYTES", "new_draft_id", "draft_path", "save_draft", "load_draft",
           "list_drafts", "remove_draft", "claim_draft", "draft_problem", "DraftTakenError", "DraftHold",
           "hold_draft"]


class DraftTakenError(WorkbookError):
    """Another form (tab, window) has taken this draft over; this one must stop writing it."""

    def __init__(self, message: str, state: dict | None = None):
        super().__init__(message)
        self.state = state or {}

DRAFT_VERSION = 1
#: How deeply a draft's JSON may nest (containers within containers). The form writes 3 levels
#: (state, answers, one answer); a deeper file is damaged, and refusing it before walking it keeps
#: reading and writing clear of Python's recursion limit.
MAX_DRAFT_DEPTH = 16
#: The largest draft file read, in bytes: far above what a form writes (every note of a 40-question
#: kit at the scorecard field limit), small enough that a stray large file named ``*.json`` is
#: reported rather than read into memory.
MAX_DRAFT_BYTES = 64 * 1024 * 1024
#: Columns of :func:`list_drafts`.
DRAFT_COLUMNS = ("draft_id", "candidate_id", "level", "interviewer", "date", "answered", "questions",
                 "updated", "path", "problem")


def new_draft_id() -> str:
    """A fresh random draft id (12 hex digits)."""
    return uuid.uuid4().hex[:12]


def draft_path(draft_id: str, data=None) -> Path:
    """The file of draft ``draft_id``: ``<data>/drafts/<safe_filename(draft_id)>.json`` (``data`` a
    folder or a :class:`~analysis.config.Layout`)."""
    return config.layout(data).drafts / _file_name(draft_id)


def _file_name(draft_id) -> str:
    if not str(draft_id).strip():
        raise WorkbookError("empty draft id; expected the id of a draft (see list_drafts)")
    return f"{safe_filename(str(draft_id))}.json"


def _depth(value) -> int:
    """How deeply ``value`` nests (a scalar 0, ``[]`` or ``{}`` 1, ...), counted without recursion
    and stopping once past :data:`MAX_DRAFT_DEPTH` (so a hostile structure costs little)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        elif not isinstance(v, (list, tuple)):
            continue
        deepest = max(deepest, d)
        if deepest > MAX_DRAFT_DEPTH:
            break
        stack.extend((x, d + 1) for x in v)
    return deepest


def _clean(value):
    """``value`` (a draft's state, nested at most :data:`MAX_DRAFT_DEPTH` deep) with
    :func:`analysis._text.clean_text` applied to every string in it, keys included."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _parse(body: bytes, what: str):
    """The JSON value of a draft file's ``body``, its text cleaned (:func:`_clean`).

    Raises :class:`WorkbookError` (naming ``what``) for anything else: bytes that are not UTF-8, text
    that is not JSON, nesting deeper than :data:`MAX_DRAFT_DEPTH` (the JSON decoder's own recursion
    included), numbers beyond what Python converts."""
    try:
        value = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise WorkbookError(f"{what}: unreadable draft (not UTF-8: {exc.reason} at byte {exc.start}); expected "
                            "the JSON the form writes") from None
    except RecursionError:
        raise WorkbookError(f"{what}: unreadable draft (nested more than {MAX_DRAFT_DEPTH} levels deep); expected "
                            "the JSON the form writes") from None
    except ValueError as exc:
        raise WorkbookError(f"{what}: unreadable draft ({exc}); expected the JSON the form writes") from None
    if _depth(value) > MAX_DRAFT_DEPTH:
        raise WorkbookError(f"{what}: unreadable draft (nested more than {MAX_DRAFT_DEPTH} levels deep); expected "
                            "the JSON the form writes")
    return _clean(value)


def _file_bytes(path: Path) -> bytes:
    """The bytes of the draft file ``path``; :class:`WorkbookError` for anything that is not a
    readable regular file of at most :data:`MAX_DRAFT_BYTES` (a folder or a pipe named ``*.json``,
    a dangling link, a file without read permission). Never blocks on a pipe: the file is opened
    without waiting and checked to be a regular file before it is read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise WorkbookError(f"{path}: unreadable draft ({exc.strerror or exc}); expected a draft file the form "
                            "writes") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise WorkbookError(f"{path}: not a draft (not a regular file); expected a draft file the form writes")
        if st.st_size > MAX_DRAFT_BYTES:
            raise WorkbookError(f"{path}: not a draft ({st.st_size:,} bytes, over the {MAX_DRAFT_BYTES:,} a draft "
                                "may have); expected a draft file the form writes")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(MAX_DRAFT_BYTES + 1)
    except OSError as exc:
        raise WorkbookError(f"{path}: unreadable draft ({exc.strerror or exc}); expected a draft file the form "
                            "writes") from None
    finally:
        os.close(fd)


def _locked(data):
    """The drafts folder's exclusive lock (``drafts/.drafts.lock``), see :func:`analysis.io.files.file_lock`."""
    return file_lock(config.layout(data).drafts_lock)


def _owner_of(path: Path) -> str | None:
    try:
        st = _parse(_file_bytes(path), str(path))
    except WorkbookError:
        return None
    owner = st.get("owner") if isinstance(st, dict) else None
    return owner if isinstance(owner, str) else None


def _write(state: dict, data) -> Path:
    if not isinstance(state, dict):
        raise WorkbookError(f"draft state is {type(state).__name__}; expected a dict (the form's state)")
    if _depth(state) > MAX_DRAFT_DEPTH:
        raise WorkbookError(f"draft {state.get('draft_id')!r} not saved: its state nests more than {MAX_DRAFT_DEPTH} "
                            "levels deep; expected the form's state (set-up fields, kit, answers)")
    state = dict(_clean(state), version=DRAFT_VERSION,
                 updated=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    problem = draft_problem(state)
    if problem:
        raise WorkbookError(f"draft {state.get('draft_id')!r} not saved: {problem}; a draft is saved only when it "
                            "can be resumed")
    try:
        body = json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise WorkbookError(f"draft {state['draft_id']!r} not saved: {exc}; expected text, numbers, true/false, "
                            "lists and mappings with text keys only") from None
    return atomic_write(draft_path(state["draft_id"], data), body, overwrite=True)


def save_draft(state: dict, data=None, *, owner: str | None = None) -> Path:
    """Write the form state ``state`` (a JSON-serialisable dict with a ``draft_id``) atomically,
    replacing the previous version of the same draft. Adds ``version`` and ``updated`` (UTC).

    Unencodable text (unpaired surrogates) is replaced by U+FFFD (:func:`analysis._text.clean_text`). With
    ``owner`` (the form's token), the draft is written only if the file does not exist or belongs
    to that owner, checked and written under the drafts folder's lock; the token is stored in the
    draft.

    Raises
    ------
    DraftTakenError
        ``owner`` is given and the draft now belongs to another owner (see :func:`claim_draft`).
    """
    if not isinstance(state, dict) or "draft_id" not in state:
        raise WorkbookError("draft state has no 'draft_id'; expected one (see new_draft_id)")
    if owner is None:
        return _write(state, data)
    with _locked(data):
        path = draft_path(state["draft_id"], data)
        current = _owner_of(path) if path.exists() else None
        if current is not None and current != owner:
            raise DraftTakenError(f"draft {state['draft_id']!r} was taken over by another tab or window; "
                                  "this one no longer saves it", _safe_load(path))
        return _write(dict(state, owner=owner), data)


def _safe_load(path: Path) -> dict:
    try:
        return _read(path)
    except WorkbookError:
        return {}


def claim_draft(draft_id: str, data=None, *, owner: str) -> tuple[dict, str | None]:
    """Take draft ``draft_id`` over for ``owner`` (a form resuming it): from now on only ``owner``
    can save it, and the form that had it gets :class:`DraftTakenError` at its next autosave.

    Returns
    -------
    (state, previous owner)
        The draft's state (as :func:`load_draft`) and the owner it had (None if none).
    """
    with _locked(data):
        state = load_draft(draft_id, data)
        previous = state.get("owner")
        if previous != owner:
            _write(dict(state, owner=owner), data)
            state = dict(state, owner=owner)
        return state, previous


class DraftHold:
    """A form's sign of life on one draft: the exclusive lock ``drafts/.<draft>.open``
    (:func:`analysis.io.files.try_lock`), held while the form has the draft open. The operating
    system drops it when the kernel dies, so a draft whose hold cannot be taken is open in a live
    tab right now, and one whose hold can be taken was left by a closed tab or a dead kernel.
    Release with :meth:`release`."""

    def __init__(self, path: Path, lock):
        self.path, self._lock = path, lock

    @property
    def held(self) -> bool:
        return self._lock is not None

    def release(self, *, remove: bool = False) -> None:
        if self._lock is not None:
            if remove:
                try:
                    self.path.unlink()
                except OSError:
                    pass
            self._lock.release()
            self._lock = None


def hold_draft(draft_id: str, data=None) -> DraftHold:
    """Try to hold draft ``draft_id`` open (see :class:`DraftHold`); ``.held`` is False when a live
    form (this process or another) holds it already."""
    path = draft_path(draft_id, data)
    hold = path.with_name(f".{path.stem}.open")
    return DraftHold(hold, try_lock(hold))


def _is_text(v) -> bool:
    return isinstance(v, str)


def draft_problem(state) -> str:
    """What is wrong with a draft's structure, or ``""`` when the form can resume it.

    Checks what the form relies on: a dict with a text ``draft_id``; ``kit`` a list of question ids;
    ``answers`` a mapping of question id to a mapping whose ``score`` is empty or an integer 1-4,
    ``red_flag`` true/false, ``notes`` text and ``duration_seconds`` a non-negative number;
    ``current`` an integer; ``started`` true/false; the set-up fields text (``date`` an ISO date or
    empty); ``recommendation`` empty or one of the four calls.
    """
    if not isinstance(state, dict):
        return f"expected a JSON object, got {type(state).__name__}"
    if not _is_text(state.get("draft_id")) or not state["draft_id"].strip():
        return "no 'draft_id' text"
    for key in ("candidate_id", "level", "interviewer", "date", "interview_id", "owner", "form", "updated"):
        if key in state and state[key] is not None and not _is_text(state[key]):
            return f"'{key}' is {type(state[key]).__name__}, expected text"
    if state.get("level") and state["level"] not in config.LEVELS:
        return f"'level' {state['level']!r}, expected one of {', '.join(config.LEVELS)}"
    if state.get("date"):
        try:
            date.fromisoformat(state["date"])
        except ValueError:
            return f"'date' {state['date']!r}, expected YYYY-MM-DD"
    kit = state.get("kit", [])
    if not isinstance(kit, list) or not all(_is_text(q) for q in kit):
        return "'kit' must be a list of question ids"
    answers = state.get("answers", {})
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        return f"'answers' is {type(answers).__name__}, expected a mapping of question id to answer"
    for q, a in answers.items():
        if not isinstance(a, dict):
            return f"answer to {q!r} is {type(a).__name__}, expected a mapping"
        score = a.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int) or score not in config.SCORES):
            return f"answer to {q!r}: score {score!r}, expected empty or an integer 1-4"
        if not isinstance(a.get("red_flag", False), bool):
            return f"answer to {q!r}: red_flag {a.get('red_flag')!r}, expected true or false"
        if not _is_text(a.get("notes", "") if a.get("notes") is not None else ""):
            return f"answer to {q!r}: notes must be text"
        sec = a.get("duration_seconds", 0.0)
        if sec is not None and (isinstance(sec, bool) or not isinstance(sec, (int, float))
                                or not math.isfinite(sec) or sec < 0):
            return f"answer to {q!r}: duration_seconds {sec!r}, expected a non-negative number"
    cur = state.get("current", 0)
    if cur is not None and (isinstance(cur, bool) or not isinstance(cur, int)):
        return f"'current' {cur!r}, expected an integer"
    if not isinstance(state.get("started", False), bool):
        return f"'started' {state.get('started')!r}, expected true or false"
    rec = state.get("recommendation")
    if rec is not None and rec not in config.RECOMMENDATIONS:
        return f"'recommendation' {rec!r}, expected empty or one of {', '.join(config.RECOMMENDATIONS)}"
    return ""


def _read(path: Path) -> dict:
    state = _parse(_file_bytes(path), str(path))
    if not isinstance(state, dict) or "draft_id" not in state:
        raise WorkbookError(f"{path}: not a draft (no 'draft_id'); expected the JSON the form writes")
    if type(state.get("version")) is not int or state["version"] != DRAFT_VERSION:
        raise WorkbookError(f"{path}: draft version {state.get('version')!r}, expected {DRAFT_VERSION}")
    did = state["draft_id"]  # cleaned: an id with a broken character no longer names this file
    if not _is_text(did) or not did.strip() or _file_name(did) != path.name:
        raise WorkbookError(f"{path}: damaged draft: its draft_id {did!r} does not match the file name (the form "
                            f"names each draft's file after its id); resume is not possible (discard it, or set "
                            f"draft_id back by hand)")
    problem = draft_problem(state)
    if problem:
        raise WorkbookError(f"{path}: damaged draft: {problem}; resume is not possible (discard it, or repair "
                            "the JSON by hand)")
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


def _raw_id(path: Path) -> str:
    """The draft id of a damaged draft file when it can still be read and points at that file,
    else the file's stem (shown with a broken character replaced, never raised)."""
    try:
        raw = _parse(_file_bytes(path), str(path))
        did = raw.get("draft_id") if isinstance(raw, dict) else None
        if isinstance(did, str) and did.strip() and _file_name(did) == path.name:
            return did
    except WorkbookError:
        pass
    return _shown(path.stem)


def _shown(text: str) -> str:
    """``text`` (a file name read from the folder, which may hold undecodable bytes as surrogates)
    as text that can be shown and stored in a table."""
    return clean_text(text)


def _same_person(a: str, b: str) -> bool:
    norm = lambda t: " ".join(unicodedata.normalize("NFC", t).split()).casefold()
    return norm(a) == norm(b)


def list_drafts(data=None, *, interviewer: str | None = None) -> pd.DataFrame:
    """Every draft in the data folder, most recently updated first.

    With ``interviewer``, only that interviewer's drafts (names compared ignoring case and
    surrounding whitespace), drafts with no interviewer yet, and damaged drafts (whose owner cannot
    be told; they are listed so they are never hidden).

    Returns
    -------
    DataFrame
        One row per draft file with the columns of :data:`DRAFT_COLUMNS`: the set-up fields,
        ``answered`` (questions scored so far) of ``questions`` (the kit's size), ``updated`` (UTC
        time of the last autosave), ``path``, and ``problem`` — empty for a readable draft, the
        reason otherwise (a damaged draft is listed, not hidden).
    """
    folder = config.layout(data).drafts
    rows = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if path.name.startswith("."):
            continue
        try:
            st = _read(path)
        except WorkbookError as exc:
            rows.append({"draft_id": _raw_id(path), "path": _shown(str(path)), "problem": _shown(str(exc))})
            continue
        except Exception as exc:  # noqa: BLE001 — the promise: a draft file is listed, never raised
            rows.append({"draft_id": _shown(path.stem), "path": _shown(str(path)),
                         "problem": _shown(f"{path}: unreadable draft ({type(exc).__name__}: {exc}); expected the "
                                           "JSON the form writes")})
            continue
        answers = st.get("answers") or {}
        kit = st.get("kit") or []
        name = str(st.get("interviewer") or "")
        if interviewer is not None and name.strip() and not _same_person(name, str(interviewer)):
            continue
        rows.append({
            "draft_id": str(st["draft_id"]),
            "candidate_id": str(st.get("candidate_id") or ""),
            "level": str(st.get("level") or ""),
            "interviewer": str(st.get("interviewer") or ""),
            "date": str(st.get("date") or ""),
            "answered": sum(1 for q in kit if (answers.get(q) or {}).get("score") is not None),
            "questions": len(kit),
            "updated": str(st.get("updated") or ""),
            "path": _shown(str(path)),
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
        path.with_name(f".{path.stem}.open").unlink()  # its hold file (see DraftHold)
    except OSError:
        pass
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
