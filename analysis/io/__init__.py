"""The data folder: its layout, the one CSV reader, the bank, scorecards, outcomes, groups, the roster,
the parse cache, the loader, the store, drafts and importers.

Lowest layer: imports only the base modules at the package root (:mod:`analysis.config`,
:mod:`analysis.errors` and the small shared helpers). Nothing here computes a statistic or draws.
"""
