"""The package's shape, checked on every run (issue 22; ``docs/architecture.md``).

* Layers import one way: ``cli`` > ``widgets`` > ``reports`` > ``charts`` > ``stats`` > ``io`` > base.
  A module may import its own layer and any layer below, never one above, at module level or inside a
  function (a deferred import is still an edge).
* No import cycle between modules, counting imports inside functions too (a deferred import hides an
  edge, it does not remove it).
* The base modules (``config``, ``errors`` and the small helpers at the package root) import no layer;
  only the facade (``analysis/__init__.py``) and the earlier-path modules (:mod:`analysis._compat`)
  point into the layers, and nothing inside the layers imports them.
* No module over 600 lines.

The imports are read from the source with :mod:`ast` (nothing is imported), so the check is fast and
sees imports inside functions too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "analysis"
#: Lowest first. A module of layer i may import layers 0..i.
LAYERS = ("io", "stats", "charts", "reports", "widgets", "cli")
#: Modules at the root that exist to point into the layers: the facade and the earlier paths.
FACADES = {"analysis", "analysis.__main__", "analysis.load", "analysis.store", "analysis.items",
           "analysis.reliability", "analysis.irt"}
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, node: ast.ImportFrom | ast.Import, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name == "analysis" or a.name.startswith("analysis.")]
    if node.level:
        base = module.split(".")
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not (target == "analysis" or target.startswith("analysis.")):
        return []
    # ``from analysis.io import bank`` imports the module analysis.io.bank
    out = []
    for a in node.names:
        candidate = f"{target}.{a.name}"
        if (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").exists() or \
                (PACKAGE.parent / candidate.replace(".", "/") / "__init__.py").exists():
            out.append(candidate)
        else:
            out.append(target)
    return out


def imports() -> dict[str, list[tuple[str, int, bool]]]:
    """``{module: [(imported module, line, at module level), ...]}`` for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(n) for n in tree.body}
        top |= {id(n) for stmt in tree.body if isinstance(stmt, (ast.If, ast.Try))
                for n in ast.walk(stmt)}
        edges = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _resolve(name, node, path.name == "__init__.py"):
                    edges.append((target, node.lineno, id(node) in top))
        found[name] = edges
    return found


def layer_of(module: str) -> int:
    """-1 for the base modules at the root, else the index of the module's layer in LAYERS."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return -1


def test_layers_import_one_way():
    wrong = []
    for module, edges in imports().items():
        if module in FACADES:
            continue
        for target, line, _ in edges:
            if target in FACADES - {"analysis"} and target != module:
                wrong.append(f"{module}:{line} imports the earlier path {target}; import its layer's module")
            elif layer_of(target) > layer_of(module):
                wrong.append(f"{module}:{line} imports {target}, a layer above it")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_import_cycles():
    graph = {m: {t for t, _, _ in e if t != m and t in imports_cache()} for m, e in imports_cache().items()}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]) if nxt in stack else nxt)
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


_CACHE: dict = {}


def imports_cache():
    if not _CACHE:
        _CACHE.update(imports())
    return _CACHE


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_size(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE.parent)}: {lines} lines; split it by topic (<= {MAX_LINES})"


def test_the_check_sees_an_upward_import(tmp_path):
    """The contract is not vacuous: an upward edge in a layer module is reported."""
    assert layer_of("analysis.io.load") < layer_of("analysis.charts.theme")
    tree = ast.parse("from analysis.charts.theme import defaults\n")
    (target,) = _resolve("analysis.io.load", tree.body[0], False)
    assert target == "analysis.charts.theme" and layer_of(target) > layer_of("analysis.io.load")


def test_no_duplicated_code():
    """pylint's duplicate-code check (runs of 6 similar lines, comments, docstrings and imports
    ignored) finds nothing in analysis/: a rule that two modules need lives in one place."""
    import subprocess
    import sys
    run = subprocess.run([sys.executable, "-m", "pylint", "--disable=all", "--enable=duplicate-code",
                          "--min-similarity-lines=6", "--score=n", str(PACKAGE)],
                         capture_output=True, text=True, timeout=600)
    assert "R0801" not in run.stdout, run.stdout
    assert run.returncode == 0, run.stdout + run.stderr


def test_facade_names_resolve():
    """Every name of ``import analysis as aw`` resolves to the object its layer module defines."""
    import importlib

    import analysis
    for name, target in analysis._FACADE.items():
        module, _, attribute = target.partition(":")
        expected = importlib.import_module(module)
        assert getattr(analysis, name) is (getattr(expected, attribute) if attribute else expected), name
    assert set(analysis._FACADE) <= set(dir(analysis))


def test_earlier_paths_keep_working():
    """The paths users' notebooks and outside checks import (the flat layout's) still work."""
    from analysis.items import auc, cronbach_alpha, item_statistics
    from analysis.irt import fit_irt
    from analysis.load import load
    from analysis.reliability import cohen_kappa, icc, krippendorff_alpha
    from analysis.store import save_interview
    import analysis
    import analysis.load
    import analysis.stats.items as items
    assert item_statistics is items.item_statistics and cronbach_alpha is items.cronbach_alpha
    assert auc is items.auc and callable(fit_irt) and callable(save_interview)
    assert all(callable(f) for f in (icc, krippendorff_alpha, cohen_kappa))
    # analysis.load is the module (from analysis.load import load) and, called, the function
    assert analysis.load.load is load and analysis.load.__call__ is not None


def test_import_analysis_is_light():
    """``import analysis`` loads no layer and no pandas: the facade resolves names on first use."""
    import subprocess
    import sys
    code = ("import sys, analysis; print(sorted(m for m in sys.modules if m.startswith('analysis.') "
            "or m in ('pandas', 'plotly', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['analysis.errors']", out
