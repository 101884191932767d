"""The severity fit's design ``X = [Q[:, keep_cell], R[:, free]]`` kept as the rows' codes, not as a
sparse matrix.

Every entry of ``X`` is 1, and a row holds at most its cell's column and its interviewer's column,
so each product the fit needs follows from the rows' cell and interviewer codes, which the fit holds
anyway: ``X'X`` is a table of counts, ``X'y`` two weighted ``bincount``s, ``X beta`` two gathers,
``C'X`` a sort of (candidate, column) keys. Why: at ten million rows the CSR matrix is some 280 MB
(a float64 1.0 per entry, int32 column numbers and row pointers) held through the whole fit, under
its transient peak, besides the temporaries of building it (issue 26). The sandwich's per-candidate
sums still need CSR rows; :meth:`Design.__getitem__` builds them for a block of rows at a time
(:func:`analysis.stats._severity_solve.by_candidate`), and :meth:`Design.csr` the whole matrix where
the rows are few.

Each product is the one the sparse matrix gave, to the bit (``tests/test_severity_design.py``): the
counts are whole numbers; ``X'y`` adds each column's rows in row order from zero, as scipy's
matrix-vector product does; ``X beta`` is a row's cell effect plus its interviewer effect, which
scipy adds to a zero first (``0 + a = a`` exactly).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from analysis.stats._severity_solve import counts_from_keys, design_matrix

__all__ = ["Design"]

#: rows per block where a row-length temporary is avoided by working in blocks
_BLOCK = 1 << 20


class Design:
    """``design_matrix(q_idx, keep_cell, r_idx, free)`` as its codes: ``shape``, ``nnz``, ``X @ v``
    and ``X[rows]`` as the matrix has them, and the products :class:`~analysis.stats._severity_solve.Absorbed`
    reads (:meth:`gram`, :meth:`t_dot`, :meth:`candidate_counts`)."""

    def __init__(self, q_idx, keep_cell, r_idx, free):
        self.q_idx, self.r_idx = np.asarray(q_idx), np.asarray(r_idx)
        self.keep_cell, self.free = np.asarray(keep_cell, bool), np.asarray(free, bool)
        nq, nr = len(self.keep_cell), len(self.free)
        self.nk = int(self.keep_cell.sum())
        p = self.nk + int(self.free.sum())
        self.shape = (len(self.q_idx), p)
        # rows per cell and per interviewer (whole numbers: the diagonal of X'X and the entries of X)
        self.n_q = np.bincount(self.q_idx, minlength=nq)[:nq] if len(self.q_idx) else np.zeros(nq, np.int64)
        self.n_r = np.bincount(self.r_idx, minlength=nr)[:nr] if len(self.r_idx) else np.zeros(nr, np.int64)
        self.nnz = int(self.n_q[self.keep_cell].sum() + self.n_r[self.free].sum())

    def csr(self) -> sp.csr_matrix:
        """The whole matrix (:func:`~analysis.stats._severity_solve.design_matrix`)."""
        return design_matrix(self.q_idx, self.keep_cell, self.r_idx, self.free)

    def __getitem__(self, rows) -> sp.csr_matrix:
        """``X[rows]`` for an array of row numbers: the matrix of those rows, entry for entry."""
        return design_matrix(self.q_idx[rows], self.keep_cell, self.r_idx[rows], self.free)

    def _effects(self, v):
        """``v`` as a per-cell and a per-interviewer array (0 for a dropped cell or interviewer)."""
        v = np.asarray(v, dtype=float)
        per_q, per_r = np.zeros(len(self.keep_cell)), np.zeros(len(self.free))
        per_q[self.keep_cell], per_r[self.free] = v[:self.nk], v[self.nk:]
        return per_q, per_r

    def __matmul__(self, v) -> np.ndarray:
        """``X @ v`` for a vector: each row's cell effect plus its interviewer effect."""
        per_q, per_r = self._effects(v)
        out = per_q[self.q_idx]
        for start in range(0, len(out), _BLOCK):
            out[start:start + _BLOCK] += per_r[self.r_idx[start:start + _BLOCK]]
        return out

    def t_dot(self, y) -> np.ndarray:
        """``X' y``: per column, its rows' ``y`` added in row order."""
        nq, nr = len(self.keep_cell), len(self.free)
        by_q = np.bincount(self.q_idx, weights=y, minlength=nq)[:nq]
        by_r = np.bincount(self.r_idx, weights=y, minlength=nr)[:nr]
        return np.concatenate([by_q[self.keep_cell], by_r[self.free]])

    def gram(self) -> np.ndarray:
        """``(X' X).toarray()``: rows per column on the diagonal, rows per (cell, interviewer) pair off it."""
        nq, nr, p, nk = len(self.keep_cell), len(self.free), self.shape[1], self.nk
        pairs = np.zeros(nq * nr, dtype=np.int64)
        for start in range(0, self.shape[0], _BLOCK):
            key = self.q_idx[start:start + _BLOCK].astype(np.int64)
            key *= nr
            key += self.r_idx[start:start + _BLOCK]
            pairs += np.bincount(key, minlength=nq * nr)
        pairs = pairs.reshape(nq, nr)[np.ix_(self.keep_cell, self.free)].astype(float)
        out = np.diag(np.concatenate([self.n_q[self.keep_cell], self.n_r[self.free]]).astype(float))
        out[:nk, nk:] = pairs
        out[nk:, :nk] = pairs.T
        return out

    def candidate_counts(self, c_idx, nc) -> sp.csr_matrix:
        """``C' X``: per candidate, how many of their rows hold each column
        (:func:`~analysis.stats._severity_solve.candidate_counts` of the matrix)."""
        p = self.shape[1]
        kd = np.int32 if nc * p < np.iinfo(np.int32).max else np.int64
        col_q = np.where(self.keep_cell, np.cumsum(self.keep_cell) - 1, -1).astype(kd)
        col_r = np.where(self.free, self.nk + np.cumsum(self.free) - 1, -1).astype(kd)
        key = np.empty(self.nnz, dtype=kd)
        at = 0
        for codes, col in ((self.q_idx, col_q), (self.r_idx, col_r)):
            for start in range(0, len(codes), _BLOCK):
                k = col[codes[start:start + _BLOCK]]
                c = np.asarray(c_idx[start:start + _BLOCK]).astype(kd)
                if (k < 0).any():
                    keep = k >= 0
                    k, c = k[keep], c[keep]
                c *= kd(p)
                c += k
                key[at:at + len(c)] = c
                at += len(c)
        return counts_from_keys(key, nc, p)

