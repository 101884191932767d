"""The calibration charts (analysis/charts.py) draw what the tables say, and nothing identifying.

One small synthetic history (analysis.demo, 240 interviews, seeded) is written to a temporary
folder, loaded and calibrated once with a small bootstrap; every chart is then checked against
the table it draws and, where the number is simple, against a hand computation from the raw
scorecards. Candidate ids are renamed to ``secret-cand-NNNN`` so a leak cannot hide behind a
common string.
"""

from __future__ import annotations

import re
import numpy as np
import plotly.graph_objects as go
import pytest

from analysis import charts, config
from analysis.calibration import calibrate
from analysis.demo import generate, write_history
from analysis.load import load
from analysis.theme import defaults

SECRET = "secret-cand-"
#: Two-sided normal quantiles used by funnel plots (standard normal table):
#: 95% -> 1.959964, 99.8% -> 3.090232 (Spiegelhalter 2005, Stat Med 24:1185).
Z95, Z998 = 1.959964, 3.090232


@pytest.fixture(scope="module")
def history():
    h = generate(240, seed=11)
    ids = {c: f"{SECRET}{i:04d}" for i, c in enumerate(sorted(set(h.scores["candidate_id"]) | set(h.outcomes["candidate_id"])))}
    h.scores["candidate_id"] = h.scores["candidate_id"].map(ids)
    h.outcomes["candidate_id"] = h.outcomes["candidate_id"].map(ids)
    # one interviewer with two interviews: a small group the funnel must not plot as a point
    two = h.scores.drop_duplicates("interview_id")["interview_id"].iloc[[3, 7]]
    h.scores.loc[h.scores["interview_id"].isin(two), "interviewer"] = "Quinn"
    return h


@pytest.fixture(scope="module")
def workbook(history, tmp_path_factory):
    folder = write_history(history, tmp_path_factory.mktemp("charts") / "data")
    wb = load(folder, progress=False)
    assert not wb.problems
    return wb


@pytest.fixture(scope="module")
def cal(workbook):
    return calibrate(workbook, "recommendation", n_boot=50, seed=0, min_n=30)


@pytest.fixture(scope="module")
def figs(cal):
    return charts.figures(cal)


def _points(fig, **selector):
    """Every (trace, index) point of the traces matching ``selector``, flattened."""
    rows = []
    for t in fig.select_traces(selector=selector or None):
        for i in range(len(t.x)):
            rows.append((t, i))
    return rows


# ------------------------------------------------------------------------------------- general

def test_figures_returns_every_chart_with_a_reading_guide(figs):
    assert set(figs) == set(charts.READING_GUIDE)
    for name, fig in figs.items():
        assert isinstance(fig, go.Figure), name
        assert fig.layout.title.text, name
        assert fig.layout.width == defaults.width and fig.layout.template.layout.paper_bgcolor is not None


def test_charts_never_call_show(cal, monkeypatch):
    import plotly.basedatatypes
    import plotly.io

    def refuse(*args, **kwargs):
        raise AssertionError("a chart function called .show()")

    monkeypatch.setattr(go.Figure, "show", refuse)
    monkeypatch.setattr(plotly.basedatatypes.BaseFigure, "show", refuse)
    monkeypatch.setattr(plotly.io, "show", refuse)
    assert len(charts.figures(cal)) == len(charts.READING_GUIDE)


def test_no_candidate_id_in_any_figure(figs, history):
    assert history.scores["candidate_id"].str.startswith(SECRET).all()   # the test can fail
    for name, fig in figs.items():
        text = fig.to_json()
        assert SECRET not in text, name
        for cid in history.scores["candidate_id"].unique()[:20]:
            assert cid not in text


# -------------------------------------------------------------------------- question ranking

def test_question_ranking_one_point_per_question_with_ci_error_bars(figs, cal):
    fig = figs["question_ranking"]
    qs = cal.question_stats.set_index("question_id")
    seen = []
    for t in fig.data:
        assert t.error_x.array is not None and t.error_x.arrayminus is not None
        for i, q in enumerate(t.y):
            row = qs.loc[q]
            seen.append(q)
            assert t.x[i] == pytest.approx(row["discrimination"])
            assert t.x[i] + t.error_x.array[i] == pytest.approx(row["discrimination_high"])
            assert t.x[i] - t.error_x.arrayminus[i] == pytest.approx(row["discrimination_low"])
            assert t.marker.symbol[i] == ("circle-open" if row["too_few"] else "circle")
            assert t.name == str(row["topic"])                       # coloured by topic
    assert sorted(seen) == sorted(qs.index)                          # one point per question


def test_question_ranking_split_by_question_level(figs, cal):
    fig = figs["question_ranking"]
    level = cal.question_stats.set_index("question_id")["level"].astype(str)
    axis_levels = {}
    for t in fig.data:
        for q in t.y:
            axis_levels.setdefault(t.yaxis, set()).add(level[q])
    assert all(len(v) == 1 for v in axis_levels.values())          # one level per facet row
    assert sorted(v for s in axis_levels.values() for v in s) == sorted(config.LEVELS)


def test_question_ranking_hollow_when_too_few(workbook):
    cal = calibrate(workbook, n_boot=20, min_n=10_000)              # nobody reaches 10 000 candidates
    fig = charts.question_ranking(cal.question_stats)
    symbols = [s for t in fig.data for s in t.marker.symbol]
    assert symbols and set(symbols) == {"circle-open"}


# ------------------------------------------------------------------------ score distributions

def test_score_distributions_shares_by_hand(figs, workbook):
    """Share of strong (yes/strong_yes) and weak candidates' answers at each score, per question,
    counted directly from the scorecards."""
    s = workbook.scores.assign(group=np.where(workbook.scores["recommendation"].isin(config.PASSING_RECOMMENDATIONS),
                                              "strong", "weak"), question_id=workbook.scores["question_id"].astype(str))
    expected = (s.groupby(["question_id", "group", "score"], observed=True).size()
                / s.groupby(["question_id", "group"], observed=True).size())
    fig = figs["score_distributions"]
    assert {t.name for t in fig.data} == {"strong", "weak"}
    got = {}
    for t in fig.data:
        assert t.marker.color == defaults.strong_weak_colors[t.name]
        q = re.search(r"Question=([^<]+)<br>", t.hovertemplate).group(1)   # the facet this trace is in
        for x, y in zip(t.x, t.y):
            got[(q, t.name, int(x))] = y
    assert len(got) == len(expected)
    for key, share in expected.items():
        assert got[key] == pytest.approx(share)


# ------------------------------------------------------------------------------ level heatmap

def test_level_heatmap_z_is_mean_score_by_question_and_candidate_level(figs, workbook, cal):
    bank_level = workbook.questions.set_index("question_id")["level"].astype(str)
    s = workbook.scores.assign(question_level=workbook.scores["question_id"].astype(str).map(bank_level),
                               candidate_level=workbook.scores["level"].astype(str))
    by_hand = s.groupby(["question_level", "candidate_level"])["score"].mean().unstack()
    by_hand = by_hand.reindex(index=list(config.LEVELS), columns=list(config.LEVELS))
    (hm,) = figs["level_heatmap"].data
    assert list(hm.x) == list(config.LEVELS) and list(hm.y) == list(config.LEVELS)
    np.testing.assert_allclose(np.asarray(hm.z, dtype=float), by_hand.to_numpy(float), equal_nan=True)
    # and the same as the table the chart was drawn from
    table = cal.heatmap.pivot(index="question_level", columns="candidate_level", values="mean_score")
    np.testing.assert_allclose(np.asarray(hm.z, dtype=float),
                               table.reindex(index=list(config.LEVELS), columns=list(config.LEVELS)).to_numpy(float),
                               equal_nan=True)
    n = s.groupby(["question_level", "candidate_level"]).size()
    text = np.asarray(hm.text)
    for (ql, cl), k in n.items():
        i, j = config.LEVELS.index(ql), config.LEVELS.index(cl)
        assert text[i][j] == f"{by_hand.loc[ql, cl]:.2f}<br>n={k}"


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning", "ignore:Degrees of freedom:RuntimeWarning")
def test_level_heatmap_marks_cells_never_asked(workbook):
    senior = calibrate(workbook, level="senior", n_boot=20)
    (hm,) = charts.level_heatmap(senior.heatmap).data
    z = np.asarray(hm.z, dtype=float)
    assert np.isnan(z[:, :2]).all() and np.isfinite(z[:, 2]).any()
    assert all(np.asarray(hm.text)[:, :2].ravel() == "not asked")


# ---------------------------------------------------------------------- topics and levels

def test_topic_separation_one_point_per_topic_with_ci(figs, cal):
    ts = cal.topic_stats.set_index("topic")
    got = {}
    for t in figs["topic_separation"].data:
        for i, topic in enumerate(t.y):
            got[topic] = (t.x[i], t.x[i] - t.error_x.arrayminus[i], t.x[i] + t.error_x.array[i])
            assert t.marker.color == defaults.topic_colors[topic]
    assert sorted(got) == sorted(ts.index)
    for topic, (x, lo, hi) in got.items():
        assert (x, lo, hi) == pytest.approx(tuple(ts.loc[topic, ["discrimination", "discrimination_low",
                                                                   "discrimination_high"]]))


def test_level_separation_bars_are_alpha_dots_are_discrimination(figs, cal):
    bars, dots = figs["level_separation"].data
    ls = cal.level_stats.set_index("level")
    assert bars.type == "bar" and dots.type == "scatter"
    assert list(bars.x) == list(ls.index)
    np.testing.assert_allclose(np.asarray(bars.y, float), ls["alpha"].to_numpy(float))
    np.testing.assert_allclose(np.asarray(dots.y, float), ls["discrimination"].to_numpy(float))
    np.testing.assert_allclose(np.asarray(dots.y, float) + np.asarray(dots.error_y.array, float),
                               ls["discrimination_high"].to_numpy(float))
    np.testing.assert_allclose(np.asarray(dots.y, float) - np.asarray(dots.error_y.arrayminus, float),
                               ls["discrimination_low"].to_numpy(float))


# ------------------------------------------------------------------------------ red flags

def test_red_flag_lift_points_match_a_hand_count(figs, workbook):
    """Lift = P(weak | red flag) / P(weak | no red flag) over a question's answers, weak meaning
    a no/strong_no recommendation; counted here directly from the scorecards."""
    s = workbook.scores
    weak = ~s["recommendation"].isin(config.PASSING_RECOMMENDATIONS)
    flag = s["red_flag"].astype(bool)
    got = {}
    for t in figs["red_flag_lift"].data:
        for x, y, q in zip(t.x, t.y, t.text):
            got[q] = (x, y)
    assert got
    for q, (rate, lift) in got.items():
        m = (s["question_id"].astype(str) == q).to_numpy()
        assert rate == pytest.approx(flag[m].mean())
        by_hand = weak[m & flag].mean() / weak[m & ~flag].mean()
        assert lift == pytest.approx(by_hand)
    # a question whose lift cannot be computed (no red flag, or none weak without one) is left out
    rates = s.assign(q=s["question_id"].astype(str)).groupby("q")["red_flag"].mean()
    assert set(got) <= set(rates.index)


# ----------------------------------------------------------------------------- interviewers

def test_interviewer_severity_points_intervals_and_colours(figs, cal):
    (t,) = figs["interviewer_severity"].data
    iv = cal.interviewer_stats.dropna(subset=["severity"]).set_index("interviewer")
    assert sorted(t.y) == sorted(iv.index.astype(str))
    assert list(t.x) == sorted(t.x)                                  # ordered by severity
    for i, name in enumerate(t.y):
        row = iv.loc[name]
        assert t.x[i] == pytest.approx(row["severity"])
        assert t.x[i] + t.error_x.array[i] == pytest.approx(row["severity_high"])
        assert t.x[i] - t.error_x.arrayminus[i] == pytest.approx(row["severity_low"])
        colour = "#C0392B" if row["severity_low"] > 0 else "#2E86C1" if row["severity_high"] < 0 else "#555"
        assert t.marker.color[i] == colour


def test_pass_rate_funnel_limits_by_hand(figs, workbook):
    """Team pass rate and the funnel limits p0 +- z*sqrt(p0(1-p0)/n), computed here for n = 40."""
    iv = workbook.scores.drop_duplicates("interview_id")
    p0 = iv["recommendation"].isin(config.PASSING_RECOMMENDATIONS).mean()
    n = 40
    expected = {("95% limits", +1): p0 + Z95 * np.sqrt(p0 * (1 - p0) / n),
                ("95% limits", -1): p0 - Z95 * np.sqrt(p0 * (1 - p0) / n),
                ("99.8% limits", +1): p0 + Z998 * np.sqrt(p0 * (1 - p0) / n),
                ("99.8% limits", -1): p0 - Z998 * np.sqrt(p0 * (1 - p0) / n)}
    fig = figs["pass_rate_funnel"]
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 4
    found = set()
    for t in lines:
        y = float(np.asarray(t.y)[list(t.x).index(n)])
        sign = +1 if y > p0 else -1
        assert y == pytest.approx(expected[(t.name, sign)], abs=1e-6)
        found.add((t.name, sign))
    assert found == set(expected)
    team = [s for s in fig.layout.shapes if s.y0 == s.y1]
    assert any(s.y0 == pytest.approx(p0) for s in team)


def test_pass_rate_funnel_points_by_hand_small_groups_left_out(figs, workbook):
    iv = workbook.scores.drop_duplicates("interview_id")
    passed = iv["recommendation"].isin(config.PASSING_RECOMMENDATIONS)
    by_hand = passed.groupby(iv["interviewer"].astype(str)).agg(["size", "mean"])
    (pts,) = [t for t in figs["pass_rate_funnel"].data if t.name == "interviewers"]
    shown = dict(zip(pts.text, zip(pts.x, pts.y)))
    assert "Quinn" not in shown and by_hand.loc["Quinn", "size"] == 2   # the small group
    assert set(shown) == set(by_hand.index) - {"Quinn"}
    for name, (n, rate) in shown.items():
        assert n == by_hand.loc[name, "size"] and rate == pytest.approx(by_hand.loc[name, "mean"])


# ------------------------------------------------------------------------------------ drift

def test_drift_lines_top_questions_and_their_quarterly_residuals(figs, cal):
    fig = figs["drift_lines"]
    top = cal.drift_tests.sort_values("p_value")["question_id"].head(5).tolist()
    names = {t.name.split(" ")[0]: t for t in fig.data}
    assert sorted(names) == sorted(top)
    bq = cal.drift_by_quarter
    for q, t in names.items():
        mine = bq[bq["question_id"] == q].sort_values("quarter")
        assert list(t.x) == mine["quarter"].tolist()
        np.testing.assert_allclose(np.asarray(t.y, float), mine["mean_residual"].to_numpy(float))
        qv = cal.drift_tests.set_index("question_id").at[q, "q_value"]
        assert f"q={qv:.2g}" in t.name


def test_drift_lines_given_questions(cal):
    fig = charts.drift_lines(cal.drift_by_quarter, cal.drift_tests, questions=["mid-decoupling", "jr-s3-basics"])
    assert sorted(t.name.split(" ")[0] for t in fig.data) == ["jr-s3-basics", "mid-decoupling"]


def test_interviewer_names_are_escaped_in_charts():
    # plotly renders a subset of HTML in text and labels; a typed name must show as text.
    import pandas as pd
    from analysis import charts
    t = pd.DataFrame({"interviewer": ["<b>Eve</b>", "Bob"], "n_interviews": [10, 12], "pass_rate": [0.5, 0.4],
                      "team_pass_rate": [0.45, 0.45], "severity": [0.1, -0.1], "severity_low": [0.0, -0.2],
                      "severity_high": [0.2, 0.0], "small_group": [False, False]})
    sev = charts.interviewer_severity(t)
    assert "&lt;b&gt;Eve&lt;/b&gt;" in list(sev.data[0].y)
    funnel = charts.pass_rate_funnel(t)
    shown = [v for tr in funnel.data if tr.text is not None for v in tr.text]
    assert "&lt;b&gt;Eve&lt;/b&gt;" in shown and "<b>Eve</b>" not in shown
