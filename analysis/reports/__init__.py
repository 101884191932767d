"""Files for people: tables to CSV, images, HTML pages, the report, the brief, the debrief page and the
outputs of ``irt``, ``fairness`` and ``kit``; every writer goes through one output-folder guard.

Imports :mod:`analysis.charts` and below.
"""
