"""The joint many-facet graded response model: item slopes and thresholds, interviewer shifts and
level means estimated together by marginal maximum likelihood (one likelihood term per candidate).

mirt (1.2.0) has no graded response model with a rater facet or a multi-group ability prior, so this
one model is written here; :func:`analysis.stats.irt.fit_irt` calls :func:`_fit_joint` with
``rater=`` and reads its standard errors through :func:`_joint_item_se`.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from analysis.stats.irt.model import _sigmoid
from analysis.stats.irt.quadrature import _posterior


def _joint_jacobian(free, Q, K, R, G, w):
    """Natural parameters (a, d, s, mu, sd) from the free ones, and d natural / d free (dense)."""
    a = free[:Q]
    e = free[Q:Q + Q * (K - 1)].reshape(Q, K - 1)
    sf = free[Q + Q * (K - 1):Q + Q * (K - 1) + R - 1]
    mf = free[Q + Q * (K - 1) + R - 1:]
    gaps = np.exp(e[:, 1:])
    d = np.concatenate([e[:, :1], e[:, :1] - np.cumsum(gaps, axis=1)], axis=1)
    P = np.vstack([np.eye(R - 1), -np.ones((1, R - 1))])
    s = P @ sf
    Pw = np.vstack([np.eye(G - 1), -w[None, :-1] / w[-1]]) if G > 1 else np.zeros((1, 0))
    mu = Pw @ mf if G > 1 else np.zeros(1)
    v = 1.0 - float(w @ mu ** 2)
    sd = float(np.sqrt(max(v, 1e-2)))
    n_nat, n_free = Q + Q * (K - 1) + R + G + 1, len(free)
    J = np.zeros((n_nat, n_free))
    J[np.arange(Q), np.arange(Q)] = 1.0
    for j in range(K - 1):
        rows = Q + np.arange(Q) * (K - 1) + j
        J[rows, Q + np.arange(Q) * (K - 1)] = 1.0
        for i in range(1, j + 1):
            J[rows, Q + np.arange(Q) * (K - 1) + i] = -gaps[:, i - 1]
    o_s, o_sf = Q + Q * (K - 1), Q + Q * (K - 1)
    J[o_s:o_s + R, o_sf:o_sf + R - 1] = P
    if G > 1:
        J[o_s + R:o_s + R + G, o_sf + R - 1:] = Pw
        if v > 1e-2:
            J[-1, o_sf + R - 1:] = (-(w * mu) / sd) @ Pw
    return a, d, s, mu, sd, J


def _joint_cells(a, d, s, mu, sd, cq, cr, cg, cx, z):
    """Per cell (question, rater, level, score) and node: log P, and the derivative channels.

    Only the two cumulative probabilities a score sits between are computed, from intercepts padded
    with +-inf (P(score >= lowest) = 1, P(score > highest) = 0)."""
    t = mu[cg][:, None] + sd * z[None, :] - s[cr][:, None]                   # (cells, nodes)
    d_pad = np.concatenate([np.full((len(d), 1), np.inf), d, np.full((len(d), 1), -np.inf)], axis=1)
    at = a[cq][:, None] * t
    with np.errstate(invalid="ignore", over="ignore"):
        hi = _sigmoid(at + d_pad[cq, cx][:, None])
        lo = _sigmoid(at + d_pad[cq, cx + 1][:, None])
    p = np.clip(hi - lo, 1e-300, 1)
    r_hi, r_lo = hi * (1 - hi) / p, lo * (1 - lo) / p
    diff = r_hi - r_lo
    dT = a[cq][:, None] * diff
    return np.log(p), {"a": t * diff, "hi": r_hi, "lo": -r_lo, "t": dT, "tz": dT * z[None, :]}, d.shape[1]


def _joint_natural_grad(ch, E, cq, cr, cg, cx, Q, K, R, G):
    """Gradient in the natural parameters from expected counts per cell and node ``E``."""
    sums = {k: (E * v).sum(axis=1) for k, v in ch.items()}
    ga = np.bincount(cq, sums["a"], Q)
    gd = np.zeros(Q * (K - 1))
    m = cx >= 1
    np.add.at(gd, cq[m] * (K - 1) + cx[m] - 1, sums["hi"][m])
    m = cx <= K - 2
    np.add.at(gd, cq[m] * (K - 1) + cx[m], sums["lo"][m])
    gs = -np.bincount(cr, sums["t"], R)
    gmu = np.bincount(cg, sums["t"], G)
    gsd = sums["tz"].sum()
    return np.concatenate([ga, gd, gs, gmu, [gsd]])


def _hessian(evaluate, free, g, progress=None, label="curvature"):
    """Minus the Hessian of the log-likelihood in the free parameters: forward differences of the
    exact gradient ``g`` at ``free``, symmetrized (positive definite at a maximum)."""
    nf = len(free)
    H = np.zeros((nf, nf))
    for j in range(nf):
        hstep = 1e-5 * max(1.0, abs(free[j]))
        fp = free.copy()
        fp[j] += hstep
        H[:, j] = (evaluate(fp)[1] - g) / hstep
        if progress is not None and j % 10 == 0:
            progress.set_postfix_str(f"joint model: {label} {j}/{nf}")
    return -(H + H.T) / 2


def _newton_polish(evaluate, free, lower, upper, *, progress=None, max_steps: int = 20, xtol: float = 1e-11,
                   hessian=None):
    """Newton steps from the L-BFGS-B end point to the maximum, to the last bits a float can hold.

    L-BFGS-B stops at the hand-over (:data:`_HANDOFF_FTOL`) or where its line search can no longer
    see the log-likelihood rise, some way short of the maximum, and *where* depends on the rounding
    of every sum on the way:
    numpy's exp and log take other SIMD paths on AVX-512 than on AVX2, BLAS splits its sums by
    thread count, and the start (mirt's item estimates) moves with both. Near the maximum the
    log-likelihood is quadratic, so Newton steps on the exact gradient with one finite-difference
    Hessian (the chord method: each step shrinks the distance by about the Hessian's relative error,
    1e-5, plus its change over the distance still to go) land on the maximum itself, which does not depend on the path: two machines then agree to
    about 1e-12, far below any printed decimal.

    Parameters at a bound with the gradient pointing out of the box stay there (their maximum is
    the bound). A step that lowers the log-likelihood beyond rounding noise, or a Hessian that is
    not positive definite on the free parameters (a direction the design does not identify), ends
    the polish and keeps the better point.

    ``hessian(free, g, label)``, when given, replaces :func:`_hessian` (the same forward differences,
    computed faster: :func:`_grouped_hessian`).

    Returns ``(free, ll, g, H, n_steps, reached)``: ``H`` is minus the Hessian at the starting point,
    ``reached`` whether the last step was below ``xtol`` (the maximum itself, not a stop on the way).
    """
    ll, g, _ = evaluate(free)
    H = (hessian(free, g, "Newton polish") if hessian is not None
         else _hessian(evaluate, free, g, progress, "Newton polish"))
    at_bound = ((free <= lower + 1e-9) & (g < 0)) | ((free >= upper - 1e-9) & (g > 0))
    keep = ~at_bound
    try:
        chol = np.linalg.cholesky(H[np.ix_(keep, keep)])
    except np.linalg.LinAlgError:
        return free, ll, g, H, 0, False
    n_steps, reached = 0, False
    for _ in range(max_steps):
        step = np.zeros_like(free)
        step[keep] = np.linalg.solve(chol.T, np.linalg.solve(chol, g[keep]))
        trial = np.clip(free + step, lower, upper)
        ll_t, g_t, _ = evaluate(trial)
        if not np.isfinite(ll_t) or ll_t < ll - 1e-12 * max(1.0, abs(ll)):
            break
        free, ll, g, n_steps = trial, ll_t, g_t, n_steps + 1
        if np.abs(step).max() <= xtol * max(1.0, float(np.abs(free).max())):
            reached = True
            break
    return free, ll, g, H, n_steps, reached


def _parameter_groups(Q, K, R, G, cq, cr, counts):
    """The free parameters in groups, each with the candidates whose likelihood depends on them.

    A question's slope and threshold parameters enter only the cells of that question, an interviewer's
    free shift only the cells of that interviewer and of the last one (whose shift is minus the sum of
    the others); the level means move every candidate (through the pooled variance). Returns a list of
    ``(free indices, candidate rows or None for all)``."""
    coo = counts.tocoo()
    rows, cell = coo.row, coo.col
    n_persons = counts.shape[0]

    def persons(cell_mask):
        hit = np.zeros(n_persons, bool)
        hit[rows[cell_mask[cell]]] = True
        return np.flatnonzero(hit)

    groups = [([q] + [Q + q * (K - 1) + j for j in range(K - 1)], persons(cq == q)) for q in range(Q)]
    o_sf = Q + Q * (K - 1)
    groups += [([o_sf + r], persons((cr == r) | (cr == R - 1))) for r in range(R - 1)]
    if G > 1:
        groups.append((list(range(o_sf + R - 1, o_sf + R - 1 + G - 1)), None))
    return groups


def _grouped_hessian(evaluate, partial_grad, groups, counts, free, g, progress=None, label="curvature"):
    """:func:`_hessian` (forward differences of the exact gradient), each column computed on the
    candidates whose likelihood the perturbed parameter moves.

    A candidate's posterior depends on a question's parameters only if they answered it, so
    perturbing one moves the expected counts of those candidates alone: the column's gradient is the
    base point's expected counts with those candidates' share replaced by their new posteriors
    (``partial_grad(free, rows, sub, E_rest)``). The same forward differences as :func:`_hessian`,
    up to the rounding of the sums (relative 1e-16, far below the differences' own 1e-5), at about a
    third of its cost on an interview history (each question is answered by a third of the candidates).
    """
    _, _, extra = evaluate(free)
    wpost, E = extra["wpost"], extra["E"]
    nf = len(free)
    H = np.zeros((nf, nf))
    done = 0
    for cols, rows in groups:
        if rows is not None:
            sub = counts[rows]
            E_rest = E - sub.T @ wpost[rows]
        for j in cols:
            hstep = 1e-5 * max(1.0, abs(free[j]))
            fp = free.copy()
            fp[j] += hstep
            gj = evaluate(fp)[1] if rows is None else partial_grad(fp, sub, E_rest)
            H[:, j] = (gj - g) / hstep
            if progress is not None and done % 10 == 0:
                progress.set_postfix_str(f"joint model: {label} {done}/{nf}")
            done += 1
    return -(H + H.T) / 2


#: Where L-BFGS-B hands over to Newton (:func:`_newton_polish`): the relative change of the
#: log-likelihood per iteration. L-BFGS-B creeps near the maximum (on a 1M-row history it took 107
#: iterations to ftol 1e-12, the last 70 gaining 0.3 in log-likelihood); from 1e-6 (38 iterations) the
#: log-likelihood is close enough to quadratic that eight chord-Newton steps reach the same maximum, which
#: does not depend on where they start: the estimates equal the 1e-12 hand-over's to 3e-13, the standard
#: errors to 1e-9 relative. Where Newton cannot finish, L-BFGS-B resumes to 1e-12 (:func:`_fit_joint`).
_HANDOFF_FTOL = 1e-6

#: The Newton polish's Hessian (the chord method's fixed matrix) is computed on every
#: ``_POLISH_SAMPLE``-th candidate, scaled up, when there are at least ``_POLISH_SAMPLE_MIN``: it only
#: sets how fast the steps converge (its sampling error, about 1e-2, is the factor each step shrinks
#: the distance by), not where they converge to (the exact gradient's zero). The standard errors
#: always take the Hessian of every candidate, at the maximum. On a 1M-row history this saves three
#: quarters of one of the two Hessians.
_POLISH_SAMPLE = 4
_POLISH_SAMPLE_MIN = 20_000

_NODES_JOINT = np.linspace(-6, 6, 61)   # estimates agree with 121 nodes to 4 decimals on the study's worlds


def _fit_joint(a0, thr0, q_idx, x, r_idx, person, n_persons, g_person, n_raters, *, z=_NODES_JOINT,
               max_iter: int = 2000, se: bool = True, progress=None):
    """The joint many-facet graded response model, by marginal maximum likelihood.

    ``P(score >= k+1 | theta) = logistic(a_q (theta - s_r) + d_qk)`` for candidate ability
    ``theta ~ Normal(mu_level, sd^2)``, one response pattern per *candidate* (all their scorecards, so
    a loop is one likelihood term, not a composite of its scorecards). Identification: the shifts
    ``s_r`` sum to zero; the level means average to zero over candidates and the pooled ability
    variance is one (``sd^2 + sum_l w_l mu_l^2 = 1``), so the scale is the one the GRM alone uses.
    Thresholds are ordered by construction (``d_q0`` free, then minus positive gaps).

    Every parameter is estimated together by maximizing the marginal likelihood with L-BFGS-B, the
    exact gradient coming from Fisher's identity (posterior-expected complete-data scores: the EM
    gradient), then Newton steps to the maximum itself (:func:`_newton_polish`), so the estimates
    are the same to about 1e-10 on every CPU, thread count and start. Standard errors: the candidate-cluster sandwich
    ``H^-1 B H^-1`` (``H`` by forward differences of the exact gradient, each column on the candidates
    the perturbed parameter moves (:func:`_grouped_hessian`), ``B`` the cross-product of
    the candidates' scores), with the model-based ``H^-1`` beside it. Written here because mirt
    (1.2.0) has no graded response model with a rater facet or a multi-group ability prior in one fit.
    """
    from scipy.optimize import minimize      # deferred: scipy.optimize loads only for a joint fit
    Q, K = len(a0), thr0.shape[1] + 1
    R, G = int(n_raters), int(g_person.max()) + 1
    g_row = g_person[person]
    code = ((g_row.astype(np.int64) * Q + q_idx) * R + r_idx) * K + x
    uniq, inv = np.unique(code, return_inverse=True)
    counts = sparse.csr_array((np.ones(len(code)), (person, inv)), shape=(n_persons, len(uniq)))
    counts.sum_duplicates()
    counts_t = counts.T   # a CSC view: its product walks candidates in order, 5x faster than a CSR copy, same sums
    cx = uniq % K
    cr = (uniq // K) % R
    cq = (uniq // (K * R)) % Q
    cg = uniq // (K * R * Q)
    w = np.bincount(g_person, minlength=G) / n_persons
    log_norm = n_persons * float(np.log(np.exp(-0.5 * z ** 2).sum()))   # the prior weights on the grid sum to 1
    # start: the GRM item estimates in slope-intercept form, no shifts, no level differences
    a_init = np.where(np.isfinite(a0), np.clip(a0, 0.05, 6), 1.0)
    b_init = np.where(np.isfinite(thr0), thr0, 0.0)
    b_init = np.maximum.accumulate(np.clip(b_init, -6, 6), axis=1)
    d_init = -a_init[:, None] * b_init
    e_init = np.concatenate([d_init[:, :1], np.log(np.maximum(-np.diff(d_init, axis=1), 1e-3))], axis=1)
    free0 = np.concatenate([a_init, e_init.ravel(), np.zeros(R - 1), np.zeros(G - 1)])
    bounds = ([(-6.0, 8.0)] * Q + [(-25.0, 25.0) if j == 0 else (-8.0, 4.0) for _ in range(Q) for j in range(K - 1)]
              + [(-6.0, 6.0)] * (R - 1) + [(-0.9, 0.9)] * (G - 1))
    state = {"n": 0}

    def evaluate_on(cnt, cnt_t):
        """The log-likelihood (up to the prior's normalisation), its gradient and the E-step of the
        candidates of ``cnt`` (rows of ``counts``; ``cnt_t`` its transpose)."""
        def ev(free):
            a, d, s, mu, sd, J = _joint_jacobian(free, Q, K, R, G, w)
            lp, ch, _ = _joint_cells(a, d, s, mu, sd, cq, cr, cg, cx, z)
            wpost, ll = _posterior(cnt @ lp, z)
            E = cnt_t @ wpost
            g = J.T @ _joint_natural_grad(ch, E, cq, cr, cg, cx, Q, K, R, G)
            return ll, g, {"a": a, "d": d, "s": s, "mu": mu, "sd": sd, "J": J, "ch": ch, "wpost": wpost, "E": E}
        return ev

    evaluate_all = evaluate_on(counts, counts_t)
    recent = {}       # the last two points: L-BFGS-B's end, the polish, the Hessians and the end re-read them

    def evaluate(free):
        key = free.tobytes()
        if key not in recent:
            ll, g, extra = evaluate_all(free)
            if len(recent) >= 2:
                del recent[next(iter(recent))]
            recent[key] = ll - log_norm, g, extra
        return recent[key]

    def partial_grad(free, sub, E_rest):
        """The gradient when only the candidates of ``sub`` (their rows of ``counts``) are moved."""
        a, d, s, mu, sd, J = _joint_jacobian(free, Q, K, R, G, w)
        lp, ch, _ = _joint_cells(a, d, s, mu, sd, cq, cr, cg, cx, z)
        wsub, _ = _posterior(sub @ lp, z)
        return J.T @ _joint_natural_grad(ch, E_rest + sub.T @ wsub, cq, cr, cg, cx, Q, K, R, G)

    groups = _parameter_groups(Q, K, R, G, cq, cr, counts)

    def hessian(free, g, label):
        return _grouped_hessian(evaluate, partial_grad, groups, counts, free, g, progress, label)

    polish_hessian, sampled = hessian, n_persons >= _POLISH_SAMPLE_MIN
    if sampled:
        counts_s = counts[np.arange(0, n_persons, _POLISH_SAMPLE)]
        evaluate_s = evaluate_on(counts_s, counts_s.T)
        groups_s = _parameter_groups(Q, K, R, G, cq, cr, counts_s)

        def polish_hessian(free, g, label):
            """The chord Hessian on every _POLISH_SAMPLE-th candidate, scaled to all of them."""
            H_s = _grouped_hessian(evaluate_s, partial_grad, groups_s, counts_s, free, evaluate_s(free)[1],
                                   progress, label)
            return H_s * (n_persons / counts_s.shape[0])

    def objective(free):
        ll, g, _ = evaluate(free)
        state["n"] += 1
        if progress is not None and state["n"] % 10 == 0:
            progress.set_postfix_str(f"joint model: {state['n']} evaluations, loglik {ll:.1f}")
        return -ll / len(x), -g / len(x)

    lower, upper = np.array(bounds, float).T
    # L-BFGS-B only to where the log-likelihood is quadratic (ftol _HANDOFF_FTOL), Newton from there
    res = minimize(objective, free0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": max_iter, "maxfun": 4 * max_iter, "ftol": _HANDOFF_FTOL, "gtol": 1e-7})
    free, ll, g, H, n_newton, reached = _newton_polish(evaluate, res.x, lower, upper, progress=progress,
                                                       hessian=polish_hessian)
    if not reached:     # Newton could not finish from there: L-BFGS-B to its own end, and Newton again
        res = minimize(objective, free, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": max_iter, "maxfun": 4 * max_iter, "ftol": 1e-12, "gtol": 1e-7})
        free, ll, g, H, n_newton, _ = _newton_polish(evaluate, res.x, lower, upper, progress=progress,
                                                     hessian=hessian)
    ll, g, ev = evaluate(free)
    a, d, s, mu, sd, J, ch, wpost = (ev[k] for k in ("a", "d", "s", "mu", "sd", "J", "ch", "wpost"))
    out = {"a": a, "d": d, "thresholds": -d / np.where(a == 0, np.nan, a)[:, None], "s": s, "mu": mu, "sd": sd,
           "loglik": ll, "converged": bool(res.success) or float(np.abs(g).max() / len(x)) < 1e-4,
           "iterations": int(res.nit), "newton_steps": n_newton, "grad_max": float(np.abs(g).max() / len(x))}
    mz = wpost @ z
    out["ability"] = mu[g_person] + sd * mz
    out["ability_se"] = sd * np.sqrt(np.maximum(wpost @ z ** 2 - mz ** 2, 0))
    n_nat = len(J)
    if not se:
        out["cov"] = out["cov_model"] = np.full((n_nat, n_nat), np.nan)
        return out
    if n_newton or sampled:    # the polish moved the point, or its Hessian was a sample's: the SEs' is exact
        H = hessian(free, g, "standard errors")
    Gnat = _candidate_scores(counts, wpost, ch, cq, cr, cg, cx, Q, K, R, G)
    Gf = Gnat @ J
    B = Gf.T @ Gf
    try:
        Hinv = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        Hinv = np.linalg.pinv(H)
    out["cov"] = J @ (Hinv @ B @ Hinv) @ J.T
    out["cov_model"] = J @ Hinv @ J.T
    out["H_ok"] = bool(np.all(np.linalg.eigvalsh(H) > 0))
    return out


def _candidate_scores(counts, wpost, ch, cq, cr, cg, cx, Q, K, R, G, chunk: int = 200_000):
    """Each candidate's score (gradient of their log-likelihood) in the natural parameters,
    (candidates, parameters): the rows of the sandwich's cross-product ``B``.

    A candidate's score is the sum over their cells of the posterior-weighted derivative channels of
    :func:`_joint_cells`, placed at the cell's parameters (slope, the two thresholds a score sits
    between, the interviewer's shift and the level's mean, the ability SD). The terms are summed by
    one ``np.bincount`` per chunk of cells instead of ``np.add.at`` per channel (an unbuffered scatter):
    chunks end on a candidate's last cell, so each candidate's terms fall in one chunk and are added
    in the same order as ``np.add.at`` would (cell by cell, channel by channel), the same bits."""
    n_persons = counts.shape[0]
    n_nat = Q + Q * (K - 1) + R + G + 1
    o_s = Q + Q * (K - 1)
    indptr, cell, n_all = counts.indptr, counts.indices, counts.data
    out = np.zeros((n_persons, n_nat))
    p_lo = 0
    while p_lo < n_persons:
        # the candidates whose cells start before the next chunk boundary (at least one candidate)
        p_hi = max(int(np.searchsorted(indptr, indptr[p_lo] + chunk, side="right")) - 1, p_lo + 1)
        sl = slice(indptr[p_lo], indptr[p_hi])
        c_, n_ = cell[sl], n_all[sl]
        p_ = np.repeat(np.arange(p_hi - p_lo), np.diff(indptr[p_lo:p_hi + 1]))
        wp = wpost[p_lo:p_hi][p_]
        rows, cols, vals = [], [], []
        for k, v in ch.items():
            val = n_ * np.einsum("ij,ij->i", wp, v[c_])
            if k == "a":
                parts = [(None, cq[c_], val)]
            elif k == "hi":
                m = cx[c_] >= 1
                parts = [(m, Q + cq[c_] * (K - 1) + cx[c_] - 1, val)]
            elif k == "lo":
                m = cx[c_] <= K - 2
                parts = [(m, Q + cq[c_] * (K - 1) + cx[c_], val)]
            elif k == "t":
                parts = [(None, o_s + cr[c_], -val), (None, o_s + R + cg[c_], val)]
            else:
                parts = [(None, np.full(len(c_), n_nat - 1), val)]
            for m, col, v_ in parts:
                rows.append(p_ if m is None else p_[m])
                cols.append(col if m is None else col[m])
                vals.append(v_ if m is None else v_[m])
        flat = np.concatenate(rows) * n_nat + np.concatenate(cols)
        out[p_lo:p_hi] = np.bincount(flat, np.concatenate(vals), (p_hi - p_lo) * n_nat).reshape(-1, n_nat)
        p_lo = p_hi
    return out


def _joint_item_se(out, Q, K, key="cov"):
    """SEs of a, the thresholds -d/a and their mean (the GRM difficulty), by the delta method."""
    cov = out[key]
    a, d = out["a"], out["d"]
    a_se = np.sqrt(np.maximum(np.diag(cov)[:Q], 0))
    thr_se = np.zeros((Q, K - 1))
    diff_se = np.zeros(Q)
    for q in range(Q):
        ix = [q] + [Q + q * (K - 1) + j for j in range(K - 1)]
        V = cov[np.ix_(ix, ix)]
        gm = np.zeros(K)
        for j in range(K - 1):
            g = np.zeros(K)
            g[0] = d[q, j] / a[q] ** 2
            g[1 + j] = -1 / a[q]
            thr_se[q, j] = np.sqrt(max(g @ V @ g, 0))
            gm += g / (K - 1)
        diff_se[q] = np.sqrt(max(gm @ V @ gm, 0))
    return a_se, thr_se, diff_se
