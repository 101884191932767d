"""The linear algebra of :mod:`analysis.stats.severity`: normal equations with the candidate effects
absorbed, and a checked Cholesky solve.

Private helpers of :func:`analysis.stats.severity.fit_severity`, kept apart from the model so that
each reads on its own: :class:`Absorbed` builds ``X'HX`` and ``X'Hy`` for any ridge ratio from
matrices computed once, :func:`chol_solve` solves them and refuses (never a silent least-squares
fallback) when they are singular or conditioned worse than :data:`MAX_CONDITION`, and
:func:`reml_objective` is the profiled REML criterion the ridge ratio is chosen by.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy import linalg

from analysis.stats import _codes as _int_codes

__all__ = ["MAX_CONDITION", "narrow", "design_matrix", "by_candidate", "candidate_counts", "counts_from_keys", "gram", "Absorbed", "condition_number", "chol_solve", "reml_objective"]

#: Largest condition number (of the Jacobi-scaled normal equations) a solve is trusted at.
MAX_CONDITION = 1e10


def narrow(codes_, names):
    """``(codes_, names)`` with the codes narrowed to hold ``-1 .. len(names) - 1``
    (:func:`analysis.stats._codes.narrow`), for the fit's ``narrow(*codes(column))``."""
    return _int_codes.narrow(codes_, len(names) - 1, copy=False), names


def design_matrix(q_idx, keep_cell, r_idx, free):
    """The fixed part's design ``X = [Q[:, keep_cell], R[:, free]]`` (``Q``, ``R``: the rows' cell and
    interviewer indicators) as CSR, built from the codes: entry for entry what ``sp.hstack`` of the
    two indicator matrices gives (a row's cell column, then its interviewer column; every value 1),
    without the row-length indicator matrices, their column selections and the stacked COO copy (at
    ten million rows those held some 1.5 GB at once)."""
    keep_cell, free = np.asarray(keep_cell, bool), np.asarray(free, bool)
    nk = int(keep_cell.sum())
    qcol = np.cumsum(keep_cell) - 1  # the column of each kept cell
    rcol = nk + np.cumsum(free) - 1  # the column of each free interviewer
    has_q, has_r = keep_cell[q_idx], free[r_idx]
    indptr = np.zeros(len(q_idx) + 1, dtype=np.int64)
    np.cumsum(has_q.astype(np.int64) + has_r, out=indptr[1:])
    nnz, p = int(indptr[-1]), nk + int(free.sum())
    idx_dtype = np.int32 if max(nnz, p) < np.iinfo(np.int32).max else np.int64
    indices = np.empty(nnz, dtype=idx_dtype)
    start = indptr[:-1]
    indices[start[has_q]] = qcol[q_idx[has_q]]
    indices[(start + has_q)[has_r]] = rcol[r_idx[has_r]]
    return sp.csr_matrix((np.ones(nnz), indices, indptr.astype(idx_dtype, copy=False)), shape=(len(q_idx), p))


#: Rows per block of :func:`by_candidate`'s weighted sums (the sandwich): the COO-to-CSR conversion's
#: temporaries (three or four arrays of the design's entries) are those of one block of candidates
#: at a time (issue 26: at ten million rows, all at once, they were the severity fit's peak)
SUM_BLOCK_ROWS = 1 << 20


def by_candidate(X, c_idx, nc, w=None, *, block_rows=SUM_BLOCK_ROWS):
    """``C' diag(w) X`` (rows of ``X`` summed per candidate): :func:`_by_candidate`, for weights
    ``w`` over more than ``block_rows`` rows one range of candidates at a time, the blocks stacked.

    The same matrix to the bit: a candidate's row of the result is summed by scipy from that
    candidate's entries in row order, whichever other candidates are converted with it, and the
    blocks are whole candidates in code order (so stacking them is the full matrix's layout).
    ``X``: a sparse matrix, or a design kept as its codes
    (:class:`analysis.stats._severity_design.Design`), whose rows are built a block at a time."""
    c_idx = np.asarray(c_idx)
    n = X.shape[0]
    if w is None or n <= block_rows or nc < 2 or c_idx.min() < 0:
        return _by_candidate(X if sp.issparse(X) else X.csr(), c_idx, nc, w)
    w = np.asarray(w, dtype=float)
    edges = np.linspace(0, nc, min(-(-n // block_rows), nc) + 1).round().astype(np.int64)
    # scipy sorts the columns of every candidate's row (an unstable sort: it decides the order equal
    # columns are summed in) unless the whole matrix's rows are sorted already. A block whose rows
    # happen to be sorted is therefore sorted anyway when any block is not, and kept unsummed until
    # that is known (on a history the first block settles it: a candidate's second row goes back to
    # the cell columns)
    out = _Stacked(nc, X.shape[1], X.nnz)
    pending, any_unsorted = [], False
    for a, b in zip(edges[:-1], edges[1:]):
        inside = c_idx >= a
        inside &= c_idx < b
        rows = np.flatnonzero(inside)
        del inside
        part = _unsummed(X[rows], c_idx[rows] - a, int(b - a), w[rows])
        any_unsorted |= not part.has_sorted_indices
        pending.append(part)
        if any_unsorted:
            for x in pending:
                out.append(_summed(x, sort=True))
            pending = []
    for x in pending:  # every block sorted: as scipy, no sort
        out.append(_summed(x, sort=False))
    return out.matrix()


class _Stacked:
    """The CSR matrix of blocks of whole rows appended in order: what ``sp.vstack(blocks,
    format="csr")`` gives (the same arrays), written into buffers as each block is done, so a block is
    let go at once instead of every block and their stacked copy being held together (issue 26: the
    sandwich's candidate sums are some 180 MB at ten million rows). The buffers are sized for the
    most entries the sums can have (one per entry of the design) but only the pages written become
    resident."""

    def __init__(self, n_rows, n_cols, max_nnz):
        idx = np.int32 if max(max_nnz, n_rows, n_cols) < np.iinfo(np.int32).max else np.int64
        self.shape = (n_rows, n_cols)
        self.data, self.indices = np.empty(max_nnz), np.empty(max_nnz, dtype=idx)
        self.indptr = np.zeros(n_rows + 1, dtype=idx)
        self.rows = self.nnz = 0

    def append(self, block):
        k, r = block.nnz, block.shape[0]
        self.data[self.nnz:self.nnz + k] = block.data
        self.indices[self.nnz:self.nnz + k] = block.indices
        self.indptr[self.rows + 1:self.rows + r + 1] = block.indptr[1:] + self.nnz
        self.rows, self.nnz = self.rows + r, self.nnz + k

    def matrix(self):
        return sp.csr_matrix((self.data[:self.nnz], self.indices[:self.nnz], self.indptr), shape=self.shape)


def _unsummed(X, c_idx, nc, w):
    """The CSR matrix scipy's COO-to-CSR conversion builds from :func:`_by_candidate`'s entries before
    it sums duplicates: the entries grouped by candidate, in their order (a stable counting sort)."""
    per_row = np.diff(X.indptr)
    data = np.repeat(w, per_row)
    data *= X.data
    major = np.repeat(c_idx, per_row)
    order = np.argsort(major, kind="stable")
    indptr = np.zeros(nc + 1, dtype=np.int64)
    np.cumsum(np.bincount(major, minlength=nc), out=indptr[1:])
    return sp.csr_matrix((data[order], X.indices[order], indptr), shape=(nc, X.shape[1]))


def _summed(x, *, sort):
    """``x`` with duplicates summed as scipy's ``sum_duplicates`` sums them, its rows sorted by scipy's
    own sort first when ``sort`` (what it does to every row of a matrix with any unsorted row)."""
    if sort:
        x.has_sorted_indices = False
        x.sort_indices()
    x.sum_duplicates()
    return x


def _by_candidate(X, c_idx, nc, w=None):
    """``C' diag(w) X`` (rows of ``X`` summed per candidate) built directly from X's entries: one
    COO-to-CSR conversion instead of a sparse product with the candidate indicator.

    The coordinates are handed to scipy as int32 when they fit (what scipy converts them to anyway:
    without the copies, two row-length arrays fewer at once). The sums are scipy's own: with weights
    (the residuals of the sandwich) the order in which a candidate's entries are added is the one
    scipy's conversion gives, so the standard errors keep their last bit; without weights see
    :func:`candidate_counts`."""
    small = max(X.shape[0], nc, X.shape[1]) < np.iinfo(np.int32).max
    idx = np.int32 if small else np.int64
    # each row's weight and candidate repeated over its entries (np.repeat), not gathered through a
    # row-number array: no row-length index array and no gathered copy beside the product (at ten
    # million rows 240 MB fewer at the fit's peak). The product is the same multiplication, entry
    # for entry, so the same bits
    per_row = np.diff(X.indptr)
    if w is None:
        data = X.data
    else:
        data = np.repeat(np.asarray(w, dtype=float), per_row)
        data *= X.data
    major = np.repeat(np.asarray(c_idx).astype(idx, copy=False), per_row)
    del per_row
    return sp.coo_matrix((data, (major, X.indices.astype(idx, copy=False))), shape=(nc, X.shape[1])).tocsr()


def candidate_counts(X, c_idx, nc):
    """``C' X`` for a 0/1 design ``X``: per candidate, how many of their rows hold each column -- the
    matrix :func:`by_candidate` gives without weights, entry for entry (indices sorted, no
    duplicates), from one sort of the (candidate, column) keys of X's entries.

    Why not :func:`by_candidate`: scipy's COO-to-CSR conversion sorts each candidate's entries again
    and sums the duplicates (a third of the severity fit at a million rows). The entries here are
    counts, whole numbers summed exactly in any order, so the order scipy would add them in does not
    matter."""
    p = X.shape[1]
    # int32 keys where (candidate, column) fits: half the memory, and sorted faster
    kd = np.int32 if nc * p < np.iinfo(np.int32).max else np.int64
    key = np.repeat(np.asarray(c_idx).astype(kd), np.diff(X.indptr))
    key *= kd(p)
    key += X.indices.astype(kd, copy=False)
    return counts_from_keys(key, nc, p)


def counts_from_keys(key, nc, p):
    """:func:`candidate_counts` from the keys ``candidate * p + column`` of every entry of the design
    (an int32 or int64 array the call may sort in place), in any order."""
    key.sort()
    if not len(key):
        return sp.csr_matrix((nc, p))
    new = np.empty(len(key), dtype=bool)
    new[0] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    del new
    counts = np.diff(np.r_[starts, len(key)]).astype(float)
    keys = key[starts]
    del key
    idx = np.int32 if max(len(keys), nc, p) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(nc + 1, dtype=idx)
    np.cumsum(np.bincount(keys // p, minlength=nc), out=indptr[1:])
    out = sp.csr_matrix((counts, (keys % p).astype(idx), indptr), shape=(nc, p))
    out.has_canonical_format = True
    return out


def gram(X):
    """``(X' X).toarray()`` for a 0/1 design with at most two entries per row (a cell and an
    interviewer column, :func:`design_matrix`): column counts on the diagonal, counts of the row
    pairs off it, by ``bincount`` instead of a sparse product of a million rows. Whole numbers, so
    equal to the sparse product's to the bit; other matrices go to the sparse product."""
    n, p = X.shape
    per_row = np.diff(X.indptr)
    if len(per_row) and (per_row.max() > 2 or not np.all(X.data == 1.0)):
        return (X.T @ X).toarray()
    out = np.bincount(X.indices, minlength=p).astype(float)
    out = np.diag(out)
    two = np.flatnonzero(per_row == 2)
    if len(two):
        start = X.indptr[:-1][two]
        a, b = X.indices[start].astype(np.int64), X.indices[start + 1].astype(np.int64)
        pairs = np.bincount(a * p + b, minlength=p * p).reshape(p, p).astype(float)
        out += pairs + pairs.T
    return out


class Absorbed:
    """Normal equations of the fixed part with the candidate effects absorbed, for any ``lam``.

    With ``H(lam) = I - C diag(1 / (n_c + lam)) C'`` (``sigma_e^2`` times the inverse covariance of a
    candidate's rows), ``A(lam) = X'HX`` and ``b(lam) = X'Hy``. Candidates with the same number of
    rows share the weight ``1 / (n_c + lam)``, so ``A`` and ``b`` are sums over the distinct row
    counts of matrices computed once. ``X``: a sparse matrix, or a design kept as its codes
    (:class:`analysis.stats._severity_design.Design`), which computes the same products from them.
    """

    def __init__(self, X, c_idx, y, n_c):
        self.n, self.p = X.shape
        if sp.issparse(X):
            self.XtX, self.Xty, CtX = gram(X), X.T @ y, candidate_counts(X, c_idx, len(n_c))
        else:  # a design kept as its codes (analysis.stats._severity_design.Design): the same products
            self.XtX, self.Xty, CtX = X.gram(), X.t_dot(y), X.candidate_counts(c_idx, len(n_c))
        self.yy = float(y @ y)
        Cty = np.bincount(c_idx, y, minlength=len(n_c))
        self.CtX, self.Cty, self.n_c = CtX, Cty, n_c
        ks, inv = np.unique(n_c, return_inverse=True)
        self.ks = ks
        self.count = np.bincount(inv).astype(float)
        # the candidates of each row count as one contiguous block of rows (one reordering instead
        # of a row selection per count); within a block in candidate order, as selected before
        order = np.argsort(inv, kind="stable")
        bounds = np.r_[0, np.cumsum(np.bincount(inv, minlength=len(ks)))]
        by_count, Cty_by_count = CtX[order], Cty[order]
        self.M, self.v, self.s = [], [], []
        for j in range(len(ks)):
            sub = by_count[bounds[j]:bounds[j + 1]]
            cty = Cty_by_count[bounds[j]:bounds[j + 1]].copy()
            self.M.append((sub.T @ sub).toarray())
            self.v.append(sub.T @ cty)
            self.s.append(float(cty @ cty))

    def system(self, lam):
        w = 1.0 / (self.ks + lam)
        A = self.XtX.copy()
        b = self.Xty.copy()
        yHy = self.yy
        for j, wj in enumerate(w):
            A -= wj * self.M[j]
            b -= wj * self.v[j]
            yHy -= wj * self.s[j]
        return A, b, yHy


def condition_number(A):
    """Condition number of ``A`` after symmetric Jacobi scaling (unit diagonal)."""
    d = np.sqrt(np.clip(np.diag(A), 1e-300, None))
    ev = linalg.eigvalsh(A / d[:, None] / d[None, :])
    return float(ev[-1] / ev[0]) if ev[0] > 0 else np.inf


def chol_solve(A, b, *, exact=True):
    """Solve ``A x = b`` for symmetric positive definite ``A`` with a checked condition number.

    Returns ``(x, logdet, cond)``; raises ``numpy.linalg.LinAlgError`` when ``A`` is singular or
    worse conditioned than :data:`MAX_CONDITION` (never a silent least-squares fallback)."""
    d = np.sqrt(np.clip(np.diag(A), 1e-300, None))
    As = A / d[:, None] / d[None, :]
    try:
        cf = linalg.cho_factor(As, lower=True, check_finite=False)
    except linalg.LinAlgError as exc:
        raise np.linalg.LinAlgError(f"normal equations are singular: {exc}") from None
    diag = np.diag(cf[0])
    # cheap lower bound of the condition number from the Cholesky diagonal; exact check if it is large
    rough = (diag.max() / diag.min()) ** 2
    cond = condition_number(A) if exact or rough > 1e6 else rough
    if not np.isfinite(cond) or cond > MAX_CONDITION:
        raise np.linalg.LinAlgError(f"normal equations are ill-conditioned (condition {cond:.1e})")
    x = linalg.cho_solve(cf, b / d, check_finite=False) / d
    logdet = 2 * float(np.log(diag).sum()) + 2 * float(np.log(d).sum())
    return x, logdet, cond


def reml_objective(sys_, lam, n_c_counts, dof):
    """-2 x REML log-likelihood (up to a constant) with sigma_e^2 profiled out."""
    A, b, yHy = sys_.system(lam)
    beta, logdet, _ = chol_solve(A, b, exact=False)
    q = yHy - float(b @ beta)
    if q <= 0:
        return -np.inf
    return dof * np.log(q) + float(n_c_counts @ np.log1p(sys_.ks / lam)) + logdet
