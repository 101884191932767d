"""A tiny, fast run of the benchmark machinery (benchmarks/run.py) on ~200 interviews.

It checks that the suite produces well-formed results — every measurement ran and has a time and
a peak memory, the peer path and the parse floor parsed every row, the stale-cache demonstration
saw the edit and the deletion, RESULTS.md holds the tables — and never asserts on a timing: the
figures themselves come from ``make bench`` on a quiet machine.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One quick suite run over a per-interview folder and a bulk file of ~200 interviews."""
    run = _load("run")
    tmp = tmp_path_factory.mktemp("bench")
    run.SIZES["smoke"] = run.Size("smoke", 200, "per_interview")
    run.SIZES["smoke-bulk"] = run.Size("smoke-bulk", 200, "bulk")
    results = run.run_suite(["smoke", "smoke-bulk"], tmp / "cache", repeat=1, repeat_slow=1, save_sizes=("smoke",),
                            stale_size="smoke", quick=True, log=lambda *a: None)
    md = run.write_results(results, tmp / "out", chart=False)
    return run, results, md


def test_every_measurement_ran_and_has_time_and_memory(smoke):
    _, results, _ = smoke
    tasks = {(m["size"], m["task"]) for m in results["measurements"]}
    for size in ("smoke", "smoke-bulk"):
        for task in ("floor", "imports", "load cold", "load warm", "check cold", "check warm", "report csv", "peer"):
            assert (size, task) in tasks
    for m in results["measurements"]:
        assert m["ok"], (m["task"], m["error"])
        assert all(r["rc"] == 0 for r in m["runs"])
        assert m["median_wall"] > 0
        assert m["median_rss"] > 1_000_000  # bytes: any Python process holds more than 1 MB


def test_paths_parse_the_same_rows(smoke):
    """The floor, the peer path and the workbook all see every generated row (the data are valid)."""
    _, results, _ = smoke
    for size, ds in results["datasets"].items():
        by = {m["task"]: m for m in results["measurements"] if m["size"] == size}
        assert by["floor"]["info"]["rows"] == ds["rows"]
        assert by["peer"]["info"]["rows"] == ds["rows"]
        assert by["load warm"]["info"]["rows"] == ds["rows"]
        assert by["load warm"]["info"]["problems"] == 0
        assert by["load warm"]["info"]["frames_bytes"] > 0
        assert by["peer"]["info"]["questions"] > 0 and by["peer"]["info"]["interviewers"] > 0
    assert results["datasets"]["smoke"]["files"] == results["datasets"]["smoke"]["interviews"]
    assert results["datasets"]["smoke-bulk"]["files"] == 1


def test_form_save_and_stale_cache_probes(smoke):
    _, results, _ = smoke
    save = results["probes"]["save smoke"]
    assert save["n"] > 0 and 0 < save["median_s"] <= save["max_s"]
    assert save["files_in_folder"] == results["datasets"]["smoke"]["files"]  # every saved file removed again
    st = results["probes"]["stale"]
    assert st["edit_and_delete_seen"] and st["damaged_cache_rebuilt"] and st["restored_equal"]
    assert st["after_edit_and_delete"]["files"] == st["before"]["files"] - 1


def test_results_files_are_written(smoke):
    run, results, md = smoke
    text = md.read_text()
    assert "## Targets" in text and "## Machine" in text and "smoke-bulk" in text
    assert run.MARK_START in text and run.MARK_END in text
    data = json.loads((md.parent / "results.json").read_text())
    assert len(data["measurements"]) == len(results["measurements"])
    # a rerun keeps the hand-written analysis between the markers
    md.write_text(text.replace(run.MARK_START + "\n", run.MARK_START + "\nprofiling notes kept\n"))
    run.write_results(results, md.parent, chart=False)
    assert "profiling notes kept" in md.read_text()


def test_generated_data_are_reused(smoke):
    run, results, _ = smoke
    ds = results["datasets"]["smoke"]
    path, info = run.ensure_dataset(run.SIZES["smoke"], Path(ds["path"]).parent)
    assert str(path) == ds["path"] and info["rows"] == ds["rows"]
