"""The separation tables of the calibration: which questions, topics and levels separate strong from
weak candidates (``question_stats``, ``topic_stats``, ``level_stats``), with the score distributions
behind them (``strong_weak``, ``level_heatmap``).

Each reads the prepared rows of :func:`analysis.stats.calibration.prepare`. The headline is the
adjusted discrimination of :mod:`analysis.stats.discrimination` (bootstrap intervals over candidates,
with the severity estimates' own error through :func:`severity_first_step`); AUC and Cronbach's alpha
come from :mod:`analysis.stats.items`; what "strong" means from :mod:`analysis.stats.criteria`. The
columns are documented in :data:`analysis.stats.tables.COLUMNS`.
"""

from __future__ import annotations

import threading
import warnings
import weakref

import numpy as np
import pandas as pd

from analysis import config
from analysis.stats import _codes, items
from analysis.stats._unit_sums import BLOCK
from analysis.stats.criteria import CRITERIA
from analysis.stats.discrimination import (KeptRows, RaterStep, ebel_band, grouped_discrimination,
                                           kept_rows, rater_first_step)
from analysis.stats.item_ids import split_item_ids
from analysis.stats.score_distribution import strong_weak  # moved there; importable from here as before
from analysis.stats.severity import SeverityFit
from analysis.stats.verdicts import question_verdicts

__all__ = ["question_stats", "judge_questions", "topic_stats", "group_stats", "level_stats", "level_heatmap", "strong_weak",
           "severity_first_step", "Y_FREE_IS_REST", "SliceParts", "TableRows"]


class SliceParts:
    """The parts of :func:`question_stats` that do not depend on the criterion -- the score
    distribution, the mean per candidate level and the item-rest correlation of each question -- kept
    for one slice's rows, so each criterion of the slice computes them only once (issue 26: 0.4 of the
    0.7 CPU s the question table takes on a million rows).

    Made by whoever keeps a slice across criteria (the explorer keeps one per slice) and given to
    :func:`~analysis.stats.calibration.criterion_rows`, which marks the rows it builds of that slice
    with it (:meth:`mark`). :func:`question_stats` reuses the parts only for a frame so marked, the
    very object: a subset or a copy of it (pandas carries ``attrs`` along) computes its own. Never give
    one to the rows of two slices.
    """

    def __init__(self):
        self._parts: dict = {}

    def mark(self, d: pd.DataFrame) -> None:
        """Let :func:`question_stats` of ``d`` (this slice's rows, with any criterion) reuse the parts."""
        d.attrs["slice_parts"] = _Mark(self, d)

    def get(self, name: str, compute):
        """The part ``name``: ``compute()`` the first time, a copy of the kept one afterwards."""
        if name not in self._parts:
            self._parts[name] = compute()
        return self._parts[name].copy()


class _Mark:
    """The :class:`SliceParts` of one frame. Copied with the frame's ``attrs`` as itself, but it names
    the frame it was made for, so a copy or subset of that frame does not reuse the parts."""

    def __init__(self, parts: SliceParts, d: pd.DataFrame):
        self.parts, self._frame = parts, weakref.ref(d)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def parts_of(self, d: pd.DataFrame) -> SliceParts | None:
        return self.parts if self._frame() is d else None


def _parts_of(d: pd.DataFrame) -> SliceParts | None:
    mark = d.attrs.get("slice_parts")
    return mark.parts_of(d) if isinstance(mark, _Mark) else None

class TableRows:
    """The row-level arrays the question, topic and level tables of one frame all read, made once.

    The three tables group the same rows by question, topic and question level. Each used to read,
    mask and code every row for itself: the headline's kept rows and their level and candidate codes
    (:class:`~analysis.stats.discrimination.KeptRows`), the score, the criterion and which rows know it,
    the red flags, each grouping's codes. On a million rows that is a few tenths of a second per table,
    and at ten million the kernel's zeroing of those temporaries' pages is a third of the report
    (issue 26). A :class:`TableRows` computes each array the first time a table asks for it and hands
    the same one to the others; they only read it.

    Made by :class:`analysis.stats.tables.TableInputs` (one per slice and criterion) and given to the
    tables as ``rows=``. Without one each table makes its own, as before. Never give one to another
    frame's tables: it holds this frame's rows (a different length is refused).
    """

    def __init__(self, d: pd.DataFrame):
        self.frame = d
        self._kept: dict = {}
        self._lock = threading.RLock()

    def _get(self, name, compute):
        with self._lock:  # the explorer may compute tables concurrently
            if name not in self._kept:
                self._kept[name] = compute()
            return self._kept[name]

    def of(self, d: pd.DataFrame) -> "TableRows":
        """Itself, checked to describe ``d`` (the same length and index)."""
        if d is not self.frame and (len(d) != len(self.frame) or not d.index.equals(self.frame.index)):
            raise ValueError(f"TableRows: made for a frame of {len(self.frame)} rows, given one of {len(d)}; "
                             "make one per frame (TableRows(d))")
        return self

    def headline(self) -> KeptRows:
        """The headline's rows (``x_adj``, ``y_free`` by candidate ``level`` and ``candidate_id``)."""
        return self._get("headline", lambda: kept_rows(self.frame, "x_adj", "y_free", "level", "candidate_id"))

    def codes(self, by: str):
        """``(codes, names)`` of column ``by``, sorted as a group-by sorts it (:func:`analysis.stats._codes.codes`).
        One grouping's codes are kept at a time: a table reads its own grouping's several times, the
        next table another (a grouping asked for again is coded again)."""
        with self._lock:
            for key in [k for k in self._kept if isinstance(k, tuple) and k[0] == "codes" and k[1] != by]:
                del self._kept[key]
            return self._get(("codes", by), lambda: _narrow_codes(*_codes.codes(self.frame[by], sort=True)))

    def score(self) -> np.ndarray:
        """The scores: the loader's integer column itself when the scores are integers
        (:func:`_integer_scores`: no copy, and no score is missing), else as floats with NaN for a
        missing one. Read them as numbers (a bincount's weights, comparisons, ``np.isnan``); a
        float copy of ten million int8 scores was 80 MB held under the three tables' peaks."""
        col = self.frame["score"]
        return self._get("score", lambda: col.to_numpy() if _integer_scores(self.frame)
                         else col.to_numpy(dtype=float, na_value=np.nan))

    def scored(self) -> np.ndarray:
        """Rows with a score."""
        return self._get("scored", lambda: ~np.isnan(self.score()))

    def score_codes(self) -> np.ndarray:
        """Each row's score as its position in :data:`analysis.config.SCORES` (int8), -1 for a
        missing score or one off the rubric: what the score shares count."""
        def compute():
            score = self.score()
            sc = np.full(len(score), -1, dtype=np.int8)
            for i, v in enumerate(config.SCORES):
                sc[score == v] = i
            return sc
        return self._get("score_codes", compute)

    def scores_on_rubric(self) -> bool:  # every row's score one of config.SCORES (none missing)
        return self._get("scores_on_rubric", lambda: bool(len(self.frame) and self.score_codes().min() >= 0))

    def strong(self) -> np.ndarray:
        """The criterion (1 strong, 0 weak, NaN unknown) as floats: float32 when every known value
        is 0 or 1 (exact; half the memory held under the tables' peaks), float64 otherwise."""
        def compute():
            s = self.frame["strong"].to_numpy(dtype=float, na_value=np.nan)
            binary = not np.any((s != 0) & (s != 1) & ~np.isnan(s))
            self._kept["strong_is_binary"] = binary
            return s.astype(np.float32) if binary else s
        return self._get("strong", compute)

    def known(self) -> np.ndarray:
        """Rows with a known criterion."""
        return self._get("known", lambda: ~np.isnan(self.strong()))

    def strong_is_binary(self) -> bool:
        """Every known criterion 0 or 1 (as criteria builds it): a sum of it over rows is a count."""
        self.strong()  # finds it
        return self._kept["strong_is_binary"]

    def red_flag(self) -> np.ndarray | None:
        """The red flags, None unless the column is numpy's bool (the loader's type; anything else,
        nullable booleans included, takes pandas' reading of it in :func:`_red_flag_lift`)."""
        col = self.frame["red_flag"]
        return self._get("red_flag", lambda: col.to_numpy() if col.dtype == np.dtype(bool) else None)


def _narrow_codes(codes, names):
    """As narrow integers (int16 for questions, not intp): kept under the tables' peaks; readers
    compare them, index with them or widen them for their keys."""
    return _codes.narrow(np.asarray(codes)), names


def _rows_of(d: pd.DataFrame, rows: TableRows | None) -> TableRows:
    return TableRows(d) if rows is None else rows.of(d)


def _integer_scores(d: pd.DataFrame) -> bool:
    """Whether the scores are integers (the loader's int8): then every sum of them is exact in
    floating point in any order, and a bincount's mean is the pandas group-by's to the bit."""
    return pd.api.types.is_integer_dtype(d["score"].dtype) and not pd.api.types.is_extension_array_dtype(d["score"])


def _distribution(d: pd.DataFrame, by: str, rows: TableRows | None = None) -> pd.DataFrame:
    rows = _rows_of(d, rows)
    g = d[[by, "score"]].groupby(by, observed=True)
    gc, names = rows.codes(by)
    counts = _rubric_counts(gc, len(names), rows) if _integer_scores(d) else None
    if counts is not None:
        # every score an integer on the rubric: the rows, sum and shares of each group are all read
        # off one count table of (group, score), in one pass over the rows instead of six; integer
        # sums are exact in floating point, so the numbers are those of the bincounts below
        n = counts.sum(1)
        present = n > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = (counts @ np.asarray(config.SCORES, dtype=np.int64)) / n
            shares = pd.DataFrame(counts / n[:, None], index=pd.Index(names, name=by), columns=list(config.SCORES))
        out = pd.DataFrame({"n": n[present], "mean": mean[present]}, index=pd.Index(names, name=by)[present])
        out["sd"] = g["score"].std()  # pandas' one-pass update: see below
        return _with_shares(out, shares[present])
    if _integer_scores(d):
        # rows and mean per group from the shared codes (exact sums of integers: pandas' numbers);
        # the SD stays pandas' (its one-pass update rounds differently from any sum of squares)
        ok = gc >= 0
        n = np.bincount(gc[ok], minlength=len(names))
        present = n > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.bincount(gc[ok], rows.score()[ok], minlength=len(names)) / n
        out = pd.DataFrame({"n": n[present], "mean": mean[present]}, index=pd.Index(names, name=by)[present])
        out["sd"] = g["score"].std()
    else:
        out = pd.DataFrame({"n": g.size(), "mean": g["score"].mean(), "sd": g["score"].std()})
    # the shares of each score per group, as pd.crosstab(normalize="index") gives them (count / the
    # group's scored answers), from a bincount over integer codes instead of a crosstab (issue 11)
    sc, scored = rows.score_codes(), rows.scored()
    ok = (gc >= 0) & scored
    levels = list(config.SCORES)
    on_rubric = ok & (sc >= 0)
    ng = len(names)
    counts = np.bincount(gc[on_rubric].astype(np.int64) * len(levels) + sc[on_rubric],
                         minlength=ng * len(levels)).reshape(ng, len(levels))
    total = np.bincount(gc[ok], minlength=ng)  # every scored answer, also off the rubric
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = pd.DataFrame(counts / total[:, None], index=pd.Index(names, name=by), columns=levels)
    return _with_shares(out, shares[total > 0])


def _with_shares(out: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    for s in config.SCORES:
        out[f"share_{s}"] = shares[s]
    return out


def _rubric_counts(gc: np.ndarray, ng: int, rows: TableRows) -> np.ndarray | None:
    """Rows per group (codes ``gc``, -1 for none) and score of the rubric, ``(ng, len(SCORES))``
    int64, from one bincount; None when a score is off the rubric or missing (the callers then
    count the general way)."""
    if not rows.scores_on_rubric():
        return None
    nv = len(config.SCORES)
    key = gc.astype(np.int64)
    key *= nv
    key += rows.score_codes()
    ok = gc >= 0
    return np.bincount(key if ok.all() else key[ok], minlength=ng * nv).reshape(ng, nv)


def _mean_per_level(d: pd.DataFrame, by: str, rows: TableRows | None = None) -> pd.DataFrame:
    """The mean score per group of ``by`` and candidate level (``mean_<level>``). For integer scores
    from a bincount over (group, level) codes, exact as pandas' mean is (a second at ten million rows
    for ``pivot_table``; issue 26); the pivot table for any other."""
    if not _integer_scores(d) or not d["level"].notna().any():
        per_level = d.pivot_table(index=by, columns="level", values="score", aggfunc="mean", observed=False)
        return per_level.reindex(columns=list(config.LEVELS)).add_prefix("mean_")
    rows = _rows_of(d, rows)
    gc, names = rows.codes(by)
    lc, lnames = _codes.codes(d["level"], sort=True)
    lc, score, nl = _codes.narrow(np.asarray(lc)), rows.score(), len(config.LEVELS)
    position = np.array([list(config.LEVELS).index(v) if v in config.LEVELS else -1 for v in lnames] + [-1])
    total, count = np.zeros(len(names) * nl), np.zeros(len(names) * nl, dtype=np.int64)
    for s in (slice(i, i + BLOCK) for i in range(0, len(gc), BLOCK)):  # no row-length temporaries (issue 26):
        lp = position[lc[s]]  # code -1 (no level) reads the last entry: -1. Sums of integer scores
        ok = (gc[s] >= 0) & (lp >= 0)  # are exact in any order: the blocks' are the one bincount's
        cell = gc[s][ok].astype(np.int64) * nl + lp[ok]
        total += np.bincount(cell, score[s][ok], minlength=len(names) * nl)
        count += np.bincount(cell, minlength=len(names) * nl)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (total / count).reshape(len(names), nl)
    return pd.DataFrame(mean, index=pd.Index(names, name=by),
                        columns=pd.Index([f"mean_{v}" for v in config.LEVELS], name="level"))


def _red_flag_lift(d: pd.DataFrame, by: str, rows: TableRows | None = None) -> pd.DataFrame:
    """``red_flag_rate`` over every row and ``red_flag_lift`` over the rows with a known criterion,
    per group of ``by``. From integer codes and bincounts when the flags are booleans (the loader's
    type): every sum is a count of 0/1 values, exact in floating point in any order, so the numbers
    are those of the pandas group-by below, which reads any other type (and which cost 0.5 GB at a
    million rows for its five-column frame; issue 26)."""
    rows = _rows_of(d, rows)
    flag = rows.red_flag()
    if flag is None:
        return _red_flag_lift_frame(d, by)
    gc, names = rows.codes(by)
    ng = len(names)
    ok = gc >= 0
    if rows.strong_is_binary():
        wf, fl, wn, nf, flagged, n = _red_flag_counts(gc, ng, ok, flag, rows)
    else:
        n = np.bincount(gc[ok], minlength=ng)
        k = ok & rows.known()
        g, f = gc[k], flag[k]
        weak = 1 - rows.strong()[k]
        wf, fl, wn, nf = (np.bincount(g, w, minlength=ng)
                          for w in (weak * f, f.astype(float), weak * ~f, (~f).astype(float)))
        flagged = np.bincount(gc[ok], flag[ok].astype(float), minlength=ng)
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = (wf / fl) / (wn / nf)
        rate = flagged / n
    lift = np.where(np.isinf(lift), np.nan, lift)  # 0/0 (no known row) is NaN already
    present = n > 0
    return pd.DataFrame({"red_flag_rate": rate[present], "red_flag_lift": lift[present]},
                        index=pd.Index(names, name=by)[present])


def _red_flag_counts(gc, ng, ok, flag, rows: TableRows):
    """:func:`_red_flag_lift`'s sums for a 0/1 criterion from one bincount of group x six classes
    (flag x strong/weak/unknown): each a count, which a sum of 0/1 floats is exactly, with one
    8-byte temporary a row instead of six (issue 26). Per group: weak & flagged, flagged, weak &
    unflagged, unflagged (known rows), then all flagged rows and all rows."""
    cls = flag.view(np.int8).copy() if flag.dtype == np.dtype(bool) else flag.astype(np.int8)
    strong, known = rows.strong(), rows.known()
    cls[known & (strong == 0)] += 2    # weak
    cls[~known] += 4                   # criterion unknown
    key = gc.astype(np.int64) * 6
    key += cls
    del cls
    cnt = np.bincount(key if ok.all() else key[ok], minlength=ng * 6).reshape(ng, 6).astype(float)
    wf, fl, wn, nf = cnt[:, 3], cnt[:, 1] + cnt[:, 3], cnt[:, 2], cnt[:, 0] + cnt[:, 2]
    return wf, fl, wn, nf, cnt[:, 1] + cnt[:, 3] + cnt[:, 5], cnt.sum(1).astype(np.int64)


def _red_flag_lift_frame(d: pd.DataFrame, by: str) -> pd.DataFrame:
    """:func:`_red_flag_lift` by a pandas group-by, for flags that are not plain booleans."""
    # only the columns used: a subset of the full rows copies every text column (issue 11)
    k = d.loc[d["strong"].notna().to_numpy(), [by, "strong", "red_flag"]]
    weak = 1 - k["strong"]
    flag = k["red_flag"].astype(bool)
    t = pd.DataFrame({by: k[by], "wf": weak * flag, "f": flag.astype(float), "wn": weak * ~flag, "nf": (~flag).astype(float)})
    s = t.groupby(by, observed=True).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = (s["wf"] / s["f"]) / (s["wn"] / s["nf"])
    return pd.DataFrame({"red_flag_rate": d[[by, "red_flag"]].groupby(by, observed=True)["red_flag"].mean(),
                         "red_flag_lift": lift.replace([np.inf, -np.inf], np.nan)})


def _auc(d: pd.DataFrame, by: str, rows: TableRows | None = None) -> pd.Series:
    """:func:`analysis.stats.items.grouped_auc` of the score against ``strong`` per group of ``by``,
    over the rows with a known criterion (empty when none is known), from the shared codes."""
    rows = _rows_of(d, rows)
    known = rows.known()
    if not known.any():
        return pd.Series(dtype=float, name="auc")
    gc, names = rows.codes(by)
    auc = items.grouped_auc_codes(gc, names, rows.score(), rows.strong(), known, name=by,
                                  score_codes=(rows.score_codes(), config.SCORES))
    if auc is None:  # scores off the rubric, too many to count: rank them
        auc = items.grouped_auc(d.loc[known, [by, "score", "strong"]], by, "score", "strong")
    return auc


#: Whether ``y_free`` is the candidate's rest score, per criterion, in the rows :func:`~analysis.stats.calibration.criterion_rows`
#: builds (:func:`analysis.stats.criteria.attach_criterion` given the adjusted scores ``residual + ability``):
#: under ``recommendation`` and ``rest`` it is that rest score on every row (NaN on a candidate's only
#: row, which the headline drops), under ``decision`` and ``performance`` the criterion itself, measured
#: outside the interview, on every row. Never a mix, so the first step needs no per-row mask.
Y_FREE_IS_REST = {"recommendation": True, "rest": True, "decision": False, "performance": False}


def severity_first_step(d: pd.DataFrame, fit: SeverityFit, criterion: str | None = None):
    """The severity fit's part in the headline's interval: the
    :class:`analysis.stats.discrimination.RaterStep` of ``d`` for
    :func:`analysis.stats.discrimination.grouped_discrimination`'s ``first_step``.

    ``x_adj = score + severity`` of the row's ``interviewer``. ``y_free`` is, under the
    ``recommendation`` and ``rest`` criteria, the candidate's rest score: the mean of their other
    answers' ``score - difficulty + severity``, so it moves with the severities too; under
    ``decision`` and ``performance`` it is measured outside the interview and does not (see
    :data:`Y_FREE_IS_REST`). Which one is read from the criterion the rows were built with, not
    guessed from the numbers. The variances are ``severity_se**2`` per interviewer (a diagonal
    approximation of the severities' covariance, measured in :mod:`analysis.stats.discrimination`); 0
    where the severity is not estimated (those rows are not adjusted, or, under ``min_rows`` rows,
    adjusted with an SE the fit does not report).

    Parameters
    ----------
    d : DataFrame
        The rows ``fit`` was fitted on, in order, with the criterion attached: what :func:`~analysis.stats.calibration.prepare`
        or :func:`~analysis.stats.calibration.criterion_rows` returns.
    fit : SeverityFit
        The severity fit of those rows.
    criterion : {"recommendation", "decision", "performance", "rest"}, optional
        The criterion ``d``'s ``y_free`` was built from. Default: the one :func:`~analysis.stats.calibration.criterion_rows`
        recorded in ``d.attrs["criterion"]``. Pass it when ``d`` was built another way, and build the
        step yourself (:func:`analysis.stats.discrimination.rater_first_step`) if you replaced ``y_free``.

    Returns
    -------
    analysis.stats.discrimination.RaterStep
        Built anew on each call. One calibration builds it once and passes it to its question, topic
        and level tables (their ``severity=`` takes it); do the same when you compute several tables
        of one slice.
    """
    n = len(d)
    # one column at a time (fit.row_column): each read of fit.rows builds its four-column frame anew
    residual = fit.row_column("residual")
    if len(residual) != n:
        raise ValueError(f"severity_first_step: the fit has {len(residual)} rows and the frame {n}; "
                         "give the rows the severity was fitted on (calibration.prepare)")
    if criterion is None:
        criterion = d.attrs.get("criterion")
        if criterion is None:
            raise ValueError("severity_first_step: which criterion the rows' y_free was built from is not known "
                             "(d.attrs['criterion'] is not set); build the rows with calibration.prepare or "
                             "criterion_rows, or call severity_first_step(d, fit, criterion=...) and give that "
                             "step to the tables as severity=")
    if criterion not in CRITERIA:
        raise ValueError(f"severity_first_step: criterion must be one of {', '.join(CRITERIA)}; got {criterion!r}")
    iv = fit.interviewers
    rater_var = pd.Series(iv["severity_se"].to_numpy(float) ** 2, index=iv["interviewer"].astype(str))
    rows = d
    if Y_FREE_IS_REST[criterion]:
        # the rest score runs over the candidate's rows with a finite basis (residual + ability:
        # attach_criterion's mean skips NaN); a fit of loaded scores has no other, but if one did, its
        # rows leave the rest-score structure here too (their own y_free is NaN, so never in the headline)
        basis = residual.to_numpy(float) + fit.row_column("ability").to_numpy(float)
        if not np.isfinite(basis).all():
            rows = pd.DataFrame({"interviewer": d["interviewer"].to_numpy(),
                                 "candidate_id": d["candidate_id"].astype(object).where(np.isfinite(basis)).to_numpy()})
    return rater_first_step(rows, "interviewer", rater_var, candidate="candidate_id",
                            y_is_rest=Y_FREE_IS_REST[criterion])


def _first_step(d, severity):
    """The :class:`analysis.stats.discrimination.RaterStep` of ``severity=``: as given, built from a fit, or None."""
    if severity is None or isinstance(severity, RaterStep):
        return severity
    return severity_first_step(d, severity)


def _headline(d, by, n_boot, seed, progress, severity=None, rows: TableRows | None = None):
    return grouped_discrimination(d, by, "x_adj", "y_free", "level", "candidate_id", n_boot=n_boot, seed=seed,
                                  progress=progress, first_step=_first_step(d, severity),
                                  rows=_rows_of(d, rows).headline()).drop(columns=["discrimination_se_first_step"])


def question_stats(d: pd.DataFrame, questions: pd.DataFrame, *, n_boot=1000, seed=0, min_n=30,
                   progress=False, severity: SeverityFit | RaterStep | None = None,
                   rows: TableRows | None = None) -> pd.DataFrame:
    """Per-question statistics (see ``analysis.stats.tables.COLUMNS["question_stats"]``) from prepared rows.

    ``d`` is the output of :func:`~analysis.stats.calibration.calibrate`'s preparation: scorecard rows with ``x_adj``
    (severity-adjusted score), ``y``/``strong`` (criterion), ``topic`` and ``question_level``.
    ``severity``: the fit ``d`` was adjusted with (the second value :func:`~analysis.stats.calibration.prepare` returns), or
    the first step already built from it (:func:`severity_first_step` of ``d``; pass that when you
    compute several tables of one slice, so it is built once, as :func:`~analysis.stats.calibration.calibrate` does); when
    given, the discrimination interval also carries the severity estimates' own error (a
    delta-method term, see :mod:`analysis.stats.discrimination`); when None the severities are taken as
    known, as before. Rows marked with a :class:`SliceParts` reuse its criterion-free parts.
    ``rows``: the :class:`TableRows` of ``d`` shared with its other tables (the topic and level
    tables'), so their row-level arrays are made once; None: made here.
    """
    by = "question_id"
    rows = _rows_of(d, rows)
    parts = _parts_of(d)
    if parts is None:          # no slice kept across criteria: compute every part here
        parts = SliceParts()
    dist = parts.get("distribution", lambda: _distribution(d, by, rows))
    per_level = parts.get("per_level", lambda: _mean_per_level(d, by, rows))
    lift = _red_flag_lift(d, by, rows)
    auc = _auc(d, by, rows)
    ist = parts.get("item_rest_r", lambda: items.item_rest_r(d, "interview_id", by, "score").to_frame())
    head = _headline(d, by, n_boot, seed, progress, severity, rows)
    out = (dist.join(per_level).join(lift).join(auc.rename("auc")).join(ist)
           .join(head.drop(columns=["n_rows"])))
    out.index = out.index.astype(str)
    bank = questions.set_index("question_id")[["level", "topic", "question"]]
    out = bank.join(out, how="inner")
    judge_questions(out, min_n=min_n, n_boot=n_boot)
    out = out.reset_index().rename(columns={"index": "question_id"})
    # one row per (question, version): the stable id and the version apart, a question's versions together
    out = split_item_ids(out, questions)
    first_seen = {q: i for i, q in reversed(list(enumerate(out["question_id"])))}
    out = (out.assign(_order=out["question_id"].map(first_seen)).sort_values(["_order", "version"], kind="stable")
           .drop(columns="_order").reset_index(drop=True))
    first = ["question_id", "version", "level", "topic", "n", "n_candidates", "discrimination", "discrimination_low",
             "discrimination_high", "band", "verdict", "too_few", "auc", "item_rest_r", "mean", "sd"]
    return out[first + [c for c in out.columns if c not in first]]


def judge_questions(table: pd.DataFrame, *, min_n: int, n_boot: int | None) -> pd.DataFrame:
    """Set the question table's judgement columns from each row's own statistics, in place, and
    return ``table``: ``too_few`` (asked of fewer than ``min_n`` candidates), ``band`` (Ebel's band,
    :func:`~analysis.stats.discrimination.ebel_band`, ``too few`` by the same rule) and ``verdict``
    (:func:`~analysis.stats.verdicts.question_verdicts`, the one verdict).

    The only place ``min_n`` enters the question table: :func:`question_stats` ends with it, and
    :func:`analysis.stats.calibration.judged_at` calls it to judge a computed table again at another
    minimum n (the explorer's slider) without recomputing any statistic.
    """
    table["too_few"] = table["n_candidates"] < min_n
    table["band"] = ebel_band(table["discrimination"], table["n_candidates"], min_n)
    table["verdict"] = question_verdicts(table, n_boot)
    return table


def group_stats(d: pd.DataFrame, by: str, *, n_boot=1000, seed=0, min_n=30, progress=False,
                severity: SeverityFit | RaterStep | None = None, rows: TableRows | None = None) -> pd.DataFrame:
    """The same statistics for a grouping of questions (``topic`` or ``question_level``); ``severity``
    and ``rows`` as in :func:`question_stats`."""
    rows = _rows_of(d, rows)
    dist = _distribution(d, by, rows)[["n", "mean", "sd"]]
    lift = _red_flag_lift(d, by, rows)
    auc = _auc(d, by, rows)
    head = _headline(d, by, n_boot, seed, progress, severity, rows).drop(columns=["n_rows"])
    out = dist.join(lift).join(auc.rename("auc")).join(head)
    out["band"] = ebel_band(out["discrimination"], out["n_candidates"], min_n)
    return out


def topic_stats(d: pd.DataFrame, questions: pd.DataFrame, *, n_boot=1000, seed=0, min_n=30, progress=False,
                severity: SeverityFit | RaterStep | None = None, rows: TableRows | None = None) -> pd.DataFrame:
    """Per topic (see ``analysis.stats.tables.COLUMNS["topic_stats"]``): :func:`group_stats` by topic,
    with the bank's number of questions and the levels each topic appears at; ``severity`` and
    ``rows`` as in :func:`question_stats`."""
    ts = group_stats(d, "topic", n_boot=n_boot, seed=seed, min_n=min_n, progress=progress, severity=severity,
                     rows=rows)
    levels_in_bank = questions.groupby("topic", observed=True)["level"].agg(
        lambda s: ",".join(str(v) for v in sorted(set(s), key=list(config.LEVELS).index)))
    # versions pool: a topic counts its questions (stable ids), not their versions
    stable = questions["base_id"] if "base_id" in questions else questions["question_id"]
    n_questions = stable.astype(str).groupby(questions["topic"], observed=True).nunique()
    ts = ts.join(n_questions.rename("n_questions")).join(levels_in_bank.rename("levels"))
    ts.index = ts.index.astype(str)
    return ts.reset_index().rename(columns={"index": "topic"})


def level_stats(d: pd.DataFrame, *, n_boot=1000, seed=0, min_n=30, progress=False,
                severity: SeverityFit | RaterStep | None = None, rows: TableRows | None = None) -> pd.DataFrame:
    """Per level: interviews and reliability of interviews *at* that level (candidate level), and how
    well questions *of* that level separate strong from weak (question level); ``severity`` and
    ``rows`` as in :func:`question_stats`."""
    shared = _rows_of(d, rows)
    g = group_stats(d, "question_level", n_boot=n_boot, seed=seed, min_n=min_n, progress=progress,
                    severity=severity, rows=shared)
    g.index = g.index.astype(str)
    iv = _codes.first_rows(d[["interview_id", "level", "recommendation"]], "interview_id")
    rows = []
    # the candidate level, the interview and the question by their integer codes: a level's rows
    # by comparing codes, not the labels of a million-row object array (issue 26), and its alpha
    # from its rows of those codes (items.cronbach_alpha_coded), not a subset frame whose ids
    # would be copied and hashed again (issue 11)
    level, level_names = shared.codes("level")
    iid_codes = np.asarray(_codes.codes(d["interview_id"], sort=False)[0])
    q_codes, q_names = shared.codes("question_id")  # the shared narrow codes: no 8-byte copy a row
    for lvl in config.LEVELS:
        m = level == next((i for i, v in enumerate(level_names) if v == lvl), -2)
        ivl = iv[iv["level"] == lvl]
        alpha = np.nan
        if np.count_nonzero(np.bincount(iid_codes[m & (iid_codes >= 0)])) >= 3:  # distinct interviews (nunique)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    alpha = items.cronbach_alpha_coded(iid_codes, q_codes, q_names, shared.score(), m)
                except (ValueError, ZeroDivisionError):
                    alpha = np.nan
        rows.append({"level": lvl, "n_interviews": len(ivl),
                     "pass_rate": float(ivl["recommendation"].isin(config.PASSING_RECOMMENDATIONS).mean()) if len(ivl) else np.nan,
                     "alpha": alpha})
    out = pd.DataFrame(rows).set_index("level").join(g.drop(columns=["sd"], errors="ignore"), how="left")
    return out.reset_index()


def level_heatmap(d: pd.DataFrame) -> pd.DataFrame:
    """Mean score by question level x candidate level (tidy: ``question_level, candidate_level,
    mean_score, n``). The diagonal is each level's own questions; below it, warm-ups; above, stretch."""
    t = d.groupby(["question_level", "level"], observed=False)["score"].agg(["mean", "size"]).reset_index()
    t.columns = ["question_level", "candidate_level", "mean_score", "n"]
    return t
