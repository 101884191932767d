"""Issue 23: the limits agree.

* One maximum for a scorecard field (``analysis.io.schema.MAX_FIELD_CHARS``), judged by the one
  validator that the store, the importer and the loader share: what the store saves loads, what it
  refuses is refused with the column, the field's length and the limit named, and nothing lies in
  between (a property test over sizes around the limit and characters that change how the CSV is
  quoted or encoded).
* ``make interview`` hands Voila its token through the environment, never a command line, and
  prints the address to share with the host Voila listens on.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analysis.errors import ScorecardError
from analysis.io.importing import import_files
from analysis.io.load import load
from analysis.io.schema import MAX_FIELD_CHARS
from analysis.io.store import save_interview
from conftest import REAL_DATA, REPO_DIR, interview_rows

MAX = MAX_FIELD_CHARS


def _folder(root: Path) -> Path:
    folder = root / "data"
    (folder / "scores").mkdir(parents=True)
    shutil.copyfile(REAL_DATA / "questions.csv", folder / "questions.csv")
    return folder


def _sized(n: int, unit: str) -> str:
    """Exactly ``n`` characters: ``unit`` repeated between an ``a`` and a ``z`` (so nothing is
    stripped and a name keeps its length)."""
    return "a" + (unit * n)[: n - 2] + "z"


# --- the field limit ---------------------------------------------------------------------------------

def test_the_limit_is_below_what_the_csv_module_reads():
    # the csv module counts a field's characters after unquoting (a doubled quote is one) and
    # refuses one over field_size_limit(): 131,072 by default (Python's Modules/_csv.c)
    assert MAX < csv.field_size_limit() == 131_072
    value = _sized(MAX, '"')  # every quote doubled when written: 2 * MAX characters in the file
    assert list(csv.reader(io.StringIO(_csv_text([[value]]), newline=""))) == [[value]]


def _csv_text(rows) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


_UNITS = st.sampled_from(["x", '"', ",", "\n", "\r\n", "é", "ß", "😀", "中", '","'])
_SIZES = st.one_of(st.integers(MAX - 3, MAX + 3), st.integers(MAX - 2000, MAX + 2000),
                   st.integers(131_072 - 3, 131_072 + 3))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(column=st.sampled_from(["notes", "interviewer", "candidate_id", "interview_id"]), n=_SIZES, unit=_UNITS)
@example(column="notes", n=MAX, unit='"')  # the longest note, every character doubled in the file
@example(column="notes", n=MAX + 1, unit="x")  # the shortest refused
@example(column="notes", n=150_000, unit="x")  # the issue's note
@example(column="interviewer", n=MAX, unit="😀")  # 4 UTF-8 bytes a character: the bulk reader's line test
@example(column="interview_id", n=MAX + 1, unit="é")
def test_saved_means_loaded_and_refused_means_a_clear_message(column, n, unit):
    if column != "notes" and any(c in unit for c in "\r\n"):
        unit = "x"  # a line break in a name is refused for other reasons
    value = _sized(n, unit)
    assert len(value) == n
    with tempfile.TemporaryDirectory() as tmp:
        data = _folder(Path(tmp))
        rows = pd.DataFrame(interview_rows())
        rows[column] = value if column != "notes" else [value, "", ""]
        try:
            path = save_interview(rows, data)
        except ScorecardError as exc:
            assert n > MAX, f"a field of {n} characters, within the limit, was refused: {exc}"
            [problem] = [p for p in exc.problems if p.column == column][:1]
            assert f"{n:,} characters long" in problem.message and f"at most {MAX:,} characters" in problem.message
            assert not list((data / "scores").rglob("*.csv")), "nothing is written when the store refuses"
            return
        assert n <= MAX, f"a field of {n} characters, over the limit, was saved at {path}"
        wb = load(data, cache=False, progress=False)
        assert wb.problems == []
        assert len(wb.scores) == 3
        assert wb.scores[column].astype(str).iloc[0] == value


def test_the_issue_note_is_refused_at_save_with_the_column_length_and_limit(data):
    rows = pd.DataFrame(interview_rows(notes=["x" * 150_000, "", ""]))
    with pytest.raises(ScorecardError) as err:
        save_interview(rows, data)
    [p] = err.value.problems
    assert (p.column, p.line) == ("notes", 2)
    assert "150,000 characters long; expected at most 100,000 characters" in p.message
    assert not list((data / "scores").rglob("*.csv"))


def test_the_importer_skips_an_over_long_note_as_invalid_and_a_reimport_does_not_count_it_done(tmp_path, data):
    # a Greenhouse-style spreadsheet row whose note is over the limit but under the csv module's
    # field size limit: the reader reads it, the validator refuses it
    sheet = tmp_path / "export.csv"
    sheet.write_text("interview_id,date,candidate,interviewer,level,recommendation,jr-s3-basics,notes\n"
                     f"A1,2026-01-05,77,Avery,junior,yes,3,{'x' * 120_000}\n"
                     "A2,2026-01-05,78,Avery,junior,yes,3,ok\n")
    first = import_files("csv", [sheet], data, progress=False)
    assert len(first.imported) == 1
    [skip] = first.skipped
    assert skip["reason"] == "invalid" and "expected at most 100,000 characters" in skip["message"]
    again = import_files("csv", [sheet], data, progress=False)
    assert len(again.skipped) == 1 and len(again.already) == 1  # A1 is still skipped, not "already imported"
    assert len(load(data, cache=False, progress=False).scores["interview_id"].unique()) == 1


def _scorecard(note: str) -> str:
    rows = interview_rows(notes=[note, "", ""])
    return _csv_text([list(rows[0])] + [list(r.values()) for r in rows])


def test_the_loader_reports_a_hand_written_field_over_the_limit_by_column_and_line(data):
    (data / "scores" / "a.csv").write_text(_scorecard("y" * (MAX + 1)), encoding="utf-8")
    wb = load(data, cache=False, progress=False)
    assert wb.scores.empty
    too_long = [p for p in wb.problems if p.column == "notes"]
    assert [(p.line, p.message) for p in too_long] == [
        (2, f"{MAX + 1:,} characters long; expected at most {MAX:,} characters in one field (shorten it, e.g. keep a "
            "long write-up in a linked document)")]


def test_a_field_beyond_what_the_csv_module_reads_names_the_limit(data):
    (data / "scores" / "a.csv").write_text(_scorecard("y" * 140_000), encoding="utf-8")
    wb = load(data, cache=False, progress=False)
    [p] = wb.problems
    assert "unreadable CSV from here on" in p.message and "at most 100,000 characters in one field" in p.message


# --- make interview: the token ---------------------------------------------------------------------

MAKE = shutil.which("make")
needs_make = pytest.mark.skipif(MAKE is None, reason="GNU make is not installed")
TOKEN = "tok-Zq81xV3mNs0-limits"


def _fake_venv(root: Path, voila: str | None = None) -> Path:
    """A venv for the Makefile (``VENV=``): its stamp newer than pyproject.toml, ``bin/python`` this
    interpreter, ``bin/voila`` a script recording what it was given (or ``voila``)."""
    venv = root / "venv"
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, venv / "bin" / "python")
    script = venv / "bin" / "voila"
    if voila:
        os.symlink(voila, script)
    else:
        script.write_text(
            "#!/bin/sh\n"
            f"out={root}/seen\n"
            'printf "%s\\n" "$@" > "$out.args"\n'
            'printf "%s" "$JUPYTER_TOKEN" > "$out.env"\n'
            # the command line of every process above this one, up to the test
            'pid=$$; : > "$out.cmdlines"\n'
            'while [ "$pid" -gt 1 ]; do tr "\\0" " " < /proc/$pid/cmdline >> "$out.cmdlines"; echo >> "$out.cmdlines"; '
            'pid=$(awk \'{print $4}\' /proc/$pid/stat); done\n')
        script.chmod(0o755)
    (venv / ".installed").touch()
    return venv


def _make(venv: Path, env_token: str | None, **variables) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("INTERVIEW_TOKEN", "JUPYTER_TOKEN", "MAKEFLAGS")}
    if env_token is not None:
        env["INTERVIEW_TOKEN"] = env_token
    args = [MAKE, "-s", "-C", str(REPO_DIR), "interview", f"VENV={venv}"] + [f"{k}={v}" for k, v in variables.items()]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)


@needs_make
def test_make_n_interview_shows_no_token(tmp_path):
    venv = _fake_venv(tmp_path)
    env = dict(os.environ, INTERVIEW_TOKEN=TOKEN)
    out = subprocess.run([MAKE, "-n", "-C", str(REPO_DIR), "interview", f"VENV={venv}"], env=env,
                         capture_output=True, text=True, timeout=60).stdout
    assert "voila" in out and TOKEN not in out


@needs_make
def test_the_token_reaches_voila_in_its_environment_and_on_no_command_line(tmp_path):
    venv = _fake_venv(tmp_path)
    run = _make(venv, TOKEN, VOILA_HOST="127.0.0.1", VOILA_PORT="18999")
    assert run.returncode == 0, run.stderr
    args = (tmp_path / "seen.args").read_text().splitlines()
    assert "--Voila.auto_token=True" in args  # without it Voila ignores JUPYTER_TOKEN and serves with no token
    assert not any("token=" in a.lower() and "auto_token" not in a.lower() for a in args)
    assert (tmp_path / "seen.env").read_text() == TOKEN
    cmdlines = (tmp_path / "seen.cmdlines").read_text()
    assert "voila" in cmdlines and "make" in cmdlines  # the walk saw voila itself and make above it
    assert TOKEN not in cmdlines
    # the address to share: the host Voila listens on, token included (the user's own terminal)
    assert f"Interviewer app: http://127.0.0.1:18999/?token={TOKEN}" in run.stdout


@needs_make
def test_a_fresh_token_is_made_in_the_shell_printed_and_passed_the_same_way(tmp_path):
    venv = _fake_venv(tmp_path)
    run = _make(venv, None)
    assert run.returncode == 0, run.stderr
    token = (tmp_path / "seen.env").read_text()
    assert len(token) >= 32  # secrets.token_urlsafe(24)
    assert f":8866/?token={token}" in run.stdout
    assert "http://0.0.0.0" not in run.stdout  # listening everywhere: the machine's name is printed
    assert token not in (tmp_path / "seen.cmdlines").read_text()
    assert token not in (tmp_path / "seen.args").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None
    try:
        return urllib.request.build_opener(NoRedirect).open(url, timeout=60).status
    except urllib.error.HTTPError as exc:
        return exc.code


@needs_make
@pytest.mark.slow
def test_voila_started_by_make_interview_refuses_without_the_token_and_serves_with_it(tmp_path):
    voila = Path(sys.executable).with_name("voila")
    if not voila.exists():
        pytest.skip("voila is not installed beside this interpreter")
    nb = tmp_path / "t.ipynb"
    nb.write_text('{"cells": [{"cell_type": "code", "execution_count": null, "id": "c1", "metadata": {}, '
                  '"outputs": [], "source": ["print(1)"]}], "metadata": {"kernelspec": {"display_name": "Python 3", '
                  '"language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}')
    venv, port = _fake_venv(tmp_path, voila=str(voila)), _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_TOKEN", "MAKEFLAGS")}
    env["INTERVIEW_TOKEN"] = TOKEN
    proc = subprocess.Popen([MAKE, "-s", "-C", str(REPO_DIR), "interview", f"VENV={venv}", f"VOILA_PORT={port}",
                             "VOILA_HOST=127.0.0.1", f"INTERVIEW_NOTEBOOK={nb}"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        assert _status(base) == 302  # to the login page
        assert _status(base + "?token=wrong") == 302
        assert _status(base + f"?token={TOKEN}") == 200
        voila_pids = [p for p in os.listdir("/proc") if p.isdigit() and _is_child_voila(p, proc.pid)]
        assert voila_pids
        for pid in voila_pids:
            assert TOKEN.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


def _is_child_voila(pid: str, parent: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(stat[1]) == parent and b"voila" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
