"""The inter-rater rating units as ``calibration.inter_rater`` built them before issue 11 (commit
c0edcf7): group-bys on the text key columns. Kept as the reference the integer-code path
(``analysis.stats.agreement._rating_units``) must equal; not used by the package.

Returns ``(multi, retest)``: the answers scored by two or more interviewers on one date (one unit per
candidate x question x date, a slot per interviewer in interview-id order), and the test-retest pairs
(a candidate's first two dated answers to a question, by two different interviewers)."""
import pandas as pd


def group_by_units(scores: pd.DataFrame):
    key = ["candidate_id", "question_id", "date"]
    s = scores[key + ["interviewer", "score", "interview_id"]].copy()
    s["k"] = s.groupby(key, observed=True)["interviewer"].transform("nunique")
    multi = s[s["k"] >= 2].drop_duplicates(key + ["interviewer"]).copy()
    multi["unit"] = multi.groupby(key, observed=True).ngroup()
    multi["slot"] = multi.sort_values("interview_id", kind="stable").groupby("unit").cumcount()
    first = s.sort_values("interview_id", kind="stable").drop_duplicates(key)
    first = first.sort_values(["date", "interview_id"], kind="stable")
    first["occasion"] = first.groupby(["candidate_id", "question_id"], observed=True).cumcount()
    two = first[first["occasion"] < 2]
    n_occ = two.groupby(["candidate_id", "question_id"], observed=True)["interviewer"].transform("nunique")
    rt = two[n_occ == 2].copy()
    rt["unit"] = rt.groupby(["candidate_id", "question_id"], observed=True).ngroup()
    rt["slot"] = rt["occasion"]
    return multi, rt
