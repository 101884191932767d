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
Severities are differences between interviewers, and the model measures a difference in two ways:

- **within candidates**: two interviewers graded the same candidates (loops, panels, shadows),
  directly or through a chain of colleagues. This needs no assumption about who gets which
  candidates, and it carries most of the weight wherever it exists;
- **between candidates**: the interviewer's candidates, on average, against everybody else's.
  The candidate effect is a random effect with mean zero within a level, so the model can compare
  the average score of one interviewer's candidates with the team's, which is right **only if
  interviewers get comparable candidates** (candidates assigned to interviewers at random, within
  level). If harsh interviewers see stronger candidates (later loops, a senior specialist), a
  between-candidate severity is off by exactly that difference in strength.

The interviewers are split into the **connected groups** of the interviewer-candidate graph. The
largest group (most score rows) is "the team"; severities are estimated and centred there. Each
interviewer's severity carries a ``severity_basis``:

- ``"within-candidate"`` (:data:`WITHIN`): the interviewer shares at least ``min_shared``
  candidates with colleagues;
- ``"between candidates: assumes interviewers get comparable candidates"`` (:data:`BETWEEN`):
  a *lone* interviewer (a group of one: nobody else interviewed any of their candidates, as with
  one interview per candidate) joins the team on this basis, and so does an interviewer of the team
  who shares fewer than ``min_shared`` candidates. Deliberately the same basis for both: with one or
  two shared candidates the within-candidate part is too thin to rest on (it was the source of
  intervals covering 65-87% on sparse workloads), so the estimate is mostly between candidates
  anyway; it is reported with an interval that includes the candidate variance, and labelled, so a
  hiring lead can discount it where assignment is not random. Blanking these would leave the
  raw mean, which makes the same assumption and adjusts for nothing else (question mix, level);
- empty when the severity is NaN, with the reason in ``severity_note``.

Still NaN with a reason: a **separate team** (a connected group of two or more interviewers who share
candidates among themselves but none with the team): comparing two teams would rest only on the
assumption that the teams hire equally able candidates, and a team that hires differently (another
office, another pipeline) is the common case, so that comparison is not made. Also NaN: the only
interviewer of the data; interviewers with fewer than ``min_rows`` score rows ("not enough evidence
yet"); and an interviewer whose effect is confounded with the questions they ask (they alone ask
them, and nothing else), found numerically (a null direction of the normal equations). With
``lam=0`` (fixed candidate effects) there is no between-candidate information: lone interviewers
are then NaN too. Every linear solve is a Cholesky factorisation of a matrix whose condition number
is checked: no singular solve is ever trusted.

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

Uncertainty: 95% intervals are Wald intervals ``severity +- 1.96 severity_se``, where
``severity_se`` is the larger of two standard errors of the centred severity (panels: see below):

- the **cluster-robust** (sandwich) SE, clustered by candidate (several rows of one candidate are
  not independent evidence), from the GLS score contributions ``X_c' V_c^-1 e_c`` with the CR1
  small-sample factor; it holds when the model's variance assumptions do not (non-additive
  grading, unequal noise), but with few candidates behind an estimate it is too small;
- the **model-based** SE, ``sigma_e^2 (X' V^-1 X)^-1`` of the mixed model, which includes the
  candidate variance through ``V`` (so a between-candidate severity is as uncertain as the spread
  of the candidates it rests on) and does not depend on counting clusters.

**Panels and shadowing.** Where two interviewers score the same answer (same candidate, question
and ``date``), the two scorecards share the answer's own quality, which the random-intercept model
takes for independent evidence: its SE overstates the uncertainty of the comparison between the
two graders, in which that shared part cancels (measured: 10-15% too wide, coverage 97-99%). The
candidate-clustered sandwich sees the real dependence. So for an interviewer most of whose rows
(:data:`PANEL_SHARE`) are such second opinions, ``severity_se`` is the CR1 sandwich alone, with
Student's t on (shared candidates - 1) degrees of freedom.

Chosen by coverage on the validation grid (``validation/se_options.py``, 20 samples per cell,
against the value the estimator gives on 100,000 scorecards of the same world; column ``workbook``
of ``validation/results_se_options.csv``): this rule covers 93.1-97.3% on every cell measured
(nested loops, panels, selection, one interview per candidate, sparse heavy-tailed workloads, two
teams, 300-2000 interviews). CR1 alone with a t on (shared candidates - 1) degrees of freedom, the
first rule, covered 91-96.5% (92% on nested loops); the model-based SE alone 92.5-99%; the larger SE
everywhere 93-99% (97-99% on panels). CR2 / Bell-McCaffrey with Satterthwaite degrees of freedom
needs a per-candidate leverage adjustment of the GLS residuals, and a candidate-cluster bootstrap
refits the model hundreds of times (minutes at a million rows); neither was needed for the 93-97%
target.

How to read it: an interval that excludes zero says the interviewer is reliably harsher (or softer)
than the team; a wide interval (few interviews, or candidates nobody else saw) says "not enough
evidence yet"; a NaN says "not comparable", with the reason beside it. Severity is not a verdict on
the interviewer: a harsh grader who is consistent is easy to correct for; compare the interviewer's
pass rate with the funnel plot too.

References
----------
Patterson, H. D. & Thompson, R. (1971). Recovery of inter-block information when block sizes are
unequal. Biometrika 58(3), 545-554. Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to
cluster-robust inference. Journal of Human Resources 50(2), 317-372. Liang, K.-Y. & Zeger, S. L. (1986).
Longitudinal data analysis using generalized linear models. Biometrika 73(1), 13-22.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import linalg, optimize, special
from scipy.sparse.csgraph import connected_components

from analysis.stats import _codes as _int_codes
from analysis.stats._panels import panel_counts
from analysis.stats._severity_rows import ROW_COLUMNS, FitRows
from analysis.stats._severity_design import Design
from analysis.stats._severity_solve import MAX_CONDITION, Absorbed, by_candidate, chol_solve, narrow, reml_objective

__all__ = ["SeverityFit", "ROW_COLUMNS", "fit_severity", "LAM_BOUNDS", "MAX_CONDITION", "PANEL_SHARE", "WITHIN", "BETWEEN"]

#: Search range of the ridge ratio ``sigma_e^2 / sigma_a^2`` (see the module docstring).
LAM_BOUNDS = (0.01, 100.0)
#: ``severity_basis`` of a severity resting on candidates the interviewer shares with colleagues.
WITHIN = "within-candidate"
#: ``severity_basis`` of a severity resting on comparing the interviewer's candidates with the others'.
BETWEEN = "between candidates: assumes interviewers get comparable candidates"
#: Share of an interviewer's rows in answers that a colleague also scored (panels, shadowing) from
#: which their interval is the sandwich alone (module docstring, "Uncertainty").
PANEL_SHARE = 0.5


@dataclass
class SeverityFit:
    """Result of :func:`fit_severity`.

    Attributes
    ----------
    interviewers : DataFrame
        One row per interviewer: ``interviewer, n_rows, n_candidates, n_shared_candidates, group,
        severity, severity_se, severity_low, severity_high, severity_basis, severity_note``.
        ``group`` numbers the connected groups of interviewers (1 = the largest group; lone
        interviewers, groups of one, join it as the team); ``severity_basis`` says what a severity
        rests on (:data:`WITHIN` or :data:`BETWEEN`); ``severity_note`` is empty when the severity
        is estimated and says why when it is NaN.
    cells : DataFrame
        ``question_id, level, difficulty`` (the fitted ``delta``: expected score of an average
        candidate of that level with an average interviewer).
    rows : DataFrame
        Per input row (same index): ``fitted`` (full model prediction), ``residual``,
        ``leniency`` (``rho`` of the row's interviewer, centred within the interviewer's group,
        score points; 0 where the interviewer's effect is not identified) and ``ability`` (the
        candidate's fitted ``alpha``). Kept as its parts (:class:`~analysis.stats._severity_rows.FitRows`)
        and built when read, a new frame each time: read one column with :meth:`row_column`.
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
    panels : dict
        The design table's counts of the same rows' answers (``twice``, ``retest``:
        :func:`analysis.stats._panels.panel_counts`) and the ``columns`` (candidate, interviewer,
        question, date) they were counted on; empty when not counted (no date column).
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
    panels: dict = field(default_factory=dict)

    def row_column(self, name: str) -> pd.Series:
        """One column of :attr:`rows` (``fitted``, ``residual``, ``leniency`` or ``ability``), without
        building the other three: what a caller that reads one column should use (at ten million rows
        each column is 80 MB). ``residual`` is the fit's own, shared (copy-on-write), not a copy."""
        rows = self.__dict__["_rows"]
        return rows.column(name) if isinstance(rows, FitRows) else rows[name]


def _rows(self) -> pd.DataFrame:
    rows = self.__dict__["_rows"]
    return rows.frame() if isinstance(rows, FitRows) else rows


def _set_rows(self, value) -> None:
    self.__dict__["_rows"] = value


# ``rows`` stays a dataclass field (the constructor and the attribute as before) whose value may be
# kept as :class:`FitRows` and is then built into the frame when read (a new frame on each read)
SeverityFit.rows = property(_rows, _set_rows, doc="Per input row: ``fitted, residual, leniency, ability`` "
                            "(see the class); built from :class:`FitRows` when read, a new frame each time "
                            "(:meth:`SeverityFit.row_column` reads one column).")


def _codes(s: pd.Series):
    """Codes 0..k-1 of the values in sorted order (-1 for missing) and the sorted distinct values."""
    return _int_codes.codes(s, sort=True)


def _panel_share(data, date, c_idx, q_codes, r_idx, n_r):
    """Per interviewer, the share of their rows that score an answer another interviewer also scored
    (same candidate, question and ``date``: a panel or a shadowed interview)."""
    return _second_opinions(data, date, c_idx, q_codes, r_idx, n_r)[0]


def _second_opinions(data, date, c_idx, q_codes, r_idx, n_r):
    """:func:`_panel_share`, and the design table's counts of the same answers
    (:func:`analysis.stats._panels.panel_counts`; an empty dict without dates)."""
    nr = len(n_r)
    if date is None or date not in data.columns or len(data) == 0:
        return np.zeros(nr), {}
    d_idx, _ = narrow(*_codes(data[date]))  # a few thousand dates: int16 while the answers are counted
    # one helper tells the same answer for severity, design diagnostics and inter-rater reliability;
    # here the undated rows of a candidate and question count as one answer (dropna_date=False)
    occasions = _int_codes.answers(c_idx, q_codes, d_idx, dropna_date=False)
    second = occasions.scored_twice(r_idx)
    twice, retest = panel_counts(occasions, c_idx, q_codes, d_idx, r_idx, second)
    share = np.bincount(r_idx, weights=second.astype(float), minlength=nr) / np.maximum(n_r, 1)
    return share, {"twice": twice, "retest": retest}


def _components(c_idx, r_idx, nc, nr, n_r):
    """Connected groups of interviewers in the interviewer-candidate graph, numbered 1 (most rows) up."""
    # the distinct (candidate, interviewer) pairs, sorted: a presence table of candidates x interviewers
    # entries (dense) where that is small next to the rows, as it is on every history (one pass; the sort
    # of ten million keys it replaces took 0.8 s)
    pairs, _ = _int_codes.dense(c_idx.astype(np.int64) * nr + r_idx, nc * nr)
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
        "severity_low": np.nan, "severity_high": np.nan, "severity_basis": [""] * nr, "severity_note": [note] * nr})
    cells = pd.DataFrame({"question_id": pd.Series(dtype=object), "level": pd.Series(dtype=object),
                          "difficulty": pd.Series(dtype=float)})
    rows = pd.DataFrame({"fitted": y, "residual": np.zeros(len(y)), "leniency": np.zeros(len(y)),
                         "ability": np.zeros(len(y))}, index=data.index)
    return SeverityFit(interviewers, cells, rows, lam, np.nan, np.nan, note, np.nan, [note])


def fit_severity(data: pd.DataFrame, candidate: str = "candidate_id", interviewer: str = "interviewer",
                 question: str = "question_id", level: str = "level", score: str = "score",
                 lam: float | None = None, *, min_rows: int = 10, min_shared: int = 3,
                 date: str | None = "date", _variants: bool = False) -> SeverityFit:
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
        Interviewers who share fewer candidates with colleagues are reported on the
        between-candidate basis (``severity_basis``; see "Identification" above): their severity
        would otherwise rest on one or two people.
    date : str or None, default "date"
        Column that, with candidate and question, tells the same answer scored twice (a panel or a
        shadowed interview: two interviewers, one candidate, one question, one day). Interviewers
        most of whose rows are such second opinions get the sandwich interval (see "Uncertainty").
        None, or a column the frame lacks, treats every row as its own answer.

    Returns
    -------
    SeverityFit
        See the class; ``interviewers.severity_note`` says why a severity is missing.

    Examples
    --------
    >>> from analysis.io.load import load
    >>> fit = fit_severity(load().scores)
    >>> fit.interviewers[["interviewer", "severity", "severity_low", "severity_high", "severity_note"]]
    """
    n = len(data)
    if n == 0:
        raise ValueError("fit_severity needs at least one score row; got an empty frame")
    c_idx, c_names = _codes(data[candidate])
    # interviewer, question and level codes in the narrowest type that holds them: each is read
    # through the whole fit, and at ten million rows an int64 code column is 80 MB (a few hundred
    # interviewers fit in int16: 20 MB). Only indexing and bincount read them, which any integer serves
    r_idx, r_names = narrow(*_codes(data[interviewer]))
    qc, qn = narrow(*_codes(data[question]))
    lc, ln = narrow(*_codes(data[level]))
    nl = max(len(ln), 1)
    # the (question, level) cells in sorted order: a presence table of at most questions x levels
    # entries instead of hashing every row (what pd.factorize(sort=True) numbers)
    cell_codes, q_idx = _int_codes.dense(qc.astype(np.int64) * nl + lc, max(len(qn), 1) * nl)
    q_idx, _ = narrow(q_idx, cell_codes)  # the cell codes too: a few hundred cells fit in int16
    q_names = [f"{qn[c // nl]}\x1f{ln[c % nl]}" for c in cell_codes]
    nc, nr, nq = len(c_names), len(r_names), len(q_names)
    n_c = np.bincount(c_idx, minlength=nc).astype(float)
    n_r = np.bincount(r_idx, minlength=nr).astype(float)

    group, pc, pr = _components(c_idx, r_idx, nc, nr, n_r)
    multi = np.bincount(pc, minlength=nc) > 1
    shared = np.bincount(pr[multi[pc]], minlength=nr)
    n_cand = np.bincount(pr, minlength=nr)
    panel_share, panels = _second_opinions(data, date, c_idx, qc, r_idx, n_r)
    if panels:
        panels["columns"] = (candidate, interviewer, question, date)
    notes = []
    fixed_effects = lam is not None and float(lam) == 0.0
    # the team: the largest connected group, joined by every *lone* interviewer (one whose candidates
    # nobody else interviewed: a group of one). A lone interviewer can only be compared through the
    # candidates' random effect (between candidates); a group of two or more who share candidates
    # among themselves but none with the team is a separate team and stays apart (see the docstring)
    comp_size = np.bincount(group)[group]
    team = (group == 1) | ((comp_size == 1) & (not fixed_effects))

    y = data[score].to_numpy(dtype=float)  # after the answers' sort keys (the fit's peak) are gone: 80 MB at 10M
    if np.ptp(y) == 0:
        note = f"every score in the data is {y[0]:g}: there is no difference between interviewers to estimate"
        return _empty_fit(data, r_names, n_r, n_cand, shared, group, y, note)

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
        X = Design(q_idx, keep_cell, r_idx, free_mask)  # kept as codes: 280 MB less at 10M rows
        return X, Absorbed(X, c_idx, y, n_c)

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
                return reml_objective(sys_, float(np.exp(t)), sys_.count, dof)
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
        beta, _, cond = chol_solve(A, b)
    except np.linalg.LinAlgError as exc:
        note = f"the severity model could not be solved reliably ({exc})"
        return _empty_fit(data, r_names, n_r, n_cand, shared, group, y, note, lam=lam)
    CtX, Cty = sys_.CtX, sys_.Cty
    inv = 1.0 / (n_c + lam) if lam > 0 else 1.0 / n_c
    alpha = inv * (Cty - CtX @ beta)
    resid = y - X @ beta - alpha[c_idx]
    # the score as the data holds it when numeric (what FitRows keeps): then the float copy y is not
    # read again, and goes before the sandwich's temporaries (80 MB at ten million rows)
    src = data[score].to_numpy()
    if src.dtype.kind in "iuf":
        del y
    else:
        src = y
    q = float(resid @ resid) + lam * float(alpha @ alpha)  # = y'Hy - b'beta, the REML quadratic form
    s2e = max(q, 0.0) / dof if lam > 0 else float(resid @ resid) / max(n - p - nc, 1)
    sigma_e = float(np.sqrt(s2e))
    sigma_a = float(np.sqrt(s2e / lam)) if lam > 0 else np.nan

    # covariance of beta (see "Uncertainty" in the module docstring). The candidate-clustered
    # score contributions of the GLS estimating equations are X_c' H_c e_c = X_c' r_c, with r the
    # conditional residuals (r = H e): summed per candidate, kept sparse (a dense rows x parameters
    # product would cost gigabytes at a million rows)
    Ainv = linalg.cho_solve(linalg.cho_factor(A, lower=True), np.eye(p))
    U = by_candidate(X, c_idx, nc, resid)
    meat = (U.T @ U).toarray()
    cov_cr1 = Ainv @ meat @ Ainv * (nc / max(nc - 1, 1) * (n - 1) / max(n - p, 1))
    cov_model = s2e * Ainv
    covs = {"cr1": cov_cr1, "model": cov_model}

    # interviewer effects: reference 0, centred by row share within the team (and within each
    # separate group), sign flipped (+ = harsher)
    unit = np.where(team, 1, group)
    rho = np.zeros(nr)
    pos = np.full(nr, -1)
    pos[np.flatnonzero(free)] = nk + np.arange(int(free.sum()))
    rho[free] = beta[pos[free]]
    sev = np.full(nr, np.nan)
    ses = {k: np.full(nr, np.nan) for k in covs}
    leniency = np.zeros(nr)
    for g in np.unique(unit):
        m = np.flatnonzero((unit == g) & ~confounded)
        w = n_r[m] / n_r[m].sum()
        L = -(np.eye(len(m)) - np.outer(np.ones(len(m)), w))
        s_g = L @ rho[m]
        leniency[m] = -s_g
        if g == 1:
            sev[m] = s_g
            idx = pos[m]
            ok = idx >= 0
            for k, cov in covs.items():
                cov_r = np.zeros((len(m), len(m)))
                cov_r[np.ix_(ok, ok)] = cov[np.ix_(idx[ok], idx[ok])]
                ses[k][m] = np.sqrt(np.clip(np.diag(L @ cov_r @ L.T), 0, None))
    between = team & (shared < min_shared)
    if _variants:
        extra = {f"se_{k}": v for k, v in ses.items()}
    # the larger of the sandwich and the model-based SE, with a normal quantile; for interviewers
    # whose rows are mostly second opinions of a shared answer (panels), the sandwich with a t on
    # shared candidates - 1 (module docstring, "Uncertainty": chosen by coverage on the validation
    # grid, validation/se_options.py)
    panel = panel_share >= PANEL_SHARE
    df_t = np.maximum(shared - 1, 1).astype(float)
    tq = np.where(panel, special.stdtrit(df_t, 0.975), special.ndtri(0.975))
    se = np.where(panel, ses["cr1"], np.fmax(ses["cr1"], ses["model"]))

    note = np.full(nr, "", dtype=object)
    team_size = int(team.sum())
    for g in np.unique(unit[unit != 1]):
        members = [str(r_names[i]) for i in np.flatnonzero(unit == g)]
        notes.append(f"{_join(members)} share{'s' if len(members) == 1 else ''} no candidate with the rest of the team "
                     f"({team_size} interviewers): their severities are not comparable to the others'")
    for i in range(nr):
        if unit[i] != 1:
            note[i] = f"shares no candidate with the main team (group 1); in group {group[i]}"
        elif confounded[i]:
            note[i] = "confounded with the questions this interviewer asks: nobody else asks them of the same candidates"
        elif team_size == 1:
            note[i] = "the only interviewer in the team: nothing to compare with"
        elif n_r[i] < min_rows:
            note[i] = f"only {int(n_r[i])} score rows (fewer than {min_rows}): not enough evidence yet"
    bad = note != ""
    sev[bad] = np.nan
    se[bad] = np.nan
    basis = np.where(bad, "", np.where(between, BETWEEN, WITHIN)).astype(object)
    lone = team & ~bad & between
    if lone.all() and team_size > 1:
        notes.append("no candidate was interviewed by two interviewers: every severity compares one interviewer's "
                     "candidates with the others' and is right only if interviewers get comparable candidates")
    elif lone.any():
        notes.append(f"{_join(str(r_names[i]) for i in np.flatnonzero(lone))}: share{'s' if lone.sum() == 1 else ''} "
                     f"fewer than {min_shared} candidates with colleagues; their severities compare their candidates "
                     "with the others' and are right only if interviewers get comparable candidates")

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
        "severity_basis": basis,
        "severity_note": note,
    })
    if _variants:
        for k, v in extra.items():
            interviewers[k] = np.where(bad, np.nan, v)
        interviewers["df_within"] = np.maximum(shared - 1, 1)
        interviewers["df_cand"] = np.maximum(n_cand - 1, 1)
        interviewers["between"] = between
        interviewers["panel_share"] = panel_share
    # difficulty of each cell: expected score for an average candidate (alpha mean 0) graded by an
    # average interviewer of the team
    m1 = team & ~confounded
    mean_rho = float(n_r[m1] @ rho[m1] / n_r[m1].sum())
    delta = np.full(nq, np.nan)
    delta[keep_cell] = beta[:nk]
    if fixed_effects:
        delta[~keep_cell] = 0.0
    split = pd.Series(np.asarray(q_names, dtype=object)).str.split("\x1f", expand=True)
    cells = pd.DataFrame({"question_id": split[0].to_numpy(), "level": split[1].to_numpy(),
                          "difficulty": delta + mean_rho + alpha.mean()})
    # the rows kept as their parts (FitRows: why), the score as the data holds it when numeric
    rows = FitRows(data.index, src, resid, leniency, r_idx, alpha, c_idx)
    return SeverityFit(interviewers, cells, rows, float(lam), sigma_e, sigma_a, lam_note, float(cond), notes, panels)


def _join(names):
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    if len(names) > 6:
        return ", ".join(names[:5]) + f" and {len(names) - 5} others"
    return ", ".join(names[:-1]) + " and " + names[-1]
