"""``calibration._with_bank`` (the bank's ``question_level`` and ``topic`` per score row, spread by the
question's category codes) equals the plain left merge on ``question_id`` it stands for, dtypes
included: on rows with a missing id, an id the bank lacks, and bank columns of any dtype."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats.calibration import _with_bank


def _plain(scores, questions):
    bank = questions[["question_id", "level", "topic"]].rename(columns={"level": "question_level"})
    bank = bank.assign(question_id=bank["question_id"].astype(scores["question_id"].dtype))
    out = scores.merge(bank, on="question_id", how="left")
    out.index = scores.index
    return out


@pytest.mark.parametrize("categorical_bank", [True, False])
@settings(max_examples=60, deadline=None)
@given(ids=st.lists(st.sampled_from(["q1", "q2", "q3", "q9", None]), min_size=1, max_size=40))
def test_the_bank_columns_equal_the_left_merge(ids, categorical_bank):
    scores = pd.DataFrame({"question_id": pd.Categorical(ids, categories=["q1", "q2", "q3", "q9"]),
                           "score": np.arange(len(ids), dtype=np.int8)}, index=np.arange(len(ids)) * 2)
    questions = pd.DataFrame({"question_id": ["q3", "q1", "q2"], "level": ["senior", "junior", "senior"],
                              "topic": ["sql", "design", "sql"]})
    if categorical_bank:
        questions = questions.astype({"level": "category", "topic": "category"})
    got = _with_bank(scores, questions)
    pd.testing.assert_frame_equal(got, _plain(scores, questions), check_exact=True)
