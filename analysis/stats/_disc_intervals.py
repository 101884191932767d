"""The interval machinery of :mod:`analysis.stats.discrimination`: the pooled within-stratum
correlation from stratum sums, the Poisson-bootstrap replicates as matrix products, and the
influence-function, Fisher-z and BCa intervals.

Private: :func:`analysis.stats.discrimination.grouped_discrimination` is the statistic and its
module docstring says how and why each interval is computed (the coverage studies behind the
choice). These are the numerical parts it calls, apart so that module reads as the statistic and
stays one topic a reader can hold (issue 26). :func:`pooled_within_r` is re-exported there.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pooled_within_r"]


def pooled_within_r(sums: np.ndarray) -> np.ndarray:
    """Pooled within-stratum correlation from stratum sums.

    ``sums`` has shape (..., n_strata, 6) with the last axis (n, Σx, Σy, Σx², Σy², Σxy); strata with
    fewer than two observations contribute nothing. Returns shape (...).
    """
    cxy, cxx, cyy = _within_moments(sums)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cxy / np.sqrt(cxx * cyy)
    return np.where((cxx > 1e-12) & (cyy > 1e-12), r, np.nan)


def _within_moments(sums: np.ndarray):
    """The pooled within-stratum co-moments ``(Sxy, Sxx, Syy)`` of stratum sums (shape (..., n_strata,
    6) as in :func:`pooled_within_r`), strata with fewer than two observations left out."""
    n, sx, sy, sxx, syy, sxy = np.moveaxis(sums, -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(n > 1, n, np.inf)
        cxy = np.where(n > 1, sxy - sx * sy / safe, 0.0).sum(-1)
        cxx = np.where(n > 1, sxx - sx * sx / safe, 0.0).sum(-1)
        cyy = np.where(n > 1, syy - sy * sy / safe, 0.0).sum(-1)
    return cxy, cxx, cyy


def _fisher_interval(z0, var_boot_z, var_fs_z, m, alpha):
    """The small-sample Fisher-z interval of the module docstring: ``tanh(z0 -+ t * sd)`` with
    ``sd^2 = m / (m - 1) * var_boot_z + var_fs_z`` and ``t`` Student's quantile on ``m - 1``
    degrees of freedom, ``m`` the group's candidates (normal beyond 5,000 candidates, where the
    influence function takes over anyway)."""
    from scipy.special import stdtrit
    m = np.asarray(m, float)
    df = np.maximum(m - 1, 1)
    sd = np.sqrt(m / df * var_boot_z + var_fs_z)
    tq = stdtrit(df, 1 - alpha)
    return np.tanh(z0 - tq * sd), np.tanh(z0 + tq * sd)


def _unit_influence(full, feats, ug, us, point):
    """Influence value of each unit (a candidate within a group) on the pooled correlation, and the
    per-group sums ``B``, ``C`` (see the module docstring).

    Per unit ``a = Sxy - my Sx - mx Sy + n mx my``, ``b = Sxx - 2 mx Sx + n mx^2`` (``c`` alike in
    y) and ``IF = a / sqrt(B C) - r / 2 (b / B + c / C)``, each evaluated in that order of operations
    but into a few unit-length buffers reused in place: at ten million rows the units are millions
    and every fresh array is pages the kernel zeroes (issue 26)."""
    n, sx, sy = full[..., 0], full[..., 1], full[..., 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.where(n > 0, sx / np.where(n > 0, n, 1), 0.0)[ug, us]
        my = np.where(n > 0, sy / np.where(n > 0, n, 1), 0.0)[ug, us]
    un, usx, usy, usxx, usyy, usxy = feats.T
    t = np.empty_like(mx)
    a = np.multiply(my, usx)             # usxy - my * usx - mx * usy + un * mx * my
    np.subtract(usxy, a, out=a)
    a -= np.multiply(mx, usy, out=t)
    np.multiply(un, mx, out=t)
    t *= my
    a += t
    b = np.multiply(mx, 2)               # usxx - 2 * mx * usx + un * mx * mx
    b *= usx
    np.subtract(usxx, b, out=b)
    np.multiply(un, mx, out=t)
    t *= mx
    b += t
    c = np.multiply(my, 2, out=mx)       # usyy - 2 * my * usy + un * my * my (mx is no longer read)
    c *= usy
    np.subtract(usyy, c, out=c)
    np.multiply(un, my, out=t)
    t *= my
    c += t
    del my, t
    ng = full.shape[0]
    B = np.bincount(ug, b, minlength=ng)
    C = np.bincount(ug, c, minlength=ng)
    with np.errstate(invalid="ignore", divide="ignore"):
        infl = np.divide(a, np.sqrt(B * C)[ug], out=a)   # a / sqrt(B C) - r / 2 * (b / B + c / C)
        b /= B[ug]
        c /= C[ug]
        b += c
        del c
        b *= point[ug] / 2
        infl -= b
    return np.nan_to_num(infl, copy=False), B, C


def _acceleration(full, feats, ug, us, point):
    """BCa acceleration per group from the influence values: ``sum IF^3 / (6 (sum IF^2)^1.5)``."""
    infl, _, _ = _unit_influence(full, feats, ug, us, point)
    ng = full.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(ug, infl ** 3, minlength=ng) / (6 * np.bincount(ug, infl ** 2, minlength=ng) ** 1.5)


def _bca(reps, point, acc, alpha):
    """Bias-corrected and accelerated percentile interval (Efron 1987) per row of ``reps``."""
    from scipy.special import ndtr, ndtri
    ok = np.isfinite(reps)
    k = ok.sum(1)
    below = (np.where(ok, reps, np.inf) < point[:, None]).sum(1) + 0.5 * (reps == point[:, None]).sum(1)
    z0 = ndtri(np.clip(below / np.maximum(k, 1), 1 / (2 * np.maximum(k, 1)), 1 - 1 / (2 * np.maximum(k, 1))))
    acc = np.nan_to_num(acc)
    out = []
    for q in (alpha, 1 - alpha):
        zq = ndtri(q)
        lev = ndtr(z0 + (z0 + zq) / (1 - acc * (z0 + zq)))
        srt = np.sort(np.where(ok, reps, np.inf), axis=1)
        pos = np.clip(lev * (k - 1), 0, np.maximum(k - 1, 0))
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, np.maximum(k - 1, 0))
        fr = pos - lo
        rows = np.arange(len(reps))
        v = srt[rows, lo] * (1 - fr) + srt[rows, hi] * fr
        out.append(np.where(k > 1, v, np.nan))
    return out[0], out[1]


def _influence_interval(full, feats, ug, us, point, ci, var_fs=None):
    """Influence-function standard error of the pooled within-stratum correlation per group, and a
    normal interval on Fisher's z scale (see the module docstring).

    ``feats`` are the units' sums (n, Σx, Σy, Σx², Σy², Σxy) of values already centred within
    (group, stratum); a unit is one candidate within a group.
    """
    from statistics import NormalDist

    infl, B, C = _unit_influence(full, feats, ug, us, point)
    ng = full.shape[0]
    m = np.bincount(ug, minlength=ng).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.bincount(ug, np.square(infl, out=infl), minlength=ng) * m / np.maximum(m - 1, 1)
        if var_fs is not None:
            var = var + var_fs  # the first step's variance (delta method), independent of the second's
        se = np.sqrt(var)
        zq = NormalDist().inv_cdf(0.5 + ci / 2)
        rc = np.clip(point, -0.999999, 0.999999)
        z = np.arctanh(rc)
        se_z = se / (1 - rc ** 2)
        low, high = np.tanh(z - zq * se_z), np.tanh(z + zq * se_z)
    bad = ~np.isfinite(point) | (m < 3) | ~(B > 0) | ~(C > 0)
    low, high, se = (np.where(bad, np.nan, v) for v in (low, high, se))
    return low, high, se


def _poisson_table(bits: int = 16) -> np.ndarray:
    """Poisson(1) by inverse-CDF lookup: index ``u`` in ``[0, 2**bits)`` maps to the smallest k with
    ``P(X <= k) > (u + 0.5) / 2**bits``. Drawing 16-bit integers and looking them up is several
    times faster than ``Generator.poisson`` and matches its distribution to 1/65536 per value.
    The CDF is summed from ``exp(-1) / k!`` directly (scipy.stats costs a second to import)."""
    k = np.arange(30)
    log_fact = np.r_[0.0, np.cumsum(np.log(k[1:]))]
    cdf = np.cumsum(np.exp(-1.0 - log_fact))
    u = (np.arange(1 << bits) + 0.5) / (1 << bits)
    return np.searchsorted(cdf, u, side="right").astype(np.float32)


_POISSON_TABLE = _poisson_table()


def _replicates(reps, blocks, rng, kmax, *, nb_total, block, starts, ends, us, ug, feats, ns):
    """Fill ``reps`` (groups x replicates) with the statistic under Poisson(1) weights, block by block."""
    # each group's units as a (units x strata*6) matrix, built once
    mats = []
    for a, e in zip(starts, ends):
        F = np.zeros((e - a, ns * 6), dtype=np.float32)
        cols = us[a:e, None].astype(np.intp) * 6 + np.arange(6)[None, :]  # strata codes may be int8
        np.put_along_axis(F, cols, feats[a:e].astype(np.float32), axis=1)
        mats.append((ug[a], F))
    for b0 in blocks:
        nb = min(block, nb_total - b0)
        # Poisson(1) weights for up to kmax units; each group uses its own leading slice. Every
        # group's marginal bootstrap is valid; groups share draws, which per-group intervals ignore.
        W = _POISSON_TABLE[rng.integers(0, 1 << 16, size=(kmax, nb), dtype=np.uint16)]
        for g, F in mats:
            S = (F.T @ W[: len(F)]).T.reshape(nb, ns, 6).astype(np.float64)
            reps[g, b0:b0 + nb] = pooled_within_r(S)
    return reps
