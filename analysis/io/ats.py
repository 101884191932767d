"""The readers of applicant-tracking-system exports, Greenhouse, Lever, Ashby and a wide spreadsheet,
with the documented default mapping of each.

Each reader turns one export file into :class:`~analysis.io.ats_record.SourceRecord` objects, one
per scorecard (or spreadsheet row), *without judging them*: the record keeps the raw rating and
recommendation values, the names of the rated attributes and the free text, and
:mod:`analysis.io.importing` maps them to the scorecard format with a mapping (the source's default
here, overridden by a TOML file). A file that cannot be read at all becomes one record carrying the
reason, so every record of the input is accounted for. A reader and its default mapping become a
source of ``python -m analysis import`` by one entry of :data:`analysis.io.importers.IMPORTERS`.

Where each field is read from is itself part of the mapping (the ``[fields]`` table: a list of
dotted paths tried in order, ``a+b`` joining two values with a space), because newer API versions
rename fields; the defaults follow the public documentation of each source:

- **Greenhouse** Harvest ``GET /v1/scorecards`` (``grnhse/greenhouse-api-docs``,
  ``source/includes/harvest/_scorecards.md``): a JSON list per page; ``attributes[]`` carry
  ``name``, ``type``, ``note``, ``rating``; ``questions[]`` carry ``id``, ``question``, ``answer``
  (which may hold basic HTML).
- **Lever** feedback forms (``GET /opportunities/:id/feedback``, ``{"data": [...]}``):
  ``fields[]`` with ``type``, ``text`` and ``value``; the ``score-system`` field holds the overall
  rating (``"4 - Strong Hire"``); a ``scorecard`` field holds ``scores[]`` (the skills) and
  ``value[]`` (``{score, comment}`` per skill); ``deletedAt`` set means withdrawn; timestamps in
  epoch milliseconds. Lever's feedback objects do not name the opportunity, so an export script
  adds ``opportunityId`` (the ``:id`` of the URL it fetched).
- **Ashby** ``applicationFeedback.list`` (``{"results": [...]}``): ``formDefinition.sections[]
  .fields[].field`` (``path``, ``title``, ``type``) and ``submittedValues`` keyed by path; a
  ``Score`` value is ``{"score": 1-4, "comments": {...}}``.
- **csv**: one row per interview, metadata columns (``interview_id``, ``date``, ``candidate_id``,
  ``interviewer``, ``level``, ``recommendation``, ``notes``), every other column a question score;
  ``<question> red flag`` / ``<question>_red_flag`` and ``<question> notes`` / ``<question>_notes``
  columns belong to that question.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from analysis.io.ats_record import (MAX_DEPTH, Item, SourceRecord, _date_of, _describe, _first, _kind, _list_at,
                                    _names, _rating_text, _set_date, _text, get_path, html_to_text, nesting_depth)
from analysis.io.csvfile import CsvFile, HasNul, NoHeader, NotUtf8, UnreadableFrom, UnreadableHeader, wrong_width

__all__ = ["GREENHOUSE_MAPPING", "LEVER_MAPPING", "ASHBY_MAPPING", "CSV_MAPPING", "json_reader",
           "read_greenhouse", "read_lever", "read_ashby", "read_csv", "html_to_text"]

_LEVER_RECOMMENDATIONS = {
    "1": "strong_no", "2": "no", "3": "yes", "4": "strong_yes",
    "strong_no_hire": "strong_no", "no_hire": "no", "hire": "yes", "strong_hire": "strong_yes",
}

# The documented default mapping of each source (see the README, "Importing from an ATS"). A
# mapping file's tables update these key by key; its lists replace them.

#: Greenhouse Harvest scorecards.
GREENHOUSE_MAPPING: dict = {
    "ignore": [],
    "fields": {
        "id": ["id"],
        "candidate": ["candidate_id"],
        "date": ["interviewed_at"],
        "interviewer": ["interviewer.name", "submitted_by.name"],
        "recommendation": ["overall_recommendation"],
        "level_names": ["interview_step.name", "interview"],
        "attributes": ["attributes"],
        "questions": ["questions"],
    },
    "questions": {},
    "ratings": {"definitely_not": 1, "no": 2, "yes": 3, "strong_yes": 4,
                "mixed": "unscored", "no_decision": "unscored"},
    "recommendations": {"definitely_not": "strong_no", "no": "no", "yes": "yes",
                        "strong_yes": "strong_yes", "no_decision": "skip"},
    "red_flag": {"ratings": [], "tags": []},
    "levels": {},
}

#: Lever feedback forms.
LEVER_MAPPING: dict = {
    "ignore": [],
    "fields": {
        "id": ["id"],
        "candidate": ["opportunityId", "opportunity", "candidateId"],
        "date": ["completedAt", "createdAt"],
        "interviewer": ["user.name", "user"],
        "recommendation": [],  # read from the score-system field
        "level_names": ["postingTitle", "text"],
        "withdrawn": ["deletedAt"],
        "form": ["fields"],
    },
    "questions": {},
    "ratings": {"1": 1, "2": 2, "3": 3, "4": 4},
    "recommendations": dict(_LEVER_RECOMMENDATIONS),
    "red_flag": {"ratings": [], "tags": []},
    "levels": {},
}

#: Ashby feedback submissions.
ASHBY_MAPPING: dict = {
    "ignore": [],
    "fields": {
        "id": ["id"],
        "candidate": ["candidateId", "applicationId"],
        "date": ["submittedAt"],
        "interviewer": ["submittedByUser.name", "submittedByUser.firstName+submittedByUser.lastName",
                        "submittedByUser.email"],
        "recommendation": ["submittedValues.overall_recommendation"],
        "level_names": ["jobTitle", "job.title", "interviewTitle", "interview.title"],
        "form": ["formDefinition.sections"],
        "values": ["submittedValues"],
    },
    "questions": {},
    "ratings": {"1": 1, "2": 2, "3": 3, "4": 4},
    "recommendations": dict(_LEVER_RECOMMENDATIONS),
    "red_flag": {"ratings": [], "tags": []},
    "levels": {},
}

#: A wide spreadsheet, one row per interview.
CSV_MAPPING: dict = {
    "ignore": [],
    "fields": {
        "id": ["interview_id", "id"],
        "candidate": ["candidate_id", "candidate"],
        "date": ["date"],
        "interviewer": ["interviewer"],
        "recommendation": ["recommendation"],
        "level": ["level"],
        "level_names": ["job", "role"],
        "notes": ["notes"],
    },
    "questions": {},
    "ratings": {"1": 1, "2": 2, "3": 3, "4": 4},
    "recommendations": {"strong_no": "strong_no", "no": "no", "yes": "yes", "strong_yes": "strong_yes"},
    "red_flag": {"ratings": [], "tags": []},
    "levels": {},
}


# --- JSON exports ---------------------------------------------------------------------------------

def _json_records(path: Path, display: str) -> tuple[list, SourceRecord | None]:
    try:
        raw = path.read_bytes()
        doc = json.loads(raw.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        return [], SourceRecord(display, unreadable=("unreadable_file", f"not a JSON export ({exc})"))
    if isinstance(doc, dict):
        for key in ("data", "results", "items", "scorecards", "feedback"):
            if isinstance(doc.get(key), list):
                return doc[key], None
        return [], SourceRecord(display, unreadable=(
            "unreadable_file", "a JSON object without a list under data/results/items/scorecards; "
                               "expected the list of scorecards an API page returns"))
    if isinstance(doc, list):
        return doc, None
    return [], SourceRecord(display, unreadable=("unreadable_file",
                                                 f"JSON {type(doc).__name__}, expected a list of scorecards"))


def json_reader(parse):
    """A reader ``(path, mapping, display) -> records`` of a JSON export: the list of scorecards an API
    page returns (a bare list, or under ``data``/``results``/``items``/...), each object read by
    ``parse(obj, record, mapping["fields"])`` into a fresh :class:`SourceRecord`.

    One record never stops the others: a record that is not an object (``not_a_scorecard``, named
    by its kind, not its content), one nested deeper than :data:`~analysis.io.ats_record.MAX_DEPTH`
    (``too_deep``) and one ``parse`` fails on (``internal_error``, a bug to report) each become one
    unreadable record at their position."""
    def read(path: Path, mapping: dict, display: str) -> list[SourceRecord]:
        objs, bad = _json_records(path, display)
        if bad is not None:
            return [bad]
        out = []
        for i, obj in enumerate(objs, start=1):
            pos = f"{display}: record {i}"
            if not isinstance(obj, dict):
                out.append(SourceRecord(pos, unreadable=("not_a_scorecard",
                                                         f"got {_kind(obj)}, expected a JSON object")))
                continue
            if nesting_depth(obj) > MAX_DEPTH:
                out.append(SourceRecord(pos, unreadable=("too_deep", f"nested more than {MAX_DEPTH} levels deep; "
                                                         "a scorecard is a few levels deep: is this an export of "
                                                         "this source's scorecards?")))
                continue
            rec = SourceRecord(pos)
            try:
                parse(obj, rec, mapping["fields"])
            except Exception as exc:  # noqa: BLE001 (a reader bug must not lose the rest of the file)
                rec = SourceRecord(pos, unreadable=("internal_error", f"{type(exc).__name__} while reading the "
                                                    "record (please report this, without the export)"))
            out.append(rec)
        return out
    return read


def _common(obj, rec: SourceRecord, f: dict) -> None:
    rec.source_id = _first(obj, f.get("id", []), "id", rec)
    rec.candidate = _first(obj, f.get("candidate", []), "candidate", rec)
    rec.interviewer = _first(obj, f.get("interviewer", []), "interviewer", rec)
    _set_date(rec, obj, f.get("date", []))
    rec.level_names = _names(obj, f.get("level_names", []))
    for p in f.get("recommendation", []):
        v = _rating_text(get_path(obj, p))
        if v:
            rec.recommendation = v
            break


def _greenhouse(obj, rec: SourceRecord, f: dict) -> None:
    _common(obj, rec, f)
    for a in _list_at(obj, f.get("attributes", [])):
        if not isinstance(a, dict):
            rec.odd.append(("unmapped_attribute", f"attribute {_describe(a)}, expected an object"))
            continue
        name = _text(a.get("name"))
        if name is None:
            rec.odd.append(("unmapped_attribute", f"attribute without a name ({_describe(a.get('name'))})"))
            continue
        rec.items.append(Item(name, _rating_text(a.get("rating")), html_to_text(a.get("note"))))
    for q in _list_at(obj, f.get("questions", [])):
        if isinstance(q, dict):
            label = _text(q.get("question")) or "Answer"
            answer = html_to_text(q.get("answer"))
            if answer:
                rec.notes.append((label, answer))


def _lever(obj, rec: SourceRecord, f: dict) -> None:
    _common(obj, rec, f)
    rec.withdrawn = any(get_path(obj, p) not in (None, "", 0, False) for p in f.get("withdrawn", []))
    for fld in _list_at(obj, f.get("form", [])):
        if not isinstance(fld, dict):
            continue
        kind = str(fld.get("type", "")).strip().lower()
        label = _text(fld.get("text")) or _text(fld.get("id")) or "field"
        value = fld.get("value")
        if kind == "score-system":
            v = _rating_text(value)
            if v and rec.recommendation is None:
                rec.recommendation = v
        elif kind == "scorecard":
            skills = fld.get("scores") if isinstance(fld.get("scores"), list) else []
            values = value if isinstance(value, list) else []
            for j, skill in enumerate(skills):
                sname = _text(skill.get("text")) if isinstance(skill, dict) else _text(skill)
                if sname is None:
                    rec.odd.append(("unmapped_attribute", f"{label}: skill {j + 1} has no text"))
                    continue
                sv = values[j] if j < len(values) else None
                score = _rating_text(sv.get("score") if isinstance(sv, dict) else sv)
                comment = html_to_text(sv.get("comment")) if isinstance(sv, dict) else ""
                rec.items.append(Item(sname, score, comment))
        elif kind == "score":
            rec.items.append(Item(label, _rating_text(value)))
        else:
            if isinstance(value, list):
                text = ", ".join(t for t in (html_to_text(v) for v in value) if t)
            else:
                text = html_to_text(value)
            if text:
                rec.notes.append((label, text))


def _ashby(obj, rec: SourceRecord, f: dict) -> None:
    _common(obj, rec, f)
    values = {}
    for p in f.get("values", []):
        v = get_path(obj, p)
        if isinstance(v, dict):
            values = v
            break
    rec_paths = {p.split(".")[-1] for p in f.get("recommendation", [])}
    for section in _list_at(obj, f.get("form", [])):
        fields = section.get("fields") if isinstance(section, dict) else None
        for entry in fields if isinstance(fields, list) else []:
            fd = entry.get("field", entry) if isinstance(entry, dict) else None
            if not isinstance(fd, dict):
                continue
            fpath = _text(fd.get("path"))
            if fpath is None or fpath in rec_paths or fpath not in values:
                continue
            title = _text(fd.get("title")) or fpath
            kind = str(fd.get("type", "")).strip().lower()
            value = values[fpath]
            if kind == "score":
                comment = value.get("comments") if isinstance(value, dict) else None
                if isinstance(comment, dict):
                    comment = comment.get("value")
                rec.items.append(Item(title, _rating_text(value), html_to_text(comment)))
            else:
                if isinstance(value, dict):
                    value = value.get("value")
                text = html_to_text(value) if not isinstance(value, list) else ", ".join(
                    t for t in (html_to_text(v) for v in value) if t)
                if text:
                    rec.notes.append((title, text))


read_greenhouse = json_reader(_greenhouse)
read_lever = json_reader(_lever)
read_ashby = json_reader(_ashby)


# --- spreadsheets ---------------------------------------------------------------------------------

_SUFFIX = re.compile(r"^(?P<q>.+?)[ _-]*(?P<kind>red[ _-]?flag|notes?)$", re.IGNORECASE)


def _read_csv(path: Path, mapping: dict, display: str) -> list[SourceRecord]:
    f = mapping["fields"]
    try:
        csv_file = CsvFile(path.read_bytes(), skip_blank_header=False)
    except (OSError, NotUtf8) as exc:
        return [SourceRecord(display, unreadable=("unreadable_file", f"not a UTF-8 CSV file ({exc}); "
                                                  "re-export it as 'CSV UTF-8'"))]
    except HasNul:
        return [SourceRecord(display, unreadable=("unreadable_file", "contains NUL bytes; expected CSV text"))]
    except NoHeader:
        return [SourceRecord(display, unreadable=("unreadable_file", "empty file; expected a header row"))]
    except UnreadableHeader as exc:
        return [SourceRecord(display, unreadable=("unreadable_file", f"unreadable header ({exc})"))]
    header, header_line = csv_file.header, csv_file.header_line
    names = [h.strip() for h in header]
    if len(names) == 1 and (";" in names[0] or "\t" in header[0]):
        return [SourceRecord(display, unreadable=(
            "unreadable_file", "the header has one column holding ';' or tabs: a semicolon- or tab-separated "
                               "file; re-export it as comma-separated 'CSV UTF-8'"))]
    lower = [n.lower() for n in names]
    meta_cols: dict[str, list[int]] = {}
    used: set[int] = set()
    for key in ("id", "candidate", "date", "interviewer", "recommendation", "level", "level_names", "notes"):
        idx = []
        for col in f.get(key, []):
            if col.strip().lower() in lower:
                i = lower.index(col.strip().lower())
                idx.append(i)
                used.add(i)
        meta_cols[key] = idx
    # question columns and the red-flag / notes columns that belong to them
    questions: dict[str, dict] = {}
    for i, n in enumerate(names):
        if i in used or not n:
            continue
        m = _SUFFIX.match(n)
        if m and m.group("q").strip():
            kind = "red_flag" if "red" in m.group("kind").lower() else "notes"
            questions.setdefault(m.group("q").strip().lower(), {"name": m.group("q").strip()})[kind] = i
        else:
            questions.setdefault(n.lower(), {"name": n})["score"] = i
    out = []
    try:
        for start, _, rec_cells in csv_file.records():
            if not any(c.strip() for c in rec_cells):
                continue
            rec = SourceRecord(f"{display}: line {start}")
            width = wrong_width(rec_cells, len(names))
            if width:
                rec.unreadable = ("unreadable_row", f"{width} (as in the header on line {header_line})")
                out.append(rec)
                continue
            cell = lambda key: next((rec_cells[i].strip() for i in meta_cols[key] if rec_cells[i].strip()), None)  # noqa: E731
            rec.source_id = cell("id")
            rec.key_from_content = not meta_cols["id"]
            rec.candidate = _text(cell("candidate"))
            rec.interviewer = _text(cell("interviewer"))
            rec.recommendation = cell("recommendation")
            rec.level = cell("level")
            rec.level_names = [rec_cells[i].strip() for i in meta_cols["level_names"] if rec_cells[i].strip()]
            d = cell("date")
            if d:
                rec.date, rec.date_problem = _date_of(d)
                if rec.date_problem:
                    rec.date_problem = f"date: {rec.date_problem}"
            note = cell("notes")
            if note:
                rec.notes.append(("Notes", html_to_text(note)))
            for q in questions.values():
                score = rec_cells[q["score"]].strip() if "score" in q else ""
                flag = rec_cells[q["red_flag"]].strip() if "red_flag" in q else ""
                qnote = html_to_text(rec_cells[q["notes"]]) if "notes" in q else ""
                if score or flag or qnote:
                    rec.items.append(Item(q["name"], score, qnote, flag or None))
            out.append(rec)
    except UnreadableFrom as exc:
        out.append(SourceRecord(f"{display}: line {exc.line}", unreadable=(
            "unreadable_file", f"unreadable CSV from here on ({exc}); expected properly quoted fields")))
    if not out:
        return [SourceRecord(display, unreadable=("unreadable_file", "no rows after the header"))]
    return out


#: The spreadsheet reader under its registry name (:data:`analysis.io.importers.IMPORTERS`).
read_csv = _read_csv
