"""Interviewers in the item response model: Linacre's many-facet Rasch fit (FACETS, by
``mirt.estimation.fit_mfrm``), each interviewer's central tendency, halo and fit under the fitted
model, and severity drift quarter by quarter (:func:`rater_quarters`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from analysis.stats.irt.model import IRTFit, _sigmoid
from analysis.stats.irt.quadrature import _codes

__all__ = ["rater_quarters"]


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
    from analysis.stats.irt.mfrm import fit_mfrm         # deferred: mirt loads only for a fit
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
    from analysis.stats.irt.mfrm import fit_mfrm         # deferred: mirt loads only for a fit
    from mirt.models import Facet, PolytomousMFRM
    if fit.raters is None or fit.data is None or date not in fit.data.columns:
        raise ValueError("rater_quarters needs a fit with rater= and a date column")
    d = fit.data
    cols = fit.columns
    # quarters and pooling worked out on the distinct dates and (interviewer, quarter) pairs, then
    # spread to the rows: the same labels as row by row, without string work on every row
    day_code, days = pd.factorize(d[date], use_na_sentinel=False)
    q = pd.to_datetime(pd.Series(days)).dt.to_period("Q").astype(str).to_numpy()[day_code]
    r_code, r_uniq = pd.factorize(d[cols["rater"]].astype(str).to_numpy())
    q_code, q_uniq = pd.factorize(q)
    pair_code, pair_key = pd.factorize(r_code.astype(np.int64) * len(q_uniq) + q_code)
    pair_n = np.bincount(pair_code, minlength=len(pair_key))
    pair_r = np.asarray(r_uniq, dtype=object)[pair_key // len(q_uniq)]
    pair_q = np.asarray(q_uniq, dtype=object)[pair_key % len(q_uniq)]
    pair_lab = np.empty(len(pair_key), dtype=object)
    # pool small quarters forward/backward within each interviewer
    for name in np.unique(pair_r):
        m = pair_r == name
        counts = dict(zip(pair_q[m], pair_n[m]))
        qs = sorted(counts)
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
        pair_lab[m] = [name + "|" + groups[qq] for qq in pair_q[m]]
    lab = pair_lab[pair_code]
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
