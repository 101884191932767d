"""The scorecard format: its columns, the words of its yes/no column, its date range, and how ids
and names compare (Unicode NFC, invisible characters).

The parser (:mod:`analysis.io.scorecards`), the validator (:mod:`analysis.io.validation`), the
columnar engine (:mod:`analysis.io._engine`), the loader and the store all read the format here, so
none of them imports another to learn it.

A scorecard is long format, one row per question asked, UTF-8 CSV:

=================  ========  ========================================================================
column             required  values
=================  ========  ========================================================================
interview_id       yes       non-empty text, unique to one interview
date               yes       ISO date ``YYYY-MM-DD``
candidate_id       yes       non-empty pseudonymous id (a candidate may have several interviews)
level              yes       ``junior``, ``mid``, ``senior``: the level the candidate is interviewed for
interviewer        yes       non-empty text
question_id        yes       an id from the bank
score              yes       integer 1-4 (1 red flag / no real understanding, 2 partial, 3 what good
                             looks like, 4 beyond it)
red_flag           yes       ``true``/``false`` (also yes/no/1/0, any case)
notes              no        free text
recommendation     yes       ``strong_no``, ``no``, ``yes``, ``strong_yes``, the same on every row
duration_seconds   no        seconds spent on the question (written by the interview form)
practice           no        ``true`` for a practice interview (a mock, a training run): loaded but set
                             aside, counted by nothing; ``false`` or empty (or no column) for a real one;
                             the same on every row of one interview
question_version   no        the version of the question asked (1, 2, ...: see :mod:`analysis.io.bank`);
                             empty (or no column) means the version in force on the interview's date.
                             It must be a version of that question in the bank, introduced on or
                             before the interview's date (the store writes it on every row)
=================  ========  ========================================================================

Every field is at most :data:`MAX_FIELD_CHARS` (100,000) characters long, a note or a name alike.
The store, the importer and the loader judge it with the same check
(:func:`analysis.io.validation.validate_rows`), so a scorecard the store accepts always loads and
one it refuses is refused with the field, its length and the limit named.

Whitespace around fields, any letter case in enumerations, a UTF-8 byte-order mark, CRLF line ends
and quoted notes with commas or newlines are all accepted.

Ids and names are compared after Unicode NFC normalisation (an ``Zoë`` typed with a combining
diaeresis is the same interviewer); an id holding an invisible format character (zero-width space,
word joiner, byte-order mark, soft hyphen, bidi mark) is reported (:func:`invisible`). Dates must be
real calendar dates with a year in :data:`YEAR_RANGE`.
"""

from __future__ import annotations

import unicodedata

__all__ = ["SCORECARD_COLUMNS", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "INTERVIEW_FIELDS", "TRUE_VALUES",
           "FALSE_VALUES", "YEAR_RANGE", "MAX_FIELD_CHARS", "nfc", "invisible"]

SCORECARD_COLUMNS = (
    "interview_id", "date", "candidate_id", "level", "interviewer", "question_id",
    "score", "red_flag", "notes", "recommendation", "duration_seconds", "practice", "question_version",
)
OPTIONAL_COLUMNS = ("notes", "duration_seconds", "practice", "question_version")
REQUIRED_COLUMNS = tuple(c for c in SCORECARD_COLUMNS if c not in OPTIONAL_COLUMNS)
#: Fields that describe the interview as a whole and must agree on every one of its rows.
INTERVIEW_FIELDS = ("date", "candidate_id", "level", "interviewer", "recommendation", "practice")
#: The words of ``red_flag`` and ``practice`` (after ``strip().lower()``). Narrower than :data:`analysis._text.TRUE_WORDS`
#: on purpose: a scorecard's flag is ``true``/``false``, ``yes``/``no`` or ``1``/``0``, nothing else.
TRUE_VALUES = frozenset({"true", "yes", "1"})
FALSE_VALUES = frozenset({"false", "no", "0"})

#: Interview dates are accepted from 1900-01-01 to 2100-12-31: wide enough for any real hiring
#: history, narrow enough that a typo (``0000``, ``9999``, ``2206``) is reported instead of loaded
#: (and inside the range every datetime64[ns] computation of the report can represent).
YEAR_RANGE = (1900, 2100)


#: The longest field a scorecard may hold, in characters (Unicode code points, as Python's ``len``
#: counts them): about 15,000 words of notes for one question. The csv module that reads scorecards
#: refuses a field over ``csv.field_size_limit()`` (131,072 characters by default) and then reads
#: nothing more of the file, so the limit is kept well below it: a field of up to this many
#: characters loads whatever it holds (quotes, line breaks, emoji). The store and the importer refuse
#: a longer field before anything is written, and the loader reports one in a file written by hand,
#: each naming the column, the field's length and this limit.
MAX_FIELD_CHARS = 100_000


def nfc(s: str) -> str:
    """``s`` in Unicode NFC (ASCII is returned as it is, without a call)."""
    return s if s.isascii() else unicodedata.normalize("NFC", s)


def invisible(text: str, allow=frozenset()) -> str | None:
    """The first invisible (Unicode format, ``Cf``) character of ``text`` not in ``allow``, as
    ``U+XXXX (NAME) at position i``; None when there is none. Such a character makes two ids that
    look the same differ (the bank and the scorecards report it)."""
    if text.isascii():
        return None
    for i, ch in enumerate(text, start=1):
        if ch not in allow and unicodedata.category(ch) == "Cf":
            return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character')}) at position {i}"
    return None
