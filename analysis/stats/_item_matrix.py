"""The answers of a partly filled interview matrix, coded once for the item statistics.

Private helpers of :mod:`analysis.stats.items`: reading a score or a strong/weak criterion column
with an error that names the bad value (:func:`to_float`, :func:`to_strong`), coding tidy answers as a
candidates x questions matrix with a mask of who answered what (:func:`answer_matrix`, panels
averaged), and the available-case sums of squares and cross-products that Cronbach's alpha and
alpha-if-deleted are computed from (:func:`pooled`, :func:`pooled_terms`, :func:`alpha_from_sums`),
and the item-rest correlation of every question from the coded answers (:func:`rest_r`).
They live apart so that :mod:`analysis.stats.items` reads as the statistics themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis._frames import check_columns as _check_columns
from analysis.stats import _codes

__all__ = ["to_float", "to_strong", "Matrix", "answer_matrix", "coded_matrix", "Pooled", "pooled", "alpha_from_sums",
           "pooled_terms", "rest_r", "r_from_sums"]

#: Answers per block in :func:`rest_r` (2 MB per block-length float64 array)
_BLOCK = 1 << 18


def to_float(values, name: str, function: str) -> np.ndarray:
    """Numbers as a float array (NaN for missing); ordered categoricals of numbers are accepted."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    numeric = pd.to_numeric(series, errors="coerce")
    bad = numeric.isna() & series.notna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"{function}: {name} must hold numbers; got {series.iloc[position]!r} at position "
            f"{position}; expected scores such as 1-4"
        )
    return numeric.to_numpy(dtype=float, na_value=np.nan)


def to_strong(values, name: str, function: str) -> np.ndarray:
    """A strong/weak criterion as floats 1.0/0.0 (NaN for missing); booleans or 0/1 accepted."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        out = series.to_numpy(dtype=float, na_value=np.nan)
        if np.isin(out[~np.isnan(out)], (0.0, 1.0)).all():
            return out
    series = series.astype(object)
    present = series.notna().to_numpy()
    kept = series[present]
    valid = kept.map(lambda v: isinstance(v, (bool, np.bool_, int, float, np.number)) and v in (0, 1))
    if not valid.all():
        bad = kept[~valid.to_numpy()]
        raise ValueError(
            f"{function}: {name} must be True/False (or 1/0) for strong/weak; got {bad.iloc[0]!r}; "
            f"build it first, e.g. scores['recommendation'].isin(['yes', 'strong_yes'])"
        )
    out = np.full(len(series), np.nan)
    out[present] = kept.astype(float).to_numpy()
    return out


@dataclass(frozen=True)
class Matrix:
    """The answers, one per answered (candidate, question), and as a candidates x questions array
    with a mask of who answered what.

    The arrays (``answered``, ``centred``) are made when first read: Cronbach's alpha and alpha if
    deleted need them, the item-rest correlation does not, and at ten million score rows they are
    1.7 million interviews x 24 questions, 0.7 GB of pages to zero and fill (issue 26).
    """

    questions: pd.Index  # question labels, in column order
    c: np.ndarray  # candidate code of each answer
    q: np.ndarray  # question code of each answer
    x: np.ndarray  # score of each answer
    means: np.ndarray  # each question's mean score
    n_candidates: int

    @property
    def n_questions(self) -> int:
        return len(self.questions)

    def drop_answers(self) -> None:
        """Make ``answered`` and ``centred`` (all Cronbach's alpha reads), then let the per-answer
        arrays ``c``, ``q``, ``x`` go (None): at ten million rows a level's are some 100 MB, which sat
        under the alpha's two matrices and its float mask, the level table's peak (issue 26). Only
        for a matrix nothing else reads afterwards (:func:`analysis.stats.items.cronbach_alpha`'s)."""
        self.answered, self.centred  # noqa: B018 (cached on first read)
        for name in ("c", "q", "x"):
            object.__setattr__(self, name, None)  # a frozen dataclass's own fields, set as __init__ sets them

    @cached_property
    def answered(self) -> np.ndarray:
        """bool, candidates x questions: who answered what."""
        answered = np.zeros((self.n_candidates, self.n_questions), dtype=bool)
        answered[self.c, self.q] = True
        return answered

    @cached_property
    def centred(self) -> np.ndarray:
        """candidates x questions: the score minus the question's mean where answered, 0 elsewhere.
        Filled a block of answers at a time (the same subtraction per answer): the whole-array form's
        two answer-length temporaries sat on top of this matrix and the mask at the level table's
        alpha, its peak at ten million rows (issue 26)."""
        centred = np.zeros((self.n_candidates, self.n_questions))
        for start in range(0, len(self.x), _BLOCK):
            s = slice(start, start + _BLOCK)
            q = self.q[s]
            centred[self.c[s], q] = self.x[s] - self.means[q]
        return centred


def answer_matrix(data, candidate: str, question: str, score: str, function: str) -> Matrix:
    """Code the answers: one per answered (candidate, question), repeated scores averaged.

    Rows with a missing candidate, question or score are ignored. Everything is integer coding and
    ``bincount``, so a million rows take well under a second.
    """
    _check_columns(data, [candidate, question, score], function)
    x = to_float(data[score].reset_index(drop=True), f"column {score!r}", function)
    # integer codes of the whole columns, then of the kept rows (numbered as pd.factorize numbers
    # the kept values: candidates by first appearance, questions in sorted order), without hashing or
    # copying the id text again (issue 11)
    c_all, c_names = _codes.codes(data[candidate], sort=False)
    q_all, q_names = _codes.codes(data[question], sort=True)
    q_all = _codes.narrow(np.asarray(q_all))  # held while the matrix is coded: 1-2 bytes a row, not 8
    return coded_matrix(np.asarray(c_all), np.asarray(q_all), q_names, x, question, len(c_names),
                        c_by_appearance=True)


def coded_matrix(c_all: np.ndarray, q_all: np.ndarray, q_names: pd.Index, x: np.ndarray, question=None,
                 n_c_names: int | None = None, *, c_by_appearance: bool = False) -> Matrix:
    """:func:`answer_matrix` of answers already coded: ``c_all`` candidate codes (any numbering:
    they are renumbered by first appearance among the kept rows), ``q_all`` question codes sorted as
    :func:`analysis.stats._codes.codes` sorts them, named ``q_names`` (-1: none, for both), ``x``
    the scores as floats. The index of questions is named ``question``. ``c_by_appearance``: the
    candidate codes are numbered by first appearance over these rows already (``codes(sort=False)``
    of them), so when every row is kept they need no renumbering."""
    keep = ~np.isnan(x) & (c_all >= 0) & (q_all >= 0)
    if n_c_names is None:
        n_c_names = int(c_all.max()) + 1 if len(c_all) else 0
    if keep.all():  # every row kept (the common case): no subset copies
        c = c_all.astype(np.intp, copy=False) if c_by_appearance else _codes.by_appearance(c_all, n_c_names)
        q_used, q = _codes.dense(q_all, len(q_names))
    else:
        c = _codes.by_appearance(c_all[keep], n_c_names)
        q_used, q = _codes.dense(q_all[keep], len(q_names))
        x = x[keep]
    labels = q_names[q_used]
    n_c, n_q = (int(c.max()) + 1 if len(c) else 0), len(labels)
    # the answered cells, sorted, and each row's cell among them: a panel (several scores for one
    # answer) when there are fewer cells than rows; then the answer is their mean, summed per cell in
    # row order as a bincount over every cell would (no candidates x questions count table)
    panels = _panel_cells(c, q, n_q, n_c * n_q)
    if panels is not None:
        cells, inverse = panels
        x = np.bincount(inverse, weights=x, minlength=len(cells)) / np.bincount(inverse, minlength=len(cells))
        c, q = cells // n_q, cells % n_q
    n_answers = np.bincount(q, minlength=n_q)
    means = np.bincount(q, weights=x, minlength=n_q) / np.maximum(n_answers, 1)
    return Matrix(pd.Index(labels, name=question), c, q, x, means, n_c)


def _panel_cells(c: np.ndarray, q: np.ndarray, n_q: int, bound: int):
    """``(cells, inverse)`` (:func:`analysis.stats._codes.dense`) of the answers' cell keys
    ``c * n_q + q`` when some cell holds several answers (a panel), None when every answer has a
    cell of its own.

    The common case -- no panels -- is told by a table of one byte per possible cell (while there are
    at most 8 per answer) without ranking the cells: ``dense`` would build an 8-byte rank per possible
    cell, at ten million rows 1.7 million interviews x 24 questions, 330 MB of pages to zero and the
    largest part of the question table's item-rest correlation (issue 26). The table is marked a
    block of answers at a time, so the answers' 8-byte keys are made whole only when there are panels."""
    n = len(c)
    if bound <= 8 * n + (1 << 16):
        present = np.zeros(bound, dtype=bool)
        for start in range(0, n, _BLOCK):
            s = slice(start, start + _BLOCK)
            present[_cell_keys(c[s], q[s], n_q)] = True
        if np.count_nonzero(present) == n:
            return None
        del present
    cells, inverse = _codes.dense(_cell_keys(c, q, n_q), bound)
    return (cells, inverse) if len(cells) < n else None


def _cell_keys(c: np.ndarray, q: np.ndarray, n_q: int) -> np.ndarray:
    """The (candidate, question) cell of each answer as one int64 key, ``c * n_q + q``."""
    key = c.astype(np.int64)
    key *= n_q
    key += q
    return key


@dataclass(frozen=True)
class Pooled:
    """Available-case (pairwise) sums of squares and cross-products, pooled over questions."""

    n_pair: np.ndarray  # candidates who answered both i and j (diagonal: who answered i)
    sp: np.ndarray  # sum of cross-products of deviations from the pair-subset means
    k_mean: float  # mean number of questions answered per candidate


def pooled(m: Matrix) -> Pooled:
    mask = m.answered.astype(float)
    # These products are small (questions x questions); multi-threaded OpenBLAS can be 50x slower
    # than one thread on them when the machine is busy, so use one thread.
    with threadpool_limits(limits=1, user_api="blas"):
        cross = m.centred.T @ m.centred
        sums = m.centred.T @ mask  # sums[i, j]: total of question i over candidates who answered j
        n_pair = mask.T @ mask
    with np.errstate(divide="ignore", invalid="ignore"):
        sp = cross - sums * sums.T / n_pair
    sp[n_pair == 0] = 0.0
    return Pooled(n_pair, sp, float(m.answered.sum(axis=1).mean()))


def alpha_from_sums(ss_var, df_var, sp_cov, df_cov, k):
    """alpha = k c / (v + (k - 1) c), with v and c pooled variance and covariance (arrays ok)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        v = ss_var / df_var
        c = sp_cov / df_cov
        alpha = k * c / (v + (k - 1) * c)
    return np.where((df_var > 0) & (df_cov > 0) & (k >= 1), alpha, np.nan)


def pooled_terms(p: Pooled):
    n_diag = np.diag(p.n_pair)
    ss_var = np.diag(p.sp).sum()
    df_var = np.clip(n_diag - 1, 0, None).sum()
    off = ~np.eye(len(n_diag), dtype=bool)
    sp_cov = p.sp[off].sum()
    df_cov = np.clip(p.n_pair[off] - 1, 0, None).sum()
    return ss_var, df_var, sp_cov, df_cov


def r_from_sums(n: np.ndarray, sxy: np.ndarray, sxx: np.ndarray, syy: np.ndarray) -> np.ndarray:
    """Pearson r per group from its count (float) and centred sums of products and squares: NaN for a
    group of fewer than two, or whose spread in x or y is negligible (1e-12 a member), clipped to
    [-1, 1]. The one rule for the item statistics' correlations."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = sxy / np.sqrt(sxx * syy)
    tiny = 1e-12 * np.maximum(n, 1)
    return np.where((n >= 2) & (sxx > tiny) & (syy > tiny), np.clip(r, -1.0, 1.0), np.nan)


def rest_r(m: Matrix, k: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per question of the answer matrix ``m``: the item-rest correlation and the candidates it rests
    on (those with another answered question), from each candidate's answers ``k`` and sum ``total``.

    The rest score ``(total[c] - x) / (k[c] - 1)`` and the deviations are made a block of answers at
    a time, twice (once for the means, once for the centred sums), never as row-length arrays: at ten
    million answers the whole-array form held five 80 MB temporaries, the question table's peak
    (issue 26). Each sum is accumulated block after block in row order by ``np.add.at`` from zero,
    the same additions in the same order as one ``np.bincount`` over all answers (see
    :mod:`analysis.stats._unit_sums`), and the elementwise steps are those of the whole-array form,
    so the numbers are its own to the bit (tests/test_tables_inplace.py)."""
    nq = m.n_questions

    def blocks():  # (question, score, rest score) of the answers with a rest score, block by block
        for start in range(0, len(m.x), _BLOCK):
            s = slice(start, start + _BLOCK)
            c, q, x = m.c[s], m.q[s], m.x[s]
            mean_rest, others = total[c], k[c]
            mean_rest -= x
            others -= 1
            has_rest = others >= 1  # k[c] >= 2 (counts, exact as floats)
            with np.errstate(divide="ignore", invalid="ignore"):
                mean_rest /= others
            if not has_rest.all():  # someone answered one question only: their rows leave
                q, x, mean_rest = q[has_rest], x[has_rest], mean_rest[has_rest]
            yield q, x, mean_rest

    n = np.zeros(nq, dtype=np.int64)
    sx, sy = np.zeros(nq), np.zeros(nq)
    for q, x, y in blocks():
        n += np.bincount(q, minlength=nq)
        np.add.at(sx, q, x)
        np.add.at(sy, q, y)
    nf = n.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mx, my = sx / nf, sy / nf
    sxy, sxx, syy = np.zeros(nq), np.zeros(nq), np.zeros(nq)
    for q, x, y in blocks():
        dx = np.take(mx, q)
        np.subtract(x, dx, out=dx)
        dy = np.take(my, q)
        np.subtract(y, dy, out=dy)
        np.add.at(sxx, q, dx * dx)
        np.add.at(syy, q, dy * dy)
        dx *= dy
        np.add.at(sxy, q, dx)
    return r_from_sums(nf, sxy, sxx, syy), n
