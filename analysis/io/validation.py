"""Judging raw scorecard rows, and typing the rows that load.

The parser (:mod:`analysis.io.scorecards`) turns bytes into text rows without judging them; here
every value is checked against the format (:mod:`analysis.io.schema`) and the bank, an interview
with any bad row is held back whole, and the rows that load become the typed frame the analyses
use. The store judges an interview it is asked to save with the same code
(:func:`validate_interview`), so a saved scorecard always loads.

What happens to a bad row
-------------------------
An interview is loaded whole or not at all. A row with a problem (bad score, unknown question, ...)
is reported, and so is every other row of its interview, in one line naming them, because half an
interview distorts every statistic built on it (the candidate's total, the item-rest correlation,
the interviewer's severity). Fix the reported rows and the whole interview loads at the next run.
Rows whose ``interview_id`` is empty cannot be attributed and are reported one by one.

How it is fast
--------------
Each text column is factorised once (:class:`_Factors`): every check runs on the unique values (a
level, a score, a date) and is mapped back to rows with integer codes.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import Problem
from analysis.io import _engine
from analysis.io._rowcodes import first_appearance, first_rows, repeated_pairs, small_codes, used_codes
from analysis.io._versions import Versions, judge_versions, row_versions
from analysis.io.schema import (FALSE_VALUES, INTERVIEW_FIELDS, MAX_FIELD_CHARS, REQUIRED_COLUMNS, SCORECARD_COLUMNS,
                                TRUE_VALUES, YEAR_RANGE, invisible, nfc)

__all__ = ["validate_rows", "validate_interview", "to_scorecard_frame", "judge_and_type", "scorecard_text"]

_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"  # ASCII digits only (\d also matches other scripts)
_NUMBER_RE = r"^[0-9]+(\.[0-9]*)?$"


def _problems_from_mask(f: "_Factors", mask, column, message) -> list[Problem]:
    idx = np.flatnonzero(np.asarray(mask))
    if not len(idx):
        return []
    files = f.file_names(idx)
    lines = f.line[idx]
    values = f.at(column, idx)
    return [Problem(str(fn), int(ln), column, message(v)) for fn, ln, v in zip(files, lines, values)]


def _found(v) -> str:
    v = str(v)
    return "an empty field" if v == "" else repr(v if len(v) <= 60 else v[:57] + "...")


class _Factors:
    """Each text column of raw rows factorised once: integer codes per row and stripped unique
    values. Every check and conversion then runs on the few unique values (a level, a score, a
    date) instead of a million strings, and is mapped back with the codes."""

    def __init__(self, raw):
        # raw: a DataFrame of text columns, ``line`` and ``file``; or (the loader's columnar
        # path) an Arrow table of the same columns, ``file`` dictionary-encoded: then only the
        # unique values of each column ever become Python strings (analysis.io._engine.to_codes).
        self.raw = raw
        self.arrow = not isinstance(raw, pd.DataFrame)
        self.n = raw.num_rows if self.arrow else len(raw)
        self._cache: dict[tuple[str, bool], tuple[np.ndarray, np.ndarray]] = {}
        self._files = None
        self._line = None
        self._ascii: dict[str, np.ndarray] = {}
        self._arrow_uniques: dict[str, object] = {}  # see uniques_for_text

    def _base(self, col: str):
        """Codes and unique raw values of one column, in first-appearance order, and which
        uniques are "plain" (ASCII with no whitespace at either end: normalising them changes
        nothing), or None when unknown."""
        if col not in (self.raw.column_names if self.arrow else self.raw.columns):  # an optional column
            return np.zeros(self.n, dtype=np.int32), np.array([""] * bool(self.n), dtype=object), None
        if self.arrow:
            codes, uniq, plain, self._arrow_uniques[col] = _engine.to_codes(self.raw.column(col), plain=True, arrow=True)
            return codes, uniq, plain
        codes, uniq = pd.factorize(self.raw[col].to_numpy(dtype=object), use_na_sentinel=False)
        return codes, uniq, None

    def ascii(self, col: str) -> np.ndarray:
        """Per unique value of ``get(col)``: whether it is ASCII (so holds no invisible character)."""
        self.get(col)
        return self._ascii[col]

    @property
    def line(self) -> np.ndarray:
        if self._line is None:
            self._line = (self.raw.column("line").to_numpy() if self.arrow else self.raw["line"].to_numpy())
        return self._line

    def files(self) -> tuple[np.ndarray, np.ndarray]:
        """Codes and names of the ``file`` column, in first-appearance order."""
        if self._files is None:
            if self.arrow:
                codes, uniq = _engine.to_codes(self.raw.column("file"))
                uniq = np.asarray([str(u) for u in uniq], dtype=object)
            else:
                codes, uniq = pd.factorize(self.raw["file"].astype(str).to_numpy(dtype=object), use_na_sentinel=False)
                uniq = np.asarray(uniq, dtype=object)
            self._files = (codes, uniq)
        return self._files

    def file_names(self, idx) -> np.ndarray:
        codes, uniq = self.files()
        return uniq[codes[idx]]

    def at(self, col: str, idx) -> np.ndarray:
        """The raw (unstripped) values of ``col`` at rows ``idx``."""
        if self.arrow:
            if col not in self.raw.column_names:
                return np.array([""] * len(idx), dtype=object)
            import pyarrow as pa  # deferred: pyarrow costs start-up time, and only loading needs it
            return np.asarray(self.raw.column(col).take(pa.array(np.asarray(idx, dtype=np.int64))).to_pylist(),
                              dtype=object)
        return self.raw[col].to_numpy()[idx] if col in self.raw else np.array([""] * len(idx), dtype=object)

    def text(self, col: str, rows) -> pd.api.extensions.ExtensionArray:
        """The raw values of ``col`` at ``rows`` (None: every row, in order) as a ``str`` array (for
        notes)."""
        if rows is None:
            rows = slice(None)
        if self.arrow:
            import pyarrow as pa  # deferred: pyarrow costs start-up time, and only loading needs it
            c = self.raw.column(col)
            if not isinstance(rows, slice):  # (every row, in order: no take)
                c = c.take(pa.array(np.asarray(rows, dtype=np.int64)))
            if pa.types.is_dictionary(c.type):
                c = c.cast(pa.large_string())
            return pd.array(c, dtype="str")
        return pd.array(self.raw[col].to_numpy(dtype=object)[rows].astype(str), dtype="str")

    def get(self, col: str, lower: bool = False) -> tuple[np.ndarray, np.ndarray]:
        key = (col, lower)
        if key not in self._cache:
            plain = None
            if lower:
                codes, uniq = self.get(col)
                norm = np.array([u.lower() for u in uniq], dtype=object)
            else:
                codes, uniq, plain = self._base(col)
                # stripped and NFC-normalised: a name typed with a combining accent is the same name
                if plain is None:
                    norm = np.array(["" if u is None or u is np.nan else nfc(str(u).strip()) for u in uniq],
                                    dtype=object)
                else:  # only the few values that are not plain ASCII need Python
                    norm = np.array(uniq, dtype=object)
                    for i in np.flatnonzero(~plain):
                        norm[i] = nfc(str(norm[i]).strip())
            # merge values that differ only in whitespace (or case, when lowered)
            if plain is not None and plain.all():
                codes2, uniq2 = np.arange(len(norm), dtype=np.intp), norm  # already unique and normal
            else:
                codes2, uniq2 = pd.factorize(norm, use_na_sentinel=False) if len(norm) else (np.array([], np.intp), norm)
            uniq2 = np.asarray(uniq2, dtype=object)
            if not lower:
                if plain is not None and plain.all():
                    self._ascii[col] = np.ones(len(uniq2), dtype=bool)
                else:
                    self._ascii[col] = np.fromiter((u.isascii() for u in uniq2), dtype=bool, count=len(uniq2))
            if not lower and not (plain is not None and plain.all()):
                self._arrow_uniques.pop(col, None)  # normalising changed some: the raw values are not these
            if len(uniq2) == len(norm):  # nothing merged: codes2 is 0..k-1, so keep the codes (no copy)
                self._cache[key] = (codes, uniq2)
            else:
                self._cache[key] = (small_codes(codes2, len(uniq2))[codes] if len(codes) else
                                    codes.astype(np.int32), uniq2)
        return self._cache[key]

    def uniques_for_text(self, col: str):
        """The uniques of ``get(col)`` for :func:`analysis.io._engine.text_array`: the Arrow
        dictionary they were read from when normalising changed none of them, else as ``get``."""
        uniq = self.get(col)[1]
        return self._arrow_uniques.get(col, uniq)

    def release(self, *cols: str) -> None:
        """Forget ``cols``: their codes and uniques, and the columns themselves from the raw table
        this object reads (``file`` and ``line`` included). The typed frame is built one column at
        a time; a column already typed is never read again, so its raw codes (40 MB per column at
        10M rows) can go at once instead of lasting until the whole frame is built, when the
        loader's memory peaks. Nothing is freed while the caller still holds the raw table."""
        for col in cols:
            self._cache.pop((col, False), None)
            self._cache.pop((col, True), None)
            self._ascii.pop(col, None)
            self._arrow_uniques.pop(col, None)
            if col == "file":
                self._files = None
            if col == "line":
                self._line = None
        if self.arrow:
            self.raw = self.raw.drop_columns([c for c in cols if c in self.raw.column_names])

    def longer(self, col: str, limit: int) -> np.ndarray | None:
        """Rows whose raw (unstripped) value of ``col`` is over ``limit`` characters (what the CSV
        field holds, so what the csv module's field size limit counts), or None when there is none
        (the usual case, found from each Arrow chunk's dictionary or lengths without a row mask)."""
        if not self.arrow:
            if col not in self.raw:
                return None
            size = np.fromiter((len(v) if isinstance(v, str) else 0 for v in self.raw[col]), dtype=np.int64,
                               count=self.n)
            return size > limit if (size > limit).any() else None
        if col not in self.raw.column_names:
            return None
        import pyarrow as pa  # deferred: pyarrow costs start-up time, and only loading needs it
        import pyarrow.compute as pc
        parts, hit = [], False
        for chunk in self.raw.column(col).chunks:
            if pa.types.is_dictionary(chunk.type):
                size = pc.fill_null(pc.utf8_length(chunk.dictionary), 0).to_numpy()
                over = size > limit
                parts.append(over[chunk.indices.to_numpy(zero_copy_only=False)] if over.any() else
                             np.zeros(len(chunk), dtype=bool))
            else:
                size = pc.fill_null(pc.utf8_length(chunk), 0).to_numpy(zero_copy_only=False)
                parts.append(size > limit)
            hit = hit or bool(parts[-1].any())
        return np.concatenate(parts) if hit else None

    def empty(self, col: str) -> np.ndarray | None:
        """Rows whose (stripped) value of ``col`` is empty (one vectorised comparison), or None when
        no row's is (judged on the uniques: the usual case costs no pass over the rows)."""
        codes, uniq = self.get(col)
        at = np.flatnonzero(uniq == "") if len(uniq) else ()  # the uniques are unique: at most one is empty
        return codes == at[0] if len(at) and len(codes) else None

    def mask(self, col: str, bad_unique, lower: bool = False) -> np.ndarray | None:
        """Rows whose value of ``col`` (lowered with ``lower``) ``bad_unique`` judges bad, or None
        when none is (a clean history: then no row mask and no ``&``, ``|``, ``flatnonzero`` of
        one are made, five passes over every row per check)."""
        codes, uniq = self.get(col, lower)
        bad_u = np.fromiter((bool(bad_unique(u)) for u in uniq), dtype=bool, count=len(uniq))
        if not len(codes) or not bad_u.any():
            return None
        return bad_u[codes]

    def values(self, col: str, lower: bool = False) -> np.ndarray:
        codes, uniq = self.get(col, lower)
        return uniq[codes] if len(codes) else np.array([], dtype=object)


def _valid_dates(uniq: np.ndarray) -> set:
    """The unique values that are real ISO dates in :data:`YEAR_RANGE` (one vectorised parse)."""
    lo, hi = YEAR_RANGE
    shaped = [u for u in uniq if re.fullmatch(_DATE_RE, u) and lo <= int(u[:4]) <= hi]
    parsed = pd.to_datetime(pd.Series(shaped, dtype=object), format="%Y-%m-%d", errors="coerce")
    return {u for u, p in zip(shaped, parsed) if not pd.isna(p)}


#: ZWJ and ZWNJ are allowed in names, where some scripts need them, but not in ids (see
#: :func:`analysis.io.schema.invisible`).
_NAME_JOINERS = frozenset("\u200c\u200d")


def _year_hint(v) -> str:
    v = str(v).strip()
    if re.fullmatch(_DATE_RE, v) and not YEAR_RANGE[0] <= int(v[:4]) <= YEAR_RANGE[1]:
        return f" with a year from {YEAR_RANGE[0]} to {YEAR_RANGE[1]}"
    return ""


def _number_ok(u: str) -> bool:
    if u == "":
        return True
    if not re.fullmatch(_NUMBER_RE, u):
        return False
    return np.isfinite(float(u))


def validate_rows(raw: pd.DataFrame, question_ids, *, versions: pd.DataFrame | None = None
                  ) -> tuple[pd.Series, list[Problem]]:
    """Judge raw scorecard rows (as returned by :func:`parse_csv`, with a ``file`` column).

    Returns a boolean Series, True for rows that load, and every problem found. Rows with a negative
    ``line`` were already reported by the parser. Interviews are loaded whole or not at all (see the
    module docstring); held-back interviews are named with their row count and lines.

    ``question_ids`` are the stable ids of the bank (every version's, retired ones included);
    ``versions`` is the bank of every version (:func:`analysis.io.bank.load_questions` with
    ``versions="all"``, or :func:`analysis.io.bank.item_table`) that ``question_version`` is judged
    against; None judges it against a bank whose every question has version 1 only.
    """
    raw = raw.reset_index(drop=True)
    loaded, problems = _judge(raw, question_ids, _Factors(raw), versions)
    return pd.Series(loaded, index=raw.index), problems


def _judge(raw, question_ids, f: _Factors, versions=None) -> tuple[np.ndarray, list[Problem]]:
    n = f.n
    line_arr = f.line
    parsed_ok = line_arr > 0
    problems: list[Problem] = []
    bad = ~parsed_ok
    for col in SCORECARD_COLUMNS:  # the one field limit of the format (analysis.io.schema.MAX_FIELD_CHARS)
        over = f.longer(col, MAX_FIELD_CHARS)
        if over is None:
            continue
        idx = np.flatnonzero(parsed_ok & over)
        problems += [Problem(str(f.file_names(i)), int(line_arr[i]), col,
                             f"{len(f.at(col, [i])[0]):,} characters long; expected at most {MAX_FIELD_CHARS:,} "
                             "characters in one field (shorten it, e.g. keep a long write-up in a linked document)")
                     for i in idx]
        bad[idx] = True
    for col in ("interview_id", "candidate_id", "interviewer"):
        m = f.empty(col)
        if m is None:  # no row's is empty (see _Factors.mask)
            continue
        m &= parsed_ok
        problems += _problems_from_mask(f, m, col, lambda v: "empty; expected non-empty text")
        bad |= m
    hidden: dict[str, np.ndarray] = {}  # rows already reported for an invisible character, per column
    for col, allow in (("interview_id", frozenset()), ("candidate_id", frozenset()), ("question_id", frozenset()),
                       ("interviewer", _NAME_JOINERS)):
        codes, uniq = f.get(col)
        where = [None] * len(uniq)
        for i in np.flatnonzero(~f.ascii(col)):  # ASCII holds no invisible (format) character
            where[i] = invisible(uniq[i], allow)
        if any(where):
            bad_u = np.array([w is not None for w in where], dtype=bool)
            m = parsed_ok & bad_u[codes] & ~bad
            idx = np.flatnonzero(m)
            problems += [Problem(str(f.file_names(i)), int(line_arr[i]), col,
                                 f"got {_found(uniq[codes[i]])}, which contains an invisible character "
                                 f"{where[codes[i]]}; expected visible text only (retype the value)")
                         for i in idx]
            bad |= m
            hidden[col] = m
    qids = {nfc(str(q).strip()) for q in question_ids}
    dates = _valid_dates(f.get("date")[1])
    checks = [
        ("date", False, lambda u: u not in dates, lambda v: f"got {_found(v)}, expected an ISO date YYYY-MM-DD" + _year_hint(v)),
        ("level", True, lambda u: u not in config.LEVELS,
         lambda v: f"got {_found(v)}, expected one of {', '.join(config.LEVELS)}"),
        ("question_id", False, lambda u: u not in qids,
         lambda v: f"got {_found(v)}, expected a question_id from the bank (questions.csv)"),
        ("score", False, lambda u: u not in ("1", "2", "3", "4"), lambda v: f"got {_found(v)}, expected an integer 1-4"),
        ("red_flag", True, lambda u: u not in (TRUE_VALUES | FALSE_VALUES),
         lambda v: f"got {_found(v)}, expected true/false (or yes/no, 1/0)"),
        ("recommendation", True, lambda u: u not in config.RECOMMENDATIONS,
         lambda v: f"got {_found(v)}, expected one of {', '.join(config.RECOMMENDATIONS)}"),
        ("duration_seconds", False, lambda u: not _number_ok(u),
         lambda v: f"got {_found(v)}, expected empty or a number of seconds >= 0"),
        ("practice", True, lambda u: u and u not in (TRUE_VALUES | FALSE_VALUES),
         lambda v: f"got {_found(v)}, expected true for a practice interview, false or empty for a real one"),
    ]
    valid = parsed_ok.copy()  # rows whose question id and date are valid: their version can be judged
    for col, lower, is_bad, msg in checks:
        if col in hidden:
            valid &= ~hidden[col]
        m = f.mask(col, is_bad, lower)
        if m is None:  # no row's value is bad (see _Factors.mask)
            continue
        m &= parsed_ok
        if col in ("question_id", "date"):
            valid &= ~m
        if col in hidden:
            m &= ~hidden[col]
        problems += _problems_from_mask(f, m, col, msg)
        bad |= m
    bad |= judge_versions(f, valid, versions if isinstance(versions, Versions) else Versions(versions), problems)
    iid_codes, iid_u = f.get("interview_id")
    empty_id = f.empty("interview_id")  # None: no row's id is empty
    has_id = np.ones(n, dtype=bool) if empty_id is None else ~empty_id
    file_codes, file_u = f.files()
    # the same interview id in two files
    # (one file cannot hold an interview twice over; with several, one hash of a code per pair)
    if len(file_u) > 1 and n:
        pair = np.unique(pd.unique(iid_codes[has_id].astype(np.int64) * len(file_u) + file_codes[has_id]))
        pairs = pd.DataFrame({"i": pair // len(file_u), "f": pair % len(file_u)})
        per_id = np.bincount(pairs["i"].to_numpy(), minlength=len(iid_u))
        multi_codes = set(np.flatnonzero(per_id > 1).tolist())
    else:
        pairs, multi_codes = pd.DataFrame({"i": [], "f": []}, dtype=np.int64), set()
    for i_code in multi_codes:
        files_of = sorted(file_u[pairs.loc[pairs["i"] == i_code, "f"]])
        for fname in files_of:
            rows_here = np.flatnonzero((iid_codes == i_code) & (file_u[file_codes] == fname))
            ln = int(abs(line_arr[rows_here[0]]))
            others = [x for x in files_of if x != fname]
            problems.append(Problem(fname, ln, "interview_id", f"interview {iid_u[i_code]!r} is also in {', '.join(others)}; "
                                    "expected each interview in one file (remove or rename one copy)"))
    # fields that differ within one interview: compare to the interview's first row
    ok_rows = has_id & parsed_ok
    every, same_run = bool(ok_rows.all()), None  # same_run: per row after the first, same interview as the one before
    if every and first_appearance(iid_codes, len(iid_u)):
        # the common case: codes number the ids as they first appear, so the first row of each
        # id is where the running maximum grows (no sort, no hash table)
        same_run = iid_codes[1:] == iid_codes[:-1]
        if n - int(np.count_nonzero(same_run)) != len(iid_u):  # an interview in several runs
            same_run = None
        fi = None  # each row's interview's first row: made only when a field needs it (80 MB at 10M)
    else:
        fi = np.full(n, -1)
        if ok_rows.any():
            ok_idx = np.flatnonzero(ok_rows)
            u_codes, first_pos = np.unique(iid_codes[ok_idx], return_index=True)
            first_of = np.full(len(iid_u), -1)
            first_of[u_codes] = ok_idx[first_pos]
            fi[ok_idx] = first_of[iid_codes[ok_idx]]
        every = False
    m_ok = ok_rows & (fi >= 0) if fi is not None else None
    for col in INTERVIEW_FIELDS:
        codes, uniq = f.get(col, lower=col in ("level", "recommendation", "practice"))
        if len(uniq) <= 1:  # one value on every row: nothing can differ
            continue
        if col == "practice":  # compared as true/false: "yes" and "TRUE" agree, empty and "no" agree
            codes = np.isin(uniq, list(TRUE_VALUES))[codes] if len(uniq) else codes
        if same_run is not None and not (same_run & (codes[1:] != codes[:-1])).any():
            continue  # each interview one run of rows, and no row differs from the one before it in its run
        if fi is None:
            fi = first_rows(iid_codes)
        if every:
            diff = codes != codes[fi]
        else:
            diff = np.zeros(n, dtype=bool)
            diff[m_ok] = codes[m_ok] != codes[fi[m_ok]]
        if diff.any():
            shown = f.values(col)
            for i in np.flatnonzero(diff):
                problems.append(Problem(str(file_u[file_codes[i]]), int(line_arr[i]), col,
                                        f"got {_found(shown[i])} but line {line_arr[fi[i]]} of interview "
                                        f"{iid_u[iid_codes[i]]!r} has {_found(shown[fi[i]])}; expected the same {col} on "
                                        "every row of one interview"))
            bad |= diff
    # the same question twice in one interview
    q_codes, q_u = f.get("question_id")
    dup = ok_rows & repeated_pairs(iid_codes, q_codes, len(q_u))
    if dup.any():
        problems += _problems_from_mask(f, dup, "question_id",
                                        lambda v: f"question {str(v).strip()!r} appears twice in this interview; "
                                                  "expected each question once")
        bad |= dup
    # hold back whole interviews with any bad row
    bad_codes = set(np.unique(iid_codes[bad & has_id]).tolist()) | multi_codes
    held = has_id & np.isin(iid_codes, list(bad_codes)) if bad_codes else np.zeros(n, bool)
    if bad_codes:
        sub = pd.DataFrame({"i": iid_codes[held], "f": file_codes[held], "line": np.abs(line_arr[held])})
        for (i, fc), g in sub.groupby(["i", "f"], sort=False):
            ls = sorted(g["line"])
            span = ", ".join(str(x) for x in ls[:12]) + (", ..." if len(ls) > 12 else "")
            problems.append(Problem(str(file_u[fc]), int(ls[0]), None, f"interview {iid_u[i]!r} not loaded: its {len(ls)} "
                                    f"row(s) on line(s) {span} are held back until the problems reported for it are fixed "
                                    "(an interview loads whole or not at all)", tuple(int(x) for x in ls)))
    return ~(bad | held), problems


def to_scorecard_frame(raw: pd.DataFrame, question_ids, *, versions: pd.DataFrame | None = None,
                       _factors: "_Factors | None" = None, _rows: np.ndarray | None = None) -> pd.DataFrame:
    """Turn validated raw rows into the typed scorecard frame the analyses use.

    Columns: the scorecard columns with ``date`` datetime64, ``level`` and ``recommendation``
    ordered categoricals, ``question_id``/``interviewer`` categoricals (``question_id`` over
    ``question_ids``: the stable ids), ``question_version`` int16 right after it (the scorecard's,
    else the version in force on the date by ``versions``, see :func:`validate_rows`; 1 without),
    ``score`` int8, ``red_flag`` bool, ``notes`` text, ``duration_seconds`` float (NaN when
    absent), plus ``file`` and ``line`` saying where each row came from.
    """
    f = _factors or _Factors(raw.reset_index(drop=True) if isinstance(raw, pd.DataFrame) else raw)
    # every row loads (the usual case): the codes are used as they are, not copied per column, and
    # no index of every row is made (80 MB at 10M rows, and as much again to prove it is one)
    every = _rows is None
    rows = None if every else _rows
    n_out = f.n if every else len(rows)

    def take(col, lower=False):
        codes, uniq = f.get(col, lower)
        return (codes if every else codes[rows]), uniq

    def categorical(col, categories, lower=False, ordered=False):
        codes, uniq = take(col, lower)
        return _from_codes(pd.Index(categories).get_indexer(uniq), codes, list(categories), ordered)

    out = pd.DataFrame(index=pd.RangeIndex(n_out))

    def put(name, values):  # as a Series: the frame keeps the array (``out[name] = array`` copies it)
        out[name] = pd.Series(values, index=out.index, copy=False)

    out["interview_id"] = _engine.text_array(take("interview_id")[0], f.uniques_for_text("interview_id"))
    f.release("interview_id")
    codes, uniq = take("date")
    put("date", pd.to_datetime(pd.Series(uniq, dtype=object), format="%Y-%m-%d", errors="coerce").to_numpy()[codes]
        if len(codes) else np.array([], dtype="datetime64[ns]"))
    out["candidate_id"] = _engine.text_array(take("candidate_id")[0], f.uniques_for_text("candidate_id"))
    out["level"] = categorical("level", config.LEVELS, lower=True, ordered=True)
    f.release("candidate_id", "level")
    codes, uniq = take("interviewer")
    used = used_codes(codes, len(uniq), every)  # sorted, as np.unique
    out["interviewer"] = categorical("interviewer", sorted(uniq[used]))
    f.release("interviewer")
    out["question_id"] = categorical("question_id", list(question_ids))
    put("question_version", row_versions(take, versions if isinstance(versions, Versions) else Versions(versions)))
    f.release("date", "question_id", "question_version")
    codes, uniq = take("score")
    put("score", np.array([int(u) if u in ("1", "2", "3", "4") else 0 for u in uniq], dtype=np.int8)[codes] if len(codes)
        else np.array([], dtype=np.int8))
    codes, uniq = take("red_flag", lower=True)
    put("red_flag", np.array([u in TRUE_VALUES for u in uniq], dtype=bool)[codes] if len(codes) else np.array([], bool))
    f.release("score", "red_flag")
    out["notes"] = f.text("notes", rows) if n_out else np.array([], dtype=object)
    out["recommendation"] = categorical("recommendation", config.RECOMMENDATIONS, lower=True, ordered=True)
    f.release("notes", "recommendation")
    codes, uniq = take("duration_seconds")
    put("duration_seconds", np.array([float(u) if u and _number_ok(u) else np.nan for u in uniq], dtype=float)[codes]
        if len(codes) else np.array([], dtype=float))
    codes, uniq = f.files()
    codes = codes if every else codes[rows]
    used = used_codes(codes, len(uniq), every)
    names = uniq[used]
    order = np.array(sorted(range(len(used)), key=names.__getitem__), dtype=np.int64)  # sorted, as pd.Categorical(values)
    remap = np.full(len(uniq), -1, dtype=np.int64)
    remap[used[order]] = np.arange(len(used))
    out["file"] = _from_codes(remap, codes, pd.Index(list(uniq[used][order]), dtype="str"))
    del codes
    f.release("duration_seconds", "file")
    put("line", f.line.astype(np.int64) if every else f.line[rows].astype(np.int64))
    f.release("line")
    return out


def _from_codes(pos: np.ndarray, codes: np.ndarray, categories, ordered: bool = False) -> pd.Categorical:
    """``pd.Categorical.from_codes(pos[codes], categories)`` (``pos``: each unique's category code),
    gathered in the codes' dtype pandas picks (int8 up to 127 categories): no int64 array of every
    row (80 MB at 10M rows) for pandas to narrow again."""
    pos = pd.Categorical.from_codes(pos, categories=categories, ordered=ordered).codes
    return pd.Categorical.from_codes(pos[codes] if len(codes) else codes.astype(pos.dtype), categories=categories,
                                     ordered=ordered)


def judge_and_type(raw, question_ids, *, versions: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """:func:`validate_rows` and :func:`to_scorecard_frame` in one pass over one factorisation:
    the typed frame of the rows that load, and every problem.

    ``raw`` is a DataFrame as :func:`parse_csv` returns it with a ``file`` column, or (the
    loader's columnar path) an Arrow table of the same columns: identical results. ``versions``:
    see :func:`validate_rows`. A caller that hands ``raw`` over (keeps no reference to it) lets
    each raw column go as soon as its typed column is built (the loader does)."""
    if isinstance(raw, pd.DataFrame):
        raw = raw.reset_index(drop=True)
    f = _Factors(raw)
    del raw  # f reads it, and lets each column go once typed (see _Factors.release)
    vs = Versions(versions)
    loaded, problems = _judge(None, question_ids, f, vs)
    rows = None if loaded.all() else np.flatnonzero(loaded)  # None: every row
    return to_scorecard_frame(None, question_ids, versions=vs, _factors=f, _rows=rows), problems


def validate_interview(rows: pd.DataFrame, questions: pd.DataFrame, path: str = "<interview>") -> list[Problem]:
    """Check one interview given as a DataFrame (what a form or :func:`analysis.io.store.save_interview`
    receives). Returns every problem; an empty list means it is a valid, complete scorecard.

    Values may be typed (ints, bools, dates) or text; they are judged exactly as the loader judges
    the CSV the store would write. ``line`` in the problems is the CSV line the row would have
    (row 0 is line 2).
    """
    problems: list[Problem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in rows.columns]
    if missing:
        return [Problem(path, 1, None, f"missing required column(s) {', '.join(missing)}")]
    if len(rows) == 0:
        return [Problem(path, 1, None, "no rows; expected one row per question asked")]
    raw = scorecard_text(rows)
    raw["line"] = np.arange(2, len(raw) + 2)
    raw["file"] = path
    ids = questions["base_id"] if "base_id" in questions else questions["question_id"]
    _, problems = validate_rows(raw, pd.unique(ids), versions=questions)
    # the loader refuses a file containing NUL, so never accept one for writing
    for col in SCORECARD_COLUMNS:
        for i in np.flatnonzero(raw[col].str.contains("\x00", regex=False).to_numpy()):
            problems.append(Problem(path, int(raw["line"].iat[i]), col,
                                    "contains a NUL character; expected text without NUL"))
    if raw["interview_id"].str.strip().nunique() > 1:
        problems.append(Problem(path, 2, "interview_id", "more than one interview_id; expected the rows of one interview"))
    return [p for p in problems if "not loaded" not in p.message]


def _text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (pd.Timestamp,)) or hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def scorecard_text(rows: pd.DataFrame) -> pd.DataFrame:
    """The scorecard columns of ``rows`` as text, exactly as they are written to CSV."""
    return pd.DataFrame({c: [_text(v) for v in rows[c]] if c in rows.columns else [""] * len(rows)
                         for c in SCORECARD_COLUMNS}, dtype=object)
