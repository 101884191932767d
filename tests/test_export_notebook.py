"""notebooks/04_export_report.ipynb re-run by papermill for one slice writes that slice's report.

The notebook runs on a small synthetic data folder in ``tmp_path`` (never the real ``data/``) with
the parameters a hiring lead would pass on the command line; the tables it writes must agree with
:func:`analysis.stats.calibration.calibrate` on the same slice.
"""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from analysis.stats.calibration import calibrate
from analysis.io.demo_folder import write_history
from analysis.stats.demo import generate
from analysis.io.load import load
from analysis.reports.report import export_tables

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "04_export_report.ipynb"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "data"
    write_history(generate(240, seed=7), folder, clean=True)
    return folder


def test_notebook_has_a_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("data", "criterion", "level", "start", "end", "out", "formats"):
        assert f"\n{name} = " in "\n" + tagged[0].source, name


def test_papermill_writes_the_report_of_one_slice(demo_data, tmp_path):
    out = tmp_path / "report"
    executed = tmp_path / "out.ipynb"
    cmd = [sys.executable, "-m", "papermill", str(NOTEBOOK), str(executed),
           "-p", "level", "senior", "-p", "out", str(out), "-p", "data", str(demo_data),
           "-p", "formats", "csv,html,png", "-p", "n_boot", "200",
           "--cwd", str(NOTEBOOK.parent), "--no-progress-bar"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]

    names = sorted(p.name for p in out.iterdir())
    tables = ["design", "drift", "inter_rater", "interviewer_stats", "level_stats", "question_stats",
              "question_versions", "topic_stats"]
    charts = ["drift_lines", "interviewer_severity", "level_heatmap", "level_separation",
              "pass_rate_funnel", "question_ranking", "red_flag_lift", "score_distributions",
              "topic_separation"]
    assert names == sorted([f"{t}.csv" for t in tables] + [f"{c}.{f}" for c in charts
                                                           for f in ("html", "png")] + ["index.html", "plotly.min.js", "brief.md"])
    for c in charts:
        assert (out / f"{c}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob("*.svg")) and not list(out.glob("*.pdf")), "only the formats asked for"

    # the slice: the same tables as calibrate() on senior candidates, with the export's small-group rule
    cal = calibrate(load(demo_data, progress=False), "recommendation", level="senior", n_boot=200, seed=0)
    expected = export_tables(cal)
    qs = pd.read_csv(out / "question_stats.csv")
    want = expected["question_stats"]
    assert qs["question_id"].tolist() == want["question_id"].astype(str).tolist()
    assert qs["n"].tolist() == want["n"].tolist()
    # the CSV carries 3 decimals (analysis.reports.tables.round_table)
    np.testing.assert_allclose(qs["discrimination"], want["discrimination"].astype(float), rtol=0, atol=5e-4)
    ivs = pd.read_csv(out / "interviewer_stats.csv")
    assert ivs["n_interviews"].tolist() == expected["interviewer_stats"]["n_interviews"].tolist()
    assert ivs.loc[ivs["n_interviews"] < 5, "pass_rate"].isna().all()
    assert ivs.loc[ivs["small_group"], "n_interviews"].lt(5).all()
    for t in tables:
        cols = {c.lower() for c in pd.read_csv(out / f"{t}.csv").columns}
        assert not cols & {"candidate_id", "notes", "interview_id"}, t

    # index.html names the slice
    text = _text(out / "index.html")
    assert "Candidate level senior" in text and "Criterion recommendation" in text

    # the executed notebook got the parameters and reports what it wrote
    nb = nbformat.read(executed, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'level = "senior"' in injected[0].source
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert f"{len(names)} files" in printed


def _text(path: Path) -> str:
    class P(HTMLParser):
        parts: list[str] = []

        def handle_data(self, data):
            self.parts.append(data.strip())

    p = P()
    p.parts = []
    p.feed(path.read_text(encoding="utf-8"))
    return " ".join(x for x in p.parts if x)
