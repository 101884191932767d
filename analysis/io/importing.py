"""Import scorecards from an applicant tracking system or a spreadsheet into a data folder.

``python -m analysis import SOURCE FILE... --data DIR [--map MAPPING.toml] [--dry-run]
[--level LEVEL] [--suggest-map]`` calls :func:`import_files`. Each record of the export (a
Greenhouse scorecard, a Lever feedback form, an Ashby feedback submission, a spreadsheet row)
becomes one interview in the scorecard format, validated and written by
:func:`analysis.io.store.save_interview`, or is *skipped* and named with its position in the input and
the reason. Nothing is guessed:

- a rated attribute must map to a bank question, any version, retired ones included: its name
  equals the ``question_id``, a version label (``mid-caching v2``) or the text of a version (case
  and surrounding whitespace ignored), or the mapping's ``[questions]`` table names it, or the
  mapping's ``ignore`` list drops it. Otherwise the record is skipped (``unmapped_attribute``) and
  the closest bank questions are *suggested* (difflib), never applied;
- **question versions**: a row matched by a version's text or label is written with that
  ``question_version`` (an old export's old wording is the old version, whatever its date; a
  version introduced after the interview's date is refused, ``invalid``); a row matched by the id
  (or a text all versions share) is written with the version in force on the interview's date
  (:func:`analysis.io.store.save_interview`). A retired question's history is imported; one dated
  after the question was retired loads with a warning of ``check``;
- a rating the mapping does not know skips the record (``unknown_rating``); a rating mapped to
  ``"unscored"`` (Greenhouse ``mixed``, ``no_decision``) leaves that question out and is reported;
- a recommendation mapped to ``"skip"`` (Greenhouse ``no_decision``) skips the record
  (``no_decision``); an unknown one skips it too (``unknown_recommendation``);
- a record without a date, candidate, interviewer or level is skipped (``missing_date``, ...).

**Idempotent, and never blind to a correction**: the interview id is the source's own scorecard id
with the importer's prefix (``gh-``, ``lv-``, ``ab-``, ``csv-``: :attr:`analysis.io.importers.Importer.prefix`;
a source whose ids are unique only inside one file, the ``csv`` spreadsheet, also puts the source's
name in it: ``csv-<source name>-<id>``). A record whose id is already stored is compared with the
stored interview by content (:mod:`analysis.io.store_update`): the same content is *already
imported*; other content is *held back* with every change named, or, with ``update=True``, replaced,
the previous file kept in ``history/``. So importing the same export twice adds nothing, an
overlapping later export adds only the new interviews, and a corrected scorecard is never dropped.

**Pseudonymous**: the ATS candidate id is replaced by ``cand-`` + the first 16 hex digits of
HMAC-SHA256 (key: ``<data>/.pseudonym_key``, 32 random bytes created on first import with mode
0600, git-ignored; keep it, or later imports give the same candidates new pseudonyms; see
:mod:`analysis.io.pseudonyms`). Candidate names are never read. Free text (answers, notes, comments)
is reduced from HTML to plain text by :func:`analysis.io.ats_record.html_to_text` and kept in
``notes``.

The import is spread over modules of one topic each: the sources (:mod:`analysis.io.importers`, the
registry, and :mod:`analysis.io.ats`, the readers), the checks before the first record and the mapping
(:mod:`analysis.io.import_setup`), the pseudonyms (:mod:`analysis.io.pseudonyms`) and the starting
mapping of ``--suggest-map`` (:mod:`analysis.io.suggest_map`). This module holds the run: converting
each record, and what the run did (:class:`ImportResult`).
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import config
from analysis._text import parse_flag
from analysis.errors import ScorecardError, StoreError
from analysis.io.ats_record import SourceRecord
from analysis.io.create import create_data_folder
from analysis.io.id_index import norm_id
from analysis.io.import_setup import (ImportSetupError, QuestionMatcher, check_inputs, display_name, importer,
                                      load_bank, load_mapping, name_key, norm_key, source_name_of)
from analysis.io.importers import IMPORTERS, Importer, read_file
from analysis.io.load import scorecard_files
from analysis.io.pseudonyms import keyed_id, pseudonym, pseudonym_key
from analysis.io.validation import validate_interview
from analysis.io.store import save_interview
from analysis.io.store_update import Version, differences, replace_interview, stored_versions, version_of

__all__ = ["ImportResult", "import_files", "existing_interviews", "prepare_data_folder", "SAMPLES_DIR"]

#: The sample exports the tests and notebook 07 use (a source checkout only).
SAMPLES_DIR = config.REPO_DIR / "tests" / "data" / "ats"


# --- existing interviews --------------------------------------------------------------------------

def existing_interviews(data=None) -> dict[str, Path]:
    """Every ``interview_id`` in the folder's scorecard files, valid or not, with the first file
    holding it (a file the loader rejects still owns its id: a re-import compares against it)."""
    ids: dict[str, Path] = {}
    files = scorecard_files(data)
    if len(files) > 2000:
        from tqdm.auto import tqdm  # deferred: tqdm.auto probes for Jupyter widgets, only a large folder needs it
        files = tqdm(files, desc="finding imported interviews", unit="file")
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8-sig", errors="replace")
            reader = csv.reader(io.StringIO(text, newline=""))
            header = [h.strip().lower() for h in next(reader, [])]
            if "interview_id" not in header:
                continue
            j = header.index("interview_id")
            for r in reader:
                if len(r) > j and r[j].strip():
                    ids.setdefault(norm_id(r[j]), path)
        except (OSError, csv.Error):
            continue
    return ids


# --- the result -----------------------------------------------------------------------------------

@dataclass
class ImportResult:
    """What an import did. Every record of the input is in exactly one of ``imported``, ``updated``
    (a changed interview replaced, ``--update``), ``already`` (stored with the same content),
    ``conflicts`` (stored with other content and held back) and ``skipped``; ``remarks`` are notes on
    imported records. Each is a list of dicts (see the ``*_table`` methods)."""

    source: str
    dry_run: bool = False
    imported: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    already: list[dict] = field(default_factory=list)
    remarks: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)

    @property
    def n_records(self) -> int:
        """Records read: imported + updated + already + conflicts + skipped."""
        return sum(map(len, (self.imported, self.updated, self.already, self.conflicts, self.skipped)))

    @property
    def n_rows(self) -> int:
        return sum(r["rows"] for r in self.imported)

    @property
    def ok(self) -> bool:
        """Nothing skipped and nothing held back (the command exits 0)."""
        return not self.skipped and not self.conflicts

    def summary(self) -> str:
        """``imported N interviews (R rows), updated U, skipped K: reason n, ...; A already
        imported; C held back``."""
        counts: dict[str, int] = {}
        for s in self.skipped:
            counts[s["reason"]] = counts.get(s["reason"], 0) + 1
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(counts.items()))
        return (f"imported {len(self.imported)} interviews ({self.n_rows} rows), updated {len(self.updated)}, "
                f"skipped {len(self.skipped)}" + (f": {reasons}" if reasons else "")
                + f"; {len(self.already)} already imported; {len(self.conflicts)} held back")

    def lines(self) -> list[str]:
        """The full report: every skipped record, every record held back or updated, every remark,
        what to do about what was held back, then the summary (last, but for the dry run's note)."""
        out = [f"skipped {s['position']}{_rid(s)}: {s['reason']}: {s['message']}" for s in self.skipped]
        out += [f"held back {c['position']}{_rid(c)}: {c['message']}" for c in self.conflicts]
        verb = "would update" if self.dry_run else "updated"
        out += [f"{verb} {u['position']}{_rid(u)}: {u['message']}" for u in self.updated]
        out += [f"note {r['position']}{_rid(r)}: {r['message']}" for r in self.remarks]
        if self.conflicts:
            out.append(f"{len(self.conflicts)} interview(s) changed since they were imported were not imported: "
                       "check the changes above, then import again with --update to replace them (the stored "
                       f"versions are kept in {config.HISTORY_DIR}/)")
        out.append(self.summary())
        if self.dry_run:
            out.append("dry run: nothing was written (run again without --dry-run to import)")
        return out

    def skipped_table(self) -> pd.DataFrame:
        """Skipped records: ``position``, ``record`` (the source's id), ``reason``, ``message``."""
        return pd.DataFrame(self.skipped, columns=["position", "record", "reason", "message"])

    def conflicts_table(self) -> pd.DataFrame:
        """Records held back: ``position``, ``record``, ``interview_id``, ``stored`` (the file holding
        the stored version), ``changes`` (what the new version changes, ``; ``-separated)."""
        return pd.DataFrame(self.conflicts, columns=["position", "record", "interview_id", "stored", "changes"])

    def updated_table(self) -> pd.DataFrame:
        """Interviews replaced: ``position``, ``record``, ``interview_id``, ``rows``, ``path``,
        ``previous`` (where the stored version was kept), ``changes``."""
        return pd.DataFrame(self.updated, columns=["position", "record", "interview_id", "rows", "path",
                                                   "previous", "changes"])

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
        flag = parse_flag(raw, blank=False)  # a blank red-flag cell means no red flag
        if flag is None:
            raise _Skip("unknown_red_flag", f"red flag {raw!r}; expected true/false, yes/no, 1/0 or x")
    if rating_key in mapping["flag_ratings"]:
        flag = True
    low = note.lower()
    if any(t in low for t in mapping["flag_tags"]):
        flag = True
    return flag


def _convert(rec: SourceRecord, source: Importer, mapping: dict, bank: QuestionMatcher, key: bytes,
             level: str | None, scope: str | None = None) -> tuple[str, list[dict], list[str]]:
    """(interview id, rows as dicts, remarks) of one record, or raise :class:`_Skip`. ``scope`` is the
    source name a file-local id is qualified with (see :func:`import_files`)."""
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
    rkey = norm_key(rec.recommendation)
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
        rec.source_id = keyed_id(rec.date, rec.candidate, rec.interviewer, key)
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
        k = name_key(item.name)
        if k in mapping["ignore_keys"]:
            continue  # the mapping says so: not a question of the bank
        qid, version = bank.find_version(item.name)
        rk = norm_key(item.rating)
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
        rows.append(dict(question_id=qid, question_version="" if version is None else str(version), score=score,
                         red_flag=_flag(item.red_flag, rk, item.note, mapping), notes=item.note))
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
    interview_id = f"{source.prefix}-{_scoped(rec, scope)}"
    common = dict(interview_id=interview_id, date=rec.date, candidate_id=pseudonym(rec.candidate, key, source.name),
                  level=lvl, interviewer=rec.interviewer, recommendation=recommendation)
    return interview_id, [{**common, **r} for r in rows], remarks


def _scoped(rec: SourceRecord, scope: str | None) -> str:
    """The record's id, qualified by the source name when it is unique only inside its file (a
    keyed hash of date, candidate and interviewer is content, the same in any file: not qualified)."""
    return rec.source_id if scope is None or rec.key_from_content else f"{scope}-{rec.source_id}"


_FRAME_COLUMNS = ["interview_id", "date", "candidate_id", "level", "interviewer", "question_id",
                  "question_version", "score", "red_flag", "notes", "recommendation"]


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=_FRAME_COLUMNS)


# --- the command ----------------------------------------------------------------------------------

def import_files(source: str, files, data=None, *, mapping=None, dry_run: bool = False,
                 level: str | None = None, progress: bool | None = None, update: bool = False,
                 source_name: str | None = None) -> ImportResult:
    """Import one or more export files of ``source`` into the data folder ``data``.

    Parameters
    ----------
    source : str
        Which export format the files are: a name of :data:`analysis.io.importers.IMPORTERS`
        (``greenhouse``, ``lever``, ``ashby``, ``csv``, and any importer registered since).
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
    update : bool, default False
        Replace a stored interview whose content changed (a scorecard corrected in the ATS) instead
        of holding it back; the previous file is kept in ``history/`` (:mod:`analysis.io.store_update`).
    source_name : str, optional
        For a source whose ids are unique only inside one file (:attr:`Importer.local_ids
        <analysis.io.importers.Importer.local_ids>`: the ``csv`` spreadsheet's ``interview_id``
        column), the name that qualifies them: ``csv-<source name>-<id>``. Default: each file's name
        without its extension. Lower-cased, anything but letters, digits, ``_`` and ``-`` becomes
        ``-`` (:func:`analysis.io.import_setup.source_name_of`). Give the same name to every re-export
        of one sheet, whatever its file is called.

    Returns
    -------
    ImportResult
        ``imported``, ``updated``, ``already`` (stored with the same content, or earlier in this
        input), ``conflicts`` (stored with other content and held back), ``skipped`` and
        ``remarks``; ``summary()`` is the line the command prints, ``lines()`` the whole report.

    Raises
    ------
    ImportSetupError
        The import cannot start (unknown source or level, missing file, bad mapping, no bank, a
        source name with no letter or digit).

    Notes
    -----
    **Re-import policy.** A record whose interview id is already stored is compared with the stored
    interview by content (:func:`analysis.io.store_update.version_of`: interview fields and every
    question's score, red flag and notes, canonical form). The same content: *already imported*.
    Other content: *held back*, naming the stored file and every change, unless ``update`` is set,
    when it is *updated* (replaced atomically, the previous file kept in ``history/``). Two records
    of one input with one id and different content are both unsafe to pick from: the second is
    skipped (``duplicate_id``, naming the first and the changes).

    Every record of the input ends up in exactly one of ``imported``, ``updated``, ``already``,
    ``conflicts`` and ``skipped``: their lengths add up to the number of records read (a file that
    cannot be read at all counts as one skipped record). A record is written only after
    :func:`analysis.io.validation.validate_interview` accepts it.
    """
    files = check_inputs(source, files, level)
    source_importer = importer(source)
    if source_name is not None and not source_importer.local_ids:
        raise ImportSetupError(f"--source-name is for sources whose ids are unique only inside one file "
                               f"({', '.join(n for n, i in IMPORTERS.items() if i.local_ids)}); {source} "
                               "scorecard ids are unique in the ATS and are kept as they are: drop --source-name")
    scopes = {f: (source_name_of(source_name or f.stem) if source_importer.local_ids else None) for f in files}
    lay = config.layout(data)
    questions = load_bank(lay)
    m = mapping if isinstance(mapping, dict) else load_mapping(source, mapping, questions)
    bank = QuestionMatcher(questions, m)
    run = _Run(lay, questions, ImportResult(source, dry_run=dry_run), update)
    key = pseudonym_key(lay, create=not dry_run)
    if key is None:
        key = secrets.token_bytes(32)  # dry run: pseudonyms are never shown, nothing is written
    records: list[tuple[SourceRecord, str | None]] = []
    for f in files:
        records += [(rec, scopes[f]) for rec in read_file(source, f, m, display=display_name(f))]
    iterator = records
    if progress or (progress is None and len(records) > 50):
        from tqdm.auto import tqdm  # deferred: tqdm.auto probes for Jupyter widgets, only a long import needs it
        iterator = tqdm(records, desc=f"importing {source}", unit="record")
    for rec, scope in iterator:
        rid = rec.source_id or ""
        try:
            interview_id, rows, remarks = _convert(rec, source_importer, m, bank, key, level, scope)
        except _Skip as s:
            run.result.skipped.append(dict(position=rec.position, record=rid, reason=s.reason, message=s.message))
            continue
        except Exception as exc:  # a reader bug must not lose the rest of the import
            run.result.skipped.append(dict(position=rec.position, record=rid, reason="internal_error",
                                           message=f"{type(exc).__name__}: {exc} (please report this)"))
            continue
        legacy = f"{source_importer.prefix}-{rec.source_id}" if scope is not None and not rec.key_from_content else None
        run.place(dict(position=rec.position, record=rid, interview_id=interview_id), rows, remarks, legacy)
    return run.result


class _Run:
    """Where each converted record goes: imported, updated, already, held back or skipped."""

    def __init__(self, lay: config.Layout, questions: pd.DataFrame, result: ImportResult, update: bool):
        self.lay, self.questions, self.result, self.update = lay, questions, result, update
        self.existing = existing_interviews(lay) if lay.scores.is_dir() else {}
        self.first: dict[str, tuple[str, Version]] = {}  # interview id -> (position, version) in this input
        self._files: dict[Path, dict[str, Version]] = {}

    def stored(self, interview_id: str) -> tuple[Path, Version | None] | None:
        """The file holding a stored interview and its version (None if it cannot be read), or None."""
        path = self.existing.get(norm_id(interview_id))
        if path is None:
            return None
        if path not in self._files:
            self._files[path] = stored_versions(path)
        return path, self._files[path].get(norm_id(interview_id))

    def place(self, entry: dict, rows: list[dict], remarks: list[str], legacy: str | None) -> None:
        result, interview_id, new = self.result, entry["interview_id"], version_of(rows)
        if interview_id in self.first:
            pos, earlier = self.first[interview_id]
            if earlier == new:
                result.already.append(entry)
            else:
                result.skipped.append(dict(entry, reason="duplicate_id", message=(
                    f"{interview_id} is also {pos}, with different content ({'; '.join(differences(earlier, new))}); "
                    "expected one record per scorecard id: remove the outdated one from the export")))
            return
        self.first[interview_id] = (entry["position"], new)
        found = self.stored(interview_id)
        if found is None and legacy is not None:
            found_legacy = self.stored(legacy)
            if found_legacy is not None and found_legacy[1] == new:  # imported before ids named their source
                result.already.append(dict(entry, interview_id=legacy))
                return
        if found is None:
            self._write(entry, rows, remarks, None)
            return
        path, old = found
        if old == new:
            result.already.append(entry)
            return
        changes = differences(old, new) if old is not None else ["the stored file cannot be read"]
        where = self.lay.display(path)
        if not self.update:
            result.conflicts.append(dict(entry, stored=where, changes="; ".join(changes), message=(
                f"{interview_id} changed since it was imported (stored in {where}): {'; '.join(changes)}; "
                "import again with --update to replace the stored version (it is kept in "
                f"{config.HISTORY_DIR}/)")))
            return
        self._write(entry, rows, remarks, (old, changes, where))

    def _write(self, entry: dict, rows: list[dict], remarks: list[str], replacing) -> None:
        result, frame, path, kept = self.result, _frame(rows), "", ""
        try:
            if result.dry_run:  # the same judgement the store makes, without the write
                problems = validate_interview(frame, self.questions, path=entry["position"])
                if problems:
                    raise ScorecardError(problems)
            elif replacing is None:
                path = str(save_interview(frame, self.lay, questions=self.questions))
            else:
                written, previous = replace_interview(frame, self.lay, expected=replacing[0], questions=self.questions)
                path, kept = str(written), self.lay.display(previous)
        except ScorecardError as exc:
            result.skipped.append(dict(entry, reason="invalid", message="; ".join(
                p.message if not p.column else f"{p.column}: {p.message}" for p in exc.problems)))
            return
        except StoreError as exc:
            if replacing is None and "already saved" in str(exc):
                result.already.append(entry)
            else:
                result.skipped.append(dict(entry, reason="write_failed", message=str(exc)))
            return
        except OSError as exc:
            result.skipped.append(dict(entry, reason="write_failed",
                                       message=f"{exc.strerror or exc}: {exc.filename or self.lay.data}"))
            return
        if replacing is None:
            result.imported.append(dict(entry, rows=len(rows), path=path))
        else:
            changes = "; ".join(replacing[1])
            result.updated.append(dict(entry, rows=len(rows), path=path, previous=kept, changes=changes, message=(
                f"{entry['interview_id']} {'would be replaced' if result.dry_run else 'replaced'} ({changes})" + (f"; the previous version is kept in {kept}"
                                                                   if kept else ""))))
        result.remarks += [dict(position=entry["position"], record=entry["record"], message=r) for r in remarks]


def prepare_data_folder(folder, bank=None) -> Path:
    """Make ``folder`` a data folder to import into: create it and an empty ``scores/``, and copy the
    question bank (default: the bank of the default data folder, :func:`analysis.config.data_dir`)
    unless it has one. Never overwrites or deletes anything (:func:`analysis.io.create.create_data_folder`
    completing the folder, without a roster template)."""
    bank = bank if bank is not None else config.questions_path(None)
    return create_data_folder(folder, bank=bank, complete=True, roster=False).data
