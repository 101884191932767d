"""The command line, the only layer that sees :mod:`argparse`: ``python -m analysis <command>``.

:mod:`analysis.cli.main` builds the parser and runs a command; see its docstring for every command.
"""

from analysis.cli.main import build_parser, main

__all__ = ["main", "build_parser"]
