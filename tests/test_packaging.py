"""Set-up and packaging: the promises of the README's quick start and of CI.

* ``environment.yml`` (conda) lists exactly the dependencies of ``pyproject.toml``
  (runtime and the ``test`` extra), at the same versions.
* ``pip install .`` alone ships a working ``python -m analysis``.
* ``project.license`` is the PEP 639 SPDX string (``"MIT"``), built by setuptools>=77 without a
  deprecation warning.
* ``make test`` runs pytest on ``tests/`` and nbval on every notebook; ``make lab``
  opens JupyterLab on ``notebooks/``; ``.ci/run`` installs Chromium and calls
  ``make test``.
* The nbval sanitizers blank what changes between runs and nothing else.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = REPO / "pyproject.toml"
ENVIRONMENT = REPO / "environment.yml"
MAKEFILE = REPO / "Makefile"
CI_RUN = REPO / ".ci" / "run"
SANITIZE = REPO / "tests" / "nbval_sanitize.cfg"

#: conda-forge name -> PyPI name, where they differ.
CONDA_TO_PYPI = {"python-kaleido": "kaleido"}
#: Entries of environment.yml that are not package dependencies: the interpreter and the installer.
CONDA_ONLY = {"python", "pip"}

_SPEC = re.compile(
    r"""\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)   # distribution name
        (?:\[[^\]]*\])?                           # extras, ignored
        \s*(?:(?P<op>==|=)\s*(?P<version>[^\s;,]+))?\s*$""",
    re.VERBOSE,
)


def _normalise(name: str) -> str:
    """PEP 503 normalised name: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _parse(spec: str, where: str) -> tuple[str, str | None]:
    match = _SPEC.match(spec)
    if match is None:
        raise ValueError(f"{where}: cannot read dependency {spec!r}; expected NAME==VERSION")
    return _normalise(match["name"]), match["version"]


def pyproject_dependencies(path: Path = PYPROJECT) -> dict[str, str | None]:
    """``{normalised name: pinned version}`` of [project].dependencies plus the ``test`` extra."""
    project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    return dict(_parse(spec, path.name) for spec in specs)


def environment_dependencies(path: Path = ENVIRONMENT) -> dict[str, str | None]:
    """``{PyPI-normalised name: version}`` of environment.yml, conda and pip entries together.

    The interpreter and pip itself, and pip options such as ``-e .``, are not
    package dependencies and are left out.
    """
    environment = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: dict[str, str | None] = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            for spec in entry.get("pip", []):
                if not spec.strip().startswith("-"):
                    name, version = _parse(spec, f"{path.name} (pip)")
                    found[name] = version
            continue
        name, version = _parse(str(entry), path.name)
        if name in CONDA_ONLY:
            continue
        found[_normalise(CONDA_TO_PYPI.get(name, name))] = version
    return found


def compare_dependencies(pyproject: dict[str, str | None],
                         environment: dict[str, str | None]) -> list[str]:
    """Every disagreement between the two dependency lists, one readable line each."""
    problems = []
    for name in sorted(pyproject.keys() - environment.keys()):
        problems.append(f"{name}=={pyproject[name]} is in pyproject.toml but not in environment.yml")
    for name in sorted(environment.keys() - pyproject.keys()):
        problems.append(f"{name}=={environment[name]} is in environment.yml but not in pyproject.toml")
    for name in sorted(pyproject.keys() & environment.keys()):
        if pyproject[name] != environment[name]:
            problems.append(f"{name}: pyproject.toml pins {pyproject[name]}, "
                            f"environment.yml pins {environment[name]}")
    return problems


# ------------------------------------------------------------- environment.yml


def test_environment_yml_matches_pyproject() -> None:
    problems = compare_dependencies(pyproject_dependencies(), environment_dependencies())
    assert not problems, "environment.yml and pyproject.toml disagree:\n" + "\n".join(problems)


def test_every_pyproject_dependency_is_pinned() -> None:
    unpinned = [name for name, version in pyproject_dependencies().items() if version is None]
    assert not unpinned, f"pyproject.toml dependencies without ==VERSION: {unpinned}"


def test_comparison_reports_a_package_on_either_side_and_a_version_change() -> None:
    """The agreement test can fail: each kind of drift is named (hand-made lists)."""
    base = {"numpy": "2.4.6", "pandas": "3.1.1"}
    assert compare_dependencies(base, dict(base)) == []
    assert compare_dependencies({**base, "polars": "1.0"}, base) == [
        "polars==1.0 is in pyproject.toml but not in environment.yml"]
    assert compare_dependencies(base, {**base, "polars": "1.0"}) == [
        "polars==1.0 is in environment.yml but not in pyproject.toml"]
    assert compare_dependencies(base, {**base, "numpy": "2.4.5"}) == [
        "numpy: pyproject.toml pins 2.4.6, environment.yml pins 2.4.5"]


def test_environment_parser_maps_conda_names_and_reads_pip_entries(tmp_path: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(
        "channels: [conda-forge]\n"
        "dependencies:\n"
        "  - python=3.11\n  - pip\n  - python-kaleido==1.5.0\n  - Scikit_Learn=1.9.1\n"
        "  - pip:\n      - pytest-playwright==0.10.0\n      - -e .\n",
        encoding="utf-8",
    )
    assert environment_dependencies(env) == {
        "kaleido": "1.5.0", "scikit-learn": "1.9.1", "pytest-playwright": "0.10.0"}


def test_environment_yml_uses_conda_forge_pinned_python_and_installs_the_package() -> None:
    environment = yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))
    assert environment["channels"] == ["conda-forge"]
    conda = [entry for entry in environment["dependencies"] if isinstance(entry, str)]
    pythons = [entry for entry in conda if _parse(entry, "environment.yml")[0] == "python"]
    assert pythons == ["python=3.11"]
    requires = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["requires-python"]
    assert requires == ">=3.11", "python=3.11 in environment.yml must satisfy requires-python"
    pip = [spec for entry in environment["dependencies"] if isinstance(entry, dict)
           for spec in entry.get("pip", [])]
    assert "-e ." in pip


# ---------------------------------------------------------------- pip install .


def _copy_source(destination: Path) -> Path:
    """What ``pip install .`` reads: the build configuration, the README and the package."""
    destination.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE.txt", "MANIFEST.in",
                 "setup.cfg", "setup.py"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, destination / name)
    shutil.copytree(REPO / "analysis", destination / "analysis",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return destination


@pytest.mark.slow
def test_pip_install_alone_gives_a_working_python_m_analysis(tmp_path: Path) -> None:
    """Install a copy of the project with pip (a real build) and run it from elsewhere.

    ``--no-deps --target`` keeps the test fast: the dependencies are this venv's,
    but ``analysis`` itself must come from what pip installed, so a module or
    data file missing from the package fails here.
    """
    source = _copy_source(tmp_path / "source")
    target = tmp_path / "installed"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(source)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert build.returncode == 0, f"pip install . failed:\n{build.stdout}\n{build.stderr}"

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}

    where = subprocess.run([sys.executable, "-c", "import analysis; print(analysis.__file__)"],
                           capture_output=True, text=True, cwd=elsewhere, env=env, check=True)
    assert Path(where.stdout.strip()).is_relative_to(target), (
        f"imported {where.stdout.strip()}, not the installed copy in {target}")

    helped = subprocess.run([sys.executable, "-m", "analysis", "--help"],
                            capture_output=True, text=True, cwd=elsewhere, env=env)
    assert helped.returncode == 0, helped.stderr
    assert "check" in helped.stdout and "report" in helped.stdout, helped.stdout

    script = target / "bin" / "interview-workbook"
    assert script.exists(), "the [project.scripts] entry point was not installed"
    scripted = subprocess.run([sys.executable, str(script), "--help"],
                              capture_output=True, text=True, cwd=elsewhere, env=env)
    assert scripted.returncode == 0, scripted.stderr
    assert "check" in scripted.stdout


def test_license_is_an_spdx_string_with_a_backend_that_reads_it() -> None:
    """PEP 639: ``license = "MIT"``; the table form is deprecated, and setuptools reads the string
    form only from version 77 on (older ones refuse it), so the build requires setuptools>=77."""
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert config["project"]["license"] == "MIT"
    floors = [re.fullmatch(r"setuptools\s*>=\s*(\d+)(?:\.\d+)*", spec.strip())
              for spec in config["build-system"]["requires"]]
    assert any(m and int(m[1]) >= 77 for m in floors), config["build-system"]["requires"]


@pytest.mark.slow
def test_pip_builds_without_warnings_and_declares_the_license(tmp_path: Path) -> None:
    """A verbose build (what ``pip install -e .`` runs) prints no setuptools deprecation warning,
    and the wheel's metadata says ``License-Expression: MIT`` (metadata 2.4, PEP 639)."""
    source = _copy_source(tmp_path / "source")
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--verbose", "--no-deps", "--wheel-dir", str(wheels),
         str(source)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert build.returncode == 0, f"pip wheel failed:\n{build.stdout}\n{build.stderr}"
    output = build.stdout + build.stderr
    warnings = [line.strip() for line in output.splitlines()
                if "DeprecationWarning" in line or "project.license" in line]
    assert not warnings, "the build warns:\n" + "\n".join(warnings)

    import zipfile

    (wheel,) = wheels.glob("interview_calibration-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(archive.read(name).decode("utf-8") for name in archive.namelist()
                        if name.endswith(".dist-info/METADATA"))
    assert "License-Expression: MIT" in metadata.splitlines(), metadata[:500]


# ------------------------------------------------------------------ make, CI


def _make_dry_run(target: str) -> list[list[str]]:
    """The commands ``make -n TARGET`` would run, each split like a shell would."""
    make = shutil.which("make")
    if make is None:
        pytest.fail("GNU make is not installed (apt-get install make); the quick start needs it")
    result = subprocess.run([make, "--no-print-directory", "-n", target], capture_output=True,
                            text=True, cwd=REPO, check=True)
    joined = result.stdout.replace("\\\n", " ")
    return [shlex.split(line) for line in joined.splitlines() if line.strip()]


def _commands_running(commands: list[list[str]], program: str) -> list[list[str]]:
    return [c for c in commands if c and Path(c[0]).name == program]


def test_make_test_runs_pytest_on_tests_and_nbval_on_the_notebooks() -> None:
    runs = _commands_running(_make_dry_run("test"), "pytest")
    assert len(runs) == 1, f"expected one pytest run, got {runs}"
    args = runs[0]
    assert Path(args[0]).parent == Path(".venv/bin"), "make test must use the project's .venv"
    assert "tests" in args
    assert "--nbval" in args
    assert args[args.index("--nbval-sanitize-with") + 1] == "tests/nbval_sanitize.cfg"
    if any((REPO / "notebooks").glob("*.ipynb")):
        assert "notebooks" in args, "nbval must run on every notebook in notebooks/"
    # Browser tests are part of the run: nothing deselects them.
    assert not any("browser" in arg for arg in args), args
    # In parallel, a notebook's cells share one kernel: they must stay on one worker.
    if "-n" in args:
        assert args[args.index("--dist") + 1] == "loadfile", args


def test_make_test_and_make_lab_create_the_venv_from_pyproject() -> None:
    text = MAKEFILE.read_text(encoding="utf-8")
    stamp_rule = re.search(r"^\$\(STAMP\):\s*pyproject\.toml\s*$", text, re.MULTILINE)
    assert stamp_rule, "the install stamp must depend on pyproject.toml"
    for target in ("test", "lab"):
        assert re.search(rf"^{target}:.*\$\(STAMP\)", text, re.MULTILINE), target
    assert 'pip install -e ".[test]"' in text


def test_make_lab_opens_jupyterlab_on_the_notebooks() -> None:
    runs = _commands_running(_make_dry_run("lab"), "jupyter")
    assert len(runs) == 1, runs
    args = runs[0]
    assert args[1] == "lab"
    assert any(arg.rstrip("/") == "notebooks" for arg in args)
    assert ("--allow-root" in args) == (os.geteuid() == 0)


def test_ci_run_installs_chromium_and_calls_make_test() -> None:
    assert os.access(CI_RUN, os.X_OK), ".ci/run must be executable"
    syntax = subprocess.run(["bash", "-n", str(CI_RUN)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    lines = [line.split("#", 1)[0].strip() for line in CI_RUN.read_text(encoding="utf-8").splitlines()]
    code = [line for line in lines if line]
    assert "set -euo pipefail" in code
    assert any(re.fullmatch(r"make( [^;&|]*)? test", line) for line in code), code
    assert any("apt-get" in line and "install" in line for line in code)
    assert "chromium" in " ".join(code)


# --------------------------------------------------------------- nbval sanitize


def _sanitizer():
    from nbval.plugin import get_sanitize_patterns

    patterns = get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))
    assert patterns, f"{SANITIZE} holds no regex/replace pairs nbval can read"

    def sanitize(text: str) -> str:
        for regex, replace in patterns:
            text = re.sub(regex, replace, text)
        return text

    return sanitize


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("<analysis.io.load.Workbook object at 0x7f3a2b1c9d40>", "<analysis.io.load.Workbook object at 0x7f00aa11bb22>"),
        ("model 4f2a9c3e1b0d4e6f8a7b9c0d1e2f3a4b", "model 0123456789abcdef0123456789abcdef"),
        ("kernel 3cf8dfe1-b261-47ba-b31d-b058284a7afa", "kernel 00000000-1111-2222-3333-444444444444"),
        ("saved /tmp/pytest-of-root/pytest-3/x0/a.csv", "saved /tmp/tmpab12cd/a.csv"),
        ("report written in 0.12 s", "report written in 13.4 s"),
        ("took 12 ms", "took 480 ms"),
        ("24/24 [00:01<00:00, 12.34it/s]", "24/24 [00:03<00:00,  7.80it/s]"),
        ("generated 2026-11-27T05:31:00.123+00:00", "generated 2027-01-02T23:59:59Z"),
        ("today is 2026-11-27", "today is 2027-01-02"),
        ("at 05:31:02", "at 17:00:59"),
    ],
)
def test_sanitizer_blanks_what_changes_between_runs(first: str, second: str) -> None:
    sanitize = _sanitizer()
    assert first != second
    assert sanitize(first) == sanitize(second)


@pytest.mark.parametrize(
    "stable",
    ["mean score 3.41 (n=120)", "24 questions in 3 sections", "discrimination 0.35, 95% CI 0.21-0.48",
     "jr-s3-basics", "question_stats.csv"],
)
def test_sanitizer_keeps_stable_results(stable: str) -> None:
    assert _sanitizer()(stable) == stable
