"""The hub's import graph: no circles among its modules, and the layers the README states.

The graph is the real one, built from the source by grimp (import-linter's graph builder);
imports made only for type checking are left out, since they never run. An import by a
computed name (`importlib.import_module(f"catalog.{name}")`) would hide an edge from any such
graph, so the hub's packages make none. The layer contract lives in pyproject.toml
(`[tool.importlinter]`) and is checked here as `make lint` checks it, by `lint-imports`.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("catalog", "policies", "quality", "pipelines", "exchange")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# Modules that import by a name held in a variable, and why that hides no edge of the hub's.
IMPORTS_BY_NAME = {
    "quality/gxduckdb.py": "patches Great Expectations' own modules",
    "catalog/lazy.py": "a package's lazy exports: literal module names, added to the graph below",
}


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of modules that import each other in a circle (strongly connected components
    of more than one module, or a module importing itself), each sorted; Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        imported = graph.find_modules_directly_imported_by(module)
        for other in sorted(imported & graph.modules):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == module:
                    break
            if len(component) > 1 or module in imported:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph.modules)))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(found)


def lazy_exports() -> dict[str, list[str]]:
    """Each package's modules named in its `lazy_exports(__name__, {module: names})` call:
    imported on first use, so invisible to grimp, but edges of the graph all the same."""
    found: dict[str, list[str]] = {}
    for init in sorted(ROOT.glob("*/**/__init__.py")):
        package = ".".join(init.relative_to(ROOT).parent.parts)
        if package.split(".")[0] not in PACKAGES:
            continue
        for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "lazy_exports" and isinstance(node.args[1], ast.Dict)):
                found[package] = [key.value for key in node.args[1].keys]
    return found


def test_no_module_of_the_hub_is_in_an_import_circle():
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    assert len(graph.modules) > 100  # the real packages, not an empty graph
    for package, modules in lazy_exports().items():
        for module in modules:
            graph.add_import(importer=package, imported=module)
    assert import_cycles(graph) == []


def test_lazy_exports_stay_inside_their_package():
    """A package lazily re-exports its own modules only, so the layer contract, which cannot
    see these imports, loses nothing."""
    exported = lazy_exports()
    assert "exchange" in exported  # the parse finds them
    outside = {package: [m for m in modules if not m.startswith(package + ".")]
               for package, modules in exported.items()}
    assert {package: found for package, found in outside.items() if found} == {}


def test_a_circle_is_found_however_long():
    graph = grimp.ImportGraph()
    for importer, imported in [("a.x", "a.y"), ("a.y", "b.z"), ("b.z", "a.x"), ("a.x", "c"),
                               ("d", "d"), ("e", "f")]:
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph) == [["a.x", "a.y", "b.z"], ["d"]]


def test_no_module_imports_by_a_computed_name():
    """`importlib.import_module` and `__import__` only with a literal name outside the hub, or
    in the modules listed with their reason."""
    hidden = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and _imports_by_name(node.func)):
                    continue
                name = node.args[0] if node.args else None
                literal = isinstance(name, ast.Constant) and isinstance(name.value, str)
                if literal and name.value.split(".")[0] not in PACKAGES:
                    continue
                if relative not in IMPORTS_BY_NAME:
                    hidden.append(f"{relative}:{node.lineno}")
    assert hidden == []


def _imports_by_name(func: ast.expr) -> bool:
    return ((isinstance(func, ast.Attribute) and func.attr == "import_module")
            or (isinstance(func, ast.Name) and func.id in {"import_module", "__import__"}))


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(root), "HOME": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo", "--config",
                           str(root / "pyproject.toml")], check=False, cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_layers_hold():
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 1 kept, 0 broken." in run.stdout


@pytest.mark.parametrize(("importer", "imported"), [
    ("catalog/model.py", "policies.policy"),      # catalog imports no other hub package
    ("quality/scores.py", "pipelines.definitions"),  # the middle layer imports no upper one
    ("pipelines/ingest/landing.py", "exchange.roles"),  # pipelines and exchange: never
    ("exchange/workdays.py", "pipelines.cli"),
])
def test_an_import_against_the_layers_breaks_the_contract(tmp_path, importer, imported):
    """The contract checked on a copy of the packages with one import against the layers."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    module = tmp_path / importer
    module.write_text(module.read_text(encoding="utf-8") + f"\nimport {imported}  # noqa\n",
                      encoding="utf-8")
    run = _lint_imports(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    expected = f"{importer.removesuffix('.py').replace('/', '.')} -> {imported}"
    assert expected in run.stdout, run.stdout
