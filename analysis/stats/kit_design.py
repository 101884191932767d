"""Kits that measure best where the hiring decision is made: hiring bars, kit recommendation, and a
decision study, from a fitted item response model (:func:`analysis.stats.irt.fit_irt`).

>>> from analysis.io.load import load
>>> from analysis.stats.irt import fit_irt
>>> from analysis.stats.kit_design import recommend_kit, decision_study
>>> wb = load()                                                          # doctest: +SKIP
>>> fit = fit_irt(wb.scores, rater="interviewer")                        # doctest: +SKIP
>>> rec = recommend_kit(fit, "senior", 6, questions=wb.questions)        # doctest: +SKIP
>>> rec.kit, rec.reliability, rec.today["reliability"]                   # doctest: +SKIP

The hiring bar
--------------
A level's *hiring bar* is the ability at which an interviewer's recommendation is as likely to be
yes as no: a logistic regression of "recommended" (``yes``/``strong_yes``) on the candidate's fitted
ability, over the level's scorecards, solved for probability one half. A kit matters most near the
bar: a candidate far above or below it is decided by any kit; one near it is decided by the noise.

Information at the bar
----------------------
Information adds over questions. A kit's standard error at the bar is ``1 / sqrt(I_kit(bar))`` and
its reliability there ``sigma^2 I / (sigma^2 I + 1)`` with ``sigma^2`` the level's ability variance:
the share of the spread in measured ability near the bar that is real. This module does not edit
:mod:`analysis.io.kits`; it compares with the kit that module builds today (:func:`analysis.io.kits.default_kit`).

Statistics only: the kit and decision-study charts are in :mod:`analysis.charts.kits`, the kit builder
widget in :mod:`analysis.widgets.kit_builder`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis import config
from analysis.io.bank import load_questions
from analysis.io.bank import active_questions
from analysis.io.kits import default_kit
from analysis.stats.irt import IRTFit, item_information
from analysis.stats.item_ids import split_item_ids

__all__ = ["hiring_bar", "level_spread", "kit_information", "recommend_kit", "KitRecommendation",
           "decision_study"]


def _level_abilities(fit: IRTFit, level: str) -> pd.DataFrame:
    if fit.data is None or "level" not in fit.data.columns:
        raise ValueError("this needs a fit on scorecard rows with a level column (analysis.io.load.load().scores)")
    cand = fit.columns["candidate"]
    ids = set(fit.data.loc[fit.data["level"].astype(str) == level, cand].astype(str))
    if not ids:
        raise ValueError(f"no candidate was interviewed for level {level!r}; "
                         f"levels present: {', '.join(sorted(fit.data['level'].astype(str).unique()))}")
    return fit.abilities[fit.abilities["candidate"].isin(ids)]


def level_spread(fit: IRTFit, level: str) -> tuple[float, float]:
    """Mean and variance of the ability of candidates at ``level`` (EAP variance + mean posterior
    variance: the total variance, which the shrunken EAPs alone understate)."""
    ab = _level_abilities(fit, level)
    return float(ab["ability"].mean()), float(ab["ability"].var(ddof=1) + (ab["ability_se"] ** 2).mean())


def hiring_bar(fit: IRTFit, level: str, *, recommendation: str = "recommendation",
               passing=config.PASSING_RECOMMENDATIONS, min_scorecards: int = 20) -> dict:
    """The ability at which a scorecard for ``level`` is a yes with probability one half.

    Parameters
    ----------
    fit : IRTFit
    level : str
        Candidate level.
    recommendation : str
        Column with the interviewer's call; ``passing`` are the values counted as yes.
    min_scorecards : int
        Fewer scorecards than this give a NaN bar (too few to place it).

    Returns
    -------
    dict
        ``level, bar, se, slope, n_scorecards, reason`` (``bar`` NaN with a reason when it cannot be
        estimated: too few scorecards, all yes or all no, or a slope that is not positive).
    """
    import statsmodels.api as sm                 # deferred: statsmodels loads only for a hiring bar
    ab = _level_abilities(fit, level)
    d = fit.data
    if recommendation not in d.columns:
        raise ValueError(f"hiring_bar: the fitted data has no {recommendation!r} column")
    unit, cand = fit.columns["unit"], fit.columns["candidate"]
    cards = d[d["level"].astype(str) == level].groupby(unit, observed=True).agg(
        candidate=(cand, "first"), rec=(recommendation, "first"))
    cards = cards.dropna(subset=["rec"])
    y = cards["rec"].astype(str).isin(set(passing)).to_numpy(float)
    x = cards["candidate"].astype(str).map(dict(zip(ab["candidate"], ab["ability"]))).to_numpy(float)
    out = {"level": level, "bar": np.nan, "se": np.nan, "slope": np.nan, "n_scorecards": int(len(y)), "reason": ""}
    if len(y) < min_scorecards:
        out["reason"] = f"only {len(y)} scorecards (need {min_scorecards})"
        return out
    if y.min() == y.max():
        out["reason"] = "every scorecard has the same recommendation"
        return out
    try:
        res = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
    except Exception as exc:  # perfect separation and friends
        out["reason"] = f"logistic fit failed: {exc}"
        return out
    b0, b1 = res.params
    if not b1 > 0:
        out["reason"] = "recommendations do not rise with ability"
        return out
    bar = -b0 / b1
    g = np.array([-1 / b1, b0 / b1 ** 2])
    out.update(bar=float(bar), se=float(np.sqrt(g @ res.cov_params() @ g)), slope=float(b1))
    return out


def kit_information(fit: IRTFit, question_ids, theta) -> np.ndarray:
    """Test information of a kit at each ``theta`` (sum of its questions' information)."""
    qs = [q for q in question_ids if q in set(fit.items["question"])]
    if not qs:
        return np.zeros(len(np.atleast_1d(theta)))
    a, thr = fit.params(qs)
    return item_information(theta, a, thr, fit.model).sum(axis=1)


def _fit_items(fit: IRTFit, ids) -> list[str]:
    """The fit's items of kit ids: an item id as it is, a stable id as its newest version in the fit
    (a kit names ``mid-caching``, the fit ``mid-caching v2``); ids the fit does not know are left out."""
    items = fit.items["question"].astype(str)
    split = split_item_ids(pd.DataFrame({"question_id": items.to_numpy(), "item": items.to_numpy()}))
    newest = split.sort_values("version").groupby("question_id")["item"].last().to_dict()
    known = set(items)
    return [str(q) if str(q) in known else newest[str(q)] for q in ids if str(q) in known or str(q) in newest]


@dataclass
class KitRecommendation:
    """A recommended kit: ``kit`` (``question_id, rank, information, topic, level``), the level's bar,
    expected SE and reliability at the bar, and the same for ``today`` (the default kit)."""

    level: str
    bar: float
    kit: pd.DataFrame
    se: float
    reliability: float
    today: dict
    notes: list = field(default_factory=list)


def recommend_kit(fit: IRTFit, level: str, n_questions: int, *, questions: pd.DataFrame | None = None,
                  topics=(), min_candidates: int = 30, neighbours: bool = True,
                  bar: float | None = None) -> KitRecommendation:
    """The questions that together measure most precisely at ``level``'s hiring bar.

    Parameters
    ----------
    fit : IRTFit
    level : {"junior", "mid", "senior"}
    n_questions : int
        Kit size.
    questions : DataFrame, optional
        The bank (``question_id, level, topic``); default :func:`analysis.io.bank.load_questions`. A
        workbook's item table (every version) is read through :func:`analysis.io.bank.active_questions`:
        only active versions are candidates, the fit's parameters are those of that version's item, and
        the kit lists stable ids (a kit never contains a retired question).
    topics : iterable of str
        Topics the kit must cover (at least one question each): a constraint, not a preference.
    min_candidates : int, default 30
        A question asked of fewer candidates is never recommended (its parameters are too uncertain).
    neighbours : bool, default True
        Also consider the levels just below and above (stretch questions and warm-ups).
    bar : float, optional
        The ability to measure at (default: :func:`hiring_bar` of the level).

    Returns
    -------
    KitRecommendation

    Notes
    -----
    Information is additive, so the best kit for one ability is found exactly by taking, for each
    required topic, its most informative eligible question, then filling the kit with the most
    informative of the rest (any kit meeting the constraint can swap its topic representatives for
    these without losing information).
    """
    if level not in config.LEVELS:
        raise ValueError(f"got level {level!r}, expected one of {', '.join(config.LEVELS)}")
    if int(n_questions) < 1:
        raise ValueError(f"got {n_questions} questions, expected at least 1")
    topics = [t for t in (topics or ()) if t]
    if len(topics) > n_questions:
        raise ValueError(f"{len(topics)} required topics cannot fit in a kit of {n_questions} questions; "
                         "ask for more questions or fewer topics")
    bank = load_questions() if questions is None else questions
    notes = []
    if bar is None:
        hb = hiring_bar(fit, level)
        bar = hb["bar"]
        if not np.isfinite(bar):
            bar = level_spread(fit, level)[0]
            notes.append(f"hiring bar not estimable ({hb['reason']}); measuring at the level's mean ability instead")
    i = config.LEVELS.index(level)
    levels = {level} | ({config.LEVELS[j] for j in (i - 1, i + 1) if 0 <= j < len(config.LEVELS)} if neighbours else set())
    active = active_questions(bank)
    b = active[["question_id", "level", "topic"]].astype(str)
    # the fit knows items (mid-caching v2); the kit names stable ids (mid-caching): one map between them
    b["item"] = active["item_id"].astype(str).to_numpy() if "item_id" in active else b["question_id"]
    item_of = dict(zip(b["question_id"], b["item"]))
    it = fit.items.set_index("question")
    cand = b[b["level"].isin(levels) & b["item"].isin(it.index)].copy()
    cand["n_candidates"] = it.loc[cand["item"], "n_candidates"].to_numpy()
    few = cand["n_candidates"] < min_candidates
    if few.any():
        notes.append(f"{int(few.sum())} question(s) asked of fewer than {min_candidates} candidates left out: "
                     + ", ".join(cand.loc[few, "question_id"]))
    cand = cand[~few]
    a, thr = fit.params(cand["item"])
    ok = np.isfinite(a) & np.isfinite(thr).all(axis=1)
    cand = cand[ok]
    cand["information"] = item_information([bar], a[ok], thr[ok], fit.model)[0] if len(cand) else []
    cand = cand.sort_values(["information", "question_id"], ascending=[False, True])
    chosen = []
    for t in topics:
        pool = cand[(cand["topic"] == t) & ~cand["question_id"].isin(chosen)]
        if pool.empty:
            raise ValueError(f"no eligible question covers topic {t!r} at {', '.join(sorted(levels))} "
                             f"(asked of >= {min_candidates} candidates); topics available: "
                             f"{', '.join(sorted(cand['topic'].unique()))}")
        chosen.append(pool["question_id"].iloc[0])
    for q in cand["question_id"]:
        if len(chosen) >= n_questions:
            break
        if q not in chosen:
            chosen.append(q)
    if len(chosen) < n_questions:
        notes.append(f"only {len(chosen)} eligible questions for a kit of {n_questions}")
    kit = cand.set_index("question_id").loc[chosen].reset_index()
    kit = kit.sort_values("information", ascending=False).reset_index(drop=True)
    kit.insert(1, "rank", np.arange(1, len(kit) + 1))
    kit = kit[["question_id", "rank", "information", "topic", "level", "n_candidates"]]
    _, var = level_spread(fit, level)

    def summary(ids):
        info = float(kit_information(fit, [item_of.get(q, q) for q in ids], [bar])[0])
        se = 1 / np.sqrt(info) if info > 0 else np.nan
        rel = var * info / (var * info + 1) if info > 0 else np.nan
        return info, se, rel

    info, se, rel = summary(chosen)
    today_ids = default_kit(bank, level)
    missing = [q for q in today_ids if item_of.get(q, q) not in set(it.index)]
    t_info, t_se, t_rel = summary([q for q in today_ids if q not in missing])
    if missing:
        notes.append(f"today's kit has {len(missing)} question(s) without a fit ({', '.join(missing)}); "
                     "its figures count only the others")
    today = {"kit": today_ids, "information": t_info, "se": t_se, "reliability": t_rel}
    return KitRecommendation(level=level, bar=float(bar), kit=kit, se=float(se), reliability=float(rel),
                             today=today, notes=notes)


def decision_study(fit: IRTFit, level: str, *, questions=range(1, 11), interviewers=range(1, 6),
                   kit=None, bar: float | None = None) -> pd.DataFrame:
    """Reliability of a level's decision by number of questions per interviewer and of interviewers.

    A D-study from the fitted models (the Spearman-Brown logic in information form):

    * each question contributes the mean information at the bar ``I_q`` of ``kit`` (default: the
      level's questions in the fit), so ``n`` questions from each of ``m`` interviewers give
      ``n m I_q``;
    * each interviewer adds a severity error: its true spread ``tau^2`` (the variance of the
      severities in ability units, minus their sampling variance) when scores are taken raw, or only
      the severities' sampling variance when the fair score corrects for it; averaged over ``m``;
    * reliability = ``sigma^2 / (sigma^2 + 1 / (n m I_q) + severity error / m)``, with ``sigma^2`` the
      level's ability variance; ``consistency`` = the chance that two independent loops of this
      design put a candidate of this level on the same side of the bar (bivariate normal).

    Returns
    -------
    DataFrame
        ``interviewers, questions, information, reliability, consistency, reliability_raw,
        consistency_raw`` (``*_raw``: interviewer severity not corrected). With no rater model,
        the raw and fair columns are equal and a note is in ``attrs["notes"]``.

    Notes
    -----
    It assumes conditional independence given ability: questions repeated across a loop and
    interviewers sharing one impression of a candidate make real loops less reliable than this.
    Read "4 interviewers x 5 questions reach 0.8" as a best case for that design.
    """
    from scipy.stats import multivariate_normal  # deferred: scipy.stats loads only for a decision study
    mu, var = level_spread(fit, level)
    if bar is None:
        hb = hiring_bar(fit, level)
        bar = hb["bar"] if np.isfinite(hb["bar"]) else mu
    if kit is None:
        lv = fit.data.loc[fit.data["level"].astype(str) == level, fit.columns["question"]].astype(str)
        counts = lv.value_counts()
        kit = list(counts.index[counts >= max(1, 0.02 * counts.sum())])
    a, thr = fit.params(_fit_items(fit, kit))
    iq = float(item_information([bar], a, thr, fit.model)[0].mean())
    notes = []
    if fit.raters is not None:
        s = fit.raters["severity_ability"].to_numpy(float)
        se = fit.raters["severity_ability_se"].to_numpy(float)
        tau2 = max(float(np.var(s, ddof=1) - np.mean(se ** 2)), 0.0)
        fair_err = float(np.mean(se ** 2))
    else:
        tau2 = fair_err = 0.0
        notes.append("no rater model: interviewer severity is not part of these figures")
    z = (bar - mu) / np.sqrt(var)
    rows = []

    def consistency(rel):
        if not np.isfinite(rel) or rel <= 0:
            return np.nan
        r = min(rel, 0.999999)
        cov = [[1, r], [r, 1]]
        return float(multivariate_normal([0, 0], cov).cdf([z, z]) + multivariate_normal([0, 0], cov).cdf([-z, -z]))

    for m in interviewers:
        for n in questions:
            info = n * m * iq
            err = 1 / info if info > 0 else np.inf
            rel = var / (var + err + fair_err / m)
            raw = var / (var + err + tau2 / m)
            rows.append({"interviewers": m, "questions": n, "information": info, "reliability": rel,
                         "consistency": consistency(rel), "reliability_raw": raw,
                         "consistency_raw": consistency(raw)})
    out = pd.DataFrame(rows)
    out.attrs["notes"] = notes
    out.attrs["bar"] = float(bar)
    return out
