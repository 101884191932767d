"""Text rules every layer shares (base module: imports nothing of the workbook).

One definition each of: the words read as true or false in a yes/no column, control characters,
unpaired surrogates and NFC, and HTML escaping. A reader, a form or a page that needs one of these
calls it here, so they cannot disagree (the roster and the importer once read a blank cell
differently; now the blank's meaning is an explicit argument).
"""

from __future__ import annotations

import html
import math
import re
import unicodedata

__all__ = ["TRUE_WORDS", "FALSE_WORDS", "parse_flag", "CONTROL_CHARS", "has_control", "clean_text",
           "escape_html"]

#: Cell values read as true / false, compared after ``strip().lower()``.
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})

#: Characters never kept in a name or an id: C0 controls but tab and newline, DEL, C1 controls, and
#: the Unicode line and paragraph separators (which end a line in some viewers but not in CSV).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def parse_flag(value, *, blank: bool | None) -> bool | None:
    """``True``/``False`` for a yes/no cell, ``blank`` for an empty one, ``None`` when it is neither
    (the caller reports it as a problem with file and line).

    >>> parse_flag(" Yes ", blank=False), parse_flag("", blank=True), parse_flag("maybe", blank=False)
    (True, True, None)
    """
    text = "" if value is None else str(value).strip().lower()
    if text == "":
        return blank
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def has_control(text: str) -> bool:
    """True when ``text`` holds a character of :data:`CONTROL_CHARS`."""
    return CONTROL_CHARS.search(text) is not None


def clean_text(text: str) -> str:
    """``text`` with every unpaired surrogate replaced by U+FFFD and normalised to NFC: always
    encodable as UTF-8, so it can be saved, autosaved and shown."""
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return unicodedata.normalize("NFC", text)


def escape_html(value) -> str:
    """``value`` as HTML text (``& < > " '`` escaped); ``None`` and NaN as the empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)
