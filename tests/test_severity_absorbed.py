"""The severity fit's absorbed normal equations (analysis.stats._severity_solve.Absorbed) and the
candidate sums (by_candidate, candidate_counts, gram) equal, to the bit, what the fit computed with
sparse products before issue 26 (the reference is that code, kept here), on random designs with
fractional scores -- so the faster build cannot move a severity or an interval."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analysis.stats._severity_design import Design
from analysis.stats._severity_solve import Absorbed, by_candidate, candidate_counts, design_matrix, gram


def _old_by_candidate(X, c_idx, nc, w=None):
    row = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    data = X.data if w is None else X.data * w[row]
    return sp.coo_matrix((data, (c_idx[row], X.indices)), shape=(nc, X.shape[1])).tocsr()


class _OldAbsorbed:
    def __init__(self, X, c_idx, y, n_c):
        self.XtX = (X.T @ X).toarray()
        self.Xty = X.T @ y
        CtX = _old_by_candidate(X, c_idx, len(n_c))
        Cty = np.bincount(c_idx, y, minlength=len(n_c))
        self.CtX, self.Cty = CtX, Cty
        ks, inv = np.unique(n_c, return_inverse=True)
        self.M, self.v, self.s = [], [], []
        for j in range(len(ks)):
            idx = np.flatnonzero(inv == j)
            sub = CtX[idx]
            self.M.append((sub.T @ sub).toarray())
            self.v.append(sub.T @ Cty[idx])
            self.s.append(float(Cty[idx] @ Cty[idx]))


@st.composite
def _designs(draw, coded=False):
    nq, nr, nc = draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(1, 12))
    n = draw(st.integers(1, 80))
    ints = lambda hi: np.array(draw(st.lists(st.integers(0, hi - 1), min_size=n, max_size=n)), dtype=np.intp)
    q, r, c = ints(nq), ints(nr), ints(nc)
    c = np.unique(c, return_inverse=True)[1].reshape(-1)  # every candidate has a row, as in the fit
    keep = np.array(draw(st.lists(st.booleans(), min_size=nq, max_size=nq)))
    free = np.array(draw(st.lists(st.booleans(), min_size=nr, max_size=nr)))
    y = np.array(draw(st.lists(st.floats(-3, 7, allow_nan=False), min_size=n, max_size=n)))
    if coded:  # also the design kept as its codes (what the fit passes)
        return design_matrix(q, keep, r, free), c, y, Design(q, keep, r, free)
    return design_matrix(q, keep, r, free), c, y


def _same_csr(a, b):
    a, b = a.tocsr(), b.tocsr()
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)


@settings(max_examples=150, deadline=None)
@given(_designs())
def test_absorbed_equals_the_sparse_products_bit_for_bit(design):
    X, c, y = design
    n_c = np.bincount(c).astype(float)
    new, old = Absorbed(X, c, y, n_c), _OldAbsorbed(X, c, y, n_c)
    np.testing.assert_array_equal(new.XtX, old.XtX)
    np.testing.assert_array_equal(new.Xty, old.Xty)
    _same_csr(new.CtX, old.CtX)
    for a, b in zip(new.M, old.M, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(new.v, old.v, strict=True):
        np.testing.assert_array_equal(a, b)
    assert new.s == old.s


@settings(max_examples=150, deadline=None)
@given(_designs())
def test_candidate_sums_equal_the_old_conversion(design):
    X, c, y = design
    nc = int(c.max()) + 1
    _same_csr(by_candidate(X, c, nc, y), _old_by_candidate(X, c, nc, y))
    for block_rows in (1, 3, 7):  # the sandwich's sums a range of candidates at a time: the same bits
        blocked = by_candidate(X, c, nc, y, block_rows=block_rows)
        _same_csr(blocked, _old_by_candidate(X, c, nc, y))
        np.testing.assert_array_equal((blocked.T @ blocked).toarray(),
                                      (_old_by_candidate(X, c, nc, y).T @ _old_by_candidate(X, c, nc, y)).toarray())
    _same_csr(candidate_counts(X, c, nc), _old_by_candidate(X, c, nc))
    np.testing.assert_array_equal(gram(X), (X.T @ X).toarray())


@settings(max_examples=150, deadline=None)
@given(_designs(coded=True))
def test_the_design_kept_as_codes_gives_the_same_system_and_sums(design):
    X, c, y, coded = design
    n_c = np.bincount(c).astype(float)
    new, old = Absorbed(coded, c, y, n_c), Absorbed(X, c, y, n_c)
    for lam in (0.0, 0.37, 5.0):
        for a, b in zip(new.system(lam), old.system(lam), strict=True):
            np.testing.assert_array_equal(a, b)
    _same_csr(new.CtX, old.CtX)
    nc = int(c.max()) + 1
    for block_rows in (1, 3, 7, 10**6):
        _same_csr(by_candidate(coded, c, nc, y, block_rows=block_rows), _old_by_candidate(X, c, nc, y))


def test_gram_of_a_design_with_more_than_two_entries_per_row_is_the_sparse_product():
    X = sp.csr_matrix(np.array([[1.0, 1, 1], [0, 2, 1]]))
    np.testing.assert_array_equal(gram(X), (X.T @ X).toarray())


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 70_000), st.lists(st.integers(-1, 69_999), max_size=30))
@example(128, [127, -1])
@example(129, [128])
@example(32_768, [32_767])
@example(32_769, [32_768, -1])
def test_narrowed_codes_keep_every_value_in_the_smallest_type(n_names, raw):
    """fit_severity reads interviewer, question and level codes narrowed by ``narrow`` (``_codes.narrow``): the same
    values (-1 included) in the smallest signed type that holds the largest code."""
    from analysis.stats._severity_solve import narrow
    codes_ = np.array([c % n_names if c >= 0 else -1 for c in raw], dtype=np.intp)
    out, names = narrow(codes_, range(n_names))
    assert names == range(n_names)
    np.testing.assert_array_equal(out.astype(np.intp), codes_)
    smallest = next(t for t in (np.int8, np.int16, np.int32) if n_names - 1 <= np.iinfo(t).max)
    assert out.dtype == smallest


def test_blocked_sums_sort_a_sorted_block_as_the_whole_matrix_is_sorted():
    """A block whose candidates' columns come sorted is sorted by scipy anyway when another block's are
    not (scipy sorts every row then, unstably: the order equal columns are summed in): designs with
    many repeated columns per candidate, where some blocks are sorted and others not, keep every bit."""
    rng = np.random.default_rng(26)
    for _ in range(60):
        n, nc = int(rng.integers(100, 400)), int(rng.integers(2, 5))
        c = np.sort(rng.integers(0, nc, n)) if rng.random() < 0.5 else rng.integers(0, nc, n)
        c = np.unique(c, return_inverse=True)[1].reshape(-1)
        nc = int(c.max()) + 1
        q = np.where(c == 0, 0, rng.integers(0, 3, n))  # candidate 0: one column only, a sorted row
        r = np.where(c == 0, 0, rng.integers(0, 2, n))  # ... and no interviewer column (0 is not free)
        X = design_matrix(q, np.ones(3, bool), r, np.array([False, True]))
        y = rng.normal(0, 3, n)
        whole = _old_by_candidate(X, c, nc, y)
        for block_rows in (5, 17, 60):
            _same_csr(by_candidate(X, c, nc, y, block_rows=block_rows), whole)
