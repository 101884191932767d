"""The verdict contract of issue 24 on a design other than the demo's.

The demo (``data/``) has nine interviewers sharing the work, 12% of interviews shadowed and planted
severities with SD 0.7 logits. The history here is drawn by the same generator
(:func:`analysis.stats.demo.generate`) with another design: five interviewers on a steep workload
(the first four take 50-68 interviews each, the last 8), twice the shadowing,
severities twice as spread (so several verdicts clear zero), a shorter period and no leaked question
or planted bias. On it every surface still gives the one verdict:

- ``interviewer_stats.csv`` and ``question_stats.csv`` carry ``verdict`` with only the allowed values
  (:data:`analysis.stats.verdicts.INTERVIEWER_VERDICTS`, :data:`~analysis.stats.verdicts.QUESTION_VERDICTS`);
- ``irt_interviewers.csv`` (:func:`analysis.reports.irt.write_irt`) has the same ``verdict`` per interviewer;
- the brief (:func:`analysis.reports.brief.findings`) names exactly the questions whose verdict is
  ``keep`` and the interviewers whose verdict is ``harsher`` or ``softer``.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.io.demo_folder import write_history
from analysis.io.load import load
from analysis.reports.brief import findings
from analysis.reports.irt import write_irt
from analysis.reports.report import build_report
from analysis.stats.calibration import calibrate
from analysis.stats.demo import generate
from analysis.stats.verdicts import INTERVIEWER_VERDICTS, QUESTION_VERDICTS

N_BOOT = 50
INTERVIEWERS = ("Ada", "Bo", "Cy", "Di", "Ed")


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    root = tmp_path_factory.mktemp("design")
    history = generate(260, seed=11, interviewers=INTERVIEWERS, start="2025-01-01", end="2026-03-31",
                       shadow_rate=0.25, severity_sd=1.4, leak_question=None, biased_interviewer=None)
    data = write_history(history, root / "data")
    wb = load(data, progress=False, cache=False)
    build_report(data, out=root / "report", formats=("csv",), n_boot=N_BOOT, seed=0, progress=False, workbook=wb)
    write_irt(data, out=root / "irt", formats=("csv",), progress=False, workbook=wb)
    read = lambda p: pd.read_csv(p, keep_default_na=False)  # noqa: E731  ("not clear" and "" stay strings)
    return {"wb": wb, "iv": read(root / "report" / "interviewer_stats.csv").set_index("interviewer"),
            "qs": read(root / "report" / "question_stats.csv"),
            "irt": read(root / "irt" / "irt_interviewers.csv").set_index("interviewer")}


def test_the_design_is_not_the_demos(design):
    iv = design["iv"]
    assert set(iv.index) == set(INTERVIEWERS)
    # unbalanced: the busiest interviewer has several times the interviews of the least busy
    assert iv["n_interviews"].max() >= 3 * iv["n_interviews"].min()
    # the verdicts are not all one value (the contract is checked on something)
    assert len(set(iv["verdict"])) >= 2 and len(set(design["qs"]["verdict"])) >= 2


def test_verdict_columns_hold_only_the_allowed_values(design):
    assert set(design["iv"]["verdict"]) <= set(INTERVIEWER_VERDICTS)
    assert set(design["qs"]["verdict"]) <= set(QUESTION_VERDICTS)
    assert design["iv"]["verdict"].ne("").all() and design["qs"]["verdict"].ne("").all()


def test_irt_interviewers_has_the_same_verdict_per_interviewer(design):
    assert design["irt"]["verdict"].to_dict() == design["iv"]["verdict"].to_dict()


def _named(sentence: str, prefix: str, end: str) -> tuple[set[str], int]:
    """The names of a brief sentence ``<prefix>a, b and c<end>`` and the ``and N more`` count."""
    body = sentence[len(prefix):].split(end)[0]
    more = re.search(r" and (\d+) more$", body)
    body = body[:more.start()] if more else body
    return set(re.split(r", | and ", body)), int(more.group(1)) if more else 0


def test_the_brief_names_exactly_the_keep_questions_and_the_clear_interviewers(design):
    cal = calibrate(design["wb"], n_boot=N_BOOT, seed=0)          # the report's settings: the same tables
    assert cal.interviewer_stats.set_index("interviewer")["verdict"].to_dict() == design["iv"]["verdict"].to_dict()
    qs = cal.question_stats
    assert qs.set_index("question_id")["verdict"].to_dict() == design["qs"].set_index("question_id")["verdict"].to_dict()
    items = findings(cal)
    keep = set(qs.loc[qs["verdict"] == "keep", "question_id"])
    said = [f.sentence for f in items if f.action == "keep"]
    if keep:
        names, more = _named(said[0], "Keep ", ":")
        assert names <= keep and len(names) + more == len(keep)
    else:
        assert not said
    iv = design["iv"]
    clear = {v: set(iv.index[iv["verdict"] == v]) for v in ("harsher", "softer")}
    talk = [f.sentence for f in items if f.action == "talk"]
    assert clear["harsher"] | clear["softer"], "the design should give at least one clear verdict"
    who = talk[0].split(":")[0].removeprefix("Have a calibration conversation with ")
    # "A, B and C (harsher) and D (softer)": each group of names before its label
    got = {v: set(re.split(r", | and ", names)) for names, v in re.findall(r"(.+?) \((harsher|softer)\)(?: and |$)", who)}
    assert {v: got.get(v, set()) for v in clear} == clear
