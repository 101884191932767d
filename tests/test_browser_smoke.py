"""The browser-test plumbing works: Debian's Chromium, JupyterLab and Voila on localhost.

These prove the fixtures in ``tests/browser_fixtures.py`` before the feature
tests lean on them: a failure here means the set-up, not the workbook, is
broken. Screenshots land in ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import threading
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Page, expect

from browser_fixtures import chromium_path, free_port, run_all_cells, wait_for_voila_app

pytestmark = pytest.mark.browser

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>smoke</title></head>
<body>
  <button id="go" onclick="document.getElementById('status').textContent = 'clicked ' + (++window.n)">Go</button>
  <p id="status">waiting</p>
  <script>window.n = 0;</script>
</body></html>
"""


@pytest.fixture
def static_site(tmp_path: Path):
    """Serve ``tmp_path`` over HTTP on a free localhost port; yields the base URL."""
    (tmp_path / "index.html").write_text(_PAGE, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


def _assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == _PNG_SIGNATURE, f"{path} is not a PNG"
    assert len(data) > 1000, f"{path} is only {len(data)} bytes"


def _write_notebook(path: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def test_playwright_runs_debian_chromium(page: Page) -> None:
    """The browser Playwright drives is the binary at /usr/bin/chromium, not a download."""
    output = subprocess.run([str(chromium_path()), "--version"], capture_output=True, text=True,
                            check=True).stdout
    installed = re.search(r"(\d+\.\d+\.\d+\.\d+)", output)
    assert installed, f"cannot read a version from {output!r}"
    assert page.context.browser.version == installed.group(1)


def test_click_and_screenshot(page: Page, static_site: str, artifacts_dir: Path) -> None:
    """A local page loads, a click runs its script, and a screenshot is written."""
    page.goto(static_site)
    expect(page.locator("#status")).to_have_text("waiting")
    page.click("#go")
    page.click("#go")
    expect(page.locator("#status")).to_have_text("clicked 2")
    shot = artifacts_dir / "smoke_static_page.png"
    page.screenshot(path=str(shot))
    _assert_png(shot)


@pytest.mark.slow
def test_jupyterlab_runs_a_cell(page: Page, jupyterlab_server, tmp_path: Path,
                                artifacts_dir: Path) -> None:
    """JupyterLab starts on a free port, opens a notebook, and its kernel runs a cell."""
    root = tmp_path / "lab"
    root.mkdir()
    _write_notebook(root / "hello.ipynb", "import sys\nprint('kernel says', 6 * 7, sys.prefix)")
    server = jupyterlab_server(root)
    page.goto(server.lab_url("hello.ipynb"))
    assert run_all_cells(page) is True
    output = page.locator(".jp-NotebookPanel .jp-OutputArea-output").first
    expect(output).to_contain_text("kernel says 42")
    # The kernel is this virtual environment's Python, not whatever is first on PATH.
    import sys

    assert sys.prefix in output.inner_text()
    shot = artifacts_dir / "smoke_jupyterlab.png"
    page.screenshot(path=str(shot))
    _assert_png(shot)


@pytest.mark.slow
def test_voila_renders_a_notebook(page: Page, voila_server, tmp_path: Path,
                                  artifacts_dir: Path) -> None:
    """Voila serves a notebook as an app: the page shows the executed output, not the code."""
    notebook = _write_notebook(tmp_path / "app.ipynb", "print('voila says', 6 * 7)")
    server = voila_server(notebook)
    page.goto(server.url)
    wait_for_voila_app(page)
    # Visible, not only in the DOM: Voila keeps a spinner over the page until the kernel is done.
    expect(page.get_by_text("voila says 42")).to_be_visible()
    expect(page.locator(".jp-InputArea")).to_have_count(0)
    shot = artifacts_dir / "smoke_voila.png"
    page.screenshot(path=str(shot))
    _assert_png(shot)
