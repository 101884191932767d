"""The one-file report in a real browser: Debian's Chromium, offline, from file://.

A report is sent by e-mail and opened on a laptop, perhaps on a train: ``index.html`` must render
every chart with no network, make no request that leaves the machine (nothing that tells a third
party the report was opened), and show hostile text as text. Screenshots go to
``test-artifacts/`` for a person to look at.

The pages are built by :func:`analysis.reports.export.write_index_html` and :func:`write_figures` (HTML
only, so no kaleido here) from small synthetic frames.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.express as px
import pytest

from analysis.reports.figures import write_figures
from analysis.reports.index_html import write_index_html

pytestmark = pytest.mark.browser

XSS = "<script>alert(1)</script>"
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def _figures() -> dict:
    df = pd.DataFrame({"question": list("abcdef"), "discrimination": [0.4, 0.1, -0.05, 0.3, 0.2, 0.5],
                       "level": ["junior", "mid", "senior"] * 2, "n": [40, 12, 3, 60, 25, 33]})
    return {
        "ranking": px.bar(df, x="question", y="discrimination", color="level", title=f"Ranking {XSS}"),
        "funnel": px.scatter(df, x="n", y="discrimination", hover_name="question"),
        "heatmap": px.density_heatmap(df, x="level", y="question", z="n"),
    }


@pytest.fixture
def report(tmp_path) -> Path:
    figures = _figures()
    tables = {"question_stats": pd.DataFrame({"question_id": ["a", XSS], "n": [40, 3],
                                              "discrimination": [0.4, None]})}
    write_figures(figures, tmp_path, ("html",), progress=False)
    return write_index_html(tmp_path, figures, tables, title=f"Calibration {XSS}",
                            meta={"Criterion": "recommendation", "Interviews": 412, "Note": XSS},
                            guides={"ranking": "Taller bars separate strong from weak better."},
                            notes=[XSS])


@pytest.fixture
def offline_page(page):
    """The page with every non-local request aborted and recorded, alerts and errors recorded."""
    record = {"blocked": [], "errors": [], "console_errors": []}

    def route(route):
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            record["blocked"].append(url)
            route.abort()

    page.context.route("**/*", route)
    page.on("request", lambda r: None if r.url.startswith(LOCAL_SCHEMES)
            else record["blocked"].append(r.url))
    page.on("pageerror", lambda e: record["errors"].append(str(e)))
    page.on("console", lambda m: record["console_errors"].append(m.text) if m.type == "error" else None)
    page.add_init_script("window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));")
    page.record = record
    return page


_RENDERED = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
    id: el.id,
    laidOut: !!el._fullLayout,
    svg: el.querySelectorAll('.main-svg').length,
    marks: el.querySelectorAll('.trace, .point, .bars path, .hm image, .heatmaplayer image').length,
}))"""


def test_index_renders_every_chart_offline(offline_page, report, artifacts_dir):
    page = offline_page
    page.goto(report.as_uri(), wait_until="load")
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n "
        "&& Array.from(document.querySelectorAll('.js-plotly-plot')).every(el => el._fullLayout)",
        arg=3, timeout=30_000)
    charts = page.evaluate(_RENDERED)
    assert [c["id"] for c in charts] == ["chart-ranking", "chart-funnel", "chart-heatmap"]
    for c in charts:
        assert c["laidOut"] and c["svg"] >= 1 and c["marks"] >= 1, c
    assert page.evaluate("typeof Plotly") == "object"
    page.screenshot(path=str(artifacts_dir / "report-index.png"), full_page=True)

    assert page.record["blocked"] == [], "the report asked the network for something"
    assert page.record["errors"] == [] and page.record["console_errors"] == []
    # hostile text is shown as text, never run
    assert page.evaluate("window.__alerts") == []
    assert page.title() == f"Calibration {XSS}"
    assert page.locator("h1").inner_text() == f"Calibration {XSS}"
    assert XSS in page.locator("#table-question_stats").inner_text()
    assert page.locator("script[src], link[href], iframe").count() == 0


def test_standalone_chart_page_renders_offline(offline_page, report, artifacts_dir):
    page = offline_page
    page.goto((report.parent / "ranking.html").as_uri(), wait_until="load")
    page.wait_for_selector("#chart-ranking .main-svg", timeout=30_000)
    chart = page.evaluate(_RENDERED)
    assert len(chart) == 1 and chart[0]["marks"] >= 1
    assert page.record["blocked"] == [] and page.record["errors"] == []
    assert page.evaluate("window.__alerts") == []
    page.screenshot(path=str(artifacts_dir / "report-chart-ranking.png"))


_PANEL_CELL = """
import pandas as pd
import plotly.express as px
from analysis.widgets.export_panel import ExportPanel

df = pd.DataFrame({"topic": ["cost", "data", "=evil"], "n": [12, 40, 3], "auc": [0.71, 0.62, 0.5]})
panel = ExportPanel({"topics": px.bar(df, x="topic", y="auc")}, {"topic_stats": df},
                    out="exported", formats=["csv", "png", "html"], meta={"Interviews": 55})
panel
"""


@pytest.mark.slow
def test_export_panel_in_jupyterlab(page, jupyterlab_server, tmp_path, artifacts_dir):
    """The export widget in a real JupyterLab: click Export, the files appear, the form says so.

    PNG is included: kaleido runs in a thread of its own, which must work inside the kernel's
    running event loop.
    """
    import nbformat
    from browser_fixtures import run_all_cells
    from playwright.sync_api import expect

    root = tmp_path / "lab"
    root.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_PANEL_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "export.ipynb")
    server = jupyterlab_server(root)
    page.goto(server.lab_url("export.ipynb"))
    assert run_all_cells(page) is True
    button = page.locator(".icw-export-panel button", has_text="Export")
    expect(button).to_be_visible(timeout=60_000)
    button.click()
    expect(page.locator(".icw-export-panel")).to_contain_text("wrote 5 files", timeout=120_000)
    expect(page.locator(".icw-export-files")).to_contain_text("topics.png")
    out = root / "exported"
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "plotly.min.js", "topic_stats.csv",
                                                    "topics.html", "topics.png"]
    assert (out / "topics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "'=evil" in (out / "topic_stats.csv").read_text()
    page.screenshot(path=str(artifacts_dir / "export-panel-jupyterlab.png"))


@pytest.fixture(scope="module")
def real_report(tmp_path_factory) -> Path:
    """The workbook's own report (analysis.reports.report.build_report) on a small synthetic data folder."""
    from analysis.io.demo_folder import write_history
    from analysis.stats.demo import generate
    from analysis.reports.report import build_report

    root = tmp_path_factory.mktemp("real-report")
    data = write_history(generate(200, seed=3), root / "data", clean=True)
    paths = build_report(data, out=root / "report", formats=("csv", "html"), n_boot=100,
                         progress=False)
    return next(p for p in paths if p.name == "index.html")


def test_whole_report_renders_offline(offline_page, real_report, artifacts_dir):
    """Every calibration chart of the real report draws, from file://, with no request out."""
    page = offline_page
    page.goto(real_report.as_uri(), wait_until="load")
    n_charts = page.locator(".js-plotly-plot").count()
    assert n_charts >= 9
    page.wait_for_function(
        "n => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".filter(el => el._fullLayout && el.querySelector('.main-svg')).length === n",
        arg=n_charts, timeout=60_000)
    charts = page.evaluate(_RENDERED)
    empty = [c["id"] for c in charts if c["marks"] == 0]
    assert not empty, f"charts drawn without any mark: {empty}"
    assert page.locator("table.data").count() == len(list(real_report.parent.glob("*.csv")))  # one per table
    assert page.locator("dl.meta").inner_text().count("\n") >= 4
    page.screenshot(path=str(artifacts_dir / "report-real-index.png"), full_page=True)
    assert page.record["blocked"] == [], "the report asked the network for something"
    assert page.record["errors"] == [] and page.record["console_errors"] == []


def test_brief_tops_the_real_report(offline_page, real_report, artifacts_dir):
    """The findings brief is the first thing a reader sees, in plain sentences with evidence."""
    from playwright.sync_api import expect
    page = offline_page
    page.goto(real_report.as_uri(), wait_until="load")
    brief = page.locator("section.brief")
    expect(brief).to_be_visible()
    assert brief.locator("h2").inner_text() == "What to do now"
    items = brief.locator("li")
    assert items.count() >= 1
    first = items.first.inner_text()
    assert "interval" in first or "candidates" in first
    # above every chart
    top_brief = brief.bounding_box()["y"]
    top_chart = page.locator(".js-plotly-plot").first.bounding_box()["y"]
    assert top_brief < top_chart
    assert (real_report.parent / "brief.md").read_text(encoding="utf-8").startswith("# What to do now")
    brief.screenshot(path=str(artifacts_dir / "report-brief.png"))
    assert page.record["blocked"] == []
