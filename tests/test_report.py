"""``python -m analysis report --format csv``: the tables contract, on a generated data folder."""

import subprocess
import sys

import pandas as pd
import pytest

from analysis.calibration import COLUMNS, calibrate
from analysis.demo import generate, write_history
from analysis.load import load

CONTRACT = {
    "question_stats.csv": ["question_id", "level", "topic", "n", "discrimination", "discrimination_low",
                           "discrimination_high"],
    "interviewer_stats.csv": ["interviewer", "n_interviews", "pass_rate", "severity", "severity_low", "severity_high"],
    "topic_stats.csv": ["topic"],
    "level_stats.csv": ["level"],
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory, bank):
    data = tmp_path_factory.mktemp("report") / "data"
    write_history(generate(300, seed=51, questions=bank), data)
    return data


@pytest.fixture(scope="module")
def report(folder):
    out = folder.parent / "out"
    res = subprocess.run([sys.executable, "-m", "analysis", "report", "--data", str(folder), "--out", str(out),
                          "--format", "csv", "--n-boot", "100"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return out


def test_writes_the_four_tables_with_the_contract_columns(report):
    for name, cols in CONTRACT.items():
        t = pd.read_csv(report / name)
        assert set(cols) <= set(t.columns), (name, set(cols) - set(t.columns))
    assert pd.read_csv(report / "topic_stats.csv")["topic"].is_unique
    assert list(pd.read_csv(report / "level_stats.csv")["level"]) == ["junior", "mid", "senior"]
    assert not any(p.suffix in {".png", ".svg", ".pdf", ".html"} for p in report.iterdir())


def test_tables_agree_with_the_api(folder, report):
    cal = calibrate(load(folder, cache=False), n_boot=100, seed=0)
    got = pd.read_csv(report / "question_stats.csv").set_index("question_id")
    exp = cal.question_stats.set_index("question_id")
    # the CSV carries 3 decimals (analysis.export.round_table): half a unit of the third decimal
    pd.testing.assert_series_equal(got["discrimination"], exp["discrimination"], check_names=False, rtol=0, atol=5e-4)
    pd.testing.assert_series_equal(got["discrimination_low"], exp["discrimination_low"], check_names=False, rtol=0,
                                   atol=5e-4)
    sev = pd.read_csv(report / "interviewer_stats.csv").set_index("interviewer")["severity"]
    exp_sev = cal.interviewer_stats.set_index("interviewer")["severity"]
    big = cal.interviewer_stats.set_index("interviewer")["n_interviews"] >= 5
    pd.testing.assert_series_equal(sev[big[big].index], exp_sev[big], check_names=False, rtol=0, atol=5e-4)


def test_no_candidate_identity_in_tables(folder, report):
    ids = set(load(folder, cache=False).scores["candidate_id"])
    for p in report.glob("*.csv"):
        text = p.read_text(encoding="utf-8")
        assert "candidate_id" not in text
        assert not any(i in text for i in list(ids)[:50])


def test_every_exported_column_is_documented(report):
    # COLUMNS is what the README's table documentation is made from.
    for name in ("question_stats", "interviewer_stats", "topic_stats", "level_stats"):
        cols = pd.read_csv(report / f"{name}.csv").columns
        assert set(cols) <= set(COLUMNS[name]), (name, set(cols) - set(COLUMNS[name]))


def test_bad_criterion_and_missing_outcomes_fail_clearly(folder, tmp_path):
    res = subprocess.run([sys.executable, "-m", "analysis", "report", "--data", str(folder), "--out", str(tmp_path),
                          "--format", "csv", "--criterion", "vibes"], capture_output=True, text=True)
    assert res.returncode == 2 and "invalid choice" in res.stderr
    import shutil
    no_out = tmp_path / "d"
    shutil.copytree(folder, no_out)
    (no_out / "outcomes.csv").unlink()
    res = subprocess.run([sys.executable, "-m", "analysis", "report", "--data", str(no_out), "--out",
                          str(tmp_path / "o"), "--format", "csv", "--criterion", "decision", "--n-boot", "10"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 1 and "outcomes.csv" in res.stdout


def test_readme_documents_every_table_column():
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for name, cols in COLUMNS.items():
        assert f"`{name}.csv`" in readme
        for c in cols:
            assert f"| `{c}` |" in readme, (name, c)


def test_no_chromium_writes_tables_charts_and_index_then_says_what_was_skipped(folder, tmp_path):
    import os
    out = tmp_path / "r"
    env = {**os.environ, "BROWSER_PATH": str(tmp_path / "no-such-chromium"), "PATH": "/nonexistent"}
    res = subprocess.run([sys.executable, "-m", "analysis", "report", "--data", str(folder), "--out", str(out),
                          "--format", "csv,html,png", "--n-boot", "20"], capture_output=True, text=True,
                         timeout=300, env=env)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert "skipped png" in res.stdout and "chromium" in res.stdout and "kaleido_get_chrome" in res.stdout
    names = {p.name for p in out.iterdir()}
    assert {"question_stats.csv", "index.html", "plotly.min.js", "question_ranking.html"} <= names
    assert not any(n.endswith(".png") for n in names)


def test_full_report_is_compact(folder, tmp_path):
    """All formats of a 300-interview report: plotly.js once beside the pages, packed in index.html."""
    from analysis.report import build_report
    paths = build_report(folder, out=tmp_path / "full", formats=("csv", "html", "png", "svg", "pdf"), n_boot=20,
                         progress=False)
    total = sum(p.stat().st_size for p in paths)
    assert total < 10_000_000, total
    assert (tmp_path / "full" / "index.html").stat().st_size < 2_600_000
