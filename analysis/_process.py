"""How the workbook's own processes end (base module: imports nothing of the workbook).

:func:`exit_now` ends a command-line process once its work is done and its output flushed, without
the interpreter's teardown. In that teardown pyarrow's native thread pools can be destroyed while a
worker thread is still alive, and the C++ runtime then aborts a process that has finished its work
(``terminate called without an active exception``, exit status -6; apache/arrow#34314). Seen here
after loading scorecards, in loaded test runs. Everything a command writes is written and closed
(:func:`analysis.io.files.atomic_write`) before it returns, so skipping the teardown loses nothing.
"""

from __future__ import annotations

import os
import sys

__all__ = ["exit_now"]


def exit_now(status: int | None) -> None:
    """Flush stdout and stderr, then end the process with ``status`` (0 for None) at once."""
    status = 0 if status is None else int(status)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # ``... | head`` closed the pipe: nothing more to say
        status = status or 1
    os._exit(status)
