"""Charts as files: PNG, SVG and PDF through kaleido (one headless Chromium per batch), and a
standalone HTML page per chart sharing one ``plotly.min.js``.

:func:`write_figures` renders any plotly figures in any of those formats; :func:`write_plotlyjs` writes
the copy of plotly.js the pages of a folder load. Static images need Chrome or Chromium: without one,
:class:`MissingBrowserError` says how to get it (:data:`BROWSER_HELP`), and the formats that need no
browser (csv, html) still work.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from analysis.charts.theme import defaults
from analysis.reports.files import (IMAGE_FORMATS, ExportError, check_name, parse_formats, progress_bar,
                                    write_file)

__all__ = ["MissingBrowserError", "BROWSER_HELP", "ImageRenderer", "image_jobs", "write_figures", "write_plotlyjs"]


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
    name: str
    fig: object
    opts: dict
    path: Path


def _figure_size(fig, width, height) -> tuple[int, int]:
    w = width or fig.layout.width or defaults.width
    h = height or fig.layout.height or defaults.height
    return int(w), int(h)


def image_jobs(figures: Mapping[str, object], out: str | os.PathLike, formats: Iterable[str], *,
               width: int | None = None, height: int | None = None, scale: float = 1.0) -> list[_ImageJob]:
    """The static images of ``figures`` in ``formats`` (png, svg, pdf; others ignored), figure by
    figure: what :func:`write_figures` renders, and what :meth:`ImageRenderer.submit` takes ahead of it."""
    fmts = [f for f in formats if f in IMAGE_FORMATS]
    jobs = []
    for name, fig in figures.items():
        w, h = _figure_size(fig, width, height) if fmts else (0, 0)
        jobs += [_ImageJob(name, fig, {"format": f, "width": w, "height": h, "scale": scale}, Path(out) / f"{name}.{f}")
                 for f in fmts]
    return jobs


def _kaleido_class():
    """kaleido's browser, without its reload of the page after every image.

    kaleido 1.5 reloads its page (and so parses plotly.js, 4.8 MB, again) after each image; that
    reload was 40-60% of the time of a report's 27 images. Every image is drawn from the figure's JSON
    into a fresh plotly graph (``Plotly.toImage``), and a PDF's page style and ``<img>`` are set anew
    for each, so no state of one image reaches the next: the PNGs and PDFs are the same, and an SVG
    may list a legend rectangle's attributes in another order (the same picture; SVG ids are random
    in every run anyway). ``benchmarks/compare_images.py`` checks this. If kaleido changes the hook,
    the stock class (with its reload) is used.
    """
    import kaleido  # deferred: kaleido (and its browser driver) only when images are asked for

    if not (hasattr(kaleido.Kaleido, "_return_kaleido_tab") and "tabs_ready" in kaleido.Kaleido.__annotations__):
        return kaleido.Kaleido

    class _Kaleido(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab) -> None:
            await self.tabs_ready.put(tab)  # back to the queue as it is: the next image starts clean anyway

    return _Kaleido


class ImageRenderer:
    """One headless Chromium (kaleido) rendering static images in a background thread.

    Chromium takes one to three seconds to start: started before the figures exist, it starts while
    the caller loads data and computes (:func:`analysis.reports.report.build_report` starts it first
    thing). Figures handed to :meth:`submit` as soon as each is drawn render while the caller builds
    the next one and writes its tables and pages; :func:`write_figures` (``renderer=``) then waits
    for each image in turn and writes it. Each figure is turned into plotly's JSON once and rendered
    in every format from that.

    >>> with ImageRenderer() as r:                                                  # doctest: +SKIP
    ...     r.submit(image_jobs({"ranking": fig}, "reports", ("png", "svg"), scale=2))
    ...     write_figures({"ranking": fig}, "reports", ("png", "svg"), scale=2, renderer=r)

    Without Chromium nothing fails until an image is asked for: then :class:`MissingBrowserError`
    (the formats that need no browser are written first). Works inside a running event loop
    (Jupyter): the browser has a loop and a thread of its own. :meth:`close` (or leaving the ``with``
    block) stops the browser and drops images not yet rendered.
    """

    def __init__(self, *, tabs: int = 1, timeout: float = 120):
        self._pending: dict[tuple, tuple[object, concurrent.futures.Future]] = {}
        self._more_tabs: list = []  # tabs opened after the first (set by _open, in the browser's thread)
        self._closed = False
        import asyncio  # deferred: asyncio (and ssl with it) costs start-up time, and only images need it
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="export-kaleido", daemon=True)
        self._thread.start()
        self._browser = asyncio.run_coroutine_threadsafe(self._open(max(1, tabs), timeout), self._loop)

    async def _open(self, tabs: int, timeout: float):
        import asyncio  # deferred (see __init__)
        from choreographer.errors import ChromeNotFoundError  # deferred, as kaleido: only when images are asked for

        cls = _kaleido_class()
        # one tab first: rendering starts as soon as it is ready, and the others join while it renders
        # (each tab loads plotly.js; opening two at once took 5.7 s instead of 2.3-3.3 s on a busy machine)
        later = tabs - 1 if hasattr(cls, "_create_kaleido_tab") else 0
        try:
            # mathjax=False: kaleido would otherwise load MathJax from a CDN, a network request
            # for nothing (the charts use no LaTeX)
            k = cls(n=tabs - later, timeout=timeout, mathjax=False)
        except ChromeNotFoundError as exc:
            raise MissingBrowserError(
                f"static images (png, svg, pdf) need Chromium: {BROWSER_HELP}; "
                f"the csv and html formats work without it ({exc})") from None
        await k.open()
        self._more_tabs = [asyncio.ensure_future(k._create_kaleido_tab()) for _ in range(later)]
        return k

    async def _render(self, spec: dict, opts: dict, file_name: str) -> bytes:
        import asyncio  # deferred (see __init__)
        k = await asyncio.wrap_future(self._browser)
        try:
            return await k.calc_fig(spec, opts=opts)
        except Exception as exc:  # name the file; kaleido's own message says little
            raise ExportError(f"could not render {file_name} with kaleido: {type(exc).__name__}: {exc}") from exc

    def submit(self, jobs: Iterable[_ImageJob]) -> None:
        """Queue images (from :func:`image_jobs`) for rendering, in order; a job already queued for
        the same figure object, file and options is not rendered twice."""
        if self._closed:
            raise RuntimeError("this ImageRenderer is closed")
        import asyncio  # deferred (see __init__)
        specs: dict[int, dict] = {}
        for job in jobs:
            key = (job.path, tuple(sorted(job.opts.items())))
            if key in self._pending and self._pending[key][0] is job.fig:
                continue
            if id(job.fig) not in specs:
                specs[id(job.fig)] = job.fig.to_dict()  # one JSON figure for every format
            spec = specs[id(job.fig)]
            fut = asyncio.run_coroutine_threadsafe(self._render(spec, dict(job.opts), job.path.name), self._loop)
            self._pending[key] = (job.fig, fut)

    def result(self, job: _ImageJob) -> bytes:
        """The bytes of one image, rendering it first when it was not submitted."""
        self.submit([job])
        return self._pending[(job.path, tuple(sorted(job.opts.items())))][1].result()

    def close(self) -> None:
        """Stop the browser; images not yet rendered are dropped."""
        if self._closed:
            return
        self._closed = True
        import asyncio  # deferred (see __init__)
        for _, fut in self._pending.values():
            fut.cancel()

        async def stop():
            try:
                k = await asyncio.wrap_future(self._browser)
            except Exception:  # noqa: BLE001 -- no browser started: nothing to stop
                return
            for task in self._more_tabs:
                task.cancel()
            # a tab that failed to open only means fewer tabs rendered: nothing to report
            await asyncio.gather(*self._more_tabs, return_exceptions=True)
            await k.close()

        try:
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def __enter__(self) -> ImageRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_figures(figures: Mapping[str, object], out: str | os.PathLike,
                  formats: Iterable[str] = ("png", "svg", "pdf", "html"), *,
                  width: int | None = None, height: int | None = None, scale: float = 1.0,
                  progress: bool = True, tabs: int = 1, timeout: float = 120,
                  shared_plotlyjs: bool = True, renderer: ImageRenderer | None = None) -> list[Path]:
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
        Browser tabs rendering in parallel inside the one Chromium. While kaleido reloaded its page
        after every image, two tabs were no faster than one on a two-core machine; without the reload
        (:func:`_kaleido_class`) two rendered a full report's 27 images about 13% faster.
    timeout : float, default 120
        Seconds allowed for one image.
    shared_plotlyjs : bool, default True
        HTML pages load one ``plotly.min.js`` written beside them (plotly's
        ``include_plotlyjs="directory"``; :func:`write_plotlyjs`), so nine charts cost 4.8 MB of
        plotly.js, not 43 MB. ``False`` inlines plotly.js into every page (each page then opens on
        its own, e.g. as a mail attachment).
    renderer : ImageRenderer, optional
        A browser already started (and perhaps already rendering these figures, see
        :meth:`ImageRenderer.submit`): the images come from it and it stays open (``tabs`` and
        ``timeout`` are then the renderer's own). Default: a renderer of its own for this call.

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
    All static images of the batch are rendered by **one** kaleido session (:class:`ImageRenderer`):
    Chromium starts once (one to three seconds) instead of once per image, which is what makes a full
    report take seconds. Each figure becomes plotly's JSON once for all its formats.
    kaleido finds Debian's ``/usr/bin/chromium`` by itself; ``BROWSER_PATH`` overrides it. MathJax
    is disabled so the renderer makes no network request.
    """
    fmts = [f for f in parse_formats(formats) if f != "csv"]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in figures:
        check_name(name, "figure")
    jobs = image_jobs(figures, out, fmts, width=width, height=height, scale=scale)
    n_html = len(figures) if "html" in fmts else 0
    paths: list[Path] = []
    with progress_bar(len(jobs) + n_html, "charts", progress) as bar:
        if jobs:
            r = renderer if renderer is not None else ImageRenderer(tabs=min(tabs, len(jobs)), timeout=timeout)
            try:
                r.submit(jobs)
                for job in jobs:  # in order: each waits for its own image only
                    paths.append(write_file(job.path, r.result(job)))
                    bar.update(1)
            finally:
                if renderer is None:
                    r.close()
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

