"""The calibration: which questions, topics and levels separate strong from weak candidates, and which
interviewers grade harder or softer than the rest, for one slice of the data and one criterion.

>>> from analysis.io.load import load
>>> from analysis.stats.calibration import calibrate
>>> cal = calibrate(load(), criterion="recommendation")
>>> cal.question_stats.sort_values("discrimination").head()      # the weakest questions

This module holds the steps every table shares: the slice's rows (:func:`prepare_slice`), the
criterion attached to them (:func:`criterion_rows`) or not yet (:func:`slice_rows`, what the
criterion-free tables read: computed first, so their temporaries do not sit on the criterion's
columns), the :class:`Calibration` that carries the tables,
and :func:`calibrate`, which computes every table of :data:`analysis.stats.tables.TABLES`; and, for a
caller that changes one choice at a time (the explorer), what makes a change cheap without changing
a number: a :class:`KeptSlice` (rows, severity fit and the parts every criterion shares), a
:class:`LazyCalibration` computing each table when first read, and :func:`judged_at`, the question
table of another minimum n. The tables
themselves live by topic: :mod:`analysis.stats.separation` (questions, topics, levels),
:mod:`analysis.stats.interviewers`, :mod:`analysis.stats.agreement` (inter-rater),
:mod:`analysis.stats.drift` and :mod:`analysis.stats.design`, over :mod:`analysis.stats.severity`,
:mod:`analysis.stats.discrimination`, :mod:`analysis.stats.items`, :mod:`analysis.stats.reliability`
and :mod:`analysis.stats.criteria`. Their functions are importable from here too, as one calibration
API. Each table is a tidy DataFrame whose columns are documented in :data:`COLUMNS` and in the README.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.stats import _codes
from analysis.stats.agreement import RETEST, SAME_ANSWER, inter_rater
from analysis.stats.criteria import attach_criterion, rest_score
from analysis.stats.drift import drift
from analysis.stats.interviewers import interviewer_stats
from analysis.stats.separation import (Y_FREE_IS_REST, SliceParts, group_stats, judge_questions, level_heatmap,
                                       level_stats, question_stats, severity_first_step, topic_stats)
from analysis.stats.severity import SeverityFit, fit_severity
from analysis.stats.tables import COLUMNS, CRITERION_FREE, FIELDS, TABLES, TableInputs, compute_table

__all__ = ["Calibration", "calibrate", "prepare", "filter_scores", "question_stats", "group_stats", "level_stats",
           "topic_stats", "severity_first_step", "Y_FREE_IS_REST",
           "interviewer_stats", "level_heatmap", "inter_rater", "drift", "COLUMNS", "SAME_ANSWER", "RETEST",
           "prepare_slice", "criterion_rows", "CRITERION_FREE", "FIELDS", "slice_facts", "calibration_meta", "quiet",
           "slice_interviewer_verdicts", "N_BOOT", "SEED", "SliceParts", "MIN_N_FREE", "MIN_N_JUDGED",
           "judged_at", "KeptSlice", "LazyCalibration", "slice_rows"]

#: The bootstrap resamples and seed of a calibration unless told otherwise: the report's, and the
#: explorer's default view, so both show the same intervals and verdicts for the same slice.
N_BOOT = 1000
SEED = 0


class Calibration:
    """All calibration tables for one slice of the data and one criterion.

    Attributes
    ----------
    criterion : str
        What "strong" means (:mod:`analysis.stats.criteria`).
    severity : SeverityFit or None
        The slice's severity fit.
    meta : dict
        The slice and settings it describes (:func:`calibration_meta`).
    question_stats, topic_stats, level_stats, interviewer_stats, heatmap, inter_rater, drift_by_quarter, \
drift_tests, strong_weak, design : DataFrame
        One attribute per field of :data:`analysis.stats.tables.TABLES` (see :data:`FIELDS`), read
        from :meth:`result` (and replaced by assigning it); ``design`` is None when the design
        diagnostics were not computed.
    """

    def __init__(self, criterion: str, results: dict, severity: SeverityFit | None, meta: dict | None = None):
        self.criterion = criterion
        self.results = dict(results)
        self.severity = severity
        self.meta = {} if meta is None else meta

    def result(self, name: str):
        """The result of the table ``name`` of :data:`~analysis.stats.tables.TABLES` (None when it was
        not computed)."""
        return self.results.get(name)

    def set_result(self, name: str, value) -> None:
        """Replace the result of the table ``name`` (what assigning a table attribute does). The results
        are copied first, so a :func:`copy.copy` of a calibration can be changed without changing it."""
        self.results = {**self.results, name: value}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The exported tables by file stem, in :data:`~analysis.stats.tables.TABLES` order (``design``
        when the design diagnostics were computed)."""
        out = {name: getattr(self, spec.exported) for name, spec in TABLES.items() if spec.exported}
        return {name: table for name, table in out.items() if table is not None}

    @property
    def notes(self) -> list[str]:
        """Plain-language notes: design warnings and any table that could not be computed."""
        return list(self.meta.get("notes", []))


def _table_attribute(field: str, name: str, part: int | None) -> property:
    def get(self):
        value = self.result(name)
        return value if part is None or value is None else value[part]

    def set_(self, table):
        if part is not None:
            parts = list(self.result(name))
            parts[part] = table
            table = tuple(parts)
        self.set_result(name, table)
    get.__name__ = field
    get.__doc__ = f"The ``{field}`` table (of ``{name}`` in :data:`analysis.stats.tables.TABLES`)."
    return property(get, set_)


for _field, (_name, _part) in FIELDS.items():
    setattr(Calibration, _field, _table_attribute(_field, _name, _part))
del _field, _name, _part


def filter_scores(scores: pd.DataFrame, level=None, start=None, end=None) -> pd.DataFrame:
    """Rows of candidates at ``level`` (or all) interviewed between ``start`` and ``end`` inclusive."""
    m = np.ones(len(scores), bool)
    if level:
        levels = [level] if isinstance(level, str) else list(level)
        m &= scores["level"].isin(levels).to_numpy()
    if start is not None:
        m &= (scores["date"] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        m &= (scores["date"] <= pd.Timestamp(end)).to_numpy()
    # every row kept (no slice): a new frame over the same columns, not a copy of them
    return scores.copy(deep=False) if m.all() else scores[m]


def _with_bank(scores: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """``scores`` with the bank's ``question_level`` and ``topic`` of each row's question: the left
    merge on ``question_id``, by the column's category codes when it is categorical (the loader's):
    the merge is made on one row per category and spread to the rows by their codes, so the score
    rows' other columns are not copied (a merge copies every column: 760 MB at ten million rows)."""
    bank = questions[["question_id", "level", "topic"]].rename(columns={"level": "question_level"})
    bank = bank.assign(question_id=bank["question_id"].astype(scores["question_id"].dtype))
    qid = scores["question_id"]
    if (not isinstance(qid.dtype, pd.CategoricalDtype) or "question_level" in scores or "topic" in scores
            or bank["question_id"].duplicated().any()):
        out = scores.merge(bank, on="question_id", how="left")
        out.index = scores.index
        return out
    # one row per category and a last one for a missing id (code -1): the merge's values and dtypes
    keys = pd.DataFrame({"question_id": pd.Categorical.from_codes(
        np.r_[np.arange(len(qid.cat.categories)), -1], dtype=qid.dtype)})
    per_code = keys.merge(bank, on="question_id", how="left")
    rows = qid.cat.codes.to_numpy()  # -1 (a missing id) reads the last row, as iloc does
    return scores.assign(**{c: _spread(per_code[c], rows, scores.index) for c in ("question_level", "topic")})


def _spread(per_code: pd.Series, rows: np.ndarray, index) -> pd.Series:
    """``per_code.iloc[rows]`` on ``index``: a categorical by gathering its one-byte codes (pandas'
    take of a categorical checks and converts ten million positions: some 0.1-0.5 s at ten million
    rows), the same values and dtype; another dtype by ``iloc``."""
    if not isinstance(per_code.dtype, pd.CategoricalDtype):
        return per_code.iloc[rows].set_axis(index)
    codes = per_code.cat.codes.to_numpy()[rows]
    return pd.Series(pd.Categorical.from_codes(codes, dtype=per_code.dtype, validate=False), index=index,
                     name=per_code.name, copy=False)


def prepare(workbook, criterion: str = "recommendation", *, level=None, start=None, end=None):
    """The rows every calibration table is computed from, and the severity fit.

    Returns ``(rows, fit)``: the slice's scorecard rows with the bank's ``topic`` and
    ``question_level``, the criterion (``y``, ``strong``, ``y_free``; see
    :mod:`analysis.stats.criteria`), ``x_adj`` (score corrected for the interviewer's severity) and
    ``residual`` (score minus the additive model's expectation); and the
    :class:`analysis.stats.severity.SeverityFit`.

    The two steps are also available apart, for a caller that keeps a slice and changes only the
    criterion (the explorer): :func:`prepare_slice` (the rows and the severity fit, which do not
    depend on the criterion) and :func:`criterion_rows` (the criterion attached to them).
    """
    scores, fit = prepare_slice(workbook, level=level, start=start, end=end)
    return criterion_rows(workbook, scores, fit, criterion), fit


def prepare_slice(workbook, *, level=None, start=None, end=None):
    """``(scores, fit)``: the slice's scorecard rows (numbered from 0) and their severity fit, the part
    of :func:`prepare` that does not depend on the criterion. Neither is changed by
    :func:`criterion_rows`, so one slice serves every criterion.

    The fit's free memory is not handed back after it (:func:`analysis._process.hand_back_memory`):
    measured on the report (issue 26), that lowered the resident memory under the criterion-free
    tables at ten million rows (1.7 -> 1.3 GB) but not the process peak (the question table), and the
    pages faulted in again cost system time at both one and ten million rows."""
    scores = filter_scores(workbook.scores, level, start, end)
    if scores.empty:
        raise ValueError("no scorecards in this slice (level/start/end); widen it")
    scores = scores.reset_index(drop=True)
    return scores, fit_severity(scores)


def criterion_rows(workbook, scores: pd.DataFrame, fit: SeverityFit, criterion: str = "recommendation", *,
                   parts: SliceParts | None = None) -> pd.DataFrame:
    """The rows of :func:`prepare` for a slice from :func:`prepare_slice`: ``scores`` with the criterion,
    the bank's columns, ``x_adj`` and ``residual`` (a new frame; ``scores`` is left as it was).
    ``attrs["criterion"]`` records the criterion, which tells :func:`severity_first_step` what
    ``y_free`` is (:data:`Y_FREE_IS_REST`). ``parts``: a :class:`~analysis.stats.separation.SliceParts`
    kept with this slice (``scores`` and ``fit``, and only them), so that the question table of every
    criterion reuses the parts that do not depend on it; the rows are marked with it. The candidates'
    rest score (:func:`~analysis.stats.criteria.rest_score`, the ``y_free`` of ``recommendation`` and
    ``rest``) is such a part too: kept in ``parts``, computed once per slice."""
    # score - leniency as one new array: an integer score widens to float exactly inside the subtraction
    score = scores["score"].to_numpy()
    score = score if score.dtype.kind in "iuf" else scores["score"].to_numpy(float)
    adjusted = np.subtract(score, fit.row_column("leniency").to_numpy(), dtype=float)
    rest = None
    if Y_FREE_IS_REST.get(criterion, False):     # decision and performance do not read it
        def compute_rest():
            return rest_score(scores, fit.row_column("residual").to_numpy() + fit.row_column("ability").to_numpy())
        rest = compute_rest() if parts is None else parts.get("rest_score", compute_rest)
    d = attach_criterion(scores, workbook.outcomes, criterion, rest=rest)
    d = _with_bank(d, workbook.questions)
    # as Series: pandas copies an array assigned as a column, not a Series (copy-on-write shares it), so
    # ``residual`` is the fit's own column and ``x_adj`` the array just computed, not copies of them
    # (80 MB each at ten million rows)
    d["x_adj"] = pd.Series(adjusted, index=d.index, copy=False)
    d["residual"] = fit.row_column("residual").set_axis(d.index)
    d.attrs["criterion"] = criterion
    if parts is not None:
        parts.mark(d)
    return d


def calibrate(workbook, criterion: str = "recommendation", *, level=None, start=None, end=None,
              min_n: int = 30, n_boot: int = N_BOOT, seed: int = SEED, progress: bool = False) -> Calibration:
    """Compute every calibration table for a slice of the data.

    Parameters
    ----------
    workbook : analysis.io.load.Workbook
        What :func:`analysis.io.load.load` returned.
    criterion : {"recommendation", "decision", "performance", "rest"}
        What "strong" means; see :mod:`analysis.stats.criteria` for how each is contaminated and when
        each is the right one.
    level : str, optional
        Only candidates interviewed at this level.
    start, end : date-like, optional
        Only interviews in this period (inclusive).
    min_n : int, default 30
        Questions asked of fewer candidates are flagged ``too_few`` and banded ``too few``.
    n_boot : int, default 1000
        Bootstrap replicates for the discrimination intervals.
    seed : int
        Seed of the bootstrap.
    progress : bool
        Show tqdm progress bars for the bootstrap.

    Returns
    -------
    Calibration
    """
    with quiet():
        return _calibrate(workbook, criterion, level=level, start=start, end=end, min_n=min_n, n_boot=n_boot,
                          seed=seed, progress=progress)


#: The tables of :data:`~analysis.stats.tables.TABLES` that do not read ``min_n``: the criterion-free
#: ones and the strong/weak score distribution. A slice and criterion give the same of these at every
#: minimum n (``tests/test_calibration_min_n.py`` checks each against ``calibrate`` at two).
MIN_N_FREE = CRITERION_FREE + ("strong_weak",)
#: The tables that read ``min_n`` only to judge their rows, so the table of one minimum n gives the
#: table of another (:func:`judged_at`): the question table's ``too_few``, ``band`` and ``verdict``.
#: The topic and level tables (a band), and the version comparison (which leaves out versions asked of
#: fewer than ``min_n`` candidates before computing anything) are computed again instead.
MIN_N_JUDGED = ("question_stats",)


def judged_at(name: str, table: pd.DataFrame, *, min_n: int, n_boot: int) -> pd.DataFrame:
    """The table ``name`` of :data:`MIN_N_JUDGED`, computed at some minimum n, judged again at ``min_n``:
    equal to the table :func:`calibrate` computes at ``min_n`` (the same slice, criterion, ``n_boot``
    and seed), without its bootstrap.

    Why this is safe: ``min_n`` enters :func:`~analysis.stats.separation.question_stats` only at its
    end, where each row is judged from its own ``discrimination``, interval and ``n_candidates``, which
    ``min_n`` does not change; that judging is one function,
    :func:`~analysis.stats.separation.judge_questions`, called here on a copy. For the explorer,
    where moving the minimum-n slider would otherwise recompute the whole question table (1.2-1.6 s
    on a million rows) to change three columns. ``table`` is not changed.
    """
    if name not in MIN_N_JUDGED:
        raise ValueError(f"judged_at: the {name} table cannot be judged again at another min_n; "
                         f"only {', '.join(MIN_N_JUDGED)} can (compute the others with calibrate)")
    if table.empty:            # not computable on the slice (TableSpec.empty): so at any min_n
        return table
    return judge_questions(table.copy(), min_n=min_n, n_boot=n_boot)


def slice_interviewer_verdicts(workbook, *, level=None, start=None, end=None) -> pd.DataFrame:
    """``interviewer, n_interviews, verdict`` of a slice: the interviewer verdicts of
    :func:`calibrate` on the same slice (its ``interviewer_stats``, which does not depend on the
    criterion or the bootstrap), without computing the other tables. What the ``irt`` command writes
    beside its own model's estimates, so ``irt_interviewers.csv`` gives the report's answer."""
    with quiet():
        scores, fit = prepare_slice(workbook, level=level, start=start, end=end)
        iv = interviewer_stats(scores, fit, workbook.outcomes)
    return iv[["interviewer", "n_interviews", "verdict"]]


@contextmanager
def quiet():
    """What the calibration is computed under: numpy's all-NaN and divide warnings off. Small slices
    leave some cells empty (a level nobody was asked, a question with one candidate): those statistics
    are NaN by design, not worth a warning per cell. And one BLAS thread: the products are small,
    and OpenBLAS's second thread spins on a shared 2-core machine (issue 26: 6.1 -> 5.8 s on 1M rows)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), threadpool_limits(1, "blas"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def slice_facts(scores: pd.DataFrame) -> dict:
    """What :func:`calibration_meta` says about a slice's rows whatever the criterion (``first``: the
    first row of each interview, as ``drop_duplicates("interview_id")`` keeps it). ``scores`` may be the
    rows of :func:`prepare_slice` or of :func:`criterion_rows`: the same rows in the same order. A caller
    that keeps a slice across criteria (the explorer) computes them once."""
    # from the columns' integer codes (analysis.stats._codes keeps them per column; the interviewer table
    # and the severity fit have read them): no hashing of ten million ids again. Missing values count as
    # one interview, and as no candidate or interviewer, as duplicated() and nunique() count them
    first = ~_codes.duplicated(scores, ["interview_id"])
    return {"start": str(scores["date"].min().date()), "end": str(scores["date"].max().date()),
            "n_rows": len(scores), "n_interviews": int(first.sum()),
            "n_candidates": len(_codes.codes(scores["candidate_id"], sort=True)[1]),
            "n_interviewers": len(_codes.codes(scores["interviewer"], sort=True)[1]), "first": first}


def calibration_meta(criterion, level, d: pd.DataFrame, fit: SeverityFit, *, min_n, n_boot, seed, notes: list,
                     facts: dict | None = None) -> dict:
    """The slice and settings a calibration describes (its ``meta``) for the rows ``d`` of
    :func:`criterion_rows`; ``notes`` is kept, not copied. ``facts``: :func:`slice_facts` of the slice
    when already known."""
    facts = slice_facts(d) if facts is None else facts
    known = int(np.count_nonzero(~np.isnan(d["strong"].to_numpy(dtype=float)[facts["first"]])))
    return {"criterion": criterion, "level": level or "all", "start": facts["start"], "end": facts["end"],
            "n_rows": facts["n_rows"], "n_interviews": facts["n_interviews"], "n_candidates": facts["n_candidates"],
            "n_interviewers": facts["n_interviewers"], "n_known_criterion": known,
            "min_n": min_n, "n_boot": n_boot, "seed": seed, "severity_lambda": fit.lam,
            "severity_lambda_note": fit.lam_note, "notes": notes}


def slice_rows(workbook, scores: pd.DataFrame, fit: SeverityFit) -> pd.DataFrame:
    """The rows the tables of :data:`~analysis.stats.tables.CRITERION_FREE` read: ``scores`` (of
    :func:`prepare_slice`) with the bank's ``question_level`` and ``topic`` and the fit's ``residual``,
    the columns of :func:`criterion_rows` that do not depend on the criterion, in a new frame over
    the same arrays (nothing is copied). A criterion-free table computed on them equals the same
    table computed on :func:`criterion_rows` (the same rows in the same order; ``tests/test_calibration_memory.py``)."""
    d = _with_bank(scores, workbook.questions)
    d["residual"] = fit.row_column("residual").set_axis(d.index)
    return d


def _calibrate(workbook, criterion, *, level, start, end, min_n, n_boot, seed, progress) -> Calibration:
    """:func:`calibrate`'s tables, the criterion-free ones first (why: ``tests/test_calibration_memory.py``
    and the comment below); results and notes are kept in :data:`~analysis.stats.tables.TABLES` order."""
    scores, fit = prepare_slice(workbook, level=level, start=start, end=end)
    settings = dict(n_boot=n_boot, seed=seed, min_n=min_n, progress=progress)
    notes = {name: [] for name in TABLES}
    # The criterion-free tables (inter-rater, drift, design, ...) on the slice's rows *before* the
    # criterion's: their temporaries (the inter-rater's Krippendorff coincidences: 1.5 GB at ten million
    # rows) then sit on a process without the criterion columns (y, strong, y_free, x_adj: 320 MB at
    # ten million rows) and the separation tables' first step, which they never read. The peak of
    # report --format csv at ten million rows moved from the inter-rater table (3.87 GB, glibc's
    # default malloc) to the question table (``benchmarks/probes.py memory``, issue 26).
    free = TableInputs(workbook, slice_rows(workbook, scores, fit), fit, **settings)
    results = {name: compute_table(name, free, notes[name]) for name in CRITERION_FREE}
    del free
    d = criterion_rows(workbook, scores, fit, criterion)
    del scores
    inputs = TableInputs(workbook, d, fit, **settings)
    results.update({name: compute_table(name, inputs, notes[name]) for name in TABLES if name not in results})
    meta = calibration_meta(criterion, level, d, fit, min_n=min_n, n_boot=n_boot, seed=seed,
                            notes=list(fit.notes) + [n for name in TABLES for n in notes[name]])
    return Calibration(criterion, {name: results[name] for name in TABLES}, fit, meta)


class KeptSlice:
    """One level-and-period slice kept across criteria and minimum n (the explorer keeps a few): its rows
    and severity fit (:func:`prepare_slice`),
    what ``meta`` says about its rows (``facts``), and the tables of
    :data:`analysis.stats.tables.CRITERION_FREE` once computed, shared by every criterion and minimum n
    of the slice (``free``: job name -> ``(result, notes)``), ``parts``, the criterion-free parts
    of its question table and its rest score, and ``steps``, the severity first step of its separation
    tables (:func:`severity_first_step`; one for a rest-score ``y_free``, one for another: keyed by
    :data:`Y_FREE_IS_REST`). ``fit``: the severity fit of these rows when already known (a given calibration's)."""

    def __init__(self, workbook, *, level=None, start=None, end=None, fit=None):
        with quiet():
            if fit is None:
                self.scores, self.fit = prepare_slice(workbook, level=level, start=start, end=end)
            else:          # prepare_slice's rows, without fitting them again
                self.scores, self.fit = filter_scores(workbook.scores, level, start, end).reset_index(drop=True), fit
            self.facts = slice_facts(self.scores)
        self.free, self.parts, self.steps = {}, SliceParts(), {}

    def inputs(self, workbook, rows: pd.DataFrame, **settings) -> TableInputs:
        """The :class:`~analysis.stats.tables.TableInputs` of ``rows`` (:func:`criterion_rows` of this
        slice, any criterion) whose severity first step is kept here: it reads the rows' interviewers
        and candidates and the fit, which every criterion shares, and whether ``y_free`` is the rest
        score; so it is built once per slice for ``recommendation`` and ``rest`` together (0.1-0.2 s
        of a criterion change on a million rows), and once for ``decision`` and ``performance``."""
        return _KeptStepInputs(workbook, rows, self.fit, self.steps, Y_FREE_IS_REST[rows.attrs["criterion"]],
                               **settings)


class _KeptStepInputs(TableInputs):
    """:class:`~analysis.stats.tables.TableInputs` whose first step is ``steps[key]``: built by the
    first inputs of the slice that ask for it (as :meth:`TableInputs.first_step` builds it), read by
    the others. Two threads may build it at once; they build the same step, and the first one kept wins."""

    def __init__(self, workbook, rows, fit, steps: dict, key, **settings):
        super().__init__(workbook, rows, fit, **settings)
        self._steps, self._key = steps, key

    def first_step(self):
        step = self._steps.get(self._key)
        return step if step is not None else self._steps.setdefault(self._key, super().first_step())


class LazyCalibration(Calibration):
    """A :class:`Calibration` of a :class:`KeptSlice` whose tables are computed when first read.

    Each table is computed as :func:`analysis.stats.calibration.calibrate` computes it
    (:func:`analysis.stats.tables.compute_table`), on the same rows
    (:func:`analysis.stats.calibration.criterion_rows` of the slice), with the same settings, so it holds
    the same numbers; only *when* it is computed differs. The tables of
    :data:`analysis.stats.tables.CRITERION_FREE` are kept on the slice and shared with the slice's
    other criteria. ``meta`` is complete from the start except ``meta["notes"]``, which lists the
    notes of the tables computed so far (in ``calibrate``'s order); :attr:`notes`,
    :meth:`tables` and :meth:`compute_all` compute everything first.

    ``like``: a kept view of the same slice and criterion at another ``min_n`` (one whose
    :meth:`computed_tables` are known); its tables computed so far give this view's without the rows
    (:func:`judged_at`, :data:`MIN_N_FREE`), and ``piece`` may then be None (the slice was let go):
    ``slice_again()`` gives it back when a table needs the rows.

    Built by :class:`analysis.widgets.explorer.CalibrationExplorer`; ``isinstance(cal, Calibration)`` holds, so charts, the
    brief and the export read it as any calibration. A table whose statistic is undefined on the
    slice is empty with a note, as in ``calibrate``; any other error is raised when the table is
    read (the explorer shows it in the chart's tab), where ``calibrate`` would have raised it at once.
    """

    def __init__(self, workbook, piece: KeptSlice | None, criterion: str, *, level=None, min_n: int = 30,
                 n_boot: int = 1000, seed: int = 0, like: LazyCalibration | None = None, slice_again=None):
        self.criterion = criterion
        self._own: dict = {}
        self._settings = (workbook, criterion, n_boot, seed, min_n)
        self._slice, self._slice_again, self._inputs, self._like = piece, slice_again, None, {}
        if like is None:
            with quiet():
                d = criterion_rows(workbook, piece.scores, piece.fit, criterion, parts=piece.parts)
                self._meta_dict = calibration_meta(criterion, level, d, piece.fit, min_n=min_n, n_boot=n_boot,
                                                   seed=seed, notes=list(piece.fit.notes), facts=piece.facts)
            self.severity = piece.fit
            self._inputs = piece.inputs(workbook, d, n_boot=n_boot, seed=seed, min_n=min_n, progress=False)
            return
        # another minimum n of a kept view (same slice, criterion, n_boot and seed): its meta but min_n,
        # and what it computed so far, from which the tables of this min_n follow without the rows
        self.severity = like.severity
        self._meta_dict = {**like.meta, "min_n": min_n, "notes": list(like.severity.notes)}
        self._like = {name: table for name, table in LazyCalibration.computed_tables(like).items()
                      if name in MIN_N_FREE or name in MIN_N_JUDGED}

    @staticmethod
    def computed_tables(cal: Calibration) -> dict | None:
        """``name -> (table, its notes)`` of the tables ``cal`` computed, or None when they cannot be
        told apart: a :func:`calibrate` result keeps its tables' notes in one list, so only one without
        any (every note the severity fit's) says what each table's notes are. What another minimum n of
        ``cal`` can start from (``like=``)."""
        if isinstance(cal, LazyCalibration):
            return {name: cal._store(name)[name] for name in cal.computed}
        if cal.severity is None or list(cal.meta.get("notes", [])) != list(cal.severity.notes):
            return None
        return {name: (cal.result(name), []) for name in TABLES if cal.result(name) is not None}

    def _store(self, name: str) -> dict:
        return self._slice.free if name in CRITERION_FREE and self._slice is not None else self._own

    def release(self, slice_again) -> None:
        """Let the slice and the prepared rows go, keeping the tables computed so far (the slice's
        shared ones are copied in). ``slice_again()`` gives the slice back (the same rows: a kept one
        or a new one) if a table not yet computed is read later; it is then computed on rows prepared
        again exactly as before, so it holds the same numbers."""
        if self._slice is not None:
            self._own.update({n: r for n, r in self._slice.free.items() if n in CRITERION_FREE})
        self._slice, self._inputs, self._slice_again = None, None, slice_again

    @property
    def released(self) -> bool:
        """Whether the slice and its rows were let go (:meth:`release`)."""
        return self._slice is None

    def _prepared(self) -> TableInputs:
        if self._inputs is None:
            workbook, criterion, n_boot, seed, min_n = self._settings
            piece = self._slice if self._slice is not None else self._slice_again()
            with quiet():
                d = criterion_rows(workbook, piece.scores, piece.fit, criterion, parts=piece.parts)
            self._inputs = piece.inputs(workbook, d, n_boot=n_boot, seed=seed, min_n=min_n, progress=False)
        return self._inputs

    def result(self, name: str):
        """The table ``name``, computed now if not yet (with its notes)."""
        store = self._store(name)
        if name not in store and name in self._like:         # from the view of another minimum n
            table, notes = self._like[name]
            if name in MIN_N_JUDGED:
                _, _, n_boot, _, min_n = self._settings
                table = judged_at(name, table, min_n=min_n, n_boot=n_boot)
            store[name] = (table, list(notes))
        if name not in store:
            notes: list = []
            inputs = self._prepared()
            with quiet():
                store[name] = (compute_table(name, inputs, notes), notes)
            if all(n in self._store(n) for n in TABLES):
                self._inputs = None          # every table computed: let the prepared rows go
        return store[name][0]

    def set_result(self, name: str, value) -> None:
        raise AttributeError(f"the {name} table of the explorer's calibration is computed, not set; "
                             "copy it (cal.tables()) and change the copy")

    @property
    def computed(self) -> tuple:
        """The tables computed so far, in ``calibrate``'s order."""
        return tuple(n for n in TABLES if n in self._store(n))

    def compute_all(self) -> LazyCalibration:
        """Compute every table not yet computed; returns itself."""
        for name in TABLES:
            self.result(name)
        return self

    @property
    def meta(self) -> dict:
        """As ``Calibration.meta``; ``notes`` lists the notes of the tables computed so far."""
        m = self._meta_dict
        m["notes"][:] = list(self.severity.notes) + [n for j in self.computed for n in self._store(j)[j][1]]
        return m

    @property
    def notes(self) -> list[str]:
        self.compute_all()
        return list(self.meta.get("notes", []))

    def tables(self) -> dict[str, pd.DataFrame]:
        self.compute_all()
        return super().tables()
