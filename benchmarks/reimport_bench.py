"""Time re-importing a Greenhouse export whose scorecards all changed (issue 23).

    .venv/bin/python benchmarks/reimport_bench.py [--records 500]

Imports N generated scorecards (:func:`import_bench.export`, seed 0) into a fresh temporary data
folder, then an export of the same scorecard ids with other ratings and recommendations (seed 1)
twice: without ``--update`` (every record compared with the stored one and held back) and with it
(every stored file replaced, its previous version kept in ``history/``). Each run is a whole
process; prints wall and CPU time (user + system of the child) and the summary line. Writes nothing
into the repository.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from import_bench import REPO, export, timed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=500)
    n = ap.parse_args().records
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        (data / "scores").mkdir(parents=True)
        shutil.copyfile(REPO / "data" / "questions.csv", data / "questions.csv")
        for label, seed, extra in [("first import", 0, []), ("changed, held back", 1, []),
                                   ("changed, --update", 1, ["--update"])]:
            f = tmp / f"export-{seed}.json"
            f.write_text(json.dumps(export(n, seed)))
            wall, cpu, last = timed(["import", "greenhouse", str(f), "--data", str(data), "--level", "senior",
                                     *extra])
            print(f"{n} records, {label}: wall {wall:.1f} s, cpu {cpu:.1f} s ({1000 * cpu / n:.1f} ms cpu/record): "
                  f"{last}")


if __name__ == "__main__":
    main()
