"""The response cache: bounded, and never holding a page older than an acknowledged write."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.cache import QUERIES, ResponseCache, make_rendering
from publisher.store import Store, open_store
from tests.store.test_contract import new_file


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(f"sqlite:///{tmp_path / 'cache.db'}")
    store.add_file(new_file("demo-1.0.tar.gz", "demo", "1.0", "sdist", "a" * 64, 2))
    store.add_file(new_file("other-1.0.tar.gz", "other", "1.0", "sdist", "b" * 64, 2))
    return store


def page(cache: ResponseCache, body: bytes, project: str | None):
    return make_rendering(body, "text/html", project, cache.current_generation())


def test_a_write_drops_its_project_and_site_wide_pages_only(store: Store, tmp_path) -> None:
    cache = ResponseCache(store)
    cache.put(("/p/demo", "h"), page(cache, b"demo", "demo"))
    cache.put(("/p/other", "h"), page(cache, b"other", "other"))
    cache.put(("/", "h"), page(cache, b"all", None))
    writer = open_store(f"sqlite:///{tmp_path / 'cache.db'}")  # another connection, as a CLI
    writer.add_file(new_file("demo-2.0.tar.gz", "demo", "2.0", "sdist", "c" * 64, 2))
    assert cache.get(("/p/demo", "h")) is None
    assert cache.get(("/", "h")) is None
    assert cache.get(("/p/other", "h")).body == b"other"


def test_a_rendering_overtaken_by_a_write_is_not_kept(store: Store) -> None:
    cache = ResponseCache(store)
    started = cache.current_generation()  # read before the data
    store.add_file(new_file("demo-3.0.tar.gz", "demo", "3.0", "sdist", "d" * 64, 2))
    stale = make_rendering(b"old demo", "text/html", "demo", started)
    assert cache.put(("/p/demo", "h"), stale) is False
    assert cache.get(("/p/demo", "h")) is None
    fresh = page(cache, b"new demo", "demo")
    assert cache.put(("/p/demo", "h"), fresh) is True
    assert cache.get(("/p/demo", "h")) is fresh


def test_bounded_by_entries_and_bytes(store: Store) -> None:
    cache = ResponseCache(store, max_entries=3, max_bytes=10_000)
    for i in range(5):
        cache.put((f"/{i}", "h"), page(cache, bytes(100), None))
    assert len(cache) == 3
    assert cache.get(("/0", "h")) is None and cache.get(("/4", "h")) is not None
    big = page(cache, bytes(range(256)) * 30, None)  # 7,680 bytes + gzip + brotli
    cache.put(("/big", "h"), big)
    assert cache.size_bytes == big.weight + 2 * 100  # the oldest small page made room
    assert cache.get(("/big", "h")) is big and cache.get(("/2", "h")) is None
    huge = page(cache, bytes(range(256)) * 60, None)  # over the budget on its own
    cache.put(("/huge", "h"), huge)
    assert len(cache) == 1 and cache.get(("/huge", "h")) is huge


def test_marking_a_change_drops_pages_in_every_partition(store: Store, tmp_path) -> None:
    cache = ResponseCache(store)
    cache.put(("/p/demo", "h"), page(cache, b"demo", "demo"))
    cache.put(("/p/other", "h"), page(cache, b"other", "other"))
    cache.put(("/search?q=x", "h"), page(cache, b"found", None), QUERIES)
    other_process = open_store(f"sqlite:///{tmp_path / 'cache.db'}")
    other_process.mark_changed("demo")
    assert cache.get(("/p/demo", "h")) is None
    assert cache.get(("/search?q=x", "h"), QUERIES) is None  # site-wide
    assert cache.get(("/p/other", "h")).body == b"other"
    other_process.mark_changed()
    assert cache.get(("/p/other", "h")) is None
    assert len(cache) == 0 and cache.size_bytes == 0


def test_query_results_cannot_evict_pages(store: Store) -> None:
    cache = ResponseCache(store, bounds={QUERIES: (10, 1 << 20)})
    cache.put(("/simple/demo/", "h"), page(cache, b"hot", "demo"))
    for i in range(500):  # random query strings, as a crawler or an attacker sends them
        cache.put((f"/search?q={i}", "h"), page(cache, b"miss", None), QUERIES)
    assert cache.get(("/simple/demo/", "h")).body == b"hot"
    assert len(cache) == 11
    assert cache.get(("/search?q=499", "h"), QUERIES) is not None
    assert cache.get(("/search?q=0", "h"), QUERIES) is None
