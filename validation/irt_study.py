"""Simulation study of the item response models (issue 12), planned in the ADEMP form.

Aims
    1. Does the GRM rank questions by their planted discrimination (target: Spearman >= 0.93 at 2000
       interviews)?
    2. Does the many-facet model rank interviewers by their planted severity (target: Spearman >= 0.9
       at 600 interviews, *on designs from the validation study of the trust issue*)? How does the
       headline (joint many-facet GRM) compare with Linacre's many-facet Rasch model and with the
       classical stand-in (an interviewer's mean score minus the overall mean)?
    3. Are the standard errors of the discriminations honest: does the spread of the estimates over
       replications match the reported SEs, and do 95% intervals cover the value the estimator
       converges to?
Data-generating mechanisms
    Part 1: :func:`analysis.stats.demo.generate` (graded response model with a rater shift on the cumulative
    logits, levels with different ability means, loops of 1-3 interviews, shadowed interviews, one
    leaking question); worlds ``default``, ``small_severity`` (severity SD 0.35), ``no_shadow_no_leak``.
    Part 2 and 3: :mod:`validation.worlds` (the trust issue's worlds, ``param_seed=1`` as in
    ``validation/study.py``): designs ``nested_loops`` (loops of 4 of 16 interviewers),
    ``panels`` (two interviewers scoring the same answers) and ``level_specialists`` (harsh
    specialists who see stronger candidates), with the ``graded`` response model (normal latent
    noise, i.e. a probit link, skewed mixture abilities, severity shifting the thresholds) and, as a
    check off the model, the ``additive`` one. None of them is the model the estimators assume: the
    fitted GRM is logistic with a normal ability per level; the Rasch model also forces equal slopes.
Estimands
    The rank order of the planted discriminations and severities (Spearman correlation with the
    truth; the 0.9 target). For part 3 the estimand of each method is its own *pseudo-true* value:
    the estimate on one large sample (20,000 scorecards) of the same world, since a logistic slope
    fitted to probit data converges to a value that is not the planted one.
Methods
    ``fit_irt(model="grm")`` discrimination (one response pattern per scorecard: the composite
    likelihood) and item-rest correlation; ``fit_irt(rater="interviewer")``: ``severity`` (joint
    many-facet GRM), ``mfrm_severity`` (many-facet Rasch), naive = overall mean score minus the
    interviewer's mean; its ``discrimination_se`` (candidate-cluster sandwich) and
    ``discrimination_se_model`` (inverse observed information).
Performance
    Mean Spearman correlation with its Monte Carlo SE (SD / sqrt(reps)) and the share of replications
    reaching the target; for SEs, the ratio of the empirical SD of the estimates to the mean reported
    SE (1 = honest, > 1 = SEs too narrow) and the coverage of 95% intervals (pooled over questions).

Run: ``PYTHONPATH=. nice -n 10 .venv/bin/python validation/irt_study.py [--reps 20] [--part 1,2,3]``;
per-replication rows are cached in ``validation/irt_study_cache.csv`` (delete it to start over), the
table is written to ``validation/irt_study_results.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from analysis.stats.demo import generate
from analysis.stats.irt import fit_irt

DEMO_WORLDS = {
    "default": {},
    "small_severity": {"severity_sd": 0.35},
    "no_shadow_no_leak": {"shadow_rate": 0.0, "leak_question": None},
}
TRUST_DESIGNS = ("nested_loops", "panels", "level_specialists")
TRUST_MODELS = ("graded", "additive")
PARAM_SEED = 1          # the trust study's (validation/study.py)
SE_DESIGN = ("nested_loops", "graded")
BIG = 20_000
TARGETS = {"discrimination": (2000, 0.93), "severity": (600, 0.90)}
HERE = Path(__file__).parent
CACHE = HERE / "irt_study_cache.csv"


def _item_rest(scores: pd.DataFrame) -> pd.Series:
    w = scores.pivot_table(index="interview_id", columns="question_id", values="score", aggfunc="first",
                           observed=True)
    total = w.sum(axis=1)
    out = {}
    for q in w.columns:
        m = w[q].notna()
        rest = total[m] - w.loc[m, q]
        out[q] = np.corrcoef(w.loc[m, q], rest)[0, 1]
    return pd.Series(out)


def _rho(est: pd.Series, truth: pd.Series) -> float:
    return float(spearmanr(est, truth.loc[est.index]).statistic)


def rep_discrimination(world: str, seed: int) -> list[dict]:
    n = TARGETS["discrimination"][0]
    h = generate(n, seed=seed, **DEMO_WORLDS[world])
    truth = h.planted_questions.set_index("question_id")["discrimination"]
    fit = fit_irt(h.scores, progress=False)
    base = {"part": 1, "world": f"demo/{world}", "seed": seed, "estimand": "discrimination", "n_interviews": n}
    return [{**base, "method": "GRM (fit_irt)", "value": _rho(fit.items.set_index("question")["discrimination"], truth)},
            {**base, "method": "item-rest correlation", "value": _rho(_item_rest(h.scores), truth)}]


def rep_severity(design: str, model: str, seed: int, world_cache: dict) -> list[dict]:
    from validation.worlds import make_world
    key = (design, model)
    if key not in world_cache:
        world_cache[key] = make_world(design, model, PARAM_SEED)
    w = world_cache[key]
    n = TARGETS["severity"][0]
    s = w.sample(n, sample_seed=n * 1000 + seed)          # the trust study's sample seeds
    truth = s.planted_interviewers.set_index("interviewer")["severity"]
    with_se = key == SE_DESIGN
    fit = fit_irt(s.scores, rater="interviewer", progress=False, joint_se=with_se)
    r = fit.raters.set_index("rater")
    naive = s.scores["score"].mean() - s.scores.groupby("interviewer")["score"].mean()
    base = {"part": 2, "world": f"{design}/{model}", "seed": seed, "estimand": "severity",
            "n_interviews": int(s.scores["interview_id"].nunique())}
    rows = [{**base, "method": m, "value": _rho(est, truth)} for m, est in
            [("joint many-facet GRM (severity)", r["severity"]),
             ("many-facet Rasch (mfrm_severity)", r["mfrm_severity"]),
             ("mean score difference", naive)]]
    if with_se:
        it = fit.items.set_index("question")
        plain = fit_irt(s.scores, progress=False).items.set_index("question")
        for q in it.index:
            rows.append({"part": 3, "world": f"{design}/{model}", "seed": seed, "estimand": "discrimination_se",
                         "n_interviews": base["n_interviews"], "method": "joint", "question": q,
                         "est": it.loc[q, "discrimination"], "se": it.loc[q, "discrimination_se"],
                         "se_model": it.loc[q, "discrimination_se_model"]})
            rows.append({"part": 3, "world": f"{design}/{model}", "seed": seed, "estimand": "discrimination_se",
                         "n_interviews": base["n_interviews"], "method": "GRM per scorecard", "question": q,
                         "est": plain.loc[q, "discrimination"], "se": plain.loc[q, "discrimination_se"],
                         "se_model": np.nan})
    return rows


def pseudo_truth() -> pd.DataFrame:
    """Each method's discriminations on one 20,000-scorecard sample of the SE world."""
    from validation.worlds import make_world
    w = make_world(*SE_DESIGN, PARAM_SEED)
    s = w.sample(BIG, sample_seed=999_999)
    joint = fit_irt(s.scores, rater="interviewer", progress=True, joint_se=False).items
    plain = fit_irt(s.scores, progress=False).items
    return pd.concat([pd.DataFrame({"method": "joint", "question": joint["question"], "truth": joint["discrimination"]}),
                      pd.DataFrame({"method": "GRM per scorecard", "question": plain["question"],
                                    "truth": plain["discrimination"]})])


def summarize(res: pd.DataFrame) -> pd.DataFrame:
    res = res[res["part"] < 3].copy()
    target = res["estimand"].map({k: v[1] for k, v in TARGETS.items()})
    res["reached"] = res["value"] >= target
    g = res.groupby(["estimand", "world", "method"], sort=False)
    out = g["value"].agg(["mean", "std", "count"]).reset_index()
    out["n_interviews"] = g["n_interviews"].median().to_numpy()
    out["mc_se"] = out["std"] / np.sqrt(out["count"])
    out["share_reaching_target"] = g["reached"].mean().to_numpy()
    out["target"] = out["estimand"].map({k: v[1] for k, v in TARGETS.items()})
    return out.rename(columns={"mean": "mean_spearman", "count": "reps"}).drop(columns="std")


def summarize_se(res: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    se = res[res["part"] == 3].merge(truth, on=["method", "question"])
    rows = []
    for (method, kind), col in [(("joint", "sandwich"), "se"), (("joint", "model-based"), "se_model"),
                                (("GRM per scorecard", "observed information, scorecards as patterns"), "se")]:
        d = se[se["method"] == method]
        per_q = d.groupby("question").agg(sd=("est", "std"), mean_se=(col, "mean"))
        cover = (np.abs(d["est"] - d["truth"]) <= 1.96 * d[col]).mean()
        rows.append({"method": method, "se": kind, "reps": int(d["seed"].nunique()),
                     "median_sd_over_se": float((per_q["sd"] / per_q["mean_se"]).median()),
                     "coverage_95": float(cover), "mean_bias": float((d["est"] - d["truth"]).mean())})
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--reps-discrimination", type=int, default=8)
    p.add_argument("--reps-additive", type=int, default=6, help="replications of the additive (off-model) worlds")
    p.add_argument("--part", default="1,2,3")
    p.add_argument("--out", default=str(HERE / "irt_study_results.md"))
    args = p.parse_args(argv)
    from tqdm.auto import tqdm
    parts = {int(x) for x in args.part.split(",")}
    t0 = time.perf_counter()
    cache = pd.read_csv(CACHE) if CACHE.exists() else pd.DataFrame(columns=["part", "world", "seed", "method"])
    done = set(zip(cache["part"], cache["world"], cache["seed"]))
    jobs = []
    if 1 in parts:
        jobs += [(1, f"demo/{w}", s) for w in DEMO_WORLDS for s in range(args.reps_discrimination)]
    if parts & {2, 3}:
        jobs += [(2, f"{d}/{m}", s) for s in range(args.reps) for d in TRUST_DESIGNS for m in TRUST_MODELS
                 if m == "graded" or s < args.reps_additive]
    worlds: dict = {}
    for part, world, seed in tqdm(jobs, desc="IRT study"):
        if (part, world, seed) in done:
            continue
        if part == 1:
            rows = rep_discrimination(world.split("/")[1], seed)
        else:
            rows = rep_severity(*world.split("/"), seed, worlds)
        cache = pd.concat([cache, pd.DataFrame(rows)], ignore_index=True)
        cache.to_csv(CACHE, index=False)                   # after every replication: a long run keeps its work
    res = cache
    table = summarize(res)
    text = ["# IRT simulation study (validation/irt_study.py)", "",
            f"Replications as in the `reps` column (cached in `validation/irt_study_cache.csv`); this run "
            f"{time.perf_counter() - t0:.0f} s. Spearman correlation of estimated with planted ranks; MC SE = SD / "
            "sqrt(reps). Severity: 600 scorecards of the trust study's worlds (`validation/worlds.py`, "
            "param_seed 1).", "", table.round(3).to_markdown(index=False), ""]
    if 3 in parts and (res["part"] == 3).any():
        tpath = HERE / "irt_study_pseudo_truth.csv"
        truth = pd.read_csv(tpath) if tpath.exists() else pseudo_truth()
        truth.to_csv(tpath, index=False)
        se = summarize_se(res, truth)
        text += ["## Standard errors of the discriminations", "",
                 f"World {'/'.join(SE_DESIGN)} (loops of 4 scorecards per candidate), 600 scorecards; the "
                 f"estimand is each method's estimate on one {BIG:,}-scorecard sample. `median_sd_over_se`: "
                 "median over questions of the SD of the estimates across replications divided by their "
                 "mean reported SE (1 = honest, > 1 = too narrow).", "", se.round(3).to_markdown(index=False), ""]
    Path(args.out).write_text("\n".join(text))
    print("\n".join(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
