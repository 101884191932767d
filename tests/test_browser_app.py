"""The interviewer app (notebooks/interview_app.ipynb) served by Voila behind a token, in Chromium.

``make interview`` shares the app with colleagues on the network, so it is never served without
Jupyter's token authentication. The page an interviewer sees holds the two forms and a short how-to,
and none of the notebook developer's text.
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_fixtures import wait_for_voila_app
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "notebooks" / "interview_app.ipynb"
DEVELOPER_TEXT = ("analysis.io.store", "make interview", "ignored by git", "8866", "papermill", "import ")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status(url: str) -> int:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(url, timeout=30).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_app_needs_the_token_and_shows_only_the_forms(page, voila_server, tmp_path, artifacts_dir):
    data = tmp_path / "data"
    (data / "scores").mkdir(parents=True)
    (data / "questions.csv").write_bytes((REPO / "data" / "questions.csv").read_bytes())
    token = secrets.token_urlsafe(16)
    server = voila_server(APP, env={"INTERVIEW_DATA": str(data)}, token=token)
    # without the token: sent to the login page, never the app
    assert _status(server.url) in (302, 401, 403)
    assert _status(f"{server.url}?token=wrong") in (302, 401, 403)
    page.goto(f"{server.url}?token={token}")
    wait_for_voila_app(page)
    body = page.locator("#rendered_cells")
    expect(page.locator(".lm-TabBar-tabLabel")).to_have_text(["Run an interview", "Log a past interview"],
                                                             timeout=60_000)
    expect(page.get_by_text("Start interview")).to_be_visible()
    text = body.inner_text()
    assert "Run an interview" in text and "red flag" in text
    for phrase in DEVELOPER_TEXT:
        assert phrase not in text, phrase
    page.screenshot(path=str(artifacts_dir / "interviewer_app_voila.png"), full_page=True)


def test_form_offers_only_the_roster_names(page, voila_server, tmp_path):
    # A roster lists who interviews: the form's name list holds its active names only, not the
    # spellings found on old scorecards and not people marked inactive.
    data = tmp_path / "data"
    (data / "scores" / "2026").mkdir(parents=True)
    (data / "questions.csv").write_bytes((REPO / "data" / "questions.csv").read_bytes())
    (data / "interviewers.csv").write_text("interviewer,aliases,active\nAvery Chen,avery,true\n"
                                           "Blake Moss,,false\nDana Ruiz,,true\n", encoding="utf-8")
    token = secrets.token_urlsafe(16)
    server = voila_server(APP, env={"INTERVIEW_DATA": str(data)}, token=token)
    page.goto(f"{server.url}?token={token}")
    wait_for_voila_app(page)
    options = page.locator("datalist").first.locator("option")
    expect(options).to_have_count(2, timeout=60_000)
    assert sorted(options.evaluate_all("els => els.map(e => e.value)")) == ["Avery Chen", "Dana Ruiz"]
