"""What a suite run measured, judged and written down: the targets, ``RESULTS.md``, the scaling chart,
and the merging of runs made in pieces.

:mod:`benchmarks.run` measures (child processes, medians, peak RSS) and hands its results dict here;
this module only reads that dict, so a results file written by an earlier run can be re-rendered or
merged without measuring anything (``merge_results``, ``write_results``).

The targets come from the issues that set them: issue 6 (the suite, the peer path, the parse floor),
issue 11 (the loader, memory, the form save, the explorer) and issue 26 (fast at every scale). Issue
26's six are judged each beside its two yardsticks, the parse floor (:mod:`benchmarks.floor`: nothing
can load the data faster) and the hand-written notebook (:mod:`benchmarks.peer`: what an analyst would
write without the workbook), measured on the same data set in the same run, so a reader sees how far
each figure is from both ends. Sizes in GB are GiB (2**30 bytes), as everywhere in RESULTS.md.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path

__all__ = ["ISSUE26_SIZES", "MARK_END", "MARK_START", "issue26_targets", "merge_results", "render_markdown",
           "scaling_figure", "targets", "write_results"]

MARK_START = "<!-- analysis:start -->"
MARK_END = "<!-- analysis:end -->"
GB = 2**30

# ---------------------------------------------------------------- results

def _get(results: dict, size: str, task: str):
    for m in results["measurements"]:
        if m["size"] == size and m["task"] == task:
            return m
    return None


def _wall(results, size, task):
    m = _get(results, size, task)
    return m["median_wall"] if m else None


def _fmt_s(v) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def _fmt_mb(v) -> str:
    return "-" if v is None else f"{v / 2**20:.0f}"


def _ratio(a, b) -> str:
    return "-" if not a or not b else f"{a / b:.1f}x"


def _info(results, size, task, key):
    m = _get(results, size, task)
    return m["info"].get(key) if m and m["info"] else None


#: The data set each of issue 26's targets is judged on: a team's history (10k interviews, one file
#: each), a large company's (~1M score rows) and a decade of one (~10M rows). A results dict may name
#: others under ``"target_sizes"`` (the smoke test maps them onto its own tiny data sets).
ISSUE26_SIZES = {"team": "10k", "large": "1m", "decade": "10m"}
#: Issue 26's explorer target is about these changes; the probe's other steps (tabs, minimum n) are
#: shown beside it, not judged.
EXPLORER_CHANGES = ("criterion", "level", "period")


def _whole(m: dict) -> str:
    """A measurement as the targets table shows it: median seconds and peak RSS."""
    rss = m["median_rss"]
    return f"{_fmt_s(m['median_wall'])} s, " + (f"{rss / GB:.2f} GB" if rss >= GB / 2 else f"{rss / 2**20:.0f} MB")


def _target_sizes(results: dict) -> dict:
    return results.get("target_sizes") or ISSUE26_SIZES


def issue26_targets(results: dict) -> list[dict]:
    """Issue 26's six targets, each judged beside the parse floor and the hand-written notebook.

    Every target appears, measured or not: a target whose measurement is not in ``results`` says
    "not measured" and ``met`` is None (a subset run cannot judge it); a measurement that failed is
    missed. ``floor`` and ``peer`` are the whole-process medians of :mod:`benchmarks.floor` and
    :mod:`benchmarks.peer` on the data set the target is judged on, so the table shows how far each
    figure is from what nothing can beat and from what an analyst would write by hand.
    """
    sizes = _target_sizes(results)
    team, large, decade = sizes["team"], sizes["large"], sizes["decade"]
    out = []

    def add(target, size, task, judge):
        m = _get(results, size, task)
        if m is None:
            figure, met = "not measured", None
        elif m["median_wall"] is None:
            figure, met = f"failed: {m['error']}", False
        else:
            figure, met = judge(m)
        floor, peer = _get(results, size, "floor"), _get(results, size, "peer")
        out.append({"issue": 26, "target": target, "size": size, "task": task, "figure": figure, "met": met,
                    "floor": _whole(floor) if floor and floor["median_wall"] else "not measured",
                    "peer": _whole(peer) if peer and peer["median_wall"] else "not measured"})

    def floor_x(m, size):
        """How many times the parse floor of the same data ``m`` took; None without a floor."""
        floor = _wall(results, size, "floor")
        return m["median_wall"] / floor if floor else None

    def peer_x(m, size):
        """How many times faster than the hand-written notebook on the same data; None without one."""
        peer = _wall(results, size, "peer")
        return peer / m["median_wall"] if peer else None

    def report_large(m):
        xf, xp = floor_x(m, large), peer_x(m, large)
        fig = (f"{_whole(m)}; " + (f"{xf:.1f}x the floor" if xf else "floor not measured") + ", "
               + (f"{xp:.1f}x faster than the notebook" if xp else "notebook not measured"))
        return fig, (xf <= 5 and xp >= 10) if xf and xp else None

    def report_decade(m):
        xf = floor_x(m, decade)
        fig = f"{_whole(m)}; " + (f"{xf:.1f}x the floor" if xf else "floor not measured")
        fast = m["median_wall"] < 30 and m["median_rss"] < 2.5 * GB
        # without the floor only a miss can be judged: too slow or too big is missed whatever the floor
        return fig, (fast and xf <= 15) if xf else (None if fast else False)

    def under(seconds, gb=None):
        def judge(m):
            return _whole(m), m["median_wall"] < seconds and (gb is None or m["median_rss"] < gb * GB)
        return judge

    add("`report --format csv` on ~1M rows within 5x the parse floor and >= 10x faster than the "
        "hand-written notebook", large, "report csv", report_large)
    add("`report --format csv` on ~10M rows in < 30 s, peak RSS < 2.5 GB, within 15x the parse floor",
        decade, "report csv", report_decade)
    add("`irt` (GRM, many-facet severity with SEs, fair abilities) on ~1M rows in < 60 s, peak RSS < 3 GB",
        large, "irt", under(60, 3))
    add("the explorer on ~1M rows: every change of criterion, level or period < 1 s", large, "explorer",
        lambda m: _explorer_verdict(results["probes"].get(f"explorer {large}") or {}))
    add("the full report (tables, every chart as PNG/SVG/PDF/HTML, index) on 10k interviews in < 10 s",
        team, "report full", under(10))
    add("notebook 03 run by papermill on 10k interviews in < 10 s", team, "notebook 03", under(10))
    return out


def _explorer_verdict(probe: dict) -> tuple[str, bool]:
    """The explorer target's figure and verdict from the probe's steps: the slowest change of
    criterion, level or period (wall seconds, CPU seconds beside: on a shared machine the wall clock
    of one change can be several times its CPU time), and the other steps' slowest for context."""
    steps = probe.get("steps")
    if not steps:
        return f"no steps: {probe.get('error', 'the probe printed nothing')}", False
    judged = [s for s in steps if s["change"].startswith(EXPLORER_CHANGES)]
    others = [s for s in steps if not s["change"].startswith(EXPLORER_CHANGES)]
    worst = max(judged, key=lambda s: s["seconds"])
    under = sum(s["seconds"] < 1 for s in judged)
    fig = (f"{under} of {len(judged)} changes < 1 s; slowest {_fmt_s(worst['seconds'])} s"
           + (f" ({_fmt_s(worst['cpu_seconds'])} CPU s)" if "cpu_seconds" in worst else "")
           + f", {worst['change']}; median {_fmt_s(statistics.median(s['seconds'] for s in judged))} s")
    if others:
        o = max(others, key=lambda s: s["seconds"])
        fig += f"; not judged: slowest other step {_fmt_s(o['seconds'])} s, {o['change']}"
    ok = probe.get("ok", False) and all(s["error"] is None for s in judged)
    return fig + ("" if ok else " (a change ended in an error or the tables differ from calibrate)"), \
        bool(ok and worst["seconds"] < 1)


def targets(results: dict) -> list[dict]:
    """Every target: issue 26's six (:func:`issue26_targets`, always listed) and those of issues 6
    and 11 with the measured figure and whether it is met.

    An issue 6/11 target appears only when its measurements were run (a subset run judges what it
    measured); ``met`` is True, False, or None for an issue 26 target not measured in this run.
    """
    return issue26_targets(results) + _earlier_targets(results)


def _earlier_targets(results: dict) -> list[dict]:
    """The targets of issues 6 and 11 whose measurements were run."""
    out = []
    ds = results["datasets"]
    if "1m" in ds:
        rep, peer, floor = (_wall(results, "1m", t) for t in ("report csv", "peer", "floor"))
        if rep and peer:
            out.append({"target": "report --format csv on ~1M rows >= 10x faster than the peer path",
                        "figure": f"{_fmt_s(rep)} s vs peer {_fmt_s(peer)} s: {peer / rep:.1f}x faster",
                        "met": peer / rep >= 10})
        if rep and floor:
            out.append({"target": "report --format csv on ~1M rows within 5x of the parse floor",
                        "figure": f"{_fmt_s(rep)} s vs floor {_fmt_s(floor)} s: {rep / floor:.1f}x the floor",
                        "met": rep / floor <= 5})
        chk = _wall(results, "1m", "check cold")
        chw = _wall(results, "1m", "check warm")
        if chk and floor:
            warm = f"; warm (parse cache present) {_fmt_s(chw)} s: {chw / floor:.1f}x" if chw else ""
            out.append({"target": "check on ~1M rows within 3x of the parse floor",
                        "figure": f"cold (no parse cache) {_fmt_s(chk)} s vs floor {_fmt_s(floor)} s: "
                                  f"{chk / floor:.1f}x{warm}",
                        "met": chk / floor <= 3})
    if "10m" in ds:
        rep = _get(results, "10m", "report csv")
        if rep and rep["median_wall"]:
            out.append({"target": "report --format csv on ~10M rows in < 60 s with peak RSS < 4 GB",
                        "figure": f"{ds['10m']['rows']:,} rows: {_fmt_s(rep['median_wall'])} s, "
                                  f"peak RSS {rep['median_rss'] / 2**30:.1f} GB",
                        "met": rep["median_wall"] < 60 and rep["median_rss"] < 4 * 2**30})
        elif rep:
            out.append({"target": "report --format csv on ~10M rows in < 60 s with peak RSS < 4 GB",
                        "figure": f"failed: {rep['error']}", "met": False})
    if "100k" in ds:
        cold = _info(results, "100k", "load cold", "t_load")
        if cold:
            whole = _wall(results, "100k", "load cold")
            out.append({"target": "cold load of 100k per-interview files < 6 s",
                        "figure": f"load() {_fmt_s(cold)} s in-process ({_fmt_s(whole)} s whole process)",
                        "met": cold < 6})
        warm = _get(results, "100k", "load warm")
        peer = _get(results, "100k", "peer") or _get(results, "100k", "peer read")
        if warm and peer and warm["info"] and peer["info"]:
            t_w, t_p = warm["info"]["t_load"], peer["info"]["t_read"]
            out.append({"target": "reload of 100k per-interview files (warm cache) >= 20x faster than a per-file pd.read_csv loop",
                        "figure": f"load() {_fmt_s(t_w)} s vs read_csv loop {_fmt_s(t_p)} s (in-process): {t_p / t_w:.1f}x",
                        "met": t_p / t_w >= 20})
    st = results["probes"].get("stale")
    if st and "ok" in st:
        out.append({"target": "the cache never serves stale data (changed or deleted file seen at the next load; damaged cache rebuilt)",
                    "figure": (f"{st['size']}: edit+delete seen: {st['edit_and_delete_seen']}; damaged cache rebuilt: "
                               f"{st['damaged_cache_rebuilt']}; mtime-preserving same-size rewrite seen: "
                               f"{st['mtime_preserving_rewrite_seen']}"),
                    "met": bool(st["ok"] and st["mtime_preserving_rewrite_seen"])})
    saves = {k: v for k, v in results["probes"].items() if k.startswith("save") and "median_s" in v}
    if saves:
        worst = max(v["median_s"] for v in saves.values())
        figs = "; ".join(f"{k.split()[1]} folder: median {v['median_s'] * 1e3:.0f} ms, max {v['max_s'] * 1e3:.0f} ms"
                         for k, v in saves.items())
        out.append({"target": "a form save is on disk in < 50 ms", "figure": figs, "met": worst < 0.050})
    explorers = {k.split()[1]: v for k, v in results["probes"].items() if k.startswith("explorer") and "steps" in v}
    if explorers:
        big = max(explorers, key=lambda s: ds[s]["rows"])
        e = explorers[big]
        out.append({"target": f"the explorer redraws in < 2 s when the criterion, level or period changes "
                              f"({ds[big]['rows']:,} rows)",
                    "figure": f"median {_fmt_s(e['median_redraw_s'])} s, slowest {_fmt_s(e['max_redraw_s'])} s "
                              f"over {sum(not s['change'].startswith('tab') for s in e['steps'])} changes"
                              + ("" if e["ok"] else " (a change ended in an error)"),
                    "met": bool(e["ok"] and e["max_redraw_s"] < 2)})
    for size in ("1m",) if "1m" in ds else ():
        lw = _get(results, size, "load warm")
        imp = _get(results, size, "imports")
        rep = _get(results, size, "report csv")
        if not (lw and lw["info"] and imp and rep and rep["median_rss"]):
            continue
        frames = lw["info"]["frames_bytes"]
        net = rep["median_rss"] - imp["median_rss"]
        out.append({"target": f"peak memory of report csv < 2x the loaded frames ({size})",
                    "figure": (f"frames {frames / 2**20:.0f} MB; report csv peak RSS {rep['median_rss'] / 2**20:.0f} MB "
                               f"({rep['median_rss'] / frames:.1f}x), above the {imp['median_rss'] / 2**20:.0f} MB of a "
                               f"process that only imports the package: {net / 2**20:.0f} MB ({net / frames:.1f}x)"),
                    "met": net / frames < 2})
    return out


#: The lines issue 26's scaling chart is about, drawn first and thick: the two commands it times
#: from 1k to 10M rows and their two yardsticks. The other tasks are drawn thin, for context.
MAIN_LINES = ("report csv", "irt", "floor", "peer")


def scaling_figure(results: dict):
    """Log-log chart of median wall time against score rows, one line per task, every size run.

    The x axis is score rows because the sizes differ in layout (1k-100k interviews as one file each,
    ~1M and ~10M rows as one bulk file): rows are what the analyses scale with. Issue 26's absolute
    targets (the 10M report in 30 s, the 1M IRT fit in 60 s) are marked where they apply.
    """
    import plotly.graph_objects as go
    others = ["load warm", "check warm", "check cold", "report full", "peer read"]
    others += sorted({m["task"] for m in results["measurements"] if m["task"].startswith("notebook")})
    fig = go.Figure()
    for t in (*MAIN_LINES, *others):
        pts = sorted((m["rows"], m["median_wall"]) for m in results["measurements"] if m["task"] == t and m["median_wall"])
        if not pts:
            continue
        main = t in MAIN_LINES
        fig.add_trace(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines+markers", name=t,
                                 line={"width": 3 if main else 1, "dash": "solid" if main else "dot"},
                                 marker={"size": 8 if main else 5}, opacity=1.0 if main else 0.6))
    marks = [(s, secs, f"target: {task} < {secs} s") for s, task, secs in
             ((_target_sizes(results)["decade"], "report csv", 30), (_target_sizes(results)["large"], "irt", 60))
             if s in results["datasets"]]
    if marks:
        fig.add_trace(go.Scatter(x=[results["datasets"][s]["rows"] for s, _, _ in marks], y=[v for _, v, _ in marks],
                                 mode="markers", name="issue 26 targets", text=[x for _, _, x in marks],
                                 hovertemplate="%{text}<extra></extra>",
                                 marker={"symbol": "x", "size": 12, "color": "black"}))
    ds = results["datasets"]
    fig.update_xaxes(type="log", tickvals=[d["rows"] for d in ds.values()],
                     ticktext=[f"{s}<br>{d['rows']:,}" for s, d in ds.items()],
                     title="score rows (1k, 10k, 100k interviews as files; ~1M and ~10M rows as one bulk file)")
    fig.update_yaxes(type="log", title="median wall time, whole process (s)")
    fig.update_layout(title="Cost growth with history size (log-log)", template="plotly_white", width=1000, height=560,
                      legend=dict(x=1.02, y=1.0, xanchor="left"))
    return fig


def _verdict(met) -> str:
    return "not measured" if met is None else "**yes**" if met else "**no**"


def _data_label(results: dict, size: str) -> str:
    d = results["datasets"].get(size)
    return size if d is None else f"{size} ({d['rows']:,} rows)"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def render_markdown(results: dict, chart: str | None, analysis: str) -> str:
    m = results["machine"]
    sizes = list(results["datasets"])
    tasks = []
    for x in results["measurements"]:
        if x["task"] not in tasks:
            tasks.append(x["task"])
    parts = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.py` (`make bench`); see `benchmarks/README.md` for what is measured and how.",
        f"Run {results['started']} to {results['finished']} UTC, commit `{m['git']}`, "
        f"{results['repeat']} runs per measurement (median), {results['repeat_slow']} for the peer path "
        f"(its read_csv loop alone at 100k), for the cold loads at 100k/1M and for every task at 10M, {results.get('notebook_repeat', results['repeat'])} per "
        f"notebook; the whole run took {results.get('total_seconds', 0) / 60:.1f} min"
        + (f" (tasks: {', '.join(results['tasks'])})" if results.get("tasks") else "") + ".",
        "",
        "## Machine",
        "",
        f"- {m['nproc']} cores, {m['memory']} memory, CPU `{m['cpu']}`; {m['platform']}",
        f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- BLAS: {m['blas']}; OPENBLAS_CORETYPE={m['OPENBLAS_CORETYPE']}, OPENBLAS_L2_SIZE={m['OPENBLAS_L2_SIZE']}",
        f"- Load average before / after: {results['load_before']} / {results['load_after']}. "
        "The machine is shared: other processes using CPU when the run started and ended:",
    ]
    busy = sorted(set(results.get("busy_before", []) + results.get("busy_after", [])))
    parts += [f"  - `{b}`" for b in busy] or ["  - (none above 5% CPU)"]
    if results.get("parts"):
        parts.append(f"- Run in {len(results['parts'])} parts (`--merge`), one after the other:")
        parts += [f"  - {p['started']} to {p['finished']}, commit `{p['commit']}`, sizes {', '.join(p['sizes'])}"
                  + (f", tasks {', '.join(p['tasks'])}" if p.get("tasks") else "")
                  + f": {(p.get('total_seconds') or 0) / 60:.1f} min, load average {p['load_before']} / {p['load_after']}"
                  for p in results["parts"]]
    parts += ["", "## Data sets (generated by `analysis.stats.demo`, cached outside the repo)", ""]
    parts.append(_table(["size", "layout", "interviews", "score rows", "files", "MB on disk"],
                        [[s, d["layout"], f"{d['interviews']:,}", f"{d['rows']:,}", f"{d['files']:,}",
                          f"{d['bytes'] / 1e6:.1f}"] for s, d in results["datasets"].items()]))
    parts += ["", "## Targets", "", "Issue 26's six, each beside its two yardsticks measured on the same data set in "
              "the same run: the parse floor (benchmarks/floor.py: pandas parsing the same bytes, nothing loads "
              "faster) and the hand-written notebook (benchmarks/peer.py: what an analyst writes without the "
              "workbook, no intervals). Whole processes, median wall seconds and peak RSS.", ""]
    parts.append(_table(["target", "data", "measured", "parse floor", "hand-written notebook", "met?"],
                        [[t["target"], _data_label(results, t["size"]), t["figure"], t["floor"], t["peer"],
                          _verdict(t["met"])] for t in issue26_targets(results)]))
    earlier = _earlier_targets(results)
    parts += ["", "Issues 6 and 11:", ""]
    parts.append(_table(["target", "measured", "met?"], [[t["target"], t["figure"], _verdict(t["met"])] for t in earlier])
                 if earlier else "(no target of issues 6 and 11 applies to what was run)")
    parts += ["", "## Whole-process wall time, median seconds (peak RSS MB)", ""]
    rows = []
    for t in tasks:
        row = [t]
        for s in sizes:
            x = _get(results, s, t)
            row.append("-" if not x or x["median_wall"] is None else
                       f"{_fmt_s(x['median_wall'])} ({_fmt_mb(x['median_rss'])})" + ("" if x["ok"] else " FAILED"))
        rows.append(row)
    parts.append(_table(["task"] + [f"{s} ({results['datasets'][s]['rows']:,} rows)" for s in sizes], rows))
    parts += ["", "Tasks: `floor` = only pandas parsing the same bytes (benchmarks/floor.py); `imports` = a process "
              "that imports the package and exits; `load cold|warm` = `analysis.io.load.load()` without / with the parse "
              "cache (benchmarks/probes.py); `check`, `report csv` (1000 bootstrap resamples, adjusted severities), "
              "`report full` (tables, every chart as PNG/SVG/PDF/HTML, index.html), `irt` (item model, many-facet "
              "severity with SEs, fair abilities, drift, its CSV and HTML) = `python -m analysis ...`; "
              "`notebook NN` = papermill on a copy of notebooks/NN_*.ipynb with `data` set; `peer` = benchmarks/peer.py.", ""]
    parts += ["## Growth with size", ""]
    gr = []
    for t in ("floor", "load warm", "check cold", "check warm", "report csv", "irt", "peer"):
        w = [_wall(results, s, t) for s in sizes]
        per = ["-" if v is None else f"{v / results['datasets'][s]['rows'] * 1e6:.1f}" for v, s in zip(w, sizes)]
        gr.append([t] + per)
    parts.append("Microseconds per score row (whole process, so the fixed start-up cost dominates the small sizes):")
    parts += ["", _table(["task"] + sizes, gr), ""]
    ratio_rows = []
    for s in sizes:
        ratio_rows.append([s, _ratio(_wall(results, s, "peer"), _wall(results, s, "report csv")),
                           _ratio(_wall(results, s, "report csv"), _wall(results, s, "floor")),
                           _ratio(_wall(results, s, "check warm"), _wall(results, s, "floor"))])
    parts += ["Ratios:", "", _table(["size", "peer / report csv", "report csv / floor", "check warm / floor"], ratio_rows), ""]
    # growth exponent b in time ~ rows^b between successive sizes of the same layout (a ratio of whole
    # processes, so start-up flattens it at the small sizes; b near 1 is linear)
    ex_rows = []
    for lay in ("per_interview", "bulk"):
        same = [x for x in sizes if results["datasets"][x]["layout"] == lay]
        for lo, hi in zip(same, same[1:]):
            row = [f"{lo} -> {hi} ({lay.replace('_', '-')})"]
            for t in ("floor", "check cold", "load warm", "report csv", "irt"):
                a, b = _wall(results, lo, t), _wall(results, hi, t)
                ra, rb = results["datasets"][lo]["rows"], results["datasets"][hi]["rows"]
                row.append("-" if not a or not b else f"{math.log(b / a) / math.log(rb / ra):.2f}")
            ex_rows.append(row)
    if ex_rows:
        parts += ["Growth exponent b (wall time ~ rows^b) between successive sizes of one layout:", "",
                  _table(["sizes", "floor", "check cold", "load warm", "report csv", "irt"], ex_rows), ""]
    if chart:
        parts += [f"![Log-log chart of median wall time against score rows]({chart})", ""]
    # reload, probes
    parts += ["## Reload and the parse cache", ""]
    rl = []
    for s in sizes:
        c, w, p = (_get(results, s, t) for t in ("load cold", "load warm", "peer"))
        p = p or _get(results, s, "peer read")
        tc = c["info"]["t_load"] if c and c["info"] else None
        tw = w["info"]["t_load"] if w and w["info"] else None
        tp = p["info"]["t_read"] if p and p["info"] else None
        rl.append([s, _fmt_s(tc), _fmt_s(tw), _fmt_s(tp), _ratio(tp, tw), _ratio(tc, tw)])
    parts.append(_table(["size", "load() cold s", "load() warm s", "read_csv loop s (peer)", "loop / warm", "cold / warm"], rl))
    parts += ["", "In-process seconds: `load()` timed inside the probe process, the `read_csv` loop (plus `pd.concat`) "
              "timed inside the peer process; neither includes interpreter start-up.", ""]
    st = results["probes"].get("stale")
    if st and "ok" in st:
        parts += [f"Stale-data check on the {st['size']} folder (benchmarks/probes.py `stale`): one file rewritten with the "
                  f"same size ({st['file_changed']}), one deleted ({st['file_deleted']}).", "",
                  _table(["step", "rows", "files", "score sum", "as expected?"], [
                      ["before", *(str(st["before"][k]) for k in ("rows", "files", "score_sum")), "-"],
                      ["edit + delete", *(str(st["after_edit_and_delete"][k]) for k in ("rows", "files", "score_sum")),
                       str(st["edit_and_delete_seen"])],
                      ["cache file damaged", *(str(st["after_damaged_cache"][k]) for k in ("rows", "files", "score_sum")),
                       str(st["damaged_cache_rebuilt"])],
                      ["same-size rewrite, mtime put back", *(str(st["after_mtime_preserving_rewrite"][k])
                                                              for k in ("rows", "files", "score_sum")),
                       str(st["mtime_preserving_rewrite_seen"])],
                      ["restored", *(str(st["restored"][k]) for k in ("rows", "files", "score_sum")), str(st["restored_equal"])],
                  ]), ""]
    saves = {k: v for k, v in results["probes"].items() if k.startswith("save")}
    if saves:
        parts += ["## Form save", "", "`analysis.io.store.save_interview` of one 7-question interview, timed in-process with "
                  "`time.perf_counter` around the call (validation, atomic write, fsync of file and folder), bank passed "
                  "in as the form does; each file removed again afterwards.", ""]
        parts.append(_table(["folder", "saves", "median ms", "max ms", "first ms", "files in folder"],
                            [[k.split()[1], str(v.get("n")), f"{v['median_s'] * 1e3:.1f}", f"{v['max_s'] * 1e3:.1f}",
                              f"{v['first_s'] * 1e3:.1f}", f"{v['files_in_folder']:,}"] for k, v in saves.items() if "median_s" in v]))
        parts.append("")
    explorers = {k.split()[1]: v for k, v in results["probes"].items() if k.startswith("explorer") and "steps" in v}
    if explorers:
        parts += ["## Explorer interactivity", "",
                  "`analysis.widgets.explorer.CalibrationExplorer` driven in-process (benchmarks/probes.py `explorer`): each "
                  "change sets a widget's value, whose handler computes what the open tab needs (200 bootstrap resamples, "
                  "the explorer's default; a criterion change reuses the slice's severity fit and its criterion-free "
                  "tables, a recent slice is kept) and redraws the open chart before the call returns; a tab change "
                  "computes that tab's tables if they are not computed yet. Seconds per change:", ""]
        changes = []
        for v in explorers.values():
            for st in v["steps"]:
                if st["change"] not in changes:
                    changes.append(st["change"])
        rows = [["load (once)"] + [_fmt_s(v["t_load"]) for v in explorers.values()],
                ["build + first computation (once)"] + [_fmt_s(v["t_first"]) for v in explorers.values()]]
        for c in changes:
            row = [c]
            for v in explorers.values():
                st = next((x for x in v["steps"] if x["change"] == c), None)
                row.append("-" if st is None else _fmt_s(st["seconds"]) + ("" if st["error"] is None else " (error)"))
            rows.append(row)
        parts.append(_table(["step"] + [f"{s} ({results['datasets'][s]['rows']:,} rows)" for s in explorers], rows))
        parts.append("")
    parts += ["## Memory", ""]
    mem = []
    for s in sizes:
        lw, imp, rep, chk = (_get(results, s, t) for t in ("load warm", "imports", "report csv", "check warm"))
        if not (lw and lw["info"] and imp):
            continue
        fb = lw["info"]["frames_bytes"]
        mem.append([s, f"{fb / 2**20:.1f}", _fmt_mb(imp["median_rss"]), _fmt_mb(lw["median_rss"]),
                    _fmt_mb(chk and chk["median_rss"]), _fmt_mb(rep and rep["median_rss"]),
                    f"{(rep['median_rss'] - imp['median_rss']) / fb:.1f}x" if rep and rep["median_rss"] else "-"])
    parts.append(_table(["size", "loaded frames MB (deep)", "imports-only RSS MB", "load RSS MB", "check RSS MB",
                         "report csv RSS MB", "(report - imports) / frames"], mem))
    parts += ["", "## Analysis", "", MARK_START, analysis.strip() or "(not written yet)", MARK_END, "",
              "## How to rerun", "", "```", "make bench                                   # everything",
              ".venv/bin/python benchmarks/run.py --sizes 1k,10k --repeat 3",
              ".venv/bin/python benchmarks/run.py --sizes 1m --tasks floor,report,peer   # one comparison",
              ".venv/bin/python benchmarks/run.py --merge --sizes 1k,10k,100k,1m,10m "
              "--tasks 'floor,report,irt,peer,notebook 03,explorer'   # issue 26's figures into these results",
              ".venv/bin/python benchmarks/run.py --plan ...               # what a run would do and how long",
              "BENCH_CACHE=/big/disk .venv/bin/python benchmarks/run.py   # where the generated data goes",
              "```", ""]
    return "\n".join(parts)


def _part(results: dict) -> dict:
    return {k: results.get(k) for k in ("started", "finished", "load_before", "load_after", "total_seconds", "tasks")} | {
        "sizes": list(results["datasets"]), "commit": results["machine"]["git"]}


def merge_results(old: dict, new: dict) -> dict:
    """``new`` laid over ``old`` (``--merge``): a measurement of the same size and task, a probe or a data
    set of the same name is replaced, everything else kept; the parts (when, what, commit, load average)
    are listed so RESULTS.md says how the figures were gathered. Lets a long suite run in pieces."""
    keys = {(m["size"], m["task"]) for m in new["measurements"]}
    merged = dict(new)
    merged["parts"] = (old.get("parts") or [_part(old)]) + [_part(new)]
    datasets = {**old["datasets"], **new["datasets"]}
    merged["datasets"] = dict(sorted(datasets.items(), key=lambda kv: kv[1]["rows"]))
    merged["measurements"] = [m for m in old["measurements"] if (m["size"], m["task"]) not in keys] + new["measurements"]
    merged["probes"] = {**old["probes"], **new["probes"]}
    merged["started"] = min(old["started"], new["started"])
    merged["load_before"] = old["load_before"]
    merged["busy_before"] = sorted(set(old.get("busy_before", []) + old.get("busy_after", []) + new.get("busy_before", [])))
    merged["total_seconds"] = sum(p.get("total_seconds") or 0 for p in merged["parts"])
    merged["tasks"] = []
    return merged


def write_results(results: dict, out_dir: Path, *, chart: bool = True) -> Path:
    """Write ``results.json``, ``scaling.png`` (if ``chart``) and ``RESULTS.md`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=1, default=str))
    md_path = out_dir / "RESULTS.md"
    analysis = ""
    if md_path.exists():
        text = md_path.read_text()
        if MARK_START in text and MARK_END in text:
            analysis = text.split(MARK_START, 1)[1].split(MARK_END, 1)[0]
    chart_name = None
    if chart:
        try:
            scaling_figure(results).write_image(str(out_dir / "scaling.png"), scale=1)
            chart_name = "scaling.png"
        except Exception as exc:  # no Chromium: the figures still get written
            print(f"scaling chart not written: {exc}", file=sys.stderr)
    md_path.write_text(render_markdown(results, chart_name, analysis))
    return md_path


