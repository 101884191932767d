"""Creating a data folder (analysis.io.create): the one way ``init`` and the importer set a folder up.

``init``'s command-line behaviour is in tests/test_cli_args.py; here the function's two modes: a new
folder (refused unless missing or empty) and completing an existing one (adding only what it lacks).
"""

from __future__ import annotations

import pytest

from analysis import config
from analysis.io.create import InitError, create_data_folder, shipped_bank
from analysis.io.importing import prepare_data_folder
from conftest import REAL_DATA


def test_a_new_folder_gets_the_bank_scores_and_a_roster_template(tmp_path):
    lay = create_data_folder(tmp_path / "new" / "deeper")
    assert lay == config.layout(tmp_path / "new" / "deeper")
    assert sorted(p.name for p in lay.data.iterdir()) == ["interviewers.csv", "questions.csv", "scores"]
    assert lay.questions.read_bytes() == shipped_bank().read_bytes() == (REAL_DATA / "questions.csv").read_bytes()
    assert lay.roster.read_text() == "interviewer,aliases,active\n"


def test_a_new_folder_is_refused_when_it_holds_anything(tmp_path):
    (tmp_path / "notes.txt").write_text("keep")
    with pytest.raises(InitError, match="is not empty .*notes.txt"):
        create_data_folder(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_completing_a_folder_adds_only_what_it_lacks(tmp_path):
    (tmp_path / "questions.csv").write_text("my bank")
    (tmp_path / "interviewers.csv").write_text("interviewer,aliases,active\nAvery,,true\n")
    lay = create_data_folder(tmp_path, complete=True)
    assert lay.scores.is_dir()
    assert lay.questions.read_text() == "my bank"  # never overwritten
    assert lay.roster.read_text().endswith("Avery,,true\n")


def test_prepare_data_folder_completes_without_a_roster(tmp_path):
    bank = tmp_path / "bank.csv"
    bank.write_bytes((REAL_DATA / "questions.csv").read_bytes())
    folder = prepare_data_folder(tmp_path / "import", bank=bank)
    assert folder == tmp_path / "import"
    assert sorted(p.name for p in folder.iterdir()) == ["questions.csv", "scores"]
    assert (folder / "questions.csv").read_bytes() == bank.read_bytes()
    assert prepare_data_folder(folder) == folder  # again: nothing changes
    assert (folder / "questions.csv").read_bytes() == bank.read_bytes()
