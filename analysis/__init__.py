"""Interview calibration workbook.

For notebooks, one short name for everything (as ``pd.`` or ``px.``)::

    import analysis as aw

    wb = aw.load("data")                       # the bank, every scorecard and the outcomes
    cal = aw.calibrate(wb)                     # the calibration tables
    fit = aw.fit_irt(wb.scores)                # item response models
    aw.InterviewForm("data")                   # run an interview

The names are resolved on first use (PEP 562), so ``import analysis`` stays fast and a command pays
only for what it uses.

The package is layered; each layer imports only the ones below it (``docs/architecture.md``):

======================  ===================================================================
:mod:`analysis.cli`      the parser and one module per command (the only place with argparse)
:mod:`analysis.widgets`  forms, explorer, bank view, kit builder, export panel
:mod:`analysis.reports`  tables to files, images, HTML pages, report, brief, debrief page
:mod:`analysis.charts`   every plotly figure, the theme, the reading guides
:mod:`analysis.stats`    every statistic: items, reliability, severity, calibration, IRT, ...
:mod:`analysis.io`       the data folder: layout, CSV reader, bank, scorecards, load, store, ...
base                     :mod:`analysis.config`, :mod:`analysis.errors` and small helpers
======================  ===================================================================

``analysis.load``, ``analysis.store``, ``analysis.items``, ``analysis.reliability`` and
``analysis.irt`` remain importable at their earlier paths (see :mod:`analysis._compat`).
"""

from __future__ import annotations

import importlib

from analysis.errors import BankError, Problem, ScorecardError, StoreError, WorkbookError

__version__ = "0.1.0"

#: Facade name -> "module:attribute", imported on first access.
_FACADE = {
    # data folder
    "load": "analysis.io.load:load",
    "Workbook": "analysis.io.load:Workbook",
    "load_questions": "analysis.io.bank:load_questions",
    "save_interview": "analysis.io.store:save_interview",
    "import_files": "analysis.io.importing:import_files",
    "load_groups": "analysis.io.groups:load_groups",
    # statistics
    "calibrate": "analysis.stats.calibration:calibrate",
    "item_statistics": "analysis.stats.items:item_statistics",
    "cronbach_alpha": "analysis.stats.items:cronbach_alpha",
    "auc": "analysis.stats.items:auc",
    "icc": "analysis.stats.reliability:icc",
    "krippendorff_alpha": "analysis.stats.reliability:krippendorff_alpha",
    "cohen_kappa": "analysis.stats.reliability:cohen_kappa",
    "fit_severity": "analysis.stats.severity:fit_severity",
    "design_diagnostics": "analysis.stats.design:design_diagnostics",
    "fit_irt": "analysis.stats.irt:fit_irt",
    "recommend_kit": "analysis.stats.kit_design:recommend_kit",
    "debrief": "analysis.stats.debrief:debrief",
    "generate_demo": "analysis.stats.demo:generate",
    # charts and reports
    "figures": "analysis.charts.calibration:figures",
    "findings": "analysis.reports.brief:findings",
    "build_report": "analysis.reports.report:build_report",
    # widgets
    "InterviewForm": "analysis.widgets.forms:InterviewForm",
    "LogForm": "analysis.widgets.forms:LogForm",
    "CalibrationExplorer": "analysis.widgets.explorer:CalibrationExplorer",
    "BankExplorer": "analysis.widgets.bank_view:BankExplorer",
}

__all__ = ["Problem", "WorkbookError", "BankError", "ScorecardError", "StoreError", *_FACADE]


def __getattr__(name: str):
    try:
        module, attribute = _FACADE[name].split(":")
    except KeyError:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    if name != "load":  # analysis.load is also the module of that name (see analysis._compat)
        globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_FACADE))
