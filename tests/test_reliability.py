"""Tests of analysis.stats.reliability against published worked examples and hand calculations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.stats.reliability import ICC_TYPES, cohen_kappa, icc, krippendorff_alpha

# --------------------------------------------------------------------------------------------------
# ICC: Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
# reliability. Psychological Bulletin 86(2), 420-428. Table 2: 6 targets rated by 4 judges.

SHROUT_FLEISS = np.array(
    [
        [9, 2, 5, 8],
        [6, 1, 3, 2],
        [8, 4, 6, 8],
        [7, 1, 2, 6],
        [10, 5, 6, 9],
        [6, 2, 4, 7],
    ]
)
# The values the paper reports for these data (ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71,
# ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91), under the workbook's names.
SHROUT_FLEISS_ICC = {"ICC1": 0.17, "ICC2": 0.29, "ICC3": 0.71, "ICC1k": 0.44, "ICC2k": 0.62, "ICC3k": 0.91}


def _shrout_fleiss_long() -> pd.DataFrame:
    targets, judges = np.indices(SHROUT_FLEISS.shape)
    return pd.DataFrame(
        {
            "target": targets.ravel() + 1,
            "judge": np.array(["A", "B", "C", "D"])[judges.ravel()],
            "rating": SHROUT_FLEISS.ravel(),
        }
    )


def test_icc_reproduces_shrout_fleiss_table():
    table = icc(_shrout_fleiss_long(), "target", "judge", "rating")
    assert table["type"].tolist() == list(ICC_TYPES)
    for form, published in SHROUT_FLEISS_ICC.items():
        value = table.set_index("type").loc[form, "icc"]
        assert round(value, 2) == pytest.approx(published), form
    assert (table["n_targets"] == 6).all() and (table["n_raters"] == 4).all()
    assert (table["n_dropped"] == 0).all()


def test_icc_f_tests_match_shrout_fleiss_mean_squares():
    # The paper's analysis of variance of the Table 2 data: BMS = 11.24, WMS = 6.26, EMS = 1.02.
    table = icc(_shrout_fleiss_long(), "target", "judge", "rating").set_index("type")
    assert table.loc["ICC1", "F"] == pytest.approx(11.24 / 6.26, abs=0.01)
    assert table.loc["ICC2", "F"] == pytest.approx(11.24 / 1.02, abs=0.05)
    assert table.loc["ICC1", ["df1", "df2"]].tolist() == [5, 18]
    assert table.loc["ICC3", ["df1", "df2"]].tolist() == [5, 15]


def test_icc1_interval_is_the_shrout_fleiss_f_interval_at_full_precision():
    # Shrout & Fleiss (1979), case 1: F_L = F / F(.975; n-1, n(k-1)), F_U = F * F(.975; n(k-1), n-1),
    # bounds (F_L - 1) / (F_L + k - 1) and (F_U - 1) / (F_U + k - 1); n = 6 targets, k = 4 judges.
    table = icc(_shrout_fleiss_long(), "target", "judge", "rating").set_index("type")
    f, n, k = table.loc["ICC1", "F"], 6, 4
    f_low = f / stats.f.ppf(0.975, n - 1, n * (k - 1))
    f_high = f * stats.f.ppf(0.975, n * (k - 1), n - 1)
    assert table.loc["ICC1", "ci_low"] == pytest.approx((f_low - 1) / (f_low + k - 1), rel=1e-9)
    assert table.loc["ICC1", "ci_high"] == pytest.approx((f_high - 1) / (f_high + k - 1), rel=1e-9)
    assert (table["ci_low"] <= table["icc"]).all() and (table["icc"] <= table["ci_high"]).all()


def test_icc_accepts_several_target_columns():
    data = _shrout_fleiss_long()
    data["candidate"] = (data["target"] + 1) // 2
    data["question"] = np.where(data["target"] % 2, "q1", "q2")
    one = icc(data, "target", "judge", "rating")
    two = icc(data, ["candidate", "question"], "judge", "rating")
    np.testing.assert_allclose(one["icc"], two["icc"], rtol=1e-12)


def test_icc_drops_incomplete_targets_and_says_so():
    data = _shrout_fleiss_long()
    gappy = data.drop(index=data.index[(data["target"] == 2) & (data["judge"] == "C")])
    with pytest.warns(UserWarning, match="dropped 1 of 6 targets"):
        table = icc(gappy, "target", "judge", "rating")
    assert (table["n_dropped"] == 1).all() and (table["n_targets"] == 5).all()
    expected = icc(data[data["target"] != 2], "target", "judge", "rating")
    np.testing.assert_allclose(table["icc"], expected["icc"], rtol=1e-12)


def test_icc_missing_raise_names_the_alternative():
    data = _shrout_fleiss_long()
    data.loc[3, "rating"] = np.nan  # a missing rating counts as no rating
    with pytest.raises(ValueError, match="krippendorff_alpha"):
        icc(data, "target", "judge", "rating", missing="raise")


def test_icc_refuses_designs_it_cannot_handle():
    rota = pd.DataFrame(
        {"target": [1, 1, 2, 2, 3, 3], "rater": ["a", "b", "c", "d", "e", "f"], "rating": [1, 2, 3, 3, 4, 4]}
    )
    with pytest.raises(ValueError, match="cumcount"):
        with pytest.warns(UserWarning):
            icc(rota, "target", "rater", "rating")
    twice = pd.concat([_shrout_fleiss_long(), _shrout_fleiss_long().head(1)])
    with pytest.raises(ValueError, match="duplicate rating"):
        icc(twice, "target", "judge", "rating")
    with pytest.raises(ValueError, match="'score' not in data"):
        icc(_shrout_fleiss_long(), "target", "judge", "score")
    words = _shrout_fleiss_long().astype({"rating": object})
    words.loc[0, "rating"] = "high"
    with pytest.raises(ValueError, match="must hold numbers; got 'high'"):
        icc(words, "target", "judge", "rating")


# --------------------------------------------------------------------------------------------------
# Krippendorff's alpha: Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability,
# section C (nominal data, any number of observers, missing values): 4 observers x 12 units.
# Published: nominal .743; the same data at other levels, .815 ordinal, .849 interval, .797 ratio.

NA = np.nan
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
]
# Wikipedia, "Krippendorff's alpha", a computational example: 3 coders x 15 units;
# published nominal alpha 0.691, interval alpha 0.811.
WIKIPEDIA = [
    [NA, NA, NA, NA, NA, 3, 4, 1, 2, 1, 1, 3, 3, NA, 3],
    [1, NA, 2, 1, 3, 3, 4, 3, NA, NA, NA, NA, NA, NA, NA],
    [NA, NA, 2, 1, 3, 4, 4, NA, 2, 1, 1, 3, 3, NA, 4],
]


def _long(matrix) -> pd.DataFrame:
    """raters x units matrix -> long rows, keeping the NaN rows (they must be ignored)."""
    rows = [
        {"unit": f"u{u + 1:02d}", "observer": "ABCD"[r], "value": value}
        for r, row in enumerate(matrix)
        for u, value in enumerate(row)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_alpha_reproduces_krippendorff_2011(level, published):
    value = krippendorff_alpha(_long(KRIPPENDORFF_2011), "unit", "observer", "value", level=level)
    assert round(value, 3) == published


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.691), ("interval", 0.811)])
def test_krippendorff_alpha_reproduces_wikipedia_example(level, published):
    value = krippendorff_alpha(_long(WIKIPEDIA), "unit", "observer", "value", level=level)
    assert round(value, 3) == published


def test_krippendorff_alpha_default_is_ordinal_and_nominal_accepts_labels():
    data = _long(KRIPPENDORFF_2011)
    assert krippendorff_alpha(data, "unit", "observer", "value") == pytest.approx(
        krippendorff_alpha(data, "unit", "observer", "value", level="ordinal")
    )
    # Nominal codes need not be numbers: relabelling the values keeps alpha (Krippendorff 2011: .743).
    data["label"] = data["value"].map({1: "a", 2: "b", 3: "c", 4: "d", 5: "e"})
    assert round(krippendorff_alpha(data, "unit", "observer", "label", level="nominal"), 3) == 0.743


def test_krippendorff_alpha_clear_errors():
    data = _long(KRIPPENDORFF_2011)
    with pytest.raises(ValueError, match="unknown level 'likert'.*nominal, ordinal, interval, ratio"):
        krippendorff_alpha(data, "unit", "observer", "value", level="likert")
    single = pd.DataFrame({"unit": [1, 2], "observer": ["A", "B"], "value": [1, 2]})
    with pytest.raises(ValueError, match="no unit was rated by two or more raters"):
        krippendorff_alpha(single, "unit", "observer", "value")
    with pytest.raises(ValueError, match="outside value_domain"):
        krippendorff_alpha(data, "unit", "observer", "value", value_domain=[1, 2, 3, 4])
    with pytest.raises(ValueError, match="duplicate rating"):
        krippendorff_alpha(pd.concat([data, data.head(1)]), "unit", "observer", "value")


# --------------------------------------------------------------------------------------------------
# Cohen's kappa


def test_cohen_kappa_reproduces_wikipedia_example():
    # Wikipedia, "Cohen's kappa", simple example: 50 grant proposals; both yes 20, A yes / B no 5,
    # A no / B yes 10, both no 15. p_o = 0.7, p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5, kappa = 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


# Hand example for weights: two interviewers, six answers on the 1-4 rubric, nobody gave a 3.
RATER_A = [1, 2, 4, 2, 4, 1]
RATER_B = [1, 2, 4, 4, 2, 2]
# Margins: A puts 1/3 on each of 1, 2, 4; B puts 1/6 on 1, 1/2 on 2, 1/3 on 4.


def test_cohen_kappa_unweighted_by_hand():
    # p_o = 3/6; p_e = 1/3 * (1/6 + 1/2 + 1/3) = 1/3; kappa = (1/2 - 1/3) / (1 - 1/3) = 0.25.
    assert cohen_kappa(RATER_A, RATER_B) == pytest.approx(0.25)


def test_cohen_kappa_linear_weights_use_the_rubric_distances_by_hand():
    # Linear weighted kappa = 1 - mean observed |i - j| / mean |i - j| expected under independence.
    # With labels 1-4 the distances are the rubric's: observed |a - b| = 0,0,0,2,2,1 -> 5/6.
    # Expected, row by row of A: a=1: 1*1/2 + 3*1/3 = 3/2; a=2: 1*1/6 + 2*1/3 = 5/6;
    # a=4: 3*1/6 + 2*1/2 = 3/2; mean (3/2 + 5/6 + 3/2) / 3 = 23/18. kappa = 1 - 15/23 = 8/23.
    assert cohen_kappa(RATER_A, RATER_B, "linear", labels=[1, 2, 3, 4]) == pytest.approx(8 / 23)
    # Without labels the categories are the observed 1, 2, 4, and 2 vs 4 is one step, not two:
    # observed 0,0,0,1,1,1 -> 1/2; expected (7/6 + 1/2 + 5/6) / 3 = 5/6; kappa = 1 - 3/5 = 0.4.
    assert cohen_kappa(RATER_A, RATER_B, "linear") == pytest.approx(0.4)


def test_cohen_kappa_quadratic_weights_by_hand():
    # Squared distances on 1-4: observed 0,0,0,4,4,1 -> 9/6; expected a=1: 1/2 + 9/3 = 7/2;
    # a=2: 1/6 + 4/3 = 3/2; a=4: 9/6 + 4/2 = 7/2; mean 17/6. kappa = 1 - (3/2) / (17/6) = 8/17.
    assert cohen_kappa(RATER_A, RATER_B, "quadratic", labels=[1, 2, 3, 4]) == pytest.approx(8 / 17)


def test_cohen_kappa_drops_pairs_with_a_missing_rating():
    a = pd.Series(RATER_A + [3, None], dtype="Float64")
    b = RATER_B + [np.nan, 1]
    assert cohen_kappa(a, b, "linear", labels=[1, 2, 3, 4]) == pytest.approx(8 / 23)


def test_cohen_kappa_is_nan_when_undefined_and_1_when_perfect():
    # Both raters gave every answer a 3: chance agreement is 1, so kappa = 0/0 (undefined).
    assert np.isnan(cohen_kappa([3, 3, 3], [3, 3, 3]))
    assert cohen_kappa([1, 2, 4], [1.0, 2.0, 4.0], "quadratic", labels=[1, 2, 3, 4]) == pytest.approx(1.0)


def test_cohen_kappa_clear_errors():
    with pytest.raises(ValueError, match="weights must be None, 'linear' or 'quadratic'"):
        cohen_kappa(RATER_A, RATER_B, "squared")
    with pytest.raises(ValueError, match="got 6 and 5 ratings"):
        cohen_kappa(RATER_A, RATER_B[:5])
    with pytest.raises(ValueError, match=r"rating\(s\) \[4\] not in labels"):
        cohen_kappa(RATER_A, RATER_B, labels=[1, 2, 3])


def test_docstring_examples_run():
    import doctest

    import analysis.stats.reliability

    result = doctest.testmod(analysis.stats.reliability, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# --------------------------------------------------------------------------------------------------
# ICC from closed-form mean squares equals pingouin's intraclass_corr (the reference package whose
# formulas it reproduces without its import cost).

_PINGOUIN_TO_SF = {"ICC(1,1)": "ICC1", "ICC(A,1)": "ICC2", "ICC(C,1)": "ICC3",
                   "ICC(1,k)": "ICC1k", "ICC(A,k)": "ICC2k", "ICC(C,k)": "ICC3k"}


def _random_table(seed: int, n: int, k: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=(n, 1))
    severity = rng.normal(scale=0.5, size=(1, k))
    scores = np.clip(np.rint(2.5 + truth + severity + rng.normal(scale=0.7, size=(n, k))), 1, 4)
    targets, raters = np.indices(scores.shape)
    return pd.DataFrame({"target": targets.ravel(), "rater": raters.ravel().astype(str),
                         "rating": scores.ravel()})


@pytest.mark.parametrize("seed, n, k", [(0, 6, 2), (1, 30, 3), (2, 200, 4), (3, 12, 5)])
def test_icc_equals_pingouin(seed, n, k):
    import warnings

    import pingouin

    data = _random_table(seed, n, k)
    ours = icc(data, "target", "rater", "rating").set_index("type")
    saved = dict(pingouin.options)
    pingouin.options.update({key: None for key in saved if key.startswith("round")})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = pingouin.intraclass_corr(data, targets="target", raters="rater", ratings="rating")
    finally:
        pingouin.options.clear()
        pingouin.options.update(saved)
    ref = ref.assign(type=ref["Type"].map(_PINGOUIN_TO_SF)).set_index("type").loc[list(ICC_TYPES)]
    ci = np.vstack(ref["CI95"].to_numpy())
    # Same formulas on the same sums of squares: agreement to rounding error of the sums.
    np.testing.assert_allclose(ours["icc"], ref["ICC"].astype(float), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours["F"], ref["F"].astype(float), rtol=1e-9)
    np.testing.assert_allclose(ours["ci_low"], ci[:, 0].astype(float), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(ours["ci_high"], ci[:, 1].astype(float), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(ours["pval"], ref["pval"].astype(float), rtol=1e-7, atol=1e-300)
    assert list(ours["df2"]) == list(ref["df2"].astype(int))


def test_icc_does_not_import_pingouin():
    import subprocess
    import sys

    code = ("import sys, pandas as pd; from analysis.stats.reliability import icc; "
            "d = pd.DataFrame({'t': [1, 1, 2, 2, 3, 3], 'r': ['a', 'b'] * 3, 's': [1, 2, 2, 3, 4, 4]}); "
            "icc(d, 't', 'r', 's'); print('pingouin' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------------------------------
# Cohen's kappa from a numpy agreement table equals scikit-learn's cohen_kappa_score (the reference
# implementation whose formula it reproduces without its per-call and import cost).


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_equals_sklearn(seed, weights):
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    truth = rng.integers(1, 5, size=n)
    a = np.clip(truth + rng.integers(-1, 2, size=n), 1, 4)
    b = np.clip(truth + rng.integers(-1, 2, size=n), 1, 4)
    b[b == 3] = 2 if seed == 1 else 3  # seed 1: nobody gave a 3 on one side (labels matter)
    for labels in (None, [1, 2, 3, 4], [4, 3, 2, 1]):
        ref = cohen_kappa_score(a, b, labels=labels, weights=weights)
        assert cohen_kappa(a, b, weights, labels=labels) == pytest.approx(ref, rel=1e-12, abs=1e-12)
        # the same ratings as floats, as pandas columns, and as strings take the same path to the same number
        assert cohen_kappa(pd.Series(a, dtype=float), b.astype(float), weights,
                           labels=labels) == pytest.approx(ref, rel=1e-12, abs=1e-12)
    sa, sb = np.array(["no", "maybe", "yes"])[(a > 2).astype(int) + (a > 3)], np.array(["no", "maybe", "yes"])[(b > 2).astype(int) + (b > 3)]
    ref = cohen_kappa_score(sa, sb, weights=weights)
    assert cohen_kappa(sa, sb, weights) == pytest.approx(ref, rel=1e-12, abs=1e-12)
    # binary decisions, as interviewer_stats passes them (passed vs hired)
    pa, pb = (a > 2).astype(int), (b > 2).astype(int)
    assert cohen_kappa(pa, pb, labels=[0, 1]) == pytest.approx(cohen_kappa_score(pa, pb, labels=[0, 1]), abs=1e-12)


def test_cohen_kappa_with_missing_pairs_equals_sklearn_on_complete_pairs():
    from sklearn.metrics import cohen_kappa_score

    a = pd.Series([1, 2, None, 4, 3, 2, 4, 1], dtype="Int64")
    b = [1, 3, 2, np.nan, 3, 2, 4, 2]
    ref = cohen_kappa_score([1, 2, 3, 2, 4, 1], [1, 3, 3, 2, 4, 2], labels=[1, 2, 3, 4], weights="quadratic")
    assert cohen_kappa(a, b, "quadratic", labels=[1, 2, 3, 4]) == pytest.approx(ref, rel=1e-12)


def test_cohen_kappa_refuses_repeated_labels():
    with pytest.raises(ValueError, match="labels must be distinct"):
        cohen_kappa(RATER_A, RATER_B, labels=[1, 2, 2, 4])


def test_reliability_imports_neither_sklearn_nor_scipy_stats():
    """The statistics run without importing scikit-learn or scipy.stats (start-up cost of every command)."""
    import subprocess
    import sys

    code = ("import sys, pandas as pd; from analysis.stats.reliability import icc, cohen_kappa; "
            "d = pd.DataFrame({'t': [1, 1, 2, 2, 3, 3], 'r': ['a', 'b'] * 3, 's': [1, 2, 2, 3, 4, 4]}); "
            "icc(d, 't', 'r', 's'); cohen_kappa([1, 2, 3], [1, 2, 2], 'quadratic', labels=[1, 2, 3, 4]); "
            "print(sorted(m for m in ('sklearn', 'scipy.stats', 'pingouin') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
