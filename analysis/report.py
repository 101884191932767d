"""``python -m analysis report``: the calibration tables, every chart and a one-file report.

>>> from analysis.report import build_report
>>> paths = build_report(out="reports", formats=("csv",))          # the tables only, fast
>>> paths = build_report(out="reports/senior", level="senior")     # everything for one slice

The tables are those of :func:`analysis.calibration.calibrate` plus ``design.csv`` (the design
diagnostics of :mod:`analysis.design`), exported through
:mod:`analysis.export` (CSV cells neutralized against formula injection; interviewers with fewer
than 5 interviews keep their counts but not their rates). No candidate id or note is exported.

The report never aborts because one statistic is undefined for one slice (every score the same, a
level nobody was asked): that cell is NaN with the reason in a ``reason``/``severity_note`` column or
in the report's notes, and every other table and chart is written.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from . import config
from .calibration import Calibration, calibrate
from .load import load

__all__ = ["build_report", "export_tables", "run_report", "REPORT_NOTES"]

REPORT_NOTES = (
    "The headline discrimination is judged against the chosen criterion freed of the answer itself "
    "(analysis.criteria); AUC and red-flag lift use the plain criterion, which is partly made from the "
    "scores being judged and so flatters every question.",
    "Interviewers with fewer than 5 interviews are marked as a small group: their counts are shown, their rates are not.",
    "Severities are in score points for the same candidate and question; pass rates are not adjusted for the "
    "candidates each interviewer saw.",
)

_SMALL_RATE_COLS = ("pass_rate", "funnel_low95", "funnel_high95", "funnel_low998", "funnel_high998",
                    "decision_agreement", "decision_kappa", "severity", "severity_se", "severity_low", "severity_high")


def export_tables(cal: Calibration, *, small: int = 5) -> dict[str, pd.DataFrame]:
    """The tables as exported: small interviewer groups blanked, no candidate identity."""
    from .export import mark_small_groups
    tables = dict(cal.tables())
    ivs = tables["interviewer_stats"].drop(columns=["small_group"], errors="ignore")
    cols = [c for c in _SMALL_RATE_COLS if c in ivs.columns]
    tables["interviewer_stats"] = mark_small_groups(ivs, "n_interviews", cols, min_n=small)
    return tables


def _meta(cal: Calibration, data: Path) -> dict:
    m = cal.meta
    return {"Data folder": data.name, "Data period": f"{m['start']} to {m['end']}", "Criterion": m["criterion"],
            "Candidate level": m["level"], "Interviews": m["n_interviews"], "Candidates": m["n_candidates"],
            "Score rows": m["n_rows"], "Interviewers": m["n_interviewers"],
            "Bootstrap resamples": m["n_boot"], "Minimum candidates per question": m["min_n"]}


def build_report(data=None, *, out="reports", criterion: str = "recommendation", level=None, start=None, end=None,
                 formats=("png", "svg", "pdf", "html", "csv"), n_boot: int = 1000, seed: int = 0,
                 min_n: int = 30, progress: bool = True, workbook=None) -> list[Path]:
    """Compute the calibration for a slice and write it in the chosen formats.

    Parameters
    ----------
    data : path-like, optional
        The data folder (default: :func:`analysis.config.data_dir`).
    out : path-like
        Output folder (created).
    criterion, level, start, end, n_boot, seed, min_n
        As for :func:`analysis.calibration.calibrate`.
    formats : iterable of str or comma-separated str
        Among csv, png, svg, pdf, html; ``("csv",)`` writes only the tables and skips the charts.
    workbook : analysis.load.Workbook, optional
        An already loaded data folder (saves re-reading it).

    Returns
    -------
    list of Path
        Every file written.
    """
    from .export import parse_formats, write_report
    fmts = parse_formats(formats)
    wb = workbook if workbook is not None else load(data, progress=progress)
    cal = calibrate(wb, criterion, level=level, start=start, end=end, n_boot=n_boot, seed=seed, min_n=min_n,
                    progress=progress)
    figures = {}
    guides = {}
    notes = list(REPORT_NOTES) + cal.notes
    if any(f != "csv" for f in fmts):
        from .charts import READING_GUIDE, figures as make_figures
        try:
            figures = make_figures(cal)
        except Exception as exc:  # noqa: BLE001 -- one undefined chart must not take the tables down
            notes.append(f"charts: not drawn on this slice ({type(exc).__name__}: {exc}); the tables are complete")
        guides = READING_GUIDE
    return write_report(out, tables=export_tables(cal), figures=figures, formats=fmts,
                        title="Interview calibration report", meta=_meta(cal, config.data_dir(data)),
                        guides=guides, notes=notes, progress=progress)


def run_report(args) -> int:
    """Entry point of ``python -m analysis report`` (arguments parsed by :mod:`analysis.cli`)."""
    from .errors import WorkbookError
    t0 = time.perf_counter()
    try:
        paths = build_report(args.data, out=args.out, criterion=args.criterion, level=args.level, start=args.start,
                             end=args.end, formats=args.format, n_boot=args.n_boot, seed=args.seed)
    except (WorkbookError, ValueError) as exc:
        print(f"report: {exc}")
        return 1
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files ({total / 1e6:.1f} MB) to {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0
