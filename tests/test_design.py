"""Design diagnostics (analysis.stats.design), the two inter-rater designs, and the report on worlds the
estimators do not assume (tests/worlds.py): disconnected teams, degenerate scores, panels."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.stats.calibration import RETEST, SAME_ANSWER, calibrate, inter_rater
from analysis.io.demo_folder import write_history
from analysis.stats.design import DESIGN_COLUMNS, design_diagnostics
from planted import workbook_of
from worlds import nested_loops


def test_two_teams_are_reported_as_disconnected(bank):
    h = nested_loops(500, 8, bank, teams=2)
    t = design_diagnostics(h.scores)
    assert list(t.columns) == list(DESIGN_COLUMNS)
    groups = t[t["kind"] == "group"]
    assert len(groups) == 2 and groups["value"].sum() == 12
    warn = t[(t["kind"] == "warning") & (t["name"] == "disconnected")]
    assert len(warn) == 1 and "not comparable to the others'" in warn["detail"].iloc[0]
    members = h.planted_interviewers
    small = t[t["kind"] == "interviewer"].set_index("name")
    other = small[small["detail"].str.contains("shares no candidate with the main team")].index
    assert set(other) in ({*members.query("team == 0").interviewer}, {*members.query("team == 1").interviewer})
    model = t[t["kind"] == "model"].set_index("name")["value"]
    assert 0.01 <= model["lambda"] <= 100 and model["sigma_noise"] > 0 and model["condition"] < 1e10


def test_panels_are_detected_and_labelled_apart_from_retest(bank):
    h = nested_loops(500, 9, bank, panel_rate=0.4)
    t = design_diagnostics(h.scores).set_index("name")
    assert t.at["answers_scored_twice", "value"] > 50
    assert "no panels" not in t.index
    ir = inter_rater(h.scores.assign(date=pd.to_datetime(h.scores["date"])))
    same = ir[ir["design"].str.startswith(SAME_ANSWER)]
    retest = ir[ir["design"].str.startswith(RETEST)]
    assert set(same["statistic"]) == {"ICC1", "ICC1k", "krippendorff_alpha_ordinal", "weighted_kappa_quadratic"}
    assert set(retest["statistic"]) == {"retest_" + s for s in same["statistic"]}
    # planted: a panel grades the *same* answer (one draw), a retest is a new answer, so agreement
    # on the same answer is higher by construction
    v = ir.set_index("statistic")["value"]
    assert v["ICC1"] > v["retest_ICC1"] + 0.2


def test_inter_rater_on_identical_ratings_is_nan_with_reason():
    # krippendorff: "every rating is 4.0; alpha is undefined" must be a blank cell, not an abort
    rows = [dict(candidate_id=f"c{i}", question_id="q", date=pd.Timestamp("2025-01-01"), interviewer=r, score=4,
                 interview_id=f"{r}{i}") for i in range(6) for r in "AB"]
    t = inter_rater(pd.DataFrame(rows)).set_index("statistic")
    assert np.isnan(t.at["krippendorff_alpha_ordinal", "value"])
    assert "alpha is undefined" in t.at["krippendorff_alpha_ordinal", "reason"]
    assert t.at["retest_none", "n_units"] == 0


def test_calibrate_on_a_degenerate_world_completes(bank):
    wb = workbook_of(nested_loops(300, 10, bank, constant=4, panel_rate=0.3), bank)
    cal = calibrate(wb, n_boot=20)
    assert cal.interviewer_stats["severity"].isna().all()
    assert cal.interviewer_stats["severity_note"].str.contains("every score").all()
    assert cal.question_stats["discrimination"].isna().all()
    assert any("every score" in n for n in cal.notes)
    assert "design" in cal.tables()


@pytest.mark.parametrize("kw", [dict(constant=4, panel_rate=0.3), dict(teams=2)], ids=["all-4", "two-teams"])
def test_report_completes_and_writes_design_csv(tmp_path, bank, kw):
    h = nested_loops(300, 11, bank, **kw)
    data = tmp_path / "data"
    write_history(h, data, layout="bulk")
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "analysis", "report", "--data", str(data), "--out", str(out),
                          "--format", "csv", "--n-boot", "20"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    names = {p.name for p in out.iterdir()}
    assert {"design.csv", "inter_rater.csv", "interviewer_stats.csv", "question_stats.csv"} <= names
    design = pd.read_csv(out / "design.csv")
    assert (design["kind"] == "warning").any()
    ivs = pd.read_csv(out / "interviewer_stats.csv")
    assert ivs["severity_note"].notna().any()
