"""Adverse impact and interviewer gaps (analysis.stats.fairness), DIF (analysis.stats.fairness_dif), their
charts (analysis.charts.fairness), the fairness command and the groups file (analysis.io.groups).

Expected values name their source: hand calculations (shown), the Uniform Guidelines' Questions and
Answers, Fisher's tea-tasting table, and identities between statistics. Planted truth comes from
``analysis.stats.demo.generate(..., groups=True)``.
"""

from __future__ import annotations

import re

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, HealthCheck
from hypothesis import strategies as st
from scipy import stats

from analysis.charts import fairness as fairness_charts
from analysis.stats import fairness, fairness_dif
from analysis.io.demo_folder import write_history
from analysis.stats.demo import generate
from analysis.io.groups import NOT_DISCLOSED, parse_groups
from analysis.stats import small_groups
from analysis.stats.small_groups import exposed_cells, protect_cells, withheld_cells
from planted import workbook_of

REPO = Path(__file__).resolve().parent.parent


def counts(*rows):
    return pd.DataFrame(rows, columns=["group", "n", "n_selected"])


# ----------------------------------------------------------------------------------------------
# Four-fifths rule, shortfall, Fisher, Z, power: hand calculations and the Guidelines
# ----------------------------------------------------------------------------------------------

def test_uniform_guidelines_qa_example():
    """Questions and Answers on the Uniform Guidelines (44 FR 11996, 1979), the answer on how adverse
    impact is determined (Q&A 12): hiring rates whites 60%, American Indians 45%, Hispanics 48%,
    Blacks 51% give impact ratios 75%, 80% and 85%: adverse impact is indicated for American
    Indians, not for Hispanics (exactly 80% is not 'less than four-fifths') nor Blacks."""
    t = fairness.impact_ratios(counts(("white", 100, 60), ("american_indian", 100, 45), ("hispanic", 100, 48),
                                      ("black", 100, 51))).set_index("group")
    assert t.loc["white", "flag"] == "reference"
    assert t["impact_ratio"].round(6).to_dict() == {"white": 1.0, "american_indian": 0.75, "hispanic": 0.8,
                                                    "black": 0.85}
    below = {"adverse_impact", "four_fifths_only", "four_fifths_underpowered"}
    assert t.loc["american_indian", "flag"] in below
    for g in ("hispanic", "black"):  # 48/60 is 0.8 exactly, although 0.48 / 0.6 < 0.8 in floating point
        assert t.loc[g, "flag"] not in below
    # shortfall by hand: 0.8 x 60% x 100 = 48 selections needed, 45 made -> 3; 48 and 51 -> 0
    assert t["shortfall"].to_dict() == {"white": 0, "american_indian": 3, "hispanic": 0, "black": 0}


def test_two_group_hand_calculation():
    """48 of 80 vs 12 of 40. By hand: rates 0.6 and 0.3, ratio 0.5; pooled p = 60/120 = 0.5,
    SE = sqrt(0.25 (1/40 + 1/80)) = 0.0968246, z = (0.3 - 0.6) / SE = -3.0984; shortfall: 0.8 x
    0.6 x 40 = 19.2 -> 20 selections, 8 more (19/40 gives 0.79, 20/40 gives 0.83); Fisher's p from
    the hypergeometric distribution summed by hand below."""
    t = fairness.impact_ratios(counts(("a", 80, 48), ("b", 40, 12))).set_index("group")
    b = t.loc["b"]
    assert b["reference_group"] == "a" and b["impact_ratio"] == pytest.approx(0.5)
    assert b["z"] == pytest.approx(-0.3 / math.sqrt(0.25 * (1 / 40 + 1 / 80)), rel=1e-9)
    assert b["z"] == pytest.approx(-3.0984, abs=1e-4)
    assert b["shortfall"] == 8
    # two-sided Fisher: sum of P(X = k) <= P(X = 12), X ~ Hypergeom(N=120, K=60 selected, n=40)
    pk = [math.comb(60, k) * math.comb(60, 40 - k) / math.comb(120, 40) for k in range(41)]
    p_obs = pk[12]
    assert b["fisher_p"] == pytest.approx(sum(p for p in pk if p <= p_obs * (1 + 1e-7)), rel=1e-9)
    assert b["flag"] == "adverse_impact"


def test_fisher_tea_tasting():
    """Fisher (1935), The Design of Experiments, the lady tasting tea: [[3, 1], [1, 3]] has
    hypergeometric probabilities 1, 16, 36, 16, 1 (/70), so the two-sided p is 34/70."""
    t = fairness.impact_ratios(counts(("a", 4, 3), ("b", 4, 1)), small_group=4).set_index("group")
    assert t.loc["b", "fisher_p"] == pytest.approx(34 / 70, rel=1e-12)
    assert t.loc["b", "flag"] == "four_fifths_underpowered"  # ratio 1/3, but 8 people cannot show anything


def test_power_statement_instead_of_no_adverse_impact():
    """Power by hand (normal approximation, Cohen's h): reference 30/50 = 0.6, a true rate of
    0.8 x 0.6 = 0.48, h = 2 asin(sqrt .6) - 2 asin(sqrt .48), power = Phi(h sqrt(n1 n2 / (n1 + n2))
    - 1.96) + Phi(-h sqrt(...) - 1.96)."""
    t = fairness.impact_ratios(counts(("a", 50, 30), ("b", 50, 28))).set_index("group")
    h = 2 * math.asin(math.sqrt(0.6)) - 2 * math.asin(math.sqrt(0.48))
    ncp = h * math.sqrt(50 * 50 / 100)
    z = stats.norm.ppf(0.975)
    assert t.loc["b", "power"] == pytest.approx(stats.norm.cdf(ncp - z) + stats.norm.cdf(-ncp - z), rel=1e-6)
    assert t.loc["b", "power"] < 0.3
    assert t.loc["b", "flag"] == "underpowered"  # ratio 0.93: not "none", the sample could not tell
    big = fairness.impact_ratios(counts(("a", 5000, 3000), ("b", 5000, 2950))).set_index("group")
    assert big.loc["b", "flag"] == "none"


def test_suppression_and_degenerate_tables():
    t = fairness.impact_ratios(counts(("a", 40, 10), ("tiny", 4, 4), (NOT_DISCLOSED, 9, 3))).set_index("group")
    assert t.loc["tiny", "n"] == "<5" and t.loc["tiny", "suppressed"]
    assert t.loc["tiny", ["selection_rate", "impact_ratio", "fisher_p", "z"]].isna().all()
    assert pd.isna(t.loc["tiny", "n_selected"])
    assert t.loc["a", "flag"] == "reference"  # 4/4 is the highest rate, but suppressed groups are never the reference
    assert t.loc[NOT_DISCLOSED, "flag"] == "not_disclosed" and pd.isna(t.loc[NOT_DISCLOSED, "impact_ratio"])
    none = fairness.impact_ratios(counts(("a", 10, 0), ("b", 10, 0))).set_index("group")
    assert (none["flag"] == "no_selections").all() and none["impact_ratio"].isna().all()
    allsel = fairness.impact_ratios(counts(("a", 10, 10), ("b", 10, 10))).set_index("group")
    assert np.isnan(allsel.loc["b", "z"]) and allsel.loc["b", "fisher_p"] == pytest.approx(1.0)


def _lines_with_one_hidden(cells, hidden):
    """Lines (the groups of one level; the levels of one group with its overall row) whose sum is
    known and that hold exactly one hidden cell: that cell is one subtraction away."""
    h = cells.assign(hidden=hidden)
    return [k for key in ("level", "group") for k, v in h.groupby(key) if len(v) > 1 and v["hidden"].sum() == 1]


def test_complementary_suppression_by_hand():
    """One level, groups of 40, 30 and 3 candidates: hiding only the 3 would let anyone read it off as
    the stage total minus 70, so the next smallest (30) is hidden too; by hand."""
    cells = pd.DataFrame({"group": ["a", "b", "tiny"], "level": "all", "n": [40, 30, 3], "n_candidates": [40, 30, 3]})
    assert fairness.complementary_suppression(cells) == {"all": {"b"}}
    # two small groups already hide each other: nothing more to hide
    two = pd.DataFrame({"group": ["a", "t1", "t2"], "level": "all", "n": [40, 3, 2], "n_candidates": [40, 3, 2]})
    assert fairness.complementary_suppression(two) == {}
    # levels: x is small at junior only; its overall row and other levels would give it back
    lv = pd.DataFrame({"group": ["x", "x", "x", "y", "y", "y"], "level": ["all", "junior", "mid"] * 2,
                       "n": [23, 3, 20, 60, 30, 30], "n_candidates": [23, 3, 20, 60, 30, 30]})
    hidden = fairness.complementary_suppression(lv)
    flat = np.array([g in hidden.get(l, ()) or n < 5 for g, l, n in zip(lv["group"], lv["level"], lv["n_candidates"])])
    assert not _lines_with_one_hidden(lv, flat)
    assert hidden["junior"] == {"y"}  # junior line: x (3) hidden, y is the only other


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(1, 40)), min_size=1, max_size=12,
                unique_by=lambda t: (t[0], t[1])))
def test_complementary_suppression_leaves_no_cell_one_subtraction_away(raw):
    """Property: whatever the table, every small cell stays hidden, and no line with a known sum
    holds exactly one hidden cell afterwards."""
    levels = ["junior", "mid", "senior"]
    cells = pd.DataFrame([(f"g{g}", levels[l], n) for g, l, n in raw], columns=["group", "level", "n"])
    overall = cells.groupby("group", as_index=False)["n"].sum().assign(level="all")
    cells = pd.concat([overall, cells], ignore_index=True)
    cells["n_candidates"] = cells["n"]
    hidden = fairness.complementary_suppression(cells)
    flat = np.array([g in hidden.get(l, ()) for g, l in zip(cells["group"], cells["level"])])
    assert not (flat & (cells["n_candidates"] < 5)).any()  # extra hidden cells are large ones
    flat |= (cells["n_candidates"] < 5).to_numpy()
    assert not _lines_with_one_hidden(cells, flat)


def test_a_listed_rows_bound_pins_it_until_the_row_is_withheld():
    """The residual of the Notes of protect_cells, by hand: one level of 7 with a group of 5 and two of
    1. The 5 hides the two small ones' 2, and the small ones hide each other; but a reader who knows
    the total (7) and that a hidden complement holds at least 5 and a listed row at least 1 gets
    5 + 1 + 1 back. Leaving one row out removes its bound (a missing row may hold nothing)."""
    cells = pd.DataFrame({"n": [5, 1, 1], "n_selected": [2, 0, 1], "n_candidates": [5, 1, 1], "n_min": 1,
                          "key": ["a", "b", "c"]})
    lines = [([0, 1, 2], [1, 1, 1])]
    hidden = protect_cells(cells, lines)
    assert hidden.tolist() == [True, True, True]
    assert exposed_cells(cells, lines, hidden) == [0, 1, 2]
    withheld = withheld_cells(cells, lines, hidden)
    assert withheld.tolist() == [True, False, False]  # the first exposed row; then a + b + c = 7 has many answers
    assert exposed_cells(cells.assign(withheld=withheld), lines, hidden) == []
    both, held = protect_cells(cells, lines, withhold=True)  # the same, from protect_cells' last audit
    assert both.tolist() == hidden.tolist() and held.tolist() == withheld.tolist()


def test_rows_listed_whatever_their_count_are_never_withheld():
    """An interviewer's row exists for every group (n_min 0): leaving one out would itself say it was
    withheld, so none is, even when a cell stays pinned (here 0 + 0 = 0)."""
    cells = pd.DataFrame({"n": [0, 0, 9], "n_selected": [0, 0, 4], "n_candidates": [0, 0, 9], "n_min": 0,
                          "key": ["a", "b", "c"]})
    hidden = np.array([True, True, False])
    assert exposed_cells(cells, [([0, 1], [1, 1])], hidden) == [0, 1]
    assert not withheld_cells(cells, [([0, 1], [1, 1])], hidden).any()


def test_withheld_rows_leave_every_shown_row_as_it_was(bank, monkeypatch):
    """The drawn world that pinned two cells (n=128, seed=1048576): the adverse-impact table with rows
    withheld is the table without withholding, less some hidden rows (the nonbinary row of the
    decision stage's mid level among them); every shown number is the same."""
    h = generate(128, seed=1048576, questions=bank, groups=True)
    wb = workbook_of(h, bank)
    new = fairness.adverse_impact(wb, h.candidate_groups)
    monkeypatch.setattr(small_groups, "_withhold", lambda c, *a: np.zeros(len(c), dtype=bool))
    old = fairness.adverse_impact(wb, h.candidate_groups)
    key = ["attribute", "stage", "level", "group"]
    both = old.merge(new, on=key, how="left", suffixes=("", "_new"), indicator=True)
    gone = both[both["_merge"] == "left_only"]
    assert ("gender", "decision", "mid", "nonbinary") in set(map(tuple, gone[key].to_numpy()))
    assert gone["suppressed"].all() and gone["n"].isin(["<5", "suppressed"]).all()
    kept = old.merge(new[key], on=key)
    pd.testing.assert_frame_equal(kept.reset_index(drop=True), new.reset_index(drop=True))


def test_complement_hidden_rows_show_no_count_and_take_no_part():
    t = fairness.impact_ratios(counts(("a", 40, 20), ("b", 30, 9), ("tiny", 3, 1)), hide={"b"}).set_index("group")
    assert t.loc["b", "n"] == "suppressed" and t.loc["b", "flag"] == "suppressed_complement"
    assert t.loc["b", "suppressed"] and pd.isna(t.loc["b", "n_selected"]) and np.isnan(t.loc["b", "selection_rate"])
    assert t.loc["a", "flag"] == "reference"


@given(n=st.integers(1, 300), s=st.integers(0, 300), m=st.integers(1, 300), t=st.integers(1, 300))
@settings(max_examples=300, deadline=None)
def test_shortfall_is_the_smallest_sufficient_number(n, s, m, t):
    s, t = min(s, n), min(t, m)
    k = fairness.shortfall(n, s, m, t)
    reaches = lambda j: 5 * (s + j) * m >= 4 * n * t  # ratio >= 4/5 in integers
    assert k >= 0 and reaches(k) and (k == 0 or not reaches(k - 1)) and s + k <= n


# ----------------------------------------------------------------------------------------------
# Mantel-Haenszel, Mantel's ordinal test, ETS classes
# ----------------------------------------------------------------------------------------------

def test_mantel_haenszel_one_stratum_by_hand():
    """One stratum [[30, 10], [20, 20]]: the MH odds ratio is the table's, (30 x 20) / (10 x 20) = 3,
    D-DIF = -2.35 ln 3 = -2.5818; E(a) = 40 x 50 / 80 = 25, Var(a) = 40 x 40 x 50 x 30 / (80^2 x 79)
    = 4.74684, chi-square (continuity-corrected) = (|30 - 25| - 0.5)^2 / Var = 4.26600."""
    r = fairness_dif.mantel_haenszel(np.array([[30, 10], [20, 20]])[:, :, None])
    assert r["alpha"] == pytest.approx(3.0)
    assert r["d_dif"] == pytest.approx(-2.35 * math.log(3))
    assert r["statistic"] == pytest.approx(4.5 ** 2 / (40 * 40 * 50 * 30 / (80 ** 2 * 79)), rel=1e-9)
    assert r["p_value"] == pytest.approx(stats.chi2.sf(r["statistic"], 1))


def test_mantel_haenszel_two_strata_and_empty_strata():
    """alpha_MH = sum(a d / n) / sum(b c / n) (Holland & Thayer 1988), by hand: strata
    [[10, 5], [5, 10]] (n 30) and [[4, 6], [2, 8]] (n 20): (100/30 + 32/20) / (25/30 + 12/20)."""
    t = np.stack([[[10, 5], [5, 10]], [[4, 6], [2, 8]], [[3, 0], [0, 0]]], axis=-1)  # third: one group only
    r = fairness_dif.mantel_haenszel(t)
    assert r["alpha"] == pytest.approx((100 / 30 + 32 / 20) / (25 / 30 + 12 / 20))
    assert fairness_dif.mantel_haenszel(np.zeros((2, 2, 3)))["d_dif"] != fairness_dif.mantel_haenszel(np.zeros((2, 2, 3)))["d_dif"]


def test_mantel_ordinal_reduces_to_uncorrected_mh_for_binary_scores():
    """Mantel's test with 0/1 scores is the Mantel-Haenszel chi-square without continuity
    correction (statsmodels StratifiedTable.test_null_odds(correction=False))."""
    from statsmodels.stats.contingency_tables import StratifiedTable
    rng = np.random.default_rng(3)
    n = 600
    stratum = rng.integers(0, 5, n)
    focal = rng.random(n) < 0.4
    y = (rng.random(n) < 0.3 + 0.1 * stratum - 0.1 * focal).astype(float)
    r = fairness_dif.mantel_ordinal(y, focal, stratum)
    tables = np.zeros((2, 2, 5))
    np.add.at(tables, (focal.astype(int), (y == 0).astype(int), stratum), 1)
    ref = StratifiedTable(tables).test_null_odds(correction=False)
    assert r["statistic"] == pytest.approx(ref.statistic, rel=1e-9)
    # SMD by hand in one stratum: focal mean minus reference mean
    one = fairness_dif.mantel_ordinal(np.array([1, 2, 3, 4, 2, 4.0]), np.array([1, 1, 0, 0, 0, 0], bool), np.zeros(6))
    assert one["smd"] == pytest.approx(1.5 - 3.25)


def test_ets_classes():
    """Zwick (2012): A if |D| < 1 or not significant; C if |D| >= 1.5 and |D| significantly > 1."""
    assert fairness_dif.ets_class(-0.9, 0.1, 1e-9) == "A"
    assert fairness_dif.ets_class(-2.5, 0.2, 0.2) == "A"          # large but not significant
    assert fairness_dif.ets_class(-1.2, 0.2, 1e-4) == "B"
    assert fairness_dif.ets_class(-1.6, 0.5, 1e-4) == "B"         # 1.6 not significantly above 1 with SE 0.5
    assert fairness_dif.ets_class(1.6, 0.2, 1e-6) == "C"
    assert fairness_dif.ets_class(float("nan"), 0.2, 0.01) == ""


# ----------------------------------------------------------------------------------------------
# Planted truth and a null world
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def planted(bank):
    h = generate(3000, seed=0, questions=bank, groups=True)
    wb = workbook_of(h, bank)
    return h, wb


def test_planted_question_and_interviewer_are_flagged(planted):
    h, wb = planted
    truth = h.planted_groups.set_index("effect")
    d = fairness_dif.dif(wb, h.candidate_groups)
    row = d[(d["question_id"] == truth.loc["dif", "target"]) & (d["focal"] == truth.loc["dif", "group"])].iloc[0]
    assert row["flag"] == "harder_for_focal" and row["ets_class"] in ("B", "C")
    others = d[(d["flag"] != "") & (d["question_id"] != truth.loc["dif", "target"])]
    assert len(others) <= 1, others  # FDR 5%: a false discovery is possible, several are not expected
    mantel = fairness_dif.dif(wb, h.candidate_groups, method="mantel")
    assert (mantel.set_index(["question_id", "focal"]).loc[(truth.loc["dif", "target"], "woman"), "flag"]
            == "harder_for_focal")
    iv = fairness.interviewer_impact(wb, h.candidate_groups)
    hit = iv[(iv["interviewer"] == truth.loc["interviewer", "target"]) & (iv["group"] == "woman")].iloc[0]
    assert hit["flag"] == "lower"
    assert list(d.columns[:11]) == fairness_dif.DIF_COLUMNS and list(iv.columns) == fairness.INTERVIEWER_COLUMNS


def test_shared_suppression_plan_is_computed_once_and_changes_nothing(bank, monkeypatch):
    """The fairness report plans the recommendation stage's suppression once for both tables
    (SuppressionPlans): the tables are the same as when each call plans for itself, and the plan of
    each attribute is computed once instead of twice."""
    h = generate(400, seed=0, questions=bank, groups=True)
    wb, g = workbook_of(h, bank), h.candidate_groups
    ai, iv = fairness.adverse_impact(wb, g), fairness.interviewer_impact(wb, g)
    calls = []
    real = fairness._plan

    def counted(u, attr, order, **kw):
        calls.append((attr, kw["interviewers"]))
        return real(u, attr, order, **kw)

    monkeypatch.setattr(fairness, "_plan", counted)
    plans = fairness.SuppressionPlans()
    pd.testing.assert_frame_equal(fairness.adverse_impact(wb, g, plans=plans), ai)
    pd.testing.assert_frame_equal(fairness.interviewer_impact(wb, g, plans=plans), iv)
    attrs = [a for a in g.columns if a != "candidate_id"]
    assert sorted(a for a, interviewers in calls if interviewers) == sorted(attrs)  # once each, not twice
    with pytest.raises(ValueError, match="another workbook"):
        fairness.interviewer_impact(workbook_of(h, bank), g, plans=plans)


def test_groups_do_not_change_the_rest_of_the_history(bank):
    """The groups come from their own random stream; only the planted question's scores of the
    focal group (and the biased interviewer's calls) may differ."""
    a = generate(600, seed=5, questions=bank)
    b = generate(600, seed=5, questions=bank, groups=True, interviewer_bias=0)
    assert a.candidate_groups is None and a.planted_groups is None
    pd.testing.assert_frame_equal(a.planted_candidates, b.planted_candidates)
    focal = set(b.candidate_groups.loc[b.candidate_groups["gender"] == "woman", "candidate_id"])
    diff = a.scores["score"] != b.scores["score"]
    changed = a.scores[diff]
    assert len(changed) > 0
    assert set(changed["question_id"].astype(str)) == {"mid-caching"} and set(changed["candidate_id"]) <= focal
    assert (b.scores.loc[diff, "score"] <= a.scores.loc[diff, "score"]).all()  # harder, never easier


def test_demo_writes_groups_only_on_request_and_clears_its_stale_ones(tmp_path, bank):
    data = tmp_path / "d"
    write_history(generate(120, seed=1, questions=bank, groups=True), data, clean=True)
    assert (data / "candidates.csv").exists() and (data / "planted" / "groups.csv").exists()
    g = pd.read_csv(data / "candidates.csv", keep_default_na=False)
    assert list(g.columns) == ["candidate_id", "gender", "age_band"] and (g["gender"] == "").any()
    write_history(generate(120, seed=2, questions=bank), data, clean=True)
    assert not (data / "candidates.csv").exists() and not (data / "planted" / "groups.csv").exists()


def test_null_world_flags_stay_at_the_nominal_fdr(bank):
    """No planted effect, groups independent of ability: per family (attribute x focal group, 24
    questions) Benjamini-Hochberg at 5% must flag something in at most ~5% of families (under the
    complete null the FDR is the chance of any flag), and the raw p-values must reject at most ~5%."""
    any_flag, raw = [], []
    for seed in range(10):
        h = generate(1200, seed=1000 + seed, questions=bank, groups=True, dif_shift=0, interviewer_bias=0)
        d = fairness_dif.dif(workbook_of(h, bank), h.candidate_groups)
        d = d[d["p_value"].notna()]
        raw += list(d["p_value"] < 0.05)
        any_flag += list(d.groupby(["attribute", "focal"])["flag"].apply(lambda f: (f != "").any()))
    k = sum(any_flag)
    # 30 families; binomial(30, 0.05): P(X >= 5) = 0.016
    assert k <= 4, (k, len(any_flag))
    # the continuity-corrected MH test is conservative, most of all for small focal groups
    # (measured: about 0.02 here); it must never be liberal
    assert np.mean(raw) <= 0.08, np.mean(raw)


# ----------------------------------------------------------------------------------------------
# The groups file
# ----------------------------------------------------------------------------------------------

def test_groups_file_problems_name_file_and_line():
    text = ("\ufeffCandidate_ID , gender ,age_band\r\n"
            "C1,woman,under_40\r\n"
            "C2,,40_plus\r\n"
            "C3,man\r\n"               # 4: wrong number of fields
            ",man,40_plus\r\n"          # 5: empty id
            "C9,man,40_plus\r\n"        # 6: unknown
            "C4,man,under_40\r\n"       # 7: duplicated on 8
            "C4,woman,under_40\r\n")
    g, probs = parse_groups(text.encode(), "candidates.csv", known_candidates=["C1", "C2", "C3", "C4"])
    assert list(g.columns) == ["candidate_id", "gender", "age_band"]
    assert g["candidate_id"].tolist() == ["C1", "C2"] and g.loc[1, "gender"] is None
    lines = {p.line for p in probs}
    assert lines == {4, 5, 6, 7, 8}
    assert all(str(p).startswith(f"candidates.csv:{p.line}:") for p in probs)
    assert any("C9" in p.message and "no scorecard" in p.message for p in probs)


@pytest.mark.parametrize("raw, words", [
    (b"", "empty"), (b"id,gender\nC1,man\n", "no candidate_id"), (b"candidate_id\nC1\n", "no attribute"),
    (b"candidate_id,gender,Gender\nC1,a,b\n", "duplicate"), (b"candidate_id,\xff\n", "not UTF-8"),
    (b"candidate_id,,x\n", "no name"),
])
def test_groups_file_refused_whole(raw, words):
    g, probs = parse_groups(raw, "c.csv")
    assert g.empty and len(probs) == 1 and words in str(probs[0])


_cell = st.text(alphabet=st.sampled_from(list("ab,\"\n\r x=é")), max_size=6)


@given(rows=st.lists(st.lists(_cell, min_size=1, max_size=4), max_size=8))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_groups_every_row_loaded_or_reported(rows):
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["candidate_id", "gender", "age"])
    w.writerows(rows)
    text = buf.getvalue()
    g, probs = parse_groups(text.encode(), "c.csv", known_candidates=["a", "b", "ab"])
    # count data records the way the csv module sees them, by starting line
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    starts, last = [], reader.line_num
    for rec in reader:
        start, last = last + 1, reader.line_num
        if rec and not (len(rec) == 1 and not rec[0].strip()):
            starts.append(start)
    reported = {p.line for p in probs}
    assert len(g) + len(reported & set(starts)) == len(starts)
    assert g["candidate_id"].is_unique


# ----------------------------------------------------------------------------------------------
# Charts, command, privacy
# ----------------------------------------------------------------------------------------------

def test_charts_escape_and_do_not_draw_suppressed():
    ai = fairness.impact_ratios(counts(("<b>x</b>", 40, 20), ("y", 40, 10), ("tiny", 3, 1))).assign(
        attribute="g<i>", stage="recommendation", level="all")
    fig = fairness_charts.impact_chart(ai)
    labels = [str(v) for tr in fig.data for v in tr.y]
    assert "g&lt;i&gt;: &lt;b&gt;x&lt;/b&gt;" in labels and not any("<" in v for v in labels)
    assert not any("tiny" in v for v in labels)
    assert fig.layout.title.subtitle.text.startswith("1 cell suppressed")
    # the quote is kept as typed: plotly would show html.escape's &quot; literally
    q_fig = fairness_charts.impact_chart(fairness.impact_ratios(counts(('O"Brien & co', 40, 20), ("y", 40, 10))).assign(
        attribute="team", stage="recommendation", level="all"))
    assert 'team: O"Brien &amp; co' in [str(v) for tr in q_fig.data for v in tr.y]
    d = pd.DataFrame({"question_id": ["q<1>"], "attribute": ["a"], "focal": ["f"], "reference": ["r"], "n": [50],
                      "statistic": [1.0], "p_value": [0.3], "q_value": [0.3], "effect": [-0.5], "ets_class": ["A"],
                      "flag": [""]})
    q = pd.DataFrame({"question_id": ["q<1>"], "question": ["<script>alert(1)</script>"]})
    tr = fairness_charts.dif_chart(d, q).data[0]
    assert list(tr.y) == ["q&lt;1&gt;"] and "&lt;script&gt;" in str(tr.customdata[0][0])
    assert "<script>" not in str(list(tr.customdata))


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory, bank):
    data = tmp_path_factory.mktemp("fair") / "data"
    write_history(generate(400, seed=11, questions=bank, groups=True), data)
    return data


def _run(*args):
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=REPO)


def test_command_writes_the_contract_tables(demo_folder, tmp_path):
    out = tmp_path / "fair"
    res = _run("fairness", "--data", demo_folder, "--out", out, "--format", "csv")
    assert res.returncode == 0, res.stdout + res.stderr
    ai = pd.read_csv(out / "adverse_impact.csv", dtype=str, keep_default_na=False)
    assert list(ai.columns) == fairness.ADVERSE_IMPACT_COLUMNS
    assert list(pd.read_csv(out / "dif.csv").columns) == fairness_dif.DIF_COLUMNS
    iv = pd.read_csv(out / "interviewer_impact.csv", dtype=str, keep_default_na=False)
    assert list(iv.columns) == fairness.INTERVIEWER_COLUMNS
    for t in (ai, iv):  # small cells: count '<5', every rate blank
        sup = t[t["suppressed"] == "True"]
        assert len(sup) and (sup["n"] == "<5").any()
        assert (sup[sup["n"] == "<5"]["selection_rate"] == "").all()
        assert (sup[sup["n"] == "<5"]["n_selected"] == "").all()
    # complementary suppression: no small group's count is one subtraction away from the shown ones
    for (attr, stage), v in ai.groupby(["attribute", "stage"]):
        shown = v["n"].str.fullmatch(r"\d+")
        assert not _lines_with_one_hidden(v, ~shown.to_numpy()), (attr, stage)
    ids = set(pd.read_csv(demo_folder / "candidates.csv")["candidate_id"])
    for f in out.iterdir():
        text = f.read_text(encoding="utf-8")
        assert not any(i in text for i in list(ids)[:200]), f


def test_command_usage_errors(demo_folder, tmp_path):
    res = _run("fairness", "--data", demo_folder)
    assert res.returncode == 2 and "--out" in res.stderr and "Traceback" not in res.stderr
    res = _run("fairness", "--data", demo_folder, "--out", tmp_path / "o", "--min-n", "2")
    assert res.returncode == 2 and "at least 5" in res.stderr
    res = _run("fairness", "--data", demo_folder, "--groups", tmp_path / "none.csv", "--out", tmp_path / "o")
    assert res.returncode == 1 and "not found" in res.stdout and "Traceback" not in res.stdout + res.stderr


def test_no_group_data_in_the_default_report(demo_folder, tmp_path):
    """Sentinel attribute names and values in candidates.csv; the full default report (every format)
    must not contain any of them in any file it writes."""
    ids = pd.read_csv(demo_folder / "candidates.csv")["candidate_id"]
    sentinel = pd.DataFrame({"candidate_id": ids, "zqxattrname": np.where(np.arange(len(ids)) % 2, "zqxvalone",
                                                                           "zqxvaltwo")})
    data = tmp_path / "data"
    import shutil
    shutil.copytree(demo_folder, data)
    sentinel.to_csv(data / "candidates.csv", index=False)
    out = tmp_path / "report"
    res = _run("report", "--data", data, "--out", out, "--n-boot", "50")
    assert res.returncode == 0, res.stdout + res.stderr
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 10
    for f in files:
        blob = f.read_bytes()
        for s in (b"zqxattrname", b"zqxvalone", b"zqxvaltwo", b"candidates.csv"):
            assert s not in blob, (f, s)
    check = _run("check", "--data", data)
    assert "zqx" not in check.stdout


def test_only_the_fairness_module_reads_group_data():
    files = sorted((REPO / "analysis").rglob("*.py"))
    assert len(files) > 30
    for f in files:
        rel = f.relative_to(REPO / "analysis").as_posix()
        # the fairness modules of each layer, the groups reader, the demo that plants groups, the one
        # place that names the data folder's files (config), the command list, and docstrings that
        # only list the modules by name (__init__)
        if "fairness" in f.stem or rel in ("io/groups.py", "stats/demo.py", "config.py", "cli/main.py") \
                or f.name == "__init__.py":
            continue
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"(?<![\w])groups import", text) and "candidates.csv" not in text and "fairness" not in text, rel


def test_candidates_csv_is_git_ignored_but_the_planted_truth_is_not():
    if shutil_which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    ign = subprocess.run(["git", "check-ignore", "-q", "data/candidates.csv"], cwd=REPO)
    assert ign.returncode == 0
    ign = subprocess.run(["git", "check-ignore", "-q", "data/planted/candidates.csv"], cwd=REPO)
    assert ign.returncode == 1


def shutil_which(name):
    import shutil
    return shutil.which(name)


def test_report_refuses_an_output_folder_inside_the_data_folder(demo_folder):
    """fairness_report checks its own output folder (analysis.io.folder.output_folder), not only the command."""
    from analysis.errors import OutputFolderError
    from analysis.reports.fairness import fairness_report
    with pytest.raises(OutputFolderError, match="inside the data folder"):
        fairness_report(demo_folder, out=demo_folder / "fair", formats="csv", progress=False)
    assert not (demo_folder / "fair").exists()
