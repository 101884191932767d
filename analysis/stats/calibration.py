"""The calibration tables: which questions, topics and levels separate strong from weak
candidates, and which interviewers grade harder or softer than the rest.

>>> from analysis.io.load import load
>>> from analysis.stats.calibration import calibrate
>>> cal = calibrate(load(), criterion="recommendation")
>>> cal.question_stats.sort_values("discrimination").head()      # the weakest questions

Everything here is a thin layer over :mod:`analysis.stats.severity` (interviewer severity, the
additive many-facet model), :mod:`analysis.stats.discrimination` (the adjusted headline with bootstrap
intervals over candidates), :mod:`analysis.stats.items` (item-rest correlations, Cronbach's alpha, AUC),
:mod:`analysis.stats.reliability` (ICC, Krippendorff's alpha, weighted kappa) and
:mod:`analysis.stats.criteria` (what "strong" means). Each table is a tidy DataFrame whose columns are
documented in :data:`COLUMNS` and in the README.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special  # the distribution functions without scipy.stats' import cost

from analysis.stats import _codes
from analysis import config
from analysis.stats import items
from analysis.stats import reliability
from analysis.stats.criteria import attach_criterion
from analysis.stats.discrimination import RaterStep, ebel_band, grouped_discrimination
from analysis.stats.multiple import fdr_bh
from analysis.stats.severity import SeverityFit, fit_severity

__all__ = ["Calibration", "calibrate", "prepare", "filter_scores", "question_stats", "group_stats", "level_stats",
           "severity_first_step", "Y_FREE_IS_REST",
           "interviewer_stats", "level_heatmap", "inter_rater", "drift", "COLUMNS", "SAME_ANSWER", "RETEST",
           "prepare_slice", "criterion_rows", "CRITERION_FREE", "FIELDS"]

_DISC = {
    "n_candidates": "distinct candidates behind the rows",
    "discrimination": "headline: pooled within-level correlation of the severity-adjusted score with the criterion "
                      "freed of this answer (see analysis.stats.criteria); higher separates strong from weak better",
    "discrimination_low": "95% bootstrap interval (over candidates, not rows; with the severity estimates' own error), lower end",
    "discrimination_high": "95% bootstrap interval, upper end",
    "discrimination_se": "standard error of discrimination: bootstrap standard deviation and the severity estimates' part",
    "band": "Ebel band of discrimination: very good >= .40, good .30-.39, marginal .20-.29, poor < .20; "
            "'too few' under min_n candidates",
    "auc": "probability that a strong candidate scores higher than a weak one (ties count half); 0.5 = no separation",
    "red_flag_rate": "share of answers with the red flag",
    "red_flag_lift": "P(weak | red flag) / P(weak | no red flag): how much a red flag raises the chance of a weak outcome",
    "n": "score rows (times asked)",
    "mean": "mean score 1-4",
    "sd": "standard deviation of the score",
}

#: Meaning of every column of the exported tables (also rendered into the README).
COLUMNS = {
    "question_stats": {
        "question_id": "the question's id in the bank",
        "level": "the question's level in the bank (junior / mid / senior)",
        "topic": "the question's topic (cross-level taxonomy)",
        "question": "the question text (from the bank)",
        **_DISC,
        "too_few": "True when fewer than min_n candidates were asked: do not act on it yet",
        "item_rest_r": "correlation of the score with the mean of the same interview's other questions (unadjusted)",
        **{f"share_{s}": f"share of answers scored {s}" for s in config.SCORES},
        **{f"mean_{lvl}": f"mean score when asked of {lvl} candidates (difficulty by candidate level)" for lvl in config.LEVELS},
    },
    "interviewer_stats": {
        "interviewer": "interviewer name",
        "n_interviews": "interviews done",
        "pass_rate": "share of the interviewer's interviews recommended yes / strong_yes",
        "team_pass_rate": "the same for the whole team",
        "funnel_low95": "lower 95% funnel-plot control limit around the team rate for this many interviews",
        "funnel_high95": "upper 95% control limit",
        "funnel_low998": "lower 99.8% control limit",
        "funnel_high998": "upper 99.8% control limit",
        "funnel_flag": "'above' / 'below' when the pass rate is outside the 99.8% limits, 'watch' outside 95%, else empty",
        "severity": "score points harsher (+) or softer (-) than the team for the same candidate and question (additive model)",
        "severity_se": "standard error of severity (the larger of the cluster-robust and the model-based SE; the cluster-robust alone where most of the interviewer's rows are panel scorecards); empty when severity is",
        "severity_low": "95% interval of severity, lower end",
        "severity_high": "95% interval of severity, upper end",
        "n_shared_candidates": "candidates this interviewer shares with another interviewer: the comparisons severity rests on",
        "severity_basis": "what severity rests on: 'within-candidate' (graded the same candidates as colleagues) or 'between candidates: assumes interviewers get comparable candidates'; empty when severity is",
        "severity_note": "empty when severity is estimated; otherwise why it is missing (e.g. shares no candidate with the main team)",
        "connected_group": "connected group of interviewers linked by shared candidates (1 = the team; see design.csv)",
        "n_decided": "the interviewer's interviews whose candidate was hired or rejected",
        "decision_agreement": "share of those where the interviewer's yes/no matched the decision",
        "decision_kappa": "Cohen's kappa of that agreement (chance-corrected)",
        "small_group": "True when fewer than 5 interviews: counts are shown, rates are not",
    },
    "topic_stats": {
        "topic": "topic from the bank",
        "n_questions": "questions in the bank with this topic",
        "levels": "levels the topic appears at in the bank",
        **_DISC,
    },
    "level_stats": {
        "level": "junior / mid / senior",
        "n_interviews": "interviews of candidates at this level",
        "pass_rate": "share of those interviews recommended yes / strong_yes",
        "alpha": "reliability of an interview at this level: Cronbach's alpha from pooled pairwise covariances, "
                 "which copes with each candidate being asked different questions (analysis.stats.items.cronbach_alpha)",
        **{k: v + (" (questions of this level, any candidate)" if k in ("n", "mean", "discrimination", "auc") else "")
           for k, v in _DISC.items() if k != "sd"},
    },
}


@dataclass
class Calibration:
    """All calibration tables for one slice of the data and one criterion."""

    criterion: str
    question_stats: pd.DataFrame
    topic_stats: pd.DataFrame
    level_stats: pd.DataFrame
    interviewer_stats: pd.DataFrame
    heatmap: pd.DataFrame
    inter_rater: pd.DataFrame
    drift_by_quarter: pd.DataFrame
    drift_tests: pd.DataFrame
    strong_weak: pd.DataFrame
    severity: SeverityFit | None
    meta: dict = field(default_factory=dict)
    design: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The exported tables by file stem (``design`` when the design diagnostics were computed)."""
        out = {"question_stats": self.question_stats, "interviewer_stats": self.interviewer_stats,
               "topic_stats": self.topic_stats, "level_stats": self.level_stats,
               "inter_rater": self.inter_rater, "drift": self.drift_tests}
        if self.design is not None:
            out["design"] = self.design
        return out

    @property
    def notes(self) -> list[str]:
        """Plain-language notes: design warnings and any table that could not be computed."""
        return list(self.meta.get("notes", []))


def filter_scores(scores: pd.DataFrame, level=None, start=None, end=None) -> pd.DataFrame:
    """Rows of candidates at ``level`` (or all) interviewed between ``start`` and ``end`` inclusive."""
    m = np.ones(len(scores), bool)
    if level:
        levels = [level] if isinstance(level, str) else list(level)
        m &= scores["level"].isin(levels).to_numpy()
    if start is not None:
        m &= (scores["date"] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        m &= (scores["date"] <= pd.Timestamp(end)).to_numpy()
    return scores[m]


def _with_bank(scores: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    bank = questions[["question_id", "level", "topic"]].rename(columns={"level": "question_level"})
    out = scores.merge(bank.assign(question_id=bank["question_id"].astype(scores["question_id"].dtype)),
                       on="question_id", how="left")
    out.index = scores.index
    return out


def _distribution(d: pd.DataFrame, by: str) -> pd.DataFrame:
    g = d[[by, "score"]].groupby(by, observed=True)
    out = pd.DataFrame({"n": g.size(), "mean": g["score"].mean(), "sd": g["score"].std()})
    # the shares of each score per group, as pd.crosstab(normalize="index") gives them (count / the
    # group's scored answers), from a bincount over integer codes instead of a crosstab (issue 11)
    gc, names = _codes.codes(d[by], sort=True)
    score = d["score"].to_numpy(dtype=float, na_value=np.nan)
    ok = (gc >= 0) & ~np.isnan(score)
    levels = list(config.SCORES)
    sc = np.full(len(score), -1, dtype=np.intp)
    for i, v in enumerate(levels):
        sc[ok & (score == v)] = i
    ng = len(names)
    counts = np.bincount(gc[sc >= 0].astype(np.int64) * len(levels) + sc[sc >= 0],
                         minlength=ng * len(levels)).reshape(ng, len(levels))
    total = np.bincount(gc[ok], minlength=ng)  # every scored answer, also off the rubric
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = pd.DataFrame(counts / total[:, None], index=pd.Index(names, name=by), columns=levels)
    shares = shares[total > 0]
    for s in config.SCORES:
        out[f"share_{s}"] = shares[s]
    return out


def _red_flag_lift(d: pd.DataFrame, by: str) -> pd.DataFrame:
    # only the columns used: a subset of the full rows copies every text column (issue 11)
    k = d.loc[d["strong"].notna().to_numpy(), [by, "strong", "red_flag"]]
    weak = 1 - k["strong"]
    flag = k["red_flag"].astype(bool)
    t = pd.DataFrame({by: k[by], "wf": weak * flag, "f": flag.astype(float), "wn": weak * ~flag, "nf": (~flag).astype(float)})
    s = t.groupby(by, observed=True).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = (s["wf"] / s["f"]) / (s["wn"] / s["nf"])
    return pd.DataFrame({"red_flag_rate": d[[by, "red_flag"]].groupby(by, observed=True)["red_flag"].mean(),
                         "red_flag_lift": lift.replace([np.inf, -np.inf], np.nan)})


def _known(d: pd.DataFrame, by: str) -> pd.DataFrame:
    """The rows with a known criterion, only the columns :func:`items.grouped_auc` reads."""
    return d.loc[d["strong"].notna().to_numpy(), [by, "score", "strong"]]


#: Whether ``y_free`` is the candidate's rest score, per criterion, in the rows :func:`criterion_rows`
#: builds (:func:`analysis.stats.criteria.attach_criterion` given the adjusted scores ``residual + ability``):
#: under ``recommendation`` and ``rest`` it is that rest score on every row (NaN on a candidate's only
#: row, which the headline drops), under ``decision`` and ``performance`` the criterion itself, measured
#: outside the interview, on every row. Never a mix, so the first step needs no per-row mask.
Y_FREE_IS_REST = {"recommendation": True, "rest": True, "decision": False, "performance": False}


def severity_first_step(d: pd.DataFrame, fit: SeverityFit, criterion: str | None = None):
    """The severity fit's part in the headline's interval: the
    :class:`analysis.stats.discrimination.RaterStep` of ``d`` for
    :func:`analysis.stats.discrimination.grouped_discrimination`'s ``first_step``.

    ``x_adj = score + severity`` of the row's ``interviewer``. ``y_free`` is, under the
    ``recommendation`` and ``rest`` criteria, the candidate's rest score: the mean of their other
    answers' ``score - difficulty + severity``, so it moves with the severities too; under
    ``decision`` and ``performance`` it is measured outside the interview and does not (see
    :data:`Y_FREE_IS_REST`). Which one is read from the criterion the rows were built with, not
    guessed from the numbers. The variances are ``severity_se**2`` per interviewer (a diagonal
    approximation of the severities' covariance, measured in :mod:`analysis.stats.discrimination`); 0
    where the severity is not estimated (those rows are not adjusted, or, under ``min_rows`` rows,
    adjusted with an SE the fit does not report).

    Parameters
    ----------
    d : DataFrame
        The rows ``fit`` was fitted on, in order, with the criterion attached: what :func:`prepare`
        or :func:`criterion_rows` returns.
    fit : SeverityFit
        The severity fit of those rows.
    criterion : {"recommendation", "decision", "performance", "rest"}, optional
        The criterion ``d``'s ``y_free`` was built from. Default: the one :func:`criterion_rows`
        recorded in ``d.attrs["criterion"]``. Pass it when ``d`` was built another way, and build the
        step yourself (:func:`analysis.stats.discrimination.rater_first_step`) if you replaced ``y_free``.

    Returns
    -------
    analysis.stats.discrimination.RaterStep
        Built anew on each call. One calibration builds it once and passes it to its question, topic
        and level tables (their ``severity=`` takes it); do the same when you compute several tables
        of one slice.
    """
    from analysis.stats.criteria import CRITERIA
    from analysis.stats.discrimination import rater_first_step

    n = len(d)
    if len(fit.rows) != n:
        raise ValueError(f"severity_first_step: the fit has {len(fit.rows)} rows and the frame {n}; "
                         "give the rows the severity was fitted on (calibration.prepare)")
    if criterion is None:
        criterion = d.attrs.get("criterion")
        if criterion is None:
            raise ValueError("severity_first_step: which criterion the rows' y_free was built from is not known "
                             "(d.attrs['criterion'] is not set); build the rows with calibration.prepare or "
                             "criterion_rows, or call severity_first_step(d, fit, criterion=...) and give that "
                             "step to the tables as severity=")
    if criterion not in CRITERIA:
        raise ValueError(f"severity_first_step: criterion must be one of {', '.join(CRITERIA)}; got {criterion!r}")
    iv = fit.interviewers
    rater_var = pd.Series(iv["severity_se"].to_numpy(float) ** 2, index=iv["interviewer"].astype(str))
    rows = d
    if Y_FREE_IS_REST[criterion]:
        # the rest score runs over the candidate's rows with a finite basis (residual + ability:
        # attach_criterion's mean skips NaN); a fit of loaded scores has no other, but if one did, its
        # rows leave the rest-score structure here too (their own y_free is NaN, so never in the headline)
        basis = fit.rows["residual"].to_numpy(float) + fit.rows["ability"].to_numpy(float)
        if not np.isfinite(basis).all():
            rows = pd.DataFrame({"interviewer": d["interviewer"].to_numpy(),
                                 "candidate_id": d["candidate_id"].astype(object).where(np.isfinite(basis)).to_numpy()})
    return rater_first_step(rows, "interviewer", rater_var, candidate="candidate_id",
                            y_is_rest=Y_FREE_IS_REST[criterion])


def _first_step(d, severity):
    """The :class:`analysis.stats.discrimination.RaterStep` of ``severity=``: as given, built from a fit, or None."""
    if severity is None or isinstance(severity, RaterStep):
        return severity
    return severity_first_step(d, severity)


def _headline(d, by, n_boot, seed, progress, severity=None):
    return grouped_discrimination(d, by, "x_adj", "y_free", "level", "candidate_id", n_boot=n_boot, seed=seed,
                                  progress=progress, first_step=_first_step(d, severity)
                                  ).drop(columns=["discrimination_se_first_step"])


def question_stats(d: pd.DataFrame, questions: pd.DataFrame, *, n_boot=1000, seed=0, min_n=30,
                   progress=False, severity: SeverityFit | RaterStep | None = None) -> pd.DataFrame:
    """Per-question statistics (see ``COLUMNS["question_stats"]``) from prepared rows.

    ``d`` is the output of :func:`calibrate`'s preparation: scorecard rows with ``x_adj``
    (severity-adjusted score), ``y``/``strong`` (criterion), ``topic`` and ``question_level``.
    ``severity``: the fit ``d`` was adjusted with (the second value :func:`prepare` returns), or
    the first step already built from it (:func:`severity_first_step` of ``d``; pass that when you
    compute several tables of one slice, so it is built once, as :func:`calibrate` does); when
    given, the discrimination interval also carries the severity estimates' own error (a
    delta-method term, see :mod:`analysis.stats.discrimination`); when None the severities are taken as
    known, as before.
    """
    by = "question_id"
    dist = _distribution(d, by)
    per_level = d.pivot_table(index=by, columns="level", values="score", aggfunc="mean", observed=False)
    per_level = per_level.reindex(columns=list(config.LEVELS)).add_prefix("mean_")
    lift = _red_flag_lift(d, by)
    known = _known(d, by)
    auc = items.grouped_auc(known, by, "score", "strong") if len(known) else pd.Series(dtype=float, name="auc")
    ist = items.item_statistics(d, "interview_id", by, "score")[["item_rest_r"]]
    head = _headline(d, by, n_boot, seed, progress, severity)
    out = (dist.join(per_level).join(lift).join(auc.rename("auc")).join(ist)
           .join(head.drop(columns=["n_rows"])))
    out.index = out.index.astype(str)
    bank = questions.set_index("question_id")[["level", "topic", "question"]]
    out = bank.join(out, how="inner")
    out["too_few"] = out["n_candidates"] < min_n
    out["band"] = ebel_band(out["discrimination"], out["n_candidates"], min_n)
    out = out.reset_index().rename(columns={"index": "question_id"})
    first = ["question_id", "level", "topic", "n", "n_candidates", "discrimination", "discrimination_low",
             "discrimination_high", "band", "too_few", "auc", "item_rest_r", "mean", "sd"]
    return out[first + [c for c in out.columns if c not in first]]


def group_stats(d: pd.DataFrame, by: str, *, n_boot=1000, seed=0, min_n=30, progress=False,
                severity: SeverityFit | RaterStep | None = None) -> pd.DataFrame:
    """The same statistics for a grouping of questions (``topic`` or ``question_level``); ``severity``
    as in :func:`question_stats`."""
    dist = _distribution(d, by)[["n", "mean", "sd"]]
    lift = _red_flag_lift(d, by)
    known = _known(d, by)
    auc = items.grouped_auc(known, by, "score", "strong") if len(known) else pd.Series(dtype=float, name="auc")
    head = _headline(d, by, n_boot, seed, progress, severity).drop(columns=["n_rows"])
    out = dist.join(lift).join(auc.rename("auc")).join(head)
    out["band"] = ebel_band(out["discrimination"], out["n_candidates"], min_n)
    return out


def level_stats(d: pd.DataFrame, *, n_boot=1000, seed=0, min_n=30, progress=False,
                severity: SeverityFit | RaterStep | None = None) -> pd.DataFrame:
    """Per level: interviews and reliability of interviews *at* that level (candidate level), and how
    well questions *of* that level separate strong from weak (question level); ``severity`` as in
    :func:`question_stats`."""
    g = group_stats(d, "question_level", n_boot=n_boot, seed=seed, min_n=min_n, progress=progress,
                    severity=severity)
    g.index = g.index.astype(str)
    iv = _codes.first_rows(d[["interview_id", "level", "recommendation"]], "interview_id")
    rows = []
    level = d["level"].to_numpy()
    # interviews by their integer code (NaN when missing): alpha only needs to tell them apart, and a
    # per-level subset of the id text would be copied and hashed again (issue 11)
    iid = np.asarray(_codes.codes(d["interview_id"], sort=False)[0])
    iid = np.where(iid >= 0, iid, np.nan)
    for lvl in config.LEVELS:
        m = level == lvl
        sub = d.loc[m, ["question_id", "score"]].assign(interview_id=iid[m])
        ivl = iv[iv["level"] == lvl]
        alpha = np.nan
        if sub["interview_id"].nunique() >= 3:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    alpha = items.cronbach_alpha(sub, "interview_id", "question_id", "score")
                except (ValueError, ZeroDivisionError):
                    alpha = np.nan
        rows.append({"level": lvl, "n_interviews": len(ivl),
                     "pass_rate": float(ivl["recommendation"].isin(config.PASSING_RECOMMENDATIONS).mean()) if len(ivl) else np.nan,
                     "alpha": alpha})
    out = pd.DataFrame(rows).set_index("level").join(g.drop(columns=["sd"], errors="ignore"), how="left")
    return out.reset_index()


def level_heatmap(d: pd.DataFrame) -> pd.DataFrame:
    """Mean score by question level x candidate level (tidy: ``question_level, candidate_level,
    mean_score, n``). The diagonal is each level's own questions; below it, warm-ups; above, stretch."""
    t = d.groupby(["question_level", "level"], observed=False)["score"].agg(["mean", "size"]).reset_index()
    t.columns = ["question_level", "candidate_level", "mean_score", "n"]
    return t


def _funnel(p0: float, n: np.ndarray, z: float):
    se = np.sqrt(p0 * (1 - p0) / np.maximum(n, 1))
    return np.clip(p0 - z * se, 0, 1), np.clip(p0 + z * se, 0, 1)


def interviewer_stats(d: pd.DataFrame, fit: SeverityFit | None, outcomes: pd.DataFrame | None,
                      *, small: int = 5) -> pd.DataFrame:
    """Per interviewer (see ``COLUMNS["interviewer_stats"]``).

    Pass rates come with funnel-plot control limits around the team's rate (Spiegelhalter 2005):
    a binomial 95% and 99.8% band that narrows as the number of interviews grows, so a rate from 8
    interviews is judged against the band for 8, not against a rate from 200. Pass rates are not
    adjusted for the candidates each interviewer saw; ``severity`` is.
    """
    iv = _codes.first_rows(d[["interview_id", "interviewer", "candidate_id", "recommendation"]], "interview_id")
    passed = iv["recommendation"].isin(config.PASSING_RECOMMENDATIONS)
    g = iv.assign(passed=passed).groupby("interviewer", observed=True)
    out = pd.DataFrame({"n_interviews": g.size(), "pass_rate": g["passed"].mean()})
    p0 = float(passed.mean()) if len(iv) else np.nan
    out["team_pass_rate"] = p0
    n = out["n_interviews"].to_numpy()
    out["funnel_low95"], out["funnel_high95"] = _funnel(p0, n, special.ndtri(0.975))
    out["funnel_low998"], out["funnel_high998"] = _funnel(p0, n, special.ndtri(0.999))
    pr = out["pass_rate"]
    out["funnel_flag"] = np.select(
        [pr > out["funnel_high998"], pr < out["funnel_low998"], (pr > out["funnel_high95"]) | (pr < out["funnel_low95"])],
        ["above", "below", "watch"], "")
    if fit is not None:
        sev = fit.interviewers.set_index("interviewer")[["severity", "severity_se", "severity_low", "severity_high",
                                                        "n_shared_candidates", "severity_basis", "severity_note"]]
        sev = sev.join(fit.interviewers.set_index("interviewer")["group"].rename("connected_group"))
        out = out.join(sev)
    if outcomes is not None and not outcomes.empty:
        dec = iv["candidate_id"].map(outcomes.set_index("candidate_id")["decision"].astype(object))
        k = iv.assign(hired=(dec == "hired"), passed=passed)[dec.isin(["hired", "rejected"]).to_numpy()]
        agree = k.groupby("interviewer", observed=True).apply(
            lambda t: pd.Series({"n_decided": len(t), "decision_agreement": float((t["passed"] == t["hired"]).mean()),
                                 "decision_kappa": _kappa(t["passed"], t["hired"])}), include_groups=False)
        agree = agree if len(agree) else pd.DataFrame(columns=["n_decided", "decision_agreement", "decision_kappa"])
        out = out.join(agree)
    out["small_group"] = out["n_interviews"] < small
    out.index = out.index.astype(str)
    return out.reset_index().rename(columns={"index": "interviewer"})


def _kappa(a, b) -> float:
    a, b = np.asarray(a, int), np.asarray(b, int)
    if len(a) < 2 or (len(set(a)) < 2 and len(set(b)) < 2):
        return np.nan
    try:
        return reliability.cohen_kappa(a, b, labels=[0, 1])
    except _UNDEFINED:
        return np.nan


#: ``design`` labels of :func:`inter_rater`: the same answer scored twice vs the same question asked twice.
SAME_ANSWER = "same answer scored twice (panel/shadow)"
RETEST = "test-retest: same question in two interviews of one candidate (different answers)"

_UNDEFINED = (ValueError, ZeroDivisionError, np.linalg.LinAlgError, FloatingPointError, IndexError, KeyError)


def _statistic(rows, name, design, n_units, fn, *, ci=False):
    """Append one statistic row; an undefined statistic is NaN with the reason in ``note``."""
    row = {"statistic": name, "value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_units": n_units,
           "design": design, "reason": ""}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = fn()
        if ci:
            row.update(value=got[0], ci_low=got[1], ci_high=got[2])
        else:
            row["value"] = got
        if np.isnan(row["value"]):
            row["reason"] = "undefined for these ratings"
    except _UNDEFINED as exc:
        row["reason"] = f"not computable: {exc}"
    rows.append(row)


def _agreement(rows, units: pd.DataFrame, design: str, detail: dict, prefix: str = ""):
    """ICC1/ICC1k, Krippendorff's alpha and weighted kappa on ``units`` (``unit, slot, interviewer,
    score``; slots 0 and 1 are the pair)."""
    pairs = units[units["slot"] < 2]
    n_units = int(units["unit"].nunique())
    n_pairs = int(pairs["unit"].nunique())
    ic = {}

    def _icc():
        if n_pairs < 2:
            raise ValueError(f"{n_pairs} paired unit(s): ICC needs at least 2")
        ic["t"] = reliability.icc(pairs, "unit", "slot", "score").set_index("type")
        return ic["t"]

    for t in ("ICC1", "ICC1k"):
        _statistic(rows, prefix + t, f"{design}: {detail['icc']}", n_pairs,
                   lambda t=t: tuple((ic.get("t") if "t" in ic else _icc()).loc[t, ["icc", "ci_low", "ci_high"]]),
                   ci=True)

    def _alpha():
        if n_units < 2:
            raise ValueError(f"{n_units} unit(s): alpha needs at least 2")
        return reliability.krippendorff_alpha(units, "unit", "interviewer", "score", level="ordinal")
    _statistic(rows, prefix + "krippendorff_alpha_ordinal", f"{design}: {detail['alpha']}", n_units, _alpha)
    wide = pairs.pivot(index="unit", columns="slot", values="score").dropna()

    def _kappa_q():
        if len(wide) < 2:
            raise ValueError(f"{len(wide)} pair(s): kappa needs at least 2")
        return reliability.cohen_kappa(wide[0].astype(int), wide[1].astype(int), weights="quadratic",
                                       labels=list(config.SCORES))
    _statistic(rows, prefix + "weighted_kappa_quadratic", f"{design}: {detail['kappa']}", len(wide), _kappa_q)


def inter_rater(scores: pd.DataFrame) -> pd.DataFrame:
    """Inter-rater reliability, for two designs that must not be mixed.

    **The same answer scored twice** (``design`` starts with :data:`SAME_ANSWER`): two or more
    interviewers scored the same candidate on the same question on the same day on their own
    scorecards -- a panel, or a shadowed interview (in the data: different ``interview_id``, same
    ``candidate_id``, ``question_id`` and ``date``). Disagreement here is the graders alone.

    **The same question asked in two interviews** (statistics prefixed ``retest_``, ``design``
    starts with :data:`RETEST`): a candidate was asked the same question on two different days by two
    different interviewers. The answers differ too (a second try, a different day), so this
    test-retest agreement is lower by nature and mixes grader and answer variation; it is *not* a
    measure of how consistently interviewers grade.

    Returns a tidy frame with one row per statistic: ``statistic, value, ci_low, ci_high, n_units,
    design, reason``. ``ICC1`` is the form that fits: each answer is scored by a *different* pair of
    interviewers drawn from the pool (a one-way design), and single-rater reliability is what
    matters when one interviewer decides alone; ``ICC1k`` is the reliability of the average of the
    k interviewers (a panel's mean). Krippendorff's alpha (ordinal) uses every rating, including
    units with three raters; weighted kappa (quadratic weights on the 1-4 rubric) compares the first
    two scorecards of each answer. A statistic that is undefined on these ratings (too few units,
    every rating the same) is NaN and ``reason`` says why (the column is not called ``note``: the
    export refuses ``note`` columns, which hold interviewers' free text elsewhere); the other rows are still computed.
    """
    cols = ["statistic", "value", "ci_low", "ci_high", "n_units", "design", "reason"]
    rows = []
    multi, rt = _rating_units(scores)
    if multi.empty:
        rows.append({"statistic": "none", "value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_units": 0,
                     "design": SAME_ANSWER, "reason": "no answer was scored by two interviewers"})
    else:
        _agreement(rows, multi, SAME_ANSWER, {"icc": "one-way, different interviewers per answer",
                                              "alpha": "all ratings, missing allowed",
                                              "kappa": "first two scorecards per answer, 1-4 rubric weights"})
    if rt.empty:
        rows.append({"statistic": "retest_none", "value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_units": 0,
                     "design": RETEST, "reason": "no candidate was asked the same question by two interviewers on two days"})
    else:
        _agreement(rows, rt, RETEST, {"icc": "one-way, first two interviews that asked it",
                                      "alpha": "first two interviews that asked it",
                                      "kappa": "first two interviews, 1-4 rubric weights"}, prefix="retest_")
    return pd.DataFrame(rows, columns=cols)


def _dense(keys: np.ndarray) -> np.ndarray:
    """Dense ranks 0..n-1 of integer keys, in sorted order (what ``groupby(sort=True).ngroup()`` numbers)."""
    return _codes.dense(keys)[1]


def _cumcount(groups_sorted: np.ndarray) -> np.ndarray:
    """0, 1, 2 ... within each run of equal values of an already grouped array."""
    n = len(groups_sorted)
    starts = np.r_[0, np.flatnonzero(np.diff(groups_sorted)) + 1] if n else np.zeros(0, dtype=int)
    first = np.repeat(starts, np.diff(np.r_[starts, n]))
    return np.arange(n) - first


def _rating_units(scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rating units of :func:`inter_rater` (``unit, slot, interviewer, score``): answers scored by two or
    more interviewers (same candidate, question and date), and the test-retest pairs (the first scorecard of
    the first two days a candidate was asked a question, by two different interviewers).

    Built on integer codes of the key columns (issue 11: group-bys on a million string keys cost seconds);
    the units are numbered in sorted key order and the slots follow ``interview_id`` order (pairs) or the
    date (retest), exactly as the group-bys on the text columns numbered them.
    """
    # the answers (candidate, question, date) and (candidate, question) pairs, numbered in sorted key order
    # by the one helper that severity and the design diagnostics also read (issue 9)
    answers = _codes.answer_codes(scores)
    iv_codes = np.asarray(_codes.codes(scores["interviewer"], sort=False)[0])
    iid = np.asarray(_codes.codes(scores["interview_id"], sort=True)[0], dtype=np.int64)
    rows_all = np.flatnonzero(answers.code >= 0)
    iv_v = iv_codes[rows_all]

    def frame(idx, unit, slot):
        return pd.DataFrame({"unit": unit, "slot": slot,
                             "interviewer": scores["interviewer"].iloc[idx].reset_index(drop=True),
                             "score": scores["score"].iloc[idx].reset_index(drop=True)})

    # the same answer scored twice: keys with 2+ distinct interviewers; one rating per interviewer and key
    # (the first, in row order: a repeat by the same interviewer is not a second opinion)
    dense_v = answers.code[rows_all].astype(np.int64)
    rating = dense_v * (int(iv_codes.max()) + 2 if len(iv_codes) else 1) + (iv_v + 1)
    _, first_of_pair = np.unique(rating, return_index=True)
    first_of_pair = np.sort(first_of_pair)
    twice = answers.raters(iv_codes) >= 2  # per answer: 2+ distinct named interviewers
    keep = first_of_pair[twice[dense_v[first_of_pair]]]
    idx = rows_all[keep]
    unit = _dense(answers.code[idx]) if len(idx) else np.zeros(0, np.int64)
    order = np.lexsort((iid[idx], unit))
    slot = np.empty(len(idx), dtype=np.int64)
    slot[order] = _cumcount(unit[order])
    multi = frame(idx, unit, slot)

    # test-retest: the first scorecard (by interview_id) of each key, then per candidate and question the
    # first two dates, kept when two different interviewers scored them
    # (the row with the smallest (interview code, row) per key, by one minimum per dense key instead of
    # a three-key lexsort of every row; issue 11). The keys are numbered in (candidate, question, date)
    # order, so the firsts come out sorted by pair and date -- one per answer: the order the
    # test-retest pairs are read in, with no second sort
    if len(rows_all):
        n_all = np.int64(len(scores))
        best = np.full(answers.n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, dense_v, iid[rows_all] * n_all + rows_all)
        firsts = best % n_all
    else:
        firsts = rows_all[:0]
    by_date = firsts
    occasion = _cumcount(answers.pair)  # the pair of each answer, i.e. of each row of by_date
    two = by_date[occasion < 2]
    occ2 = occasion[occasion < 2]
    g = answers.pair[occasion < 2]
    start = np.r_[True, g[1:] != g[:-1]] if len(g) else np.zeros(0, bool)
    grp = np.cumsum(start) - 1
    iv_two = iv_codes[two]
    # two occasions with different (named) interviewers
    first_iv = iv_two[np.flatnonzero(start)][grp] if len(g) else iv_two
    size = np.bincount(grp, minlength=int(grp.max()) + 1 if len(grp) else 0)
    differs = np.zeros(len(size), bool)
    np.logical_or.at(differs, grp, (iv_two != first_iv) & (iv_two >= 0) & (first_iv >= 0))
    ok = (size[grp] == 2) & differs[grp] if len(g) else np.zeros(0, bool)
    idx = two[ok]
    rt = frame(idx, _dense(g[ok]) if len(idx) else np.zeros(0, np.int64), occ2[ok])
    return multi, rt


def _fdr_bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values: :func:`analysis.stats.multiple.fdr_bh`, the one adjustment."""
    return fdr_bh(p)


def drift(d: pd.DataFrame, *, alpha: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per question, mean score by quarter, and a test of whether it got easier over time.

    The test regresses the question's residual (score minus what the additive model expects from
    the candidate, the question's difficulty at that level and the interviewer) on time in years.
    A positive slope means candidates score better on this question than on the rest of their
    interview, more so as time goes on — the footprint of a leaked question. The p-value is
    one-sided (easier), and q-values control the false discovery rate across questions
    (Benjamini-Hochberg); ``drifting`` is True when q < ``alpha``.

    Returns ``(by_quarter, tests)``: ``question_id, quarter, n, mean_score, mean_residual`` and
    ``question_id, n, slope_per_year, slope_se, p_value, q_value, drifting``.
    """
    # quarters as integer codes (year * 4 + quarter - 1), labelled "2024Q1" per group, not per row:
    # a Period -> str conversion of every row cost seconds on a million rows (issue 11)
    dates = d["date"]
    if dates.isna().any():
        quarter = dates.dt.to_period("Q").astype(str)
    else:
        quarter = dates.dt.year.to_numpy().astype(np.int64) * 4 + dates.dt.quarter.to_numpy() - 1
    by_q = (d.assign(quarter=quarter).groupby(["question_id", "quarter"], observed=True)
            .agg(n=("score", "size"), mean_score=("score", "mean"), mean_residual=("residual", "mean"))
            .reset_index())
    if by_q["quarter"].dtype.kind in "iu":
        by_q["quarter"] = [f"{c // 4}Q{c % 4 + 1}" for c in by_q["quarter"].tolist()]
    by_q["question_id"] = by_q["question_id"].astype(str)
    t = (dates - dates.min()).dt.days.to_numpy() / 365.25
    # one group per question id, grouped on integer codes and named (and ordered) by the id as text
    codes, names = pd.factorize(d["question_id"])
    df = pd.DataFrame({"g": codes, "t": t, "r": d["residual"].to_numpy()})
    df["tt"], df["rr"], df["tr"] = df.t * df.t, df.r * df.r, df.t * df.r
    s = df.groupby("g").agg(n=("t", "size"), st=("t", "sum"), sr=("r", "sum"), stt=("tt", "sum"),
                            srr=("rr", "sum"), str_=("tr", "sum"))
    s.index = pd.Index(np.asarray(names, dtype=object)[s.index.to_numpy()].astype(str), name="g")
    s = s.sort_index()
    sxx = s.stt - s.st ** 2 / s.n
    sxy = s.str_ - s.st * s.sr / s.n
    syy = s.srr - s.sr ** 2 / s.n
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = sxy / sxx
        resid_var = (syy - slope * sxy) / (s.n - 2)
        se = np.sqrt(resid_var / sxx)
        tstat = slope / se
    p = pd.Series(special.stdtr(s.n - 2, -tstat), index=s.index).where(s.n > 2)
    ok = p.notna()
    qv = pd.Series(np.nan, index=s.index)
    if ok.any():
        qv[ok] = _fdr_bh(p[ok].to_numpy(dtype=float))
    tests = pd.DataFrame({"question_id": s.index, "n": s.n.to_numpy(), "slope_per_year": slope.to_numpy(),
                          "slope_se": se.to_numpy(), "p_value": p.to_numpy(), "q_value": qv.to_numpy()})
    tests["drifting"] = (tests["q_value"] < alpha) & (tests["slope_per_year"] > 0)
    return by_q, tests.reset_index(drop=True)


def _strong_weak(d: pd.DataFrame) -> pd.DataFrame:
    k = d.loc[d["strong"].notna().to_numpy(), ["question_id", "strong", "score"]]  # not every text column
    t = (k.assign(group=np.where(k["strong"] > 0, "strong", "weak"))
         .groupby(["question_id", "group", "score"], observed=True).size().rename("n").reset_index())
    t["share"] = t["n"] / t.groupby(["question_id", "group"], observed=True)["n"].transform("sum")
    t["question_id"] = t["question_id"].astype(str)
    return t


def prepare(workbook, criterion: str = "recommendation", *, level=None, start=None, end=None):
    """The rows every calibration table is computed from, and the severity fit.

    Returns ``(rows, fit)``: the slice's scorecard rows with the bank's ``topic`` and
    ``question_level``, the criterion (``y``, ``strong``, ``y_free``; see
    :mod:`analysis.stats.criteria`), ``x_adj`` (score corrected for the interviewer's severity) and
    ``residual`` (score minus the additive model's expectation); and the
    :class:`analysis.stats.severity.SeverityFit`.

    The two steps are also available apart, for a caller that keeps a slice and changes only the
    criterion (the explorer): :func:`prepare_slice` (the rows and the severity fit, which do not
    depend on the criterion) and :func:`criterion_rows` (the criterion attached to them).
    """
    scores, fit = prepare_slice(workbook, level=level, start=start, end=end)
    return criterion_rows(workbook, scores, fit, criterion), fit


def prepare_slice(workbook, *, level=None, start=None, end=None):
    """``(scores, fit)``: the slice's scorecard rows (numbered from 0) and their severity fit, the part
    of :func:`prepare` that does not depend on the criterion. Neither is changed by
    :func:`criterion_rows`, so one slice serves every criterion."""
    scores = filter_scores(workbook.scores, level, start, end)
    if scores.empty:
        raise ValueError("no scorecards in this slice (level/start/end); widen it")
    scores = scores.reset_index(drop=True)
    return scores, fit_severity(scores)


def criterion_rows(workbook, scores: pd.DataFrame, fit: SeverityFit, criterion: str = "recommendation") -> pd.DataFrame:
    """The rows of :func:`prepare` for a slice from :func:`prepare_slice`: ``scores`` with the criterion,
    the bank's columns, ``x_adj`` and ``residual`` (a new frame; ``scores`` is left as it was).
    ``attrs["criterion"]`` records the criterion, which tells :func:`severity_first_step` what
    ``y_free`` is (:data:`Y_FREE_IS_REST`)."""
    adjusted = scores["score"].to_numpy(float) - fit.rows["leniency"].to_numpy()
    rest_basis = fit.rows["residual"].to_numpy() + fit.rows["ability"].to_numpy()
    d = attach_criterion(scores, workbook.outcomes, criterion, adjusted=rest_basis)
    d = _with_bank(d, workbook.questions)
    d["x_adj"] = adjusted
    d["residual"] = fit.rows["residual"].to_numpy()
    d.attrs["criterion"] = criterion
    return d


def calibrate(workbook, criterion: str = "recommendation", *, level=None, start=None, end=None,
              min_n: int = 30, n_boot: int = 1000, seed: int = 0, progress: bool = False) -> Calibration:
    """Compute every calibration table for a slice of the data.

    Parameters
    ----------
    workbook : analysis.io.load.Workbook
        What :func:`analysis.io.load.load` returned.
    criterion : {"recommendation", "decision", "performance", "rest"}
        What "strong" means; see :mod:`analysis.stats.criteria` for how each is contaminated and when
        each is the right one.
    level : str, optional
        Only candidates interviewed at this level.
    start, end : date-like, optional
        Only interviews in this period (inclusive).
    min_n : int, default 30
        Questions asked of fewer candidates are flagged ``too_few`` and banded ``too few``.
    n_boot : int, default 1000
        Bootstrap replicates for the discrimination intervals.
    seed : int
        Seed of the bootstrap.
    progress : bool
        Show tqdm progress bars for the bootstrap.

    Returns
    -------
    Calibration
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # small slices leave some cells empty (a level nobody was asked, a question with one
        # candidate): those statistics are NaN by design, not worth a warning per cell
        warnings.simplefilter("ignore", RuntimeWarning)
        return _calibrate(workbook, criterion, level=level, start=start, end=end, min_n=min_n, n_boot=n_boot,
                          seed=seed, progress=progress)


def _safe(notes: list, name: str, fn, empty):
    """Run one table; if a statistic in it is undefined for this slice, return ``empty()`` and say
    why in ``notes`` instead of taking the whole calibration down."""
    try:
        return fn()
    except _UNDEFINED + (TypeError,) as exc:
        notes.append(f"{name}: not computable on this slice ({exc}); the other tables are complete")
        return empty()


def _empty(columns):
    return lambda: pd.DataFrame(columns=list(columns))


#: The tables that do not depend on the criterion (nor on ``min_n``, ``n_boot`` or ``seed``): they read
#: only the scores, the interviews' recommendations and the severity fit of the slice, so one
#: computation serves every criterion of a slice (the explorer computes them once per slice).
CRITERION_FREE = ("interviewer_stats", "drift", "inter_rater", "design", "level_heatmap")

#: Where each :class:`Calibration` table comes from: ``field: (job, part)``, ``part`` None for the whole
#: result of the job of that name in :func:`_jobs`, else the index into its tuple.
FIELDS = {"question_stats": ("question_stats", None), "topic_stats": ("topic_stats", None),
          "level_stats": ("level_stats", None), "interviewer_stats": ("interviewer_stats", None),
          "heatmap": ("level_heatmap", None), "inter_rater": ("inter_rater", None),
          "drift_by_quarter": ("drift", 0), "drift_tests": ("drift", 1), "strong_weak": ("strong_weak", None),
          "design": ("design", None)}


def _once(build):
    """``build()`` on the first call, the same result on every later one (a failed build is retried:
    each table that needs it fails alike). Thread-safe: the explorer may compute tables concurrently."""
    lock, box = threading.Lock(), []

    def get():
        with lock:
            if not box:
                box.append(build())
            return box[0]
    return get


def _jobs(workbook, d: pd.DataFrame, fit: SeverityFit, kw: dict) -> dict:
    """``name: (compute, empty)`` for every table of a calibration, in the order :func:`calibrate` runs
    them (and so the order of its notes). Each ``compute`` reads ``d`` and ``fit`` and changes neither,
    so the jobs can run in any order, or only some of them, with the same results. ``d`` is the rows of
    :func:`criterion_rows`. The question, topic and level tables share one first step
    (:func:`severity_first_step`), built when the first of them runs (not at all if none does)."""
    from analysis.stats.design import DESIGN_COLUMNS, design_diagnostics

    step = _once(lambda: severity_first_step(d, fit))

    def _topics():
        ts = group_stats(d, "topic", severity=step(), **kw)
        levels_in_bank = workbook.questions.groupby("topic", observed=True)["level"].agg(
            lambda s: ",".join(str(v) for v in sorted(set(s), key=list(config.LEVELS).index)))
        ts = ts.join(workbook.questions.groupby("topic", observed=True).size().rename("n_questions")).join(
            levels_in_bank.rename("levels"))
        ts.index = ts.index.astype(str)
        return ts.reset_index().rename(columns={"index": "topic"})

    return {
        "question_stats": (lambda: question_stats(d, workbook.questions, severity=step(), **kw),
                           _empty(COLUMNS["question_stats"])),
        "topic_stats": (_topics, _empty(COLUMNS["topic_stats"])),
        "level_stats": (lambda: level_stats(d, severity=step(), **kw), _empty(COLUMNS["level_stats"])),
        "interviewer_stats": (lambda: interviewer_stats(d, fit, workbook.outcomes), _empty(COLUMNS["interviewer_stats"])),
        "drift": (lambda: drift(d), lambda: (
            pd.DataFrame(columns=["question_id", "quarter", "n", "mean_score", "mean_residual"]),
            pd.DataFrame(columns=["question_id", "n", "slope_per_year", "slope_se", "p_value", "q_value", "drifting"]))),
        "inter_rater": (lambda: inter_rater(d),
                        _empty(["statistic", "value", "ci_low", "ci_high", "n_units", "design", "reason"])),
        "design": (lambda: design_diagnostics(d, fit), _empty(DESIGN_COLUMNS)),
        "level_heatmap": (lambda: level_heatmap(d), _empty(["question_level", "candidate_level", "mean_score", "n"])),
        "strong_weak": (lambda: _strong_weak(d), _empty(["question_id", "group", "score", "n", "share"])),
    }


def _slice_facts(scores: pd.DataFrame) -> dict:
    """What ``meta`` says about a slice's rows whatever the criterion (``first``: the first row of each
    interview, as ``drop_duplicates("interview_id")`` keeps it). ``scores`` may be the rows of
    :func:`prepare_slice` or of :func:`criterion_rows`: the same rows in the same order."""
    first = ~scores["interview_id"].duplicated().to_numpy()
    return {"start": str(scores["date"].min().date()), "end": str(scores["date"].max().date()),
            "n_rows": len(scores), "n_interviews": int(first.sum()),
            "n_candidates": int(scores["candidate_id"].nunique()),
            "n_interviewers": int(scores["interviewer"].nunique()), "first": first}


def _meta(criterion, level, d: pd.DataFrame, fit: SeverityFit, *, min_n, n_boot, seed, notes: list,
          facts: dict | None = None) -> dict:
    """The slice and settings a calibration describes (its ``meta``); ``notes`` is kept, not copied.
    ``facts``: :func:`_slice_facts` of the slice when already known (the explorer keeps them)."""
    facts = _slice_facts(d) if facts is None else facts
    known = int(np.count_nonzero(~np.isnan(d["strong"].to_numpy(dtype=float)[facts["first"]])))
    return {"criterion": criterion, "level": level or "all", "start": facts["start"], "end": facts["end"],
            "n_rows": facts["n_rows"], "n_interviews": facts["n_interviews"], "n_candidates": facts["n_candidates"],
            "n_interviewers": facts["n_interviewers"], "n_known_criterion": known,
            "min_n": min_n, "n_boot": n_boot, "seed": seed, "severity_lambda": fit.lam,
            "severity_lambda_note": fit.lam_note, "notes": notes}


def _calibrate(workbook, criterion, *, level, start, end, min_n, n_boot, seed, progress) -> Calibration:
    d, fit = prepare(workbook, criterion, level=level, start=start, end=end)
    notes = list(fit.notes)
    kw = dict(n_boot=n_boot, seed=seed, min_n=min_n, progress=progress)
    done = {name: _safe(notes, name, fn, empty) for name, (fn, empty) in _jobs(workbook, d, fit, kw).items()}
    tables = {f: done[job] if part is None else done[job][part] for f, (job, part) in FIELDS.items()}
    meta = _meta(criterion, level, d, fit, min_n=min_n, n_boot=n_boot, seed=seed, notes=notes)
    return Calibration(criterion=criterion, severity=fit, meta=meta, **tables)
