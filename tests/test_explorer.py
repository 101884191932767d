"""The calibration explorer (analysis/widgets/explorer.py), driven without a browser: set a control's
``.value``, then check the tables behind the charts, the charts drawn in their Output areas and
the status line."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.charts import calibration as charts
from analysis import config
from analysis.widgets import explorer as explorer_module
from analysis.stats import calibration as calibration_module
from analysis.stats.calibration import calibrate
from analysis.io.demo_folder import write_history
from analysis.stats.demo import generate
from analysis.widgets.explorer import CHART_BUILDERS, CHART_TITLES, CalibrationExplorer, figure_bundle, quarter_options
from analysis.io.load import load

PLOTLY = "application/vnd.plotly.v1+json"
SECRET = "secret-cand-"
HOSTILE = '<img src=x onerror="alert(1)"> & <script>alert(2)</script>'

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    h = generate(220, seed=5)
    ids = {c: f"{SECRET}{i:04d}" for i, c in enumerate(sorted(set(h.outcomes["candidate_id"]) | set(h.scores["candidate_id"])))}
    h.scores["candidate_id"] = h.scores["candidate_id"].map(ids)
    h.outcomes["candidate_id"] = h.outcomes["candidate_id"].map(ids)
    return write_history(h, tmp_path_factory.mktemp("explorer") / "data")


@pytest.fixture(scope="module")
def workbook(folder):
    return load(folder, progress=False)


@pytest.fixture
def explorer(workbook):
    return CalibrationExplorer(workbook=workbook, n_boot=30)


def _shown(ex, name):
    """The figure dict drawn in a chart's Output area (or None when the area is empty)."""
    outs = ex._outputs[name].outputs
    assert len(outs) <= 1                      # replaced, never appended
    return outs[0]["data"][PLOTLY] if outs else None


def _arr(v) -> np.ndarray:
    """An array from figure JSON: a list, or plotly's typed array ``{dtype, bdata, shape}``."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        shape = v.get("shape")
        return a.reshape([int(k) for k in str(shape).split(",")]) if shape else a
    return np.asarray(v)


def _open(ex, name):
    ex._tabs.selected_index = list(CHART_TITLES).index(name)


# ------------------------------------------------------------------------------ construction

def test_builds_from_a_data_folder_and_draws_the_open_tab(folder):
    ex = CalibrationExplorer(folder, n_boot=30)
    assert ex.last_error is None and ex.calibration is not None
    assert ex.selected_chart == "question_ranking"
    assert _shown(ex, "question_ranking") is not None
    assert all(_shown(ex, n) is None for n in CHART_TITLES if n != "question_ranking")  # drawn when opened
    n_iv = ex.workbook.scores["interview_id"].nunique()
    assert f"<b>{n_iv}</b> interviews" in ex.status
    assert "criterion <b>recommendation</b>" in ex.status and "level <b>all</b>" in ex.status


def test_builders_match_charts_figures(explorer):
    """The explorer builds each chart as analysis.charts.calibration.figures does."""
    expected = charts.figures(explorer.calibration)
    got = explorer.figures
    assert list(got) == list(CHART_TITLES) and set(CHART_BUILDERS) == set(expected)
    for name in expected:
        assert got[name].to_json() == expected[name].to_json(), name


def test_initial_values_from_arguments(workbook):
    ex = CalibrationExplorer(workbook=workbook, criterion="rest", level="mid", start="2024-02-10",
                             end="2025-05-01", min_n=12, n_boot=30)
    c = ex.choices
    assert c == {"criterion": "rest", "level": "mid", "start": pd.Timestamp("2024-01-01"),
                 "end": pd.Timestamp("2025-06-30"), "min_n": 12}      # widened to whole quarters
    assert ex.calibration.meta["level"] == "mid" and ex.calibration.criterion == "rest"


def test_quarter_options_span_without_gaps():
    opts = quarter_options(pd.Series(pd.to_datetime(["2024-11-03", "2023-12-31", "2025-01-02"])))
    assert [label for label, _ in opts] == ["2023 Q4", "2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4", "2025 Q1"]
    assert quarter_options(pd.Series([], dtype="datetime64[ns]")) == []


# ---------------------------------------------------------------------------------- changes

def test_level_change_recomputes_heatmap_and_status(explorer):
    _open(explorer, "level_heatmap")
    before = _arr(_shown(explorer, "level_heatmap")["data"][0]["z"]).astype(float)
    assert np.isfinite(before[:, :2]).any()                   # junior and mid candidates seen
    out = explorer._outputs["level_heatmap"]
    explorer._level.value = "senior"
    assert explorer._outputs["level_heatmap"] is out          # the same area, redrawn in place
    z = _arr(_shown(explorer, "level_heatmap")["data"][0]["z"]).astype(float)
    assert list(_shown(explorer, "level_heatmap")["data"][0]["x"]) == list(config.LEVELS)
    assert np.isnan(z[:, :2]).all() and np.isfinite(z[:, 2]).any()  # only senior candidates
    assert "level <b>senior</b>" in explorer.status
    n_senior = explorer.workbook.scores.query("level == 'senior'")["interview_id"].nunique()
    assert f"<b>{n_senior}</b> interviews" in explorer.status
    assert explorer.calibration.meta["n_interviews"] == n_senior


def test_criterion_change_recomputes_ranking(explorer):
    def ranking():
        return {q: float(x) for t in _shown(explorer, "question_ranking")["data"]
                for q, x in zip(_arr(t["y"]), _arr(t["x"]))}

    rec = ranking()
    explorer._criterion.value = "decision"
    assert explorer.calibration.criterion == "decision" and "criterion <b>decision</b>" in explorer.status
    dec = ranking()
    assert dec and dec != rec
    # the drawn points are the new table's, for the questions asked of enough candidates
    qs = explorer.calibration.question_stats.set_index("question_id")
    judged = qs[~qs["too_few"]]["discrimination"]
    assert dec == pytest.approx(judged.to_dict(), abs=5e-4)
    # same choices, same numbers (seeded bootstrap)
    assert explorer.calibration.question_stats.equals(
        calibrate(explorer.workbook, "decision", n_boot=30, **{k: v for k, v in explorer.choices.items()
                                                          if k != "criterion"}).question_stats)


def test_min_n_change_leaves_out_questions_too_few(explorer):
    explorer._min_n.value = 1
    drawn = [q for t in _shown(explorer, "question_ranking")["data"] for q in _arr(t["y"])]
    qs = explorer.calibration.question_stats
    assert len(drawn) == int((qs["n_candidates"] >= 5).sum()) > 0     # the privacy floor still holds
    explorer._min_n.value = explorer._min_n.max                # 200 > candidates in the history
    assert explorer.calibration.meta["n_candidates"] < explorer._min_n.value
    fig = _shown(explorer, "question_ranking")
    assert not [q for t in fig["data"] for q in _arr(t.get("y", []))]
    assert "Not enough candidates" in fig["layout"]["title"]["text"]
    assert "minimum n 200" in explorer.status


def test_small_slice_draws_no_confident_nonsense(workbook):
    """criterion decision + level senior: questions of other levels asked of 2-3 seniors are not
    drawn at 1.00 [1.00, 1.00], and no empty panel takes space."""
    ex = CalibrationExplorer(workbook=workbook, n_boot=30, criterion="decision", level="senior", min_n=10)
    fig = _shown(ex, "question_ranking")
    qs = ex.calibration.question_stats.set_index("question_id")
    drawn = [str(q) for t in fig["data"] for q in _arr(t["y"])]
    assert drawn and all(qs.at[q, "n_candidates"] >= 10 for q in drawn)
    few = qs[qs["n_candidates"] < 10]
    assert len(few) > 0 and not set(few.index) & set(drawn)         # the test can fail
    panels = [k for k in fig["layout"] if k.startswith("yaxis")]
    levels = {qs.at[q, "level"] for q in drawn}
    assert len(panels) == len(levels)


def test_a_quarter_of_few_candidates_warns_in_scores_and_red_flags(explorer):
    explorer._period.index = (0, 0)
    m = explorer.calibration.meta
    assert m["n_candidates"] < explorer.choices["min_n"]
    for name in ("score_distributions", "red_flag_lift"):
        _open(explorer, name)
        text = explorer._warnings[name].value
        assert f"Only {min(m['n_known_criterion'], m['n_candidates'])} candidate" in text and "not findings" in text
    explorer._period.index = (0, len(explorer._period.options) - 1)
    assert all(w.value == "" for w in explorer._warnings.values())


def test_period_change_slices_interviews(explorer):
    explorer._period.index = (0, 1)                            # the first two quarters
    lo, hi = explorer._period.value
    s = explorer.workbook.scores
    inside = s[(s["date"] >= lo.start_time) & (s["date"] <= hi.end_time.normalize())]
    assert explorer.calibration.meta["n_interviews"] == inside["interview_id"].nunique() > 0
    assert f"{lo.year} Q{lo.quarter} to {hi.year} Q{hi.quarter}" in explorer.status
    assert explorer.calibration.meta["end"] <= str(hi.end_time.date())


def test_change_clears_charts_of_the_old_slice(explorer):
    _open(explorer, "drift_lines")
    _open(explorer, "question_ranking")
    assert _shown(explorer, "drift_lines") is not None
    explorer._level.value = "junior"
    assert _shown(explorer, "drift_lines") is None             # not left showing the old slice
    _open(explorer, "drift_lines")
    assert _shown(explorer, "drift_lines") is not None


# ------------------------------------------------------------- same numbers as a fresh calibrate

def _assert_same_calibration(got, want):
    """Every table, the severity fit's table and the meta of two calibrations are equal. Both come from
    the same functions on the same rows with the same seed, so they agree to the last bit; the
    comparison allows 1e-12 relative (floating-point noise) rather than asserting bit equality."""
    from analysis.stats.calibration import FIELDS
    for name in FIELDS:
        a, b = getattr(got, name), getattr(want, name)
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=0, obj=name)
    pd.testing.assert_frame_equal(got.severity.interviewers, want.severity.interviewers, rtol=1e-12, atol=0)
    assert got.criterion == want.criterion
    assert got.notes == want.notes
    ma, mb = dict(got.meta), dict(want.meta)
    la, lb = ma.pop("severity_lambda"), mb.pop("severity_lambda")
    assert ma == mb and (la == lb or (np.isnan(la) and np.isnan(lb)))


def test_tables_after_a_sequence_of_changes_equal_a_fresh_calibrate(workbook, monkeypatch):
    """The explorer reuses a slice's severity fit and criterion-free tables across criteria, computes the
    other tables when their tab opens and keeps recent choices: none of it may change a number."""
    calls = []                                            # the slices the explorer fits
    real = explorer_module.KeptSlice
    monkeypatch.setattr(explorer_module, "KeptSlice", lambda *a, **k: calls.append(k) or real(*a, **k))
    ex = CalibrationExplorer(workbook=workbook, n_boot=30)
    _open(ex, "interviewer_severity")                     # criterion-free tables, computed under recommendation
    severity_table = ex.calibration.interviewer_stats
    ex._criterion.value = "decision"
    assert len(calls) == 1                                 # a criterion change reuses the slice's fit ...
    assert ex.calibration.interviewer_stats is severity_table   # ... and its criterion-free tables
    assert ex.calibration.computed == ("interviewer_stats",)  # the open tab's table only (kept from before)
    assert set(ex.figures) == set(CHART_TITLES)           # every table, under decision
    ex._criterion.value = "rest"                          # the criterion's tables must not be decision's
    _assert_same_calibration(ex.calibration, calibrate(workbook, n_boot=30, **ex.choices))
    ex._level.value = "mid"
    ex._period.index = (1, len(ex._period.options) - 2)
    _open(ex, "drift_lines")
    ex._min_n.value = 12
    ex._criterion.value = "performance"
    assert len(calls) == 3
    _assert_same_calibration(ex.calibration, calibrate(workbook, n_boot=30, **ex.choices))
    ex._period.index = (0, len(ex._period.options) - 1)  # back to level mid's whole period: a kept slice
    ex._level.value = "all"                               # and back to the first slice
    ex._min_n.value = 30
    ex._criterion.value = "rest"                          # ... and to its rest calibration: kept, not recomputed
    assert len(calls) == 3 and ex.calibration.interviewer_stats is severity_table
    _assert_same_calibration(ex.calibration, calibrate(workbook, n_boot=30, **ex.choices))


def test_notes_of_tables_computed_out_of_order_read_as_calibrate_writes_them(workbook, monkeypatch):
    """A table that cannot be computed leaves a note; computed in tab order or all at once, the notes are
    the same and in the same order."""
    from analysis.stats import tables

    def undefined(*args, **kwargs):
        raise ValueError("planted: undefined on this slice")

    monkeypatch.setattr(tables, "inter_rater", undefined)         # what the table registry computes
    monkeypatch.setattr(tables, "level_heatmap", undefined)
    want = calibrate(workbook, n_boot=30)
    assert [n.split(":")[0] for n in want.notes[len(want.severity.notes):]] == ["inter_rater", "level_heatmap"]
    ex = CalibrationExplorer(workbook=workbook, n_boot=30)
    _open(ex, "level_heatmap")                             # heatmap first, inter-rater later
    assert any(n.startswith("level_heatmap") for n in ex.calibration.meta["notes"])
    assert not any(n.startswith("inter_rater") for n in ex.calibration.meta["notes"])
    _assert_same_calibration(ex.calibration, want)         # .notes computes the rest first
    assert ex.calibration._inputs is None                    # every table computed: the prepared rows let go


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["criterion", "level", "period", "min_n", "tab", "all"]), st.integers(0, 50)),
                min_size=1, max_size=5))
def test_any_sequence_of_changes_gives_the_tables_of_a_fresh_calibrate(workbook, changes):
    ex = CalibrationExplorer(workbook=workbook, n_boot=20)
    n_q = len(ex._period.options)
    for what, k in changes:
        if what == "criterion":
            ex._criterion.value = list(explorer_module.CRITERIA)[k % 4]
        elif what == "level":
            ex._level.value = ["all", *config.LEVELS][k % 4]
        elif what == "period":
            lo = k % n_q
            ex._period.index = (lo, max(lo, n_q - 1 - k % 3))
        elif what == "min_n":
            ex._min_n.value = 5 + k
        elif what == "tab":
            _open(ex, list(CHART_TITLES)[k % len(CHART_TITLES)])
        else:
            ex.figures                                    # every chart, as the export panel reads them
    if ex.calibration is None:                            # a slice with no interviews: calibrate says so too
        with pytest.raises(ValueError):
            calibrate(workbook, n_boot=20, **ex.choices)
        return
    _assert_same_calibration(ex.calibration, calibrate(workbook, n_boot=20, **ex.choices))


def test_recent_slices_kept_and_old_ones_let_go(workbook):
    ex = CalibrationExplorer(workbook=workbook, n_boot=10)
    n_q = len(ex._period.options)
    for i in range(explorer_module.SLICES_KEPT + 2):
        ex._period.index = (i, n_q - 1)
    assert len(ex._slices) == explorer_module.SLICES_KEPT + 1 and ex._home in ex._slices   # + the first view's
    assert len(ex._views) <= explorer_module.CALIBRATIONS_KEPT
    # a calibration that outlives its slice, or is not among the most recent, holds no rows
    for i, (key, (cal, _, _)) in enumerate(reversed(ex._views.items())):
        if key[0] not in ex._slices or i >= explorer_module.ROWS_KEPT:
            assert cal.released and cal._inputs is None
    kept = ex.calibration
    ex._criterion.value = "rest"
    ex._criterion.value = "recommendation"
    assert ex.calibration is kept                          # seen a moment ago: not recomputed


def _let_go_of_a_slice(ex):
    """Show the period from the second quarter, then as many other periods as the explorer keeps slices:
    returns that view's calibration, its drawn charts and its slice's key (let go by then)."""
    n_q = len(ex._period.options)
    ex._period.index = (1, n_q - 1)
    seen, drawn, skey = ex.calibration, dict(ex._figures), list(ex._slices)[-1]
    for i in range(2, explorer_module.SLICES_KEPT + 3):
        ex._period.index = (i, n_q - 1)
    assert seen.released and skey not in ex._slices
    return seen, drawn, skey


def test_returning_to_a_let_go_slice_redraws_the_kept_charts_and_computes_the_rest_the_same(workbook, monkeypatch):
    """A slice is let go after as many others as are kept; going back shows the same calibration and
    the same drawn chart at once, and a tab opened then computes its tables on rows prepared again,
    equal to a fresh calibrate's."""
    ex = CalibrationExplorer(workbook=workbook, n_boot=20)
    first, drawn, _ = _let_go_of_a_slice(ex)
    prepared, new_slice = [], explorer_module.KeptSlice
    monkeypatch.setattr(explorer_module, "KeptSlice", lambda *a, **k: prepared.append(k) or new_slice(*a, **k))
    ex._period.index = (1, len(ex._period.options) - 1)
    assert ex.calibration is first and prepared == []
    assert set(ex._figures) == set(drawn) and all(ex._figures[n] is drawn[n] for n in drawn)
    _open(ex, "interviewer_severity")                     # a table it had not computed: rows again
    assert len(prepared) == 1
    _assert_same_calibration(ex.calibration, calibrate(workbook, n_boot=20, **ex.choices))
    assert len(ex._slices) <= explorer_module.SLICES_KEPT + 1


def test_the_first_views_slice_is_kept_so_coming_back_to_it_fits_nothing_again(workbook, monkeypatch):
    ex = CalibrationExplorer(workbook=workbook, n_boot=20)
    home = ex.calibration
    _let_go_of_a_slice(ex)
    assert ex._home in ex._slices
    made, new_slice = [], explorer_module.KeptSlice
    monkeypatch.setattr(explorer_module, "KeptSlice", lambda *a, **k: made.append(k) or new_slice(*a, **k))
    ex._period.index = (0, len(ex._period.options) - 1)
    assert ex.calibration is home
    ex._criterion.value = "performance"                 # a new view of the first slice: no fit
    assert made == [] and ex.last_error is None
    _assert_same_calibration(ex.calibration, calibrate(workbook, n_boot=20, **ex.choices))


def test_a_min_n_change_judges_the_kept_question_table_again_without_preparing_rows(workbook, monkeypatch):
    """Another minimum n of a view seen before: the question table judged again (too_few, band,
    verdict) and the tables that do not read min_n taken over, no rows prepared; the tables that need
    rows (topics, levels, versions) are computed on them when read. Every table equals calibrate's."""
    ex = CalibrationExplorer(workbook=workbook, n_boot=20)
    _open(ex, "interviewer_severity")
    _open(ex, "question_ranking")
    prepared = []
    real = calibration_module.criterion_rows
    monkeypatch.setattr(calibration_module, "criterion_rows", lambda *a, **k: prepared.append(k) or real(*a, **k))
    for min_n in (12, 45, 1, 200):
        ex._min_n.value = min_n
        assert prepared == [] and ex.last_error is None
        assert set(ex.calibration.computed) >= {"question_stats", "interviewer_stats"}
        assert f"minimum n {min_n}" in ex.status
        _assert_same_calibration(ex.calibration, calibrate(workbook, n_boot=20, **ex.choices))
        prepared.clear()                                  # reading every table above prepared the rows


def test_a_min_n_change_on_a_let_go_slice_fits_nothing_again(workbook, monkeypatch):
    ex = CalibrationExplorer(workbook=workbook, n_boot=20)
    _, _, skey = _let_go_of_a_slice(ex)
    ex._period.index = (1, len(ex._period.options) - 1)   # a view kept, its slice let go
    assert (ex.choices["level"], ex.choices["start"], ex.choices["end"]) == skey not in ex._slices
    made, new_slice = [], explorer_module.KeptSlice
    monkeypatch.setattr(explorer_module, "KeptSlice", lambda *a, **k: made.append(k) or new_slice(*a, **k))
    ex._min_n.value = 20
    assert made == [] and _shown(ex, "question_ranking") is not None
    _assert_same_calibration(ex.calibration, calibrate(workbook, n_boot=20, **ex.choices))


# ---------------------------------------------------------------------------------- errors

def test_decision_without_outcomes_is_shown_then_recovers(folder, tmp_path):
    import shutil
    copy = shutil.copytree(folder, tmp_path / "data")
    (copy / "outcomes.csv").unlink()
    ex = CalibrationExplorer(copy, n_boot=30)
    ex._criterion.value = "decision"
    assert isinstance(ex.last_error, ValueError)
    assert "icw-error" in ex.status and "outcomes.csv" in ex.status and "decision" in ex.status
    assert ex.calibration is None and ex.figures == {} and ex.tables == {} and ex.meta == {}
    assert all(_shown(ex, n) is None for n in CHART_TITLES)
    ex._criterion.value = "recommendation"
    assert ex.last_error is None and "icw-error" not in ex.status and _shown(ex, "question_ranking")


def test_error_text_is_escaped_in_the_status(explorer, monkeypatch):
    def boom(*args, **kwargs):
        raise ValueError(HOSTILE)

    monkeypatch.setattr(calibration_module, "prepare_slice", boom)    # a new slice is computed
    explorer._level.value = "mid"
    assert str(explorer.last_error) == HOSTILE
    assert "<script>" not in explorer.status and "<img" not in explorer.status
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in explorer.status


def test_a_chart_that_fails_is_reported_in_its_tab_and_the_status(explorer, monkeypatch):
    def boom(cal):
        raise RuntimeError(HOSTILE)

    monkeypatch.setitem(CHART_BUILDERS, "question_ranking", boom)
    explorer._level.value = "mid"
    (out,) = explorer._outputs["question_ranking"].outputs
    assert PLOTLY not in out["data"] and "&lt;script&gt;" in out["data"]["text/html"]
    assert "<script>" not in out["data"]["text/html"]
    assert f"{CHART_TITLES['question_ranking']} (RuntimeError" in explorer.status and "<script>" not in explorer.status
    assert "question_ranking" not in explorer.figures and "level_heatmap" in explorer.figures
    assert isinstance(explorer.last_error, RuntimeError)


def test_status_escapes_problems_and_says_how_many(folder, tmp_path):
    import shutil
    copy = shutil.copytree(folder, tmp_path / "data")
    bad = copy / "scores" / "2024" / "bad.csv"
    bad.write_text("interview_id,date\nx,not a date\n", encoding="utf-8")
    ex = CalibrationExplorer(copy, n_boot=30)
    assert ex.workbook.problems
    assert f"{len(ex.workbook.problems)} problems in the data folder" in ex.status


def test_empty_folder_refused_with_a_message(tmp_path):
    data = tmp_path / "data"
    (data / "scores").mkdir(parents=True)
    import shutil
    shutil.copyfile(config.questions_path(None), data / "questions.csv")
    with pytest.raises(ValueError, match="no scorecards"):
        CalibrationExplorer(data)


# ----------------------------------------------------------------------------- export hooks

def test_tables_and_meta_for_the_export_panel(explorer, workbook):
    explorer._level.value = "mid"
    assert set(explorer.tables) == set(explorer.calibration.tables())
    assert explorer.meta["Candidate level"] == "mid"
    for name, t in explorer.tables.items():
        assert "candidate_id" not in t.columns, name


def test_export_panel_writes_what_the_explorer_shows(explorer, tmp_path):
    export = pytest.importorskip("analysis.widgets.export_panel")
    panel = export.ExportPanel(lambda: explorer.figures, lambda: explorer.tables, out=tmp_path / "out",
                               formats=("csv", "html"), meta=lambda: explorer.meta,
                               guides=charts.READING_GUIDE)
    explorer._level.value = "senior"
    panel._charts.value = ("level_heatmap",)
    panel._button.click()
    assert panel.last_error is None, panel.last_error
    names = {p.name for p in panel.last_paths}
    assert "question_stats.csv" in names and any(n.startswith("level_heatmap") for n in names)
    written = "".join(p.read_text(encoding="utf-8", errors="replace") for p in panel.last_paths)
    assert "senior" in written
    assert explorer.workbook.scores["candidate_id"].str.startswith(SECRET).all()
    assert SECRET not in written


def test_figure_bundle_is_plotly_json_without_renderer_config(explorer):
    b = figure_bundle(CHART_BUILDERS["level_heatmap"](explorer.calibration))
    assert b["output_type"] == "display_data" and set(b["data"]) == {PLOTLY, "text/plain"}
    assert b["data"][PLOTLY]["data"][0]["type"] == "heatmap"
    assert "width" not in b["data"][PLOTLY]["layout"]               # fits the output area
    assert b["data"][PLOTLY]["layout"]["height"] == 480


def _run_in_lab(page, jupyterlab_server, tmp_path, name, source):
    """Write a one-cell notebook ``name`` holding ``source``, open it in a real JupyterLab and run it."""
    import nbformat
    from browser_fixtures import run_all_cells

    root = tmp_path / "lab"
    root.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / name)
    server = jupyterlab_server(root)
    page.goto(server.lab_url(name))
    assert run_all_cells(page) is True


# --------------------------------------------------------------------------- in JupyterLab

@pytest.mark.browser
@pytest.mark.slow
def test_explorer_redraws_in_place_in_jupyterlab(page, folder, jupyterlab_server, tmp_path, artifacts_dir):
    """In a real JupyterLab: the chart renders (jupyterlab-plotly, no anywidget needed), a new
    level redraws it in the same place, and the status says the new slice."""
    from playwright.sync_api import expect

    _run_in_lab(page, jupyterlab_server, tmp_path, "explore.ipynb",
                "from analysis.widgets.explorer import CalibrationExplorer\n"
                f"explorer = CalibrationExplorer({str(folder)!r}, n_boot=30)\nexplorer")
    box = page.locator(".icw-calibration-explorer")
    status = box.locator(".icw-explorer-status")
    expect(status).to_contain_text("level all", timeout=60_000)
    plots = box.locator(".js-plotly-plot")
    expect(plots).to_have_count(1, timeout=60_000)
    expect(plots.first).to_contain_text("jr-s3-basics")
    box.locator(".icw-explorer-level select").select_option("senior")
    expect(status).to_contain_text("level senior", timeout=60_000)
    expect(plots).to_have_count(1, timeout=60_000)               # redrawn in place, not appended
    expect(plots.first).not_to_contain_text("jr-s3-basics", timeout=60_000)  # seniors get no junior questions
    box.get_by_text(CHART_TITLES["level_heatmap"], exact=True).click()
    expect(box.locator(".js-plotly-plot")).to_have_count(2, timeout=60_000)  # drawn when its tab opens
    page.screenshot(path=str(artifacts_dir / "calibration_explorer.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.slow
def test_small_slice_warns_in_jupyterlab(page, folder, jupyterlab_server, tmp_path, artifacts_dir):
    """In a real JupyterLab: one quarter of a small history is too few candidates to read; the
    Scores tab says so above its chart, in words, instead of drawing findings."""
    from playwright.sync_api import expect

    _run_in_lab(page, jupyterlab_server, tmp_path, "small.ipynb",
                "from analysis.widgets.explorer import CalibrationExplorer\nfrom analysis.io.load import load\n"
                f"q0 = load({str(folder)!r}, progress=False).scores['date'].min().to_period('Q')\n"
                f"explorer = CalibrationExplorer({str(folder)!r}, n_boot=30, start=str(q0.start_time.date()),\n"
                "                               end=str(q0.end_time.date()))\nexplorer")
    box = page.locator(".icw-calibration-explorer")
    expect(box.locator(".js-plotly-plot")).to_have_count(1, timeout=60_000)
    box.get_by_text(CHART_TITLES["score_distributions"], exact=True).click()
    warning = box.locator(".icw-explorer-warning .icw-warning").filter(has_text="not findings", visible=True)
    expect(warning.first).to_be_visible(timeout=60_000)
    expect(warning.first).to_contain_text("candidate")
    page.screenshot(path=str(artifacts_dir / "explorer_small_slice.png"), full_page=True)


def test_default_view_uses_the_reports_resamples_and_seed_and_says_so(workbook):
    # issue 24: the explorer's default view shows the report's numbers (its 200 resamples against the
    # report's 1000 once turned "1 question clearly separates" into "2"); a view computed otherwise says so
    from analysis.reports.report import build_report
    import inspect
    report = inspect.signature(build_report).parameters
    ex = CalibrationExplorer(workbook=workbook)
    assert (ex.n_boot, ex.seed) == (report["n_boot"].default, report["seed"].default)
    assert "1000 bootstrap resamples, seed 0: the report&#x27;s settings" in ex.status
    fewer = CalibrationExplorer(workbook=workbook, n_boot=30)
    assert "30 bootstrap resamples, seed 0: not the report&#x27;s" in fewer.status


def test_export_panel_following_the_explorer_draws_no_chart_until_the_click(workbook, tmp_path):
    """The panel lists the explorer's charts by name (``chart_names``); the charts are drawn only for
    the export, and what is written is what the explorer shows."""
    export = pytest.importorskip("analysis.widgets.export_panel")
    ex = CalibrationExplorer(workbook=workbook, n_boot=20)
    drawn = set(ex._figures)
    panel = export.ExportPanel.following(ex, out=tmp_path / "out", formats=("html",))
    assert set(ex._figures) == drawn == {ex.selected_chart}                 # nothing more drawn
    assert panel._charts.options == tuple(CHART_TITLES) == tuple(ex.chart_names)
    panel._charts.value = ("question_ranking", "level_heatmap")
    panel._button.click()
    assert panel.last_error is None, panel.last_error
    assert {p.name for p in panel.last_paths} >= {"question_ranking.html", "level_heatmap.html"}
    assert tuple(ex.figures) == tuple(ex.chart_names)


# ------------------------------------------------------------------- a calibration given

def test_a_calibration_given_is_the_first_view_without_computing_it_again(workbook, monkeypatch):
    cal = calibrate(workbook, "rest", level="mid", min_n=25, n_boot=20, seed=3)
    prepared = []
    new_slice = explorer_module.KeptSlice
    monkeypatch.setattr(explorer_module, "KeptSlice", lambda *a, **k: prepared.append(k) or new_slice(*a, **k))
    ex = CalibrationExplorer(workbook=workbook, criterion="rest", level="mid", min_n=25, n_boot=20, seed=3,
                             calibration=cal)
    assert ex.calibration is cal and ex.last_error is None
    assert "question_ranking" in ex.figures and "icw-error" not in ex.status
    ex._criterion.value = "recommendation"                   # the slice's rows and severity fit reused
    _assert_same_calibration(ex.calibration, calibrate(workbook, n_boot=20, seed=3, **ex.choices))
    ex._criterion.value = "rest"
    assert ex.calibration is cal
    ex._level.value = "senior"                               # a new slice, prepared as always
    assert len(prepared) == 2 and prepared[1].get("fit") is None


def test_another_min_n_of_a_calibration_given_is_judged_from_its_tables(workbook, monkeypatch):
    """Notebook 03's calibration as the first view: moving the minimum n judges its question table
    again and takes over its tables that do not read min_n, preparing no rows; one with a table's note
    cannot say which notes are whose, so its other minimum n is computed as any new view is."""
    from analysis.stats.calibration import LazyCalibration
    cal = calibrate(workbook, "rest", min_n=25, n_boot=20)
    assert cal.notes == cal.severity.notes and LazyCalibration.computed_tables(cal) is not None
    ex = CalibrationExplorer(workbook=workbook, criterion="rest", min_n=25, n_boot=20, calibration=cal)
    prepared = []
    real = calibration_module.criterion_rows
    monkeypatch.setattr(calibration_module, "criterion_rows", lambda *a, **k: prepared.append(k) or real(*a, **k))
    ex._min_n.value = 8
    assert prepared == [] and _shown(ex, "question_ranking") is not None
    assert ex.calibration.interviewer_stats is cal.interviewer_stats
    _assert_same_calibration(ex.calibration, calibrate(workbook, n_boot=20, **ex.choices))
    cal.meta["notes"].append("question_stats: planted note")
    assert LazyCalibration.computed_tables(cal) is None


@pytest.mark.parametrize("given", [dict(criterion="rest"), dict(min_n=12), dict(n_boot=21), dict(seed=1),
                                   dict(level="senior")])
def test_a_calibration_of_other_choices_is_refused_saying_which(workbook, given):
    choices = {"criterion": "recommendation", "level": None, "min_n": 30, "n_boot": 20, "seed": 0}
    cal = calibrate(workbook, **{**choices, **given})
    with pytest.raises(ValueError, match=f"{next(iter(given))} .*the explorer's"):
        CalibrationExplorer(workbook=workbook, calibration=cal, **choices)


def test_a_calibration_of_part_of_a_quarter_is_not_used_the_wider_quarter_is_computed(workbook):
    dates = workbook.scores["date"]
    start = dates.min().to_period("Q").start_time + pd.Timedelta(days=40)
    cal = calibrate(workbook, start=start, n_boot=20)
    assert cal.meta["n_rows"] < len(workbook.scores)
    ex = CalibrationExplorer(workbook=workbook, start=start, n_boot=20, calibration=cal)
    assert ex.calibration is not cal
    _assert_same_calibration(ex.calibration, calibrate(workbook, n_boot=20, **ex.choices))
