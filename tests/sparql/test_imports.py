"""The SPARQL service stays framework-free: the ASGI routes and the WSGI handler share it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

BANNED = ("fastapi", "starlette", "publisher.web")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_sparql_modules_import_no_web_framework() -> None:
    modules = [*sorted((REPO / "publisher" / "sparql").glob("*.py")), REPO / "publisher/dumps.py"]
    assert len(modules) > 10
    for path in modules:
        bad = [n for n in imported(path) if n.split(".")[0] in BANNED or n.startswith(BANNED)]
        assert not bad, f"{path.relative_to(REPO)} imports {bad}"
