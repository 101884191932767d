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
- :mod:`analysis.severity`     interviewer severity (additive many-facet model, REML)
- :mod:`analysis.design`       design diagnostics: which interviewers can be compared
- :mod:`analysis.discrimination`  adjusted discrimination with bootstrap intervals over candidates
- :mod:`analysis.criteria`     what "strong" means, and how each criterion is contaminated
- :mod:`analysis.design`       design diagnostics: connected interviewer groups, variance components, warnings
- :mod:`analysis.calibration`  the calibration tables
- :mod:`analysis.irt`, :mod:`analysis.kit_design`  item response theory (graded response, many-facet
  raters, fair scores, information) and the kits that measure a level best
- :mod:`analysis.groups`, :mod:`analysis.fairness`  self-reported groups and adverse impact (selection
  rates, four-fifths rule, DIF, interviewer gaps); read only on request
- :mod:`analysis.ats`, :mod:`analysis.importing`  importing Greenhouse, Lever, Ashby and spreadsheet exports
- :mod:`analysis.roster`       the interviewer roster: aliases mapped, near-duplicate names held back
- :mod:`analysis.debrief`      one candidate's interviews and fair score for a hiring committee
- :mod:`analysis.charts`       plotly charts of those tables; :mod:`analysis.theme` their look
- :mod:`analysis.export`, :mod:`analysis.report`  images, CSV and the one-file report
- :mod:`analysis.forms`, :mod:`analysis.kits`, :mod:`analysis.drafts`  run and log interviews
- :mod:`analysis.bank_view`, :mod:`analysis.explorer`  notebook widgets
- :mod:`analysis.cli`          ``python -m analysis check|report|demo|init|import|debrief|kit|irt|fairness``
"""

from .errors import BankError, Problem, ScorecardError, StoreError, WorkbookError

# ``analysis.load`` stays the module (``from analysis.load import load``); re-exporting the function
# under the same name would hide the module from ``import analysis.load``.
__all__ = ["Problem", "WorkbookError", "BankError", "ScorecardError", "StoreError"]
__version__ = "0.1.0"
