"""Differential item functioning: does a question score candidates of equal ability differently by
self-reported group?

The per-question part of the fairness analysis (:mod:`analysis.stats.fairness` holds the
selection rates and the units they count): :func:`dif` matches candidates on the rest score of
their interview (or an ability you pass in) within their level, and tests each question for each
focal group against the reference group with Mantel-Haenszel (:func:`mantel_haenszel`, ETS A/B/C
classes from :func:`ets_class`) or Mantel's ordinal test (:func:`mantel_ordinal`, ETS AA/BB/CC),
Benjamini-Hochberg across questions (:func:`analysis.stats.multiple.fdr_bh`).
:func:`flagged_questions` puts the question's text beside each flag, so a hiring lead can read it.
A comparison where either group has fewer than ``small_group`` candidates
(:data:`analysis.config.SMALL_GROUP`) is not made.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from analysis import config
from analysis.io.groups import NOT_DISCLOSED, attributes
from analysis.stats.fairness import candidate_groups, order_groups
from analysis.stats.multiple import fdr_bh

__all__ = ["DIF_COLUMNS", "mantel_haenszel", "mantel_ordinal", "ets_class", "dif", "flagged_questions"]

DIF_COLUMNS = ["question_id", "attribute", "focal", "reference", "n", "statistic", "p_value", "q_value", "effect",
               "ets_class", "flag"]


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
    # deferred: statsmodels costs start-up time; only the fairness command needs it
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


def dif(workbook, groups: pd.DataFrame, *, method: str = "mh", ability=None, n_strata: int = 10,
        small_group: int = config.SMALL_GROUP, cut: int = 3, alpha: float = 0.05, fdr: float = 0.05,
        reference: dict | None = None, purify: bool = True, progress: bool = False) -> pd.DataFrame:
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
    small_group : int, default config.SMALL_GROUP
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
        candidates compared (each counts once per question, with their first answer; blank when the
        comparison is not made, ``ets_class`` "too few", since it would hold a small group's count); ``flag`` is
        ``harder_for_focal`` / ``easier_for_focal`` when the class is B or C (BB or CC) and
        ``q_value < fdr``, else empty.

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
    res = _dif_pass(workbook, groups, attrs, {}, method=method, ability=ability, n_strata=n_strata,
                    small_group=small_group, cut=cut, alpha=alpha, fdr=fdr, reference=reference, progress=progress)
    if purify and ability is None:
        flagged = {a: frozenset(res.loc[(res["attribute"] == a) & (res["flag"] != ""), "question_id"]) for a in attrs}
        if any(flagged.values()):
            res = _dif_pass(workbook, groups, attrs, flagged, method=method, ability=None, n_strata=n_strata,
                            small_group=small_group, cut=cut, alpha=alpha, fdr=fdr, reference=reference,
                            progress=progress)
    return res


def _dif_pass(workbook, groups, attrs, exclude, *, method, ability, n_strata, small_group, cut, alpha, fdr, reference,
              progress) -> pd.DataFrame:
    """One pass of :func:`dif`, matching on the rest score without the questions in ``exclude[attribute]``."""
    base = workbook.scores[["interview_id", "date", "candidate_id", "level", "question_id", "score"]]
    by_attr = {}
    for a in attrs:
        s = base.copy()
        s["stratum"] = _strata(s, ability, n_strata, exclude.get(a, frozenset()))
        by_attr[a] = s[s["stratum"].notna()]
    return pd.concat([_dif_one(by_attr[a], workbook, groups, a, method=method, small_group=small_group, cut=cut,
                               alpha=alpha, fdr=fdr, reference=reference, progress=progress) for a in attrs]
                     or [pd.DataFrame(columns=DIF_COLUMNS + ["se"])], ignore_index=True)


def _dif_one(s, workbook, groups, attribute, *, method, small_group, cut, alpha, fdr, reference, progress):
    # one answer per candidate and question (their first): a candidate asked the same question in
    # two interviews of a loop, or scored by a shadow as well, would otherwise count twice with the
    # same ability and the same answer, and the tests would be too confident
    s = (s.sort_values(["date", "interview_id"], kind="stable")
         .drop_duplicates(["candidate_id", "question_id"], keep="first"))
    s["question_id"] = s["question_id"].astype(str)
    cg = candidate_groups(groups, s["candidate_id"].astype(str))
    s = s.assign(candidate_id=s["candidate_id"].astype(str)).merge(cg, on="candidate_id", how="left")
    reference = reference or {}
    rows = []
    qids = [q for q in workbook.questions["question_id"].astype(str) if q in set(s["question_id"])]
    by_q = dict(tuple(s.groupby("question_id", sort=False)))
    attrs = [attribute]
    iterator = [(a, q) for a in attrs for q in qids]
    if progress:
        from tqdm.auto import tqdm  # deferred: tqdm.auto loads the notebook widgets when it can
        iterator = tqdm(iterator, desc="DIF", unit="test")
    refs = {}
    for a in attrs:
        cand = cg[cg[a] != NOT_DISCLOSED]
        order = order_groups(cand[a])
        refs[a] = reference.get(a, order[0] if order else None)
    for a, q in iterator:
        ref = refs[a]
        if ref is None:
            continue
        d = by_q[q]
        for foc in order_groups(cg[a]):
            if foc in (ref, NOT_DISCLOSED):
                continue
            v = d[d[a].isin([foc, ref])]
            isf = (v[a] == foc).to_numpy()
            n_f = v.loc[isf, "candidate_id"].nunique()
            n_r = v.loc[~isf, "candidate_id"].nunique()
            row = {"question_id": q, "attribute": a, "focal": foc, "reference": ref, "n": int(len(v)),
                   "statistic": np.nan, "p_value": np.nan, "effect": np.nan, "se": np.nan, "ets_class": ""}
            if n_f < small_group or n_r < small_group:
                # nobody compared, and n (focal + reference) less the reference's count elsewhere
                # would give the small group's count: left blank
                row.update(ets_class="too few", n=pd.NA)
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
    res["n"] = res["n"].astype("Int64")
    res["q_value"] = np.nan
    for _, idx in res.groupby(["attribute", "focal"], sort=False).groups.items():
        res.loc[idx, "q_value"] = fdr_bh(res.loc[idx, "p_value"]).to_numpy()
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


