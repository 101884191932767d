"""``python -m analysis``: see :mod:`analysis.cli`. The process starts by letting the allocator keep
freed memory (:func:`analysis._process.keep_freed_memory`) and ends through
:func:`analysis._process.exit_now` (why: their docstrings)."""

from analysis._process import exit_now, keep_freed_memory

keep_freed_memory()

from analysis.cli import main

exit_now(main())
