"""Interviewer severity: how many score points harder (positive) or softer than the team an
interviewer grades the same candidate on the same question.

The model
---------
An additive, many-facet model of every score row ``i``::

    score_i = delta[question_i, level_i] + alpha[candidate_i] + rho[interviewer_i] + e_i

- ``delta`` is the difficulty of each question *for each candidate level* (the same question
  stretches a junior and warms up a senior), a fixed effect per (question, level) cell;
- ``alpha`` is the candidate's ability, shrunk towards their level's mean as a random effect
  (ridge penalty ``lambda = var(e) / var(alpha)``, estimated by the method of moments from a
  fixed-effects fit). Shrinkage lets candidates seen by one interviewer still inform the
  comparison, while candidates seen by several interviewers (loops, panels, shadows) carry most of
  the weight — exactly the "same candidate, same question" comparison a hiring lead means;
- ``rho`` is the interviewer's leniency. **Severity is ``-rho``, centred on the team** (the
  row-weighted mean severity is zero), in score points: ``+0.3`` means the interviewer gives about
  0.3 points less than the team would for the same answer.

Why not a library: statsmodels' MixedLM fits this with crossed effects, but takes minutes at a
million rows; here the candidate effects are absorbed in closed form with sparse algebra, so a fit
is a few sparse products and one small dense solve (the number of parameters left is the number of
question-level cells plus interviewers). The result equals a linear mixed model with known variance
ratio (a ridge regression), which the tests check against a direct dense solve.

Uncertainty: 95% intervals are Wald intervals from a cluster-robust (sandwich) covariance, clustered
by candidate, so several rows of one candidate are not counted as independent evidence.

How to read it: an interval that excludes zero says the interviewer is reliably harsher (or softer)
than the team; a wide interval (few interviews, or candidates nobody else saw) says "not enough
evidence yet". Severity is not a verdict on the interviewer: a harsh grader who is consistent is
easy to correct for; compare the interviewer's pass rate with the funnel plot too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

__all__ = ["SeverityFit", "fit_severity"]


@dataclass
class SeverityFit:
    """Result of :func:`fit_severity`.

    Attributes
    ----------
    interviewers : DataFrame
        One row per interviewer: ``interviewer, n_rows, n_candidates, n_shared_candidates, severity,
        severity_se, severity_low, severity_high``.
    cells : DataFrame
        ``question_id, level, difficulty`` (the fitted ``delta``: expected score of an average
        candidate of that level with an average interviewer).
    rows : DataFrame
        Per input row (same index): ``fitted`` (full model prediction), ``residual``,
        ``leniency`` (``rho`` of the row's interviewer, team-centred, score points) and
        ``ability`` (the candidate's fitted ``alpha``).
    lam : float
        The ridge penalty used for candidate effects (variance ratio).
    sigma_e : float
        Residual standard deviation (score points).
    """

    interviewers: pd.DataFrame
    cells: pd.DataFrame
    rows: pd.DataFrame
    lam: float
    sigma_e: float


def _codes(s: pd.Series):
    cat = s.astype("category")
    cat = cat.cat.remove_unused_categories()
    return cat.cat.codes.to_numpy(), cat.cat.categories


def _solve(D, C, y, n_c, lam):
    """Profile out ridge candidate effects; return beta, bread (D'MD), CtD scaled, alpha."""
    CtD = (C.T @ D).tocsr()
    Cty = C.T @ y
    inv = 1.0 / (n_c + lam)
    S = sp.diags(inv) @ CtD
    A = (D.T @ D).toarray() - (CtD.T @ S).toarray()
    rhs = D.T @ y - S.T @ Cty
    try:
        beta = np.linalg.solve(A, rhs)
    except np.linalg.LinAlgError:  # disconnected design: the minimum-norm solution
        beta = np.linalg.lstsq(A, rhs, rcond=None)[0]
    alpha = inv * (Cty - CtD @ beta)
    return beta, A, S, alpha


def fit_severity(data: pd.DataFrame, candidate: str = "candidate_id", interviewer: str = "interviewer",
                 question: str = "question_id", level: str = "level", score: str = "score",
                 lam: float | None = None) -> SeverityFit:
    """Fit the additive many-facet model above and return interviewer severities with 95% intervals.

    Parameters
    ----------
    data : DataFrame
        Long format, one row per score.
    candidate, interviewer, question, level, score : str
        Column names.
    lam : float, optional
        Ridge penalty on candidate effects; estimated from the data when None. ``lam=0`` gives the
        fixed-effects (within-candidate) estimator, which uses only candidates seen by two or more
        interviewers.

    Returns
    -------
    SeverityFit
    """
    y = data[score].to_numpy(dtype=float)
    n = len(y)
    c_idx, c_names = _codes(data[candidate])
    r_idx, r_names = _codes(data[interviewer])
    qc, qn = _codes(data[question])
    lc, ln = _codes(data[level])
    q_idx, cell_codes = pd.factorize(qc.astype(np.int64) * max(len(ln), 1) + lc, sort=True)
    q_names = [f"{qn[c // max(len(ln), 1)]}\x1f{ln[c % max(len(ln), 1)]}" for c in cell_codes]
    nc, nr, nq = len(c_names), len(r_names), len(q_names)
    ones = np.ones(n)
    C = sp.csr_matrix((ones, (np.arange(n), c_idx)), shape=(n, nc))
    Q = sp.csr_matrix((ones, (np.arange(n), q_idx)), shape=(n, nq))
    R = sp.csr_matrix((ones, (np.arange(n), r_idx)), shape=(n, nr))[:, 1:]  # first interviewer is the reference
    D = sp.hstack([Q, R]).tocsr()
    n_c = np.bincount(c_idx, minlength=nc).astype(float)

    if lam is None:
        beta0, A0, S0, alpha0 = _solve(D, C, y, n_c, 0.0)
        resid0 = y - D @ beta0 - alpha0[c_idx]
        dof = max(n - nc - A0.shape[0], 1)
        s2e = float(resid0 @ resid0) / dof
        # moment estimate of the ability variance from the candidates' fitted means
        s2a = float(np.var(alpha0) - np.mean(s2e / n_c))
        lam = s2e / s2a if s2a > 1e-9 else 1e6
    beta, A, S, alpha = _solve(D, C, y, n_c, lam)
    resid = y - D @ beta - alpha[c_idx]
    dof = max(n - nq - (nr - 1) - int(np.sum(n_c / (n_c + lam))), 1)
    sigma_e = float(np.sqrt(resid @ resid / dof))

    # cluster-robust covariance of beta, clustered by candidate
    # per-candidate score contributions, kept sparse (a dense rows x parameters product would
    # cost gigabytes at a million rows)
    U = (C.T @ (sp.diags(resid) @ D)) - sp.diags(C.T @ resid) @ S
    meat = (U.T @ U).toarray()
    try:
        bread = np.linalg.inv(A)
    except np.linalg.LinAlgError:
        bread = np.linalg.pinv(A)
    cov = bread @ meat @ bread
    g = nc / max(nc - 1, 1)  # small-sample factor (CR1-like)
    cov *= g

    # interviewer effects (reference 0), team-centred by row share, sign flipped: + = harsher
    rho_raw = np.r_[0.0, beta[nq:]]
    n_r = np.bincount(r_idx, minlength=nr).astype(float)
    w = n_r / n_r.sum()
    L = -(np.eye(nr) - np.outer(np.ones(nr), w))  # severity = L @ rho_raw
    sev = L @ rho_raw
    cov_r = np.zeros((nr, nr))
    cov_r[1:, 1:] = cov[nq:, nq:]
    se = np.sqrt(np.clip(np.diag(L @ cov_r @ L.T), 0, None))
    z = stats.norm.ppf(0.975)

    # identification: candidates this interviewer shares with another interviewer
    pairs = pd.DataFrame({"c": c_idx, "r": r_idx}).drop_duplicates()
    multi = pairs.groupby("c")["r"].transform("size") > 1
    shared = pairs[multi].groupby("r").size().reindex(range(nr), fill_value=0).to_numpy()
    n_cand = pairs.groupby("r").size().reindex(range(nr), fill_value=0).to_numpy()

    interviewers = pd.DataFrame({
        "interviewer": np.asarray(r_names, dtype=object),
        "n_rows": n_r.astype(int),
        "n_candidates": n_cand,
        "n_shared_candidates": shared,
        "severity": sev,
        "severity_se": se,
        "severity_low": sev - z * se,
        "severity_high": sev + z * se,
    })
    leniency = -sev  # team-centred rho, score points
    # difficulty of each cell: expected score for an average candidate (alpha mean 0 under ridge
    # shrinkage) graded by an average interviewer
    mean_rho = float(w @ rho_raw)
    split = pd.Series(np.asarray(q_names, dtype=object)).str.split("\x1f", expand=True)
    cells = pd.DataFrame({"question_id": split[0].to_numpy(), "level": split[1].to_numpy(),
                          "difficulty": beta[:nq] + mean_rho + alpha.mean()})
    rows = pd.DataFrame({"fitted": y - resid, "residual": resid, "leniency": leniency[r_idx],
                         "ability": alpha[c_idx]}, index=data.index)
    return SeverityFit(interviewers, cells, rows, float(lam), sigma_e)
