"""The scorecard format, and turning raw CSV text into validated rows.

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

from . import config
from .errors import Problem

__all__ = [
    "SCORECARD_COLUMNS",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "INTERVIEW_FIELDS",
    "TRUE_VALUES",
    "FALSE_VALUES",
    "parse_csv",
    "validate_rows",
    "validate_interview",
    "to_scorecard_frame",
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


def _empty_raw() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in _RAW_COLUMNS})
    frame["line"] = pd.Series([], dtype=np.int64)
    return frame


def parse_csv(data: bytes, path: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse one scorecard file's bytes into raw string rows, without judging the values.

    Returns a frame with every scorecard column as text ('' where absent) plus ``line``, the 1-based
    physical line the record starts on, and the problems that stop rows from being read at all
    (undecodable bytes, an empty file, missing columns, a wrong number of fields). Every record of
    the file is either in the frame or named in a problem.
    """
    if not data.strip():
        return _empty_raw(), [Problem(path, 0, None, "empty file; expected a header row and scorecard rows")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return _empty_raw(), [Problem(path, line, None,
                                      f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                                      "expected UTF-8 text: re-export the file as 'CSV UTF-8'")]
    if "\x00" in text:
        return _empty_raw(), [Problem(path, 0, None, "contains NUL bytes; expected a UTF-8 CSV text file")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        while not any(h.strip() for h in header):
            header = next(reader)
    except StopIteration:
        return _empty_raw(), [Problem(path, 0, None, "no header row; expected a header and scorecard rows")]
    except csv.Error as exc:
        return _empty_raw(), [Problem(path, 1, None, f"unreadable header ({exc})")]
    header_line = reader.line_num
    names = [h.strip().lower() for h in header]
    problems: list[Problem] = []
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        problems.append(Problem(path, header_line, None, f"duplicate column(s) {', '.join(dupes)}; "
                                "expected each column once"))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
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
        return _empty_raw(), problems + [Problem(
            path, last + 1, None, f"unreadable CSV from here on ({exc}); expected properly quoted fields; "
            f"none of the file's rows were loaded ({len(records)} read before this line)")]
    if missing:
        n = len(records)
        problems.append(Problem(path, header_line, None,
                                f"missing required column(s) {', '.join(missing)}; expected a header with "
                                f"{', '.join(REQUIRED_COLUMNS)}; none of the file's {n} rows were loaded"))
        return _empty_raw(), problems
    if dupes:
        return _empty_raw(), problems + [Problem(path, header_line, None,
                                                 f"none of the file's {len(records)} rows were loaded")]
    if records:
        arr = np.array(records, dtype=object)
        cols = {c: arr[:, names.index(c)] if c in names else np.full(len(records), "", dtype=object)
                for c in _RAW_COLUMNS}
        raw = pd.DataFrame(cols)
        raw["line"] = np.asarray(lines, dtype=np.int64)
    else:
        raw = _empty_raw()
        problems.append(Problem(path, header_line, None, "no scorecard rows; expected at least one row after the header"))
    return raw, problems


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


def validate_rows(raw: pd.DataFrame, question_ids) -> tuple[pd.Series, list[Problem]]:
    """Judge raw scorecard rows (as returned by :func:`parse_csv`, with a ``file`` column).

    Returns a boolean Series, True for rows that load, and every problem found. Rows with a negative
    ``line`` were already reported by the parser. Interviews are loaded whole or not at all (see the
    module docstring); held-back interviews are named with their row count and lines.
    """
    raw = raw.reset_index(drop=True)
    s = {c: raw[c].astype(str).str.strip() for c in _RAW_COLUMNS}
    low = {c: s[c].str.lower() for c in ("level", "recommendation", "red_flag")}
    parsed_ok = raw["line"].to_numpy() > 0
    problems: list[Problem] = []
    bad = ~parsed_ok
    for col in ("interview_id", "candidate_id", "interviewer"):
        m = parsed_ok & (s[col] == "").to_numpy()
        problems += _problems_from_mask(raw, m, col, lambda v: "empty; expected non-empty text")
        bad |= m
    checks = [
        ("date", ~(s["date"].str.fullmatch(_DATE_RE) & pd.to_datetime(s["date"], format="%Y-%m-%d", errors="coerce").notna()),
         lambda v: f"got {_found(v)}, expected an ISO date YYYY-MM-DD"),
        ("level", ~low["level"].isin(config.LEVELS),
         lambda v: f"got {_found(v)}, expected one of {', '.join(config.LEVELS)}"),
        ("question_id", ~s["question_id"].isin(set(question_ids)),
         lambda v: f"got {_found(v)}, expected a question_id from the bank (questions.csv)"),
        ("score", ~(s["score"].isin(["1", "2", "3", "4"])),
         lambda v: f"got {_found(v)}, expected an integer 1-4"),
        ("red_flag", ~low["red_flag"].isin(TRUE_VALUES | FALSE_VALUES),
         lambda v: f"got {_found(v)}, expected true/false (or yes/no, 1/0)"),
        ("recommendation", ~low["recommendation"].isin(config.RECOMMENDATIONS),
         lambda v: f"got {_found(v)}, expected one of {', '.join(config.RECOMMENDATIONS)}"),
        ("duration_seconds", ~((s["duration_seconds"] == "") | s["duration_seconds"].str.fullmatch(_NUMBER_RE).fillna(False)),
         lambda v: f"got {_found(v)}, expected empty or a number of seconds >= 0"),
    ]
    for col, mask, msg in checks:
        m = parsed_ok & mask.fillna(True).to_numpy()
        problems += _problems_from_mask(raw, m, col, msg)
        bad |= m

    iid = s["interview_id"]
    has_id = (iid != "").to_numpy()
    key = pd.DataFrame({"iid": iid, "file": raw["file"].astype(str)})
    # the same interview id in two files
    files_per_id = key[has_id].groupby("iid", sort=False)["file"].nunique()
    multi = set(files_per_id[files_per_id > 1].index)
    if multi:
        first = key[has_id & iid.isin(multi).to_numpy()].drop_duplicates(["iid", "file"])
        for r in first.itertuples():
            others = sorted(set(key.loc[(iid == r.iid).to_numpy(), "file"]) - {r.file})
            problems.append(Problem(r.file, int(raw.at[r.Index, "line"]) if raw.at[r.Index, "line"] > 0 else -int(raw.at[r.Index, "line"]),
                                    "interview_id", f"interview {r.iid!r} is also in {', '.join(others)}; "
                                    "expected each interview in one file (remove or rename one copy)"))
    # fields that differ within one interview: compare to the interview's first row
    norm = {c: (low[c] if c in low else s[c]) for c in INTERVIEW_FIELDS}
    ok_rows = has_id & parsed_ok
    first_idx = pd.Series(np.arange(len(raw)))[ok_rows].groupby(iid[ok_rows].to_numpy(), sort=False).transform("first")
    fi = np.full(len(raw), -1)
    fi[ok_rows] = first_idx.to_numpy()
    for col in INTERVIEW_FIELDS:
        vals = norm[col].to_numpy()
        m = ok_rows & (fi >= 0)
        diff = np.zeros(len(raw), dtype=bool)
        diff[m] = vals[m] != vals[fi[m]]
        if diff.any():
            for i in np.flatnonzero(diff):
                problems.append(Problem(str(raw.at[i, "file"]), int(raw.at[i, "line"]), col,
                                        f"got {_found(s[col].iat[i])} but line {raw.at[fi[i], 'line']} of interview "
                                        f"{iid.iat[i]!r} has {_found(s[col].iat[fi[i]])}; expected the same {col} on every "
                                        "row of one interview"))
            bad |= diff
    # the same question twice in one interview
    dup = (ok_rows & pd.DataFrame({"i": iid, "q": s["question_id"]}).duplicated(keep="first").to_numpy())
    if dup.any():
        problems += _problems_from_mask(raw, dup, "question_id",
                                        lambda v: f"question {v!r} appears twice in this interview; expected each question once")
        bad |= dup
    # hold back whole interviews with any bad row
    bad_ids = set(iid[bad & has_id]) | multi
    held = has_id & iid.isin(bad_ids).to_numpy()
    if bad_ids:
        lines = np.abs(raw["line"].to_numpy())
        sub = pd.DataFrame({"iid": iid[held], "file": raw["file"][held].astype(str), "line": lines[held]})
        for (i, f), g in sub.groupby(["iid", "file"], sort=False):
            ls = sorted(g["line"])
            span = ", ".join(str(x) for x in ls[:12]) + (", ..." if len(ls) > 12 else "")
            problems.append(Problem(f, ls[0], None, f"interview {i!r} not loaded: its {len(ls)} row(s) on "
                                    f"line(s) {span} are held back until the problems reported for it are fixed "
                                    "(an interview loads whole or not at all)"))
    loaded = pd.Series(~(bad | held), index=raw.index)
    return loaded, problems


def to_scorecard_frame(raw: pd.DataFrame, question_ids) -> pd.DataFrame:
    """Turn validated raw rows into the typed scorecard frame the analyses use.

    Columns: the scorecard columns with ``date`` datetime64, ``level`` and ``recommendation``
    ordered categoricals, ``question_id``/``interviewer`` categoricals, ``score`` int8,
    ``red_flag`` bool, ``notes`` text, ``duration_seconds`` float (NaN when absent), plus ``file``
    and ``line`` saying where each row came from.
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    st = {c: raw[c].astype(str).str.strip() for c in _RAW_COLUMNS}
    out["interview_id"] = st["interview_id"].to_numpy()
    out["date"] = pd.to_datetime(st["date"].to_numpy(), format="%Y-%m-%d")
    out["candidate_id"] = st["candidate_id"].to_numpy()
    out["level"] = pd.Categorical(st["level"].str.lower(), categories=config.LEVELS, ordered=True)
    out["interviewer"] = pd.Categorical(st["interviewer"])
    out["question_id"] = pd.Categorical(st["question_id"], categories=list(question_ids))
    out["score"] = st["score"].astype(np.int8).to_numpy()
    out["red_flag"] = st["red_flag"].str.lower().isin(TRUE_VALUES).to_numpy()
    out["notes"] = raw["notes"].astype(str).to_numpy()
    out["recommendation"] = pd.Categorical(st["recommendation"].str.lower(), categories=config.RECOMMENDATIONS, ordered=True)
    out["duration_seconds"] = pd.to_numeric(st["duration_seconds"].replace("", np.nan)).astype(float).to_numpy()
    out["file"] = pd.Categorical(raw["file"].astype(str))
    out["line"] = raw["line"].to_numpy().astype(np.int64)
    return out


def validate_interview(rows: pd.DataFrame, questions: pd.DataFrame, path: str = "<interview>") -> list[Problem]:
    """Check one interview given as a DataFrame (what a form or :func:`analysis.store.save_interview`
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
