"""``python -m analysis``: see :mod:`analysis.cli`.

The process ends with :func:`os._exit` once the command has returned and its output is flushed: the
interpreter's own teardown destroys native thread pools (pyarrow's) while a worker may still be alive,
which aborts the process with ``terminate called without an active exception`` (exit -6) after a
command that succeeded (apache/arrow#34314; seen here under load). Every file a command writes is
written and closed, through :func:`analysis.io.files.atomic_write`, before it returns.
"""

import os
import sys

from analysis.cli import main

status = main()
try:
    sys.stdout.flush()
    sys.stderr.flush()
except BrokenPipeError:  # ``... | head`` closed the pipe: nothing more to say
    status = status or 1
os._exit(status)
