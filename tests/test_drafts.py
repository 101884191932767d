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


# ------------------------------------------------------------------ issue 23: no draft file raises

from analysis.io.drafts import MAX_DRAFT_DEPTH

#: Text that may hold lone surrogates (hypothesis' own text never does): what a JSON ``\ud800``
#: escape, or a browser's half emoji, gives Python.
_text = st.lists(st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr)), max_size=6).map("".join)
_deep = st.integers(0, 3000).map(lambda d: {"deep": _nest(d)})
_any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _text,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(_text, kids, max_size=3), max_leaves=12)


def _nest(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def _dump(obj) -> str:
    """JSON text of ``obj`` even when it nests deeper than json.dumps can recurse (lists only)."""
    try:
        return json.dumps(obj)  # ensure_ascii: a lone surrogate becomes a \udXXX escape, as a browser's would
    except RecursionError:
        return "{}"


def _only_damaged_or_resumable(data, name="x") -> dict:
    """The contract for any draft file: list_drafts lists it (never raises), and load_draft gives a
    resumable, encodable state or a WorkbookError naming the file."""
    drafts = list_drafts(data)
    assert len(drafts) == 1
    (row,) = drafts.to_dict("records")
    for value in row.values():  # everything listed can be shown and stored
        str(value).encode("utf-8")
    try:
        state = load_draft(name, data)
    except WorkbookError as exc:
        assert row["problem"] and str(draft_path(name, data)) in str(exc)
        return row
    assert row["problem"] == "" and draft_problem(state) == ""
    json.dumps(state, ensure_ascii=False).encode("utf-8")
    return row


def test_a_lone_surrogate_in_candidate_id_without_interviewer_is_listed_and_resumes(data):
    """Issue 23: such a draft made list_drafts raise (UnicodeEncodeError building its table), so no
    InterviewForm could be built on the folder."""
    state = {k: v for k, v in _state("x").items() if k != "interviewer"}
    config.drafts_dir(data).mkdir()
    draft_path("x", data).write_text(json.dumps(dict(state, version=1, candidate_id="C\ud800")), encoding="utf-8")
    for who in (None, "Avery"):
        (row,) = list_drafts(data, interviewer=who).to_dict("records")
        assert (row["draft_id"], row["candidate_id"], row["problem"]) == ("x", "C\ufffd", "")
    assert load_draft("x", data)["candidate_id"] == "C\ufffd"


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(st.binary(max_size=300), _any_json.map(_dump).map(str.encode),
                      _deep.map(_dump).map(str.encode),
                      st.integers(0, 100_000).map(lambda d: ("[" * d + "]" * d).encode()),
                      st.integers(0, 5000).map(lambda d: ('{"draft_id": "x", "version": 1, "kit": ' + "[" * d
                                                          + "]" * d + "}").encode())))
def test_property_any_bytes_are_listed_never_raised(data, body):
    config.drafts_dir(data).mkdir(exist_ok=True)
    draft_path("x", data).write_bytes(body)
    _only_damaged_or_resumable(data)


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(overrides=st.dictionaries(st.sampled_from(["draft_id", "kit", "answers", "current", "started", "level", "date",
                                                  "interviewer", "candidate_id", "recommendation", "version",
                                                  "updated", "owner", "extra"]) | _text,
                                 _any_json | _deep, max_size=4),
       encoding=st.sampled_from(["escaped", "raw"]))
def test_property_any_json_incl_lone_surrogates_and_deep_nesting_is_listed_never_raised(data, overrides, encoding):
    obj = {**_state("x"), "version": 1, **overrides}
    text = _dump(obj) if encoding == "escaped" else json.dumps(obj, ensure_ascii=False) if _depth_ok(obj) else "{}"
    config.drafts_dir(data).mkdir(exist_ok=True)
    draft_path("x", data).write_bytes(text.encode("utf-8", "surrogatepass"))  # raw: not UTF-8 when it holds one
    _only_damaged_or_resumable(data)


def _depth_ok(obj) -> bool:
    try:
        json.dumps(obj)
        return True
    except RecursionError:
        return False


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(overrides=st.dictionaries(st.sampled_from(["candidate_id", "interviewer", "answers", "kit", "extra", "current"]),
                                 _any_json | _deep | st.just({1, 2}) | st.just({1: "a", "b": 2}), max_size=3))
def test_property_save_draft_saves_a_resumable_draft_or_says_why(data, overrides):
    """Issue 23: save_draft over a deeply nested draft raised RecursionError. Now it saves what
    load_draft resumes, or raises WorkbookError with a reason, never anything else."""
    try:
        path = save_draft(dict(_state("x"), **overrides), data)
    except WorkbookError as exc:
        assert "not saved" in str(exc)
        return
    assert path == draft_path("x", data)
    assert _only_damaged_or_resumable(data)["problem"] == ""


def test_a_deeply_nested_draft_is_refused_with_a_reason_not_a_recursion_error(data):
    with pytest.raises(WorkbookError, match=f"nests more than {MAX_DRAFT_DEPTH} levels deep"):
        save_draft(_state("x", extra=_nest(5000)), data)
    with pytest.raises(WorkbookError, match=f"nests more than {MAX_DRAFT_DEPTH} levels deep"):
        save_draft(_state("x", extra=_nest(5000)), data, owner="tab-1")
    assert not config.drafts_dir(data).exists() or not list(config.drafts_dir(data).glob("*.json"))


def test_files_that_are_not_drafts_are_listed_and_the_form_builds(data):
    """Whatever sits in drafts/ under a *.json name, the folder's forms build and list it."""
    import os

    from analysis.widgets.forms import InterviewForm

    folder = config.drafts_dir(data)
    folder.mkdir()
    draft_path("s", data).write_text(json.dumps(dict(_state("s"), version=1, candidate_id="\ud800",
                                                     interviewer=None)), encoding="utf-8")
    (folder / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    (folder / "raw.json").write_bytes('{"draft_id": "\ud83d"}'.encode("utf-8", "surrogatepass"))
    (folder / "folder.json").mkdir()
    os.mkfifo(folder / "pipe.json")  # reading it would block for ever
    (folder / "version.json").write_text(json.dumps(dict(_state("version"), version=True)))
    os.symlink(folder / "missing", folder / "dangling.json")
    with open(os.path.join(os.fsencode(folder), b"\xff\xfe.json"), "w") as fh:  # a name that is not UTF-8
        fh.write("{}")
    drafts = _within(20, lambda: list_drafts(data, interviewer="Avery"), unblock=folder / "pipe.json").set_index("path")
    assert len(drafts) == 8
    assert drafts.loc[str(draft_path("s", data)), "problem"] == ""
    assert (drafts.drop(str(draft_path("s", data)))["problem"] != "").all()
    form = InterviewForm(data, interviewer="Avery", interviewers=["Avery"])
    assert [value for _, value in form._resume_choice.options] == ["s"]  # the readable one is offered
    assert "7 draft(s) could not be read" in form._status.value


def _within(seconds, call, *, unblock):
    """``call()``'s result, failing (not hanging) when it takes over ``seconds``: then the pipe
    ``unblock`` is opened for writing and closed, so a reader stuck on it gets end-of-file."""
    import os
    import threading

    out = {}
    worker = threading.Thread(target=lambda: out.setdefault("value", call()), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        os.close(os.open(unblock, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(seconds)
        pytest.fail(f"list_drafts blocked on {unblock} for over {seconds} s")
    return out["value"]
