"""Pages as a person sees them, in headless Chromium at 1280 and 360 px: nothing wider than
the viewport (the files table scrolls inside its own box, or becomes one card per file on a
phone), no word of the files table broken mid-word, the first file within reach, every text
at WCAG AA contrast on the background it is drawn on, visible keyboard focus. Viewport-sized
screenshots down each page are saved for a person to look at (``LDINDEX_SCREENSHOTS=DIR``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.conftest import SHARED_ARTEFACTS, build_index, make_token, start_server, stop_server
from tests.web.test_extrinsic_every_kind import ITEMS
from tests.web.test_pages import hostile_index  # noqa: F401 - the fixture, reused

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Elements wider than the viewport, outside a scrolling box.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.table-scroll, pre, details:not([open])')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1) bad.push(el.tagName + '.' + el.className);
  }
  return {bad, scroll: document.documentElement.scrollWidth, width};
}"""

# Words of the files table drawn on more than one line.
BROKEN_WORDS = """() => {
  const broken = [];
  const table = document.querySelector('table.files');
  const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest('details')) continue;
    const text = node.textContent;
    const re = /\\S+/g;
    let m;
    while ((m = re.exec(text))) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


# Text whose contrast with the background it is drawn on is below WCAG AA: 4.5:1, or 3:1 for
# large text (24 px, or 18.66 px bold). The background is the nearest opaque one behind it.
LOW_CONTRAST = """() => {
  const parse = c => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(',').map(parseFloat);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const channel = v => (v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  const lum = c => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const low = [], seen = new Set();
  let checked = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode, el = text.parentElement;
    if (!text.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    const box = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (!box.width || !box.height || s.visibility === 'hidden') continue;
    const a = lum(parse(s.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (parseInt(s.fontWeight) >= 700 && size >= 18.66);
    checked++;
    if (ratio < (large ? 3 : 4.5))
      low.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}: ${text.textContent.trim()}`);
  }
  return {low, checked};
}"""


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(hostile_index, tmp_path_factory):  # noqa: F811
    data, _ = hostile_index
    # the hostile wheel beside the shared artefacts, in one index
    root = tmp_path_factory.mktemp("layout")
    index = build_index(root / "index", data.root.parent / "in", SHARED_ARTEFACTS)
    live = start_server(index)
    # extrinsic items of every kind on msgpack: advisories, corrections, requirements, links
    admin = {"Authorization": f"Bearer {make_token(index, 'admin', 'curator')}"}
    for path, body in ITEMS:
        assert httpx.post(f"{live.url}{path}", json=body, headers=admin).status_code == 201
    yield live
    stop_server(live)


PAGES = [
    "/project/psutil/6.1.0/",
    "/project/msgpack/1.1.0/",  # many wheels, advisories, corrected dependencies
    "/project/msgpack/",
    "/project/evil-pkg/1.0/",
    "/",
]


@pytest.mark.parametrize("width", [1280, 360])
def test_pages_fit_the_viewport_and_files_come_first(browser, server, width, tmp_path):
    shots = Path(os.environ.get("LDINDEX_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    height = 900 if width > 500 else 800
    page = browser.new_page(viewport={"width": width, "height": height})
    for path in PAGES:
        response = page.goto(f"{server.url}{path}")
        assert response.status == 200, path
        name = path.strip("/").replace("/", "_") or "landing"
        total = page.evaluate("document.documentElement.scrollHeight")
        for n in range(min(3, -(-total // height))):  # screen by screen, at the device's size
            page.evaluate(f"window.scrollTo(0, {n * height})")
            page.screenshot(path=str(shots / f"{name}-{width}-{n}.png"))
        page.evaluate("window.scrollTo(0, 0)")
        contrast = page.evaluate(LOW_CONTRAST)
        assert contrast["checked"] > 20 and not contrast["low"], (path, width, contrast["low"])
        found = page.evaluate(OVERFLOW)
        assert not found["bad"], (path, width, found["bad"][:5])
        assert found["scroll"] <= found["width"], (path, width, found)
        if page.query_selector("table.files"):
            assert page.evaluate(BROKEN_WORDS) == [], (path, width)
            if width == 1280:
                first = page.query_selector("table.files tbody tr")
                assert first.bounding_box()["y"] < 1500, path
                table = page.query_selector("table.files").bounding_box()
                assert table["x"] + table["width"] <= width, path
    page.close()


def test_keyboard_focus_is_visible(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server.url}/project/msgpack/1.1.0/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); "
        "return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline
    page.close()
