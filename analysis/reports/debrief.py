"""The candidate debrief page: one self-contained HTML page (and its PDF) for a hiring committee.

:func:`debrief_html` renders a :class:`analysis.stats.debrief.Debrief` (the numbers: answers with the
interviewer's severity and verdict, interviews, fair score, agreement) as one page with no script, every note,
name and id escaped with :func:`analysis._text.escape_html`; :func:`write_debrief` writes it into an
output folder and, where Chromium is installed, prints it to PDF. The command
``python -m analysis debrief CANDIDATE_ID`` and notebook 04 call it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis._text import escape_html
from analysis.charts.theme import NEUTRALS, OKABE_ITO
from analysis.io.files import atomic_write
from analysis.io.folder import output_folder
from analysis.io.files import safe_filename
from analysis.stats.debrief import RUBRIC, Debrief

__all__ = ["debrief_html", "write_debrief"]

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
.strip { margin: 0.8rem 0 0.2rem; max-width: 46rem; }
.strip svg { display: block; width: 100%; height: auto; }
.strip text { font-size: 14px; fill: #333; }
.strip .axis-label { font-size: 14px; font-weight: bold; }
.clipped { color: #0072B2; }
@media print { body { margin: 1cm; } }
"""


def _num(v, digits: int = 2, *, signed: bool = False) -> str:
    """A number for the page, blank when missing; ``signed`` shows the sign of a severity."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return ""
    if not np.isfinite(f):
        return ""
    return f"{f:+.{digits}f}" if signed else f"{f:.{digits}f}"


#: The fair-score strip's drawing size (its viewBox; the page scales it to the column, 46rem at most).
STRIP_WIDTH, STRIP_HEIGHT = 720, 170


def _strip_svg(fair: dict, level_scores: np.ndarray, level: str) -> str:
    """The fair score among the level, as an inline SVG: each candidate of the level a grey tick, the
    level's median a dashed line, this candidate a blue dot with its 95% interval, on an axis from 1 to 4
    in half points titled "fair score (1-4 rubric)", with a one-line key above it. A value beyond the
    rubric is drawn at its end with an arrow head."""
    if not len(level_scores) or not np.isfinite(fair["score"]):
        return ""
    w, h, pad = STRIP_WIDTH, STRIP_HEIGHT, 40
    lo, hi = RUBRIC
    blue, grey, ink = OKABE_ITO["blue"], NEUTRALS["light"], NEUTRALS["ink"]

    def x(v):
        return pad + (min(max(v, lo), hi) - lo) / (hi - lo) * (w - 2 * pad)

    ticks = "".join(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="46" y2="78" stroke="{grey}" stroke-width="2"/>'
                    for v in np.round(level_scores, 2))
    axis_y = 100
    steps = np.arange(lo, hi + 0.25, 0.5)
    axis = "".join(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{axis_y}" y2="{axis_y + 6}" stroke="{ink}"/>'
                   f'<text x="{x(v):.1f}" y="{axis_y + 24}" text-anchor="middle">{v:g}</text>' for v in steps)
    median = fair.get("level_median", np.nan)
    med = (f'<line x1="{x(median):.1f}" x2="{x(median):.1f}" y1="40" y2="{axis_y}" stroke="{ink}" '
           f'stroke-dasharray="4 3"/>' if np.isfinite(median) else "")
    cy = 88
    cand = (f'<line x1="{x(fair["low"]):.1f}" x2="{x(fair["high"]):.1f}" y1="{cy}" y2="{cy}" stroke="{blue}" '
            f'stroke-width="4"/><circle cx="{x(fair["score"]):.1f}" cy="{cy}" r="7" fill="{blue}" stroke="white" '
            'stroke-width="1.5"/>')
    key = (f'<text x="{pad}" y="22"><tspan fill="{NEUTRALS["secondary"]}">| each {escape_html(level)} candidate</tspan>'
           f'<tspan dx="18" fill="{blue}">&#9679; this candidate, 95% interval</tspan>'
           + ('<tspan dx="18">- - level median</tspan>' if np.isfinite(median) else "") + "</text>")
    label = (f'<text class="axis-label" x="{w / 2:.0f}" y="{h - 8}" text-anchor="middle">'
             f'fair score ({lo:g}-{hi:g} rubric)</text>')
    return (f'<div class="strip"><svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            f'aria-label="fair score {fair["score"]:.2f} among the {escape_html(level)} candidates, on the {lo:g}-{hi:g} '
            f'rubric"><line x1="{pad}" x2="{w - pad}" y1="{axis_y}" y2="{axis_y}" stroke="{ink}"/>'
            f'{key}{ticks}{med}{cand}{axis}{label}</svg></div>')


def _adjusted_cell(r) -> str:
    """The adjusted score of an answer; beyond the rubric, shown at its end with a star and the computed
    value in the tooltip."""
    if not getattr(r, "outside_rubric", ""):
        return f'<td class="num">{_num(r.adjusted)}</td>'
    lo, hi = RUBRIC
    shown = min(max(float(r.adjusted), lo), hi)
    return (f'<td class="num clipped" title="score + severity = {_num(r.adjusted)}, {escape_html(r.outside_rubric)}'
            f' on the {lo:g}-{hi:g} rubric">{shown:.2f}*</td>')


def _rubric_note(answers: pd.DataFrame) -> str:
    """One line under the answers when an adjusted score left the rubric, else nothing."""
    out = answers[answers.get("outside_rubric", pd.Series("", index=answers.index)).astype(str) != ""]
    if out.empty:
        return ""
    lo, hi = RUBRIC
    values = ", ".join(_num(v) for v in out["adjusted"].head(6)) + (", ..." if len(out) > 6 else "")
    n = len(out)
    return (f'<p class="note rubric-note">* {n} adjusted score{"s" if n != 1 else ""} fell outside the '
            f'{lo:g}-{hi:g} rubric ({values}) and {"are" if n != 1 else "is"} shown at its nearest end: the '
            f'interviewer gave the top (or bottom) score and grades harsher (or softer) than the team, and the '
            f'rubric has no score beyond its ends.</p>')


def debrief_html(db: Debrief) -> str:
    """One self-contained HTML page of a :class:`Debrief` (no scripts, every text escaped)."""
    f = db.fair
    if np.isfinite(f["score"]):
        fair = (f'<div class="fair">Fair score <b>{f["score"]:.2f}</b> on the 1-4 rubric '
                f'(95% interval {f["low"]:.2f} to {f["high"]:.2f})')
        if np.isfinite(f["percentile"]):
            fair += (f'; higher than {f["percentile"]:.0f}% of the {f["n_level"]} {escape_html(db.level)} candidates '
                     f'(their median: {f["level_median"]:.2f})')
        fair += ".</div>"
    else:
        fair = f'<div class="fair">No fair score: {escape_html(f["note"])}.</div>'
    if f.get("note") and np.isfinite(f["score"]):
        fair += f'<p class="note">{escape_html(f["note"])}</p>'
    recs = ", ".join(f"{escape_html(k)}: {v}" for k, v in sorted(db.recommendations.items()))

    iv = "".join(
        f"<tr><td>{escape_html(r.interview_id)}</td><td>{escape_html(pd.Timestamp(r.date).date())}</td>"
        f"<td>{escape_html(r.interviewer)}</td><td class='verdict'>{escape_html(getattr(r, 'verdict', ''))}</td>"
        f'<td class="num">{r.n_questions}</td><td class="num">{r.mean_score:.2f}</td>'
        f'<td class="num">{int(r.n_red_flags)}</td><td>{escape_html(r.recommendation)}</td></tr>'
        for r in db.interviews.itertuples())
    ans = "".join(
        f"<tr><td>{escape_html(r.interviewer)}</td><td>{escape_html(r.question_id)}<br>"
        f"<span class='note'>{escape_html(r.question)}</span></td>"
        f'<td class="num">{int(r.score)}</td><td class="num">{_num(r.severity, signed=True)}</td>'
        f"<td class='verdict'>{escape_html(getattr(r, 'verdict', ''))}</td>"
        f'{_adjusted_cell(r)}'
        f'<td>{"<span class=flag>red flag</span>" if bool(r.red_flag) else ""}</td><td>{escape_html(r.notes)}</td></tr>'
        for r in db.answers.itertuples())
    if len(db.agreement):
        ag = "".join(f"<tr><td>{escape_html(r.question_id)}</td><td>{escape_html(r.kind)}</td>"
                     f"<td>{escape_html(r.scores)}</td>"
                     f"<td>{escape_html(r.interviewers)}</td><td class='num'>{r.spread}</td></tr>"
                     for r in db.agreement.itertuples())
        agreement = ("<table><tr><th>question</th><th>kind</th><th>scores</th><th>interviewers</th>"
                     f"<th>spread</th></tr>{ag}</table>")
    else:
        agreement = "<p>No question was scored twice for this candidate.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Debrief {escape_html(db.candidate_id)}</title>
<style>{_CSS}</style></head><body>
<h1>Candidate debrief: {escape_html(db.candidate_id)} ({escape_html(db.level)})</h1>
<p class="note">For the hiring committee. The candidate is named only by the pseudonymous id. Severity is
how many score points harsher (+) or softer (-) than the team the interviewer grades; the adjusted score
adds it back, so every score is on the team's scale. The verdict is the calibration report's for that
interviewer (interviewer_stats.csv): harsher or softer when the severity's 95% interval clears 0, not clear
when it includes 0 (the correction is then a best estimate, not a finding), too few under the privacy
floor.</p>
{fair}
{_strip_svg(f, db.level_fair_scores, db.level)}
<h2>Recommendations</h2><p>{recs}</p>
<h2>Interviews</h2>
<table><tr><th>interview</th><th>date</th><th>interviewer</th><th>verdict</th><th>questions</th><th>mean score</th>
<th>red flags</th><th>recommendation</th></tr>{iv}</table>
<h2>Answers</h2>
<table><tr><th>interviewer</th><th>question</th><th>score</th><th>severity</th><th>verdict</th><th>adjusted</th><th></th>
<th>notes</th></tr>{ans}</table>
{_rubric_note(db.answers)}
<h2>Where the panel agrees and disagrees</h2>
{agreement}
</body></html>
"""


def write_debrief(db: Debrief, out, *, pdf: bool = True) -> dict[str, Path | str]:
    """Write ``debrief-<id>.html`` (and ``.pdf`` with Chromium) into ``out``.

    Returns ``{"html": path, "pdf": path or the reason it was skipped}``. The file name is made
    safe with :func:`analysis.io.store.safe_filename`, so an id cannot leave ``out``; the page is
    written atomically (:func:`analysis.io.files.atomic_write`). When the debrief knows the data
    folder it was read from (``db.data``), ``out`` is checked by
    :func:`analysis.io.folder.output_folder` first: never the data folder or inside it
    (:class:`~analysis.errors.OutputFolderError`).
    """
    out = Path(out) if db.data is None else output_folder(out, db.data)
    stem = f"debrief-{safe_filename(db.candidate_id)}"
    page = atomic_write(out / f"{stem}.html", debrief_html(db), overwrite=True)
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
