"""The calibration charts (analysis/charts/calibration.py) draw what the tables say, and nothing identifying.

One small synthetic history (analysis.stats.demo, 240 interviews, seeded) is written to a temporary
folder, loaded and calibrated once with a small bootstrap; every chart is then checked against
the table it draws and, where the number is simple, against a hand computation from the raw
scorecards. Candidate ids are renamed to ``secret-cand-NNNN`` so a leak cannot hide behind a
common string.
"""

from __future__ import annotations

import html
import re  # noqa: F401
import numpy as np
import plotly.graph_objects as go
import pytest

from analysis.charts import calibration as charts
from analysis.charts import finish as finish_module
from analysis.charts.interviewers import _FLAG_STYLE
from analysis import config
from analysis.stats.calibration import calibrate
from analysis.io.demo_folder import write_history
from analysis.stats.demo import generate
from analysis.io.load import load
from analysis.charts.theme import defaults

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


#: Everything a figure carries is rounded to finish_module.DIGITS decimals: compare with half a unit.
TOL = 0.5 * 10 ** -finish_module.DIGITS + 1e-9


def _judged(qs):
    return qs[~qs["too_few"].astype(bool) & qs["discrimination"].notna()]


# -------------------------------------------------------------------------- question ranking

def test_question_ranking_one_point_per_judged_question_with_ci_error_bars(figs, cal):
    fig = figs["question_ranking"]
    qs = cal.question_stats.set_index("question_id")
    seen = []
    for t in fig.data:
        for i, q in enumerate(t.y):
            row = qs.loc[q]
            seen.append(q)
            assert t.x[i] == pytest.approx(row["discrimination"], abs=TOL)
            assert t.x[i] + t.error_x.array[i] == pytest.approx(row["discrimination_high"], abs=2 * TOL)
            assert t.x[i] - t.error_x.arrayminus[i] == pytest.approx(row["discrimination_low"], abs=2 * TOL)
            assert t.name == str(row["topic"])                       # coloured by topic
    assert sorted(seen) == sorted(_judged(cal.question_stats)["question_id"])


def test_question_ranking_split_by_question_level_best_at_the_top(figs, cal):
    fig = figs["question_ranking"]
    qs = cal.question_stats.set_index("question_id")
    by_axis = {}
    for t in fig.data:
        for q in t.y:
            by_axis.setdefault(t.yaxis, set()).add(qs.at[q, "level"])
    assert all(len(v) == 1 for v in by_axis.values())               # one level per panel
    for ax in fig.select_yaxes():
        order = list(ax.categoryarray)                                # first category is drawn at the bottom
        d = qs.loc[order, "discrimination"].to_numpy(float)
        assert (np.diff(d) >= 0).all()


def test_question_ranking_leaves_out_too_few_and_says_how_many(workbook):
    cal = calibrate(workbook, n_boot=20, min_n=40)
    few = int(cal.question_stats["too_few"].sum())
    assert 0 < few < len(cal.question_stats)                         # the test can fail both ways
    fig = charts.question_ranking(cal.question_stats, min_n=40)
    drawn = [q for t in fig.data for q in t.y]
    assert len(drawn) == len(cal.question_stats) - few
    assert f"{few} questions asked of too few candidates not shown" in fig.layout.title.subtitle.text
    nobody = calibrate(workbook, n_boot=20, min_n=10_000)
    fig = charts.question_ranking(nobody.question_stats)
    assert not fig.data and "Not enough candidates" in fig.layout.title.text


def test_question_ranking_has_no_empty_panel(workbook):
    senior = calibrate(workbook, level="senior", n_boot=20, min_n=10)
    fig = charts.question_ranking(senior.question_stats, min_n=10)
    shown = {senior.question_stats.set_index("question_id").at[q, "level"] for t in fig.data for q in t.y}
    assert len(list(fig.select_yaxes())) == len(shown)


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
        q = t.customdata[0][0]
        for x, y in zip(t.x, t.y):
            got[(q, t.name, int(x))] = y
    for key, share in expected.items():
        assert got[key] == pytest.approx(share, abs=TOL)
    assert all(v == 0 for k, v in got.items() if k not in expected.index)


# ------------------------------------------------------------------------------ level heatmap

def test_level_heatmap_z_is_mean_score_by_question_and_candidate_level(figs, workbook, cal):
    bank_level = workbook.questions.set_index("question_id")["level"].astype(str)
    s = workbook.scores.assign(question_level=workbook.scores["question_id"].astype(str).map(bank_level),
                               candidate_level=workbook.scores["level"].astype(str))
    by_hand = s.groupby(["question_level", "candidate_level"])["score"].mean().unstack()
    by_hand = by_hand.reindex(index=list(config.LEVELS), columns=list(config.LEVELS))
    (hm,) = figs["level_heatmap"].data
    assert list(hm.x) == list(config.LEVELS) and list(hm.y) == list(config.LEVELS)
    n = s.groupby(["question_level", "candidate_level"]).size().unstack().reindex(
        index=list(config.LEVELS), columns=list(config.LEVELS)).fillna(0)
    expected = by_hand.to_numpy(float).copy()
    expected[(n.to_numpy() < 5)] = np.nan                            # too few answers: blank
    np.testing.assert_allclose(np.asarray(hm.z, dtype=float), expected, atol=TOL, equal_nan=True)
    text = np.asarray(hm.text)
    for (ql, cl), k in n.stack().items():
        i, j = config.LEVELS.index(ql), config.LEVELS.index(cl)
        if k >= 5:
            assert text[i][j] == f"{by_hand.loc[ql, cl]:.2f}  n={int(k)}"


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning", "ignore:Degrees of freedom:RuntimeWarning")
def test_level_heatmap_marks_cells_never_asked(workbook):
    senior = calibrate(workbook, level="senior", n_boot=20)
    (hm,) = charts.level_heatmap(senior.heatmap).data
    z = np.asarray(hm.z, dtype=float)
    assert np.isnan(z[:, :2]).all() and np.isfinite(z[:, 2]).any()
    assert all(np.asarray(hm.text)[:, :2].ravel() == "not asked")


# ---------------------------------------------------------------------- topics and levels

def test_topic_separation_one_point_per_topic_with_ci_best_at_the_top(figs, cal):
    ts = cal.topic_stats.set_index("topic")
    (t,) = figs["topic_separation"].data
    got = {}
    for i, topic in enumerate(t.y):
        got[topic] = (t.x[i], t.x[i] - t.error_x.arrayminus[i], t.x[i] + t.error_x.array[i])
        assert t.marker.color[i] == defaults.topic_colors[topic]
    judged = ts[ts["band"] != "too few"]
    assert sorted(got) == sorted(judged.index)
    for topic, (x, lo, hi) in got.items():
        assert (x, lo, hi) == pytest.approx(tuple(ts.loc[topic, ["discrimination", "discrimination_low",
                                                                   "discrimination_high"]]), abs=2 * TOL)
    order = list(figs["topic_separation"].layout.yaxis.categoryarray)
    assert (np.diff(ts.loc[order, "discrimination"].to_numpy(float)) >= 0).all()   # best last = at the top
    best = ts["discrimination"].idxmax()
    assert figs["topic_separation"].layout.title.text.startswith(best)              # the title states it


def test_level_separation_bars_are_alpha_dots_are_discrimination(figs, cal):
    bars, dots = figs["level_separation"].data
    # issue 24: two statistics, two axes, each titled by what it shows (not one axis called "Value")
    fig = figs["level_separation"]
    assert fig.layout[bars.yaxis.replace("y", "yaxis")].title.text == "Cronbach's alpha"
    assert fig.layout[dots.yaxis.replace("y", "yaxis")].title.text.startswith("Adjusted discrimination")
    assert bars.yaxis != dots.yaxis
    assert all(ax.title.text != "Value" for ax in fig.select_yaxes())
    ls = cal.level_stats.set_index("level")
    assert bars.type == "bar" and dots.type == "scatter"
    assert list(bars.x) == list(ls.index)
    np.testing.assert_allclose(np.asarray(bars.y, float), ls["alpha"].to_numpy(float), atol=TOL)
    judged = ls.loc[list(dots.x)]
    np.testing.assert_allclose(np.asarray(dots.y, float), judged["discrimination"].to_numpy(float), atol=TOL)
    np.testing.assert_allclose(np.asarray(dots.y, float) + np.asarray(dots.error_y.array, float),
                               judged["discrimination_high"].to_numpy(float), atol=2 * TOL)
    np.testing.assert_allclose(np.asarray(dots.y, float) - np.asarray(dots.error_y.arrayminus, float),
                               judged["discrimination_low"].to_numpy(float), atol=2 * TOL)


# ------------------------------------------------------------------------------ red flags

def test_red_flag_lift_points_match_a_hand_count(figs, workbook, cal):
    """Lift = P(weak | red flag) / P(weak | no red flag) over a question's answers, weak meaning
    a no/strong_no recommendation; counted here directly from the scorecards."""
    s = workbook.scores
    weak = ~s["recommendation"].isin(config.PASSING_RECOMMENDATIONS)
    flag = s["red_flag"].astype(bool)
    got = {}
    traces = [t for t in figs["red_flag_lift"].data if t.customdata is not None]
    assert len(traces) <= 3 and {t.name for t in traces} <= {f"{lv} questions" for lv in config.LEVELS}
    for t in traces:
        for x, y, cd in zip(t.x, t.y, t.customdata):
            got[cd[0]] = (x, y)
    assert got
    for q, (rate, lift) in got.items():
        m = (s["question_id"].astype(str) == q).to_numpy()
        assert rate == pytest.approx(flag[m].mean(), abs=TOL)
        by_hand = weak[m & flag].mean() / weak[m & ~flag].mean()
        assert lift == pytest.approx(by_hand, abs=TOL)
    judged = _judged(cal.question_stats).dropna(subset=["red_flag_lift"])
    assert set(got) == set(judged["question_id"])


def test_red_flag_title_gives_each_question_its_own_lift(cal):
    """Issue 24: the title named two questions and gave both the first one's lift. Each named question now
    carries its own number, read from the table drawn (one decimal)."""
    q = cal.question_stats.copy()
    fig = charts.red_flag_lift(q, min_n=30)
    shown = {cd[0]: y for t in fig.data if t.customdata is not None for y, cd in zip(t.y, t.customdata)}
    top = sorted(shown, key=shown.get, reverse=True)[:2]
    assert shown[top[0]] != pytest.approx(shown[top[1]], abs=0.05)    # a case where the two differ
    title = fig.layout.title.text
    assert title == (f"Red flags warn most on {top[0]} (weak outcome {shown[top[0]]:.1f}x as likely) and "
                     f"{top[1]} ({shown[top[1]]:.1f}x)")


# ----------------------------------------------------------------------------- interviewers

def test_interviewer_severity_points_intervals_and_colours(figs, cal):
    (t,) = figs["interviewer_severity"].data
    iv = cal.interviewer_stats.set_index("interviewer")
    big = iv[(iv["n_interviews"] >= 5) & iv["severity"].notna()]
    assert sorted(t.y) == sorted(big.index.astype(str))
    assert list(t.x) == sorted(t.x)                                  # ascending: harshest at the top
    for i, name in enumerate(t.y):
        row = iv.loc[name]
        assert t.x[i] == pytest.approx(row["severity"], abs=TOL)
        assert t.x[i] + t.error_x.array[i] == pytest.approx(row["severity_high"], abs=2 * TOL)
        assert t.x[i] - t.error_x.arrayminus[i] == pytest.approx(row["severity_low"], abs=2 * TOL)
        verdict = "harsher" if row["severity_low"] > 0 else "softer" if row["severity_high"] < 0 else "not clear"
        assert verdict == row["verdict"]
        assert t.marker.color[i] == defaults.verdict_colors[verdict]


def test_chart_titles_count_the_verdict_column_the_brief_reads(cal):
    # issue 24: the chart's headline and the brief read one verdict. A question whose lower end is
    # 0.31 is 'keep' by its interval alone; marked 'watch' (an end within its Monte Carlo error) the
    # title no longer counts it, and an interviewer's colour and count follow the verdict column too
    from analysis.charts.interviewers import interviewer_severity
    from analysis.charts.questions import question_ranking
    q = cal.question_stats.copy()
    judged = ~q["too_few"].astype(bool) & q["discrimination"].notna()
    q.loc[judged, ["discrimination_low", "discrimination_high"]] = [0.31, 0.6]
    q["verdict"] = np.where(judged, "watch", "too few")
    first = q.index[judged][0]
    q.loc[first, "verdict"] = "keep"
    title = question_ranking(q).layout.title.text
    assert title.startswith("1 question clearly separates strong from weak (keep)")
    iv = cal.interviewer_stats.copy()
    iv["verdict"] = np.where(iv["small_group"], "too few", "not clear")
    fig = interviewer_severity(iv)
    assert fig.layout.title.text.startswith("No interviewer grades clearly harsher or softer")
    assert set(fig.data[0].marker.color) == {"#555555"}


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
        assert y == pytest.approx(expected[(t.name, sign)], abs=TOL)
        found.add((t.name, sign))
    assert found == set(expected)
    team = [s for s in fig.layout.shapes if s.y0 == s.y1]
    assert any(s.y0 == pytest.approx(p0) for s in team)


def test_pass_rate_funnel_points_by_hand_small_groups_left_out_outliers_coloured(figs, workbook, cal):
    iv = workbook.scores.drop_duplicates("interview_id")
    passed = iv["recommendation"].isin(config.PASSING_RECOMMENDATIONS)
    by_hand = passed.groupby(iv["interviewer"].astype(str)).agg(["size", "mean"])
    shown = {}
    colours = {}
    for t in figs["pass_rate_funnel"].data:
        if t.mode == "markers+text":
            for cd, x, y in zip(t.customdata, t.x, t.y):
                shown[cd[0]] = (x, y)
                colours[cd[0]] = t.marker.color
    assert "Quinn" not in shown and by_hand.loc["Quinn", "size"] == 2   # the small group
    assert set(shown) == set(by_hand.index) - {"Quinn"}
    for name, (n, rate) in shown.items():
        assert n == by_hand.loc[name, "size"] and rate == pytest.approx(by_hand.loc[name, "mean"], abs=TOL)
    flags = cal.interviewer_stats.set_index("interviewer")["funnel_flag"]
    for name, colour in colours.items():
        assert colour == _FLAG_STYLE[flags[name]][1]
    assert "1 interviewer with fewer than 5 interviews not shown" in figs["pass_rate_funnel"].layout.title.subtitle.text


# ------------------------------------------------------------------------------------ drift

def test_drift_lines_top_questions_and_their_quarterly_residuals(figs, cal):
    fig = figs["drift_lines"]
    top = cal.drift_tests.sort_values("p_value")["question_id"].head(5).tolist()
    names = {t.name.split(" ")[0]: t for t in fig.data}
    assert set(names) <= set(top)
    bq = cal.drift_by_quarter
    for q, t in names.items():
        mine = bq[(bq["question_id"] == q) & (bq["n"] >= 5)].sort_values("quarter")
        assert list(t.x) == mine["quarter"].tolist()
        np.testing.assert_allclose(np.asarray(t.y, float), mine["mean_residual"].to_numpy(float), atol=TOL)
        qv = cal.drift_tests.set_index("question_id").at[q, "q_value"]
        assert f"q={qv:.2g}" in t.name


def test_drift_lines_given_questions(cal):
    fig = charts.drift_lines(cal.drift_by_quarter, cal.drift_tests, questions=["mid-decoupling", "jr-s3-basics"])
    assert sorted(t.name.split(" ")[0] for t in fig.data) == ["jr-s3-basics", "mid-decoupling"]


# ------------------------------------------------------------------ the whole class: hostile text

HOSTILE = '<a href="https://evil.example/">t</a>'
QUOTED = 'O"Brien & <b>Eve</b>'


def _strings(obj, path=""):
    """Every string in a figure's JSON, with where it is."""
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(v, f"{path}.{k}")
    elif isinstance(obj, (list, tuple, np.ndarray)):
        for i, v in enumerate(obj):
            yield from _strings(v, f"{path}[{i}]")


def _template_paths(path):
    return path.endswith("hovertemplate") or path.endswith("texttemplate") or ".template." in path


@pytest.fixture(scope="module")
def hostile_cal(cal):
    """The real calibration with every user-supplied text replaced by markup: question ids, topics,
    interviewer names (one of each kind hostile, one with quotes and an ampersand)."""
    import copy

    import pandas as pd
    c = copy.copy(cal)
    qid = cal.question_stats["question_id"].astype(str)
    ids = {q: (f"{HOSTILE}{i}" if i % 2 else f"{QUOTED}{i}") for i, q in enumerate(qid)}
    topics = {t: f"<i>{t}</i>&amp;" for t in cal.question_stats["topic"].astype(str).unique()}
    c.question_stats = cal.question_stats.assign(question_id=qid.map(ids),
                                                 topic=cal.question_stats["topic"].astype(str).map(topics))
    c.topic_stats = cal.topic_stats.assign(topic=cal.topic_stats["topic"].astype(str).map(topics))
    names = {n: (f"{HOSTILE}{i}" if i % 2 else f"{QUOTED}{i}")
             for i, n in enumerate(cal.interviewer_stats["interviewer"].astype(str))}
    c.interviewer_stats = cal.interviewer_stats.assign(interviewer=cal.interviewer_stats["interviewer"].map(names))
    c.strong_weak = cal.strong_weak.assign(question_id=cal.strong_weak["question_id"].astype(str).map(ids))
    c.drift_by_quarter = cal.drift_by_quarter.assign(question_id=cal.drift_by_quarter["question_id"].astype(str).map(ids))
    c.drift_tests = cal.drift_tests.assign(question_id=cal.drift_tests["question_id"].astype(str).map(ids))
    assert isinstance(c.question_stats, pd.DataFrame)
    return c


@pytest.fixture(scope="module")
def hostile_figs(hostile_cal):
    return charts.figures(hostile_cal)


def test_no_markup_from_the_data_reaches_any_figure_text(hostile_figs):
    figs = hostile_figs
    for name, fig in figs.items():
        seen_escaped = False
        for path, s in _strings(fig.to_plotly_json()):
            if _template_paths(path):
                # our own templates: markup allowed, user text never (referenced as %{...})
                assert "evil" not in s and "Eve" not in s and "Brien" not in s, (name, path, s)
                continue
            assert "<" not in s and ">" not in s, (name, path, s)      # nothing live
            assert "&amp;lt;" not in s and "&amp;gt;" not in s, (name, path, s)     # escaped once
            assert "&quot;" not in s, (name, path, s)                  # quotes show as typed
            seen_escaped |= "&lt;" in s
        assert seen_escaped or name in ("level_heatmap", "level_separation"), name  # no user text there             # the hostile text did reach the chart
    # escaped exactly once: the user's own "&amp;" shows as typed ("&amp;amp;" decodes to "&amp;")
    topic = [s for _, s in _strings(figs["topic_separation"].to_plotly_json()) if "&lt;i&gt;" in s]
    assert topic and all("&lt;/i&gt;&amp;amp;" in s for s in topic)


def test_finish_refuses_to_escape_twice():
    fig = finish_module.finish(go.Figure(go.Scatter(x=[1], y=[2], text=["<b>"])), "t")
    assert list(fig.data[0].text) == ["&lt;b&gt;"]
    with pytest.raises(ValueError, match="twice"):
        finish_module.finish(fig, "t")


def test_interviewer_names_escaped_once_and_quotes_kept():
    import pandas as pd
    t = pd.DataFrame({"interviewer": ['<b>Eve</b>', 'O"Neil'], "n_interviews": [10, 12], "pass_rate": [0.9, 0.4],
                      "team_pass_rate": [0.45, 0.45], "severity": [0.1, -0.1], "severity_low": [0.0, -0.2],
                      "severity_high": [0.2, 0.0], "funnel_flag": ["above", ""], "small_group": [False, False]})
    sev = charts.interviewer_severity(t)
    assert set(sev.data[0].y) == {"&lt;b&gt;Eve&lt;/b&gt;", 'O"Neil'}
    funnel = charts.pass_rate_funnel(t)
    shown = [v for tr in funnel.data if tr.customdata is not None for v in np.asarray(tr.customdata)[:, 0]]
    assert set(shown) == {"&lt;b&gt;Eve&lt;/b&gt;", 'O"Neil'}


# ---------------------------------------------------------------------------------- privacy

def test_small_interviewers_in_no_chart_even_with_their_rates_in_the_raw_table(cal):
    raw = cal.interviewer_stats
    quinn = raw.set_index("interviewer").loc["Quinn"]
    assert quinn["n_interviews"] == 2 and np.isfinite(quinn["pass_rate"])   # the raw table has them
    for name in ("interviewer_severity", "pass_rate_funnel"):
        fig = charts.figures(cal)[name]
        assert "Quinn" not in fig.to_json(), name
        assert "fewer than 5 interviews not shown" in fig.layout.title.subtitle.text


def test_nan_severity_is_not_drawn_and_the_reason_is_given():
    import pandas as pd
    t = pd.DataFrame({"interviewer": ["A", "B", "C"], "n_interviews": [10, 12, 9], "pass_rate": [0.5, 0.4, 0.5],
                      "team_pass_rate": [0.45] * 3, "severity": [0.1, np.nan, -0.2],
                      "severity_low": [0.0, np.nan, -0.4], "severity_high": [0.2, np.nan, 0.1],
                      "severity_note": ["", "shares no candidate with another interviewer", ""]})
    fig = charts.interviewer_severity(t)
    assert sorted(fig.data[0].y) == ["A", "C"]
    assert "1 not estimable (shares no candidate with another interviewer)" in fig.layout.title.subtitle.text


def test_between_candidate_severity_is_an_open_dot_and_says_so():
    """Issue 9: with one interview per candidate a severity rests on between-candidate comparison;
    the chart must not draw it like a same-candidate one."""
    import pandas as pd
    from analysis.stats.severity import BETWEEN, WITHIN
    t = pd.DataFrame({"interviewer": ["A", "B"], "n_interviews": [10, 12], "pass_rate": [0.5, 0.4],
                      "team_pass_rate": [0.45] * 2, "severity": [0.1, -0.2], "severity_low": [0.0, -0.4],
                      "severity_high": [0.2, 0.1], "severity_basis": [WITHIN, BETWEEN], "severity_note": ["", ""]})
    tr = charts.interviewer_severity(t).data[0]
    symbols = dict(zip(tr.y, tr.marker.symbol))
    assert symbols == {"B": "circle-open", "A": "circle"}
    assert "1 compared only between candidates" in charts.interviewer_severity(t).layout.title.subtitle.text


# ------------------------------------------------------------------- numbers and deck-ready

def _numbers(obj, path=""):
    if isinstance(obj, float):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k not in ("layout",):
                yield from _numbers(v, f"{path}.{k}")
    elif isinstance(obj, (list, tuple, np.ndarray)):
        for i, v in enumerate(obj):
            yield from _numbers(v, f"{path}[{i}]")


def test_every_number_a_figure_carries_is_rounded(figs):
    """What figures carry is independent of the last bits of the BLAS kernel: rounded to DIGITS."""
    import json
    for name, fig in figs.items():
        data = json.loads(fig.to_json())["data"]
        for path, v in _numbers(data):
            assert v == round(v, finish_module.DIGITS), (name, path, v)


def _annotation_boxes(fig):
    """Pixel boxes of annotations placed in data x (band labels) or paper coordinates, estimated
    independently of analysis.charts._layout.place_labels from the layout."""
    from analysis.charts._layout import CHAR_WIDTH
    w, h = fig.layout.width, fig.layout.height
    m = fig.layout.margin
    out = []
    for a in fig.layout.annotations:
        if not a.text or a.textangle not in (None, 0):
            continue
        size = a.font.size or 12
        tw, th = CHAR_WIDTH * size * len(html.unescape(a.text)), 1.25 * size
        if a.xref == "x" and fig.layout.xaxis.range is not None:
            r = fig.layout.xaxis.range
            x = m.l + (a.x - r[0]) / (r[1] - r[0]) * (w - m.l - m.r) + (a.xshift or 0)
        elif a.xref == "paper":
            x = m.l + a.x * (w - m.l - m.r)
        else:
            continue
        x0 = {"left": x, "right": x - tw}.get(a.xanchor, x - tw / 2)
        y = m.t + (1 - a.y) * (h - m.t - m.b) if a.yref == "paper" else None
        if y is None:
            continue
        y0 = {"bottom": y - th, "top": y}.get(a.yanchor, y - th / 2)
        out.append((a.text, (x0, y0, x0 + tw, y0 + th)))
    return out


@pytest.mark.parametrize("name", list(charts.READING_GUIDE))
def test_no_two_text_labels_overlap(figs, hostile_figs, name):
    """Point labels (computed from the layout: axis ranges, margins, text positions) and band
    labels never overlap, on the demo data and on long hostile labels."""
    from analysis.charts._layout import label_boxes
    for fs in (figs, hostile_figs):
        fig = fs[name]
        boxes = label_boxes(fig) + _annotation_boxes(fig)
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i][1], boxes[j][1]
                assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (name, boxes[i], boxes[j])


def test_legends_have_a_handful_of_entries(figs):
    for name, fig in figs.items():
        entries = {t.legendgroup or t.name for t in fig.data if t.showlegend is not False and t.name}
        assert len(entries) <= 8, (name, entries)


def test_band_lines_are_labelled(figs):
    for name in ("question_ranking", "topic_separation"):
        texts = {a.text for a in figs[name].layout.annotations}
        assert {"poor", "marginal", "good", "very good"} <= texts, name


def test_every_chart_states_its_n(figs):
    for name, fig in figs.items():
        assert (fig.layout.title.subtitle.text or "").startswith("n = "), name


# ------------------------------------------------------------------------------ the two registries

def test_every_table_has_its_chart_entry_and_every_chart_its_table():
    """A table is one TableSpec in analysis.stats.tables and one entry in the charts' registry: a chart in
    CHARTS, or a reason in UNDRAWN; no chart draws a table the statistics do not have."""
    from analysis.stats.tables import TABLES
    drawn = {c.table for c in charts.CHARTS}
    assert drawn | set(charts.UNDRAWN) == set(TABLES), set(TABLES) ^ (drawn | set(charts.UNDRAWN))
    assert not drawn & set(charts.UNDRAWN)
    assert all(charts.UNDRAWN.values())
    assert len({c.name for c in charts.CHARTS}) == len(charts.CHARTS)
    assert list(charts.READING_GUIDE) == list(charts.BUILDERS) == list(charts.TITLES) == [c.name for c in charts.CHARTS]


def test_band_guides_are_drawn_from_the_one_definition_of_the_ebel_bands():
    from analysis.charts._parts import _EDGES, _MARKS
    from analysis.stats.discrimination import EBEL_BANDS
    assert _EDGES == tuple(sorted(edge for edge, _ in EBEL_BANDS if np.isfinite(edge)))
    assert [text for _, text, _ in _MARKS] == [name for _, name in sorted(EBEL_BANDS)]
    assert [x for x, _, _ in _MARKS] == [0.2, 0.25, 0.35, 0.4]
