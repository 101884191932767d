"""The interviewer table of the calibration: pass rates against funnel limits, severity, agreement
with the hiring decision, and which interviewers are under the privacy floor.

:func:`interviewer_stats` reads the severity fit of :mod:`analysis.stats.severity` (it does not fit
one) and the outcomes. Its ``small_group`` column marks interviewers with fewer than ``small_group``
interviews (:data:`analysis.config.SMALL_GROUP`); every output blanks their rates through
:func:`analysis.stats.small_groups.suppress_small_interviewers`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special  # the distribution functions without scipy.stats' import cost

from analysis import config
from analysis.stats import _codes
from analysis.stats import reliability
from analysis.stats.agreement import UNDEFINED
from analysis.stats.severity import SeverityFit
from analysis.stats.verdicts import interviewer_verdicts

__all__ = ["interviewer_stats"]


def _funnel(p0: float, n: np.ndarray, z: float):
    se = np.sqrt(p0 * (1 - p0) / np.maximum(n, 1))
    return np.clip(p0 - z * se, 0, 1), np.clip(p0 + z * se, 0, 1)


def interviewer_stats(d: pd.DataFrame, fit: SeverityFit | None, outcomes: pd.DataFrame | None,
                      *, small_group: int = config.SMALL_GROUP) -> pd.DataFrame:
    """Per interviewer (see ``COLUMNS["interviewer_stats"]``).

    Pass rates come with funnel-plot control limits around the team's rate (Spiegelhalter 2005):
    a binomial 95% and 99.8% band that narrows as the number of interviews grows, so a rate from 8
    interviews is judged against the band for 8, not against a rate from 200. Pass rates are not
    adjusted for the candidates each interviewer saw; ``severity`` is.
    """
    # each interview's first row, its candidate as a code of the whole column (memoised for the report:
    # no text of the interviews' candidates is taken and hashed again, issue 26)
    first = _codes.first_row_positions(d["interview_id"])
    iv = d[["interviewer", "recommendation"]].iloc[first]
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
        # the decision of each distinct candidate, tested once per candidate and spread to the interviews
        # by their codes (a missing id's -1 reads the spare last entry: undecided), not per interview
        cand, distinct = _codes.codes(d["candidate_id"], sort=False)
        dec = pd.Series(_decisions_of_codes(np.arange(len(distinct)), distinct, outcomes), dtype=object)
        at = np.asarray(cand)[first]
        hired = np.append((dec == "hired").to_numpy(), False)[at]
        k = iv.assign(hired=hired, passed=passed)[np.append(dec.isin(["hired", "rejected"]).to_numpy(), False)[at]]
        agree = k.groupby("interviewer", observed=True).apply(
            lambda t: pd.Series({"n_decided": len(t), "decision_agreement": float((t["passed"] == t["hired"]).mean()),
                                 "decision_kappa": _kappa(t["passed"], t["hired"])}), include_groups=False)
        agree = agree if len(agree) else pd.DataFrame(columns=["n_decided", "decision_agreement", "decision_kappa"])
        out = out.join(agree)
    out["small_group"] = out["n_interviews"] < small_group
    out["verdict"] = interviewer_verdicts(out, small_group=small_group)   # the one verdict (analysis.stats.verdicts)
    out.index = out.index.astype(str)
    return out.reset_index().rename(columns={"index": "interviewer"})


def _decisions(candidates: pd.Series, outcomes: pd.DataFrame) -> np.ndarray:
    """Per row, the candidate's hiring ``decision`` (object; NaN where the candidate has none):
    ``candidates.map(decision by candidate_id)``, looked up once per distinct candidate and spread by
    the codes. Why: the map of every interview's id held a text copy of the column and its hash table
    (about 170 MB at ten million rows, the interviewer table's peak, issue 26); the values are the same
    objects, looked up by the same map."""
    return _decisions_of_codes(*pd.factorize(candidates), outcomes)


def _decisions_of_codes(code: np.ndarray, distinct, outcomes: pd.DataFrame) -> np.ndarray:
    """:func:`_decisions` of candidates given as codes into ``distinct`` (-1: a missing id), e.g. the
    report's memoised codes of the whole column taken at the rows wanted (any numbering: each
    distinct id is looked up once, and a row reads its id's decision)."""
    per_candidate = pd.Series(distinct).map(outcomes.set_index("candidate_id")["decision"].astype(object))
    # a missing id's code -1 reads the last entry: no decision, as the map gives a missing id
    return np.append(per_candidate.to_numpy(dtype=object), np.nan)[code]


def _kappa(a, b) -> float:
    a, b = np.asarray(a, int), np.asarray(b, int)
    # one value each (min == max: what len(set(a)) < 2 says, without a Python set of every rating)
    if len(a) < 2 or (a.min() == a.max() and b.min() == b.max()):
        return np.nan
    try:
        return reliability.cohen_kappa(a, b, labels=[0, 1])
    except UNDEFINED:
        return np.nan

