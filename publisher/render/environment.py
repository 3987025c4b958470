"""The jinja2 environment every HTML renderer shares: ``templates/`` at the project root,
autoescape on for every template, so metadata strings can never inject markup."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

__all__ = ["TEMPLATES_DIR", "environment", "render"]

TEMPLATES_DIR = Path(
    os.environ.get("LDINDEX_TEMPLATES", Path(__file__).resolve().parents[2] / "templates")
)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


def render(template: str, **context: Any) -> bytes:
    """Render a template to UTF-8 bytes."""
    return environment().get_template(template).render(**context).encode("utf-8")
