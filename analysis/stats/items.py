"""Classical item analysis for interviews where each candidate answers only some questions.

A questionnaire in a textbook gives every respondent every item; an interview gives each candidate
about six of the bank's 24 questions. The functions here keep the textbook definitions where the data
are complete (and then agree exactly with pingouin / numpy), and use documented available-case
versions where they are not:

==========================  ========================================================================
function                    what it tells a hiring lead
==========================  ========================================================================
:func:`item_statistics`     per question: how hard it is (``mean``), how much it spreads candidates
                            (``sd``), whether it agrees with the rest of the interview
                            (``item_rest_r``), and whether the interview is more reliable without
                            it (``alpha_if_deleted``)
:func:`cronbach_alpha`      how reliable the interview's mean score is as a whole
:func:`auc`                 how well one score separates strong from weak candidates (ties count
                            half); :func:`grouped_auc` does it for every question at once
:func:`point_biserial`      the Pearson correlation between a score and the strong/weak criterion
==========================  ========================================================================

All take tidy data (one row per answer) or plain arrays; missing scores are ignored; a candidate
scored twice on the same question (a panel) counts once, with the mean of the scores.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.stats import _codes
from analysis._frames import as_list as _as_list
from analysis._frames import check_columns as _check_columns
from analysis.stats._item_matrix import (Matrix, alpha_from_sums, answer_matrix, coded_matrix, pooled, pooled_terms,
                                         r_from_sums, rest_r,
                                         to_float, to_strong)

#: Rows per block where the AUC's count table is summed a block at a time
_BLOCK = 1 << 18

__all__ = ["item_statistics", "item_rest_r", "cronbach_alpha", "auc", "grouped_auc", "grouped_auc_codes",
           "point_biserial"]


# --------------------------------------------------------------------------------------------------
# reliability and item statistics


def cronbach_alpha(
    data: pd.DataFrame,
    candidate: str,
    question: str,
    score: str,
    *,
    n_items: float | None = None,
) -> float:
    """Cronbach's alpha of the interview: how reliable a candidate's mean score is.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per answer (a scorecard's rows).
    candidate, question, score : str
        Columns naming the candidate, the question and the numeric score.
    n_items : float, optional
        The interview length the reliability is wanted for. Default: the mean number of questions
        a candidate answered (for complete data, the number of questions). Passing, say, 8 answers
        "how reliable would an 8-question interview be?" (the Spearman-Brown prophecy); passing 1
        gives the reliability of a single question's score.

    Returns
    -------
    float
        Alpha, at most 1. It estimates the correlation between candidates' mean scores on this
        interview and on a parallel interview with other questions from the same bank.

    Raises
    ------
    ValueError
        Missing columns, non-numeric scores, fewer than two questions or candidates, or no pair of
        questions answered by the same two candidates (so no covariance can be estimated).

    Notes
    -----
    **Complete data** (every candidate answered every question): the textbook
    :math:`\\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_i s_i^2}{s_X^2}\\right)`, computed by
    :func:`pingouin.cronbach_alpha` (equal to its result).

    **Incomplete data** (each candidate was asked some of the questions): the equivalent form

    .. math:: \\alpha = \\frac{\\bar k\\,\\bar c}{\\bar v + (\\bar k - 1)\\,\\bar c}

    where :math:`\\bar v` is the pooled within-question variance (sum of squares over
    :math:`\\sum_i (n_i - 1)`), :math:`\\bar c` the pooled covariance between pairs of questions
    over the candidates who answered both (available-case, "pairwise"), and :math:`\\bar k` the
    mean number of questions per candidate. With complete data this is algebraically the textbook
    alpha (:math:`\\sum_i s_i^2 = k\\bar v`, :math:`s_X^2 = k\\bar v + k(k-1)\\bar c`). In
    generalizability terms :math:`\\bar c` estimates the candidate variance and
    :math:`\\bar v - \\bar c` the candidate-by-question error, so this is the reliability of the mean
    of :math:`\\bar k` questions.

    This is *not* pingouin's ``nan_policy="pairwise"`` alpha, which would describe a 24-question
    interview nobody took and count pairs of questions never asked together as zero covariance.

    Like every alpha it is a *consistency* coefficient: it ignores that a candidate who drew harder
    questions scores lower. It also counts any level mix as true differences between candidates:
    compute it within a level to judge the interview at that level. Values of 0.7 or more are the
    usual bar for a score used to decide; far lower means one interview's score is mostly noise.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297-334.
    Brennan, R. L. (2001). *Generalizability theory*. Springer (the p x I and I:p designs).

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.stats.items import cronbach_alpha
    >>> answers = pd.DataFrame({"candidate": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    ...                         "question": ["a", "b", "c"] * 4,
    ...                         "score": [1, 2, 1, 2, 3, 3, 3, 3, 4, 4, 4, 3]})
    >>> round(cronbach_alpha(answers, "candidate", "question", "score"), 3)
    0.887
    """
    function = "cronbach_alpha"
    if n_items is not None and not n_items >= 1:
        raise ValueError(f"{function}: n_items must be a number of questions >= 1; got {n_items!r}")
    return _alpha_of(answer_matrix(data, candidate, question, score, function), n_items, function)


def cronbach_alpha_coded(candidate_codes: np.ndarray, question_codes: np.ndarray, question_names: pd.Index,
                         score: np.ndarray, rows: np.ndarray) -> float:
    """:func:`cronbach_alpha` of the rows ``rows`` (a boolean mask) of already coded answers, the
    same number to the bit: ``candidate_codes`` and ``question_codes`` of every row (-1 for
    none; the questions as :func:`analysis.stats._codes.codes` with ``sort=True`` codes them, named
    ``question_names``), ``score`` as floats. What the level table computes per candidate level:
    its rows of the shared codes, not a subset frame coded again (issue 26). Raises as
    :func:`cronbach_alpha` does."""
    return _alpha_of(coded_matrix(candidate_codes[rows], question_codes[rows], question_names,
                                  np.asarray(score[rows], dtype=float)),
                     None, "cronbach_alpha")


def _alpha_of(m: Matrix, n_items, function: str) -> float:
    """:func:`cronbach_alpha` of an answer matrix made for it alone (its answers are let go once read)."""
    if m.n_questions < 2 or m.n_candidates < 2:
        raise ValueError(
            f"{function}: need at least 2 questions and 2 candidates; got {m.n_questions} "
            f"question(s) and {m.n_candidates} candidate(s)"
        )
    if n_items is None and m.answered.all():
        import pingouin

        wide = pd.DataFrame(np.where(m.answered, m.centred, np.nan))  # alpha is shift-invariant
        return float(pingouin.cronbach_alpha(wide)[0])
    m.drop_answers()
    p = pooled(m)
    ss_var, df_var, sp_cov, df_cov = pooled_terms(p)
    if df_cov == 0:
        raise ValueError(
            f"{function}: no two questions were answered by the same two or more candidates, so "
            "their covariance, and alpha, cannot be estimated"
        )
    k = p.k_mean if n_items is None else float(n_items)
    return float(alpha_from_sums(ss_var, df_var, sp_cov, df_cov, k))


def item_statistics(data: pd.DataFrame, candidate: str, question: str, score: str) -> pd.DataFrame:
    """Classical statistics per question: difficulty, spread, item-rest correlation, alpha if deleted.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per answer.
    candidate, question, score : str
        Columns naming the candidate, the question and the numeric score.

    Returns
    -------
    DataFrame
        Indexed by question (sorted), with columns

        ``n``
            candidates who answered the question.
        ``mean``
            mean score: the question's difficulty (lower is harder). Compare it within a level;
            the same question is harder for a junior than for a senior.
        ``sd``
            standard deviation of the score (n - 1 denominator); near 0 means everyone gets the
            same score and the question cannot separate anyone.
        ``item_total_r``
            Pearson correlation, over the candidates who answered the question, between its score
            and the candidate's mean over *all* questions they answered (this one included). It is
            inflated by the question's own share of the mean, most for short interviews.
        ``n_rest``
            candidates who answered this question and at least one other.
        ``item_rest_r``
            correlation between the score and the candidate's mean over their *other* answered
            questions (candidates with no other question are left out): the corrected item-total
            correlation, the classical discrimination index of a question.
        ``alpha_if_deleted``
            the interview's alpha (:func:`cronbach_alpha`, same form) recomputed without this
            question. Higher than the overall alpha means the question lowers reliability.

    Notes
    -----
    With complete data (every candidate answered every question) these are the textbook
    definitions: item-total and item-rest correlations with the total and rest *sum* (a mean over a
    fixed number of questions correlates identically), and alpha if deleted equal to
    :func:`pingouin.cronbach_alpha` on the matrix without the column. With incomplete data, means
    replace sums, so candidates asked different numbers of questions are on one scale, and alpha if
    deleted uses the pooled available-case form described in :func:`cronbach_alpha`, with
    :math:`\\bar k` the mean number of *remaining* questions per candidate.

    How to read ``item_rest_r`` (Ebel's bands, usually quoted for discrimination indices): 0.40 and
    above very good, 0.30-0.39 reasonably good, 0.20-0.29 marginal, below 0.20 poor (revise or
    retire). A negative value means strong candidates do *worse* on the question: check its rubric.
    These are correlations with the rest of the interview, so they are diluted when the interview
    measures several things, and they include any level mix; the calibration tables adjust for it.

    References
    ----------
    Ebel, R. L. & Frisbie, D. A. (1991). *Essentials of educational measurement* (5th ed.).
    Prentice Hall.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.stats.items import item_statistics
    >>> answers = pd.DataFrame({"candidate": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    ...                         "question": ["a", "b", "c"] * 4,
    ...                         "score": [1, 2, 1, 2, 3, 3, 3, 3, 4, 4, 4, 3]})
    >>> stats = item_statistics(answers, "candidate", "question", "score")
    >>> stats["mean"].tolist(), stats["item_rest_r"].round(2).tolist()
    ([2.5, 3.0, 2.75], [0.89, 0.86, 0.7])
    """
    function = "item_statistics"
    m = answer_matrix(data, candidate, question, score, function)
    columns = ["n", "mean", "sd", "item_total_r", "n_rest", "item_rest_r", "alpha_if_deleted"]
    if len(m.x) == 0:
        return pd.DataFrame(columns=columns, index=pd.Index([], name=question), dtype=float)
    n_q = m.n_questions
    c, q, x = m.c, m.q, m.x

    n = np.bincount(q, minlength=n_q).astype(float)
    mean = np.bincount(q, weights=x, minlength=n_q) / n
    dev = x - mean[q]
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(np.bincount(q, weights=dev**2, minlength=n_q) / (n - 1))

    k = np.bincount(c).astype(float)  # questions answered per candidate
    total = np.bincount(c, weights=x)
    mean_all = (total / k)[c]
    item_total_r = _grouped_r(q, x, mean_all, n_q)
    item_rest_r, n_rest = rest_r(m, k, total)

    alpha_if_deleted = _alpha_if_deleted(m, k)
    out = pd.DataFrame(
        {
            "n": n.astype(int),
            "mean": mean,
            "sd": sd,
            "item_total_r": item_total_r,
            "n_rest": n_rest,
            "item_rest_r": item_rest_r,
            "alpha_if_deleted": alpha_if_deleted,
        },
        index=m.questions,
    )
    return out


def item_rest_r(data: pd.DataFrame, candidate: str, question: str, score: str) -> pd.Series:
    """The ``item_rest_r`` column of :func:`item_statistics` alone (the same numbers, to the bit),
    without the other columns' work: what the calibration's question table reads (issue 26)."""
    m = answer_matrix(data, candidate, question, score, "item_rest_r")
    if len(m.x) == 0:
        return pd.Series([], index=pd.Index([], name=question), dtype=float, name="item_rest_r")
    k = np.bincount(m.c).astype(float)
    return pd.Series(rest_r(m, k, np.bincount(m.c, weights=m.x))[0], index=m.questions, name="item_rest_r")


def _grouped_r(group: np.ndarray, x: np.ndarray, y: np.ndarray, n_groups: int) -> np.ndarray:
    """Pearson r of x and y within each group code, by two-pass sums (no loop over groups)."""
    n = np.bincount(group, minlength=n_groups).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # the deviations and their products into three row-length buffers instead of seven (the
        # same operations in the same order: the same numbers, to the bit; issue 26)
        dx = (np.bincount(group, weights=x, minlength=n_groups) / n)[group]
        np.subtract(x, dx, out=dx)
        dy = (np.bincount(group, weights=y, minlength=n_groups) / n)[group]
        np.subtract(y, dy, out=dy)
        p = np.multiply(dx, dy)
        sxy = np.bincount(group, weights=p, minlength=n_groups)
        sxx = np.bincount(group, weights=np.multiply(dx, dx, out=p), minlength=n_groups)
        syy = np.bincount(group, weights=np.multiply(dy, dy, out=p), minlength=n_groups)
        del p, dx, dy
    return r_from_sums(n, sxy, sxx, syy)


def _alpha_if_deleted(m: Matrix, k: np.ndarray) -> np.ndarray:
    """Pooled alpha without each question in turn (vectorised over questions)."""
    if m.n_questions < 3:
        return np.full(m.n_questions, np.nan)
    p = pooled(m)
    ss_var, df_var, sp_cov, df_cov = pooled_terms(p)
    n_diag = np.diag(p.n_pair)
    df_pair = np.clip(p.n_pair - 1, 0, None)
    np.fill_diagonal(df_pair, 0)
    sp_off = p.sp.copy()
    np.fill_diagonal(sp_off, 0)
    ss_j = ss_var - np.diag(p.sp)
    df_var_j = df_var - np.clip(n_diag - 1, 0, None)
    sp_cov_j = sp_cov - 2 * sp_off.sum(axis=1)
    df_cov_j = df_cov - 2 * df_pair.sum(axis=1)
    # mean number of remaining questions, over candidates left with at least one
    only_this = m.answered[k == 1].sum(axis=0)
    k_j = (k.sum() - n_diag) / (m.n_candidates - only_this)
    return alpha_from_sums(ss_j, df_var_j, sp_cov_j, df_cov_j, k_j)


# --------------------------------------------------------------------------------------------------
# separation of strong from weak


def _paired(score, strong, function: str) -> tuple[np.ndarray, np.ndarray]:
    x = to_float(score, "score", function)
    y = to_strong(strong, "strong", function)
    if len(x) != len(y):
        raise ValueError(f"{function}: score and strong must pair up; got {len(x)} and {len(y)} values")
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    n_strong = int(y.sum())
    n_weak = len(y) - n_strong
    if n_strong == 0 or n_weak == 0:
        raise ValueError(
            f"{function}: needs both strong and weak candidates; got {n_strong} strong and "
            f"{n_weak} weak (after dropping missing values)"
        )
    return x, y.astype(bool)


def auc(score, strong) -> float:
    """Area under the ROC curve: the chance a strong candidate outscores a weak one (ties half).

    Parameters
    ----------
    score : array-like of numbers
        One score per candidate (or per answer): a question's score, a mean score...
    strong : array-like of bool (or 1/0)
        The criterion, paired by position: True for a strong candidate, False for a weak one.
        Pairs where either value is missing are dropped.

    Returns
    -------
    float
        AUC = P(score of a random strong candidate > score of a random weak one)
        + 0.5 P(equal scores). 0.5 is no separation, 1 perfect, below 0.5 inverted.
        Computed by :func:`sklearn.metrics.roc_auc_score`; equal to the Mann-Whitney
        U / (n_strong n_weak).

    Raises
    ------
    ValueError
        Only one class present, non-numeric scores, criterion values other than True/False/1/0,
        or inputs of different lengths.

    Notes
    -----
    On a four-point rubric many strong and weak candidates tie, so counting ties half matters: a
    question where everyone scores 3 has AUC 0.5, not 0 or 1. As a rough guide (Hosmer &
    Lemeshow 2000): 0.7-0.8 acceptable, 0.8-0.9 excellent, above 0.9 outstanding separation. The
    AUC does not depend on the share of strong candidates, so it compares across levels with
    different pass rates.

    References
    ----------
    Hanley, J. A. & McNeil, B. J. (1982). The meaning and use of the area under a receiver
    operating characteristic (ROC) curve. *Radiology*, 143(1), 29-36.

    Examples
    --------
    >>> from analysis.stats.items import auc
    >>> auc([3, 4, 2, 1, 2, 2], [True, True, True, False, False, False])
    0.8888888888888888
    """
    x, y = _paired(score, strong, "auc")
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, x))


def grouped_auc(data: pd.DataFrame, group: str | Sequence[str], score: str, strong: str) -> pd.Series:
    """AUC (ties count half) within each group, e.g. per question, in one vectorised pass.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per answer.
    group : str or list of str
        Column(s) to group by (``"question_id"``, or ``["level", "question_id"]``).
    score : str
        Numeric score column.
    strong : str
        Boolean (or 1/0) criterion column: True for strong candidates. Rows with a missing score or
        criterion are dropped.

    Returns
    -------
    Series
        Named ``auc``, indexed by group; NaN for a group without both strong and weak candidates.

    Notes
    -----
    Same statistic as :func:`auc`, computed from rank sums: with average ranks :math:`R` of the
    scores within the group, :math:`AUC = (R_{strong} - n_s(n_s+1)/2) / (n_s n_w)`, the
    Mann-Whitney U over :math:`n_s n_w`; average ranks make a tie count half.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.stats.items import grouped_auc
    >>> answers = pd.DataFrame({"question": ["a"] * 4 + ["b"] * 4,
    ...                         "score": [4, 3, 2, 2, 3, 3, 3, 3],
    ...                         "strong": [True, True, False, False] * 2})
    >>> grouped_auc(answers, "question", "score", "strong")
    question
    a    1.0
    b    0.5
    Name: auc, dtype: float64
    """
    function = "grouped_auc"
    keys = _as_list(group)
    _check_columns(data, [*keys, score, strong], function)
    xv = to_float(data[score].reset_index(drop=True), f"column {score!r}", function)
    yv = to_strong(data[strong].reset_index(drop=True), f"column {strong!r}", function)
    if len(keys) == 1:
        fast = _grouped_auc_counts(data[keys[0]], xv, yv)
        if fast is not None:
            return fast
    frame = data[keys].reset_index(drop=True)
    frame["_x"] = xv
    frame["_y"] = yv
    frame = frame.dropna(subset=["_x", "_y"])
    grouped = frame.groupby(keys, observed=True, sort=True)
    frame["_ry"] = grouped["_x"].rank(method="average") * frame["_y"]
    sums = frame.groupby(keys, observed=True, sort=True).agg(
        n=("_y", "size"), n_strong=("_y", "sum"), rank_strong=("_ry", "sum")
    )
    n_strong = sums["n_strong"]
    n_weak = sums["n"] - n_strong
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (sums["rank_strong"] - n_strong * (n_strong + 1) / 2) / (n_strong * n_weak)
    value = value.where((n_strong > 0) & (n_weak > 0))
    return value.astype(float).rename("auc")


def _grouped_auc_counts(key: pd.Series, x: np.ndarray, y: np.ndarray) -> pd.Series | None:
    """:func:`grouped_auc` for one key column from a (group x distinct score) count table: the
    average rank of a score within its group is the count of lower scores plus (ties + 1) / 2, so
    the rank sum of the strong is one product per cell instead of a group-wise rank of every row
    (a second on a million rows). Every rank is a multiple of 1/2, so the sums are exact and the
    value is the one the rank path gives. ``None`` when the table would be large (many distinct
    scores): the caller ranks."""
    g, names = _codes.codes(key, sort=True)
    return _auc_counts(g, names, x, y, np.ones(len(x), dtype=bool), len(x), key.name)


def grouped_auc_codes(g: np.ndarray, names: pd.Index, score: np.ndarray, strong: np.ndarray, rows: np.ndarray,
                      *, name=None, score_codes: tuple | None = None) -> pd.Series | None:
    """:func:`grouped_auc` of the rows ``rows`` (a boolean mask) of already coded data: ``g`` the
    group code of every row (-1 for none; :func:`analysis.stats._codes.codes` with ``sort=True``),
    ``names`` the groups, ``score`` and ``strong`` (1/0, NaN unknown) as float arrays of every row.

    The same numbers as ``grouped_auc(data[rows], group, score, strong)``, to the bit (the same
    count table, over the same rows), without taking the subset as a frame and coding it again:
    what the calibration's question, topic and level tables call on their shared codes (issue 26).
    The index is named ``name``. None where :func:`grouped_auc` would rank instead (many distinct
    scores): call it on the frame then.

    ``score_codes``, optional: ``(codes, values)``, each row's score as its position in the sorted
    ``values`` (-1 for a missing score), e.g. the rubric positions the tables already hold. Then the
    distinct scores are read from the codes instead of sorting the scores (a sort of every row per
    table: seconds at ten million rows); the count table, and so every number, is the same. Ignored
    when a present score has no code (off the given values).
    """
    rows = np.asarray(rows, dtype=bool)
    return _auc_counts(g, names, score, strong, rows, int(np.count_nonzero(rows)), name, score_codes)


def _auc_counts(g, names, x, y, rows, n_rows, name, x_codes=None) -> pd.Series | None:
    """The count-table AUC of :func:`_grouped_auc_counts` over the rows ``rows`` of coded data
    (``n_rows`` of them: the size that decides whether the table is small enough); ``x_codes`` as
    ``score_codes`` of :func:`grouped_auc_codes`."""
    ok = rows & ~np.isnan(x) & ~np.isnan(y)
    ok &= g >= 0
    ng = len(names)
    coded = _distinct_by_codes(x_codes, ok)
    if coded is None:
        xk = x[ok]
        values = np.sort(xk)  # np.unique(xk, return_inverse=True) by a sort and a search (no hash table)
        values = values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values
        xc = np.searchsorted(values, xk)
        del xk
    else:
        values, remap = coded
    nv = len(values)
    if ng * nv > 4 * n_rows + (1 << 16):
        return None
    # the (group, score) table a block of rows at a time: no row-length subsets, keys or float copy
    # of the criterion (300 MB of temporaries at ten million rows, the topic and level tables' peak;
    # issue 26). Counts are integers (exact in any order); the criterion's sums by np.add.at in row
    # order from zero, bincount's own additions (see analysis.stats._unit_sums): the same table
    count, strong = np.zeros(ng * nv, dtype=np.int64), np.zeros(ng * nv)
    done = 0
    for start in range(0, len(ok), _BLOCK):
        s = slice(start, start + _BLOCK)
        okb = ok[s]
        n_ok = int(np.count_nonzero(okb))
        cell = g[s][okb].astype(np.int64)
        cell *= nv
        cell += xc[done:done + n_ok] if coded is None else remap[x_codes[0][s][okb]]
        done += n_ok
        count += np.bincount(cell, minlength=ng * nv)
        np.add.at(strong, cell, y[s][okb].astype(float))  # as float64, numpy's fast path (bincount's values)
    count, strong = count.reshape(ng, nv).astype(float), strong.reshape(ng, nv)
    below = np.cumsum(count, axis=1) - count  # answers of the group with a lower score
    rank_strong = ((below + (count + 1) / 2) * strong).sum(axis=1)
    n = count.sum(axis=1)
    n_strong = strong.sum(axis=1)
    n_weak = n - n_strong
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (rank_strong - n_strong * (n_strong + 1) / 2) / (n_strong * n_weak)
    value = np.where((n_strong > 0) & (n_weak > 0), value, np.nan)
    seen = n > 0  # a group whose every row lacks a score or criterion is not a group of the answer
    index = pd.Index(names, name=name)[seen]
    return pd.Series(value[seen], index=index, dtype=float, name="auc")


def _distinct_by_codes(x_codes, ok):
    """``(values, remap)`` of the rows ``ok`` as the sort in :func:`_auc_counts` finds them -- the
    distinct present values, sorted, and the table from a code to its position among them (a row's
    position is ``remap[code]``) -- from codes into sorted values: the used codes, renumbered. None
    without codes, or when a row of ``ok`` has no code (its value is not among the given ones)."""
    if x_codes is None:
        return None
    codes, values = x_codes
    values = np.asarray(values, dtype=float)
    if np.any(np.diff(values) <= 0):
        return None
    used = np.zeros(len(values) + 1, dtype=np.int64)  # a count per code; -1 (no code) counts last
    for start in range(0, len(ok), _BLOCK):
        ck = codes[start:start + _BLOCK][ok[start:start + _BLOCK]]
        used += np.bincount(ck.astype(np.intp) % (len(values) + 1), minlength=len(values) + 1)
    if used[-1]:
        return None
    used = used[:-1] > 0
    remap = np.cumsum(used) - 1
    return values[used], remap


def point_biserial(score, strong) -> float:
    """Point-biserial correlation: Pearson's r between a score and the strong (1) / weak (0) flag.

    Parameters
    ----------
    score : array-like of numbers
    strong : array-like of bool (or 1/0), paired with ``score``; pairs with a missing value dropped.

    Returns
    -------
    float
        r in [-1, 1], computed by :func:`scipy.stats.pointbiserialr`; NaN when every score is equal.

    Notes
    -----
    Unlike :func:`auc`, r depends on the share of strong candidates (it is largest near a 50/50
    split), so compare it only between groups with similar pass rates. It rewards the size of the
    gap between strong and weak mean scores, while the AUC only counts who outscores whom.

    Examples
    --------
    >>> from analysis.stats.items import point_biserial
    >>> round(point_biserial([4, 3, 2, 1], [True, True, False, False]), 3)
    0.894
    """
    x, y = _paired(score, strong, "point_biserial")
    if np.ptp(x) == 0:
        return float("nan")
    from scipy.stats import pointbiserialr

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(pointbiserialr(y, x).statistic)
