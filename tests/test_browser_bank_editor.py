"""The bank editor and then the interview form in a real browser (JupyterLab in Debian's Chromium,
driven by Playwright; plumbing in ``tests/browser_fixtures.py``): the loop of issue 25.

On a copy of the demo folder, notebook 01's editor rewrites ``mid-caching`` (a new version, in use
from today); notebook 02's interview form then offers the new wording, and the interview it saves
records ``question_version`` 2 for that question (read back from the scorecard file); ``python -m
analysis check`` stays clean. The demo folder saves only practice interviews, so the interview is
one. Screenshots: ``test-artifacts/bank-editor-rewrite.png`` (the draft and its preview, as the
form will show it) and ``bank-editor-versions.png`` (both versions side by side after saving).

Widgets are found by the stable ``icw-*`` classes the editor and the forms put on them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from analysis.io.bank import load_questions
from analysis.io.interviews import RECOMMENDATION_LABELS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 90_000  # ms; a cold kernel on a 2-core machine
NEW_TEXT = 'When does a cache make a system worse, and how do you keep "stale" data <b>out</b>?'


def _notebook_copy(name: str, root: Path, **parameters) -> Path:
    """Copy notebook ``name`` to ``root`` with its parameters cell's values replaced."""
    nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    for key, value in parameters.items():
        cell.source, n = re.subn(rf"^{key} = .*$", f"{key} = {value!r}", cell.source, flags=re.M)
        assert n == 1, (key, cell.source)
    path = root / name
    nbformat.write(nb, path)
    return path


def _run_all(page: Page, server, notebook: str, widget: str):
    """Open ``notebook`` in JupyterLab, run all cells, return the widget with CSS class ``widget``."""
    page.goto(server.lab_url(notebook))
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=TIMEOUT)
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").wait_for(timeout=TIMEOUT)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    found = page.locator(widget)
    found.wait_for(timeout=TIMEOUT)
    return found


def _screenshot(page: Page, element, path: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 3200})
    element.scroll_into_view_if_needed()
    element.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


def test_a_rewrite_in_the_editor_then_an_interview_that_records_it(page: Page, jupyterlab_server, tmp_path: Path,
                                                                   artifacts_dir: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns(".cache", "drafts"))
    lab = tmp_path / "lab"
    lab.mkdir()
    _notebook_copy("01_question_bank.ipynb", lab, data=str(data), edit_bank=True)
    _notebook_copy("02_run_interview.ipynb", lab, data=str(data))
    server = jupyterlab_server(lab)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # -- notebook 01: rewrite mid-caching in the editor ------------------------------------------------
    editor = _run_all(page, server, "01_question_bank.ipynb", ".icw-bank-editor")
    pick = editor.locator(".icw-bank-editor-pick select")
    labels = [t.replace("\xa0", " ") for t in pick.locator("option").all_inner_texts()]  # "mid-caching · mid · data"
    pick.select_option(index=[label.split(" · ")[0] for label in labels].index("mid-caching"))
    versions = editor.locator(".icw-bank-editor-versions")
    expect(versions).to_contain_text("How does caching with CloudFront/ElastiCache help?", timeout=TIMEOUT)
    expect(versions).to_contain_text("Candidates")  # the demo's interviews: statistics of version 1
    editor.locator(".icw-bank-editor-question textarea").fill(NEW_TEXT)
    preview = editor.locator(".icw-bank-editor-preview")
    # the preview is the form's own question card, the new text shown as text (no <b> element)
    expect(preview.locator(".icw-question-meta")).to_contain_text("mid-caching · v2 · mid · data", timeout=TIMEOUT)
    expect(preview).to_contain_text(NEW_TEXT)
    assert preview.locator("b", has_text="out").count() == 0
    save = editor.locator(".icw-bank-editor-save")
    expect(save).to_have_text("Save as version 2")
    _screenshot(page, editor, artifacts_dir / "bank-editor-rewrite.png")
    save.click()
    status = editor.locator(".icw-bank-editor-status")
    expect(status).to_contain_text("Saved mid-caching version 2", timeout=TIMEOUT)
    expect(versions.locator("th", has_text="mid-caching v1")).to_have_count(1)
    expect(versions.locator("th", has_text="mid-caching v2")).to_have_count(1)
    expect(versions).to_contain_text(NEW_TEXT)
    _screenshot(page, editor, artifacts_dir / "bank-editor-versions.png")
    bank = load_questions(data, versions="all")
    rows = bank[bank["question_id"] == "mid-caching"].sort_values("version")
    assert rows["status"].tolist() == ["retired", "active"] and rows["question"].iloc[1] == NEW_TEXT

    # -- notebook 02: an interview that asks the new wording --------------------------------------------
    page = page.context.new_page()  # a second tab (leaving notebook 01's tab would ask to confirm)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    form = _run_all(page, server, "02_run_interview.ipynb", ".icw-interview-form")
    form.locator(".icw-practice input").check()  # the demo folder keeps only practice interviews
    form.locator(".icw-candidate input").fill("C-2501")
    form.locator(".icw-level select").select_option("mid")
    form.locator(".icw-interviewer input").fill("Robin")
    kit_options = form.locator(".icw-kit option")
    expect(kit_options.first).to_contain_text("mid-", timeout=TIMEOUT)
    kit = [re.sub(r"^\d+\.\s*", "", t.replace("\xa0", " ")).split(" · ")[0] for t in kit_options.all_inner_texts()]
    if "mid-caching" not in kit:
        form.locator(".icw-bank-filter input").fill("mid-caching")
        offered = [t.replace("\xa0", " ").split(" · ")[0] for t in form.locator(".icw-bank option").all_inner_texts()]
        form.locator(".icw-bank select").select_option(index=offered.index("mid-caching"))
        form.locator(".icw-kit-add").click()
        expect(kit_options).to_have_count(len(kit) + 1, timeout=TIMEOUT)
        kit.append("mid-caching")
    form.locator(".icw-start").click()
    for i, qid in enumerate(kit):
        expect(form.locator(".icw-progress")).to_contain_text(f"Question {i + 1} of {len(kit)}", timeout=TIMEOUT)
        if qid == "mid-caching":  # the interviewer reads the new wording, marked v2
            expect(form.locator(".icw-question")).to_contain_text(NEW_TEXT)
            expect(form.locator(".icw-question-meta")).to_contain_text("mid-caching · v2")
        form.locator(".icw-score label", has_text="3 —").click()
        if i + 1 < len(kit):
            form.locator(".icw-next").click()
    form.locator(".icw-recommendation").get_by_role("button", name=RECOMMENDATION_LABELS["yes"], exact=True).click()
    form.locator(".icw-save").click()
    expect(form.locator(".icw-status")).to_contain_text("Saved practice interview", timeout=TIMEOUT)

    # -- the scorecard on disk, and check ------------------------------------------------------------------
    (path,) = [p for p in (data / "scores").rglob("*.csv") if "C-2501" in p.read_text(encoding="utf-8")]
    card = pd.read_csv(path, dtype=str, keep_default_na=False)
    versions_written = dict(zip(card["question_id"], card["question_version"]))
    assert versions_written.pop("mid-caching") == "2"
    assert set(versions_written.values()) == {"1"}  # every other question has one version
    check = subprocess.run([sys.executable, "-m", "analysis", "check", "--data", str(data)], capture_output=True,
                           text=True, cwd=REPO, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "; 0 problems; 1 practice interview set aside" in check.stdout and "warning" not in check.stdout, check.stdout
    assert dialogs == []
