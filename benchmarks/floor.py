"""The parse floor: a process that only imports pandas and parses the same bytes.

Nothing can load a data folder faster than reading its bytes and parsing them once with pandas'
C parser, so this is the floor the workbook is compared with (issue 6):

- a bulk layout (``scores/bulk.csv``): ``pd.read_csv`` of that file;
- a per-interview layout: read every file's bytes (sorted walk of ``scores/``), drop the header
  line of all but the first, and one ``pd.read_csv`` of the concatenation. The floor therefore
  pays the file-system cost of opening 100k files once, but not a parser call per file.

Usage::

    python benchmarks/floor.py DATA_DIR

Prints one JSON line: rows parsed, files, bytes and seconds.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    data = Path(argv[0])
    t0 = time.perf_counter()
    files = []
    for dirpath, dirnames, filenames in os.walk(data / "scores"):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files += [os.path.join(dirpath, f) for f in filenames if f.endswith(".csv") and not f.startswith(".")]
    files.sort()
    if len(files) == 1:
        df = pd.read_csv(files[0])
        n_bytes = os.path.getsize(files[0])
        how = "one read_csv of the file"
    else:
        parts = []
        for i, f in enumerate(files):
            with open(f, "rb") as fh:
                b = fh.read()
            parts.append(b if i == 0 else b[b.index(b"\n") + 1:])
        blob = b"".join(parts)
        n_bytes = len(blob)
        df = pd.read_csv(io.BytesIO(blob))
        how = "bytes of every file, one read_csv of the concatenation"
    print(json.dumps({"rows": len(df), "files": len(files), "bytes": n_bytes, "how": how,
                      "t_total": time.perf_counter() - t0}))
    return 0


if __name__ == "__main__":
    from analysis._process import exit_now  # ends without pyarrow's teardown (see its docstring)
    exit_now(main())
