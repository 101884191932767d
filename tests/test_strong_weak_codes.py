"""The strong/weak score distribution counted by integer codes
(:func:`analysis.stats.score_distribution.strong_weak`) equals the pandas group-by it replaced, kept
here as the reference: the same rows in the same order, the same columns and dtypes, exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats import score_distribution
from analysis.stats.item_ids import split_item_ids
from analysis.stats.separation import strong_weak


def reference(d: pd.DataFrame) -> pd.DataFrame:
    """The table as pandas groups it (the function before issue 26 moved it to integer codes)."""
    k = d.loc[d["strong"].notna().to_numpy(), ["question_id", "strong", "score"]]
    t = (k.assign(group=np.where(k["strong"] > 0, 0, 1).astype(np.int8))
         .groupby(["question_id", "group", "score"], observed=True).size().rename("n").reset_index())
    t["group"] = np.array(["strong", "weak"], dtype=object)[t["group"].to_numpy()]
    t["share"] = t["n"] / t.groupby(["question_id", "group"], observed=True)["n"].transform("sum")
    t["question_id"] = t["question_id"].astype(str)
    return split_item_ids(t)


# plain ids and versioned ones (``"<id> v<n>"``, which split_item_ids splits into id and version)
IDS = ["mid-caching", "mid-caching v2", "mid-caching v3", "jr-s3-basics", "sr-egress-cost v2", "a", "b v10"]
SCORE_TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint64", "float64", "float32"]


@st.composite
def frames(draw):
    n = draw(st.integers(0, 60))
    ids = draw(st.lists(st.sampled_from(IDS), min_size=n, max_size=n))
    strong = draw(st.lists(st.sampled_from([0.0, 1.0, np.nan, -0.5, 2.0]), min_size=n, max_size=n))
    dtype = draw(st.sampled_from(SCORE_TYPES))
    floating = dtype.startswith("float")
    score = draw(st.lists(st.sampled_from([0, 1, 2, 3, 4, 7] + ([np.nan, 2.5, -1.0] if floating else [])
                                         + ([-3] if dtype[0] == "i" else [])),
                          min_size=n, max_size=n))
    kind = draw(st.sampled_from(["categorical", "object", "str"]))
    if kind == "categorical":
        # the loader's categories are in bank order, not sorted: the table follows the categories
        cats = draw(st.permutations(IDS))
        question = pd.Categorical(ids, categories=cats)
    else:
        question = pd.Series(ids, dtype=object if kind == "object" else "str")
    return pd.DataFrame({"question_id": question, "strong": np.array(strong, dtype=float),
                         "score": np.array(score, dtype=dtype)})


@settings(max_examples=300, deadline=None)
@given(frames())
def test_equals_the_pandas_group_by(d):
    pd.testing.assert_frame_equal(strong_weak(d), reference(d), check_exact=True)


def test_empty_frame_gives_the_same_empty_table():
    d = pd.DataFrame({"question_id": pd.Categorical([], categories=IDS), "strong": np.zeros(0),
                      "score": np.zeros(0, dtype=np.int8)})
    pd.testing.assert_frame_equal(strong_weak(d), reference(d), check_exact=True)


@settings(max_examples=50, deadline=None)
@given(frames())
def test_all_unknown_criterion_gives_the_same_empty_table(d):
    d = d.assign(strong=np.nan)
    out = strong_weak(d)
    assert out.empty
    pd.testing.assert_frame_equal(out, reference(d), check_exact=True)


def test_blocks_add_up_across_block_edges(monkeypatch):
    """Counting a block at a time gives the counts of one pass (a block edge falls mid-question)."""
    rng = np.random.default_rng(3)
    n = 1000
    d = pd.DataFrame({"question_id": pd.Categorical(rng.choice(IDS, n)),
                      "strong": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 2, n).astype(float)),
                      "score": rng.integers(1, 5, n).astype(np.int8)})
    whole = strong_weak(d)
    monkeypatch.setattr(score_distribution, "BLOCK", 37)
    pd.testing.assert_frame_equal(strong_weak(d), whole, check_exact=True)
    pd.testing.assert_frame_equal(whole, reference(d), check_exact=True)


def test_missing_question_and_wide_integer_scores():
    """A row without a question is left out, and integer scores too far apart to be offset codes
    (factorised instead) keep their values and dtype."""
    d = pd.DataFrame({"question_id": pd.Series(["a", None, "b v2", "a"], dtype=object),
                      "strong": [1.0, 1.0, 0.0, 0.0],
                      "score": np.array([1, 2, 1 << 40, -5], dtype=np.int64)})
    out = strong_weak(d)
    assert out["score"].tolist() == [1, -5, 1 << 40]
    pd.testing.assert_frame_equal(out, reference(d), check_exact=True)


@pytest.mark.parametrize("groups", [False, True])
def test_demo_table_equals_the_pandas_group_by(tmp_path, groups):
    from analysis.io.demo_folder import write_history
    from analysis.io.load import load
    from analysis.stats.calibration import prepare
    from analysis.stats.demo import generate

    write_history(generate(400, seed=7, groups=groups), tmp_path / "demo")
    rows, _ = prepare(load(tmp_path / "demo", progress=False))
    out = strong_weak(rows)
    assert len(out) > 0 and set(out["group"]) == {"strong", "weak"}
    pd.testing.assert_frame_equal(out, reference(rows), check_exact=True)
