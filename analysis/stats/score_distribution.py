"""The strong/weak score distribution: how often strong and weak candidates got each score on each
question version (the ``strong_weak`` table behind the score-distribution chart).

Why integer codes (issue 26): the pandas form of this table -- copy the kept rows' three columns,
add a group column, group by three keys -- took 0.5-0.7 CPU s and +416 MB over the resident set at
ten million rows (once the report's process peak): the row copies, pandas' int64 codes per key and
their combined index are each a row-length array. The table has only questions x 2 x scores cells,
so here every row is turned into one small integer cell number a block of rows at a time and
counted with ``np.bincount`` into one count array. For the loaded frame (categorical
``question_id``, int8 ``score``) nothing row-length is made: 0.075 CPU s and +29 MB.

The rows, their order, columns and dtypes are those of the group-by it replaces
(``groupby(["question_id", "group", "score"], observed=True, sort=True).size()``): questions in
category order (a categorical column) or sorted order (anything else), then strong before weak,
then scores ascending; a row with an unknown criterion, question or score is left out.
``tests/test_strong_weak_codes.py`` keeps that pandas form and checks the two agree exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.stats import _codes
from analysis.stats.item_ids import split_item_ids

__all__ = ["strong_weak"]

#: rows turned into cell numbers at a time: the block's temporaries (a few arrays of this length)
#: stay a few MB whatever the number of rows
BLOCK = 1 << 20

#: an integer score column whose values span fewer than this many is coded by subtracting its minimum
#: (no sort, no hash); a wider one (not a score scale any form produces) is factorised
_OFFSET_SPAN = 1 << 12

#: the group labels, by code: 0 strong, 1 weak -- also the labels' sorted order, so counting by the
#: code orders the groups as grouping by the labels would
GROUPS = np.array(["strong", "weak"], dtype=object)


def strong_weak(d: pd.DataFrame) -> pd.DataFrame:
    """Score distribution of strong and weak candidates per question version (tidy: ``question_id,
    version, group, score, n, share``; ``share`` within the version and group), the rows with a known
    criterion only.

    ``d`` holds ``question_id``, ``strong`` (> 0 strong, otherwise weak, NaN unknown) and ``score``
    (any numeric dtype; the table's ``score`` keeps it). ``n`` counts the rows of each question,
    group and score; ``share`` is ``n`` over the rows of its question and group.
    """
    q, questions = _question_codes(d["question_id"])
    strong = d["strong"].to_numpy(dtype=np.float64, copy=False)
    s, low, scores = _score_codes(d["score"])
    nq, ns = len(questions), len(scores)
    counts = np.zeros((nq, 2, ns), dtype=np.int64)
    if counts.size:
        flat = counts.reshape(-1)
        for start in range(0, len(q), BLOCK):
            block = slice(start, start + BLOCK)
            flat += _block_counts(q[block], strong[block], s[block], low, ns, flat.size)
    # the nonzero cells in cell order -- question, then group, then score -- are the group-by's rows
    # (an unobserved category or score is a cell never counted)
    qi, gi, si = np.nonzero(counts)
    n = counts[qi, gi, si]
    totals = counts.sum(axis=2)[qi, gi]      # rows of the question and group: exact integer sums
    t = pd.DataFrame({"question_id": pd.Series(questions.take(qi)).astype(str),
                      "group": GROUPS[gi],
                      "score": scores.take(si).array,
                      "n": n,
                      "share": n / totals})
    return split_item_ids(t)


def _question_codes(question: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``(codes, questions)``, -1 for a missing question. A categorical column (the loader's) is
    counted by its own category codes against all its categories: the cells are in category order
    (the group-by's order) and unused categories are cells never counted, so the rank remapping of
    :func:`analysis.stats._codes.codes` -- a row-length intp array, 80 MB at ten million rows --
    is not needed. Anything else is coded by that function (sorted)."""
    if isinstance(question.dtype, pd.CategoricalDtype):
        return question.cat.codes.to_numpy(), question.cat.categories
    return _codes.codes(question)


def _score_codes(score: pd.Series) -> tuple[np.ndarray, int, pd.Index]:
    """``(codes, low, scores)``: a row's score code is ``codes - low``, a negative one for a missing
    score; ``scores`` are sorted and of ``score``'s dtype. A plain integer column over a narrow span
    (the loaded ``score`` is int8 1..4) is its own codes less its minimum (no row-length copy, no
    sort; a value absent from the span is a cell never counted); anything else is factorised
    (``low`` 0)."""
    values = score.to_numpy() if isinstance(score.dtype, np.dtype) else None
    # at most 32 bits: a code plus its cell offset then never overflows int64
    if values is not None and values.dtype.kind in "iu" and values.dtype.itemsize <= 4 and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low < _OFFSET_SPAN:
            return values, low, pd.Index(np.arange(low, high + 1).astype(values.dtype))
    codes, scores = _codes.codes(score)
    return codes, 0, scores


def _block_counts(q: np.ndarray, strong: np.ndarray, s: np.ndarray, low: int, ns: int,
                  cells: int) -> np.ndarray:
    """Counts per cell ``(question * 2 + group) * ns + score code`` of one block of rows, ``cells``
    long; rows with a missing question, criterion or score are not counted. One int64 array of the
    kept rows is built, in place; the rest are the block's bool masks and narrow code selections."""
    keep = np.isnan(strong)
    np.logical_not(keep, out=keep)
    keep &= q >= 0
    if low == 0:                 # factorised codes mark a missing score -1 (offset ones from 0 are >= 0)
        keep &= s >= 0
    cell = q[keep].astype(np.int64)
    cell *= 2
    # group 0 strong, 1 weak: for a known criterion ``strong > 0`` is False exactly when ``<= 0``
    cell += (strong <= 0)[keep]
    cell *= ns
    cell += s[keep]
    if low:
        cell -= low
    return np.bincount(cell, minlength=cells)
