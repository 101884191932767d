"""Every statistic of the workbook: item analysis, inter-rater reliability, interviewer severity, design
diagnostics, discrimination, criteria, the calibration tables, item response theory, kits, fairness,
the debrief's numbers and the demo generator.

Imports :mod:`analysis.io` and the base modules; tidy frames in, tidy frames out; no plotting, no files
other than through :mod:`analysis.io`.
"""
