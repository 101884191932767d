"""Practice interviews are set aside everywhere (issue 24).

A practice interview is a scorecard whose optional ``practice`` column is true. The loader sets it
aside (``Workbook.practice``); ``wb.scores`` never holds one, so no surface counts it. Each surface
test below builds the same generated history twice, once plus two practice interviews chosen to
move every number if they were counted (an existing candidate scored all 1 with red flags by a new
interviewer, on a date after the history; a new candidate scored all 4), and asserts the outputs
are identical. On the code before this change the column was ignored, the practice interviews were
counted, and every one of these tests fails.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.errors import UsageError
from analysis.io.demo_folder import write_history
from analysis.io.load import load
from analysis.io.practice import list_practice, remove_practice
from analysis.stats.demo import generate
from conftest import HEADER, JUNIOR_QUESTIONS, csv_text, interview_rows

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

PRACTICE_HEADER = HEADER + ("practice",)


def _practice_rows(interview_id, *, value="true", **kw):
    return [dict(r, practice=value) for r in interview_rows(interview_id, **kw)]


def _write(folder, rel, rows, header=PRACTICE_HEADER):
    path = folder / "scores" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(csv_text(rows, header), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ the loader

def test_practice_interview_is_set_aside_and_counted_in_the_summary(data, write_card):
    write_card("2026/real.csv", interview_rows("REAL-1", candidate="C1"))
    write_card("2026/old.csv", interview_rows("OLD-1", candidate="C2"))  # an older file: no column, real
    _write(data, "2026/prac.csv", _practice_rows("PRAC-1", candidate="C9", scores=(1, 1, 1), interviewer="Trainee"))
    wb = load(data, progress=False)
    assert set(wb.scores["interview_id"]) == {"REAL-1", "OLD-1"}
    # no trace in the frame every surface reads: not even an empty category of a chart's axis
    assert "Trainee" not in list(wb.scores["interviewer"].cat.categories)
    assert "scores/2026/prac.csv" not in list(wb.scores["file"].cat.categories)
    assert set(wb.practice["interview_id"]) == {"PRAC-1"} and list(wb.practice.columns) == list(wb.scores.columns)
    assert wb.problems == [] and wb.files == 3
    # every row accounted for: 3 files x 3 rows = real + practice
    assert wb.rows_read == len(wb.scores) + len(wb.practice) == 9
    assert wb.summary() == "loaded 6 rows from 2 interviews in 3 files; 0 problems; 1 practice interview set aside"


def test_summary_unchanged_without_practice(data, write_card):
    write_card("2026/real.csv", interview_rows("REAL-1"))
    _write(data, "2026/f.csv", _practice_rows("REAL-2", value="false", candidate="C2"))
    _write(data, "2026/b.csv", _practice_rows("REAL-3", value="", candidate="C3"))
    wb = load(data, progress=False)
    assert wb.summary() == "loaded 9 rows from 3 interviews in 3 files; 0 problems"
    assert wb.practice.empty and wb.n_practice == 0


@pytest.mark.parametrize("value", ["true", "TRUE", " yes ", "1", "Yes"])
def test_every_true_word_means_practice(data, value):
    _write(data, "2026/p.csv", _practice_rows("P", value=value))
    wb = load(data, progress=False)
    assert wb.scores.empty and wb.n_practice == 1 and wb.problems == []


def test_a_bad_practice_value_is_named_with_file_line_and_column(data):
    rows = _practice_rows("P")
    rows[1]["practice"] = "maybe"
    _write(data, "2026/p.csv", rows)
    wb = load(data, progress=False)
    assert wb.scores.empty and wb.practice.empty
    bad = [p for p in wb.problems if p.column == "practice" and "expected true" in p.message]
    assert [(p.path, p.line) for p in bad] == [("scores/2026/p.csv", 3)]
    assert "'maybe'" in bad[0].message and "true for a practice interview" in bad[0].message
    assert any("not loaded" in p.message for p in wb.problems)  # the whole interview is held back


def test_an_interview_practice_on_some_rows_only_is_held_back(data):
    rows = _practice_rows("P")
    rows[2]["practice"] = ""   # true on lines 2-3, empty (real) on line 4
    _write(data, "2026/p.csv", rows)
    wb = load(data, progress=False)
    assert wb.scores.empty and wb.practice.empty
    mixed = [p for p in wb.problems if p.column == "practice"]
    assert [p.line for p in mixed] == [4] and "expected the same practice on every row" in mixed[0].message


def test_agreeing_words_are_one_value(data):
    rows = _practice_rows("P")
    rows[0]["practice"], rows[1]["practice"], rows[2]["practice"] = "true", "YES", "1"
    rows2 = _practice_rows("R", candidate="C2")
    rows2[0]["practice"], rows2[1]["practice"], rows2[2]["practice"] = "", "false", "No"
    _write(data, "2026/p.csv", rows + rows2)
    wb = load(data, progress=False)
    assert wb.problems == [] and set(wb.practice["interview_id"]) == {"P"} and set(wb.scores["interview_id"]) == {"R"}


def test_the_parse_cache_keeps_practice_set_aside_and_sees_an_edit(data, write_card):
    import os
    import time
    write_card("2026/real.csv", interview_rows("REAL-1"))
    p = _write(data, "2026/p.csv", _practice_rows("P", candidate="C2"))
    old = time.time() - 60  # older than the racily-clean window, so the cache serves them
    for f in (data / "scores/2026/real.csv", p):
        os.utime(f, (old, old))
    cold = load(data, progress=False)
    assert (data / ".cache" / "scorecards.arrow").is_file()
    warm = load(data, progress=False)
    for wb in (cold, warm):
        assert set(wb.scores["interview_id"]) == {"REAL-1"} and set(wb.practice["interview_id"]) == {"P"}
    pd.testing.assert_frame_equal(cold.practice, warm.practice)
    # the same file turned into a real interview: the cache must not serve the old rows
    _write(data, "2026/p.csv", _practice_rows("P", candidate="C2", value="false"))
    again = load(data, progress=False)
    assert set(again.scores["interview_id"]) == {"REAL-1", "P"} and again.practice.empty


def test_both_engines_set_practice_aside_alike(data, write_card):
    write_card("2026/real.csv", interview_rows("REAL-1"))
    _write(data, "2026/p.csv", _practice_rows("P", candidate="C2"))
    a = load(data, cache=False, progress=False)
    b = load(data, cache=False, progress=False, engine="records")
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.practice, b.practice)


def test_a_bulk_file_with_a_practice_interview_inside(data, bank):
    """Over 64 KiB: the columnar engine's bulk path reads the column too."""
    h = generate(250, seed=3, questions=bank).scores
    h["red_flag"] = np.where(h["red_flag"], "true", "false")
    h["practice"] = np.where(h["interview_id"] == h["interview_id"].iloc[0], "true", "")
    text = h.to_csv(index=False)
    assert len(text.encode()) > 1 << 16
    (data / "scores" / "bulk.csv").write_text(text)
    wb = load(data, progress=False)
    assert wb.problems == [] and wb.n_practice == 1
    assert set(wb.practice["interview_id"]) == {h["interview_id"].iloc[0]}
    assert h["interview_id"].iloc[0] not in set(wb.scores["interview_id"])
    assert len(wb.scores) + len(wb.practice) == len(h) == wb.rows_read


def test_a_practice_interview_under_a_near_duplicate_name_holds_back_no_real_one(data, write_card):
    """Without a roster, two spellings of one name hold back the rarer one. A practice interview's
    spelling is judged among practice interviews only, so it can never tip that choice."""
    write_card("2026/a.csv", interview_rows("A", interviewer="Avery"))
    for i in range(3):
        _write(data, f"2026/p{i}.csv", _practice_rows(f"P{i}", interviewer="avery", candidate=f"C{i + 5}"))
    wb = load(data, progress=False)
    assert set(wb.scores["interview_id"]) == {"A"} and wb.n_practice == 3 and wb.problems == []


_values = st.sampled_from(["", "true", "false", "TRUE", " yes ", "no", "1", "0", "maybe", "y", "t\u200b"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True)
@given(st.lists(st.tuples(st.booleans(), st.lists(_values, min_size=3, max_size=3)), min_size=1, max_size=5))
def test_every_row_is_real_practice_or_a_problem(data, interviews):
    """Property: over any mix of practice values (with and without the column), every row is in
    ``scores``, in ``practice`` or named in a problem, never two of them; a loaded interview is in
    ``practice`` exactly when its rows all read true."""
    shutil.rmtree(data / "scores")
    (data / "scores").mkdir()
    truth = {}
    for i, (with_column, values) in enumerate(interviews):
        rows = interview_rows(f"I{i}", candidate=f"C{i}")
        if with_column:
            rows = [dict(r, practice=v) for r, v in zip(rows, values)]
        _write(data, f"2026/{i}.csv", rows, PRACTICE_HEADER if with_column else HEADER)
        words = [v.strip().lower() for v in values] if with_column else ["", "", ""]
        ok = all(w in ("", "true", "false", "yes", "no", "1", "0") for w in words)
        flags = {w in ("true", "yes", "1") for w in words}
        truth[f"I{i}"] = None if not ok or len(flags) > 1 else flags.pop()
    wb = load(data, cache=False, progress=False)
    real, prac = set(wb.scores["interview_id"]), set(wb.practice["interview_id"])
    assert not real & prac
    for iid, expect in truth.items():
        named = any(iid in p.message for p in wb.problems)
        assert (iid in real) == (expect is False) and (iid in prac) == (expect is True) and named == (expect is None)
    assert wb.rows_read == len(wb.scores) + len(wb.practice) + 3 * sum(v is None for v in truth.values())


# ------------------------------------------------------------------------------ list and remove

def test_list_shows_practice_interviews_only(data, write_card):
    write_card("2026/real.csv", interview_rows("REAL-1"))
    _write(data, "2026/p.csv", _practice_rows("P", candidate="C2", interviewer="Harper", date="2026-03-04"))
    t = list_practice(data)
    assert t.to_dict("records") == [{"interview_id": "P", "date": "2026-03-04", "candidate_id": "C2", "level": "junior",
                                     "interviewer": "Harper", "questions": 3, "file": "scores/2026/p.csv"}]
    assert not (data / ".cache").exists()  # listing never writes into the data folder


def test_remove_moves_the_file_aside_and_never_overwrites(data, write_card):
    write_card("2026/real.csv", interview_rows("REAL-1"))
    body = csv_text(_practice_rows("P", candidate="C2"), PRACTICE_HEADER)
    src = _write(data, "2026/p.csv", _practice_rows("P", candidate="C2"))
    taken = data / "removed" / "scores" / "2026" / "p.csv"
    taken.parent.mkdir(parents=True)
    taken.write_text("an earlier removed file")
    frm, to = remove_practice(" P ", data)
    assert frm == src and not src.exists()
    assert to == taken.with_name("p-2.csv") and to.read_text() == body
    assert taken.read_text() == "an earlier removed file"
    wb = load(data, progress=False)
    assert wb.n_practice == 0 and set(wb.scores["interview_id"]) == {"REAL-1"} and wb.problems == []


def test_remove_refuses_a_real_interview_an_unknown_id_and_a_shared_file(data, write_card):
    real = write_card("2026/real.csv", interview_rows("REAL-1"))
    shared = _write(data, "2026/both.csv", _practice_rows("P", candidate="C2")
                    + _practice_rows("R", candidate="C3", value="false"))
    before = {p: p.read_bytes() for p in (real, shared)}
    with pytest.raises(UsageError, match="is a real interview"):
        remove_practice("REAL-1", data)
    with pytest.raises(UsageError, match="practice list"):
        remove_practice("NOPE", data)
    with pytest.raises(UsageError, match="holds 1 other interview.*'R'.*nothing was moved"):
        remove_practice("P", data)
    assert {p: p.read_bytes() for p in before} == before and not (data / "removed").exists()


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], capture_output=True, text=True,
                          cwd=str(__import__("conftest").REPO_DIR))


def test_cli_lists_and_removes(data, write_card):
    write_card("2026/real.csv", interview_rows("REAL-1"))
    _write(data, "2026/p.csv", _practice_rows("P\x1b[31m", candidate="C2"))
    r = _cli("practice", "list", "--data", data)
    assert r.returncode == 0 and "scores/2026/p.csv" in r.stdout and "\x1b" not in r.stdout
    assert "1 practice interview (set aside" in r.stdout and "practice remove ID" in r.stdout
    r = _cli("practice", "remove", "--data", data)
    assert r.returncode == 2 and "needs the interview id" in r.stderr
    r = _cli("practice", "remove", "P\x1b[31m", "--data", data)
    assert r.returncode == 0 and "nothing was deleted" in r.stdout, r.stderr
    assert (data / "removed" / "scores" / "2026" / "p.csv").is_file()
    r = _cli("practice", "list", "--data", data)
    assert r.returncode == 0 and r.stdout.strip() == "0 practice interviews (set aside: no report, brief or statistic counts them)"


# ------------------------------------------------------------------------------ every surface

@pytest.fixture(scope="module")
def twins(tmp_path_factory, bank):
    """The same generated history twice (``plain`` and ``with_practice``), the second with two
    practice interviews that would move every number if counted."""
    root = tmp_path_factory.mktemp("practice")
    h = generate(160, seed=7, questions=bank, groups=True)
    plain = write_history(h, root / "a" / "data")
    with_practice = root / "b" / "data"
    shutil.copytree(plain, with_practice)
    s = h.scores
    first = s.iloc[0]
    kit = s.loc[s["interview_id"] == first["interview_id"], "question_id"].tolist()
    last = pd.Timestamp(s["date"].max()) + pd.Timedelta(days=40)
    harsh = _practice_rows("PRACTICE-HARSH", date=last.strftime("%Y-%m-%d"), candidate=first["candidate_id"],
                           level=str(first["level"]), interviewer="Trainee Tess", questions=kit,
                           scores=(1,) * len(kit), red_flags=(True,) * len(kit), recommendation="strong_no")
    soft = _practice_rows("PRACTICE-NEW", date=str(first["date"])[:10], candidate="CPRACTICE",
                          level=str(first["level"]), interviewer=str(first["interviewer"]), questions=kit,
                          scores=(4,) * len(kit), recommendation="strong_yes")
    _write(with_practice, f"{last.year}/practice-harsh.csv", harsh)
    _write(with_practice, "practice/new.csv", soft)
    a, b = load(plain, progress=False), load(with_practice, progress=False)
    assert b.n_practice == 2 and a.problems == b.problems == []
    return {"plain": plain, "with_practice": with_practice, "a": a, "b": b, "candidate": str(first["candidate_id"])}


def _csvs(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


def test_report_tables_and_brief_ignore_practice(twins, tmp_path):
    from analysis.reports.report import build_report
    outs = {}
    for k in ("plain", "with_practice"):
        outs[k] = tmp_path / k
        build_report(twins[k], out=outs[k], formats=("csv",), n_boot=40, min_n=10, progress=False)
    a, b = _csvs(outs["plain"]), _csvs(outs["with_practice"])
    assert len(a) >= 5 and a == b
    brief_a, brief_b = ((outs[k] / "brief.md").read_text() for k in ("plain", "with_practice"))
    assert "Trainee Tess" not in brief_b and brief_a == brief_b


def test_irt_ignores_practice(twins, tmp_path):
    from analysis.reports.irt import write_irt
    for k in ("plain", "with_practice"):
        write_irt(twins[k], out=tmp_path / k, formats=("csv",), progress=False)
    a, b = _csvs(tmp_path / "plain"), _csvs(tmp_path / "with_practice")
    assert "irt_items.csv" in a and a == b
    assert b"Trainee Tess" not in b["irt_interviewers.csv"]


def test_fairness_ignores_practice(twins, tmp_path):
    from analysis.reports.fairness import fairness_report
    probs = {}
    for k in ("plain", "with_practice"):
        _, probs[k] = fairness_report(twins[k], out=tmp_path / k, formats=("csv",), progress=False)
    assert _csvs(tmp_path / "plain") == _csvs(tmp_path / "with_practice")
    assert probs["plain"] == probs["with_practice"]


def test_debrief_ignores_practice(twins):
    from analysis.reports.debrief import debrief_html
    from analysis.stats.debrief import debrief
    cid = twins["candidate"]
    da, db = debrief(twins["a"], cid), debrief(twins["b"], cid)
    assert "PRACTICE-HARSH" not in set(db.interviews["interview_id"])
    pd.testing.assert_frame_equal(da.answers, db.answers)
    assert debrief_html(da) == debrief_html(db)
    with pytest.raises(Exception) as a_err:
        debrief(twins["a"], "CPRACTICE")
    with pytest.raises(Exception) as b_err:  # a candidate seen only in practice is unknown, as before
        debrief(twins["b"], "CPRACTICE")
    # the message names the data folder (how to list its ids): the two folders differ, nothing else may
    said = [str(e.value).replace(str(wb.data), "<data>") for e, wb in ((a_err, twins["a"]), (b_err, twins["b"]))]
    assert type(a_err.value) is type(b_err.value) and said[0] == said[1]


def test_explorer_ignores_practice(twins):
    from analysis.widgets.explorer import CalibrationExplorer
    ea = CalibrationExplorer(twins["plain"], n_boot=30)
    eb = CalibrationExplorer(twins["with_practice"], n_boot=30)
    assert ea.last_error is None and eb.last_error is None
    assert ea.status == eb.status
    ta, tb = ea.calibration.tables(), eb.calibration.tables()
    assert ta.keys() == tb.keys()
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name])
