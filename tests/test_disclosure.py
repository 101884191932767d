"""Issue 23: no suppressed cell of the fairness command's tables can be worked out from what it shows.

An attacker reads the CSV files ``python -m analysis fairness`` writes (``adverse_impact.csv``,
``interviewer_impact.csv``, ``dif.csv``; ``flagged_questions.csv`` holds no count) and tries to pin
down every suppressed cell (``n`` shown as ``<5`` or ``suppressed``) to a single value:

- :func:`reference_rate_attack` is the attack of the issue: each shown row of an interviewer gives,
  through its ``reference_rate`` (3 decimals) and ``p_value`` (4 significant digits), the counts of
  the interviewer's *other* candidates; a small integer search over ``(m, t)`` (other interviews,
  other passes) finds them, and subtracting the shown rows leaves the hidden cells' sum. With one
  hidden cell per interviewer that sum *is* the cell: before the fix it recovered every ``<5``
  cell of the ``gender`` table (7 of 7 at 400 interviews, seed 0).
- :func:`linear_attack` is stronger than any reader: it is *given* every total a reader could know
  or get elsewhere (each stage's and level's number of units and of selections; each interviewer's
  number of disclosed candidates' interviews and passes whenever a row of theirs shows a reference
  rate, which gives it away as above), takes every linear relation between the
  tables (a group's levels add up to its overall row; a group's interviews over the interviewers add
  up to its overall row in ``adverse_impact.csv``; each DIF row's ``n`` is the focal plus the
  reference group's candidates) and the bounds the tables state (``<5``: at least one unit in
  ``adverse_impact``, none in ``interviewer_impact``; ``suppressed``: at least 5; ``0 <= n_selected
  <= n``), and finds the smallest and largest value of every hidden count and number selected over
  all integer solutions (an exhaustive integer search, scipy's ``milp``). A cell is *pinned* when
  both agree. A row missing from ``adverse_impact`` (a group of the attribute, at a stage it has
  units at, with no row at some level) is "no unit, or withheld" as the report's notes say: an
  unknown with only ``n >= 0``, pinned when its count has a single possible value above 0 (a row
  that is really absent is 0 and discloses nothing), or its number selected a single value while
  its count may be above 0.

The attacker is written from the published files, not from the suppression code: it shares no
function with :mod:`analysis.stats.small_groups`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.optimize import Bounds, LinearConstraint, milp

from analysis.io.demo_folder import write_history
from analysis.io.groups import NOT_DISCLOSED, load_groups
from analysis.io.load import load
from analysis.reports.fairness import fairness_report
from analysis.stats.demo import generate
from analysis.stats.fairness import selection_units

LEVELS = ("junior", "mid", "senior")


def fairness_outputs(tmp: Path, bank, n: int, seed: int) -> tuple[Path, Path]:
    """A ``demo --groups`` data folder and the fairness command's CSV tables for it."""
    data, out = tmp / "data", tmp / "out"
    write_history(generate(n, seed=seed, questions=bank, groups=True), data)
    fairness_report(data, out=out, formats="csv", progress=False)
    return data, out


def read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)


# ----------------------------------------------------------------------------------------------
# The attack: reference rates and p-values give an interviewer's other candidates back
# ----------------------------------------------------------------------------------------------

def _others(n: int, s: int, rate: str, p: str, limit: int = 400) -> set[tuple[int, int]]:
    """Every (m, t) (the interviewer's other interviews and passes) that reproduces the shown
    ``reference_rate`` and ``p_value`` of a row with ``n`` interviews and ``s`` passes."""
    r = float(rate)
    hits = set()
    for m in range(1, limit + 1):
        for t in range(max(0, math.floor((r - 0.0006) * m)), min(m, math.ceil((r + 0.0006) * m)) + 1):
            if round(t / m, 3) != round(r, 3):
                continue
            if p and float(f"{stats.fisher_exact([[s, n - s], [t, m - t]])[1]:.4g}") != float(p):
                continue
            hits.add((m, t))
    return hits


def reference_rate_attack(out: Path) -> tuple[int, dict]:
    """The suppressed interviewer cells that the issue's integer search recovers exactly.

    Returns the number of suppressed cells tried and ``{(interviewer, attribute, group): (n, s)}``
    for those recovered (the interviewer's single hidden cell, when every shown row with a
    reference rate agrees on one ``(m, t)``)."""
    iv = read(out, "interviewer_impact")
    tried, found = 0, {}
    for (who, attr), rows in iv.groupby(["interviewer", "attribute"]):
        hidden = rows[~rows["n"].str.fullmatch(r"\d+")]
        tried += len(hidden)
        shown = rows[rows["n"].str.fullmatch(r"\d+") & (rows["reference_rate"] != "")]
        if len(hidden) != 1 or shown.empty:
            continue
        sums = None
        for _, r in shown.iterrows():
            n, s = int(r["n"]), int(r["n_selected"])
            other = rows[(rows.index != r.name) & rows["n"].str.fullmatch(r"\d+")]
            n_o, s_o = other["n"].astype(int).sum(), other["n_selected"].astype(int).sum()
            cand = {(m - n_o, t - s_o) for m, t in _others(n, s, r["reference_rate"], r["p_value"])
                    if m - n_o >= 0 and 0 <= t - s_o <= m - n_o}
            sums = cand if sums is None else sums & cand
        if sums is not None and len(sums) == 1:
            found[(who, attr, hidden["group"].iloc[0])] = next(iter(sums))
    return tried, found


# ----------------------------------------------------------------------------------------------
# The linear attack: every relation between the tables, every bound, every total given
# ----------------------------------------------------------------------------------------------

class _System:
    """Integer unknowns (hidden counts), linear equalities and bounds; min and max of each unknown."""

    def __init__(self):
        self.names, self.lo, self.rows, self.rhs, self.order = [], [], [], [], []

    def var(self, name, lo) -> int:
        self.names.append(name)
        self.lo.append(lo)
        return len(self.names) - 1

    def equal(self, terms, value) -> None:
        """``sum(coef * term) == value``; a term is a known number or an unknown's index."""
        row, known = {}, 0.0
        for coef, term in terms:
            if isinstance(term, tuple):  # ("var", index)
                row[term[1]] = row.get(term[1], 0.0) + coef
            else:
                known += coef * term
        if row:
            self.rows.append(row)
            self.rhs.append(value - known)

    def at_most(self, small, big) -> None:
        self.order.append((small, big))  # unknown small <= unknown big (selections <= units)

    def ranges(self, which) -> dict:
        k = len(self.names)
        cons = []
        if self.rows:
            a = np.zeros((len(self.rows), k))
            for i, row in enumerate(self.rows):
                for j, c in row.items():
                    a[i, j] = c
            cons.append(LinearConstraint(a, self.rhs, self.rhs))
        if self.order:
            b = np.zeros((len(self.order), k))
            for i, (s, n) in enumerate(self.order):
                b[i, s], b[i, n] = 1, -1
            cons.append(LinearConstraint(b, -np.inf, 0))
        bounds = Bounds(np.array(self.lo, float), np.full(k, np.inf))
        out = {}
        for j in which:
            ends = []
            for sign in (1, -1):
                c = np.zeros(k)
                c[j] = sign
                r = milp(c, constraints=cons, bounds=bounds, integrality=np.ones(k))
                # the true counts are a solution: the smallest always exists; the largest may not
                assert r.status == 0 or sign == -1, (self.names[j], r.message)
                ends.append(round(float(r.x[j])) if r.status == 0 else None)
            out[self.names[j]] = tuple(ends)
        return out


def _truth(data: Path):
    """The totals handed to the attacker: units and selections per attribute-free stage and level,
    per interviewer over the candidates who disclosed each attribute, and the groups of each
    attribute with a unit at each stage (a row the tables leave out may be one of them)."""
    wb = load(data, progress=False)
    groups, _ = load_groups(data)
    u = selection_units(wb, groups)
    level = {}
    for stage, v in u.groupby("stage"):
        level[(stage, "all")] = (len(v), int(v["selected"].sum()))
        for lv, w in v.groupby("level"):
            level[(stage, lv)] = (len(w), int(w["selected"].sum()))
    rec = u[u["stage"] == "recommendation"]
    interviewer = {}
    for attr in [c for c in groups.columns if c != "candidate_id"]:
        d = rec[rec[attr] != NOT_DISCLOSED]
        for who, w in d.groupby("interviewer"):
            interviewer[(attr, who)] = (len(w), int(w["selected"].sum()))
    present = {(attr, stage): set(v[attr]) for attr in groups.columns if attr != "candidate_id"
               for stage, v in u.groupby("stage")}
    return level, interviewer, present


def linear_attack(data: Path, out: Path, *, absent_rows_are_zero: bool = False) -> tuple[int, dict]:
    """Every suppressed cell of the fairness tables with a single possible ``n`` or ``n_selected``.

    ``absent_rows_are_zero`` reads the tables as they were before rows could be withheld: a group's
    row was listed whenever it had a unit, so a missing row was known to hold none.

    Returns the number of suppressed values tried and ``{cell: (smallest, largest)}`` for the pinned
    ones."""
    level_total, iv_total, present = _truth(data)
    sy = _System()
    secret, absent = [], []

    def cell(name, n, s, floor):
        """(n term, s term): known numbers, or new unknowns with the bounds the table states."""
        if n.isdigit():
            return int(n), int(s)
        vn = sy.var((*name, "n"), 5 if n == "suppressed" else floor)
        vs = sy.var((*name, "n_selected"), 0)
        sy.at_most(vs, vn)
        secret.extend([vn, vs])
        return ("var", vn), ("var", vs)

    ai = read(out, "adverse_impact")
    ai_cells = {}
    for _, r in ai.iterrows():
        key = (r["attribute"], r["stage"], r["level"], r["group"])
        ai_cells[key] = cell(("adverse_impact", *key), r["n"], r["n_selected"], 1)
    for (attr, stage), gs in present.items():
        levels = [lv for st_, lv in level_total if st_ == stage]
        for lv in levels:
            for g in gs:
                if (attr, stage, lv, g) not in ai_cells and absent_rows_are_zero:
                    ai_cells[(attr, stage, lv, g)] = 0, 0
                elif (attr, stage, lv, g) not in ai_cells:  # no unit there, or a withheld row
                    vn = sy.var(("adverse_impact", attr, stage, lv, g, "n"), 0)
                    vs = sy.var(("adverse_impact", attr, stage, lv, g, "n_selected"), 0)
                    sy.at_most(vs, vn)
                    absent.append((vn, vs))
                    ai_cells[(attr, stage, lv, g)] = ("var", vn), ("var", vs)
            terms = [ai_cells[(attr, stage, lv, g)] for g in gs]
            for k in (0, 1):  # the groups of a level add up to the level's units and selections
                sy.equal([(1, t[k]) for t in terms], level_total[(stage, lv)][k])
        for g in gs:
            parts = [ai_cells[(attr, stage, lv, g)] for lv in levels if lv != "all"]
            for k in (0, 1):  # the levels of a group add up to its overall row
                sy.equal([(1, t[k]) for t in parts] + [(-1, ai_cells[(attr, stage, "all", g)][k])], 0)

    iv = read(out, "interviewer_impact")
    iv_cells = {}
    for _, r in iv.iterrows():
        key = (r["attribute"], r["interviewer"], r["group"])
        iv_cells[key] = cell(("interviewer_impact", *key), r["n"], r["n_selected"], 0)
    for (attr, who), v in iv.groupby(["attribute", "interviewer"]):
        if not (v["reference_rate"] != "").any():
            continue  # no shown reference rate: the tables do not give this interviewer's total
        for k in (0, 1):  # the interviewer's candidates of every disclosed group add up to their total
            sy.equal([(1, iv_cells[(attr, who, g)][k]) for g in v["group"]], iv_total.get((attr, who), (0, 0))[k])
    for (attr, g), v in iv.groupby(["attribute", "group"]):
        total = ai_cells.get((attr, "recommendation", "all", g))
        if total is not None:
            for k in (0, 1):  # a group's interviews over the interviewers add up to its overall row
                sy.equal([(1, iv_cells[(attr, w, g)][k]) for w in v["interviewer"]] + [(-1, total[k])], 0)

    dif = read(out, "dif")
    for (q, attr), v in dif.groupby(["question_id", "attribute"]):
        compared = (v["ets_class"] != "too few").any()
        ref = sy.var(("dif", q, attr, "reference"), 5 if compared else 0)
        for _, r in v.iterrows():
            few = r["ets_class"] == "too few"
            f = sy.var(("dif", q, attr, r["focal"]), 0 if few else 5)
            if few and compared:
                secret.append(f)  # the reference is large: the focal group is the small one
            if r["n"] != "":
                sy.equal([(1, ("var", f)), (1, ("var", ref))], int(r["n"]))
    ranges = sy.ranges(secret + [v for pair in absent for v in pair])
    pinned = {sy.names[j]: ranges[sy.names[j]] for j in secret}
    pinned = {k: v for k, v in pinned.items() if v[0] is not None and v[0] == v[1]}
    for vn, vs in absent:
        n_range, s_range = ranges[sy.names[vn]], ranges[sy.names[vs]]
        if n_range[0] == n_range[1] and n_range[0] > 0:
            pinned[sy.names[vn]] = n_range
        elif s_range[0] is not None and s_range[0] == s_range[1] and n_range[1] != 0:
            pinned[sy.names[vs]] = s_range
    return len(secret), pinned


# ----------------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=[(400, 0), (400, 11), (900, 3)], ids=lambda p: f"n{p[0]}-seed{p[1]}")
def world(request, tmp_path_factory, bank):
    n, seed = request.param
    return fairness_outputs(tmp_path_factory.mktemp(f"w{n}-{seed}"), bank, n, seed)


def test_reference_rates_no_longer_give_suppressed_cells_back(world):
    """Before the fix this search recovered every '<5' cell of the gender table at 400 interviews,
    seed 0 (7 of 7), from the shown rows' reference rates and p-values."""
    _, out = world
    tried, found = reference_rate_attack(out)
    assert tried > 0
    assert found == {}


def test_no_suppressed_cell_is_pinned_by_any_relation_between_the_tables(world):
    data, out = world
    tried, pinned = linear_attack(data, out)
    assert tried > 0
    assert pinned == {}


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
@given(n=st.integers(100, 300), seed=st.integers(0, 2 ** 20))
@example(n=100, seed=8)  # a DIF row's n gave its small focal group's count before "too few" rows lost it
@example(n=128, seed=1048576)  # two '<5' rows (each >= 1) with a known total of 2: withheld since
def test_small_worlds_pin_no_suppressed_cell(tmp_path_factory, bank, n, seed):
    """Property: a small demo history (few interviews, many small cells) pins no suppressed cell."""
    data, out = fairness_outputs(tmp_path_factory.mktemp("small"), bank, n, seed)
    assert reference_rate_attack(out)[1] == {}
    assert linear_attack(data, out)[1] == {}


def test_withheld_rows_are_what_frees_the_drawn_example(tmp_path, bank, monkeypatch):
    """The example hypothesis drew (n=128, seed=1048576): without withholding, the attacker of the old
    tables (a missing row holds nothing) pins the two '<5' rows of the decision stage's mid level to
    1 each, as it did on the code before; with it, nothing."""
    from analysis.stats import small_groups
    monkeypatch.setattr(small_groups, "_withhold", lambda c, *a: np.zeros(len(c), dtype=bool))
    data, out = fairness_outputs(tmp_path / "old", bank, 128, 1048576)
    pinned = linear_attack(data, out, absent_rows_are_zero=True)[1]
    assert pinned == {("adverse_impact", "gender", "decision", "mid", g, "n"): (1, 1)
                      for g in ("nonbinary", NOT_DISCLOSED)}
    monkeypatch.undo()
    data, out = fairness_outputs(tmp_path / "new", bank, 128, 1048576)
    assert linear_attack(data, out)[1] == {}


@pytest.mark.parametrize("n, seed", [(60, 0), (80, 4)])
def test_tiny_worlds_pin_no_suppressed_cell(tmp_path, bank, n, seed):
    """Below about 100 interviews hidden cells whose known total leaves one value (6 = 1 + 5, or two
    '<5' rows with a total of 2) pinned cells here until such rows were withheld (strict xfail before)."""
    data, out = fairness_outputs(tmp_path, bank, n, seed)
    assert linear_attack(data, out)[1] == {}


def test_the_attacker_recovers_a_cell_the_tables_give_away(tmp_path):
    """The attacker is not blind: handed a table with one hidden cell per line (what the fairness
    command wrote before the fix), it finds that cell's value exactly."""
    out = tmp_path / "out"
    out.mkdir()
    iv = pd.DataFrame({"interviewer": ["A", "A", "A"], "attribute": "gender", "group": ["man", "woman", "nonbinary"],
                       "n": ["30", "20", "<5"], "n_selected": ["15", "8", ""], "selection_rate": "",
                       "reference_rate": "", "p_value": "", "q_value": "", "flag": "", "suppressed": ""})
    # the rows' reference rates as the command wrote them: man's others are 20 + 3 interviews, 8 + 1 passes
    iv.loc[0, ["reference_rate", "p_value"]] = [f"{9 / 23:.3f}", f"{stats.fisher_exact([[15, 15], [9, 14]])[1]:.4g}"]
    iv.loc[1, ["reference_rate", "p_value"]] = [f"{16 / 33:.3f}", f"{stats.fisher_exact([[8, 12], [16, 17]])[1]:.4g}"]
    iv.to_csv(out / "interviewer_impact.csv", index=False)
    tried, found = reference_rate_attack(out)
    assert tried == 1 and found == {("A", "gender", "nonbinary"): (3, 1)}
