"""The stylesheet's colours meet WCAG 2.1 AA, computed from the stylesheet itself: every text
colour a rule sets against the background it is drawn on (the rule's own, an enclosing
rule's, or any of the light page and panel backgrounds text may sit on), 4.5:1; focus rings
and form-control borders against the page, 3:1 (non-text contrast, 1.4.11). The browser
test (tests/web/test_layout.py) measures the same on rendered pages."""

from __future__ import annotations

import re

from publisher.render.environment import templates_dir

STYLESHEET = (templates_dir() / "style.css").read_text(encoding="utf-8")
_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})\b")


def _variables() -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", STYLESHEET)
    assert root is not None
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;}]+)", root.group(1)))


VARIABLES = _variables()


def _colour(value: str) -> str | None:
    value = value.strip()
    for name, replacement in VARIABLES.items():
        value = value.replace(f"var({name})", replacement.strip())
    found = _HEX.search(value)
    if found is None:
        return None
    digits = found.group(1)
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits).lower()


def _rules() -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of every rule, at the top level or inside @media."""
    body = re.sub(r"/\*.*?\*/", "", STYLESHEET, flags=re.S)
    rules = []
    for selector, declarations in re.findall(r"([^{}]+)\{([^{}]*)\}", body):
        selector = selector.strip()
        if selector.startswith(":root"):
            continue
        found = dict(
            (k.strip(), v.strip())
            for k, v in re.findall(r"([\w-]+)\s*:\s*([^;]+)", declarations)
        )  # fmt: skip
        for one in selector.split(","):
            rules.append((one.strip(), found))
    return rules


def contrast(first: str, second: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _background(declarations: dict[str, str]) -> str | None:
    return _colour(declarations.get("background", declarations.get("background-color", "")))


# Light backgrounds any text may be drawn on: the page, tables and code, notices.
PANELS = ("--bg", "--warn-bg", "--danger-bg", "--ok-bg")
PAGE_BACKGROUNDS = ["#ffffff", *(_colour(f"var({name})") for name in PANELS)]


def text_pairs() -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every rule that sets a text colour."""
    rules = _rules()
    backgrounds = {selector: _background(d) for selector, d in rules if _background(d)}
    pairs = []
    for selector, declarations in rules:
        colour = _colour(declarations.get("color", ""))
        if colour is None:
            continue
        own = _background(declarations)
        enclosing = [
            bg for outer, bg in backgrounds.items() if selector.startswith(outer + " ")
        ]  # fmt: skip
        for background in [own] if own else enclosing[-1:] or PAGE_BACKGROUNDS:
            pairs.append((selector, colour, background))
    return pairs


def test_the_stylesheet_is_read_whole() -> None:
    pairs = text_pairs()
    selectors = {s for s, _, _ in pairs}
    assert len(pairs) > 30
    assert {"body", "a", ".muted", ".banner.warn", ".advisories h2", "header.site a"} <= selectors


def test_every_text_colour_has_aa_contrast_on_its_background() -> None:
    low = [
        f"{selector}: {fg} on {bg} is {contrast(fg, bg):.2f}:1"
        for selector, fg, bg in text_pairs()
        if contrast(fg, bg) < 4.5
    ]
    assert not low, low


def test_focus_rings_and_control_borders_stand_out_from_the_page() -> None:
    for name in ("--focus", "--control"):
        colour = _colour(f"var({name})")
        for background in PAGE_BACKGROUNDS[:2]:
            assert contrast(colour, background) >= 3, (name, background)
    assert "outline: 3px solid var(--focus)" in STYLESHEET  # the ring is drawn, and thick
    assert re.search(r"a:focus-visible[^{]*\{[^}]*outline", STYLESHEET)


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic just-failing grey
    assert contrast("#ffffff", "#ffffff") == 1.0
