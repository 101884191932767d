"""Item response theory for interviews: graded-response and many-facet models, and fair scores.

>>> from analysis.io.load import load
>>> from analysis.stats.irt import fit_irt
>>> fit = fit_irt(load().scores, rater="interviewer")             # doctest: +SKIP
>>> fit.items[["question", "discrimination", "difficulty"]]       # doctest: +SKIP

Classical item statistics say *whether* a question separates strong from weak candidates; item
response theory says *where on the ability scale* it does. Every question gets a slope
(``discrimination``: how sharply the chance of a higher score rises with ability) and thresholds
(the abilities at which a candidate becomes more likely than not to reach score 2, 3 and 4), every
interviewer a severity in logits, and every candidate an ability estimate freed of which questions
they drew and, with ``rater=``, of who interviewed them (a *fair score*).

Which library, and why
----------------------
The models are fitted by the PyPI package ``mirt`` (1.2.0, a Python port of the ideas of R's
``mirt``, with a Rust EM backend):

* ``mirt.fit_mirt`` fits the 2PL, Samejima's graded response model (GRM) and the generalized partial
  credit model (GPCM) by marginal maximum likelihood (Bock-Aitkin EM, Gauss-Hermite quadrature), with
  missing responses left out of the likelihood (not imputed) and standard errors from the observed
  information (Oakes; the cross-product estimator above 20,000 response patterns, for speed).
  Through :func:`fit_irt` it reproduces the published LSAT-6 (ltm) and LSAT-7 (R mirt) 2PL
  log-likelihoods and slopes (``tests/test_irt.py``). Fit times: ``benchmarks/irt.py``.
* ``mirt.estimation.fit_mfrm`` fits Linacre's many-facet Rasch model (the FACETS model) by marginal
  maximum likelihood, in a long layout where several interviewers may score the same candidate and
  question, with anchored (sum-to-zero) facet levels, standard errors from the observed information
  and posterior-averaged infit/outfit mean squares.

The alternatives were read, not installed: ``girth`` (0.8.0; Rasch, 1PL-3PL, GRM and partial
credit by joint or marginal ML, EAP scoring) documents no rater facet and no item standard errors,
and ``raschpy`` covers the Rasch family only. ``mirt`` is the one that offers the GRM, standard
errors, item fit and a many-facet model together, and it is already a pinned dependency.

Three models, one scale
-----------------------
``fit_irt(..., rater="interviewer")`` fits three, each for what it is best at:

* the GRM (or 2PL/GPCM) by mirt, for the questions alone (and the whole fit without ``rater=``). Its
  unit of observation is the *scorecard* (``interview_id``): a candidate in a loop of three
  interviews may meet the same question three times, and a wide person-by-question matrix holds one
  response per cell. Treating a loop's scorecards as separate response patterns is a composite
  likelihood: the item estimates stay consistent, but their standard errors are too narrow when
  candidates are seen several times (``validation/irt_study_results.md`` measures by how much).
* the **joint many-facet graded response model** (the headline with ``rater=``, for ``"grm"`` and
  ``"2pl"``): ``P(score >= k+1) = logistic(a_q (theta - s_r) + d_qk)``, abilities
  ``theta ~ Normal(mu_level, sd^2)``. Item slopes and thresholds, interviewer shifts ``s_r``
  (summing to zero) and the level means (averaging to zero, pooled ability variance one: the same
  scale as the GRM alone) are estimated *together* by marginal maximum likelihood, with one
  likelihood term per **candidate** (all their scorecards share one ability), so a loop is not a
  composite of independent scorecards. L-BFGS-B on the exact gradient (Fisher's identity: the EM
  gradient) to convergence, on cells of rows sharing question, interviewer, level and score
  (:func:`_fit_joint`). Standard errors: the candidate-cluster sandwich (robust to panels whose two
  scorecards share one answer), with the model-based ones in ``discrimination_se_model``. mirt has
  no GRM with a rater facet or a multi-group prior, so this one model is written here; it is
  checked against planted shifts on the trust study's worlds (``validation/irt_study.py``). With
  ``rater=``, ``IRTFit.items``, ``raters.severity`` and ``abilities`` all come from it.
* Linacre's many-facet Rasch model (FACETS), by ``mirt.estimation.fit_mfrm``:
  ``log P(k)/P(k-1) = theta - b_q - s_r - tau_qk`` (partial credit per question), persons =
  candidates. Its severities in logits, SEs and infit/outfit are kept as ``mfrm_severity, mfrm_se,
  mfrm_infit, mfrm_outfit``: the form rater-severity practice is built on, and a second opinion.
  (For ``model="gpcm"`` there is no joint model, and ``severity`` *is* the FACETS severity.)

The candidates' abilities are EAP estimates from *all* of their score rows with each interviewer's
shift taken out, so a candidate scored by a harsh interviewer is not penalized for it (the fair
score); the prior is their level's ability distribution.

How a hiring lead should read it
--------------------------------
* ``discrimination`` (a): above about 1.0 a question separates candidates near its thresholds well;
  below about 0.4 it barely tells strong from weak (Baker, *The basics of item response theory*,
  labels 0.35-0.64 low, 0.65-1.34 moderate, 1.35+ high).
* ``difficulty``: the ability (in standard deviations of the pooled candidates) around which the
  question measures best; a junior stretch question with difficulty 1.2 is a senior warm-up.
* ``severity`` (joint GRM, ability scale): +0.5 means this interviewer's candidates need half a
  standard deviation of candidate ability more to get the same score (on a question of slope a,
  ``a * 0.5`` logits). ``mfrm_severity`` is the same idea in Rasch logits. Infit/outfit near 1 is
  expected; above 1.3 the interviewer's scores are erratic (noise), below 0.7 too predictable
  (e.g. always 3).

References
----------
Samejima, F. (1969). Estimation of latent ability using a response pattern of graded scores.
Bock, R. D. & Aitkin, M. (1981). Marginal maximum likelihood estimation of item parameters.
Linacre, J. M. (1994). *Many-Facet Rasch Measurement*. MESA Press.
Wright, B. D. & Linacre, J. M. (1994). Reasonable mean-square fit values. Rasch Meas. Trans. 8:3.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

__all__ = ["IRTFit", "fit_irt", "item_probabilities", "item_information", "information_curves",
           "rater_quarters", "icc_figure", "information_figure", "severity_figure", "drift_figure", "irt_tables",
           "irt_figures", "IRT_READING_GUIDE", "MODELS", "report_outputs", "write_irt"]

#: Models :func:`fit_irt` accepts, with the mirt family behind each.
MODELS = {"grm": "GRM", "2pl": "2PL", "gpcm": "GPCM"}
_NODES = np.linspace(-6, 6, 121)


@dataclass
class IRTFit:
    """A fitted item response model.

    Attributes
    ----------
    model : str
        ``"grm"``, ``"2pl"`` or ``"gpcm"``.
    items : DataFrame
        One row per question: ``question, n, n_candidates, discrimination, discrimination_se,
        difficulty, difficulty_se, threshold_1..K-1, threshold_1_se.., infit, outfit``.
        ``difficulty`` is b for the 2PL and the mean threshold for the GRM/GPCM. With ``rater=``
        (GRM/2PL) these come from the joint many-facet GRM, with ``discrimination_se_model`` (the
        inverse observed information) beside the sandwich ``discrimination_se``.
    loglik : float
        Marginal log-likelihood of mirt's item model (one response pattern per scorecard, no
        interviewers) at its optimum.
    abilities : DataFrame
        One row per candidate: ``candidate, n_scores, ability, ability_se`` (EAP and posterior SD on
        the item model's scale; with ``rater=``, freed of interviewer severity), and with ``rater=``
        also ``mfrm_ability, mfrm_ability_se`` (the many-facet Rasch EAP).
    raters : DataFrame or None
        With ``rater=``: ``rater, n_interviews, n_scores, severity, se, infit, outfit, mfrm_severity,
        mfrm_se, mfrm_infit, mfrm_outfit, severity_ability, severity_ability_se, central_tendency,
        halo``. ``severity``/``se``: the joint many-facet GRM's interviewer shift on the ability scale
        (+ = harsher, summing to zero; candidate-cluster sandwich SE); ``infit``/``outfit``: mean
        squares of that model's standardized residuals; ``mfrm_*``: Linacre's many-facet Rasch
        (FACETS) severity in logits with its SE and fit. ``severity_ability`` repeats ``severity``
        (the shift the fair abilities take out; kept for older callers). For ``model="gpcm"``,
        ``severity`` is the FACETS severity.
    rater_loglik : float
        Marginal log-likelihood of the many-facet Rasch model (NaN without ``rater=``).
    joint_loglik : float
        Marginal log-likelihood of the joint many-facet GRM (NaN without ``rater=`` or for the GPCM).
    level_means : DataFrame or None
        The joint model's ability distribution per level: ``level, n_candidates, mean, sd`` (means
        averaging to zero over candidates, pooled variance one).
    categories : tuple of int
        The score values, lowest first (1-4 for interviews, 0/1 for the 2PL).
    notes : list of str
        What the numbers rest on (approximations, dropped estimates and why).
    data : DataFrame
        The rows the models saw (unit, candidate, question, score, and rater/level/recommendation/date
        where present), for the hiring bar and the kit builder.
    """

    model: str
    items: pd.DataFrame
    loglik: float
    abilities: pd.DataFrame
    raters: pd.DataFrame | None
    rater_loglik: float
    categories: tuple
    notes: list = field(default_factory=list)
    data: pd.DataFrame | None = None
    columns: dict = field(default_factory=dict)
    sigma: float = float("nan")
    joint_loglik: float = float("nan")
    level_means: pd.DataFrame | None = None

    def params(self, questions=None) -> tuple[np.ndarray, np.ndarray]:
        """Slopes ``a`` (n,) and thresholds (n, K-1) of ``questions`` (default: all, in order)."""
        it = self.items.set_index("question")
        if questions is not None:
            it = it.loc[list(questions)]
        thr_cols = [c for c in it.columns if c.startswith("threshold_") and not c.endswith("_se")]
        return it["discrimination"].to_numpy(float), it[thr_cols].to_numpy(float)


# --------------------------------------------------------------------------------------------
# probabilities and information (closed forms, checked against mirt's own in the tests)


def _sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


def item_probabilities(theta, a, thresholds, model: str = "grm") -> np.ndarray:
    """P(category k | theta) for each ability, question and category.

    Parameters
    ----------
    theta : array (T,)
        Abilities.
    a : array (n,)
        Slopes.
    thresholds : array (n, K-1)
        GRM: the abilities where P(score >= k+1) = 1/2 (ascending). 2PL: the difficulty b (K-1 = 1).
        GPCM: the step locations.
    model : {"grm", "2pl", "gpcm"}

    Returns
    -------
    array (T, n, K)
        Category probabilities, lowest category first; each (t, i) row sums to 1.
    """
    theta = np.atleast_1d(np.asarray(theta, float))[:, None, None]
    a = np.asarray(a, float)[None, :, None]
    thr = np.atleast_2d(np.asarray(thresholds, float))[None, :, :]
    if model in ("grm", "2pl"):
        cum = _sigmoid(a * (theta - thr))                        # P(X >= k), k = 1..K-1
        ones = np.ones(cum.shape[:2] + (1,))
        upper = np.concatenate([ones, cum], axis=2)
        lower = np.concatenate([cum, np.zeros_like(ones)], axis=2)
        return np.clip(upper - lower, 1e-300, 1.0)
    if model == "gpcm":
        steps = a * (theta - thr)                                # (T, n, K-1)
        z = np.concatenate([np.zeros(steps.shape[:2] + (1,)), np.cumsum(steps, axis=2)], axis=2)
        z -= z.max(axis=2, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=2, keepdims=True)
    raise ValueError(f"got model {model!r}, expected one of {', '.join(MODELS)}")


def item_information(theta, a, thresholds, model: str = "grm") -> np.ndarray:
    """Fisher information of each question at each ability, shape (T, n).

    For the GRM, ``I(theta) = sum_k P'_k(theta)^2 / P_k(theta)`` with
    ``P'_k = a [P*_k (1 - P*_k) - P*_{k+1} (1 - P*_{k+1})]`` (Samejima 1969); for the GPCM,
    ``a^2 Var(X | theta)``; for the 2PL, ``a^2 P (1 - P)``. Information is additive over
    questions, so a kit's test information is the sum of its questions', and the standard error of
    an ability estimate near ``theta`` is about ``1 / sqrt(test information + prior information)``.
    """
    theta = np.atleast_1d(np.asarray(theta, float))
    a_ = np.asarray(a, float)
    thr = np.atleast_2d(np.asarray(thresholds, float))
    if model in ("grm", "2pl"):
        cum = _sigmoid(a_[None, :, None] * (theta[:, None, None] - thr[None]))
        ones = np.ones(cum.shape[:2] + (1,))
        pstar = np.concatenate([ones, cum, np.zeros_like(ones)], axis=2)
        w = pstar * (1 - pstar)
        dp = a_[None, :, None] * (w[:, :, :-1] - w[:, :, 1:])
        p = np.clip(pstar[:, :, :-1] - pstar[:, :, 1:], 1e-300, 1)
        return (dp ** 2 / p).sum(axis=2)
    if model == "gpcm":
        p = item_probabilities(theta, a_, thr, "gpcm")
        k = np.arange(p.shape[2])
        m = (p * k).sum(axis=2)
        v = (p * k ** 2).sum(axis=2) - m ** 2
        return a_[None, :] ** 2 * v
    raise ValueError(f"got model {model!r}, expected one of {', '.join(MODELS)}")


def information_curves(fit: IRTFit, questions=None, theta=None, *, level_of=None) -> pd.DataFrame:
    """Item information curves as a tidy frame: ``question, level, theta, information``.

    ``level_of`` maps question id -> level (e.g. from the bank); the test information of a set of
    questions is the sum of their curves.
    """
    theta = np.linspace(-4, 4, 81) if theta is None else np.asarray(theta, float)
    qs = list(fit.items["question"]) if questions is None else list(questions)
    a, thr = fit.params(qs)
    info = item_information(theta, a, thr, fit.model)
    out = pd.DataFrame({"question": np.repeat(qs, len(theta)), "theta": np.tile(theta, len(qs)),
                        "information": info.T.ravel()})
    if level_of is not None:
        out.insert(1, "level", out["question"].map(dict(level_of)))
    return out


# --------------------------------------------------------------------------------------------
# the fit


def _codes(values) -> tuple[np.ndarray, np.ndarray]:
    cats = pd.Categorical(values)
    return np.asarray(cats.categories.astype(str)), cats.codes.astype(np.int64)


def _cells(q_idx, r_idx, x, person, n_persons, n_raters, K):
    """Rows grouped into cells sharing question, rater and score: the likelihood of a row depends on
    nothing else, so every quadrature computation runs over the (few hundred) cells, and a sparse
    person-by-cell count matrix sums them per person. This keeps a 1M-row fit to seconds."""
    code = (q_idx.astype(np.int64) * n_raters + r_idx) * K + x
    uniq, inv = np.unique(code, return_inverse=True)
    counts = sparse.csr_array((np.ones(len(code)), (person, inv)), shape=(n_persons, len(uniq)))
    counts.sum_duplicates()
    cx = uniq % K
    cr = (uniq // K) % n_raters
    cq = uniq // (K * n_raters)
    return cq, cr, cx, counts


def _cell_logp(a_c, thr_c, x_c, t, model):
    """log P(x | t) per cell on a (cells, nodes) grid of abilities ``t``."""
    if model in ("grm", "2pl"):
        return _grm_row_terms(a_c, thr_c, x_c, t)[0]
    steps = a_c[:, None, None] * (t[:, :, None] - thr_c[:, None, :])
    z = np.concatenate([np.zeros(steps.shape[:2] + (1,)), np.cumsum(steps, axis=2)], axis=2)
    z -= z.max(axis=2, keepdims=True)
    lz = z - np.log(np.exp(z).sum(axis=2, keepdims=True))
    return np.take_along_axis(lz, x_c[:, None, None], axis=2)[:, :, 0]


def _posterior(total, nodes):
    total = total - 0.5 * nodes[None, :] ** 2
    mx = total.max(axis=1, keepdims=True)
    w = np.exp(total - mx)
    norm = w.sum(axis=1, keepdims=True)
    return w / norm, float((np.log(norm) + mx).sum())


def _eap_grid(a, thr, q_idx, x, shift, r_idx, person, n_persons, model, nodes=_NODES):
    """EAP ability and posterior SD per person (standard normal prior); a row's likelihood is
    P(x | theta - shift[rater]) under the item model."""
    K = thr.shape[1] + 1
    cq, cr, cx, counts = _cells(q_idx, r_idx, x, person, n_persons, len(shift), K)
    lp = _cell_logp(a[cq], thr[cq], cx, nodes[None, :] - shift[cr][:, None], model)
    w, _ = _posterior(counts @ lp, nodes)
    mean = w @ nodes
    sd = np.sqrt(np.maximum(w @ nodes ** 2 - mean ** 2, 0))
    return mean, sd


def _grm_row_terms(a_r, thr_r, x_r, t):
    """log P(x | t) and d log P / d t for GRM/2PL rows on a (rows, nodes) grid of t."""
    cum = _sigmoid(a_r[:, None, None] * (t[:, :, None] - thr_r[:, None, :]))
    cum = np.concatenate([np.ones(cum.shape[:2] + (1,)), cum, np.zeros(cum.shape[:2] + (1,))], axis=2)
    idx = x_r[:, None, None]
    hi = np.take_along_axis(cum, idx, axis=2)[:, :, 0]
    lo = np.take_along_axis(cum, idx + 1, axis=2)[:, :, 0]
    p = np.clip(hi - lo, 1e-300, 1)
    dp = a_r[:, None] * (hi * (1 - hi) - lo * (1 - lo))
    return np.log(p), dp / p


# --------------------------------------------------------------------------------------------
# the joint many-facet graded response model (items, interviewers and level means together)


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
    gradient), until the gradient vanishes. Standard errors: the candidate-cluster sandwich
    ``H^-1 B H^-1`` (``H`` by forward differences of the exact gradient, ``B`` the cross-product of
    the candidates' scores), with the model-based ``H^-1`` beside it. Written here because mirt
    (1.2.0) has no graded response model with a rater facet or a multi-group ability prior in one fit.
    """
    from scipy.optimize import minimize
    Q, K = len(a0), thr0.shape[1] + 1
    R, G = int(n_raters), int(g_person.max()) + 1
    g_row = g_person[person]
    code = ((g_row.astype(np.int64) * Q + q_idx) * R + r_idx) * K + x
    uniq, inv = np.unique(code, return_inverse=True)
    counts = sparse.csr_array((np.ones(len(code)), (person, inv)), shape=(n_persons, len(uniq)))
    counts.sum_duplicates()
    counts_t = counts.T.tocsr()
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

    def evaluate(free):
        a, d, s, mu, sd, J = _joint_jacobian(free, Q, K, R, G, w)
        lp, ch, _ = _joint_cells(a, d, s, mu, sd, cq, cr, cg, cx, z)
        wpost, ll = _posterior(counts @ lp, z)
        ll -= log_norm
        E = counts_t @ wpost
        g = J.T @ _joint_natural_grad(ch, E, cq, cr, cg, cx, Q, K, R, G)
        return ll, g, (a, d, s, mu, sd, J, ch, wpost)

    def objective(free):
        ll, g, _ = evaluate(free)
        state["n"] += 1
        if progress is not None and state["n"] % 10 == 0:
            progress.set_postfix_str(f"joint model: {state['n']} evaluations, loglik {ll:.1f}")
        return -ll / len(x), -g / len(x)

    res = minimize(objective, free0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": max_iter, "maxfun": 4 * max_iter, "ftol": 1e-12, "gtol": 1e-7})
    free = res.x
    ll, g, (a, d, s, mu, sd, J, ch, wpost) = evaluate(free)
    out = {"a": a, "d": d, "thresholds": -d / np.where(a == 0, np.nan, a)[:, None], "s": s, "mu": mu, "sd": sd,
           "loglik": ll, "converged": bool(res.success) or float(np.abs(g).max() / len(x)) < 1e-4,
           "iterations": int(res.nit), "grad_max": float(np.abs(g).max() / len(x))}
    mz = wpost @ z
    out["ability"] = mu[g_person] + sd * mz
    out["ability_se"] = sd * np.sqrt(np.maximum(wpost @ z ** 2 - mz ** 2, 0))
    n_nat = len(J)
    if not se:
        out["cov"] = out["cov_model"] = np.full((n_nat, n_nat), np.nan)
        return out
    # H: forward differences of the exact gradient (free parameters), symmetrized
    nf = len(free)
    H = np.zeros((nf, nf))
    for j in range(nf):
        hstep = 1e-5 * max(1.0, abs(free[j]))
        fp = free.copy()
        fp[j] += hstep
        H[:, j] = (evaluate(fp)[1] - g) / hstep
        if progress is not None and j % 10 == 0:
            progress.set_postfix_str(f"joint model: standard errors {j}/{nf}")
    H = -(H + H.T) / 2
    # B: per-candidate scores (natural parameters), chunked over the nonzeros of counts
    coo = counts.tocoo()
    pr_, cc_, nn_ = coo.row, coo.col, coo.data
    cols = {"a": cq, "hi": Q + cq * (K - 1) + cx - 1, "lo": Q + cq * (K - 1) + cx,
            "t": None, "tz": None}
    Gnat = np.zeros((n_persons, n_nat))
    o_s = Q + Q * (K - 1)
    for lo_ in range(0, len(nn_), 200_000):
        sl = slice(lo_, lo_ + 200_000)
        p_, c_, n_ = pr_[sl], cc_[sl], nn_[sl]
        wp = wpost[p_]
        for k, v in ch.items():
            val = n_ * np.einsum("ij,ij->i", wp, v[c_])
            if k == "a":
                np.add.at(Gnat, (p_, cq[c_]), val)
            elif k == "hi":
                m = cx[c_] >= 1
                np.add.at(Gnat, (p_[m], (Q + cq[c_] * (K - 1) + cx[c_] - 1)[m]), val[m])
            elif k == "lo":
                m = cx[c_] <= K - 2
                np.add.at(Gnat, (p_[m], (Q + cq[c_] * (K - 1) + cx[c_])[m]), val[m])
            elif k == "t":
                np.add.at(Gnat, (p_, o_s + cr[c_]), -val)
                np.add.at(Gnat, (p_, o_s + R + cg[c_]), val)
            else:
                np.add.at(Gnat, (p_, np.full(len(p_), n_nat - 1)), val)
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


def _check_columns(data: pd.DataFrame, cols: dict) -> None:
    missing = [c for c in cols.values() if c is not None and c not in data.columns]
    if missing:
        raise ValueError(f"fit_irt: the data has no column(s) {', '.join(map(repr, missing))}; "
                         f"got columns {', '.join(map(str, data.columns))}. Pass the column names "
                         "as candidate=, question=, score=, rater=, unit=.")


def fit_irt(data: pd.DataFrame, candidate: str = "candidate_id", question: str = "question_id",
            score: str = "score", model: str = "grm", rater: str | None = None, *,
            unit: str | None = None, categories=None, n_quadpts: int = 41, max_iter: int = 500,
            tol: float = 1e-4, weights: str | None = None,
            se_method: str = "auto", joint_se: bool = True, progress: bool = True) -> IRTFit:
    """Fit an item response model (and, with ``rater=``, a many-facet rater model) by MML.

    Parameters
    ----------
    data : DataFrame
        One row per score (the tidy scorecard rows of :func:`analysis.io.load.load`).
    candidate, question, score : str
        Column names. Scores are integers; the GRM/GPCM take ``categories`` ordered values
        (default: 1-4 when the scores lie in 1-4, else the sorted distinct values), the 2PL 0/1.
    model : {"grm", "2pl", "gpcm"}
        Samejima's graded response model (the 1-4 scores), the two-parameter logistic (0/1 data),
        or the generalized partial credit model.
    rater : str, optional
        Column of the interviewer. Fits the joint many-facet GRM (items, interviewer shifts and level
        means together; ``severity``, + = harsher, summing to zero) and the many-facet Rasch model
        (``mfrm_severity``), and frees the abilities of severity. A ``level`` column, when present,
        gives each level its own ability mean.
    unit : str, optional
        Column naming one response pattern (default: ``interview_id`` when present, else
        ``candidate``). A unit may answer a question once; each answers a subset of the questions
        (missing by design: left out of the likelihood, not imputed).
    weights : str, optional
        A frequency column (response-pattern tables such as LSAT-6: one row per pattern and item).
    n_quadpts, max_iter, tol
        Passed to ``mirt.fit_mirt`` (quadrature nodes, EM iterations, convergence tolerance).
    se_method : {"auto", "oakes", "crossprod"}
        Standard errors of the item parameters: the observed information (Oakes) or the cross-product
        of the response patterns' scores (OPG; asymptotically the same, about 4x faster, within a few
        percent on the demo data). ``"auto"``: Oakes up to 20,000 response patterns, OPG above.
    joint_se : bool, default True
        Standard errors of the joint many-facet GRM (``rater=``): about as many extra gradient
        evaluations as there are parameters. ``False`` leaves its ``se`` columns NaN (faster, for
        simulation studies that only rank).
    progress : bool
        Show a progress bar (tqdm) over the fitting stages.

    Returns
    -------
    IRTFit
        See :class:`IRTFit` for the columns.

    Raises
    ------
    ValueError
        Missing columns, an unknown model, scores outside the categories, a unit answering the
        same question twice, or a design that leaves a parameter unidentified; each message says
        how to fix it.

    Notes
    -----
    ``central_tendency`` is the interviewer's share of middle scores (2 and 3) minus the share the
    fitted model expects for the same candidates and questions (+ = overuses the middle).
    ``halo`` is ``1 - observed / expected`` variance of scores within one scorecard (+ = flatter
    profiles across questions than the model expects: one overall impression scored several times).
    Both are descriptive, not tests; read them beside infit/outfit.
    """
    import mirt
    from tqdm.auto import tqdm

    if model not in MODELS:
        raise ValueError(f"fit_irt: got model {model!r}, expected one of {', '.join(MODELS)}")
    if unit is None:
        unit = "interview_id" if "interview_id" in data.columns else candidate
    cols = {"candidate": candidate, "question": question, "score": score, "rater": rater, "unit": unit,
            "weights": weights}
    _check_columns(data, cols)
    keep = [c for c in dict.fromkeys([unit, candidate, question, score, rater, weights, "level",
                                      "recommendation", "date"]) if c is not None and c in data.columns]
    d = data[keep].copy()
    if d[score].isna().any():
        raise ValueError(f"fit_irt: {int(d[score].isna().sum())} rows have no {score}; drop or fix them "
                         "first (a missing score is not a response)")
    x_raw = d[score].to_numpy()
    if categories is None:
        vals = np.unique(x_raw)
        categories = (0, 1) if model == "2pl" else (tuple(range(1, 5)) if set(vals) <= {1, 2, 3, 4}
                                                     else tuple(int(v) for v in vals))
    categories = tuple(int(c) for c in categories)
    if model == "2pl" and len(categories) != 2:
        raise ValueError(f"fit_irt: the 2PL takes two score values, got {categories}; use model='grm'")
    cat_index = {c: i for i, c in enumerate(categories)}
    bad = ~pd.Series(x_raw).isin(categories).to_numpy()
    if bad.any():
        raise ValueError(f"fit_irt: {int(bad.sum())} rows have {score} outside {categories} "
                         f"(e.g. {x_raw[bad][0]!r}); pass categories= or fix the rows")
    x = pd.Series(x_raw).map(cat_index).to_numpy(np.int64)
    K = len(categories)
    stages = ["items", "item fit", "abilities"] + (["raters"] if rater else [])
    bar = tqdm(total=len(stages), desc="IRT fit", disable=not progress, leave=False)

    # ---- the item model: one response pattern per unit
    q_names, q_idx = _codes(d[question].astype(str))
    u_names, u_idx = _codes(d[unit].astype(str))
    flat = u_idx * len(q_names) + q_idx
    if len(np.unique(flat)) != len(flat):
        dup = d[pd.Series(flat).duplicated(keep=False).to_numpy()].iloc[:2]
        raise ValueError(f"fit_irt: {unit} {dup[unit].iloc[0]!r} answers {question} "
                         f"{dup[question].iloc[0]!r} more than once; pass unit= naming a column with one "
                         "response per question (e.g. interview_id)")
    X = -np.ones((len(u_names), len(q_names)), dtype=np.int64)
    X[u_idx, q_idx] = x
    notes = []
    wts = None
    if weights is not None:
        w_unit = d.groupby(u_idx)[weights].first().to_numpy(float)
        wts = w_unit
        Xw = np.repeat(X, w_unit.astype(int), axis=0)
        if not np.allclose(w_unit, np.round(w_unit)):
            raise ValueError(f"fit_irt: {weights} must hold whole counts")
    else:
        Xw = X
    counts = np.array([np.bincount(Xw[:, j][Xw[:, j] >= 0], minlength=K) for j in range(len(q_names))])
    empty = counts == 0
    if empty.all(axis=0).any():
        raise ValueError(f"fit_irt: no question has a score of {categories[int(np.flatnonzero(empty.all(0))[0])]}; "
                         "pass the categories that occur (categories=)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if se_method == "auto":
            se_method = "oakes" if len(Xw) <= 20_000 else "crossprod"
        res = mirt.fit_mirt(Xw, MODELS[model], n_categories=K, item_names=list(q_names), n_quadpts=n_quadpts,
                            max_iter=max_iter, tol=tol, se_method=se_method)
    bar.update(1)
    if not res.converged:
        notes.append(f"the item model did not converge in {max_iter} EM iterations (tol {tol}); "
                     "raise max_iter or read the estimates as provisional")
    par = res.model.parameters
    se = res.standard_errors or {}
    a = np.asarray(par["discrimination"], float).ravel()
    a_se = np.asarray(se.get("discrimination", np.full(len(a), np.nan)), float).ravel()
    if model == "2pl":
        thr = np.asarray(par["difficulty"], float).reshape(-1, 1)
        thr_se = np.asarray(se.get("difficulty", np.full(len(a), np.nan)), float).reshape(-1, 1)
    else:
        key = "thresholds" if "thresholds" in par else "steps"
        thr = np.asarray(par[key], float).reshape(len(a), -1)
        thr_se = np.asarray(se.get(key, np.full(thr.shape, np.nan)), float).reshape(thr.shape)
    # items with an unused category get no estimate for it
    items = pd.DataFrame({"question": q_names, "n": (Xw >= 0).sum(axis=0),
                          "n_candidates": d.groupby(q_idx)[candidate].nunique().reindex(range(len(q_names))).to_numpy(),
                          "discrimination": a, "discrimination_se": a_se,
                          "difficulty": thr.mean(axis=1),
                          "difficulty_se": np.sqrt((thr_se ** 2).sum(axis=1)) / thr.shape[1]})
    if thr.shape[1] > 1:
        items["difficulty_se"] = np.nan  # needs the thresholds' covariance; filled below when known
        if res.vcov is not None and res.vcov_labels is not None:
            lab = {l: i for i, l in enumerate(res.vcov_labels)}
            for j, q in enumerate(q_names):
                ix = [lab.get(f"{key}[{q}][{k}]", lab.get(f"{key}[{q},{k}]")) for k in range(thr.shape[1])]
                if all(i is not None for i in ix):
                    v = res.vcov[np.ix_(ix, ix)]
                    items.loc[j, "difficulty_se"] = float(np.sqrt(max(v.sum(), 0))) / thr.shape[1]
            if items["difficulty_se"].isna().all():
                items["difficulty_se"] = np.sqrt((thr_se ** 2).sum(axis=1)) / thr.shape[1]
                notes.append("difficulty_se of the GRM ignores the covariance of the thresholds "
                             "(an upper bound when they are positively correlated)")
    for k in range(thr.shape[1]):
        items[f"threshold_{k + 1}"] = thr[:, k]
    for k in range(thr.shape[1]):
        items[f"threshold_{k + 1}_se"] = thr_se[:, k]
    sparse_cat = empty.any(axis=1)
    if sparse_cat.any():
        notes.append(f"{int(sparse_cat.sum())} question(s) never received one of the scores "
                     f"{categories}; their thresholds next to the unused score are extrapolated")
    items["unused_category"] = sparse_cat
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = mirt.itemfit(res, Xw, statistics=["infit", "outfit"], na_rm=True)
        f = f.to_pandas() if hasattr(f, "to_pandas") else pd.DataFrame(f)
        if "item" in f.columns:               # mirt 1.2.0 returns the items as the index already
            f = f.set_index("item")
        f.index = f.index.astype(str)
        items["infit"] = f["infit"].reindex(q_names).to_numpy()
        items["outfit"] = f["outfit"].reindex(q_names).to_numpy()
    except Exception as exc:  # a fit statistic that cannot be computed is NaN with a reason
        items["infit"] = np.nan
        items["outfit"] = np.nan
        notes.append(f"item infit/outfit not computed: {exc}")
    bar.update(1)

    # ---- the rater model
    raters = None
    rater_ll = joint_ll = float("nan")
    shift_r = np.zeros(1)
    r_idx = np.zeros(len(d), dtype=np.int64)
    c_names, c_idx = _codes(d[candidate].astype(str))
    sigma = float("nan")
    mfrm_theta = mfrm_se = None
    joint = None
    level_means = None
    if rater:
        bar.set_description("IRT fit (many-facet Rasch)")
        raters, rater_ll, _, sigma, mfrm_theta, mfrm_se = _fit_raters(
            d, x, K, q_names, q_idx, c_names, c_idx, rater, candidate, notes)
        r_names_all = raters["rater"].to_numpy()
        r_idx = pd.Categorical(d[rater].astype(str), categories=r_names_all).codes.astype(np.int64)
        raters = raters.rename(columns={"severity": "mfrm_severity", "se": "mfrm_se", "infit": "mfrm_infit",
                                        "outfit": "mfrm_outfit"})
        if model in ("grm", "2pl"):
            bar.set_description("IRT fit (joint many-facet GRM)")
            if "level" in d.columns:
                # each candidate's most frequent level (vectorized: a lambda per candidate takes minutes at 1M rows)
                pairs = pd.DataFrame({"c": c_idx, "level": d["level"].astype(str).to_numpy()})
                top = (pairs.groupby(["c", "level"]).size().rename("n").reset_index()
                       .sort_values(["c", "n", "level"], ascending=[True, False, True]).drop_duplicates("c"))
                lv = top.set_index("c")["level"].reindex(range(len(c_names)))
                g_names, g_person = _codes(lv.astype(str))
            else:
                g_names, g_person = np.array(["all"]), np.zeros(len(c_names), dtype=np.int64)
            joint = _fit_joint(a, thr, q_idx, x, r_idx, c_idx, len(c_names), g_person, len(r_names_all),
                               se=joint_se, progress=bar)
            joint_ll = joint["loglik"]
            if not joint_se:
                notes.append("standard errors of the joint model not computed (joint_se=False): se columns are NaN")
            if not joint["converged"]:
                notes.append(f"the joint many-facet GRM stopped after {joint['iterations']} iterations with "
                             f"gradient {joint['grad_max']:.1e} per row; read its estimates as provisional")
            Qn = len(q_names)
            a, thr = joint["a"], joint["thresholds"]
            a_se, thr_se, diff_se = _joint_item_se(joint, Qn, K)
            a_se_model = _joint_item_se(joint, Qn, K, "cov_model")[0]
            items["discrimination"], items["discrimination_se"] = a, a_se
            items["discrimination_se_model"] = a_se_model
            items["difficulty"], items["difficulty_se"] = thr.mean(axis=1), diff_se
            for k in range(thr.shape[1]):
                items[f"threshold_{k + 1}"] = thr[:, k]
                items[f"threshold_{k + 1}_se"] = thr_se[:, k]
            o_s = Qn + Qn * (K - 1)
            s_theta = joint["s"]
            s_se = np.sqrt(np.maximum(np.diag(joint["cov"])[o_s:o_s + len(r_names_all)], 0))
            raters.insert(3, "severity", s_theta)
            raters.insert(4, "se", s_se)
            raters["severity_ability"] = s_theta
            raters["severity_ability_se"] = s_se
            level_means = pd.DataFrame({"level": g_names, "n_candidates": np.bincount(g_person, minlength=len(g_names)),
                                        "mean": joint["mu"], "sd": joint["sd"]})
            notes.append("items, interviewer severities and abilities come from one joint many-facet graded "
                         "response model (marginal ML over candidates, one ability distribution per level: "
                         "IRTFit.level_means; severity on the ability scale, + = harsher, summing to zero); "
                         "mfrm_* are Linacre's many-facet Rasch (FACETS) severities in logits; standard errors "
                         "are candidate-cluster sandwich estimates")
        else:
            s_theta = raters["mfrm_severity"].to_numpy(float) / sigma
            raters.insert(3, "severity", raters["mfrm_severity"].to_numpy(float))
            raters.insert(4, "se", raters["mfrm_se"].to_numpy(float))
            raters["severity_ability"] = s_theta
            raters["severity_ability_se"] = raters["mfrm_se"] / sigma
            notes.append("GPCM: severity is the many-facet Rasch severity (logits); abilities are freed of it "
                         f"as severity / sigma (sigma = {sigma:.2f}), an approximation")
        shift_r = np.asarray(s_theta, float)

    # ---- abilities on the item model's scale, from every row of every candidate
    if joint is not None:
        theta, theta_se = joint["ability"], joint["ability_se"]
    else:
        theta, theta_se = _eap_grid(a, thr, q_idx, x, shift_r, r_idx, c_idx, len(c_names), model)
    bar.update(1)
    abil = pd.DataFrame({"candidate": c_names, "n_scores": np.bincount(c_idx, minlength=len(c_names)),
                         "ability": theta, "ability_se": theta_se})
    if rater:
        abil["mfrm_ability"] = mfrm_theta
        abil["mfrm_ability_se"] = mfrm_se
        raters, item_fit = _rater_behaviour(raters, d, x, K, a[q_idx], thr[q_idx], shift_r[r_idx], theta[c_idx],
                                            rater, unit, model, q_idx, len(q_names))
        if joint is not None:
            items["infit"], items["outfit"] = item_fit
        else:
            raters["infit"], raters["outfit"] = raters["mfrm_infit"], raters["mfrm_outfit"]
        first = ["rater", "n_interviews", "n_scores", "severity", "se", "infit", "outfit"]
        raters = raters[first + [c for c in raters.columns if c not in first]]
        bar.update(1)
    bar.close()
    return IRTFit(model=model, items=items, loglik=float(res.log_likelihood), abilities=abil, raters=raters,
                  rater_loglik=rater_ll, categories=categories, notes=notes, data=d,
                  columns=cols, sigma=sigma, joint_loglik=joint_ll,
                  level_means=level_means)


def _long_layout(c_idx, n_persons, *cols):
    """Per-candidate rows laid out as (n_persons, max rows) arrays, -1 padded (first array)."""
    order = np.argsort(c_idx, kind="stable")
    cs = c_idx[order]
    pos = np.arange(len(cs)) - np.searchsorted(cs, cs)
    width = int(pos.max()) + 1 if len(pos) else 1
    out = []
    for i, col in enumerate(cols):
        arr = np.full((n_persons, width), -1 if i == 0 else 0, dtype=np.int64)
        arr[cs, pos] = col[order]
        out.append(arr)
    return out


def _fit_raters(d, x, K, q_names, q_idx, c_names, c_idx, rater, candidate, notes):
    from mirt.estimation import fit_mfrm
    from mirt.models import Facet, PolytomousMFRM
    r_names, r_idx = _codes(d[rater].astype(str))
    if len(r_names) < 2:
        raise ValueError(f"fit_irt: rater={rater!r} has {len(r_names)} level(s); a severity is relative to "
                         "other interviewers, so at least two are needed (or pass rater=None)")
    R, I, F = _long_layout(c_idx, len(c_names), x, q_idx, r_idx)
    # partial credit (thresholds per question) needs every score used on every question; otherwise
    # the thresholds are shared (rating scale), and a note says so
    used = np.zeros((len(q_names), K), bool)
    used[q_idx, x] = True
    structure = "partial_credit" if used.all() else "rating_scale"
    if structure == "rating_scale":
        notes.append(f"{int((~used.all(axis=1)).sum())} question(s) never received every score, so the "
                     "many-facet model shares its thresholds across questions (rating scale)")
    mdl = PolytomousMFRM(len(q_names), K, [Facet("rater", len(r_names), labels=list(r_names))],
                         structure, item_names=list(q_names))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = fit_mfrm(mdl, R, {"rater": F}, item_indices=I)
        except Exception as exc:
            raise ValueError(f"fit_irt: the many-facet model cannot be fitted on this design: {exc}. "
                             "Each interviewer and question needs scores that are not all the lowest or "
                             "all the highest, and interviewers must share candidates or questions") from exc
    sev = np.asarray(res.facet_parameters["rater"], float)
    sigma = float(res.sigma)
    raters = pd.DataFrame({"rater": r_names,
                           "n_interviews": d.groupby(r_idx)[d.columns[0]].nunique().reindex(range(len(r_names))).to_numpy(),
                           "n_scores": np.bincount(r_idx, minlength=len(r_names)),
                           "severity": sev, "se": np.asarray(res.facet_se["rater"], float),
                           "infit": np.asarray(res.infit["rater"], float),
                           "outfit": np.asarray(res.outfit["rater"], float)})
    theta = np.asarray(res.theta, float) if res.theta is not None else np.full(len(c_names), np.nan)
    th_se = np.asarray(res.theta_se, float) if res.theta_se is not None else np.full(len(c_names), np.nan)
    return raters, float(res.log_likelihood), (sev / sigma)[r_idx], sigma, theta, th_se


def _rater_behaviour(raters, d, x, K, a_row, thr_row, shift, theta_row, rater, unit, model, q_idx=None,
                     n_questions=0):
    """Central tendency and halo per interviewer, from the fitted model's expected scores."""
    t = theta_row - shift
    if model in ("grm", "2pl"):
        cum = _sigmoid(a_row[:, None] * (t[:, None] - thr_row))
        pst = np.hstack([np.ones((len(t), 1)), cum, np.zeros((len(t), 1))])
        pr = np.clip(pst[:, :-1] - pst[:, 1:], 0, 1)
    else:
        steps = a_row[:, None] * (t[:, None] - thr_row)
        z = np.hstack([np.zeros((len(t), 1)), np.cumsum(steps, axis=1)])
        z -= z.max(axis=1, keepdims=True)
        pr = np.exp(z)
        pr /= pr.sum(axis=1, keepdims=True)
    k = np.arange(K)
    ex = pr @ k
    var = pr @ k ** 2 - ex ** 2
    mid = (x > 0) & (x < K - 1)
    mid_exp = pr[:, 1:K - 1].sum(axis=1) if K > 2 else np.zeros(len(x))
    r_idx = pd.Categorical(d[rater].astype(str), categories=raters["rater"]).codes
    nr = len(raters)
    ct = (np.bincount(r_idx, mid, nr) - np.bincount(r_idx, mid_exp, nr)) / np.maximum(np.bincount(r_idx, minlength=nr), 1)
    # halo: within-scorecard variance, observed vs expected under the model
    card = pd.Categorical(d[unit].astype(str)).codes
    n_card = np.bincount(card)
    m_obs = np.bincount(card, x) / n_card
    m_ex = np.bincount(card, ex) / n_card
    obs_ss = np.bincount(card, (x - m_obs[card]) ** 2)
    ex_ss = np.bincount(card, (ex - m_ex[card]) ** 2 + var * (1 - 1 / n_card[card]))
    card_r = np.zeros(len(n_card), dtype=np.int64)
    card_r[card] = r_idx
    ok = n_card >= 3
    obs_r = np.bincount(card_r[ok], obs_ss[ok], nr)
    ex_r = np.bincount(card_r[ok], ex_ss[ok], nr)
    with np.errstate(invalid="ignore", divide="ignore"):
        halo = np.where(ex_r > 0, 1 - obs_r / ex_r, np.nan)
    raters = raters.copy()
    # infit / outfit mean squares of the standardized residuals (x - E) / sqrt(Var) at the EAP abilities
    res2 = (x - ex) ** 2
    vv = np.maximum(var, 1e-9)

    def fit_stats(idx, n):
        cnt = np.maximum(np.bincount(idx, minlength=n), 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            infit = np.bincount(idx, res2, n) / np.bincount(idx, vv, n)
        return infit, np.bincount(idx, res2 / vv, n) / cnt

    raters["infit"], raters["outfit"] = fit_stats(r_idx, nr)
    raters["central_tendency"] = ct
    raters["halo"] = halo
    item_fit = fit_stats(q_idx, n_questions) if q_idx is not None else None
    return raters, item_fit


def rater_quarters(fit: IRTFit, *, date: str = "date", min_scores: int = 30) -> pd.DataFrame:
    """Severity drift: the many-facet model refitted with one facet level per interviewer and quarter.

    Returns ``rater, quarter, n_scores, severity, se`` (logits, + = harsher, levels summing to zero
    over all interviewer-quarters) and ``drift_per_year`` per interviewer (weighted least-squares
    slope of the quarterly severities on time; NaN with fewer than 3 quarters). Interviewer-quarters
    with fewer than ``min_scores`` scores are pooled with the interviewer's neighbouring quarter
    (never dropped), so every row stays in the likelihood.
    """
    from mirt.estimation import fit_mfrm
    from mirt.models import Facet, PolytomousMFRM
    if fit.raters is None or fit.data is None or date not in fit.data.columns:
        raise ValueError("rater_quarters needs a fit with rater= and a date column")
    d = fit.data
    cols = fit.columns
    q = pd.to_datetime(d[date]).dt.to_period("Q").astype(str).to_numpy()
    r = d[cols["rater"]].astype(str).to_numpy()
    # pool small quarters forward/backward within each interviewer
    lab = pd.Series(r + "|" + q)
    for name in np.unique(r):
        m = r == name
        qs = sorted(set(q[m]))
        counts = pd.Series(q[m]).value_counts()
        groups, cur, n = {}, [], 0
        for qq in qs:
            cur.append(qq)
            n += counts[qq]
            if n >= min_scores:
                for c in cur:
                    groups[c] = cur[0] if len(cur) == 1 else f"{cur[0]}..{cur[-1]}"
                cur, n = [], 0
        if cur:
            if groups:
                last = max(groups, key=lambda k: k)
                target = groups[last]
                for c in cur:
                    groups[c] = target
            else:
                for c in cur:
                    groups[c] = f"{cur[0]}..{cur[-1]}"
        lab[m] = [name + "|" + groups[qq] for qq in q[m]]
    cats = pd.Categorical(lab)
    f_idx = cats.codes.astype(np.int64)
    K = len(fit.categories)
    x = pd.Series(d[cols["score"]].to_numpy()).map({c: i for i, c in enumerate(fit.categories)}).to_numpy(np.int64)
    q_names, q_idx = _codes(d[cols["question"]].astype(str))
    c_names, c_idx = _codes(d[cols["candidate"]].astype(str))
    R, I, F = _long_layout(c_idx, len(c_names), x, q_idx, f_idx)
    used = np.zeros((len(q_names), K), bool)
    used[q_idx, x] = True
    mdl = PolytomousMFRM(len(q_names), K, [Facet("rq", len(cats.categories))],
                         "partial_credit" if used.all() else "rating_scale", item_names=list(q_names))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_mfrm(mdl, R, {"rq": F}, item_indices=I)
    labels = np.asarray(cats.categories.astype(str))
    out = pd.DataFrame({"rater": [s.split("|")[0] for s in labels], "quarter": [s.split("|")[1] for s in labels],
                        "n_scores": np.bincount(f_idx, minlength=len(labels)),
                        "severity": np.asarray(res.facet_parameters["rq"], float),
                        "se": np.asarray(res.facet_se["rq"], float)})
    first_q = out["quarter"].str.split("..", regex=False).str[0]
    out["time"] = pd.PeriodIndex(first_q, freq="Q").start_time.year + (pd.PeriodIndex(first_q, freq="Q").quarter - 1) / 4
    slopes = {}
    for name, g in out.groupby("rater"):
        if len(g) < 3:
            slopes[name] = np.nan
            continue
        w = 1 / np.maximum(g["se"].to_numpy() ** 2, 1e-6)
        slopes[name] = float(np.polyfit(g["time"], g["severity"], 1, w=np.sqrt(w))[0])
    out["drift_per_year"] = out["rater"].map(slopes)
    return out.sort_values(["rater", "time"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# tables and charts


IRT_READING_GUIDE = {
    "irt_icc": "Each curve is the chance of a score at each ability. Where the curves cross is where "
               "the question sorts candidates: a steep question with crossings near your hiring bar is "
               "the one to keep.",
    "irt_information": "Higher = more precise. Each question measures best around its own difficulty; "
                       "the dashed line marks the level's hiring bar, where a kit should measure best.",
    "irt_drift": "Each line is one interviewer's severity quarter by quarter (quarters with few scores are "
                 "pooled with the next). A steady climb or fall is drift: an interviewer becoming harsher or "
                 "more lenient over time; the legend gives the slope per year.",
    "irt_severity": "Interviewers on the candidates' ability scale (joint many-facet graded response model; "
                    "+ = harsher: +0.5 means a candidate needs half a standard deviation more ability for the "
                    "same score), with 95% intervals. Fit (infit) near 1 is expected; above 1.3 erratic, below "
                    "0.7 too predictable. Interviewers with fewer than 5 interviews are not shown.",
}


def finish(fig, title: str, **kw):
    """:func:`analysis.charts.calibration.finish`: the workbook's one escaping, rounding and theming step."""
    from analysis.charts.calibration import finish as _finish
    return _finish(fig, title, **kw)


def icc_figure(fit: IRTFit, question_id: str, theta=None):
    """Item characteristic (category response) curves of one question: P(score = k | ability)."""
    import plotly.graph_objects as go
    if question_id not in set(fit.items["question"]):
        raise ValueError(f"icc_figure: question {question_id!r} is not in the fit; choose one of "
                         f"{', '.join(fit.items['question'][:5])}, ...")
    theta = np.linspace(-4, 4, 161) if theta is None else np.asarray(theta, float)
    a, thr = fit.params([question_id])
    p = item_probabilities(theta, a, thr, fit.model)[:, 0, :]
    fig = go.Figure()
    for k, c in enumerate(fit.categories):
        fig.add_trace(go.Scatter(x=theta, y=np.round(p[:, k], 4), mode="lines", name=f"score {c}",
                                 hovertemplate="ability %{x:.1f}: %{y:.0%}<extra></extra>"))
    fig.update_layout(xaxis_title="ability (SD of candidates)", yaxis_title="probability")
    return finish(fig, f"How scores on {question_id} rise with ability (a = {a[0]:.2f})")


def information_figure(curves: pd.DataFrame, bars: dict | None = None, *, group: str = "level",
                       title: str = "Information per level"):
    """Test information curves (the sum over each group's questions) with the hiring bars marked."""
    import plotly.graph_objects as go
    fig = go.Figure()
    grp = curves.groupby([group, "theta"], observed=True)["information"].sum().reset_index()
    for name, g in grp.groupby(group, observed=True):
        fig.add_trace(go.Scatter(x=g["theta"], y=g["information"].round(3), mode="lines", name=str(name)))
    for name, b in (bars or {}).items():
        if b is not None and np.isfinite(b):
            # rounded: the bar comes out of an optimiser, and figures carry what they mean (2 decimals)
            fig.add_vline(x=round(float(b), 2), line_dash="dash", annotation_text=f"bar {name}")
    fig.update_layout(xaxis_title="ability", yaxis_title="information")
    return finish(fig, title)


def severity_figure(raters: pd.DataFrame, *, min_interviews: int = 5):
    """The severity ladder: interviewers' ``severity`` (+ = harsher) with 95% intervals, coloured by infit.

    Interviewers with fewer than ``min_interviews`` interviews are left out (a small group)."""
    import plotly.graph_objects as go
    r = raters[raters["n_interviews"] >= min_interviews].sort_values("severity")
    fig = go.Figure(go.Scatter(
        x=r["severity"].round(2), y=r["rater"].astype(str).tolist(), mode="markers",
        error_x=dict(type="data", array=(1.96 * r["se"]).round(2)),
        marker=dict(size=11, color=r["infit"].round(2), colorscale="RdBu_r", cmin=0.5, cmax=1.5,
                    colorbar=dict(title="infit")),
        customdata=np.c_[r["infit"].round(2), r["outfit"].round(2)],
        hovertemplate="%{y}: %{x:.2f}<br>infit %{customdata[0]}, outfit %{customdata[1]}<extra></extra>"))
    fig.add_vline(x=0, line_dash="dot")
    fig.update_layout(xaxis_title="severity (SD of ability)")
    return finish(fig, "Interviewer severity (ability scale, + = harsher)", height=max(300, 40 * len(r) + 120),
                  digits=2)


def drift_figure(quarters: pd.DataFrame, raters: pd.DataFrame, *, min_interviews: int = 5):
    """Severity by quarter, one line per interviewer (logits, + = harsher), from :func:`rater_quarters`.

    Interviewers with fewer than ``min_interviews`` interviews are left out."""
    import plotly.graph_objects as go
    keep = set(raters.loc[raters["n_interviews"] >= min_interviews, "rater"])
    fig = go.Figure()
    for name, g in quarters[quarters["rater"].isin(keep)].groupby("rater"):
        slope = g["drift_per_year"].iloc[0]
        label = f"{name} ({slope:+.2f}/year)" if np.isfinite(slope) else str(name)
        fig.add_trace(go.Scatter(x=g["time"].round(2), y=g["severity"].round(2), mode="lines+markers", name=label,
                                 customdata=[str(q) for q in g["quarter"]],
                                 hovertemplate="%{customdata}: %{y:.2f} logits<extra></extra>"))
    fig.add_hline(y=0, line_dash="dot")
    fig.update_layout(xaxis_title="year", yaxis_title="severity (logits)")
    return finish(fig, "Interviewer severity by quarter (logits, + = harsher)", digits=2)


def irt_tables(fit: IRTFit, *, small: int = 5) -> dict[str, pd.DataFrame]:
    """``irt_items`` and ``irt_interviewers`` as exported: rounded to what they mean, no candidate
    ids, interviewers with fewer than ``small`` interviews keep their counts but not their estimates."""
    from analysis.reports.export import mark_small_groups
    it = fit.items.rename(columns={"question": "question_id"}).copy()
    num = it.select_dtypes("number").columns.difference(["n", "n_candidates"])
    it[num] = it[num].round(3)
    first = ["question_id", "discrimination", "difficulty"]            # the columns the issue names first
    it = it[first + [c for c in it.columns if c not in first]]
    tables = {"irt_items": it}
    if fit.raters is not None:
        rv = fit.raters.rename(columns={"rater": "interviewer"}).copy()
        est = [c for c in rv.columns if c not in ("interviewer", "n_interviews", "n_scores")]
        rv[est] = rv[est].round(3)
        first = ["interviewer", "severity", "se", "infit", "outfit"]
        rv = rv[first + [c for c in rv.columns if c not in first]]
        tables["irt_interviewers"] = mark_small_groups(rv, "n_interviews", est, small_group=small)
    return tables


def irt_figures(fit: IRTFit, questions: pd.DataFrame | None = None, *, question_id: str | None = None,
                small: int = 5, quarters: pd.DataFrame | None = None) -> dict:
    """The IRT charts: item characteristic curves of one question (default: the most
    discriminating), information per level with its hiring bar, and the severity ladder."""
    from analysis.stats.kit_design import hiring_bar
    figs = {}
    qid = question_id or str(fit.items.sort_values("discrimination", ascending=False)["question"].iloc[0])
    figs["irt_icc"] = icc_figure(fit, qid)
    level_of = None
    if questions is not None:
        level_of = dict(zip(questions["question_id"].astype(str), questions["level"].astype(str)))
    curves = information_curves(fit, level_of=level_of or {q: "all" for q in fit.items["question"]})
    bars = {}
    if fit.data is not None and "recommendation" in fit.data.columns and "level" in fit.data.columns:
        for lv in sorted(fit.data["level"].astype(str).unique()):
            try:
                bars[lv] = hiring_bar(fit, lv)["bar"]
            except ValueError:
                bars[lv] = None
    figs["irt_information"] = information_figure(curves, bars)
    if fit.raters is not None:
        figs["irt_severity"] = severity_figure(fit.raters, min_interviews=small)
    if quarters is not None and fit.raters is not None:
        figs["irt_drift"] = drift_figure(quarters, fit.raters, min_interviews=small)
    return figs


REPORT_NOTES = (
    "IRT tables and charts (irt_*) come from one fit on the report's slice (its level and dates, like every "
    "other table). severity is the joint many-facet graded response model's interviewer shift on the "
    "ability scale of irt_items (+ = harsher, summing to zero); mfrm_severity is Linacre's many-facet Rasch "
    "(FACETS) severity in logits.",
    "Interviewers with fewer than 5 interviews keep their counts in irt_interviewers but not their estimates, "
    "and are left out of the severity chart.",
)


def report_outputs(workbook, *, figures: bool = True, drift: bool = True, small: int = 5,
                   progress: bool = True, level=None, start=None, end=None) -> tuple[dict, dict, dict, list]:
    """Tables, figures, reading guides and notes of the IRT part of a report.

    Called by :func:`analysis.reports.report.build_report` with ``irt=True`` (with the report's ``level``,
    ``start`` and ``end``, so the IRT tables describe the same slice as the rest of the report) and by
    ``python -m analysis irt``. Fits the GRM with the interviewer facet on the slice's scorecards; with
    ``drift``, adds each interviewer's severity drift per year (:func:`rater_quarters`) to
    ``irt_interviewers``. A slice the models cannot be fitted on gives no IRT tables and a note saying why.
    """
    from analysis.stats.calibration import filter_scores
    scores = filter_scores(workbook.scores, level=level, start=start, end=end)
    try:
        fit = fit_irt(scores, rater="interviewer", progress=progress)
    except ValueError as exc:
        if level is None and start is None and end is None:
            raise
        return {}, {}, {}, [f"IRT tables not computed on this slice ({len(scores)} score rows): {exc}"]
    rq = None
    if drift and "date" in fit.data.columns:
        try:
            rq = rater_quarters(fit)
            dr = rq.groupby("rater")["drift_per_year"].first()
            fit.raters["drift_per_year"] = fit.raters["rater"].map(dr).to_numpy(float)
        except Exception as exc:  # a drift that cannot be estimated is NaN with a reason
            fit.raters["drift_per_year"] = np.nan
            fit.notes.append(f"severity drift not estimated: {exc}")
    tables = irt_tables(fit, small=small)
    figs, guides = {}, {}
    if figures:
        figs = irt_figures(fit, workbook.questions, small=small, quarters=rq)
        guides = {k: v for k, v in IRT_READING_GUIDE.items() if k in figs}
    return tables, figs, guides, list(REPORT_NOTES) + list(fit.notes)


def write_irt(data=None, out="reports", *, formats=("csv", "html"), progress: bool = True, workbook=None):
    """``python -m analysis irt``: write ``irt_items.csv``, ``irt_interviewers.csv`` and the IRT charts.

    Returns the list of files written."""
    from analysis.reports.export import parse_formats, write_report
    from analysis.io.load import load
    fmts = parse_formats(formats)
    wb = workbook if workbook is not None else load(data, progress=progress)
    tables, figs, guides, notes = report_outputs(wb, figures=any(f != "csv" for f in fmts), progress=progress)
    return write_report(out, tables=tables, figures=figs, formats=fmts, title="Item response theory",
                        guides=guides, notes=notes, progress=progress)
