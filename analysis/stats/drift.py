"""Question drift: whether a question got easier over time (the footprint of a leaked question).

:func:`drift` gives the mean score of each question by quarter and a one-sided test of a rising
residual per question, with Benjamini-Hochberg q-values across questions
(:func:`analysis.stats.multiple.fdr_bh`, the one adjustment) (the ``drift`` table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special  # the distribution functions without scipy.stats' import cost

from analysis.stats import _codes
from analysis.stats._group_key import observed_key
from analysis.stats.item_ids import split_item_ids
from analysis.stats.multiple import fdr_bh

__all__ = ["drift", "DRIFT_COLUMNS", "DRIFT_BY_QUARTER_COLUMNS"]

#: The columns of :func:`drift`'s two tables: mean scores by quarter, and the test per question.
DRIFT_BY_QUARTER_COLUMNS = ("question_id", "version", "quarter", "n", "mean_score", "mean_residual")
DRIFT_COLUMNS = ("question_id", "version", "n", "slope_per_year", "slope_se", "p_value", "q_value", "drifting")


def drift(d: pd.DataFrame, *, alpha: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per question, mean score by quarter, and a test of whether it got easier over time.

    The test regresses the question's residual (score minus what the additive model expects from
    the candidate, the question's difficulty at that level and the interviewer) on time in years.
    A positive slope means candidates score better on this question than on the rest of their
    interview, more so as time goes on — the footprint of a leaked question. The p-value is
    one-sided (easier), and q-values control the false discovery rate across questions
    (Benjamini-Hochberg); ``drifting`` is True when q < ``alpha``.

    Each version of a rewritten question is its own item (``d``'s ``question_id`` is the item id,
    :mod:`analysis.stats.item_ids`): its trend restarts at the rewrite, so a new wording is not
    called leaked for the old one's history, and an old wording's leak does not carry over.

    Returns ``(by_quarter, tests)``: ``question_id, version, quarter, n, mean_score, mean_residual``
    and ``question_id, version, n, slope_per_year, slope_se, p_value, q_value, drifting``
    (``question_id`` the stable id, ``version`` the version: :func:`~analysis.stats.item_ids.split_item_ids`).
    """
    # quarters as integer codes (year * 4 + quarter - 1), labelled "2024Q1" per group, not per row:
    # a Period -> str conversion of every row cost seconds on a million rows (issue 11)
    dates = d["date"]
    if isinstance(dates.dtype, np.dtype) and len(d) and not dates.isna().any():
        by_q = _by_quarter(d)
    else:  # missing or time-zone aware dates: the group-by on the quarters themselves
        if dates.isna().any():
            quarter = dates.dt.to_period("Q").astype(str)
        else:
            quarter = dates.dt.year.to_numpy().astype(np.int64) * 4 + dates.dt.quarter.to_numpy() - 1
        by_q = (d.assign(quarter=quarter).groupby(["question_id", "quarter"], observed=True)
                .agg(n=("score", "size"), mean_score=("score", "mean"), mean_residual=("residual", "mean"))
                .reset_index())
    if by_q["quarter"].dtype.kind in "iu":
        by_q["quarter"] = [f"{c // 4}Q{c % 4 + 1}" for c in by_q["quarter"].tolist()]
    by_q["question_id"] = by_q["question_id"].astype(str)
    t = _years(dates)
    # one group per question id, grouped on integer codes and named (and ordered) by the id as text
    codes, names = pd.factorize(d["question_id"])
    s = _regression_sums(codes, t, d["residual"].to_numpy())
    s.index = pd.Index(np.asarray(names, dtype=object)[s.index.to_numpy()].astype(str), name="g")
    s = s.sort_index()
    sxx = s.stt - s.st ** 2 / s.n
    sxy = s.str_ - s.st * s.sr / s.n
    syy = s.srr - s.sr ** 2 / s.n
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = sxy / sxx
        resid_var = (syy - slope * sxy) / (s.n - 2)
        se = np.sqrt(resid_var / sxx)
        tstat = slope / se
    p = pd.Series(special.stdtr(s.n - 2, -tstat), index=s.index).where(s.n > 2)
    qv = fdr_bh(p)
    tests = pd.DataFrame({"question_id": s.index, "n": s.n.to_numpy(), "slope_per_year": slope.to_numpy(),
                          "slope_se": se.to_numpy(), "p_value": p.to_numpy(), "q_value": qv.to_numpy()})
    tests["drifting"] = (tests["q_value"] < alpha) & (tests["slope_per_year"] > 0)
    return split_item_ids(by_q), split_item_ids(tests.reset_index(drop=True))


def _years(dates: pd.Series) -> np.ndarray:
    """Years since the first date, in whole days: ``(dates - dates.min()).dt.days / 365.25``.

    For numpy dates without a missing one, from the integer ticks in place (whole days by a floor
    division, as ``dt.days`` floors): one row-length int64 array and the float result, instead of the
    timedelta series, its day counts and the result (issue 26: 80 MB each at ten million rows)."""
    values = dates.to_numpy()
    if not (isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M" and len(values)) or dates.isna().any():
        return (dates - dates.min()).dt.days.to_numpy() / 365.25
    unit, count = np.datetime_data(values.dtype)
    per_day = int(np.timedelta64(1, "D") // np.timedelta64(count, unit))
    days = values.view(np.int64) - values.view(np.int64).min()
    days //= per_day
    return days / 365.25


def _regression_sums(codes: np.ndarray, t: np.ndarray, r: np.ndarray) -> pd.DataFrame:
    """Per group code (sorted), ``n`` and the sums ``st, sr, stt, srr, str_`` of ``t``, ``r`` and their
    products: what ``DataFrame({g, t, r, tt, rr, tr}).groupby("g").agg(...)`` gives, one column at a time.

    Why not that frame: at ten million rows its six columns and the group-by's work on them held some
    700 MB at once (the drift table's peak, issue 26). Here one product exists at a time and the
    groups are a categorical of the codes (no hashing of the key per sum). Each sum is still pandas'
    own group sum over the same values in row order, so the same bits; the code -1 (a missing id)
    stays a group of its own, as in the integer group-by. The key's categories are the groups present
    (:func:`~analysis.stats._group_key.observed_key`), so pandas does not recode it for each sum."""
    # the observed codes as categories, a missing id's -1 the first group (as sorted ints put it), so
    # each group-by reads the key as it is (``observed=False``: no recoding per sum, _group_key)
    key = observed_key(codes, int(codes.max()) + 1 if len(codes) else 0, missing_group=True)

    def total(x):
        return pd.Series(x, copy=False).groupby(key, observed=False, sort=True).sum()

    n = pd.Series(t, copy=False).groupby(key, observed=False, sort=True).size()
    out = pd.DataFrame({"n": n, "st": total(t), "sr": total(r)})
    out["stt"] = total(t * t)
    out["srr"] = total(r * r)
    out["str_"] = total(t * r)
    out.index = pd.Index(out.index.to_numpy(dtype=np.int64), name="g")
    return out


def _by_quarter(d: pd.DataFrame) -> pd.DataFrame:
    """``n, mean_score, mean_residual`` per question and quarter (``year * 4 + quarter - 1``) of rows
    with numpy dates, none missing: what ``groupby(["question_id", quarter], observed=True).agg(...)``
    gives, in its order (questions as that group-by sorts them, then quarters), with one row-length key.

    Why not that group-by: at ten million rows it coded both keys, combined and sorted them and copied
    the columns (some 600 MB at once: the drift table's peak, issue 26). Here the (question, quarter)
    cell is one integer per row, grouped as a categorical (no hashing), and each mean is pandas' own
    group mean over the same values in row order: the same bits."""
    # year * 4 + quarter - 1 = (months since year 0) // 3, from one cast to whole months (one
    # row-length array instead of the year, the quarter and their products)
    key = d["date"].to_numpy().astype("datetime64[M]").view(np.int64)
    key += 1970 * 12
    key //= 3
    first_q = int(key.min())
    key -= first_q
    n_quarters = int(key.max()) + 1
    # questions numbered in the group-by's order (sorted; a categorical's category order), -1 missing
    qcode, names = _codes.codes(d["question_id"], sort=True)
    key += qcode * n_quarters  # qcode (intp) * int: one temporary of the row length
    key[qcode < 0] = -1        # no question: in no group, as the group-by drops a missing key
    del qcode
    cell = observed_key(key, len(names) * n_quarters)  # the cells present: no recoding per mean
    del key

    def per_cell(col, how):
        return getattr(d[col].groupby(cell, observed=False, sort=True), how)()

    n = per_cell("score", "size")
    cells = n.index.to_numpy(dtype=np.int64)
    return pd.DataFrame({"question_id": np.asarray(names, dtype=object)[cells // n_quarters],
                         "quarter": cells % n_quarters + first_q, "n": n.to_numpy(),
                         "mean_score": per_cell("score", "mean").to_numpy(),
                         "mean_residual": per_cell("residual", "mean").to_numpy()})
