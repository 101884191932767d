"""The question bank: ``data/questions.csv``.

The bank is the guide's 24 questions, verbatim, one row each:

=============  ================================================================================
column         meaning
=============  ================================================================================
question_id    stable, readable, unique key (``jr-s3-basics``); it keys every scorecard forever
level          the guide's level of the question: ``junior``, ``mid`` or ``senior``
section        the guide's heading for that level (Core services / Architecture and scaling /
               Reliability, security and cost)
topic          a taxonomy that cuts across levels: compute, data, networking, security,
               reliability, cost, architecture, operations
question       the question text
good_answer    the guide's "what good looks like"
red_flag       the guide's red flag
years          the guide's years of experience for the level (optional column)
=============  ================================================================================

Because ``topic`` cuts across levels, "which topics separate strong from weak" and "which levels
separate strong from weak" are different questions with different answers.
"""

from __future__ import annotations

import pandas as pd

from . import config
from .errors import BankError, Problem

__all__ = ["REQUIRED_COLUMNS", "TEXT_COLUMNS", "load_questions", "validate_questions", "filter_questions"]

REQUIRED_COLUMNS = ("question_id", "level", "section", "topic", "question", "good_answer", "red_flag")
TEXT_COLUMNS = ("question", "good_answer", "red_flag")


def validate_questions(raw: pd.DataFrame, path: str = "questions.csv") -> list[Problem]:
    """Return every problem of a bank read as strings (``dtype=str``), naming its CSV line.

    Line numbers assume one physical line per record plus the header, which holds for the shipped
    bank; a record with quoted newlines shifts later line numbers.
    """
    problems: list[Problem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        return [Problem(path, 1, None, f"missing required column(s) {', '.join(missing)}; "
                        f"expected a header with {', '.join(REQUIRED_COLUMNS)}")]
    seen: dict[str, int] = {}
    for i, row in enumerate(raw.itertuples(index=False), start=2):
        row = row._asdict()
        for col in REQUIRED_COLUMNS:
            if not isinstance(row[col], str) or not row[col].strip():
                problems.append(Problem(path, i, col, "empty; expected text"))
        qid = row["question_id"].strip() if isinstance(row["question_id"], str) else row["question_id"]
        if isinstance(qid, str) and qid:  # compared stripped, as the loader strips ids
            if qid in seen:
                problems.append(Problem(path, i, "question_id",
                                        f"duplicate id '{qid}' (first on line {seen[qid]}); ids must be unique"))
            seen.setdefault(qid, i)
        level = row["level"]
        if isinstance(level, str) and level.strip() and level.strip().lower() not in config.LEVELS:
            problems.append(Problem(path, i, "level",
                                    f"got '{level}', expected one of {', '.join(config.LEVELS)}"))
    return problems


def load_questions(data=None) -> pd.DataFrame:
    """Load the question bank of a data folder as a tidy DataFrame.

    Parameters
    ----------
    data : path-like, optional
        The data folder (default: :func:`analysis.config.data_dir`).

    Returns
    -------
    pandas.DataFrame
        One row per question, in the bank's order, with the columns above; ``level`` is an ordered
        categorical (junior < mid < senior), ``topic`` and ``section`` are categoricals, text is
        verbatim (only surrounding whitespace of ids and enumerations is stripped).

    Raises
    ------
    BankError
        The bank is missing, or has duplicate ids, missing text or an unknown level; the message
        names the line of each bad row.

    Examples
    --------
    >>> from analysis.bank import load_questions
    >>> bank = load_questions()
    >>> bank.groupby("level", observed=True).size().to_dict()
    {'junior': 8, 'mid': 8, 'senior': 8}
    """
    path = config.questions_path(data)
    if not path.exists():
        raise BankError(f"question bank not found; expected {path} (pass data=... or --data DIR)", path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise BankError(f"cannot read the bank: {exc}; expected a UTF-8 CSV with a header", path) from exc
    raw.columns = [c.strip().lower() for c in raw.columns]
    problems = validate_questions(raw, str(path))
    if problems:
        raise BankError(problems)
    bank = raw.copy()
    for col in ("question_id", "level", "topic", "section"):
        bank[col] = bank[col].str.strip()
    bank["level"] = pd.Categorical(bank["level"].str.lower(), categories=config.LEVELS, ordered=True)
    bank["topic"] = bank["topic"].str.lower().astype("category")
    bank["section"] = bank["section"].astype("category")
    return bank.reset_index(drop=True)


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
