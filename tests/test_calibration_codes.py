"""The rest score and a slice's facts from the columns' integer codes (analysis.stats._codes) equal
the pandas calls on the text they replace: the same groups, sums, counts and first rows, with missing
ids and missing adjusted scores."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats.calibration import slice_facts
from analysis.stats.criteria import rest_score

ids = st.lists(st.one_of(st.none(), st.sampled_from(["c1", "c2", "c3", "c10", "c7"])), min_size=1, max_size=40)


def _text(values, arrow):
    return pd.Series(values, dtype="str" if arrow else object)


@settings(max_examples=60, deadline=None)
@given(cands=ids, arrow=st.booleans(), data=st.data())
def test_rest_score_equals_the_group_by_on_the_text(cands, arrow, data):
    adjusted = np.array(data.draw(st.lists(st.one_of(st.just(np.nan), st.floats(-3, 3)),
                                           min_size=len(cands), max_size=len(cands))), dtype=float)
    scores = pd.DataFrame({"candidate_id": _text(cands, arrow)}).set_axis(np.arange(len(cands)) * 2 + 1)
    a = pd.Series(adjusted, index=scores.index)
    key = scores["candidate_id"]
    tot, cnt = a.groupby(key).transform("sum"), a.groupby(key).transform("count")
    expected = ((tot - a) / (cnt - 1)).where(cnt > 1)
    pd.testing.assert_series_equal(rest_score(scores, adjusted), expected, check_exact=True)


@settings(max_examples=60, deadline=None)
@given(interviews=ids, cands=ids, raters=ids, arrow=st.booleans())
def test_slice_facts_equal_the_pandas_counts(interviews, cands, raters, arrow):
    n = min(len(interviews), len(cands), len(raters))
    scores = pd.DataFrame({"interview_id": _text(interviews[:n], arrow), "candidate_id": _text(cands[:n], arrow),
                           "interviewer": pd.Categorical(raters[:n]),
                           "date": pd.date_range("2024-01-01", periods=n, freq="D")})
    facts = slice_facts(scores)
    first = ~scores["interview_id"].duplicated().to_numpy()
    np.testing.assert_array_equal(facts["first"], first)
    assert facts["n_interviews"] == int(first.sum())
    assert facts["n_candidates"] == scores["candidate_id"].nunique()
    assert facts["n_interviewers"] == scores["interviewer"].nunique()
