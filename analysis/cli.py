"""The command line: ``python -m analysis <command> [--data DIR]``.

Commands
--------
check
    Validate a data folder: print each problem as ``path:line: message`` and a summary line
    ``loaded N rows from M interviews in K files; P problems``; exit 1 when there are problems.
report
    Write the calibration tables (and, with the export work, charts and ``index.html``).
demo
    Generate a synthetic history with planted truth into a new folder or an earlier demo (never
    over other data).
init
    Create an empty data folder for real interviews: the bank, ``scores/`` and a roster template.
debrief
    One candidate's interviews, severity-corrected scores and fair score, as HTML (and PDF).
kit
    Recommend the question kit that measures a level best at its hiring bar (item response theory).
irt
    Fit the item response models and write ``irt_items.csv``, ``irt_interviewers.csv`` and charts.
import
    Import scorecards from Greenhouse, Lever, Ashby or a wide spreadsheet (:mod:`analysis.importing`).
fairness
    Adverse impact, differential item functioning and interviewer gaps by self-reported group
    (reads ``<data>/candidates.csv``; written only on request).

Usage errors (a bad value, an output folder inside the data folder, a folder that must not be
written) exit with status 2 and one clear message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main", "build_parser"]


def _add_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", default=None,
                   help="data folder holding questions.csv, scores/ and optionally outcomes.csv "
                        "(default: the repo's data/, or $INTERVIEW_DATA)")


def _int_at_least(low: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"got {text!r}, expected a whole number ({what})") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"got {value}, expected {what}")
        return value
    parse.__name__ = "integer"
    return parse


def _iso_date(text: str) -> str:
    import datetime as dt
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}, expected a calendar date YYYY-MM-DD") from None
    if len(text) != 10:
        raise argparse.ArgumentTypeError(f"got {text!r}, expected a calendar date YYYY-MM-DD")
    return text


def _formats(text: str) -> str:
    from .export import ExportError, parse_formats
    try:
        parse_formats(text)
    except (ExportError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis",
                                     description="Interview calibration workbook: check data, write reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="validate the question bank, every scorecard and the outcomes")
    _add_data(p)
    p.add_argument("--no-cache", action="store_true", help="ignore the parse cache in <data>/.cache")

    p = sub.add_parser("report", help="write the calibration tables, charts and a one-file report")
    _add_data(p)
    p.add_argument("--out", metavar="DIR", default="reports", help="output folder (default: reports/)")
    p.add_argument("--format", default="png,svg,pdf,html,csv", type=_formats,
                   help="comma-separated formats among png, svg, pdf, html, csv (default: all; "
                        "csv writes the tables only, fast)")
    p.add_argument("--criterion", default="recommendation",
                   choices=["recommendation", "decision", "performance", "rest"],
                   help="what 'strong' means (default: the interviewer's recommendation)")
    p.add_argument("--level", default=None, choices=["junior", "mid", "senior"], help="only this candidate level")
    p.add_argument("--start", default=None, type=_iso_date, help="first interview date to include (YYYY-MM-DD)")
    p.add_argument("--end", default=None, type=_iso_date, help="last interview date to include (YYYY-MM-DD)")
    p.add_argument("--n-boot", type=_int_at_least(0, "0 or more resamples"), default=1000,
                   help="bootstrap resamples for the intervals (default 1000; 0 = no intervals)")
    p.add_argument("--seed", type=_int_at_least(0, "a seed of 0 or more"), default=0,
                   help="random seed of the bootstrap")
    p.add_argument("--irt", action="store_true", help="add the item response theory tables and charts (slower)")

    p = sub.add_parser("demo", help="generate a synthetic history with planted truth")
    p.add_argument("--data", metavar="DIR", required=True,
                   help="folder to write: new, empty, or an earlier demo (never a folder of other data)")
    p.add_argument("--interviews", type=_int_at_least(1, "at least 1 interview"), default=400)
    p.add_argument("--seed", type=_int_at_least(0, "a seed of 0 or more"), default=0)
    p.add_argument("--layout", choices=["per_interview", "bulk"], default="per_interview")
    p.add_argument("--groups", action="store_true", help="also plant group attributes and group effects")

    p = sub.add_parser("debrief", help="one candidate's interviews and fair score, as HTML (and PDF) for a "
                                       "hiring committee")
    p.add_argument("candidate_id", metavar="CANDIDATE_ID", help="the pseudonymous candidate id")
    _add_data(p)
    p.add_argument("--out", metavar="DIR", default="reports", help="output folder (default: reports/)")
    p.add_argument("--no-pdf", action="store_true", help="write the HTML page only")

    p = sub.add_parser("init", help="create an empty data folder for real interviews (bank, scores/, roster)")
    p.add_argument("folder", metavar="DIR", help="the folder to create (new or empty)")

    p = sub.add_parser("kit", help="recommend the kit that measures a level best at its hiring bar")
    _add_data(p)
    p.add_argument("--level", required=True, choices=["junior", "mid", "senior"])
    p.add_argument("--questions", type=int, required=True, metavar="N", help="questions in the kit")
    p.add_argument("--topics", default="", help="comma-separated topics the kit must cover")
    p.add_argument("--min-candidates", type=int, default=30,
                   help="never recommend a question asked of fewer candidates (default 30)")

    p = sub.add_parser("irt", help="fit item response models; write irt_items.csv, irt_interviewers.csv, charts")
    _add_data(p)
    p.add_argument("--out", metavar="DIR", default="reports", help="output folder (default: reports/)")
    p.add_argument("--format", default="csv,html", help="comma-separated among png, svg, pdf, html, csv "
                                                       "(default: csv,html)")
    p = sub.add_parser("import", help="import scorecards from Greenhouse, Lever, Ashby or a wide spreadsheet")
    p.add_argument("source", choices=["greenhouse", "lever", "ashby", "csv"], help="the export's format")
    p.add_argument("files", nargs="+", metavar="FILE", help="export file(s): JSON pages or CSV")
    p.add_argument("--data", metavar="DIR", required=True,
                   help="data folder to import into (holding questions.csv; scores/ is created)")
    p.add_argument("--map", metavar="MAPPING.toml", default=None,
                   help="mapping file (default: the source's documented defaults)")
    p.add_argument("--dry-run", action="store_true", help="report what would be imported, write nothing")
    p.add_argument("--level", default=None, choices=["junior", "mid", "senior"],
                   help="candidate level of records whose export and mapping give none")
    p.add_argument("--suggest-map", action="store_true",
                   help="write a starting mapping for these files (to --map PATH if given, else stdout)")

    p = sub.add_parser("fairness", help="adverse impact, DIF and interviewer gaps by self-reported group")
    _add_data(p)
    p.add_argument("--groups", metavar="FILE", default=None,
                   help="group attributes CSV (default: <data>/candidates.csv)")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder for the fairness tables and charts")
    p.add_argument("--format", default="csv,png,svg,html", help="comma-separated among csv, png, svg, pdf, html")
    p.add_argument("--dif-method", choices=["mh", "mantel"], default="mh",
                   help="Mantel-Haenszel on score >= 3 (ETS A/B/C, default) or Mantel's ordinal test")
    p.add_argument("--min-n", type=int, default=5, help="smallest cell shown (default 5 candidates)")

    return parser


def _check_report_args(parser: argparse.ArgumentParser, args) -> None:
    """What argparse cannot check alone: where the report goes, and the date range."""
    from . import config

    def error(message: str):
        parser.exit(2, f"python -m analysis report: error: {message}\n")

    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        error(f"--out {args.out}: is an existing file; expected a folder (new or existing)")
    data = config.data_dir(args.data).resolve()
    target = out.resolve()
    if target == data or data in target.parents:
        error(f"--out {args.out}: is inside the data folder {data}; the report would mix its files "
                     "with the data (CSVs in scores/ are read as scorecards). Choose a folder outside it, "
                     "e.g. --out reports")
    if args.start and args.end and args.start > args.end:
        error(f"--start {args.start} is after --end {args.end}; expected start <= end")


def _check(args) -> int:
    from .errors import WorkbookError
    from .load import load
    try:
        wb = load(args.data, cache=not args.no_cache)
    except WorkbookError as exc:
        print(exc)
        print("loaded 0 rows from 0 interviews in 0 files; "
              f"{len(getattr(exc, 'problems', [None]))} problems")
        return 1
    for p in wb.problems:
        print(p)
    print(wb.summary())
    return 1 if wb.problems else 0


def _report(args) -> int:
    from .report import run_report
    return run_report(args)


def _demo(args) -> int:
    from .demo import DemoFolderError, check_demo_target, generate, write_history
    try:
        check_demo_target(args.data)  # before the (slower) generation
        h = generate(args.interviews, seed=args.seed, groups=args.groups)
        out = write_history(h, args.data, layout=args.layout, clean=True)
    except DemoFolderError as exc:
        print(f"demo: refused: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {h.scores['interview_id'].nunique()} interviews ({len(h.scores)} rows) to {Path(out) / 'scores'}")
    return 0


def _debrief(args) -> int:
    from .debrief import debrief, write_debrief
    from .load import load
    wb = load(args.data, progress=False)
    try:
        db = debrief(wb, args.candidate_id)
    except KeyError as exc:
        print(f"debrief: {exc.args[0]}", file=sys.stderr)
        return 2
    written = write_debrief(db, args.out, pdf=not args.no_pdf)
    for kind, where in written.items():
        print(f"{kind}: {where}")
    return 0 if all(isinstance(v, Path) for v in written.values()) else 1


def _run_guarded(name: str, run, args) -> int:
    """Run a command whose module reports unusable data as a WorkbookError: one line, exit 1."""
    from .errors import WorkbookError
    try:
        return run(args)
    except WorkbookError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1


def _kit(args) -> int:
    from .kit_design import run_kit
    return _run_guarded("kit", run_kit, args)


def _irt(args) -> int:
    from .irt import run_irt
    return _run_guarded("irt", run_irt, args)


def _init(args) -> int:
    from .demo import InitError, init_folder
    try:
        folder = init_folder(args.folder)
    except InitError as exc:
        print(f"init: refused: {exc}", file=sys.stderr)
        return 2
    print(f"created {folder}: questions.csv (the bank), scores/ (empty), interviewers.csv (roster template)")
    print(f"next: python -m analysis check --data {folder}   (or INTERVIEW_DATA={folder} make interview)")
    return 0


def _import(args) -> int:
    from .importing import ImportSetupError, import_files, suggest_mapping
    try:
        if args.suggest_map:
            text = suggest_mapping(args.source, args.files, args.data)
            if args.map is None:
                sys.stdout.write(text)
                return 0
            try:
                with open(args.map, "x", encoding="utf-8") as fh:
                    fh.write(text)
            except FileExistsError:
                print(f"{args.map} exists; choose a new file name (--suggest-map never overwrites)", file=sys.stderr)
                return 2
            except OSError as exc:
                print(f"cannot write {args.map} ({exc.strerror}); choose a writable path", file=sys.stderr)
                return 2
            print(f"wrote a starting mapping to {args.map}; check it, then import with --map {args.map}")
            return 0
        result = import_files(args.source, args.files, args.data, mapping=args.map,
                              dry_run=args.dry_run, level=args.level)
    except ImportSetupError as exc:
        print(f"import: {exc}", file=sys.stderr)
        return 2
    for line in result.lines():
        print(line)
    return 1 if result.skipped else 0


def _fairness(args) -> int:
    from .fairness import run_fairness
    if args.min_n < 5:
        print("fairness: --min-n must be at least 5 (smaller cells identify people)", file=sys.stderr)
        return 2
    return run_fairness(args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "report":
        _check_report_args(parser, args)
    handler = {"check": _check, "report": _report, "demo": _demo, "init": _init, "debrief": _debrief,
               "kit": _kit, "irt": _irt, "import": _import, "fairness": _fairness}[args.command]
    try:
        return handler(args)
    except BrokenPipeError:
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
