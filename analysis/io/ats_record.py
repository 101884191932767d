"""One record of an applicant-tracking-system export, and the value readers every export reader shares.

A reader (:mod:`analysis.io.ats`) turns each scorecard of an export into a :class:`SourceRecord`
*without judging it*: the raw rating and recommendation values, the rated :class:`Item` objects, the
free text. What it reads goes through the helpers here, so every source agrees on what an id, a name,
a rating, a date and a note are:

- :func:`get_path` reads a dotted path (``a.b``, ``a+b`` joining two values) of a JSON record;
- ``_text`` keeps strings (control characters removed, spaces collapsed) and whole numbers as
  text, nothing else; ``_rating_text`` a rating as written; ``_date_of`` an ISO 8601 timestamp or
  epoch milliseconds as an ISO date, or the problem with it;
- :func:`html_to_text` reduces an answer or note (basic HTML) to plain text in which no markup
  survives;
- :func:`nesting_depth` measures how deeply a JSON record (or a mapping file) nests, without
  recursion, so a hostile file cannot exhaust the stack;
- :func:`refuse_invalid_text` turns a record holding text that no UTF-8 file can hold (an unpaired
  surrogate such as ``"\\ud83d"``, half an emoji) into one skipped record (``invalid_text``) naming
  the field, so one bad record never stops the import of the others.

A value of the wrong type is never guessed at: it is noted on the record (``SourceRecord.odd``) and
reported if the record is skipped. Messages name a candidate field by its path and the *kind* of
value found (``candidate_id holds an object (1 key)``), never by its content: a skip message is
printed, and shown in a notebook, so a candidate's e-mail inside an id object must not reach it.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from analysis._text import CONTROL_CHARS, clean_text

__all__ = ["SourceRecord", "Item", "get_path", "html_to_text", "MAX_DEPTH", "nesting_depth",
           "refuse_invalid_text"]


@dataclass
class Item:
    """One rated thing of a record: a Greenhouse attribute, a Lever skill, an Ashby score field or
    a spreadsheet column. ``rating`` is the raw value as text ('' when not rated at all)."""

    name: str
    rating: str
    note: str = ""
    red_flag: str | None = None  # raw value of a spreadsheet red-flag column


@dataclass
class SourceRecord:
    """One scorecard of an export, read but not yet judged."""

    position: str
    source_id: str | None = None
    candidate: str | None = None
    date: str | None = None
    date_problem: str | None = None
    interviewer: str | None = None
    recommendation: str | None = None
    level: str | None = None
    level_names: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    withdrawn: bool = False
    #: a spreadsheet without a key column: the id is derived from date, candidate and interviewer
    key_from_content: bool = False
    #: (reason, message) when the record cannot be read at all
    unreadable: tuple[str, str] | None = None
    #: (reason, message) for a field of the wrong type, reported when the record is skipped
    odd: list[tuple[str, str]] = field(default_factory=list)


# --- text -----------------------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "pre", "hr", "section", "article", "header", "footer", "dd", "dt"}
_DROP_TAGS = {"script", "style", "template", "noscript", "iframe", "object", "head", "title", "svg", "math"}
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._drop = 0

    def handle_starttag(self, tag, attrs):
        if tag in _DROP_TAGS:
            self._drop += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _DROP_TAGS:
            self._drop = max(0, self._drop - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._drop:
            self.parts.append(data)


def _strip_once(text: str) -> str:
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def html_to_text(value) -> str:
    """Reduce an ATS answer or note (basic HTML, entities, or plain text) to plain text.

    Uses the standard library's :class:`html.parser.HTMLParser`: tags are dropped, entities decoded,
    the *contents* of ``script``/``style``/``template`` and similar elements dropped, block elements
    (``p``, ``br``, ``li``, ...) become line breaks and list items ``- ``. Decoding entities can
    reveal markup (``&lt;b&gt;``), so the reduction is repeated until nothing changes, and any
    ``<`` that would still start a tag is replaced by ``‹``: no markup survives. Control characters
    (NUL included) are removed, runs of spaces collapsed, blank lines dropped. Nothing is ever
    executed or fetched.

    >>> html_to_text("<p>Knows <b>S3</b> &amp; IAM</p><script>alert(1)</script>")
    'Knows S3 & IAM'
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return ""
        value = str(value)
    text = value
    for _ in range(5):
        new = _strip_once(text)
        if new == text:
            break
        text = new
    text = _TAG_START.sub("‹", text)
    text = CONTROL_CHARS.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    lines = (re.sub(r"[ \u00a0]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# --- values ---------------------------------------------------------------------------------------

def get_path(obj, path: str):
    """The value at a dotted ``path`` of nested dicts (``a.b``), or None. ``a+b`` joins the text of
    both with a space (``firstName+lastName``)."""
    if "+" in path:
        parts = [_text(get_path(obj, p)) for p in path.split("+")]
        parts = [p for p in parts if p]
        return " ".join(parts) if parts else None
    cur = obj
    for key in path.split("."):
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return cur


def _text(v) -> str | None:
    """Text of a scalar id or name: strings stripped, integers as digits; anything else None."""
    if isinstance(v, str):
        v = CONTROL_CHARS.sub(" ", v)
        v = re.sub(r"\s+", " ", v).strip()
        return v or None
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return None


def _first(obj, paths, what: str, rec: SourceRecord) -> str | None:
    """The text of the first of ``paths`` that holds an id or a name; a value of another type is
    noted on ``rec`` by its *kind* only (:func:`_kind`): an id field may hold a candidate's e-mail
    inside an object, and no raw candidate field may reach a message."""
    for p in paths:
        v = get_path(obj, p)
        t = _text(v)
        if t is not None:
            return t
        if v is not None and not (isinstance(v, str) and not v.strip()):
            rec.odd.append((what, f"{p} holds {_kind(v)}, expected text or a whole number"))
    return None


def _kind(v) -> str:
    """What ``v`` is, without any of its content: ``an object (2 keys)``, ``a list (3 items)``,
    ``text (12 characters)``, ``a number``, ``true/false``, ``null``. For values that may be
    personal data (candidate fields, whole records)."""
    if isinstance(v, dict):
        return f"an object ({len(v)} key{'s' * (len(v) != 1)})"
    if isinstance(v, list):
        return f"a list ({len(v)} item{'s' * (len(v) != 1)})"
    if isinstance(v, str):
        return f"text ({len(v)} character{'s' * (len(v) != 1)})"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, (int, float)):
        return "a number"
    return "null" if v is None else type(v).__name__


def _describe(v) -> str:
    """A short quote of a scalar value (a rating, a date: what the user must fix) with its type; a
    list or an object only by its :func:`_kind` (its repr could be long, nested beyond any
    recursion limit, or hold anything)."""
    if isinstance(v, (dict, list)):
        return _kind(v)
    kind = type(v).__name__
    text = repr(v)
    return f"{text[:40]}{'…' if len(text) > 40 else ''} ({kind})"


def _rating_text(v) -> str:
    """A rating or recommendation value as text ('' when absent)."""
    if isinstance(v, dict):  # Ashby Score {score: 4}
        v = v.get("score", v.get("value"))
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float, str)):
        return str(v).strip()
    return _describe(v)


def _date_of(v) -> tuple[str | None, str | None]:
    """(ISO date, problem) of a timestamp: ISO 8601 text (the date as written, in its own offset)
    or epoch milliseconds (Lever; the UTC date)."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None, None
    try:
        if isinstance(v, bool):
            raise ValueError
        if isinstance(v, (int, float)):
            if not math.isfinite(v):
                raise ValueError
            d = _dt.datetime.fromtimestamp(v / 1000, tz=_dt.timezone.utc).date()
        elif isinstance(v, str):
            s = v.strip()
            if re.fullmatch(r"[0-9]{10,14}", s):
                d = _dt.datetime.fromtimestamp(int(s) / 1000, tz=_dt.timezone.utc).date()
            else:
                d = _dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date() if not re.fullmatch(
                    r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s) else _dt.date.fromisoformat(s)
        else:
            raise ValueError
    except (ValueError, OverflowError, OSError):
        return None, f"got {_describe(v)}, expected an ISO 8601 timestamp or epoch milliseconds"
    if not 1900 <= d.year <= 2999:
        return None, f"got {_describe(v)}: year {d.year} is outside 1900-2999"
    return d.isoformat(), None


def _set_date(rec: SourceRecord, obj, paths) -> None:
    for p in paths:
        v = get_path(obj, p)
        date, problem = _date_of(v)
        if date:
            rec.date = date
            return
        if problem and rec.date_problem is None:
            rec.date_problem = f"{p}: {problem}"


def _names(obj, paths) -> list[str]:
    out = []
    for p in paths:
        t = _text(get_path(obj, p))
        if t:
            out.append(t)
    return out


def _list_at(obj, paths) -> list:
    for p in paths:
        v = get_path(obj, p)
        if isinstance(v, list):
            return v
    return []



# --- hostile input ------------------------------------------------------------------------------

#: Deepest nesting of lists and objects a JSON record or a mapping file may have. A scorecard is a
#: few levels deep (Ashby's ``formDefinition.sections[].fields[].field`` is the deepest, 5), a
#: mapping 3; anything near Python's recursion limit is not an export or a mapping at all.
MAX_DEPTH = 32


def nesting_depth(value, limit: int = MAX_DEPTH) -> int:
    """How many levels of lists and dicts ``value`` nests (a scalar 0, ``[]`` 1, ``{"a": [1]}`` 2),
    counted level by level without recursion and at most ``limit + 1`` (it stops looking there).

    >>> nesting_depth({"a": [1, {"b": None}]}), nesting_depth([[[[]]]], limit=2)
    (3, 3)
    """
    depth, level = 0, [value]
    while depth <= limit:
        level = [v for v in level if isinstance(v, (dict, list))]
        if not level:
            break
        depth += 1
        level = [c for v in level for c in (v.values() if isinstance(v, dict) else v)]
    return depth


_SURROGATE = re.compile("[\ud800-\udfff]")


def _texts(rec: SourceRecord):
    """(what, text) of every text a record carries into a scorecard or a message."""
    yield from (("the scorecard id", rec.source_id), ("the candidate id", rec.candidate),
                ("the interviewer", rec.interviewer), ("the recommendation", rec.recommendation),
                ("the level", rec.level), ("the date", rec.date), ("the date", rec.date_problem))
    for i, name in enumerate(rec.level_names, start=1):
        yield f"job/interview name {i}", name
    for i, it in enumerate(rec.items, start=1):
        yield from ((f"the name of rated item {i}", it.name), (f"the rating of rated item {i}", it.rating),
                    (f"the note of rated item {i}", it.note), (f"the red flag of rated item {i}", it.red_flag))
    for i, (label, text) in enumerate(rec.notes, start=1):
        yield from ((f"the label of answer {i}", label), (f"answer {i}", text))
    for what, message in rec.odd:
        yield f"the {what} field", message


def refuse_invalid_text(rec: SourceRecord) -> SourceRecord:
    """``rec``, or, when any text it carries holds an unpaired surrogate (a code point no UTF-8 file,
    terminal or scorecard can hold: JSON's ``"\\ud83d"``, half an emoji an ATS cut in two), a record
    skipped as ``invalid_text`` that names each such field and where in it, never its content.

    Refused, not repaired: the text may be an id or a name, and replacing the surrogate (U+FFFD)
    could make two different ids one. The record keeps its position (cleaned with
    :func:`analysis._text.clean_text`: a file name may hold undecodable bytes) and its scorecard id
    when that is valid, so the skip names it; everything else of it is dropped, so nothing after
    the reader (the import, ``--suggest-map``) ever meets the bad text.
    """
    where: dict[str, int] = {}  # "field (U+D83D at character 5)" -> that code point
    for what, text in _texts(rec):
        m = _SURROGATE.search(text) if isinstance(text, str) else None
        if m:
            where.setdefault(f"{what} (U+{ord(m.group()):04X} at character {m.start() + 1})", ord(m.group()))
    position = clean_text(rec.position)
    if not where:
        if rec.unreadable is not None:
            rec.unreadable = (rec.unreadable[0], clean_text(rec.unreadable[1]))
        rec.position = position
        return rec
    sid = rec.source_id if rec.source_id is not None and not _SURROGATE.search(rec.source_id) else None
    first = next(iter(where.values()))
    return SourceRecord(position, source_id=sid, unreadable=(
        "invalid_text", f"{'; '.join(where)}: an unpaired surrogate, text no UTF-8 file can hold "
                        f"(often an emoji cut in half by the export); correct the text in the source, or search the "
                        f"export file for \\u{first:04x} and delete it, then import again"))
