"""The one browser session of a report (analysis.reports.figures.ImageRenderer).

A full report renders its static images in one Chromium started before the data is loaded, each
chart submitted as soon as it is drawn, and without kaleido's reload of its page after every image.
These tests check that none of that changes a picture: the images equal stock kaleido's (which
reloads after each image), whatever was rendered before them, and a chart submitted ahead is
rendered once. Pictures are compared as ``benchmarks/compare_images.py`` compares a report: PNG
bytes, SVG trees with plotly's random ids masked, PDFs without their creation dates.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
from pathlib import Path

import pandas as pd
import plotly.express as px
import pytest

from analysis.reports.figures import ImageRenderer, MissingBrowserError, image_jobs, write_figures

ROOT = Path(__file__).resolve().parent.parent


def _compare_images():
    spec = importlib.util.spec_from_file_location("compare_images", ROOT / "benchmarks" / "compare_images.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _figures() -> dict:
    df = pd.DataFrame({"q": ["a", "b", "c"], "d": [0.3, -0.1, 0.5], "lvl": ["junior", "mid", "senior"]})
    bars = px.bar(df, x="q", y="d", color="lvl", title="Bars with a legend")  # a legend: its box once differed
    bars.update_layout(width=640, height=360)
    heat = px.imshow([[1, 2], [3, 4]], title="Heatmap with a colour bar")     # random colour-bar ids in SVG
    return {"bars": bars, "heat": heat}


def _stock_kaleido(figures: dict, out: Path, formats) -> None:
    """Each image rendered by kaleido's own class, which reloads its page after every image."""
    import kaleido

    async def run():
        async with kaleido.Kaleido(n=1, mathjax=False) as k:
            for job in image_jobs(figures, out, formats, scale=2):
                job.path.write_bytes(await k.calc_fig(job.fig.to_dict(), opts=job.opts))

    out.mkdir()
    # in a thread of its own: a browser test earlier in this worker may hold a running event loop
    # (Playwright's sync API), and asyncio.run refuses to start inside one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def test_images_equal_stock_kaleidos_whatever_came_before(tmp_path):
    figs = _figures()
    _stock_kaleido(figs, tmp_path / "stock", ("png", "svg", "pdf"))
    # the heatmap after the bars and again after itself: no state of one image reaches the next
    with ImageRenderer(tabs=1) as r:
        write_figures(figs, tmp_path / "ours", ("png", "svg", "pdf"), scale=2, progress=False, renderer=r)
        write_figures({"heat": figs["heat"]}, tmp_path / "again", ("png", "svg", "pdf"), scale=2,
                      progress=False, renderer=r)
    cmp = _compare_images()
    for folder, names in (("ours", ("bars", "heat")), ("again", ("heat",))):
        for name in names:
            for f in ("png", "svg", "pdf"):
                same, how = cmp.same_image(tmp_path / "stock" / f"{name}.{f}", tmp_path / folder / f"{name}.{f}")
                assert same, (folder, name, f, how)
    # PNGs are the very same bytes
    assert (tmp_path / "stock" / "heat.png").read_bytes() == (tmp_path / "again" / "heat.png").read_bytes()


def test_an_image_submitted_ahead_is_rendered_once(tmp_path, monkeypatch):
    figs = _figures()
    with ImageRenderer(tabs=2) as r:
        calls = []
        real = r._render

        async def counted(spec, opts, file_name):
            calls.append(file_name)
            return await real(spec, opts, file_name)

        monkeypatch.setattr(r, "_render", counted)
        r.submit(image_jobs(figs, tmp_path, ("png", "svg"), scale=2))     # while the caller does other work
        paths = write_figures(figs, tmp_path, ("png", "svg", "html"), scale=2, progress=False, renderer=r)
    assert sorted(calls) == ["bars.png", "bars.svg", "heat.png", "heat.svg"]
    assert [p.name for p in paths[:4]] == ["bars.png", "bars.svg", "heat.png", "heat.svg"]  # figure by figure
    assert (tmp_path / "bars.html").is_file()


def test_other_options_render_again(tmp_path):
    """A job of the same file with another size or scale is not served from what was submitted."""
    figs = {"bars": _figures()["bars"]}
    with ImageRenderer() as r:
        r.submit(image_jobs(figs, tmp_path, ("png",), scale=1))
        [p] = write_figures(figs, tmp_path, ("png",), scale=2, progress=False, renderer=r)
    width = int.from_bytes(p.read_bytes()[16:20], "big")  # PNG IHDR: width in pixels
    assert width == 640 * 2


def test_missing_browser_is_raised_when_an_image_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    with ImageRenderer() as r:  # starting does not fail: a report writes its tables first
        r.submit(image_jobs(_figures(), tmp_path, ("png",)))
        with pytest.raises(MissingBrowserError, match="chromium.*kaleido_get_chrome"):
            write_figures(_figures(), tmp_path, ("png",), progress=False, renderer=r)
    assert not list(tmp_path.glob("*.png"))


def test_a_closed_renderer_refuses_work(tmp_path):
    r = ImageRenderer()
    r.close()
    r.close()  # twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        r.submit(image_jobs(_figures(), tmp_path, ("png",)))


def test_plotlyjs_packed_ahead_is_the_same_packing():
    """index.html's compressed plotly.js, packed in a background thread while a report computes, is
    what packing it on the spot gives (gzip level 9, no time stamp), and is packed once per process."""
    import base64
    import gzip

    from plotly.offline import get_plotlyjs

    from analysis.reports import index_html

    index_html.pack_plotlyjs_ahead()
    fut = index_html._packed_plotlyjs()
    assert index_html._packed_plotlyjs() is fut
    packed = fut.result()
    assert gzip.decompress(base64.b64decode(packed)).decode("utf-8") == get_plotlyjs()
    assert packed == base64.b64encode(gzip.compress(get_plotlyjs().encode("utf-8"), 9, mtime=0)).decode("ascii")
