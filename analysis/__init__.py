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
:mod:`analysis.widgets`  forms, explorer, bank view and editor, kit builder, export panel
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

#: Facade name -> "module:attribute" (or "module" for a namespace), imported on first access.
_FACADE = {
    # the data folder
    "config": "analysis.config",
    "load": "analysis.io.load:load",
    "Workbook": "analysis.io.load:Workbook",
    "load_questions": "analysis.io.bank:load_questions",
    "filter_questions": "analysis.io.bank:filter_questions",
    "save_interview": "analysis.io.store:save_interview",
    "load_groups": "analysis.io.groups:load_groups",
    "import_files": "analysis.io.importing:import_files",
    "prepare_data_folder": "analysis.io.importing:prepare_data_folder",
    "import_samples": "analysis.io.importing:SAMPLES_DIR",
    "write_history": "analysis.io.demo_folder:write_history",
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
    "information_curves": "analysis.stats.irt:information_curves",
    "rater_quarters": "analysis.stats.irt:rater_quarters",
    "recommend_kit": "analysis.stats.kit_design:recommend_kit",
    "hiring_bar": "analysis.stats.kit_design:hiring_bar",
    "decision_study": "analysis.stats.kit_design:decision_study",
    "debrief": "analysis.stats.debrief:debrief",
    "slice_interviewer_verdicts": "analysis.stats.calibration:slice_interviewer_verdicts",
    "generate_demo": "analysis.stats.demo:generate",
    "coverage_table": "analysis.widgets.bank_view:coverage_table",
    # charts (``aw.charts.<figure>`` for every figure, see analysis.charts)
    "charts": "analysis.charts",
    "figures": "analysis.charts.calibration:figures",
    "READING_GUIDE": "analysis.charts.calibration:READING_GUIDE",
    "IRT_READING_GUIDE": "analysis.charts.irt:IRT_READING_GUIDE",
    "KIT_READING_GUIDE": "analysis.charts.kits:KIT_READING_GUIDE",
    "coverage_chart": "analysis.widgets.bank_view:coverage_chart",
    # reports
    "fairness": "analysis.reports.fairness",
    "export_tables": "analysis.reports.report:export_tables",
    "build_report": "analysis.reports.report:build_report",
    "REPORT_NOTES": "analysis.reports.report:REPORT_NOTES",
    "findings": "analysis.reports.brief:findings",
    "severity_cross_check": "analysis.reports.irt:severity_cross_check",
    "brief_markdown": "analysis.reports.brief:markdown",
    "write_debrief": "analysis.reports.debrief:write_debrief",
    "files_table": "analysis.reports.files:files_table",
    "format_size": "analysis.reports.files:format_size",
    "parse_formats": "analysis.reports.files:parse_formats",
    "bank_html": "analysis.widgets.bank_view:bank_html",
    "show_table": "analysis.reports.notebook_tables:show_table",
    # widgets
    "InterviewForm": "analysis.widgets.forms:InterviewForm",
    "LogForm": "analysis.widgets.forms:LogForm",
    "CalibrationExplorer": "analysis.widgets.explorer:CalibrationExplorer",
    "BankExplorer": "analysis.widgets.bank_view:BankExplorer",
    "BankEditor": "analysis.widgets.bank_editor:BankEditor",
    "ExportPanel": "analysis.widgets.export_panel:ExportPanel",
    "KitBuilder": "analysis.widgets.kit_builder:KitBuilder",
}

__all__ = ["Problem", "WorkbookError", "BankError", "ScorecardError", "StoreError", *_FACADE]


def __getattr__(name: str):
    try:
        module, _, attribute = _FACADE[name].partition(":")
    except KeyError:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    if attribute:
        value = getattr(value, attribute)
    if name != "load":  # analysis.load is also the module of that name (see analysis._compat)
        globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_FACADE))
