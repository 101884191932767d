"""Adverse impact: are our decisions, questions and interviewers fair across self-reported groups?

Three analyses, each a tidy frame, each on request only (``python -m analysis fairness``): nothing
here runs in the default report, and only the fairness modules read ``candidates.csv``
(:mod:`analysis.io.groups`). This module holds the selection-rate analyses and the units they
count; the per-question analysis is in :mod:`analysis.stats.fairness_dif`, the figures in
:mod:`analysis.charts.fairness`, and the report that writes them all in
:mod:`analysis.reports.fairness`.

- :func:`adverse_impact` — **selection rates** at each stage the data holds (the interview
  recommendation, pass = yes / strong_yes, one row per interview; the hiring decision from
  ``outcomes.csv``, hired vs rejected, one row per candidate), by candidate level and overall: the
  impact ratio against the group with the highest rate (the four-fifths rule of 29 CFR 1607.4(D)),
  Fisher's exact test, the two-proportion Z test (the "two standard deviations" rule), the
  shortfall, and the power to see a real gap, so that a small sample reads "too small to tell",
  never "no adverse impact".
- :func:`~analysis.stats.fairness_dif.dif` — **differential item functioning** per question: do
  candidates of equal ability (matched on the rest score of their interview, or on an ability you
  pass in, e.g. from IRT) score differently by group? Mantel-Haenszel with the ETS A/B/C classes (or
  Mantel's ordinal test with the standardised mean difference), Benjamini-Hochberg across questions.
- :func:`interviewer_impact` — each interviewer's pass rate per group against their other
  candidates, Fisher's exact test, Benjamini-Hochberg across interviewers.

Privacy: every cell with fewer than ``small_group`` distinct candidates (the privacy floor,
:data:`analysis.config.SMALL_GROUP` = 5) is suppressed — its count is shown as ``"<5"``, its rates,
ratios and tests are blank and ``suppressed`` is True — in the tables and in the charts (suppressed
groups are not drawn). So that no hidden count can be worked out by subtraction from the totals, the
adverse-impact table also hides the smallest neighbour of a lone suppressed cell (complementary
suppression, flag ``suppressed_complement``). Where even that cannot help (two ``<5`` rows, each known to
hold a candidate, with a known total of 2), the row is left out (:func:`analysis.stats.small_groups.withheld_cells`;
the report says a missing row means "no candidate, or withheld"). No candidate id appears anywhere.

>>> from analysis.io.load import load
>>> from analysis.io.groups import load_groups
>>> from analysis.stats import fairness
>>> wb = load("path/to/data")                                            # doctest: +SKIP
>>> groups, problems = load_groups("path/to/data")                       # doctest: +SKIP
>>> fairness.adverse_impact(wb, groups).query("flag == 'adverse_impact'")  # doctest: +SKIP
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats

from analysis import config
from analysis.io.groups import NOT_DISCLOSED, attributes
from analysis.stats.multiple import fdr_bh
from analysis.stats.small_groups import protect_cells

__all__ = [
    "ADVERSE_IMPACT_COLUMNS", "INTERVIEWER_COLUMNS", "FLAGS", "STAGES", "OVERALL",
    "candidate_groups", "order_groups", "selection_units", "impact_ratios", "shortfall", "complementary_suppression",
    "adverse_impact", "interviewer_impact", "SuppressionPlans",
]

ADVERSE_IMPACT_COLUMNS = ["attribute", "group", "stage", "level", "n", "n_selected", "selection_rate", "impact_ratio",
                          "reference_group", "fisher_p", "z", "shortfall", "flag", "suppressed"]
INTERVIEWER_COLUMNS = ["interviewer", "attribute", "group", "n", "n_selected", "selection_rate", "reference_rate",
                       "p_value", "q_value", "flag", "suppressed"]

FLAGS = {
    "reference": "the group with the highest selection rate: the others are compared with it",
    "adverse_impact": "impact ratio below 0.8 and Fisher's exact test significant: act on it",
    "four_fifths_only": "impact ratio below 0.8 but not significant although the sample could have shown a real "
                        "gap: watch it, look at the stage's content",
    "four_fifths_underpowered": "impact ratio below 0.8, not significant, and the sample too small to detect a real "
                                "gap: too small to tell, not 'no adverse impact'",
    "significant_only": "impact ratio 0.8 or more but the difference is significant (large samples): a real but "
                        "smaller gap",
    "underpowered": "no significant gap, but the sample is too small to detect a gap at the four-fifths line: "
                    "too small to tell",
    "none": "no significant gap and the ratio is 0.8 or more, with enough candidates to have seen one",
    "suppressed": f"fewer than {config.SMALL_GROUP} candidates: count shown as <{config.SMALL_GROUP}, nothing else",
    "suppressed_complement": "5 or more candidates, but hidden like a small group (count shown as 'suppressed'): "
                             "otherwise a suppressed group's count could be worked out by subtracting the shown "
                             "counts from the stage's total or from the overall row",
    "not_disclosed": "candidates who did not disclose this attribute: shown for completeness, never compared",
    "no_selections": "no group has any selection at this stage and level: no ratio can be formed",
}


#: The stages a selection is made at: the interview's recommendation, the hiring decision.
STAGES = ("recommendation", "decision")
#: The ``level`` of the rows that count every level together.
OVERALL = "all"


# ----------------------------------------------------------------------------------------------
# Units of selection
# ----------------------------------------------------------------------------------------------

def candidate_groups(groups: pd.DataFrame, candidates) -> pd.DataFrame:
    """One row per candidate of ``candidates`` with every attribute, NOT_DISCLOSED where unknown."""
    idx = pd.Index(pd.unique(pd.Series(list(candidates), dtype=object)), name="candidate_id")
    g = groups.drop_duplicates("candidate_id").set_index("candidate_id")
    out = g.reindex(idx)
    for a in out.columns:
        out[a] = out[a].astype(object).where(out[a].notna(), NOT_DISCLOSED)
    return out.reset_index()


def selection_units(workbook, groups: pd.DataFrame) -> pd.DataFrame:
    """Every decision the data holds, one row per unit, with the candidate's groups.

    Returns
    -------
    DataFrame
        ``stage`` (recommendation: one row per interview, selected = yes / strong_yes; decision:
        one row per candidate hired or rejected, selected = hired — withdrawn candidates made no
        decision to compare), ``unit`` (interview or candidate id), ``candidate_id``, ``level``,
        ``interviewer`` (recommendation only), ``selected`` (bool), then one column per attribute.
    """
    s = workbook.scores
    ivs = s.drop_duplicates("interview_id")[["interview_id", "candidate_id", "level", "interviewer", "recommendation"]]
    rec = pd.DataFrame({"stage": "recommendation", "unit": ivs["interview_id"].astype(str).to_numpy(),
                        "candidate_id": ivs["candidate_id"].astype(str).to_numpy(),
                        "level": ivs["level"].astype(str).to_numpy(),
                        "interviewer": ivs["interviewer"].astype(str).to_numpy(),
                        "selected": ivs["recommendation"].astype(str).isin(config.PASSING_RECOMMENDATIONS).to_numpy()})
    frames = [rec]
    out = workbook.outcomes
    if len(out):
        dec = out[out["decision"].astype(str).isin(["hired", "rejected"])]
        lvl = (ivs.assign(level=ivs["level"].astype(str)).groupby("candidate_id", observed=True)["level"]
               .agg(lambda v: v.mode().iloc[0]))
        frames.append(pd.DataFrame({"stage": "decision", "unit": dec["candidate_id"].astype(str).to_numpy(),
                                    "candidate_id": dec["candidate_id"].astype(str).to_numpy(),
                                    "level": dec["candidate_id"].map(lvl).to_numpy(dtype=object),
                                    "interviewer": None,
                                    "selected": (dec["decision"].astype(str) == "hired").to_numpy()}))
    units = pd.concat(frames, ignore_index=True)
    cg = candidate_groups(groups, units["candidate_id"])
    return units.merge(cg, on="candidate_id", how="left", validate="many_to_one")


# ----------------------------------------------------------------------------------------------
# Selection rates and the four-fifths rule
# ----------------------------------------------------------------------------------------------

def shortfall(n: int, n_selected: int, n_ref: int, n_selected_ref: int, *, threshold: float = 0.8) -> int:
    """How many more selections of a group would bring its impact ratio up to ``threshold``.

    The smallest whole ``k >= 0`` with ``((n_selected + k) / n) / (n_selected_ref / n_ref) >=
    threshold``, computed in exact integer arithmetic for the default 0.8 (= 4/5), so that a
    boundary case such as 48% against 60% (exactly 0.8) needs 0, as the Uniform Guidelines read it.

    Examples
    --------
    Reference 60 of 100 selected (60%), group 30 of 100: 0.8 x 60% x 100 = 48, so 18 more.

    >>> shortfall(100, 30, 100, 60)
    18
    """
    if n_selected_ref <= 0 or n <= 0 or n_ref <= 0:
        return 0
    num, den = _fraction(threshold)
    # (s + k) * n_ref * den >= num * n * s_ref
    need = num * n * n_selected_ref - den * n_selected * n_ref
    if need <= 0:
        return 0
    return int(-(-need // (den * n_ref)))


def _fraction(x: float) -> tuple[int, int]:
    f = Fraction(x).limit_denominator(1000)
    return f.numerator, f.denominator


def _below(n, s, n_ref, s_ref, threshold=0.8) -> bool:
    """``(s/n) / (s_ref/n_ref) < threshold`` exactly (48/60 is 0.8, not 0.7999999999999999)."""
    num, den = _fraction(threshold)
    return den * s * n_ref < num * n * s_ref


def _power(n, n_ref, rate_ref, alpha, threshold) -> float:
    """Power of a two-sided two-proportion test at ``alpha`` to detect a group rate of
    ``threshold x rate_ref`` against the reference (statsmodels, Cohen's h)."""
    # deferred: statsmodels costs start-up time; only the fairness command needs it
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize
    p1 = threshold * rate_ref
    if not (0 < rate_ref <= 1) or n < 1 or n_ref < 1:
        return float("nan")
    h = abs(proportion_effectsize(rate_ref, p1))
    if h == 0:
        return float("nan")
    return float(NormalIndPower().power(effect_size=h, nobs1=n, alpha=alpha, ratio=n_ref / n,
                                        alternative="two-sided"))


def _ztest(s, n, s_ref, n_ref) -> float:
    # deferred: statsmodels costs start-up time; only the fairness command needs it
    from statsmodels.stats.proportion import proportions_ztest
    pooled = (s + s_ref) / (n + n_ref)
    if pooled in (0.0, 1.0):
        return float("nan")  # nobody (or everybody) selected: no variance to test against
    z, _ = proportions_ztest([s, s_ref], [n, n_ref])
    return float(z)


def impact_ratios(data: pd.DataFrame, group: str = "group", n: str = "n", selected: str = "n_selected", *,
                  candidates: str | None = None, small_group: int = config.SMALL_GROUP, alpha: float = 0.05,
                  threshold: float = 0.8, power_target: float = 0.8, hide=()) -> pd.DataFrame:
    """Impact ratios, Fisher's exact and Z tests, shortfall and power for one table of counts.

    Parameters
    ----------
    data : DataFrame
        One row per group: its name, how many were considered and how many selected.
    group, n, selected : str
        Column names.
    candidates : str, optional
        Column with the number of distinct candidates behind ``n`` (when ``n`` counts interviews);
        suppression is decided on it. Default: ``n``.
    small_group : int, default config.SMALL_GROUP
        Rows with fewer candidates are suppressed and take no part in the comparison.
    alpha : float, default 0.05
        Level of Fisher's exact test for the flag, and of the power calculation.
    threshold : float, default 0.8
        The four-fifths rule.
    power_target : float, default 0.8
        Below this power to detect a gap at the threshold, a non-significant result is
        "underpowered" (too small to tell).
    hide : collection, optional
        Groups to suppress although they are large enough (complementary suppression, decided by
        :func:`complementary_suppression`): flag ``suppressed_complement``, ``n`` shown as
        ``"suppressed"``; like small groups they take no part in the comparison.

    Returns
    -------
    DataFrame
        ``group, n, n_selected, selection_rate, impact_ratio, reference_group, fisher_p, z,
        shortfall, power, flag, suppressed`` (see :data:`FLAGS`). ``n`` is ``"<5"`` for suppressed
        rows. A group named :data:`analysis.io.groups.NOT_DISCLOSED` is shown but never compared.

    Notes
    -----
    The reference is the group with the highest selection rate among those reported (29 CFR
    1607.4(D)); ties go to the larger group. Being chosen for its high rate, it is partly high by
    chance (a small group most of all), so the tests against it are somewhat optimistic when there
    are more than two groups; no correction across groups, stages or levels is applied. Fisher's
    exact test (scipy, two-sided) compares each group with the reference in a 2x2 table; ``z`` is
    the pooled two-proportion Z statistic (statsmodels ``proportions_ztest``; negative = lower than
    the reference), the "two standard deviations" rule being ``|z| > 1.96``. The power is that of a
    two-sided test at ``alpha`` to detect a true rate of ``threshold`` times the reference's, with
    these group sizes (statsmodels ``NormalIndPower``, Cohen's h). How a hiring lead should read it:
    the ratio says how big a gap is, the test whether chance could explain it, and the power whether
    the sample could have shown it at all. Only "adverse_impact" needs action now; "underpowered"
    means collect more data before saying anything.
    """
    d = data[[group, n, selected] + ([candidates] if candidates else [])].copy()
    d.columns = ["group", "n", "n_selected"] + (["n_candidates"] if candidates else [])
    if not candidates:
        d["n_candidates"] = d["n"]
    d["n"] = d["n"].astype(int)
    d["n_selected"] = d["n_selected"].astype(int)
    hidden = d["group"].isin(list(hide))
    small = (d["n_candidates"] < small_group) | hidden
    disclosed = d["group"] != NOT_DISCLOSED
    d["selection_rate"] = np.where(d["n"] > 0, d["n_selected"] / d["n"].where(d["n"] > 0, 1), np.nan)
    elig = d[~small & disclosed & (d["n"] > 0)]
    rows = []
    ref = None
    if len(elig):
        ref = elig.sort_values(["selection_rate", "n", "group"], ascending=[False, False, True]).iloc[0]
    for _, r in d.iterrows():
        out = {"group": r["group"], "n": int(r["n"]), "n_selected": int(r["n_selected"]),
               "selection_rate": float(r["selection_rate"]), "impact_ratio": np.nan,
               "reference_group": ref["group"] if ref is not None else None, "fisher_p": np.nan, "z": np.nan,
               "shortfall": pd.NA, "power": np.nan, "flag": "", "suppressed": False}
        if r["n_candidates"] < small_group:
            out.update(n=f"<{small_group}", n_selected=pd.NA, selection_rate=np.nan, flag="suppressed", suppressed=True)
        elif r["group"] in hide:
            out.update(n="suppressed", n_selected=pd.NA, selection_rate=np.nan, flag="suppressed_complement",
                       suppressed=True)
        elif r["group"] == NOT_DISCLOSED:
            out["flag"] = "not_disclosed"
        elif ref is None or ref["n_selected"] == 0:
            out["flag"] = "no_selections"
        elif r["group"] == ref["group"]:
            out.update(impact_ratio=1.0, shortfall=0, flag="reference")
        else:
            s, m, s_ref, m_ref = int(r["n_selected"]), int(r["n"]), int(ref["n_selected"]), int(ref["n"])
            out["impact_ratio"] = (s * m_ref) / (m * s_ref)
            out["fisher_p"] = float(stats.fisher_exact([[s, m - s], [s_ref, m_ref - s_ref]])[1])
            out["z"] = _ztest(s, m, s_ref, m_ref)
            out["shortfall"] = shortfall(m, s, m_ref, s_ref, threshold=threshold)
            out["power"] = _power(m, m_ref, s_ref / m_ref, alpha, threshold)
            below, sig = _below(m, s, m_ref, s_ref, threshold), out["fisher_p"] < alpha
            weak = not sig and not (out["power"] >= power_target)
            if below:
                out["flag"] = "adverse_impact" if sig else ("four_fifths_underpowered" if weak else "four_fifths_only")
            else:
                out["flag"] = "significant_only" if sig else ("underpowered" if weak else "none")
        rows.append(out)
    res = pd.DataFrame(rows, columns=["group", "n", "n_selected", "selection_rate", "impact_ratio", "reference_group",
                                      "fisher_p", "z", "shortfall", "power", "flag", "suppressed"])
    res["n"] = res["n"].astype(object)
    res["n_selected"] = res["n_selected"].astype("Int64")
    res["shortfall"] = res["shortfall"].astype("Int64")
    return res


def complementary_suppression(cells: pd.DataFrame, *, margin: str = OVERALL,
                              small_group: int = config.SMALL_GROUP) -> dict[str, set]:
    """Which large cells of one attribute and stage must be hidden too, so that no small cell can be
    worked out from what is shown.

    Suppressing a group with fewer than ``small_group`` candidates protects nothing if the other groups'
    counts are shown beside a total that is published elsewhere (the stage's number of interviews or
    candidates), or if the group's other levels are shown beside its overall row: one subtraction
    gives the hidden count back. The lines whose sums a reader knows are the groups of one level and
    the levels of one group together with its overall row; :func:`analysis.stats.small_groups.protect_cells`
    (the one complementary suppression, shared with :func:`interviewer_impact`) hides the smallest
    shown neighbour of a lone hidden cell and then checks, with an integer program, that no hidden
    count or number selected has a single possible value.

    Parameters
    ----------
    cells : DataFrame
        One row per group and level: ``group``, ``level``, ``n`` and ``n_candidates`` (and
        ``n_selected``, audited too when present). The rows of level ``margin`` are each group's
        overall counts (the sum of its other levels).
    margin : str, default ``"all"``
    small_group : int, default config.SMALL_GROUP

    Returns
    -------
    dict
        level -> set of groups to hide in addition to the small ones (primary suppression).

    Notes
    -----
    The greedy step may hide a little more than an optimal plan (fewest cells lost, a linear
    program) would. A hiring lead loses the rates of the hidden groups at that level; the overall
    row and the other levels are usually still shown.
    """
    if cells.empty:
        return {}
    c = cells.reset_index(drop=True)
    hidden = protect_cells(c.assign(key=c["group"], n_min=1), _table_lines(c, margin), small_group=small_group)
    return _extra(c, hidden, small_group)


def _table_lines(c: pd.DataFrame, margin: str) -> list:
    """The known sums of one attribute's table at one stage: the groups of each level add up to the
    level's total; the levels of each group, less its ``margin`` row, add up to 0."""
    lines = [(idx, np.ones(len(idx))) for _, idx in c.groupby("level", sort=False).indices.items()]
    for _, idx in c.groupby("group", sort=False).indices.items():
        lines.append((idx, np.where(c.loc[idx, "level"].to_numpy() == margin, -1.0, 1.0)))
    return lines


def _extra(c: pd.DataFrame, hidden: np.ndarray, small_group: int, by: str = "level") -> dict:
    """``by`` value -> the groups hidden although large enough."""
    out: dict = {}
    extra = hidden & ~(c["n_candidates"] < small_group).to_numpy()
    for k, g in zip(c.loc[extra, by], c.loc[extra, "group"]):
        out.setdefault(k, set()).add(g)
    return out


def _counts(v: pd.DataFrame, by: str, order) -> pd.DataFrame:
    """Units, selections and distinct candidates of ``v`` per value of ``by``, in ``order``."""
    return (v.groupby(by).agg(n=("selected", "size"), n_selected=("selected", "sum"),
                              n_candidates=("candidate_id", "nunique"))
            .reindex([g for g in order if g in set(v[by])]).reset_index())


def _plan(u: pd.DataFrame, attr: str, order, *, interviewers: bool, small_group: int):
    """The counts of one attribute at one stage and what to hide in them.

    At the recommendation stage (``interviewers=True``) the interviewer table
    (:func:`interviewer_impact`) is planned together with the adverse-impact table, since each
    group's interviews over all interviewers add up to its overall row there, and each
    interviewer's reference rates give away their total over the groups.

    Returns
    -------
    (tables, hidden_levels, hidden_interviewers, withheld_levels)
        level -> counts; level -> groups hidden as complements; set of (interviewer, group) hidden
        as complements; level -> groups whose row is left out (``withheld_cells``).
    """
    tables = {}
    for level in (OVERALL, *config.LEVELS):
        v = u if level == OVERALL else u[u["level"] == level]
        if not v.empty:
            tables[level] = _counts(v, attr, order)
    if not tables:
        return tables, {}, set(), {}
    cells = pd.concat([t.assign(level=lv).rename(columns={attr: "group"}) for lv, t in tables.items()],
                      ignore_index=True).assign(interviewer=None, n_min=1)
    lines = _table_lines(cells, OVERALL)
    if interviewers:
        named = [g for g in order if g != NOT_DISCLOSED]
        rows = [dict(interviewer=iv, group=g, level=None, n_min=0, n=len(m), n_selected=int(m["selected"].sum()),
                     n_candidates=m["candidate_id"].nunique())
                for iv, w in sorted(u.groupby("interviewer"), key=lambda kv: str(kv[0])) for g in named
                for m in [w[w[attr] == g]]]
        ivc = pd.DataFrame(rows, columns=["interviewer", "group", "level", "n_min", "n", "n_selected", "n_candidates"])
        base = len(cells)
        cells = pd.concat([cells, ivc], ignore_index=True)
        overall = {g: i for i, (g, lv) in enumerate(zip(cells["group"], cells["level"])) if lv == OVERALL}
        for _, idx in ivc.groupby("interviewer", sort=False).indices.items():
            lines.append((base + idx, np.ones(len(idx))))  # each interviewer's total: their reference rates give it
        for g, idx in ivc.groupby("group", sort=False).indices.items():
            lines.append((np.r_[base + idx, overall[g]], np.r_[np.ones(len(idx)), -1.0]))  # = the group's overall row
    cells = cells.assign(key=cells["group"].astype(str) + "|" + cells["interviewer"].astype(str))
    hidden, withheld = protect_cells(cells, lines, small_group=small_group, withhold=True)  # withheld: n_min 1 rows
    table = cells["interviewer"].isna().to_numpy()
    ivs = _extra(cells[~table], hidden[~table], small_group, by="interviewer")
    held = cells[withheld].groupby("level")["group"].agg(set).to_dict()
    return tables, _extra(cells[table], hidden[table], small_group), {(k, g) for k, gs in ivs.items() for g in gs}, held


class SuppressionPlans:
    """The recommendation stage's suppression plans, computed once and shared by
    :func:`adverse_impact` and :func:`interviewer_impact`.

    Both tables hide the same cells, planned together (:func:`_plan`, whose integer-program audit is
    the slow part of a fairness report). Pass one ``SuppressionPlans()`` to both calls on the same
    workbook and groups and the plan of each attribute is computed by the first and reused by the
    second; without it each call plans for itself, with the same result.

    >>> plans = SuppressionPlans()
    >>> ai = adverse_impact(wb, groups, plans=plans)          # doctest: +SKIP
    >>> iv = interviewer_impact(wb, groups, plans=plans)      # doctest: +SKIP

    A plan is keyed by attribute, group order and ``small_group``; it belongs to the workbook and groups
    frame it was first used with, and using it with others raises ``ValueError`` (a plan of other
    data would hide the wrong cells).
    """

    def __init__(self):
        self._owner: tuple[int, int] | None = None
        self._plans: dict = {}

    def get(self, workbook, groups, u: pd.DataFrame, attr: str, order, *, small_group: int):
        """The plan of ``attr`` over the recommendation units ``u``, computed on first request."""
        owner = (id(workbook), id(groups))
        if self._owner is None:
            self._owner = owner
        elif self._owner != owner:
            raise ValueError("these suppression plans were made for another workbook or groups frame: "
                             "use one SuppressionPlans() per fairness report")
        key = (attr, tuple(order), int(small_group))
        if key not in self._plans:
            self._plans[key] = _plan(u, attr, order, interviewers=True, small_group=small_group)
        return self._plans[key]


def order_groups(values: pd.Series) -> list:
    """The groups of one attribute, largest first (ties by name), "not disclosed" last."""
    vc = values.value_counts()
    named = sorted((g for g in vc.index if g != NOT_DISCLOSED), key=lambda g: (-vc[g], str(g)))
    return named + ([NOT_DISCLOSED] if NOT_DISCLOSED in vc.index else [])


def adverse_impact(workbook, groups: pd.DataFrame, *, stages=STAGES, small_group: int = config.SMALL_GROUP,
                   alpha: float = 0.05, threshold: float = 0.8, power_target: float = 0.8,
                   plans: SuppressionPlans | None = None) -> pd.DataFrame:
    """Selection rates by group at each stage, by level and overall, with the four-fifths rule.

    Parameters
    ----------
    workbook : analysis.io.load.Workbook
    groups : DataFrame
        From :func:`analysis.io.groups.load_groups`. Candidates missing from it count as not disclosed.
    stages : sequence of str
        Among ``recommendation`` (per interview) and ``decision`` (per candidate, needs
        ``outcomes.csv``).
    small_group, alpha, threshold, power_target
        See :func:`impact_ratios`.
    plans : SuppressionPlans, optional
        Shared with :func:`interviewer_impact` on the same data, so the recommendation stage's
        suppression is planned once per report.

    Returns
    -------
    DataFrame
        :data:`ADVERSE_IMPACT_COLUMNS` plus ``power``: one row per attribute, stage, level
        (``all`` first, then junior, mid, senior) and group.

    Notes
    -----
    At the recommendation stage each interview is a selection; a candidate with three interviews
    counts three times, and their interviews are not independent, so the tests are somewhat too
    confident when loops are long. The decision stage has one row per candidate and no such issue.
    Suppression counts distinct candidates. A group that is large enough may still be hidden
    (``suppressed_complement``) when showing it would let a reader subtract their way to a small
    group's count: see :func:`complementary_suppression`.
    """
    units = selection_units(workbook, groups)
    units = units[units["stage"].isin(stages)]
    out = []
    for attr in attributes(groups):
        order = order_groups(units[attr])
        for stage in [s for s in STAGES if s in stages]:
            u = units[units["stage"] == stage]
            if u.empty:
                continue
            if stage == "recommendation" and plans is not None:
                tables, hidden, _, withheld = plans.get(workbook, groups, u, attr, order, small_group=small_group)
            else:
                tables, hidden, _, withheld = _plan(u, attr, order, interviewers=stage == "recommendation",
                                                    small_group=small_group)
            for level, counts in tables.items():
                t = impact_ratios(counts, attr, "n", "n_selected", candidates="n_candidates",
                                  small_group=small_group, alpha=alpha, threshold=threshold, power_target=power_target,
                                  hide=hidden.get(level, ()))
                t = t[~t["group"].isin(list(withheld.get(level, ())))]  # hidden rows: no shown number moves
                out.append(t.assign(attribute=attr, stage=stage, level=level))
    if not out:
        return pd.DataFrame(columns=ADVERSE_IMPACT_COLUMNS + ["power"])
    res = pd.concat(out, ignore_index=True)
    return res[ADVERSE_IMPACT_COLUMNS + ["power"]]


# ----------------------------------------------------------------------------------------------
# Interviewers
# ----------------------------------------------------------------------------------------------

def interviewer_impact(workbook, groups: pd.DataFrame, *, small_group: int = config.SMALL_GROUP,
                       fdr: float = 0.05, plans: SuppressionPlans | None = None) -> pd.DataFrame:
    """Each interviewer's pass rate for each group against their pass rate for their other candidates.

    Parameters
    ----------
    workbook : analysis.io.load.Workbook
    groups : DataFrame
        From :func:`analysis.io.groups.load_groups`.
    small_group : int, default config.SMALL_GROUP
        A group (or the rest of the interviewer's candidates) with fewer distinct candidates is
        suppressed: no rate, no test (``n`` shown as ``"<5"`` when the group itself is small).
    fdr : float, default 0.05
        Benjamini-Hochberg level across interviewers, for each attribute and group.
    plans : SuppressionPlans, optional
        Shared with :func:`adverse_impact` on the same data: the suppression is planned once.

    Returns
    -------
    DataFrame
        :data:`INTERVIEWER_COLUMNS`: ``n`` interviews of the group, ``n_selected`` of them passed
        (yes / strong_yes), ``selection_rate``, ``reference_rate`` (the same interviewer's other
        disclosed candidates), ``p_value`` (Fisher's exact test, two-sided), ``q_value``, ``flag``
        (``lower`` / ``higher`` when ``q_value < fdr``), ``suppressed``.

    Notes
    -----
    The comparison is within one interviewer, so a team-wide gap (see :func:`adverse_impact`) also
    shows here, a little, for everyone; an interviewer flagged alone is the finding. Pass rates are
    not adjusted for which candidates each interviewer saw; look at their scores on the same
    questions (and at :func:`dif`) before concluding.
    """
    every = selection_units(workbook, groups)
    u = every[every["stage"] == "recommendation"]
    rows = []
    for a in attributes(groups):
        # the same plan, in the same order, as adverse_impact's recommendation stage
        if plans is not None:
            _, _, hide, _ = plans.get(workbook, groups, u, a, order_groups(every[a]), small_group=small_group)
        else:
            _, _, hide, _ = _plan(u, a, order_groups(every[a]), interviewers=True, small_group=small_group)
        order = [g for g in order_groups(u[a]) if g != NOT_DISCLOSED]
        for iv in sorted(u["interviewer"].unique()):
            v = u[(u["interviewer"] == iv) & (u[a] != NOT_DISCLOSED)]
            for g in order:
                mine, rest = v[v[a] == g], v[v[a] != g]
                n, s = len(mine), int(mine["selected"].sum())
                m, t = len(rest), int(rest["selected"].sum())
                row = {"interviewer": iv, "attribute": a, "group": g, "n": n, "n_selected": s,
                       "selection_rate": s / n if n else np.nan, "reference_rate": t / m if m else np.nan,
                       "p_value": np.nan, "suppressed": False}
                if mine["candidate_id"].nunique() < small_group:
                    row.update(n=f"<{small_group}", n_selected=pd.NA, selection_rate=np.nan, reference_rate=np.nan,
                               suppressed=True)
                elif (iv, g) in hide:  # large enough, hidden so that a small cell cannot be worked out
                    row.update(n="suppressed", n_selected=pd.NA, selection_rate=np.nan, reference_rate=np.nan,
                               suppressed=True)
                elif rest["candidate_id"].nunique() < small_group:
                    row.update(reference_rate=np.nan, suppressed=True)
                else:
                    row["p_value"] = float(stats.fisher_exact([[s, n - s], [t, m - t]])[1])
                rows.append(row)
    res = pd.DataFrame(rows, columns=["interviewer", "attribute", "group", "n", "n_selected", "selection_rate",
                                      "reference_rate", "p_value", "suppressed"])
    res["n"] = res["n"].astype(object)
    res["n_selected"] = res["n_selected"].astype("Int64")
    res["q_value"] = np.nan
    for _, idx in res.groupby(["attribute", "group"], sort=False).groups.items():
        res.loc[idx, "q_value"] = fdr_bh(res.loc[idx, "p_value"]).to_numpy()
    sig = res["q_value"] < fdr
    res["flag"] = np.where(sig, np.where(res["selection_rate"] < res["reference_rate"], "lower", "higher"), "")
    return res[INTERVIEWER_COLUMNS]


