"""The calibration tables, one entry each: the registry the statistics, the charts, the explorer and
the report all read.

A :class:`TableSpec` says what a table is: its name (the file stem of ``<name>.csv`` when it is
exported), how it is computed from a slice (:class:`TableInputs`), the :class:`~analysis.stats.calibration.Calibration`
attributes it fills and their columns, whether it depends on the criterion, and the columns
``index.html`` shows. :data:`TABLES` holds them in the order the tables are computed and exported.

Adding a table is one :class:`TableSpec` here and one entry in the charts' registry
(:data:`analysis.charts.calibration.CHARTS`, or :data:`~analysis.charts.calibration.UNDRAWN` for a
table without a chart); ``tests/test_charts.py`` checks the two registries name the same tables.
Everything else (:func:`~analysis.stats.calibration.calibrate`, the calibration's attributes, the
explorer's lazy tables, the report's CSV files and index columns) is derived from :data:`TABLES`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from analysis import config
from analysis.stats.agreement import INTER_RATER_COLUMNS, UNDEFINED, inter_rater
from analysis.stats.design import DESIGN_COLUMNS, design_diagnostics
from analysis.stats.drift import DRIFT_BY_QUARTER_COLUMNS, DRIFT_COLUMNS, drift
from analysis.stats.interviewers import interviewer_stats
from analysis.stats.separation import (TableRows, level_heatmap, level_stats, question_stats, severity_first_step,
                                       strong_weak, topic_stats)
from analysis.stats.severity import SeverityFit
from analysis.stats.versions import QUESTION_VERSIONS_COLUMNS, question_versions

__all__ = ["TableSpec", "TableInputs", "TABLES", "COLUMNS", "FIELDS", "CRITERION_FREE", "INDEX_COLUMNS",
           "SHARE_ROWS", "compute_table"]

# The columns' meanings, shared by the question, topic and level tables (the headline and its kin).
_DISC = {
    "n_candidates": "distinct candidates behind the rows",
    "discrimination": "headline: pooled within-level correlation of the severity-adjusted score with the criterion "
                      "freed of this answer (see analysis.stats.criteria); higher separates strong from weak better",
    "discrimination_low": "95% bootstrap interval (over candidates, not rows; with the severity estimates' own error), lower end",
    "discrimination_high": "95% bootstrap interval, upper end",
    "discrimination_se": "standard error of discrimination: bootstrap standard deviation and the severity estimates' part",
    "band": "Ebel band of discrimination: very good >= .40, good .30-.39, marginal .20-.29, poor < .20; "
            "'too few' under min_n candidates",
    "auc": "probability that a strong candidate scores higher than a weak one (ties count half); 0.5 = no separation",
    "red_flag_rate": "share of answers with the red flag",
    "red_flag_lift": "P(weak | red flag) / P(weak | no red flag): how much a red flag raises the chance of a weak outcome",
    "n": "score rows (times asked)",
    "mean": "mean score 1-4",
    "sd": "standard deviation of the score",
}

_QUESTION_COLUMNS = {
    "question_id": "the question's stable id in the bank (the same for every version of it)",
    "version": "the question's version (1, 2, ...): one row per version asked; 1 throughout for a bank whose "
               "questions were never rewritten (analysis.stats.item_ids)",
    "level": "the question's level in the bank (junior / mid / senior)",
    "topic": "the question's topic (cross-level taxonomy)",
    "question": "the question text (from the bank)",
    **_DISC,
    "verdict": "the one verdict every output gives (analysis.stats.verdicts): 'keep' (whole interval >= 0.30), "
               "'rewrite' (whole interval < 0.20: rewrite or retire), 'watch' (the interval spans bands, or an end "
               "is within 2 Monte Carlo SEs of 0.30 / 0.20), 'too few' (fewer than min_n candidates)",
    "too_few": "True when fewer than min_n candidates were asked: do not act on it yet",
    "item_rest_r": "correlation of the score with the mean of the same interview's other questions (unadjusted)",
    **{f"share_{s}": f"share of answers scored {s}" for s in config.SCORES},
    **{f"mean_{lvl}": f"mean score when asked of {lvl} candidates (difficulty by candidate level)" for lvl in config.LEVELS},
}
_INTERVIEWER_COLUMNS = {
    "interviewer": "interviewer name",
    "n_interviews": "interviews done",
    "pass_rate": "share of the interviewer's interviews recommended yes / strong_yes",
    "team_pass_rate": "the same for the whole team",
    "funnel_low95": "lower 95% funnel-plot control limit around the team rate for this many interviews",
    "funnel_high95": "upper 95% control limit",
    "funnel_low998": "lower 99.8% control limit",
    "funnel_high998": "upper 99.8% control limit",
    "funnel_flag": "'above' / 'below' when the pass rate is outside the 99.8% limits, 'watch' outside 95%, else empty",
    "severity": "score points harsher (+) or softer (-) than the team for the same candidate and question (additive model)",
    "severity_se": "standard error of severity (the larger of the cluster-robust and the model-based SE; the cluster-robust alone where most of the interviewer's rows are panel scorecards); empty when severity is",
    "severity_low": "95% interval of severity, lower end",
    "severity_high": "95% interval of severity, upper end",
    "n_shared_candidates": "candidates this interviewer shares with another interviewer: the comparisons severity rests on",
    "severity_basis": "what severity rests on: 'within-candidate' (graded the same candidates as colleagues) or 'between candidates: assumes interviewers get comparable candidates'; empty when severity is",
    "severity_note": "empty when severity is estimated; otherwise why it is missing (e.g. shares no candidate with the main team)",
    "connected_group": "connected group of interviewers linked by shared candidates (1 = the team; see design.csv)",
    "n_decided": "the interviewer's interviews whose candidate was hired or rejected",
    "decision_agreement": "share of those where the interviewer's yes/no matched the decision",
    "decision_kappa": "Cohen's kappa of that agreement (chance-corrected)",
    "small_group": f"True when fewer than {config.SMALL_GROUP} interviews: counts are shown, rates are not",
    "verdict": "the one verdict every output gives (analysis.stats.verdicts), from the severity interval: "
               "'harsher' (all of it above 0), 'softer' (all below 0), 'not clear' (includes 0, or no severity), "
               f"'too few' (fewer than {config.SMALL_GROUP} interviews)",
}
_TOPIC_COLUMNS = {
    "topic": "topic from the bank",
    "n_questions": "questions in the bank with this topic",
    "levels": "levels the topic appears at in the bank",
    **_DISC,
}
_LEVEL_COLUMNS = {
    "level": "junior / mid / senior",
    "n_interviews": "interviews of candidates at this level",
    "pass_rate": "share of those interviews recommended yes / strong_yes",
    "alpha": "reliability of an interview at this level: Cronbach's alpha from pooled pairwise covariances, "
             "which copes with each candidate being asked different questions (analysis.stats.items.cronbach_alpha)",
    **{k: v + (" (questions of this level, any candidate)" if k in ("n", "mean", "discrimination", "auc") else "")
       for k, v in _DISC.items() if k != "sd"},
}


class TableInputs:
    """What every table of one slice and one criterion is computed from.

    ``rows`` are the prepared rows of :func:`analysis.stats.calibration.criterion_rows` and ``fit`` the
    slice's severity fit; a table's ``compute`` reads them and changes neither, so the tables can be
    computed in any order, or only some of them, with the same results. ``settings`` are the keywords
    of the separation tables (``n_boot``, ``seed``, ``min_n``, ``progress``).
    """

    def __init__(self, workbook, rows: pd.DataFrame, fit: SeverityFit, *, n_boot: int = 1000, seed: int = 0,
                 min_n: int = 30, progress: bool = False):
        self.workbook, self.rows, self.fit = workbook, rows, fit
        self.settings = dict(n_boot=n_boot, seed=seed, min_n=min_n, progress=progress)
        self._lock, self._step = threading.Lock(), []
        self._rows, self._rows_taken = None, set()

    def first_step(self):
        """The slice's :func:`~analysis.stats.separation.severity_first_step`, shared by the question,
        topic and level tables: built when the first of them asks (not at all if none does), once
        (a failed build is retried: each table that needs it fails alike). Thread-safe: the explorer
        may compute tables concurrently."""
        with self._lock:
            if not self._step:
                self._step.append(severity_first_step(self.rows, self.fit))
            return self._step[0]

    def table_rows(self, table: str) -> TableRows:
        """The slice's :class:`~analysis.stats.separation.TableRows` for the table ``table`` (one of
        :data:`SHARE_ROWS`): the row-level arrays (codes, masks, the headline's kept rows) those
        tables share, each made when the first of them asks and then read by the others (issue 26).

        Let go once every table of :data:`SHARE_ROWS` has taken it: the arrays are some 50 bytes a
        row, which at ten million rows would sit under the peak of the tables computed after them
        (a table asked for again later, as the explorer may, gets a new one). Thread-safe, like
        :meth:`first_step`."""
        with self._lock:
            if self._rows is None:
                self._rows, self._rows_taken = TableRows(self.rows), set()
            rows = self._rows
            self._rows_taken.add(table)
            if self._rows_taken >= set(SHARE_ROWS):
                self._rows = None
            return rows


@dataclass(frozen=True)
class TableSpec:
    """One calibration table.

    Parameters
    ----------
    name : str
        The table's name: the file stem when exported, and the key of :data:`TABLES` and of the
        charts' registry.
    compute : callable
        ``compute(inputs: TableInputs)``: one DataFrame, or a tuple of them, one per field.
    fields : mapping of str to columns
        The :class:`~analysis.stats.calibration.Calibration` attributes it fills, in the order of
        ``compute``'s tuple, each with its columns: a mapping column -> meaning (documented, in
        :data:`COLUMNS` and the README) or a sequence of names. An empty frame with these columns
        stands in when the table is not computable on a slice.
    criterion_free : bool
        True when it reads only the scores, recommendations and severity fit of the slice (not the
        criterion, ``min_n``, ``n_boot`` or ``seed``): one computation serves every criterion of a
        slice (the explorer computes it once per slice).
    exported : str, optional
        The field written as ``<name>.csv`` (None: kept in memory for the charts only).
    index_columns : sequence of str
        The columns of the exported table shown in ``index.html`` (empty: every column).
    """

    name: str
    compute: Callable[[TableInputs], object]
    fields: Mapping[str, Mapping[str, str] | Sequence[str]]
    criterion_free: bool = False
    exported: str | None = None
    index_columns: tuple[str, ...] = field(default=())

    def empty(self):
        """The table when it cannot be computed: empty frames with its columns."""
        frames = tuple(pd.DataFrame(columns=list(columns)) for columns in self.fields.values())
        return frames[0] if len(frames) == 1 else frames


#: The tables that share one :class:`~analysis.stats.separation.TableRows` (:meth:`TableInputs.table_rows`).
SHARE_ROWS = ("question_stats", "topic_stats", "level_stats")


def _question_stats(t: TableInputs):
    return question_stats(t.rows, t.workbook.questions, severity=t.first_step(), rows=t.table_rows("question_stats"),
                          **t.settings)


def _topic_stats(t: TableInputs):
    return topic_stats(t.rows, t.workbook.questions, severity=t.first_step(), rows=t.table_rows("topic_stats"),
                       **t.settings)


def _question_versions(t: TableInputs):
    """Before and after for every rewritten question (empty, without a bootstrap, when none is)."""
    return question_versions(t.rows, t.workbook.questions, severity=t.first_step(), **t.settings)


def _level_stats(t: TableInputs):
    return level_stats(t.rows, severity=t.first_step(), rows=t.table_rows("level_stats"), **t.settings)


#: Every calibration table, in the order they are computed (and their notes written) and exported.
TABLES: dict[str, TableSpec] = {spec.name: spec for spec in (
    TableSpec("question_stats", _question_stats, {"question_stats": _QUESTION_COLUMNS}, exported="question_stats",
              index_columns=("question_id", "version", "level", "topic", "n_candidates", "discrimination", "discrimination_low",
                             "discrimination_high", "band", "verdict", "auc", "red_flag_rate", "red_flag_lift", "mean")),
    TableSpec("question_versions", _question_versions, {"question_versions": QUESTION_VERSIONS_COLUMNS},
              exported="question_versions",
              index_columns=("question_id", "version", "introduced", "n_candidates", "discrimination",
                             "discrimination_low", "discrimination_high", "discrimination_change",
                             "discrimination_change_low", "discrimination_change_high", "discrimination_change_clear")),
    TableSpec("interviewer_stats", lambda t: interviewer_stats(t.rows, t.fit, t.workbook.outcomes),
              {"interviewer_stats": _INTERVIEWER_COLUMNS}, criterion_free=True, exported="interviewer_stats",
              index_columns=("interviewer", "n_interviews", "pass_rate", "funnel_flag", "severity", "severity_low",
                             "severity_high", "verdict", "small_group")),
    TableSpec("topic_stats", _topic_stats, {"topic_stats": _TOPIC_COLUMNS}, exported="topic_stats",
              index_columns=("topic", "levels", "n_candidates", "discrimination", "discrimination_low",
                             "discrimination_high", "band", "auc")),
    TableSpec("level_stats", _level_stats, {"level_stats": _LEVEL_COLUMNS}, exported="level_stats",
              index_columns=("level", "n_interviews", "pass_rate", "alpha", "discrimination", "discrimination_low",
                             "discrimination_high", "band")),
    TableSpec("inter_rater", lambda t: inter_rater(t.rows), {"inter_rater": INTER_RATER_COLUMNS},
              criterion_free=True, exported="inter_rater"),
    TableSpec("drift", lambda t: drift(t.rows),
              {"drift_by_quarter": DRIFT_BY_QUARTER_COLUMNS, "drift_tests": DRIFT_COLUMNS},
              criterion_free=True, exported="drift_tests",
              index_columns=("question_id", "version", "n", "slope_per_year", "p_value", "q_value", "drifting")),
    TableSpec("design", lambda t: design_diagnostics(t.rows, t.fit), {"design": tuple(DESIGN_COLUMNS)},
              criterion_free=True, exported="design"),
    TableSpec("level_heatmap", lambda t: level_heatmap(t.rows),
              {"heatmap": ("question_level", "candidate_level", "mean_score", "n")}, criterion_free=True),
    TableSpec("strong_weak", lambda t: strong_weak(t.rows),
              {"strong_weak": ("question_id", "version", "group", "score", "n", "share")}),
)}

#: Meaning of every column of the documented tables, by table (also rendered into the README).
COLUMNS = {f: dict(columns) for spec in TABLES.values() for f, columns in spec.fields.items()
           if isinstance(columns, Mapping)}

#: Where each :class:`~analysis.stats.calibration.Calibration` attribute comes from: ``field: (table,
#: part)``, ``part`` None for the table's whole result, else the index into its tuple.
FIELDS = {f: (spec.name, i if len(spec.fields) > 1 else None)
          for spec in TABLES.values() for i, f in enumerate(spec.fields)}

#: The tables that do not depend on the criterion (see :attr:`TableSpec.criterion_free`).
CRITERION_FREE = tuple(name for name, spec in TABLES.items() if spec.criterion_free)

#: The columns of each exported table shown in index.html (the CSV files keep every column).
INDEX_COLUMNS = {name: list(spec.index_columns) for name, spec in TABLES.items() if spec.index_columns}


def compute_table(name: str, inputs: TableInputs, notes: list):
    """The table ``name`` of ``inputs``. If a statistic in it is undefined for this slice, its empty
    frames (:meth:`TableSpec.empty`), and ``notes`` gets a line saying why, instead of taking the
    whole calibration down. Any other error is raised."""
    spec = TABLES[name]
    try:
        return spec.compute(inputs)
    except UNDEFINED + (TypeError,) as exc:
        notes.append(f"{name}: not computable on this slice ({exc}); the other tables are complete")
        return spec.empty()
