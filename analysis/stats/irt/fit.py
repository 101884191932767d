"""``fit_irt``: the item model (by mirt), then with ``rater=`` the many-facet Rasch model, the joint
many-facet graded response model, the fair abilities and each interviewer's behaviour, in that order.

What each model is and how to read it: :mod:`analysis.stats.irt`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from analysis.stats.irt.joint import _fit_joint, _joint_item_se
from analysis.stats.irt.model import MODELS, IRTFit
from analysis.stats.irt.quadrature import _codes, _eap_grid
from analysis.stats.irt.raters import _fit_raters, _rater_behaviour

__all__ = ["fit_irt"]


def _check_columns(data: pd.DataFrame, cols: dict) -> None:
    missing = [c for c in cols.values() if c is not None and c not in data.columns]
    if missing:
        raise ValueError(f"fit_irt: the data has no column(s) {', '.join(map(repr, missing))}; "
                         f"got columns {', '.join(map(str, data.columns))}. Pass the column names "
                         "as candidate=, question=, score=, rater=, unit=.")


def _mirt_item_fit(mirt, res, Xw, items, q_names, notes) -> None:
    """Item infit/outfit of mirt's item model into ``items`` (NaN, with a note saying why, when they
    cannot be computed)."""
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


def fit_irt(data: pd.DataFrame, candidate: str = "candidate_id", question: str = "question_id",
            score: str = "score", model: str = "grm", rater: str | None = None, *,
            unit: str | None = None, categories=None, n_quadpts: int = 41, max_iter: int = 500,
            tol: float = 1e-6, weights: str | None = None,
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
        Passed to ``mirt.fit_mirt`` (Gauss-Hermite quadrature nodes, EM iterations, and the change
        of the marginal log-likelihood between two EM iterations below which EM stops). EM creeps
        up to its maximum: at ``tol=1e-4`` LSAT-7's item 3 slope stopped at 1.7002, 0.006 short of
        R mirt's published 1.706; the default ``1e-6`` reproduces the published LSAT-6 (ltm) and
        LSAT-7 (R mirt) slopes within 0.001 (``tests/test_irt.py``), for a few more iterations.
        With ``rater=`` the item model only starts the joint model, which is solved to its maximum
        whatever the start (:func:`analysis.stats.irt.joint._newton_polish`).
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
    import mirt                      # deferred: mirt (and its Rust backend) loads only for a fit
    from tqdm.auto import tqdm       # deferred: tqdm.auto loads IPython/ipywidgets in a notebook

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
    if weights is not None:
        w_unit = d.groupby(u_idx)[weights].first().to_numpy(float)
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
    # with the joint many-facet GRM, its own SEs and item fit replace mirt's: mirt's are not computed
    joint_model = bool(rater) and model in ("grm", "2pl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if se_method == "auto":
            se_method = "oakes" if len(Xw) <= 20_000 else "crossprod"
        res = mirt.fit_mirt(Xw, MODELS[model], n_categories=K, item_names=list(q_names), n_quadpts=n_quadpts,
                            max_iter=max_iter, tol=tol, se_method=se_method,
                            compute_standard_errors=not joint_model)
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
    if joint_model:                           # filled from the joint model below
        items["infit"] = items["outfit"] = np.nan
    else:
        _mirt_item_fit(mirt, res, Xw, items, q_names, notes)
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
