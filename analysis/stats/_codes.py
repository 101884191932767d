"""Integer codes for the statistics' group-bys (issue 11).

On a million score rows, every ``np.unique`` of an int64 key and every pandas group-by on an Arrow
string column costs a tenth of a second to a second; the statistics do dozens of them. The helpers
here give the same answers as the numpy / pandas calls they replace, from integer codes:

* :func:`dense` is ``np.unique(keys, return_inverse=True)`` for non-negative integer keys below a
  known bound, by a presence table (one pass, no sort) when the bound is small next to the number
  of keys, and otherwise by one plain sort of ``key * n + position`` (issue 26: ``np.unique``'s
  argsort is some 40% slower);
* :func:`unique` is ``np.unique(keys)`` by a sort: numpy 2.3+ finds plain uniques with a hash
  table, which on a million int64 keys is some 50 times slower than sorting them;
* :func:`first_occurrences` is ``np.sort(np.unique(keys, return_index=True)[1])`` by the same plain
  sort (``return_index`` needs a stable argsort, ten times slower);
* :func:`codes` is ``pd.factorize(values, sort=True)`` that reads a categorical column's codes
  instead of hashing its values.

and one shared notion built on them (issue 9):

* :func:`answers` / :func:`answer_codes` tell which score rows are *the same answer scored twice*
  (same candidate, question and date: a panel or a shadowed interview), and
  :func:`distinct_per_group` counts the distinct interviewers of each answer. Severity
  (``_panel_share``), the design diagnostics (``_panels``) and inter-rater reliability
  (``_rating_units``) all read them, so the three cannot disagree about what a panel is.

Nothing here changes a number: ``tests/test_codes.py`` checks each helper against the call it
replaces, on random keys and on the edge cases (empty, one value, missing values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from analysis.stats._appearance import first_positions
from analysis.stats._text_codes import arrow_array, arrow_codes

__all__ = ["dense", "codes", "unique", "first", "first_occurrences", "order_by", "by_appearance", "combined", "duplicated", "first_rows", "first_row_positions", "subset",
           "Answers", "answers", "answer_codes", "distinct_per_group"]

#: a presence table is used while the key bound is at most this many times the number of keys (plus
#: a constant); beyond it (e.g. candidates x questions x levels on ten million rows) ``np.unique``
_TABLE_RATIO = 4
_TABLE_MIN = 1 << 20


def dense(keys: np.ndarray, bound: int | None = None, *, owned: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(unique_keys, inverse)`` of integer ``keys``, as
    ``np.unique(keys, return_inverse=True)`` returns them (sorted uniques, ``inverse`` the position of
    each key among them, as intp).

    ``bound`` is an exclusive upper bound of the keys (their maximum + 1 when not given). Negative
    keys (a missing code folded into a key) go to ``np.unique``. ``owned``: int64 ``keys`` the caller
    no longer needs, which the sort may then work in (one row-length int64 array less).
    """
    keys = np.asarray(keys).reshape(-1)
    n = len(keys)
    if n == 0:
        return keys.astype(np.int64), np.zeros(0, dtype=np.intp)
    if bound is None:
        bound = int(keys.max()) + 1
    if bound > _TABLE_RATIO * n + _TABLE_MIN or keys.min() < 0:
        return _dense_by_sort(keys, owned)
    present = np.zeros(bound, dtype=bool)
    present[keys] = True
    uniq = np.flatnonzero(present)
    del present
    if len(uniq) == bound:
        # every key below the bound is present (keys that are ranks already, as the inter-rater
        # units are): each key is its own rank, and the table and its gather are skipped
        return uniq.astype(keys.dtype, copy=False), keys.astype(np.intp)
    # the rank table is read only at present keys, so it need not be cleared, and int32 halves the
    # pages it touches (candidates x questions is a table of 30-odd million entries at ten million
    # rows); the ranks are read into the intp result a block at a time, with no row-length int32 copy
    rank = np.empty(bound, dtype=_row_type(len(uniq)))
    rank[uniq] = np.arange(len(uniq), dtype=rank.dtype)
    inverse = np.empty(n, dtype=np.intp)
    for start in range(0, n, _BLOCK):
        inverse[start:start + _BLOCK] = rank[keys[start:start + _BLOCK]]
    return uniq.astype(keys.dtype, copy=False), inverse


def _sort_with_positions(keys: np.ndarray, owned: bool = False):
    """``(distinct, positions, starts, spare)`` of integer ``keys`` by one plain sort of
    ``(key - min) * n + position``: the sorted distinct keys, the row each sorted key came from,
    where each distinct key's run starts among the sorted ones, and the int64 row-length buffer the
    sort worked in, free for the caller to reuse. ``np.unique`` would sort indices
    instead (an argsort: some 40% slower than a sort on a million keys, ten times for
    ``return_index``). None when the keys are not signed integers or their range times their number
    does not fit in int64; the callers then use ``np.unique``.

    Row-length arrays are few and narrow (issue 26: at ten million rows each new int64 array is 80 MB
    of fresh pages the kernel must zero, a quarter of the report's CPU): the one int64 array of
    combined keys is sorted in place and then divided in place into the sorted keys; the positions
    come out as int32 (half the bytes) while the rows fit; ``starts`` is the third. The positions
    are added in blocks (no row-length ``arange``)."""
    n = len(keys)
    lo, hi = int(keys.min()), int(keys.max())
    if keys.dtype.kind != "i" or (hi - lo + 1) * n >= 1 << 63:
        return None
    combo = keys if owned and keys.dtype == np.int64 else np.subtract(keys, lo, dtype=np.int64)
    if combo is keys:
        combo -= lo
    combo *= n
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        combo[start:stop] += np.arange(start, stop, dtype=np.int64)
    combo.sort()
    positions = np.empty(n, dtype=_row_type(n))
    np.remainder(combo, n, out=positions, casting="unsafe")  # exact: the remainder is below n
    combo //= n                                             # the sorted keys - min, in place
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(combo[1:], combo[:-1], out=starts[1:])
    distinct = combo[starts]
    distinct += lo
    return distinct, positions, starts, combo


#: rows handled per block where a row-length temporary can be avoided by working in blocks
_BLOCK = 1 << 18


def _row_type(n: int):
    """The narrowest signed integer type that numbers ``n`` rows (int32 up to two billion rows)."""
    return np.int32 if n < 2**31 else np.int64


def _dense_by_sort(keys: np.ndarray, owned: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """:func:`dense` of keys too spread out for a presence table, through :func:`_sort_with_positions`:
    the rank of each sorted key is the number of run starts up to it, written straight to the row it
    came from."""
    got = _sort_with_positions(keys, owned)
    if got is None:
        u, inv = np.unique(keys, return_inverse=True)
        return u, inv.reshape(-1).astype(np.intp, copy=False)
    uniq, positions, starts, spare = got
    rank = np.cumsum(starts, dtype=np.intp, out=spare if spare.dtype == np.intp else None)  # in the sort's buffer
    del starts
    rank -= 1
    inverse = np.empty(len(keys), dtype=np.intp)
    inverse[positions] = rank
    return uniq.astype(keys.dtype, copy=False), inverse


def unique(keys: np.ndarray) -> np.ndarray:
    """``np.unique(keys)`` (sorted distinct values) of an integer array, by sorting.

    int64 keys within 2**31 of their minimum (the (answer, interviewer) keys of
    :func:`distinct_per_group`, candidate x interviewer keys in severity) are sorted as int32
    offsets from it: numpy sorts those several times faster than int64, in half the memory. The
    offsets are taken in int32 arithmetic, which wraps modulo 2**32, so ``key - min`` comes out
    exact for any key within that range (no int64 copy first); the distinct offsets are shifted
    back in int64, so the values and their type are those of ``np.unique``."""
    keys = np.asarray(keys).reshape(-1)
    if len(keys) and keys.dtype == np.int64:
        lo = int(keys.min())
        if int(keys.max()) - lo < 2**31:
            narrow = keys.astype(np.int32)                # each key modulo 2**32
            narrow -= np.int32((lo + 2**31) % 2**32 - 2**31)  # minus the minimum modulo 2**32: key - min
            narrow.sort()
            distinct = narrow[np.r_[True, narrow[1:] != narrow[:-1]]].astype(np.int64)
            distinct += lo
            return distinct
    s = np.sort(keys)
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


def first_occurrences(keys: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct integer key, in increasing order:
    ``np.sort(np.unique(keys, return_index=True)[1])``, through :func:`_sort_with_positions` (the first
    position of each run of equal sorted keys) instead of the stable argsort ``np.unique`` needs for
    ``return_index``."""
    keys = np.asarray(keys).reshape(-1)
    if not len(keys):
        return np.zeros(0, dtype=np.intp)
    got = _sort_with_positions(keys)
    if got is None:
        return np.sort(np.unique(keys, return_index=True)[1]).astype(np.intp, copy=False)
    _, positions, starts, _ = got
    out = positions[starts]
    out.sort()
    return out.astype(np.intp, copy=False)


def order_by(first: np.ndarray, then: np.ndarray) -> np.ndarray:
    """``np.lexsort((then, first))`` of integer codes (-1 for missing allowed): the stable order of the
    rows by ``first``, then by ``then``. One plain sort of the combined key, the positions folded
    into it for stability (:func:`_sort_with_positions`), when it fits in int64: numpy's lexsort of
    two million keys (the inter-rater panels' slots at ten million rows) costs several times more."""
    first, then = np.asarray(first).reshape(-1), np.asarray(then).reshape(-1)
    if len(first) and min(int(first.min()), int(then.min())) >= -1:
        key = first.astype(np.int64) + 1
        key *= int(then.max()) + 2
        key += then
        key += 1
        got = _sort_with_positions(key)
        if got is not None:
            return got[1].astype(np.intp)
    return np.lexsort((then, first))


def first(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """Row of the first occurrence of each key ``0 .. n_keys - 1`` of dense integer ``keys`` (every key
    present), i.e. ``np.unique(keys, return_index=True)[1]``, without the sort."""
    keys = np.asarray(keys).reshape(-1)
    out = np.full(n_keys, len(keys), dtype=np.intp)
    np.minimum.at(out, keys, np.arange(len(keys), dtype=np.intp))
    return out


def by_appearance(codes_: np.ndarray, n_codes: int) -> np.ndarray:
    """Renumber non-negative codes ``0 .. n_codes - 1`` by first appearance, as
    ``pd.factorize(values, sort=False)`` numbers the values they stand for: a subset of a coded
    column recoded without hashing its values again."""
    codes_ = np.asarray(codes_).reshape(-1)
    if not len(codes_):
        return codes_.astype(np.intp)
    pos = np.full(n_codes, len(codes_), dtype=np.intp)
    np.minimum.at(pos, codes_, np.arange(len(codes_), dtype=np.intp))
    seen = np.flatnonzero(pos < len(codes_))
    rank = np.zeros(n_codes, dtype=np.intp)
    rank[seen[np.argsort(pos[seen], kind="stable")]] = np.arange(len(seen), dtype=np.intp)
    return rank[codes_]


def combined(frame: pd.DataFrame, columns) -> tuple[np.ndarray, int]:
    """One dense integer key per row for the combination of ``columns`` (missing values count as
    one value, as ``DataFrame.duplicated`` counts them), and the number of distinct keys. The keys
    are numbered in sorted order of the column codes, not of the values: use them for equality."""
    key = np.zeros(len(frame), dtype=np.int64)
    n_keys = 1
    for col in columns:
        c = np.asarray(codes(frame[col], sort=False)[0], dtype=np.int64) + 1  # 0 = missing
        width = int(c.max()) + 1 if len(c) else 1
        _, key = dense(key * width + c, n_keys * width)
        key = key.astype(np.int64, copy=False)
        n_keys = int(key.max()) + 1 if len(key) else 1
    return key, n_keys


def duplicated(frame: pd.DataFrame, columns) -> np.ndarray:
    """``frame.duplicated(subset=columns, keep="first").to_numpy()`` from integer codes."""
    key, n_keys = combined(frame, columns)
    out = np.ones(len(frame), dtype=bool)
    if len(frame):
        out[first(key, n_keys)] = False
    return out


def narrow(codes: np.ndarray, top: int | None = None, *, copy: bool = True) -> np.ndarray:
    """Integer codes (``-1 .. top``; ``top`` their maximum when not given) in the smallest of int8,
    int16 and int32 that holds them, else as they are: the same numbers in an eighth to a half of the
    bytes of intp (at ten million rows an int64 code column is 80 MB, an int8 one 10 MB). Only
    comparisons, indexing and bincount read such codes, which any integer type serves. ``copy=False``
    returns ``codes`` itself when it already has that type."""
    if top is None:
        top = int(codes.max()) if len(codes) else 0
    for t in (np.int8, np.int16, np.int32):
        if top <= np.iinfo(t).max:
            return codes.astype(t, copy=copy)
    return codes


def first_rows(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame.drop_duplicates(column)``: the first row of each value (missing counts as one value),
    in row order, from the column's codes."""
    return frame.iloc[first_row_positions(frame[column])] if len(frame) else frame.iloc[:0]


def first_row_positions(values: pd.Series) -> np.ndarray:
    """The positions of :func:`first_rows`, for a caller that takes its columns itself: the codes of
    :func:`codes` (``sort=False``) number the values as they first appear, so one pass finds them
    (:func:`~analysis.stats._appearance.first_positions`, no copy of the codes)."""
    return first_positions(np.asarray(codes(values, sort=False)[0]))


def subset(values: pd.Series, keep: np.ndarray, sort: bool = True) -> tuple[np.ndarray, pd.Index]:
    """``codes(values[keep], sort)`` from the codes of the whole column: a row subset of an Arrow
    column is a new array (no memo), and taking the text costs more than the statistic."""
    c_all, names = codes(values, sort=sort)
    c = np.asarray(c_all)[keep]
    valid = c >= 0
    out = np.full(len(c), -1, dtype=np.intp)
    if sort:
        used, out[valid] = dense(c[valid], len(names))
    else:
        out[valid] = by_appearance(c[valid], len(names))
        used = c[valid][first(out[valid], int(out[valid].max()) + 1)] if valid.any() else np.zeros(0, np.intp)
    return out, names[used]


def codes(values, sort: bool = True) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values, sort=sort)`` as ``(codes, uniques)``: -1 for a missing value.

    A categorical ``values`` (the loader types ``question_id``, ``level`` and ``interviewer`` so) is
    coded from its category codes without hashing the values; the uniques keep the categorical
    dtype, as ``pd.factorize`` keeps it. Anything else goes to ``pd.factorize``.
    """
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        raw = values.cat.codes.to_numpy()
        cats = values.cat.categories
        if not len(raw):
            return np.zeros(0, dtype=np.intp), pd.Index(pd.Categorical([], dtype=values.dtype))
        # a missing value's code -1 reads (and marks) the spare last slot of both tables, so no
        # row-length mask or copy is made
        present = np.zeros(len(cats) + 1, dtype=bool)
        present[raw] = True
        if sort:
            used = np.flatnonzero(present[:-1])
            remap = np.full(len(cats) + 1, -1, dtype=np.intp)
            remap[used] = np.arange(len(used), dtype=np.intp)
            return remap[raw], pd.Index(pd.Categorical.from_codes(used, dtype=values.dtype))
        return pd.factorize(values, sort=False)
    pa_array = arrow_array(values)
    if pa_array is not None:
        return arrow_codes(values, pa_array, sort)
    return pd.factorize(values, sort=sort)


# --- the same answer scored twice -------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Answers:
    """Which score rows are *the same answer*: one candidate, one question, one date.

    A score row is one interviewer's grade of one candidate's answer to one question. When two
    rows share candidate, question and date, they grade the same answer: a panel (two interviewers
    in the room) or a shadowed interview (a trainee scoring alongside). Their disagreement is the
    graders' alone, which is what inter-rater agreement and the severity model's second opinions
    need. Rows of one candidate and question on *different* dates grade different answers (a
    second try): a test-retest pair, whose agreement is lower by nature. :func:`answers` and
    :func:`answer_codes` build this object; severity, design diagnostics and inter-rater
    reliability all read the same one, so they cannot disagree about what a panel is.

    Attributes
    ----------
    code : ndarray of intp
        Per row, its answer, numbered ``0 .. n - 1`` in sorted order of the (candidate, question,
        date) codes (with codes from ``codes(sort=True)``, sorted key order: what
        ``groupby([candidate, question, date], sort=True).ngroup()`` numbers); -1 where a part is
        missing (the row belongs to no answer).
    n : int
        Number of answers.
    pair : ndarray of intp
        Per *answer* (length ``n``, not per row), its (candidate, question) pair, numbered
        ``0 .. n_pairs - 1`` in sorted order; non-decreasing, since the answers are sorted by pair
        first. The answers of one pair are the occasions the question was asked of the candidate,
        in date order (the test-retest design). Computed when first read.
    pair_starts : ndarray of bool
        Per answer, whether it is its pair's first (where ``pair`` steps up). Computed when first read.
    n_pairs : int
        Number of pairs that have an answer.

    Notes
    -----
    Who reads it: ``severity._panel_share`` (which rows are second opinions; ``dropna_date=False``),
    ``design._panels`` (answers scored twice; and, with undated rows as one occasion as
    ``drop_duplicates`` has it, the test-retest pairs) and ``calibration._rating_units`` (the units
    of ``inter_rater``). The loader refuses a scorecard without a valid date, so on a loaded
    workbook the two readings of a missing date agree; they differ only for a frame built by hand.
    """

    code: np.ndarray
    n: int
    _keys: np.ndarray = field(repr=False)  # the answers' sorted int64 keys: pair * _width + date slot
    _width: int = field(repr=False)

    @cached_property
    def pair(self) -> np.ndarray:
        pair = np.cumsum(self.pair_starts, dtype=np.intp)
        pair -= 1
        return pair

    @cached_property
    def pair_starts(self) -> np.ndarray:
        """Per answer, whether it is the first (earliest) answer of its pair: where :attr:`pair` steps
        up. Enough for a reader that only needs each pair's first answers (``inter_rater``'s
        test-retest pairs), without the cumulative count behind :attr:`pair` (a tenth of a second
        per ten million answers)."""
        starts = np.empty(self.n, dtype=bool)
        if self.n:
            upper = self._keys // self._width
            starts[0] = True
            np.not_equal(upper[1:], upper[:-1], out=starts[1:])
        return starts

    @property
    def n_pairs(self) -> int:
        return int(self.pair[-1]) + 1 if self.n else 0

    def raters(self, interviewers: np.ndarray) -> np.ndarray:
        """Per answer, how many distinct interviewers scored it (integer ``interviewers`` codes, one
        per row, -1 for a missing interviewer, who counts as nobody): 2 or more is a panel or
        shadowing."""
        return distinct_per_group(self.code, interviewers, self.n)

    def scored_twice(self, interviewers: np.ndarray) -> np.ndarray:
        """Per row, whether its answer was scored by two or more distinct interviewers (False for a
        row that belongs to no answer). A row of such an answer is a second opinion on it."""
        twice = np.r_[self.raters(interviewers) >= 2, False]  # code -1 reads the last entry: False
        return twice[self.code]


def answers(candidate: np.ndarray, question: np.ndarray, date: np.ndarray, *,
            dropna_date: bool = True) -> Answers:
    """The :class:`Answers` of score rows, from integer codes of their candidate, question and date.

    Parameters
    ----------
    candidate, question, date : ndarray of int
        One code per row for each part of the key, ``-1`` for a missing value (what :func:`codes`
        returns). Codes from ``codes(..., sort=True)`` number the answers in sorted key order.
    dropna_date : bool, default True
        What a missing date means, as ``dropna`` in a pandas group-by. True: a row without a date
        belongs to no answer (it cannot be told apart from the candidate's other tries). False: the
        undated rows of a candidate and question are one more answer, as
        ``groupby(..., dropna=False)`` and ``drop_duplicates`` treat a missing value; it comes
        before the pair's dated answers. A missing candidate or question always puts the row in no
        answer.

    Returns
    -------
    Answers

    Notes
    -----
    One sort (:func:`dense`) of one int64 key per row, ``(candidate, question)`` in its upper part
    and the date slot (0 for no date) in its lower part, numbers the occasions in sorted order; the
    dated answers and their pairs are read off the sorted keys without a second sort (on a million
    rows each sort costs a tenth of a second). ``tests/test_codes.py`` checks the result against
    the pandas group-by, with missing values in every column.

    Examples
    --------
    >>> a = answers(np.array([0, 0, 0, 1]), np.array([3, 3, 3, 3]), np.array([7, 7, 8, -1]))
    >>> a.code, a.n, a.pair  # rows 0 and 1 are one answer; row 3 has no date: no answer
    (array([ 0,  0,  1, -1]), 2, array([0, 0]))
    >>> a.raters(np.array([0, 1, 0, 2]))  # answer 0 was scored by two interviewers: a panel
    array([2, 1])
    """
    # the codes as they come (int8 questions, int16 dates: no int64 copies, 240 MB at ten million rows)
    c, q, d = (x if x.dtype.kind in "iu" else x.astype(np.int64)
               for x in (np.asarray(y).reshape(-1) for y in (candidate, question, date)))
    if not (len(c) == len(q) == len(d)):
        raise ValueError(f"answers needs one code per row in each part; got {len(c)} candidates, "
                         f"{len(q)} questions and {len(d)} dates")
    has_pair = (c >= 0) & (q >= 0)
    every = bool(has_pair.all())
    rows = None if every else np.flatnonzero(has_pair)
    if rows is not None:
        c, q, d = c[rows], q[rows], d[rows]
    if not len(c):
        return Answers(np.full(len(has_pair), -1, dtype=np.intp), 0, np.zeros(0, np.int64), 1)
    # date slot d + 1 (0: no date), added to the key in place rather than as a shifted copy of d
    wq, wd = int(q.max()) + 1, int(d.max()) + 2
    bound = (int(c.max()) + 1) * wq * wd
    key = np.multiply(c, wq, dtype=np.int64)
    key += q
    if bound >= 2**62:  # (never on a real history) number the pairs first to keep the keys small
        key = dense(key)[1].astype(np.int64)
        bound = (int(key.max()) + 1) * wd
    key *= wd
    key += d
    key += 1
    keys, occ = dense(key, bound, owned=True)  # the key is sorted in place: no second int64 copy
    del key
    if dropna_date and (d < 0).any():
        dated = keys % wd != 0
        rank = np.cumsum(dated) - 1
        rank[~dated] = -1  # an undated occasion is no answer
        occ, keys = rank[occ], keys[dated]
    if every:
        return Answers(occ.astype(np.intp, copy=False), len(keys), keys, wd)
    code = np.full(len(has_pair), -1, dtype=np.intp)
    code[rows] = occ
    return Answers(code, len(keys), keys, wd)


def answer_codes(data: pd.DataFrame, candidate: str = "candidate_id", question: str = "question_id",
                 date: str = "date", *, dropna_date: bool = True) -> Answers:
    """The :class:`Answers` of the rows of a score frame: :func:`answers` of the columns' sorted
    codes (:func:`codes`), so answers and pairs are numbered in sorted key order.

    Examples
    --------
    >>> from analysis.io.load import load
    >>> s = load().scores
    >>> a = answer_codes(s)
    >>> panels = a.raters(codes(s["interviewer"])[0]) >= 2  # answers scored by 2+ interviewers
    """
    # questions and dates in their narrowest type, each intp copy let go at once (the candidates' are
    # the report's memoised codes, shared): at ten million rows 140 MB less under the sort
    parts = [codes(data[col], sort=True)[0] if col == candidate else narrow(codes(data[col], sort=True)[0])
             for col in (candidate, question, date)]
    return answers(*parts, dropna_date=dropna_date)


def distinct_per_group(groups: np.ndarray, members: np.ndarray, n_groups: int | None = None) -> np.ndarray:
    """Number of distinct members of each group ``0 .. n_groups - 1``, from integer codes.

    ``pd.Series(members).groupby(groups).nunique()`` with every group listed (0 for a group with no
    member), without the hash group-by: the distinct (group, member) combinations are found by one
    sort of integer keys. A row whose group or member is -1 (missing) is left out: a missing
    interviewer is nobody, and a row in no group counts nowhere.

    Parameters
    ----------
    groups, members : ndarray of int
        One code per row; ``-1`` for missing.
    n_groups : int, optional
        Number of groups (default: the largest group code + 1).

    Returns
    -------
    ndarray of int64, length ``n_groups``

    Examples
    --------
    >>> distinct_per_group(np.array([0, 0, 0, 1, -1]), np.array([4, 4, 5, -1, 4]))
    array([2, 0])
    """
    g = np.asarray(groups, dtype=np.int64).reshape(-1)
    m = np.asarray(members).reshape(-1)  # any integer type (int8 interviewer codes): no int64 copy
    if not (m.dtype.kind == "i" or (m.dtype.kind == "u" and m.dtype.itemsize < 8)):
        m = m.astype(np.int64)
    if len(g) != len(m):
        raise ValueError(f"distinct_per_group needs one member per row; got {len(g)} groups and {len(m)} members")
    if n_groups is None:
        n_groups = int(g.max()) + 1 if len(g) else 0
    ok = (g >= 0) & (m >= 0)
    if not ok.all():
        g, m = g[ok], m[ok]
    if not len(g):
        return np.zeros(n_groups, dtype=np.int64)
    # a group of one row has one member; only the groups of two or more rows need the sort of their
    # (group, member) keys -- on the answers of a score history most groups are single rows (a
    # million rows hold some 110,000 answers scored twice), so the sort shrinks to a fifth
    # (the per-row test reads a per-group bool table: no row-length int64 gather of the sizes)
    size = np.bincount(g, minlength=n_groups)
    several = (size >= 2)[g]
    out = (size == 1).astype(np.int64)
    if several.any():
        g, m = g[several], m[several]
        width = int(m.max()) + 1
        g *= width  # g is a copy made just above
        g += m
        combos = unique(g)
        combos //= width
        out += np.bincount(combos, minlength=n_groups)
    return out
