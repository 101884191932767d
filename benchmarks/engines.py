"""Which CSV engine should the loader parse with? (issue 11). Times, in one process, the three
candidates on the same bytes, and the loader's own parse + validate:

- a bulk file (``scores/bulk.csv``, ~1M rows): pandas' C parser (``dtype=object``, what the
  loader uses), ``pyarrow.csv.read_csv`` (all columns as strings), ``polars.read_csv`` (all
  columns as strings), and ``analysis.io.load.load(cache=False)`` (parse, validate, type);
- many small files (one interview each): a per-file parse loop with each engine (on the first
  ``--loop-files`` files), and the loader over all of them, cold (no cache) and warm (Arrow cache).

Usage::

    python benchmarks/engines.py BULK_DATA_DIR SMALL_DATA_DIR [--out benchmarks/engines.json]

Medians of ``--repeat`` runs (default 3). Prints and writes a JSON object of seconds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import time
from pathlib import Path


def _time(fn, repeat):
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return round(statistics.median(out), 3)


def _files(data: Path) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(data / "scores"):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out += [os.path.join(dirpath, f) for f in filenames if f.endswith(".csv")]
    return sorted(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("bulk")
    ap.add_argument("small")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=None)
    ap.add_argument("--loop-files", type=int, default=5000, help="files in the per-file engine loops")
    args = ap.parse_args(argv)
    import pandas as pd
    import pyarrow as pa
    try:  # polars is not a dependency of the workbook (the loader does not use it): compared when installed
        import polars as pl
    except ImportError:
        pl = None
    import pyarrow.csv as pacsv

    from analysis.io.load import load

    res = {}
    bulk = _files(Path(args.bulk))[0]
    raw = open(bulk, "rb").read()
    res["bulk_rows"] = raw.count(b"\n") - 1
    res["bulk_pandas_c_object"] = _time(lambda: pd.read_csv(io.BytesIO(raw), dtype=object, na_filter=False), args.repeat)
    schema_strings = lambda names: {n: pa.string() for n in names}  # noqa: E731
    header = raw.split(b"\n", 1)[0].decode().split(",")
    res["bulk_pyarrow_csv_strings"] = _time(lambda: pacsv.read_csv(
        io.BytesIO(raw), convert_options=pacsv.ConvertOptions(column_types=schema_strings(header),
                                                               strings_can_be_null=False)), args.repeat)
    if pl is not None:
        res["bulk_polars_strings"] = _time(lambda: pl.read_csv(io.BytesIO(raw), infer_schema=False), args.repeat)
    res["bulk_loader_check"] = _time(lambda: load(args.bulk, cache=False, progress=False), args.repeat)

    files = _files(Path(args.small))
    res["small_files"] = len(files)

    sample = files[:args.loop_files]
    res["small_loop_files"] = len(sample)

    def loop(parse):  # per-file engine loops are timed on a sample (the pandas loop is slow)
        for f in sample:
            with open(f, "rb") as fh:
                parse(fh.read())
    res["small_pandas_c_loop"] = _time(lambda: loop(lambda b: pd.read_csv(io.BytesIO(b), dtype=object,
                                                                            na_filter=False)), 1)
    res["small_pyarrow_csv_loop"] = _time(lambda: loop(lambda b: pacsv.read_csv(io.BytesIO(b))), 1)
    if pl is not None:
        res["small_polars_loop"] = _time(lambda: loop(lambda b: pl.read_csv(io.BytesIO(b), infer_schema=False)), 1)
    cache = Path(args.small) / ".cache"
    shutil.rmtree(cache, ignore_errors=True)
    res["small_loader_cold_no_cache"] = _time(lambda: load(args.small, cache=False, progress=False), args.repeat)
    load(args.small, progress=False)  # build the cache
    time.sleep(2.1)  # past the racily-clean window
    load(args.small, progress=False)
    res["small_loader_warm"] = _time(lambda: load(args.small, progress=False), args.repeat)
    print(json.dumps(res, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
