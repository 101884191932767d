"""Notebook tables as Chromium lays them out (issue 24), with screenshots under ``test-artifacts/``.

* Notebook 03 as stored, opened in JupyterLab without running it (so untrusted: the outputs go
  through JupyterLab's sanitizer, as for anyone who opens the file): every table stays inside the
  notebook's width, the notebook never scrolls sideways, text cells are left-aligned and whole (no
  '…', nothing clipped), ids stay on one line, numbers are right-aligned.
* Notebook 01 run in JupyterLab: the bank is listed once, its question text left-aligned.
* A long table from :func:`analysis.show_table` as a page where script runs: the search box and a
  click on a heading (numbers sorted as numbers).

Screenshots: ``tables-03-<n>.png`` per table, ``tables-03-page.png``, ``tables-01-bank.png``,
``tables-sort-search.png``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent

#: Every text cell's and number cell's layout in one table output, measured in the page.
_MEASURE = """(box) => {
    const out = box.closest('.jp-OutputArea-output') || box.parentElement;
    const cells = Array.from(box.querySelectorAll('td'));
    const lines = (el) => {
        const r = document.createRange(); r.selectNodeContents(el);
        return new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top))).size;
    };
    const header = Array.from(box.querySelectorAll('th')).map(th => th.textContent);
    return {
        boxRight: box.getBoundingClientRect().right, outRight: out.getBoundingClientRect().right,
        boxScroll: box.scrollWidth, boxWidth: box.clientWidth,
        header,
        cells: cells.map((td, i) => ({
            column: header[i % header.length], text: td.textContent, shown: td.innerText,
            align: getComputedStyle(td).textAlign, overflow: getComputedStyle(td).textOverflow,
            clipped: td.scrollWidth > td.clientWidth + 1, lines: td.textContent ? lines(td) : 0,
            numeric: td.style.textAlign === 'right',
        })),
    };
}"""


def _open(page, jupyterlab_server, tmp_path, name, run=False):
    from browser_fixtures import run_all_cells, wait_for_kernel_idle

    root = tmp_path / "lab"
    (root / "notebooks").mkdir(parents=True)
    shutil.copyfile(REPO / "notebooks" / name, root / "notebooks" / name)
    shutil.copytree(REPO / "data", root / "data", ignore=shutil.ignore_patterns(".cache"))
    server = jupyterlab_server(root, env={"PYTHONPATH": str(REPO), "INTERVIEW_DATA": str(root / "data")})
    page.goto(server.lab_url(f"notebooks/{name}"))
    if run:
        assert run_all_cells(page) is True
    else:
        wait_for_kernel_idle(page)
    return root


def test_notebook_03_tables_fit_and_read(page, jupyterlab_server, tmp_path, artifacts_dir):
    from playwright.sync_api import expect

    _open(page, jupyterlab_server, tmp_path, "03_calibration.ipynb")
    boxes = page.locator(".jp-OutputArea-output .icw-table-box")
    expect(boxes).to_have_count(8, timeout=60_000)  # the stored tables, from the file as it is
    widths = []
    for index in range(boxes.count()):
        box = boxes.nth(index)
        box.scroll_into_view_if_needed()
        m = box.evaluate(_MEASURE)
        where = f"table {index} ({', '.join(m['header'][:3])}, ...)"
        assert m["boxRight"] <= m["outRight"] + 1, f"{where} runs past the notebook's right edge"
        widths.append((m["header"][0], m["boxScroll"], m["boxWidth"]))
        if m["boxScroll"] > m["boxWidth"] + 1:  # wider than the notebook: it scrolls in its own box
            assert box.evaluate("b => getComputedStyle(b).overflowX") == "auto", where
        for cell in m["cells"]:
            assert not cell["clipped"] and cell["overflow"] != "ellipsis" and "…" not in cell["shown"], (where, cell)
            if cell["numeric"]:
                assert cell["align"] == "right", (where, cell)
            else:
                assert cell["align"] in ("left", "start"), (where, cell)
            if cell["column"] in ("question_id", "interviewer", "level", "verdict", "band", "statistic") and cell["text"]:
                assert cell["lines"] == 1, f"{where}: {cell['column']} {cell['text']!r} wraps"
        box.screenshot(path=str(artifacts_dir / f"tables-03-{index}.png"))
    # the notebook itself never scrolls sideways
    overflow = page.evaluate("""() => Array.from(document.querySelectorAll('.jp-WindowedPanel-outer, .jp-Notebook'))
        .map(el => el.scrollWidth - el.clientWidth)""")
    assert overflow and max(overflow) <= 1, overflow
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    boxes.nth(4).scroll_into_view_if_needed()  # the interviewer table
    expect(boxes.nth(4)).to_be_in_viewport()
    expect(boxes.nth(4).locator("td").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "tables-03-page.png"))
    print("table widths (first column, table px, notebook px):", widths)


@pytest.mark.slow
def test_notebook_01_lists_the_bank_once_left_aligned(page, jupyterlab_server, tmp_path, artifacts_dir):
    from playwright.sync_api import expect

    _open(page, jupyterlab_server, tmp_path, "01_question_bank.ipynb", run=True)
    tables = page.locator(".jp-Notebook table.icw-bank")
    expect(tables).to_have_count(1, timeout=60_000)
    expect(tables.first.locator("tbody tr")).to_have_count(24)
    # listed once as a table: the bank editor further down names every id again in its picker
    shown = page.locator(".jp-Notebook").inner_text().count("jr-s3-basics")
    in_editor = sum(t.count("jr-s3-basics") for t in page.locator(".icw-bank-editor").all_inner_texts())
    assert shown - in_editor == 1, (shown, in_editor)
    aligns = tables.first.locator("tbody td").evaluate_all(
        "tds => tds.map(td => getComputedStyle(td).textAlign)")
    assert set(aligns) <= {"left", "start"}, set(aligns)
    tables.first.scroll_into_view_if_needed()
    page.locator(".icw-bank-explorer").screenshot(path=str(artifacts_dir / "tables-01-bank.png"))


def test_show_table_sorts_and_searches_where_script_runs(page, tmp_path, artifacts_dir):
    from analysis import show_table

    frame = pd.DataFrame({"question_id": [f"q-{i:02d}" for i in range(20)],
                          "n": [9, 10, 100] + list(range(200, 217)),
                          "auc": [0.5 + i / 100 for i in range(20)]})
    page_path = tmp_path / "table.html"
    page_path.write_text(f"<!doctype html><meta charset=utf-8><body>{show_table(frame)._repr_html_()}</body>",
                         encoding="utf-8")
    page.goto(page_path.as_uri())
    visible = "() => Array.from(document.querySelectorAll('tbody tr')).filter(r => r.style.display !== 'none').length"
    assert page.evaluate(visible) == 20
    box = page.locator(".icw-table-box")
    assert box.evaluate("b => b.scrollHeight > b.clientHeight")  # 20 rows > 15: scrolls in its box
    page.locator("input.icw-table-search").fill("q-1")
    assert page.evaluate(visible) == 10  # q-10 .. q-19
    page.locator("input.icw-table-search").fill("")
    page.locator("th", has_text="n").first.click()  # ascending, as numbers: 9 < 10 < 100
    first = page.evaluate("() => Array.from(document.querySelectorAll('tbody tr')).slice(0, 3)"
                          ".map(r => r.cells[1].textContent)")
    assert first == ["9", "10", "100"]
    page.locator("th", has_text="n").first.click()  # descending
    assert page.evaluate("document.querySelector('tbody tr').cells[1].textContent") == "216"
    page.screenshot(path=str(artifacts_dir / "tables-sort-search.png"))
