"""Drafts of unfinished interviews: atomic JSON beside scores/, listed, resumed, removed, never read
as scorecards."""

from __future__ import annotations

import json

import pytest

from analysis import config
from analysis.io.drafts import (DRAFT_COLUMNS, draft_path, list_drafts, load_draft, new_draft_id, remove_draft,
                             save_draft)
from analysis.errors import WorkbookError
from analysis.io.load import load


def _state(draft_id="abc123", **extra):
    state = {"draft_id": draft_id, "candidate_id": "C7", "level": "mid", "interviewer": "Avery",
             "date": "2026-03-02", "kit": ["mid-caching", "mid-decoupling", "sr-egress-cost"],
             "answers": {"mid-caching": {"score": 3, "red_flag": False, "notes": "ok", "duration_seconds": 12.5},
                         "mid-decoupling": {"score": None, "red_flag": True, "notes": "", "duration_seconds": 0}},
             "current": 1, "started": True, "recommendation": None}
    state.update(extra)
    return state


def test_save_and_load_round_trip(data):
    path = save_draft(_state(), data)
    assert path.parent == config.drafts_dir(data)
    assert path.suffix == ".json"
    back = load_draft("abc123", data)
    for key, value in _state().items():
        assert back[key] == value
    assert back["version"] == 1 and back["updated"]
    # written atomically: no temporary file is left beside it
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_saving_again_replaces_the_draft(data):
    save_draft(_state(), data)
    save_draft(_state(current=2, recommendation="yes"), data)
    assert len(list(config.drafts_dir(data).iterdir())) == 1
    back = load_draft("abc123", data)
    assert back["current"] == 2 and back["recommendation"] == "yes"


def test_list_drafts_counts_answers_and_lists_damaged_ones(data):
    save_draft(_state("one"), data)
    save_draft(_state("two", kit=["mid-caching"], candidate_id="C8"), data)
    (config.drafts_dir(data) / "broken.json").write_text("{not json", encoding="utf-8")
    (config.drafts_dir(data) / ".x.json.abc.part").write_text("partial", encoding="utf-8")
    drafts = list_drafts(data)
    assert tuple(drafts.columns) == DRAFT_COLUMNS
    assert len(drafts) == 3  # the hidden temporary file is not a draft
    ok = drafts[drafts["problem"] == ""].set_index("draft_id")
    # "one": 3 questions, one of them scored (mid-caching); "two": its only question scored
    assert ok.loc["one", ["answered", "questions"]].tolist() == [1, 3]
    assert ok.loc["two", ["answered", "questions", "candidate_id"]].tolist() == [1, 1, "C8"]
    broken = drafts[drafts["problem"] != ""]
    assert broken["draft_id"].tolist() == ["broken"]
    assert "broken.json" in broken["problem"].iloc[0] and "unreadable draft" in broken["problem"].iloc[0]


def test_list_drafts_of_a_folder_without_drafts_is_empty(data):
    drafts = list_drafts(data)
    assert drafts.empty and tuple(drafts.columns) == DRAFT_COLUMNS
    assert not config.drafts_dir(data).exists()  # listing creates nothing


def test_remove_draft(data):
    save_draft(_state(), data)
    assert remove_draft("abc123", data) is True
    assert remove_draft("abc123", data) is False
    assert list_drafts(data).empty
    with pytest.raises(WorkbookError, match="no such draft"):
        load_draft("abc123", data)


@pytest.mark.parametrize("evil", ["../../scores/2026/x", "/etc/passwd", "..", "a\\..\\b", "CON", "x" * 500])
def test_draft_file_names_stay_in_the_drafts_folder(data, evil):
    path = draft_path(evil, data)
    assert path.parent == config.drafts_dir(data)
    saved = save_draft(_state(evil), data)
    assert saved.resolve().parent == config.drafts_dir(data).resolve()
    assert load_draft(evil, data)["draft_id"] == evil


def test_drafts_are_never_read_as_scorecards(data):
    # drafts live in data/drafts, beside scores/: the loader reads none of them
    save_draft(_state(), data)
    wb = load(data, cache=False, progress=False)
    assert wb.files == 0 and wb.scores.empty and wb.problems == []


def test_a_draft_of_another_version_is_refused_with_its_file(data):
    path = save_draft(_state(), data)
    body = json.loads(path.read_text())
    body["version"] = 99
    path.write_text(json.dumps(body))
    with pytest.raises(WorkbookError, match=r"version 99, expected 1"):
        load_draft("abc123", data)


def test_new_draft_ids_are_distinct():
    ids = {new_draft_id() for _ in range(200)}
    assert len(ids) == 200 and all(len(i) == 12 for i in ids)


def test_state_without_id_is_refused(data):
    with pytest.raises(WorkbookError, match="draft_id"):
        save_draft({"candidate_id": "C1"}, data)


# ------------------------------------------------------------------ issue 10: drafts safe to share

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis._text import clean_text
from analysis.io.drafts import DraftTakenError, claim_draft, draft_problem


def _write_raw(data, name, obj):
    config.drafts_dir(data).mkdir(exist_ok=True)
    draft_path(name, data).write_text(json.dumps(obj), encoding="utf-8")


@pytest.mark.parametrize("change, reason", [
    ({"answers": ["mid-caching"]}, "'answers' is list"),
    ({"answers": {"mid-caching": 3}}, "expected a mapping"),
    ({"answers": {"mid-caching": {"score": "3"}}}, "score '3'"),
    ({"answers": {"mid-caching": {"score": 7}}}, "score 7"),
    ({"answers": {"mid-caching": {"score": None, "duration_seconds": -1}}}, "duration_seconds -1"),
    ({"kit": "mid-caching"}, "'kit' must be a list"),
    ({"current": "two"}, "'current'"),
    ({"date": "2026-02-30"}, "'date'"),
    ({"level": "chief"}, "'level'"),
    ({"interviewer": ["Avery"]}, "'interviewer' is list"),
    ({"recommendation": "maybe"}, "'recommendation'"),
])
def test_a_malformed_draft_is_listed_with_a_reason_never_raised(data, change, reason):
    """Issue 10: a draft whose answers is a list made list_drafts() (and so the form) raise."""
    _write_raw(data, "bad", dict(_state("bad"), version=1, **change))
    save_draft(_state("good"), data)
    drafts = list_drafts(data).set_index("draft_id")
    assert drafts.loc["good", "problem"] == ""
    assert reason in drafts.loc["bad", "problem"] and "damaged draft" in drafts.loc["bad", "problem"]
    with pytest.raises(WorkbookError, match="damaged draft"):
        load_draft("bad", data)


def test_a_draft_whose_id_does_not_match_its_file_is_listed_as_damaged(data):
    """Found by the property below: a draft file named for "x" that says draft_id "0" was listed as
    readable under "0", and resuming "0" then failed (no such file)."""
    _write_raw(data, "x", dict(_state("x"), version=1, draft_id="0"))
    (row,) = list_drafts(data).to_dict("records")
    assert "does not match the file name" in row["problem"] and row["draft_id"] != "0"
    with pytest.raises(WorkbookError, match="does not match"):
        load_draft("x", data)


_json = st.recursive(st.none() | st.booleans() | st.integers(-5, 10) | st.floats(allow_nan=False) | st.text(max_size=5),
                     lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
                     max_leaves=12)
_keys = st.sampled_from(["draft_id", "kit", "answers", "current", "started", "level", "date", "interviewer",
                         "recommendation", "candidate_id", "version"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(overrides=st.dictionaries(_keys, _json, max_size=4))
def test_property_any_json_draft_is_listed_or_reported_never_raises(data, overrides):
    _write_raw(data, "x", {**_state("x"), "version": 1, **overrides})
    drafts = list_drafts(data)
    assert len(drafts) == 1
    (row,) = drafts.to_dict("records")
    if row["problem"] == "":  # readable: then the form's view of it works
        st_ = load_draft(row["draft_id"], data)
        assert draft_problem(st_) == ""
        assert 0 <= row["answered"] <= row["questions"] or row["questions"] == 0


def test_a_lone_surrogate_is_replaced_so_autosave_keeps_working(data):
    """Issue 10: a lone surrogate in notes made every later autosave fail (UnicodeEncodeError)."""
    state = _state(answers={"mid-caching": {"score": 3, "red_flag": False, "notes": "half \ud83d emoji",
                                            "duration_seconds": 1.0}})
    save_draft(state, data)
    assert load_draft("abc123", data)["answers"]["mid-caching"]["notes"] == "half \ufffd emoji"
    assert clean_text("ok \U0001F600") == "ok \U0001F600"  # a whole emoji is kept
    save_draft(_state(), data)  # and the next autosave works


def test_a_claimed_draft_refuses_its_old_owner(data):
    """Issue 10: two tabs resuming one draft overwrote each other. The tab that resumes claims it;
    the other tab's next autosave is refused (and its form tells the interviewer)."""
    save_draft(_state(), data, owner="tab-1")
    save_draft(_state(current=2), data, owner="tab-1")  # its own draft: fine
    state, previous = claim_draft("abc123", data, owner="tab-2")
    assert previous == "tab-1" and state["current"] == 2
    with pytest.raises(DraftTakenError, match="taken over"):
        save_draft(_state(current=0), data, owner="tab-1")
    assert load_draft("abc123", data)["current"] == 2  # tab-1 did not overwrite tab-2's draft
    save_draft(_state(current=1), data, owner="tab-2")
    assert load_draft("abc123", data)["owner"] == "tab-2"


def test_drafts_are_listed_per_interviewer(data):
    """Issue 10: several interviewers on one data folder saw each other's drafts."""
    save_draft(_state("a", interviewer="Avery"), data)
    save_draft(_state("b", interviewer="Blake"), data)
    save_draft(_state("c", interviewer=" avery "), data)
    save_draft(_state("n", interviewer=""), data)
    assert sorted(list_drafts(data, interviewer="Avery")["draft_id"]) == ["a", "c", "n"]
    assert sorted(list_drafts(data, interviewer="Blake")["draft_id"]) == ["b", "n"]
    assert sorted(list_drafts(data)["draft_id"]) == ["a", "b", "c", "n"]
