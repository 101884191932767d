"""The reports layer's writer interface: tables and charts written as safe CSV, static images,
standalone HTML and a one-file report, in one call.

Hiring leads carry the workbook's findings into documents, slides and e-mails. :func:`write_report`
writes what they carry, for any tables (tidy data frames) and any plotly figures, and knows nothing
about the calibration statistics themselves. Its parts live in modules of one topic each, and their
public names are importable from here too:

- :mod:`analysis.reports.tables`: :func:`write_tables` writes ``<name>.csv`` in UTF-8, refusing
  identifying columns (candidate ids, notes); :func:`round_table`;
- :mod:`analysis.reports.csv_safety`: every text cell neutralized against CSV (formula) injection
  (:func:`safe_csv_frame`, :func:`neutralize_csv_cell`);
- :mod:`analysis.reports.figures`: :func:`write_figures` writes PNG, SVG and PDF through kaleido with
  one headless Chromium for the whole batch, and a standalone HTML page per chart (works offline);
- :mod:`analysis.reports.index_html`: :func:`write_index_html` writes ``index.html``: every chart
  interactive, the tables, the data period, counts and criterion, and a reading guide per chart, in
  one self-contained file with no request to any network, every piece of user text escaped;
- :mod:`analysis.reports.files`: the formats (:func:`parse_formats`), :class:`ExportError`, and
  :func:`files_table`, what was written with sizes, for the closing note;
- :mod:`analysis.stats.small_groups`: :func:`mark_small_groups` blanks rates computed from fewer than
  ``small_group`` interviews (:data:`analysis.config.SMALL_GROUP`), so an exported table never gives
  a precise rate that identifies people.

The export form for notebooks is :class:`analysis.widgets.export_panel.ExportPanel`.

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

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from analysis.config import SMALL_GROUP
from analysis.reports.csv_safety import CSV_TRIGGERS, neutralize_csv_cell, safe_csv_frame
from analysis.reports.figures import BROWSER_HELP, MissingBrowserError, write_figures
from analysis.reports.files import (FORMATS, IMAGE_FORMATS, ExportError, files_table, format_size,
                                    parse_formats)
from analysis.reports.files import write_file as _atomic_write  # noqa: F401 - imported from here by reports.report
from analysis.reports.index_html import write_index_html
from analysis.reports.tables import PRIVATE_COLUMNS, round_table, write_tables
from analysis.stats.small_groups import INTERVIEWER_RATE_COLUMNS, mark_small_groups, suppress_small_interviewers

# Every name but write_report is re-exported from the module that defines it, for the callers that
# import it from here; ExportPanel moved to analysis.widgets.export_panel (a widget, one layer up).
__all__ = [
    "CSV_TRIGGERS",
    "FORMATS",
    "IMAGE_FORMATS",
    "PRIVATE_COLUMNS",
    "ExportError",
    "MissingBrowserError",
    "BROWSER_HELP",
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
