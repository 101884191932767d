"""A candidate debrief for a hiring committee: every interview side by side, and a fair score.

A hiring committee reads one candidate at a time. :func:`debrief` gathers what it needs from a
loaded workbook:

- **answers**: one row per question asked (interview, date, interviewer, question, score, red
  flag, notes), with the interviewer's **severity** beside the score and the score corrected for it
  (``adjusted = score + severity``: what the team would have given on average), so "a 2 from the
  harshest interviewer" and "a 2 from the softest" are not read alike. The rubric stops at 1 and 4, the
  correction does not: a 4 from an interviewer 0.13 points harsher than the team is 4.13, a 1 from one
  0.33 points softer 0.67. ``outside_rubric`` names those (``above 4``, ``below 1``): the answer was
  at the end of the scale from that interviewer, and the team's scale has no score beyond it, so the
  page shows them at the rubric's end and says so;
- **interviews**: one row per interview with its recommendation, mean score and interviewer;
- **fair score**: the candidate's ability from the additive severity model
  (:func:`analysis.stats.severity.fit_severity`), expressed on the 1-4 rubric as the score this
  candidate would be expected to get on an average question of their level from an average
  interviewer, with a 95% interval, and where it falls among every candidate of the same level
  (percentile). It is freed of *who* interviewed the candidate and *which* questions they drew;
- **agreement**: where the panel agrees and disagrees: the spread of the recommendations, and each
  question scored by two or more interviewers (panels, shadowing) or asked in two interviews.

This module holds the numbers; :mod:`analysis.reports.debrief` renders them as one self-contained
page (every note, name and id escaped), and the command ``python -m analysis debrief CANDIDATE_ID``
writes that page and, where Chromium is installed, a PDF of it. The candidate appears only under the
pseudonymous ``candidate_id`` the scorecards carry; :func:`candidates` lists them (with the level and the
number of interviews) for ``python -m analysis debrief --list``.

How to read the fair score: the interval is what the evidence supports. Two candidates whose
intervals overlap widely are not told apart by these interviews; a fair score well above the
level's median with an interval that clears it is a strong signal whatever the individual
interviewers' habits. It is a summary for the discussion, not a decision rule.
"""

from __future__ import annotations

import difflib
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from analysis import config
from analysis.stats.calibration import quiet
from analysis.stats.interviewers import interviewer_stats
from analysis.stats.severity import fit_severity

__all__ = ["Debrief", "debrief", "candidates", "list_command", "RUBRIC"]

#: The ends of the scoring rubric (:data:`analysis.config.SCORES`).
RUBRIC = (float(min(config.SCORES)), float(max(config.SCORES)))


@dataclass
class Debrief:
    """Result of :func:`debrief`.

    Attributes
    ----------
    candidate_id : str
        The pseudonymous id.
    level : str
        The level the candidate was interviewed for (the latest interview's).
    answers : DataFrame
        ``interview_id, date, interviewer, question_id, question, score, red_flag, severity,
        verdict, adjusted, outside_rubric, notes``: one row per question asked, in interview order.
        ``verdict`` is the interviewer's verdict (:mod:`analysis.stats.verdicts`), the value of
        ``interviewer_stats.csv`` for the whole data folder.
        ``adjusted`` is ``score + severity`` as computed (it may leave the rubric);
        ``outside_rubric`` is ``"above 4"``, ``"below 1"`` or ``""``.
    interviews : DataFrame
        ``interview_id, date, interviewer, verdict, n_questions, mean_score, n_red_flags, recommendation``.
    fair : dict
        ``score`` (fair score on the 1-4 rubric), ``low``, ``high`` (95% interval), ``se``,
        ``percentile`` (share of candidates of the same level with a lower fair score, 0-100),
        ``level_median`` and ``n_level`` (candidates of that level), ``note`` (why a value is
        missing, if one is).
    agreement : DataFrame
        ``question_id, n_ratings, scores, interviewers, spread, kind``: questions this candidate
        was scored on more than once (``kind``: ``same answer`` for one interview scored by two
        interviewers, ``asked again`` for the question asked in two interviews).
    recommendations : dict
        Counts of each recommendation across the candidate's interviews.
    level_fair_scores : ndarray
        Fair scores of every candidate of the level (for the distribution chart).
    data : Path or None
        The data folder the workbook was read from, so the page is never written inside it.
    """

    candidate_id: str
    level: str
    answers: pd.DataFrame
    interviews: pd.DataFrame
    fair: dict
    agreement: pd.DataFrame
    recommendations: dict
    level_fair_scores: np.ndarray = field(repr=False, default_factory=lambda: np.array([]))
    data: Path | None = field(repr=False, default=None)


def debrief(workbook, candidate_id: str, *, fit=None, small_group: int = config.SMALL_GROUP) -> Debrief:
    """Gather one candidate's interviews, severity-corrected scores and fair score.

    Parameters
    ----------
    workbook : analysis.io.load.Workbook
        The loaded data folder.
    candidate_id : str
        The pseudonymous candidate id as the scorecards carry it.
    fit : analysis.stats.severity.SeverityFit, optional
        A severity fit of ``workbook.scores`` (row for row); fitted here when omitted.
    small_group : int, default :data:`analysis.config.SMALL_GROUP`
        The privacy floor: with fewer candidates at the level, no percentile, median or distribution is
        shown; an interviewer with fewer interviews has the verdict ``too few`` (as in the report).

    Raises
    ------
    KeyError
        No scorecard carries this candidate id. The message names close ids, if any, and the command
        that lists every id (:func:`list_command`).
    """
    scores = workbook.scores.reset_index(drop=True)
    cid = str(candidate_id).strip()
    mine = scores["candidate_id"].astype(str) == cid
    if not mine.any():
        known = sorted(scores["candidate_id"].astype(str).unique())
        close = difflib.get_close_matches(cid, known, n=3, cutoff=0.75)
        hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
        raise KeyError(f"no scorecard carries candidate id {cid!r}{hint}; list the {len(known)} candidate ids "
                       f"with: {list_command(workbook.data)}")
    if fit is None:
        fit = fit_severity(scores)
    sev = fit.interviewers.set_index("interviewer")["severity"]
    verdict = _verdicts(workbook, scores, fit, small_group)
    rows = scores.loc[mine].copy()
    bank = workbook.questions.set_index("question_id")["question"]
    rows["question"] = rows["question_id"].astype(str).map(bank)
    rows["severity"] = rows["interviewer"].astype(str).map(sev).astype(float)
    rows["verdict"] = rows["interviewer"].astype(str).map(verdict).fillna("not clear").astype(object)
    # score + severity: a harsh interviewer's (severity > 0) scores are raised to the team's scale
    rows["adjusted"] = rows["score"].astype(float) + rows["severity"].fillna(0.0)
    lo, hi = RUBRIC
    rows["outside_rubric"] = np.where(rows["adjusted"] > hi, f"above {hi:g}",
                                      np.where(rows["adjusted"] < lo, f"below {lo:g}", ""))
    rows = rows.sort_values(["date", "interview_id"], kind="stable")
    cols = ["interview_id", "date", "interviewer", "question_id", "question", "score", "red_flag", "severity",
            "verdict", "adjusted", "outside_rubric", "notes"]
    answers = rows.reindex(columns=cols).reset_index(drop=True)

    interviews = (rows.groupby("interview_id", sort=False, observed=True)
                  .agg(date=("date", "first"), interviewer=("interviewer", "first"), verdict=("verdict", "first"),
                       n_questions=("score", "size"), mean_score=("score", "mean"),
                       n_red_flags=("red_flag", "sum"), recommendation=("recommendation", "first"))
                  .reset_index())
    interviews["recommendation"] = interviews["recommendation"].astype(str)
    level = str(rows["level"].iloc[-1])

    fair, level_scores = _fair_score(scores, fit, cid, level, small_group)
    agreement = _agreement(rows)
    recs = interviews["recommendation"].value_counts().to_dict()
    return Debrief(cid, level, answers, interviews, fair, agreement, recs, level_scores, data=workbook.data)


def candidates(workbook) -> pd.DataFrame:
    """Every candidate the scorecards carry, for choosing one to debrief.

    Returns ``candidate_id, level, n_interviews, last_interview`` (the level of the latest interview, the
    date of the latest), one row per pseudonymous id, sorted by id. Only ids, never names: the
    scorecards carry no other identity."""
    s = workbook.scores
    cols = ["candidate_id", "level", "n_interviews", "last_interview"]
    if s.empty:
        return pd.DataFrame(columns=cols)
    s = s.assign(candidate_id=s["candidate_id"].astype(str), level=s["level"].astype(str))
    s = s.sort_values(["date", "interview_id"], kind="stable")
    out = (s.groupby("candidate_id", sort=True, observed=True)
           .agg(level=("level", "last"), n_interviews=("interview_id", "nunique"), last_interview=("date", "last"))
           .reset_index())
    out["last_interview"] = pd.to_datetime(out["last_interview"]).dt.strftime("%Y-%m-%d")
    return out[cols]


def _verdicts(workbook, scores: pd.DataFrame, fit, small_group: int) -> pd.Series:
    """Each interviewer's verdict, by name: the ``verdict`` column of
    :func:`analysis.stats.interviewers.interviewer_stats` on the whole folder (``scores`` and its ``fit``,
    the rows :func:`analysis.stats.calibration.prepare_slice` gives the report), so the debrief says what
    ``interviewer_stats.csv`` says. The rule is :mod:`analysis.stats.verdicts`'s, not repeated here."""
    with quiet():
        iv = interviewer_stats(scores, fit, workbook.outcomes, small_group=small_group)
    return iv.set_index(iv["interviewer"].astype(str))["verdict"]


def list_command(data=None) -> str:
    """The command that lists the candidate ids of a data folder (``data`` quoted for a POSIX shell)."""
    return "python -m analysis debrief --list" + (f" --data {shlex.quote(str(data))}" if data is not None else "")


def _fair_score(scores: pd.DataFrame, fit, cid: str, level: str, small_group: int) -> tuple[dict, np.ndarray]:
    """Fair score = mean cell difficulty of the level + the candidate's ability (score points)."""
    out = {"score": np.nan, "low": np.nan, "high": np.nan, "se": np.nan, "percentile": np.nan,
           "level_median": np.nan, "n_level": 0, "note": ""}
    ability = pd.Series(fit.rows["ability"].to_numpy(), index=scores.index)
    per_cand = pd.DataFrame({"candidate_id": scores["candidate_id"].astype(str), "level": scores["level"].astype(str),
                             "ability": ability}).groupby("candidate_id", observed=True).agg(
        level=("level", "last"), ability=("ability", "first"), n=("ability", "size"))
    cells = fit.cells
    base = cells.loc[cells["level"].astype(str) == level, "difficulty"].mean()
    if not np.isfinite(base) or not np.isfinite(per_cand.at[cid, "ability"]):
        out["note"] = "the severity model could not place this candidate (see design diagnostics)"
        return out, np.array([])
    same = per_cand[per_cand["level"] == level]
    fair_all = base + same["ability"].to_numpy(float)
    a = float(per_cand.at[cid, "ability"])
    n = int(per_cand.at[cid, "n"])
    lam = fit.lam if np.isfinite(fit.lam) else 0.0
    # posterior SD of a ridge-shrunk candidate effect with n rows: sigma_e / sqrt(n + lambda)
    se = float(fit.sigma_e / np.sqrt(n + lam)) if np.isfinite(fit.sigma_e) else np.nan
    z = NormalDist().inv_cdf(0.975)
    score = base + a
    out.update(score=score, se=se, low=score - z * se, high=score + z * se,
               percentile=100.0 * float(np.mean(fair_all < score)),
               level_median=float(np.median(fair_all)), n_level=len(fair_all))
    if len(fair_all) < small_group:
        out.update(percentile=np.nan, level_median=np.nan,
                   note=f"fewer than {small_group} candidates at this level: no distribution shown")
        fair_all = np.array([])
    return out, fair_all


def _agreement(rows: pd.DataFrame) -> pd.DataFrame:
    cols = ["question_id", "n_ratings", "scores", "interviewers", "spread", "kind"]
    out = []
    for q, g in rows.groupby("question_id", sort=True, observed=True):
        if len(g) < 2:
            continue
        kind = "same answer" if g["interview_id"].nunique() == 1 or g["date"].nunique() == 1 else "asked again"
        s = g["score"].astype(int).tolist()
        out.append({"question_id": str(q), "n_ratings": len(g), "scores": ", ".join(map(str, s)),
                    "interviewers": ", ".join(g["interviewer"].astype(str)), "spread": max(s) - min(s),
                    "kind": kind})
    return pd.DataFrame(out, columns=cols)
