"""Importers that never abort and never leak (issue 23): property-based tests over Greenhouse, Lever
and Ashby JSON and wide CSV, fuzzed the way the loader is (tests/test_parser_properties.py).

The invariant every generated input must keep:

* nothing raises (not the import, not its report, not ``--suggest-map``);
* every record of the input is in exactly one outcome of the :class:`ImportResult` (imported,
  already there, skipped with a reason and a message, or whatever outcome lists it grows: they are
  read generically, every list field but ``remarks``), at the position it was read from, and the
  counts add up; no record is skipped as ``internal_error`` (a reader bug);
* no raw candidate field (the candidate id, a name or e-mail beside it) reaches a message, a table,
  ``--suggest-map`` or a scorecard: candidate values carry a marker that must appear nowhere;
* what was written loads without a problem, and importing the same files again writes nothing.

Inputs: records with every field of the right type or of any other (objects, lists, numbers, text
with unpaired surrogates, control characters, HTML, combining marks, nesting up to 400 levels),
records that are not objects, whole files that are not exports, several page files sharing ids
(duplicates across pages and files), and a second import with some records changed. The example
tests below them pin the three bugs of the issue, each failing on the code before the fix.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import shutil
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import REAL_DATA

from analysis.cli.main import main
from analysis.io.import_setup import ImportSetupError, load_bank, load_mapping
from analysis.io.importing import import_files
from analysis.io.load import load
from analysis.io.suggest_map import suggest_mapping

MARK = "CANDSECRET"  # in every candidate value generated: must never come out again
QUESTIONS = ["jr-s3-basics", "What is IAM?", "JR-VPC-BASICS ", "jr-rds-basics", "Not in the bank"]

# --- strategies -----------------------------------------------------------------------------------

_token = st.sampled_from(["a", "Z", " ", "é", "e\u0301", "😀", "\ud83d", "\udc00", "\x00", "\x1b", "\u2028",
                          "\t", "\n", "<b>", "</p>", "&amp;", "&lt;i&gt;", "\ufeff", "'", '"', ","])
_txt = st.lists(_token, max_size=5).map("".join)


def _nest(n: int):
    v: object = "x"
    for i in range(n):
        v = [v] if i % 2 else {"k": v}
    return v


def _mostly(good, bad=None, percent: int = 10):
    """``good``, but ``bad`` (default: any JSON value) in about ``percent`` % of draws, so records are
    mostly importable and every field is still now and then of a wrong type."""
    bad = _junk if bad is None else bad
    return st.integers(0, 99).flatmap(lambda k: bad if k < percent else good)


_scalar = st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats() | _txt
_junk = _mostly(st.recursive(_scalar, lambda c: st.lists(c, max_size=3) | st.dictionaries(_txt, c, max_size=3),
                             max_leaves=5), st.integers(30, 400).map(_nest), percent=10)

_cand_text = st.integers(1, 4).map(lambda i: f"{MARK}-{i}@example.com")
#: a candidate id as an ATS gives it, or wrapped in what a broken export puts there
_candidate = _mostly(_cand_text, _cand_text.map(lambda m: {"email": m}) | _cand_text.map(lambda m: [m, {"id": m}])
                     | st.integers(1, 4).map(lambda i: {"id": i, "name": f"{MARK} Name {i}"}) | _junk, percent=15)
_candidate_extra = st.fixed_dictionaries({"name": _cand_text, "email": _cand_text})  # fields no mapping reads
_sid = _mostly(st.integers(1, 6) | st.sampled_from(["s1", "s2"]))  # few ids: duplicates across pages and files
_date = _mostly(st.sampled_from(["2026-03-02T16:00:00Z", "2026-03-02", "1767260400000"]) | st.just(1767260400000),
                st.sampled_from(["2026-13-02", "", "yesterday"]) | _junk)
_name = _mostly(st.sampled_from(["Ana", "Kate Lee"]), _txt | _junk, percent=25)
_question = _mostly(st.sampled_from(QUESTIONS[:4]), st.sampled_from(QUESTIONS[4:]) | _txt | _junk)
_gh_rating = _mostly(st.sampled_from(["definitely_not", "no", "yes", "strong_yes"]),
                     st.sampled_from(["mixed", "no_decision", "meh"]) | _junk)
_num_rating = _mostly(st.sampled_from(["1", "2", "3", "4"]) | st.integers(1, 4),
                      st.sampled_from(["4 - Strong Hire", "hire", "9", "0"]) | _junk)
_note = _mostly(st.sampled_from(["", "clear", "<p>Knows <b>S3</b></p>"]), _txt, percent=30)


@st.composite
def _from(draw, fields: dict):
    """A record with every field of ``fields``, now and then one or two of them missing, and now
    and then the candidate's name and e-mail beside them (fields no mapping reads)."""
    rec = {k: draw(v) for k, v in fields.items()}
    if draw(st.integers(0, 4)) == 0:
        for k in draw(st.sets(st.sampled_from(sorted(fields)), max_size=2)):
            del rec[k]
    if draw(st.booleans()):
        rec["candidate"] = draw(_candidate_extra)
    return rec


_GREENHOUSE = _from({
    "id": _sid, "candidate_id": _candidate, "interviewed_at": _date,
    "interviewer": _mostly(st.fixed_dictionaries({"name": _name})), "overall_recommendation": _gh_rating,
    "interview": _mostly(st.sampled_from(["Junior onsite", "Senior onsite", "x"])),
    "attributes": _mostly(st.lists(_mostly(st.fixed_dictionaries({"name": _question, "rating": _gh_rating,
                                                                   "note": _note})), min_size=1, max_size=3)),
    "questions": _mostly(st.lists(_mostly(st.fixed_dictionaries({"question": _question, "answer": _note})),
                                  max_size=2))})
_LEVER = _from({
    "id": _sid, "opportunityId": _candidate, "completedAt": _date,
    "deletedAt": _mostly(st.none(), st.just(1767260400000) | _junk),
    "user": _mostly(st.fixed_dictionaries({"name": _name})),
    "fields": _mostly(st.tuples(
        _mostly(st.fixed_dictionaries({"type": st.just("score-system"), "value": _num_rating})),
        _mostly(st.fixed_dictionaries({"type": st.just("scorecard"), "scores": st.lists(st.fixed_dictionaries(
            {"text": _question}), min_size=1, max_size=2), "value": st.lists(st.fixed_dictionaries(
                {"score": _num_rating, "comment": _note}), max_size=2)})),
        _mostly(st.fixed_dictionaries({"type": _mostly(st.sampled_from(["text", "score"])), "text": _question,
                                       "value": _note}))).map(list))})
_ASHBY = _from({
    "id": _sid, "candidateId": _candidate, "applicationId": _candidate, "submittedAt": _date,
    "submittedByUser": _mostly(st.fixed_dictionaries({"firstName": _name, "lastName": _name})),
    "formDefinition": _mostly(st.fixed_dictionaries({"sections": st.lists(st.fixed_dictionaries({
        "fields": st.lists(_mostly(st.fixed_dictionaries({"field": st.fixed_dictionaries({
            "path": st.sampled_from(["a", "b", "overall_recommendation"]), "title": _question,
            "type": _mostly(st.sampled_from(["Score", "RichText"]))})})), min_size=1, max_size=3)}),
        min_size=1, max_size=2)})),
    "submittedValues": _mostly(st.fixed_dictionaries({
        "a": _mostly(st.fixed_dictionaries({"score": _num_rating, "comments": _note})), "b": _note,
        "overall_recommendation": _num_rating}))})
_JSON = {"greenhouse": _GREENHOUSE, "lever": _LEVER, "ashby": _ASHBY}

#: whole files that are no export: each is one skipped record named by the file
_BAD_FILES = st.sampled_from([b"{not json", b'{"hasNext": false}', b"42", b'["\xed\xa0\xbd"]', b"",
                              b"[" * 5000 + b"]" * 5000, b'{"data": "' + MARK.encode() + b'@example.com"}'])


def _pages(source):
    records = st.lists(_mostly(_JSON[source], _junk | _cand_text), max_size=5)  # a bare candidate value as a record
    wrapped = st.tuples(st.sampled_from(["list", "data", "results"]), records)
    return st.lists(_mostly(wrapped, _BAD_FILES, percent=15), min_size=1, max_size=3)


_clean_txt = _txt.map(lambda s: s.replace("\ud83d", "").replace("\udc00", "").replace("\x00", ""))  # UTF-8 text; NUL: test_importing
_CSV = {"interview_id": st.sampled_from(["s1", "s2", "3", ""]), "date": _mostly(st.just("2026-03-02"), _clean_txt),
        "candidate_id": _cand_text, "interviewer": _mostly(st.sampled_from(["Ana", "Kate Lee"]), _clean_txt),
        "level": st.sampled_from(["junior", "", "principal"]),
        "recommendation": _mostly(st.sampled_from(["yes", "no", "Strong No"]), _clean_txt),
        "notes": _clean_txt, "jr-s3-basics": _mostly(st.sampled_from(["1", "2", "3", "4.0"]), _clean_txt),
        "jr-s3-basics red flag": st.sampled_from(["", "yes", "no", "maybe"]),
        "What is IAM?": _mostly(st.sampled_from(["", "4"]), _clean_txt), "What is IAM? notes": _clean_txt,
        "Candidate email": _cand_text}


@st.composite
def _sheet(draw):
    core = ["interview_id", "date", "candidate_id", "interviewer", "recommendation", "jr-s3-basics"]
    header = [c for c in core if draw(st.integers(0, 9))] + draw(st.lists(st.sampled_from(
        [c for c in _CSV if c not in core]), max_size=3, unique=True))
    header = draw(st.permutations(header)) if header else ["jr-s3-basics"]
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        row = [draw(_CSV[h]) for h in header]
        rows.append(row + draw(st.lists(st.just("extra"), max_size=1)) if draw(st.integers(0, 9)) == 0 else row)
    return header, rows


# --- running an import and checking the invariant -------------------------------------------------

@contextlib.contextmanager
def _folder():
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        (data / "scores").mkdir(parents=True)
        shutil.copyfile(REAL_DATA / "questions.csv", data / "questions.csv")
        yield Path(tmp), data


def _write_pages(folder: Path, pages) -> tuple[list[Path], list[str]]:
    """The page files, and the position of every record in them, as the import must name them."""
    positions = []
    for n, page in enumerate(pages, start=1):
        path = folder / f"page{n}.json"
        if isinstance(page, bytes):
            path.write_bytes(page)
            positions.append(path.name)
            continue
        wrapper, records = page
        path.write_text(json.dumps(records if wrapper == "list" else {wrapper: records}))
        positions += [f"{path.name}: record {i}" for i in range(1, len(records) + 1)]
    return sorted(folder.glob("page*.json")), positions


def outcomes(res) -> dict[str, list[dict]]:
    """Every outcome list of an ImportResult (imported, skipped, already, and any added since), read
    generically: each list field but ``remarks``, which annotates imported records."""
    return {f.name: getattr(res, f.name) for f in dataclasses.fields(res)
            if isinstance(getattr(res, f.name), list) and f.name != "remarks"}


def _scorecards(data: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted((data / "scores").rglob("*.csv"))}


def check_invariant(res, data: Path, n_records: int, positions=None) -> None:
    lists = outcomes(res)
    for name, entries in lists.items():  # what the examples reached (pytest --hypothesis-show-statistics)
        event(f"some {name}" if entries else f"no {name}")
    for s in res.skipped:
        event(f"skipped {s['reason']}")
    entries = [e for entries in lists.values() for e in entries]
    assert len(entries) == n_records == res.n_records, {k: len(v) for k, v in lists.items()}
    if positions is not None:
        assert Counter(e["position"] for e in entries) == Counter(positions)
    for s in res.skipped:
        assert s["reason"] and s["message"], s
        assert s["reason"] != "internal_error", s
    report = "\n".join(res.lines())
    tables = "".join(t.to_csv() for t in (res.skipped_table(), res.remarks_table(), res.imported_table()))
    (report + tables).encode("utf-8")  # printable: no unpaired surrogate
    assert MARK not in report and MARK not in tables, report
    written = b"".join(_scorecards(data).values())
    assert MARK.encode() not in written
    wb = load(data, cache=False)
    assert wb.problems == [], wb.problems


def check_suggest_map(source: str, files, data: Path, folder: Path) -> None:
    text = suggest_mapping(source, files, data)
    assert MARK not in text, text
    mapping = folder / "suggested.toml"
    mapping.write_bytes(text.encode("utf-8"))  # strict: no unpaired surrogate
    tomllib.loads(text)
    load_mapping(source, mapping, load_bank(data))  # a mapping the import accepts as it is


def _import(source, files, data, **kw):
    return import_files(source, files, data, level="junior", progress=False, **kw)


# --- the properties -------------------------------------------------------------------------------

_SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("source", list(_JSON))
@_SETTINGS
@given(data_=st.data())
def test_json_pages_every_record_accounted_nothing_raises_nothing_leaks(source, data_):
    pages = data_.draw(_pages(source), label="pages")
    with _folder() as (folder, data):
        files, positions = _write_pages(folder, pages)
        first = _import(source, files, data)
        check_invariant(first, data, len(positions), positions)
        check_suggest_map(source, files, data, folder)
        written = _scorecards(data)
        again = _import(source, files, data)  # the same files again: nothing new, nothing rewritten
        check_invariant(again, data, len(positions), positions)
        assert again.imported == [] and _scorecards(data) == written
        # a later export in which some records changed: still every record accounted for
        changed = data_.draw(_pages(source), label="changed pages")
        (folder / "later").mkdir()
        more, more_positions = _write_pages(folder / "later", changed)
        third = _import(source, more, data)
        check_invariant(third, data, len(more_positions), more_positions)


@_SETTINGS
@given(sheets=st.lists(_sheet(), min_size=1, max_size=2), text_noise=st.booleans())
def test_wide_csv_every_row_accounted_nothing_raises_nothing_leaks(sheets, text_noise):
    with _folder() as (folder, data):
        files, n_records = [], 0
        for n, (header, rows) in enumerate(sheets, start=1):
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow(header)
            writer.writerows(rows)
            path = folder / f"sheet{n}.csv"
            path.write_text(buf.getvalue(), encoding="utf-8")
            files.append(path)
            records = sum(any(c.strip() for c in r) for r in rows)
            n_records += 1 if "\x00" in buf.getvalue() or not records else records
        first = _import("csv", files, data)
        check_invariant(first, data, n_records)
        check_suggest_map("csv", files, data, folder)
        written = _scorecards(data)
        again = _import("csv", files, data)
        check_invariant(again, data, n_records)
        assert again.imported == [] and _scorecards(data) == written


_toml_token = st.sampled_from(["[", "]", "[[", "{", "}", "=", ".", ",", '"', "'", "\n", " ", "fields", "levels",
                               "ratings", "questions", "ignore", "red_flag", "id", "x", "1", "1.5", "true",
                               '"junior"', '"jr-s3-basics"', '"unscored"', "\\u", "#", "é", "\ufeff"])


@settings(max_examples=150, deadline=None)
@given(text=st.lists(_toml_token, max_size=30).map("".join) | st.integers(1, 6000).flatmap(
    lambda n: st.sampled_from(["ignore = " + "[" * n + "]" * n, "[fields]\nid = " + "{a=" * n + "1" + "}" * n,
                               "[levels." + ".".join(["a"] * n) + "]\nx = 1", "[ratings]\nx = " + "[" * n + "]" * n])))
def test_any_mapping_file_is_accepted_or_refused_in_one_setup_error(text):
    with _folder() as (folder, data):
        path = folder / "map.toml"
        path.write_text(text, encoding="utf-8")
        try:
            mapping = load_mapping("greenhouse", path, load_bank(data))
        except ImportSetupError as exc:
            assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        else:
            assert set(mapping["ratings"].values()) <= {1, 2, 3, 4, "unscored"}


# --- the bugs of issue 23, one example each -------------------------------------------------------

def _gh(i, *, name="Ana", note="fine", answer="ok", cand=7):
    return {"id": i, "candidate_id": cand, "interviewed_at": "2026-03-02T16:00:00Z", "interviewer": {"name": name},
            "overall_recommendation": "yes", "questions": [{"question": "Notes", "answer": answer}],
            "attributes": [{"name": "jr-s3-basics", "rating": "yes", "note": note}]}


@pytest.mark.parametrize("bad", [dict(name="Ana \ud83d"), dict(note="good \ud83d"), dict(answer="\udc00 ok")])
def test_a_lone_surrogate_skips_its_record_and_every_other_record_imports(tmp_path, data, bad):
    path = tmp_path / "gh.json"
    path.write_text(json.dumps([_gh(1), _gh(2, **bad), _gh(3)]))  # JSON holds it as the escape \ud83d
    res = import_files("greenhouse", [path], data, level="junior", progress=False)
    assert [i["interview_id"] for i in res.imported] == ["gh-1", "gh-3"]
    [skip] = res.skipped
    assert (skip["position"], skip["record"], skip["reason"]) == ("gh.json: record 2", "2", "invalid_text")
    assert "at character" in skip["message"] and "\\u" in skip["message"]  # where, and what to search for
    "\n".join(res.lines()).encode("utf-8")
    assert load(data, cache=False).problems == []


def test_skip_messages_name_the_record_never_the_raw_candidate_field(tmp_path, data):
    path = tmp_path / "gh.json"
    path.write_text(json.dumps([_gh(1, cand={"email": "jane.doe@example.com"}), "jane.doe@example.com"]))
    res = import_files("greenhouse", [path], data, level="junior", progress=False)
    assert [(s["position"], s["reason"]) for s in res.skipped] == [
        ("gh.json: record 1", "missing_candidate"), ("gh.json: record 2", "not_a_scorecard")]
    shown = "\n".join(res.lines()) + res.skipped_table().to_csv()
    assert "jane" not in shown and "candidate_id holds an object (1 key)" in shown


def test_suggest_map_lists_no_value_of_a_column_that_is_no_question(tmp_path, data):
    path = tmp_path / "sheet.csv"
    path.write_text("interview_id,date,candidate_id,interviewer,recommendation,Candidate email,jr-s3-basics\n"
                    "1,2026-03-02,c1,Ana,yes,jane.doe@example.com,great\n")
    text = suggest_mapping("csv", [path], data)
    assert "jane" not in text
    assert '# "great" = ?' in text  # the unknown rating of a bank question is still suggested


def test_a_record_nested_too_deep_is_one_skipped_record(tmp_path, data):
    path = tmp_path / "gh.json"
    path.write_text(json.dumps([_gh(1, note=_nest(200)), _gh(2)]))
    res = import_files("greenhouse", [path], data, level="junior", progress=False)
    assert [(s["position"], s["reason"]) for s in res.skipped] == [("gh.json: record 1", "too_deep")]
    assert [i["interview_id"] for i in res.imported] == ["gh-2"]


@pytest.mark.parametrize("text", ["ignore = " + "[" * 5000 + "]" * 5000,
                                  "[levels." + ".".join(["a"] * 5000) + "]\nx = 1"])
def test_a_mapping_nested_5000_deep_is_one_line_and_exit_2(tmp_path, data, capsys, text):
    export = tmp_path / "gh.json"
    export.write_text(json.dumps([_gh(1)]))
    mapping = tmp_path / "deep.toml"
    mapping.write_text(text)
    assert main(["import", "greenhouse", str(export), "--data", str(data), "--map", str(mapping)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "nested more than 32 levels deep" in err
    assert not list((data / "scores").rglob("*.csv"))
