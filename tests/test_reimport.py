"""Re-importing (issue 23): a second import compares content, never only ids.

The policy under test (``analysis.io.importing.import_files``, Notes; docs/importing.md):

* a stored interview imported again with the same content is *already imported*;
* with other content (a scorecard corrected in the ATS) it is *held back*: the report names the
  stored file and every change, the command exits 1 and nothing is written; with ``--update`` it
  is *updated*: replaced atomically, the previous file kept in ``<data>/history/``, which the
  loader and ``check`` never read;
* a spreadsheet's own interview numbers are qualified by the source name (``csv-<name>-<id>``), so
  two sheets that both number their interviews 1, 2, 3 import as six interviews; ATS ids are kept.

Expected values are written out by hand from the records built here (Greenhouse's documented
ratings: ``yes`` = 3, ``definitely_not`` = 1, recommendation ``definitely_not`` = strong_no).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import REAL_DATA, REPO_DIR, interview_rows

from analysis import config
from analysis.errors import ScorecardError, StoreError
from analysis.io.import_setup import ImportSetupError, source_name_of
from analysis.io.importing import import_files
from analysis.io.load import load
from analysis.io.store import save_interview
from analysis.io.store_update import differences, replace_interview, stored_versions, version_of


def run(*args):
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    env.pop("INTERVIEW_DATA", None)
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], cwd=REPO_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


def _gh(i, **over):
    rec = {"id": i, "candidate_id": 500 + i, "interview": "Technical interview",
           "interviewed_at": "2026-03-02T16:00:00.000Z", "interviewer": {"id": 2, "name": "Robert Robertson"},
           "overall_recommendation": "yes",
           "attributes": [{"name": "jr-s3-basics", "rating": "yes", "note": "knows buckets"},
                          {"name": "jr-iam-basics", "rating": "no", "note": None}]}
    rec.update(over)
    return rec


def _corrected(i=1, **over):
    """The record of :func:`_gh` as corrected in the ATS: S3 score 3 -> 1, yes -> definitely_not."""
    return _gh(i, overall_recommendation="definitely_not",
               attributes=[{"name": "jr-s3-basics", "rating": "definitely_not", "note": "knows buckets"},
                           {"name": "jr-iam-basics", "rating": "no", "note": None}], **over)


def _export(folder: Path, records, name="export.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(records))
    return path


def _cards(data: Path) -> dict[str, bytes]:
    return {str(p.relative_to(data)): p.read_bytes() for p in sorted((data / "scores").rglob("*.csv"))}


def _counts(res) -> tuple[int, int, int, int, int]:
    return len(res.imported), len(res.updated), len(res.already), len(res.conflicts), len(res.skipped)


# --- a scorecard corrected in the ATS -------------------------------------------------------------

def test_a_corrected_scorecard_is_held_back_naming_both_versions_and_nothing_is_written(tmp_path, data):
    first = run("import", "greenhouse", _export(tmp_path, [_gh(1), _gh(2)]), "--data", data, "--level", "junior")
    assert first.returncode == 0, first.stdout + first.stderr
    before = _cards(data)

    again = run("import", "greenhouse", _export(tmp_path, [_corrected(1), _gh(2)], "week2.json"),
                "--data", data, "--level", "junior")
    assert again.returncode == 1, again.stdout  # something was held back: not a clean run
    lines = again.stdout.splitlines()
    held = [ln for ln in lines if ln.startswith("held back ")]
    assert len(held) == 1
    assert held[0].startswith("held back week2.json: record 1 (1): gh-1 changed since it was imported (stored in scores/2026/")
    assert "recommendation yes -> strong_no; jr-s3-basics score 3 -> 1;" in held[0]
    assert "--update" in held[0]
    assert lines[-1] == "imported 0 interviews (0 rows), updated 0, skipped 0; 1 already imported; 1 held back"
    assert "import again with --update to replace them" in lines[-2]
    assert _cards(data) == before  # the stored version stays, and nothing else was written
    assert not (data / config.HISTORY_DIR).exists()


def test_update_replaces_it_keeps_the_previous_file_in_history_and_check_reads_only_the_new(tmp_path, data):
    run("import", "greenhouse", _export(tmp_path, [_gh(1), _gh(2)]), "--data", data, "--level", "junior")
    (old_rel, old_body), = [(k, v) for k, v in _cards(data).items() if "gh-1" in k]

    upd = run("import", "greenhouse", _export(tmp_path, [_corrected(1), _gh(2)], "week2.json"),
              "--data", data, "--level", "junior", "--update")
    assert upd.returncode == 0, upd.stdout + upd.stderr
    lines = upd.stdout.splitlines()
    assert lines[-1] == "imported 0 interviews (0 rows), updated 1, skipped 0; 1 already imported; 0 held back"
    assert lines[0].startswith("updated week2.json: record 1 (1): gh-1 replaced (recommendation yes -> strong_no; "
                               "jr-s3-basics score 3 -> 1); the previous version is kept in history/gh-1")

    # the previous file, byte for byte, in history/<interview>/<UTC time>-<file name>
    kept = list((data / "history").rglob("*"))
    kept_files = [p for p in kept if p.is_file()]
    assert len(kept_files) == 1 and kept_files[0].read_bytes() == old_body
    assert re.fullmatch(r"[0-9]{8}T[0-9]{12}Z-" + re.escape(Path(old_rel).name), kept_files[0].name)
    # the new version under the same name, read by the loader; history is not
    assert (data / old_rel).exists()
    wb = load(data, cache=False)
    one = wb.scores[wb.scores["interview_id"] == "gh-1"].set_index("question_id")
    assert one["score"].to_dict() == {"jr-s3-basics": 1, "jr-iam-basics": 2}
    assert set(one["recommendation"].astype(str)) == {"strong_no"}
    check = run("check", "--data", data)
    assert check.returncode == 0, check.stdout
    assert check.stdout.splitlines()[-1] == "loaded 4 rows from 2 interviews in 2 files; 0 problems"

    # the same corrected export again: nothing left to do
    third = run("import", "greenhouse", _export(tmp_path, [_corrected(1), _gh(2)], "week3.json"),
                "--data", data, "--level", "junior", "--update")
    assert third.returncode == 0
    assert third.stdout.splitlines() == ["imported 0 interviews (0 rows), updated 0, skipped 0; 2 already imported; "
                                         "0 held back"]


def test_unchanged_records_are_already_imported_whatever_their_order_case_and_spacing(tmp_path, data):
    _import = lambda recs, **kw: import_files("greenhouse", [_export(tmp_path, recs)], data, level="junior",
                                              progress=False, **kw)
    assert _counts(_import([_gh(1), _gh(2), _gh(3)])) == (3, 0, 0, 0, 0)
    same = _gh(1, overall_recommendation="YES",  # another spelling of the same values
               attributes=[{"name": "jr-iam-basics ", "rating": "no"},
                           {"name": "JR-S3-BASICS", "rating": "yes", "note": "  knows buckets\r\n"}])
    res = _import([same, _gh(2), _corrected(3)])
    assert _counts(res) == (0, 0, 2, 1, 0)  # only the changed one is held back
    assert [a["interview_id"] for a in res.already] == ["gh-1", "gh-2"]
    assert res.conflicts[0]["changes"] == "recommendation yes -> strong_no; jr-s3-basics score 3 -> 1"
    assert not res.ok


def test_every_kind_of_change_is_named(tmp_path, data):
    _import = lambda recs, **kw: import_files("greenhouse", [_export(tmp_path, recs)], data, level="junior",
                                              progress=False, **kw)
    _import([_gh(1)])
    changed = _gh(1, interviewed_at="2026-03-03T10:00:00Z", interviewer={"name": "Mia Okafor"},
                  attributes=[{"name": "jr-s3-basics", "rating": "yes", "note": "knows buckets well"},
                              {"name": "jr-vpc-basics", "rating": "strong_yes"}])
    res = _import([changed])
    assert res.conflicts[0]["changes"].split("; ") == [
        "date 2026-03-02 -> 2026-03-03", "interviewer Robert Robertson -> Mia Okafor",
        "question jr-iam-basics removed (was score 2)", "jr-s3-basics notes changed",
        "question jr-vpc-basics added (score 4)"]
    assert "knows buckets well" not in " ".join(res.lines())  # notes are named, never quoted


def test_a_changed_duplicate_inside_one_export_names_both_records_and_the_changes(tmp_path, data):
    res = import_files("greenhouse", [_export(tmp_path, [_gh(9), _corrected(9)])], data, level="junior",
                       progress=False)
    assert _counts(res) == (1, 0, 0, 0, 1)
    skip = res.skipped[0]
    assert skip["reason"] == "duplicate_id"
    assert skip["message"].startswith("gh-9 is also export.json: record 1, with different content "
                                      "(recommendation yes -> strong_no; jr-s3-basics score 3 -> 1)")


def test_dry_run_with_update_says_what_would_be_updated_and_writes_nothing(tmp_path, data):
    import_files("greenhouse", [_export(tmp_path, [_gh(1)])], data, level="junior", progress=False)
    before = _cards(data)
    res = import_files("greenhouse", [_export(tmp_path, [_corrected(1)])], data, level="junior", progress=False,
                       update=True, dry_run=True)
    assert _counts(res) == (0, 1, 0, 0, 0)
    assert res.lines()[0] == ("would update export.json: record 1 (1): gh-1 would be replaced (recommendation yes -> "
                              "strong_no; jr-s3-basics score 3 -> 1)")
    assert res.lines()[-1].startswith("dry run: nothing was written")
    assert _cards(data) == before and not (data / "history").exists()


def test_update_moves_an_interview_whose_corrected_date_is_in_another_year(tmp_path, data):
    import_files("greenhouse", [_export(tmp_path, [_gh(1)])], data, level="junior", progress=False)
    moved = _gh(1, interviewed_at="2025-12-30T10:00:00Z")
    res = import_files("greenhouse", [_export(tmp_path, [moved])], data, level="junior", progress=False,
                       update=True)
    assert _counts(res) == (0, 1, 0, 0, 0)
    assert [k.split("/")[1] for k in _cards(data)] == ["2025"]  # one file, in the new year only
    assert len([p for p in (data / "history").rglob("*.csv")]) == 1
    assert load(data, cache=False).problems == []


def test_update_never_rewrites_a_file_that_holds_other_interviews(tmp_path, data, write_card):
    bulk_rows = interview_rows("gh-1") + interview_rows("gh-2", candidate="C2")
    bulk = write_card("bulk.csv", bulk_rows)
    before = bulk.read_bytes()
    res = import_files("greenhouse", [_export(tmp_path, [_gh(1)])], data, level="junior", progress=False,
                       update=True)
    assert _counts(res) == (0, 0, 0, 0, 1)
    assert res.skipped[0]["reason"] == "write_failed"
    assert "scores/bulk.csv also holds 1 other interview(s)" in res.skipped[0]["message"]
    assert "by hand" in res.skipped[0]["message"]
    assert bulk.read_bytes() == before and not (data / "history").exists()


def test_update_of_a_hand_made_file_keeps_it_in_history_and_writes_the_store_file(tmp_path, data, write_card):
    card = write_card("2026/by-hand.csv", interview_rows("gh-1", candidate="C9"))
    before = card.read_bytes()
    res = import_files("greenhouse", [_export(tmp_path, [_gh(1)])], data, level="junior", progress=False,
                       update=True)
    assert _counts(res) == (0, 1, 0, 0, 0)
    assert not card.exists()
    kept, = (data / "history").rglob("*.csv")
    assert kept.name.endswith("-by-hand.csv") and kept.read_bytes() == before
    wb = load(data, cache=False)
    assert wb.problems == [] and set(wb.scores["interview_id"].astype(str)) == {"gh-1"}


def test_replace_interview_refuses_a_version_that_changed_since_it_was_compared(data, bank, make_interview):
    path = save_interview(make_interview("INT-1"), data, questions=bank)
    compared = stored_versions(path)["INT-1"]
    path.write_text(path.read_text().replace(",yes\n", ",no\n"))  # someone else edits it meanwhile
    before = path.read_bytes()
    with pytest.raises(StoreError, match="changed while importing; import again"):
        replace_interview(make_interview("INT-1", scores=(1, 1, 1)), data, expected=compared, questions=bank)
    assert path.read_bytes() == before and not (data / "history").exists()
    with pytest.raises(ScorecardError):  # an invalid new version is refused before anything is touched
        replace_interview(make_interview("INT-1", scores=(9, 1, 1)), data, expected=compared, questions=bank)
    assert path.read_bytes() == before


# --- two spreadsheets that number their interviews 1, 2, 3 ------------------------------------------

_SHEET = "interview_id,date,candidate_id,interviewer,level,recommendation,jr-s3-basics,jr-iam-basics\n"
SHEET_A = _SHEET + "1,2026-01-05,77,Avery,junior,yes,3,2\n2,2026-01-06,78,Avery,junior,no,2,2\n3,2026-01-07,79,Avery,junior,yes,4,3\n"
SHEET_B = _SHEET + "1,2026-02-10,91,Blake,junior,no,1,2\n2,2026-02-11,92,Blake,junior,yes,3,3\n3,2026-02-12,93,Blake,junior,no,2,1\n"


def test_two_sheets_numbering_1_2_3_import_as_six_interviews(tmp_path, data):
    (tmp_path / "team_a.csv").write_text(SHEET_A)
    (tmp_path / "Team B (Q1).csv").write_text(SHEET_B)
    a = run("import", "csv", tmp_path / "team_a.csv", "--data", data)
    b = run("import", "csv", tmp_path / "Team B (Q1).csv", "--data", data)
    assert a.returncode == b.returncode == 0, a.stdout + b.stdout
    assert b.stdout.splitlines() == ["imported 3 interviews (6 rows), updated 0, skipped 0; 0 already imported; "
                                     "0 held back"]
    ids = set(load(data, cache=False).scores["interview_id"].astype(str))
    assert ids == {"csv-team_a-1", "csv-team_a-2", "csv-team_a-3", "csv-team-b-q1-1", "csv-team-b-q1-2",
                   "csv-team-b-q1-3"}
    # a re-export of sheet A under another file name is the same source when named so
    (tmp_path / "team_a week 2.csv").write_text(SHEET_A)
    res = import_files("csv", [tmp_path / "team_a week 2.csv"], data, source_name="team_a", progress=False)
    assert _counts(res) == (0, 0, 3, 0, 0)


def test_interviews_imported_before_ids_named_their_source_are_recognised(tmp_path, data):
    """A folder imported by the earlier version holds csv-1, csv-2, csv-3: the same sheet imported
    again adds nothing, and another sheet's interview 1 is imported, not taken for csv-1."""
    (tmp_path / "team_a.csv").write_text(SHEET_A)
    import_files("csv", [tmp_path / "team_a.csv"], data, progress=False)
    for p in (data / "scores").rglob("*.csv"):  # what the earlier version wrote: csv-<interview_id>
        legacy = p.read_text().replace("csv-team_a-", "csv-")
        p.unlink()
        (p.parent / f"legacy-{p.name}").write_text(legacy)
    again = import_files("csv", [tmp_path / "team_a.csv"], data, progress=False)
    assert _counts(again) == (0, 0, 3, 0, 0)
    assert [a["interview_id"] for a in again.already] == ["csv-1", "csv-2", "csv-3"]
    (tmp_path / "team_b.csv").write_text(SHEET_B)
    other = import_files("csv", [tmp_path / "team_b.csv"], data, progress=False)
    assert [i["interview_id"] for i in other.imported] == ["csv-team_b-1", "csv-team_b-2", "csv-team_b-3"]


def test_ats_ids_are_kept_and_source_name_is_refused_for_them(tmp_path, data):
    res = import_files("greenhouse", [_export(tmp_path, [_gh(1)], "Team A.json")], data, level="junior",
                       progress=False)
    assert [i["interview_id"] for i in res.imported] == ["gh-1"]
    out = run("import", "greenhouse", tmp_path / "Team A.json", "--data", data, "--source-name", "x")
    assert out.returncode == 2 and "drop --source-name" in out.stderr and "Traceback" not in out.stderr
    out = run("import", "csv", tmp_path / "Team A.json", "--data", data, "--source-name", "!!!")
    assert out.returncode == 2 and "has no letter or digit" in out.stderr


# --- properties -----------------------------------------------------------------------------------

@given(st.text(max_size=60))
def test_source_names_are_clean_stable_and_never_empty(text):
    try:
        name = source_name_of(text)
    except ImportSetupError:
        assert not re.search(r"[A-Za-z0-9]", text.encode("ascii", "ignore").decode())
        return
    assert re.fullmatch(r"[a-z0-9]([a-z0-9_-]{0,38}[a-z0-9])?", name)
    assert source_name_of(name) == name


_notes = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp")) | st.sampled_from(",\"\n "),
                 max_size=12)
_SETTINGS = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@_SETTINGS
@given(scores=st.lists(st.integers(1, 4), min_size=3, max_size=3), flags=st.lists(st.booleans(), min_size=3, max_size=3),
       notes=st.lists(_notes, min_size=3, max_size=3),
       rec=st.sampled_from(["strong_no", "no", "yes", "strong_yes"]), order=st.permutations([0, 1, 2]))
def test_what_the_store_writes_reads_back_as_the_version_compared(scores, flags, notes, rec, order, tmp_path_factory):
    """The two sides of the comparison agree: an interview saved by the store and read back from its
    file is the version of the rows that were saved, in any row order; any single change differs."""
    folder = tmp_path_factory.mktemp("d")
    rows = interview_rows("INT-1", scores=scores, red_flags=flags, notes=notes, recommendation=rec)
    try:
        path = save_interview(pd.DataFrame(rows), _folder(folder))
    except ScorecardError:
        assume(False)
    stored = stored_versions(path)["INT-1"]
    assert stored == version_of([rows[i] for i in order])
    assert differences(stored, version_of(rows)) == []
    changed = [dict(r) for r in rows]
    changed[0]["score"] = scores[0] % 4 + 1
    assert differences(stored, version_of(changed)) == [f"jr-compute-options score {scores[0]} -> {scores[0] % 4 + 1}"]


def _folder(folder: Path) -> Path:
    (folder / "scores").mkdir(exist_ok=True)
    if not (folder / "questions.csv").exists():
        (folder / "questions.csv").write_bytes((REAL_DATA / "questions.csv").read_bytes())
    return folder


_rating = st.sampled_from(["definitely_not", "no", "yes", "strong_yes"])
_record = st.builds(lambda i, r1, r2, o, d: _gh(i, overall_recommendation=o, interviewed_at=d,
                                                attributes=[{"name": "jr-s3-basics", "rating": r1},
                                                            {"name": "jr-iam-basics", "rating": r2}]),
                    st.integers(1, 4), _rating, _rating, _rating,
                    st.sampled_from(["2026-03-02T10:00:00Z", "2025-06-01T10:00:00Z"]))


@_SETTINGS
@given(batches=st.lists(st.lists(_record, max_size=5), min_size=1, max_size=3), update=st.booleans())
def test_repeated_imports_account_for_every_record_and_update_keeps_the_latest(batches, update, tmp_path_factory):
    folder = _folder(tmp_path_factory.mktemp("d"))
    latest: dict[str, tuple] = {}
    n_updated = 0
    for n, batch in enumerate(batches):
        path = folder / f"week{n}.json"
        path.write_text(json.dumps(batch))
        res = import_files("greenhouse", [path], folder, level="junior", progress=False, update=update)
        assert res.n_records == len(batch) == sum(_counts(res))
        assert res.ok == (not res.skipped and not res.conflicts)
        n_updated += len(res.updated)
        firsts = {}
        for rec in batch:
            firsts.setdefault(rec["id"], rec)
        for i, rec in firsts.items():
            if f"gh-{i}" not in latest or update:
                latest[f"gh-{i}"] = (rec["overall_recommendation"], rec["interviewed_at"][:10])
    wb = load(folder, cache=False)
    assert wb.problems == []
    got = wb.scores.groupby("interview_id", observed=True).agg(rec=("recommendation", "first"), date=("date", "first"))
    gh = {"definitely_not": "strong_no", "no": "no", "yes": "yes", "strong_yes": "strong_yes"}
    assert {i: (r.rec, str(r.date.date())) for i, r in got.iterrows()} == {
        i: (gh[o], d) for i, (o, d) in latest.items()}
    assert len(list((folder / "history").rglob("*.csv"))) == n_updated  # each replaced version kept once
