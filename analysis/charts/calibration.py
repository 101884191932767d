"""The calibration charts and their registry: which charts draw which table of
:data:`analysis.stats.tables.TABLES`, under which tab title, with which reading guide.

>>> from analysis.charts.calibration import figures
>>> figs = figures(cal)                 # every chart of a Calibration, by name
>>> figs["question_ranking"]            # doctest: +SKIP

A :class:`ChartSpec` in :data:`CHARTS` (in the order the charts are shown: the explorer's tabs, the
report's pages) is the drawing part of a table; a table with no chart is named in :data:`UNDRAWN`
with the reason. :data:`READING_GUIDE` (printed under each chart in the report), :data:`BUILDERS`,
:data:`TITLES` and :data:`SLICE_CHARTS` are derived from :data:`CHARTS`.

The chart functions live by topic: :mod:`analysis.charts.questions` (questions, topics, levels,
drift) and :mod:`analysis.charts.interviewers`, and are importable from here too. What every chart
does the same way:

- **One place for text and numbers.** Every chart ends in :func:`analysis.charts.finish.finish`,
  which escapes every piece of text a figure carries exactly once and rounds every number to
  :data:`~analysis.charts.finish.DIGITS` decimals.
- **Small samples are not drawn as findings.** A statistic resting on fewer candidates than the
  calibration's ``min_n`` (``too_few``) is not drawn as a point with an interval; interviewers under
  the privacy floor (:data:`analysis.config.SMALL_GROUP`) are not drawn at all; a severity that
  could not be estimated (NaN) is not drawn. The subtitle says how many were left out and why.
- **One ordering convention:** the highest value at the top (or the right).
- **Titles state the finding**, computed from the table drawn.
- **Labels never overlap:** point labels are placed by :func:`analysis.charts._layout.place_labels`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import plotly.graph_objects as go

from analysis import config
from analysis.charts.interviewers import interviewer_severity, pass_rate_funnel
from analysis.charts.questions import (drift_lines, level_heatmap, level_separation, question_ranking,
                                       red_flag_lift, score_distributions, topic_separation)

__all__ = ["ChartSpec", "CHARTS", "UNDRAWN", "READING_GUIDE", "BUILDERS", "TITLES", "SLICE_CHARTS", "figures",
           "question_ranking", "score_distributions", "level_heatmap", "topic_separation", "level_separation",
           "red_flag_lift", "interviewer_severity", "pass_rate_funnel", "drift_lines"]


@dataclass(frozen=True)
class ChartSpec:
    """One chart of a calibration table.

    Parameters
    ----------
    name : str
        The chart's name: its file stem in the report and its key in :data:`BUILDERS`.
    table : str
        The table of :data:`analysis.stats.tables.TABLES` it draws.
    title : str
        Its tab title in the explorer (short: JupyterLab's tab bar cuts long ones).
    build : callable
        ``build(cal)``: the figure of a :class:`analysis.stats.calibration.Calibration`.
    guide : str
        How a hiring lead reads it, in a sentence or two (printed under the chart in the report).
    per_slice : bool, default True
        Drawn from every candidate of the slice at once (shares, lifts, rates): on a slice with fewer
        candidates than the minimum n its explorer tab carries a warning above the chart.
    """

    name: str
    table: str
    title: str
    build: Callable[[object], go.Figure]
    guide: str
    per_slice: bool = True


def _min_n(cal):
    return (getattr(cal, "meta", {}) or {}).get("min_n")


#: Every calibration chart, in the order they are shown.
CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("question_ranking", "question_stats", "Questions",
              lambda cal: question_ranking(cal.question_stats, min_n=_min_n(cal)),
              "Each dot is a question's adjusted discrimination with its 95% interval (bootstrap over "
              "candidates), best at the top. Right is better: >= 0.40 very good, 0.30-0.39 good, 0.20-0.29 "
              "marginal, < 0.20 poor (Ebel). Questions asked of too few candidates to judge are not drawn "
              "(the subtitle says how many). Retire a question only when its whole interval sits in the "
              "poor band."),
    ChartSpec("score_distributions", "strong_weak", "Scores",
              lambda cal: score_distributions(cal.strong_weak),
              "For each question, how strong and weak candidates (by the chosen criterion) scored. A good "
              "question pushes the strong candidates' bars (blue) right and the weak candidates' (vermillion) left; "
              "overlapping bars mean the "
              "question does not tell them apart."),
    ChartSpec("level_heatmap", "level_heatmap", "Heatmap",
              lambda cal: level_heatmap(cal.heatmap),
              "Mean score by the question's level (rows) and the candidate's level (columns). Reading along "
              "a row shows the same questions stretching juniors and warming up seniors; the diagonal is "
              "each level's own kit."),
    ChartSpec("topic_separation", "topic_stats", "Topics",
              lambda cal: topic_separation(cal.topic_stats, min_n=_min_n(cal)),
              "How well each topic (across levels) separates strong from weak, with 95% intervals, best at "
              "the top. A topic low here is one where the questions, not the candidates, are the problem."),
    ChartSpec("level_separation", "level_stats", "Levels",
              lambda cal: level_separation(cal.level_stats, min_n=_min_n(cal)),
              "How well the questions of each level separate strong from weak (dots), and the reliability "
              "of interviews at each level (Cronbach's alpha, bars). Alpha below 0.6 means two interviews "
              "of the same candidate would often disagree."),
    ChartSpec("red_flag_lift", "question_stats", "Red flags",
              lambda cal: red_flag_lift(cal.question_stats, min_n=_min_n(cal)),
              "For each question, how often its red flag is raised (x) and how many times more likely a "
              "weak outcome is when it is (y). High on the chart: the red flag is a strong warning sign. A "
              "lift near 1 means the red flag says little. Only the strongest warnings are labelled; hover "
              "for the others."),
    ChartSpec("interviewer_severity", "interviewer_stats", "Severity",
              lambda cal: interviewer_severity(cal.interviewer_stats),
              "Score points each interviewer gives below (+, harsher) or above (-, softer) the team for the "
              "same candidate and question, with 95% intervals, harshest at the top. Intervals that cross "
              f"zero: no evidence of a difference yet. Interviewers with fewer than {config.SMALL_GROUP} "
              "interviews are not shown."),
    ChartSpec("pass_rate_funnel", "interviewer_stats", "Pass rates",
              lambda cal: pass_rate_funnel(cal.interviewer_stats),
              "Each interviewer's pass rate against their number of interviews. The funnel shows where a "
              "rate would fall by chance around the team rate (95% dashed, 99.8% solid): only coloured "
              "points outside it are unusual. Pass rates are not adjusted for the candidates seen; severity "
              "is."),
    ChartSpec("drift_lines", "drift", "Drift",
              lambda cal: drift_lines(cal.drift_by_quarter, cal.drift_tests),
              "Mean score by quarter relative to what the candidates, levels and interviewers predict, for "
              "the questions most likely to have got easier. A line that rises steadily suggests the "
              "question has leaked; the legend gives the one-sided q-value of the trend."),
)

#: The tables of :data:`analysis.stats.tables.TABLES` drawn by no chart, with the reason.
UNDRAWN = {
    "question_versions": "one chart per rewritten question, the before-and-after view "
                         "(analysis.charts.versions.version_chart)",
    "inter_rater": "a handful of agreement statistics: read as the table in the report",
    "design": "diagnostics and warnings in words: read as the table in the report",
}

#: How to read each chart, by chart name.
READING_GUIDE = {c.name: c.guide for c in CHARTS}
#: How each chart is built from a calibration, by name (one at a time, so the explorer can build the
#: chart of the open tab alone).
BUILDERS = {c.name: c.build for c in CHARTS}
#: Tab titles of the charts, in the order they are shown.
TITLES = {c.name: c.title for c in CHARTS}
#: The charts drawn from every candidate of the slice at once (see :attr:`ChartSpec.per_slice`).
SLICE_CHARTS = tuple(c.name for c in CHARTS if c.per_slice)


def figures(cal) -> dict[str, go.Figure]:
    """Every calibration chart of a :class:`analysis.stats.calibration.Calibration`, by name."""
    return {name: build(cal) for name, build in BUILDERS.items()}
