"""Before and after: each version of a rewritten question measured on its own, and whether the
rewrite changed it.

>>> from analysis.io.load import load
>>> from analysis.stats.version_view import version_comparison
>>> cmp = version_comparison(load(), "mid-caching")          # doctest: +SKIP
>>> cmp.versions[["version", "discrimination", "discrimination_low", "discrimination_high"]]  # doctest: +SKIP
>>> cmp.changes                                             # doctest: +SKIP

Every analysis keys on the item id (``mid-caching v2``, :mod:`analysis.stats.item_ids`), so each
version already has its own row in ``question_stats``; this module puts a question's versions side by
side and tests the difference between consecutive versions.

For each version (:data:`VERSION_COLUMNS`):

- **discrimination** and its 95% interval: the report's own headline, read from
  :func:`analysis.stats.separation.question_stats` (adjusted, pooled within level, bootstrap over
  candidates with the severity estimates' error), not computed again another way;
- **red-flag lift** (``P(weak | red flag) / P(weak | none)``, as in ``question_stats``) with the
  log-scale interval of a risk ratio (Katz et al. 1978, ``exp(log lift -+ z sqrt(1/a - 1/n1 + 1/c -
  1/n2))`` for ``a`` of ``n1`` flagged answers and ``c`` of ``n2`` unflagged ones with a weak outcome),
  its variance taken with candidates as clusters (the delta method; a loop's interviewers often ask a
  candidate the same question, and those answers are not independent evidence);
- **score distribution**: the shares of each score and the mean with its t interval, candidates as
  clusters as well.

A version asked of fewer than ``min_n`` candidates gets NaN statistics and a ``reason`` saying so
(its interval would be too wide to act on), and so does every change that involves it.

For each pair of consecutive versions (:data:`CHANGE_COLUMNS`) the change and its 95% interval:
the difference of discriminations (``after - before``, normal, with the two versions' standard errors
combined as independent: they are asked in different periods, mostly of different candidates), the
ratio of red-flag lifts (log scale, the same assumption) and the difference of mean scores.
**Clear** means the interval excludes no change (0 for a difference, 1 for a ratio). The
discrimination's standard errors come from ``n_boot`` bootstrap resamples, so the ends of its
difference carry Monte Carlo error: an end within :data:`analysis.stats.verdicts.MC_SES` Monte Carlo
standard errors of 0 is **not** clear (the rule the question verdicts follow; the error of an end is
the half-width over ``sqrt(2 (n_boot - 1))``, :func:`analysis.stats.verdicts.end_mc_error`'s relative
error). The false-alarm rate of ``clear`` when the versions are planted equal is checked in
``tests/test_versions.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from analysis import config
from analysis.stats.item_ids import split_item_ids
from analysis.stats.separation import question_stats
from analysis.stats.verdicts import MC_SES

__all__ = ["VersionComparison", "VERSION_COLUMNS", "CHANGE_COLUMNS", "QUESTION_VERSIONS_COLUMNS", "compare_versions",
           "question_versions", "version_label"]

#: The columns of :attr:`VersionComparison.versions`: one row per version of the question.
VERSION_COLUMNS = {
    "question_id": "the question's stable id",
    "version": "the version (1, 2, ...)",
    "label": "how charts and sentences name it (mid-caching v2)",
    "status": "active or retired (from the bank; empty when the bank does not say)",
    "introduced": "the day the version came into use (from the bank; NaT when the bank does not say)",
    "n": "answers scored",
    "n_candidates": "distinct candidates asked",
    "discrimination": "the report's headline discrimination (question_stats)",
    "discrimination_low": "95% interval, lower end (question_stats)",
    "discrimination_high": "95% interval, upper end (question_stats)",
    "discrimination_se": "its standard error (question_stats)",
    "red_flag_rate": "share of answers with the red flag",
    "red_flag_lift": "P(weak | red flag) / P(weak | no red flag)",
    "red_flag_lift_low": "95% interval of the lift (log scale, Katz), lower end",
    "red_flag_lift_high": "95% interval of the lift, upper end",
    "mean": "mean score 1-4",
    "mean_low": "95% t interval of the mean score, lower end",
    "mean_high": "95% t interval of the mean score, upper end",
    **{f"share_{s}": f"share of answers scored {s}" for s in config.SCORES},
    "reason": "empty, or why the statistics are NaN (asked of too few candidates)",
}

#: The columns of :attr:`VersionComparison.changes`: one row per statistic and pair of consecutive versions.
CHANGE_COLUMNS = {
    "question_id": "the question's stable id",
    "from_version": "the earlier version",
    "to_version": "the next version",
    "statistic": "discrimination, red_flag_lift or mean",
    "before": "the statistic under from_version",
    "after": "the statistic under to_version",
    "change_kind": "'difference' (after - before) or 'ratio' (after / before, for the lift)",
    "change": "after - before, or after / before",
    "change_low": "95% interval of the change, lower end",
    "change_high": "95% interval of the change, upper end",
    "clear": "True when the interval excludes no change (0 for a difference, 1 for a ratio), by more than its "
             "Monte Carlo error for the discrimination",
    "reason": "empty, or why the change is NaN",
}


@dataclass
class VersionComparison:
    """The before-and-after view of one question: ``versions`` (:data:`VERSION_COLUMNS`) and
    ``changes`` (:data:`CHANGE_COLUMNS`), with the settings behind them (``min_n``, ``n_boot``)."""

    question_id: str
    versions: pd.DataFrame
    changes: pd.DataFrame
    min_n: int = 30
    n_boot: int | None = None

    def clear(self, statistic: str = "discrimination") -> bool:
        """Whether any change of ``statistic`` between consecutive versions is clear."""
        c = self.changes
        return bool(c.loc[c["statistic"] == statistic, "clear"].any())


def version_label(question_id: str, version: int, n_versions: int) -> str:
    """``mid-caching v2``, or the id alone for a question of one version (the item id's rule)."""
    return str(question_id) if n_versions <= 1 else f"{question_id} v{int(version)}"


def _z(ci: float) -> float:
    return float(special.ndtri(0.5 + ci / 2))


def _bank_versions(questions: pd.DataFrame, question_id: str) -> pd.DataFrame:
    """``version, status, introduced`` of every version of ``question_id`` the bank holds."""
    base = questions["base_id"] if "base_id" in questions else questions["question_id"]
    rows = questions[base.astype(str) == question_id]
    out = pd.DataFrame({"version": rows["version"].to_numpy(np.int64) if "version" in rows
                        else np.ones(len(rows), np.int64)})
    out["status"] = rows["status"].astype(str).to_numpy() if "status" in rows else ""
    out["introduced"] = (pd.to_datetime(rows["introduced"]).to_numpy() if "introduced" in rows
                         else np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[ns]"))
    return out.sort_values("version").reset_index(drop=True)


def _clustered(values: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Per-candidate sums of each column of ``values`` (rows x k)."""
    codes, _ = pd.factorize(candidates)
    return np.column_stack([np.bincount(codes, values[:, j], minlength=codes.max() + 1 if len(codes) else 0)
                            for j in range(values.shape[1])])


def _lift_interval(rows: pd.DataFrame, z: float) -> tuple[float, float, float, float]:
    """``(lift, low, high, se of log lift)`` of one version's answers with a known criterion.

    The variance of ``log lift`` is the delta method's with candidates as clusters (a candidate asked
    the question by each interviewer of a loop answers it several times):
    ``C / (C - 1) sum_c (a_c / a - n1_c / n1 - c_c / c + n2_c / n2)^2``, which is Katz's
    ``1/a - 1/n1 + 1/c - 1/n2`` when every candidate answers once."""
    k = rows.loc[rows["strong"].notna().to_numpy(), ["candidate_id", "strong", "red_flag"]]
    weak = 1 - k["strong"].to_numpy(float)
    flag = k["red_flag"].to_numpy(bool).astype(float)
    per = _clustered(np.column_stack([weak * flag, flag, weak * (1 - flag), 1 - flag]),
                     k["candidate_id"].astype(str).to_numpy())
    a, n1, c, n2 = per.sum(axis=0) if len(per) else (0.0,) * 4
    m = len(per)
    if min(a, c, n1, n2) <= 0 or m < 2:
        return np.nan, np.nan, np.nan, np.nan
    lift = (a / n1) / (c / n2)
    infl = per[:, 0] / a - per[:, 1] / n1 - per[:, 2] / c + per[:, 3] / n2
    se = np.sqrt(m / (m - 1) * np.sum(infl ** 2))
    return lift, lift * np.exp(-z * se), lift * np.exp(z * se), se


def _mean_interval(rows: pd.DataFrame, ci: float) -> tuple[float, float, float, float]:
    """``(mean, low, high, se)`` of the score: a t interval on the candidates - 1 with the candidates as
    clusters (the ratio estimator's variance ``C / (C - 1) sum_c (S_c - mean n_c)^2 / n^2``)."""
    score = rows["score"].to_numpy(float)
    n = len(score)
    if n == 0:
        return np.nan, np.nan, np.nan, np.nan
    per = _clustered(np.column_stack([score, np.ones(n)]), rows["candidate_id"].astype(str).to_numpy())
    m, mean = len(per), score.mean()
    if m < 2:
        return mean, np.nan, np.nan, np.nan
    se = np.sqrt(m / (m - 1) * np.sum((per[:, 0] - mean * per[:, 1]) ** 2)) / n
    t = float(special.stdtrit(m - 1, 0.5 + ci / 2))
    return mean, mean - t * se, mean + t * se, se


def compare_versions(d: pd.DataFrame, questions: pd.DataFrame, question_id: str, *,
                     table: pd.DataFrame | None = None, n_boot: int = 1000, seed: int = 0, min_n: int = 30,
                     severity=None, ci: float = 0.95) -> VersionComparison:
    """Each version of ``question_id`` side by side, and the changes between consecutive versions.

    Parameters
    ----------
    d : DataFrame
        The calibration's prepared rows (:func:`analysis.stats.calibration.prepare`), keyed by item id.
    questions : DataFrame
        The item table (``Workbook.questions``).
    question_id : str
        The question's stable id (``mid-caching``; an item label ``mid-caching v2`` is read as its id).
    table : DataFrame, optional
        ``question_stats`` of the same rows, when already computed (the report's); else computed here
        with ``n_boot``, ``seed``, ``min_n`` and ``severity`` as :func:`~analysis.stats.separation.question_stats` takes them.
    n_boot : int
        The resamples behind ``table``'s intervals (their Monte Carlo error decides ``clear``).
    min_n : int
        A version asked of fewer candidates gets NaN statistics and a reason.

    Returns
    -------
    VersionComparison
    """
    qid = str(question_id).strip()
    qid = split_item_ids(pd.DataFrame({"question_id": [qid]}), questions)["question_id"].iloc[0]
    bank = _bank_versions(questions, qid)
    if bank.empty:
        raise ValueError(f"question {qid!r} is not in the bank; expected a question id such as "
                         f"{', '.join(map(str, questions['question_id'].head(3)))}")
    if table is None:
        table = question_stats(d, questions, n_boot=n_boot, seed=seed, min_n=min_n, severity=severity)
    z = _z(ci)
    ids = pd.DataFrame({"question_id": pd.unique(d["question_id"].astype(str))})
    split = split_item_ids(ids.assign(item=ids["question_id"]), questions)
    mine = split[split["question_id"] == qid]
    stats = table[table["question_id"].astype(str) == qid].set_index("version")
    rows = []
    for v, status, introduced in bank.itertuples(index=False):
        item = mine.loc[mine["version"] == v, "item"]
        sub = d[d["question_id"].astype(str).isin(item)]
        r = {"question_id": qid, "version": int(v), "label": version_label(qid, v, len(bank)), "status": status,
             "introduced": introduced, "n": len(sub),
             "n_candidates": int(sub["candidate_id"].nunique()) if len(sub) else 0}
        if r["n_candidates"] < min_n or v not in stats.index:
            r["reason"] = (f"asked of {r['n_candidates']} candidate{'s' if r['n_candidates'] != 1 else ''}, fewer than "
                         f"min_n = {min_n}: too few to judge yet")
            rows.append(r)
            continue
        s = stats.loc[v]
        for col in ("discrimination", "discrimination_low", "discrimination_high", "discrimination_se",
                    "red_flag_rate", *(f"share_{k}" for k in config.SCORES)):
            r[col] = float(s[col])
        r["red_flag_lift"], r["red_flag_lift_low"], r["red_flag_lift_high"], r["_lift_se"] = _lift_interval(sub, z)
        r["mean"], r["mean_low"], r["mean_high"], r["_mean_se"] = _mean_interval(sub, ci)
        r["reason"] = ""
        rows.append(r)
    versions = pd.DataFrame(rows).reindex(columns=[*VERSION_COLUMNS, "_lift_se", "_mean_se"])
    versions["reason"] = versions["reason"].fillna("")
    changes = _changes(versions, z, n_boot)
    versions = versions[list(VERSION_COLUMNS)]
    versions["introduced"] = pd.to_datetime(versions["introduced"])
    return VersionComparison(qid, versions, changes, min_n=min_n, n_boot=n_boot)


def _changes(versions: pd.DataFrame, z: float, n_boot: int | None) -> pd.DataFrame:
    """The changes between consecutive versions (see the module docstring)."""
    rows = []
    for (_, b), (_, a) in zip(versions.iterrows(), versions.iloc[1:].iterrows()):
        base = {"question_id": b["question_id"], "from_version": int(b["version"]), "to_version": int(a["version"])}
        few = [str(x["label"]) for x in (b, a) if x["reason"]]
        note = f"{' and '.join(few)} asked of too few candidates" if few else ""
        # discrimination: difference, normal, standard errors combined; Monte Carlo margin on the ends
        diff = a["discrimination"] - b["discrimination"]
        se = np.hypot(a["discrimination_se"], b["discrimination_se"])
        lo, hi = diff - z * se, diff + z * se
        mc = 0.0 if n_boot is None else (np.inf if int(n_boot) < 2 else z * se / np.sqrt(2 * (int(n_boot) - 1)))
        clear = bool(lo - MC_SES * mc > 0 or hi + MC_SES * mc < 0)
        rows.append({**base, "statistic": "discrimination", "before": b["discrimination"], "after": a["discrimination"],
                     "change_kind": "difference", "change": diff, "change_low": lo, "change_high": hi,
                     "clear": clear, "reason": note})
        # red-flag lift: ratio on the log scale
        with np.errstate(all="ignore"):
            lr = np.log(a["red_flag_lift"]) - np.log(b["red_flag_lift"])
            se = np.hypot(a["_lift_se"], b["_lift_se"])
        ratio, rlo, rhi = np.exp(lr), np.exp(lr - z * se), np.exp(lr + z * se)
        rows.append({**base, "statistic": "red_flag_lift", "before": b["red_flag_lift"], "after": a["red_flag_lift"],
                     "change_kind": "ratio", "change": ratio, "change_low": rlo, "change_high": rhi,
                     "clear": bool(rlo > 1 or rhi < 1),
                     "reason": note or ("" if np.isfinite(ratio) else "a lift is undefined (red flag never or always "
                                      "raised, or no weak outcome on one side)")})
        # mean score: difference, normal
        diff = a["mean"] - b["mean"]
        se = np.hypot(a["_mean_se"], b["_mean_se"])
        rows.append({**base, "statistic": "mean", "before": b["mean"], "after": a["mean"], "change_kind": "difference",
                     "change": diff, "change_low": diff - z * se, "change_high": diff + z * se,
                     "clear": bool(diff - z * se > 0 or diff + z * se < 0), "reason": note})
    out = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    return out.astype({"clear": bool})


#: The columns of :func:`question_versions` (``question_versions.csv``): one row per version of each
#: question the bank holds in more than one version, with the change from the version before.
QUESTION_VERSIONS_COLUMNS = {
    **{k: v for k, v in VERSION_COLUMNS.items() if not k.startswith("share_")},
    **{f"{stat}_{part}" if part else stat: f"{what} from the version before{tail}"
       for stat, what in (("discrimination_change", "difference of discrimination"),
                          ("red_flag_lift_ratio", "ratio of red-flag lifts"),
                          ("mean_change", "difference of mean score"))
       for part, tail in (("", " (empty for version 1)"), ("low", ": 95% interval, lower end"),
                          ("high", ": 95% interval, upper end"),
                          ("clear", ": True when the interval excludes no change (beyond its Monte Carlo error)"))},
}

_CHANGE_PREFIX = {"discrimination": "discrimination_change", "red_flag_lift": "red_flag_lift_ratio",
                  "mean": "mean_change"}


def question_versions(d: pd.DataFrame, questions: pd.DataFrame, *, table: pd.DataFrame | None = None,
                      n_boot: int = 1000, seed: int = 0, min_n: int = 30, severity=None, progress: bool = False
                      ) -> pd.DataFrame:
    """Every question the bank holds in more than one version, version by version, with the change from
    the version before (:data:`QUESTION_VERSIONS_COLUMNS`; :func:`compare_versions` of each). An empty
    table with these columns when no question has been rewritten (computed without a bootstrap then).
    ``table``, ``n_boot``, ``seed``, ``min_n`` and ``severity`` as :func:`compare_versions` takes them."""
    cols = list(QUESTION_VERSIONS_COLUMNS)
    base = questions["base_id"] if "base_id" in questions else questions["question_id"]
    counts = base.astype(str).value_counts()
    rewritten = [q for q in pd.unique(base.astype(str)) if counts[q] > 1]
    if not rewritten:
        return pd.DataFrame(columns=cols)
    if table is None:
        table = question_stats(d, questions, n_boot=n_boot, seed=seed, min_n=min_n, severity=severity,
                               progress=progress)
    out = []
    for qid in rewritten:
        cmp = compare_versions(d, questions, qid, table=table, n_boot=n_boot, min_n=min_n)
        v = cmp.versions.drop(columns=[c for c in cmp.versions if c.startswith("share_")]).set_index("version")
        for stat, prefix in _CHANGE_PREFIX.items():
            ch = cmp.changes[cmp.changes["statistic"] == stat].set_index("to_version")
            v[prefix] = ch["change"]
            v[f"{prefix}_low"] = ch["change_low"]
            v[f"{prefix}_high"] = ch["change_high"]
            v[f"{prefix}_clear"] = ch["clear"].reindex(v.index).fillna(False).astype(bool)
        out.append(v.reset_index())
    return pd.concat(out, ignore_index=True)[cols]
