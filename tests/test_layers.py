"""The layer rule of DESIGN.md: a lower layer never imports a higher one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mundwerk"

# What each top-level part of the package may import from mundwerk (besides itself).
ALLOWED = {
    "core": set(),
    "audio": {"core"},
    "face": {"core"},
    "speech": {"core", "audio"},
    "mouth": {"core", "speech"},
    "export": {"core", "mouth"},
    "render": {"core", "face", "mouth", "audio"},
    "provenance": {"core"},
    "inspect": {"core", "audio", "face", "mouth"},
    "stream": {"core", "audio", "face", "speech", "mouth", "export", "render", "provenance"},
}


def _imported_parts(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            pieces = name.split(".")
            if pieces[0] == "mundwerk" and len(pieces) > 1:
                parts.add(pieces[1])
    return parts


def _layer_files() -> list[tuple[str, Path]]:
    return [
        (layer, path)
        for layer in ALLOWED
        if (PACKAGE / layer).is_dir()
        for path in sorted((PACKAGE / layer).rglob("*.py"))
    ]


@pytest.mark.parametrize(("layer", "path"), _layer_files(), ids=lambda value: str(value))
def test_layer_imports_only_lower_layers(layer: str, path: Path) -> None:
    forbidden = _imported_parts(path) - ALLOWED[layer] - {layer}
    assert not forbidden, f"{path.relative_to(PACKAGE)} imports {sorted(forbidden)}"


def test_every_package_part_has_a_layer() -> None:
    parts = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert parts - {"data", "server", "commands"} <= set(ALLOWED), parts - set(ALLOWED)
