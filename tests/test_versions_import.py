"""Importing into a versioned bank (issue 25): the importers read every version, retired ones included.

The folder is the one of tests/test_versions_load.py: the shipped bank with ``jr-s3-basics``
rewritten (version 2, introduced 2026-01-01, its text with " (Name one thing it is not.)" added) and
``jr-iam-basics`` retired on 2025-06-01. What an attribute name says about the version:

* a version's text, or its label (``jr-s3-basics v1``): that version, written explicitly, whatever
  the date (an old export carries the old wording); a version introduced after the interview's date
  is refused (``invalid``);
* the stable id: no version; the store writes the one in force on the interview's date;
* a retired question (id or text): imported; dated after its retirement, ``check`` warns.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.io.bank import load_questions
from analysis.io.import_setup import ImportSetupError, load_mapping
from analysis.io.importing import import_files
from analysis.io.load import load
from analysis.io.suggest_map import suggest_mapping
from test_versions_load import PLAIN, RETIRE_DAY, RETIRED, REWRITE_DAY, REWRITTEN, _folder


def _texts(folder: Path) -> dict[tuple[str, int], str]:
    bank = load_questions(folder, versions="all")
    return {(q, int(v)): t for q, v, t in zip(bank["question_id"], bank["version"], bank["question"])}


@pytest.fixture
def vdata(tmp_path):
    return _folder(tmp_path)


def _gh(i, date, attrs, recommendation="yes"):
    """A Greenhouse scorecard: ``attrs`` are (attribute name, rating) pairs."""
    return {"id": i, "candidate_id": 500 + i, "interviewed_at": f"{date}T16:00:00Z",
            "interviewer": {"id": 2, "name": "Robert Robertson"}, "overall_recommendation": recommendation,
            "attributes": [{"name": n, "rating": r, "note": None} for n, r in attrs], "questions": []}


def _import(folder: Path, records, **kw):
    path = folder.parent / "export.json"
    path.write_text(json.dumps(records))
    return import_files("greenhouse", [path], folder, level="junior", progress=False, **kw)


def _versions(folder: Path) -> dict[tuple[str, str], tuple[str, int]]:
    """(interview id, stable id) -> (item id, question_version) of every loaded row."""
    wb = load(folder, cache=False, progress=False)
    assert wb.problems == []
    base = wb.questions.set_index("question_id")["base_id"]
    return {(iid, base[str(q)]): (str(q), int(v)) for iid, q, v in
            zip(wb.scores["interview_id"], wb.scores["question_id"], wb.scores["question_version"])}


# --- examples -------------------------------------------------------------------------------------

def test_the_text_of_a_version_is_that_version_and_the_id_is_the_version_in_force(vdata):
    t = _texts(vdata)
    after = "2026-03-02"  # after the rewrite
    res = _import(vdata, [
        _gh(1, after, [(t[(REWRITTEN, 1)], "yes"), (PLAIN, "no")]),       # old wording after the rewrite: v1
        _gh(2, after, [(t[(REWRITTEN, 2)].upper(), "yes")]),               # new wording: v2
        _gh(3, after, [(REWRITTEN, "yes")]),                               # the id: in force on the date, v2
        _gh(4, "2025-12-31", [(REWRITTEN, "yes")]),                        # the id before the rewrite: v1
        _gh(5, after, [(f"{REWRITTEN} v1", "no")]),                        # a version label
    ])
    assert res.ok and len(res.imported) == 5, res.lines()
    got = _versions(vdata)
    assert got[("gh-1", REWRITTEN)] == (f"{REWRITTEN} v1", 1)
    assert got[("gh-1", PLAIN)] == (PLAIN, 1)
    assert got[("gh-2", REWRITTEN)] == (f"{REWRITTEN} v2", 2)
    assert got[("gh-3", REWRITTEN)] == (f"{REWRITTEN} v2", 2)
    assert got[("gh-4", REWRITTEN)] == (f"{REWRITTEN} v1", 1)
    assert got[("gh-5", REWRITTEN)] == (f"{REWRITTEN} v1", 1)
    # the explicit version is written in the file (the store fills the others)
    text = next((vdata / "scores").rglob("*gh-1*.csv")).read_text()
    assert text.splitlines()[0].split(",")[6] == "question_version"
    again = _import(vdata, [_gh(1, after, [(t[(REWRITTEN, 1)], "yes"), (PLAIN, "no")])])
    assert len(again.already) == 1 and not again.imported


def test_a_version_introduced_after_the_interview_is_refused_with_the_reason(vdata):
    t = _texts(vdata)
    res = _import(vdata, [_gh(1, "2025-12-31", [(t[(REWRITTEN, 2)], "yes")]),
                          _gh(2, "2025-12-31", [(f"{REWRITTEN} v2", "yes")])])
    assert [s["reason"] for s in res.skipped] == ["invalid", "invalid"]
    assert f"version 2 of '{REWRITTEN}' was introduced {REWRITE_DAY}" in res.skipped[0]["message"]
    assert not list((vdata / "scores").rglob("*.csv"))


def test_a_retired_question_is_imported_and_late_history_is_a_warning_of_check(vdata):
    t = _texts(vdata)
    res = _import(vdata, [_gh(1, "2025-05-01", [(RETIRED, "yes"), (PLAIN, "no")]),   # before: quiet
                          _gh(2, "2025-07-01", [(t[(RETIRED, 1)], "no")])])           # after: a warning
    assert res.ok and len(res.imported) == 2, res.lines()
    got = _versions(vdata)
    assert got[("gh-1", RETIRED)] == (RETIRED, 1) and got[("gh-2", RETIRED)] == (RETIRED, 1)
    wb = load(vdata, cache=False, progress=False)
    assert [w.message.split(",")[0] for w in wb.warnings] == ["interview 'gh-2' is dated 2025-07-01"]
    assert f"after question '{RETIRED}' was retired ({RETIRE_DAY})" in wb.warnings[0].message


def test_the_mapping_may_name_a_version_and_is_checked_against_every_version(vdata, tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(f'[questions]\n"Old S3" = "{REWRITTEN} v1"\n"IAM" = "{RETIRED}"\n')
    res = _import(vdata, [_gh(1, "2026-03-02", [("Old S3", "yes"), ("IAM", "no")])], mapping=good)
    assert res.ok, res.lines()
    got = _versions(vdata)
    assert got[("gh-1", REWRITTEN)] == (f"{REWRITTEN} v1", 1) and got[("gh-1", RETIRED)] == (RETIRED, 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[questions]\n"Old S3" = "{REWRITTEN} v3"\n')
    with pytest.raises(ImportSetupError, match="not a question_id of the bank"):
        load_mapping("greenhouse", bad, load_questions(vdata, versions="all"))


def test_suggest_map_names_the_version_a_text_matches(vdata):
    t = _texts(vdata)
    path = vdata.parent / "export.json"
    path.write_text(json.dumps([_gh(1, "2026-03-02", [(t[(REWRITTEN, 1)], "yes"), (RETIRED, "no"), (PLAIN, "no")])]))
    text = suggest_mapping("greenhouse", [path], vdata)
    assert f"matches {REWRITTEN} (version 1) already" in text
    assert f"matches {RETIRED} already" in text and f"matches {PLAIN} already" in text


# --- the property: every record accounted for, every row the version its name says -----------------

_DATES = ["2025-05-01", "2025-07-01", "2025-12-31", REWRITE_DAY, "2026-03-02"]
#: attribute names by what they say: (kind, stable id, version or None)
_NAMES = [("text", REWRITTEN, 1), ("text", REWRITTEN, 2), ("label", REWRITTEN, 1), ("label", REWRITTEN, 2),
          ("id", REWRITTEN, None), ("id", RETIRED, None), ("text", RETIRED, 1), ("id", PLAIN, None),
          ("unknown", None, None)]
_record = st.fixed_dictionaries({
    "id": st.integers(1, 8),  # few ids: duplicates within the input
    "date": st.sampled_from(_DATES),
    "attrs": st.lists(st.tuples(st.sampled_from(range(len(_NAMES))), st.sampled_from(["yes", "no", "meh"])),
                      min_size=1, max_size=3),
})


def _name(k: int, texts) -> str:
    kind, q, v = _NAMES[k]
    return {"text": lambda: texts.get((q, v), ""), "label": lambda: f"{q} v{v}", "id": lambda: q,
            "unknown": lambda: "Culture fit"}[kind]()


def _expected_version(k: int, date: str) -> int:
    kind, q, v = _NAMES[k]
    if v is not None:
        return v
    return 2 if q == REWRITTEN and date >= REWRITE_DAY else 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(_record, min_size=1, max_size=6))
def test_every_record_is_imported_updated_already_held_back_or_skipped_and_rows_are_their_version(records):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(Path(tmp))
        texts = _texts(folder)
        export = [_gh(r["id"], r["date"], [(_name(k, texts), rating) for k, rating in r["attrs"]]) for r in records]
        res = _import(folder, export)
        outcomes = (res.imported, res.updated, res.already, res.conflicts, res.skipped)
        assert sum(map(len, outcomes)) == len(records) == res.n_records
        positions = [e["position"] for o in outcomes for e in o]
        assert sorted(positions) == sorted(set(positions))  # each record once
        assert all(s["reason"] and s["message"] for s in res.skipped)
        assert not [s for s in res.skipped if s["reason"] == "internal_error"], res.skipped
        got = _versions(folder)  # loads without a problem
        for entry in res.imported:
            rec = records[int(entry["position"].rsplit(" ", 1)[-1]) - 1]
            assert entry["interview_id"] == f"gh-{rec['id']}"
            for k, _ in rec["attrs"]:
                _, q, _ = _NAMES[k]
                if q is not None:  # every named bank question of an imported record is a row
                    assert got[(f"gh-{rec['id']}", q)][1] == _expected_version(k, rec["date"])
        # a record naming version 2 before it existed is never imported
        for entry in res.imported:
            rec = records[int(entry["position"].rsplit(" ", 1)[-1]) - 1]
            assert not any(_NAMES[k][2] == 2 and rec["date"] < REWRITE_DAY for k, _ in rec["attrs"])
        again = _import(folder, export)
        assert not again.imported and not again.updated and not again.conflicts
        assert len(again.already) + len(again.skipped) == len(records)
