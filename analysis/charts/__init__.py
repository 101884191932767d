"""Every plotly figure of the workbook, its theme and its reading guides: a tidy frame in, a
``go.Figure`` out, each finished (and its text escaped) by one path.

Imports :mod:`analysis.stats`, :mod:`analysis.io` and the base modules; writes no files.
"""
