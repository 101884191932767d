"""interviewer_stats' agreement with the hiring decision, read through the whole candidate column's codes
and tested once per candidate (issue 26), equals the straightforward pandas computation on each
interview's first row: ``drop_duplicates``, ``map`` of the decisions, a group-by per interviewer."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import config
from analysis.stats.interviewers import interviewer_stats

RECS = sorted(config.PASSING_RECOMMENDATIONS)[:1] + ["no_hire"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from(["ana", "bo", "cy"]),
                          st.sampled_from(["c1", "c2", "c3", "c4", None]), st.sampled_from(RECS)),
                min_size=1, max_size=60),
       st.dictionaries(st.sampled_from(["c1", "c2", "c3", "c9"]), st.sampled_from(["hired", "rejected", "withdrew"])))
def test_decision_agreement_equals_the_plain_group_by(rows, decided):
    d = pd.DataFrame({"interview_id": pd.Series([f"i{r[0]}" for r in rows], dtype="str"),
                      "interviewer": pd.Categorical([r[1] for r in rows]),
                      "candidate_id": pd.Series([r[2] for r in rows], dtype="str"),
                      "recommendation": pd.Categorical([r[3] for r in rows])})
    outcomes = pd.DataFrame({"candidate_id": pd.Series(list(decided), dtype="str"),
                             "decision": list(decided.values())})
    got = interviewer_stats(d, None, outcomes).set_index("interviewer")
    iv = d.drop_duplicates("interview_id")
    dec = iv["candidate_id"].map(outcomes.set_index("candidate_id")["decision"])
    k = iv.assign(hired=dec == "hired", passed=iv["recommendation"].isin(config.PASSING_RECOMMENDATIONS))
    k = k[dec.isin(["hired", "rejected"]).to_numpy()]
    want = k.groupby("interviewer", observed=True).apply(
        lambda t: pd.Series({"n": len(t), "agree": float((t["passed"] == t["hired"]).mean())}), include_groups=False)
    for name in got.index:
        if name in want.index:
            assert got.loc[name, "n_decided"] == want.loc[name, "n"]
            assert got.loc[name, "decision_agreement"] == want.loc[name, "agree"]
        else:
            assert "n_decided" not in got or np.isnan(got.loc[name, "n_decided"])
