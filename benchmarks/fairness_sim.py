"""Small simulation of analysis.stats.fairness against planted truth (ADEMP, bounded: a few minutes).

Aims: does DIF (Mantel-Haenszel, rest-score matching, purified) find the planted question, and does
it keep false flags at the nominal rate, also on a world it does not assume (groups that differ in
ability)? Does the interviewer test find the planted interviewer?
Data-generating mechanisms: analysis.stats.demo.generate(groups=True) with (a) the planted effects at 3000
interviews, (b) no effect at 1200 interviews, (c) no effect but a 0.5-logit ability gap (the focal
group abler on average: impact, not bias) at 1200 interviews.
Estimands: flag / no flag per question and interviewer. Performance: detection rate of the planted
question and interviewer; per family (attribute x focal group) the share with any false flag (the FDR
under a complete null), raw p < .05 rate; each with its Monte Carlo SE.

    PYTHONPATH=$PWD python benchmarks/fairness_sim.py [--reps 10]   # writes benchmarks/fairness_sim.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from analysis.reports import fairness  # noqa: E402
from analysis.io.bank import load_questions  # noqa: E402
from analysis.stats.demo import generate  # noqa: E402
from planted import workbook_of  # noqa: E402


def _rate(x):
    x = np.asarray(x, float)
    return {"rate": round(float(x.mean()), 3), "mc_se": round(float(x.std(ddof=1) / np.sqrt(len(x))), 3), "n": len(x)}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args(argv)
    bank = load_questions()
    from tqdm.auto import tqdm
    res = {}
    hit_q, hit_iv, false_q, false_iv = [], [], [], []
    for r in tqdm(range(args.reps), desc="planted 3000"):
        h = generate(3000, seed=5000 + r, questions=bank, groups=True)
        wb = workbook_of(h, bank)
        d = fairness.dif(wb, h.candidate_groups)
        iv = fairness.interviewer_impact(wb, h.candidate_groups)
        pq = (d["question_id"] == "mid-caching") & (d["focal"] == "woman")
        hit_q.append(bool((d.loc[pq, "flag"] == "harder_for_focal").any()))
        false_q.append(int(((d["flag"] != "") & ~pq).sum()))
        pi = (iv["interviewer"] == "Casey") & (iv["group"] == "woman")
        hit_iv.append(bool((iv.loc[pi, "flag"] == "lower").any()))
        false_iv.append(int(((iv["flag"] == "lower") & ~pi & (iv["interviewer"] != "Casey")).sum()))
    res["planted_3000"] = {"question_found": _rate(hit_q), "interviewer_found": _rate(hit_iv),
                           "other_questions_flagged_per_history": round(float(np.mean(false_q)), 2),
                           "other_interviewers_flagged_lower_per_history": round(float(np.mean(false_iv)), 2)}
    for name, gap in (("null_1200", 0.0), ("ability_gap_1200", 0.5)):
        fam, raw = [], []
        for r in tqdm(range(2 * args.reps), desc=name):
            h = generate(1200, seed=7000 + r, questions=bank, groups=True, dif_shift=0, interviewer_bias=0,
                         group_ability_gap=gap)
            d = fairness.dif(workbook_of(h, bank), h.candidate_groups)
            d = d[d["p_value"].notna()]
            raw += list(d["p_value"] < 0.05)
            fam += list(d.groupby(["attribute", "focal"])["flag"].apply(lambda f: (f != "").any()))
        res[name] = {"families_with_a_false_flag": _rate(fam), "raw_p_below_05": _rate(raw)}
    out = HERE / "fairness_sim.json"
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
