"""Likelihoods on a grid of abilities: score rows grouped into cells, the posterior over the grid,
and EAP abilities.

Shared by the item model's abilities (:func:`_eap_grid`, called by :func:`analysis.stats.irt.fit_irt`)
and the joint many-facet model (:mod:`analysis.stats.irt.joint`, which reads :func:`_posterior`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.stats.irt.model import _sigmoid

_NODES = np.linspace(-6, 6, 121)


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
    """Posterior weights over ``nodes`` (standard normal prior) and the summed log marginal
    likelihood, from each person's log-likelihood ``total`` (persons, nodes).

    ``total`` is overwritten: it becomes the weights (the same operations as out of place, so the same
    bits, without four person-by-node temporaries: at 70,000 candidates each is 34 MB, and this runs
    once per likelihood evaluation)."""
    total -= 0.5 * nodes[None, :] ** 2
    mx = total.max(axis=1, keepdims=True)
    total -= mx
    np.exp(total, out=total)
    norm = total.sum(axis=1, keepdims=True)
    total /= norm
    return total, float((np.log(norm) + mx).sum())


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
