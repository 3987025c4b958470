"""The one jinja2 environment every renderer uses: ``templates/``, autoescape always on.

Templates are found in ``$LDINDEX_TEMPLATES`` if set, else in ``templates/`` at the top of a
checkout, or, in a built wheel, in ``publisher/templates/``, where the build hook
(``setup.py``) ships them as package data.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

__all__ = ["environment", "render", "templates_dir"]


def templates_dir() -> Path:
    """Where the templates are read from."""
    override = os.environ.get("LDINDEX_TEMPLATES")
    if override:
        return Path(override)
    package = Path(__file__).resolve().parents[1]
    shipped = package / "templates"
    return shipped if shipped.is_dir() else package.parent / "templates"


@cache
def environment() -> jinja2.Environment:
    """The shared environment; built once per process, so templates compile once."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> bytes:
    """Render a template to UTF-8 bytes."""
    return environment().get_template(template).render(**context).encode("utf-8")
