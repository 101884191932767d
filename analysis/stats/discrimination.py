"""Adjusted discrimination with bootstrap intervals over candidates, done as array work.

The headline ``discrimination`` of a question (or topic, or level) is the **pooled within-level
correlation** between the interviewer-adjusted score and the criterion:

1. each score is corrected for its interviewer's severity (``score + severity``, see
   :mod:`analysis.stats.severity`), so a question asked mostly by harsh graders is not penalised;
2. within each candidate level, score and criterion are centred on that level's means for the
   question, so a question asked mostly of seniors (who both score higher and pass more) does not
   look discriminating merely because of who was asked it;
3. the within-level covariances and variances are pooled across levels:
   ``r = sum_L cov_L / sqrt(sum_L var_x,L * sum_L var_y,L)``.

This is a partial (stratified) point-biserial correlation when the criterion is binary and a
partial Pearson correlation when it is continuous. Higher means the question separates strong from
weak candidates better.

How to read it (Ebel's bands, which Ebel & Frisbie give for the discrimination index and which are
commonly applied to item-criterion correlations):

=============  ===================  =========================================
discrimination band                 what to do
=============  ===================  =========================================
>= 0.40        very good            keep
0.30 - 0.39    good                 keep; little to improve
0.20 - 0.29    marginal             revise: rubric, wording or follow-ups
< 0.20         poor                 rewrite or retire
=============  ===================  =========================================

A question answered by fewer than ``min_n`` candidates is banded ``too few`` whatever its value:
its interval is too wide to act on.

The 95% interval comes from a bootstrap over **candidates** (not rows: a candidate's answers are
not independent evidence), using Poisson(1) resampling weights (drawn by a 16-bit inverse-CDF
lookup) (Hanley & MacGibbon 2006; Chamandy et al. 2012), which for hundreds of candidates matches
the classical bootstrap and turns every replicate into one matrix product: each group's sums (n, x,
y, x², y², xy per level) for all replicates are ``features.T @ weights``. The interval is normal on
**Fisher's z scale**, ``tanh(atanh(r) ± 1.96 sd*(atanh r))`` with ``sd*`` the bootstrap standard
deviation of ``atanh`` of the replicates (in its small-sample form, below: Student's t on the
candidates - 1 and the ``m / (m - 1)`` variance factor): z is close to normal for a correlation, so this smooths
the ends that a percentile interval reads off the 2.5% tails of ~1000 replicates, and it is the
same form the influence-function interval of large groups uses (below). Chosen by coverage on the
validation worlds (``validation/disc_options.py``: 15 samples x 24 questions per cell against the
value on 100,000 scorecards, 6 cells): Fisher 92-96% where the percentile interval covered 90-96% and BCa
(acceleration from the influence values) 91-95%; at no extra cost (one ``arctanh`` of the
replicates).

The severity estimate's own error
---------------------------------
The bootstrap holds the severities at their full-data estimates, but ``x`` is adjusted with them and,
under the ``recommendation`` and ``rest`` criteria, the rest-score criterion ``y`` is built from them
too. Given the severity fit (``first_step``, from :func:`rater_first_step`; the calibration tables pass
it), the interval adds a **two-step (Murphy-Topel style) delta-method term** on Fisher's z scale:
``var(z) = var_boot(z) + G V G' / (1 - r^2)^2``, with ``G`` the gradient of the group's pooled
correlation with respect to each interviewer's severity, from the same centred rows as the influence
function (``_disc_first_step.first_step_variance``: through ``x`` of the interviewer's rows and through the rest score
of their candidates' other rows), and ``V`` the severities' covariance, here **diagonal**
(``severity_se**2``; the fit does not expose the full covariance, and the centring constraint drops out
because ``G`` sums to zero over interviewers). The term assumes the two steps' errors independent (no
cross term). It vanishes where it should: one interviewer, or one per level of a group (a common
shift within a level is removed by the within-level centring), and severities known exactly
(``V = 0``); it matters for a question asked mostly, not only, by one interviewer whose severity is
uncertain, and where who grades whom is not random (selection into later loops, one interview per
candidate). Cost: at 1M score rows about 0.04 s to build the step (once per calibration: its
question, topic and level tables share it) and 0.08 s per table.

How much of the shortfall it explains, measured in ``validation/disc_severity.py`` (coverage of the
headline on 100,000 scorecards of the same world, 95% intervals, ``n_boot=200``):

- **Little.** A candidate bootstrap that *re-fits the severity model* in each of 50 replicates
  (severities and cell difficulties re-estimated, the full covariance implicitly) is only 0-1.3%
  wider (median per cell) than the same replicates with the fit held fixed, and covers the same
  (8 cells at 300-2000 interviews, 144-288 intervals each). The delta term is 0.1-2.2% wider, in
  line with it (slightly wider: the diagonal ``V`` and no cross term).
- Over every world of the study at 300 and 600 interviews (28 cells, 10,080 intervals, the study's
  own samples) mean coverage goes from **94.27% to 94.48%**, cells within 93-97% from 23 to 24,
  none pushed above 97% (single interview/additive/300 was 97.5% and stays); on 28 cells of fresh
  samples (sample seeds + 500) from **93.36% to 93.63%**, 17 to 20 cells within the band, none
  above 97%. Largest effects where assignment is not random: selection/graded/300 94.2 -> 96.2%
  (fresh 95.8 -> 96.7%), selection/additive/300 93.3 -> 94.2%; panels and nested loops move by
  0-0.5 points (the width by 0.1-0.7%). At 2,000 interviews (14 cells, 8 samples each) the width
  moves by 0-0.8%, the coverage in 2 cells (sparse heavy/additive 96.4 -> 96.9%, selection/graded
  95.3 -> 95.8%), mean 94.35 -> 94.42%.
- The rest of the shortfall is not the severities: the standardised errors ``(z - z*) / sd_boot``
  have SD 1.05-1.11 in the 8 cells whether the fit is held or re-fitted, i.e. the candidate
  bootstrap's SD is some 5% small with 25-200 candidates per question. The bootstrap variance is
  the plug-in variance, ``(m - 1) / m`` times the unbiased one for ``m`` candidates (the influence
  function's SE below carries the same ``m / (m - 1)``), and a standardised statistic with an
  estimated SD is referred to Student's t. So the interval is the **small-sample form**
  ``tanh(z -+ t_{m-1} * sqrt(m / (m - 1) * var_boot(z) + var_first_step(z)))`` (:func:`_fisher_interval`).
  Measured in ``validation/disc_severity.py`` (28 cells at 300-600 interviews): mean coverage 95.3%
  on the study's samples and 94.3% on fresh ones with the severity term (94.5% / 93.6% with the
  normal quantile), with two cells at 97.1-97.5% (selection/graded/300, one interview/additive/300,
  which was at 97.5% before); the full grid of ``validation/RESULTS.md`` is computed with it.

Large groups: a group answered by ``influence_min`` candidates or more (5,000 by default) gets a
normal-theory interval from the **influence function** of the pooled correlation instead of the
bootstrap, on Fisher's z scale: with thousands of independent candidates the bootstrap distribution
of a correlation is normal to well within its own Monte Carlo error, and the influence function gives
the same standard error in one pass over the rows instead of a thousand (at a million score rows,
milliseconds instead of seconds). Each candidate's contribution to the pooled within-level sums,
``a_i`` (cross-products), ``b_i`` and ``c_i`` (squares), gives the linearisation
``IF_i = a_i / sqrt(B C) - r/2 (b_i / B + c_i / C)`` of ``r = A / sqrt(B C)``, and
``se(r)^2 = n / (n - 1) * sum IF_i^2`` (candidates as clusters, like the bootstrap); centring on
the estimated level means changes it only at second order. ``method="bootstrap"`` forces the
bootstrap everywhere; the tests check the two agree within the bootstrap's own Monte Carlo error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.stats import _codes
from analysis.stats._disc_intervals import (_acceleration, _bca, _fisher_interval, _influence_interval, _replicates,
                                            pooled_within_r)
from analysis.stats._disc_first_step import candidates_of_kept, first_step_variance
from analysis.stats._unit_sums import BLOCK, CentredRows, unit_sums

__all__ = ["EBEL_BANDS", "EBEL_EDGES", "ebel_band", "pooled_within_r", "grouped_discrimination", "kept_rows", "KeptRows",
           "rater_first_step", "RaterStep"]

#: Ebel's bands of a discrimination index (Ebel & Frisbie 1991), highest first: ``(lower edge, name)``.
#: The one definition: the tables' ``band``, the charts' band guides and the brief's thresholds read it.
EBEL_BANDS = ((0.40, "very good"), (0.30, "good"), (0.20, "marginal"), (-np.inf, "poor"))
#: The lower edge of each band by name (``EBEL_EDGES["good"]`` is 0.30).
EBEL_EDGES = {name: edge for edge, name in EBEL_BANDS}


def ebel_band(d, n=None, min_n: int = 30):
    """Ebel's band of a discrimination value (vectorised; :data:`EBEL_BANDS`); ``too few`` when ``n < min_n``."""
    d = np.asarray(d, dtype=float)
    out = np.select([d >= edge for edge, _ in EBEL_BANDS], [name for _, name in EBEL_BANDS], "n/a")
    out = np.where(np.isnan(d), "n/a", out)
    if n is not None:
        out = np.where(np.asarray(n) < min_n, "too few", out)
    return out


@dataclass(frozen=True, eq=False)
class KeptRows:
    """The rows :func:`grouped_discrimination` uses and their codes, which do not depend on the
    grouping: built once by :func:`kept_rows` and shared by every table of one frame, so that a
    million-row frame is read, masked and coded once rather than once per table (issue 26)."""

    keep: np.ndarray            # per row of the frame: x and y both present
    x: np.ndarray               # x of the kept rows (not centred)
    y: np.ndarray               # y of the kept rows
    stratum: tuple              # codes (sorted) and names of the kept rows' stratum
    candidate: tuple            # codes (by appearance) and names of the kept rows' candidate
    _memo: dict = field(default_factory=dict, repr=False)

    def memo(self, key, of, compute):
        """``compute()`` of the object ``of`` (e.g. a first step's arrays, read for the kept rows),
        made once for these rows and kept while ``of`` is the object given (not merely equal)."""
        hit = self._memo.get(key)
        if hit is None or hit[0] is not of:
            hit = self._memo[key] = (of, compute())
        return hit[1]


def kept_rows(data: pd.DataFrame, x: str, y: str, stratum: str, candidate: str) -> KeptRows:
    """The :class:`KeptRows` of ``data``: the one rule for which rows the headline reads (those
    ``dropna(subset=[x, y])`` keeps) and the integer codes of their stratum and candidate, taken
    from the codes of the whole columns (categorical columns by their codes, text columns
    factorised once per report; issue 11)."""
    xv = data[x].to_numpy(float, na_value=np.nan)
    yv = data[y].to_numpy(float, na_value=np.nan)
    keep = ~np.isnan(xv) & ~np.isnan(yv)
    if len(keep) and keep.all():
        # every row kept: subset's renumbering of the kept codes is the identity (sorted codes are
        # dense, codes by appearance are by appearance), so the columns' own codes, without subset's
        # five 8-byte row-length arrays each (800 MB of temporaries at ten million rows)
        (s_codes, s_names), (c_codes, c_names) = (_codes.codes(data[stratum], sort=True),
                                                  _codes.codes(data[candidate], sort=False))
    else:
        (s_codes, s_names), (c_codes, c_names) = (_codes.subset(data[stratum], keep, sort=True),
                                                  _codes.subset(data[candidate], keep, sort=False))
    if keep.all():
        # every row kept (the common case): the columns' own values, read-only views of the frame's
        # where they are float64 already, not copies (160 MB held under the three tables at ten
        # million rows; issue 26)
        xv, yv = (_read_only(v) for v in (xv, yv))
    else:
        xv, yv = xv[keep], yv[keep]
    # kept for every table of the frame: as the narrowest integers that hold them (the sums and keys
    # made from them are int64 either way)
    return KeptRows(keep, xv, yv, (_codes.narrow(s_codes), s_names), (_codes.narrow(c_codes), c_names))


def _read_only(v: np.ndarray) -> np.ndarray:
    """A view of ``v`` that refuses writes: the kept rows may be the frame's own column, which a
    table must never change (the headline centres into new arrays)."""
    v = v.view()
    v.flags.writeable = False
    return v


def _unit_parts(u_key: np.ndarray, nc: int, ns: int):
    """``(group, candidate, stratum)`` codes of unit keys ``(g * nc + c) * ns + s``: the group as
    intp (every bincount by group reads it, and would convert narrower codes on each call), the
    candidate and stratum as the narrowest integers that hold them (they are only compared and
    indexed with)."""
    rest = u_key // ns
    us = _codes.narrow(u_key - rest * ns)  # u_key % ns, without a second division
    uc = _codes.narrow(rest % nc)
    rest //= nc
    return rest.astype(np.intp, copy=False), uc, us


def grouped_discrimination(data: pd.DataFrame, group: str, x: str, y: str, stratum: str, candidate: str,
                           *, n_boot: int = 1000, seed: int = 0, ci: float = 0.95, block: int = 100,
                           progress: bool = False, method: str = "auto",
                           influence_min: int = 5000, first_step: "RaterStep | None" = None,
                           rows: "KeptRows | None" = None) -> pd.DataFrame:
    """Pooled within-stratum correlation of ``x`` with ``y`` per ``group``, with a bootstrap interval
    over ``candidate``.

    Parameters
    ----------
    data : DataFrame
        Long format; rows with a missing ``x`` or ``y`` are ignored.
    group : str
        Column to report by (``question_id``, ``topic``, ...).
    x, y : str
        The (adjusted) score and the criterion.
    stratum : str
        Column within which both are centred (the candidate's level).
    candidate : str
        The resampling unit.
    n_boot : int
        Bootstrap replicates (0 for none).
    seed : int
        Seed of the replicate weights: the same seed gives the same intervals.
    method : {"auto", "bootstrap", "influence"}
        How the interval is found: ``"bootstrap"`` (Poisson bootstrap over candidates) for every
        group, ``"influence"`` (influence-function standard error on Fisher's z scale) for every
        group, or ``"auto"``: the influence function for groups with ``influence_min`` candidates
        or more, where it equals the bootstrap within the bootstrap's Monte Carlo error at a
        fraction of the cost, the bootstrap for the rest.
    influence_min : int
        The group size (candidates) from which ``"auto"`` uses the influence function.
    first_step : RaterStep, optional
        The first-step estimates ``x`` (and a rest-score ``y``) were built with, from
        :func:`rater_first_step` on the same ``data``: the interval then also carries their own
        error (a delta-method term, see "The severity estimate's own error" in the module
        docstring). None: they are taken as known (the interval as before).
    rows : KeptRows, optional
        :func:`kept_rows` of the same ``data``, ``x``, ``y``, ``stratum`` and ``candidate``: the
        row-level work that does not depend on ``group``, done once when several groupings of one
        frame are computed (the question, topic and level tables). None: done here.

    Returns
    -------
    DataFrame
        Indexed by ``group``: ``n_rows``, ``n_candidates``, ``discrimination``,
        ``discrimination_low``, ``discrimination_high`` (the 95% interval, normal on Fisher's z),
        ``discrimination_se`` (bootstrap SD, or the influence-function SE, combined with the
        first step's term when it is given) and ``discrimination_se_first_step`` (that term's SE
        alone on the correlation scale; 0 without a first step).
    """
    if method not in ("auto", "bootstrap", "influence"):
        raise ValueError(f"grouped_discrimination: method must be 'auto', 'bootstrap' or 'influence'; "
                         f"got {method!r}")
    if rows is None:
        rows = kept_rows(data, x, y, stratum, candidate)
    elif len(rows.keep) != len(data):
        raise ValueError(f"grouped_discrimination: rows describes {len(rows.keep)} rows and data has {len(data)}; "
                         "build it with kept_rows on the same frame")
    keep, xv, yv = rows.keep, rows.x, rows.y
    (s_codes, s_names), (c_codes, c_names) = rows.stratum, rows.candidate
    # every row kept (the common case): the kept rows' codes are the column's own, so none of
    # subset's row-length copies (five 8-byte arrays a row, the level table's peak at ten million rows)
    g_codes, g_names = (_codes.codes(data[group], sort=True) if len(keep) and keep.all()
                        else _codes.subset(data[group], keep, sort=True))
    g_codes = _codes.narrow(g_codes)  # read by the keys and the first step: a quarter of the memory or less
    ng, ns, nc = len(g_names), max(len(s_names), 1), max(len(c_names), 1)
    if first_step is not None and len(first_step.rater) != len(data):
        raise ValueError(f"grouped_discrimination: first_step describes {len(first_step.rater)} rows and data "
                         f"has {len(data)}; build it with rater_first_step on the same frame")
    n_rows, point, var_fs, low, high, se = (np.full(ng, np.nan) for _ in range(6))
    n_cand = np.zeros(ng, dtype=np.int64)
    boot_units = []  # (feats, ug, us) of the groups left to the bootstrap, chunk by chunk
    full_all = np.zeros((ng, ns, 6))
    # every group's numbers are its own rows' (its cells, units and their sums): the groups are taken
    # a chunk of rows at a time, so the units' sums and their first-step parts are held for one chunk
    # only (at ten million rows the question table's peak was every unit's sums at once; issue 26)
    for g0, g1 in _group_chunks(g_codes, ng, _chunks_allowed(first_step, rows)):
        if g0 == 0 and g1 == ng:
            sel, gc, xc, yc, sc, cc = None, g_codes, xv, yv, s_codes, c_codes
        else:
            sel = np.flatnonzero((g_codes >= g0) & (g_codes < g1))
            gc, xc, yc, sc, cc = g_codes[sel] - g_codes.dtype.type(g0), xv[sel], yv[sel], s_codes[sel], c_codes[sel]
        part = _chunk(gc, g1 - g0, xc, yc, sc, cc, ns, nc, first_step=first_step, rows=rows, sel=sel,
                      c_all=c_codes, n_boot=n_boot, method=method, influence_min=influence_min, ci=ci)
        del sel, gc, xc, yc, sc, cc
        g = slice(g0, g1)
        (full_all[g], n_rows[g], n_cand[g], point[g], var_fs[g], low[g], high[g], se[g]) = part[:8]
        if part[8] is not None:
            f, ug, us = part[8]
            boot_units.append((f, ug + g0, us))
        del part
    del xv, yv, g_codes
    if boot_units:
        feats, ug, us = (np.concatenate(parts) for parts in zip(*boot_units))
        del boot_units
        if len(ug):
            boot = np.zeros(ng, dtype=bool)
            boot[ug] = True
            bl, bh, bse = _bootstrap_interval(feats, ug, us, ng, ns, n_boot=n_boot, seed=seed, ci=ci, block=block,
                                              progress=progress, group=group, full=full_all, point=point,
                                              var_fs=var_fs)
            low[boot], high[boot], se[boot] = bl[boot], bh[boot], bse[boot]
    out = pd.DataFrame({"n_rows": n_rows.astype(int), "n_candidates": n_cand, "discrimination": point,
                        "discrimination_low": low, "discrimination_high": high, "discrimination_se": se,
                        "discrimination_se_first_step": np.sqrt(var_fs)},
                       index=pd.Index(g_names, name=group))
    return out


#: Rows of one chunk of groups in :func:`grouped_discrimination` (a group is never split): 2**21
#: rows' units' sums are some 60 MB, and a million-row frame is one chunk, as before
_CHUNK_ROWS = 1 << 21


def _chunks_allowed(step, rows) -> bool:
    """Whether the groups may be taken in chunks with the same bits. Everything per group is its own
    rows' but one thing: the rest score's (group, candidate) sums go through scipy's
    ``sum_duplicates``, which sorts the columns of every row of the matrix once any row is unsorted
    (and its sort may reorder a candidate's repeated entries). With the kept rows' own candidate
    codes (the common case, :func:`~analysis.stats._disc_first_step.candidates_of_kept`) no row is
    unsorted in any chunk or in the whole; otherwise the groups stay together."""
    if step is None or step.w_c is None:
        return True
    return rows.memo("cand", step, lambda: candidates_of_kept(step, rows)) is rows.candidate[0]


def _group_chunks(g_codes: np.ndarray, ng: int, allowed: bool):
    """``(g0, g1)`` ranges of group codes holding about :data:`_CHUNK_ROWS` rows each (one range of
    every group when they fit, or may not be split)."""
    if not allowed or len(g_codes) <= _CHUNK_ROWS:
        return [(0, ng)]
    per_group = np.zeros(ng, dtype=np.int64)
    for start in range(0, len(g_codes), BLOCK):  # no row-length intp copy of the narrow codes
        per_group += np.bincount(g_codes[start:start + BLOCK], minlength=ng)
    out, g0, rows_in = [], 0, 0
    for g in range(ng):
        rows_in += per_group[g]
        if rows_in >= _CHUNK_ROWS or g == ng - 1:
            out.append((g0, g + 1))
            g0, rows_in = g + 1, 0
    return out


def _chunk(g_codes, ng, xv, yv, s_codes, c_codes, ns, nc, *, first_step, rows, sel, c_all, n_boot, method,
           influence_min, ci):
    """The headline's numbers of the groups ``0 .. ng`` of one chunk (their rows' codes and values):
    each group's stratum sums, rows, candidates, point estimate, first-step variance and, for the
    groups the influence function takes, the interval; and the units (sums, group, stratum) of the
    groups left to the bootstrap, which :func:`grouped_discrimination` runs over every chunk's at once
    (one seeded stream of replicate weights)."""
    # one unit = (group, candidate, stratum): its six sums
    # centre within (group, stratum) first: the correlation is unchanged and the float32 sums of the
    # bootstrap stay free of cancellation. The centred rows are never held whole: they are made a
    # block of rows at a time wherever they are read (the units' sums here, the first step's rows),
    # with the bits of the whole-array code (see analysis.stats._unit_sums; issue 26: at ten million
    # rows they and the products' buffer were 240 MB under the process's peak)
    centred = CentredRows(xv, yv, g_codes, s_codes, ns)
    # units sorted by group, then candidate, then stratum; sums by bincount over the unit code
    key = g_codes.astype(np.int64)  # (g * nc + c) * ns + s
    key *= nc
    key += c_codes
    key *= ns
    key += s_codes
    u_key, u_idx = _codes.dense(key, max(ng, 1) * nc * ns)
    del key
    feats = unit_sums(centred, u_idx, len(u_key))
    del u_idx
    ug, uc, us = _unit_parts(u_key, nc, ns)
    del u_key
    cell_u = ug * ns
    cell_u += us
    full = np.column_stack([np.bincount(cell_u, feats[:, j], minlength=ng * ns) for j in range(6)]).reshape(ng, ns, 6)
    del cell_u
    point = pooled_within_r(full)
    n_rows = full[..., 0].sum(-1)
    # units are sorted by (group, candidate, stratum): a candidate's units within a group are adjacent
    first_unit = np.ones(len(ug), dtype=bool)
    if len(ug):
        np.not_equal(ug[1:], ug[:-1], out=first_unit[1:])
        first_unit[1:] |= uc[1:] != uc[:-1]
    n_cand = np.bincount(ug[first_unit], minlength=ng)
    del first_unit
    # variance of each group's r from the first step's estimates (delta method), 0 without one
    var_fs = np.zeros(ng)
    if first_step is not None:
        var_fs = first_step_variance(first_step, rows=rows, centred=centred, g_codes=g_codes, c_codes=c_all,
                                     nc=nc, feats=feats, ug=ug, uc=uc, ng=ng, point=point, full=full, sel=sel)
    # the row-length arrays end here: the intervals read the units only (the peak of the question
    # table at ten million rows was these rows held under the influence values)
    del uc, centred
    low, high, se = (np.full(ng, np.nan) for _ in range(3))
    boot_units = None
    if n_boot > 0 and len(ug):
        if method == "bootstrap":
            by_influence = np.zeros(ng, dtype=bool)
        elif method == "influence":
            by_influence = np.ones(ng, dtype=bool)
        else:
            by_influence = n_cand >= influence_min
        if by_influence.all():
            il, ih, ise = _influence_interval(full, feats, ug, us, point, ci, var_fs)
        elif by_influence.any():  # only the units of those groups: each group's numbers are its own units'
            sel_u = by_influence[ug]
            il, ih, ise = _influence_interval(full, feats[sel_u], ug[sel_u], us[sel_u], point, ci, var_fs)
            del sel_u
        if by_influence.any():
            low[by_influence], high[by_influence], se[by_influence] = (
                il[by_influence], ih[by_influence], ise[by_influence])
        if not by_influence.all():
            keep = ~by_influence[ug]
            boot_units = (feats[keep], ug[keep], us[keep])
    return full, n_rows, n_cand, point, var_fs, low, high, se, boot_units



#: How the bootstrap gives the interval: ``"fisher"`` (default: normal on Fisher's z with the
#: bootstrap SD of z), ``"percentile"`` or ``"bca"``; see the module docstring for the measurement.
_INTERVAL = "fisher"


def _bootstrap_interval(feats, ug, us, ng, ns, *, n_boot, seed, ci, block, progress, group, full=None, point=None,
                        var_fs=None):
    """Interval (see :data:`_INTERVAL`) and SD of the pooled correlation per group over Poisson(1)
    replicates; ``var_fs`` (per group, correlation scale) is the first step's variance, added on
    Fisher's z scale (and to the SD)."""
    low, high, se = (np.full(ng, np.nan) for _ in range(3))
    if not len(ug):
        return low, high, se
    rng = np.random.default_rng(seed)
    starts = np.flatnonzero(np.r_[True, ug[1:] != ug[:-1]])
    ends = np.r_[starts[1:], len(ug)]
    kmax = int((ends - starts).max())
    reps = np.full((ng, n_boot), np.nan)
    blocks = range(0, n_boot, block)
    if progress:
        from tqdm.auto import tqdm
        blocks = tqdm(blocks, desc=f"bootstrap by {group}", unit="block")
    # one BLAS thread: the products are small and many, and OpenBLAS's spinning threads cost far
    # more than they save on a busy 2-core machine (measured: 2 s vs 0.04 s for one product)
    with threadpool_limits(1, "blas"):
        reps = _replicates(reps, blocks, rng, kmax, nb_total=n_boot, block=block, starts=starts, ends=ends,
                           us=us, ug=ug, feats=feats, ns=ns)
    alpha = (1 - ci) / 2
    # groups left to the influence function (or with no units) have no replicates
    has = np.isfinite(reps).any(axis=1)
    var_fs = np.zeros(ng) if var_fs is None else np.asarray(var_fs, float)
    with np.errstate(all="ignore"):
        se[has] = np.sqrt(np.nanvar(reps[has], axis=1) + var_fs[has])
        rc = np.clip(point[has], -0.999999, 0.999999)
        z0 = np.arctanh(rc)
        vz_fs = var_fs[has] / (1 - rc ** 2) ** 2  # the first step's variance on the z scale
        if _INTERVAL == "fisher":
            m = np.zeros(ng)
            m[ug[starts]] = ends - starts  # candidates (units) per group
            zr = np.arctanh(np.clip(reps[has], -0.999999, 0.999999))
            low[has], high[has] = _fisher_interval(z0, np.nanvar(zr, axis=1), vz_fs, m[has], alpha)
        else:
            if _INTERVAL == "percentile":
                lo = np.nanquantile(reps[has], alpha, axis=1)
                hi = np.nanquantile(reps[has], 1 - alpha, axis=1)
            else:  # bca
                lo, hi = _bca(reps[has], point[has], _acceleration(full, feats, ug, us, point)[has], alpha)
            # the first step widens the ends on the z scale by the ratio of the variances
            vz = np.nanvar(np.arctanh(np.clip(reps[has], -0.999999, 0.999999)), axis=1)
            f = np.sqrt(1 + np.where(vz > 0, vz_fs / vz, 0.0))
            zl, zh = np.arctanh(np.clip(lo, -0.999999, 0.999999)), np.arctanh(np.clip(hi, -0.999999, 0.999999))
            wide = vz_fs > 0  # unchanged (to the bit) without a first step
            low[has] = np.where(wide, np.tanh(z0 - f * (z0 - zl)), lo)
            high[has] = np.where(wide, np.tanh(z0 + f * (zh - z0)), hi)
    return low, high, se


@dataclass
class RaterStep:
    """The first step of a two-step headline: per row, the rater whose estimate ``x`` was adjusted
    with, the estimates' (co)variance, and for a rest-score ``y`` the structure of that rest
    score. Built by :func:`rater_first_step`; read by :func:`grouped_discrimination`."""

    rater: np.ndarray            # per row: code of the rater, -1 for none (a narrow integer type)
    cov: np.ndarray              # (k,) variances or (k, k) covariance, 0 for unknown
    cand: np.ndarray | None      # per row, for a rest score: the candidate's code, -1 for none
    w_c: np.ndarray | None       # per candidate: 1 / (the candidate's rows - 1), 0 for one row
    n_ck: object | None          # for a rest score: CSR candidates x raters, the candidate's rows per rater


def rater_first_step(data: pd.DataFrame, rater: str, rater_var, *, candidate: str | None = None,
                     y_is_rest: bool = False) -> RaterStep:
    """Describe how ``x`` (and ``y``) of ``data`` depend on per-rater first-step estimates, for
    :func:`grouped_discrimination`'s ``first_step``.

    Parameters
    ----------
    data : DataFrame
        The frame that will be given to :func:`grouped_discrimination` (same rows, same order).
    rater : str
        Column naming, per row, the rater whose estimate adjusted ``x`` one-for-one:
        ``x = score + severity[rater]`` (the severity-adjusted score).
    rater_var : Series or DataFrame
        The estimates' variances (a Series indexed by rater: a diagonal approximation) or their
        covariance (a square DataFrame, raters as index and columns). Raters missing from it, and
        NaN entries, count as known exactly (0).
    candidate : str, optional
        The candidate column; needed with ``y_is_rest``.
    y_is_rest : bool, default False
        ``y`` is the candidate's rest score: the mean, over the candidate's *other* rows of
        ``data``, of a basis that moves one-for-one with the estimate of each row's rater (the
        ``recommendation`` and ``rest`` criteria of :mod:`analysis.stats.criteria`). False: ``y`` does
        not depend on the estimates (``decision``, ``performance``).
    """
    import scipy.sparse as sp  # deferred: scipy.sparse costs start-up time and only the first step needs it

    r_all, r_names = _codes.codes(data[rater], sort=True)
    k = max(len(r_names), 1)
    keys = pd.Index(r_names).astype(str)
    if isinstance(rater_var, pd.DataFrame):
        cov = rater_var.set_axis(rater_var.index.astype(str), axis=0).set_axis(rater_var.columns.astype(str), axis=1)
        cov = cov.reindex(index=keys, columns=keys).to_numpy(float)
    else:
        rv = pd.Series(rater_var)
        cov = rv.set_axis(rv.index.astype(str)).reindex(keys).to_numpy(float)
    cov = np.nan_to_num(cov)
    if len(r_names) == 0:
        cov = np.zeros((1, 1)) if cov.ndim == 2 else np.zeros(1)
    # held per row for every table of the slice: the narrowest type holding -1 .. k (the first step
    # writes k for "no rater"), 1-2 bytes a row instead of int64's 8 (issue 26)
    r_all = np.asarray(r_all).astype(next(t for t in (np.int8, np.int16, np.int32, np.int64) if k <= np.iinfo(t).max),
                                     copy=False)
    if not y_is_rest:
        return RaterStep(r_all, cov, None, None, None)
    if candidate is None:
        raise ValueError("rater_first_step: y_is_rest needs the candidate column (candidate=...)")
    c_all, _ = _codes.codes(data[candidate], sort=False)
    # held per row for every table of the slice, like the raters: the narrowest type (int32 for up to
    # two billion candidates) instead of int64, 40 MB less at ten million rows; the (candidate, rater)
    # pairs below are formed in int64, where candidates x raters may pass 2**31
    c_all = _codes.narrow(np.asarray(c_all))
    n_all = int(c_all.max()) + 1 if len(c_all) else 0
    n_c = np.bincount(c_all[c_all >= 0], minlength=n_all).astype(float)
    w_c = np.where(n_c > 1, 1 / np.maximum(n_c - 1, 1), 0.0)
    okr = (c_all >= 0) & (r_all >= 0)
    pair = c_all[okr].astype(np.int64)
    pair *= k
    pair += r_all[okr]
    if n_all * k <= 8 * len(pair) + 1024:  # counts in dense bins, then CSR (rows sorted already)
        cnt = np.bincount(pair, minlength=n_all * k)
        nz = np.flatnonzero(cnt)
        indptr = np.r_[0, np.cumsum(np.bincount(nz // k, minlength=n_all))]
        n_ck = sp.csr_matrix((cnt[nz].astype(float), (nz % k).astype(np.int32), indptr), shape=(n_all, k))
    else:
        n_ck = sp.csr_matrix((np.ones(len(pair)), (pair // k, pair % k)), shape=(n_all, k))
    return RaterStep(r_all, cov, c_all, w_c, n_ck)
