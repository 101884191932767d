"""The severity fit's design matrix built from the codes (analysis.stats._severity_solve.design_matrix)
is, entry for entry, the stacked indicator matrices it replaced (issue 26: memory at 10M rows)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats._severity_design import Design
from analysis.stats._severity_solve import candidate_counts, design_matrix


@st.composite
def _codes(draw):
    nq, nr = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    n = draw(st.integers(0, 60))
    q = np.array(draw(st.lists(st.integers(0, nq - 1), min_size=n, max_size=n)), dtype=np.intp)
    r = np.array(draw(st.lists(st.integers(0, nr - 1), min_size=n, max_size=n)), dtype=np.intp)
    keep = np.array(draw(st.lists(st.booleans(), min_size=nq, max_size=nq)))
    free = np.array(draw(st.lists(st.booleans(), min_size=nr, max_size=nr)))
    return q, keep, r, free


@settings(max_examples=200, deadline=None)
@given(_codes())
def test_same_matrix_as_the_stacked_indicators(codes):
    q, keep, r, free = codes
    n = len(q)
    ones = np.ones(n)
    Q = sp.csr_matrix((ones, (np.arange(n), q)), shape=(n, len(keep)))
    R = sp.csr_matrix((ones, (np.arange(n), r)), shape=(n, len(free))).tocsc()
    want = sp.hstack([Q[:, keep], R[:, np.flatnonzero(free)]]).tocsr()
    got = design_matrix(q, keep, r, free)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_array_equal(got.data, want.data)


def test_a_row_holds_its_cell_then_its_interviewer():
    """Two rows: cell 1 (kept as column 0) by interviewer 0 (free: column 1); cell 0 (dropped) by 1 (not free)."""
    x = design_matrix(np.array([1, 0]), np.array([False, True]), np.array([0, 1]), np.array([True, False]))
    assert x.toarray().tolist() == [[1.0, 1.0], [0.0, 0.0]]


@settings(max_examples=200, deadline=None)
@given(_codes(), st.data())
def test_the_design_kept_as_codes_gives_the_matrix_products_to_the_bit(codes, data):
    """Design (the fit's X as its codes) against the CSR matrix: shape, entries, X @ v, X' y, X' X,
    C' X and X[rows], with fractional values, so a different order of additions would show."""
    q, keep, r, free = codes
    X, d = design_matrix(q, keep, r, free), Design(q, keep, r, free)
    n, p = X.shape
    assert d.shape == X.shape and d.nnz == X.nnz
    floats = st.floats(-5, 5, allow_nan=False)
    y = np.array(data.draw(st.lists(floats, min_size=n, max_size=n)), dtype=float)
    beta = np.array(data.draw(st.lists(floats, min_size=p, max_size=p)), dtype=float)
    np.testing.assert_array_equal((d @ beta).view(np.int64), (X @ beta).view(np.int64))
    np.testing.assert_array_equal(d.t_dot(y).view(np.int64), (X.T @ y).view(np.int64))
    np.testing.assert_array_equal(d.gram(), (X.T @ X).toarray())
    if n:
        nc = data.draw(st.integers(1, 6))
        c = np.array(data.draw(st.lists(st.integers(0, nc - 1), min_size=n, max_size=n)), dtype=np.intp)
        _same(d.candidate_counts(c, nc), candidate_counts(X, c, nc))
        rows = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=n)), dtype=np.intp)
        _same(d[rows], X[rows])
    _same(d.csr(), X)


def _same(a, b):
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)
