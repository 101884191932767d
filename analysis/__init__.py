"""Interview calibration workbook.

Modules, one concern each:

- :mod:`analysis.config`       default paths and vocabularies
- :mod:`analysis.bank`         the question bank
- :mod:`analysis.scorecards`   the scorecard format and its validation
- :mod:`analysis.load`         loading a data folder into tidy DataFrames
- :mod:`analysis.store`        saving new scorecards atomically
- :mod:`analysis.demo`         a synthetic history with planted truth
- :mod:`analysis.items`        classical item statistics (alpha, item-rest, AUC)
- :mod:`analysis.reliability`  inter-rater reliability (ICC, Krippendorff's alpha, kappa)
"""

from .errors import BankError, Problem, ScorecardError, StoreError, WorkbookError
from .load import Workbook, load

__all__ = ["load", "Workbook", "Problem", "WorkbookError", "BankError", "ScorecardError", "StoreError"]
__version__ = "0.1.0"
