"""The README reads well where it is rendered: on a package index page (readme_renderer, as
PyPI and ``twine check`` use it) and on ldindex's own release page."""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import readme_renderer.markdown

README = Path(__file__).resolve().parent.parent / "README.md"


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self._code += tag in ("code", "pre")
        self.hrefs.extend(v for k, v in attrs if tag == "a" and k == "href" and v)

    def handle_endtag(self, tag: str) -> None:
        self._code -= tag in ("code", "pre")

    def handle_data(self, data: str) -> None:
        if not self._code:
            self.text.append(data)


def _rendered() -> tuple[str, _Collect]:
    source = README.read_text(encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html = readme_renderer.markdown.render(source, variant="GFM")
    assert html is not None, "readme_renderer could not render the README"
    assert not caught, [str(w.message) for w in caught]
    parsed = _Collect()
    parsed.feed(html)
    return source, parsed


def test_readme_renders_without_warnings_and_keeps_its_structure() -> None:
    source, parsed = _rendered()
    prose = re.sub(r"```.*?```", "", source, flags=re.S)
    for level in (1, 2, 3):
        wanted = len(re.findall(rf"^{'#' * level} \S", prose, re.M))
        assert parsed.tags.count(f"h{level}") == wanted, level
    assert parsed.tags.count("pre") == source.count("```") // 2
    assert parsed.tags.count("table") == len(re.findall(r"^\|---", prose, re.M))


def test_rendered_readme_shows_no_markdown_syntax_and_no_dead_links() -> None:
    _, parsed = _rendered()
    text = "".join(parsed.text)
    for syntax in ("```", "](", "|---", "**", "\n#"):
        assert syntax not in text, syntax
    # A relative link works in a checkout, not on an index page: only absolute ones here.
    assert parsed.hrefs and all(h.startswith(("https://", "http://", "#")) for h in parsed.hrefs)
