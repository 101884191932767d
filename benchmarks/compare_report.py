"""Compare the files two `report --format csv` runs wrote (issue 11: a faster path must not change a
number): each file is byte-identical, else equal after rounding every number to 6 decimals, else
different (the first difference is shown). Exit status 1 when any file differs.

    PYTHONPATH=/path/to/old python -m analysis report --data D --out /tmp/old --format csv
    PYTHONPATH=.            python -m analysis report --data D --out /tmp/new --format csv
    python benchmarks/compare_report.py /tmp/old /tmp/new
"""
import os
import sys

import pandas as pd


def compare(a: str, b: str) -> int:
    """Print one line per file and return the number of files that differ."""
    fa, fb = sorted(os.listdir(a)), sorted(os.listdir(b))
    assert fa == fb, (fa, fb)
    bad = 0
    for f in fa:
        x, y = open(os.path.join(a, f), 'rb').read(), open(os.path.join(b, f), 'rb').read()
        if x == y:
            print(f"{f}: byte-identical"); continue
        if f.endswith(".csv"):
            p, q = pd.read_csv(os.path.join(a, f)), pd.read_csv(os.path.join(b, f))
            num = p.select_dtypes("number").columns
            try:
                pd.testing.assert_frame_equal(p.assign(**{c: p[c].round(6) for c in num}), q.assign(**{c: q[c].round(6) for c in num}))
                print(f"{f}: equal after rounding to 6 decimals"); continue
            except AssertionError as e:
                print(f"{f}: DIFFERENT {str(e)[:300]}")
        else:
            la, lb = x.decode().splitlines(), y.decode().splitlines()
            diff = [(i, u, v) for i, (u, v) in enumerate(zip(la, lb)) if u != v]
            print(f"{f}: DIFFERENT {diff[:3]}")
        bad += 1
    print("files differing:", bad)
    return bad


if __name__ == "__main__":
    sys.exit(1 if compare(sys.argv[1], sys.argv[2]) else 0)
