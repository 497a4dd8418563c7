"""The import graph of cortex_provider/ and cortex_local/, read from the source (every import: module
level, inside functions, under TYPE_CHECKING): no circle in either package, and cortex_provider's layers
import one way only -- program -> pulumi adapters / plugin -> resource cores -> session -> sql."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cortex_provider", "cortex_local")
# cortex_provider's layers, highest first (settings, catalogue and errors under sql); a module may import its
# own layer or any layer below it.
LAYERS = ("program", "pulumi|plugin", "resources", "session|pool|retry", "sql",
          "settings|connection_settings|catalogue|errors|project")


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _parse(path: Path) -> ast.Module:
    """ast.parse, tried again where CPython 3.11 fails spuriously: its AST builder keeps one recursion
    counter per interpreter, shared by every thread of the test worker, and a parse can end with
    "SystemError: AST constructor recursion depth mismatch" that a second parse of the same source
    does not raise (python/cpython gh-106905; seen once in CI on cortex_local/app.py)."""
    for _ in range(4):
        try:
            return ast.parse(path.read_text(), str(path))
        except SystemError:
            continue
    return ast.parse(path.read_text(), str(path))


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The project modules `name` imports (a `from package import module` names the module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):  # a parent package: implicit
                yield target


def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: set(_imports(name, path, modules)) for name, path in modules.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "cortex_provider" or len(parts) < 2:
        return None
    for rank, names in enumerate(LAYERS):
        if parts[1] in names.split("|"):
            return rank
    return None


def upward(edges: dict[str, set[str]]) -> list[str]:
    out = []
    for src, targets in sorted(edges.items()):
        for dst in sorted(targets):
            a, b = layer_of(src), layer_of(dst)
            if a is not None and b is not None and b < a:
                out.append(f"{src} -> {dst}")
    return out


def test_no_import_circle() -> None:
    assert circles(graph()) == []


def test_cortex_provider_layers_import_downward_only() -> None:
    assert upward(graph()) == []


@pytest.mark.parametrize(("edges", "expected"), [
    ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_circle_finder_finds_circles(edges: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert circles(edges) == expected


def test_the_layer_check_sees_an_upward_arrow() -> None:
    edges = {"cortex_provider.sql.x": {"cortex_provider.resources.y"},
             "cortex_provider.program.p": {"cortex_provider.sql.x"}}
    assert upward(edges) == ["cortex_provider.sql.x -> cortex_provider.resources.y"]


def test_the_graph_sees_imports_inside_functions_and_type_checking() -> None:
    edges = graph()
    assert "cortex_provider.program.main" in edges["cortex_provider.engine.verbs"]  # inside a function
    assert "cortex_provider.pulumi.finetuned_model" in edges["cortex_provider"]  # under TYPE_CHECKING
