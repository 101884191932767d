"""The scorecard parser and validator as they were before the issue 10/11 rewrite (commit 456f014),
kept verbatim as the reference the new path must match where the old one was right. Not used by
the package.

Original docstring: The scorecard format, and turning raw CSV text into validated rows.

A scorecard is long format, one row per question asked, UTF-8 CSV:

=================  ========  ========================================================================
column             required  values
=================  ========  ========================================================================
interview_id       yes       non-empty text, unique to one interview
date               yes       ISO date ``YYYY-MM-DD``
candidate_id       yes       non-empty pseudonymous id (a candidate may have several interviews)
level              yes       ``junior``, ``mid``, ``senior``: the level the candidate is interviewed for
interviewer        yes       non-empty text
question_id        yes       an id from the bank
score              yes       integer 1-4 (1 red flag / no real understanding, 2 partial, 3 what good
                             looks like, 4 beyond it)
red_flag           yes       ``true``/``false`` (also yes/no/1/0, any case)
notes              no        free text
recommendation     yes       ``strong_no``, ``no``, ``yes``, ``strong_yes``, the same on every row
duration_seconds   no        seconds spent on the question (written by the interview form)
=================  ========  ========================================================================

Whitespace around fields, any letter case in enumerations, a UTF-8 byte-order mark, CRLF line ends
and quoted notes with commas or newlines are all accepted.

What happens to a bad row
-------------------------
An interview is loaded whole or not at all. A row with a problem (bad score, unknown question, ...)
is reported, and so is every other row of its interview, in one line naming them, because half an
interview distorts every statistic built on it (the candidate's total, the item-rest correlation,
the interviewer's severity). Fix the reported rows and the whole interview loads at the next run.
Rows whose ``interview_id`` is empty cannot be attributed and are reported one by one.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import Problem

__all__ = [
    "SCORECARD_COLUMNS",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "INTERVIEW_FIELDS",
    "TRUE_VALUES",
    "FALSE_VALUES",
    "parse_csv",
    "parse_records",
    "validate_rows",
    "validate_interview",
    "to_scorecard_frame",
    "judge_and_type",
]

SCORECARD_COLUMNS = (
    "interview_id", "date", "candidate_id", "level", "interviewer", "question_id",
    "score", "red_flag", "notes", "recommendation", "duration_seconds",
)
OPTIONAL_COLUMNS = ("notes", "duration_seconds")
REQUIRED_COLUMNS = tuple(c for c in SCORECARD_COLUMNS if c not in OPTIONAL_COLUMNS)
#: Fields that describe the interview as a whole and must agree on every one of its rows.
INTERVIEW_FIELDS = ("date", "candidate_id", "level", "interviewer", "recommendation")
TRUE_VALUES = frozenset({"true", "yes", "1"})
FALSE_VALUES = frozenset({"false", "no", "0"})

_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"  # ASCII digits only (\d also matches other scripts)
_NUMBER_RE = r"^[0-9]+(\.[0-9]*)?$"
_RAW_COLUMNS = list(SCORECARD_COLUMNS)


def parse_csv(data: bytes, path: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse one scorecard file's bytes into raw string rows, without judging the values.

    Returns a frame with every scorecard column as text ('' where absent) plus ``line``, the 1-based
    physical line the record starts on, and the problems that stop rows from being read at all
    (undecodable bytes, an empty file, missing columns, a wrong number of fields). Every record of
    the file is either in the frame or named in a problem.
    """
    values, lines, problems = parse_records(data, path)
    raw = pd.DataFrame({c: pd.Series(values[:, j], dtype=object) for j, c in enumerate(_RAW_COLUMNS)})
    raw["line"] = lines
    return raw, problems


def _no_rows():
    return np.empty((0, len(_RAW_COLUMNS)), dtype=object), np.empty(0, dtype=np.int64)


def parse_records(data: bytes, path: str) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """:func:`parse_csv` without the DataFrame: ``(values, lines, problems)`` with ``values`` an
    object array (rows x :data:`SCORECARD_COLUMNS`). The loader calls this for each of possibly
    100k small files, where building a DataFrame per file would cost more than parsing it."""
    if not data.strip():
        return *_no_rows(), [Problem(path, 0, None, "empty file; expected a header row and scorecard rows")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return *_no_rows(), [Problem(path, line, None,
                                      f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                                      "expected UTF-8 text: re-export the file as 'CSV UTF-8'")]
    if "\x00" in text:
        return *_no_rows(), [Problem(path, 0, None, "contains NUL bytes; expected a UTF-8 CSV text file")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        while not any(h.strip() for h in header):
            header = next(reader)
    except StopIteration:
        return *_no_rows(), [Problem(path, 0, None, "no header row; expected a header and scorecard rows")]
    except csv.Error as exc:
        return *_no_rows(), [Problem(path, 1, None, f"unreadable header ({exc})")]
    header_line = reader.line_num
    names = [h.strip().lower() for h in header]
    problems: list[Problem] = []
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        problems.append(Problem(path, header_line, None, f"duplicate column(s) {', '.join(dupes)}; "
                                "expected each column once"))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if len(data) > _FAST_BYTES and not missing and not dupes:
        fast = _parse_fast(text, names, header_line)
        if fast is not None:
            return fast[0], fast[1], problems
    records: list[list[str]] = []
    lines: list[int] = []
    last = header_line
    try:
        for rec in reader:
            start = last + 1
            last = reader.line_num
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue  # blank line
            if len(rec) != len(names):
                iid = rec[names.index("interview_id")].strip() if "interview_id" in names and len(rec) > names.index("interview_id") else ""
                problems.append(Problem(path, start, None,
                                        f"found {len(rec)} fields, expected {len(names)} (as in the header)"
                                        + (f"; interview {iid!r}" if iid else "")))
                # keep the interview id so the rest of that interview is held back too
                rec = [""] * len(names)
                if iid:
                    rec[names.index("interview_id")] = iid
                records.append(rec)
                lines.append(-start)  # negative: already reported, never loaded
                continue
            records.append(rec)
            lines.append(start)
    except csv.Error as exc:
        # Rows after this point cannot be read, so any interview begun above may be incomplete:
        # hold back the whole file rather than load half an interview.
        return *_no_rows(), problems + [Problem(
            path, last + 1, None, f"unreadable CSV from here on ({exc}); expected properly quoted fields; "
            f"none of the file's rows were loaded ({len(records)} read before this line)")]
    if missing:
        n = len(records)
        problems.append(Problem(path, header_line, None,
                                f"missing required column(s) {', '.join(missing)}; expected a header with "
                                f"{', '.join(REQUIRED_COLUMNS)}; none of the file's {n} rows were loaded"))
        return *_no_rows(), problems
    if dupes:
        return *_no_rows(), problems + [Problem(path, header_line, None,
                                                 f"none of the file's {len(records)} rows were loaded")]
    if not records:
        problems.append(Problem(path, header_line, None, "no scorecard rows; expected at least one row after the header"))
        return *_no_rows(), problems
    arr = np.empty((len(records), len(names)), dtype=object)
    arr[:] = records
    return _reorder(arr, names), np.asarray(lines, dtype=np.int64), problems


def _reorder(arr: np.ndarray, names: list[str]) -> np.ndarray:
    """Columns of ``arr`` (in file order ``names``) as :data:`SCORECARD_COLUMNS`, '' where absent."""
    out = np.empty((len(arr), len(_RAW_COLUMNS)), dtype=object)
    for j, c in enumerate(_RAW_COLUMNS):
        out[:, j] = arr[:, names.index(c)] if c in names else ""
    return out


_FAST_BYTES = 1 << 16


def _parse_fast(text: str, names: list[str], header_line: int):
    """Large files (bulk imports) through pandas' C parser, when it provably gives the same rows
    and line numbers as the csv module: one physical line per record, no blank lines, the
    header's number of fields on every row. Anything else returns None and takes the slow path,
    which reports each odd record by its line."""
    try:
        df = pd.read_csv(io.StringIO(text, newline=""), header=None, skiprows=header_line, names=list(range(len(names))),
                         dtype=object, na_filter=False, skip_blank_lines=True, engine="c")
    except (pd.errors.ParserError, ValueError, csv.Error):
        return None
    n = len(df)
    if max(map(len, text.split("\n"))) > csv.field_size_limit():
        return None  # a field the csv module refuses: let the slow path report it the same way
    newlines = text.count("\n")
    expected = header_line + n - (0 if text.endswith("\n") else 1)
    if newlines != expected or "\r" in text.replace("\r\n", ""):
        return None
    if n and pd.isna(df.iloc[:, -1].to_numpy(dtype=object)).any():
        return None  # a short row was padded (its last fields are missing)
    arr = df.to_numpy(dtype=object)
    return _reorder(arr, names), np.arange(header_line + 1, header_line + 1 + n, dtype=np.int64)


def _problems_from_mask(raw, mask, column, message) -> list[Problem]:
    idx = np.flatnonzero(np.asarray(mask))
    if not len(idx):
        return []
    files = raw["file"].to_numpy()[idx]
    lines = raw["line"].to_numpy()[idx]
    values = raw[column].to_numpy()[idx] if column in raw else [""] * len(idx)
    return [Problem(str(f), int(ln), column, message(v)) for f, ln, v in zip(files, lines, values)]


def _found(v) -> str:
    v = str(v)
    return "an empty field" if v == "" else repr(v if len(v) <= 60 else v[:57] + "...")


class _Factors:
    """Each text column of raw rows factorised once: integer codes per row and stripped unique
    values. Every check and conversion then runs on the few unique values (a level, a score, a
    date) instead of a million strings, and is mapped back with the codes."""

    def __init__(self, raw: pd.DataFrame):
        self.raw = raw
        self._cache: dict[tuple[str, bool], tuple[np.ndarray, np.ndarray]] = {}

    def get(self, col: str, lower: bool = False) -> tuple[np.ndarray, np.ndarray]:
        key = (col, lower)
        if key not in self._cache:
            if lower:
                codes, uniq = self.get(col)
                norm = np.array([u.lower() for u in uniq], dtype=object)
            else:
                codes, uniq = pd.factorize(self.raw[col].to_numpy(dtype=object), use_na_sentinel=False)
                norm = np.array(["" if u is None or u is np.nan else str(u).strip() for u in uniq], dtype=object)
            # merge values that differ only in whitespace (or case, when lowered)
            codes2, uniq2 = pd.factorize(norm, use_na_sentinel=False) if len(norm) else (np.array([], np.intp), norm)
            self._cache[key] = (codes2[codes] if len(codes) else codes.astype(np.intp), np.asarray(uniq2, dtype=object))
        return self._cache[key]

    def mask(self, col: str, bad_unique, lower: bool = False) -> np.ndarray:
        codes, uniq = self.get(col, lower)
        bad_u = np.fromiter((bool(bad_unique(u)) for u in uniq), dtype=bool, count=len(uniq))
        return bad_u[codes] if len(codes) else np.zeros(0, dtype=bool)

    def values(self, col: str, lower: bool = False) -> np.ndarray:
        codes, uniq = self.get(col, lower)
        return uniq[codes] if len(codes) else np.array([], dtype=object)


def _valid_dates(uniq: np.ndarray) -> set:
    """The unique values that are real ISO dates (one vectorised parse for all of them)."""
    shaped = [u for u in uniq if re.fullmatch(_DATE_RE, u)]
    parsed = pd.to_datetime(pd.Series(shaped, dtype=object), format="%Y-%m-%d", errors="coerce")
    return {u for u, p in zip(shaped, parsed) if not pd.isna(p)}


def validate_rows(raw: pd.DataFrame, question_ids) -> tuple[pd.Series, list[Problem]]:
    """Judge raw scorecard rows (as returned by :func:`parse_csv`, with a ``file`` column).

    Returns a boolean Series, True for rows that load, and every problem found. Rows with a negative
    ``line`` were already reported by the parser. Interviews are loaded whole or not at all (see the
    module docstring); held-back interviews are named with their row count and lines.
    """
    raw = raw.reset_index(drop=True)
    loaded, problems = _judge(raw, question_ids, _Factors(raw))
    return pd.Series(loaded, index=raw.index), problems


def _judge(raw: pd.DataFrame, question_ids, f: _Factors) -> tuple[np.ndarray, list[Problem]]:
    n = len(raw)
    line_arr = raw["line"].to_numpy()
    parsed_ok = line_arr > 0
    problems: list[Problem] = []
    bad = ~parsed_ok
    for col in ("interview_id", "candidate_id", "interviewer"):
        m = parsed_ok & f.mask(col, lambda u: u == "")
        problems += _problems_from_mask(raw, m, col, lambda v: "empty; expected non-empty text")
        bad |= m
    qids = set(question_ids)
    dates = _valid_dates(f.get("date")[1])
    checks = [
        ("date", False, lambda u: u not in dates, lambda v: f"got {_found(v)}, expected an ISO date YYYY-MM-DD"),
        ("level", True, lambda u: u not in config.LEVELS,
         lambda v: f"got {_found(v)}, expected one of {', '.join(config.LEVELS)}"),
        ("question_id", False, lambda u: u not in qids,
         lambda v: f"got {_found(v)}, expected a question_id from the bank (questions.csv)"),
        ("score", False, lambda u: u not in ("1", "2", "3", "4"), lambda v: f"got {_found(v)}, expected an integer 1-4"),
        ("red_flag", True, lambda u: u not in (TRUE_VALUES | FALSE_VALUES),
         lambda v: f"got {_found(v)}, expected true/false (or yes/no, 1/0)"),
        ("recommendation", True, lambda u: u not in config.RECOMMENDATIONS,
         lambda v: f"got {_found(v)}, expected one of {', '.join(config.RECOMMENDATIONS)}"),
        ("duration_seconds", False, lambda u: not (u == "" or re.fullmatch(_NUMBER_RE, u)),
         lambda v: f"got {_found(v)}, expected empty or a number of seconds >= 0"),
    ]
    for col, lower, is_bad, msg in checks:
        m = parsed_ok & f.mask(col, is_bad, lower)
        problems += _problems_from_mask(raw, m, col, msg)
        bad |= m

    iid_codes, iid_u = f.get("interview_id")
    has_id = (iid_u == "")[iid_codes] == False if n else np.zeros(0, bool)  # noqa: E712
    file_codes, file_u = pd.factorize(raw["file"].astype(str).to_numpy(dtype=object), use_na_sentinel=False)
    file_u = np.asarray(file_u, dtype=object)
    # the same interview id in two files
    pairs = pd.DataFrame({"i": iid_codes[has_id], "f": file_codes[has_id]}).drop_duplicates()
    per_id = pairs.groupby("i")["f"].nunique()
    multi_codes = set(per_id[per_id > 1].index)
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
    fi = np.full(n, -1)
    if ok_rows.any():
        ok_idx = np.flatnonzero(ok_rows)
        u_codes, first_pos = np.unique(iid_codes[ok_idx], return_index=True)
        first_of = np.full(len(iid_u), -1)
        first_of[u_codes] = ok_idx[first_pos]
        fi[ok_idx] = first_of[iid_codes[ok_idx]]
    m_ok = ok_rows & (fi >= 0)
    for col in INTERVIEW_FIELDS:
        codes, uniq = f.get(col, lower=col in ("level", "recommendation"))
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
    key = iid_codes.astype(np.int64) * (len(q_u) + 1) + q_codes
    dup = ok_rows & pd.Series(key).duplicated(keep="first").to_numpy() if n else np.zeros(0, bool)
    if dup.any():
        problems += _problems_from_mask(raw, dup, "question_id",
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
                                    "(an interview loads whole or not at all)"))
    return ~(bad | held), problems


def to_scorecard_frame(raw: pd.DataFrame, question_ids, *, _factors: "_Factors | None" = None,
                       _rows: np.ndarray | None = None) -> pd.DataFrame:
    """Turn validated raw rows into the typed scorecard frame the analyses use.

    Columns: the scorecard columns with ``date`` datetime64, ``level`` and ``recommendation``
    ordered categoricals, ``question_id``/``interviewer`` categoricals, ``score`` int8,
    ``red_flag`` bool, ``notes`` text, ``duration_seconds`` float (NaN when absent), plus ``file``
    and ``line`` saying where each row came from.
    """
    f = _factors or _Factors(raw.reset_index(drop=True))
    rows = np.arange(len(raw)) if _rows is None else _rows

    def take(col, lower=False):
        codes, uniq = f.get(col, lower)
        return codes[rows], uniq

    def categorical(col, categories, lower=False, ordered=False):
        codes, uniq = take(col, lower)
        pos = pd.Index(categories).get_indexer(uniq)
        return pd.Categorical.from_codes(pos[codes] if len(codes) else codes, categories=list(categories), ordered=ordered)

    out = pd.DataFrame(index=pd.RangeIndex(len(rows)))
    codes, uniq = take("interview_id")
    out["interview_id"] = uniq[codes] if len(codes) else np.array([], dtype=object)
    codes, uniq = take("date")
    out["date"] = pd.to_datetime(pd.Series(uniq, dtype=object), format="%Y-%m-%d").to_numpy()[codes] if len(codes) \
        else np.array([], dtype="datetime64[ns]")
    codes, uniq = take("candidate_id")
    out["candidate_id"] = uniq[codes] if len(codes) else np.array([], dtype=object)
    out["level"] = categorical("level", config.LEVELS, lower=True, ordered=True)
    codes, uniq = take("interviewer")
    used = np.unique(codes)
    out["interviewer"] = categorical("interviewer", sorted(uniq[used]))
    out["question_id"] = categorical("question_id", list(question_ids))
    codes, uniq = take("score")
    out["score"] = np.array([int(u) if u.isdigit() else 0 for u in uniq], dtype=np.int8)[codes] if len(codes) \
        else np.array([], dtype=np.int8)
    codes, uniq = take("red_flag", lower=True)
    out["red_flag"] = np.array([u in TRUE_VALUES for u in uniq], dtype=bool)[codes] if len(codes) else np.array([], bool)
    out["notes"] = f.raw["notes"].to_numpy(dtype=object)[rows].astype(str) if len(rows) else np.array([], dtype=object)
    out["recommendation"] = categorical("recommendation", config.RECOMMENDATIONS, lower=True, ordered=True)
    codes, uniq = take("duration_seconds")
    out["duration_seconds"] = np.array([float(u) if u else np.nan for u in uniq], dtype=float)[codes] if len(codes) \
        else np.array([], dtype=float)
    out["file"] = pd.Categorical(f.raw["file"].astype(str).to_numpy(dtype=object)[rows])
    out["line"] = f.raw["line"].to_numpy()[rows].astype(np.int64)
    return out


def judge_and_type(raw: pd.DataFrame, question_ids) -> tuple[pd.DataFrame, list[Problem]]:
    """:func:`validate_rows` and :func:`to_scorecard_frame` in one pass over one factorisation:
    the typed frame of the rows that load, and every problem."""
    raw = raw.reset_index(drop=True)
    f = _Factors(raw)
    loaded, problems = _judge(raw, question_ids, f)
    return to_scorecard_frame(raw, question_ids, _factors=f, _rows=np.flatnonzero(loaded)), problems


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
    _, problems = validate_rows(raw, questions["question_id"])
    # the loader refuses a file containing NUL, so never accept one for writing
    for col in _RAW_COLUMNS:
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
                         for c in _RAW_COLUMNS}, dtype=object)
