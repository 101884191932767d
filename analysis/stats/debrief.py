"""A candidate debrief for a hiring committee: every interview side by side, and a fair score.

A hiring committee reads one candidate at a time. :func:`debrief` gathers what it needs from a
loaded workbook:

- **answers**: one row per question asked (interview, date, interviewer, question, score, red
  flag, notes), with the interviewer's **severity** beside the score and the score corrected for it
  (``adjusted = score + severity``: what the team would have given on average), so "a 2 from the
  harshest interviewer" and "a 2 from the softest" are not read alike;
- **interviews**: one row per interview with its recommendation, mean score and interviewer;
- **fair score**: the candidate's ability from the additive severity model
  (:func:`analysis.stats.severity.fit_severity`), expressed on the 1-4 rubric as the score this
  candidate would be expected to get on an average question of their level from an average
  interviewer, with a 95% interval, and where it falls among every candidate of the same level
  (percentile). It is freed of *who* interviewed the candidate and *which* questions they drew;
- **agreement**: where the panel agrees and disagrees: the spread of the recommendations, and each
  question scored by two or more interviewers (panels, shadowing) or asked in two interviews.

:func:`debrief_html` renders it as one self-contained page (every note, name and id escaped); the
command ``python -m analysis debrief CANDIDATE_ID`` writes that page and, where Chromium is
installed, a PDF of it. The candidate appears only under the pseudonymous ``candidate_id`` the
scorecards carry.

How to read the fair score: the interval is what the evidence supports. Two candidates whose
intervals overlap widely are not told apart by these interviews; a fair score well above the
level's median with an interval that clears it is a strong signal whatever the individual
interviewers' habits. It is a summary for the discussion, not a decision rule.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

__all__ = ["Debrief", "debrief", "debrief_html", "write_debrief"]


@dataclass
class Debrief:
    """Result of :func:`debrief`.

    Attributes
    ----------
    candidate_id : str
        The pseudonymous id.
    level : str
        The level the candidate was interviewed for (the latest interview's).
    answers : DataFrame
        ``interview_id, date, interviewer, question_id, question, score, red_flag, severity,
        adjusted, notes``: one row per question asked, in interview order.
    interviews : DataFrame
        ``interview_id, date, interviewer, n_questions, mean_score, n_red_flags, recommendation``.
    fair : dict
        ``score`` (fair score on the 1-4 rubric), ``low``, ``high`` (95% interval), ``se``,
        ``percentile`` (share of candidates of the same level with a lower fair score, 0-100),
        ``level_median`` and ``n_level`` (candidates of that level), ``note`` (why a value is
        missing, if one is).
    agreement : DataFrame
        ``question_id, n_ratings, scores, interviewers, spread, kind``: questions this candidate
        was scored on more than once (``kind``: ``same answer`` for one interview scored by two
        interviewers, ``asked again`` for the question asked in two interviews).
    recommendations : dict
        Counts of each recommendation across the candidate's interviews.
    level_fair_scores : ndarray
        Fair scores of every candidate of the level (for the distribution chart).
    """

    candidate_id: str
    level: str
    answers: pd.DataFrame
    interviews: pd.DataFrame
    fair: dict
    agreement: pd.DataFrame
    recommendations: dict
    level_fair_scores: np.ndarray = field(repr=False, default_factory=lambda: np.array([]))


def debrief(workbook, candidate_id: str, *, fit=None) -> Debrief:
    """Gather one candidate's interviews, severity-corrected scores and fair score.

    Parameters
    ----------
    workbook : analysis.io.load.Workbook
        The loaded data folder.
    candidate_id : str
        The pseudonymous candidate id as the scorecards carry it.
    fit : analysis.stats.severity.SeverityFit, optional
        A severity fit of ``workbook.scores`` (row for row); fitted here when omitted.

    Raises
    ------
    KeyError
        No scorecard carries this candidate id (the message lists how to find valid ids).
    """
    from analysis.stats.severity import fit_severity

    scores = workbook.scores.reset_index(drop=True)
    cid = str(candidate_id).strip()
    mine = scores["candidate_id"].astype(str) == cid
    if not mine.any():
        raise KeyError(f"no scorecard carries candidate id {cid!r}; the ids are in the candidate_id column of "
                       "the scorecards (e.g. workbook.scores['candidate_id'].unique())")
    if fit is None:
        fit = fit_severity(scores)
    sev = fit.interviewers.set_index("interviewer")["severity"]
    rows = scores.loc[mine].copy()
    bank = workbook.questions.set_index("question_id")["question"]
    rows["question"] = rows["question_id"].astype(str).map(bank)
    rows["severity"] = rows["interviewer"].astype(str).map(sev).astype(float)
    # score + severity: a harsh interviewer's (severity > 0) scores are raised to the team's scale
    rows["adjusted"] = rows["score"].astype(float) + rows["severity"].fillna(0.0)
    rows = rows.sort_values(["date", "interview_id"], kind="stable")
    cols = ["interview_id", "date", "interviewer", "question_id", "question", "score", "red_flag", "severity",
            "adjusted", "notes"]
    answers = rows.reindex(columns=cols).reset_index(drop=True)

    interviews = (rows.groupby("interview_id", sort=False, observed=True)
                  .agg(date=("date", "first"), interviewer=("interviewer", "first"),
                       n_questions=("score", "size"), mean_score=("score", "mean"),
                       n_red_flags=("red_flag", "sum"), recommendation=("recommendation", "first"))
                  .reset_index())
    interviews["recommendation"] = interviews["recommendation"].astype(str)
    level = str(rows["level"].iloc[-1])

    fair, level_scores = _fair_score(scores, fit, cid, level)
    agreement = _agreement(rows)
    recs = interviews["recommendation"].value_counts().to_dict()
    return Debrief(cid, level, answers, interviews, fair, agreement, recs, level_scores)


def _fair_score(scores: pd.DataFrame, fit, cid: str, level: str) -> tuple[dict, np.ndarray]:
    """Fair score = mean cell difficulty of the level + the candidate's ability (score points)."""
    out = {"score": np.nan, "low": np.nan, "high": np.nan, "se": np.nan, "percentile": np.nan,
           "level_median": np.nan, "n_level": 0, "note": ""}
    ability = pd.Series(fit.rows["ability"].to_numpy(), index=scores.index)
    per_cand = pd.DataFrame({"candidate_id": scores["candidate_id"].astype(str), "level": scores["level"].astype(str),
                             "ability": ability}).groupby("candidate_id", observed=True).agg(
        level=("level", "last"), ability=("ability", "first"), n=("ability", "size"))
    cells = fit.cells
    base = cells.loc[cells["level"].astype(str) == level, "difficulty"].mean()
    if not np.isfinite(base) or not np.isfinite(per_cand.at[cid, "ability"]):
        out["note"] = "the severity model could not place this candidate (see design diagnostics)"
        return out, np.array([])
    same = per_cand[per_cand["level"] == level]
    fair_all = base + same["ability"].to_numpy(float)
    a = float(per_cand.at[cid, "ability"])
    n = int(per_cand.at[cid, "n"])
    lam = fit.lam if np.isfinite(fit.lam) else 0.0
    # posterior SD of a ridge-shrunk candidate effect with n rows: sigma_e / sqrt(n + lambda)
    se = float(fit.sigma_e / np.sqrt(n + lam)) if np.isfinite(fit.sigma_e) else np.nan
    z = NormalDist().inv_cdf(0.975)
    score = base + a
    out.update(score=score, se=se, low=score - z * se, high=score + z * se,
               percentile=100.0 * float(np.mean(fair_all < score)),
               level_median=float(np.median(fair_all)), n_level=len(fair_all))
    if len(fair_all) < 5:
        out.update(percentile=np.nan, level_median=np.nan,
                   note="fewer than 5 candidates at this level: no distribution shown")
        fair_all = np.array([])
    return out, fair_all


def _agreement(rows: pd.DataFrame) -> pd.DataFrame:
    cols = ["question_id", "n_ratings", "scores", "interviewers", "spread", "kind"]
    out = []
    for q, g in rows.groupby("question_id", sort=True, observed=True):
        if len(g) < 2:
            continue
        kind = "same answer" if g["interview_id"].nunique() == 1 or g["date"].nunique() == 1 else "asked again"
        s = g["score"].astype(int).tolist()
        out.append({"question_id": str(q), "n_ratings": len(g), "scores": ", ".join(map(str, s)),
                    "interviewers": ", ".join(g["interviewer"].astype(str)), "spread": max(s) - min(s),
                    "kind": kind})
    return pd.DataFrame(out, columns=cols)


# --------------------------------------------------------------------------------------------------
# rendering

_CSS = """
body { font-family: 'Liberation Sans', Arial, sans-serif; margin: 2rem; color: #222; max-width: 60rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
.num { text-align: right; white-space: nowrap; }
.fair { font-size: 1.1rem; padding: 0.8rem; background: #f4f7fb; border-left: 4px solid #2a6fb0; }
.flag { color: #b00020; font-weight: bold; }
.note { color: #555; font-size: 0.85rem; }
svg text { font-size: 11px; }
@media print { body { margin: 1cm; } }
"""


def _e(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return html.escape(str(v), quote=True)


def _num(v, digits: int = 2, *, signed: bool = False) -> str:
    """A number for the page, blank when missing; ``signed`` shows the sign of a severity."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return ""
    if not np.isfinite(f):
        return ""
    return f"{f:+.{digits}f}" if signed else f"{f:.{digits}f}"


def _strip_svg(fair: dict, level_scores: np.ndarray) -> str:
    """A small inline SVG: the level's fair scores as ticks, the candidate's score and interval."""
    if not len(level_scores) or not np.isfinite(fair["score"]):
        return ""
    w, h, pad = 560, 70, 30
    lo, hi = 1.0, 4.0

    def x(v):
        return pad + (min(max(v, lo), hi) - lo) / (hi - lo) * (w - 2 * pad)

    ticks = "".join(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="18" y2="34" stroke="#9bb" stroke-width="1"/>'
                    for v in np.round(level_scores, 2))
    axis = "".join(f'<text x="{x(v):.1f}" y="62" text-anchor="middle">{v:g}</text>' for v in (1, 2, 3, 4))
    cand = (f'<line x1="{x(fair["low"]):.1f}" x2="{x(fair["high"]):.1f}" y1="44" y2="44" stroke="#2a6fb0" '
            f'stroke-width="3"/><circle cx="{x(fair["score"]):.1f}" cy="44" r="5" fill="#2a6fb0"/>')
    return (f'<svg width="{w}" height="{h}" role="img" aria-label="fair score among the level">'
            f'<line x1="{pad}" x2="{w - pad}" y1="50" y2="50" stroke="#888"/>{ticks}{cand}{axis}</svg>')


def debrief_html(db: Debrief) -> str:
    """One self-contained HTML page of a :class:`Debrief` (no scripts, every text escaped)."""
    f = db.fair
    if np.isfinite(f["score"]):
        fair = (f'<div class="fair">Fair score <b>{f["score"]:.2f}</b> on the 1-4 rubric '
                f'(95% interval {f["low"]:.2f} to {f["high"]:.2f})')
        if np.isfinite(f["percentile"]):
            fair += (f'; higher than {f["percentile"]:.0f}% of the {f["n_level"]} {_e(db.level)} candidates '
                     f'(their median: {f["level_median"]:.2f})')
        fair += ".</div>"
    else:
        fair = f'<div class="fair">No fair score: {_e(f["note"])}.</div>'
    if f.get("note") and np.isfinite(f["score"]):
        fair += f'<p class="note">{_e(f["note"])}</p>'
    recs = ", ".join(f"{_e(k)}: {v}" for k, v in sorted(db.recommendations.items()))

    iv = "".join(
        f"<tr><td>{_e(r.interview_id)}</td><td>{_e(pd.Timestamp(r.date).date())}</td><td>{_e(r.interviewer)}</td>"
        f'<td class="num">{r.n_questions}</td><td class="num">{r.mean_score:.2f}</td>'
        f'<td class="num">{int(r.n_red_flags)}</td><td>{_e(r.recommendation)}</td></tr>'
        for r in db.interviews.itertuples())
    ans = "".join(
        f"<tr><td>{_e(r.interviewer)}</td><td>{_e(r.question_id)}<br><span class='note'>{_e(r.question)}</span></td>"
        f'<td class="num">{int(r.score)}</td><td class="num">{_num(r.severity, signed=True)}</td>'
        f'<td class="num">{_num(r.adjusted)}</td>'
        f'<td>{"<span class=flag>red flag</span>" if bool(r.red_flag) else ""}</td><td>{_e(r.notes)}</td></tr>'
        for r in db.answers.itertuples())
    if len(db.agreement):
        ag = "".join(f"<tr><td>{_e(r.question_id)}</td><td>{_e(r.kind)}</td><td>{_e(r.scores)}</td>"
                     f"<td>{_e(r.interviewers)}</td><td class='num'>{r.spread}</td></tr>"
                     for r in db.agreement.itertuples())
        agreement = ("<table><tr><th>question</th><th>kind</th><th>scores</th><th>interviewers</th>"
                     f"<th>spread</th></tr>{ag}</table>")
    else:
        agreement = "<p>No question was scored twice for this candidate.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Debrief {_e(db.candidate_id)}</title>
<style>{_CSS}</style></head><body>
<h1>Candidate debrief: {_e(db.candidate_id)} ({_e(db.level)})</h1>
<p class="note">For the hiring committee. The candidate is named only by the pseudonymous id. Severity is
how many score points harsher (+) or softer (-) than the team the interviewer grades; the adjusted score
adds it back, so every score is on the team's scale.</p>
{fair}
{_strip_svg(f, db.level_fair_scores)}
<h2>Recommendations</h2><p>{recs}</p>
<h2>Interviews</h2>
<table><tr><th>interview</th><th>date</th><th>interviewer</th><th>questions</th><th>mean score</th>
<th>red flags</th><th>recommendation</th></tr>{iv}</table>
<h2>Answers</h2>
<table><tr><th>interviewer</th><th>question</th><th>score</th><th>severity</th><th>adjusted</th><th></th>
<th>notes</th></tr>{ans}</table>
<h2>Where the panel agrees and disagrees</h2>
{agreement}
</body></html>
"""


def write_debrief(db: Debrief, out, *, pdf: bool = True) -> dict[str, Path | str]:
    """Write ``debrief-<id>.html`` (and ``.pdf`` with Chromium) into ``out``.

    Returns ``{"html": path, "pdf": path or the reason it was skipped}``. The file name is made
    safe with :func:`analysis.io.store.safe_filename`, so an id cannot leave ``out``.
    """
    from analysis.io.store import safe_filename

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"debrief-{safe_filename(db.candidate_id)}"
    page = out / f"{stem}.html"
    tmp = out / f".{stem}.html.part"
    tmp.write_text(debrief_html(db), encoding="utf-8")
    tmp.replace(page)
    result: dict[str, Path | str] = {"html": page}
    if pdf:
        result["pdf"] = _print_pdf(page, out / f"{stem}.pdf")
    return result


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _print_pdf(page: Path, target: Path) -> Path | str:
    """Print an HTML page to PDF with headless Chromium; the reason as text when it cannot."""
    exe = _chromium()
    if exe is None:
        return ("skipped: the PDF needs Chromium (Debian: apt-get install chromium); "
                "the HTML page prints to PDF from any browser")
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={target}",
               page.resolve().as_uri()]
        try:
            subprocess.run(cmd, capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"skipped: Chromium failed ({exc})"
    if not target.exists() or target.stat().st_size == 0:
        return "skipped: Chromium did not write the PDF"
    return target
