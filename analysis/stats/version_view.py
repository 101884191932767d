"""The before-and-after view of one question of a loaded workbook: :func:`version_comparison`, the
calibration's rows and severity fit for a slice (:func:`analysis.stats.calibration.prepare`) handed to
:func:`analysis.stats.versions.compare_versions`. Apart from :mod:`analysis.stats.versions` because the
calibration's table registry reads that module (its ``question_versions`` table).
"""

from __future__ import annotations

from analysis.stats.calibration import prepare, quiet, severity_first_step
from analysis.stats.versions import VersionComparison, compare_versions

__all__ = ["version_comparison"]


def version_comparison(workbook, question_id: str, *, criterion: str = "recommendation", level=None, start=None,
                       end=None, n_boot: int = 1000, seed: int = 0, min_n: int = 30) -> VersionComparison:
    """:func:`compare_versions` of a loaded workbook: the calibration's rows and severity fit for the
    slice and criterion (:func:`analysis.stats.calibration.prepare`), then the question's versions.

    Examples
    --------
    >>> from analysis.io.load import load
    >>> version_comparison(load(), "mid-caching").versions["version"].tolist()   # doctest: +SKIP
    [1]
    """
    with quiet():
        d, fit = prepare(workbook, criterion, level=level, start=start, end=end)
        return compare_versions(d, workbook.questions, question_id, n_boot=n_boot, seed=seed, min_n=min_n,
                                severity=severity_first_step(d, fit))
