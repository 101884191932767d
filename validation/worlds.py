"""Planted-truth interview histories that are *not* :mod:`analysis.stats.demo` and break its assumptions.

The estimators of the workbook were written, and first tested, on histories from
:mod:`analysis.stats.demo`: loops of 1-3 interviewers drawn at random from one pool, a graded response
model with a logistic link, severity on the logit scale. Real hiring data look different. Each
*world* here pairs one **design** (who interviews whom) with one **response model** (how an answer
becomes a 1-4 score), with planted interviewer severities and question discriminations, so the
estimators can be judged against the truth on data they do not assume.

Designs
-------
``nested_loops``
    Every candidate is interviewed for one level by a loop of 4 distinct interviewers (16 in the
    pool). Candidates are nested in levels: the usual shape of real hiring data.
``single_interview``
    One interview per candidate (12 interviewers): no candidate is seen twice, so severity rests
    entirely on the assumption that interviewers get comparable candidates.
``level_specialists``
    15 interviewers, 5 per level, 85% of each one's work at their own level; the 5 harshest are the
    senior specialists. Loops of 3.
``panels``
    Two interviews per candidate, each a *panel*: two interviewers in the room scoring the same
    answers on two scorecards (same interview day, same questions, the same answer quality).
``sparse_heavy``
    40 interviewers with heavy-tailed (Pareto) workloads: a few do most interviews, many do a
    handful. Loops of 1-3. The workloads are planted with the world (``World.workload``), the same
    in every sample of it.
``selection``
    Loop 1 is one interview by one of the 10 mildest interviewers; only candidates recommended yes
    there reach loops 2-3, which go to the 5 harshest interviewers. The harsh interviewers see only
    strong candidates.
``two_teams``
    Two teams of 8 interviewers that share no candidate; team A sees 60% of the candidates (so it
    is the main team the workbook reports). Team B is harsher *and* gets stronger candidates, so the difference between the teams is not identified from the data; only the
    comparisons within a team are (the study scores severity within team for this design).

Response models (both on a normal latent, thresholds cut it into 1-4)
----------------------------------------------------------------------
``graded``
    ``y* = a_q (theta - b_q) + e``, ``e ~ Normal(0, 1)``; ``score = 1 + #{k: y* > tau_qk + s_r}``
    with question-specific thresholds ``tau_q`` and discrimination ``a_q``. Severity ``s_r`` shifts
    the thresholds, so its effect in score points depends on the candidate (non-additive).
``additive``
    ``y = 2.5 + 0.6 a_q (theta - b_q) + l_r + e``, ``e ~ Normal(0, 0.6)``, rounded and clipped to
    1-4: additive in the interviewer's leniency ``l_r = -s_r`` (score points) up to the rounding.

In both, ``e`` splits into the *answer's* part (75% of its variance, shared by the two scorecards
of a panel) and the *scorer's* part (25%, fresh on every scorecard). Abilities are a skewed mixture
(80% ``Normal(mu_L, 0.8)``, 20% a weaker tail ``Normal(mu_L - 1.2, 0.6)``), ``mu = (-0.8, 0, 0.8)``,
question difficulty ``b_q = (-1, 0, 1)[level] + Normal(0, 0.3)``. An interview asks 5 of the 8
questions of the candidate's level and, 40% of the time, one of the level above (seniors: a mid
warm-up). Recommendations come from the scorecard's mean score and red flags, outcomes from the
recommendations.

Planted truth
-------------
``Sample.planted_interviewers``: ``interviewer, team, severity`` (the latent ``s_r``) and
``severity_points`` (score points: the mean, over the interviewer's rows in this sample, of the
expected score with an average interviewer minus the expected score with this one; team-centred
by row share like the estimator). ``Sample.planted_questions``: ``question_id, discrimination``
(``a_q``), ``difficulty``.

``param_seed`` fixes the planted parameters (a world); ``sample_seed`` draws a history from it, so
many samples of one world can be compared with the value a very large sample of the same world
gives.

>>> from validation.worlds import make_world
>>> w = make_world("nested_loops", "graded", param_seed=1)
>>> s = w.sample(600, sample_seed=3)
>>> s.scores.columns.tolist()[:4]
['interview_id', 'date', 'candidate_id', 'level']
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis import config
from analysis.io.bank import load_questions

__all__ = ["DESIGNS", "MODELS", "World", "Sample", "make_world", "write_sample", "to_workbook"]

DESIGNS = ("nested_loops", "single_interview", "level_specialists", "panels", "sparse_heavy", "selection",
           "two_teams")
MODELS = ("graded", "additive")
SCORE_COLUMNS = ("interview_id", "date", "candidate_id", "level", "interviewer", "question_id", "score",
                 "red_flag", "notes", "recommendation")

_MU = np.array([-0.8, 0.0, 0.8])
_BETA = np.array([-1.0, 0.0, 1.0])
_ANSWER_SHARE = 0.75  # share of the noise variance that belongs to the answer (shared by a panel)
_N_RATERS = {"nested_loops": 16, "single_interview": 12, "level_specialists": 15, "panels": 14,
             "sparse_heavy": 40, "selection": 15, "two_teams": 16}
# scorecards per candidate, roughly, to turn a target number of scorecards into candidates
_CARDS_PER_CANDIDATE = {"nested_loops": 4, "single_interview": 1, "level_specialists": 3, "panels": 4,
                        "sparse_heavy": 2, "selection": 1.65, "two_teams": 2}


@dataclass
class Sample:
    """One history drawn from a world: the scorecard rows (the loader's columns), outcomes and the
    planted truth (see the module docstring)."""

    scores: pd.DataFrame
    outcomes: pd.DataFrame
    planted_interviewers: pd.DataFrame
    planted_questions: pd.DataFrame
    design: str
    model: str


@dataclass
class World:
    """A design, a response model and its planted parameters (fixed by ``param_seed``)."""

    design: str
    model: str
    param_seed: int
    questions: pd.DataFrame        # the bank
    a: np.ndarray                  # discrimination per question
    b: np.ndarray                  # difficulty per question (ability scale)
    thresholds: np.ndarray         # (n_questions, 3) on the latent scale
    sigma: float                   # total noise sd on the latent scale
    severity: np.ndarray           # per interviewer, latent units (+ = harsher)
    team: np.ndarray               # per interviewer, "A"/"B" (all "A" but for two_teams)
    interviewers: np.ndarray       # names
    workload: np.ndarray | None = None  # sparse_heavy: each interviewer's share of the interviews

    @property
    def name(self) -> str:
        return f"{self.design}/{self.model}"

    # --- the response model -------------------------------------------------------------------
    def _mean(self, theta, q):
        """Latent mean of an answer before the scorer's threshold shift."""
        if self.model == "graded":
            return self.a[q] * (theta - self.b[q])
        return 2.5 + 0.6 * self.a[q] * (theta - self.b[q])

    def expected_score(self, mu, q, sev):
        """Expected score 1-4 of answers with latent mean ``mu`` to questions ``q`` by scorers of
        severity ``sev`` (arrays of one length)."""
        z = (mu[:, None] - self.thresholds[q] - sev[:, None]) / self.sigma
        return 1.0 + stats.norm.cdf(z).sum(axis=1)

    # --- sampling -----------------------------------------------------------------------------
    def sample(self, n_interviews: int, sample_seed: int) -> Sample:
        """Draw a history of about ``n_interviews`` scorecards (the same seed gives the same rows)."""
        rng = np.random.default_rng([self.param_seed, sample_seed, 7])
        return _sample(self, int(n_interviews), rng)


def make_world(design: str, model: str, param_seed: int = 0, questions: pd.DataFrame | None = None) -> World:
    """The world of one design and response model with planted parameters drawn from ``param_seed``.

    Parameters
    ----------
    design : one of :data:`DESIGNS`
    model : one of :data:`MODELS`
    param_seed : int
        Seeds question discrimination, difficulty and thresholds and interviewer severity (and
        nothing else): two worlds with the same arguments are the same world.
    questions : DataFrame, optional
        The bank (default: the repo's ``data/questions.csv``).
    """
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {', '.join(DESIGNS)}; got {design!r}")
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}; got {model!r}")
    if questions is None:
        questions = load_questions()
    prng = np.random.default_rng([param_seed, DESIGNS.index(design), MODELS.index(model), 11])
    nq = len(questions)
    q_level = questions["level"].cat.codes.to_numpy() if hasattr(questions["level"], "cat") else \
        pd.Index(config.LEVELS).get_indexer(questions["level"])
    a = np.exp(prng.normal(0.0, 0.45, nq)).clip(0.3, 2.5)
    weak = prng.choice(nq, size=3, replace=False)
    a[weak] = prng.uniform(0.12, 0.3, 3)
    b = _BETA[q_level] + prng.normal(0, 0.3, nq)
    if model == "graded":
        thresholds = np.sort(np.array([-1.1, 0.0, 1.1])[None, :] + prng.normal(0, 0.25, (nq, 3)), axis=1)
        sigma, sev_sd = 1.0, 0.5
    else:
        thresholds = np.tile([1.5, 2.5, 3.5], (nq, 1))
        sigma, sev_sd = 0.6, 0.3
    nr = _N_RATERS[design]
    sev = prng.normal(0, sev_sd, nr)
    sev -= sev.mean()
    team = np.array(["A"] * nr)
    if design == "two_teams":
        team = np.array(["A"] * (nr // 2) + ["B"] * (nr - nr // 2))
        sev[team == "B"] += 0.8 * sev_sd  # team B is harsher (and gets stronger candidates)
        sev -= sev.mean()
    names = np.array([f"R{r + 1:02d}" for r in range(nr)])
    workload = None
    if design == "sparse_heavy":
        # the workloads belong to the world (the team), not to one history of it: drawn per sample,
        # the row-share centring of the severities moved from sample to sample, and the value a
        # very large sample gives was not the same estimand
        share = np.sort(prng.pareto(1.1, nr) + 0.02)[::-1]
        prng.shuffle(share)  # workload unrelated to severity
        workload = share / share.sum()
    return World(design, model, param_seed, questions, a, b, thresholds, sigma, sev, team, names, workload)


# ---------------------------------------------------------------------------------------------
def _weighted_distinct(rng, weights: np.ndarray, k: np.ndarray) -> np.ndarray:
    """For each row of ``weights`` (n, nr), ``max(k)`` distinct columns drawn with probability
    proportional to the weights, without replacement (Efraimidis-Spirakis keys); zero weight is
    never drawn while a positive one is left."""
    with np.errstate(divide="ignore"):
        keys = np.log(rng.random(weights.shape)) / weights
    return np.argsort(-keys, axis=1)[:, : int(np.max(k))]


def _abilities(rng, level: np.ndarray) -> np.ndarray:
    tail = rng.random(len(level)) < 0.2
    return np.where(tail, rng.normal(_MU[level] - 1.2, 0.6), rng.normal(_MU[level], 0.8))


def _interviews(w: World, n: int, rng):
    """The design: per scorecard its candidate, interviewer, day and interview (a panel's two
    scorecards share the interview). Returns arrays and the candidates' level and ability."""
    nr = len(w.severity)
    n_cand = max(4, int(round(n / _CARDS_PER_CANDIDATE[w.design])))
    level = rng.choice(3, size=n_cand, p=[0.4, 0.35, 0.25])
    theta = _abilities(rng, level)
    c_day = rng.integers(0, 700, n_cand)
    cand, rater, slot, panel_of = [], [], [], []  # panel_of: index of the interview a scorecard belongs to
    d = w.design
    if d in ("nested_loops", "single_interview", "sparse_heavy", "level_specialists", "two_teams"):
        if d == "nested_loops":
            k = np.full(n_cand, 4)
            weights = np.tile(np.linspace(1.5, 0.7, nr), (n_cand, 1))
        elif d == "single_interview":
            k = np.ones(n_cand, int)
            weights = np.tile(np.linspace(1.4, 0.6, nr), (n_cand, 1))
        elif d == "sparse_heavy":
            k = rng.choice([1, 2, 3], size=n_cand, p=[0.3, 0.4, 0.3])
            weights = np.tile(w.workload, (n_cand, 1))
        elif d == "level_specialists":
            k = np.full(n_cand, 3)
            order = np.argsort(w.severity)  # mildest first
            pref = np.empty(nr, int)
            pref[order] = np.repeat([0, 1, 2], [nr // 3, nr // 3, nr - 2 * (nr // 3)])  # harshest -> senior
            weights = np.where(pref[None, :] == level[:, None], 0.85 / 5, 0.15 / 10)
        else:  # two_teams
            k = rng.choice([1, 2, 3], size=n_cand, p=[0.2, 0.4, 0.4])
            # team A, the larger (60% of candidates), is the main team of every sample, so the
            # workbook reports the same interviewers in every sample (with an even split the main
            # team flipped from sample to sample and half the intervals had nothing to cover)
            cteam = np.where(rng.random(n_cand) < 0.6, "A", "B")
            theta = theta + np.where(cteam == "B", 0.4, 0.0)  # team B hires stronger candidates
            weights = (w.team[None, :] == cteam[:, None]).astype(float)
        pick = _weighted_distinct(rng, weights, k)
        cand = np.repeat(np.arange(n_cand), k)
        s = np.concatenate([np.arange(kk) for kk in k])
        rater = pick[cand, s]
        day = c_day[cand] + 3 * s
        interview = np.arange(len(cand))
    elif d == "panels":
        # two interviews per candidate, each scored by two interviewers in the room
        pick = _weighted_distinct(rng, np.tile(np.linspace(1.3, 0.7, nr), (n_cand, 1)), np.array([4]))
        cand = np.repeat(np.arange(n_cand), 4)
        s = np.tile([0, 1, 2, 3], n_cand)
        rater = pick[cand, s]
        interview = cand * 2 + s // 2
        day = c_day[cand] + 3 * (s // 2)
    elif d == "selection":
        order = np.argsort(w.severity)
        mild, harsh = order[:10], order[-5:]
        r1 = mild[rng.integers(0, len(mild), n_cand)]
        cand = np.arange(n_cand)
        rater = r1
        day = c_day.copy()
        interview = np.arange(n_cand)
        # loop 1 is scored first; the later loops depend on its recommendation (see _sample)
        return dict(cand=cand, rater=rater, day=day, interview=interview, level=level, theta=theta,
                    stage2=dict(harsh=harsh, c_day=c_day))
    else:  # pragma: no cover - guarded by make_world
        raise ValueError(d)
    return dict(cand=np.asarray(cand), rater=np.asarray(rater), day=np.asarray(day), interview=np.asarray(interview),
                level=level, theta=theta, stage2=None)


def _score_cards(w: World, rng, cand, rater, interview, level, theta):
    """Kits and scores for scorecards; the scorecards of one interview share its kit and answers."""
    q_level = pd.Index(config.LEVELS).get_indexer(w.questions["level"].astype(str))
    by_level = np.stack([np.flatnonzero(q_level == L)[:8] for L in range(3)])  # (3, 8)
    iv_u, iv_first = np.unique(interview, return_index=True)
    n_iv = len(iv_u)
    iv_level = level[cand[iv_first]]
    pick = np.argsort(rng.random((n_iv, 8)), axis=1)[:, :5]
    own = by_level[iv_level[:, None], pick]
    up = np.where(iv_level < 2, iv_level + 1, 1)
    extra = by_level[up, rng.integers(0, 8, n_iv)]
    has_extra = rng.random(n_iv) < 0.4
    kit = np.concatenate([own, extra[:, None]], axis=1)
    asked = np.concatenate([np.ones((n_iv, 5), bool), has_extra[:, None]], axis=1)
    iv_row = np.repeat(np.arange(n_iv), 6)[asked.ravel()]       # answer -> interview position
    q_row = kit.ravel()[asked.ravel()]
    e_answer = rng.normal(0, w.sigma * np.sqrt(_ANSWER_SHARE), len(q_row))
    # scorecards -> their interview's answers
    card_iv = np.searchsorted(iv_u, interview)
    starts = np.r_[0, np.cumsum(np.bincount(iv_row, minlength=n_iv))[:-1]]
    counts = np.bincount(iv_row, minlength=n_iv)
    n_per_card = counts[card_iv]
    card_of_row = np.repeat(np.arange(len(cand)), n_per_card)
    ans = starts[card_iv][card_of_row] + (np.arange(n_per_card.sum()) - np.repeat(np.cumsum(n_per_card) - n_per_card, n_per_card))
    q = q_row[ans]
    c = cand[card_of_row]
    mu = w._mean(theta[c], q)
    e = e_answer[ans] + rng.normal(0, w.sigma * np.sqrt(1 - _ANSWER_SHARE), len(ans))
    sev = w.severity[rater[card_of_row]]
    score = 1 + ((mu + e)[:, None] > (w.thresholds[q] + sev[:, None])).sum(axis=1)
    flag = rng.random(len(score)) < np.select([score == 1, score == 2], [0.6, 0.12], 0.02)
    mean_score = np.bincount(card_of_row, score, minlength=len(cand)) / np.maximum(n_per_card, 1)
    n_flags = np.bincount(card_of_row, flag.astype(float), minlength=len(cand))
    rec = np.digitize(mean_score - 2.4 - 0.3 * n_flags + rng.normal(0, 0.35, len(cand)), [-0.7, 0.0, 0.7])
    return dict(card=card_of_row, q=q, mu=mu, score=score, flag=flag, rec=rec)


def _sample(w: World, n: int, rng) -> Sample:
    iv = _interviews(w, n, rng)
    cand, rater, day, interview, level, theta = (iv[k] for k in ("cand", "rater", "day", "interview", "level", "theta"))
    sc = _score_cards(w, rng, cand, rater, interview, level, theta)
    if iv["stage2"] is not None:  # selection: loops 2-3 for those recommended yes in loop 1
        passed = np.flatnonzero(sc["rec"] >= 2)
        harsh = iv["stage2"]["harsh"]
        k = rng.choice([1, 2], size=len(passed), p=[0.3, 0.7])
        pick = _weighted_distinct(rng, np.ones((len(passed), len(harsh))), k)
        c2 = np.repeat(cand[passed], k)
        s2 = np.concatenate([np.arange(kk) for kk in k]) if len(k) else np.zeros(0, int)
        r2 = harsh[pick[np.repeat(np.arange(len(passed)), k), s2]] if len(k) else np.zeros(0, int)
        d2 = day[passed].repeat(k) + 5 + 3 * s2
        i2 = len(cand) + np.arange(len(c2))
        sc2 = _score_cards(w, rng, c2, r2, i2, level, theta)
        off = len(cand)
        sc = {key: np.concatenate([sc[key], sc2[key] + (off if key == "card" else 0)]) for key in sc}
        cand, rater, day, interview = (np.concatenate(p) for p in ((cand, c2), (rater, r2), (day, d2), (interview, i2)))
    n_cards = len(cand)
    card = sc["card"]
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D")
    card_ids = np.array([f"V{k + 1:06d}" for k in range(n_cards)])
    cand_ids = np.array([f"C{i + 1:06d}" for i in range(len(theta))])
    scores = pd.DataFrame({
        "interview_id": card_ids[card],
        "date": dates.strftime("%Y-%m-%d").to_numpy()[card],
        "candidate_id": cand_ids[cand[card]],
        "level": np.array(config.LEVELS)[level[cand[card]]],
        "interviewer": w.interviewers[rater[card]],
        "question_id": w.questions["question_id"].to_numpy()[sc["q"]],
        "score": sc["score"].astype(int),
        "red_flag": sc["flag"],
        "notes": "",
        "recommendation": np.array(config.RECOMMENDATIONS)[sc["rec"][card]],
    })
    # outcomes: hired when at least half of the candidate's scorecards said yes
    seen = np.unique(cand)
    yes = np.bincount(cand, (sc["rec"] >= 2).astype(float), minlength=len(theta))
    cnt = np.bincount(cand, minlength=len(theta))
    withdrew = rng.random(len(theta)) < 0.05
    hired = ~withdrew & (yes >= 0.5 * np.maximum(cnt, 1)) & (cnt > 0)
    perf = np.clip(np.round(3 + 0.8 * (theta - _MU[level]) + rng.normal(0, 0.7, len(theta))), 1, 5)
    known = hired & (rng.random(len(theta)) < 0.7)
    outcomes = pd.DataFrame({"candidate_id": cand_ids, "decision": np.where(withdrew, "withdrew",
                                                                            np.where(hired, "hired", "rejected")),
                             "performance": np.where(known, perf, np.nan)}).iloc[seen].reset_index(drop=True)
    # planted severity in score points on this sample's rows, team-centred by row share
    r_row = rater[card]
    base = w.expected_score(sc["mu"], sc["q"], np.zeros(len(card)))
    own = w.expected_score(sc["mu"], sc["q"], w.severity[r_row])
    nr = len(w.severity)
    n_r = np.bincount(r_row, minlength=nr)
    with np.errstate(invalid="ignore", divide="ignore"):
        points = np.bincount(r_row, base - own, minlength=nr) / n_r
    for t in np.unique(w.team):
        m = (w.team == t) & (n_r > 0)
        points[m] -= np.average(points[m], weights=n_r[m])
    planted_r = pd.DataFrame({"interviewer": w.interviewers, "team": w.team, "severity": w.severity,
                              "severity_points": points, "n_rows": n_r})
    planted_q = pd.DataFrame({"question_id": w.questions["question_id"].to_numpy(), "discrimination": w.a,
                              "difficulty": w.b})
    return Sample(scores, outcomes, planted_r, planted_q, w.design, w.model)


# ---------------------------------------------------------------------------------------------
def to_workbook(sample: Sample, questions: pd.DataFrame | None = None):
    """An :class:`analysis.io.load.Workbook` straight from a sample (no files; the loader is tested
    by :func:`write_sample` + ``python -m analysis report``)."""
    from analysis.io.load import Workbook
    from analysis.io.validation import to_scorecard_frame
    if questions is None:
        questions = load_questions()
    s = sample.scores
    raw = s.astype(str).assign(red_flag=np.where(s["red_flag"], "true", "false"), file="generated",
                               line=np.arange(len(s)) + 2, duration_seconds="")
    scores = to_scorecard_frame(raw, questions["question_id"])
    outcomes = sample.outcomes.copy()
    outcomes["decision"] = pd.Categorical(outcomes["decision"], categories=["hired", "rejected", "withdrew"])
    return Workbook(questions, scores, outcomes)


def write_sample(sample: Sample, folder, *, questions_from=None) -> Path:
    """Write a sample as a data folder ``python -m analysis report --data DIR`` reads:
    ``questions.csv`` (a copy of the bank), ``scores/bulk.csv``, ``outcomes.csv`` and ``planted/``
    (the truth, never read as scorecards). Refuses to write into a folder that already has
    ``scores/`` (it never overwrites data it did not create)."""
    folder = Path(folder)
    if (folder / "scores").exists():
        raise FileExistsError(f"{folder / 'scores'} exists; write the sample to a new folder")
    (folder / "scores").mkdir(parents=True)
    shutil.copyfile(Path(questions_from) if questions_from else config.questions_path(None), folder / "questions.csv")
    frame = sample.scores.assign(red_flag=np.where(sample.scores["red_flag"], "true", "false"))
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    (folder / "scores" / "bulk.csv").write_text(buf.getvalue(), encoding="utf-8")
    o = sample.outcomes.assign(performance=sample.outcomes["performance"].map(
        lambda v: "" if pd.isna(v) else str(int(v))))
    o.to_csv(folder / "outcomes.csv", index=False, lineterminator="\n")
    (folder / "planted").mkdir()
    sample.planted_interviewers.to_csv(folder / "planted" / "interviewers.csv", index=False)
    sample.planted_questions.to_csv(folder / "planted" / "questions.csv", index=False)
    return folder
