"""Tests of analysis.stats.items against published examples, hand calculations and reference packages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import mannwhitneyu
from sklearn.metrics import roc_auc_score

from analysis.stats.items import auc, cronbach_alpha, grouped_auc, item_statistics, point_biserial

# A tiny complete interview: 4 candidates x 3 questions (worked by hand below).
#   candidate   a  b  c   total
#   1           1  2  1     4
#   2           2  3  3     8
#   3           3  3  4    10
#   4           4  4  3    11
TINY = pd.DataFrame(
    {
        "candidate": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
        "question": ["a", "b", "c"] * 4,
        "score": [1, 2, 1, 2, 3, 3, 3, 3, 4, 4, 4, 3],
    }
)

# A tiny incomplete interview: 6 candidates, each asked 2 of 3 questions.
#   candidate   a  b  c
#   1           1  1  .
#   2           3  3  .
#   3           .  2  1
#   4           .  4  3
#   5           2  .  4
#   6           4  .  2
GAPPY = pd.DataFrame(
    {
        "candidate": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6],
        "question": ["a", "b", "a", "b", "b", "c", "b", "c", "a", "c", "a", "c"],
        "score": [1, 1, 3, 3, 2, 1, 4, 3, 2, 4, 4, 2],
    }
)


def _random_complete(n=60, k=5, seed=7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=(n, 1))
    wide = pd.DataFrame(
        np.clip(np.round(2.5 + ability + rng.normal(size=(n, k))), 1, 4),
        columns=[f"q{j}" for j in range(k)],
    )
    long = wide.rename_axis("candidate").reset_index().melt(
        id_vars="candidate", var_name="question", value_name="score"
    )
    return wide, long


# --------------------------------------------------------------------------------------------------
# cronbach_alpha


def test_cronbach_alpha_reproduces_pingouin_documented_example():
    # pingouin.cronbach_alpha docs, "Likert-type long-format dataframe": alpha = 0.5917188485995826
    # (pingouin validates it against R psych::alpha).
    data = pingouin.read_dataset("cronbach_alpha")
    assert cronbach_alpha(data, "Subj", "Items", "Scores") == pytest.approx(0.5917188485995826, abs=1e-12)


def test_cronbach_alpha_by_hand_on_a_tiny_matrix():
    # Item variances (n - 1): a 5/3, b 2/3, c 4.75/3; totals 4, 8, 10, 11 have variance 28.75/3.
    # alpha = 3/2 * (1 - (5 + 2 + 4.75) / 28.75) = 25.5 / 28.75.
    assert cronbach_alpha(TINY, "candidate", "question", "score") == pytest.approx(25.5 / 28.75)


def test_cronbach_alpha_equals_pingouin_on_complete_data():
    wide, long = _random_complete()
    assert cronbach_alpha(long, "candidate", "question", "score") == pytest.approx(
        pingouin.cronbach_alpha(wide)[0], rel=1e-12
    )


def test_cronbach_alpha_incomplete_pooled_form_by_hand():
    # Pairs answered together: (a, b) by candidates 1-2: a 1, 3 and b 1, 3 -> cross-products of
    # deviations (-1)(-1) + (1)(1) = 2 on 1 df; (b, c) by 3-4: b 2, 4, c 1, 3 -> 2 on 1 df;
    # (a, c) by 5-6: a 2, 4, c 4, 2 -> -2 on 1 df. Pooled covariance c = (2 + 2 - 2) / 3 = 2/3.
    # Each question's four scores are 1, 2, 3, 4 in some order: SS 5 on 3 df; pooled v = 15/9.
    # Each candidate answered k = 2. alpha = k c / (v + (k - 1) c) = (4/3) / (7/3) = 4/7.
    assert cronbach_alpha(GAPPY, "candidate", "question", "score") == pytest.approx(4 / 7)
    # n_items steps the same pooled figures up to a longer interview (Spearman-Brown):
    # k = 6: 4 / (5/3 + 10/3) = 4/5.
    assert cronbach_alpha(GAPPY, "candidate", "question", "score", n_items=6) == pytest.approx(0.8)
    # k = 1: the reliability of one question's score, c / v = (2/3) / (5/3) = 0.4.
    assert cronbach_alpha(GAPPY, "candidate", "question", "score", n_items=1) == pytest.approx(0.4)


def test_cronbach_alpha_averages_repeated_scores_and_ignores_missing():
    doubled = pd.concat(
        [
            TINY,
            pd.DataFrame({"candidate": [2, 3, 3], "question": ["a", "c", "c"], "score": [np.nan, 3, 5]}),
        ]
    )
    # Candidate 3 was scored 4, 3 and 5 on c (a panel): the mean, 4, counts once.
    # Candidate 2's extra row on a has no score and is ignored.
    assert cronbach_alpha(doubled, "candidate", "question", "score") == pytest.approx(25.5 / 28.75)


def test_cronbach_alpha_clear_errors():
    with pytest.raises(ValueError, match="at least 2 questions"):
        cronbach_alpha(TINY[TINY["question"] == "a"], "candidate", "question", "score")
    disjoint = pd.DataFrame({"candidate": [1, 2, 3, 4], "question": ["a", "a", "b", "b"], "score": [1, 2, 3, 4]})
    with pytest.raises(ValueError, match="no two questions were answered by the same"):
        cronbach_alpha(disjoint, "candidate", "question", "score")
    with pytest.raises(ValueError, match="n_items must be"):
        cronbach_alpha(TINY, "candidate", "question", "score", n_items=0)
    with pytest.raises(ValueError, match="'points' not in data"):
        cronbach_alpha(TINY, "candidate", "question", "points")
    bad = TINY.astype({"score": object})
    bad.loc[4, "score"] = "three"
    with pytest.raises(ValueError, match="got 'three'"):
        cronbach_alpha(bad, "candidate", "question", "score")


# --------------------------------------------------------------------------------------------------
# item_statistics


def test_item_statistics_by_hand_on_a_tiny_matrix():
    stats = item_statistics(TINY, "candidate", "question", "score")
    assert list(stats.index) == ["a", "b", "c"] and stats.index.name == "question"
    assert list(stats.columns) == [
        "n", "mean", "sd", "item_total_r", "n_rest", "item_rest_r", "alpha_if_deleted",
    ]
    a = stats.loc["a"]
    assert a["n"] == 4 and a["n_rest"] == 4
    assert a["mean"] == pytest.approx(2.5)
    assert a["sd"] == pytest.approx(np.sqrt(5 / 3))  # deviations -1.5, -0.5, 0.5, 1.5: SS 5
    # Item-total: totals 4, 8, 10, 11 (deviations -4.25, -0.25, 1.75, 2.75; SS 28.75);
    # cross-products with a: 6.375 + 0.125 + 0.875 + 4.125 = 11.5; r = 11.5 / sqrt(5 * 28.75).
    assert a["item_total_r"] == pytest.approx(11.5 / np.sqrt(5 * 28.75))
    # Item-rest: b + c = 3, 6, 7, 7 (deviations -2.75, 0.25, 1.25, 1.25; SS 10.75);
    # cross-products 4.125 - 0.125 + 0.625 + 1.875 = 6.5; r = 6.5 / sqrt(5 * 10.75).
    assert a["item_rest_r"] == pytest.approx(6.5 / np.sqrt(5 * 10.75))
    # Alpha without a: b and c, variances 2/3 and 4.75/3, b + c variance 10.75/3:
    # 2 * (1 - (2 + 4.75) / 10.75) = 8 / 10.75.
    assert a["alpha_if_deleted"] == pytest.approx(8 / 10.75)


def test_item_statistics_agree_with_numpy_and_pingouin_on_complete_data():
    wide, long = _random_complete()
    stats = item_statistics(long, "candidate", "question", "score")
    for q in wide:
        rest = wide.drop(columns=q)
        assert stats.loc[q, "mean"] == pytest.approx(wide[q].mean())
        assert stats.loc[q, "sd"] == pytest.approx(wide[q].std(ddof=1))
        assert stats.loc[q, "item_total_r"] == pytest.approx(np.corrcoef(wide[q], wide.sum(axis=1))[0, 1])
        assert stats.loc[q, "item_rest_r"] == pytest.approx(np.corrcoef(wide[q], rest.sum(axis=1))[0, 1])
        assert stats.loc[q, "alpha_if_deleted"] == pytest.approx(pingouin.cronbach_alpha(rest)[0])


def test_item_statistics_incomplete_by_hand():
    stats = item_statistics(GAPPY, "candidate", "question", "score")
    a = stats.loc["a"]
    # Question a: candidates 1, 2, 5, 6 scored 1, 3, 2, 4; their other answer (the rest mean) is
    # 1, 3, 4, 2. Deviations from 2.5: a -1.5, 0.5, -0.5, 1.5; rest -1.5, 0.5, 1.5, -0.5;
    # cross-products 2.25 + 0.25 - 0.75 - 0.75 = 1; r = 1 / sqrt(5 * 5) = 0.2.
    assert a["item_rest_r"] == pytest.approx(0.2)
    # Candidate means over both answers: 1, 3, 3, 3 (deviations -1.5, 0.5, 0.5, 0.5; SS 3);
    # cross-products 2.25 + 0.25 - 0.25 + 0.75 = 3; r = 3 / sqrt(5 * 3).
    assert a["item_total_r"] == pytest.approx(3 / np.sqrt(15))


def test_item_rest_leaves_out_candidates_with_no_other_question():
    lone = pd.concat([GAPPY, pd.DataFrame({"candidate": [7], "question": ["a"], "score": [4]})])
    a = item_statistics(lone, "candidate", "question", "score").loc["a"]
    assert a["n"] == 5 and a["n_rest"] == 4
    assert a["item_rest_r"] == pytest.approx(0.2)  # unchanged: candidate 7 has no rest score


def test_alpha_if_deleted_is_alpha_of_the_data_without_the_question():
    # Incomplete data: each of 300 candidates answers 4 of 8 questions.
    rng = np.random.default_rng(3)
    n, q, k = 300, 8, 4
    asked = np.argsort(rng.random((n, q)), axis=1)[:, :k]
    candidate = np.repeat(np.arange(n), k)
    ability = rng.normal(size=n)
    data = pd.DataFrame(
        {
            "candidate": candidate,
            "question": [f"q{j}" for j in asked.ravel()],
            "score": np.clip(np.round(2.5 + ability[candidate] + rng.normal(size=n * k)), 1, 4),
        }
    )
    stats = item_statistics(data, "candidate", "question", "score")
    for question in stats.index:
        without = data[data["question"] != question]
        assert stats.loc[question, "alpha_if_deleted"] == pytest.approx(
            cronbach_alpha(without, "candidate", "question", "score"), rel=1e-10
        )


def test_incomplete_pooled_alpha_matches_pandas_pairwise_covariances():
    # Reference computed the slow way: pandas' pairwise-complete covariance matrix, weighted by
    # each pair's n - 1, then alpha = k c / (v + (k - 1) c) with k the mean answers per candidate.
    rng = np.random.default_rng(11)
    data = pd.DataFrame(
        {
            "candidate": rng.integers(0, 80, 400),
            "question": rng.choice(list("abcdef"), 400),
            "score": rng.integers(1, 5, 400).astype(float),
        }
    ).drop_duplicates(["candidate", "question"])
    wide = data.pivot(index="candidate", columns="question", values="score")
    cov = wide.cov().to_numpy()
    present = wide.notna().to_numpy().astype(float)
    df = present.T @ present - 1
    off = ~np.eye(len(cov), dtype=bool)
    v = (np.diag(cov) * np.diag(df)).sum() / np.diag(df).sum()
    c = (cov * df)[off].sum() / df[off].sum()
    k = wide.notna().sum(axis=1).mean()
    assert cronbach_alpha(data, "candidate", "question", "score") == pytest.approx(
        k * c / (v + (k - 1) * c), rel=1e-10
    )


# --------------------------------------------------------------------------------------------------
# auc, grouped_auc, point_biserial


def test_auc_by_hand_with_ties():
    # Strong 3, 4, 2 vs weak 1, 2, 2: 3 and 4 beat all three weak scores (6 wins); 2 beats 1 and
    # ties the two 2s (1 + 0.5 + 0.5). AUC = 8 / 9.
    assert auc([3, 4, 2, 1, 2, 2], [True, True, True, False, False, False]) == pytest.approx(8 / 9)
    assert auc([3, 3, 3, 3], [1, 0, 1, 0]) == pytest.approx(0.5)  # all tied: no separation


def test_auc_agrees_with_sklearn_and_mann_whitney():
    rng = np.random.default_rng(5)
    strong = rng.random(200) < 0.4
    score = np.clip(np.round(2.5 + strong + rng.normal(size=200)), 1, 4)
    value = auc(score, strong)
    assert value == pytest.approx(roc_auc_score(strong, score))
    u = mannwhitneyu(score[strong], score[~strong]).statistic
    assert value == pytest.approx(u / (strong.sum() * (~strong).sum()))


def test_auc_drops_missing_and_refuses_one_class():
    assert auc(pd.Series([3, 4, 2, 1, 2, 2, np.nan, 1]), [1, 1, 1, 0, 0, 0, 1, None]) == pytest.approx(8 / 9)
    with pytest.raises(ValueError, match="got 3 strong and 0 weak"):
        auc([1, 2, 3], [True, True, True])
    with pytest.raises(ValueError, match="True/False"):
        auc([1, 2, 3], ["yes", "no", "yes"])
    with pytest.raises(ValueError, match="got 3 and 2 values"):
        auc([1, 2, 3], [True, False])


def test_grouped_auc_agrees_with_sklearn_per_group():
    rng = np.random.default_rng(9)
    n = 600
    data = pd.DataFrame(
        {
            "level": rng.choice(["junior", "senior"], n),
            "question": rng.choice(["q1", "q2", "q3", "q4"], n),
            "strong": rng.random(n) < 0.5,
        }
    )
    data["score"] = np.clip(np.round(2.5 + data["strong"] * rng.random() + rng.normal(size=n)), 1, 4)
    data.loc[data.sample(20, random_state=1).index, "score"] = np.nan  # ignored
    # a question nobody weak answered has no AUC
    data = pd.concat([data, pd.DataFrame({"level": "junior", "question": "q5", "strong": True, "score": [3.0, 4.0]})])
    result = grouped_auc(data, "question", "score", "strong")
    assert result.name == "auc" and list(result.index) == ["q1", "q2", "q3", "q4", "q5"]
    for question, value in result.items():
        part = data[(data["question"] == question) & data["score"].notna()]
        if question == "q5":
            assert np.isnan(value)
        else:
            assert value == pytest.approx(roc_auc_score(part["strong"], part["score"]))
    both = grouped_auc(data, ["level", "question"], "score", "strong")
    part = data[(data["level"] == "senior") & (data["question"] == "q2") & data["score"].notna()]
    assert both.loc[("senior", "q2")] == pytest.approx(roc_auc_score(part["strong"], part["score"]))


@pytest.mark.parametrize("kind", ["str", "category"])
def test_grouped_auc_count_table_equals_the_rank_path(kind):
    # one key: the (group x distinct score) count table (issue 11); two keys: ranks of every row within
    # its group. Ranks are multiples of 1/2, so the two agree to the last bit, index and dtype included.
    rng = np.random.default_rng(11)
    n = 900
    question = rng.choice(["q3", "q1", "q2", None], n, p=[0.3, 0.3, 0.35, 0.05])
    data = pd.DataFrame({"question": pd.Series(question, dtype="str") if kind == "str"
                         else pd.Categorical(question, categories=["q3", "q2", "q1", "unused"]),
                         "score": rng.integers(1, 5, n).astype(float),
                         "strong": (rng.random(n) < 0.4).astype(float)})
    data.loc[rng.random(n) < 0.05, "score"] = np.nan
    data.loc[rng.random(n) < 0.05, "strong"] = np.nan
    data["continuous"] = data["score"] + rng.normal(0, 0.01, n).round(3)  # few ties
    for score in ("score", "continuous"):
        fast = grouped_auc(data, "question", score, "strong")
        by_rank = grouped_auc(data.assign(one=1), ["one", "question"], score, "strong").droplevel(0)
        pd.testing.assert_series_equal(fast, by_rank, check_exact=True, check_index_type=True)


def test_point_biserial_by_hand_and_against_numpy():
    # Scores 4, 3, 2, 1 (deviations 1.5, 0.5, -0.5, -1.5) vs strong 1, 1, 0, 0 (0.5, 0.5, -0.5,
    # -0.5): cross-products 2, SS 5 and 1, r = 2 / sqrt(5).
    assert point_biserial([4, 3, 2, 1], [True, True, False, False]) == pytest.approx(2 / np.sqrt(5))
    rng = np.random.default_rng(2)
    strong = rng.random(50) < 0.5
    score = rng.integers(1, 5, 50)
    assert point_biserial(score, strong) == pytest.approx(np.corrcoef(score, strong)[0, 1])
    assert np.isnan(point_biserial([3, 3, 3], [True, False, True]))


def test_docstring_examples_run():
    import doctest

    import analysis.stats.items

    result = doctest.testmod(analysis.stats.items, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_item_rest_r_alone_equals_the_column_of_item_statistics():
    """The question table reads item_rest_r alone (issue 26): the same numbers, to the bit."""
    from analysis.stats.items import item_rest_r
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"c": rng.integers(0, 40, 300), "q": rng.choice(list("abcdef"), 300),
                      "s": rng.integers(1, 5, 300).astype(float)})
    d.loc[::17, "s"] = np.nan
    pd.testing.assert_series_equal(item_rest_r(d, "c", "q", "s"), item_statistics(d, "c", "q", "s")["item_rest_r"])
    assert item_rest_r(d.iloc[:0], "c", "q", "s").empty


def _dense_matrix(data):
    """The candidates x questions arrays the way answer_matrix built them before issue 26: a count
    per cell of the full table, panels averaged from a bincount over every cell (the reference)."""
    x = data["score"].to_numpy(float)
    keep = ~np.isnan(x) & data["candidate"].notna().to_numpy()
    c, _ = pd.factorize(data["candidate"][keep])
    q, _ = pd.factorize(data["question"][keep], sort=True)
    x = x[keep]
    n_c, n_q = c.max() + 1, q.max() + 1
    cell = c.astype(np.int64) * n_q + q
    counts = np.bincount(cell, minlength=n_c * n_q)
    if counts.max() > 1:
        nz = np.flatnonzero(counts)
        x = np.bincount(cell, weights=x, minlength=n_c * n_q)[nz] / counts[nz]
        c, q = nz // n_q, nz % n_q
    means = np.bincount(q, weights=x, minlength=n_q) / np.bincount(q, minlength=n_q)
    answered = np.zeros((n_c, n_q), dtype=bool)
    answered[c, q] = True
    centred = np.zeros((n_c, n_q))
    centred[c, q] = x - means[q]
    return c, q, x, answered, centred


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from("abcd"),
                          st.one_of(st.sampled_from([1.0, 2.0, 3.0, 4.0, 2.5]), st.just(np.nan))),
                min_size=1, max_size=40))
def test_answer_matrix_equals_the_dense_count_table(rows):
    """Panels found without a candidates x questions count table, and the arrays made on first read,
    give the answers and arrays of the dense construction, to the bit (issue 26)."""
    from analysis.stats._item_matrix import answer_matrix

    data = pd.DataFrame(rows, columns=["candidate", "question", "score"])
    if data["score"].isna().all():
        return
    m = answer_matrix(data, "candidate", "question", "score", "test")
    c, q, x, answered, centred = _dense_matrix(data)
    np.testing.assert_array_equal(m.c, c)
    np.testing.assert_array_equal(m.q, q)
    np.testing.assert_array_equal(m.x, x)
    np.testing.assert_array_equal(m.answered, answered)
    np.testing.assert_array_equal(m.centred, centred)
