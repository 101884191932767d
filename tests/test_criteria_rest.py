"""The rest score's faster path and the criterion columns that share one array (issue 26).

:func:`analysis.stats.criteria.rest_score` sums by pandas' group sums over a categorical of the
candidate codes and counts by ``bincount``; it must give the plain group-by's numbers
(``_rest_score_grouped``) to the bit, NaNs where they fall included. ``attach_criterion`` hands its
new arrays to the frame without copying them, and the columns that hold the same numbers share one
array: a write to one of them must still leave the others (and a rest score the caller keeps) as
they were."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats import criteria
from analysis.stats.criteria import CRITERIA, attach_criterion, rest_score

_VALUES = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan), st.sampled_from([0.1, 1 / 3, 2.5, -0.7]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), _VALUES), min_size=1, max_size=80))
def test_rest_score_equals_the_plain_group_by_to_the_bit(rows):
    cand, adjusted = zip(*rows)
    s = pd.DataFrame({"candidate_id": pd.array([f"c{c}" for c in cand], dtype="str")}, index=np.arange(len(cand)) + 5)
    got = rest_score(s, list(adjusted))
    key = pd.factorize(s["candidate_id"], sort=True)[0]
    want = criteria._rest_score_grouped(s, np.asarray(adjusted, dtype=float), key)
    assert got.index.equals(s.index) and got.dtype == want.dtype == np.float64
    np.testing.assert_array_equal(got.to_numpy().view(np.int64)[~np.isnan(got.to_numpy())],
                                  want.to_numpy().view(np.int64)[~np.isnan(want.to_numpy())])
    np.testing.assert_array_equal(np.isnan(got.to_numpy()), np.isnan(want.to_numpy()))


def test_a_missing_candidate_is_no_group():
    s = pd.DataFrame({"candidate_id": pd.array(["a", None, "a", None, "b"], dtype="str")})
    got = rest_score(s, [1.0, 2.0, 3.0, 4.0, 5.0])
    np.testing.assert_array_equal(got.to_numpy(), [3.0, np.nan, 1.0, np.nan, np.nan])


def _scores(n=60, seed=3):
    rng = np.random.default_rng(seed)
    cand = rng.integers(0, 15, n)
    return pd.DataFrame({
        "candidate_id": pd.array([f"c{c}" for c in cand], dtype="str"),
        "interview_id": pd.array([f"i{c}-{k}" for c, k in zip(cand, rng.integers(0, 2, n))], dtype="str"),
        "level": pd.Categorical(rng.choice(["junior", "senior"], n)),
        "recommendation": pd.Categorical.from_codes(rng.integers(-1, 4, n),
                                                    categories=["strong_no", "no", "yes", "strong_yes"]),
    }), pd.DataFrame({"candidate_id": [f"c{c}" for c in range(15)],
                      "decision": rng.choice(["hired", "rejected", "withdrew"], 15),
                      "performance": np.where(rng.random(15) < 0.3, np.nan, rng.integers(1, 6, 15))}), rng.normal(size=n)


def test_columns_are_the_straightforward_ones_and_independent_on_write():
    scores, outcomes, adjusted = _scores()
    rest = rest_score(scores, adjusted)
    kept = rest.copy()
    code = scores["recommendation"].cat.codes.to_numpy().astype(float)
    code[code < 0] = np.nan
    for criterion in CRITERIA:
        d = attach_criterion(scores, outcomes, criterion, rest=rest)
        if criterion == "recommendation":
            y, strong, free = code, np.where(np.isnan(code), np.nan, (code >= 2).astype(float)), rest.to_numpy()
        elif criterion == "decision":
            dec = scores["candidate_id"].map(outcomes.set_index("candidate_id")["decision"])
            y = np.select([dec == "hired", dec == "rejected"], [1.0, 0.0], np.nan)
            strong, free = y, y
        elif criterion == "performance":
            y = scores["candidate_id"].map(outcomes.set_index("candidate_id")["performance"]).to_numpy(float)
            strong, free = np.where(np.isnan(y), np.nan, (y >= 4).astype(float)), y
        else:
            y = free = rest.to_numpy()
            med = rest.groupby(scores["level"], observed=True).transform("median")
            strong = np.where(rest.isna(), np.nan, (rest > med).astype(float))
        for col, want in (("y", y), ("strong", strong), ("y_free", free)):
            np.testing.assert_array_equal(d[col].to_numpy(), want, err_msg=f"{criterion} {col}")
            assert d[col].dtype == np.float64
        before = {c: d[c].to_numpy().copy() for c in ("strong", "y_free")}
        d.loc[d.index[0], "y"] = 99.0         # one column written: the columns sharing its array keep theirs
        d["y"] += 1.0
        for c, v in before.items():
            np.testing.assert_array_equal(d[c].to_numpy(), v, err_msg=f"{criterion} {c}")
        pd.testing.assert_series_equal(rest, kept)   # and so does the rest score the caller keeps
    assert "y" not in scores
