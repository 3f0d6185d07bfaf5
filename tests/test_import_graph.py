"""The shape of ``curvedoc/``: no import cycles, no borrowed private names, every module importable.

The import graph is read from the source with :mod:`ast`: every ``import`` and ``from ...
import`` of a ``curvedoc`` module, at module level *and* inside functions (a function-level
import hides a cycle from Python but not from a reader), except those under ``if
TYPE_CHECKING:`` (annotations only, never run). Two kinds of edge are left out because
they cannot create an ordering problem: the implicit import of a parent package (Python
runs ``curvedoc/__init__.py`` before any submodule anyway), and ``from curvedoc import
__version__``-style imports of the root package, which only reads a name the root defines
before it imports anything.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "curvedoc"

KNOWN_CYCLES: dict[frozenset[str], str] = {
    frozenset(
        {
            "curvedoc.rules.registry",
            "curvedoc.rules.architecture",
            "curvedoc.rules.data_noise",
            "curvedoc.rules.hyperparameters",
            "curvedoc.rules.unscaled_data",
        }
    ): (
        "all_rules() imports the rule modules so their @rule decorators run; each imports "
        "the decorator from the registry (function-level, so import order is safe)"
    ),
}
"""Cycles that exist on purpose, each with its reason. Only through function-level imports."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, *, top_level_only: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements, skipping ``if TYPE_CHECKING:`` bodies (and functions, if asked)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from (n for child in node.orelse for n in _imports_in(child, top_level_only))
        elif top_level_only and isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        ):
            continue
        else:
            yield from _imports(node, top_level_only=top_level_only)


def _imports_in(node: ast.AST, top_level_only: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    else:
        yield from _imports(node, top_level_only=top_level_only)


def _resolve(name: str, node: ast.ImportFrom | None, importer: str) -> list[str]:
    """The curvedoc modules an import statement names (``from pkg import mod`` names pkg.mod)."""
    if node is not None and node.level:
        base = importer.split(".")
        if MODULES[importer].name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - node.level + 1]
        name = ".".join([*base, name] if name else base)
    return [name] if name in MODULES else []


def edges(module: str, *, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in _imports(tree, top_level_only=top_level_only):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.update(_resolve(alias.name, None, module))
            continue
        base = node.module or ""
        for alias in node.names:
            sub = _resolve(f"{base}.{alias.name}", node, module)
            out.update(sub or _resolve(base, node, module))
    out.discard(module)
    out.discard("curvedoc")  # the root package: see the module docstring
    return out


def graph(*, top_level_only: bool = False) -> dict[str, set[str]]:
    return {m: edges(m, top_level_only=top_level_only) for m in MODULES}


def cycles(g: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_the_graph_reader_sees_function_level_and_skips_type_checking_imports() -> None:
    assert "curvedoc.batch" in edges("curvedoc.commands.analyze")  # imported inside run()
    assert "curvedoc.batch" not in edges("curvedoc.commands.analyze", top_level_only=True)
    markdown = edges("curvedoc.render.markdown")
    assert "curvedoc.compare" not in markdown  # only under TYPE_CHECKING
    assert "curvedoc.report" in markdown


def test_no_import_cycles_at_import_time() -> None:
    assert cycles(graph(top_level_only=True)) == []


def test_no_import_cycles_even_through_function_level_imports() -> None:
    unexpected = [c for c in cycles(graph()) if c not in KNOWN_CYCLES]
    assert unexpected == [], [sorted(c) for c in unexpected]


def test_data_modules_never_import_the_renderers_or_the_commands() -> None:
    g = graph()
    for data in ("curvedoc.report", "curvedoc.compare", "curvedoc.batch", "curvedoc.history"):
        bad = sorted(e for e in g[data] if e.startswith(("curvedoc.render", "curvedoc.commands")))
        assert bad == [], data


def test_no_module_imports_another_modules_private_names() -> None:
    borrowed = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("curvedoc"):
                borrowed += [
                    f"{module}: from {node.module} import {a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert borrowed == []


# the recorder imports Keras (seconds); __main__ runs the command line
FRESH_SKIP = {"curvedoc.keras", "curvedoc.__main__"}


DRIVER = """
import importlib, os, sys
import numpy, scipy, rich  # third-party imports are shared; curvedoc's never are
failed = []
for name in sys.argv[1:]:
    if hasattr(os, "fork"):
        pid = os.fork()
        if pid == 0:  # a child that has imported nothing of curvedoc
            try:
                importlib.import_module(name)
            except BaseException as exc:
                print(f"{name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                os._exit(1)
            os._exit(0)
        if os.waitpid(pid, 0)[1] != 0:
            failed.append(name)
    else:  # pragma: no cover - Windows: one interpreter per module
        import subprocess
        if subprocess.run([sys.executable, "-c", f"import {name}"]).returncode:
            failed.append(name)
print(",".join(failed))
"""


@pytest.mark.slow
def test_every_module_imports_on_its_own_in_a_fresh_interpreter(tmp_path: Path) -> None:
    """Import order bugs (a half-initialised module) show up only when a module comes first.

    One driver process imports the third-party libraries, then each curvedoc module is
    imported first thing in a forked child that has imported nothing of curvedoc.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")  # compiled once, outside the tree
    names = [m for m in MODULES if m not in FRESH_SKIP]
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, *names],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", proc.stderr
