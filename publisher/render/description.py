"""A release's long description as safe HTML, the way PyPI renders it (readme_renderer)."""

from __future__ import annotations

import html
import re

import nh3
from readme_renderer import clean, markdown, rst, txt

__all__ = ["render_description"]

# readme_renderer sanitises with nh3 already. A second pass with the same allowlist removes
# what would change the page's meaning or validity: ``rel`` on links (RDFa reads it as a
# predicate), ``align`` (obsolete in HTML5), ``lang`` holding a syntax name on <pre> (an
# invalid language tag, and an RDFa language scope), and non-numeric image sizes.
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute in ("rel", "lang", "align"):
        return None
    if element == "img" and attribute in ("width", "height") and not value.isdigit():
        return None
    return value


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
    cleaned = nh3.clean(
        rendered,
        tags=clean.ALLOWED_TAGS,
        attributes=clean.ALLOWED_ATTRIBUTES,
        link_rel=None,
        attribute_filter=_attribute_filter,
    )
    return _IMG_WITHOUT_ALT.sub('<img alt=""', cleaned)
