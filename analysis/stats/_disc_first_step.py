"""The severity estimates' own error in the headline discrimination: the two-step (delta-method)
term of :func:`analysis.stats.discrimination.grouped_discrimination`'s interval.

Private: that module's docstring ("The severity estimate's own error") says what the term is, why it
is added on Fisher's z scale and how much it explains. This is its computation from the headline's
centred rows and units' sums, apart so the statistic's module stays one topic a reader can hold and
under the size the architecture test allows (issue 26).
"""

from __future__ import annotations

import numpy as np

from analysis.stats import _codes
from analysis.stats._disc_intervals import _within_moments
from analysis.stats._unit_sums import BLOCK, group_candidate_sums

__all__ = ["candidates_of_kept", "first_step_variance"]


def candidates_of_kept(step, rows) -> np.ndarray:
    """The first step's candidate code of each kept row (narrow integers). Usually every row is kept
    and the step numbers candidates by appearance just as :func:`kept_rows` did: then they are the
    kept rows' own candidate codes, returned as that same array rather than a second row-length copy
    (40 MB at ten million rows, held under all three tables; issue 26). The caller reads them from
    ``rows.memo("cand", step, ...)``: made once per :class:`~analysis.stats.discrimination.KeptRows` and step."""
    cand = step.cand if rows.keep.all() else step.cand[rows.keep]
    own = rows.candidate[0]
    if cand.dtype == own.dtype and np.array_equal(cand, own):
        return own
    return _codes.narrow(cand, copy=False)  # only read: the step's own array where it is narrow already


def first_step_variance(step, *, rows, centred, g_codes, c_codes, nc, feats, ug, uc, ng, point, full, sel=None):
    """Delta-method variance of each group's pooled correlation from the raters' severity estimates.

    ``centred`` is the :class:`~analysis.stats._unit_sums.CentredRows` of the kept rows (their
    values centred within (group, stratum), given out a block at a time), or of the kept rows ``sel``
    (their positions) when the groups are taken a chunk at a time: ``g_codes`` are then those rows'
    codes within the chunk and ``ug`` their units', while ``c_codes`` stays every kept row's. With ``A = sum x y``,
    ``B = sum x^2``, ``C = sum y^2`` (pooled within strata) and ``r = A / sqrt(B C)``, a shift
    ``dx``, ``dy`` of the rows moves ``r`` by ``sum_i dx_i u_i + dy_i v_i`` with
    ``u = y / sqrt(B C) - r x / B`` and ``v = x / sqrt(B C) - r y / C`` (the centring terms
    vanish: centred values sum to zero in each stratum). A unit shift of rater k's severity moves
    ``x`` of k's rows by 1 and, for a rest-score ``y``, ``y_i`` by ``(n_ck - [k_i = k]) / (n_c - 1)``
    (``n_ck``: rows of i's candidate c graded by k, ``n_c`` all of c's rows). So the gradient is
    ``G[g, k] = sum_{i in g, k_i = k} (u_i - v_i w_c) + sum_c V[g, c] n_ck`` with ``w_c = 1 / (n_c - 1)``
    and ``V[g, c] = w_c sum_{i in g, c} v_i`` (from the units' sums): bincounts and one sparse
    product, no row-by-rater matrix. The variance is ``G cov G'`` (``sum_k G_k^2 var_k`` for a diagonal ``cov``).
    What does not depend on the grouping (each kept row's rater column, candidate and ``w_c``, each
    candidate's code) is made once per :class:`KeptRows` and step, for every table of the frame.
    """
    cov = step.cov
    k = cov.shape[0]
    _, B, C = _within_moments(full)  # the pooled within-stratum sums of squares
    # u = a y - rb x and v = a x - rc y with per-group coefficients (0 for a group with no
    # correlation); every row's part of G[g, k] is u_i - w_c v_i (its own x, and its own answer
    # leaving its rest score), summed per (group, rater), and the rest score's part through the
    # candidate's other rows is per unit (group, candidate), from the units' sums ``feats``
    good = np.isfinite(point) & (B > 0) & (C > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(good, 1 / np.sqrt(B * C), 0.0)
        rb = np.where(good, point / B, 0.0)
        rc = np.where(good, point / C, 0.0)
    keep = rows.keep

    def raters_of_kept():  # rows without a rater go to an extra column, dropped
        r = step.rater[keep]
        r[r < 0] = k
        return _codes.narrow(r)
    rk = rows.memo("rater", step, raters_of_kept)
    rk = rk if sel is None else rk[sel]
    # each row's part, a block of rows at a time from the centred rows' blocks (every fresh
    # row-length array is pages the kernel zeroes; at ten million rows this step held six of them,
    # then two, now none: the per-row coefficients, the part and the (group, rater) key are all
    # block-length), summed per (group, rater) in row order by np.add.at: the bits of one bincount
    # over whole arrays (analysis.stats._unit_sums). Elementwise operations only, as on whole arrays
    ck_all = rows.memo("cand", step, lambda: candidates_of_kept(step, rows)) if step.w_c is not None else None
    ck = ck_all if sel is None or ck_all is None else ck_all[sel]
    G = np.zeros(ng * (k + 1))
    for s, x, y in centred.blocks():
        g = g_codes[s]
        if ck is None:  # y * a[g] - x * rb[g]
            tmp = np.take(rb, g)
            x *= tmp
            y *= np.take(a, g, out=tmp)
        else:
            # the rest score runs over all the candidate's rows of data, also those dropped here
            # y * (a[g] + wk * rc[g]) - x * (rb[g] + wk * a[g]), in the same operations as written
            wk, tmp = np.take(step.w_c, ck[s]), np.take(a, g)
            wk *= tmp
            wk += np.take(rb, g, out=tmp)
            x *= wk
            np.take(step.w_c, ck[s], out=wk)
            wk *= np.take(rc, g, out=tmp)
            wk += np.take(a, g, out=tmp)
            y *= wk
        y -= x
        gk = g.astype(np.intp)  # g * (k + 1) + rater
        gk *= k + 1
        gk += rk[s]
        np.add.at(G, gk, y)
    G = G.reshape(ng, k + 1)[:, :k]
    if step.w_c is not None:
        # each unit's candidate in the codes of all rows (uc codes the kept rows' candidates)
        def cand_of_kept():
            out = np.zeros(nc, dtype=np.int64)
            out[c_codes] = ck_all
            return _codes.narrow(out, copy=False)  # indexes the sparse product: int32 is scipy's own index type
        cu = rows.memo("cand_of_unit", step, cand_of_kept)[uc]
        # (a[ug] * feats[:, 1] - rc[ug] * feats[:, 2]) * step.w_c[cu], into V a block of units at a
        # time (the same elementwise operations; one unit-length array, not two)
        V = np.empty(len(ug))
        for start in range(0, len(ug), BLOCK):
            u = slice(start, start + BLOCK)
            v, t = np.take(a, ug[u], out=V[u]), np.take(rc, ug[u])
            v *= feats[u, 1]
            t *= feats[u, 2]
            v -= t
            v *= np.take(step.w_c, cu[u], out=t)
        A = group_candidate_sums(V, ug, cu, ng, len(step.w_c))  # V summed per (group, candidate)
        del V, cu
        G = G + np.asarray((A @ step.n_ck).todense())
    if cov.ndim == 1:
        var = (G * G) @ cov
    else:
        var = np.einsum("gk,kl,gl->g", G, cov, G)
    return np.where(np.isfinite(point), np.clip(var, 0, None), 0.0)

