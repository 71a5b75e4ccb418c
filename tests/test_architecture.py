"""The layers of DESIGN.md §2, read from the code's own imports (with `ast`, nothing is run).

    shopnet → board, districts, drawings → orders → workshops → core

A module may import from its own app and from the layers below it, never from a layer above.
Apps on one layer may lean on one another in one direction only: two apps never import each
other. Function-local imports count like any other; migrations are left out (they name models
by string and run against historical state).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAYERS = {
    "core": 0,
    "worker": 0,
    "workshops": 1,
    "orders": 2,
    "board": 3,
    "districts": 3,
    "drawings": 3,
    "notifications": 3,
    "integrations": 3,
    "outside": 3,
    "shopnet": 4,
}


def modules() -> list[tuple[str, Path]]:
    """(dotted name, path) of every module of every app, migrations left out."""
    found = []
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found.append((".".join(parts), path))
    return found


def imported(module: str, source: str, *, is_package: bool = False) -> list[tuple[str, int]]:
    """(dotted name, line) of everything `module` imports, relative imports resolved: for
    `from X import a`, X."""
    package = module if is_package else module.rpartition(".")[0]
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names.append((target, node.lineno))
    return names


def app_of(name: str) -> str | None:
    top = name.split(".")[0]
    return top if top in LAYERS else None


Crossing = tuple[str, str, str, int]


def app_imports() -> list[Crossing]:
    """(importing app, imported app, file, line) for every import that crosses apps."""
    crossing = []
    for module, path in modules():
        source = app_of(module)
        text = path.read_text(encoding="utf-8")
        for name, line in imported(module, text, is_package=path.name == "__init__.py"):
            target = app_of(name)
            if target is not None and target != source:
                crossing.append((source, target, str(path.relative_to(ROOT)), line))
    return crossing


def test_it_reads_every_app():
    found = {app_of(module) for module, _path in modules()}
    assert found == set(LAYERS)


def upward(crossing: list[Crossing]) -> list[str]:
    return [
        f"{file}:{line} ({source} imports {target})"
        for source, target, file, line in crossing
        if LAYERS[target] > LAYERS[source]
    ]


def mutual(crossing: list[Crossing]) -> list[str]:
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source, target, file, line in crossing:
        edges[source, target].append(f"{file}:{line}")
    return sorted(
        f"{a} ⇄ {b}: {edges[a, b][0]} and {edges[b, a][0]}"
        for a, b in edges
        if a < b and (b, a) in edges
    )


def test_it_resolves_relative_imports():
    source = (
        "from .. import services\nfrom .forms import X\nfrom . import y\nimport core.realtime\n"
    )
    names = [name for name, _line in imported("orders.views.jobs", source)]
    assert names == ["orders", "orders.views.forms", "orders.views", "core.realtime"]
    inside = [
        name for name, _line in imported("orders.api", "from . import views", is_package=True)
    ]
    assert inside == ["orders.api"]


def test_it_catches_an_upward_import_and_a_circle():
    crossing = [
        ("workshops", "orders", "workshops/views.py", 3),
        ("board", "drawings", "board/views.py", 5),
        ("drawings", "board", "drawings/selectors.py", 7),
        ("districts", "board", "districts/metrics.py", 9),
    ]
    assert upward(crossing) == ["workshops/views.py:3 (workshops imports orders)"]
    assert mutual(crossing) == ["board ⇄ drawings: board/views.py:5 and drawings/selectors.py:7"]


def test_no_module_imports_from_a_layer_above_its_own():
    assert upward(app_imports()) == []


def test_no_two_apps_import_each_other():
    assert mutual(app_imports()) == []
