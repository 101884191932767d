"""Charts as files: PNG, SVG and PDF through kaleido (one headless Chromium per batch), and a
standalone HTML page per chart sharing one ``plotly.min.js``.

:func:`write_figures` renders any plotly figures in any of those formats; :func:`write_plotlyjs` writes
the copy of plotly.js the pages of a folder load. Static images need Chrome or Chromium: without one,
:class:`MissingBrowserError` says how to get it (:data:`BROWSER_HELP`), and the formats that need no
browser (csv, html) still work.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from analysis.charts.theme import defaults
from analysis.reports.files import (IMAGE_FORMATS, ExportError, check_name, parse_formats, progress_bar,
                                    write_file)

__all__ = ["MissingBrowserError", "BROWSER_HELP", "write_figures", "write_plotlyjs"]


class MissingBrowserError(ExportError):
    """Static images need Chrome or Chromium and none was found.

    Attributes ``paths`` (files written before the images were attempted, by
    :func:`analysis.reports.export.write_report`) and ``skipped`` (the image formats not written).
    """

    paths: list = []
    skipped: tuple = ()


#: What to tell a user without Chromium (kaleido renders PNG, SVG and PDF in a headless browser).
BROWSER_HELP = ("install Debian's chromium (sudo apt-get install chromium), or, where the internet is reachable, "
                "run kaleido's own installer `kaleido_get_chrome` (in the virtualenv's bin/); "
                "or set BROWSER_PATH to a Chrome/Chromium binary")


@dataclass(frozen=True)
class _ImageJob:
    fig: dict
    opts: dict
    path: Path


def _figure_size(fig, width, height) -> tuple[int, int]:
    w = width or fig.layout.width or defaults.width
    h = height or fig.layout.height or defaults.height
    return int(w), int(h)


def _run_in_thread(coro_fn, *args):
    """Run ``asyncio.run(coro_fn(*args))`` in a fresh thread (works inside Jupyter's own loop)."""
    box: dict = {}

    def target():
        try:
            box["value"] = asyncio.run(coro_fn(*args))
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=target, name="export-kaleido", daemon=True)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def _render_images(jobs: list[_ImageJob], tabs: int, timeout: float, bar) -> list[Path]:
    import kaleido  # deferred: kaleido (and its browser driver) only when images are asked for
    from choreographer.errors import ChromeNotFoundError

    try:
        # mathjax=False: kaleido would otherwise load MathJax from a CDN, a network request
        # for nothing (the charts use no LaTeX)
        k = kaleido.Kaleido(n=tabs, timeout=timeout, mathjax=False)
    except ChromeNotFoundError as exc:
        raise MissingBrowserError(
            f"static images (png, svg, pdf) need Chromium: {BROWSER_HELP}; "
            f"the csv and html formats work without it ({exc})") from None
    async with k:
        async def one(job: _ImageJob) -> Path:
            try:
                data = await k.calc_fig(job.fig, opts=job.opts)
            except Exception as exc:  # name the file; kaleido's own message says little
                raise ExportError(f"could not render {job.path.name} with kaleido: "
                                  f"{type(exc).__name__}: {exc}") from exc
            await asyncio.to_thread(write_file, job.path, data)
            bar.update(1)
            return job.path
        return list(await asyncio.gather(*(one(j) for j in jobs)))


def write_figures(figures: Mapping[str, object], out: str | os.PathLike,
                  formats: Iterable[str] = ("png", "svg", "pdf", "html"), *,
                  width: int | None = None, height: int | None = None, scale: float = 1.0,
                  progress: bool = True, tabs: int = 1, timeout: float = 120,
                  shared_plotlyjs: bool = True) -> list[Path]:
    """Write every figure in every format: ``<out>/<name>.<format>``.

    Parameters
    ----------
    figures : mapping of str to plotly Figure
        ``{"question_ranking": fig, ...}``; names become file names.
    out : path
        Output folder, created if needed.
    formats : iterable of str
        Among ``png``, ``svg``, ``pdf`` (static images through kaleido) and ``html`` (a standalone
        page per chart with plotly.js inlined, so it opens offline). ``csv`` is ignored here.
    width, height : int, optional
        Image size in CSS pixels; default the figure's own layout size, else the workbook theme's
        (``analysis.charts.theme.defaults``: 900 x 520).
    scale : float, default 1
        Multiplies the output size: a 900 x 520 chart at ``scale=2`` is an 1800 x 1040 PNG (sharp on
        slides), an SVG displayed at 1800 x 1040 and a PDF page of 1350 x 780 pt (SVG and PDF stay
        vector; 1 CSS pixel is 0.75 pt).
    progress : bool, default True
        Show a tqdm progress bar (one step per file).
    tabs : int, default 1
        Browser tabs rendering in parallel inside the one Chromium. On a two-core machine two tabs
        were no faster than one (10 charts x 3 formats took 15-21 s either way on a busy machine).
    timeout : float, default 120
        Seconds allowed for one image.
    shared_plotlyjs : bool, default True
        HTML pages load one ``plotly.min.js`` written beside them (plotly's
        ``include_plotlyjs="directory"``; :func:`write_plotlyjs`), so nine charts cost 4.8 MB of
        plotly.js, not 43 MB. ``False`` inlines plotly.js into every page (each page then opens on
        its own, e.g. as a mail attachment).

    Returns
    -------
    list of Path
        The files written: all images (figure by figure, in ``formats`` order), then the HTML pages,
        then ``plotly.min.js`` when shared.

    Raises
    ------
    ExportError
        For an unsafe name, or when static images are asked for and no Chromium is found.

    Notes
    -----
    All static images of the batch are rendered by **one** kaleido session: Chromium starts once
    (about a second) instead of once per image, which is what makes a full report take seconds.
    kaleido finds Debian's ``/usr/bin/chromium`` by itself; ``BROWSER_PATH`` overrides it. MathJax
    is disabled so the renderer makes no network request.
    """
    fmts = [f for f in parse_formats(formats) if f != "csv"]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in figures:
        check_name(name, "figure")
    image_fmts = [f for f in fmts if f in IMAGE_FORMATS]
    jobs = []
    for name, fig in figures.items():
        if not image_fmts:
            break
        w, h = _figure_size(fig, width, height)
        spec = fig.to_dict()
        for f in image_fmts:
            jobs.append(_ImageJob(spec, {"format": f, "width": w, "height": h, "scale": scale},
                                  out / f"{name}.{f}"))
    n_html = len(figures) if "html" in fmts else 0
    paths: list[Path] = []
    with progress_bar(len(jobs) + n_html, "charts", progress) as bar:
        if jobs:
            paths += _run_in_thread(_render_images, jobs, max(1, min(tabs, len(jobs))), timeout, bar)
        if n_html:
            for name, fig in figures.items():
                text = fig.to_html(full_html=True, include_plotlyjs="directory" if shared_plotlyjs else True,
                                   div_id=f"chart-{name}", config={"displaylogo": False})
                paths.append(write_file(out / f"{name}.html", text))
                bar.update(1)
            if shared_plotlyjs:
                paths.append(write_plotlyjs(out))
    return paths


def write_plotlyjs(out: str | os.PathLike) -> Path:
    """Write ``<out>/plotly.min.js``, the one copy of plotly.js the chart pages of a folder share.

    The chart pages are written with plotly's ``include_plotlyjs="directory"``: each loads
    ``plotly.min.js`` from its own folder, so a report carries plotly.js (4.8 MB) once instead of
    once per chart. The file is rewritten only when its content differs.
    """
    from plotly.offline import get_plotlyjs  # deferred: plotly is heavy to import
    path = Path(out) / "plotly.min.js"
    text = get_plotlyjs()
    if path.is_file() and path.stat().st_size == len(text.encode("utf-8")) and path.read_text(encoding="utf-8") == text:
        return path
    return write_file(path, text)

