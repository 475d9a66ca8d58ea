"""The package's shape, read from the source with ``ast``: imports only point down the layers of
docs (ARCHITECTURE.md, README "Architecture"), no import circle, no module over 700 lines.

Layers, top to bottom; a module may import its own layer's other parts (no circle) and any layer
below it, never one above. ``export`` is a writer: apart from the layers above the domain, only
``export`` itself imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "coding"

# The layers, top first. Names are the first part of a module's name under ``coding``
# (``coding.analysis.matrix`` -> ``analysis``; ``coding`` itself, the package root -> ``__init__``).
LAYERS = [
    ("interfaces", {"cli", "web", "__main__"}),
    ("use cases over the facade", {"pipeline"}),
    ("facade", {"project", "__init__"}),
    ("writers", {"export"}),
    ("domain", {"importing", "codebook", "autocode", "analysis", "refi", "search", "anonymize",
                "annotate"}),
    ("readers", {"ingest"}),
    ("records", {"records"}),
    ("store", {"store"}),
    ("shared", {"errors", "version", "safe_regex", "ordering"}),
]

MAX_LINES = 700


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The modules of ``coding`` that ``name`` imports (at the top or inside a function alike): a
    ``from X import y`` counts as importing ``X.y`` when that is a module, else ``X``."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "coding" or target.startswith("coding."):
                for alias in node.names:
                    found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names
                         if alias.name == "coding" or alias.name.startswith("coding."))
    found.discard(name)
    return found


def unit_of(name: str) -> str:
    parts = name.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def layer_of(name: str) -> int:
    unit = unit_of(name)
    for rank, (_, units) in enumerate(LAYERS):
        if unit in units:
            return rank
    raise AssertionError(f"{name}: its folder or module {unit!r} has no place in LAYERS (tests/test_layers.py)")


GRAPH = {name: imports_of(name) for name in MODULES}


def test_every_module_has_a_layer():
    for name in MODULES:
        layer_of(name)


def test_no_import_runs_back_up():
    upward = [f"{name} -> {target} ({LAYERS[layer_of(name)][0]} imports {LAYERS[layer_of(target)][0]})"
              for name, targets in GRAPH.items() for target in sorted(targets)
              if layer_of(target) < layer_of(name)]
    assert upward == []


def test_only_the_interfaces_and_the_facade_import_export():
    writers = [rank for rank, (_, units) in enumerate(LAYERS) if "export" in units][0]
    wrong = [f"{name} -> {target}" for name, targets in GRAPH.items() for target in sorted(targets)
             if unit_of(target) == "export" and unit_of(name) != "export" and layer_of(name) >= writers]
    assert wrong == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_between_modules():
    # a package's __init__ importing its own modules to re-export them is not a circle of concerns
    graph = {name: {t for t in targets if not (MODULES[name].name == "__init__.py" and t.startswith(name + "."))}
             for name, targets in GRAPH.items()}
    assert cycles(graph) == []


def test_no_import_circle_between_folders():
    graph: dict[str, set[str]] = {}
    for name, targets in GRAPH.items():
        graph.setdefault(unit_of(name), set()).update(unit_of(t) for t in targets if unit_of(t) != unit_of(name))
    assert cycles(graph) == []


def test_the_checker_sees_a_circle_and_an_upward_import():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("coding.cli.output") < layer_of("coding.project") < layer_of("coding.analysis.matrix") \
        < layer_of("coding.records") < layer_of("coding.store.kept")
    assert "coding.store" in GRAPH["coding.records"]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_700_lines(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(PACKAGE.parent)}: {lines} lines (at most {MAX_LINES})"
