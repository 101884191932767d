"""Changing the question bank: add a question, rewrite one (a new version), retire one.

Calibration is a loop: measure the questions, change the weak ones, measure again. These three
functions are the "change" half, and the only code that writes ``questions.csv`` of an existing data
folder (``python -m analysis bank add|rewrite|retire`` and the bank editor of notebook 01 call them).

Each one

1. takes the bank's lock (:attr:`analysis.config.Layout.bank_lock`, :func:`analysis.io.files.file_lock`),
   so two editors at once never lose each other's change;
2. rereads the whole bank, every version (a bank that does not load is not edited: fix it first);
3. checks the change and refuses it with :class:`~analysis.errors.BankEditError` (a
   :class:`~analysis.errors.UsageError`, exit status 2) saying how to fix it, before anything is written;
4. writes the whole bank atomically (:func:`analysis.io.files.atomic_write`): the
   :data:`~analysis.io.bank.BANK_COLUMNS` first, then any other column the file had, every row kept,
   untouched rows cell for cell as they were read;
5. rereads what it wrote and compares it with what it meant to write; on any difference the previous
   file is put back and a :class:`~analysis.errors.BankError` raised (a row is never lost).

A bank written before versions (no ``version``/``status``/``introduced`` columns) is upgraded on its
first edit: every question becomes version 1, active, introduced on the earliest interview date of
the folder's scorecards (today when there are none).

The rules they keep (see :mod:`analysis.io.bank` for the format):

* an id is never reused: :func:`add_question` refuses an id any row has ever had (also a retired
  question's, and also one differing only in letter case);
* a rewrite keeps the id, level, topic, section and years, adds version ``n + 1`` (active from
  ``introduced``, default today) and marks version ``n`` retired on that date; a retired question
  cannot be rewritten (add a new question instead);
* text is stored verbatim (quotes, commas, line breaks, any Unicode); a NUL character, an unpaired
  surrogate (text that is not valid Unicode) or a field over
  :data:`~analysis.io.schema.MAX_FIELD_CHARS` characters is refused.

Examples
--------
>>> from analysis.io.bank_edit import add_question, rewrite_question, retire_question
>>> qid = add_question("my-data", level="mid", topic="data", question="How would you ...?",
...                    good_answer="...", red_flag="...")                       # doctest: +SKIP
>>> rewrite_question("my-data", qid, question="How would you ... instead?")    # doctest: +SKIP
2
>>> retire_question("my-data", qid, date="2027-01-31")                          # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd

from analysis import config
from analysis.errors import BankEditError, BankError, WorkbookError
from analysis.io.bank import (BANK_COLUMNS, TEXT_COLUMNS, bank_csv, load_questions, read_bank_text,
                              validate_questions)
from analysis.io.files import atomic_write, file_lock, read_regular_file
from analysis.io.folder import require_data_folder
from analysis.io.schema import MAX_FIELD_CHARS, YEAR_RANGE, invisible

__all__ = ["add_question", "rewrite_question", "retire_question", "versioned_columns", "check_text",
           "check_date", "today", "BankEditError", "LEVEL_PREFIX", "moved_by_rewrite", "dated_after_retirement"]

#: The id prefix of each level, as the guide's ids have it (``jr-s3-basics``, ``mid-caching``, ``sr-dr``).
LEVEL_PREFIX = {"junior": "jr", "mid": "mid", "senior": "sr"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_STOP = frozenset("a an and are as at be by can do does for from how i in is it its of on or the their "
                  "this to what when where which who why will with would you your".split())
_MAX_ID = 60


# ------------------------------------------------------------------ checks shared with init --bank


def check_text(column: str, value, *, required: bool = True) -> str:
    """``value`` as text the bank can store verbatim, else :class:`BankEditError` naming ``column``.

    Refused: not text, empty (or only whitespace) when ``required``, a NUL character, an unpaired
    surrogate (not valid Unicode, it cannot be written as UTF-8), or more than
    :data:`~analysis.io.schema.MAX_FIELD_CHARS` characters. Returned unchanged.
    """
    if not isinstance(value, str):
        raise BankEditError(f"{column}: got {type(value).__name__} {value!r}; expected text")
    if required and not value.strip():
        raise BankEditError(f"{column}: empty; expected text (a question needs its {column.replace('_', ' ')})")
    if "\x00" in value:
        raise BankEditError(f"{column}: holds a NUL character (at position {value.index(chr(0)) + 1}); "
                            "expected plain text (remove it; it usually comes from a binary paste)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BankEditError(f"{column}: holds an unpaired surrogate U+{ord(value[exc.start]):04X} at position "
                            f"{exc.start + 1}, which is not valid Unicode; expected text that can be saved "
                            "as UTF-8 (retype or re-paste it)") from None
    if len(value) > MAX_FIELD_CHARS:
        raise BankEditError(f"{column}: {len(value):,} characters; expected at most {MAX_FIELD_CHARS:,} "
                            "(shorten it: a question, a good answer or a red flag is a paragraph, not a document)")
    return value


def check_date(value, what: str) -> str | None:
    """``value`` (``YYYY-MM-DD`` text, a ``date`` or a Timestamp; None passes through) as
    ``YYYY-MM-DD`` text, else :class:`BankEditError` naming ``what``."""
    if value is None:
        return None
    if isinstance(value, (dt.date, pd.Timestamp)):  # a datetime and a Timestamp are dates too
        value = value.strftime("%Y-%m-%d")
    text = str(value).strip()
    try:
        day = dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        day = None
    if day is None or not YEAR_RANGE[0] <= day.year <= YEAR_RANGE[1]:
        raise BankEditError(f"{what}: got {value!r}; expected a calendar date YYYY-MM-DD "
                            f"(years {YEAR_RANGE[0]}-{YEAR_RANGE[1]})")
    return day.isoformat()


def today() -> str:
    """Today as ``YYYY-MM-DD`` (the default date of every change)."""
    return dt.date.today().isoformat()


def versioned_columns(raw: pd.DataFrame, introduced: str) -> pd.DataFrame:
    """``raw`` (a bank read as text) with every :data:`~analysis.io.bank.BANK_COLUMNS` column it
    lacks added: ``version`` 1, ``status`` active, ``introduced`` = ``introduced`` for version 1
    (whose date is informational: version 1 is in force from the start) and empty for a later
    version (a date there would move past interviews to it), ``years`` and ``retired`` empty. A
    bank that has the columns is returned as it is (a copy)."""
    out = raw.copy()
    fill = {"version": "1", "status": "active", "years": "", "retired": ""}
    for col in BANK_COLUMNS:
        if col == "introduced" and col not in out.columns:
            out[col] = [introduced if v.strip() == "1" else "" for v in out["version"]]
        elif col not in out.columns:
            out[col] = fill.get(col, "")
    return out


# ------------------------------------------------------------------ the locked read-change-write


def _earliest_interview(lay) -> str | None:
    """The earliest date of a real interview in the folder, or None (none, or they do not load)."""
    from analysis.io.load import load  # deferred: only an upgrade of an old bank needs the scorecards
    try:
        wb = load(lay, progress=False)
    except WorkbookError:
        return None
    dates = pd.to_datetime(wb.scores["date"], errors="coerce").dropna() if len(wb.scores) else []
    return pd.Timestamp(min(dates)).strftime("%Y-%m-%d") if len(dates) else None


def _edit(data, change):
    """Run ``change(raw) -> (new_raw, result)`` on the bank of ``data`` under its lock, write the
    result atomically and verify it; returns ``result``."""
    lay = require_data_folder(data)
    path = lay.questions
    with file_lock(lay.bank_lock):
        try:
            before = read_regular_file(path)
        except FileNotFoundError:
            raise BankEditError(f"question bank not found: {path}; expected a data folder made by "
                                "python -m analysis init DIR (or pass the right --data)") from None
        except OSError as exc:
            raise BankEditError(f"cannot read the question bank {path}: {exc.strerror or exc}") from None
        load_questions(lay, versions="all")  # a bank with problems is not edited: BankError lists them
        raw, _ = read_bank_text(path)
        if any(col not in raw.columns for col in ("version", "status", "introduced")):
            raw = versioned_columns(raw, _earliest_interview(lay) or today())
        new, result = change(raw.reset_index(drop=True))
        problems = validate_questions(new, str(path))
        if problems:  # the checks of each change come first; this is the last line of defence
            raise BankEditError("the change would make the bank invalid, nothing was written: "
                                + "; ".join(p.message for p in problems[:3]))
        text = bank_csv(new)
        atomic_write(path, text, overwrite=True)
        written, _ = read_bank_text(path)
        cols = list(written.columns)
        if (sorted(cols) != sorted(new.columns) or len(written) != len(new)
                or not written.equals(new[cols].reset_index(drop=True).astype(str))):
            atomic_write(path, before, overwrite=True)
            raise BankError(f"the bank written to {path} did not read back as written; the previous bank "
                            "was restored and nothing changed (please report this with the text you entered)", path)
    return result


def _key(qid: str) -> str:
    return unicodedata.normalize("NFC", str(qid).strip())


def _rows_of(raw: pd.DataFrame, question_id: str) -> pd.DataFrame:
    return raw[raw["question_id"].map(_key) == _key(question_id)]


def _is_active(status: str) -> bool:
    return status.strip().lower() in ("", "active")


def _current(raw: pd.DataFrame, question_id, verb: str) -> tuple[int, pd.DataFrame]:
    """The index of the active row of ``question_id`` and all its rows; refuses unknown and retired ids."""
    if not isinstance(question_id, str) or not question_id.strip():
        raise BankEditError(f"{verb}: expected a question id (python -m analysis bank list shows them)")
    rows = _rows_of(raw, question_id)
    if rows.empty:
        raise BankEditError(f"{verb}: no question '{_key(question_id)}' in the bank; expected one of its ids "
                            "(python -m analysis bank list --all --data DIR shows them)")
    active = [i for i in rows.index if _is_active(raw.at[i, "status"])]
    if not active:
        last = rows.loc[rows.index[-1]]
        when = f" on {last['retired'].strip()}" if last.get("retired", "").strip() else ""
        raise BankEditError(f"{verb}: '{_key(question_id)}' was retired{when}; a retired question never comes "
                            "back: add a new question with a new id (python -m analysis bank add ...)")
    return active[0], rows


# ------------------------------------------------------------------ the three changes


def _slug(text: str, limit: int = 32) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.findall(r"[a-z0-9]+", ascii_text) if w not in _STOP and len(w) > 1] or re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for w in words:
        if slug and len(slug) + 1 + len(w) > limit:
            break
        slug = f"{slug}-{w}" if slug else w[:limit]
        if slug.count("-") >= 3:
            break
    return slug or "question"


def _new_id(used: set[str], level: str, question: str) -> str:
    base = f"{LEVEL_PREFIX[level]}-{_slug(question)}"
    qid, n = base, 2
    while qid.casefold() in used:
        qid, n = f"{base}-{n}", n + 1
    return qid


def _check_id(qid, used: dict[str, str]) -> str:
    qid = check_text("question_id", qid)
    qid = _key(qid)
    if _CONTROL.search(qid):
        raise BankEditError(f"--id {qid!r}: holds a control character (a tab or line break); expected one line "
                            "of visible text, e.g. mid-queue-design")
    hidden = invisible(qid)
    if hidden:
        raise BankEditError(f"--id {qid!r}: holds an invisible character {hidden}; expected visible text only")
    if re.search(r"\sv\d+$", qid):
        raise BankEditError(f"--id {qid!r}: ends like a version label (' v2'); expected an id without it "
                            "(versions are added by python -m analysis bank rewrite)")
    if len(qid) > _MAX_ID:
        raise BankEditError(f"--id: {len(qid)} characters; expected at most {_MAX_ID} (a short readable key)")
    if qid.casefold() in used:
        other = used[qid.casefold()]
        same = "" if other == qid else f" as '{other}'"
        raise BankEditError(f"--id '{qid}' is already used{same} in the bank (retired questions included); an id "
                            "is never reused, so past interviews keep their meaning: choose another id, or "
                            "leave --id out to get a new one")
    return qid


def _level_default(raw: pd.DataFrame, level: str, col: str) -> str | None:
    """The value of ``col`` the bank uses most for ``level`` (None when it has no question of it)."""
    if col not in raw.columns:
        return None
    values = raw.loc[raw["level"].str.strip().str.lower() == level, col]
    values = values[values.str.strip() != ""]
    return values.value_counts(sort=True).index[0] if len(values) else None


def add_question(data, *, level: str, topic: str, question: str, good_answer: str, red_flag: str,
                 question_id: str | None = None, section: str | None = None, years: str | None = None,
                 introduced=None) -> str:
    """Add a new question (version 1, active) to the bank of ``data``; return its id.

    Parameters
    ----------
    data : path-like or Layout
        The data folder.
    level : {"junior", "mid", "senior"}
    topic : str
        The topic it measures (``compute``, ``data``, ...; any word, stored in lower case).
    question, good_answer, red_flag : str
        The text, stored verbatim.
    question_id : str, optional
        The id to give it. Refused when any row of the bank has ever had it (a retired question's
        too), also in another letter case. Default: a readable new id from the level and the
        question (``mid-`` + its first words, ``mid-design-rate-limiter``), never one used before.
    section, years : str, optional
        Default: what the bank uses for that level (the guide's heading and years of experience).
    introduced : date or ``YYYY-MM-DD``, optional
        The day the question comes into use (default today).

    Returns
    -------
    str
        The new question id (what scorecards will name).

    Raises
    ------
    BankEditError
        A bad level, empty or unstorable text, an id used before or malformed.
    """
    level_key = str(level).strip().lower()
    if level_key not in config.LEVELS:
        raise BankEditError(f"--level: got {level!r}; expected one of {', '.join(config.LEVELS)}")
    topic = check_text("topic", topic).strip().lower()
    if _CONTROL.search(topic):
        raise BankEditError(f"--topic {topic!r}: expected one line of text, e.g. data or security")
    texts = {c: check_text(c, v) for c, v in zip(TEXT_COLUMNS, (question, good_answer, red_flag))}
    day = check_date(introduced, "--introduced") or today()
    given = {c: check_text(c, v, required=c == "section") for c, v in (("section", section), ("years", years))
             if v is not None}

    def change(raw):
        used = {_key(q).casefold(): _key(q) for q in raw["question_id"]}
        qid = _check_id(question_id, used) if question_id is not None else _new_id(set(used), level_key, question)
        sec = given.get("section") or _level_default(raw, level_key, "section")
        if sec is None:
            raise BankEditError(f"--section: the bank has no {level_key} question to take the section from; "
                                "pass --section (the heading the question belongs under)")
        yrs = given["years"] if "years" in given else (_level_default(raw, level_key, "years")
                                                         or config.LEVEL_YEARS[level_key])
        row = dict.fromkeys(raw.columns, "")
        row.update(question_id=qid, version="1", status="active", introduced=day, level=level_key, section=sec,
                   topic=topic, years=yrs, retired="", **texts)
        same_level = raw.index[raw["level"].str.strip().str.lower() == level_key]
        at = same_level[-1] + 1 if len(same_level) else len(raw)
        new = pd.concat([raw.iloc[:at], pd.DataFrame([row], columns=raw.columns), raw.iloc[at:]], ignore_index=True)
        return new, qid

    return _edit(data, change)


def rewrite_question(data, question_id: str, *, question: str | None = None, good_answer: str | None = None,
                     red_flag: str | None = None, introduced=None) -> int:
    """Give a question new wording: a new version, active from ``introduced``; return its number.

    The question keeps its id, level, topic, section and years (a question of another level or topic
    is a new question: :func:`add_question`). The previous version stays in the bank, with status
    ``retired`` and ``retired`` = the new version's ``introduced``; interviews on or after that date
    count as the new version (unless their scorecard names ``question_version``), earlier ones as the
    old, so each wording is measured on its own.

    Parameters
    ----------
    data : path-like or Layout
    question_id : str
        The stable id (``mid-caching``), not an item id (``mid-caching v2``).
    question, good_answer, red_flag : str, optional
        The new text of each field given; the others are carried over from the current version.
    introduced : date or ``YYYY-MM-DD``, optional
        The day the new wording comes into use (default today); not before the current version's.

    Returns
    -------
    int
        The new version number.

    Raises
    ------
    BankEditError
        An unknown or retired id, no field given or nothing different, unstorable text, or a date
        before the current version's ``introduced``.
    """
    texts = {c: check_text(c, v) for c, v in zip(TEXT_COLUMNS, (question, good_answer, red_flag)) if v is not None}
    day = check_date(introduced, "--introduced") or today()

    def change(raw):
        at, rows = _current(raw, question_id, "rewrite")
        old = raw.loc[at]
        if not texts or all(old[c] == v for c, v in texts.items()):
            raise BankEditError(f"rewrite: nothing changes for '{_key(question_id)}'; give the new text with "
                                "--question, --good-answer and/or --red-flag")
        since = old["introduced"].strip()
        if since and day < since:
            raise BankEditError(f"--introduced {day} is before version {old['version'].strip()} of "
                                f"'{_key(question_id)}' came into use ({since}); expected {since} or later")
        version = max(int(v) for v in rows["version"]) + 1
        row = old.copy()
        row.update(pd.Series({"version": str(version), "status": "active", "introduced": day, "retired": "", **texts}))
        new = raw.copy()
        new.loc[at, "status"] = "retired"
        new.loc[at, "retired"] = day
        last = rows.index[-1] + 1
        new = pd.concat([new.iloc[:last], row.to_frame().T, new.iloc[last:]], ignore_index=True)
        return new, version

    return _edit(data, change)


def retire_question(data, question_id: str, *, date=None) -> None:
    """Retire a question: its active version becomes ``retired`` from ``date`` (default today).

    Nothing is deleted: the question and its past interviews stay in every analysis, the forms and
    kits stop offering it, an interview recorded after ``date`` is a warning of ``check``, and its
    id can never be given to another question.

    Raises
    ------
    BankEditError
        An unknown or already retired id, or a date before the active version's ``introduced``.
    """
    day = check_date(date, "--date") or today()

    def change(raw):
        at, _ = _current(raw, question_id, "retire")
        since = raw.at[at, "introduced"].strip()
        if since and day < since:
            raise BankEditError(f"--date {day} is before version {raw.at[at, 'version'].strip()} of "
                                f"'{_key(question_id)}' came into use ({since}); expected {since} or later")
        new = raw.copy()
        new.loc[at, "status"] = "retired"
        new.loc[at, "retired"] = day
        return new, None

    return _edit(data, change)


# ------------------------------------------------------------------ what a date in the past moves


def _stored(data):
    """The folder's workbook, or None when its scorecards cannot be loaded (nothing to count)."""
    from analysis.io.load import load  # deferred: only a change dated in the past reads the scorecards
    try:
        return load(require_data_folder(data), progress=False)
    except WorkbookError:
        return None


def moved_by_rewrite(data, question_id: str, version: int) -> int:
    """How many stored interviews answer ``version`` of ``question_id`` by their date alone: after
    :func:`rewrite_question` with ``introduced`` in the past, the interviews on or after that day
    whose scorecard names no ``question_version`` (older scorecards: the forms and importers write
    it) are analysed as the new version from now on. Call it after the rewrite; practice interviews
    and rows with problems are not counted."""
    wb = _stored(data)
    if wb is None or not len(wb.scores):
        return 0
    base = wb.questions.set_index("question_id")["base_id"]
    scores = wb.scores
    mine = (scores["question_id"].map(base).astype(str).eq(_key(question_id)).to_numpy()
            & (scores["question_version"] == int(version)).to_numpy())
    return int(scores.loc[mine, "interview_id"].nunique())


def dated_after_retirement(data, question_id: str) -> int:
    """How many stored interviews (practice ones included) asked ``question_id`` and are dated
    after it was retired: each is a warning of ``check`` (:func:`analysis.io._versions.retired_warnings`).
    Call it after :func:`retire_question` with ``date`` in the past."""
    wb = _stored(data)
    if wb is None:
        return 0
    qid = _key(question_id)
    return sum(any(q == qid for q, _ in getattr(w, "retired", ())) for w in wb.warnings)
