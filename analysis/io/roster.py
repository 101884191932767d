"""The interviewer roster: one person is never split in two.

"Avery", "avery " and "AVERY" typed on three scorecards are one interviewer, but a loader that
compares text sees three, each with a third of the evidence, and the severity model ranks three
people who do not exist. The optional roster ``<data>/interviewers.csv`` says who the interviewers
are::

    interviewer,aliases,active
    Avery Chen,Avery;A. Chen,true
    Blake Moss,,false

``interviewer`` is the name the tables show, ``aliases`` other spellings separated by ``;`` (a
scorecard carrying an alias loads under the roster name), ``active`` whether the forms still offer
the name (``true``/``false``; empty = true). ``python -m analysis init`` writes an empty template.

What the loader does with it (:func:`apply_roster`):

- a scorecard name equal to a roster name or alias (after Unicode NFC, trimming and collapsing
  inner whitespace; exact letter case not required) loads under the roster name;
- a name that is not on the roster but *nearly* matches a roster name or alias (another letter case
  or spacing, or one letter added, dropped or changed) is a problem naming the file, line and the
  roster name it resembles, and its interview is held back: either it is that person (add the
  spelling to ``aliases``) or a new colleague (add a roster row);
- without a roster, names that differ only in letter case or spacing are still one person's: the
  most frequent spelling is kept and every other spelling is a problem (held back) until the
  scorecards agree or a roster names the person.

A name far from every roster name loads as it is (a new interviewer the roster does not list yet).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import config
from analysis._text import parse_flag
from analysis.errors import Problem
from analysis.io.csvfile import CsvFile, NoHeader, NotUtf8, UnreadableFrom, UnreadableHeader
from analysis.io.files import NotARegularFile, read_regular_file

__all__ = ["ROSTER_FILE", "Roster", "read_roster", "apply_roster", "roster_names"]

#: The roster's file name in a data folder (:data:`analysis.config.ROSTER_FILE`).
ROSTER_FILE = config.ROSTER_FILE


@dataclass
class Roster:
    """A read roster: ``names`` (roster name per row), ``active`` (bool per row) and ``lookup``
    (normalised spelling -> roster name, names and aliases alike)."""

    names: list[str]
    active: list[bool]
    lookup: dict[str, str]


def _key(name: str) -> str:
    """The spelling two names are compared by: NFC, trimmed, inner whitespace collapsed, casefolded."""
    text = unicodedata.normalize("NFC", str(name))
    return re.sub(r"\s+", " ", text).strip().casefold()


def _clean(name: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(name))).strip()


def read_roster(data=None) -> tuple[Roster | None, list[Problem]]:
    """Read ``<data>/interviewers.csv`` (``data`` a folder or a :class:`~analysis.config.Layout`);
    ``(None, [])`` when there is none (or it has no rows).

    Every bad row is a problem with its line (missing name, an unknown ``active`` value, a name or
    alias claimed by two roster rows); the good rows are used.
    """
    lay = config.layout(data)
    path = lay.roster
    shown = lay.display(path)
    if not path.exists() and not path.is_symlink():
        return None, []
    try:
        csv_file = CsvFile(read_regular_file(path), nul=True, skip_blank_header=False)
    except NotARegularFile as exc:
        return None, [Problem(shown, 0, None, str(exc))]
    except (OSError, NotUtf8) as exc:
        return None, [Problem(shown, 0, None, f"cannot read the roster ({exc}); expected a UTF-8 CSV file")]
    except (NoHeader, UnreadableHeader):
        return None, []
    problems: list[Problem] = []
    header = [h.strip().lower() for h in csv_file.header]
    if "interviewer" not in header:
        return None, [Problem(shown, 1, None, f"the roster's header {header!r} has no 'interviewer' column; "
                                              "expected interviewer,aliases,active")]
    col = {c: header.index(c) for c in ("interviewer", "aliases", "active") if c in header}
    names, active, lookup = [], [], {}
    try:
        for _, line, record in csv_file.records():
            if not any(v.strip() for v in record):
                continue

            def get(c):
                i = col.get(c)
                return record[i] if i is not None and i < len(record) else ""
            name = _clean(get("interviewer"))
            if not name:
                problems.append(Problem(shown, line, "interviewer", "empty roster name; expected the interviewer's name"))
                continue
            flag = parse_flag(get("active"), blank=True)
            if flag is None:
                problems.append(Problem(shown, line, "active", f"got {get('active')!r}, expected true or false"))
                continue
            spellings = [name] + [_clean(a) for a in get("aliases").split(";") if _clean(a)]
            clash = [s for s in spellings if lookup.get(_key(s), name) != name]
            if clash:
                problems.append(Problem(shown, line, "aliases", f"{clash[0]!r} is already the name or an alias of "
                                        f"{lookup[_key(clash[0])]!r}; expected each spelling on one roster row"))
                continue
            for s in spellings:
                lookup[_key(s)] = name
            names.append(name)
            active.append(flag)
    except UnreadableFrom as exc:
        problems.append(Problem(shown, exc.end, None, f"unreadable CSV ({exc})"))
    if not names:
        return None, problems
    return Roster(names, active, lookup), problems


def roster_names(data=None, *, active_only: bool = True) -> list[str] | None:
    """The roster's names (active ones by default) for the forms, or None without a roster."""
    roster, _ = read_roster(data)
    if roster is None:
        return None
    return sorted(n for n, a in zip(roster.names, roster.active) if a or not active_only)


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by exactly one inserted, deleted or changed character."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def apply_roster(scores: pd.DataFrame, roster: Roster | None) -> tuple[pd.DataFrame, list[Problem]]:
    """Map aliases to roster names and hold back interviews under near-duplicate names.

    ``scores`` is the loader's typed frame (with ``file`` and ``line``). Returns the frame to load
    and the problems: one per row whose interviewer name nearly matches another person's, and one
    per interview held back for it (an interview loads whole or not at all).
    """
    if scores.empty:
        return scores, []
    names = scores["interviewer"]
    if not isinstance(names.dtype, pd.CategoricalDtype):
        names = names.astype(str).astype("category")
    cats = [str(c) for c in names.cat.categories]
    codes = names.cat.codes.to_numpy()
    counts = np.bincount(codes[codes >= 0], minlength=len(cats))
    uniq = [c for c, n in zip(cats, counts) if n]
    mapping: dict[str, str] = {}
    suspect: dict[str, str] = {}  # spelling -> why it is held back
    if roster is not None:
        keys = roster.lookup
        for u in uniq:
            k = _key(u)
            if k in keys:
                mapping[u] = keys[k]
                continue
            near = next((keys[rk] for rk in keys if _one_edit(k, rk)), None)
            if near is not None:
                suspect[u] = (f"interviewer {u!r} is not on the roster but is one letter from {near!r}; "
                              f"add {u!r} to that person's aliases in {ROSTER_FILE}, or add a roster row if "
                              "this is someone else")
    else:
        n_of = dict(zip(cats, counts))
        by_key: dict[str, list[str]] = {}
        for u in uniq:
            by_key.setdefault(_key(u), []).append(u)
        for variants in by_key.values():
            if len(variants) < 2:
                continue
            keep = max(variants, key=lambda v: (n_of[v], v == _clean(v), v))
            for v in variants:
                if v != keep:
                    suspect[v] = (f"interviewer {v!r} differs from {keep!r} only in letter case or spacing; "
                                  f"write {keep!r} on the scorecard, or list both spellings in {ROSTER_FILE} "
                                  "(interviewer,aliases,active)")
    out = scores
    if any(mapping.get(c, c) != c for c in cats):
        # several spellings may map to one roster name: rebuild the categories by code
        target = [mapping.get(c, c) for c in cats]
        new_cats = sorted(set(target))
        pos = {c: i for i, c in enumerate(new_cats)}
        remap = np.array([pos[t] for t in target], dtype=np.int64)
        new_codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        out = scores.copy()
        out["interviewer"] = pd.Categorical.from_codes(new_codes, categories=new_cats)
    if not suspect:
        return out, []
    bad_codes = [i for i, c in enumerate(cats) if c in suspect]
    bad = np.isin(codes, bad_codes)
    problems = [Problem(str(r.file), int(r.line), "interviewer", suspect[str(r.interviewer)])
                for r in scores.loc[bad, ["file", "line", "interviewer"]].itertuples(index=False)]
    held_ids = set(scores.loc[bad, "interview_id"].astype(str))
    held = scores["interview_id"].astype(str).isin(held_ids).to_numpy()
    for (iid, f), g in scores.loc[held, ["interview_id", "file", "line"]].groupby(
            [scores.loc[held, "interview_id"].astype(str), scores.loc[held, "file"].astype(str)], sort=False):
        ls = sorted(int(x) for x in g["line"])
        span = ", ".join(str(x) for x in ls[:12]) + (", ..." if len(ls) > 12 else "")
        problems.append(Problem(f, ls[0], None, f"interview {iid!r} not loaded: its {len(ls)} row(s) on line(s) "
                                f"{span} are held back until the problems reported for it are fixed "
                                "(an interview loads whole or not at all)", tuple(ls)))
    kept = out.loc[~held]
    if isinstance(kept["interviewer"].dtype, pd.CategoricalDtype):
        kept = kept.assign(interviewer=kept["interviewer"].cat.remove_unused_categories())
    return kept, problems
