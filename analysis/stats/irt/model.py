"""The fitted item response model and its closed forms.

:class:`IRTFit` is what :func:`analysis.stats.irt.fit_irt` returns; :func:`item_probabilities`,
:func:`item_information` and :func:`information_curves` read its slopes and thresholds. They live
apart from the fitting code because kit design (:mod:`analysis.stats.kit_design`) and the charts
(:mod:`analysis.charts.irt`) need the curves of a fit, not the machinery that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["IRTFit", "MODELS", "item_probabilities", "item_information", "information_curves"]

#: Models :func:`fit_irt` accepts, with the mirt family behind each.
MODELS = {"grm": "GRM", "2pl": "2PL", "gpcm": "GPCM"}


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
