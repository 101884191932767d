"""``question_version``: judging a scorecard's version of each question, and resolving an empty one.

A scorecard row names the version of the question it answered in the optional
``question_version`` column (:mod:`analysis.io.schema`), else it answered the version in force on
the interview's date (:func:`analysis.io.bank.version_in_force`). Here the validator
(:mod:`analysis.io.validation`) finds both, on unique values only: the column's distinct texts,
and the distinct (question, version, date) or (question, date) pairs, never a Python loop per row.
A folder whose bank has one version of every question and whose scorecards leave the column empty
costs one look at the column's unique values. The loader then keys the typed rows by item
(:func:`as_items`) and warns, once per interview, of interviews dated after a question they asked
was retired (:func:`retired_warnings`); ``check`` prints them grouped (:func:`warning_lines`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.errors import Problem
from analysis.io.bank import version_in_force
from analysis.io.schema import nfc

__all__ = ["Versions", "judge_versions", "row_versions", "as_items", "retired_warnings", "RetiredWarning",
           "date_first_versions", "warning_lines"]


def _found(v) -> str:
    v = str(v)
    return "an empty field" if v == "" else repr(v if len(v) <= 60 else v[:57] + "...")


class Versions:
    """The versions of a bank, keyed by stable id: what ``question_version`` is judged against and
    what an empty one resolves to (:func:`analysis.io.bank.version_in_force`)."""

    def __init__(self, bank: pd.DataFrame | None):
        self.bank = bank if bank is not None and "version" in bank else None
        self.introduced: dict[tuple[str, int], object] = {}
        self.count: dict[str, int] = {}
        self.later = False  # some question has a version > 1 with a date: in force by date
        if self.bank is None:
            return
        key = self.bank["base_id"] if "base_id" in self.bank else self.bank["question_id"]
        intro = self.bank["introduced"] if "introduced" in self.bank else pd.Series(pd.NaT, index=self.bank.index)
        for q, v, d in zip(key.astype(str), self.bank["version"], intro):
            q = nfc(q.strip())
            self.introduced[(q, int(v))] = d
            self.count[q] = max(self.count.get(q, 0), int(v))
            self.later |= int(v) > 1 and not pd.isna(d)

    def known(self, qid: str, version: int) -> bool:
        return (qid, version) in self.introduced if self.bank is not None else version == 1

    def in_force(self, qids, dates) -> np.ndarray:
        """The version in force on each date of each stable id (1 without later dated versions)."""
        if not self.later or not len(qids):
            return np.ones(len(qids), dtype=np.int64)
        return version_in_force(self.bank, qids, dates)


def _version_number(u: str) -> int:
    """A ``question_version`` text as its number: 0 when empty, -1 when not a positive whole number."""
    if u == "":
        return 0
    return int(u) if u.isascii() and u.isdigit() and len(u) <= 9 and int(u) >= 1 else -1


def judge_versions(f, ok: np.ndarray, vs: Versions, problems: list) -> np.ndarray:
    """Rows whose ``question_version`` is not a whole number, not a version of their question in
    the bank, or a version introduced after the interview's date (``ok``: rows whose question id
    and date are valid), each reported; costs one look at the column's uniques when it is empty."""
    codes, uniq = f.get("question_version")
    if not len(uniq) or (len(uniq) == 1 and uniq[0] == ""):
        return np.zeros(f.n, dtype=bool)
    num = np.array([_version_number(u) for u in uniq], dtype=np.int64)
    bad = ok & (num < 0)[codes]
    idx = np.flatnonzero(bad)
    problems += [Problem(str(fn), int(f.line[i]), "question_version",
                         f"got {_found(uniq[codes[i]])}, expected a whole number 1, 2, ... (the version of the "
                         "question asked) or empty (the version in force on the interview's date)")
                 for fn, i in zip(f.file_names(idx), idx)]
    rows = np.flatnonzero(ok & (num > 0)[codes])
    if not len(rows):
        return bad
    q_codes, q_u = f.get("question_id")
    d_codes, d_u = f.get("date")
    key = (q_codes[rows].astype(np.int64) * len(uniq) + codes[rows]) * len(d_u) + d_codes[rows]
    pair, keys = pd.factorize(key)  # each (question, version, date) judged once
    msgs = []
    for k in keys.tolist():
        q, v, d = q_u[k // len(d_u) // len(uniq)], int(num[k // len(d_u) % len(uniq)]), d_u[k % len(d_u)]
        if not vs.known(q, v):
            n = vs.count.get(q, 1)
            msgs.append(f"question {q!r} has no version {v} in the bank (it has version"
                        f"{' 1' if n == 1 else f's 1-{n}'}); expected one of them, or empty for the version in "
                        "force on the interview's date")
            continue
        intro = vs.introduced.get((q, v))
        if v > 1 and not pd.isna(intro) and intro > pd.Timestamp(d):
            now = int(vs.in_force([q], [d])[0])
            msgs.append(f"version {v} of {q!r} was introduced {intro.date()}, after this interview's date {d}; "
                        f"expected the version in force then ({now}), or empty")
            continue
        msgs.append(None)
    bad_pair = np.array([m is not None for m in msgs], dtype=bool)
    hit = rows[bad_pair[pair]]
    files = f.file_names(hit)
    problems += [Problem(str(fn), int(f.line[i]), "question_version", f"got {_found(uniq[codes[i]])}: {msgs[p]}")
                 for fn, i, p in zip(files, hit, pair[bad_pair[pair]])]
    bad[hit] = True
    return bad


def row_versions(take, vs: Versions) -> np.ndarray:
    """``question_version`` of the rows ``take`` gives: the scorecard's number where it has one, else
    the version in force on the row's date, found once per (question, date) pair (int16)."""
    codes, uniq = take("question_version")
    num = np.array([max(_version_number(u), 0) for u in uniq], dtype=np.int16)
    if not vs.later and not num.any():  # no version written and one version of everything: 1 on every row
        return np.ones(len(codes), dtype=np.int16)
    out = num[codes] if len(codes) else np.zeros(0, dtype=np.int16)
    empty = out == 0
    if not empty.any():
        return out
    if not vs.later:
        out[empty] = 1
        return out
    q_codes, q_u = take("question_id")
    d_codes, d_u = take("date")
    key = q_codes[empty].astype(np.int64) * len(d_u) + d_codes[empty]
    pair, keys = pd.factorize(key)
    got = vs.in_force(q_u[keys // len(d_u)], d_u[keys % len(d_u)]) if len(keys) else np.zeros(0, np.int64)
    out[empty] = got.astype(np.int16)[pair]
    return out


def as_items(scores: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """``scores`` keyed by item: ``question_id`` (stable ids) becomes the item id of each row's
    ``question_version``, a categorical over ``questions["question_id"]`` (the item table,
    :func:`analysis.io.bank.item_table`). A frame typed without a ``question_version`` column gets
    the version in force on each row's date. While every question has one version the item ids are
    the stable ids and nothing changes. One dictionary look-up per distinct (question, version)."""
    if "question_version" not in scores:
        v = (version_in_force(questions, scores["question_id"].astype(str), scores["date"]) if len(scores)
             else np.zeros(0, dtype=np.int64))
        scores.insert(scores.columns.get_loc("question_id") + 1, "question_version", v.astype(np.int16))
    if "base_id" not in questions or (questions["base_id"].to_numpy() == questions["question_id"].to_numpy()).all():
        return scores
    cats = scores["question_id"].cat.categories
    width = int(questions["version"].max()) + 1
    key = scores["question_id"].cat.codes.to_numpy().astype(np.int64) * width + scores["question_version"].to_numpy()
    pos = {(b, int(v)): i for i, (b, v) in enumerate(zip(questions["base_id"], questions["version"]))}
    inverse, uniq = pd.factorize(key)
    item = np.array([pos[(cats[k // width], k % width)] for k in uniq.tolist()], dtype=np.int64)
    scores["question_id"] = pd.Categorical.from_codes(item[inverse] if len(key) else key,
                                                      categories=list(questions["question_id"]))
    return scores


@dataclass(frozen=True, order=True)
class RetiredWarning(Problem):
    """A :class:`~analysis.errors.Problem` that holds nothing back: an interview dated after a
    question it asked was retired. ``retired`` names each such question and its retirement date,
    ``(("jr-iam-basics", "2025-06-01"), ...)``, so ``check`` can count the interviews of each."""

    retired: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)


def date_first_versions(questions: pd.DataFrame, *frames: pd.DataFrame) -> pd.DataFrame:
    """``questions`` with an empty ``introduced`` of a version 1 set to the earliest interview date of
    ``frames`` (a bank written before versions reads as in use since the first interview); unchanged
    when every version 1 has a date or there are no interviews."""
    empty = questions["introduced"].isna() & (questions["version"] == 1)
    days = [f["date"].min() for f in frames if "date" in f and len(f)]
    if not empty.any() or not days:
        return questions
    out = questions.copy()
    out.loc[empty, "introduced"] = pd.Timestamp(min(days)).normalize()
    return out


def retired_warnings(frame: pd.DataFrame, questions: pd.DataFrame) -> list[RetiredWarning]:
    """One warning per interview of ``frame`` (typed scorecards keyed by item) dated after a
    question it asked was retired: no version of that question is active and the date is past its
    last version's ``retired``. The warning is on the interview's first row (file and line) and
    names every such question. The interview still loads (imported history may be late);
    ``check`` prints the warnings, at most 20 per retired question."""
    if not len(frame) or "status" not in questions or (questions["status"] == "active").all():
        return []
    base = questions["base_id"] if "base_id" in questions else questions["question_id"]
    gone = ~questions["status"].eq("active").groupby(base, sort=False).transform("any")
    last = questions["retired"].groupby(base, sort=False).transform("max")
    until = last.where(gone).to_numpy(dtype="datetime64[ns]")  # per item: NaT while its question lives
    q = frame["question_id"].astype("category")
    idx = pd.Index(questions["question_id"]).get_indexer(q.cat.categories)[q.cat.codes.to_numpy()]
    after = frame["date"].to_numpy(dtype="datetime64[ns]") > until[idx]  # NaT compares False
    rows = np.flatnonzero(after)
    if not len(rows):
        return []
    ids = frame["interview_id"].astype(str).to_numpy()
    late: dict[str, list[tuple[str, str]]] = {}  # interview -> its retired questions, in row order
    ends = pd.DatetimeIndex(until[idx[rows]]).strftime("%Y-%m-%d").tolist()
    for iid, b, end in zip(ids[rows].tolist(), base.to_numpy()[idx[rows]].tolist(), ends):
        late.setdefault(iid, []).append((str(b), end))
    mine = np.flatnonzero(pd.Series(ids).isin(list(late)).to_numpy())
    first = mine[~pd.Series(ids[mine]).duplicated().to_numpy()]  # each late interview's first row
    sub = frame.iloc[first]
    days = pd.DatetimeIndex(sub["date"]).strftime("%Y-%m-%d").tolist()
    return [RetiredWarning(str(fn), int(ln), "question_id", _retired_message(iid, day, late[iid]),
                           retired=tuple(late[iid]))
            for fn, ln, iid, day in zip(sub["file"].astype(str).tolist(), sub["line"].tolist(), ids[first].tolist(),
                                        days)]


def _retired_message(interview_id: str, day: str, retired: list[tuple[str, str]]) -> str:
    what = " and ".join(f"question {b!r} was retired ({end})" for b, end in retired)
    return (f"interview {interview_id!r} is dated {day}, after {what}; loaded all the same (history may be "
            "imported late): check the interview's date, or the bank's retired date")


def warning_lines(warnings, per_question: int = 20) -> list[str]:
    """``path:line: warning: message`` of each warning, at most ``per_question`` lines for each
    retired question (a warning naming several counts for each, and is left out once one of them
    has its ``per_question`` lines), then one line per question with more:
    ``... and N more interviews of QID dated after it was retired on DATE``. Other warnings are all
    printed."""
    shown: dict[tuple[str, str], int] = {}
    total: dict[tuple[str, str], int] = {}
    out = []
    for w in warnings:
        keys = list(getattr(w, "retired", ()))
        for k in keys:
            total[k] = total.get(k, 0) + 1
        if any(shown.get(k, 0) >= per_question for k in keys):
            continue
        for k in keys:
            shown[k] = shown.get(k, 0) + 1
        out.append(f"{w.path}:{w.line}: warning: {w.message}")
    out += [f"... and {n - shown.get(k, 0)} more interviews of {k[0]} dated after it was retired on {k[1]}"
            for k, n in total.items() if n > shown.get(k, 0)]
    return out
