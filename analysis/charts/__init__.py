"""Every plotly figure of the workbook, its theme and its reading guides: a tidy frame in, a
``go.Figure`` out, each finished (and its text escaped) by one path.

Imports :mod:`analysis.stats`, :mod:`analysis.io` and the base modules; writes no files.
"""

from __future__ import annotations

import importlib

#: The modules whose figure functions ``analysis.charts.<name>`` reaches (``aw.charts.question_ranking``).
_FIGURE_MODULES = ("analysis.charts.calibration", "analysis.charts.irt", "analysis.charts.kits",
                   "analysis.charts.fairness")


def __getattr__(name: str):
    # resolved on first use, so ``import analysis.charts.theme`` does not load every figure module
    if not name.startswith("_"):
        for module in _FIGURE_MODULES:
            found = getattr(importlib.import_module(module), name, None)
            if found is not None:
                return found
    raise AttributeError(f"module 'analysis.charts' has no attribute {name!r}")
