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
    Create an empty data folder for real interviews: the bank, ``scores/`` and a roster template
    (``--bank FILE``: start from your own bank).
bank
    List the question bank, or add, rewrite (a new version) or retire a question
    (:mod:`analysis.io.bank_edit`).
debrief
    One candidate's interviews, severity-corrected scores and fair score, as HTML (and PDF).
kit
    Recommend the question kit that measures a level best at its hiring bar (item response theory).
irt
    Fit the item response models and write ``irt_items.csv``, ``irt_interviewers.csv`` and charts.
import
    Import scorecards from Greenhouse, Lever, Ashby or a wide spreadsheet (:mod:`analysis.io.importing`).
fairness
    Adverse impact, differential item functioning and interviewer gaps by self-reported group
    (reads ``<data>/candidates.csv``; written only on request).
practice
    List the practice interviews every report sets aside, or move one out of ``scores/`` into
    ``<data>/removed/`` (:mod:`analysis.io.practice`).

Every command is one module of this package (``NAME``, ``HELP``, ``add_arguments(parser)``,
``run(args)``, optionally ``validate(args)`` and ``WRITES_OUT``), listed once in :data:`COMMANDS`, and
runs through :func:`analysis.cli.runner.run`: usage errors (a bad value, a ``--data`` that is not a
folder, an output folder inside the data folder or an existing file) exit with status 2 and one clear
message, data problems with status 1, never a traceback.
"""

from __future__ import annotations

import argparse

from analysis.cli import bank, check, debrief, demo, fairness, import_, init, irt, kit, practice, report, runner

__all__ = ["main", "build_parser", "COMMANDS"]

#: Every command, in the order ``--help`` lists them.
COMMANDS = {m.NAME: m for m in (check, report, demo, debrief, init, bank, kit, irt, import_, fairness, practice)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis",
                                     description="Interview calibration workbook: check data, write reports.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        command.add_arguments(sub.add_parser(name, help=command.HELP))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return runner.run(COMMANDS[args.command], args, parser)
