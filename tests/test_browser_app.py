"""The interviewer app (notebooks/interview_app.ipynb) served by Voila behind a token, in Chromium.

``make interview`` shares the app with colleagues on the network, so it is never served without
Jupyter's token authentication. The page an interviewer sees holds the two forms and a short how-to,
and none of the notebook developer's text; what it says after a save names the interview and the
number of questions, never a file on the server (issue 24; screenshot ``interviewer_app_saved.png``).
"""

from __future__ import annotations

import re
import secrets
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_fixtures import wait_for_voila_app
from playwright.sync_api import expect

from analysis.widgets.forms import SCORE_LABELS

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

    # a colleague logs a past interview: the message says what was saved, not where on the server
    page.locator(".lm-TabBar-tabLabel", has_text="Log a past interview").click()
    log = page.locator(".icw-log-form")
    log.locator(".icw-log-candidate input").fill("C-0424")
    log.locator(".icw-log-interviewer input").fill("Avery Chen")
    log.locator(".icw-log-date input").fill("2026-04-20")
    rows = log.locator(".icw-log-row")
    expect(rows).to_have_count(7, timeout=60_000)
    for i in range(7):
        rows.nth(i).locator(".icw-log-score select").select_option(label=SCORE_LABELS[3])
    log.locator(".icw-log-recommendation select").select_option(label="Yes")
    log.locator(".icw-log-save").click()
    status = log.locator(".icw-log-status")
    expect(status).to_contain_text(re.compile(r"Saved interview 2026-04-20-C-0424-\w{8} \(7 questions\)\."),
                                   timeout=60_000)
    (saved,) = (data / "scores").rglob("*.csv")  # written, in the data folder
    shown = body.inner_text()
    for secret in (str(data), str(data.resolve()), str(saved), saved.name, str(tmp_path)):
        assert secret not in shown, secret
    expect(log.locator(".icw-log-saved-path")).to_have_count(0)
    log.screenshot(path=str(artifacts_dir / "interviewer_app_saved.png"))


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
