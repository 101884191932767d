"""interviewer_stats reads each interview's hiring decision through ``_decisions`` (one lookup per
distinct candidate, issue 26): it must equal the map of every row's candidate id it replaced."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats.interviewers import _decisions


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["c1", "c2", "c3", "c4", None]), max_size=40),
       st.dictionaries(st.sampled_from(["c1", "c2", "c3", "c9"]), st.sampled_from(["hired", "rejected", "withdrew"])),
       st.sampled_from(["str", "object"]))
def test_decisions_equal_the_map_of_every_row(ids, decided, kind):
    candidates = pd.Series(ids, dtype=kind)
    outcomes = pd.DataFrame({"candidate_id": pd.Series(list(decided), dtype="str"),
                             "decision": pd.Categorical(list(decided.values()),
                                                        categories=["hired", "rejected", "withdrew"])})
    want = candidates.map(outcomes.set_index("candidate_id")["decision"].astype(object))
    got = pd.Series(_decisions(candidates, outcomes), index=candidates.index, dtype=object)
    assert got.dtype == object
    pd.testing.assert_series_equal(got, want.astype(object), check_names=False)
    assert (got == "hired").tolist() == (want == "hired").tolist()
    assert got.isin(["hired", "rejected"]).tolist() == want.isin(["hired", "rejected"]).tolist()
