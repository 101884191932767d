"""Inter-rater agreement of the calibration: how consistently interviewers grade, from the answers the
data holds twice.

Two designs that must not be mixed, each with its own rows in the ``inter_rater`` table
(:func:`inter_rater`): the same answer scored by two interviewers (a panel or a shadowed interview:
disagreement is the graders alone), and the same question asked of one candidate in two interviews
(test-retest: the answers differ too). The rating units are built on integer codes of the key
columns (:mod:`analysis.stats._codes`), the statistics by :mod:`analysis.stats.reliability`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from analysis import config
from analysis.stats import _codes
from analysis.stats import reliability
from analysis.stats._sorted_codes import rank_of

__all__ = ["inter_rater", "SAME_ANSWER", "RETEST", "INTER_RATER_COLUMNS", "UNDEFINED"]

#: ``design`` labels of :func:`inter_rater`: the same answer scored twice vs the same question asked twice.
SAME_ANSWER = "same answer scored twice (panel/shadow)"
RETEST = "test-retest: same question in two interviews of one candidate (different answers)"

#: What a statistic raises when it is undefined on the data at hand (too few units, every rating the
#: same, a singular matrix): such a statistic is reported as NaN with the reason, never as a crash.
UNDEFINED = (ValueError, ZeroDivisionError, np.linalg.LinAlgError, FloatingPointError, IndexError, KeyError)

#: The columns of :func:`inter_rater`'s table.
INTER_RATER_COLUMNS = ("statistic", "value", "ci_low", "ci_high", "n_units", "design", "reason")


def _statistic(rows, name, design, n_units, fn, *, ci=False):
    """Append one statistic row; an undefined statistic is NaN with the reason in ``note``."""
    row = {"statistic": name, "value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_units": n_units,
           "design": design, "reason": ""}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = fn()
        if ci:
            row.update(value=got[0], ci_low=got[1], ci_high=got[2])
        else:
            row["value"] = got
        if np.isnan(row["value"]):
            row["reason"] = "undefined for these ratings"
    except UNDEFINED as exc:
        row["reason"] = f"not computable: {exc}"
    rows.append(row)


def _kept(arrays, mask):
    """The arrays at ``mask``: themselves when the mask keeps everything (no copy), else copies."""
    return tuple(arrays) if mask.all() else tuple(a[mask] for a in arrays)


def _agreement(rows, units: pd.DataFrame, design: str, detail: dict, prefix: str = ""):
    """ICC1/ICC1k, Krippendorff's alpha and weighted kappa on ``units`` (``unit, slot, interviewer,
    score``; slots 0 and 1 are the pair).

    The three statistics are those of :func:`~analysis.stats.reliability.icc` (the unit as target,
    the slot as rater), :func:`~analysis.stats.reliability.krippendorff_alpha` (unit, interviewer) and
    :func:`~analysis.stats.reliability.cohen_kappa` (the two slots of each complete pair), each fed
    the arrays it would build from a frame (``icc_from_codes``, ``alpha_from_codes``): at a million
    score rows the units are half a million ratings, and checking, copying, coding and pivoting frames
    of them allocated some 1.1 GB and took most of the table's time. What those functions drop is
    dropped here the same way: a rating without a score everywhere, a rating without an interviewer
    from alpha (it names no rater), a pair without both scores from the ICC and kappa. Each unit holds
    at most one rating per interviewer and per slot by construction (:func:`_rating_units`), which is
    the duplicate check those functions would make."""
    unit = units["unit"].to_numpy(dtype=np.int64)
    slot = units["slot"].to_numpy(dtype=np.int64)
    score = units["score"].to_numpy(dtype=float, na_value=np.nan)
    scored = ~np.isnan(score)
    named = units["interviewer"].notna().to_numpy()
    in_pair = slot < 2
    # the units are non-negative codes: the distinct ones are the non-empty bins
    n_units = int(np.count_nonzero(np.bincount(unit))) if len(unit) else 0
    # the pairs' units x slots table (what a pivot of unit, slot and score gives): the kappa's complete
    # rows; the ICC drops unscored ratings first, then the incomplete units (icc's missing="drop").
    # Where a mask keeps every rating (the test-retest units are all pairs; most ratings are scored
    # and named) the arrays are used as they are, not copied through it (issue 26: a copy is 40 MB
    # at ten million score rows)
    pair_unit, pair_slot, pair_score = _kept((unit, slot, score), in_pair)
    pair_units, pair_row = _codes.dense(pair_unit)
    n_pairs = len(pair_units)
    slots, slot_col = _codes.dense(pair_slot)
    wide = np.full((n_pairs, len(slots)), np.nan)
    wide[pair_row, slot_col] = pair_score
    del pair_units, pair_row, slot_col, pair_unit, pair_slot, pair_score
    complete = wide[~np.isnan(wide).any(axis=1)]
    del wide
    ic = {}

    def _icc():
        if n_pairs < 2:
            raise ValueError(f"{n_pairs} paired unit(s): ICC needs at least 2")
        table = reliability.icc_from_codes(*_kept((unit, slot, score), in_pair & scored))
        ic["t"] = table.set_index("type")
        return ic["t"]

    for t in ("ICC1", "ICC1k"):
        _statistic(rows, prefix + t, f"{design}: {detail['icc']}", n_pairs,
                   lambda t=t: tuple((ic.get("t") if "t" in ic else _icc()).loc[t, ["icc", "ci_low", "ci_high"]]),
                   ci=True)

    def _alpha():
        if n_units < 2:
            raise ValueError(f"{n_units} unit(s): alpha needs at least 2")
        rated, rating = _kept((unit, score), scored & named)
        domain, value_index = reliability.observed_domain(rating)
        return reliability.alpha_from_codes(rated, value_index, domain, level="ordinal")
    _statistic(rows, prefix + "krippendorff_alpha_ordinal", f"{design}: {detail['alpha']}", n_units, _alpha)

    def _kappa_q():
        if len(complete) < 2:
            raise ValueError(f"{len(complete)} pair(s): kappa needs at least 2")
        if complete.shape[1] < 2:
            raise KeyError(1)  # no second slot: what reading a pivot's column 1 raises
        return reliability.cohen_kappa(complete[:, 0].astype(int), complete[:, 1].astype(int), weights="quadratic",
                                       labels=list(config.SCORES))
    _statistic(rows, prefix + "weighted_kappa_quadratic", f"{design}: {detail['kappa']}", len(complete), _kappa_q)


def inter_rater(scores: pd.DataFrame) -> pd.DataFrame:
    """Inter-rater reliability, for two designs that must not be mixed.

    **The same answer scored twice** (``design`` starts with :data:`SAME_ANSWER`): two or more
    interviewers scored the same candidate on the same question on the same day on their own
    scorecards -- a panel, or a shadowed interview (in the data: different ``interview_id``, same
    ``candidate_id``, ``question_id`` and ``date``). Disagreement here is the graders alone.

    **The same question asked in two interviews** (statistics prefixed ``retest_``, ``design``
    starts with :data:`RETEST`): a candidate was asked the same question on two different days by two
    different interviewers. The answers differ too (a second try, a different day), so this
    test-retest agreement is lower by nature and mixes grader and answer variation; it is *not* a
    measure of how consistently interviewers grade.

    Returns a tidy frame with one row per statistic: ``statistic, value, ci_low, ci_high, n_units,
    design, reason``. ``ICC1`` is the form that fits: each answer is scored by a *different* pair of
    interviewers drawn from the pool (a one-way design), and single-rater reliability is what
    matters when one interviewer decides alone; ``ICC1k`` is the reliability of the average of the
    k interviewers (a panel's mean). Krippendorff's alpha (ordinal) uses every rating, including
    units with three raters; weighted kappa (quadratic weights on the 1-4 rubric) compares the first
    two scorecards of each answer. A statistic that is undefined on these ratings (too few units,
    every rating the same) is NaN and ``reason`` says why (the column is not called ``note``: the
    export refuses ``note`` columns, which hold interviewers' free text elsewhere); the other rows are still computed.
    """
    rows = []
    multi, rt = _rating_units(scores)
    if multi.empty:
        rows.append({"statistic": "none", "value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_units": 0,
                     "design": SAME_ANSWER, "reason": "no answer was scored by two interviewers"})
    else:
        _agreement(rows, multi, SAME_ANSWER, {"icc": "one-way, different interviewers per answer",
                                              "alpha": "all ratings, missing allowed",
                                              "kappa": "first two scorecards per answer, 1-4 rubric weights"})
    if rt.empty:
        rows.append({"statistic": "retest_none", "value": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_units": 0,
                     "design": RETEST, "reason": "no candidate was asked the same question by two interviewers on two days"})
    else:
        _agreement(rows, rt, RETEST, {"icc": "one-way, first two interviews that asked it",
                                      "alpha": "first two interviews that asked it",
                                      "kappa": "first two interviews, 1-4 rubric weights"}, prefix="retest_")
    return pd.DataFrame(rows, columns=list(INTER_RATER_COLUMNS))


def _dense(keys: np.ndarray) -> np.ndarray:
    """Dense ranks 0..n-1 of integer keys, in sorted order (what ``groupby(sort=True).ngroup()`` numbers)."""
    return _codes.dense(keys)[1]


def _cumcount(groups_sorted: np.ndarray) -> np.ndarray:
    """0, 1, 2 ... within each run of equal values of an already grouped array."""
    n = len(groups_sorted)
    if not n:
        return np.zeros(0, dtype=np.intp)
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(groups_sorted[1:], groups_sorted[:-1], out=new[1:])
    run = np.cumsum(new) - 1  # the run of each element
    return np.arange(n) - np.flatnonzero(new)[run]


def _interviewer_codes(column: pd.Series) -> np.ndarray:
    """Integer codes of the interviewers, -1 for a missing one, read only for equality (which ratings
    name the same interviewer, how many distinct ones an answer has): a categorical column's own codes
    (the loader types ``interviewer`` so; int8 for up to 127 interviewers, a view, no copy), else
    :func:`~analysis.stats._codes.codes`. Any numbering gives the same units."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy()
    return np.asarray(_codes.codes(column, sort=False)[0])


def _rating_units(scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rating units of :func:`inter_rater` (``unit, slot, interviewer, score``): answers scored by two or
    more interviewers (same candidate, question and date), and the test-retest pairs (the first scorecard of
    the first two days a candidate was asked a question, by two different interviewers).

    Built on integer codes of the key columns (issue 11: group-bys on a million string keys cost seconds);
    the units are numbered in sorted key order and the slots follow ``interview_id`` order (pairs) or the
    date (retest), exactly as the group-bys on the text columns numbered them. Issue 26: at ten million
    rows every row-length array is 40-80 MB, so none is made that a view, a block loop or an
    answer-length array can stand in for (the inter-rater table was the report's second memory peak).
    """
    # the answers (candidate, question, date) and (candidate, question) pairs, numbered in sorted key order
    # by the one helper that severity and the design diagnostics also read (issue 9)
    answers = _codes.answer_codes(scores)
    iv = _interviewer_codes(scores["interviewer"])
    # interviews in text order, read at the rows used through a table per interview (no row-length
    # sorted codes kept in the memo for the rest of the report: 80 MB at ten million rows)
    iid_code, iid_names = _codes.codes(scores["interview_id"], sort=False)
    iid_code, iid_rank = np.asarray(iid_code), rank_of(iid_names)
    code = answers.code
    # every row in an answer (a loaded history: the usual case): the per-row arrays as they are, not
    # copies of them through ``rows_all``
    every = bool((code >= 0).all())
    rows_all = None if every else np.flatnonzero(code >= 0)
    dense_v = code if every else code[rows_all]
    iv_v = iv if every else iv[rows_all]

    def frame(idx, unit, slot):
        # copy=False: the fresh arrays become the columns as they are (no 2-D block stacked from
        # unit and slot, a copy of both: a fifth of the table's peak)
        return pd.DataFrame({"unit": unit, "slot": slot,
                             "interviewer": scores["interviewer"].iloc[idx].reset_index(drop=True),
                             "score": scores["score"].iloc[idx].reset_index(drop=True)}, copy=False)

    # the same answer scored twice: keys with 2+ distinct interviewers; one rating per interviewer and key
    # (the first, in row order: a repeat by the same interviewer is not a second opinion). Only the rows
    # of answers scored twice are looked at (a fifth of the rows)
    twice = answers.raters(iv) >= 2  # per answer: 2+ distinct named interviewers
    in_twice = np.flatnonzero(twice[dense_v])
    del twice
    rating = dense_v[in_twice].astype(np.int64)
    rating *= int(iv.max()) + 2 if len(iv) else 1
    rating += iv_v[in_twice]
    rating += 1
    keep = in_twice[_codes.first_occurrences(rating)]
    del in_twice, rating
    idx = keep if every else rows_all[keep]
    unit = _dense(code[idx]) if len(idx) else np.zeros(0, np.int64)
    order = _codes.order_by(unit, iid_rank[iid_code[idx]])
    slot = np.empty(len(idx), dtype=np.int64)
    slot[order] = _cumcount(unit[order])
    multi = frame(idx, unit, slot)
    del keep, idx, unit, order, slot, iv_v

    # test-retest: the first scorecard (by interview_id) of each answer, then per candidate and question
    # the first two dates, kept when two different interviewers scored them. The first scorecard is the
    # row with the smallest (interview code, row), one minimum per answer (issue 11), taken a block of
    # rows at a time (no row-length key). The answers are numbered in (candidate, question, date) order,
    # so a pair's first two dates are two neighbouring answers: the second is an answer that does not
    # start its pair while the one before it does (no per-answer occasion count is needed)
    n_all = np.int64(len(scores))
    firsts = np.full(answers.n, np.iinfo(np.int64).max, dtype=np.int64)
    for start in range(0, len(dense_v), _codes._BLOCK):
        stop = min(start + _codes._BLOCK, len(dense_v))
        rows = np.arange(start, stop, dtype=np.int64) if every else rows_all[start:stop].astype(np.int64)
        key = iid_rank[iid_code[rows]] * n_all
        key += rows
        np.minimum.at(firsts, dense_v[start:stop], key)
    del dense_v, rows_all
    firsts %= n_all
    begins = answers.pair_starts
    second = np.flatnonzero(begins[:-1] & ~begins[1:]) + 1  # a pair's second date
    r0, r1 = firsts[second - 1], firsts[second]
    a, b = iv[r0], iv[r1]
    differ = (a != b) & (a >= 0) & (b >= 0)  # two named, different interviewers
    idx = np.empty(2 * int(differ.sum()), dtype=np.int64)
    idx[0::2], idx[1::2] = r0[differ], r1[differ]
    k = len(idx) // 2
    rt = frame(idx, np.repeat(np.arange(k, dtype=np.intp), 2), np.tile(np.array([0, 1], dtype=np.intp), k))
    return multi, rt
