"""The one command runner (``analysis.cli.runner``): every command gives one line and exit status 2
for a ``--data`` that is not a folder, an ``--out`` that is an existing file and an ``--out`` inside
the data folder, never a traceback, and writes nothing (issue 22's "Done when"; issue 23 found
``debrief``, ``fairness`` and ``irt`` ending in tracebacks or writing into ``scores/``)."""

from __future__ import annotations

import pytest

from analysis.cli import main
from analysis.cli.main import COMMANDS

#: The arguments each command needs besides --data/--out, and whether it has --out.
EXTRA = {
    "check": ([], False),
    "report": (["--format", "csv", "--n-boot", "0"], True),
    "debrief": (["C1", "--no-pdf"], True),
    "kit": (["--level", "mid", "--questions", "3"], False),
    "irt": (["--format", "csv"], True),
    "fairness": (["--format", "csv"], True),
    "practice": (["list"], False),
    "bank": (["list"], False),
}


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _exit(capsys, argv) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out + out.err


def test_every_command_that_reads_a_data_folder_is_covered():
    readers = {name for name, c in COMMANDS.items() if name not in ("demo", "init", "import")}
    assert readers == set(EXTRA)
    assert {name for name, c in COMMANDS.items() if getattr(c, "WRITES_OUT", False)} == \
        {name for name, (_, has_out) in EXTRA.items() if has_out}


@pytest.mark.parametrize("command", sorted(EXTRA))
@pytest.mark.parametrize("bad", ["missing", "a file"])
def test_a_data_argument_that_is_not_a_folder(capsys, tmp_path, command, bad):
    target = tmp_path / "d"
    if bad == "a file":
        target.write_text("not a folder")
    extra, has_out = EXTRA[command]
    argv = [command, *extra, "--data", str(target)]
    if has_out:
        argv += ["--out", str(tmp_path / "out")]
    code, text = _exit(capsys, argv)
    assert code == 2, text
    assert "Traceback" not in text and str(target) in text
    assert len([line for line in text.splitlines() if line.strip()]) == 1, text
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", sorted(c for c, (_, has_out) in EXTRA.items() if has_out))
@pytest.mark.parametrize("where", ["existing file", "data folder", "scores", "scores/2026/x"])
def test_an_out_that_must_not_be_written(capsys, data, tmp_path, command, where):
    if where == "existing file":
        out = tmp_path / "report.txt"
        out.write_text("keep me")
        expect = "is an existing file"
    else:
        out = data if where == "data folder" else data / where
        expect = "is inside the data folder"
    before = _tree(data)
    extra, _ = EXTRA[command]
    code, text = _exit(capsys, [command, *extra, "--data", str(data), "--out", str(out)])
    assert code == 2 and expect in text and "Traceback" not in text, text
    assert len(text.strip().splitlines()) == 1, text
    assert _tree(data) == before
    if where == "existing file":
        assert out.read_text() == "keep me"


def test_a_mode_that_writes_nothing_is_not_refused_its_out(capsys, data, write_card):
    """``debrief --list`` writes nothing, so its (default) ``--out`` is not checked: run from inside a
    data folder, where the default ``reports`` would be refused, it still lists the candidates."""
    from conftest import interview_rows
    write_card("2026/a.csv", interview_rows("INT-1", candidate="C7"))
    code, text = _exit(capsys, ["debrief", "--list", "--data", str(data), "--out", str(data / "reports")])
    assert code == 0 and "C7" in text, text
    assert not (data / "reports").exists()
    code, text = _exit(capsys, ["debrief", "C7", "--no-pdf", "--data", str(data), "--out", str(data / "reports")])
    assert code == 2 and "is inside the data folder" in text
