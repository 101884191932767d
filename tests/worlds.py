"""Small planted-truth worlds that are *not* analysis.stats.demo, for the severity and design tests.

``nested_loops``: every candidate is interviewed for one level by a loop of ``loop`` distinct
interviewers (the usual shape of real hiring data), each asking questions of that level; scores
from a graded response model with question-specific discrimination and an interviewer facet (the
additive severity model is therefore *not* the generating model). ``teams`` splits the pool into
groups that never share a candidate.

``rewritten_history``: one question is rewritten partway (issue 25) and its planted quality changes
at the rewrite (a weak version 1, a strong version 2, or both the same); ``write_rewritten_folder``
writes it as a real data folder with a versioned bank, ``rewritten_workbook`` builds the workbook
the loader makes of it in memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.stats.demo import History

_TAU = np.array([-1.3, 0.0, 1.3])


def _grm(eta, a, sev, u):
    cum = 1 / (1 + np.exp(-(a[:, None] * (eta[:, None] - _TAU[None, :]) - sev[:, None])))
    p = np.hstack([np.ones((len(a), 1)), cum]) - np.hstack([cum, np.zeros((len(a), 1))])
    return 1 + (u[:, None] > np.cumsum(p, axis=1)[:, :3]).sum(axis=1), p @ np.arange(1, 5)


def nested_loops(n_interviews: int, seed: int, bank: pd.DataFrame, *, n_interviewers: int = 12, loop: int = 4,
                 per_interview: int = 5, severity_sd: float = 0.6, teams: int = 1, constant: float | None = None,
                 param_seed: int | None = None, panel_rate: float = 0.0) -> History:
    """A nested-loop history (see the module docstring); ``teams`` > 1 gives disconnected teams,
    ``constant`` makes every score that value (a degenerate world), ``panel_rate`` adds a second
    scorecard of the same answers by another interviewer of the team."""
    rng = np.random.default_rng(seed)
    prng = rng if param_seed is None else np.random.default_rng(param_seed)
    q_ids = bank["question_id"].astype(str).to_numpy()
    q_level = bank["level"].cat.codes.to_numpy()
    nq = len(q_ids)
    a = np.exp(prng.normal(np.log(1.0), 0.5, nq)).clip(0.2, 3.0)
    b = np.array([-0.6, 0.0, 0.6])[q_level] + prng.normal(0, 0.4, nq)
    sev = prng.normal(0, severity_sd, n_interviewers)
    sev -= sev.mean()
    names = np.array([f"R{r:02d}" for r in range(n_interviewers)])
    team_of = np.arange(n_interviewers) % teams
    n_cand = max(2, n_interviews // loop)
    c_level = rng.choice(3, size=n_cand, p=[0.4, 0.35, 0.25])
    theta = rng.normal(np.array([-0.8, 0.0, 0.8])[c_level], 1.0)
    c_team = rng.integers(0, teams, n_cand)
    rows = []
    by_level = [np.flatnonzero(q_level == L) for L in range(3)]
    k = 0
    for c in range(n_cand):
        pool = np.flatnonzero(team_of == c_team[c])
        raters = rng.choice(pool, size=min(loop, len(pool)), replace=False)
        day = pd.Timestamp("2025-01-01") + pd.Timedelta(days=int(rng.integers(0, 600)))
        for j, r in enumerate(raters):
            qs = rng.choice(by_level[c_level[c]], size=per_interview, replace=False)
            u = rng.random(len(qs))
            eta = theta[c] - b[qs]
            scorers = [r]
            if panel_rate and rng.random() < panel_rate:
                others = [x for x in pool if x not in raters]
                if others:
                    scorers.append(rng.choice(others))
            for s in scorers:
                sc, _ = _grm(eta, a[qs], np.full(len(qs), sev[s]), u)
                if constant is not None:
                    sc = np.full(len(qs), int(constant))
                k += 1
                rec = np.digitize(sc.mean() - 2.5 + rng.normal(0, 0.3), [-0.75, 0.0, 0.75])
                for q, v in zip(qs, sc):
                    rows.append((f"INT-{k:05d}", (day + pd.Timedelta(days=3 * j)).strftime("%Y-%m-%d"),
                                 f"C{c:05d}", config.LEVELS[c_level[c]], names[s], q_ids[q], int(v),
                                 v == 1 and rng.random() < 0.6, "", config.RECOMMENDATIONS[rec]))
    scores = pd.DataFrame(rows, columns=["interview_id", "date", "candidate_id", "level", "interviewer",
                                         "question_id", "score", "red_flag", "notes", "recommendation"])
    # planted severity in expected score points over the rows each interviewer graded
    eta_all = theta[scores["candidate_id"].str[1:].astype(int).to_numpy()] - b[pd.Index(q_ids).get_indexer(scores["question_id"])]
    a_all = a[pd.Index(q_ids).get_indexer(scores["question_id"])]
    r_all = pd.Index(names).get_indexer(scores["interviewer"])
    uu = np.zeros(len(scores))
    _, base = _grm(eta_all, a_all, np.zeros(len(scores)), uu)
    _, mine = _grm(eta_all, a_all, sev[r_all], uu)
    pts = pd.Series(base - mine).groupby(r_all).mean().reindex(range(n_interviewers)).to_numpy()
    ids = np.array([f"C{c:05d}" for c in range(n_cand)])
    outcomes = pd.DataFrame({"candidate_id": ids, "decision": np.where(theta > 0, "hired", "rejected"),
                             "performance": np.nan})
    return History(scores, outcomes,
                   pd.DataFrame({"question_id": q_ids, "discrimination": a, "difficulty": b, "drift_per_year": 0.0}),
                   pd.DataFrame({"interviewer": names, "severity": sev, "severity_points": pts,
                                 "share": 1 / n_interviewers, "team": team_of}),
                   pd.DataFrame({"candidate_id": ids, "level": np.array(config.LEVELS)[c_level], "ability": theta,
                                 "interviews": loop}))


#: The question :func:`rewritten_history` rewrites, and the day its version 2 comes in.
REWRITTEN = "mid-caching"
REWRITE_DAY = "2025-10-28"


def versioned_bank(bank: pd.DataFrame, question: str = REWRITTEN, introduced: str = REWRITE_DAY) -> pd.DataFrame:
    """The bank file's rows (text, the columns of ``data/questions.csv``) with ``question`` rewritten
    on ``introduced``: version 1 retired that day, version 2 active with a new wording."""
    cols = ["question_id", "version", "status", "introduced", "level", "section", "topic", "question",
            "good_answer", "red_flag", "years", "retired"]
    rows = bank.assign(version=1, status="active", introduced="2023-01-01", retired="").astype(str)
    rows["retired"] = ""
    one = rows["question_id"] == question
    if not one.any():
        raise ValueError(f"{question!r} is not in the bank")
    new = rows[one].copy()
    rows.loc[one, ["status", "retired"]] = ["retired", introduced]
    new[["version", "status", "introduced"]] = ["2", "active", introduced]
    new["question"] = "Walk me through where you would cache in a read-heavy API, and what you would invalidate when."
    new["red_flag"] = "Caches everything with no invalidation plan."
    out = pd.concat([rows, new], ignore_index=True)
    return out[cols]


def rewritten_history(n_interviews: int, seed: int, bank: pd.DataFrame, *, question: str = REWRITTEN,
                      a_before: float = 0.15, a_after: float = 2.5, rewrite_day: str = REWRITE_DAY,
                      n_interviewers: int = 10, loop: int = 3, per_interview: int = 4,
                      severity_sd: float = 0.4, idle_flag_before: bool | None = None) -> History:
    """A history in which ``question`` is rewritten on ``rewrite_day`` and its planted quality
    changes there: version 1 discriminates with ``a_before`` (near nothing by default), version 2
    with ``a_after`` (strongly); pass them equal for a rewrite that changes nothing.

    Candidates (junior 40%, mid 35%, senior 25%) meet a loop of ``loop`` interviewers over 600 days
    from 2025-01-01 (the rewrite day is the middle); each interview asks ``per_interview`` questions
    of the candidate's level, and every mid interview asks ``question`` (so both versions are asked of
    about ``0.35 * n_interviews / loop`` candidates, half each). Scores from a graded response model
    with an interviewer facet (as :func:`nested_loops`); a red flag is raised on a score of 1 with
    probability 0.6, except under version 1 when ``idle_flag_before`` (default: when ``a_before <
    a_after``), whose red flag is then raised at random (10%) and says nothing.
    The recommendation follows the interview's mean score.

    ``scores.question_id`` is the stable id (the scorecards name no version: the loader takes the
    version in force on the interview date); ``planted_questions`` is keyed by item id
    (``mid-caching v1``, ``mid-caching v2``). Write it with :func:`write_rewritten_folder`.
    """
    rng = np.random.default_rng(seed)
    idle_flag_before = a_before < a_after if idle_flag_before is None else idle_flag_before
    q_ids = bank["question_id"].astype(str).to_numpy()
    q_level = bank["level"].cat.codes.to_numpy() if hasattr(bank["level"], "cat") else \
        pd.Index(config.LEVELS).get_indexer(bank["level"].astype(str))
    nq = len(q_ids)
    target = int(np.flatnonzero(q_ids == question)[0])
    a = np.exp(rng.normal(np.log(1.2), 0.3, nq)).clip(0.5, 3.0)
    b = np.array([-0.6, 0.0, 0.6])[q_level] + rng.normal(0, 0.3, nq)
    sev = rng.normal(0, severity_sd, n_interviewers)
    sev -= sev.mean()
    names = np.array([f"R{r:02d}" for r in range(n_interviewers)])
    n_cand = max(2, n_interviews // loop)
    c_level = rng.choice(3, size=n_cand, p=[0.4, 0.35, 0.25])
    theta = rng.normal(np.array([-0.8, 0.0, 0.8])[c_level], 1.0)
    start, switch = pd.Timestamp("2025-01-01"), pd.Timestamp(rewrite_day)
    by_level = [np.flatnonzero((q_level == L) & (np.arange(nq) != target)) for L in range(3)]
    rows, k = [], 0
    for c in range(n_cand):
        raters = rng.choice(n_interviewers, size=min(loop, n_interviewers), replace=False)
        day = start + pd.Timedelta(days=int(rng.integers(0, 600)))
        for j, r in enumerate(raters):
            when = day + pd.Timedelta(days=2 * j)
            later = when >= switch
            qs = rng.choice(by_level[c_level[c]], size=per_interview - (c_level[c] == 1), replace=False)
            if c_level[c] == 1:
                qs = np.r_[target, qs]
            aq = a[qs].copy()
            aq[qs == target] = a_after if later else a_before
            sc, _ = _grm(theta[c] - b[qs], aq, np.full(len(qs), sev[r]), rng.random(len(qs)))
            flag = (sc == 1) & (rng.random(len(qs)) < 0.6)
            if not later and idle_flag_before:
                flag = np.where(qs == target, rng.random(len(qs)) < 0.1, flag)
            k += 1
            rec = np.digitize(sc.mean() - 2.5 + rng.normal(0, 0.3), [-0.75, 0.0, 0.75])
            for q, v, f in zip(qs, sc, flag):
                rows.append((f"INT-{k:05d}", when.strftime("%Y-%m-%d"), f"C{c:05d}", config.LEVELS[c_level[c]],
                             names[r], q_ids[q], int(v), bool(f), "", config.RECOMMENDATIONS[rec]))
    scores = pd.DataFrame(rows, columns=["interview_id", "date", "candidate_id", "level", "interviewer",
                                         "question_id", "score", "red_flag", "notes", "recommendation"])
    ids = np.array([f"C{c:05d}" for c in range(n_cand)])
    outcomes = pd.DataFrame({"candidate_id": ids, "decision": np.where(theta > 0, "hired", "rejected"),
                             "performance": np.nan})
    item = np.where(q_ids == question, f"{question} v1", q_ids)
    planted = pd.DataFrame({"question_id": [*item, f"{question} v2"],
                            "discrimination": np.r_[np.where(q_ids == question, a_before, a), a_after],
                            "difficulty": np.r_[b, b[target]], "drift_per_year": 0.0})
    return History(scores, outcomes, planted,
                   pd.DataFrame({"interviewer": names, "severity": sev, "share": 1 / n_interviewers}),
                   pd.DataFrame({"candidate_id": ids, "level": np.array(config.LEVELS)[c_level], "ability": theta,
                                 "interviews": loop}))


def write_rewritten_folder(history: History, bank: pd.DataFrame, data, *, question: str = REWRITTEN,
                           introduced: str = REWRITE_DAY):
    """Write ``history`` as a real data folder whose bank holds ``question`` in two versions
    (:func:`versioned_bank`: v1 retired on ``introduced``, v2 active from it), scorecards by stable id."""
    from pathlib import Path

    from analysis.io.demo_folder import write_history
    data = Path(data)
    src = data.parent / f"{data.name}-questions.csv"
    versioned_bank(bank, question, introduced).to_csv(src, index=False, lineterminator="\n")
    return write_history(history, data, questions_from=src)


def rewritten_workbook(history: History, bank: pd.DataFrame, *, question: str = REWRITTEN,
                       introduced: str = REWRITE_DAY):
    """The workbook the loader makes of :func:`write_rewritten_folder`'s folder, built in memory:
    ``questions`` the item table of the versioned bank, scores keyed by item id (the version in
    force on the interview date) with ``question_version``."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from analysis.io.bank import item_table, version_in_force
    from planted import workbook_of

    text = versioned_bank(bank, question, introduced)
    bank_all = bank.iloc[np.r_[np.arange(len(bank)), np.flatnonzero(bank["question_id"] == question)]].reset_index(drop=True)
    bank_all["version"] = text["version"].astype("int64").to_numpy()
    bank_all["status"] = text["status"].to_numpy()
    bank_all["introduced"] = pd.to_datetime(text["introduced"]).astype("datetime64[ns]").to_numpy()
    bank_all["retired"] = pd.to_datetime(text["retired"].replace("", None)).astype("datetime64[ns]").to_numpy()
    bank_all["question"] = text["question"].to_numpy()
    bank_all["red_flag"] = text["red_flag"].to_numpy()
    items = item_table(bank_all)
    version = version_in_force(bank_all, history.scores["question_id"], history.scores["date"])
    n_versions = bank_all.groupby("question_id")["version"].size()
    sc = history.scores.copy()
    sc["question_id"] = [q if n_versions[q] == 1 else f"{q} v{v}" for q, v in zip(sc["question_id"], version)]
    wb = workbook_of(type(history)(sc, history.outcomes, history.planted_questions, history.planted_interviewers,
                                   history.planted_candidates), items)
    wb.scores["question_version"] = version
    return wb


def _before_after(seeds, n=800):
    """Print, per seed, the severity fit on a nested-loop world: lam, largest |severity|, Spearman
    with the planted severity and of the headline discrimination with the planted discrimination.
    Run from the repository root (``PYTHONPATH=$PWD python tests/worlds.py 20``); point PYTHONPATH
    at another checkout to see its numbers on the same world."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from scipy import stats

    from analysis.io.bank import load_questions
    from analysis.stats.calibration import prepare
    from analysis.stats.discrimination import grouped_discrimination
    from planted import workbook_of
    bank = load_questions(Path(__file__).resolve().parents[1] / "data")
    for seed in seeds:
        h = nested_loops(n, seed, bank)
        d, fit = prepare(workbook_of(h, bank))
        m = fit.interviewers.merge(h.planted_interviewers, on="interviewer", suffixes=("", "_true"))
        ok = m["severity"].notna()
        rs = stats.spearmanr(m.loc[ok, "severity"], m.loc[ok, "severity_points"]).statistic
        got = grouped_discrimination(d, "question_id", "x_adj", "y_free", "level", "candidate_id", n_boot=0)
        t = h.planted_questions.set_index("question_id").join(got["discrimination"].rename("est"))
        rd = stats.spearmanr(t["discrimination"], t["est"], nan_policy="omit").statistic
        print(f"seed {seed}: {len(h.scores)} rows, lam {fit.lam:.3g}, max |severity| {m['severity'].abs().max():.3g}, "
              f"Spearman severity {rs:.2f}, discrimination {rd:.2f}")


if __name__ == "__main__":
    import sys
    _before_after([int(s) for s in sys.argv[1:]] or [20])
