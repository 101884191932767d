"""Adverse impact: are our decisions, questions and interviewers fair across self-reported groups?

Three analyses, each a tidy frame, each on request only (``python -m analysis fairness``): nothing
here runs in the default report, and no other module reads ``candidates.csv``
(:mod:`analysis.io.groups`).

- :func:`adverse_impact` — **selection rates** at each stage the data holds (the interview
  recommendation, pass = yes / strong_yes, one row per interview; the hiring decision from
  ``outcomes.csv``, hired vs rejected, one row per candidate), by candidate level and overall: the
  impact ratio against the group with the highest rate (the four-fifths rule of 29 CFR 1607.4(D)),
  Fisher's exact test, the two-proportion Z test (the "two standard deviations" rule), the
  shortfall, and the power to see a real gap, so that a small sample reads "too small to tell",
  never "no adverse impact".
- :func:`dif` — **differential item functioning** per question: do candidates of equal ability
  (matched on the rest score of their interview, or on an ability you pass in, e.g. from IRT)
  score differently by group? Mantel-Haenszel with the ETS A/B/C classes (or Mantel's ordinal test
  with the standardised mean difference), Benjamini-Hochberg across questions.
- :func:`interviewer_impact` — each interviewer's pass rate per group against their other
  candidates, Fisher's exact test, Benjamini-Hochberg across interviewers.

Privacy: every cell with fewer than ``min_n`` (5) distinct candidates is suppressed — its count is
shown as ``"<5"``, its rates, ratios and tests are blank and ``suppressed`` is True — in the tables
and in the charts (suppressed groups are not drawn). So that no hidden count can be worked out by
subtraction from the totals, the adverse-impact table also hides the smallest neighbour of a lone
suppressed cell (complementary suppression, flag ``suppressed_complement``). No candidate id
appears anywhere.

>>> from analysis.io.load import load
>>> from analysis.io.groups import load_groups
>>> from analysis import fairness
>>> wb = load("path/to/data")                                            # doctest: +SKIP
>>> groups, problems = load_groups("path/to/data")                       # doctest: +SKIP
>>> fairness.adverse_impact(wb, groups).query("flag == 'adverse_impact'")  # doctest: +SKIP
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from analysis import config
from analysis.charts.calibration import finish
from analysis.io.groups import NOT_DISCLOSED, attributes
from analysis.charts.theme import defaults

__all__ = [
    "ADVERSE_IMPACT_COLUMNS", "DIF_COLUMNS", "INTERVIEWER_COLUMNS", "FLAGS", "READING_GUIDE",
    "selection_units", "impact_ratios", "shortfall", "complementary_suppression", "adverse_impact",
    "mantel_haenszel", "mantel_ordinal", "ets_class", "dif", "flagged_questions",
    "interviewer_impact", "impact_chart", "dif_chart", "interviewer_chart",
    "fairness_report",
]

ADVERSE_IMPACT_COLUMNS = ["attribute", "group", "stage", "level", "n", "n_selected", "selection_rate", "impact_ratio",
                          "reference_group", "fisher_p", "z", "shortfall", "flag", "suppressed"]
DIF_COLUMNS = ["question_id", "attribute", "focal", "reference", "n", "statistic", "p_value", "q_value", "effect",
               "ets_class", "flag"]
INTERVIEWER_COLUMNS = ["interviewer", "attribute", "group", "n", "n_selected", "selection_rate", "reference_rate",
                       "p_value", "q_value", "flag", "suppressed"]

#: Meaning of each ``flag`` of :func:`adverse_impact`.
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
    "suppressed": "fewer than 5 candidates: count shown as <5, nothing else",
    "suppressed_complement": "5 or more candidates, but hidden like a small group (count shown as 'suppressed'): "
                             "otherwise a suppressed group's count could be worked out by subtracting the shown "
                             "counts from the stage's total or from the overall row",
    "not_disclosed": "candidates who did not disclose this attribute: shown for completeness, never compared",
    "no_selections": "no group has any selection at this stage and level: no ratio can be formed",
}

READING_GUIDE = {
    "impact_ratios": "Each dot is a group's selection rate divided by the rate of the group with the highest rate, "
                     "at one stage (panel) and level (colour). Left of the dashed 0.8 line the four-fifths rule of "
                     "thumb is broken. It is a rule of thumb, not a test: read the flag (Fisher's exact test and "
                     "power) in adverse_impact.csv before concluding anything. Groups with fewer than 5 candidates "
                     "are not drawn.",
    "dif_effects": "Each dot is a question's MH D-DIF for one group against the reference group, for candidates of "
                   "equal ability. Left of zero: harder for that group at the same ability. The shaded bands are "
                   "the ETS classes: inside +-1 negligible (A), 1-1.5 moderate (B), beyond 1.5 large (C). Filled dots "
                   "are flagged (B or C and significant after false-discovery control). Read a flagged question "
                   "before doing anything: it may test something the job needs.",
    "interviewer_gaps": "Each dot is an interviewer's pass rate for one group minus their pass rate for their other "
                        "candidates. Filled dots are significant after false-discovery control across interviewers. "
                        "Pass rates are not adjusted for the candidates each interviewer saw: look at the same "
                        "interviewer's scores before talking to them.",
}

STAGES = ("recommendation", "decision")
_ALL = "all"


# ----------------------------------------------------------------------------------------------
# Units of selection
# ----------------------------------------------------------------------------------------------

def _candidate_groups(groups: pd.DataFrame, candidates) -> pd.DataFrame:
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
    cg = _candidate_groups(groups, units["candidate_id"])
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
    from fractions import Fraction
    f = Fraction(x).limit_denominator(1000)
    return f.numerator, f.denominator


def _below(n, s, n_ref, s_ref, threshold=0.8) -> bool:
    """``(s/n) / (s_ref/n_ref) < threshold`` exactly (48/60 is 0.8, not 0.7999999999999999)."""
    num, den = _fraction(threshold)
    return den * s * n_ref < num * n * s_ref


def _power(n, n_ref, rate_ref, alpha, threshold) -> float:
    """Power of a two-sided two-proportion test at ``alpha`` to detect a group rate of
    ``threshold x rate_ref`` against the reference (statsmodels, Cohen's h)."""
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
    from statsmodels.stats.proportion import proportions_ztest
    pooled = (s + s_ref) / (n + n_ref)
    if pooled in (0.0, 1.0):
        return float("nan")  # nobody (or everybody) selected: no variance to test against
    z, _ = proportions_ztest([s, s_ref], [n, n_ref])
    return float(z)


def impact_ratios(data: pd.DataFrame, group: str = "group", n: str = "n", selected: str = "n_selected", *,
                  candidates: str | None = None, min_n: int = 5, alpha: float = 0.05, threshold: float = 0.8,
                  power_target: float = 0.8, hide=()) -> pd.DataFrame:
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
    min_n : int, default 5
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
    are more than two groups; no correction across groups, stages or levels is applied. Fisher's exact test (scipy, two-sided) compares each
    group with the reference in a 2x2 table; ``z`` is the pooled two-proportion Z statistic
    (statsmodels ``proportions_ztest``; negative = lower than the reference), the "two standard
    deviations" rule being ``|z| > 1.96``. The power is that of a two-sided test at ``alpha`` to
    detect a true rate of ``threshold`` times the reference's, with these group sizes
    (statsmodels ``NormalIndPower``, Cohen's h). How a hiring lead should read it: the ratio says
    how big a gap is, the test whether chance could explain it, and the power whether the sample
    could have shown it at all. Only "adverse_impact" needs action now; "underpowered" means
    collect more data before saying anything.
    """
    d = data[[group, n, selected] + ([candidates] if candidates else [])].copy()
    d.columns = ["group", "n", "n_selected"] + (["n_candidates"] if candidates else [])
    if not candidates:
        d["n_candidates"] = d["n"]
    d["n"] = d["n"].astype(int)
    d["n_selected"] = d["n_selected"].astype(int)
    hidden = d["group"].isin(list(hide))
    small = (d["n_candidates"] < min_n) | hidden
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
        if r["n_candidates"] < min_n:
            out.update(n=f"<{min_n}", n_selected=pd.NA, selection_rate=np.nan, flag="suppressed", suppressed=True)
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


def complementary_suppression(cells: pd.DataFrame, *, margin: str = _ALL, min_n: int = 5) -> dict[str, set]:
    """Which large cells must be hidden too, so that no small cell can be worked out by subtraction.

    Suppressing a group with fewer than ``min_n`` candidates protects nothing if the other groups'
    counts are shown beside a total that is published elsewhere (the stage's number of interviews or
    candidates), or if the group's other levels are shown beside its overall row: one subtraction
    gives the hidden count back. The classic remedy, used for census and official statistics tables
    (Cox 1980), is *complementary suppression*: in every line whose sum is known -- the groups of one
    level, and the levels of one group together with its overall row -- a single hidden cell is
    joined by the smallest shown cell of the same line; this repeats until no line has exactly one
    hidden cell. Two hidden cells in a line only give their sum, which is itself larger than either.

    Parameters
    ----------
    cells : DataFrame
        One row per group and level: ``group``, ``level``, ``n`` and ``n_candidates``. The rows of
        level ``margin`` are each group's overall counts (the sum of its other levels).
    margin : str, default ``"all"``
    min_n : int, default 5

    Returns
    -------
    dict
        level -> set of groups to hide in addition to the small ones (primary suppression).

    Notes
    -----
    This is the greedy form (hide the smallest neighbour), not an optimal one (fewest cells lost,
    a linear program): it may hide a little more than necessary, never too little for these two
    kinds of line. A hiring lead loses the rates of the hidden groups at that level; the overall row
    and the other levels are usually still shown.
    """
    if cells.empty:
        return {}
    c = cells.reset_index(drop=True)
    hidden = (c["n_candidates"] < min_n).to_numpy().copy()
    primary = hidden.copy()
    lines = [idx for _, idx in c.groupby("level", sort=False).indices.items()]
    lines += [idx for _, idx in c.groupby("group", sort=False).indices.items()]
    changed = True
    while changed:
        changed = False
        for idx in lines:
            if len(idx) < 2 or hidden[idx].sum() != 1:
                continue
            shown = idx[~hidden[idx]]
            pick = shown[np.lexsort((c.loc[shown, "group"].astype(str).to_numpy(), c.loc[shown, "n"].to_numpy()))[0]]
            hidden[pick] = True
            changed = True
    extra = hidden & ~primary
    out: dict[str, set] = {}
    for lv, g in zip(c.loc[extra, "level"], c.loc[extra, "group"]):
        out.setdefault(lv, set()).add(g)
    return out


def _order_groups(values: pd.Series) -> list:
    vc = values.value_counts()
    named = sorted((g for g in vc.index if g != NOT_DISCLOSED), key=lambda g: (-vc[g], str(g)))
    return named + ([NOT_DISCLOSED] if NOT_DISCLOSED in vc.index else [])


def adverse_impact(workbook, groups: pd.DataFrame, *, stages=STAGES, min_n: int = 5, alpha: float = 0.05,
                   threshold: float = 0.8, power_target: float = 0.8) -> pd.DataFrame:
    """Selection rates by group at each stage, by level and overall, with the four-fifths rule.

    Parameters
    ----------
    workbook : analysis.io.load.Workbook
    groups : DataFrame
        From :func:`analysis.io.groups.load_groups`. Candidates missing from it count as not disclosed.
    stages : sequence of str
        Among ``recommendation`` (per interview) and ``decision`` (per candidate, needs
        ``outcomes.csv``).
    min_n, alpha, threshold, power_target
        See :func:`impact_ratios`.

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
        order = _order_groups(units[attr])
        for stage in [s for s in STAGES if s in stages]:
            u = units[units["stage"] == stage]
            if u.empty:
                continue
            tables = {}
            for level in (_ALL, *config.LEVELS):
                v = u if level == _ALL else u[u["level"] == level]
                if v.empty:
                    continue
                tables[level] = (v.groupby(attr).agg(n=("selected", "size"), n_selected=("selected", "sum"),
                                                     n_candidates=("candidate_id", "nunique"))
                                 .reindex([g for g in order if g in set(v[attr])]).reset_index())
            cells = pd.concat([t.assign(level=lv).rename(columns={attr: "group"}) for lv, t in tables.items()],
                              ignore_index=True)
            hidden = complementary_suppression(cells, margin=_ALL, min_n=min_n)
            for level, counts in tables.items():
                t = impact_ratios(counts, attr, "n", "n_selected", candidates="n_candidates", min_n=min_n,
                                  alpha=alpha, threshold=threshold, power_target=power_target,
                                  hide=hidden.get(level, ()))
                out.append(t.assign(attribute=attr, stage=stage, level=level))
    if not out:
        return pd.DataFrame(columns=ADVERSE_IMPACT_COLUMNS + ["power"])
    res = pd.concat(out, ignore_index=True)
    return res[ADVERSE_IMPACT_COLUMNS + ["power"]]


# ----------------------------------------------------------------------------------------------
# Differential item functioning
# ----------------------------------------------------------------------------------------------

def mantel_haenszel(tables: np.ndarray) -> dict:
    """Mantel-Haenszel DIF statistics from 2x2xK tables (statsmodels ``StratifiedTable``).

    Parameters
    ----------
    tables : array (2, 2, K)
        Per stratum ``[[reference right, reference wrong], [focal right, focal wrong]]``.

    Returns
    -------
    dict
        ``statistic`` (MH chi-square with continuity correction, 1 df), ``p_value``, ``alpha``
        (common odds ratio, reference : focal), ``d_dif`` (MH D-DIF = -2.35 ln alpha; negative =
        harder for the focal group at equal ability), ``se`` (of D-DIF, Robins-Breslow-Greenland)
        and ``n``. Strata where one group or one outcome is absent carry no information and are
        dropped; NaN values when none is left or alpha is 0 or infinite.
    """
    from statsmodels.stats.contingency_tables import StratifiedTable
    t = np.asarray(tables, dtype=float)
    n_all = int(t.sum())
    keep = (t.sum(axis=(0, 1)) >= 2) & (t.sum(axis=1) > 0).all(axis=0) & (t.sum(axis=0) > 0).all(axis=0)
    t = t[:, :, keep]
    nan = {"statistic": np.nan, "p_value": np.nan, "alpha": np.nan, "d_dif": np.nan, "se": np.nan, "n": n_all}
    if t.shape[2] == 0:
        return nan
    st = StratifiedTable(t)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        test = st.test_null_odds(correction=True)
        alpha = float(st.oddsratio_pooled)
        se = float(st.logodds_pooled_se) if 0 < alpha < np.inf else np.nan
    if not (0 < alpha < np.inf):
        return {**nan, "statistic": float(test.statistic), "p_value": float(test.pvalue), "alpha": alpha}
    return {"statistic": float(test.statistic), "p_value": float(test.pvalue), "alpha": alpha,
            "d_dif": -2.35 * math.log(alpha), "se": 2.35 * se, "n": n_all}


def mantel_ordinal(y: np.ndarray, focal: np.ndarray, stratum: np.ndarray) -> dict:
    """Mantel's (1963) test for an ordinal score, and the standardised mean difference.

    Written here because no installed library has it: statsmodels' ``StratifiedTable`` takes 2x2
    tables only, scipy and pingouin have no stratified ordinal test. The formulas are those of
    Zwick, Donoghue & Grima (1993) and Dorans & Schmitt (1991).

    Parameters
    ----------
    y : array of float
        The item score (1-4).
    focal : array of bool
        True for the focal group, False for the reference group.
    stratum : array
        The matching stratum of each row.

    Returns
    -------
    dict
        ``statistic`` (Mantel chi-square, 1 df), ``p_value``, ``smd`` (standardised mean difference
        in score points: focal minus reference within strata, weighted by the focal group's
        distribution; negative = lower for the focal group at equal ability), ``sd`` (the item's
        standard deviation in both groups together, for the ETS polytomous classes) and ``n``.

    Notes
    -----
    In each stratum ``k``: ``F_k`` = sum of the focal scores, ``E_k = n_Fk * sum(y_k) / n_k``,
    ``V_k = n_Rk n_Fk (n_k sum(y_k^2) - sum(y_k)^2) / (n_k^2 (n_k - 1))``; the statistic is
    ``(sum F - sum E)^2 / sum V``. Strata with one group only contribute nothing.
    """
    y = np.asarray(y, float)
    f = np.asarray(focal, bool)
    codes, _ = pd.factorize(pd.Series(stratum))
    k = codes.max() + 1 if len(codes) else 0
    nk = np.bincount(codes, minlength=k).astype(float)
    nf = np.bincount(codes, f.astype(float), minlength=k)
    nr = nk - nf
    sy = np.bincount(codes, y, minlength=k)
    sy2 = np.bincount(codes, y * y, minlength=k)
    fk = np.bincount(codes, y * f, minlength=k)
    ok = (nk >= 2) & (nf > 0) & (nr > 0)
    nan = {"statistic": np.nan, "p_value": np.nan, "smd": np.nan, "sd": np.nan, "n": int(len(y))}
    if not ok.any():
        return nan
    e = nf * sy / np.where(nk > 0, nk, 1)
    v = nr * nf * (nk * sy2 - sy ** 2) / np.where(ok, nk ** 2 * (nk - 1), 1)
    V = v[ok].sum()
    mf = fk / np.where(nf > 0, nf, 1)
    mr = (sy - fk) / np.where(nr > 0, nr, 1)
    w = nf[ok] / nf[ok].sum()
    smd = float((w * (mf[ok] - mr[ok])).sum())
    sd = float(np.std(y, ddof=1)) if len(y) > 1 else np.nan
    if V <= 0:
        return {**nan, "smd": smd, "sd": sd}
    chi2 = float((fk[ok].sum() - e[ok].sum()) ** 2 / V)
    return {"statistic": chi2, "p_value": float(stats.chi2.sf(chi2, 1)), "smd": smd, "sd": sd, "n": int(len(y))}


def ets_class(d_dif: float, se: float, p_value: float, *, alpha: float = 0.05) -> str:
    """The ETS A/B/C class of an MH D-DIF (Zwick 2012, ETS Research Report RR-12-08).

    - **A** (negligible): ``|D| < 1`` or the MH chi-square is not significant at ``alpha``;
    - **C** (large): ``|D| >= 1.5`` and ``|D|`` significantly greater than 1 (one-sided z test
      ``(|D| - 1) / SE > z_(1 - alpha)``);
    - **B** (moderate): otherwise.

    ``""`` when D-DIF could not be estimated.

    >>> ets_class(-0.4, 0.3, 0.01), ets_class(-1.2, 0.3, 0.001), ets_class(-2.0, 0.3, 1e-6)
    ('A', 'B', 'C')
    """
    if not np.isfinite(d_dif) or not np.isfinite(p_value):
        return ""
    a = abs(d_dif)
    if a < 1 or p_value >= alpha:
        return "A"
    if a >= 1.5 and np.isfinite(se) and se > 0 and (a - 1) / se > stats.norm.ppf(1 - alpha):
        return "C"
    return "B"


def _ordinal_class(smd: float, sd: float, p_value: float, *, alpha: float = 0.05) -> str:
    """ETS polytomous classes from SMD/SD (Zwick, Thayer & Mazzeo 1997): AA |SMD/SD| <= .17 or not
    significant, CC |SMD/SD| > .25 and significant, BB otherwise."""
    if not (np.isfinite(smd) and np.isfinite(sd) and sd > 0 and np.isfinite(p_value)):
        return ""
    r = abs(smd) / sd
    if r <= 0.17 or p_value >= alpha:
        return "AA"
    return "CC" if r > 0.25 else "BB"


def _bh(p: pd.Series) -> pd.Series:
    from statsmodels.stats.multitest import multipletests
    q = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        q[ok] = multipletests(p[ok].to_numpy(), method="fdr_bh")[1]
    return q


def _strata(scores: pd.DataFrame, ability, n_strata: int, exclude=frozenset()) -> pd.Series:
    """Matching stratum of each score row: candidate level x quantile bin of the rest score (the
    mean of the same interview's other answers, leaving out the questions in ``exclude``) or of
    the ability passed in."""
    if ability is None:
        use = ~scores["question_id"].astype(str).isin(exclude)
        sc = scores["score"].astype(float)
        tot = sc.where(use, 0.0).groupby(scores["interview_id"]).transform("sum")
        cnt = use.astype(float).groupby(scores["interview_id"]).transform("sum")
        own = use.astype(float)
        match = ((tot - sc * own) / (cnt - own)).where(cnt - own > 0)
    else:
        ab = ability if isinstance(ability, pd.Series) else pd.Series(ability)
        match = scores["candidate_id"].astype(str).map(ab.astype(float))
    level = scores["level"].astype(str)
    bins = pd.Series(np.nan, index=scores.index)
    for L in level.unique():
        m = (level == L) & match.notna()
        if m.sum() == 0:
            continue
        ranks = match[m].rank(method="average", pct=True)  # ties share a bin
        bins[m] = np.minimum(np.ceil(ranks * n_strata), n_strata)
    return level + ":" + bins.map(lambda b: "" if pd.isna(b) else str(int(b))).where(bins.notna())


def dif(workbook, groups: pd.DataFrame, *, method: str = "mh", ability=None, n_strata: int = 10, min_n: int = 5,
        cut: int = 3, alpha: float = 0.05, fdr: float = 0.05, reference: dict | None = None, purify: bool = True,
        progress: bool = False) -> pd.DataFrame:
    """Differential item functioning: per question and attribute, do candidates of equal ability
    score differently by group?

    Parameters
    ----------
    workbook : analysis.io.load.Workbook
    groups : DataFrame
        From :func:`analysis.io.groups.load_groups`.
    method : {"mh", "mantel"}
        ``mh``: Mantel-Haenszel on the score dichotomised at ``cut`` (``score >= 3``: "what good
        looks like"), statistic = MH chi-square, effect = MH D-DIF, ETS classes A/B/C.
        ``mantel``: Mantel's ordinal test on the 1-4 score, effect = standardised mean difference
        in score points, ETS polytomous classes AA/BB/CC (uses every score level; more power).
    ability : Series, optional
        An ability per ``candidate_id`` (e.g. an IRT theta) to match on instead of the rest score.
    n_strata : int, default 10
        Quantile strata of the matching variable within each candidate level.
    min_n : int, default 5
        A comparison where the focal or the reference group has fewer candidates asked the
        question is not made (``ets_class`` "too few").
    cut : int, default 3
    alpha : float, default 0.05
        Level of the ETS classification's tests.
    fdr : float, default 0.05
        Benjamini-Hochberg level across questions, for each attribute and focal group.
    reference : dict, optional
        ``{"gender": "man"}``: the reference group per attribute (default: the largest group).
    purify : bool, default True
        Two-stage matching (Holland & Thayer 1988): questions flagged in a first pass are left out
        of the rest score of the second, so that one biased question does not make the others
        look biased the other way (its lower scores would otherwise pull the focal group's rest
        score down, and at equal rest score the focal candidates would be the abler ones).

    Returns
    -------
    DataFrame
        :data:`DIF_COLUMNS`: one row per question, attribute and focal group. ``n`` is the
        candidates compared (each counts once per question, with their first answer); ``flag`` is ``harder_for_focal`` / ``easier_for_focal`` when the class is B or
        C (BB or CC) and ``q_value < fdr``, else empty.

    Notes
    -----
    Why the rest score: it is the candidate's showing on the *other* questions of the same
    interview, asked by the same interviewer, so matching on it (within the candidate's level)
    compares candidates of equal demonstrated ability and cancels the interviewer's severity. Its
    limits: five or six answers measure ability roughly, so when the groups differ in ability the
    test can find DIF that is only measurement error (pass an IRT ``ability``), and a question
    whose DIF is shared by the others is invisible to it. How a hiring lead should read a flag: a
    B or C question is one where the group scores lower than equally able candidates of the
    reference group. Read the question and its rubric: is what it rewards part of the job? If not,
    rewrite it; never drop a group's data to make the flag go away.

    References
    ----------
    Holland, P. W. & Thayer, D. T. (1988). Differential item performance and the Mantel-Haenszel
    procedure. Zwick, R. (2012). A review of ETS differential item functioning assessment
    procedures. ETS RR-12-08.
    """
    if method not in ("mh", "mantel"):
        raise ValueError(f"method must be 'mh' or 'mantel', got {method!r}")
    attrs = attributes(groups)
    res = _dif_pass(workbook, groups, attrs, {}, method=method, ability=ability, n_strata=n_strata, min_n=min_n,
                    cut=cut, alpha=alpha, fdr=fdr, reference=reference, progress=progress)
    if purify and ability is None:
        flagged = {a: frozenset(res.loc[(res["attribute"] == a) & (res["flag"] != ""), "question_id"]) for a in attrs}
        if any(flagged.values()):
            res = _dif_pass(workbook, groups, attrs, flagged, method=method, ability=None, n_strata=n_strata,
                            min_n=min_n, cut=cut, alpha=alpha, fdr=fdr, reference=reference, progress=progress)
    return res


def _dif_pass(workbook, groups, attrs, exclude, *, method, ability, n_strata, min_n, cut, alpha, fdr, reference,
              progress) -> pd.DataFrame:
    """One pass of :func:`dif`, matching on the rest score without the questions in ``exclude[attribute]``."""
    base = workbook.scores[["interview_id", "date", "candidate_id", "level", "question_id", "score"]]
    by_attr = {}
    for a in attrs:
        s = base.copy()
        s["stratum"] = _strata(s, ability, n_strata, exclude.get(a, frozenset()))
        by_attr[a] = s[s["stratum"].notna()]
    return pd.concat([_dif_one(by_attr[a], workbook, groups, a, method=method, min_n=min_n, cut=cut, alpha=alpha,
                               fdr=fdr, reference=reference, progress=progress) for a in attrs]
                     or [pd.DataFrame(columns=DIF_COLUMNS + ["se"])], ignore_index=True)


def _dif_one(s, workbook, groups, attribute, *, method, min_n, cut, alpha, fdr, reference, progress):
    # one answer per candidate and question (their first): a candidate asked the same question in
    # two interviews of a loop, or scored by a shadow as well, would otherwise count twice with the
    # same ability and the same answer, and the tests would be too confident
    s = (s.sort_values(["date", "interview_id"], kind="stable")
         .drop_duplicates(["candidate_id", "question_id"], keep="first"))
    s["question_id"] = s["question_id"].astype(str)
    cg = _candidate_groups(groups, s["candidate_id"].astype(str))
    s = s.assign(candidate_id=s["candidate_id"].astype(str)).merge(cg, on="candidate_id", how="left")
    reference = reference or {}
    rows = []
    qids = [q for q in workbook.questions["question_id"].astype(str) if q in set(s["question_id"])]
    by_q = dict(tuple(s.groupby("question_id", sort=False)))
    attrs = [attribute]
    iterator = [(a, q) for a in attrs for q in qids]
    if progress:
        from tqdm.auto import tqdm
        iterator = tqdm(iterator, desc="DIF", unit="test")
    refs = {}
    for a in attrs:
        cand = cg[cg[a] != NOT_DISCLOSED]
        order = _order_groups(cand[a])
        refs[a] = reference.get(a, order[0] if order else None)
    for a, q in iterator:
        ref = refs[a]
        if ref is None:
            continue
        d = by_q[q]
        for foc in _order_groups(cg[a]):
            if foc in (ref, NOT_DISCLOSED):
                continue
            v = d[d[a].isin([foc, ref])]
            isf = (v[a] == foc).to_numpy()
            n_f = v.loc[isf, "candidate_id"].nunique()
            n_r = v.loc[~isf, "candidate_id"].nunique()
            row = {"question_id": q, "attribute": a, "focal": foc, "reference": ref, "n": int(len(v)),
                   "statistic": np.nan, "p_value": np.nan, "effect": np.nan, "se": np.nan, "ets_class": ""}
            if n_f < min_n or n_r < min_n:
                row["ets_class"] = "too few"
                rows.append(row)
                continue
            if method == "mh":
                right = (v["score"].to_numpy() >= cut)
                codes, _ = pd.factorize(v["stratum"])
                t = np.zeros((2, 2, codes.max() + 1))
                np.add.at(t, (isf.astype(int), (~right).astype(int), codes), 1)
                r = mantel_haenszel(t)
                row.update(statistic=r["statistic"], p_value=r["p_value"], effect=r["d_dif"], se=r["se"],
                           ets_class=ets_class(r["d_dif"], r["se"], r["p_value"], alpha=alpha) or "not estimable")
            else:
                r = mantel_ordinal(v["score"].to_numpy(), isf, v["stratum"].to_numpy())
                row.update(statistic=r["statistic"], p_value=r["p_value"], effect=r["smd"],
                           ets_class=_ordinal_class(r["smd"], r["sd"], r["p_value"], alpha=alpha) or "not estimable")
            rows.append(row)
    res = pd.DataFrame(rows, columns=["question_id", "attribute", "focal", "reference", "n", "statistic", "p_value",
                                      "effect", "se", "ets_class"])
    res["q_value"] = np.nan
    for _, idx in res.groupby(["attribute", "focal"], sort=False).groups.items():
        res.loc[idx, "q_value"] = _bh(res.loc[idx, "p_value"]).to_numpy()
    big = res["ets_class"].isin(["B", "C", "BB", "CC"]) & (res["q_value"] < fdr)
    res["flag"] = np.where(big, np.where(res["effect"] < 0, "harder_for_focal", "easier_for_focal"), "")
    return res[DIF_COLUMNS + ["se"]]


def flagged_questions(dif_table: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """The flagged rows of :func:`dif` with the question's level, topic and text beside each, so a
    hiring lead can judge the content: ``question_id, level, topic, question, attribute, focal,
    reference, effect, ets_class, q_value, flag``."""
    f = dif_table[dif_table["flag"] != ""]
    q = questions[["question_id", "level", "topic", "question"]].astype({"question_id": str})
    out = f.merge(q, on="question_id", how="left")
    return out[["question_id", "level", "topic", "question", "attribute", "focal", "reference", "effect", "ets_class",
                "q_value", "flag"]].reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# Interviewers
# ----------------------------------------------------------------------------------------------

def interviewer_impact(workbook, groups: pd.DataFrame, *, min_n: int = 5, fdr: float = 0.05) -> pd.DataFrame:
    """Each interviewer's pass rate for each group against their pass rate for their other candidates.

    Parameters
    ----------
    workbook : analysis.io.load.Workbook
    groups : DataFrame
        From :func:`analysis.io.groups.load_groups`.
    min_n : int, default 5
        A group (or the rest of the interviewer's candidates) with fewer distinct candidates is
        suppressed: no rate, no test (``n`` shown as ``"<5"`` when the group itself is small).
    fdr : float, default 0.05
        Benjamini-Hochberg level across interviewers, for each attribute and group.

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
    u = selection_units(workbook, groups)
    u = u[u["stage"] == "recommendation"]
    rows = []
    for a in attributes(groups):
        order = [g for g in _order_groups(u[a]) if g != NOT_DISCLOSED]
        for iv in sorted(u["interviewer"].unique()):
            v = u[(u["interviewer"] == iv) & (u[a] != NOT_DISCLOSED)]
            for g in order:
                mine, rest = v[v[a] == g], v[v[a] != g]
                n, s = len(mine), int(mine["selected"].sum())
                m, t = len(rest), int(rest["selected"].sum())
                row = {"interviewer": iv, "attribute": a, "group": g, "n": n, "n_selected": s,
                       "selection_rate": s / n if n else np.nan, "reference_rate": t / m if m else np.nan,
                       "p_value": np.nan, "suppressed": False}
                if mine["candidate_id"].nunique() < min_n:
                    row.update(n=f"<{min_n}", n_selected=pd.NA, selection_rate=np.nan, reference_rate=np.nan,
                               suppressed=True)
                elif rest["candidate_id"].nunique() < min_n:
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
        res.loc[idx, "q_value"] = _bh(res.loc[idx, "p_value"]).to_numpy()
    sig = res["q_value"] < fdr
    res["flag"] = np.where(sig, np.where(res["selection_rate"] < res["reference_rate"], "lower", "higher"), "")
    return res[INTERVIEWER_COLUMNS]


# ----------------------------------------------------------------------------------------------
# Charts (suppressed cells are never drawn; every label from the data is escaped)
# ----------------------------------------------------------------------------------------------

def _suppressed_note(n_sup: int) -> str | None:
    if not n_sup:
        return None
    return f"{n_sup} cell{'s' if n_sup != 1 else ''} suppressed (fewer than 5 candidates, or hiding one): not drawn"


def impact_chart(adverse: pd.DataFrame, *, threshold: float = 0.8) -> go.Figure:
    """Impact ratios per group, one panel per stage, one colour per level, with the 0.8 line.

    Only groups compared with a reference are drawn (not suppressed, not "not disclosed");
    the title says how many cells were suppressed.
    """
    d = adverse[~adverse["suppressed"].astype(bool) & adverse["impact_ratio"].notna()].copy()
    n_sup = int(adverse["suppressed"].astype(bool).sum())
    stages = [s for s in STAGES if s in set(adverse["stage"])] or list(STAGES[:1])
    fig = make_subplots(rows=1, cols=len(stages), shared_yaxes=True, subplot_titles=list(stages))
    d["label"] = d["attribute"].astype(str) + ": " + d["group"].astype(str)
    colors = {**defaults.level_colors, _ALL: "#333333"}
    for j, st in enumerate(stages, start=1):
        for level in (_ALL, *config.LEVELS):
            v = d[(d["stage"] == st) & (d["level"] == level)]
            if v.empty:
                continue
            fig.add_trace(go.Scatter(
                x=v["impact_ratio"], y=v["label"], mode="markers", name=level, legendgroup=level,
                showlegend=j == 1, marker=dict(color=colors.get(level), size=10 if level == _ALL else 7,
                                               symbol="diamond" if level == _ALL else "circle"),
                customdata=np.c_[v["selection_rate"], v["flag"].astype(str), v["reference_group"].astype(str)],
                hovertemplate="%{y}<br>impact ratio %{x}<br>selection rate %{customdata[0]}<br>reference "
                              "%{customdata[2]}<br>%{customdata[1]}<extra>%{fullData.name}</extra>"), row=1, col=j)
        fig.add_vline(x=threshold, line_dash="dash", line_color="#C0392B", row=1, col=j)
    fig.update_xaxes(title_text="impact ratio (vs highest-rate group)", rangemode="tozero")
    n_rows = max(1, d["label"].nunique())
    return finish(fig, "Selection rate relative to the highest-rate group (four-fifths line dashed)",
                  subtitle=_suppressed_note(n_sup), height=max(360, 120 + 40 * n_rows), digits=3)


def dif_chart(dif_table: pd.DataFrame, questions: pd.DataFrame | None = None) -> go.Figure:
    """MH D-DIF (or SMD) per question for each focal group, with the ETS bands; flagged dots filled;
    the question text in the hover (escaped)."""
    d = dif_table[dif_table["effect"].notna()].copy()
    text = {}
    if questions is not None:
        text = dict(zip(questions["question_id"].astype(str), questions["question"].astype(str)))
    ordinal = d["ets_class"].isin(["AA", "BB", "CC"]).any()
    fig = go.Figure()
    if not ordinal:
        fig.add_vrect(x0=-1, x1=1, fillcolor="#2E8B57", opacity=0.08, line_width=0)
        for lo, hi in ((-1.5, -1), (1, 1.5)):
            fig.add_vrect(x0=lo, x1=hi, fillcolor="#F2A541", opacity=0.12, line_width=0)
    fig.add_vline(x=0, line_color="#777777")
    palette = ["#4C9BE8", "#8E5EA2", "#F2A541", "#2E8B57", "#C0392B", "#17becf", "#8c564b"]
    for i, ((a, f), v) in enumerate(d.groupby(["attribute", "focal"], sort=False)):
        name = f"{a}: {f} vs {v['reference'].iloc[0]}"
        flagged = v["flag"] != ""
        fig.add_trace(go.Scatter(
            x=v["effect"].round(2), y=v["question_id"].astype(str), mode="markers", name=name,
            marker=dict(color=palette[i % len(palette)], size=np.where(flagged, 12, 8),
                        symbol=np.where(flagged, "circle", "circle-open"), line=dict(width=1.5)),
            customdata=np.c_[v["question_id"].map(lambda q: text.get(q, "")), v["ets_class"].astype(str),
                             v["q_value"].round(3)],
            hovertemplate="%{y}: %{customdata[0]}<br>effect %{x}, class %{customdata[1]}, q %{customdata[2]}"
                          "<extra>%{fullData.name}</extra>"))
    fig.update_yaxes(autorange="reversed", title_text=None)
    fig.update_xaxes(title_text=("standardised mean difference (score points; < 0 = lower for the group)" if ordinal
                                 else "MH D-DIF (< 0 = harder for the group at equal ability)"))
    return finish(fig, "Differential item functioning per question (matched on ability)",
                  height=max(420, 120 + 22 * max(1, d["question_id"].nunique())), digits=3)


def interviewer_chart(iv: pd.DataFrame) -> go.Figure:
    """Each interviewer's pass-rate gap (group minus their other candidates), flagged dots filled."""
    d = iv[~iv["suppressed"].astype(bool) & iv["selection_rate"].notna() & iv["reference_rate"].notna()].copy()
    d["gap"] = (d["selection_rate"] - d["reference_rate"]).round(3)
    fig = go.Figure()
    fig.add_vline(x=0, line_color="#777777")
    palette = ["#4C9BE8", "#8E5EA2", "#F2A541", "#2E8B57", "#C0392B", "#17becf", "#8c564b"]
    for i, ((a, g), v) in enumerate(d.groupby(["attribute", "group"], sort=False)):
        flagged = v["flag"] != ""
        fig.add_trace(go.Scatter(
            x=v["gap"], y=v["interviewer"].astype(str), mode="markers", name=f"{a}: {g}",
            marker=dict(color=palette[i % len(palette)], size=np.where(flagged, 12, 8),
                        symbol=np.where(flagged, "circle", "circle-open"), line=dict(width=1.5)),
            customdata=np.c_[v["q_value"].round(3)],
            hovertemplate="%{y}: gap %{x}, q %{customdata[0]}<extra></extra>"))
    fig.update_xaxes(title_text="pass rate of the group minus the interviewer's other candidates")
    n_sup = int(iv["suppressed"].astype(bool).sum())
    return finish(fig, "Interviewers: pass-rate gap by group", subtitle=_suppressed_note(n_sup),
                  height=max(380, 120 + 30 * max(1, d["interviewer"].nunique())), digits=3)


# ----------------------------------------------------------------------------------------------
# The report and the command
# ----------------------------------------------------------------------------------------------

NOTES = (
    "The four-fifths rule (29 CFR 1607.4(D)) is a rule of thumb for when a gap deserves attention, not a test "
    "and not a legal conclusion: small samples break it by chance, large samples can hide a real gap above 0.8. "
    "Read it together with Fisher's exact test and the power in the flag.",
    "Every cell with fewer than 5 candidates is suppressed: its count is shown as <5 and nothing else.",
    "At the recommendation stage each interview counts once, so a candidate with several interviews counts "
    "several times; the decision stage counts candidates.",
    "A flagged question is a reason to read and perhaps rewrite it, never to drop a group's data.",
    "The reference is the group with the highest rate, which is partly high by chance, a small group most of all; "
    "with many attributes, stages and levels some cells will be significant by chance (no correction is applied "
    "across them, as the Guidelines judge each one). Give a flag against a small reference group, or in one level "
    "only, the most scepticism.",
)


def fairness_report(data=None, *, groups=None, out, formats=("csv", "png", "svg", "html"), method: str = "mh",
                    min_n: int = 5, fdr: float = 0.05, workbook=None, progress: bool = True):
    """Run the three analyses on a data folder and write their tables and charts.

    Parameters
    ----------
    data : path-like, optional
        The data folder.
    groups : path-like, optional
        The group attributes file (default ``<data>/candidates.csv``).
    out : path-like
        Output folder: ``adverse_impact.csv``, ``dif.csv``, ``interviewer_impact.csv``,
        ``flagged_questions.csv`` (the flags with the question text), charts ``impact_ratios``,
        ``dif_effects``, ``interviewer_gaps`` in the chosen formats, and ``index.html``.
    formats : iterable of str
        Among csv, png, svg, pdf, html.
    method, min_n, fdr
        See :func:`dif` and :func:`adverse_impact`.

    Returns
    -------
    (paths, problems)
        The files written, and the problems found in the groups file.

    Raises
    ------
    analysis.errors.WorkbookError
        When the groups file is missing or has no usable row (its problems are attached).
    """
    from analysis.reports.export import parse_formats, write_report
    from analysis.io.groups import GroupsError, load_groups
    from analysis.io.load import load
    fmts = parse_formats(formats)
    wb = workbook if workbook is not None else load(data, progress=progress)
    known = set(wb.scores["candidate_id"].astype(str)) | set(wb.outcomes["candidate_id"].astype(str))
    g, problems = load_groups(wb.data if wb.data is not None else data, groups, known_candidates=known)
    if g.empty:
        raise GroupsError(problems or "no candidate with group data", groups)
    ai = adverse_impact(wb, g, min_n=min_n)
    dt = dif(wb, g, method=method, min_n=min_n, fdr=fdr, progress=progress)
    iv = interviewer_impact(wb, g, min_n=min_n, fdr=fdr)
    tables = {"adverse_impact": ai[ADVERSE_IMPACT_COLUMNS], "dif": dt[DIF_COLUMNS],
              "interviewer_impact": iv[INTERVIEWER_COLUMNS], "flagged_questions": flagged_questions(dt, wb.questions)}
    tables = {k: _rounded(v) for k, v in tables.items()}
    figures = {}
    if any(f != "csv" for f in fmts):
        figures = {"impact_ratios": impact_chart(ai), "dif_effects": dif_chart(dt, wb.questions),
                   "interviewer_gaps": interviewer_chart(iv)}
    meta = {"Interviews": wb.n_interviews, "Candidates with group data": len(g),
            "Attributes": ", ".join(attributes(g)), "Groups file problems": len(problems),
            "DIF method": method, "Smallest cell shown": min_n}
    paths = write_report(out, tables=tables, figures=figures, formats=fmts, title="Fairness report", meta=meta,
                         guides=READING_GUIDE, notes=list(NOTES), progress=progress)
    return paths, problems


def _rounded(df: pd.DataFrame) -> pd.DataFrame:
    """Values rounded to what they mean: rates and ratios 3 decimals, statistics 3, p-values 4
    significant digits."""
    out = df.copy()
    for c in out.columns:
        if c in ("fisher_p", "p_value", "q_value"):
            out[c] = out[c].map(lambda x: float(f"{x:.4g}") if pd.notna(x) else np.nan)
        elif out[c].dtype.kind == "f":
            out[c] = out[c].round(3)
    return out
