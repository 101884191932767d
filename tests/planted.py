"""Helpers for checking the analytics against the demo generator's planted truth."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.stats.demo import generate
from analysis.io.load import Workbook
from analysis.io.validation import to_scorecard_frame


def workbook_of(history, bank) -> Workbook:
    """A Workbook straight from a generated History (no files: the loader is tested elsewhere)."""
    raw = history.scores.astype(str).assign(
        red_flag=np.where(history.scores["red_flag"], "true", "false"), file="generated",
        line=np.arange(len(history.scores)) + 2, duration_seconds="")
    scores = to_scorecard_frame(raw, bank["question_id"])
    outcomes = history.outcomes.copy()
    outcomes["decision"] = pd.Categorical(outcomes["decision"], categories=["hired", "rejected", "withdrew"])
    return Workbook(bank, scores, outcomes)


def generated_workbook(n, seed, bank, **kw):
    h = generate(n, seed=seed, questions=bank, **kw)
    return h, workbook_of(h, bank)
