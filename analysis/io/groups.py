"""Self-reported group attributes of candidates: ``<data>/candidates.csv``, read and validated.

The file is optional and is read **only** by :mod:`analysis.stats.fairness`. It is kept apart from the
scorecards so that nothing about a candidate's gender, ethnicity or age can reach the calibration
tables, the charts, the explorer or the default report: none of those modules imports this one.

Format
------
UTF-8 CSV (a byte-order mark, CRLF line ends and stray whitespace are tolerated, as for every
other file of a data folder)::

    candidate_id,gender,age_band
    C00001,woman,under_40
    C00002,,40_plus          <- empty = not disclosed

``candidate_id`` (any letter case in the header) plus one column per self-reported attribute, with
any names. Values are kept as typed (trimmed); an empty cell means *not disclosed* and is never
guessed or imputed.

What is refused, each with file and line (:class:`analysis.errors.Problem`)
---------------------------------------------------------------------------
- the file as a whole: not UTF-8, NUL bytes, no header, no ``candidate_id`` column, no attribute
  column, an empty or duplicate column name, unreadable CSV (the rows from there on are not read);
- a row: the wrong number of fields, an empty ``candidate_id``, a candidate already listed on an
  earlier line (the second line is reported and not used: which of the two is right cannot be
  known), a candidate id found in no scorecard and no outcome (when the known ids are given: a
  typo there would silently drop the candidate from every comparison).

Every data row is either in the returned frame or named in a problem, never both.

>>> from analysis.io.groups import load_groups
>>> groups, problems = load_groups("path/to/data")            # doctest: +SKIP
>>> groups.columns.tolist()                                    # doctest: +SKIP
['candidate_id', 'gender', 'age_band']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import config
from analysis.errors import Problem, _ProblemsError
from analysis.io.csvfile import (CsvFile, EmptyFile, HasNul, NoHeader, NotUtf8, UnreadableFrom, UnreadableHeader,
                                 duplicates, wrong_width)

__all__ = ["GroupsError", "GROUPS_FILE", "groups_path", "load_groups", "parse_groups", "attributes", "NOT_DISCLOSED"]

#: File name of the group attributes inside a data folder (:data:`analysis.config.CANDIDATES_FILE`).
GROUPS_FILE = config.CANDIDATES_FILE
#: How a not-disclosed value is labelled in the fairness tables (the file itself leaves it empty).
NOT_DISCLOSED = "(not disclosed)"


class GroupsError(_ProblemsError):
    """The group attributes file is missing or has no usable row; ``.problems`` says why."""


def groups_path(data=None) -> Path:
    """``<data>/candidates.csv`` of a data folder or :class:`~analysis.config.Layout`."""
    return config.layout(data).candidates


def attributes(groups: pd.DataFrame) -> list[str]:
    """The attribute columns of a frame from :func:`load_groups` (everything but ``candidate_id``)."""
    return [c for c in groups.columns if c != "candidate_id"]


def _empty(names=()) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in ("candidate_id", *names)})


def parse_groups(data: bytes, path: str, *, known_candidates=None) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse the bytes of a ``candidates.csv`` into a frame and the problems found.

    Parameters
    ----------
    data : bytes
        The file's content.
    path : str
        The name to put in problems (relative to the data folder where possible).
    known_candidates : iterable of str, optional
        Candidate ids of the scorecards (and outcomes). A row naming any other id is reported as
        unknown and not used. ``None`` skips that check.

    Returns
    -------
    groups : DataFrame
        ``candidate_id`` then one column per attribute in file order, object dtype, ``None`` where
        not disclosed. Column names are trimmed; ``candidate_id`` is matched in any letter case.
    problems : list of Problem
        Everything that was not used, with line and column.
    """
    try:
        csv_file = CsvFile(data)
    except EmptyFile:
        return _empty(), [Problem(path, 0, None, "empty file; expected a header 'candidate_id,<attribute>,...' "
                                                  "and one row per candidate")]
    except NotUtf8 as exc:
        return _empty(), [Problem(path, exc.line, None, f"not UTF-8 (byte 0x{exc.byte:02x} at offset "
                                                         f"{exc.offset}); expected UTF-8 text: re-export as 'CSV UTF-8'")]
    except HasNul:
        return _empty(), [Problem(path, 0, None, "contains NUL bytes; expected a UTF-8 CSV text file")]
    except NoHeader:
        return _empty(), [Problem(path, 0, None, "no header row; expected 'candidate_id,<attribute>,...'")]
    except UnreadableHeader as exc:
        return _empty(), [Problem(path, exc.line, None, f"unreadable header ({exc}); expected "
                                                         "'candidate_id,<attribute>,...'")]
    header_line = csv_file.header_line
    names = [h.strip() for h in csv_file.header]
    lowered = [n.lower() for n in names]
    if "candidate_id" not in lowered:
        return _empty(), [Problem(path, header_line, None, f"no candidate_id column (found {', '.join(map(repr, names))}); "
                                                            "expected 'candidate_id' and one column per attribute")]
    if any(not n for n in names):
        return _empty(), [Problem(path, header_line, None, f"column {names.index('') + 1} has no name; "
                                                            "expected a name for every attribute column")]
    dupes = duplicates(lowered)
    if dupes:
        return _empty(), [Problem(path, header_line, None, f"duplicate column(s) {', '.join(dupes)} "
                                                            "(names are compared in any letter case); "
                                                            "expected each column once")]
    id_col = lowered.index("candidate_id")
    names[id_col] = "candidate_id"
    attrs = [n for i, n in enumerate(names) if i != id_col]
    if not attrs:
        return _empty(), [Problem(path, header_line, None, "no attribute column; expected 'candidate_id' plus one "
                                                            "column per self-reported attribute (e.g. gender)")]
    known = None if known_candidates is None else set(map(str, known_candidates))
    rows: list[list] = []
    seen: dict[str, int] = {}
    dup_ids: set[str] = set()
    problems: list[Problem] = []
    try:
        for start, _, rec in csv_file.records():
            width = wrong_width(rec, len(names))
            if width:
                problems.append(Problem(path, start, None, f"{width} (as in the header)"))
                continue
            vals = [v.strip() for v in rec]
            cid = vals[id_col]
            if not cid:
                problems.append(Problem(path, start, "candidate_id", "empty; expected the candidate's id as in "
                                                                     "the scorecards"))
            elif cid in seen:
                dup_ids.add(cid)
                problems.append(Problem(path, start, "candidate_id", f"candidate {cid!r} already on line "
                                                                     f"{seen[cid]}; expected one row per candidate "
                                                                     "(neither row's answers are guessed: fix one)"))
            elif known is not None and cid not in known:
                problems.append(Problem(path, start, "candidate_id", f"candidate {cid!r} is in no scorecard or "
                                                                     "outcome; expected an id from the scorecards "
                                                                     "(a typo here drops the candidate from every "
                                                                     "comparison)"))
                seen[cid] = start
            else:
                seen[cid] = start
                rows.append([cid] + [v if v else None for i, v in enumerate(vals) if i != id_col])
    except UnreadableFrom as exc:
        problems.append(Problem(path, exc.line, None, f"unreadable CSV from here on ({exc}); expected properly "
                                                      "quoted fields; the rows from here on were not read"))
    # a duplicate makes both rows doubtful: drop the first one as well, and say so
    if dup_ids:
        kept = []
        for r in rows:
            if r[0] in dup_ids:
                problems.append(Problem(path, seen[r[0]], "candidate_id", f"candidate {r[0]!r} is listed again "
                                                                          "further down; this row is not used "
                                                                          "either until one of them is removed"))
            else:
                kept.append(r)
        rows = kept
    frame = pd.DataFrame(rows, columns=["candidate_id", *attrs], dtype=object) if rows else _empty(attrs)
    return frame, sorted(problems, key=lambda p: (p.line, p.column or ""))


def load_groups(data=None, path=None, *, known_candidates=None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and validate the group attributes of a data folder.

    Parameters
    ----------
    data : path-like or :class:`~analysis.config.Layout`, optional
        The data folder (default :func:`analysis.config.data_dir`).
    path : path-like, optional
        Another file to read instead of ``<data>/candidates.csv`` (``--groups FILE``).
    known_candidates : iterable of str, optional
        See :func:`parse_groups`.

    Returns
    -------
    groups, problems
        As :func:`parse_groups`. A missing file gives an empty frame and one problem saying where
        the file was looked for.
    """
    lay = config.layout(data)
    file = Path(path) if path is not None else lay.candidates
    name = lay.display(file)
    if not file.exists():
        return _empty(), [Problem(name, 0, None, "not found; expected a CSV 'candidate_id,<attribute>,...' with the "
                                                 "candidates' self-reported groups (or pass --groups FILE)")]
    try:
        content = file.read_bytes()
    except OSError as exc:
        return _empty(), [Problem(name, 0, None, f"cannot read: {exc}")]
    return parse_groups(content, name, known_candidates=known_candidates)
