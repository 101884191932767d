"""The candidate debrief page in a real browser (Debian's Chromium, offline, from file://).

A hiring committee opens the page from a shared folder: it must render with no network, show the
fair score, every interview and the notes as text. A screenshot goes to ``test-artifacts/``.
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
    page.goto(page_path.as_uri())
    assert page.locator("h1").inner_text().startswith(f"Candidate debrief: {cid}")
    assert "Fair score" in page.locator(".fair").inner_text()
    rows = page.locator("table").nth(1).locator("tr")
    assert rows.count() == len(db.answers) + 1  # header + one row per answer
    assert page.locator("svg[aria-label]").count() == 1  # the fair score among the level
    assert all(u.startswith("file:") for u in requests), requests
    page.screenshot(path=str(artifacts_dir / "debrief.png"), full_page=True)
