"""One place for every default path and vocabulary of the workbook.

Every loader, command and notebook takes a ``data`` folder; when it is ``None`` they fall back to
:func:`data_dir`, which is anchored here rather than in any notebook, so a user can point the whole
workbook at their own data with one argument (``--data DIR``) or one environment variable
(``INTERVIEW_DATA``).

A data folder holds::

    questions.csv      the question bank
    scores/            scorecards, every *.csv below it, recursively
    outcomes.csv       optional: hiring decision and later performance per candidate
    drafts/            unfinished interviews of the form (never read as scorecards)

and, optionally or made by the workbook itself, the files :class:`Layout` names (the roster, the
candidates' groups, caches and locks). Every such name is spelled here once; a reader takes a
:class:`Layout` (resolved once, by :func:`layout`) and never builds a path of its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PACKAGE_DIR",
    "REPO_DIR",
    "LEVELS",
    "LEVEL_YEARS",
    "RECOMMENDATIONS",
    "PASSING_RECOMMENDATIONS",
    "DECISIONS",
    "SCORES",
    "SCORE_MEANINGS",
    "PERFORMANCE_RANGE",
    "SMALL_GROUP",
    "data_dir",
    "questions_path",
    "scores_dir",
    "outcomes_path",
    "drafts_dir",
    "cache_dir",
    "QUESTIONS_FILE",
    "SCORES_DIR",
    "OUTCOMES_FILE",
    "DRAFTS_DIR",
    "CACHE_DIR",
    "CANDIDATES_FILE",
    "ROSTER_FILE",
    "PSEUDONYM_KEY_FILE",
    "DEMO_MANIFEST",
    "PARSE_CACHE_FILE",
    "STORE_LOCK_FILE",
    "STORE_INDEX_DIR",
    "DRAFTS_LOCK_FILE",
    "REMOVED_DIR",
    "HISTORY_DIR",
    "Layout",
    "layout",
]

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent

#: Interview levels, in order of seniority (the guide's three levels).
LEVELS: tuple[str, ...] = ("junior", "mid", "senior")
#: Years of experience the guide gives for each level.
LEVEL_YEARS = {"junior": "0–2 years", "mid": "2–5 years", "senior": "5+ years"}

#: The interviewer's overall call, from worst to best.
RECOMMENDATIONS: tuple[str, ...] = ("strong_no", "no", "yes", "strong_yes")
#: Recommendations that count as "strong" under the default criterion.
PASSING_RECOMMENDATIONS = frozenset({"yes", "strong_yes"})
#: Final hiring decisions in ``outcomes.csv``.
DECISIONS: tuple[str, ...] = ("hired", "rejected", "withdrew")

#: The 1-4 rubric shared by every question.
SCORES: tuple[int, ...] = (1, 2, 3, 4)
SCORE_MEANINGS = {
    1: "showed the red flag / no real understanding",
    2: "partial",
    3: "what good looks like",
    4: "beyond it (depth on tradeoffs, security, cost)",
}
#: On-the-job performance rating in ``outcomes.csv``.
PERFORMANCE_RANGE = (1, 5)

#: The privacy floor: a group (interviewer, cell, quarter, self-reported group) with fewer people than
#: this shows its count but no rate, and is never judged. Every function that applies it takes it as
#: the keyword ``small_group`` with this default.
SMALL_GROUP = 5


def data_dir(data: str | os.PathLike | None = None) -> Path:
    """Return the data folder to use.

    ``data`` wins when given; then the ``INTERVIEW_DATA`` environment variable; then the ``data/``
    folder of the repository this package sits in (a source checkout or an editable install); then
    ``./data`` in the working directory (a plain ``pip install .``).
    """
    if data is not None:
        return Path(data).expanduser()
    env = os.environ.get("INTERVIEW_DATA")
    if env:
        return Path(env).expanduser()
    repo_data = REPO_DIR / "data"
    if (repo_data / "questions.csv").exists():
        return repo_data
    return Path.cwd() / "data"


def questions_path(data=None) -> Path:
    """The question bank of a data folder."""
    return layout(data).questions


def scores_dir(data=None) -> Path:
    """The scorecards folder of a data folder."""
    return layout(data).scores


def outcomes_path(data=None) -> Path:
    """The optional outcomes file of a data folder."""
    return layout(data).outcomes


def drafts_dir(data=None) -> Path:
    """Where the interview form autosaves unfinished interviews (ignored by git)."""
    return layout(data).drafts


def cache_dir(data=None) -> Path:
    """Disposable parse cache of the scorecard loader (ignored by git, rebuilt when damaged)."""
    return layout(data).cache


#: Every file name of a data folder, relative to it: the one place they are spelled (issue 22).
QUESTIONS_FILE = "questions.csv"
SCORES_DIR = "scores"
OUTCOMES_FILE = "outcomes.csv"
DRAFTS_DIR = "drafts"
CACHE_DIR = ".cache"
CANDIDATES_FILE = "candidates.csv"
ROSTER_FILE = "interviewers.csv"
PSEUDONYM_KEY_FILE = ".pseudonym_key"
DEMO_MANIFEST = "planted/demo-manifest.json"
#: The loader's parse cache, inside :data:`CACHE_DIR`.
PARSE_CACHE_FILE = "scorecards.arrow"
#: The store's lock and persistent id index, inside :data:`SCORES_DIR` (hidden: never read as scorecards).
STORE_LOCK_FILE = ".store.lock"
STORE_INDEX_DIR = ".cache/store-index"
#: The question bank's lock (``python -m analysis bank ...`` and the bank editor take it to write the bank).
BANK_LOCK_FILE = ".bank.lock"
#: The drafts folder's lock, inside :data:`DRAFTS_DIR`.
DRAFTS_LOCK_FILE = ".drafts.lock"
#: Where ``python -m analysis practice remove`` moves a practice interview's file (outside ``scores/``:
#: never loaded; nothing is deleted, moving it back restores it).
REMOVED_DIR = "removed"
#: Earlier versions of interviews an import replaced (``import --update``): outside :data:`SCORES_DIR`,
#: so the loader, ``check`` and the store's id index never read them.
HISTORY_DIR = "history"


@dataclass(frozen=True)
class Layout:
    """Every path of one data folder, resolved once (by :func:`layout`) and passed down, so the
    loader, the bank, the store, the importers and every command agree on where things are.

    Attributes
    ----------
    data : Path
        The folder itself.
    questions, scores, outcomes, drafts, cache : Path
        The bank, the scorecards folder, the optional outcomes, the form's drafts, the loader's
        disposable parse cache (see the module docstring).
    candidates : Path
        Self-reported group attributes (read only by the fairness analysis, on request).
    roster : Path
        The interviewer roster (``interviewers.csv``).
    pseudonym_key : Path
        The importers' secret key for candidate pseudonyms (never exported).
    demo_manifest : Path
        Present only in a synthetic demo folder: the files the demo wrote.
    parse_cache : Path
        The loader's parse cache file (in ``cache``).
    store_lock, store_index : Path
        The store's lock file and its persistent id index folder (hidden, in ``scores``).
    drafts_lock : Path
        The lock of the drafts folder (hidden, in ``drafts``).
    history : Path
        The audit folder of ``import --update``: each replaced scorecard file as it was, under
        ``history/<interview>/``. Outside ``scores``: never read as scorecards.
    removed : Path
        Where ``practice remove`` moves a practice interview's file (:data:`REMOVED_DIR`), never read.
    bank_lock : Path
        The lock every write of the bank takes (hidden, beside ``questions.csv``).
    """

    data: Path
    questions: Path
    scores: Path
    outcomes: Path
    drafts: Path
    cache: Path
    candidates: Path
    roster: Path
    pseudonym_key: Path
    demo_manifest: Path
    parse_cache: Path
    store_lock: Path
    store_index: Path
    drafts_lock: Path
    history: Path
    removed: Path
    bank_lock: Path

    def display(self, path) -> str:
        """``path`` relative to the data folder where possible (as problems name files)."""
        try:
            return str(Path(path).relative_to(self.data))
        except ValueError:
            return str(path)


def layout(data=None) -> Layout:
    """Resolve a data folder (see :func:`data_dir`) and every path in it."""
    if isinstance(data, Layout):
        return data
    d = data_dir(data)
    scores, drafts, cache = d / SCORES_DIR, d / DRAFTS_DIR, d / CACHE_DIR
    return Layout(d, d / QUESTIONS_FILE, scores, d / OUTCOMES_FILE, drafts, cache, d / CANDIDATES_FILE,
                  d / ROSTER_FILE, d / PSEUDONYM_KEY_FILE, d / DEMO_MANIFEST, cache / PARSE_CACHE_FILE,
                  scores / STORE_LOCK_FILE, scores / STORE_INDEX_DIR, drafts / DRAFTS_LOCK_FILE, d / HISTORY_DIR,
                  d / REMOVED_DIR, d / BANK_LOCK_FILE)
