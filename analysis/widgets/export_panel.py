"""The export panel: a small notebook form that writes the charts and tables on screen.

Choose charts and formats, click, see what was written. The form only gathers choices and calls
:func:`analysis.reports.export.write_report`; the output folder it is given is checked by the one
guard, :func:`analysis.io.folder.output_folder`, so the panel, like every command with ``--out``,
never writes into the data folder (a CSV written into ``scores/`` would be read back as a scorecard).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import ipywidgets as w
from IPython.display import display

from analysis._text import escape_html
from analysis.io.folder import output_folder
from analysis.reports.export import write_report
from analysis.reports.files import FORMATS, ExportError, files_table, format_size, parse_formats

__all__ = ["ExportPanel"]


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
        Output folder shown in the form (editable). At each click it is checked by
        :func:`analysis.io.folder.output_folder`: never the data folder nor a folder inside it, never
        an existing file.
    formats : iterable of str, default all of :data:`analysis.reports.files.FORMATS`
        Formats ticked at first.
    title, meta, guides, notes
        For :func:`analysis.reports.index_html.write_index_html`; ``meta`` may be a callable too
        (the period and counts change with the explorer's filters).
    data : path or Layout, optional
        The data folder the panel's charts come from, which the output folder must stay out of;
        default :func:`analysis.config.data_dir` (``INTERVIEW_DATA``, else the repository's ``data/``).
        :meth:`following` takes it from the source's workbook.
    names : iterable of str, or callable returning one, optional
        The chart names to list, when reading ``figures`` would draw every chart only to learn their
        names (the explorer draws a chart when it is first read): the figures are then read at the
        click alone. Default: the names of ``figures``. :meth:`following` takes the source's
        ``chart_names`` when it has them.

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
    The form only gathers choices and calls :func:`analysis.reports.export.write_report`; it knows
    nothing of file formats. Errors inside the click handler are shown in the form, never swallowed. Static images are
    rendered in a thread of their own, so they work inside Jupyter's running event loop.
    """

    def __init__(self, figures, tables=None, *, out: str | os.PathLike = "reports",
                 formats: Iterable[str] = FORMATS, title: str = "Interview calibration report",
                 meta=None, guides: Mapping[str, str] | None = None,
                 notes: str | Sequence[str] | None = None, data=None, names=None):
        self.data = data
        self._names_source = names
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
        optionally ``meta`` and ``workbook``, such as
        :class:`analysis.widgets.explorer.CalibrationExplorer`; the data folder the output must stay
        out of is the workbook's (``workbook.data``) unless ``data=`` is given::

            ExportPanel.following(explorer, guides=charts.READING_GUIDE, out="reports/explorer")
        """
        kwargs.setdefault("meta", lambda: getattr(source, "meta", None))
        kwargs.setdefault("data", getattr(getattr(source, "workbook", None), "data", None))
        if hasattr(source, "chart_names"):
            kwargs.setdefault("names", lambda: source.chart_names)
        return cls(lambda: source.figures, lambda: source.tables, **kwargs)

    # --------------------------------------------------------------------------------- helpers

    @staticmethod
    def _resolve(source):
        value = source() if callable(source) else source
        return dict(value or {})

    def _names(self) -> list:
        if self._names_source is None:
            return list(self._resolve(self._figures_source))
        return list(self._names_source() if callable(self._names_source) else self._names_source)

    def refresh(self) -> None:
        """Re-read the chart names (after the explorer changed which charts exist)."""
        names = self._names()
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
        self._status.value = f'<span style="color:{colour}">{escape_html(text)}</span>'

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
            out = output_folder(self._folder.value.strip() or ".", self.data)
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
        rows = "".join(f"<tr><td>{escape_html(r.file)}</td><td style='text-align:right'>"
                       f"{escape_html(r.size)}</td></tr>" for r in summary.itertuples())
        self._files.value = f'<table class="icw-export-files">{rows}</table>'

    def _ipython_display_(self):
        display(self.widget)
