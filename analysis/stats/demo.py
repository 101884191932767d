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

:func:`generate` returns the scorecard rows, the outcomes and the planted parameters as a
:class:`History`, in memory and at full precision; :func:`analysis.io.demo_folder.write_history` writes
it as a data folder, with ``planted/`` beside ``scores/``, and never over data the demo did not write.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import config
from analysis.io.bank import load_questions

__all__ = ["History", "generate", "DEFAULT_INTERVIEWERS", "GROUP_ATTRIBUTES", "FOCAL_GROUP"]

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
