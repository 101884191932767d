"""Record every file and every line the commands write, to show a restructuring changed nothing a user
sees (issue 22): ``check``, ``report --format csv``, ``irt``, ``fairness`` and ``kit`` on a demo folder
and on a bulk history, plus the demo folders themselves.

    python benchmarks/snapshot_outputs.py --tree /path/to/old/checkout /tmp/before
    python benchmarks/snapshot_outputs.py --tree .                      /tmp/after
    python benchmarks/snapshot_outputs.py --compare /tmp/before /tmp/after

Each command runs as a whole process with ``PYTHONPATH`` set to ``--tree`` and the working directory
inside the snapshot, so paths printed by a command read the same in both snapshots (the snapshot's absolute folder and
timings are masked in the logs, progress bars switched off). ``--compare``
prints one line per file that differs (and exits 1), else ``N files byte-identical``.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

#: (folder name, demo options): a per-interview demo and a bulk history with group attributes.
FOLDERS = (
    ("demo", ["--interviews", "400", "--seed", "0", "--groups"]),
    ("bulk", ["--interviews", "2500", "--seed", "7", "--layout", "bulk", "--groups"]),
)


def commands(folder: str) -> list[tuple[str, list[str]]]:
    """The commands recorded on one data folder, each with the name its output files get."""
    d = f"data-{folder}"
    return [
        ("check", ["check", "--data", d]),
        ("report", ["report", "--data", d, "--out", f"out/{folder}/report", "--format", "csv"]),
        ("irt", ["irt", "--data", d, "--out", f"out/{folder}/irt", "--format", "csv"]),
        ("fairness", ["fairness", "--data", d, "--out", f"out/{folder}/fairness", "--format", "csv"]),
        ("kit", ["kit", "--data", d, "--level", "mid", "--questions", "4"]),
        ("bad-data", ["report", "--data", "no-such-folder", "--out", "out/x", "--format", "csv"]),
        ("out-inside", ["report", "--data", d, "--out", f"{d}/reports", "--format", "csv"]),
    ]


def run(tree: Path, cwd: Path, name: str, argv: list[str]) -> None:
    env = dict(os.environ, PYTHONPATH=str(tree.resolve()), OPENBLAS_NUM_THREADS="1", TQDM_DISABLE="1")
    p = subprocess.run([sys.executable, "-m", "analysis", *argv], cwd=cwd, env=env,
                       capture_output=True, text=True)
    log = cwd / "logs"
    log.mkdir(exist_ok=True)
    text = f"exit {p.returncode}\n--- stdout\n{p.stdout}--- stderr\n{p.stderr}"
    # what changes from run to run and not with the code: the snapshot's own folder and timings
    text = re.sub(r"\bin \d+(\.\d+)? s\b", "in <seconds> s", text.replace(str(cwd.resolve()), "<snapshot>"))
    text = "".join(line for line in text.splitlines(keepends=True) if not re.search(r"\d+%\|", line))
    (log / f"{name}.txt").write_text(text, encoding="utf-8")
    print(f"{name}: exit {p.returncode}", flush=True)


def snapshot(tree: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=False)
    for folder, options in FOLDERS:
        run(tree, out, f"{folder}-demo", ["demo", "--data", f"data-{folder}", *options])
        for name, argv in commands(folder):
            run(tree, out, f"{folder}-{name}", argv)


def compare(a: Path, b: Path) -> int:
    fa = {p.relative_to(a) for p in a.rglob("*") if p.is_file() and ".cache" not in p.parts}
    fb = {p.relative_to(b) for p in b.rglob("*") if p.is_file() and ".cache" not in p.parts}
    bad = sorted(fa ^ fb)
    for f in bad:
        print(f"only in {'before' if f in fa else 'after'}: {f}")
    for f in sorted(fa & fb):
        if (a / f).read_bytes() != (b / f).read_bytes():
            print(f"differs: {f}")
            bad.append(f)
    print(f"{len(fa & fb) - len([f for f in bad if f in fa and f in fb])} files byte-identical, "
          f"{len(bad)} differing")
    return 1 if bad else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tree", type=Path, default=Path("."), help="checkout whose analysis/ runs")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    ap.add_argument("out", nargs="?", type=Path, help="new folder for the snapshot")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if args.out is None:
        ap.error("give an output folder, or --compare BEFORE AFTER")
    snapshot(args.tree, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
