"""Interviewer severity: how many score points harder (positive) or softer than the team an
interviewer grades the same candidate on the same question.

The model
---------
A linear mixed model of every score row ``i``::

    score_i = delta[question_i, level_i] + rho[interviewer_i] + alpha[candidate_i] + e_i,
    alpha ~ Normal(0, sigma_a^2),  e ~ Normal(0, sigma_e^2)

- ``delta`` is the difficulty of each question *for each candidate level* (the same question
  stretches a junior and warms up a senior), a fixed effect per (question, level) cell. Candidates
  are nested in levels, so the cells also absorb each level's mean ability: ``alpha`` is the
  candidate's ability *relative to their level*, a random effect with mean zero;
- ``rho`` is the interviewer's leniency, a fixed effect. **Severity is ``-rho``, centred on the
  team** (the row-weighted mean severity is zero), in score points: ``+0.3`` means the interviewer
  gives about 0.3 points less than the team would for the same answer.

Estimating ``alpha`` as a random effect is a ridge penalty ``lam = sigma_e^2 / sigma_a^2`` on the
candidate effects: candidates seen by several interviewers (loops, panels, shadows) carry most of
the weight, which is exactly the "same candidate, same question" comparison a hiring lead means.

Identification (what the data can and cannot tell)
--------------------------------------------------
Severities are differences between interviewers, and a difference is only measured where the two
grade the same candidates, directly or through a chain of colleagues. So the interviewers are split
into the **connected groups** of the interviewer-candidate graph. The largest group (most score
rows) is "the team"; severities are estimated and centred there. An interviewer in a group that
shares no candidate with the team gets severity NaN and a ``severity_note`` saying so: comparing the
two groups would rest only on the assumption that their candidates are equally able, which is
exactly what a severity must not assume. Interviewers with fewer than ``min_rows`` score rows or
``min_shared`` shared candidates are NaN as well ("not enough evidence yet"). A design in which an
interviewer's effect is confounded with the questions they ask (they alone ask them, and nothing
else) is found numerically (a null direction of the normal equations) and reported the same way.
Every linear solve is a Cholesky factorisation of a matrix whose condition number is checked: no
singular solve is ever trusted.

Variance components
-------------------
``sigma_a^2`` and ``sigma_e^2`` are estimated by **restricted maximum likelihood** (REML, Patterson &
Thompson 1971), the estimator statsmodels' ``MixedLM`` and R's ``lme4`` use; the tests check the
result against ``statsmodels.MixedLM`` on small data. REML's degrees of freedom come from the true
rank of the fixed part, after the identification above. The ratio ``lam`` is searched within
``[0.01, 100]`` (:data:`LAM_BOUNDS`): below 0.01 the candidate variance would be 100 times the
grading noise, beyond any 1-4 rubric, and the normal equations lose conditioning (the candidate
effects become fixed effects, which confound the level means); above 100 the candidates would be
practically identical, the model reduces to raw mean scores, and within-candidate comparisons --
the point of the model -- would be thrown away. A ratio at a bound is reported in ``lam_note``.

Why not a library: statsmodels' MixedLM fits exactly this model, but takes minutes at a million
rows; here the candidate effects are absorbed in closed form with sparse algebra, and the REML
criterion is evaluated from a handful of small dense matrices (candidates with the same number of
rows share the same absorption weight), so a fit is a few sparse products and small solves.

Uncertainty: 95% intervals are Wald intervals from a cluster-robust (sandwich) covariance, clustered
by candidate (so several rows of one candidate are not counted as independent evidence), with the
CR1 small-sample factor and a Student t quantile on (shared candidates - 1) degrees of freedom: an
interviewer's severity rests on the few candidates they share with colleagues, not on the thousands
the team saw.

How to read it: an interval that excludes zero says the interviewer is reliably harsher (or softer)
than the team; a wide interval (few interviews, or candidates nobody else saw) says "not enough
evidence yet"; a NaN says "not comparable", with the reason beside it. Severity is not a verdict on
the interviewer: a harsh grader who is consistent is easy to correct for; compare the interviewer's
pass rate with the funnel plot too.

References
----------
Patterson, H. D. & Thompson, R. (1971). Recovery of inter-block information when block sizes are
unequal. Biometrika 58(3), 545-554. Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to
cluster-robust inference. Journal of Human Resources 50(2), 317-372.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import linalg, optimize, stats
from scipy.sparse.csgraph import connected_components

__all__ = ["SeverityFit", "fit_severity", "LAM_BOUNDS", "MAX_CONDITION"]

#: Search range of the ridge ratio ``sigma_e^2 / sigma_a^2`` (see the module docstring).
LAM_BOUNDS = (0.01, 100.0)
#: Largest condition number (of the Jacobi-scaled normal equations) a solve is trusted at.
MAX_CONDITION = 1e10


@dataclass
class SeverityFit:
    """Result of :func:`fit_severity`.

    Attributes
    ----------
    interviewers : DataFrame
        One row per interviewer: ``interviewer, n_rows, n_candidates, n_shared_candidates, group,
        severity, severity_se, severity_low, severity_high, severity_note``. ``group`` numbers the
        connected groups of interviewers (1 = the team: the largest group); ``severity_note`` is
        empty when the severity is estimated and says why when it is NaN.
    cells : DataFrame
        ``question_id, level, difficulty`` (the fitted ``delta``: expected score of an average
        candidate of that level with an average interviewer).
    rows : DataFrame
        Per input row (same index): ``fitted`` (full model prediction), ``residual``,
        ``leniency`` (``rho`` of the row's interviewer, centred within the interviewer's group,
        score points; 0 where the interviewer's effect is not identified) and ``ability`` (the
        candidate's fitted ``alpha``).
    lam : float
        The ridge ratio used for candidate effects (``sigma_e^2 / sigma_a^2``); NaN when nothing
        could be estimated.
    sigma_e : float
        Residual standard deviation (score points).
    sigma_a : float
        Standard deviation of candidate ability within level (score points).
    lam_note : str
        How ``lam`` was obtained (REML, given, at a bound of :data:`LAM_BOUNDS`).
    condition : float
        Condition number of the (Jacobi-scaled) final normal equations.
    notes : list of str
        Plain-language notes on the design (disconnected groups, confounded interviewers,
        degenerate data).
    """

    interviewers: pd.DataFrame
    cells: pd.DataFrame
    rows: pd.DataFrame
    lam: float
    sigma_e: float
    sigma_a: float = np.nan
    lam_note: str = ""
    condition: float = np.nan
    notes: list = field(default_factory=list)


def _codes(s: pd.Series):
    cat = s.astype("category")
    cat = cat.cat.remove_unused_categories()
    return cat.cat.codes.to_numpy(), cat.cat.categories


def _by_candidate(X, c_idx, nc, w=None):
    """``C' diag(w) X`` (rows of ``X`` summed per candidate) built directly from X's entries: one
    COO-to-CSR conversion instead of a sparse product with the candidate indicator."""
    row = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    data = X.data if w is None else X.data * w[row]
    return sp.coo_matrix((data, (c_idx[row], X.indices)), shape=(nc, X.shape[1])).tocsr()


def _scale_rows(M, v):
    """``diag(v) @ M`` for a CSR matrix, without a sparse product."""
    out = M.copy()
    out.data = out.data * np.repeat(v, np.diff(out.indptr))
    return out


class _Absorbed:
    """Normal equations of the fixed part with the candidate effects absorbed, for any ``lam``.

    With ``H(lam) = I - C diag(1 / (n_c + lam)) C'`` (``sigma_e^2`` times the inverse covariance of a
    candidate's rows), ``A(lam) = X'HX`` and ``b(lam) = X'Hy``. Candidates with the same number of
    rows share the weight ``1 / (n_c + lam)``, so ``A`` and ``b`` are sums over the distinct row
    counts of matrices computed once.
    """

    def __init__(self, X, c_idx, y, n_c):
        self.n, self.p = X.shape
        self.XtX = (X.T @ X).toarray()
        self.Xty = X.T @ y
        self.yy = float(y @ y)
        CtX = _by_candidate(X, c_idx, len(n_c))
        Cty = np.bincount(c_idx, y, minlength=len(n_c))
        self.CtX, self.Cty, self.n_c = CtX, Cty, n_c
        ks, inv = np.unique(n_c, return_inverse=True)
        self.ks = ks
        self.count = np.bincount(inv).astype(float)
        self.M, self.v, self.s = [], [], []
        for j in range(len(ks)):
            idx = np.flatnonzero(inv == j)
            sub = CtX[idx]
            self.M.append((sub.T @ sub).toarray())
            self.v.append(sub.T @ Cty[idx])
            self.s.append(float(Cty[idx] @ Cty[idx]))

    def system(self, lam):
        w = 1.0 / (self.ks + lam)
        A = self.XtX.copy()
        b = self.Xty.copy()
        yHy = self.yy
        for j, wj in enumerate(w):
            A -= wj * self.M[j]
            b -= wj * self.v[j]
            yHy -= wj * self.s[j]
        return A, b, yHy


def _condition(A):
    """Condition number of ``A`` after symmetric Jacobi scaling (unit diagonal)."""
    d = np.sqrt(np.clip(np.diag(A), 1e-300, None))
    ev = linalg.eigvalsh(A / d[:, None] / d[None, :])
    return float(ev[-1] / ev[0]) if ev[0] > 0 else np.inf


def _chol_solve(A, b, *, exact=True):
    """Solve ``A x = b`` for symmetric positive definite ``A`` with a checked condition number.

    Returns ``(x, logdet, cond)``; raises ``numpy.linalg.LinAlgError`` when ``A`` is singular or
    worse conditioned than :data:`MAX_CONDITION` (never a silent least-squares fallback)."""
    d = np.sqrt(np.clip(np.diag(A), 1e-300, None))
    As = A / d[:, None] / d[None, :]
    try:
        cf = linalg.cho_factor(As, lower=True, check_finite=False)
    except linalg.LinAlgError as exc:
        raise np.linalg.LinAlgError(f"normal equations are singular: {exc}") from None
    diag = np.diag(cf[0])
    # cheap lower bound of the condition number from the Cholesky diagonal; exact check if it is large
    rough = (diag.max() / diag.min()) ** 2
    cond = _condition(A) if exact or rough > 1e6 else rough
    if not np.isfinite(cond) or cond > MAX_CONDITION:
        raise np.linalg.LinAlgError(f"normal equations are ill-conditioned (condition {cond:.1e})")
    x = linalg.cho_solve(cf, b / d, check_finite=False) / d
    logdet = 2 * float(np.log(diag).sum()) + 2 * float(np.log(d).sum())
    return x, logdet, cond


def _reml_objective(sys_, lam, n_c_counts, dof):
    """-2 x REML log-likelihood (up to a constant) with sigma_e^2 profiled out."""
    A, b, yHy = sys_.system(lam)
    beta, logdet, _ = _chol_solve(A, b, exact=False)
    q = yHy - float(b @ beta)
    if q <= 0:
        return -np.inf
    return dof * np.log(q) + float(n_c_counts @ np.log1p(sys_.ks / lam)) + logdet


def _components(c_idx, r_idx, nc, nr, n_r):
    """Connected groups of interviewers in the interviewer-candidate graph, numbered 1 (most rows) up."""
    pairs = np.unique(c_idx.astype(np.int64) * nr + r_idx)
    pc, pr = pairs // nr, pairs % nr
    g = sp.coo_matrix((np.ones(len(pairs)), (pc, nc + pr)), shape=(nc + nr, nc + nr))
    _, lab = connected_components(g, directed=False)
    comp = lab[nc:]
    rows_per = pd.Series(n_r).groupby(comp).sum()
    size = pd.Series(1, index=comp).groupby(level=0).sum()
    order = sorted(rows_per.index, key=lambda k: (-rows_per[k], -size[k], k))
    rank = {k: i + 1 for i, k in enumerate(order)}
    return np.array([rank[k] for k in comp]), pc, pr


def _empty_fit(data, r_names, n_r, n_cand, shared, group, y, note, *, lam=np.nan):
    nr = len(r_names)
    interviewers = pd.DataFrame({
        "interviewer": np.asarray(r_names, dtype=object), "n_rows": n_r.astype(int), "n_candidates": n_cand,
        "n_shared_candidates": shared, "group": group, "severity": np.nan, "severity_se": np.nan,
        "severity_low": np.nan, "severity_high": np.nan, "severity_note": [note] * nr})
    cells = pd.DataFrame({"question_id": pd.Series(dtype=object), "level": pd.Series(dtype=object),
                          "difficulty": pd.Series(dtype=float)})
    rows = pd.DataFrame({"fitted": y, "residual": np.zeros(len(y)), "leniency": np.zeros(len(y)),
                         "ability": np.zeros(len(y))}, index=data.index)
    return SeverityFit(interviewers, cells, rows, lam, np.nan, np.nan, note, np.nan, [note])


def fit_severity(data: pd.DataFrame, candidate: str = "candidate_id", interviewer: str = "interviewer",
                 question: str = "question_id", level: str = "level", score: str = "score",
                 lam: float | None = None, *, min_rows: int = 10, min_shared: int = 3) -> SeverityFit:
    """Fit the mixed model above and return interviewer severities with 95% intervals.

    Parameters
    ----------
    data : DataFrame
        Long format, one row per score.
    candidate, interviewer, question, level, score : str
        Column names.
    lam : float, optional
        Ridge ratio ``sigma_e^2 / sigma_a^2`` on candidate effects; estimated by REML when None.
        ``lam=0`` gives the fixed-effects (within-candidate) estimator, which uses only candidates
        seen by two or more interviewers (question-level difficulties are then identified only up
        to a shift per level).
    min_rows : int, default 10
        Interviewers with fewer score rows get severity NaN ("too few rows").
    min_shared : int, default 3
        Interviewers who share fewer candidates with colleagues get severity NaN: their severity
        would rest on one or two people.

    Returns
    -------
    SeverityFit
        See the class; ``interviewers.severity_note`` says why a severity is missing.

    Examples
    --------
    >>> from analysis.load import load
    >>> fit = fit_severity(load().scores)
    >>> fit.interviewers[["interviewer", "severity", "severity_low", "severity_high", "severity_note"]]
    """
    y = data[score].to_numpy(dtype=float)
    n = len(y)
    if n == 0:
        raise ValueError("fit_severity needs at least one score row; got an empty frame")
    c_idx, c_names = _codes(data[candidate])
    r_idx, r_names = _codes(data[interviewer])
    qc, qn = _codes(data[question])
    lc, ln = _codes(data[level])
    nl = max(len(ln), 1)
    q_idx, cell_codes = pd.factorize(qc.astype(np.int64) * nl + lc, sort=True)
    q_names = [f"{qn[c // nl]}\x1f{ln[c % nl]}" for c in cell_codes]
    nc, nr, nq = len(c_names), len(r_names), len(q_names)
    n_c = np.bincount(c_idx, minlength=nc).astype(float)
    n_r = np.bincount(r_idx, minlength=nr).astype(float)

    group, pc, pr = _components(c_idx, r_idx, nc, nr, n_r)
    multi = np.bincount(pc, minlength=nc) > 1
    shared = np.bincount(pr[multi[pc]], minlength=nr)
    n_cand = np.bincount(pr, minlength=nr)
    notes = []

    if np.ptp(y) == 0:
        note = f"every score in the data is {y[0]:g}: there is no difference between interviewers to estimate"
        return _empty_fit(data, r_names, n_r, n_cand, shared, group, y, note)

    fixed_effects = lam is not None and float(lam) == 0.0
    # fixed part: question-level cells, and interviewers minus one reference in the main team. The
    # other connected groups keep every interviewer free: their common level is then set by their
    # candidates averaging the level's ability (the candidate effects are shrunk to zero), not by
    # pinning one of them to the main team's reference. Pinning would assume the two references
    # grade alike, and where that is wrong the shared question cells absorb the gap and bias the
    # main team's reference against its colleagues. Fixed effects (lam = 0) have no shrinkage to
    # set that level, so there each group keeps a reference.
    ref = np.zeros(nr, bool)
    for g in np.unique(group):
        if g == 1 or fixed_effects:
            members = np.flatnonzero(group == g)
            ref[members[np.argmax(n_r[members])]] = True
    free = ~ref  # interviewers with a column in X
    confounded = np.zeros(nr, bool)
    ones = np.ones(n)
    Q = sp.csr_matrix((ones, (np.arange(n), q_idx)), shape=(n, nq))
    R_all = sp.csr_matrix((ones, (np.arange(n), r_idx)), shape=(n, nr)).tocsc()

    keep_cell = np.ones(nq, bool)
    if fixed_effects:
        # candidate fixed effects absorb one direction per connected set of candidates and cells
        # (the level mean): drop one reference cell in each
        cc = np.unique(c_idx.astype(np.int64) * nq + q_idx)
        g2 = sp.coo_matrix((np.ones(len(cc)), (cc // nq, nc + cc % nq)), shape=(nc + nq, nc + nq))
        _, lab = connected_components(g2, directed=False)
        n_q = np.bincount(q_idx, minlength=nq)
        for k in np.unique(lab[nc:]):
            cells_k = np.flatnonzero(lab[nc:] == k)
            keep_cell[cells_k[np.argmax(n_q[cells_k])]] = False

    def build(free_mask):
        X = sp.hstack([Q[:, keep_cell], R_all[:, np.flatnonzero(free_mask)]]).tocsr()
        return X, _Absorbed(X, c_idx, y, n_c)

    # identification check: a null direction of the normal equations (at a moderate lam, or at 0
    # for fixed effects) names interviewers confounded with the questions they ask
    probe = 0.0 if fixed_effects else 1.0
    nk = int(keep_cell.sum())
    for _ in range(nr + 1):
        X, sys_ = build(free)
        A, _, _ = sys_.system(probe)
        d = np.sqrt(np.clip(np.diag(A), 1e-300, None))
        ev, vec = linalg.eigh(A / d[:, None] / d[None, :])
        if ev[0] > ev[-1] / MAX_CONDITION:
            break
        load_ = np.abs(vec[nk:, 0])
        if load_.size == 0 or load_.max() < 1e-6:
            raise np.linalg.LinAlgError("the question-level cells alone are not identified; "
                                        "this should not happen, please report the data shape")
        drop = np.flatnonzero(free)[np.argmax(load_)]
        free[drop] = False
        confounded[drop] = True
    if confounded.any():
        names = ", ".join(str(r_names[i]) for i in np.flatnonzero(confounded))
        notes.append(f"the severity of {names} cannot be told apart from the difficulty of the questions they ask "
                     "(nobody else asks those questions of the same candidates)")

    p = X.shape[1]
    dof = n - p
    if dof <= 0:
        note = f"{n} score rows for {p} question-level cells and interviewers: too few rows to fit the model"
        return _empty_fit(data, r_names, n_r, n_cand, shared, group, y, note)

    if lam is None:
        lo, hi = np.log(LAM_BOUNDS[0]), np.log(LAM_BOUNDS[1])

        def f(t):
            try:
                return _reml_objective(sys_, float(np.exp(t)), sys_.count, dof)
            except np.linalg.LinAlgError:
                return np.inf
        grid = np.linspace(lo, hi, 9)
        vals = np.array([f(t) for t in grid])
        if not np.isfinite(vals).any():
            note = "the variance components could not be estimated (the normal equations are singular at every ratio)"
            return _empty_fit(data, r_names, n_r, n_cand, shared, group, y, note)
        j = int(np.nanargmin(np.where(np.isfinite(vals), vals, np.nan)))
        a_, b_ = grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)]
        res = optimize.minimize_scalar(f, bounds=(a_, b_), method="bounded", options={"xatol": 1e-4})
        t = float(res.x) if res.fun <= vals[j] else float(grid[j])
        lam = float(np.exp(t))
        if t - lo < 1e-3:
            lam_note = (f"REML at the lower bound {LAM_BOUNDS[0]:g}: candidates differ far more than grading noise; "
                        "the bound keeps the solve well conditioned")
        elif hi - t < 1e-3:
            lam_note = (f"REML at the upper bound {LAM_BOUNDS[1]:g}: candidates hardly differ within level; "
                        "severities are close to raw mean differences")
        else:
            lam_note = "REML"
    else:
        lam = float(lam)
        if lam < 0:
            raise ValueError(f"lam must be >= 0 (a variance ratio); got {lam}")
        lam_note = "given"
    A, b, yHy = sys_.system(lam)
    try:
        beta, _, cond = _chol_solve(A, b)
    except np.linalg.LinAlgError as exc:
        note = f"the severity model could not be solved reliably ({exc})"
        return _empty_fit(data, r_names, n_r, n_cand, shared, group, y, note, lam=lam)
    CtX, Cty = sys_.CtX, sys_.Cty
    inv = 1.0 / (n_c + lam) if lam > 0 else 1.0 / n_c
    alpha = inv * (Cty - CtX @ beta)
    resid = y - X @ beta - alpha[c_idx]
    q = float(resid @ resid) + lam * float(alpha @ alpha)  # = y'Hy - b'beta, the REML quadratic form
    s2e = max(q, 0.0) / dof if lam > 0 else float(resid @ resid) / max(n - p - nc, 1)
    sigma_e = float(np.sqrt(s2e))
    sigma_a = float(np.sqrt(s2e / lam)) if lam > 0 else np.nan

    # cluster-robust covariance of beta, clustered by candidate; per-candidate score contributions
    # kept sparse (a dense rows x parameters product would cost gigabytes at a million rows)
    S = _scale_rows(CtX, inv)
    U = _by_candidate(X, c_idx, nc, resid) - _scale_rows(S, np.bincount(c_idx, resid, minlength=nc))
    meat = (U.T @ U).toarray()
    Ainv = linalg.cho_solve(linalg.cho_factor(A, lower=True), np.eye(p))
    cov = Ainv @ meat @ Ainv
    cov *= nc / max(nc - 1, 1) * (n - 1) / max(n - p, 1)  # CR1 small-sample factor

    # interviewer effects: reference 0 in each group, centred within the group by row share,
    # sign flipped (+ = harsher)
    rho = np.zeros(nr)
    pos = np.full(nr, -1)
    pos[np.flatnonzero(free)] = nk + np.arange(int(free.sum()))
    rho[free] = beta[pos[free]]
    sev = np.full(nr, np.nan)
    se = np.full(nr, np.nan)
    leniency = np.zeros(nr)
    for g in np.unique(group):
        m = np.flatnonzero((group == g) & ~confounded)
        w = n_r[m] / n_r[m].sum()
        L = -(np.eye(len(m)) - np.outer(np.ones(len(m)), w))
        s_g = L @ rho[m]
        leniency[m] = -s_g
        if g == 1:
            cov_r = np.zeros((len(m), len(m)))
            idx = pos[m]
            ok = idx >= 0
            cov_r[np.ix_(ok, ok)] = cov[np.ix_(idx[ok], idx[ok])]
            sev[m] = s_g
            se[m] = np.sqrt(np.clip(np.diag(L @ cov_r @ L.T), 0, None))
    # t quantile on the evidence each severity rests on
    df_t = np.maximum(shared - 1, 1)
    tq = stats.t.ppf(0.975, df_t)

    note = np.full(nr, "", dtype=object)
    n_groups = int(group.max())
    team_size = int((group == 1).sum())
    for g in range(2, n_groups + 1):
        members = [str(r_names[i]) for i in np.flatnonzero(group == g)]
        notes.append(f"{_join(members)} share{'s' if len(members) == 1 else ''} no candidate with the rest of the team "
                     f"({team_size} interviewers): their severities are not comparable to the others'")
    for i in range(nr):
        if group[i] != 1:
            note[i] = f"shares no candidate with the main team (group 1); in group {group[i]}"
        elif confounded[i]:
            note[i] = "confounded with the questions this interviewer asks: nobody else asks them of the same candidates"
        elif team_size == 1:
            note[i] = "the only interviewer in the team: nothing to compare with"
        elif n_r[i] < min_rows:
            note[i] = f"only {int(n_r[i])} score rows (fewer than {min_rows}): not enough evidence yet"
        elif shared[i] < min_shared:
            note[i] = (f"shares only {int(shared[i])} candidate{'s' if shared[i] != 1 else ''} with colleagues "
                       f"(fewer than {min_shared}): not enough evidence yet")
    bad = note != ""
    sev[bad] = np.nan
    se[bad] = np.nan

    interviewers = pd.DataFrame({
        "interviewer": np.asarray(r_names, dtype=object),
        "n_rows": n_r.astype(int),
        "n_candidates": n_cand,
        "n_shared_candidates": shared,
        "group": group,
        "severity": sev,
        "severity_se": se,
        "severity_low": sev - tq * se,
        "severity_high": sev + tq * se,
        "severity_note": note,
    })
    # difficulty of each cell: expected score for an average candidate (alpha mean 0) graded by an
    # average interviewer of the team
    m1 = (group == 1) & ~confounded
    mean_rho = float(n_r[m1] @ rho[m1] / n_r[m1].sum())
    delta = np.full(nq, np.nan)
    delta[keep_cell] = beta[:nk]
    if fixed_effects:
        delta[~keep_cell] = 0.0
    split = pd.Series(np.asarray(q_names, dtype=object)).str.split("\x1f", expand=True)
    cells = pd.DataFrame({"question_id": split[0].to_numpy(), "level": split[1].to_numpy(),
                          "difficulty": delta + mean_rho + alpha.mean()})
    rows = pd.DataFrame({"fitted": y - resid, "residual": resid, "leniency": leniency[r_idx],
                         "ability": alpha[c_idx]}, index=data.index)
    return SeverityFit(interviewers, cells, rows, float(lam), sigma_e, sigma_a, lam_note, float(cond), notes)


def _join(names):
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    if len(names) > 6:
        return ", ".join(names[:5]) + f" and {len(names) - 5} others"
    return ", ".join(names[:-1]) + " and " + names[-1]
