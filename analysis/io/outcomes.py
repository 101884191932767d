"""The optional outcomes of a data folder: ``outcomes.csv``, read and validated.

One row per candidate: ``candidate_id``, ``decision`` (``hired``, ``rejected``, ``withdrew``) and
``performance`` (the on-the-job rating 1-5 of a hired candidate, empty when unknown). The loader
(:func:`analysis.io.load.load`) reads it beside the scorecards; the calibration uses it when the
criterion is the decision or the performance.

A file with no problem at all goes through the columnar engine (:mod:`analysis.io._engine`), which
gives exactly the csv-module path's frame; anything else is read by the one CSV reader
(:mod:`analysis.io.csvfile`) and every bad row is named with its line.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import Problem
from analysis.io import _engine
from analysis.io.csvfile import CsvFile, NoHeader, NotUtf8, UnreadableFrom, UnreadableHeader, duplicates, wrong_width
from analysis.io.files import read_regular_file, unreadable
from analysis.io.schema import nfc

__all__ = ["load_outcomes"]


def load_outcomes(data=None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the optional ``outcomes.csv``: ``candidate_id``, ``decision`` (hired / rejected /
    withdrew), ``performance`` (on-the-job rating 1-5, empty when unknown).

    Bad rows are reported and not loaded; a candidate listed twice is reported on the second line.
    """
    lay = config.layout(data)
    path = lay.outcomes
    name = lay.display(path)
    empty = pd.DataFrame({"candidate_id": pd.Series([], dtype=str),
                          "decision": pd.Categorical([], categories=config.DECISIONS),
                          "performance": pd.Series([], dtype=float)})
    if not os.path.lexists(path):
        return empty, []
    try:
        raw_bytes = read_regular_file(path)
        fast = _outcomes_fast(raw_bytes)
        if fast is not None:
            return fast, []
        csv_file = CsvFile(raw_bytes, nul=True, skip_blank_header=False)
        header = [h.strip().lower() for h in csv_file.header]
    except OSError as exc:
        return empty, [Problem(name, 0, None, unreadable(str(path), exc))]
    except NotUtf8 as exc:
        return empty, [Problem(name, 0, None, f"not UTF-8 ({exc.reason}); expected a UTF-8 CSV")]
    except NoHeader:
        header = []  # reported below as missing columns
    except UnreadableHeader as exc:
        return empty, [Problem(name, exc.line, None, f"unreadable header ({exc}); expected candidate_id, decision, "
                               "performance")]
    dupes = duplicates(header)
    if dupes:
        return empty, [Problem(name, 1, None, f"duplicate column(s) {', '.join(dupes)}; expected each column once "
                               "(column names are compared ignoring case)")]
    missing = [c for c in ("candidate_id", "decision") if c not in header]
    if missing:
        return empty, [Problem(name, 1, None, f"missing required column(s) {', '.join(missing)}; "
                               "expected candidate_id, decision, performance")]
    rows, problems, seen = [], [], {}
    try:
        for start, _, rec in csv_file.records():
            width = wrong_width(rec, len(header))
            if width:
                problems.append(Problem(name, start, None, width))
                continue
            r = {h: v.strip() for h, v in zip(header, rec)}
            cid, dec, perf = nfc(r["candidate_id"]), r["decision"].lower(), r.get("performance", "")
            bad = []
            if not cid:
                bad.append(("candidate_id", "empty; expected a candidate id"))
            elif cid in seen:
                bad.append(("candidate_id", f"candidate {cid!r} already on line {seen[cid]}; expected one row per candidate"))
            if dec not in config.DECISIONS:
                bad.append(("decision", f"got {r['decision']!r}, expected one of {', '.join(config.DECISIONS)}"))
            lo, hi = config.PERFORMANCE_RANGE
            if perf and not (perf.isascii() and perf.isdigit() and lo <= int(perf) <= hi):
                bad.append(("performance", f"got {perf!r}, expected empty or an integer {lo}-{hi}"))
            elif perf and dec != "hired":
                bad.append(("performance", f"got a rating for a candidate whose decision is {dec!r}; "
                                           "expected performance only for hired candidates"))
            if bad:
                problems += [Problem(name, start, c, m) for c, m in bad]
                continue
            seen[cid] = start
            rows.append((cid, dec, float(perf) if perf else np.nan))
    except UnreadableFrom as exc:  # e.g. a field over the csv module's size limit
        problems.append(Problem(name, exc.line, None, f"unreadable CSV from here on ({exc}); expected properly "
                                "quoted fields; the rows from here on were not loaded"))
    if not rows:
        return empty, problems
    out = pd.DataFrame(rows, columns=["candidate_id", "decision", "performance"])
    out["decision"] = pd.Categorical(out["decision"], categories=config.DECISIONS)
    return out, problems


def _outcomes_fast(data: bytes):
    """``outcomes.csv`` through the columnar engine when it provably has no problem at all (then
    the frame is exactly the csv-module path's); None otherwise, and the csv-module path below
    reads it and names every problem. Checks run on unique values: one Python call per distinct
    decision or rating, not per candidate."""
    import pyarrow as pa  # deferred: pyarrow costs start-up time, and only loading needs it
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data or not data.isascii():
        return None  # unusual: let the csv-module path judge it
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return None
        data = data.replace(b"\r\n", b"\n")
    nl = data.find(b"\n")
    if nl < 0 or b'"' in data[:nl]:
        return None
    header = [h.strip().lower() for h in data[:nl].decode().split(",")]
    if len(set(header)) != len(header) or "candidate_id" not in header or "decision" not in header:
        return None
    body = data[nl + 1:]
    if not body.strip():
        return None
    if not body.endswith(b"\n"):
        body += b"\n"
    got = _engine._read_body(body, len(header))
    if got is None:
        return None
    plain, rows, plain_idx, q_idx, n = got
    def column(name):
        j = header.index(name)
        parts = []
        if plain is not None:
            parts += plain.column(j).chunks
        if len(q_idx):
            parts.append(pa.array([r[j] for r in rows], pa.large_string()))
        col = pa.chunked_array(parts, pa.large_string())
        if len(q_idx) and plain is not None:
            col = col.take(pa.array(np.argsort(np.concatenate([plain_idx, q_idx]), kind="stable")))
        return col
    c_codes, c_uniq, c_plain, c_arrow = _engine.to_codes(column("candidate_id"), plain=True, arrow=True)
    if not c_plain.all() or len(c_uniq) != n or (c_uniq == "").any():
        return None  # whitespace, non-ASCII, empty or repeated ids: the csv-module path reports or normalises
    d_codes, d_uniq = _engine.to_codes(column("decision"))
    d_norm = [u.strip().lower() for u in d_uniq]
    if any(d not in config.DECISIONS for d in d_norm):
        return None
    lo, hi = config.PERFORMANCE_RANGE
    if "performance" in header:
        p_codes, p_uniq = _engine.to_codes(column("performance"))
        p_norm = [u.strip() for u in p_uniq]
        if any(p and not (p.isascii() and p.isdigit() and lo <= int(p) <= hi) for p in p_norm):
            return None
        rated = np.array([p != "" for p in p_norm], dtype=bool)[p_codes]
        hired = (np.array(d_norm, dtype=object) == "hired")[d_codes]
        if (rated & ~hired).any():
            return None
        perf = np.array([float(p) if p else np.nan for p in p_norm], dtype=float)[p_codes]
    else:
        perf = np.full(n, np.nan)
    dec_pos = pd.Index(config.DECISIONS).get_indexer(d_norm)
    return pd.DataFrame({"candidate_id": _engine.text_array(c_codes, c_arrow),  # the ids are plain: as read
                         "decision": pd.Categorical.from_codes(dec_pos[d_codes], categories=list(config.DECISIONS)),
                         "performance": perf})
