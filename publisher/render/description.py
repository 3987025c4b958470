"""A release's long description as safe HTML, the way PyPI renders it (readme_renderer)."""

from __future__ import annotations

import html
import re

import nh3
from readme_renderer import markdown, rst, txt

__all__ = ["render_description"]

# readme_renderer sanitises with nh3; links keep a rel attribute, which RDFa would read as a
# predicate, so rel is removed and the page's RDFa stays exactly the metadata graph.
_REL = re.compile(r'\srel="[^"]*"')


def render_description(text: str | None, content_type: str | None) -> str:
    """Sanitised HTML for a description; plain text in <pre> when it cannot be rendered."""
    if not text or not text.strip():
        return ""
    kind = (content_type or "text/x-rst").split(";")[0].strip().lower()
    rendered: str | None
    try:
        if kind == "text/markdown":
            variant = (
                "GFM" if "variant=commonmark" not in (content_type or "").lower() else "CommonMark"
            )
            rendered = markdown.render(text, variant=variant)
        elif kind == "text/plain":
            rendered = txt.render(text)
        else:
            rendered = rst.render(text)
    except Exception:  # a broken description must never break the page
        rendered = None
    if rendered is None:
        return f"<pre>{html.escape(text)}</pre>"
    return _REL.sub("", nh3.clean(rendered, link_rel=None))
