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


ALL_TASKS = ("floor", "imports", "load cold", "load warm", "check cold", "check warm", "report csv", "peer")
BULK_TASKS = ("floor", "load", "peer", "explorer")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One quick suite run over a per-interview folder and a bulk file of ~200 interviews."""
    run = _load("run")
    tmp = tmp_path_factory.mktemp("bench")
    run.SIZES["smoke"] = run.Size("smoke", 200, "per_interview")
    run.SIZES["smoke-bulk"] = run.Size("smoke-bulk", 200, "bulk")
    results = run.run_suite(["smoke"], tmp / "cache", repeat=1, repeat_slow=1, save_sizes=("smoke",),
                            stale_size="smoke", explorer_sizes=(), quick=True, log=lambda *a: None)
    # the bulk file: only what differs from the per-file layout (parsing, the peer path) and the explorer,
    # through the --tasks subset machinery, to keep this test short
    bulk = run.run_suite(["smoke-bulk"], tmp / "cache", repeat=1, repeat_slow=1, save_sizes=(), stale_size=None,
                         explorer_sizes=("smoke-bulk",), tasks=BULK_TASKS, quick=True, log=lambda *a: None)
    results["datasets"].update(bulk["datasets"])
    results["measurements"] += bulk["measurements"]
    results["probes"].update(bulk["probes"])
    results["total_seconds"] = 1.0
    md = run.write_results(results, tmp / "out", chart=False)
    return run, results, md


def test_every_measurement_ran_and_has_time_and_memory(smoke):
    _, results, _ = smoke
    tasks = {(m["size"], m["task"]) for m in results["measurements"]}
    for task in ALL_TASKS:
        assert ("smoke", task) in tasks
    # the --tasks subset ran exactly the tasks asked for (prefixes: "load" is load cold and load warm)
    assert {t for s, t in tasks if s == "smoke-bulk"} == {"floor", "load cold", "load warm", "peer", "explorer"}
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


def test_explorer_probe_times_every_change(smoke):
    run, results, md = smoke
    ex = results["probes"]["explorer smoke-bulk"]
    changes = [s["change"] for s in ex["steps"]]
    assert any(c.startswith("criterion") for c in changes) and any(c.startswith("level") for c in changes)
    assert any(c.startswith("period") for c in changes)
    assert ex["ok"] and all(s["error"] is None and s["seconds"] > 0 for s in ex["steps"])
    by = {s["change"]: s["interviews"] for s in ex["steps"]}
    assert 0 < by["level -> senior"] < by["criterion -> rest"]  # the change reached the calibration
    assert ex["max_redraw_s"] >= ex["median_redraw_s"] > 0
    target = [t for t in run.targets(results) if t["target"].startswith("the explorer redraws")]
    assert len(target) == 1 and "median" in target[0]["figure"]
    assert "## Explorer interactivity" in md.read_text()


def test_task_selection_and_limited_sizes():
    run = _load("run")
    assert run._wanted("report csv", ()) and run._wanted("notebook 03", ("notebook",))
    assert run._wanted("load warm", ("load",)) and not run._wanted("report full", ("report csv", "peer"))
    assert set(run.LIMITED_TASKS["10m"]) <= {"floor", "imports", "check cold", "load warm", "report csv"}
    assert run.SIZES["10m"].layout == "bulk" and run.SIZES["10m"].n_interviews >= 10 * run.SIZES["1m"].n_interviews
    with pytest.raises(SystemExit) as exc:
        run.main(["--tasks", "nonsense", "--sizes", "1k"])
    assert exc.value.code == 2


def test_merge_replaces_same_size_and_task_and_keeps_the_rest():
    run = _load("run")

    def part(started, sizes, meas, git):
        return {"started": started, "finished": started, "load_before": "1 1 1", "load_after": "2 2 2",
                "total_seconds": 60.0, "tasks": [], "machine": {"git": git},
                "datasets": {s: {"rows": r} for s, r in sizes.items()},
                "measurements": [{"size": s, "task": t, "median_wall": w} for s, t, w in meas], "probes": {"p": git}}

    old = part("2026-01-01T10:00:00", {"1m": 10**6, "1k": 10**3}, [("1m", "floor", 1.0), ("1k", "floor", 0.5)], "aaa")
    new = part("2026-01-01T11:00:00", {"1m": 10**6}, [("1m", "floor", 2.0), ("1m", "peer", 9.0)], "bbb")
    m = run.merge_results(old, new)
    assert list(m["datasets"]) == ["1k", "1m"]  # ordered by size
    walls = {(x["size"], x["task"]): x["median_wall"] for x in m["measurements"]}
    assert walls == {("1k", "floor"): 0.5, ("1m", "floor"): 2.0, ("1m", "peer"): 9.0}
    assert [p["commit"] for p in m["parts"]] == ["aaa", "bbb"] and m["total_seconds"] == 120.0
    assert m["started"] == old["started"] and m["probes"]["p"] == "bbb"
    m2 = run.merge_results(m, part("2026-01-01T12:00:00", {"1k": 10**3}, [], "ccc"))
    assert [p["commit"] for p in m2["parts"]] == ["aaa", "bbb", "ccc"]
