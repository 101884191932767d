"""The interview form in a real browser: JupyterLab and the Voila app, driven by Playwright in
Debian's Chromium (plumbing in ``tests/browser_fixtures.py``).

Each test works on a copy of ``notebooks/02_run_interview.ipynb`` in a temporary folder with a
temporary data folder (a copy of the bank, nothing else): in JupyterLab the copy's ``parameters``
cell is pointed at it, for Voila the server gets ``INTERVIEW_DATA``. A test fills the form like an
interviewer (set-up, one question at a time, a red flag, a note with HTML in it, recommendation),
saves, and then reads the scorecard back from disk with :func:`analysis.io.load.load`, comparing every
value. The HTML in the note must show as text and run nothing (no dialog, no ``<img>`` element).
A screenshot of each finished form goes to ``test-artifacts/``.

Issue 24's frictions, each proven here on screen (and in the named screenshot):

- a red flag beside a score above 1 is pointed out and saved only once confirmed
  (``test_resume_after_the_kernel_stops``: ``interview_form_red_flag_warning.png``; the log form in
  ``test_interview_in_voila``: ``log_form_red_flag_warning.png``);
- recommendations are buttons and options in words ("Strong yes"), saved as codes (every save);
- the log form: its date starts empty with a hint, empty rows are named and dropped in one click
  (``log_form_empty_rows.png``), notes are multi-line, the set-up placeholders fit their boxes;
- the app (Voila) says "Saved interview <id> (N questions)" and shows no file path
  (``interview_form_voila.png``, ``log_form_voila.png``); JupyterLab still shows the file.

Widgets are found by the stable ``icw-*`` classes the forms put on them.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.request
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from analysis.io.drafts import list_drafts
from analysis.io.interviews import RECOMMENDATION_LABELS
from analysis.widgets.forms import SCORE_LABELS
from analysis.io.load import load

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "02_run_interview.ipynb"
XSS = "<img src=x onerror=alert(1)>"
TIMEOUT = 90_000  # ms; a cold kernel on a 2-core machine


# -- set-up helpers ------------------------------------------------------------------------------


@pytest.fixture
def data_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    (folder / "scores").mkdir(parents=True)
    shutil.copyfile(REPO / "data" / "questions.csv", folder / "questions.csv")
    return folder


def _notebook_copy(root: Path, data: Path | None = None, name: str = "interview.ipynb") -> Path:
    """Copy the notebook to ``root``; with ``data``, point its parameters cell at that folder."""
    root.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    if data is not None:
        (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert "data = None" in cell.source
        cell.source = cell.source.replace("data = None", f"data = {str(data)!r}")
    path = root / name
    nbformat.write(nb, path)
    return path


def _watch_dialogs(page: Page) -> list[str]:
    """Record (and dismiss) every alert/confirm/prompt the page opens."""
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _run_all_in_lab(page: Page, server, notebook: str):
    """Open ``notebook`` in JupyterLab, wait for its kernel, run all cells, return the form."""
    page.goto(server.lab_url(notebook))
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=TIMEOUT)
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").wait_for(timeout=TIMEOUT)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    form = page.locator(".icw-interview-form")
    form.wait_for(timeout=TIMEOUT)
    return form


def _fill_setup(form, *, candidate: str, level: str, interviewer: str, date: str) -> None:
    form.locator(".icw-candidate input").fill(candidate)
    form.locator(".icw-level select").select_option(level)
    form.locator(".icw-interviewer input").fill(interviewer)
    form.locator(".icw-date input").fill(date)
    expect(form.locator(".icw-interview-id")).to_contain_text(f"{date}-{candidate}-", timeout=TIMEOUT)


def _kit(form) -> list[str]:
    """The question ids of the kit as the kit list shows them ("1. jr-s3-basics · junior · data")."""
    labels = form.locator(".icw-kit option").all_inner_texts()
    return [re.sub(r"^\d+\.\s*", "", label.replace("\xa0", " ")).split(" · ")[0] for label in labels]


def _answer(form, index: int, total: int, *, score: int, red_flag: bool = False, notes: str = "",
            red_flag_hint: bool = False) -> None:
    """Answer question ``index`` (0-based) on screen, then press Next (except on the last); with
    ``red_flag_hint``, first check that the warning beside the tick shows (red flag, score above 1)."""
    progress = form.locator(".icw-progress")
    expect(progress).to_contain_text(f"Question {index + 1} of {total}", timeout=TIMEOUT)
    unscored = form.locator(".icw-score input:checked").count() == 0
    scored = int(re.search(r"(\d+) scored", progress.inner_text()).group(1))
    form.locator(".icw-score label", has_text=f"{score} —").click()
    if red_flag:
        form.locator(".icw-red-flag input").check()
    if notes:
        form.locator(".icw-notes textarea").fill(notes)
    hint = form.locator(".icw-red-flag-hint")
    if red_flag_hint:
        expect(hint).to_contain_text(f"ticked with score {score}: the rubric's 1 is 'showed the red flag'",
                                     timeout=TIMEOUT)
    else:
        expect(hint).to_be_hidden()
    # the kernel has taken the score once the progress line counts it: only then press Next (on a
    # loaded machine a Next pressed before that once left the question unscored)
    if unscored:
        expect(progress).to_contain_text(f"· {scored + 1} scored", timeout=TIMEOUT)
    if index + 1 < total:
        form.locator(".icw-next").click()


def _choose_recommendation(form, recommendation: str) -> None:
    """Press the recommendation's button: it shows the words ("Strong yes"), never the code."""
    buttons = form.locator(".icw-recommendation")
    expect(buttons.get_by_role("button", name=recommendation, exact=True)).to_have_count(0)
    buttons.get_by_role("button", name=RECOMMENDATION_LABELS[recommendation], exact=True).click()


def _finish_and_save(form, recommendation: str, data: Path, *, app: bool = False) -> Path:
    """Choose the recommendation, save; return the file written. In JupyterLab the message names
    the file; in an app (Voila) it says "Saved interview <id> (N questions)" and names no path,
    so the file is found in the data folder."""
    _choose_recommendation(form, recommendation)
    form.locator(".icw-save").click()
    return _saved(form, data, app=app)


def _saved(form, data: Path, *, app: bool, prefix: str = "icw") -> Path:
    status = form.locator(f".{prefix}-status")
    expect(status).to_contain_text("Saved", timeout=TIMEOUT)
    text = status.inner_text()
    iid = re.search(r"Saved interview (\S+) \((\d+) questions\)", text)
    assert iid, text
    (path,) = [p for p in (data / "scores").rglob("*.csv") if iid[1] in p.read_text(encoding="utf-8")]
    if app:
        expect(form.locator(f".{prefix}-saved-path")).to_have_count(0)
        assert str(data) not in text and str(data.resolve()) not in text and "/scores/" not in text, text
    else:
        assert form.locator(f".{prefix}-saved-path").inner_text().strip() == str(path)
    return path


def _assert_saved(data: Path, path: Path, *, candidate, level, interviewer, date, kit, scores, red_flags,
                  notes, recommendation) -> pd.DataFrame:
    assert path.exists() and path.resolve().is_relative_to((data / "scores").resolve())
    wb = load(data, cache=False, progress=False)
    assert wb.problems == []
    got = wb.scores
    assert got["interview_id"].nunique() == 1
    assert got["interview_id"].iloc[0].startswith(f"{date}-{candidate}-")
    assert got["question_id"].astype(str).tolist() == kit
    assert got["score"].tolist() == scores
    assert got["red_flag"].tolist() == red_flags
    assert got["notes"].tolist() == notes
    assert set(got["candidate_id"]) == {candidate}
    assert set(got["level"].astype(str)) == {level}
    assert set(got["interviewer"].astype(str)) == {interviewer}
    assert set(got["date"]) == {pd.Timestamp(date)}
    assert set(got["recommendation"].astype(str)) == {recommendation}
    assert got["duration_seconds"].notna().all() and (got["duration_seconds"] >= 0).all()
    assert list_drafts(data).empty  # the saved interview's draft was removed
    return got


def _assert_html_did_not_run(page: Page, form, dialogs: list[str]) -> None:
    assert dialogs == []
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    # the note is on screen as text in the summary table
    expect(form.locator(".icw-summary .icw-note", has_text=XSS)).to_be_visible()


def _screenshot(page: Page, form, path: Path) -> None:
    """A picture of the whole finished form: grow the viewport so JupyterLab's notebook panel
    (which scrolls inside the page) shows all of it, then shoot the form element."""
    page.set_viewport_size({"width": 1280, "height": 3200})
    form.scroll_into_view_if_needed()
    form.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


def _fill_whole_interview(page: Page, form, scores, red_flag_at, note_at, **setup):
    _fill_setup(form, **setup)
    kit = _kit(form)
    assert len(kit) == len(scores)
    form.locator(".icw-start").click()
    # the guide panel starts closed and opens on a click
    guide = form.locator(".icw-guide-body")
    expect(guide).to_be_hidden(timeout=TIMEOUT)
    form.locator(".icw-guide").get_by_text("Guide: what good looks like").click()
    expect(guide).to_be_visible()
    expect(guide).to_contain_text("What good looks like:")
    expect(guide).to_contain_text("Red flag:")
    for i, s in enumerate(scores):
        _answer(form, i, len(kit), score=s, red_flag=(i == red_flag_at), notes=XSS if i == note_at else "")
    return kit


# -- tests ------------------------------------------------------------------------------------------


def test_interview_in_jupyterlab(page: Page, jupyterlab_server, tmp_path: Path, data_folder: Path,
                                 artifacts_dir: Path) -> None:
    """Fill and save the interview form in JupyterLab; the file holds exactly what was entered."""
    _notebook_copy(tmp_path / "lab", data_folder)
    server = jupyterlab_server(tmp_path / "lab")
    dialogs = _watch_dialogs(page)
    form = _run_all_in_lab(page, server, "interview.ipynb")
    setup = dict(candidate="C-1001", level="mid", interviewer="Robin <b>QA</b>", date="2026-11-20")
    scores = [3, 2, 4, 1, 3, 2, 4]
    kit = _fill_whole_interview(page, form, scores, red_flag_at=3, note_at=1, **setup)
    path = _finish_and_save(form, "no", data_folder)
    _assert_saved(data_folder, path, kit=kit, scores=scores, red_flags=[i == 3 for i in range(7)],
                  notes=[XSS if i == 1 else "" for i in range(7)], recommendation="no", **setup)
    _assert_html_did_not_run(page, form, dialogs)
    _screenshot(page, form, artifacts_dir / "interview_form_jupyterlab.png")


def test_interview_in_voila(page: Page, voila_server, tmp_path: Path, data_folder: Path,
                            artifacts_dir: Path) -> None:
    """The same through the Voila app (data folder given by INTERVIEW_DATA), then the log form."""
    notebook = _notebook_copy(tmp_path / "app")
    server = voila_server(notebook, env={"INTERVIEW_DATA": str(data_folder)})
    dialogs = _watch_dialogs(page)
    page.goto(server.url)
    form = page.locator(".icw-interview-form")
    expect(form).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("from analysis.widgets.forms import")).to_have_count(0)  # an app: no code shown
    setup = dict(candidate="C-2002", level="senior", interviewer="Sam", date="2026-10-05")
    scores = [4, 4, 3, 2, 1, 3]
    kit = _fill_whole_interview(page, form, scores, red_flag_at=4, note_at=5, **setup)
    path = _finish_and_save(form, "strong_yes", data_folder, app=True)
    _assert_saved(data_folder, path, kit=kit, scores=scores, red_flags=[i == 4 for i in range(6)],
                  notes=[XSS if i == 5 else "" for i in range(6)], recommendation="strong_yes", **setup)
    _assert_html_did_not_run(page, form, dialogs)
    _screenshot(page, form, artifacts_dir / "interview_form_voila.png")

    # the log form of the same app: a past interview entered in the grid
    log = page.locator(".icw-log-form")
    for field in (".icw-candidate input", ".icw-interviewer input", ".icw-log-candidate input",
                  ".icw-log-interviewer input"):
        _assert_placeholder_fits(page.locator(field).first)
    # a past interview: the date starts empty, with a hint, instead of a silent "today"
    expect(log.locator(".icw-log-date input")).to_have_value("")
    expect(log.locator(".icw-log-date-hint")).to_contain_text("the day the interview took place")
    log.locator(".icw-log-candidate input").fill("C-2003")
    log.locator(".icw-log-level select").select_option("junior")
    log.locator(".icw-log-interviewer input").fill("Sam")
    rows = log.locator(".icw-log-row")
    expect(rows).to_have_count(7, timeout=TIMEOUT)
    kit7 = [rows.nth(i).locator("code").inner_text() for i in range(7)]
    # the first question was not asked: its row is simply left empty
    log_scores = [2, 3, 4, 1, 2, 3]
    for i, score in enumerate(log_scores, start=1):
        rows.nth(i).locator(".icw-log-score select").select_option(label=SCORE_LABELS[score])
    rows.nth(3).locator(".icw-log-red-flag input").check()  # beside a 4: pointed out
    two_lines = XSS + "\nsecond line"
    rows.nth(5).locator(".icw-log-notes textarea").fill(two_lines)  # notes: a multi-line box
    expect(log.locator(".icw-log-recommendation select option")).to_have_text(
        ["— choose —", "Strong no", "No", "Yes", "Strong yes"])
    log.locator(".icw-log-recommendation select").select_option(label="No")
    warning = log.locator(".icw-log-flag-warning")
    expect(warning).to_contain_text(f"row 4 ({kit7[3]}): red flag shown with score 4", timeout=TIMEOUT)
    log.locator(".icw-log-save").click()
    status = log.locator(".icw-log-status")
    expect(status).to_contain_text("date: not set", timeout=TIMEOUT)  # the date must be picked
    expect(status).to_contain_text(f"Row 1 ({kit7[0]}) has nothing entered")
    drop = log.locator(".icw-log-drop-empty")
    expect(drop).to_have_text("Drop the 1 empty row")
    _screenshot(page, log, artifacts_dir / "log_form_empty_rows.png")
    drop.click()
    expect(rows).to_have_count(6, timeout=TIMEOUT)
    logged = kit7[1:]
    log.locator(".icw-log-date input").fill("2026-10-01")
    log.locator(".icw-log-save").click()
    expect(status).to_contain_text("Not saved yet", timeout=TIMEOUT)  # the red flag beside a 4
    confirm = log.locator(".icw-log-flag-confirm")
    expect(confirm).to_be_visible()
    _screenshot(page, log, artifacts_dir / "log_form_red_flag_warning.png")
    confirm.click()
    saved = _saved(log, data_folder, app=True, prefix="icw-log")
    expect(status).to_contain_text(re.compile(r"Saved interview \S+-C-2003-\S+ \(6 questions\)"))
    got = load(data_folder, cache=False, progress=False).scores
    got = got[got["candidate_id"] == "C-2003"]
    assert saved.exists() and got["question_id"].astype(str).tolist() == logged
    assert got["score"].tolist() == log_scores
    assert got["red_flag"].tolist() == [i == 2 for i in range(6)]
    assert got["notes"].tolist() == [two_lines if i == 4 else "" for i in range(6)]
    assert set(got["recommendation"].astype(str)) == {"no"} and set(got["interviewer"].astype(str)) == {"Sam"}
    assert set(got["date"]) == {pd.Timestamp("2026-10-01")} and set(got["level"].astype(str)) == {"junior"}
    assert dialogs == []
    _screenshot(page, log, artifacts_dir / "log_form_voila.png")


#: Room a placeholder needs beyond its width here: fonts differ between systems (DejaVu Sans, a
#: common fallback, draws text about 15% wider than Arial) and Chromium draws a suggestions arrow
#: inside a box with a list (the interviewer box). On main the interviewer box had 3% to spare.
PLACEHOLDER_SPARE = 1.25


def _assert_placeholder_fits(field) -> None:
    """The field's placeholder, drawn in the field's own font, fits inside the box with
    :data:`PLACEHOLDER_SPARE` to spare (issue 24: "the interviewer placeholder is cut off")."""
    text, room = field.evaluate(
        """el => { const s = getComputedStyle(el); const c = document.createElement('canvas').getContext('2d');
                 c.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
                 return [c.measureText(el.placeholder).width,
                         el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)]; }""")
    assert text * PLACEHOLDER_SPARE <= room, (f"placeholder {field.get_attribute('placeholder')!r} is {text:.0f}px "
                                              f"wide; its box has {room:.0f}px")


def _wait_for_draft(data: Path, answered: int, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        drafts = list_drafts(data)
        if len(drafts) == 1 and drafts["answered"].iloc[0] == answered:
            return drafts["draft_id"].iloc[0]
        time.sleep(0.2)
    raise AssertionError(f"no draft with {answered} answers in {data}: {list_drafts(data).to_dict('records')}")


def _shut_down_kernel(server, notebook: str) -> None:
    """Shut the notebook's kernel down through the Jupyter REST API (what the Kernel menu does)."""
    base = f"{server.url}api/sessions"
    with urllib.request.urlopen(f"{base}?token={server.token}", timeout=10) as r:
        sessions = [s for s in json.load(r) if s["path"].endswith(notebook)]
    assert len(sessions) == 1, sessions
    req = urllib.request.Request(f"{base}/{sessions[0]['id']}?token={server.token}", method="DELETE")
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 204


def test_resume_after_the_kernel_stops(browser, jupyterlab_server, tmp_path: Path, data_folder: Path,
                                       artifacts_dir: Path) -> None:
    """Start an interview, shut the kernel down midway, reopen, resume the draft, finish, save."""
    _notebook_copy(tmp_path / "lab", data_folder)
    server = jupyterlab_server(tmp_path / "lab")
    setup = dict(candidate="C-3003", level="junior", interviewer="Alex", date="2026-09-14")
    scores = [2, 3, 3, 4, 1, 2, 3]

    first = browser.new_page(viewport={"width": 1280, "height": 900})
    form = _run_all_in_lab(first, server, "interview.ipynb")
    _fill_setup(form, **setup)
    kit = _kit(form)
    form.locator(".icw-start").click()
    for i in range(3):
        # question 2: a red flag beside a 3, said at once beside the tick
        _answer(form, i, len(kit), score=scores[i], red_flag=(i == 1), notes=XSS if i == 2 else "",
                red_flag_hint=(i == 1))
    expect(form.locator(".icw-progress")).to_contain_text("Question 4 of 7", timeout=TIMEOUT)
    _wait_for_draft(data_folder, answered=3)
    first.close()
    _shut_down_kernel(server, "interview.ipynb")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs = _watch_dialogs(page)
    form = _run_all_in_lab(page, server, "interview.ipynb")
    # drafts are offered per interviewer: the interviewer picks their name first
    form.locator(".icw-interviewer input").fill(setup["interviewer"])
    offer = form.locator(".icw-resume-box")
    expect(offer).to_be_visible(timeout=TIMEOUT)
    expect(form.locator(".icw-resume-choice select")).to_contain_text("C-3003 · junior · Alex · 2026-09-14 · 3/7 scored")
    form.locator(".icw-resume").click()
    expect(form.locator(".icw-progress")).to_contain_text("Question 4 of 7", timeout=TIMEOUT)
    expect(form.locator(".icw-candidate input")).to_have_value("C-3003")
    assert _kit(form) == kit
    for i in range(3, 7):
        _answer(form, i, len(kit), score=scores[i])
    _choose_recommendation(form, "yes")
    form.locator(".icw-save").click()
    # the red flag beside question 2's 3 stops the save once and asks to confirm
    expect(form.locator(".icw-status")).to_contain_text("Not saved yet", timeout=TIMEOUT)
    expect(form.locator(".icw-flag-warning")).to_contain_text(f"question 2 of 7 ({kit[1]}): red flag shown with "
                                                              "score 3")
    _screenshot(page, form, artifacts_dir / "interview_form_red_flag_warning.png")
    assert list((data_folder / "scores").rglob("*.csv")) == []
    form.locator(".icw-flag-confirm").click()
    path = _saved(form, data_folder, app=False)
    _assert_saved(data_folder, path, kit=kit, scores=scores, red_flags=[i == 1 for i in range(7)],
                  notes=[XSS if i == 2 else "" for i in range(7)], recommendation="yes", **setup)
    _assert_html_did_not_run(page, form, dialogs)
    _screenshot(page, form, artifacts_dir / "interview_form_resumed.png")
    page.close()
