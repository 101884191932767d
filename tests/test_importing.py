"""Importing scorecards from Greenhouse, Lever, Ashby and a wide spreadsheet (analysis.io.importing and
the modules it runs on: importers, ats, ats_record, import_setup, pseudonyms, suggest_map).

The sample exports in tests/data/ats/ are written from each source's public documentation (the
Greenhouse shape from grnhse/greenhouse-api-docs, source/includes/harvest/_scorecards.md; Lever's
feedback forms; Ashby's applicationFeedback.list) with every edge case of issue 13 in them. The
expected summary lines below are counted by hand from those files (each record's fate is listed
next to it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REAL_DATA, REPO_DIR, TESTS_DIR

from analysis.cli.main import build_parser, main
from analysis.io.ats import json_reader
from analysis.io.ats_record import Item, html_to_text
from analysis.io.import_setup import ImportSetupError, load_mapping
from analysis.io.importers import IMPORTERS, Importer, register_importer
from analysis.io.importing import import_files
from analysis.io.load import load
from analysis.io.pseudonyms import pseudonym
from analysis.io.suggest_map import suggest_mapping, to_toml

ATS = TESTS_DIR / "data" / "ats"
GH = [ATS / "greenhouse_scorecards_page1.json", ATS / "greenhouse_scorecards_page2.json"]

# source, files, mapping, summary of the first import (counted by hand), records
SAMPLES = {
    # page 1: 40001 imported (mixed attribute left unscored), 40002 imported (red flag from rating and
    # tag), 40003 no_decision, 40004 missing date, 40005 'Problem Solver' unmapped, 40006
    # 'sr-cost-optimization' unmapped (close match only suggested); page 2: 40001 again (already),
    # 40007 rating 'meh', 40008 imported (level from 'Mid-level'), 40009 only mixed/no_decision,
    # 40010 imported (same candidate as 40001).
    "greenhouse": (GH, "greenhouse_map.toml",
                   "imported 4 interviews (8 rows), updated 0, skipped 6: missing_date 1, no_decision 1, no_scored_questions 1, "
                   "unknown_rating 1, unmapped_attribute 2; 1 already imported; 0 held back"),
    # fb-0001 imported, fb-0002 withdrawn, fb-0003 imported (date from createdAt, a 'score' field),
    # fb-0004 no timestamps, fb-0005 '5 - Amazing', fb-0006 skill score 7, fb-0007 imported (#redflag).
    "lever": ([ATS / "lever_feedback.json"], "lever_map.toml",
              "imported 3 interviews (7 rows), updated 0, skipped 4: missing_date 1, unknown_rating 1, "
              "unknown_recommendation 1, withdrawn 1; 0 already imported; 0 held back"),
    # fb-a1, fb-a2 imported, fb-a3 no submittedAt, fb-a4 no recommendation, fb-a5 'Culture add',
    # fb-a6 imported (senior job title).
    "ashby": ([ATS / "ashby_feedback.json"], "ashby_map.toml",
              "imported 3 interviews (5 rows), updated 0, skipped 3: missing_date 1, missing_recommendation 1, "
              "unmapped_attribute 1; 0 already imported; 0 held back"),
    # A1, A2 ('Strong No'), A7 ('4.0') imported; A3 no date, A4 'principal', A5 score 5, A6 red flag
    # 'maybe', the row without a key; the second A1 is the same row again (already).
    "csv": ([ATS / "interviews_wide.csv"], "csv_map.toml",
            "imported 3 interviews (6 rows), updated 0, skipped 5: missing_date 1, missing_id 1, unknown_level 1, "
            "unknown_rating 1, unknown_red_flag 1; 1 already imported; 0 held back"),
}


def run(*args, cwd=REPO_DIR):
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    env.pop("INTERVIEW_DATA", None)
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def scorecard_text(data: Path) -> str:
    return "".join(p.read_text() for p in sorted((data / "scores").rglob("*.csv")))


# --- end to end -----------------------------------------------------------------------------------

@pytest.mark.parametrize("source", list(SAMPLES))
def test_sample_export_imports_checks_clean_and_a_second_import_adds_nothing(source, data):
    files, mapping, summary = SAMPLES[source]
    first = run("import", source, *files, "--data", data, "--map", ATS / mapping)
    assert first.returncode == 1, first.stderr  # the samples hold records that must be skipped
    assert "Traceback" not in first.stderr
    lines = first.stdout.splitlines()
    assert lines[-1] == summary
    n_skipped = int(re.search(r"skipped (\d+)", summary).group(1))
    skipped = [ln for ln in lines if ln.startswith("skipped ")]
    assert len(skipped) == n_skipped  # every skipped record listed, with its position
    assert all(re.match(r"skipped \S+: (record|line) \d+", ln) for ln in skipped)

    check = run("check", "--data", data)
    assert check.returncode == 0, check.stdout
    n_rows = int(re.search(r"\((\d+) rows\)", summary).group(1))
    n_int = int(re.search(r"imported (\d+)", summary).group(1))
    assert check.stdout.splitlines()[-1] == f"loaded {n_rows} rows from {n_int} interviews in {n_int} files; 0 problems"

    before = scorecard_text(data)
    second = run("import", source, *files, "--data", data, "--map", ATS / mapping)
    assert second.stdout.splitlines()[-1].startswith(f"imported 0 interviews (0 rows), updated 0, skipped {n_skipped}")
    already = int(re.search(r"; (\d+) already imported", summary).group(1))
    assert second.stdout.splitlines()[-1].endswith(f"; {already + n_int} already imported; 0 held back")
    assert scorecard_text(data) == before


@pytest.mark.parametrize("source", list(SAMPLES))
def test_dry_run_prints_the_same_and_writes_nothing(source, data):
    files, mapping, summary = SAMPLES[source]
    dry = run("import", source, *files, "--data", data, "--map", ATS / mapping, "--dry-run")
    assert dry.returncode == 1
    assert dry.stdout.splitlines()[-2] == summary
    assert "dry run" in dry.stdout.splitlines()[-1]
    assert list((data / "scores").rglob("*")) == []
    assert not (data / ".pseudonym_key").exists()
    real = run("import", source, *files, "--data", data, "--map", ATS / mapping)
    assert real.stdout.splitlines()[:-1] == dry.stdout.splitlines()[:-2]  # same listing


def test_clean_import_exits_0(data, tmp_path):
    recs = [_gh(1), _gh(2)]
    f = _write(tmp_path, recs)
    out = run("import", "greenhouse", f, "--data", data, "--level", "junior")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines() == ["imported 2 interviews (4 rows), updated 0, skipped 0; 0 already imported; 0 held back"]


def test_usage_errors_exit_2_without_traceback(data, tmp_path):
    bad_map = tmp_path / "bad.toml"
    bad_map.write_text('[questions]\n"S3" = "jr-s3-basic"\n')
    for args, needle in [
        (("import", "greenhouse", tmp_path / "nope.json", "--data", data), "no such file"),
        (("import", "greenhouse", GH[0], "--data", data, "--map", bad_map), "did you mean jr-s3-basics"),
        (("import", "greenhouse", GH[0], "--data", tmp_path / "empty"), "no questions.csv"),
        (("import", "workday", GH[0], "--data", data), "invalid choice"),
    ]:
        out = run(*args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert needle in out.stderr and "Traceback" not in out.stderr


# --- Greenhouse defaults (the contract of issue 13) -----------------------------------------------

def _gh(i, **over):
    rec = {"id": i, "candidate_id": 500 + i, "application_id": 900 + i, "interview": "Technical interview",
           "interview_step": {"id": 1, "name": "Technical interview"},
           "interviewed_at": "2026-03-02T16:00:00.000Z", "submitted_at": "2026-03-03T09:00:00Z",
           "submitted_by": {"id": 1, "name": "Kate Austen"}, "interviewer": {"id": 2, "name": "Robert Robertson"},
           "overall_recommendation": "yes",
           "attributes": [{"name": "jr-s3-basics", "type": "Skills", "note": None, "rating": "yes"},
                          {"name": "jr-iam-basics", "type": "Skills", "note": None, "rating": "no"}],
           "questions": []}
    rec.update(over)
    return rec


def _write(folder: Path, records, name="export.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(records))
    return path


def _import(tmp_path, data, records, source="greenhouse", **kw):
    kw.setdefault("level", "junior")
    kw.setdefault("progress", False)
    text = records if isinstance(records, str) else json.dumps(records)
    path = tmp_path / ("export.csv" if source == "csv" else "export.json")
    path.write_text(text)
    return import_files(source, [path], data, **kw)


def test_greenhouse_default_ratings_and_recommendations(tmp_path, data):
    attrs = [{"name": q, "rating": r, "note": None} for q, r in
             [("jr-compute-options", "definitely_not"), ("jr-s3-basics", "no"), ("jr-iam-basics", "yes"),
              ("jr-vpc-basics", "strong_yes"), ("jr-rds-basics", "mixed"), ("jr-sg-vs-nacl", "no_decision")]]
    recs = [_gh(1, attributes=attrs, overall_recommendation=o, id=i)
            for i, o in enumerate(["definitely_not", "no", "yes", "strong_yes", "no_decision"], start=1)]
    res = _import(tmp_path, data, recs)
    assert [s["reason"] for s in res.skipped] == ["no_decision"]
    assert res.skipped[0]["position"].endswith("record 5")
    scores = load(data, cache=False).scores
    one = scores[scores["interview_id"] == "gh-1"].set_index("question_id")
    assert one["score"].to_dict() == {"jr-compute-options": 1, "jr-s3-basics": 2, "jr-iam-basics": 3, "jr-vpc-basics": 4}
    assert not one["red_flag"].any()  # false unless the mapping derives it
    recs_by_id = scores.groupby("interview_id", observed=True)["recommendation"].first().astype(str).to_dict()
    assert recs_by_id == {"gh-1": "strong_no", "gh-2": "no", "gh-3": "yes", "gh-4": "strong_yes"}
    # mixed and no_decision leave the question unscored and are reported
    unscored = [r["message"] for r in res.remarks if r["record"] == "1"]
    assert any("jr-rds-basics left unscored" in m and "mixed" in m for m in unscored)
    assert any("jr-sg-vs-nacl left unscored" in m and "no_decision" in m for m in unscored)


def test_greenhouse_date_interviewer_and_id(tmp_path, data):
    recs = [_gh(77, interviewed_at="2026-05-04T23:30:00-07:00"),
            _gh(78, interviewer=None),
            _gh(79, interviewer={"id": 3, "name": None}, submitted_by={"name": "Mia Okafor"}),
            _gh(80, interviewed_at=None, submitted_at="2026-03-03T09:00:00Z")]
    res = _import(tmp_path, data, recs)
    assert [(s["record"], s["reason"]) for s in res.skipped] == [("80", "missing_date")]  # never submitted_at
    scores = load(data, cache=False).scores
    first = scores.groupby("interview_id", observed=True).first()
    assert first.loc["gh-77", "date"] == pd.Timestamp("2026-05-04")  # the date as written
    assert first.loc["gh-77", "interviewer"] == "Robert Robertson"
    assert first.loc["gh-78", "interviewer"] == "Kate Austen"
    assert first.loc["gh-79", "interviewer"] == "Mia Okafor"


def test_attribute_matches_id_or_text_ignoring_case_and_spaces_and_close_matches_are_only_suggested(tmp_path, data):
    recs = [_gh(1, attributes=[{"name": "  JR-S3-BASICS ", "rating": "yes"},
                               {"name": "what is iam?  ", "rating": "no"}]),
            _gh(2, attributes=[{"name": "jr-s3-basic", "rating": "yes"}]),
            _gh(3, attributes=[{"name": "What is IAM", "rating": "yes"}])]
    res = _import(tmp_path, data, recs)
    assert [i["interview_id"] for i in res.imported] == ["gh-1"]
    assert {s["record"]: s["reason"] for s in res.skipped} == {"2": "unmapped_attribute", "3": "unmapped_attribute"}
    assert "closest: jr-s3-basics" in res.skipped[0]["message"]
    assert "closest: jr-iam-basics" in res.skipped[1]["message"]
    qs = set(load(data, cache=False).scores["question_id"].astype(str))
    assert qs == {"jr-s3-basics", "jr-iam-basics"}


def test_unrated_attribute_outside_the_bank_is_reported_not_a_reason_to_skip(tmp_path, data):
    recs = [_gh(1, attributes=[{"name": "jr-s3-basics", "rating": "yes"}, {"name": "Culture", "rating": "no_decision"},
                               {"name": "Teamwork", "rating": None}]),
            _gh(2, attributes=[{"name": "jr-s3-basics", "rating": "yes"}, {"name": "Culture", "rating": "yes"}])]
    res = _import(tmp_path, data, recs)
    assert [i["interview_id"] for i in res.imported] == ["gh-1"]
    assert [s["reason"] for s in res.skipped] == ["unmapped_attribute"]  # rated: a score would be lost
    assert sum("'Culture' maps to no question and is unrated" in r["message"] for r in res.remarks) == 1


def test_renamed_api_fields_are_read_through_the_mapping(tmp_path, data):
    m = tmp_path / "m.toml"
    m.write_text('[fields]\ndate = ["interview_date", "interviewed_at"]\ninterviewer = "reviewer.display_name"\n')
    rec = _gh(1, interview_date="2026-07-01T10:00:00Z", reviewer={"display_name": "Noor Haddad"})
    del rec["interviewed_at"]
    res = _import(tmp_path, data, [rec], mapping=m)
    assert not res.skipped
    first = load(data, cache=False).scores.iloc[0]
    assert (str(first["date"].date()), first["interviewer"]) == ("2026-07-01", "Noor Haddad")


def test_large_imports_show_a_progress_bar(tmp_path, data, capsys):
    res = _import(tmp_path, data, [_gh(i) for i in range(1, 61)], dry_run=True, progress=None)
    assert len(res.imported) == 60
    assert "importing greenhouse" in capsys.readouterr().err


def test_mapping_table_ignore_ratings_and_red_flags(tmp_path, data):
    m = tmp_path / "m.toml"
    m.write_text('ignore = ["Communication"]\n[questions]\n"Storage" = "jr-s3-basics"\n'
                 '[ratings]\n"meh" = 2\n[red_flag]\nratings = ["no"]\ntags = ["[RED FLAG]"]\n')
    recs = [_gh(1, attributes=[{"name": "Storage", "rating": "meh"}, {"name": "Communication", "rating": "yes"},
                               {"name": "jr-iam-basics", "rating": "no"},
                               {"name": "jr-vpc-basics", "rating": "yes", "note": "<p>[red flag] public subnets</p>"}])]
    res = _import(tmp_path, data, recs, mapping=m)
    assert not res.skipped
    s = load(data, cache=False).scores.set_index("question_id")
    assert s["score"].to_dict() == {"jr-s3-basics": 2, "jr-iam-basics": 2, "jr-vpc-basics": 3}
    assert s["red_flag"].to_dict() == {"jr-s3-basics": False, "jr-iam-basics": True, "jr-vpc-basics": True}


@pytest.mark.parametrize("text, needle", [
    ('[questions]\n"x" = "nope"\n', "not a question_id"),
    ('[ratings]\n"x" = 5\n', "integer 1-4"),
    ('[recommendations]\n"x" = "maybe"\n', "strong_no"),
    ('[levels]\n"x" = "principal"\n', "junior"),
    ('[question]\n"x" = "jr-s3-basics"\n', "unknown key"),
    ('[questions\n', "cannot read"),
])
def test_bad_mappings_are_refused_with_the_fix(tmp_path, bank, text, needle):
    m = tmp_path / "m.toml"
    m.write_text(text)
    with pytest.raises(ImportSetupError, match=re.escape(needle)):
        load_mapping("greenhouse", m, bank)


def test_levels_from_option_mapping_and_conflicts(tmp_path, data):
    m = tmp_path / "m.toml"
    m.write_text('[levels]\n"senior" = "senior"\n"mid" = "mid"\n')
    recs = [_gh(1, interview="Senior onsite", attributes=[{"name": "sr-observability", "rating": "yes"}]),
            _gh(2, interview="Phone screen", interview_step={"name": "Phone screen"}),
            _gh(3, interview="Senior/mid calibration"),
            _gh(4, interview="Midterm review")]  # 'mid' is a word, not a substring
    res = _import(tmp_path, data, recs, mapping=m, level=None)
    assert {s["record"]: s["reason"] for s in res.skipped} == {
        "2": "missing_level", "3": "level_ambiguous", "4": "missing_level"}
    res = _import(tmp_path, data, [_gh(5, interview="Senior onsite")], mapping=m, level="junior")
    assert res.skipped[0]["reason"] == "level_conflict"


def test_overlapping_export_adds_only_new_interviews(tmp_path, data):
    _import(tmp_path, data, [_gh(1), _gh(2)])
    res = _import(tmp_path, data, [_gh(2), _gh(3), _gh(3)])
    assert [i["interview_id"] for i in res.imported] == ["gh-3"]
    assert [a["interview_id"] for a in res.already] == ["gh-2", "gh-3"]
    assert not res.skipped
    changed = _import(tmp_path, data, [_gh(9), _gh(9, overall_recommendation="no")])
    assert [s["reason"] for s in changed.skipped] == ["duplicate_id"]


def test_existing_invalid_file_still_owns_its_id_and_is_compared_not_trusted(tmp_path, data, write_card):
    card = write_card("2026/x.csv", text="interview_id,date\ngh-1,not a date\n")
    res = _import(tmp_path, data, [_gh(1)])
    assert res.imported == [] and res.already == []  # other content than the stored rows: held back
    assert [c["interview_id"] for c in res.conflicts] == ["gh-1"]
    assert "date not a date -> 2026-03-02" in res.conflicts[0]["changes"]
    assert card.read_text() == "interview_id,date\ngh-1,not a date\n"


# --- privacy --------------------------------------------------------------------------------------

def test_pseudonyms_are_keyed_stable_and_no_ats_id_or_name_enters(tmp_path, data):
    recs = [_gh(1, candidate_id=424242), _gh(2, candidate_id=424242), _gh(3, candidate_id=515151)]
    _import(tmp_path, data, recs)
    key = data / ".pseudonym_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    scores = load(data, cache=False).scores
    by = scores.groupby("interview_id", observed=True)["candidate_id"].first().astype(str)
    assert by["gh-1"] == by["gh-2"] != by["gh-3"]
    assert re.fullmatch(r"cand-[0-9a-f]{16}", by["gh-1"])
    text = scorecard_text(data)
    assert "424242" not in text and "515151" not in text
    # the same key gives the same pseudonym later; another key another one
    assert pseudonym("424242", bytes.fromhex(key.read_text().strip()), "greenhouse") == by["gh-1"]
    assert pseudonym("424242", b"\0" * 32, "greenhouse") != by["gh-1"]


def test_gitignore_covers_the_key():
    assert ".pseudonym_key" in (REPO_DIR / ".gitignore").read_text().split()


def test_csv_names_never_enter_and_keyless_sheets_get_stable_keyed_ids(tmp_path, data):
    sheet = ("date,candidate,candidate_name,interviewer,recommendation,jr-s3-basics\n"
             "2026-01-05,77,Jane Doe,Avery,yes,3\n2026-01-06,78,John Roe,Avery,no,2\n")
    m = tmp_path / "m.toml"
    m.write_text('ignore = ["candidate_name"]\n')
    first = _import(tmp_path, data, sheet, source="csv", mapping=m)
    assert len(first.imported) == 2 and all(re.fullmatch(r"csv-k[0-9a-f]{12}", i["interview_id"])
                                            for i in first.imported)
    text = scorecard_text(data)
    assert "Jane" not in text and "John" not in text and ",77," not in text
    again = _import(tmp_path, data, sheet, source="csv", mapping=m)
    assert again.imported == [] and len(again.already) == 2
    # without the mapping the name column maps to no question: the rows are skipped, the names not printed
    res = _import(tmp_path, data, sheet.replace("2026-01", "2026-02"), source="csv")
    assert {s["reason"] for s in res.skipped} == {"unmapped_attribute"}
    assert "Jane" not in " ".join(res.lines())


@pytest.mark.parametrize("html, text", [
    ("<p>Knows <b>S3</b> &amp; IAM</p><script>alert('x')</script>", "Knows S3 & IAM"),
    ("<ul><li>one</li><li>two <i>2</i></li></ul>", "- one\n- two 2"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;ok", "ok"),
    ("&amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt;", "bold"),
    ("<div><div><span>deep</span></div></div><style>p{}</style>", "deep"),
    ("latency < 100 ms &gt; 5", "latency < 100 ms > 5"),
    ("<a href=\"javascript:alert(1)\" onclick=\"x()\">link</a>", "link"),
    ("<img src=x onerror=alert(1)>after", "after"),
    ("a\x00b<b", "a b‹b"),
    (None, ""),
])
def test_html_is_reduced_to_plain_text(html, text):
    assert html_to_text(html) == text


_HTML_BITS = list("<>/&;ab =\"'!-?#x0123") + ["script", "<b>", "&lt;", "&#60;", "<!--", "-->", "<![CDATA[", "&amp;"]


@given(st.lists(st.sampled_from(_HTML_BITS), max_size=30).map("".join))
def test_no_markup_survives_any_input(text):
    out = html_to_text(text)
    assert not re.search(r"<[A-Za-z/!?]", out)
    assert "\x00" not in out


# --- suggest-map ----------------------------------------------------------------------------------

def test_suggest_map_writes_a_valid_starting_mapping(data, tmp_path):
    text = suggest_mapping("greenhouse", GH, data)
    parsed = tomllib.loads(text)
    assert parsed["ratings"]["definitely_not"] == 1 and parsed["recommendations"]["no_decision"] == "skip"
    assert parsed["questions"] == {}  # suggestions are comments, never applied
    assert '# "sr-cost-optimization" = "sr-cost-optimisation"  # suggested' in text
    assert '# "SR-OBSERVABILITY" matches sr-observability already' in text
    assert '# "meh" = ?' in text
    out = tmp_path / "start.toml"
    first = run("import", "greenhouse", *GH, "--data", data, "--suggest-map", "--map", out)
    assert first.returncode == 0 and tomllib.loads(out.read_text())
    again = run("import", "greenhouse", *GH, "--data", data, "--suggest-map", "--map", out)
    assert again.returncode == 2 and "never overwrites" in again.stderr
    assert list((data / "scores").rglob("*.csv")) == []
    load_mapping("greenhouse", out, load(data).questions)  # loads as it is


@given(st.text(max_size=30))
def test_toml_strings_round_trip(s):
    assert tomllib.loads(f"x = {to_toml(s)}")["x"] == s


def test_greenhouse_defaults_in_the_importing_page_match_the_code():
    section = (REPO_DIR / "docs" / "importing.md").read_text(encoding="utf-8")
    assert section.startswith("# Importing scorecards")
    gh = IMPORTERS["greenhouse"].mapping
    row = next(ln for ln in section.splitlines() if ln.startswith("| score |"))
    for rating, score in gh["ratings"].items():
        assert (f"`{rating}`={score}" if score != "unscored" else f"`{rating}`") in row
    assert gh["recommendations"] == {"definitely_not": "strong_no", "no": "no", "yes": "yes",
                                     "strong_yes": "strong_yes", "no_decision": "skip"}
    assert gh["fields"]["interviewer"] == ["interviewer.name", "submitted_by.name"]
    assert gh["fields"]["date"] == ["interviewed_at"]
    for cmd in ("--suggest-map", "--dry-run", "--level", "already imported"):
        assert cmd in section


# --- properties: any input, every record accounted for, no traceback ------------------------------

_junk = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=8),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
                     max_leaves=6)
_rating = st.sampled_from(["definitely_not", "no", "mixed", "yes", "strong_yes", "no_decision", "meh", ""]) | _junk
_name = st.sampled_from(["jr-s3-basics", "What is IAM?", "jr-vpc-basics", "JR-S3-BASICS", "Communication"]) | _junk
_attr = st.fixed_dictionaries({}, optional={"name": _name, "rating": _rating, "note": st.text(max_size=10) | _junk})
_gh_record = st.fixed_dictionaries({}, optional={
    "id": st.integers(1, 30) | _junk, "candidate_id": st.integers(1, 5) | _junk,
    "interviewed_at": st.sampled_from(["2026-03-02T16:00:00Z", "2026-13-02T00:00:00Z", "", "1767260400000"]) | _junk,
    "interviewer": st.fixed_dictionaries({"name": st.sampled_from(["Ana", "", " "]) | _junk}) | _junk,
    "submitted_by": st.fixed_dictionaries({"name": st.just("Kate")}) | _junk,
    "overall_recommendation": _rating, "interview": st.sampled_from(["Senior onsite", "x"]) | _junk,
    "attributes": st.lists(_attr, max_size=4) | _junk,
    "questions": st.lists(st.fixed_dictionaries({"question": _name, "answer": st.text(max_size=8) | _junk}),
                          max_size=2) | _junk})
_lever_record = st.fixed_dictionaries({}, optional={
    "id": st.text(max_size=5) | _junk, "opportunityId": st.sampled_from(["o1", "o2"]) | _junk,
    "user": st.sampled_from(["u1", {"name": "Ana"}]) | _junk,
    "completedAt": st.integers(-10**16, 10**16) | _junk, "deletedAt": st.none() | _junk,
    "fields": st.lists(st.fixed_dictionaries({"type": st.sampled_from(["score-system", "scorecard", "score", "text"]) | _junk,
                                              "text": _name, "value": _rating | st.lists(_junk, max_size=2),
                                              "scores": st.lists(st.fixed_dictionaries({"text": _name}), max_size=2) | _junk}),
                       max_size=3) | _junk})
_ashby_record = st.fixed_dictionaries({}, optional={
    "id": st.text(max_size=5) | _junk, "candidateId": st.sampled_from(["c1", "c2"]) | _junk,
    "submittedAt": st.sampled_from(["2026-04-10T09:30:00.000Z", "nope"]) | _junk,
    "submittedByUser": st.fixed_dictionaries({"firstName": st.just("Lee")}) | _junk,
    "formDefinition": st.fixed_dictionaries({"sections": st.lists(st.fixed_dictionaries({"fields": st.lists(
        st.fixed_dictionaries({"field": st.fixed_dictionaries({"path": st.sampled_from(["a", "b", "overall_recommendation"]),
                                                               "title": _name, "type": st.sampled_from(["Score", "RichText"]) | _junk})}),
        max_size=3)}), max_size=2)}) | _junk,
    "submittedValues": st.dictionaries(st.sampled_from(["a", "b", "overall_recommendation"]),
                                       st.fixed_dictionaries({"score": st.integers(0, 5) | _junk}) | _junk, max_size=3) | _junk})
_STRATEGIES = {"greenhouse": _gh_record, "lever": _lever_record, "ashby": _ashby_record}
_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                            HealthCheck.too_slow])


def _accounted(res, n):
    assert len(res.imported) + len(res.updated) + len(res.already) + len(res.conflicts) + len(res.skipped) == n
    assert res.n_records == n
    assert not [s for s in res.skipped if s["reason"] == "internal_error"], res.skipped
    assert res.summary().startswith(f"imported {len(res.imported)} interviews")


@pytest.mark.parametrize("source", list(_STRATEGIES))
@_SETTINGS
@given(data_=st.data())
def test_any_json_records_are_imported_or_skipped_never_a_traceback(source, data_, tmp_path, data):
    records = data_.draw(st.lists(_STRATEGIES[source] | _junk, max_size=6))
    wrapper = data_.draw(st.sampled_from(["list", "data", "results"]))
    doc = records if wrapper == "list" else {wrapper: records}
    res = _import(tmp_path, data, doc, source=source, dry_run=True, level="senior")
    _accounted(res, len(records))
    assert not list((data / "scores").rglob("*.csv"))


@_SETTINGS
@given(records=st.lists(_gh_record, min_size=1, max_size=5))
def test_greenhouse_records_written_are_valid_scorecards(records, tmp_path_factory):
    folder = tmp_path_factory.mktemp("d")
    (folder / "scores").mkdir()
    shutil.copyfile(REAL_DATA / "questions.csv", folder / "questions.csv")
    res = _import(folder, folder, records, level="junior")
    _accounted(res, len(records))
    wb = load(folder, cache=False)
    assert wb.problems == []
    assert wb.n_interviews == len(res.imported) and len(wb.scores) == res.n_rows


_cell = st.sampled_from(["", "3", "4.0", "x", "yes", "junior", "2026-01-02", "no", "Strong No", "5", "\"", ",", "\n"]) | st.text(max_size=4)


@_SETTINGS
@given(header=st.lists(st.sampled_from(["interview_id", "date", "candidate_id", "interviewer", "level", "recommendation",
                                        "jr-s3-basics", "jr-s3-basics red flag", "What is IAM?", "notes", "zzz"]),
                       min_size=1, max_size=8, unique=True),
       rows=st.lists(st.lists(_cell, min_size=0, max_size=9), max_size=5))
def test_any_spreadsheet_is_imported_or_skipped(header, rows, tmp_path, data):
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    res = _import(tmp_path, data, buf.getvalue(), source="csv", dry_run=True)
    n_records = res.n_records
    if "\x00" in buf.getvalue():
        assert [s["reason"] for s in res.skipped] == ["unreadable_file"]  # NUL: the whole file is refused
    else:  # every non-blank row is one record; a file without one is one unreadable record
        assert n_records == max(1, sum(any(c.strip() for c in r) for r in rows))
    assert not [s for s in res.skipped if s["reason"] == "internal_error"], res.skipped


def test_unreadable_files_count_as_one_skipped_record(tmp_path, data):
    for text, source in [("{not json", "greenhouse"), ('{"hasNext": false}', "lever"), ("42", "ashby"),
                         ("", "csv"), ("interview_id\n3\n\x00\n", "csv"),  # shrunk by hypothesis
                         ("date,jr-s3-basics\n", "csv"), ("date;jr-s3-basics\n2026-01-01;3\n", "csv"), (b"\xff\xfe".decode("latin-1"), "greenhouse")]:
        res = _import(tmp_path, data, text, source=source)
        assert [s["reason"] for s in res.skipped] == ["unreadable_file"], (source, res.skipped)


# --- the importer registry ------------------------------------------------------------------------

def _toy_record(obj, rec, fields):
    """A made-up source: ``{"ref": ..., "who": ..., "when": ..., "by": ..., "call": ..., "marks": {q: r}}``."""
    rec.source_id, rec.candidate, rec.interviewer = str(obj["ref"]), str(obj["who"]), obj["by"]
    rec.date, rec.recommendation = obj["when"], obj["call"]
    rec.items = [Item(name, str(rating)) for name, rating in obj["marks"].items()]


@pytest.fixture
def toy_importer():
    """A fifth source registered the way an extension would, removed again afterwards."""
    mapping = {**IMPORTERS["csv"].mapping, "fields": {"id": ["ref"], "date": ["when"]}}
    toy = register_importer(Importer("toy", "toy", mapping, json_reader(_toy_record)))
    yield toy
    del IMPORTERS["toy"]


def test_a_registered_importer_reaches_the_command_and_import_files(toy_importer, tmp_path, data, capsys):
    assert build_parser().parse_args(["import", "toy", "x.json", "--data", "d"]).source == "toy"  # a choice now
    recs = [{"ref": 1, "who": 7, "when": "2026-03-02", "by": "Avery", "call": "yes",
             "marks": {"jr-s3-basics": 3, "jr-iam-basics": 2}}]
    path = _write(tmp_path, recs)
    assert main(["import", "toy", str(path), "--data", str(data), "--level", "junior"]) == 0
    assert capsys.readouterr().out.splitlines() == ["imported 1 interviews (2 rows), updated 0, skipped 0; 0 already imported; 0 held back"]
    scores = load(data, cache=False).scores
    assert set(scores["interview_id"].astype(str)) == {"toy-1"}  # the importer's prefix
    again = import_files("toy", [path], data, level="junior", progress=False)
    assert [a["interview_id"] for a in again.already] == ["toy-1"]


def test_the_registry_refuses_a_taken_name_or_id_prefix(toy_importer):
    with pytest.raises(ValueError, match="already registered"):
        register_importer(Importer("toy", "zz", toy_importer.mapping, toy_importer.read))
    with pytest.raises(ValueError, match="already used by 'greenhouse'"):
        register_importer(Importer("toy2", "gh", toy_importer.mapping, toy_importer.read))
    assert list(IMPORTERS) == ["greenhouse", "lever", "ashby", "csv", "toy"]


def test_an_unregistered_source_is_refused_with_the_registered_ones(data):
    with pytest.raises(ImportSetupError, match="unknown source 'workday'; expected one of greenhouse, lever, ashby, csv"):
        import_files("workday", [GH[0]], data)
