"""Which part may import which: dependencies point one way, read from the code with ast.

``crosswalk`` is pure (no ``publisher``, database driver, web framework or HTTP client);
``publisher.store`` imports neither the renderers nor the web layer; the renderers and the
framework-free parts (the URL map, the WSGI/CGI handler, the static export) never import the
web layer; only ``publisher.web`` imports FastAPI or Starlette.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

DRIVERS = {"sqlite3", "psycopg", "psycopg2", "psycopg_pool", "sqlalchemy", "apsw", "asyncpg"}
FRAMEWORKS = {"fastapi", "starlette", "uvicorn", "flask", "django", "aiohttp"}
HTTP_CLIENTS = {"requests", "httpx", "urllib3", "aiohttp", "http.client", "urllib.request"}
WEB = {"publisher.web", "fastapi", "starlette"}

# (module prefix, what it must not import), first match wins; publisher.web may import all.
RULES: tuple[tuple[str, set[str]], ...] = (
    ("crosswalk", {"publisher", "socket"} | DRIVERS | FRAMEWORKS | HTTP_CLIENTS),
    ("publisher.store", {"publisher.render"} | WEB),
    ("publisher.render", WEB),
    ("publisher.routing", WEB),
    ("publisher.handler", WEB),
    ("publisher.export", WEB),
    ("publisher.web", set()),
    ("publisher", {"fastapi", "starlette"}),
)


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path, module: str) -> set[str]:
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            names.add(name)
            names.update(f"{name}.{alias.name}" for alias in node.names)
    return names


def _breaches(path: Path) -> list[str]:
    module = _module(path)
    banned = next(banned for prefix, banned in RULES if module.startswith(prefix))
    return sorted(
        name
        for name in _imported(path, module)
        if any(name == b or name.startswith(f"{b}.") for b in banned)
    )


SOURCES = sorted([*REPO.glob("crosswalk/**/*.py"), *REPO.glob("publisher/**/*.py")])


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_imports_point_one_way(path: Path) -> None:
    assert _breaches(path) == []


def test_the_rules_catch_a_breach(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crosswalk module reaching for the web layer is caught."""
    fake = tmp_path / "crosswalk" / "leaky.py"
    fake.parent.mkdir()
    fake.write_text("from publisher.web import app\nimport httpx\n")
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    assert _breaches(fake) == ["httpx", "publisher.web", "publisher.web.app"]
