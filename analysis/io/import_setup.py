"""Everything an import checks before its first record: the source, the files, the level, the data
folder's bank and the mapping.

A problem here stops the import before anything is read or written, with :class:`ImportSetupError`
saying what to fix (the command exits 2). The mapping of a source is its default
(:attr:`analysis.io.importers.Importer.mapping`) updated by a TOML file (:func:`load_mapping`) and
checked against the bank and the workbook's vocabularies; :class:`QuestionMatcher` then finds the
bank question an attribute name means, and only *suggests* close ones.

The bank an import reads is every version of every question (:func:`load_bank`), retired ones
included: history exported late still names questions retired since, and an old export carries the
old wording of a rewritten question. An attribute named by a version's text is that version; one
named by the stable id (or by text every version shares) is left to the store, which writes the
version in force on the interview's date (:func:`analysis.io.bank.version_in_force`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.errors import BankError, WorkbookError
from analysis.io.ats_record import MAX_DEPTH, nesting_depth
from analysis.io.bank import item_key, load_questions
from analysis.io.importers import IMPORTERS, Importer, default_mapping

__all__ = ["ImportSetupError", "importer", "check_inputs", "load_bank", "load_mapping", "QuestionMatcher",
           "norm_key", "name_key", "display_name", "source_name_of", "version_labels"]

_MAPPING_KEYS = {"ignore", "fields", "questions", "ratings", "recommendations", "red_flag", "levels"}


class ImportSetupError(WorkbookError):
    """The import cannot start: unknown source, missing file, unreadable mapping, no bank. The
    message says what to fix (the command exits 2)."""


def norm_key(value) -> str:
    """Normalised enumeration key: lower case, spaces and dashes as ``_``, ``3.0`` as ``3``."""
    s = str(value).strip().lower()
    if re.fullmatch(r"[0-9]+\.0+", s):
        s = s.split(".")[0]
    return re.sub(r"[\s\-]+", "_", s)


def name_key(value) -> str:
    """Key of an attribute or question name: surrounding whitespace dropped, case folded."""
    return str(value).strip().casefold()


def importer(source: str) -> Importer:
    """The registered importer of ``source``, else :class:`ImportSetupError` naming the sources."""
    try:
        return IMPORTERS[source]
    except KeyError:
        raise ImportSetupError(f"unknown source {source!r}; expected one of {', '.join(IMPORTERS)}") from None


def check_inputs(source: str, files, level: str | None) -> list[Path]:
    """The export files as paths, once the source is registered, the level known and every file exists."""
    importer(source)
    if level is not None and level not in config.LEVELS:
        raise ImportSetupError(f"--level {level!r}; expected one of {', '.join(config.LEVELS)}")
    files = [Path(f) for f in files]
    if not files:
        raise ImportSetupError("no export file given; expected one or more FILE arguments")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ImportSetupError(f"no such file: {', '.join(missing)}")
    return files


def load_bank(data) -> pd.DataFrame:
    """Every version of the bank of the data folder to import into, retired ones included
    (:func:`analysis.io.bank.load_questions` with ``versions="all"``); a folder without a usable
    bank cannot import."""
    lay = config.layout(data)
    if not lay.questions.is_file():
        raise ImportSetupError(f"{lay.data}: no {lay.questions.name}; expected a data folder with the question "
                               f"bank (copy data/{lay.questions.name} into it) and a {lay.scores.name}/ folder")
    try:
        return load_questions(lay, versions="all")
    except BankError as exc:
        raise ImportSetupError(f"the question bank is unusable:\n{exc}") from None


def display_name(path: Path) -> str:
    """How positions name an export file: its name when given as an absolute path, else as given."""
    return path.name if path.is_absolute() else str(path)


def source_name_of(text: str) -> str:
    """The name that qualifies a spreadsheet's own interview ids (``csv-<name>-<id>``): ``text`` (a
    ``--source-name``, or a file's name without its extension) in lower case, accents dropped, every
    run of characters other than ASCII letters, digits and ``_`` as one ``-``, at most 40 characters.
    ``"Interviews Q1 (2024)"`` gives ``interviews-q1-2024``.

    Raises :class:`ImportSetupError` when nothing is left (the name has no letter or digit)."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^a-z0-9_]+", "-", ascii_text.lower()).strip("-_")[:40].strip("-_")
    if not name:
        raise ImportSetupError(f"source name {text!r} has no letter or digit; give --source-name NAME (letters, "
                               "digits, - and _), the same for every re-export of one spreadsheet")
    return name


# --- the mapping ----------------------------------------------------------------------------------

def load_mapping(source: str, path=None, questions: pd.DataFrame | None = None) -> dict:
    """The mapping of ``source``: its default (:attr:`Importer.mapping
    <analysis.io.importers.Importer.mapping>`) updated by a TOML file.

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
    importer(source)
    mapping = default_mapping(source)
    if path is not None:
        path = Path(path)
        try:
            user = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
            if nesting_depth(user) > MAX_DEPTH:
                raise RecursionError
        except RecursionError:  # tomllib recurses into nested arrays and inline tables
            raise ImportSetupError(f"{path}: cannot read the mapping (nested more than {MAX_DEPTH} levels deep); "
                                   "expected the tables of a mapping file (write one with --suggest-map)") from None
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
            ratings[norm_key(k)] = v
        else:
            raise ImportSetupError(f"{where}: [ratings] {k!r} = {v!r}; expected an integer 1-4 or \"unscored\"")
    m["ratings"] = ratings
    recs = {}
    for k, v in m["recommendations"].items():
        if v not in (*config.RECOMMENDATIONS, "skip"):
            raise ImportSetupError(f"{where}: [recommendations] {k!r} = {v!r}; expected one of "
                               f"{', '.join(config.RECOMMENDATIONS)} or \"skip\"")
        recs[norm_key(k)] = v
    m["recommendations"] = recs
    levels = {}
    for k, v in m["levels"].items():
        if v not in config.LEVELS:
            raise ImportSetupError(f"{where}: [levels] {k!r} = {v!r}; expected one of {', '.join(config.LEVELS)}")
        levels[k.strip().lower()] = v
    m["levels"] = levels
    ids = set(version_labels(questions)) | set(questions["question_id"]) if questions is not None else None
    table = {}
    for k, v in m["questions"].items():
        if not isinstance(v, str) or (ids is not None and v not in ids):
            close = difflib.get_close_matches(str(v), sorted(ids or []), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ImportSetupError(f"{where}: [questions] {k!r} = {v!r} is not a question_id of the bank (nor a "
                                   f"version of one, 'mid-caching v2'){hint}")
        table[name_key(k)] = v
    m["questions"] = table
    m["ignore_keys"] = {name_key(x) for x in m["ignore"]}
    m["red_flag"].setdefault("ratings", [])
    m["red_flag"].setdefault("tags", [])
    m["flag_ratings"] = {norm_key(x) for x in m["red_flag"]["ratings"]}
    m["flag_tags"] = [t.strip().lower() for t in m["red_flag"]["tags"] if t.strip()]


def version_labels(questions: pd.DataFrame) -> dict[str, tuple[str, int]]:
    """``{"mid-caching v2": ("mid-caching", 2), ...}``: the item id of every version of a question
    the bank holds in more than one version (:func:`analysis.io.bank.item_key`), which a mapping's
    ``[questions]`` table or an attribute name may give to name one version."""
    if "version" not in questions:
        return {}
    n = questions.groupby("question_id", sort=False)["version"].transform("size")
    return {item_key(q, v, k): (q, int(v)) for q, v, k in zip(questions["question_id"], questions["version"], n)
            if k > 1}


class QuestionMatcher:
    """Finds the question, and where it can tell the version, an attribute name means: the
    mapping table, an exact id or version label (``mid-caching v2``), an exact question text.

    ``questions`` is every version of the bank (:func:`load_bank`). A text is the version it is
    the text of; a text that several versions of one question share, and a bare id, name no
    version (``None``: the store writes the version in force on the interview's date). Two
    questions with one text: the first in the bank wins, as before versions.
    """

    def __init__(self, questions: pd.DataFrame, mapping: dict):
        labels = version_labels(questions)
        self.table = {k: labels.get(v, (v, None)) for k, v in mapping["questions"].items()}
        self.by_id: dict[str, tuple[str, int | None]] = {name_key(q): (q, None) for q in questions["question_id"]}
        self.by_id.update({name_key(label): qv for label, qv in labels.items()})
        versions = questions["version"] if "version" in questions else pd.Series(1, index=questions.index)
        self.by_text: dict[str, tuple[str, int | None]] = {}
        for q, v, t in zip(questions["question_id"], versions, questions["question"]):
            k = name_key(t)
            if k not in self.by_text:
                self.by_text[k] = (q, int(v))
            elif self.by_text[k][0] == q:  # one question's text in several versions: none in particular
                self.by_text[k] = (q, None)
        self.choices = {**{k: qv[0] for k, qv in self.by_id.items()}, **{k: qv[0] for k, qv in self.by_text.items()}}
        self._versioned = {q for q, _ in labels.values()}

    def versioned(self, question_id: str) -> bool:
        """Whether the bank holds more than one version of ``question_id``."""
        return question_id in self._versioned

    def find_version(self, name: str) -> tuple[str | None, int | None]:
        """(stable id, version) an attribute name means; version ``None`` when the name does not
        tell it, (``None``, ``None``) when the name means no question of the bank."""
        k = name_key(name)
        return self.table.get(k) or self.by_id.get(k) or self.by_text.get(k) or (None, None)

    def find(self, name: str) -> str | None:
        """The stable id an attribute name means, or ``None``."""
        return self.find_version(name)[0]

    def suggest(self, name: str, n: int = 3) -> list[tuple[str, float]]:
        """Close bank questions (difflib ratio ≥ 0.6 on id or text), best first: suggestions only."""
        k = name_key(name)
        scored = {}
        for key, qid in self.choices.items():
            r = difflib.SequenceMatcher(None, k, key).ratio()
            if r >= 0.6 and r > scored.get(qid, 0):
                scored[qid] = r
        return sorted(scored.items(), key=lambda kv: -kv[1])[:n]
