"""``python -m analysis report --format csv``: the tables contract, on a generated data folder."""

import subprocess
import sys

import pandas as pd
import pytest

from analysis.stats.calibration import COLUMNS, calibrate
from analysis.io.demo_folder import write_history
from analysis.stats.demo import generate
from analysis.io.load import load
from reference_units import group_by_units

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
    # the CSV carries 3 decimals (analysis.reports.export.round_table): half a unit of the third decimal
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
    # COLUMNS is what the table documentation in docs/statistics.md is made from.
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


def test_statistics_page_documents_every_table_column():
    # The tables' columns are documented in docs/statistics.md (the README links it).
    from pathlib import Path
    page = (Path(__file__).resolve().parents[1] / "docs" / "statistics.md").read_text(encoding="utf-8")
    for name, cols in COLUMNS.items():
        assert f"`{name}.csv`" in page
        for c in cols:
            assert f"| `{c}` |" in page, (name, c)


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
    from analysis.reports.report import build_report
    paths = build_report(folder, out=tmp_path / "full", formats=("csv", "html", "png", "svg", "pdf"), n_boot=20,
                         progress=False)
    total = sum(p.stat().st_size for p in paths)
    assert total < 10_000_000, total
    assert (tmp_path / "full" / "index.html").stat().st_size < 2_600_000


# --------------------------------------------------------------------------------------------------
# Issue 11: the faster statistics change no reported number. The old path (scikit-learn's
# cohen_kappa_score behind reliability.cohen_kappa, statsmodels' multipletests for the drift
# q-values, drift and the inter-rater units keyed on text) is put back with monkeypatch and every
# table compared with the new path's.


def _old_cohen_kappa(a, b, weights=None, *, labels=None):
    """reliability.cohen_kappa as it was before issue 11 (commit c0edcf7): pandas objects + sklearn."""
    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    from analysis.stats._ratings import common_type as _common_type

    a = pd.Series(np.asarray(a, dtype=object) if not isinstance(a, pd.Series) else a.to_numpy(dtype=object))
    b = pd.Series(np.asarray(b, dtype=object) if not isinstance(b, pd.Series) else b.to_numpy(dtype=object))
    keep = a.notna() & b.notna()
    a, b = _common_type(a[keep]), _common_type(b[keep])
    labels = sorted(set(a) | set(b)) if labels is None else list(labels)
    return float(cohen_kappa_score(a.to_numpy(), b.to_numpy(), labels=labels, weights=weights))


def _old_fdr_bh(p):
    """statsmodels' multipletests on the finite p-values, as drift called it before (NaN kept out)."""
    import numpy as np
    from statsmodels.stats.multitest import multipletests
    q = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        q[ok] = multipletests(p[ok].to_numpy(dtype=float), method="fdr_bh")[1]
    return q


def _assert_tables_equal(new, old):
    assert list(new) == list(old)
    for name in new:
        a, b = new[name], old[name]
        assert list(a.columns) == list(b.columns), name
        assert len(a) == len(b), name
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False,
                                      rtol=1e-9, atol=1e-12, obj=name)


@pytest.mark.parametrize("layout", ["demo", "bulk"])
def test_fast_statistics_report_the_same_tables_as_the_old_path(layout, bank, tmp_path, monkeypatch):
    from pathlib import Path

    from analysis.stats import agreement, reliability, tables
    from analysis.stats import drift as drift_module

    if layout == "demo":
        wb = load(Path(__file__).resolve().parents[1] / "data", cache=False, progress=False)
    else:
        data = tmp_path / "bulk"
        write_history(generate(1500, seed=11, questions=bank), data, layout="bulk")
        wb = load(data, cache=False, progress=False)
    new = calibrate(wb, n_boot=50, seed=3, progress=False)
    ir = new.inter_rater.set_index("statistic")
    # the comparison must exercise the kappas: panels give a weighted kappa, outcomes a decision kappa
    assert ir["value"].notna().any()
    assert ir.loc[["weighted_kappa_quadratic", "retest_weighted_kappa_quadratic"], "value"].notna().any()
    assert new.interviewer_stats["decision_kappa"].notna().sum() >= 3
    assert new.drift_tests["q_value"].notna().sum() >= 3
    monkeypatch.setattr(reliability, "cohen_kappa", _old_cohen_kappa)
    monkeypatch.setattr(drift_module, "fdr_bh", _old_fdr_bh)
    monkeypatch.setattr(agreement, "_rating_units", group_by_units)
    monkeypatch.setattr(tables, "drift", _old_drift_split)        # what the table registry computes
    old = calibrate(wb, n_boot=50, seed=3, progress=False)
    _assert_tables_equal(new.tables(), old.tables())


def _old_drift_split(d):
    """The old drift with the item ids split as every question table is since issue 25 (a ``version``
    column after ``question_id``: analysis.stats.item_ids)."""
    from analysis.stats.item_ids import split_item_ids
    return tuple(split_item_ids(t) for t in _old_drift(d))


def _old_drift(d, *, alpha=0.05):
    """calibration.drift as it was before issue 11 (commit c0edcf7): quarters and ids as text per row."""
    import numpy as np
    from scipy import special
    from statsmodels.stats.multitest import multipletests
    q = d["date"].dt.to_period("Q").astype(str)
    by_q = (d.assign(quarter=q).groupby(["question_id", "quarter"], observed=True)
            .agg(n=("score", "size"), mean_score=("score", "mean"), mean_residual=("residual", "mean"))
            .reset_index())
    by_q["question_id"] = by_q["question_id"].astype(str)
    t = (d["date"] - d["date"].min()).dt.days.to_numpy() / 365.25
    df = pd.DataFrame({"g": d["question_id"].astype(str).to_numpy(), "t": t, "r": d["residual"].to_numpy()})
    df["tt"], df["rr"], df["tr"] = df.t * df.t, df.r * df.r, df.t * df.r
    s = df.groupby("g").agg(n=("t", "size"), st=("t", "sum"), sr=("r", "sum"), stt=("tt", "sum"),
                            srr=("rr", "sum"), str_=("tr", "sum"))
    sxx = s.stt - s.st ** 2 / s.n
    sxy = s.str_ - s.st * s.sr / s.n
    syy = s.srr - s.sr ** 2 / s.n
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = sxy / sxx
        se = np.sqrt((syy - slope * sxy) / (s.n - 2) / sxx)
        tstat = slope / se
    p = pd.Series(special.stdtr(s.n - 2, -tstat), index=s.index).where(s.n > 2)
    ok = p.notna()
    qv = pd.Series(np.nan, index=s.index)
    if ok.any():
        qv[ok] = multipletests(p[ok], method="fdr_bh")[1]
    tests = pd.DataFrame({"question_id": s.index, "n": s.n.to_numpy(), "slope_per_year": slope.to_numpy(),
                          "slope_se": se.to_numpy(), "p_value": p.to_numpy(), "q_value": qv.to_numpy()})
    tests["drifting"] = (tests["q_value"] < alpha) & (tests["slope_per_year"] > 0)
    return by_q, tests.reset_index(drop=True)


def test_drift_equals_the_old_text_keyed_version(bank, tmp_path):
    import analysis.stats.calibration as calibration

    data = tmp_path / "d"
    write_history(generate(600, seed=5, questions=bank), data)
    d, *_ = calibration.prepare(load(data, cache=False, progress=False))
    new_q, new_t = calibration.drift(d)
    old_q, old_t = _old_drift_split(d)
    pd.testing.assert_frame_equal(new_q, old_q, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(new_t, old_t, check_exact=False, rtol=1e-9, atol=1e-15)
    assert new_q["quarter"].str.fullmatch(r"\d{4}Q[1-4]").all() and new_t["q_value"].notna().sum() >= 3


def _canonical(units):
    cols = ["unit", "slot", "interviewer", "score"]
    t = units[cols].copy()
    t["interviewer"] = t["interviewer"].astype(str)
    t["score"] = t["score"].astype(int)
    return t.sort_values(["unit", "slot"]).reset_index(drop=True)


@pytest.mark.parametrize("seed, n", [(2, 400), (7, 1200)])
def test_inter_rater_units_equal_the_old_group_bys(bank, tmp_path, seed, n):
    from analysis.stats import agreement

    data = tmp_path / "d"
    write_history(generate(n, seed=seed, questions=bank), data)
    scores = load(data, cache=False, progress=False).scores
    # a repeat by the same interviewer, and a third interviewer on one answer, must be handled as before
    scores = pd.concat([scores, scores.iloc[[0, 5]]], ignore_index=True)
    new_multi, new_rt = agreement._rating_units(scores)
    old_multi, old_rt = group_by_units(scores)
    assert len(new_multi) > 10 and len(new_rt) > 10
    pd.testing.assert_frame_equal(_canonical(new_multi), _canonical(old_multi))
    pd.testing.assert_frame_equal(_canonical(new_rt), _canonical(old_rt))


def test_build_report_refuses_an_output_folder_inside_the_data_folder(folder):
    """build_report checks its output folder itself (analysis.io.folder.output_folder), so a notebook
    calling it is guarded as the command line is; nothing is written."""
    from analysis.errors import OutputFolderError
    from analysis.reports.report import build_report
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    with pytest.raises(OutputFolderError, match="inside the data folder"):
        build_report(folder, out=folder / "scores" / "report", formats=("csv",), n_boot=0, progress=False)
    with pytest.raises(OutputFolderError, match="inside the data folder"):
        build_report(out=folder, formats=("csv",), n_boot=0, progress=False, workbook=load(folder, cache=False))
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before
