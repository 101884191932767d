"""Import scorecards from an applicant tracking system or a spreadsheet into a data folder.

``python -m analysis import SOURCE FILE... --data DIR [--map MAPPING.toml] [--dry-run]
[--level LEVEL] [--suggest-map]`` calls :func:`import_files`. Each record of the export (a
Greenhouse scorecard, a Lever feedback form, an Ashby feedback submission, a spreadsheet row)
becomes one interview in the scorecard format, validated and written by
:func:`analysis.io.store.save_interview`, or is *skipped* and named with its position in the input and
the reason. Nothing is guessed:

- a rated attribute must map to a bank question: its name equals the ``question_id`` or the
  question text (case and surrounding whitespace ignored), or the mapping's ``[questions]`` table
  names it, or the mapping's ``ignore`` list drops it. Otherwise the record is skipped
  (``unmapped_attribute``) and the closest bank questions are *suggested* (difflib), never applied;
- a rating the mapping does not know skips the record (``unknown_rating``); a rating mapped to
  ``"unscored"`` (Greenhouse ``mixed``, ``no_decision``) leaves that question out and is reported;
- a recommendation mapped to ``"skip"`` (Greenhouse ``no_decision``) skips the record
  (``no_decision``); an unknown one skips it too (``unknown_recommendation``);
- a record without a date, candidate, interviewer or level is skipped (``missing_date``, ...).

**Idempotent**: the interview id is the source's own scorecard id with a prefix (``gh-``, ``lv-``,
``ab-``, ``csv-``), so importing the same export twice adds nothing the second time and an
overlapping later export adds only the new interviews. Ids already in the data folder are counted
as *already imported*, not as skipped.

**Pseudonymous**: the ATS candidate id is replaced by ``cand-`` + the first 16 hex digits of
HMAC-SHA256 (key: ``<data>/.pseudonym_key``, 32 random bytes created on first import with mode
0600, git-ignored; keep it, or later imports give the same candidates new pseudonyms). Candidate
names are never read. Free text (answers, notes, comments) is reduced from HTML to plain text by
:func:`analysis.io.ats.html_to_text` and kept in ``notes``.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.io.ats import DEFAULT_MAPPINGS, SOURCES, SourceRecord, default_mapping, read_file
from analysis.errors import ScorecardError, StoreError, WorkbookError

__all__ = [
    "PREFIXES",
    "ImportSetupError",
    "ImportResult",
    "import_files",
    "load_mapping",
    "suggest_mapping",
    "pseudonym",
    "pseudonym_key",
    "existing_interview_ids",
    "to_toml",
    "prepare_data_folder",
    "SAMPLES_DIR",
]

#: The sample exports the tests and notebook 07 use (a source checkout only).
SAMPLES_DIR = config.REPO_DIR / "tests" / "data" / "ats"

#: Interview id prefix of each source: ``gh-<scorecard id>`` etc.
PREFIXES = {"greenhouse": "gh", "lever": "lv", "ashby": "ab", "csv": "csv"}
KEY_FILE = ".pseudonym_key"
_MAPPING_KEYS = {"ignore", "fields", "questions", "ratings", "recommendations", "red_flag", "levels"}
_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0", ""}


class ImportSetupError(WorkbookError):
    """The import cannot start: unknown source, missing file, unreadable mapping, no bank. The
    message says what to fix (the command exits 2)."""


def _norm(value) -> str:
    """Normalised enumeration key: lower case, spaces and dashes as ``_``, ``3.0`` as ``3``."""
    s = str(value).strip().lower()
    if re.fullmatch(r"[0-9]+\.0+", s):
        s = s.split(".")[0]
    return re.sub(r"[\s\-]+", "_", s)


def _name_key(value) -> str:
    return str(value).strip().casefold()


# --- the mapping ----------------------------------------------------------------------------------

def load_mapping(source: str, path=None, questions: pd.DataFrame | None = None) -> dict:
    """The mapping of ``source``: its :data:`~analysis.io.ats.DEFAULT_MAPPINGS` updated by a TOML file.

    The file's tables (``[fields]``, ``[questions]``, ``[ratings]``, ``[recommendations]``,
    ``[red_flag]``, ``[levels]``) update the defaults key by key; ``ignore`` and the lists inside
    ``[fields]``/``[red_flag]`` replace them. ``questions`` (the bank) is used to check that every
    ``[questions]`` target is a bank id.

    Raises
    ------
    ImportSetupError
        The file is unreadable, has an unknown table (a typo), or maps to values that do not exist
        (a question id not in the bank, a score outside 1-4, an unknown level or recommendation).
    """
    if source not in SOURCES:
        raise ImportSetupError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    mapping = default_mapping(source)
    if path is not None:
        path = Path(path)
        try:
            user = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ImportSetupError(f"{path}: cannot read the mapping ({exc}); expected a UTF-8 TOML file "
                               "(write a starting one with --suggest-map)") from None
        unknown = sorted(set(user) - _MAPPING_KEYS)
        if unknown:
            raise ImportSetupError(f"{path}: unknown key(s) {', '.join(unknown)}; expected "
                               f"{', '.join(sorted(_MAPPING_KEYS))}")
        for key, value in user.items():
            if key == "ignore":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ImportSetupError(f"{path}: ignore must be a list of attribute names")
                mapping["ignore"] = value
            elif not isinstance(value, dict):
                raise ImportSetupError(f"{path}: [{key}] must be a table, got {type(value).__name__}")
            elif key in ("fields", "red_flag"):
                for k, v in value.items():
                    if isinstance(v, str):
                        v = [v]
                    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                        raise ImportSetupError(f"{path}: [{key}] {k} must be a list of strings")
                    mapping[key][k] = v
            else:
                mapping[key].update(value)
        mapping["_path"] = str(path)
    _check_mapping(mapping, questions, path or f"default {source} mapping")
    return mapping


def _check_mapping(m: dict, questions, where) -> None:
    ratings = {}
    for k, v in m["ratings"].items():
        if v == "unscored" or (isinstance(v, int) and not isinstance(v, bool) and v in config.SCORES):
            ratings[_norm(k)] = v
        else:
            raise ImportSetupError(f"{where}: [ratings] {k!r} = {v!r}; expected an integer 1-4 or \"unscored\"")
    m["ratings"] = ratings
    recs = {}
    for k, v in m["recommendations"].items():
        if v not in (*config.RECOMMENDATIONS, "skip"):
            raise ImportSetupError(f"{where}: [recommendations] {k!r} = {v!r}; expected one of "
                               f"{', '.join(config.RECOMMENDATIONS)} or \"skip\"")
        recs[_norm(k)] = v
    m["recommendations"] = recs
    levels = {}
    for k, v in m["levels"].items():
        if v not in config.LEVELS:
            raise ImportSetupError(f"{where}: [levels] {k!r} = {v!r}; expected one of {', '.join(config.LEVELS)}")
        levels[k.strip().lower()] = v
    m["levels"] = levels
    ids = set(questions["question_id"]) if questions is not None else None
    table = {}
    for k, v in m["questions"].items():
        if not isinstance(v, str) or (ids is not None and v not in ids):
            close = difflib.get_close_matches(str(v), sorted(ids or []), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ImportSetupError(f"{where}: [questions] {k!r} = {v!r} is not a question_id of the bank{hint}")
        table[_name_key(k)] = v
    m["questions"] = table
    m["ignore_keys"] = {_name_key(x) for x in m["ignore"]}
    m["red_flag"].setdefault("ratings", [])
    m["red_flag"].setdefault("tags", [])
    m["flag_ratings"] = {_norm(x) for x in m["red_flag"]["ratings"]}
    m["flag_tags"] = [t.strip().lower() for t in m["red_flag"]["tags"] if t.strip()]


class _Bank:
    """Finds the question an attribute name means: mapping table, exact id, exact text."""

    def __init__(self, questions: pd.DataFrame, mapping: dict):
        self.table = mapping["questions"]
        self.by_id = {_name_key(q): q for q in questions["question_id"]}
        self.by_text = {}
        for q, t in zip(questions["question_id"], questions["question"]):
            self.by_text.setdefault(_name_key(t), q)
        self.choices = {**{k: v for k, v in self.by_id.items()}, **self.by_text}

    def find(self, name: str) -> str | None:
        k = _name_key(name)
        return self.table.get(k) or self.by_id.get(k) or self.by_text.get(k)

    def suggest(self, name: str, n: int = 3) -> list[tuple[str, float]]:
        """Close bank questions (difflib ratio ≥ 0.6 on id or text), best first: suggestions only."""
        k = _name_key(name)
        scored = {}
        for key, qid in self.choices.items():
            r = difflib.SequenceMatcher(None, k, key).ratio()
            if r >= 0.6 and r > scored.get(qid, 0):
                scored[qid] = r
        return sorted(scored.items(), key=lambda kv: -kv[1])[:n]


# --- pseudonyms -----------------------------------------------------------------------------------

def pseudonym_key(data=None, *, create: bool = True) -> bytes | None:
    """The data folder's pseudonym key (``<data>/.pseudonym_key``), created with mode 0600 when
    absent and ``create``; None when absent and not ``create`` (a dry run writes nothing)."""
    path = config.data_dir(data) / KEY_FILE
    for _ in range(2):
        try:
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            if not create:
                return None
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # another import created it: read that one
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportSetupError(f"{path}: unreadable pseudonym key ({exc})") from None
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            raise ImportSetupError(f"{path}: damaged pseudonym key (expected 64 hex digits); restore it from a "
                               "backup: a new key would give every candidate a new pseudonym")
        return bytes.fromhex(text)
    raise ImportSetupError(f"{path}: could not create the pseudonym key")


def pseudonym(candidate: str, key: bytes, source: str) -> str:
    """``cand-`` + 16 hex digits of HMAC-SHA256(key, ``source:candidate``): the same ATS candidate
    always maps to the same pseudonym under one key, and without the key the ATS id cannot be
    recovered or checked by hashing guesses."""
    digest = hmac.new(key, f"{source}:{candidate}".encode("utf-8", "surrogatepass"), hashlib.sha256)
    return "cand-" + digest.hexdigest()[:16]


# --- existing interviews --------------------------------------------------------------------------

def existing_interview_ids(data=None) -> set[str]:
    """Every ``interview_id`` in the folder's scorecard files, valid or not (a file the loader
    rejects still owns its id: importing it again would only create a duplicate)."""
    from analysis.io.load import scorecard_files
    ids: set[str] = set()
    files = scorecard_files(data)
    if len(files) > 2000:
        from tqdm.auto import tqdm
        files = tqdm(files, desc="finding imported interviews", unit="file")
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8-sig", errors="replace")
            reader = csv.reader(io.StringIO(text, newline=""))
            header = [h.strip().lower() for h in next(reader, [])]
            if "interview_id" not in header:
                continue
            j = header.index("interview_id")
            ids.update(r[j].strip() for r in reader if len(r) > j and r[j].strip())
        except (OSError, csv.Error):
            continue
    return ids


# --- the result -----------------------------------------------------------------------------------

@dataclass
class ImportResult:
    """What an import did. ``imported``, ``skipped``, ``already`` and ``remarks`` are lists of
    dicts (see :meth:`tables`); every record of the input is in exactly one of the first three."""

    source: str
    dry_run: bool = False
    imported: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    already: list[dict] = field(default_factory=list)
    remarks: list[dict] = field(default_factory=list)

    @property
    def n_records(self) -> int:
        return len(self.imported) + len(self.skipped) + len(self.already)

    @property
    def n_rows(self) -> int:
        return sum(r["rows"] for r in self.imported)

    def summary(self) -> str:
        """``imported N interviews (R rows), skipped K: reason n, ...; A already imported``."""
        counts: dict[str, int] = {}
        for s in self.skipped:
            counts[s["reason"]] = counts.get(s["reason"], 0) + 1
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(counts.items()))
        return (f"imported {len(self.imported)} interviews ({self.n_rows} rows), skipped {len(self.skipped)}"
                + (f": {reasons}" if reasons else "") + f"; {len(self.already)} already imported")

    def lines(self) -> list[str]:
        """The full report: every skipped record, every remark, then the summary."""
        out = [f"skipped {s['position']}{_rid(s)}: {s['reason']}: {s['message']}" for s in self.skipped]
        out += [f"note {r['position']}{_rid(r)}: {r['message']}" for r in self.remarks]
        out.append(self.summary())
        if self.dry_run:
            out.append("dry run: nothing was written (run again without --dry-run to import)")
        return out

    def skipped_table(self) -> pd.DataFrame:
        """Skipped records: ``position``, ``record`` (the source's id), ``reason``, ``message``."""
        return pd.DataFrame(self.skipped, columns=["position", "record", "reason", "message"])

    def remarks_table(self) -> pd.DataFrame:
        """Imported records with something left out: ``position``, ``record``, ``message``."""
        return pd.DataFrame(self.remarks, columns=["position", "record", "message"])

    def imported_table(self) -> pd.DataFrame:
        """Imported interviews: ``position``, ``record``, ``interview_id``, ``rows``, ``path``."""
        return pd.DataFrame(self.imported, columns=["position", "record", "interview_id", "rows", "path"])


def _rid(entry) -> str:
    return f" ({entry['record']})" if entry.get("record") else ""


class _Skip(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason, self.message = reason, message


# --- converting one record ------------------------------------------------------------------------

def _level_of(rec: SourceRecord, mapping: dict, level: str | None) -> str:
    derived, how = None, ""
    if rec.level:
        derived = rec.level.strip().lower()
        if derived not in config.LEVELS:
            raise _Skip("unknown_level", f"level {rec.level!r}; expected one of {', '.join(config.LEVELS)}")
        how = "the export's level column"
    elif mapping["levels"]:
        hits = {}
        for name in rec.level_names:
            for key, lv in mapping["levels"].items():
                if re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", name.lower()):
                    hits.setdefault(lv, f"{name!r} contains {key!r}")
        if len(hits) > 1:
            raise _Skip("level_ambiguous", "the mapping's [levels] give " +
                        "; ".join(f"{lv} ({why})" for lv, why in hits.items()) + "; expected one level")
        if hits:
            derived, how = next(iter(hits.items()))
    if derived and level and derived != level:
        raise _Skip("level_conflict", f"--level {level} but {how} gives {derived}")
    if derived or level:
        return derived or level
    names = ", ".join(repr(n) for n in rec.level_names) or "none"
    raise _Skip("missing_level", f"no candidate level (job/interview names: {names}); pass --level LEVEL "
                "or map names to levels in the mapping's [levels] table")


def _flag(raw: str | None, rating_key: str, note: str, mapping: dict) -> bool:
    flag = False
    if raw is not None:
        k = raw.strip().lower()
        if k in _TRUE:
            flag = True
        elif k not in _FALSE:
            raise _Skip("unknown_red_flag", f"red flag {raw!r}; expected true/false, yes/no, 1/0 or x")
    if rating_key in mapping["flag_ratings"]:
        flag = True
    low = note.lower()
    if any(t in low for t in mapping["flag_tags"]):
        flag = True
    return flag


def _convert(rec: SourceRecord, source: str, mapping: dict, bank: _Bank, key: bytes,
             level: str | None) -> tuple[str, pd.DataFrame, list[str]]:
    """(interview id, rows as dicts, remarks) of one record, or raise :class:`_Skip`."""
    if rec.unreadable:
        raise _Skip(*rec.unreadable)
    if rec.source_id is None and not rec.key_from_content:
        why = next((m for w, m in rec.odd if w == "id"), None)
        raise _Skip("missing_id", (why or "no scorecard id") + f"; expected {', '.join(mapping['fields'].get('id', []))}"
                    " to hold the source's own id (it keys the import)")
    if rec.withdrawn:
        raise _Skip("withdrawn", "the feedback form was withdrawn (deletedAt is set)")
    if not rec.recommendation:
        raise _Skip("missing_recommendation", "no overall recommendation in "
                    f"{', '.join(mapping['fields'].get('recommendation', [])) or 'the score-system field'}")
    rkey = _norm(rec.recommendation)
    rec_map = mapping["recommendations"]
    recommendation = rec_map.get(rkey)
    if recommendation is None:
        m = re.match(r"^([0-9]+)\s*[-–:.]", rec.recommendation.strip())
        if m:
            recommendation = rec_map.get(m.group(1))
    if recommendation == "skip":
        raise _Skip("no_decision", f"overall recommendation {rec.recommendation!r} makes no decision; "
                    "the record is not imported")
    if recommendation is None:
        raise _Skip("unknown_recommendation", f"overall recommendation {rec.recommendation!r}; the mapping knows "
                    f"{', '.join(sorted(rec_map))} (add it to [recommendations])")
    if rec.date is None:
        if rec.date_problem:
            raise _Skip("bad_date", rec.date_problem)
        raise _Skip("missing_date", f"no interview date in {', '.join(mapping['fields'].get('date', [])) or 'the record'}")
    if rec.candidate is None:
        why = next((m for w, m in rec.odd if w == "candidate"), None)
        raise _Skip("missing_candidate", why or f"no candidate id in {', '.join(mapping['fields'].get('candidate', []))}")
    if rec.interviewer is None:
        why = next((m for w, m in rec.odd if w == "interviewer"), None)
        raise _Skip("missing_interviewer", why or
                    f"no interviewer in {', '.join(mapping['fields'].get('interviewer', []))}")
    if rec.source_id is None:
        # a spreadsheet without a key column: a keyed hash of date, candidate and interviewer
        msg = f"{rec.date}|{rec.candidate}|{rec.interviewer}".encode("utf-8", "surrogatepass")
        rec.source_id = "k" + hmac.new(key, msg, hashlib.sha256).hexdigest()[:12]
    odd_items = [m for w, m in rec.odd if w == "unmapped_attribute"]
    if odd_items:
        raise _Skip("unmapped_attribute", "; ".join(odd_items))
    lvl = _level_of(rec, mapping, level)

    remarks: list[str] = []
    rows: list[dict] = []
    unmapped: list[str] = []
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for item in rec.items:
        k = _name_key(item.name)
        if k in mapping["ignore_keys"]:
            continue  # the mapping says so: not a question of the bank
        qid = bank.find(item.name)
        rk = _norm(item.rating)
        if qid is None and (not rk or mapping["ratings"].get(rk) == "unscored") and not item.note and not item.red_flag:
            # an unrated attribute of the ATS template carries nothing to lose: report it, import the rest
            remarks.append(f"attribute {item.name!r} maps to no question and is unrated "
                           f"({item.rating or 'no rating'}): left out")
            continue
        if qid is None:
            close = bank.suggest(item.name)
            hint = (" closest: " + ", ".join(f"{q} ({r:.2f})" for q, r in close) + "; map it in [questions] "
                    "if one is meant") if close else " no close bank question; map it in [questions] or list it in ignore"
            unmapped.append(f"{item.name!r} maps to no question;{hint}")
            continue
        if qid in seen:
            raise _Skip("duplicate_question", f"{item.name!r} and {seen[qid]!r} both map to {qid}; "
                        "expected each question once per interview")
        seen[qid] = item.name
        if not rk:
            remarks.append(f"{qid} left unscored: {item.name!r} has no rating")
            continue
        score = mapping["ratings"].get(rk)
        if score is None:
            unknown.append(f"{item.name!r} rated {item.rating!r}")
            continue
        if score == "unscored":
            remarks.append(f"{qid} left unscored: {item.name!r} rated {item.rating!r}")
            continue
        rows.append(dict(question_id=qid, score=score, red_flag=_flag(item.red_flag, rk, item.note, mapping),
                         notes=item.note))
    if unmapped:
        raise _Skip("unmapped_attribute", "; ".join(unmapped))
    if unknown:
        raise _Skip("unknown_rating", "; ".join(unknown) + f"; the mapping knows {', '.join(sorted(mapping['ratings']))} "
                    "(add it to [ratings])")
    if not rows:
        raise _Skip("no_scored_questions", "no question of the bank was scored")
    general = []
    by_q = {r["question_id"]: r for r in rows}
    for label, text in rec.notes:
        qid = bank.find(label)
        if qid in by_q:
            by_q[qid]["notes"] = "\n".join(t for t in (by_q[qid]["notes"], text) if t)
        else:
            general.append(f"{label}: {text}")
    if general:
        rows[0]["notes"] = "\n".join(t for t in (rows[0]["notes"], *general) if t)
    interview_id = f"{PREFIXES[source]}-{rec.source_id}"
    common = dict(interview_id=interview_id, date=rec.date, candidate_id=pseudonym(rec.candidate, key, source),
                  level=lvl, interviewer=rec.interviewer, recommendation=recommendation)
    return interview_id, [{**common, **r} for r in rows], remarks


_FRAME_COLUMNS = ["interview_id", "date", "candidate_id", "level", "interviewer", "question_id",
                  "score", "red_flag", "notes", "recommendation"]


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=_FRAME_COLUMNS)


def _fingerprint(rows: list[dict]) -> str:
    return json.dumps([[str(r[c]) for c in _FRAME_COLUMNS if c != "candidate_id"] + [r["candidate_id"]]
                       for r in rows])


# --- the command ----------------------------------------------------------------------------------

def _check_inputs(source, files, level):
    if source not in SOURCES:
        raise ImportSetupError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if level is not None and level not in config.LEVELS:
        raise ImportSetupError(f"--level {level!r}; expected one of {', '.join(config.LEVELS)}")
    files = [Path(f) for f in files]
    if not files:
        raise ImportSetupError("no export file given; expected one or more FILE arguments")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ImportSetupError(f"no such file: {', '.join(missing)}")
    return files


def _load_bank(data):
    from analysis.io.bank import load_questions
    from analysis.errors import BankError
    folder = config.data_dir(data)
    if not (folder / "questions.csv").is_file():
        raise ImportSetupError(f"{folder}: no questions.csv; expected a data folder with the question bank "
                           "(copy data/questions.csv into it) and a scores/ folder")
    try:
        return load_questions(folder)
    except BankError as exc:
        raise ImportSetupError(f"the question bank is unusable:\n{exc}") from None


def import_files(source: str, files, data=None, *, mapping=None, dry_run: bool = False,
                 level: str | None = None, progress: bool | None = None) -> ImportResult:
    """Import one or more export files of ``source`` into the data folder ``data``.

    Parameters
    ----------
    source : {"greenhouse", "lever", "ashby", "csv"}
        Which export format the files are.
    files : list of path-like
        The export files: JSON as the API returns it (a list, or one page ``{"data": [...]}``/
        ``{"results": [...]}``; several page files may be given) or, for ``csv``, spreadsheets in
        wide form.
    data : path-like, optional
        The data folder (default :func:`analysis.config.data_dir`); it must hold ``questions.csv``.
    mapping : path-like or dict, optional
        A TOML mapping file (see :func:`load_mapping`) or an already loaded mapping; default: the
        source's documented defaults.
    dry_run : bool, default False
        Judge every record exactly as an import would, but write nothing (not even the key).
    level : {"junior", "mid", "senior"}, optional
        The candidate level of every record whose export and mapping give none. A record whose
        level column or ``[levels]`` mapping gives another level is skipped (``level_conflict``).
    progress : bool, optional
        Show a tqdm progress bar: always (True), never (False), or for imports of more than 50
        records (None, the default).

    Returns
    -------
    ImportResult
        ``imported``, ``skipped``, ``already`` (ids already in the folder or earlier in this input),
        ``remarks`` (questions left unscored, attributes ignored); ``summary()`` is the line the
        command prints, ``skipped_table()`` a DataFrame of the skipped records.

    Raises
    ------
    ImportSetupError
        The import cannot start (unknown source or level, missing file, bad mapping, no bank).

    Notes
    -----
    Every record of the input ends up in exactly one of ``imported``, ``skipped`` and ``already``:
    ``len(imported) + len(skipped) + len(already)`` is the number of records read (a file that
    cannot be read at all counts as one skipped record). A record is written only after
    :func:`analysis.io.scorecards.validate_interview` accepts it, through
    :func:`analysis.io.store.save_interview`, which never overwrites.
    """
    from analysis.io.scorecards import validate_interview
    from analysis.io.store import save_interview

    files = _check_inputs(source, files, level)
    questions = _load_bank(data)
    m = mapping if isinstance(mapping, dict) else load_mapping(source, mapping, questions)
    bank = _Bank(questions, m)
    folder = config.data_dir(data)
    existing = existing_interview_ids(folder) if config.scores_dir(folder).is_dir() else set()
    key = pseudonym_key(folder, create=not dry_run)
    if key is None:
        key = secrets.token_bytes(32)  # dry run: pseudonyms are never shown, nothing is written
    records: list[SourceRecord] = []
    for f in files:
        records += read_file(source, f, m, display=_display(f))
    result = ImportResult(source, dry_run=dry_run)
    first: dict[str, tuple[str, str]] = {}
    iterator = records
    if progress or (progress is None and len(records) > 50):
        from tqdm.auto import tqdm
        iterator = tqdm(records, desc=f"importing {source}", unit="record")
    for rec in iterator:
        rid = rec.source_id or ""
        try:
            interview_id, rows, remarks = _convert(rec, source, m, bank, key, level)
        except _Skip as s:
            result.skipped.append(dict(position=rec.position, record=rid, reason=s.reason, message=s.message))
            continue
        except Exception as exc:  # a reader bug must not lose the rest of the import
            result.skipped.append(dict(position=rec.position, record=rid, reason="internal_error",
                                       message=f"{type(exc).__name__}: {exc} (please report this)"))
            continue
        fp = _fingerprint(rows)
        if interview_id in first:
            pos, fp0 = first[interview_id]
            if fp0 == fp:
                result.already.append(dict(position=rec.position, record=rid, interview_id=interview_id))
            else:
                result.skipped.append(dict(position=rec.position, record=rid, reason="duplicate_id",
                                           message=f"{interview_id} is also {pos}, with different content; "
                                                   "expected one record per scorecard id"))
            continue
        first[interview_id] = (rec.position, fp)
        if interview_id in existing:
            result.already.append(dict(position=rec.position, record=rid, interview_id=interview_id))
            continue
        frame = _frame(rows)
        path = ""
        try:
            if dry_run:  # the same judgement save_interview makes, without the write
                problems = validate_interview(frame, questions, path=rec.position)
                if problems:
                    raise ScorecardError(problems)
            else:
                path = str(save_interview(frame, folder, questions=questions))
        except ScorecardError as exc:
            result.skipped.append(dict(position=rec.position, record=rid, reason="invalid",
                                       message="; ".join(p.message if not p.column else f"{p.column}: {p.message}"
                                                         for p in exc.problems)))
            continue
        except StoreError as exc:
            if "already saved" in str(exc):
                result.already.append(dict(position=rec.position, record=rid, interview_id=interview_id))
            else:
                result.skipped.append(dict(position=rec.position, record=rid, reason="write_failed",
                                           message=str(exc)))
            continue
        except OSError as exc:
            result.skipped.append(dict(position=rec.position, record=rid, reason="write_failed",
                                       message=f"{exc.strerror or exc}: {exc.filename or folder}"))
            continue
        result.imported.append(dict(position=rec.position, record=rid, interview_id=interview_id,
                                    rows=len(rows), path=path))
        result.remarks += [dict(position=rec.position, record=rid, message=r) for r in remarks]
    return result


def prepare_data_folder(folder, bank=None) -> Path:
    """Make ``folder`` a data folder to import into: create it and an empty ``scores/``, and copy the
    question bank (default: the workbook's ``data/questions.csv``) unless it has one. Never
    overwrites or deletes anything."""
    import shutil
    folder = Path(folder)
    (folder / "scores").mkdir(parents=True, exist_ok=True)
    target = folder / "questions.csv"
    if not target.exists():
        source = Path(bank) if bank is not None else config.questions_path(None)
        shutil.copyfile(source, target)
    return folder


def _display(path: Path) -> str:
    return path.name if path.is_absolute() else str(path)


# --- --suggest-map --------------------------------------------------------------------------------

def _toml_str(s: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, plus DEL which TOML also requires escaped)."""
    return json.dumps(str(s), ensure_ascii=False).replace("\x7f", "\\u007f")


def to_toml(value) -> str:
    """A TOML value for a string, integer, boolean or list of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(to_toml(v) for v in value) + "]"
    return _toml_str(value)


def suggest_mapping(source: str, files, data=None) -> str:
    """A starting mapping file (TOML text) for ``files``: the source's defaults written out, every
    attribute name found with the question it already matches or, commented out, the closest bank
    questions (to check and uncomment), and the ratings, recommendations and job/interview names
    seen that the defaults do not cover."""
    files = _check_inputs(source, files, None)
    questions = _load_bank(data)
    m = load_mapping(source, None, questions)
    bank = _Bank(questions, m)
    defaults = DEFAULT_MAPPINGS[source]
    records = [r for f in files for r in read_file(source, f, m, display=_display(f))]
    names: dict[str, None] = {}
    ratings: dict[str, str] = {}
    recs: dict[str, str] = {}
    levels: dict[str, None] = {}
    for r in records:
        for it in r.items:
            names.setdefault(it.name)
            if it.rating and _norm(it.rating) not in m["ratings"]:
                ratings.setdefault(_norm(it.rating), it.rating)
        if r.recommendation and _norm(r.recommendation) not in m["recommendations"] and not re.match(
                r"^[0-9]+\s*[-–:.]", r.recommendation):
            recs.setdefault(_norm(r.recommendation), r.recommendation)
        for n in r.level_names:
            levels.setdefault(n)
    out = [f"# Mapping for `python -m analysis import {source} ... --map THIS_FILE`",
           f"# written by --suggest-map from {len(records)} records of {', '.join(_display(f) for f in files)}.",
           "# Nothing here is applied until you check it: commented lines are suggestions.", "",
           "# attribute names to drop without a score (not questions of the bank)",
           f"ignore = {to_toml(defaults['ignore'])}", "", "[fields]",
           "# where each value is read from: dotted paths tried in order ('a+b' joins two with a space)"]
    out += [f"{k} = {to_toml(v)}" for k, v in defaults["fields"].items()]
    out += ["", "[questions]", "# attribute name = question_id; exact ids and exact question texts "
            "(case and surrounding spaces ignored) match without a line here"]
    for name in names:
        qid = bank.find(name)
        if qid:
            out.append(f"# {_toml_str(name)} matches {qid} already")
            continue
        close = bank.suggest(name)
        if close:
            out.append(f"# {_toml_str(name)} = {_toml_str(close[0][0])}  # suggested (similarity "
                       f"{close[0][1]:.2f}; also {', '.join(q for q, _ in close[1:]) or 'none'}): check, then uncomment")
        else:
            out.append(f"# {_toml_str(name)} = \"\"  # no close bank question: map it, or add it to ignore")
    out += ["", "[ratings]", "# source rating = score 1-4, or \"unscored\" (the question is left out, reported)"]
    out += [f"{_toml_str(k)} = {to_toml(v)}" for k, v in defaults["ratings"].items()]
    out += [f"# {_toml_str(raw)} = ?  # seen in the file, not mapped: records rated so are skipped"
            for raw in ratings.values()]
    out += ["", "[recommendations]", "# source recommendation = strong_no/no/yes/strong_yes, or \"skip\" "
            "(the record is skipped, reported)"]
    out += [f"{_toml_str(k)} = {to_toml(v)}" for k, v in defaults["recommendations"].items()]
    out += [f"# {_toml_str(raw)} = ?  # seen in the file, not mapped: these records are skipped"
            for raw in recs.values()]
    out += ["", "[red_flag]", "# a question gets red_flag = true when its rating is one of these, or its note",
            "# contains one of these tags (case ignored); otherwise false",
            f"ratings = {to_toml(list(defaults['red_flag']['ratings']))}",
            f"tags = {to_toml(list(defaults['red_flag']['tags']))}", "",
            "[levels]", "# a word or phrase of the job / interview names = junior, mid or senior",
            "# (or give --level LEVEL for a whole export)"]
    for n in levels:
        low = n.lower()
        guess = next((lv for lv, words in (("senior", ("senior", "staff", "principal", "lead")),
                                           ("junior", ("junior", "graduate", "intern", "entry")),
                                           ("mid", ("mid", "intermediate"))) if any(w in low for w in words)), None)
        out.append(f"# {_toml_str(n)} = {_toml_str(guess or '')}  # seen in the file")
    return "\n".join(out) + "\n"
