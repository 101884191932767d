"""One interview as the forms gather it, in plain functions: the set-up checks, the interview id,
the answers turned into scorecard rows, and what is still missing before it can be saved.

The widget forms (:mod:`analysis.widgets.forms`) only collect values and show messages; every rule
about those values lives here, in the io layer beside the store that writes the scorecard
(:func:`analysis.io.store.save_interview`), so it can be used and tested without a widget:

>>> import datetime as dt
>>> setup_problems("C42", "mid", "Avery", dt.date(2026, 3, 2))
[]
>>> make_interview_id(dt.date(2026, 3, 2), "C42", "0123456789ab")
'2026-03-02-C42-01234567'

The rules
---------
- A candidate id is a pseudonymous key (:data:`CANDIDATE_ID_PATTERN`: letters, digits, ``.``, ``_``
  and ``-``, up to 64), never a name; the store still turns it into a file name with
  :func:`analysis.io.store.safe_filename`, so no id leaves its folder.
- An interviewer name is at most :data:`MAX_NAME` characters on one line: no character of
  :data:`analysis._text.CONTROL_CHARS` and, since a name is one line, no tab or newline either
  (which that shared definition allows, for notes).
- Text is saved as it was typed, except that unpaired surrogates (half an emoji, a broken paste),
  which no file can hold, are replaced by U+FFFD (:func:`repair_text`).
- A recommendation is shown by its words (:data:`RECOMMENDATION_LABELS`: "Strong no" ... "Strong
  yes") and saved as its code (``strong_no`` ... ``strong_yes``, :data:`analysis.config.RECOMMENDATIONS`).
- The rubric's 1 is "showed the red flag": a red flag ticked beside a score above 1 is a
  contradiction the forms name (:func:`red_flag_conflicts`) and save only once the interviewer has
  confirmed it (a red flag can be one slip in an otherwise good answer, so it is not refused).
- A logged interview starts from the level's kit; a row where nothing was entered (no score, no red
  flag, no note: :func:`empty_answers`) is a question that was not asked, and the log form offers to
  drop all of them at once. A row with anything entered is never dropped for the interviewer.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from analysis import config
from analysis._text import clean_text, has_control
from analysis.io.load import load
from analysis.io.roster import roster_names

__all__ = ["CANDIDATE_ID_PATTERN", "MAX_NAME", "RECOMMENDATION_LABELS", "known_interviewers", "make_interview_id",
           "is_one_line", "setup_problems", "kit_problems", "answer_problems", "red_flag_conflicts", "empty_answers",
           "recommendation_options", "repair_text", "scorecard_rows", "age_seconds"]

#: What a candidate id may look like (a pseudonymous key, not a name).
CANDIDATE_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
#: The longest interviewer name a form accepts.
MAX_NAME = 80
_SURROGATE = re.compile("[\ud800-\udfff]")
#: How each form names an empty question list and an unscored question.
_WORDING = {"interview": ("question kit: empty; add at least one question", "score for question {i} of {n} ({q})",
                          "question {i} of {n} ({q})"),
            "log": ("questions: none; add the questions that were asked", "score for row {i} ({q})",
                    "row {i} ({q})")}
#: The words the forms show for each recommendation code; the scorecard keeps the code
#: (``{"strong_no": "Strong no", "no": "No", "yes": "Yes", "strong_yes": "Strong yes"}``).
RECOMMENDATION_LABELS = {code: code.replace("_", " ").capitalize() for code in config.RECOMMENDATIONS}


def known_interviewers(data=None) -> list[str]:
    """The names the forms offer: the roster's active names (``interviewers.csv``, see
    :mod:`analysis.io.roster`) when the folder has a roster, else the interviewer names found in its
    valid scorecards, sorted.

    Uses the parse cache when one exists but never writes it, so opening a form never writes into
    the data folder (and is fast on a large folder once ``check``, ``report`` or the calibration
    notebook has built the cache).
    """
    on_roster = roster_names(data)
    if on_roster:  # a roster lists who interviews: offer only its active names
        return on_roster
    scores = load(data, cache="read", progress=False).scores
    return sorted({str(n) for n in scores["interviewer"].astype(str) if str(n).strip()})


def make_interview_id(date, candidate_id: str, key: str) -> str:
    """``<YYYY-MM-DD>-<candidate id>-<first 8 characters of key>``: readable, unique per form.

    Only meaningful for a valid candidate id (see :func:`setup_problems`); the store still passes
    the id through :func:`analysis.io.store.safe_filename` before using it as a file name.
    """
    return f"{pd.Timestamp(date):%Y-%m-%d}-{str(candidate_id).strip()}-{str(key)[:8]}"


def is_one_line(text: str) -> bool:
    """Whether ``text`` fits a one-line field (a name): no control character
    (:func:`analysis._text.has_control`) and no tab or newline.

    >>> is_one_line("Blake Ó'Neil"), is_one_line("A\\tB"), is_one_line("A\\u2028B")
    (True, False, False)
    """
    return not (has_control(text) or "\t" in text or "\n" in text)


def setup_problems(candidate_id, level, interviewer, date) -> list[str]:
    """What is wrong with an interview's set-up fields, as short sentences (empty when fine)."""
    out = []
    cand = (candidate_id or "").strip()
    if not cand:
        out.append("candidate id: empty; expected a pseudonymous id such as C00042")
    elif not re.fullmatch(CANDIDATE_ID_PATTERN, cand):
        out.append(f"candidate id {cand!r}: expected letters, digits, '.', '_' or '-' (at most 64, "
                   "starting with a letter or digit)")
    if level not in config.LEVELS:
        out.append(f"level {level!r}: expected one of {', '.join(config.LEVELS)}")
    name = (interviewer or "").strip()
    if not name:
        out.append("interviewer: empty; pick a known name or type a new one")
    elif len(name) > MAX_NAME or not is_one_line(name):
        out.append(f"interviewer: expected at most {MAX_NAME} characters on one line")
    if date is None:
        out.append("date: not set; expected the day of the interview")
    return out


def kit_problems(question_ids, *, kind: str = "interview") -> list[str]:
    """``[message]`` when no question is in the kit, else ``[]``; ``kind`` (``"interview"`` or
    ``"log"``) picks the wording of the form that asks."""
    return [] if len(question_ids) else [_WORDING[kind][0]]


def answer_problems(answers: list[dict], recommendation, *, kind: str = "interview") -> list[str]:
    """What is missing among the answers before an interview can be saved: no question at all, a
    question without a score (each one named), no recommendation.

    ``answers`` are dicts with ``question_id`` and ``score`` (``None`` while unscored), in the order
    the questions are asked; ``kind`` as in :func:`kit_problems`.

    >>> answer_problems([{"question_id": "q1", "score": 3}, {"question_id": "q2", "score": None}], "yes")
    ['score for question 2 of 2 (q2)']
    """
    out = kit_problems(answers, kind=kind)
    unscored = _WORDING[kind][1]
    out += [unscored.format(i=i, n=len(answers), q=a["question_id"])
            for i, a in enumerate(answers, start=1) if a.get("score") is None]
    if recommendation is None:
        *first, last = RECOMMENDATION_LABELS.values()
        out.append(f"recommendation: choose {', '.join(first)} or {last}")
    return out


def recommendation_options() -> list[tuple[str, str]]:
    """``(label, code)`` pairs for a picker, in the order of :data:`analysis.config.RECOMMENDATIONS`:
    the interviewer reads "Strong yes", the scorecard gets ``strong_yes``.

    >>> recommendation_options()[0]
    ('Strong no', 'strong_no')
    """
    return [(label, code) for code, label in RECOMMENDATION_LABELS.items()]


def red_flag_conflicts(answers: list[dict], *, kind: str = "interview") -> list[str]:
    """The answers with a red flag ticked and a score above 1, one sentence each (empty when none).

    The rubric's 1 means "showed the red flag / no real understanding", so a red flag beside a 2, 3
    or 4 is either a slip (the score or the tick is wrong) or a deliberate call (one red flag in an
    otherwise sound answer). The forms show these sentences as soon as the combination is entered
    and save it only after the interviewer confirms. ``answers`` and ``kind`` as in
    :func:`answer_problems`.

    >>> red_flag_conflicts([{"question_id": "q1", "score": 3, "red_flag": True},
    ...                     {"question_id": "q2", "score": 1, "red_flag": True}])
    ["question 1 of 2 (q1): red flag shown with score 3, but the rubric's 1 is 'showed the red flag'"]
    """
    where = _WORDING[kind][2]
    return [f"{where.format(i=i, n=len(answers), q=a['question_id'])}: red flag shown with score {int(a['score'])}, "
            "but the rubric's 1 is 'showed the red flag'"
            for i, a in enumerate(answers, start=1)
            if a.get("red_flag") and a.get("score") is not None and int(a["score"]) > 1]


def empty_answers(answers: list[dict]) -> list[str]:
    """The question ids of the answers where nothing was entered: no score, no red flag and no note
    (blank notes count as none). In a logged interview these are the questions that were not asked;
    an answer with anything entered is never among them, so dropping these loses nothing.

    >>> empty_answers([{"question_id": "q1", "score": 2}, {"question_id": "q2", "notes": "  "},
    ...                {"question_id": "q3", "red_flag": True}])
    ['q2']
    """
    return [a["question_id"] for a in answers
            if a.get("score") is None and not a.get("red_flag") and not str(a.get("notes") or "").strip()]


def repair_text(value) -> str:
    """``value`` as text with unpaired surrogates (broken characters) replaced by U+FFFD
    (:func:`analysis._text.clean_text`); text without one is returned exactly as typed
    (``None`` as ``""``)."""
    text = "" if value is None else str(value)
    return clean_text(text) if _SURROGATE.search(text) else text


def scorecard_rows(answers: list[dict], *, interview_id: str, date, candidate_id: str, level: str,
                   interviewer: str, recommendation, durations: bool = False) -> pd.DataFrame:
    """One interview in the scorecard format, one row per answer, ready for
    :func:`analysis.io.store.save_interview` (which validates it).

    ``answers`` are dicts with ``question_id`` and optionally ``score``, ``red_flag``, ``notes`` and
    ``duration_seconds``; with ``durations`` the optional ``duration_seconds`` column is written
    (rounded to 0.1 s, 0 when unknown). Text goes through :func:`repair_text`; a missing date or
    recommendation is written empty (the store then says what is wrong).
    """
    rows = []
    for a in answers:
        row = {"interview_id": repair_text(interview_id), "date": date.isoformat() if date else "",
               "candidate_id": repair_text(candidate_id), "level": level, "interviewer": repair_text(interviewer),
               "question_id": a["question_id"], "score": a.get("score"), "red_flag": bool(a.get("red_flag")),
               "notes": repair_text(a.get("notes")), "recommendation": recommendation or ""}
        if durations:
            row["duration_seconds"] = round(float(a.get("duration_seconds") or 0.0), 1)
        rows.append(row)
    return pd.DataFrame(rows)


def age_seconds(updated) -> float | None:
    """Seconds since an ISO time stamp (a draft's ``updated``; without a time zone: UTC), or None
    when unreadable."""
    try:
        t = dt.datetime.fromisoformat(str(updated))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (dt.datetime.now(dt.timezone.utc) - t).total_seconds())
