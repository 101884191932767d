"""The per-row results of :func:`analysis.stats.severity.fit_severity`, kept compact.

:attr:`analysis.stats.severity.SeverityFit.rows` is a frame of four float columns per score row;
:class:`FitRows` keeps what they are made of and builds the frame (or one column) when read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.stats import _codes

__all__ = ["ROW_COLUMNS", "FitRows"]

#: The columns of :attr:`SeverityFit.rows`, in order.
ROW_COLUMNS = ("fitted", "residual", "leniency", "ability")


class FitRows:
    """The per-row results of a fit, kept as the fit computed them: the residual per row, and the
    three other columns of :attr:`SeverityFit.rows` as what they are made of (the score column of
    the data, the interviewer's leniency and the candidate's ability, each with the rows' codes).

    Why: the frame of four float columns stayed resident for the rest of a report, 320 MB at ten
    million rows, under every later step's peak, while the report reads ``residual`` throughout and
    the other three once each (``fitted`` never). These parts hold 80 MB of their own there (the
    residual; the interviewer codes in the narrowest integer type; the candidate codes are the ones
    :func:`analysis.stats._codes.codes` keeps for the column anyway). Every column is rebuilt by the
    same operation the fit used, so it holds the same bits."""

    __slots__ = ("index", "score", "residual", "leniency", "r_idx", "alpha", "c_idx")

    def __init__(self, index, score, residual, leniency, r_idx, alpha, c_idx):
        # the residual as a Series: frames that take it as a column share it with pandas' copy-on-write
        # tracking (a write to one of them copies it; a bare array would be written through)
        self.index, self.score = index, score
        self.residual = pd.Series(residual, index=index, name="residual", copy=False)
        self.leniency, self.alpha, self.c_idx = leniency, alpha, c_idx
        self.r_idx = _codes.narrow(r_idx, len(leniency) - 1, copy=False)  # a byte or two per row

    def column(self, name: str) -> pd.Series:
        """The column ``name`` of the frame: ``residual`` the kept one (a shallow copy: a write to it
        copies it first, as it would to a column of a frame), the others built now."""
        if name == "residual":
            return self.residual.copy(deep=False)
        if name == "fitted":          # y - resid as the fit computed it (an integer score widens exactly)
            values = np.subtract(self.score, self.residual.to_numpy(), dtype=float)
        elif name == "leniency":
            values = self.leniency[self.r_idx]
        elif name == "ability":
            values = self.alpha[self.c_idx]
        else:
            raise KeyError(f"the severity fit's rows have the columns {', '.join(ROW_COLUMNS)}; got {name!r}")
        return pd.Series(values, index=self.index, name=name, copy=False)

    def frame(self) -> pd.DataFrame:
        # copy=False: the new arrays become the columns as they are, and ``residual`` is shared
        return pd.DataFrame({c: self.column(c) for c in ROW_COLUMNS}, index=self.index, copy=False)
