"""A tiny, fast run of the benchmark machinery (benchmarks/run.py) on ~200 interviews.

It checks that the suite produces well-formed results — every measurement ran and has a time and
a peak memory, the peer path and the parse floor parsed every row, the stale-cache demonstration
saw the edit and the deletion, RESULTS.md holds the tables, issue 26's six targets are judged beside
the parse floor and the hand-written notebook, the scaling chart has the report and IRT lines — and
never asserts on a timing: the figures themselves come from ``make bench`` on a quiet machine. The
targets' verdicts are checked on hand-made measurements at their thresholds instead.
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


ALL_TASKS = ("floor", "imports", "load cold", "load warm", "check cold", "check warm", "report csv", "irt", "peer")
BULK_TASKS = ("floor", "load", "report csv", "irt", "peer", "explorer")
#: issue 26's targets judged on the smoke data: the team's history is the per-file folder, the large
#: and the decade-long histories the bulk file
SMOKE_TARGET_SIZES = {"team": "smoke", "large": "smoke-bulk", "decade": "smoke-bulk"}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One quick suite run over a per-interview folder and a bulk file of ~200 interviews."""
    run = _load("run")
    tmp = tmp_path_factory.mktemp("bench")
    run.SIZES["smoke"] = run.Size("smoke", 200, "per_interview")
    run.SIZES["smoke-bulk"] = run.Size("smoke-bulk", 200, "bulk")
    results = run.run_suite(["smoke"], tmp / "cache", repeat=1, repeat_slow=1, save_sizes=("smoke",),
                            stale_size="smoke", explorer_sizes=(), quick=True, log=lambda *a: None)
    # the bulk file: what differs from the per-file layout (parsing, the peer path), the explorer and
    # what issue 26's targets read at 1M rows, through the --tasks subset machinery, to keep this test short
    bulk = run.run_suite(["smoke-bulk"], tmp / "cache", repeat=1, repeat_slow=1, save_sizes=(), stale_size=None,
                         explorer_sizes=("smoke-bulk",), tasks=BULK_TASKS, quick=True, log=lambda *a: None)
    results["datasets"].update(bulk["datasets"])
    results["measurements"] += bulk["measurements"]
    results["probes"].update(bulk["probes"])
    results["total_seconds"] = 1.0
    results["target_sizes"] = SMOKE_TARGET_SIZES
    md = run.write_results(results, tmp / "out", chart=False)
    return run, results, md


def test_every_measurement_ran_and_has_time_and_memory(smoke):
    _, results, _ = smoke
    tasks = {(m["size"], m["task"]) for m in results["measurements"]}
    for task in ALL_TASKS:
        assert ("smoke", task) in tasks
    # the --tasks subset ran exactly the tasks asked for (prefixes: "load" is load cold and load warm)
    assert {t for s, t in tasks if s == "smoke-bulk"} == {"floor", "load cold", "load warm", "report csv", "irt",
                                                          "peer", "explorer"}
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
    assert set(run.LIMITED_TASKS["10m"]) <= {"floor", "imports", "check cold", "load warm", "report csv", "irt", "peer"}
    assert {"report csv", "irt", "floor", "peer"} <= set(run.LIMITED_TASKS["10m"])  # issue 26's 10M line and yardsticks
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


def test_issue26_targets_sit_beside_the_floor_and_the_notebook(smoke):
    """All six are listed; each measured one is judged with the floor and the notebook of its data set
    beside it; the two that --quick does not run (full report, notebooks) say so instead of a verdict."""
    run, results, md = smoke
    t26 = {t["task"]: t for t in run.targets(results) if t.get("issue") == 26}
    assert len([t for t in run.targets(results) if t.get("issue") == 26]) == 6
    assert set(t26) == {"report csv", "irt", "explorer", "report full", "notebook 03"}  # report csv twice: 1M, 10M
    for task in ("report csv", "irt", "explorer"):
        assert t26[task]["met"] in (True, False) and t26[task]["size"] == "smoke-bulk"
        assert t26[task]["floor"].endswith("MB") and t26[task]["peer"].endswith("MB")
    for task in ("report full", "notebook 03"):
        assert t26[task]["met"] is None and t26[task]["figure"] == "not measured"
    assert "changes < 1 s" in t26["explorer"]["figure"]
    text = md.read_text()
    assert "| target | data | measured | parse floor | hand-written notebook | met? |" in text
    assert all(t["target"] in text for t in t26.values()) and "Issues 6 and 11:" in text


def _verdicts(measurements, probes=None):
    """Issue 26's verdicts on hand-made measurements: task -> met (the 10M report as "report csv 10m")."""
    res = _load("results")
    sizes = {"1k": 6_500, "10k": 63_000, "1m": 1_000_000, "10m": 10_000_000}
    results = {"datasets": {s: {"rows": r} for s, r in sizes.items()}, "probes": probes or {},
               "measurements": [{"size": s, "task": t, "median_wall": w, "median_rss": gb * 2**30 if gb else None,
                                 "ok": w is not None, "error": None if w else "boom", "rows": sizes[s]}
                                for s, t, w, gb in measurements]}
    return {t["task"] + (" 10m" if t["size"] == "10m" else ""): t["met"] for t in res.issue26_targets(results)}


def test_issue26_verdicts_at_their_thresholds():
    yard = [("1m", "floor", 1.0, 0.3), ("1m", "peer", 49.5, 0.6), ("10m", "floor", 2.0, 2.3)]
    met = _verdicts(yard + [("1m", "report csv", 4.9, 0.6), ("10m", "report csv", 29.0, 2.4),
                            ("1m", "irt", 59.0, 2.9), ("10k", "report full", 9.9, 0.3),
                            ("10k", "notebook 03", 9.9, 0.3)])
    assert met == {"report csv": True, "report csv 10m": True, "irt": True, "explorer": None,
                   "report full": True, "notebook 03": True}
    missed = _verdicts(yard + [("1m", "report csv", 5.1, 0.6), ("10m", "report csv", 29.0, 2.6),
                               ("1m", "irt", 61.0, 1.0), ("10k", "report full", 10.1, 0.3),
                               ("10k", "notebook 03", None, None)])
    assert missed == {"report csv": False, "report csv 10m": False, "irt": False, "explorer": None,
                      "report full": False, "notebook 03": False}
    # each condition on its own: 9.8x faster than the notebook; 15.5x the floor; irt over 3 GB
    assert _verdicts([("1m", "floor", 1.0, 0.3), ("1m", "peer", 48.0, 0.6), ("1m", "report csv", 4.9, 0.6)])["report csv"] is False
    assert _verdicts([("10m", "floor", 1.87, 2.3), ("10m", "report csv", 29.0, 2.4)])["report csv 10m"] is False
    assert _verdicts([("1m", "irt", 59.0, 3.1)])["irt"] is False
    # without its yardsticks the 1M report cannot be judged; the 10M one can still miss on time or memory
    assert _verdicts([("1m", "report csv", 4.9, 0.6)])["report csv"] is None
    assert _verdicts([("10m", "report csv", 29.0, 2.4)])["report csv 10m"] is None
    assert _verdicts([("10m", "report csv", 31.0, 2.4)])["report csv 10m"] is False


def test_issue26_explorer_verdict_reads_only_criterion_level_and_period_changes():
    def probe(period_s, ok=True):
        steps = [{"change": c, "seconds": s, "cpu_seconds": s, "error": None} for c, s in
                 (("criterion -> rest", 0.9), ("level -> senior", 0.5), ("period -> last 4 quarters", period_s),
                  ("tab -> Levels (its tables + draw)", 2.0), ("min n -> 20 (a new slice of every row)", 3.0))]
        return {"explorer 1m": {"steps": steps, "ok": ok}}

    explorer = [("1m", "explorer", 20.0, 0.8)]
    assert _verdicts(explorer, probe(0.99))["explorer"] is True  # the slow tab and min n steps are not judged
    assert _verdicts(explorer, probe(1.01))["explorer"] is False
    assert _verdicts(explorer, probe(0.5, ok=False))["explorer"] is False  # tables differ from calibrate


def test_scaling_chart_draws_the_report_and_irt_lines_over_every_size(smoke):
    run, results, _ = smoke
    fig = run.scaling_figure(results)
    assert [tr.name for tr in fig.data[:4]] == ["report csv", "irt", "floor", "peer"]
    rows = sorted(d["rows"] for d in results["datasets"].values())
    for tr in fig.data[:4]:
        assert sorted(tr.x) == rows and all(y > 0 for y in tr.y)
    marks = next(tr for tr in fig.data if tr.name == "issue 26 targets")
    assert list(marks.y) == [30, 60]


def test_plan_for_issue26_runs_its_tasks_at_every_size_and_estimates_the_time(tmp_path, capsys):
    run = _load("run")
    sizes = ["1k", "10k", "100k", "1m", "10m"]
    steps = run.plan_suite(sizes, tmp_path, tmp_path, tasks=["floor", "report", "irt", "peer", "notebook 03", "explorer"])
    pairs = {(s.size, s.task) for s in steps}
    for task in ("floor", "report csv", "irt"):
        assert {(s, task) for s in sizes} <= pairs
    assert {("1k", "peer"), ("10k", "peer"), ("100k", "peer read"), ("1m", "peer"), ("10m", "peer")} <= pairs
    assert {("10k", "report full"), ("10k", "notebook 03"), ("1m", "explorer")} <= pairs
    assert not any(s.task in ("check cold", "notebook 01", "save", "stale") or (s.size, s.task) == ("10m", "report full")
                   for s in steps)
    assert all(s.runs == 1 for s in steps if s.size == "10m") and all(s.runs == 3 for s in steps if s.task == "irt"
                                                                       and s.size != "10m")
    previous = {"datasets": {}, "measurements": [{"size": "1m", "task": "irt", "median_wall": 50.0, "rows": 1_000_000}]}
    irt = [s for s in steps if s.task == "irt" and s.size in ("1m", "10m")]
    seconds, guessed = run.estimate_seconds(irt, previous, tmp_path)
    assert "irt 10m (from 1m)" in guessed and not any(g.startswith("irt 1m") for g in guessed)
    assert seconds > 3 * 50.0 + 9.5 * 50.0  # 1m measured three times, 10m scaled by rows
    # a small size is mostly start-up: 25 s on 6.5k rows must not become an hour on 1M rows
    one_small, _ = run._from_other_sizes([(6_500, 25.0, "1k")], 1_000_000)
    assert 25.0 <= one_small < 200
    assert run._from_other_sizes([(1_000_000, 20.0, "1m"), (63_000, 60.0, "10k")], 10_000_000)[0] == 200.0
    two, used = run._from_other_sizes([(6_500, 3.0, "1k"), (63_000, 4.0, "10k")], 640_000)
    assert used == "1k, 10k" and 4.0 < two < 20.0
    assert run.main(["--plan", "--sizes", "1k", "--tasks", "irt", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 measurements (3 runs)" in out and "python -m analysis irt" in out


def test_irt_on_10m_rows_runs_only_when_asked_for_and_keeps_its_last_figure(tmp_path):
    """``make bench`` (every task) leaves out ``irt`` at 10M rows (10-20 minutes: past the suite's 30),
    runs it when ``--tasks`` names it, and a run without it keeps its last measurement for the chart."""
    run = _load("run")
    every = {(s.size, s.task) for s in run.plan_suite(["1m", "10m"], tmp_path, tmp_path)}
    assert ("1m", "irt") in every and ("10m", "report csv") in every and ("10m", "irt") not in every
    asked = {(s.size, s.task) for s in run.plan_suite(["10m"], tmp_path, tmp_path, tasks=["irt"])}
    assert asked == {("10m", "irt")}
    old = {"size": "10m", "task": "irt", "median_wall": 600.0, "rows": 10_000_000, "ok": True}
    (tmp_path / "results.json").write_text(json.dumps({"measurements": [old, {**old, "task": "report csv"}]}))
    fresh = {"measurements": [{**old, "task": "report csv", "median_wall": 50.0}]}
    run.run_suite = lambda *a, **k: json.loads(json.dumps(fresh))
    written = {}
    run.write_results = lambda results, out, chart=True: written.update(results) or out / "RESULTS.md"
    run.targets = lambda results: []
    assert run.main(["--sizes", "10m", "--out", str(tmp_path), "--no-chart"]) == 0
    kept = {(m["task"], m["median_wall"]) for m in written["measurements"]}
    assert kept == {("report csv", 50.0), ("irt", 600.0)}
