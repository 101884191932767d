"""The inter-rater table's statistics from integer arrays (``agreement._agreement`` feeding
``reliability.icc_from_codes`` / ``alpha_from_codes``) equal the frame-based public functions they
stand for -- ``icc`` on the pairs, ``krippendorff_alpha`` on every rating, ``cohen_kappa`` on the
pivoted pairs -- to the last bit, on random rating units with missing scores and interviewers, and on
the demo data. The reference is the straightforward call, as the table computed it before issue 26."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import config
from analysis.stats import agreement, reliability

settings.register_profile("inter_rater_codes", max_examples=80, deadline=None)
settings.load_profile("inter_rater_codes")


def _reference_rows(rows, units: pd.DataFrame, design: str, detail: dict, prefix: str = ""):
    """``agreement._agreement`` as it was at commit 906edc2: the public functions on frames."""
    pairs = units[units["slot"] < 2]
    n_units = int(units["unit"].nunique())
    n_pairs = int(pairs["unit"].nunique())
    ic = {}

    def _icc():
        if n_pairs < 2:
            raise ValueError(f"{n_pairs} paired unit(s): ICC needs at least 2")
        ic["t"] = reliability.icc(pairs, "unit", "slot", "score").set_index("type")
        return ic["t"]

    for t in ("ICC1", "ICC1k"):
        agreement._statistic(rows, prefix + t, f"{design}: {detail['icc']}", n_pairs,
                             lambda t=t: tuple((ic.get("t") if "t" in ic else _icc()).loc[t, ["icc", "ci_low", "ci_high"]]),
                             ci=True)

    def _alpha():
        if n_units < 2:
            raise ValueError(f"{n_units} unit(s): alpha needs at least 2")
        return reliability.krippendorff_alpha(units, "unit", "interviewer", "score", level="ordinal")
    agreement._statistic(rows, prefix + "krippendorff_alpha_ordinal", f"{design}: {detail['alpha']}", n_units, _alpha)
    wide = pairs.pivot(index="unit", columns="slot", values="score").dropna()

    def _kappa_q():
        if len(wide) < 2:
            raise ValueError(f"{len(wide)} pair(s): kappa needs at least 2")
        return reliability.cohen_kappa(wide[0].astype(int), wide[1].astype(int), weights="quadratic",
                                       labels=list(config.SCORES))
    agreement._statistic(rows, prefix + "weighted_kappa_quadratic", f"{design}: {detail['kappa']}", len(wide), _kappa_q)


DETAIL = {"icc": "i", "alpha": "a", "kappa": "k"}


def _assert_same(units):
    fast, ref = [], []
    agreement._agreement(fast, units, "d", DETAIL)
    _reference_rows(ref, units, "d", DETAIL)
    fast, ref = pd.DataFrame(fast), pd.DataFrame(ref)
    # bit for bit, the reasons word for word
    pd.testing.assert_frame_equal(fast, ref, check_exact=True)
    return ref


# a unit: 1-4 ratings, each (interviewer or missing, score or missing); one interviewer at most once per unit
unit_strategy = st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 5)), st.one_of(st.none(), st.integers(1, 4))),
                         min_size=1, max_size=4, unique_by=lambda r: -1 if r[0] is None else r[0])


@given(st.lists(unit_strategy, max_size=25))
def test_statistics_from_codes_equal_the_frame_based_functions(units):
    rows = [(u, slot, iv, sc) for u, ratings in enumerate(units) for slot, (iv, sc) in enumerate(ratings)]
    frame = pd.DataFrame(rows, columns=["unit", "slot", "interviewer", "score"])
    frame["interviewer"] = pd.Categorical(frame["interviewer"].map(lambda v: None if pd.isna(v) else f"iv{int(v)}"))
    frame["score"] = frame["score"].astype(float)
    _assert_same(frame)


@pytest.fixture(scope="module")
def demo_units():
    from analysis.io.load import load
    wb = load(Path(__file__).resolve().parents[1] / "data", cache=False, progress=False)
    return agreement._rating_units(wb.scores.reset_index(drop=True))


@pytest.mark.parametrize("design", [0, 1])
def test_statistics_from_codes_equal_the_frame_based_functions_on_the_demo(demo_units, design):
    units = demo_units[design]
    assert len(units) > 20
    ref = _assert_same(units)
    assert (ref["reason"] == "").all() and ref["value"].notna().all()  # every statistic is computed here


@given(st.lists(st.floats(-3, 7, allow_nan=False, width=16), max_size=40), st.booleans())
def test_observed_domain_equals_sorted_distinct_values(values, whole):
    values = np.round(values) if whole else np.asarray(values, dtype=float)
    values = np.asarray(values, dtype=float)
    domain, index = reliability.observed_domain(values)
    want = np.asarray(sorted(pd.Series(values).unique()), dtype=float)
    np.testing.assert_array_equal(domain, want)
    np.testing.assert_array_equal(index, pd.Index(want).get_indexer(values))


def test_icc_from_codes_refuses_a_target_rated_twice_by_one_rater():
    with pytest.raises(ValueError, match="duplicate"):
        reliability.icc_from_codes(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1]), np.array([1.0, 2, 3, 4]))
