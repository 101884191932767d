"""The findings brief: the few things a hiring lead should do now, computed from the tables.

>>> from analysis.reports.brief import findings, markdown
>>> items = findings(cal)              # doctest: +SKIP  (a Calibration)
>>> print(markdown(items))             # doctest: +SKIP

Each finding is one plain sentence with its evidence and its uncertainty, and nothing is stated that
the 95% interval does not support. The brief decides nothing itself: it names exactly the questions and
interviewers whose ``verdict`` (:mod:`analysis.stats.verdicts`, the one place every output reads) says so:

- ``keep``: the whole discrimination interval is at least "good" (>= 0.30); ``rewrite``: the whole
  interval is "poor" (< 0.20; the bands of :data:`analysis.stats.discrimination.EBEL_BANDS`), a
  question to **rewrite or retire**; ``too few``: asked of too few candidates (``min_n``), a question to
  **ask more often**; an interval end within its Monte Carlo error of a band edge is ``watch``;
- an interviewer is named when their verdict is ``harsher`` or ``softer`` (the severity interval
  clears zero and they have at least :data:`analysis.config.SMALL_GROUP` interviews): a calibration
  conversation, not a judgement of the person;
- a question is called drifting only when its one-sided trend test survives the false discovery
  rate (q < 0.05);
- a level is called unreliable when Cronbach's alpha of its interviews is below 0.6.

A rewritten question is named by its version (``mid-caching v2``, :mod:`analysis.stats.item_ids`); only
the newest version a table shows gets advice (an older one was rewritten already: the brief says so
once and points to the before-and-after view). A "rewrite or retire" finding says how to act: the
commands ``python -m analysis bank rewrite QID --data D --question "..."`` (a new version, measured on
its own from then on) and ``python -m analysis bank retire QID --data D``, or the bank editor in
notebook 01.

The brief is written as ``brief.md`` by ``python -m analysis report`` and shown at the top of
``index.html``.
"""

from __future__ import annotations

from dataclasses import dataclass

import shlex

import pandas as pd

from analysis._text import escape_html
from analysis.stats.item_ids import item_labels
from analysis.stats.small_groups import suppress_small_interviewers
from analysis.stats.verdicts import interviewer_verdicts, question_verdicts

__all__ = ["Finding", "findings", "markdown", "brief_html", "ALPHA_FLOOR"]

#: Below this reliability two interviews of the same candidate often disagree (Nunnally's 0.6 for
#: early-stage instruments).
ALPHA_FLOOR = 0.6


@dataclass(frozen=True)
class Finding:
    """One thing to do: ``action`` (keep, rewrite or retire, ask more often, talk, check, fix),
    ``sentence`` (plain text, the advice), ``evidence`` (the numbers and their uncertainty)."""

    action: str
    sentence: str
    evidence: str


def _r(v) -> str:
    return f"{float(v):.2f}"


def _signed(v) -> str:
    """``+0.21``; a bound that rounds to zero keeps a third decimal (``+0.004`` clears zero)."""
    v = float(v)
    return f"{v:+.3f}" if 0 < abs(v) < 0.005 else f"{v:+.2f}"


def _list(names, limit=6) -> str:
    names = [str(n) for n in names]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _how_to_act(qid: str, data) -> str:
    """How to rewrite or retire ``qid`` (its stable id): the bank commands and the notebook's editor."""
    folder = shlex.quote(str(data)) if data is not None else "<data folder>"
    q = shlex.quote(str(qid))
    return (f" To act: python -m analysis bank rewrite {q} --data {folder} --question \"...\" (a new version, "
            f"measured on its own from then on) or python -m analysis bank retire {q} --data {folder}; or use the "
            "bank editor in notebook 01.")


def _current(qs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(current, superseded)``: the rows of the newest version of each question the table shows,
    labelled by item (``mid-caching v2``), and the older versions'."""
    if "version" not in qs or qs.empty:
        return qs, qs.iloc[0:0]
    labelled = qs.assign(stable_id=qs["question_id"].astype(str), question_id=item_labels(qs))
    newest = labelled.groupby("stable_id")["version"].transform("max")
    keep = (labelled["version"] == newest).to_numpy()
    return labelled[keep], labelled[~keep]


def findings(cal, *, data=None) -> list[Finding]:
    """The findings of a :class:`analysis.stats.calibration.Calibration`, most actionable first.

    Parameters
    ----------
    cal : Calibration
    data : path-like, optional
        The data folder, named in the commands a "rewrite or retire" finding gives (default: a
        placeholder).

    Returns
    -------
    list of Finding
        Empty lists of a kind are left out; when nothing clears its interval the brief says so
        in one finding rather than staying silent.
    """
    out: list[Finding] = []
    min_n = int(cal.meta.get("min_n", 30))
    qs, superseded = _current(cal.question_stats)
    verdict = qs["verdict"] if "verdict" in qs else question_verdicts(qs, cal.meta.get("n_boot"))
    judged = qs[verdict != "too few"]
    poor = qs[verdict == "rewrite"].sort_values("discrimination")
    good = qs[verdict == "keep"].sort_values("discrimination", ascending=False)
    few = qs[verdict == "too few"].sort_values("n_candidates")
    for _, q in poor.iterrows():
        out.append(Finding("rewrite or retire",
                           f"Rewrite or retire {q['question_id']}: it does not tell strong from weak candidates."
                           + _how_to_act(q.get("stable_id", q["question_id"]), data),
                           f"discrimination {_r(q['discrimination'])}, 95% interval {_r(q['discrimination_low'])} to "
                           f"{_r(q['discrimination_high'])}, all of it below 0.20 (poor); {int(q['n_candidates'])} "
                           "candidates"))
    if len(good):
        out.append(Finding("keep",
                           f"Keep {_list(good['question_id'])}: {'it separates' if len(good) == 1 else 'they separate'} "
                           "strong from weak candidates well.",
                           "whole 95% interval at or above 0.30 (good): " + "; ".join(
                               f"{q['question_id']} {_r(q['discrimination'])} [{_r(q['discrimination_low'])}, "
                               f"{_r(q['discrimination_high'])}]" for _, q in good.head(6).iterrows())))
    if len(few):
        out.append(Finding("ask more often",
                           f"Ask {'this question' if len(few) == 1 else 'these questions'} more often, too few "
                           f"candidates have been asked to judge {'it' if len(few) == 1 else 'them'}: "
                           f"{_list(few['question_id'])}.",
                           f"fewer than {min_n} candidates each ("
                           + ", ".join(f"{q['question_id']} {int(q['n_candidates'])}" for _, q in few.head(6).iterrows())
                           + ")"))
    if len(superseded):
        names = sorted(set(superseded["stable_id"]))
        out.append(Finding("compare",
                           f"{_list(names)} {'was' if len(names) == 1 else 'were'} rewritten: the advice above is "
                           "for the newest version; compare the versions before and after (notebook 01's bank "
                           "editor, or analysis.stats.version_view.version_comparison).",
                           "earlier versions measured on their own: " + "; ".join(
                               f"{q['question_id']} {_r(q['discrimination'])} [{_r(q['discrimination_low'])}, "
                               f"{_r(q['discrimination_high'])}]" for _, q in superseded.head(6).iterrows())))
    if not len(poor) and not len(good) and len(judged):
        out.append(Finding("wait", "No question is yet clearly good or clearly poor: keep collecting interviews.",
                           f"{len(judged)} questions judged; every 95% interval spans more than one band, or ends "
                           "within its Monte Carlo error of a band edge"))
    iv = cal.interviewer_stats
    iv = suppress_small_interviewers(iv if "verdict" in iv else iv.assign(verdict=interviewer_verdicts(iv)))
    clear = iv[iv["verdict"].isin(["harsher", "softer"])].sort_values("severity", ascending=False)
    if len(clear):
        harsh = clear[clear["verdict"] == "harsher"]["interviewer"].astype(str).tolist()
        soft = clear[clear["verdict"] == "softer"]["interviewer"].astype(str).tolist()
        who = " and ".join(p for p in (f"{_list(harsh)} (harsher)" if harsh else "",
                                        f"{_list(soft)} (softer)" if soft else "") if p)
        # a severity on the between-candidate basis (analysis.stats.severity) is not a same-candidate comparison
        basis = clear["severity_basis"] if "severity_basis" in clear else pd.Series("", index=clear.index)
        between = clear.loc[basis.fillna("").astype(str).str.startswith("between"), "interviewer"].astype(str).tolist()
        caveat = (f" For {_list(between)} this compares their candidates with everybody else's (too few shared "
                  "candidates), so it is a grading difference only if they get comparable candidates." if between else "")
        out.append(Finding("talk",
                           f"Have a calibration conversation with {who}: for the same candidate and question they "
                           "grade differently from the team (a conversation, not a judgement of the person)." + caveat,
                           "score points vs the team, 95% interval clear of zero: " + "; ".join(
                               f"{r['interviewer']} {_signed(r['severity'])} [{_signed(r['severity_low'])}, "
                               f"{_signed(r['severity_high'])}], {int(r['n_interviews'])} interviews"
                               for _, r in clear.iterrows())))
    dt = cal.drift_tests
    dt = dt.assign(question_id=item_labels(dt)) if "version" in dt else dt   # a leak is a version's: mid-caching v2
    for _, r in dt[dt["drifting"].astype(bool)].sort_values("q_value").iterrows():
        out.append(Finding("check",
                           f"Check whether {r['question_id']} has leaked: candidates do better on it each quarter than "
                           "the rest of their interview predicts.",
                           f"+{float(r['slope_per_year']):.2f} score points a year, q-value {float(r['q_value']):.2g} "
                           f"(false discovery rate across questions); {int(r['n'])} answers"))
    ls = cal.level_stats.dropna(subset=["alpha"])
    for _, r in ls[ls["alpha"] < ALPHA_FLOOR].iterrows():
        out.append(Finding("fix",
                           f"Make {r['level']} interviews more reliable (add a question, tighten the rubric): two "
                           "interviews of the same candidate would often disagree.",
                           f"Cronbach's alpha {float(r['alpha']):.2f} (below {ALPHA_FLOOR}; a point estimate) over "
                           f"{int(r['n_interviews'])} interviews"))
    return out


def markdown(items: list[Finding], meta: dict | None = None) -> str:
    """The brief as Markdown (``brief.md``): a heading, the slice, one bullet per finding."""
    lines = ["# What to do now", ""]
    if meta:
        lines += [f"{meta.get('n_interviews')} interviews of {meta.get('n_candidates')} candidates, "
                  f"{meta.get('start')} to {meta.get('end')}; criterion {meta.get('criterion')}, level "
                  f"{meta.get('level')}. Intervals are 95%.", ""]
    if not items:
        lines.append("- Nothing clears its interval yet: keep collecting interviews.")
    for f in items:
        lines.append(f"- **{f.action.capitalize()}.** {f.sentence} ({f.evidence})")
    return "\n".join(lines) + "\n"


def brief_html(items: list[Finding]) -> str:
    """The brief as an HTML fragment for the top of ``index.html``, every text escaped."""
    esc = escape_html
    rows = "".join(f"<li><b>{esc(f.action.capitalize())}.</b> {esc(f.sentence)} "
                   f'<span class="evidence">({esc(f.evidence)})</span></li>' for f in items)
    return "<h2>What to do now</h2>" + (f"<ul>{rows}</ul>" if rows else
                                        "<p>Nothing clears its interval yet: keep collecting interviews.</p>")
