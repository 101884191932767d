"""``python -m analysis import SOURCE FILE...``: scorecards from Greenhouse, Lever, Ashby, a wide
spreadsheet or any other registered importer (:mod:`analysis.io.importing`). ``import`` is a
keyword, hence the module's name."""

from __future__ import annotations

import sys

from analysis.cli._args import LEVEL_CHOICES
from analysis.errors import UsageError
from analysis.io.importers import IMPORTERS

NAME = "import"
HELP = "import scorecards from Greenhouse, Lever, Ashby or a wide spreadsheet"


def add_arguments(p) -> None:
    p.add_argument("source", choices=list(IMPORTERS), help="the export's format")
    p.add_argument("files", nargs="+", metavar="FILE", help="export file(s): JSON pages or CSV")
    p.add_argument("--data", metavar="DIR", required=True,
                   help="data folder to import into (holding questions.csv; scores/ is created)")
    p.add_argument("--map", metavar="MAPPING.toml", default=None,
                   help="mapping file (default: the source's documented defaults)")
    p.add_argument("--dry-run", action="store_true", help="report what would be imported, write nothing")
    p.add_argument("--level", default=None, choices=LEVEL_CHOICES,
                   help="candidate level of records whose export and mapping give none")
    p.add_argument("--update", action="store_true",
                   help="replace interviews whose content changed since they were imported (corrected in "
                        "the source); the stored versions are kept in DIR/history/. Without it they are "
                        "held back and listed")
    p.add_argument("--source-name", metavar="NAME", default=None,
                   help="csv only: the name that makes the sheet's own interview numbers unique "
                        "(ids csv-NAME-<id>; default: the file's name without extension). Give the same "
                        "NAME to every re-export of one sheet")
    p.add_argument("--suggest-map", action="store_true",
                   help="write a starting mapping for these files (to --map PATH if given, else stdout)")


def _suggest(args) -> int:
    from analysis.io.suggest_map import suggest_mapping  # deferred: pulls in pandas (see run)
    text = suggest_mapping(args.source, args.files, args.data)
    if args.map is None:
        sys.stdout.write(text)
        return 0
    try:
        with open(args.map, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{args.map} exists; choose a new file name (--suggest-map never overwrites)") from None
    except OSError as exc:
        raise UsageError(f"cannot write {args.map} ({exc.strerror}); choose a writable path") from None
    print(f"wrote a starting mapping to {args.map}; check it, then import with --map {args.map}")
    return 0


def run(args) -> int:
    # deferred: these pull in pandas; the parser is built for every command and --help
    from analysis.io.import_setup import ImportSetupError
    from analysis.io.importing import import_files
    try:
        if args.suggest_map:
            return _suggest(args)
        result = import_files(args.source, args.files, args.data, mapping=args.map, dry_run=args.dry_run,
                              level=args.level, update=args.update, source_name=args.source_name)
    except ImportSetupError as exc:
        raise UsageError(str(exc)) from None
    for line in result.lines():
        print(line)
    return 0 if result.ok else 1
