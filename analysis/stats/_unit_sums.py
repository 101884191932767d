"""The rows of :func:`analysis.stats.discrimination.grouped_discrimination` centred within their
(group, stratum) cell, and the six sums of each unit (a candidate within a group and stratum), made
a block of rows at a time.

Why blocks: the headline's every per-row step is elementwise (centre, square, multiply) followed by a
sum per cell or unit. Done on whole arrays, each step is a fresh row-length float array: at ten
million rows the centred ``x`` and ``y`` and the products' buffer were 240 MB held at once under the
question table, the process's peak, and every fresh array is pages the kernel zeroes (a third of the
report's time at that size; issue 26). Here each step touches one block (:data:`BLOCK` rows) at a
time, and no row-length float array is made at all.

Why the numbers do not move, to the bit: ``np.bincount(idx, w)`` adds each weight to its bin in row
order, starting from 0.0. ``np.add.at(out, idx, w)`` on a zeroed ``out`` does the same additions in
the same order, and calling it block after block (in row order) continues each bin's sum where the
previous block left it: every bin receives the same sequence of IEEE additions as the one bincount
over all rows. (A bincount per block added afterwards would not: ``s1 + (b1 + b2)`` is not
``(s1 + b1) + b2``.) The elementwise steps are the same operations on the same values whatever the
block size. ``tests/test_unit_sums.py`` checks both against the whole-array formulas.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BLOCK", "CentredRows", "group_candidate_sums", "unit_sums"]

#: Rows per block: 2**18 rows is 2 MB of float64 per block-length array (cache-sized, and few
#: enough blocks that the per-call overhead of numpy is noise).
BLOCK = 1 << 18


class CentredRows:
    """``x`` and ``y`` of the kept rows centred on the mean of their (group, stratum) cell, given out
    a block at a time (:meth:`blocks`) rather than held as two row-length arrays.

    ``x``, ``y`` (float64), ``g`` and ``s`` (integer codes, any width) are the kept rows' values and
    group and stratum codes; ``ns`` the number of strata. The cell of a row is ``g * ns + s``, as
    the whole-array code had it (so a negative code fails the same way: bincount refuses it).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, g: np.ndarray, s: np.ndarray, ns: int, *, block: int = BLOCK):
        self.x, self.y, self.g, self.s, self.ns, self.block = x, y, g, s, ns, block
        n_cells = (int(g.max()) + 1) * ns if len(g) else 1
        count = np.zeros(n_cells, dtype=np.int64)
        sx, sy = np.zeros(n_cells), np.zeros(n_cells)
        for sl in self._slices():
            cell = self.cell(sl)
            count += np.bincount(cell, minlength=n_cells)[:n_cells]  # integer counts: exact in any order
            np.add.at(sx, cell, x[sl])  # the sums in row order: bincount's bits (module docstring)
            np.add.at(sy, cell, y[sl])
        n_cell = np.maximum(count, 1)
        #: each cell's mean of x and of y (0 for a cell with no rows)
        self.mx, self.my = sx / n_cell, sy / n_cell

    def __len__(self):
        return len(self.x)

    def _slices(self):
        return (slice(start, start + self.block) for start in range(0, len(self.x), self.block))

    def cell(self, sl: slice) -> np.ndarray:
        """The cell codes ``g * ns + s`` of the rows ``sl`` (intp, what indexing and bincount read)."""
        cell = self.g[sl].astype(np.intp)
        cell *= self.ns
        cell += self.s[sl]
        return cell

    def blocks(self):
        """``(slice, xc, yc)`` per block of rows, in row order: the rows' centred values as new
        block-length arrays the caller may overwrite (``x - mean of x in its cell``, the same
        subtraction as on whole arrays)."""
        for sl in self._slices():
            cell = self.cell(sl)
            xc = np.take(self.mx, cell)
            np.subtract(self.x[sl], xc, out=xc)
            yc = np.take(self.my, cell)
            np.subtract(self.y[sl], yc, out=yc)
            yield sl, xc, yc


def unit_sums(rows: CentredRows, unit: np.ndarray, n_units: int) -> np.ndarray:
    """The six sums ``(n, Σx, Σy, Σx², Σy², Σxy)`` of the centred rows per unit (``unit``: each
    kept row's unit, intp), as a ``(n_units, 6)`` float64 array stored column by column (each sum
    one contiguous array, which the group sums and the influence values read whole).

    Each sum is accumulated block by block in row order (:func:`numpy.add.at`), so it has the bits
    of ``np.bincount(unit, weights)`` over the whole centred arrays (module docstring).
    """
    feats = np.zeros((6, n_units)).T
    feats[:, 0] = np.bincount(unit, minlength=n_units)
    sx, sy, sxx, syy, sxy = (feats[:, j] for j in range(1, 6))
    buf = np.empty(min(rows.block, len(rows)))
    for sl, xc, yc in rows.blocks():
        u = unit[sl]
        b = buf[:len(xc)]
        np.add.at(sx, u, xc)
        np.add.at(sy, u, yc)
        np.add.at(sxx, u, np.multiply(xc, xc, out=b))
        np.add.at(syy, u, np.multiply(yc, yc, out=b))
        np.add.at(sxy, u, np.multiply(xc, yc, out=b))
    return feats


def group_candidate_sums(v: np.ndarray, ug: np.ndarray, cu: np.ndarray, ng: int, n_cand: int):
    """A value per unit summed per (group, candidate): the CSR matrix (groups x candidates)
    ``scipy.sparse.csr_matrix((v, (ug, cu)), shape=(ng, n_cand))`` builds, with the same bits.

    ``ug`` (each unit's group) must be sorted, as the units are. Then the arrays scipy's COO
    conversion would make are ``v`` and ``cu`` themselves (a stable counting sort by row keeps a
    sorted input's order) with each group's count of units as the row pointer, so they are used as
    they are: no COO copies of the index arrays (three unit-length arrays under the question table's
    peak at ten million rows; issue 26). Duplicates (one candidate's units in several strata) are
    then summed by the same ``sum_duplicates`` the COO route ends with. ``v`` may be changed in place.
    """
    import scipy.sparse as sp  # deferred: scipy.sparse costs start-up time and only the first step needs it

    indptr = np.zeros(ng + 1, dtype=np.int32 if len(ug) < 2 ** 31 and n_cand < 2 ** 31 else np.int64)
    np.cumsum(np.bincount(ug, minlength=ng), out=indptr[1:])
    out = sp.csr_matrix((v, cu, indptr), shape=(ng, n_cand))
    out.sum_duplicates()
    return out
