"""Notebook widgets: the interview and log forms, the calibration explorer, the bank view, the kit
builder and the export panel. Small classes over plain functions of the layers below.

Imports :mod:`analysis.reports` and below; never :mod:`analysis.cli`.
"""
