"""One verdict per interviewer and per question: the one place every surface reads them from.

The brief, notebooks 03 and 05, the explorer, the report's tables and charts and the ``irt`` command
all say the same thing about Devon or about ``jr-s3-pricing`` because none of them decides: they read
the ``verdict`` column that :func:`question_verdicts` and :func:`interviewer_verdicts` fill
(``question_stats.csv``, ``interviewer_stats.csv``, ``irt_interviewers.csv``).

Questions (:data:`QUESTION_VERDICTS`), from the headline discrimination's 95% interval and Ebel's
bands (:data:`analysis.stats.discrimination.EBEL_BANDS`):

==========  ==========================================================================================
verdict     when
==========  ==========================================================================================
keep        the whole interval is at least "good": ``discrimination_low >= 0.30``
rewrite     the whole interval is "poor": ``discrimination_high < 0.20`` (rewrite or retire it)
watch       judged, but the interval spans more than one band, or an end is within its Monte Carlo
            error of the edge (below), or there is no interval (``n_boot=0``): keep asking, look again
too few     asked of fewer than ``min_n`` candidates (``too_few``): ask it more often
==========  ==========================================================================================

Interviewers (:data:`INTERVIEWER_VERDICTS`), from the headline severity's 95% interval:

==========  ==========================================================================================
verdict     when
==========  ==========================================================================================
harsher     ``severity_low > 0``: for the same candidate and question, they grade below the team
softer      ``severity_high < 0``
not clear   the interval includes 0, or the severity could not be estimated (``severity_note`` says why)
too few     fewer than ``small_group`` interviews (:data:`analysis.config.SMALL_GROUP`, the privacy floor)
==========  ==========================================================================================

**The headline model for severity** is the calibration's additive mixed model
(:func:`analysis.stats.severity.fit_severity`, score points): its 95% intervals are the ones validated
for coverage (``validation/RESULTS.md``: 93-97% in the cells of the design grid, within Monte Carlo
error elsewhere). The joint many-facet IRT model (:mod:`analysis.stats.irt`) ranks interviewers well
(``validation/irt_study_results.md``: Spearman 0.965-0.970 on the graded worlds at 600 scorecards) but
the coverage of its severity intervals has not been checked, so it is shown as a labelled **cross-check**
(:func:`cross_check`): its own reading (:func:`model_verdicts`) beside the verdict, whether the two
agree, and a sentence where they do not.

**Monte Carlo noise never flips a verdict.** A question's interval comes from ``n_boot`` bootstrap
resamples, so its ends carry Monte Carlo error; the rule here is the first of the issue's two: **an
end within** :data:`MC_SES` **Monte Carlo standard errors of a threshold is not clear** (``watch``), it
is not re-run with more resamples. The error is estimated from the interval itself
(:func:`end_mc_error`): the interval is normal on Fisher's z with a standard deviation estimated from
the ``n_boot`` replicates, whose relative standard error is ``1 / sqrt(2 (n_boot - 1))`` for a normal
replicate distribution, so an end's Monte Carlo SE on the z scale is about its half-width times that
(a little less where the severity term, which is not random, is part of the width). At 1000 resamples
that is 2.2% of the half-width, at 200 resamples 5%. Measured on the repository's data (24 questions,
20 seeds; ``tests/test_verdicts.py``): the seed-to-seed SD of the lower end is 0.63-1.35 times this
estimate, median 0.95 at 200 resamples and 0.98 at 1000. So a ``keep`` becomes a ``rewrite`` (or back)
only if an end moves by the width of a band plus four Monte Carlo SEs; between ``keep`` and ``watch``
a question sitting on the edge can still move, which is what ``watch`` says.
Severity intervals are analytic (no resampling): their verdicts have no Monte Carlo error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.stats.discrimination import EBEL_EDGES

__all__ = ["QUESTION_VERDICTS", "INTERVIEWER_VERDICTS", "MC_SES", "end_mc_error", "question_verdicts",
           "interviewer_verdicts", "model_verdicts", "cross_check", "verdict_counts"]

#: The values of ``question_stats.verdict``, most actionable first.
QUESTION_VERDICTS = ("keep", "rewrite", "watch", "too few")
#: The values of ``interviewer_stats.verdict`` and ``irt_interviewers.verdict``.
INTERVIEWER_VERDICTS = ("harsher", "softer", "not clear", "too few")
#: An interval end this many Monte Carlo standard errors (or fewer) from a threshold is not clear.
MC_SES = 2.0


def end_mc_error(low, high, n_boot) -> np.ndarray:
    """The Monte Carlo standard error of each end of a bootstrap interval, on the correlation scale
    (see the module docstring): ``hw_z / sqrt(2 (n_boot - 1)) * (1 - end**2)`` with
    ``hw_z`` the half-width on Fisher's z scale; the larger of the two ends' values. 0 when
    ``n_boot`` is None (an interval not from resampling), inf when it is under 2."""
    low, high = np.asarray(low, float), np.asarray(high, float)
    if n_boot is None:
        return np.zeros(low.shape)
    if int(n_boot) < 2:
        return np.full(low.shape, np.inf)
    with np.errstate(all="ignore"):
        zl, zh = np.arctanh(np.clip(low, -0.999999, 0.999999)), np.arctanh(np.clip(high, -0.999999, 0.999999))
        mc_z = (zh - zl) / 2 / np.sqrt(2 * (int(n_boot) - 1))
        return mc_z * np.maximum(1 - low ** 2, 1 - high ** 2)


def question_verdicts(table: pd.DataFrame, n_boot: int | None) -> pd.Series:
    """The verdict of each question of a ``question_stats`` table (:data:`QUESTION_VERDICTS`).

    Parameters
    ----------
    table : DataFrame
        With ``discrimination_low``, ``discrimination_high`` and ``too_few``.
    n_boot : int or None
        The resamples behind the intervals (the calibration's ``meta["n_boot"]``); None for intervals
        that carry no Monte Carlo error.
    """
    low = table["discrimination_low"].to_numpy(float)
    high = table["discrimination_high"].to_numpy(float)
    margin = MC_SES * end_mc_error(low, high, n_boot)
    few = (table["too_few"].fillna(True).astype(bool).to_numpy() if "too_few" in table
           else np.zeros(len(table), dtype=bool))
    with np.errstate(invalid="ignore"):
        out = np.select([few, low - margin >= EBEL_EDGES["good"], high + margin < EBEL_EDGES["marginal"]],
                        ["too few", "keep", "rewrite"], "watch")
    return pd.Series(out, index=table.index, name="verdict", dtype=object)


def model_verdicts(low, high, n_interviews, *, small_group: int = config.SMALL_GROUP) -> np.ndarray:
    """Harsher / softer / not clear / too few from a severity interval (+ = harsher) and the
    interviewer's interviews: the rule of :func:`interviewer_verdicts`, for any model's interval."""
    low, high = np.asarray(low, float), np.asarray(high, float)
    n = np.asarray(n_interviews, float)
    with np.errstate(invalid="ignore"):
        return np.select([~(n >= small_group), low > 0, high < 0], ["too few", "harsher", "softer"], "not clear"
                         ).astype(object)


def interviewer_verdicts(table: pd.DataFrame, *, small_group: int = config.SMALL_GROUP) -> pd.Series:
    """The verdict of each interviewer of an ``interviewer_stats`` table (:data:`INTERVIEWER_VERDICTS`):
    the headline (mixed-model) severity interval; ``not clear`` where it is missing."""
    nan = pd.Series(np.nan, index=table.index)
    out = model_verdicts(table.get("severity_low", nan), table.get("severity_high", nan), table["n_interviews"],
                         small_group=small_group)
    return pd.Series(out, index=table.index, name="verdict", dtype=object)


def cross_check(verdicts: pd.Series, other: pd.Series, *, model: str = "the IRT cross-check") -> tuple[pd.Series, list[str]]:
    """Whether another model's reading (``other``, by interviewer) agrees with the verdict
    (``verdicts``, by interviewer), and one sentence per disagreement.

    Returns ``(models_agree, sentences)``: ``models_agree`` is ``yes`` / ``no`` by interviewer (empty
    where either says ``too few``: nothing to compare); the verdict itself never changes (it is the
    headline model's), the sentence says how to read it."""
    other = other.reindex(verdicts.index)
    skip = (verdicts == "too few") | (other == "too few") | other.isna()
    agree = pd.Series(np.where(skip, "", np.where(verdicts == other, "yes", "no")), index=verdicts.index,
                      name="models_agree", dtype=object)
    sentences = []
    for name in agree.index[agree == "no"]:
        v, o = verdicts[name], other[name]
        if v == "not clear":
            tail = f"{model} calls them {o}, the headline model's interval includes 0: treat as not clear"
        elif o == "not clear":
            tail = (f"the headline model calls them {v}, {model}'s interval includes 0: the verdict stays {v} "
                    "(the headline's intervals are the validated ones), a conversation to hold lightly")
        else:
            tail = (f"the headline model calls them {v}, {model} {o}: the verdict stays {v}; check the design "
                    "diagnostics (who interviews whom) before acting on it")
        sentences.append(f"The two models disagree on {name}: {tail}.")
    return agree, sentences


def verdict_counts(verdicts: pd.Series) -> dict[str, int]:
    """How many of each verdict (every value of the column, zeros left out)."""
    return {str(k): int(v) for k, v in verdicts.astype(str).value_counts().items()}
