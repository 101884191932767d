"""A synthetic interview history with known ("planted") truth.

The demo data in ``data/`` and the accuracy tests of the analytics both come from here, so every
statistic can be checked against the value that generated it.

The latent model
----------------
Candidates
    Each candidate applies for one level ``L`` (junior 40%, mid 35%, senior 25%) and has an ability
    ``theta ~ Normal(mu_L, 1)`` on one scale shared by all levels, ``mu = (-1, 0, 1)``. A candidate
    has 1-3 interviews (a loop) with different interviewers within two weeks; with probability
    ``shadow_rate`` an interview is shadowed: a second interviewer scores the same answers on their
    own scorecard (the data inter-rater reliability needs).
Questions
    Question ``q`` has a discrimination ``a_q`` (log-normal, median 1.1, plus a few deliberately weak
    questions near 0.25) and a difficulty ``b_q = beta_level(q) + Normal(0, 0.35)`` with
    ``beta = (-1, 0, 1)`` for junior, mid and senior questions. One question "leaks": its difficulty
    falls by ``leak_per_year`` logits per year.
    An interview asks six questions of the candidate's level and, half the time, one stretch question
    from the level above (seniors: a mid-level warm-up 30% of the time).
Interviewers
    Interviewer ``r`` has a severity ``s_r`` (logits, positive = harsher) and a share of the workload.
Scores
    A graded response model with a rater facet::

        P(score >= k) = logistic(a_q * (theta - b_q - tau_k) - s_r),   tau = (-1.3, 0, 1.3), k = 2..4

    A red flag is raised with probability 0.7 at score 1, 0.15 at score 2 and 0.02 otherwise.
Recommendations
    The interviewer's call comes from what they saw: ``z = mean(score) - 2.35 - 0.25 * red flags +
    Normal(0, 0.3)``, cut at -0.75, 0, 0.75 into strong_no / no / yes / strong_yes.
Outcomes
    7% of candidates withdraw; the rest are hired when at least half of their interviews said yes
    (90% of the time; otherwise rejected). A hired candidate's performance (1-5) is
    ``round(3 + 0.9 * (theta - mu_L) + Normal(0, 0.7))``, unknown for a quarter (recent hires).

Group attributes (optional, ``groups=True``)
    Each candidate gets self-reported ``gender`` (woman 38%, man 50%, nonbinary 4%, not disclosed
    8%) and ``age_band`` (under_40 68%, 40_plus 25%, not disclosed 7%), drawn from their own random
    stream so that the rest of the history is the same draw. Ability does not depend on the groups
    unless ``group_ability_gap`` says so. Two effects are planted for one group (``woman``):
    ``dif_question`` is ``dif_shift`` logits harder for them at equal ability (``P(score >= k)``
    loses ``dif_shift`` on the logit scale at every step: differential item functioning), and ``biased_interviewer`` lowers their recommendation score ``z`` by
    ``interviewer_bias`` (passes them less often for the same answers). Both are written to
    ``planted/groups.csv``; the attributes to ``candidates.csv`` (read only by
    :mod:`analysis.stats.fairness`).

:func:`generate` returns the scorecard rows, the outcomes and the planted parameters;
:func:`write_history` writes them as a data folder, with ``planted/`` beside ``scores/``.

Never destroying data
---------------------
:func:`write_history` writes a manifest, ``planted/demo-manifest.json``, naming every file it wrote
(``questions.csv``, ``outcomes.csv``, ``scores/**``, ``planted/*.csv``) with its size, time and
SHA-256. That file marks the folder as the synthetic demo (:func:`is_demo_folder`; the forms show a
banner and refuse real interviews there). Writing a history again into a folder is allowed only when
the folder is empty or missing, or is an earlier demo whose every scorecard, bank and outcomes file
is still exactly what the demo wrote: a folder of real data, or a demo folder into which a real
interview was saved or whose bank was edited, is refused with the list of files at stake
(:class:`DemoFolderError`), and nothing is written. Files the demo does not manage (a README,
``drafts/``, ``.cache/``) are left alone. With ``clean=True`` only the files the manifest lists are
removed, never a folder tree.

The planted parameters are written rounded to 4 decimals (:data:`PLANTED_DECIMALS`): more digits
mean nothing for a simulation's truth, and the 16th digit of ``exp`` or a matrix product differs
between CPUs and BLAS kernels, which would make the same command write different files on another
machine. The :class:`History` in memory keeps full precision.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.io.bank import load_questions
from analysis.errors import WorkbookError

__all__ = ["History", "generate", "write_history", "DEFAULT_INTERVIEWERS", "is_demo_folder", "check_demo_target",
           "DemoFolderError", "MANIFEST", "PLANTED_DECIMALS", "init_folder", "InitError", "ROSTER_COLUMNS",
           "GROUP_ATTRIBUTES", "FOCAL_GROUP"]

#: Columns of the interviewer roster template ``interviewers.csv`` written by :func:`init_folder`.
ROSTER_COLUMNS = ("interviewer", "aliases", "active")

#: The demo's marker and manifest, relative to the data folder.
MANIFEST = "planted/demo-manifest.json"
#: Decimals the planted parameters are written with (see the module docstring).
PLANTED_DECIMALS = 4
_GENERATOR = "analysis.demo"  # the manifest's identity of the generator (files in data folders carry it)


class DemoFolderError(WorkbookError):
    """The folder holds something other than an earlier demo; the demo refuses to write there."""


class InitError(WorkbookError):
    """:func:`init_folder` refused the folder (not empty, or not a folder)."""


def _shipped_bank() -> Path:
    """The bank this workbook ships (``data/questions.csv`` of the repository)."""
    repo_bank = config.REPO_DIR / "data" / "questions.csv"
    return repo_bank if repo_bank.is_file() else config.questions_path(None)


def init_folder(folder) -> Path:
    """Create an empty data folder for real interviews: ``python -m analysis init DIR``.

    Writes ``questions.csv`` (a copy of the shipped bank, the AWS guide's 24 questions),
    an empty ``scores/`` and ``interviewers.csv``, a roster template holding only its header
    ``interviewer,aliases,active`` (add one row per interviewer: the name, other spellings separated
    by ``;``, and ``true``/``false``). The folder is not a demo folder, so the forms save real
    interviews there without a warning.

    Parameters
    ----------
    folder : path-like
        A new folder, or an existing empty one. Anything else is refused: ``init`` never writes
        into a folder that holds files.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    InitError
        ``folder`` exists and is not empty, or is not a folder.
    """
    folder = Path(folder).expanduser()
    if folder.exists() or folder.is_symlink():
        if not folder.is_dir():
            raise InitError(f"{folder} exists and is not a folder; expected a new or empty folder")
        found = sorted(p.name for p in folder.iterdir())
        if found:
            raise InitError(f"{folder} is not empty (it holds {', '.join(found[:5])}{', ...' if len(found) > 5 else ''}); "
                            "init only creates a new data folder and never writes over files: give a new or empty folder")
    bank = _shipped_bank()
    (folder / "scores").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bank, folder / "questions.csv")
    with open(folder / "interviewers.csv", "x", encoding="utf-8", newline="") as fh:
        fh.write(",".join(ROSTER_COLUMNS) + "\n")
    return folder

DEFAULT_INTERVIEWERS = ("Avery", "Blake", "Casey", "Devon", "Emerson", "Finley", "Harper", "Jordan")
_MU = np.array([-1.0, 0.0, 1.0])
_TAU = np.array([-1.3, 0.0, 1.3])


@dataclass
class History:
    """A generated history: ``scores`` (scorecard rows), ``outcomes`` and the planted truth."""

    scores: pd.DataFrame
    outcomes: pd.DataFrame
    planted_questions: pd.DataFrame
    planted_interviewers: pd.DataFrame
    planted_candidates: pd.DataFrame
    #: ``candidate_id`` + self-reported attributes (None unless ``generate(..., groups=True)``).
    candidate_groups: pd.DataFrame | None = None
    #: The planted group effects: ``effect, attribute, group, target, size, unit``.
    planted_groups: pd.DataFrame | None = None


#: Attributes planted by ``generate(..., groups=True)``: values and their shares ("" = not disclosed).
GROUP_ATTRIBUTES = {
    "gender": {"woman": 0.38, "man": 0.50, "nonbinary": 0.04, "": 0.08},
    "age_band": {"under_40": 0.68, "40_plus": 0.25, "": 0.07},
}
#: The group the planted effects are against.
FOCAL_GROUP = ("gender", "woman")


def _grm_probs(eta_base: np.ndarray, a: np.ndarray, sev: np.ndarray) -> np.ndarray:
    """P(score = 1..4) for each row; eta_base = theta - b."""
    cum = 1 / (1 + np.exp(-(a[:, None] * (eta_base[:, None] - _TAU[None, :]) - sev[:, None])))  # P(>=2..4)
    upper = np.hstack([np.ones((len(a), 1)), cum])
    lower = np.hstack([cum, np.zeros((len(a), 1))])
    return upper - lower


def generate(n_interviews: int = 400, *, seed: int = 0, questions: pd.DataFrame | None = None,
             interviewers=DEFAULT_INTERVIEWERS, start="2023-01-01", end="2026-09-30",
             shadow_rate: float = 0.12, leak_question: str | None = "mid-decoupling",
             leak_per_year: float = 0.6, severity_sd: float = 0.7, param_seed: int | None = None,
             groups: bool = False, dif_question: str | None = "mid-caching", dif_shift: float = 1.5,
             biased_interviewer: str | None = "Casey", interviewer_bias: float = 0.6,
             group_ability_gap: float = 0.0) -> History:
    """Generate a reproducible synthetic interview history (see the module docstring).

    Parameters
    ----------
    n_interviews : int
        About how many interviews (scorecards) to make, shadow scorecards included.
    seed : int
        Everything is drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same
        history, row for row.
    questions : DataFrame, optional
        The bank (default: the repo's).
    interviewers : sequence of str
        Interviewer names; the first ones get the larger share of the work.
    start, end : date-like
        The period the interviews fall in.
    shadow_rate : float
        Chance that an interview is shadowed by a second interviewer.
    leak_question : str or None
        A question whose difficulty drifts down over time (a leaked question), or None.
    leak_per_year : float
        How many logits easier the leaked question gets per year.
    severity_sd : float
        Spread of the planted interviewer severities (logits).
    param_seed : int, optional
        Seed of the planted parameters (question discrimination and difficulty, interviewer
        severity and workload) when they should stay fixed while the sample varies — for example
        to check that intervals from many small histories cover the value a very large history
        gives. By default both come from ``seed``.
    groups : bool, default False
        Also plant self-reported group attributes and the two group effects below (see the module
        docstring). False leaves the history exactly as it was without this option.
    dif_question : str or None, default "mid-caching"
        The question made ``dif_shift`` logits harder for the focal group (``woman``) at equal
        ability; None or ``dif_shift=0`` plants no question effect.
    dif_shift : float, default 1.5
    biased_interviewer : str or None, default "Casey"
        The interviewer whose recommendation score is ``interviewer_bias`` lower for the focal
        group (``z`` of the module docstring; cut points 0.75 apart); None or 0 plants none.
    interviewer_bias : float, default 0.6
    group_ability_gap : float, default 0
        Mean ability of the focal group minus everyone else's (a real difference in the pool,
        not a bias of the interview).
    """
    rng = np.random.default_rng(seed)
    prng = rng if param_seed is None else np.random.default_rng(param_seed)
    if questions is None:
        questions = load_questions()
    q_ids = questions["question_id"].to_numpy()
    q_level = questions["level"].cat.codes.to_numpy()
    nq = len(q_ids)
    # questions
    a = np.exp(prng.normal(np.log(1.1), 0.5, nq)).clip(0.3, 3.0)
    weak = prng.choice(nq, size=max(1, nq // 8), replace=False)
    a[weak] = prng.uniform(0.15, 0.35, len(weak))
    b = np.array([-1.0, 0.0, 1.0])[q_level] + prng.normal(0, 0.35, nq)
    drift = np.zeros(nq)
    if leak_question is not None and leak_question in set(q_ids):
        drift[np.flatnonzero(q_ids == leak_question)[0]] = -leak_per_year
    # interviewers
    nr = len(interviewers)
    sev = prng.normal(0, severity_sd, nr)
    sev -= sev.mean()
    share = np.linspace(2.0, 0.6, nr)
    share[-1] = 0.25  # one occasional interviewer: few interviews, wide interval
    share /= share.sum()
    # candidates and their loops
    n_cand = max(1, int(round(n_interviews / (2.0 * (1 + shadow_rate)))))
    c_level = rng.choice(3, size=n_cand, p=[0.4, 0.35, 0.25])
    theta = rng.normal(_MU[c_level], 1.0)
    if groups:  # own stream: the main draws stay the same
        grng = np.random.default_rng([seed, 1607])
        cand_groups = {a: grng.choice(list(v), size=n_cand, p=list(v.values())) for a, v in GROUP_ATTRIBUTES.items()}
        focal = cand_groups[FOCAL_GROUP[0]] == FOCAL_GROUP[1]
        theta = theta + group_ability_gap * focal
    n_loop = rng.choice([1, 2, 3], size=n_cand, p=[0.3, 0.4, 0.3])
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    c_day = rng.integers(0, max(1, (t1 - t0).days - 14), n_cand)
    cand_ids = np.array([f"C{i + 1:05d}" for i in range(n_cand)])
    # interviews: one per loop slot, distinct interviewers within a loop
    cand_of = np.repeat(np.arange(n_cand), n_loop)
    slot = np.concatenate([np.arange(k) for k in n_loop])
    perm = np.argsort(rng.random((n_cand, nr)) ** (1 / share[None, :]) * -1, axis=1)  # weighted draw without replacement
    rater = perm[cand_of, slot]
    day = c_day[cand_of] + 4 * slot + rng.integers(0, 4, len(cand_of))  # loop interviews on distinct days
    # shadows: a second interviewer scores the same answers
    shadowed = rng.random(len(cand_of)) < shadow_rate
    shadow_rater = perm[cand_of, np.minimum(n_loop[cand_of], nr - 1)]
    n_int = len(cand_of)
    # question kits: six of the candidate's level, plus maybe one from the level above
    lvl = c_level[cand_of]
    by_level = [np.flatnonzero(q_level == L) for L in range(3)]
    keys = rng.random((n_int, 8))
    pick = np.argsort(keys, axis=1)[:, :6]
    own = np.stack([by_level[L] for L in range(3)])[lvl[:, None], pick]  # (n_int, 6)
    up_level = np.where(lvl < 2, lvl + 1, 1)
    extra_p = np.where(lvl < 2, 0.5, 0.3)
    has_extra = rng.random(n_int) < extra_p
    extra_q = np.stack([by_level[L] for L in range(3)])[up_level, rng.integers(0, 8, n_int)]
    kit = np.concatenate([own, extra_q[:, None]], axis=1)
    asked = np.concatenate([np.ones((n_int, 6), bool), has_extra[:, None]], axis=1)
    row_int = np.repeat(np.arange(n_int), 7)[asked.ravel()]
    row_q = kit.ravel()[asked.ravel()]
    years = (day[row_int] - 0) / 365.25
    b_row = b[row_q] + drift[row_q] * years
    dif_on = groups and dif_question is not None and dif_shift != 0 and dif_question in set(q_ids)
    # harder for the focal group at the same ability: dif_shift logits off every step of the
    # question, whatever its discrimination
    dif_offset = (dif_shift * ((q_ids[row_q] == dif_question) & focal[cand_of[row_int]])) if dif_on else 0.0
    eta = theta[cand_of[row_int]] - b_row
    # the answer quality is the candidate's; each scorer grades it with their own severity
    u = rng.random(len(row_q))
    def grade(raters):
        p = _grm_probs(eta, a[row_q], sev[raters] + dif_offset)
        return 1 + (u[:, None] > np.cumsum(p, axis=1)[:, :3]).sum(axis=1)
    score_main = grade(rater[row_int])
    sh_rows = shadowed[row_int]
    score_shadow = grade(shadow_rater[row_int])[sh_rows]
    # assemble scorecards (main + shadow)
    all_int = np.concatenate([row_int, row_int[sh_rows]])
    is_shadow = np.concatenate([np.zeros(len(row_int), bool), np.ones(sh_rows.sum(), bool)])
    all_q = np.concatenate([row_q, row_q[sh_rows]])
    all_score = np.concatenate([score_main, score_shadow])
    all_rater = np.where(is_shadow, shadow_rater[all_int], rater[all_int])
    pf = np.select([all_score == 1, all_score == 2], [0.7, 0.15], 0.02)
    flag = rng.random(len(all_score)) < pf
    card = all_int * 2 + is_shadow  # one scorecard id per (interview, main/shadow)
    card_codes, card_idx = np.unique(card, return_inverse=True)
    mean_score = np.bincount(card_idx, all_score) / np.bincount(card_idx)
    n_flags = np.bincount(card_idx, flag.astype(float))
    z = mean_score - 2.35 - 0.25 * n_flags + rng.normal(0, 0.3, len(card_codes))
    bias_on = groups and biased_interviewer in set(interviewers) and interviewer_bias != 0
    if bias_on:  # the same answers, a lower call for the focal group
        card_rater = np.empty(len(card_codes), dtype=np.int64)
        card_rater[card_idx] = all_rater
        biased = (card_rater == list(interviewers).index(biased_interviewer)) & focal[cand_of[card_codes // 2]]
        z = z - interviewer_bias * biased
    rec = np.digitize(z, [-0.75, 0.0, 0.75])
    dates = t0 + pd.to_timedelta(day, unit="D")
    card_int = card_codes // 2
    card_ids = np.array([f"INT-{dates[i].year}-{k + 1:05d}" for k, i in enumerate(card_int)])
    scores = pd.DataFrame({
        "interview_id": card_ids[card_idx],
        "date": dates[all_int].strftime("%Y-%m-%d"),
        "candidate_id": cand_ids[cand_of[all_int]],
        "level": np.array(config.LEVELS)[lvl[all_int]],
        "interviewer": np.array(interviewers)[all_rater],
        "question_id": q_ids[all_q],
        "score": all_score.astype(int),
        "red_flag": flag,
        "notes": "",
        "recommendation": np.array(config.RECOMMENDATIONS)[rec[card_idx]],
    })
    scores = scores.sort_values(["date", "interview_id"], kind="stable").reset_index(drop=True)
    # outcomes
    main_cards = card_codes % 2 == 0
    passed = np.bincount(cand_of[card_int[main_cards]], (rec[main_cards] >= 2).astype(float), minlength=n_cand)
    loops = np.bincount(cand_of[card_int[main_cards]], minlength=n_cand)
    withdrew = rng.random(n_cand) < 0.07
    hired = ~withdrew & (passed / np.maximum(loops, 1) >= 0.5) & (rng.random(n_cand) < 0.9)
    decision = np.where(withdrew, "withdrew", np.where(hired, "hired", "rejected"))
    perf = np.clip(np.round(3 + 0.9 * (theta - _MU[c_level]) + rng.normal(0, 0.7, n_cand)), 1, 5)
    known = hired & (rng.random(n_cand) < 0.75)
    outcomes = pd.DataFrame({"candidate_id": cand_ids, "decision": decision,
                             "performance": np.where(known, perf, np.nan)})
    # planted truth, with severity also expressed in expected score points
    def expected(sv):
        p = _grm_probs(eta, a[row_q], np.full(len(eta), sv))
        return p @ np.arange(1, 5)
    base = expected(0.0)
    r_rows = rater[row_int]
    sev_points = np.array([np.mean(base[r_rows == r] - expected(sev[r])[r_rows == r]) if (r_rows == r).any()
                           else np.nan for r in range(nr)])
    planted_q = pd.DataFrame({"question_id": q_ids, "discrimination": a, "difficulty": b,
                              "drift_per_year": drift})
    planted_r = pd.DataFrame({"interviewer": list(interviewers), "severity": sev,
                              "severity_points": sev_points, "share": share})
    planted_c = pd.DataFrame({"candidate_id": cand_ids, "level": np.array(config.LEVELS)[c_level],
                              "ability": theta, "interviews": loops})
    if not groups:
        return History(scores, outcomes, planted_q, planted_r, planted_c)
    cand_frame = pd.DataFrame({"candidate_id": cand_ids, **{a: np.where(v == "", None, v).astype(object)
                                                              for a, v in cand_groups.items()}})
    effects = []
    if dif_on:
        effects.append(("dif", *FOCAL_GROUP, dif_question, float(dif_shift),
                        "logits off P(score >= k) at equal ability (true MH D-DIF about -2.35 x size)"))
    if bias_on:
        effects.append(("interviewer", *FOCAL_GROUP, biased_interviewer, float(interviewer_bias),
                        "lower recommendation score z for the same answers"))
    if group_ability_gap:
        effects.append(("ability", *FOCAL_GROUP, "", float(group_ability_gap), "mean ability difference (logits)"))
    planted_g = pd.DataFrame(effects, columns=["effect", "attribute", "group", "target", "size", "unit"])
    return History(scores, outcomes, planted_q, planted_r, planted_c, cand_frame, planted_g)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def _digest(raw: bytes) -> str:
    # line ends normalised, so a checkout with CRLF (git autocrlf) still matches
    return hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()


#: (size, mtime_ns) of the files this process wrote, so writing a history in chunks into one folder
#: (the benchmarks) does not re-hash every earlier file at every chunk. Kept out of the manifest,
#: which stays the same on every machine.
_STAT_SEEN: dict[str, tuple[int, int]] = {}


def _entry(path: Path, raw: bytes | None = None) -> dict:
    st = path.stat()
    raw = path.read_bytes() if raw is None else raw
    _STAT_SEEN[os.path.abspath(path)] = (st.st_size, st.st_mtime_ns)
    return {"sha256": _digest(raw), "size": st.st_size}


def _read_manifest(data: Path) -> dict | None:
    try:
        man = json.loads((data / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(man, dict) or man.get("generator") != _GENERATOR or not isinstance(man.get("files"), dict):
        return None
    return man


def is_demo_folder(data=None) -> bool:
    """True when ``data`` is a synthetic demo folder written by :func:`write_history` (it holds the
    demo's manifest ``planted/demo-manifest.json``). The forms use it to show a banner and to refuse
    real interviews; ``data`` defaults to :func:`analysis.config.data_dir`."""
    return _read_manifest(config.data_dir(data)) is not None


def _managed(data: Path) -> list[str]:
    """The files a demo write would remove or overwrite, relative to ``data`` (posix)."""
    out = [n for n in ("questions.csv", "outcomes.csv") if (data / n).exists() or (data / n).is_symlink()]
    for sub in ("scores", "planted"):
        root = data / sub
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for f in sorted(filenames):
                rel = Path(dirpath, f).relative_to(data).as_posix()
                if sub == "planted" and not f.endswith(".csv"):
                    continue
                if sub == "scores" and f.startswith("."):
                    continue  # the store's lock and temporary files: never read as data
                out.append(rel)
    return out


def _unchanged(data: Path, rel: str, entry) -> bool:
    path = data / rel
    if not isinstance(entry, dict) or path.is_symlink() or not path.is_file():
        return False
    try:
        st = path.stat()
        if _STAT_SEEN.get(os.path.abspath(path)) == (st.st_size, st.st_mtime_ns) == (entry.get("size"), st.st_mtime_ns):
            return True  # written by this process and not touched since
        return _digest(path.read_bytes()) == entry.get("sha256")
    except OSError:
        return False


def check_demo_target(data) -> dict:
    """Refuse a folder a demo must not write into; return the earlier demo's manifest files.

    A missing or empty folder is fine (returns ``{}``). A folder marked as a demo is fine when every
    scorecard, bank, outcomes and planted file in it is one the demo wrote, unchanged. Anything
    else raises :class:`DemoFolderError` naming what is at stake.
    """
    data = Path(data)
    if not data.exists() and not data.is_symlink():
        return {}
    if not data.is_dir():
        raise DemoFolderError(f"{data} is not a folder; expected a new or empty folder, or an earlier demo")
    if not any(data.iterdir()):
        return {}
    man = _read_manifest(data)
    if man is None:
        listing = sorted(p.name for p in data.iterdir())
        raise DemoFolderError(
            f"{data} is not empty and is not a demo folder (it holds {', '.join(listing[:5])}"
            f"{', ...' if len(listing) > 5 else ''}; no {MANIFEST}). The demo never writes over data it did not "
            "create: give a new or empty folder, e.g. --data demo-data")
    files = man["files"]
    foreign = [rel for rel in _managed(data) if not _unchanged(data, rel, files.get(rel))]
    if foreign:
        raise DemoFolderError(
            f"{data} is an earlier demo, but {len(foreign)} file(s) in it are not what the demo wrote "
            f"(saved interviews or edits would be lost): {', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}. "
            "Move them away or give a new or empty folder")
    return files


def write_history(history: History, data, *, layout: str = "per_interview", questions_from=None,
                  clean: bool = False) -> Path:
    """Write a generated history as a data folder.

    Parameters
    ----------
    history : History
    data : path-like
        The folder to write: ``questions.csv`` (copied from ``questions_from``, default the repo's
        bank), ``scores/``, ``outcomes.csv`` and ``planted/`` (the truth, rounded to
        :data:`PLANTED_DECIMALS`; never read as scorecards) with the demo's manifest. It must be
        new, empty or an earlier demo left as the demo wrote it (see the module docstring).
    layout : {"per_interview", "bulk"}
        One file per interview under ``scores/<year>/`` (what the form writes), or one bulk file
        ``scores/bulk.csv``.
    clean : bool
        Remove the earlier demo's scorecards first (only the files its manifest lists).

    Raises
    ------
    DemoFolderError
        The folder holds something other than an earlier demo; nothing is written.
    """
    if layout not in ("per_interview", "bulk"):
        raise ValueError(f"layout must be 'per_interview' or 'bulk', got {layout!r}")
    data = Path(data)
    previous = check_demo_target(data)
    scores_dir = data / "scores"
    if clean:
        for rel in previous:
            if rel.startswith("scores/"):
                (data / rel).unlink(missing_ok=True)
        for dirpath, _, _ in sorted(os.walk(scores_dir), key=lambda t: -len(t[0])) if scores_dir.exists() else []:
            if Path(dirpath) != scores_dir:
                try:
                    Path(dirpath).rmdir()  # only folders left empty
                except OSError:
                    pass
        previous = {k: v for k, v in previous.items() if not k.startswith("scores/")}
    scores_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, bytes | None] = {}
    src = Path(questions_from) if questions_from else config.questions_path(None)
    if src.resolve() != (data / "questions.csv").resolve():
        shutil.copyfile(src, data / "questions.csv")
    written["questions.csv"] = None
    frame = history.scores.copy()
    frame["red_flag"] = np.where(frame["red_flag"], "true", "false")
    if layout == "bulk":
        raw = _csv_bytes(frame)
        (scores_dir / "bulk.csv").write_bytes(raw)
        written["scores/bulk.csv"] = raw
    else:
        from analysis.io.store import safe_filename
        header = ",".join(frame.columns) + "\n"
        years = frame["date"].str[:4].to_numpy()
        for y in np.unique(years):
            (scores_dir / y).mkdir(exist_ok=True)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerows(frame.itertuples(index=False, name=None))
        lines = buf.getvalue().splitlines(keepends=True)
        ids = frame["interview_id"].to_numpy()
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        ends = np.r_[starts[1:], len(ids)]
        for s, e in zip(starts, ends):
            rel = f"scores/{years[s]}/{safe_filename(ids[s])}.csv"
            raw = (header + "".join(lines[s:e])).encode("utf-8")
            (data / rel).write_bytes(raw)
            written[rel] = raw
    raw = _csv_bytes(history.outcomes.assign(
        performance=history.outcomes["performance"].map(lambda v: "" if pd.isna(v) else str(int(v)))))
    (data / "outcomes.csv").write_bytes(raw)
    written["outcomes.csv"] = raw
    planted = data / "planted"
    planted.mkdir(exist_ok=True)
    planted_frames = [("questions", history.planted_questions), ("interviewers", history.planted_interviewers),
                      ("candidates", history.planted_candidates)]
    if history.candidate_groups is not None:  # self-reported groups: read only by analysis.stats.fairness
        raw = _csv_bytes(history.candidate_groups)
        (data / "candidates.csv").write_bytes(raw)
        written["candidates.csv"] = raw
        planted_frames.append(("groups", history.planted_groups))
    elif clean:
        # an earlier demo's groups would describe other candidates under the same ids: remove them
        # with the scores they belonged to (only when the manifest lists them as the demo's own)
        for rel in ("candidates.csv", "planted/groups.csv"):
            if rel in previous:
                (data / rel).unlink(missing_ok=True)
                previous.pop(rel)
    for name, frame in planted_frames:
        raw = _csv_bytes(_rounded(frame))
        (planted / f"{name}.csv").write_bytes(raw)
        written[f"planted/{name}.csv"] = raw
    files = dict(previous)
    for rel, raw in written.items():
        files[rel] = _entry(data / rel, raw)
    manifest = {"generator": _GENERATOR,
                "about": "SYNTHETIC demo data written by analysis.demo.write_history (python -m analysis demo); "
                         "every file it wrote, so a later demo run never overwrites anything else",
                "files": dict(sorted(files.items()))}
    (data / MANIFEST).write_text(json.dumps(manifest, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return data


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(PLANTED_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return out
