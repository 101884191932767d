"""The question bank: ``data/questions.csv``, one row per question **version**.

=============  ================================================================================
column         meaning
=============  ================================================================================
question_id    stable, readable key (``jr-s3-basics``); it keys every scorecard forever and is
               never reused, not even after the question is retired
version        1, 2, ...: a rewrite adds a version; the versions of an id have no gap (optional
               column: a bank without it is version 1 of every question)
status         ``active`` or ``retired``; at most one active version per id, its highest (optional:
               default ``active``). A question with no active version is retired.
introduced     the date (``YYYY-MM-DD``) the version came into use (optional; empty for a bank
               written before versions). Version 1 is in force from the start, whatever its date.
level          the guide's level of the question: ``junior``, ``mid`` or ``senior``
section        the guide's heading for that level (Core services / Architecture and scaling /
               Reliability, security and cost)
topic          a taxonomy that cuts across levels: compute, data, networking, security,
               reliability, cost, architecture, operations
question       the question text
good_answer    the guide's "what good looks like"
red_flag       the guide's red flag
years          the guide's years of experience for the level (optional column)
retired        the date a version stopped being used (optional; empty while it is active). A
               version superseded by a rewrite is ``retired`` from the new version's ``introduced``.
=============  ================================================================================

The guide's 24 questions are version 1, verbatim. A rewrite keeps the id, the level and the topic
(a question of another level or topic is a new question with a new id), so the versions of an id
are one question measured in turn; the analyses treat each version as its own **item**
(:func:`item_key`: ``mid-caching`` while a question has one version, ``mid-caching v1`` and
``mid-caching v2`` once it has two), and the version a scorecard answered is the one it names in
``question_version`` or else the one in force on its date (:func:`version_in_force`).

Because ``topic`` cuts across levels, "which topics separate strong from weak" and "which levels
separate strong from weak" are different questions with different answers.
"""

from __future__ import annotations

import os
import re
import unicodedata

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import BankError, Problem
from analysis.io.csvfile import CsvFile, NoHeader, NotUtf8, UnreadableFrom, UnreadableHeader, duplicates, wrong_width
from analysis.io.files import read_regular_file
from analysis.io.schema import YEAR_RANGE, invisible

__all__ = ["REQUIRED_COLUMNS", "TEXT_COLUMNS", "BANK_COLUMNS", "STATUSES", "load_questions", "validate_questions",
           "filter_questions", "item_key", "item_table", "version_in_force", "read_bank_text", "bank_csv"]

REQUIRED_COLUMNS = ("question_id", "level", "section", "topic", "question", "good_answer", "red_flag")
TEXT_COLUMNS = ("question", "good_answer", "red_flag")
#: Every column of a bank, in the order the bank commands write them.
BANK_COLUMNS = ("question_id", "version", "status", "introduced", "level", "section", "topic", "question",
                "good_answer", "red_flag", "years", "retired")
STATUSES = ("active", "retired")
#: An id ending like a version label (``... v2``) would read as an item id: refused in the bank.
_LABEL_LIKE = re.compile(r"\sv\d+$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def validate_questions(raw: pd.DataFrame, path: str = config.QUESTIONS_FILE, lines=None) -> list[Problem]:
    """Return every problem of a bank read as strings (``dtype=str``), naming its CSV line.

    A row is judged on its own (required text, a known level, a visible id that does not end like a
    version label, a positive whole ``version``, a known ``status``, real dates), then the versions of
    each id together: a version given twice, a gap in the versions, two active versions or an active
    one that is not the highest, a version that changes the level or topic (a reused id: a different
    question needs a new id), and ``introduced`` dates that go back in time.

    ``lines`` gives the physical line each row starts on (as :func:`load_questions` reads them, so a
    record with quoted newlines does not shift later line numbers); without it row ``i`` is taken to
    be on line ``i + 2`` (one line per record after the header).
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        return [Problem(path, 1, None, f"missing required column(s) {', '.join(missing)}; "
                        f"expected a header with {', '.join(REQUIRED_COLUMNS)}")]
    lines = list(range(2, len(raw) + 2)) if lines is None else list(lines)
    problems: list[Problem] = []
    versions: dict[str, list[tuple[int, int, dict]]] = {}
    for i, row in zip(lines, raw.itertuples(index=False)):
        row = dict(zip(raw.columns, row))
        qid, version = _row_problems(row, path, i, problems)
        if qid is not None and version is not None:
            versions.setdefault(qid, []).append((version, i, row))
    for qid, rows in versions.items():
        problems += _version_problems(qid, rows, path, versioned="version" in raw.columns)
    return sorted(problems, key=lambda p: p.line)


def _text(row: dict, col: str) -> str:
    v = row.get(col)
    return v.strip() if isinstance(v, str) else ""


def _row_problems(row: dict, path: str, i: int, problems: list) -> tuple[str | None, int | None]:
    """The problems of one row on its own; returns its (NFC) id and version when both are usable."""
    for col in REQUIRED_COLUMNS:
        if not _text(row, col):
            problems.append(Problem(path, i, col, "empty; expected text"))
    qid = unicodedata.normalize("NFC", _text(row, "question_id")) or None
    if qid is not None:  # compared stripped and NFC-normalised, as the loader compares ids
        hidden = invisible(qid)
        if hidden:
            problems.append(Problem(path, i, "question_id", f"got {qid!r}, which contains an invisible "
                                    f"character {hidden}; expected visible text only (retype the id)"))
        if _LABEL_LIKE.search(qid):
            problems.append(Problem(path, i, "question_id", f"got {qid!r}, which ends like a version label "
                                    "(' v2'); expected an id without it (the version goes in the version column)"))
    level = _text(row, "level")
    if level and level.lower() not in config.LEVELS:
        problems.append(Problem(path, i, "level", f"got '{row['level']}', expected one of {', '.join(config.LEVELS)}"))
    version = 1
    if "version" in row:
        v = _text(row, "version")
        version = int(v) if v.isascii() and v.isdigit() and int(v) >= 1 else None
        if version is None:
            problems.append(Problem(path, i, "version", f"got {v!r}; expected a whole number 1, 2, ..."))
    status = _text(row, "status").lower()
    if status and status not in STATUSES:
        problems.append(Problem(path, i, "status", f"got {row['status']!r}; expected active or retired"))
    for col in ("introduced", "retired"):
        v = _text(row, col)
        if v and _date(v) is None:
            problems.append(Problem(path, i, col, f"got {v!r}; expected a date YYYY-MM-DD or nothing"))
    return qid, version


def _date(text: str):
    """``text`` as a Timestamp when it is a real ``YYYY-MM-DD`` date in the scorecards' year range."""
    if not _DATE.fullmatch(text):
        return None
    try:
        day = pd.Timestamp(text)
    except ValueError:
        return None
    return day if YEAR_RANGE[0] <= day.year <= YEAR_RANGE[1] else None


def _version_problems(qid: str, rows: list, path: str, *, versioned: bool) -> list[Problem]:
    """The problems of one id's versions taken together (``rows``: (version, line, row) in file order)."""
    out: list[Problem] = []
    first: dict[int, int] = {}
    for version, line, _ in rows:
        if version in first:
            what = f" version {version}" if versioned else ""
            out.append(Problem(path, line, "question_id",
                               f"duplicate id '{qid}'{what} (first on line {first[version]}); each id is given once"
                               + (" per version" if versioned else "")))
        first.setdefault(version, line)
    if len(first) < len(rows):
        return out  # the same version twice: the rest would only repeat it
    rows = sorted(rows, key=lambda r: r[0])
    present = sorted(first)
    gap = [v for v in range(1, present[-1] + 1) if v not in first]
    if gap:
        out.append(Problem(path, first[present[-1]], "version",
                           f"'{qid}' has version {present[-1]} but no version {', '.join(map(str, gap))}; "
                           "expected versions 1, 2, ... without a gap"))
    active = [(v, line) for v, line, row in rows if _text(row, "status").lower() in ("", "active")]
    if len(active) > 1:
        out.append(Problem(path, active[1][1], "status",
                           f"'{qid}' has {len(active)} active versions ({', '.join(str(v) for v, _ in active)}); "
                           "expected at most one: mark the earlier ones retired"))
    elif active and active[0][0] != present[-1]:
        out.append(Problem(path, active[0][1], "status",
                           f"version {active[0][0]} of '{qid}' is active but version {present[-1]} is newer; "
                           "expected only the newest version to be active"))
    base = rows[0][2]
    for version, line, row in rows[1:]:
        for col in ("level", "topic"):
            if _text(row, col).lower() != _text(base, col).lower():
                out.append(Problem(path, line, col,
                                   f"version {version} of '{qid}' has {col} '{_text(row, col)}' but version "
                                   f"{rows[0][0]} has '{_text(base, col)}': an id is never reused for another "
                                   "question; give the new question a new id"))
    days = [(v, line, _date(_text(row, "introduced"))) for v, line, row in rows]
    for (v0, _, d0), (v1, line1, d1) in zip(days, days[1:]):
        if d0 is not None and d1 is not None and d1 < d0:
            out.append(Problem(path, line1, "introduced",
                               f"version {v1} of '{qid}' was introduced {d1.date()}, before version {v0} "
                               f"({d0.date()}); expected each version introduced on or after the one before"))
    return out


def bank_csv(raw: pd.DataFrame) -> str:
    """``raw`` (text cells, as :func:`read_bank_text` reads them) as the CSV text of a bank: the
    :data:`BANK_COLUMNS` first, in their order, then any other column the frame holds, in its order;
    every cell verbatim (quoted where it holds a comma, a quote or a line break: a lone carriage
    return too, which Python's csv writer would leave bare and its reader would split on)."""
    cols = [c for c in BANK_COLUMNS if c in raw.columns] + [c for c in raw.columns if c not in BANK_COLUMNS]
    rows = [cols, *raw[cols].itertuples(index=False, name=None)]
    return "".join(",".join(map(_csv_cell, row)) + "\n" for row in rows)


def _csv_cell(value) -> str:
    text = str(value)
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if _NEEDS_QUOTES.search(text) else text


def read_bank_text(path, *, delimiter: str = ",") -> tuple[pd.DataFrame, list[int]]:
    """The records of a bank file as text, verbatim, with the physical line each starts on.

    Column names are stripped and lower-cased; nothing else is judged (:func:`validate_questions`
    does that). The bank commands edit this frame and write it back with :func:`bank_csv`, so the
    rows they do not touch are written as they were read.

    Raises
    ------
    BankError
        The file cannot be read, is not UTF-8 CSV, has duplicate columns or a record of the wrong width.
    """
    try:
        data = read_regular_file(path)
    except OSError as exc:
        raise BankError(f"cannot read the bank: {getattr(exc, 'strerror', None) or exc}; expected a UTF-8 CSV "
                        "file with a header", path) from exc
    try:
        csv_file = CsvFile(data, nul=True, delimiter=delimiter)
    except NotUtf8 as exc:
        raise BankError(f"cannot read the bank: {exc}; expected a UTF-8 CSV with a header", path) from exc
    except NoHeader:
        raise BankError("cannot read the bank: no header row; expected a UTF-8 CSV with a header", path) from None
    except UnreadableHeader as exc:
        raise BankError(f"cannot read the bank: {exc}; expected properly quoted fields", path) from exc
    names = [h.strip().lower() for h in csv_file.header]
    dupes = duplicates(names)
    if dupes:
        raise BankError(Problem(str(path), csv_file.header_line, None, f"duplicate column(s) {', '.join(dupes)}; "
                                "expected each column once (column names are compared ignoring case)"))
    records, lines, problems = [], [], []
    try:
        for start, _, rec in csv_file.records():
            width = wrong_width(rec, len(names))
            if width:
                problems.append(Problem(str(path), start, None, f"{width} (as in the header)"))
                continue
            records.append(rec)
            lines.append(start)
    except UnreadableFrom as exc:
        raise BankError(f"cannot read the bank: {exc}; expected properly quoted fields", path) from exc
    if problems:
        raise BankError(problems)
    raw = pd.DataFrame(records, columns=names, dtype=object) if records else pd.DataFrame(columns=names, dtype=object)
    return raw.astype(str), lines


def load_questions(data=None, *, versions: str = "active") -> pd.DataFrame:
    """Load the question bank of a data folder as a tidy DataFrame.

    Parameters
    ----------
    data : path-like or :class:`analysis.config.Layout`, optional
        The data folder (default: :func:`analysis.config.data_dir`).
    versions : {"active", "all"}, default "active"
        ``"active"``: one row per question that has an active version, that version (what the
        forms, kits and the bank view offer). ``"all"``: every version of every question, retired
        ones included, in the file's order (what the analyses and the bank commands read).

    Returns
    -------
    pandas.DataFrame
        The columns above (``version`` int64, ``status`` text, ``introduced`` and ``retired``
        datetime64, NaT when empty); ``level`` is an ordered categorical (junior < mid < senior),
        ``topic`` and ``section`` are categoricals, text is verbatim (only surrounding whitespace of
        ids and enumerations is stripped, and ids are normalised to Unicode NFC, as the scorecards'
        ids are).

    Raises
    ------
    BankError
        The bank is missing or not a regular file, or has duplicate columns or versions, missing
        text, an unknown level, an invisible character in an id, or versions that do not hold
        together (see :func:`validate_questions`); the message names the physical line of each bad row.

    Examples
    --------
    >>> from analysis.io.bank import load_questions
    >>> bank = load_questions()
    >>> bank.groupby("level", observed=True).size().to_dict()
    {'junior': 8, 'mid': 8, 'senior': 8}
    """
    if versions not in ("active", "all"):
        raise ValueError(f"versions must be 'active' or 'all'; got {versions!r}")
    path = config.layout(data).questions
    if not os.path.lexists(path):
        raise BankError(f"question bank not found; expected {path} (pass data=... or --data DIR)", path)
    raw, lines = read_bank_text(path)
    problems = validate_questions(raw, str(path), lines)
    if problems:
        raise BankError(problems)
    bank = raw.copy()
    for col in ("question_id", "level", "topic", "section"):
        bank[col] = bank[col].str.strip()
    bank["question_id"] = bank["question_id"].map(lambda q: unicodedata.normalize("NFC", q)).astype(str)
    bank["level"] = pd.Categorical(bank["level"].str.lower(), categories=config.LEVELS, ordered=True)
    bank["topic"] = bank["topic"].str.lower().astype("category")
    bank["section"] = bank["section"].astype("category")
    bank["version"] = bank["version"].str.strip().astype("int64") if "version" in bank else np.int64(1)
    status = bank["status"].str.strip().str.lower() if "status" in bank else pd.Series("", index=bank.index)
    bank["status"] = status.where(status != "", "active")
    for col in ("introduced", "retired"):
        text = bank[col].str.strip() if col in bank else pd.Series("", index=bank.index)
        bank[col] = pd.to_datetime(text.where(text != ""), format="%Y-%m-%d").astype("datetime64[ns]")
    if versions == "active":
        bank = bank[bank["status"] == "active"]
    return bank.reset_index(drop=True)


def item_key(question_id: str, version: int, n_versions: int) -> str:
    """The item id of one version: ``question_id`` while the bank holds one version of the question,
    else ``"<question_id> v<version>"`` (``mid-caching v2``). Every analysis keys on it, so each
    version of a rewritten question is measured as an item of its own."""
    return question_id if n_versions <= 1 else f"{question_id} v{int(version)}"


def item_table(bank: pd.DataFrame) -> pd.DataFrame:
    """One row per version of ``bank`` (:func:`load_questions` with ``versions="all"``), keyed by
    its item id.

    Returns the bank's columns with ``question_id`` replaced by the item id (:func:`item_key`) and
    the stable id in ``base_id``, in the bank's order. For a bank whose every question has one
    version, ``question_id`` is unchanged and ``base_id`` equals it.
    """
    out = bank.copy()
    n = out.groupby("question_id", sort=False)["version"].transform("size").to_numpy()
    out.insert(1, "base_id", out["question_id"].astype(str))
    out["question_id"] = [item_key(q, v, k) for q, v, k in zip(out["base_id"], out["version"], n)]
    return out.reset_index(drop=True)


def active_questions(questions: pd.DataFrame) -> pd.DataFrame:
    """The questions that may be asked now: the active version of each, keyed by its stable id.

    The forms offer these and a kit holds only these (a retired question is never asked again).

    Parameters
    ----------
    questions : DataFrame
        A bank (:func:`load_questions`, ``versions="active"`` or ``"all"``) or the item table of a
        loaded workbook (:func:`item_table`: ``question_id`` the item id such as ``mid-caching v2``,
        ``base_id`` the stable id).

    Returns
    -------
    DataFrame
        One row per question with an active version, that version's row: ``question_id`` the stable
        id, ``version`` (1 for a bank written before versions), the item id in ``item_id`` when given
        an item table, and the other columns. Each question keeps the place of its first version, so a
        rewrite appended to the bank does not move it.
    """
    out = questions.assign(version=1) if "version" not in questions else questions
    key = (out["base_id"] if "base_id" in out else out["question_id"]).astype(str)
    first = {q: i for i, q in reversed(list(enumerate(key)))}
    if "status" in out:
        active = out["status"].astype(str).str.strip().str.lower().isin(["active", ""]).to_numpy()
        out, key = out[active], key[active]
    out = out.iloc[key.map(first).to_numpy().argsort(kind="stable")]
    if "base_id" in out:
        out = out.assign(item_id=out["question_id"].astype(str), question_id=out["base_id"].astype(str))
    return out


def version_in_force(bank: pd.DataFrame, question_ids, dates) -> np.ndarray:
    """The version of each question in force on each date: the highest version whose ``introduced``
    is on or before the date, else 1 (version 1 is in force from the start).

    Parameters
    ----------
    bank : DataFrame
        Every version (:func:`load_questions` with ``versions="all"``, or :func:`item_table`: read by
        ``base_id`` when it has one).
    question_ids : array-like of str
        Stable ids (unknown ids get version 1).
    dates : array-like of datetime64 or ``YYYY-MM-DD`` text

    Returns
    -------
    numpy.ndarray of int64
    """
    ids = pd.Index(pd.Series(question_ids, dtype=object).astype(str))
    days = pd.to_datetime(pd.Series(dates).reset_index(drop=True)).to_numpy(dtype="datetime64[ns]")
    out = np.ones(len(ids), dtype=np.int64)
    key = bank["base_id"] if "base_id" in bank else bank["question_id"]
    later = bank[(bank["version"] > 1) & bank["introduced"].notna()]
    for qid, rows in later.groupby(key[later.index].astype(str), sort=False):
        rows = rows.sort_values("version")
        at = np.flatnonzero(ids == qid)
        if not len(at):
            continue
        starts = rows["introduced"].to_numpy(dtype="datetime64[ns]")
        k = np.searchsorted(starts, days[at], side="right")
        out[at] = np.where(k > 0, rows["version"].to_numpy()[np.maximum(k - 1, 0)], 1)
    return out


def filter_questions(bank: pd.DataFrame, level: str | None = None, topic: str | None = None,
                     text: str | None = None, *, fields=TEXT_COLUMNS, exclude=()) -> pd.DataFrame:
    """The questions of a level, a topic and/or containing a piece of text.

    Parameters
    ----------
    bank : DataFrame
        The question bank (:func:`load_questions`).
    level, topic : str, optional
        Keep only this level (``junior``, ``mid``, ``senior``) or topic; ``None`` or ``""`` keeps
        all. Case and surrounding spaces are ignored.
    text : str, optional
        Keep only questions where one of ``fields`` contains it (case-insensitive, literal: ``.``
        and ``*`` are not patterns).
    fields : sequence of str
        Columns searched for ``text`` (default: question, good_answer, red_flag).
    exclude : iterable of str
        Question ids to leave out (for example those already in an interview kit).

    Returns
    -------
    DataFrame
        The matching rows, in the bank's order, with the bank's columns and dtypes.
    """
    keep = ~bank["question_id"].isin(list(exclude))
    if level is not None and str(level).strip():
        keep &= bank["level"].astype(str).str.lower() == str(level).strip().lower()
    if topic is not None and str(topic).strip():
        keep &= bank["topic"].astype(str).str.lower() == str(topic).strip().lower()
    needle = (text or "").strip().lower()
    if needle:
        hit = pd.Series(False, index=bank.index)
        for col in fields:
            hit |= bank[col].astype(str).str.lower().str.contains(needle, regex=False)
        keep &= hit
    return bank[keep]
