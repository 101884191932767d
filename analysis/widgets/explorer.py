"""An explorer for the calibration charts: pick a criterion, a candidate level, a period and a
minimum number of candidates, and every chart is recomputed and redrawn where it stands.

>>> from analysis.widgets.explorer import CalibrationExplorer
>>> explorer = CalibrationExplorer()          # the repository's data/ (or $INTERVIEW_DATA)
>>> explorer                                  # doctest: +SKIP  (in a notebook: the widget)

The class is a thin ipywidgets layer: it gathers the four choices and hands them to
:mod:`analysis.stats.calibration` (the steps of :func:`~analysis.stats.calibration.calibrate` and the table
registry :data:`analysis.stats.tables.TABLES`, see below) and the chart registry
:data:`analysis.charts.calibration.CHARTS` (tab titles, builders, reading guides), which know nothing
about widgets. The data folder is read once, when the explorer is built.

How the charts are redrawn
--------------------------
Each chart lives in its own :class:`ipywidgets.Output` area, one per tab. Drawing *replaces* the
area's output with the figure (as plotly's ``application/vnd.plotly.v1+json`` mime bundle, which the
``jupyterlab-plotly`` extension shipped inside the plotly package renders in JupyterLab and Voila):
the chart is redrawn in the same place on the page, nothing is appended below. plotly 7's
``go.FigureWidget`` would update traces without a redraw, but it needs the ``anywidget`` package,
which this environment does not install; the Output areas need nothing beyond ipywidgets.

How a change stays fast on a long history
-----------------------------------------
A full :func:`analysis.stats.calibration.calibrate` of a million score rows takes ten seconds or more. A
change in the explorer gives **the same numbers** at a fraction of that cost by computing less
(``benchmarks/probes.py explorer`` times each kind of change):

- *Only what the open tab shows.* A change computes the slice's rows, criterion and status line,
  then the tables of the open chart (the question ranking needs ``question_stats`` alone). The other
  tables are computed when their tab is opened, or when :attr:`CalibrationExplorer.figures` /
  :attr:`~CalibrationExplorer.tables` are read (e.g. by the export panel).
- *The severity fit once per slice.* The slice's rows and severity fit depend on the level and the
  period, not on the criterion: a criterion change reuses them
  (:func:`analysis.stats.calibration.prepare_slice`), and so do the tables that do not depend on the
  criterion (:data:`analysis.stats.tables.CRITERION_FREE`: interviewers, drift, inter-rater,
  design, heatmap), computed once per slice.
- *Another minimum n without a recomputation.* The minimum n only judges the question table's rows
  (``too_few``, ``band``, ``verdict``): a view that differs from a kept one in ``min_n`` alone takes
  that view's question table judged again (:func:`analysis.stats.calibration.judged_at`, the very
  functions ``calibrate`` judges with) and its tables that do not read ``min_n``
  (:data:`~analysis.stats.calibration.MIN_N_FREE`), without preparing rows or fitting a let-go
  slice again; the other tables are computed on the slice's rows when their tab opens.
- *A few recent choices kept.* The last :data:`SLICES_KEPT` slices and :data:`CALIBRATIONS_KEPT`
  calibrations (with their drawn charts; all but :data:`ROWS_KEPT` without their rows) are kept, so
  going back to a criterion, level or period seen a moment ago redraws at once. The first view's
  slice (the notebook's own, usually the whole history) is kept besides them for as long as the
  explorer lives: it is where a user comes back to, and fitting it again is the slowest change there
  is (about 1.5 s on a million rows).
- *The notebook's calibration reused.* ``calibration=`` takes a ``calibrate`` of the same choices
  (notebook 03's) as the first view, and :attr:`CalibrationExplorer.chart_names` lets an export panel
  list the charts without drawing them.

Every table is computed by the same functions, on the same rows, with the same seed as a fresh
``calibrate`` of the same choices (:class:`LazyCalibration`); ``tests/test_explorer.py`` checks that
the tables are equal after a sequence of changes.

Errors (for example the ``decision`` criterion on a folder without ``outcomes.csv``, or a slice
with no interviews) are shown in the status line, escaped, and kept in :attr:`last_error`; the
charts are then cleared rather than left showing a slice that is no longer the one chosen.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict

import ipywidgets as w
import pandas as pd
import plotly.io as pio

from analysis import config
from analysis._text import escape_html
from analysis.charts.calibration import BUILDERS, READING_GUIDE, SLICE_CHARTS, TITLES
from analysis.io.load import load
from analysis.reports.report import export_tables
from analysis.stats.calibration import N_BOOT, SEED, Calibration, KeptSlice, LazyCalibration, filter_scores
from analysis.stats.criteria import CRITERIA

__all__ = ["CalibrationExplorer", "LazyCalibration", "CHART_TITLES", "CHART_BUILDERS", "SLICE_CHARTS",
           "SLICES_KEPT", "CALIBRATIONS_KEPT", "figure_bundle", "quarter_options"]

_ALL = "all"

#: Tab titles of the charts, in the order they are shown (:data:`analysis.charts.calibration.TITLES`).
CHART_TITLES = TITLES

#: How each chart is built from a :class:`Calibration` (:data:`analysis.charts.calibration.BUILDERS`:
#: the same calls as :func:`~analysis.charts.calibration.figures`, one at a time so one chart can be
#: built without the others).
CHART_BUILDERS = BUILDERS


def figure_bundle(fig) -> dict:
    """The output record that shows ``fig`` in an Output area (plotly's own mime type).

    Built explicitly rather than with ``display(fig)`` so it does not depend on the user's default
    plotly renderer nor on a running kernel (the tests drive the explorer without one).
    """
    data = pio.renderers["plotly_mimetype"].to_mimebundle(fig.to_dict())
    # Fit the output area's width (the theme's fixed width is for exported images); the chart is
    # only drawn while its tab is open, so the area has a width to fit.
    data["application/vnd.plotly.v1+json"]["layout"].pop("width", None)
    title = fig.layout.title.text or "chart"
    data["text/plain"] = f"<plotly figure: {title}>"
    return {"output_type": "display_data", "data": data, "metadata": {}}


def quarter_options(dates: pd.Series) -> list[tuple[str, pd.Period]]:
    """``(label, quarter)`` pairs from the first to the last quarter of ``dates`` (no gaps)."""
    d = pd.to_datetime(dates).dropna()
    if d.empty:
        return []
    quarters = pd.period_range(d.min().to_period("Q"), d.max().to_period("Q"), freq="Q")
    return [(f"{p.year} Q{p.quarter}", p) for p in quarters]


def _snap(options, value, default):
    """The quarter holding ``value`` (a date), clipped to the options; ``default`` when None."""
    if value is None:
        return default
    p = pd.Timestamp(value).to_period("Q")
    quarters = [q for _, q in options]
    return min(max(p, quarters[0]), quarters[-1])


#: The kept slice's former name here (a test of the severity step builds one from this module).
_Slice = KeptSlice

#: How many slices (level x period: rows, severity fit, criterion-free tables) the explorer keeps,
#: besides the first view's, which it keeps throughout. A whole million-row slice holds about 150 MB.
SLICES_KEPT = 3
#: How many calibrations (slice x criterion x minimum n, with the charts drawn from them) it keeps.
#: The :data:`ROWS_KEPT` most recent hold their prepared rows (about 120 MB on a million rows) until
#: all their tables are computed; the older ones hold only the tables and charts computed so far
#: (and the slice's severity fit) and prepare their rows again only if a tab needs a table they lack.
CALIBRATIONS_KEPT = 8
#: How many of the kept calibrations hold their prepared rows and their slice.
ROWS_KEPT = 4


class CalibrationExplorer(w.VBox):
    """Recompute the calibration for a criterion, level, period and minimum n; redraw the charts.

    Parameters
    ----------
    data : path-like, optional
        The data folder (default :func:`analysis.config.data_dir`). Read once.
    criterion : {"recommendation", "decision", "performance", "rest"}
        Initial criterion (see :mod:`analysis.stats.criteria`).
    level : str, optional
        Initial candidate level (``None``: all levels).
    start, end : date-like, optional
        Initial period. The period control moves by whole quarters, so a date is widened to the
        quarter that holds it.
    min_n : int, default 30
        Initial minimum number of candidates before a question is judged.
    n_boot : int, default :data:`analysis.stats.calibration.N_BOOT` (1000)
        Bootstrap replicates per recomputation: the report's, so the default view shows the same
        numbers, verdicts and headlines as the report of the same slice (issue 24: 200 resamples once
        turned "1 question clearly separates" into "2"). Fewer answer faster; the status line then says
        so, and a verdict still never rests on Monte Carlo noise (:mod:`analysis.stats.verdicts`).
    seed : int, default :data:`analysis.stats.calibration.SEED`
        Bootstrap seed (the same choices always give the same charts).
    workbook : analysis.io.load.Workbook, optional
        An already loaded data folder (then ``data`` is not read).
    calibration : Calibration, optional
        A :func:`analysis.stats.calibration.calibrate` of ``workbook`` with the same choices (such as
        notebook 03's): the first view shows its tables instead of computing them again. One of other
        choices is refused, saying which; one of a period the explorer's whole quarters add rows to
        is not used (the explorer computes its wider first view).

    Attributes
    ----------
    calibration : Calibration or None
        The tables behind the charts on screen (``None`` after an error).
    figures : dict of str to go.Figure
        The charts on screen, by name (empty after an error).
    tables : dict of str to DataFrame
        The tables as exported (small interviewer groups blanked, no candidate ids).
    meta : dict
        The slice on screen, for a report header.
    last_error : Exception or None
        The error of the last recomputation, also shown in the status line.

    Notes
    -----
    Every chart is redrawn in its own Output area on each change (see the module docstring).
    A hiring lead reads the status line first: it says how many interviews, candidates and which
    period the charts describe, and how many of them have a known criterion (``decision`` and
    ``performance`` are known only for candidates in ``outcomes.csv``).
    """

    def __init__(self, data=None, *, criterion: str = "recommendation", level: str | None = None,
                 start=None, end=None, min_n: int = 30, n_boot: int = N_BOOT, seed: int = SEED,
                 workbook=None, calibration: Calibration | None = None, **kwargs):
        self._workbook = workbook if workbook is not None else load(data, progress=False)
        self.n_boot, self.seed = int(n_boot), int(seed)
        self.calibration: Calibration | None = None
        self.last_error: Exception | None = None
        self._figures: dict = {}
        self._chart_errors: dict = {}
        self._slices: OrderedDict = OrderedDict()      # (level, start, end) -> KeptSlice
        self._views: OrderedDict = OrderedDict()       # slice key, criterion, min n -> (cal, figures, errors)
        options = quarter_options(self._workbook.scores["date"])
        if not options:
            raise ValueError(f"no scorecards in {self._workbook.data or config.data_dir(data)}: "
                             "nothing to calibrate (log interviews first, or run `python -m analysis demo`)")

        self._criterion = w.Dropdown(options=list(CRITERIA), value=criterion, description="Criterion")
        self._level = w.Dropdown(options=[_ALL, *config.LEVELS], value=level or _ALL, description="Level")
        first, last = options[0][1], options[-1][1]
        self._period = w.SelectionRangeSlider(
            options=options, index=(0, len(options) - 1), description="Period", continuous_update=False,
            layout=w.Layout(width="34rem"))
        self._period.value = (_snap(options, start, first), _snap(options, end, last))
        self._min_n = w.IntSlider(value=int(min_n), min=1, max=max(200, int(min_n)), step=1,
                                  description="Minimum n", continuous_update=False)
        self._status = w.HTML()
        self._outputs = {name: w.Output() for name in CHART_TITLES}
        self._guides = {name: w.HTML(f'<p class="icw-guide">{escape_html(READING_GUIDE.get(name, ""))}</p>')
                        for name in CHART_TITLES}
        self._warnings = {name: w.HTML("") for name in CHART_TITLES}
        for widget in self._warnings.values():
            widget.add_class("icw-explorer-warning")
        self._tabs = w.Tab(children=[w.VBox([self._warnings[n], self._outputs[n], self._guides[n]])
                                     for n in CHART_TITLES],
                           titles=list(CHART_TITLES.values()))
        for widget, name in ((self._criterion, "criterion"), (self._level, "level"), (self._period, "period"),
                             (self._min_n, "min-n"), (self._status, "status"), (self._tabs, "tabs")):
            widget.add_class(f"icw-explorer-{name}")
        for widget in (self._criterion, self._level, self._period, self._min_n):
            widget.observe(lambda change: self._refresh(), names="value")
        self._tabs.observe(self._on_tabs_change, names="selected_index")
        super().__init__([w.HBox([self._criterion, self._level]), w.HBox([self._period, self._min_n]),
                          self._status, self._tabs], **kwargs)
        self.add_class("icw-calibration-explorer")
        first = self.choices
        self._home = (first["level"], first["start"], first["end"])     # the first view's slice: kept
        if calibration is not None:
            self._adopt(calibration)
        self._refresh()

    def _adopt(self, cal: Calibration) -> None:
        """Keep ``cal`` as the view of the initial choices, after checking it describes them, and its
        rows and fit as their slice (the explorer's whole quarters hold its period: the same rows when as
        many)."""
        choices = self.choices
        m = cal.meta
        want = {"criterion": choices["criterion"], "level": choices["level"] or _ALL, "min_n": choices["min_n"],
                "n_boot": self.n_boot, "seed": self.seed}
        differ = [f"{k} {m.get(k)!r} (the explorer's: {v!r})" for k, v in want.items() if m.get(k) != v]
        if differ:
            raise ValueError("the calibration given was computed with other choices than the explorer's: "
                             + "; ".join(differ) + ". Pass the same criterion, level, min_n, n_boot and seed, "
                             "or leave calibration out")
        skey = (choices["level"], choices["start"], choices["end"])
        if len(filter_scores(self._workbook.scores, *skey)) != m["n_rows"] or cal.severity is None:
            return
        self._slices[skey] = KeptSlice(self._workbook, level=skey[0], start=skey[1], end=skey[2], fit=cal.severity)
        self._views[(skey, choices["criterion"], choices["min_n"])] = (cal, {}, {})

    # ---------------------------------------------------------------------------------- state

    @property
    def widget(self) -> w.VBox:
        """The explorer itself (it is a VBox), for symmetry with other forms."""
        return self

    @property
    def workbook(self):
        """The loaded data folder."""
        return self._workbook

    @property
    def choices(self) -> dict:
        """The current choices as :func:`analysis.stats.calibration.calibrate` keywords."""
        lo, hi = self._period.value
        return {"criterion": self._criterion.value,
                "level": None if self._level.value == _ALL else self._level.value,
                "start": lo.start_time.normalize(), "end": hi.end_time.normalize(),
                "min_n": int(self._min_n.value)}

    @property
    def selected_chart(self) -> str:
        """The name of the chart in the open tab."""
        return list(CHART_TITLES)[self._tabs.selected_index or 0]

    @property
    def figures(self) -> dict:
        """Every chart of the current slice, by name (built now if not yet drawn; empty after an
        error). A chart that could not be built is left out; its error is in its tab."""
        if self.calibration is not None:
            for name in CHART_TITLES:
                self._build(name)
        return {n: self._figures[n] for n in CHART_TITLES if n in self._figures}

    @property
    def chart_names(self) -> list:
        """The names of :attr:`figures`, without drawing the charts not drawn yet (for an export panel)."""
        if self.calibration is None:
            return []
        return [n for n in CHART_TITLES if n not in self._chart_errors]

    @property
    def tables(self) -> dict:
        """The tables behind the charts, as exported (see :func:`analysis.reports.report.export_tables`)."""
        if self.calibration is None:
            return {}
        return export_tables(self.calibration)

    @property
    def meta(self) -> dict:
        """The slice on screen, for a report header (empty after an error)."""
        if self.calibration is None:
            return {}
        m = self.calibration.meta
        return {"Data period": f"{m['start']} to {m['end']}", "Criterion": m["criterion"],
                "Candidate level": m["level"], "Interviews": m["n_interviews"],
                "Candidates": m["n_candidates"], "Interviewers": m["n_interviewers"],
                "Bootstrap resamples": m["n_boot"], "Minimum candidates per question": m["min_n"]}

    @property
    def status(self) -> str:
        """The status line's HTML."""
        return self._status.value

    # ------------------------------------------------------------------------------- handlers

    def _on_tabs_change(self, change) -> None:
        self._draw(self.selected_chart)

    # -------------------------------------------------------------------------------- refresh

    def _say(self, text: str, *, error: bool = False) -> None:
        cls = "icw-error" if error else "icw-status"
        colour = "#C0392B" if error else "#333"
        self._status.value = f'<span class="{cls}" style="color:{colour}">{text}</span>'

    def how_computed(self) -> str:
        """How the tables on screen were computed (plain text, in the status line): the resamples and
        seed, and whether they are the report's, so a slice's numbers can be matched to a report."""
        same = self.n_boot == N_BOOT and self.seed == SEED
        text = f"{self.n_boot} bootstrap resamples, seed {self.seed}"
        if same:
            return text + ": the report's settings, so the same slice gives the report's numbers and verdicts"
        return (text + f": not the report's ({N_BOOT} resamples, seed {SEED}), so interval ends may differ from "
                "a report of this slice by their Monte Carlo error; an end that close to a threshold is "
                "'watch', not a verdict")

    def _describe(self, choices: dict) -> str:
        lo, hi = self._period.value
        return (f"criterion <b>{escape_html(str(choices['criterion']))}</b>, "
                f"level <b>{escape_html(str(choices['level'] or _ALL))}</b>, "
                f"{escape_html(f'{lo.year} Q{lo.quarter}')} to {escape_html(f'{hi.year} Q{hi.quarter}')}, "
                f"minimum n {choices['min_n']}")

    def _build(self, name: str):
        """The figure ``name`` of the current calibration, built once; None (and the error kept)
        when it cannot be built."""
        if name in self._figures:
            return self._figures[name]
        if self.calibration is None or name in self._chart_errors:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                fig = CHART_BUILDERS[name](self.calibration)
        except Exception as exc:  # noqa: BLE001 - shown in the chart's tab and the status line
            self._chart_errors[name] = exc
            return None
        self._figures[name] = fig
        return fig

    def _draw(self, name: str) -> None:
        """Replace the output of ``name``'s area with its figure (or its error)."""
        out = self._outputs[name]
        if name not in self._figures and name not in self._chart_errors and self.calibration is not None:
            text = f"computing the {CHART_TITLES[name]} chart ..."   # its tables may take a second
            out.outputs = ({"output_type": "display_data", "metadata": {},
                            "data": {"text/html": f'<p class="icw-status">{escape_html(text)}</p>', "text/plain": text}},)
        fig = self._build(name)
        if fig is not None:
            out.outputs = (figure_bundle(fig),)
        elif name in self._chart_errors:
            exc = self._chart_errors[name]
            text = f"This chart could not be drawn for this slice: {type(exc).__name__}: {exc}"
            out.outputs = ({"output_type": "display_data", "metadata": {},
                            "data": {"text/html": f'<p class="icw-error" style="color:#C0392B">{escape_html(text)}</p>',
                                     "text/plain": text}},)
            self.last_error = exc
        else:
            out.outputs = ()

    def small_slice_warning(self, meta: dict) -> str:
        """The warning shown above the charts when the slice has fewer candidates (with a known
        criterion) than the minimum n: plain text, empty when the slice is large enough."""
        n = int(meta.get("n_known_criterion", meta.get("n_candidates", 0)))
        n = min(n, int(meta.get("n_candidates", n)))
        min_n = int(meta.get("min_n", 0))
        if n >= min_n:
            return ""
        return (f"Only {n} candidate{'s' if n != 1 else ''} with a known criterion in this slice, fewer than "
                f"the minimum n of {min_n}: the shares, rates and lifts below describe these few candidates, "
                "they are not findings about the questions. Widen the period or the level.")

    def _warn_small_slice(self, meta: dict) -> None:
        text = self.small_slice_warning(meta)
        for name, widget in self._warnings.items():
            widget.value = (f'<p class="icw-warning" style="color:#B9770E;font-weight:600">{escape_html(text)}</p>'
                            if text and name in SLICE_CHARTS else "")

    def _calibration_for(self, choices: dict) -> tuple:
        """``(calibration, figures, chart errors)`` of ``choices``: kept from a recent change, or a new
        :class:`LazyCalibration` on the kept slice (or a new one)."""
        skey = (choices["level"], choices["start"], choices["end"])
        vkey = (skey, choices["criterion"], choices["min_n"])
        if vkey in self._views:
            self._views.move_to_end(vkey)
            if skey in self._slices:
                self._slices.move_to_end(skey)
            return self._views[vkey]
        like = next((cal for (s, c, _), (cal, _, _) in reversed(self._views.items())
                     if (s, c) == vkey[:2] and LazyCalibration.computed_tables(cal) is not None), None)
        if like is None:
            piece = self._slice_for(skey)
        else:       # another minimum n of a kept view: its slice only if kept, else when a table needs it
            piece = self._slices.get(skey)
            if piece is not None:
                self._slices.move_to_end(skey)
        cal = LazyCalibration(self._workbook, piece, choices["criterion"], level=choices["level"],
                              min_n=choices["min_n"], n_boot=self.n_boot, seed=self.seed, like=like,
                              slice_again=lambda: self._slice_again(skey))
        self._views[vkey] = view = (cal, {}, {})
        self._let_go()
        return view

    def _slice_for(self, skey: tuple) -> KeptSlice:
        """The slice ``(level, start, end)``: kept, or new (and kept)."""
        piece = self._slices.get(skey)
        if piece is None:
            level, start, end = skey
            piece = KeptSlice(self._workbook, level=level, start=start, end=end)
        self._slices[skey] = piece
        self._slices.move_to_end(skey)
        return piece

    def _let_go(self) -> None:
        """Keep at most :data:`SLICES_KEPT` slices besides the first view's and :data:`CALIBRATIONS_KEPT`
        calibrations, the :data:`ROWS_KEPT` most recent of them with their rows; the others keep only
        their tables and charts."""
        others = [skey for skey in self._slices if skey != self._home]
        for skey in others[:max(0, len(others) - SLICES_KEPT)]:
            del self._slices[skey]
        while len(self._views) > CALIBRATIONS_KEPT:
            self._views.popitem(last=False)
        for i, (vkey, (cal, _, _)) in enumerate(reversed(self._views.items())):
            if isinstance(cal, LazyCalibration) and not cal.released and (i >= ROWS_KEPT or vkey[0] not in self._slices):
                cal.release(lambda skey=vkey[0]: self._slice_again(skey))

    def _slice_again(self, skey: tuple) -> KeptSlice:
        piece = self._slice_for(skey)
        self._let_go()
        return piece

    def _refresh(self) -> None:
        choices = self.choices
        for widget in self._warnings.values():
            widget.value = ""
        self.last_error = None
        self.calibration, self._figures, self._chart_errors = None, {}, {}
        for out in self._outputs.values():      # nothing on screen may describe another slice
            out.outputs = ()
        self._say(f"computing: {self._describe(choices)} ...")
        try:
            cal, figures, errors = self._calibration_for(choices)
        except Exception as exc:  # noqa: BLE001 - shown in the status line and kept, never swallowed
            self.last_error = exc
            self._say(f"Could not compute {self._describe(choices)}: "
                      f"{escape_html(type(exc).__name__)}: {escape_html(str(exc))}", error=True)
            return
        self._figures, self._chart_errors = figures, errors
        self.calibration = cal
        m = cal.meta
        self._warn_small_slice(m)
        self._draw(self.selected_chart)
        known = ""
        if m["n_known_criterion"] < m["n_interviews"]:
            known = f"; criterion known for {m['n_known_criterion']} of them"
        problems = ""
        if self._workbook.problems:
            problems = (f' <span class="icw-warning">({len(self._workbook.problems)} problems in the data folder '
                        "were left out: run <code>python -m analysis check</code>)</span>")
        failed = ""
        if self._chart_errors:
            failed = (' <span class="icw-error" style="color:#C0392B">Could not draw: '
                      + escape_html(", ".join(f"{CHART_TITLES[n]} ({type(e).__name__}: {e})"
                                              for n, e in self._chart_errors.items())) + "</span>")
        self._say(f"<b>{m['n_interviews']}</b> interviews of <b>{m['n_candidates']}</b> candidates by "
                  f"{m['n_interviewers']} interviewers, {escape_html(m['start'])} to {escape_html(m['end'])}"
                  f"{known}; {self._describe(choices)}; computed now with {escape_html(self.how_computed())}."
                  f"{problems}{failed}")
