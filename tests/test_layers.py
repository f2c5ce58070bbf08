"""The layers point one way and no module imports itself back: walked from the source with ``ast``.

From the top: entry points, services, where runs execute, their shared core, the ML and its
integrations, persistence, and the torch-free definitions every layer reads. A module may import its
own layer or any layer below it; ``TYPE_CHECKING`` imports count too."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "visionyard"
LAYERS = [
    {"__main__", "cli", "api"},
    {"services"},
    {"scheduler", "worker"},
    {"core", "schemas"},
    {"engine", "plugins", "models", "sdk", "data", "metrics", "tracking", "notify", "tuning"},
    {"storage", "db"},
    {"common", "config", "__init__"},
]
RANK = {room: rank for rank, rooms in enumerate(LAYERS) for room in rooms}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports() -> dict[str, set[str]]:
    """Each module of the package and the modules of the package it imports."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                    for a in node.names
                ]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def test_no_module_imports_a_layer_above_its_own():
    upward = [
        f"{a} -> {b}"
        for a, targets in imports().items()
        for b in targets
        if room(a) in RANK and room(b) in RANK and RANK[room(b)] < RANK[room(a)]
    ]
    assert upward == []


def test_every_room_has_a_layer():
    assert {room(m) for m in imports()} <= RANK.keys()


def test_no_import_cycles():
    try:
        TopologicalSorter(imports()).prepare()
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


@pytest.mark.parametrize("package", ["core", "schemas", "common"])
def test_the_shared_layers_never_import_torch(package: str):
    heavy = {"torch", "torchvision", "lightning", "timm", "torchmetrics"}
    found = [
        f"{path.name}: {alias.name}"
        for path in (PACKAGE / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in ([ast.alias(node.module)] if isinstance(node, ast.ImportFrom) and node.module else node.names)
        if alias.name.split(".")[0] in heavy
    ]
    assert found == []
