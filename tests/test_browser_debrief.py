"""The candidate debrief page in a real browser (Debian's Chromium, offline, from file://).

A hiring committee opens the page from a shared folder: it must render with no network, show the
fair score, every interview and the notes as text. Issue 24: the fair-score strip is readable (drawn
at least 120 px high, tick labels of at least 12 px, an axis titled "fair score (1-4 rubric)") and an
adjusted score beyond the rubric is shown at its end, starred, with the one-line note under the answers.
Screenshots go to ``test-artifacts/`` (``debrief.png``: the page; ``debrief-strip.png``: the strip).
"""

from __future__ import annotations

import pytest

from analysis.reports.debrief import write_debrief
from analysis.stats.debrief import debrief
from analysis.io.load import load

pytestmark = pytest.mark.browser


def test_debrief_page_renders_offline(page, tmp_path, artifacts_dir):
    wb = load(None, progress=False)  # the shipped demo
    cid = str(wb.scores["candidate_id"].value_counts().index[0])  # the candidate with the most answers
    db = debrief(wb, cid)
    page_path = write_debrief(db, tmp_path, pdf=False)["html"]
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(page_path.as_uri())
    assert page.locator("h1").inner_text().startswith(f"Candidate debrief: {cid}")
    assert "Fair score" in page.locator(".fair").inner_text()
    rows = page.locator("table").nth(1).locator("tr")
    assert rows.count() == len(db.answers) + 1  # header + one row per answer
    assert page.locator("svg[aria-label]").count() == 1  # the fair score among the level
    assert all(u.startswith("file:") for u in requests), requests
    page.screenshot(path=str(artifacts_dir / "debrief.png"), full_page=True)


def test_fair_score_strip_is_readable_and_out_of_rubric_scores_are_explained(page, tmp_path, artifacts_dir):
    wb = load(None, progress=False)
    # the demo candidate with the most answers among those with an adjusted score beyond the rubric
    counts = wb.scores["candidate_id"].astype(str).value_counts()
    db = next(d for d in (debrief(wb, c) for c in counts.index) if (d.answers["outside_rubric"] != "").any())
    outside = db.answers[db.answers["outside_rubric"] != ""]
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(write_debrief(db, tmp_path, pdf=False)["html"].as_uri())

    strip = page.locator(".strip svg")
    box = strip.bounding_box()
    assert box["height"] >= 120 and box["width"] >= 600, box            # was 70 px high
    label = page.locator(".strip .axis-label")
    assert label.is_visible() and label.text_content() == "fair score (1-4 rubric)"
    sizes = page.locator(".strip text").evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert min(sizes) >= 12, sizes                                       # was 11 px
    for n in ("1", "2", "3", "4"):
        assert page.locator(".strip text", has_text=n).count() >= 1
    strip.screenshot(path=str(artifacts_dir / "debrief-strip.png"))

    starred = page.locator("td.clipped")
    assert starred.count() == len(outside)
    for i in range(starred.count()):
        value = float(starred.nth(i).text_content().rstrip("*"))
        assert 1.0 <= value <= 4.0                                       # shown at the rubric's end
    note = page.locator(".rubric-note")
    assert note.is_visible()
    text = note.inner_text()
    assert text.startswith(f"* {len(outside)} adjusted score") and "outside the 1-4 rubric" in text
    page.screenshot(path=str(artifacts_dir / "debrief-rubric-note.png"), full_page=True)
