"""The one command runner: every command runs through :func:`run`, so no command can end in a
traceback for a user error.

* A bad argument found before the command starts (its ``validate``, the ``--out`` guard): one line
  ``python -m analysis CMD: error: ...`` on stderr and exit status 2, the way argparse reports its own
  usage errors (it raises ``SystemExit(2)``).
* A :class:`~analysis.errors.UsageError` while the command runs (a ``--data`` that is not a folder, a
  folder ``demo`` or ``init`` must not write, an unknown candidate): one line ``CMD: ...`` on stderr,
  exit status 2.
* Any other :class:`~analysis.errors.WorkbookError`, and a ``ValueError`` a statistic raises for data
  it cannot use: one line ``CMD: ...`` on stdout beside the rest of the command's findings (as
  ``check`` prints problems), exit status 1.
* A closed pipe (``... | head``): exit 1 quietly; Ctrl-C: ``interrupted``, exit 130.

A command that writes declares ``WRITES_OUT = True`` (or a function of its arguments, for a command
that writes only in some modes, as ``debrief --list`` writes nothing); its ``--out`` is checked by
:func:`analysis.io.folder.output_folder` before any work starts.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from analysis.errors import UsageError, WorkbookError
from analysis.io.folder import output_folder

__all__ = ["run"]


def run(command: ModuleType, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``command.run(args)`` with the guarantees above; return the exit status."""
    name = command.NAME
    try:
        writes = getattr(command, "WRITES_OUT", False)
        if writes(args) if callable(writes) else writes:
            output_folder(args.out, args.data)
        validate = getattr(command, "validate", None)
        if validate is not None:
            validate(args)
    except UsageError as exc:
        parser.exit(2, f"python -m analysis {name}: error: {exc}\n")
    try:
        return command.run(args)
    except UsageError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    except (WorkbookError, ValueError) as exc:
        print(f"{name}: {exc}")
        return 1
    except BrokenPipeError:
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
