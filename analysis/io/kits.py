"""Question kits: which questions an interview asks, and in which order.

A kit is a plain list of ``question_id`` values. The interview form starts from
:func:`default_kit` and lets the interviewer add, remove and reorder questions with
:func:`add_question`, :func:`remove_question` and :func:`move_question`; :func:`filter_bank` is the
filterable view of the bank the form offers for adding.

Why a fixed default
-------------------
The default kit is deterministic: every candidate of one level meets the same questions in the same
order unless the interviewer changes them. Calibration rests on that — an item analysis or an
interviewer-severity model can only compare scores given to the same questions — so the default is
"the same six questions for everyone at this level", spread over as many topics as the level
offers, plus one stretch question from the level above to see how far a strong candidate reaches.
"""

from __future__ import annotations

import pandas as pd

from analysis import config
from analysis.io.bank import active_questions, filter_questions

__all__ = ["DEFAULT_SIZE", "default_kit", "stretch_question", "filter_bank", "add_question",
           "remove_question", "move_question", "active_questions"]

#: Questions of the candidate's own level in a default kit.
DEFAULT_SIZE = 6


def _level_index(level: str) -> int:
    """The position of ``level`` in :data:`analysis.config.LEVELS` (``ValueError`` naming them if unknown)."""
    if level not in config.LEVELS:
        raise ValueError(f"got level {level!r}, expected one of {', '.join(config.LEVELS)}")
    return config.LEVELS.index(level)


def _level_rows(questions: pd.DataFrame, level: str) -> pd.DataFrame:
    _level_index(level)
    return questions[questions["level"].astype(str) == level]


def stretch_question(questions: pd.DataFrame, level: str, exclude_topics=()) -> str | None:
    """The stretch question for ``level``: the first active question of the next level up whose topic
    is not in ``exclude_topics`` (else simply the first of that level); ``None`` for the top level."""
    questions = active_questions(questions)
    i = _level_index(level)
    if i + 1 >= len(config.LEVELS):
        return None
    above = _level_rows(questions, config.LEVELS[i + 1])
    if above.empty:
        return None
    fresh = above[~above["topic"].astype(str).isin(set(exclude_topics))]
    return str((fresh if not fresh.empty else above)["question_id"].iloc[0])


def default_kit(questions: pd.DataFrame, level: str, *, size: int = DEFAULT_SIZE,
                stretch: bool = True) -> list[str]:
    """The default question kit for a candidate interviewed for ``level``.

    Parameters
    ----------
    questions : DataFrame
        The bank (:func:`analysis.io.bank.load_questions`), or a workbook's item table: only active
        versions are considered (:func:`active_questions`).
    level : {"junior", "mid", "senior"}
        The level the candidate is interviewed for.
    size : int, default 6
        How many questions of that level to ask.
    stretch : bool, default True
        Append one question from the level above (none for the top level).

    Returns
    -------
    list of str
        Stable question ids (``mid-caching``, never a retired question) in the order to ask them.

    Notes
    -----
    Questions are taken round-robin over the level's topics, in the bank's order: the first
    question of each topic, then the second of each, and so on, so six questions from a level with
    six topics cover all six. The stretch question prefers a topic the kit does not cover yet.

    Examples
    --------
    >>> from analysis.io.bank import load_questions
    >>> default_kit(load_questions(), "senior", size=2)
    ['sr-fault-tolerance-dr', 'sr-cost-optimisation']
    """
    questions = active_questions(questions)
    rows = _level_rows(questions, level)
    by_topic: dict[str, list[str]] = {}
    for qid, topic in zip(rows["question_id"].astype(str), rows["topic"].astype(str)):
        by_topic.setdefault(topic, []).append(qid)
    kit: list[str] = []
    depth = 0
    while len(kit) < size and any(len(v) > depth for v in by_topic.values()):
        for ids in by_topic.values():
            if len(ids) > depth and len(kit) < size:
                kit.append(ids[depth])
        depth += 1
    if stretch:
        covered = set(questions.loc[questions["question_id"].isin(kit), "topic"].astype(str))
        extra = stretch_question(questions, level, covered)
        if extra is not None:
            kit.append(extra)
    return kit


def filter_bank(questions: pd.DataFrame, *, text: str = "", level: str | None = None,
                topic: str | None = None, exclude=()) -> pd.DataFrame:
    """The bank rows matching a free-text search (in id, question, topic, good answer and red
    flag; case-insensitive), a level and a topic, without the ids in ``exclude`` (the kit)."""
    return filter_questions(questions, level, topic, text, exclude=exclude,
                            fields=("question_id", "question", "topic", "good_answer", "red_flag"))


def add_question(kit: list[str], question_id: str, position: int | None = None) -> list[str]:
    """A new kit with ``question_id`` inserted at ``position`` (default: the end); a question
    already in the kit is left where it is."""
    if question_id in kit:
        return list(kit)
    out = list(kit)
    out.insert(len(out) if position is None else position, question_id)
    return out


def remove_question(kit: list[str], question_id: str) -> list[str]:
    """A new kit without ``question_id``."""
    return [q for q in kit if q != question_id]


def move_question(kit: list[str], question_id: str, offset: int) -> list[str]:
    """A new kit with ``question_id`` moved ``offset`` places (-1 = earlier), clamped to the ends."""
    out = list(kit)
    if question_id not in out:
        return out
    i = out.index(question_id)
    j = max(0, min(len(out) - 1, i + offset))
    out.insert(j, out.pop(i))
    return out
