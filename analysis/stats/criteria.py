"""What "strong" and "weak" mean: the criterion a question is judged against.

Every statistic that says a question "separates strong from weak" needs a definition of strong.
The workbook offers four; choose with ``criterion=``:

``"recommendation"`` (default)
    The interviewer's overall call on that interview: ``yes``/``strong_yes`` is strong. Available
    for every interview, so it has the most data. **Contaminated**: the interviewer made the call
    partly from the very scores being judged, so every question looks somewhat discriminating, and
    questions the interviewer leans on look more so. Use it to see which questions agree with how
    your interviewers decide (AUC, red-flag lift, pass rates). Because of the contamination the
    headline ``discrimination`` does not use it directly: under this criterion the headline is
    the same as under ``"rest"`` (see below), and only AUC, lift and the strong/weak split differ.
``"decision"``
    The final hiring decision from ``outcomes.csv``: ``hired`` is strong, ``rejected`` weak,
    ``withdrew`` unknown. Still contaminated (the decision is made from all the interviews), and
    only known for candidates with an outcome. Use it to see which questions agree with the
    committee.
``"performance"``
    The on-the-job rating (1-5) of hired candidates: ratings 4-5 are strong. The only criterion
    that measures **predictive validity**, free of the interview's own scores; but it exists only
    for hires (range restriction: everyone in it already passed, which shrinks correlations) and
    arrives months later. Use it, when you have enough hires, to decide which questions to keep.
``"rest"``
    The candidate's score on the *other* questions, each adjusted for its interviewer's severity
    and the question's difficulty at the candidate's level (the classical item-rest idea made fair
    across interviewers). Free of the question itself and available for everyone; but it rewards
    questions that agree with the rest of the interview, not questions that predict the job. Use it
    to check internal consistency, and when recommendations are unreliable.

The headline is judged against a criterion free of the answer itself
--------------------------------------------------------------------
A criterion built partly from the score being judged flatters every question, and flatters most the
noisy ones (a question whose scores are close to random still moves the interview's mean, and so
the recommendation). With six questions an interview, that contamination is large enough to
reorder the whole ranking. So, besides ``y``/``strong`` (used for AUC and red-flag lift, which a
hiring lead reads against the plain criterion), :func:`attach_criterion` adds ``y_free``, the
criterion with this answer's influence removed, which the headline ``discrimination`` uses:

- ``recommendation``: the candidate's strength as everything *except this answer* shows it, which is
  the rest score below. No version of a recommendation is free of the answer: the call on this
  interview was made from it, and the calls on the candidate's other interviews were made from the
  other answers, which the rest score holds directly and with less noise. (Checked on histories with
  planted truth: averaging in the other interviews' recommendations ranked questions worse than the
  rest score alone, and the plain recommendation far worse; see ``tests/test_calibration.py``.)
  The recommendation still defines strong and weak for AUC, red-flag lift, pass rates and the
  score-distribution chart;
- ``decision`` and ``performance``: the criterion itself (a decision pools several interviews, so
  one answer weighs little; performance is measured on the job, not in the interview);
- ``rest``: the rest score (free by construction).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.stats import _codes


__all__ = ["CRITERIA", "attach_criterion", "rest_score"]

CRITERIA = ("recommendation", "decision", "performance", "rest")


def rest_score(scores: pd.DataFrame, adjusted) -> pd.Series:
    """Each row's rest score: the mean ``adjusted`` score of the candidate's *other* rows (NaN on a
    candidate's only row; a NaN ``adjusted`` is left out of the others' means, and its own row's rest
    score is NaN), on ``scores``' index.

    What the ``rest`` criterion is, and the answer-free ``y_free`` of ``recommendation`` (see the
    module docstring). It depends on the rows and their severity fit, not on the criterion, so a
    caller that keeps a slice across criteria (the explorer, through
    :func:`analysis.stats.calibration.criterion_rows`) computes it once per slice and passes it to
    :func:`attach_criterion` as ``rest=`` (a grouped pass over every row).
    """
    a = np.asarray(adjusted, dtype=float)
    # grouped by the candidates' integer codes (kept per column by _codes, which the severity fit has
    # read already), not by hashing their text again; a missing candidate is no group, as in a
    # group-by on the column (the plain path below)
    key, names = _codes.codes(scores["candidate_id"], sort=True)
    if (key < 0).any():
        return _rest_score_grouped(scores, a, key)
    # The same numbers as the group-by (``_rest_score_grouped``: tests/test_criteria_rest.py, to the
    # bit), with fewer row-length arrays (issue 26: at ten million rows each is 80 MB of fresh pages)
    # and no hashing of the codes: the sums are pandas' own group sums (compensated, in row order)
    # over a categorical of the codes, which pandas reads as its group numbers; the counts of the
    # known scores are whole numbers, counted exactly by bincount; the rest is done in place
    groups = pd.Categorical.from_codes(key, categories=pd.RangeIndex(len(names)), validate=False)
    tot = pd.Series(a, copy=False).groupby(groups, observed=False).sum().to_numpy()
    known = ~np.isnan(a)
    cnt = np.bincount(key if known.all() else key[known], minlength=len(names))
    del known, groups
    out = tot[key]                    # tot - a, divided by cnt - 1 (both per row, as pandas' transform)
    out -= a
    others = _codes.narrow(cnt - 1)[key]  # int8/int16 where it fits: a float divided by it is the same
    with np.errstate(invalid="ignore", divide="ignore"):
        out /= others
    out[others <= 0] = np.nan         # a candidate's only known row: no other row to average
    return pd.Series(out, index=scores.index, copy=False)


def _rest_score_grouped(scores: pd.DataFrame, a: np.ndarray, key: np.ndarray) -> pd.Series:
    """:func:`rest_score` by pandas' group-by on the candidate codes (NaN for a missing candidate):
    the plain statement of the rule, which the faster path must equal."""
    a = pd.Series(a, index=scores.index)
    key = np.where(key >= 0, key, np.nan)
    g = a.groupby(key)
    tot = g.transform("sum")
    cnt = g.transform("count")
    return ((tot - a) / (cnt - 1)).where(cnt > 1)


def attach_criterion(scores: pd.DataFrame, outcomes: pd.DataFrame | None, criterion: str = "recommendation",
                     *, adjusted: pd.Series | None = None, rest: pd.Series | None = None) -> pd.DataFrame:
    """Return ``scores`` with two columns added: ``y`` (the criterion as a number, NaN when unknown)
    and ``strong`` (1.0 strong, 0.0 weak, NaN unknown).

    Parameters
    ----------
    scores : DataFrame
        Scorecard rows (see :mod:`analysis.io.scorecards`).
    outcomes : DataFrame or None
        ``candidate_id, decision, performance`` (needed for ``decision`` and ``performance``).
    criterion : {"recommendation", "decision", "performance", "rest"}
    adjusted : Series, optional
        For ``rest``: each row's score adjusted for interviewer severity and question-level
        difficulty (the residual plus the candidate's ability from
        :func:`analysis.stats.severity.fit_severity`). Required for ``rest`` unless ``rest`` is given.
    rest : Series, optional
        :func:`rest_score` of ``scores`` and ``adjusted``, already computed (on ``scores``' index);
        then ``adjusted`` is not read. For a caller that keeps it per slice.
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}; got {criterion!r}")
    out = scores.copy(deep=False)  # the columns added below are new; the ones read are not copied
    if rest is None and adjusted is not None:
        rest = rest_score(out, adjusted)
    if rest is not None:   # row for row (a Series on out's index shares its array, copy-on-write)
        rest = (rest.astype(float).set_axis(out.index) if isinstance(rest, pd.Series)
                else _column(np.array(rest, dtype=float), out))
    if criterion == "recommendation":
        code = out["recommendation"].cat.codes.to_numpy().astype(float)
        code[code < 0] = np.nan
        strong = (code >= 2).astype(float)
        strong[np.isnan(code)] = np.nan
        out["y"] = _column(code, out)
        out["strong"] = _column(strong, out)
        out["y_free"] = rest if rest is not None else _column(_free_recommendation(out, code), out)
        return out
    if criterion in ("decision", "performance"):
        if outcomes is None or outcomes.empty:
            raise ValueError(f"criterion {criterion!r} needs outcomes.csv in the data folder "
                             "(candidate_id, decision, performance); none was found")
        o = outcomes.set_index("candidate_id")
        if criterion == "decision":
            dec = out["candidate_id"].map(o["decision"].astype(object))
            y = _column(np.select([dec == "hired", dec == "rejected"], [1.0, 0.0], np.nan), out)
            out["y"] = y
            out["strong"] = y
            out["y_free"] = y
        else:
            perf = out["candidate_id"].map(o["performance"]).astype(float).to_numpy()
            strong = (perf >= 4).astype(float)
            strong[np.isnan(perf)] = np.nan
            out["y"] = out["y_free"] = _column(perf, out)
            out["strong"] = _column(strong, out)
        return out
    # rest: mean adjusted score of the candidate's other answers
    if rest is None:
        raise ValueError("criterion 'rest' needs the severity-adjusted scores (adjusted=...)")
    out["y"] = rest
    out["y_free"] = rest
    med = rest.groupby(out["level"], observed=True).transform("median")
    strong = (rest > med).to_numpy(dtype=float)
    strong[rest.isna().to_numpy()] = np.nan
    out["strong"] = _column(strong, out)
    return out


def _column(values: np.ndarray, frame: pd.DataFrame) -> pd.Series:
    """``values`` (an array made for one column) as a Series on ``frame``'s index, which a frame
    takes as its column without copying (pandas copies an array assigned as a column; a Series it
    shares, copy-on-write). The criterion's columns are 80 MB each at ten million rows, and the
    columns that hold the same numbers (``y``, ``strong`` and ``y_free`` of ``decision``; ``y`` and
    ``y_free`` of ``performance`` and ``rest``) are one array."""
    return pd.Series(values, index=frame.index, copy=False)


def _free_recommendation(out: pd.DataFrame, code: np.ndarray) -> np.ndarray:
    """Recommendation-based strength of the candidate without this answer when the adjusted scores
    are not given (with them it is the rest score, see module docstring): the mean call of the
    candidate's other scorecards."""
    iv = pd.DataFrame({"interview_id": out["interview_id"].to_numpy(), "candidate_id": out["candidate_id"].to_numpy(),
                       "code": code}).drop_duplicates("interview_id")
    tot = iv.groupby("candidate_id")["code"].transform("sum")
    cnt = iv.groupby("candidate_id")["code"].transform("count")
    iv["other"] = ((tot - iv["code"]) / (cnt - 1)).where(cnt > 1)
    return out["interview_id"].map(iv.set_index("interview_id")["other"]).to_numpy(dtype=float)
