"""``python -m analysis``: see :mod:`analysis.cli`; the process ends through
:func:`analysis._process.exit_now` (why: its docstring)."""

from analysis._process import exit_now
from analysis.cli import main

exit_now(main())
