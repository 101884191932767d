"""Answers scored twice and test-retest pairs, counted once for the severity fit and the design
diagnostics.

Both read the same (candidate, question, date) answers (:func:`analysis.stats._codes.answers`): the
severity fit to find each interviewer's share of second opinions (``severity._panel_share``), the
design table to count the panels and test-retest pairs (``design._panels``). Counting them here, from
the answers the fit builds anyway, lets the design table read the counts off the fit
(``SeverityFit.panels``) instead of coding the dates and sorting every row again (issue 26: some 2 s of
the design table at ten million rows).
"""

from __future__ import annotations

import numpy as np

from analysis.stats import _codes

__all__ = ["panel_counts"]


def panel_counts(occasions: _codes.Answers, cc, qc, dc, ic, second=None) -> tuple[int, int]:
    """``(twice, retest)``: answers scored by two or more interviewers (same candidate, question and
    date), and the (candidate, question) pairs asked on two or more days by different interviewers
    (the first scorecard of each day counts).

    ``occasions`` are the answers of the codes ``cc, qc, dc`` with ``dropna_date=False`` (an undated
    scorecard is one more occasion, as ``drop_duplicates`` counts it); ``ic`` the interviewer codes
    (any numbering: only how many distinct interviewers matters; -1 is nobody). The same counts as
    ``groupby([candidate, question, date])[interviewer].nunique() >= 2`` and
    ``drop_duplicates(key).groupby([candidate, question])[interviewer].nunique() >= 2``, from integer
    codes (issue 11: those group-bys on string keys took two seconds on a million rows). As in the
    group-bys, a key with a missing part is no group, and an undated scorecard is no answer scored twice.

    ``second``: ``occasions.scored_twice(ic)`` when the caller has it (the severity fit): with every row
    dated, the answers scored twice are then the answers of those rows (an answer two interviewers
    scored has two such rows), counted without finding the interviewers of every answer again."""
    every_dated = bool((dc >= 0).all())
    if every_dated and second is not None:
        twice = int(np.count_nonzero(np.bincount(occasions.code[second], minlength=occasions.n)))
    else:
        dated = occasions if every_dated else _codes.answers(cc, qc, dc)
        twice = int((dated.raters(ic) >= 2).sum())
    # test-retest: the first scorecard of each occasion, then the pairs whose firsts name 2+ interviewers
    valid = occasions.code >= 0
    if valid.all():  # every row an occasion's (a loaded history): no row list and no copy of the codes
        firsts = _codes.first(occasions.code, occasions.n)  # the first row of each occasion
    else:
        rows = np.flatnonzero(valid)
        firsts = rows[_codes.first(occasions.code[rows], occasions.n)]
    del valid
    return twice, _pairs_with_two_raters(occasions.pair, ic[firsts])


def _pairs_with_two_raters(pair: np.ndarray, who: np.ndarray) -> int:
    """How many pairs have two or more distinct known interviewers (``who`` -1: nobody) among their
    occasions: ``(distinct_per_group(pair, who) >= 2).sum()``. The occasions are numbered in sorted
    key order, pair first, so each pair's occasions are consecutive; a pair has two distinct
    interviewers exactly when two consecutive known ones of it differ (if every neighbour agreed,
    all would). One pass instead of a sort of the (pair, interviewer) keys."""
    known = who >= 0
    if not known.all():
        pair, who = pair[known], who[known]
    step = pair[1:] == pair[:-1]
    step &= who[1:] != who[:-1]
    changed = pair[1:][step]          # nondecreasing: each pair once per change of interviewer
    return int(np.count_nonzero(changed[1:] != changed[:-1])) + int(len(changed) > 0)
