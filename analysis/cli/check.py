"""``python -m analysis check``: validate a data folder, print each problem as ``path:line: message``
and the summary line ``loaded N rows from M interviews in K files; P problems``; exit 1 on problems.

N and M count real interviews only; practice interviews (``practice`` true) are loaded, validated
and set aside, and the line then ends ``; Q practice interviews set aside`` (K counts every file
read, practice ones included). ``python -m analysis practice list`` names them.

Warnings (an interview dated after a question it asked was retired: loaded all the same, since
imported history may be late; one per interview, on its first row) are printed as
``path:line: warning: ...`` before the summary line and are not counted in P: at most 20 lines per
retired question, then ``... and N more interviews of QID dated after it was retired on DATE``
(``Workbook.warnings`` keeps every one)."""

from __future__ import annotations

from analysis.cli._args import add_data
from analysis.errors import UsageError, WorkbookError

NAME = "check"
HELP = "validate the question bank, every scorecard and the outcomes"


def add_arguments(p) -> None:
    add_data(p)
    p.add_argument("--no-cache", action="store_true", help="ignore the parse cache in <data>/.cache")


def run(args) -> int:
    from analysis.io._versions import warning_lines
    from analysis.io.load import load
    try:
        wb = load(args.data, cache=not args.no_cache)
    except UsageError:
        raise
    except WorkbookError as exc:
        print(exc)
        print("loaded 0 rows from 0 interviews in 0 files; "
              f"{len(getattr(exc, 'problems', [None]))} problems")
        return 1
    for p in wb.problems:
        print(p)
    for line in warning_lines(wb.warnings):
        print(line)
    print(wb.summary())
    return 1 if wb.problems else 0
