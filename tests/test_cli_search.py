"""``ldindex import-listing`` and ``ldindex search``, run as a user runs them."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from publisher.remote_listing import RemoteListingError, cached_listing_store
from publisher.search import SearchQuery
from tests.conftest import IndexedData, start_server, stop_server
from tests.test_cli import run

HEADER = "name\tversion\tmonth\trank_among_15000_most_downloaded\tsummary\n"


def write_listing(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(HEADER + "".join(f"{line}\n" for line in lines))
    return path


def test_import_listing_then_search_the_database(tmp_path: Path) -> None:
    listing = write_listing(
        tmp_path / "listing.tsv.gz",
        [
            "requests\t2.34.2\t2026-05\t6\tPython HTTP for Humans.",
            "Flask_Login\t0.7.0\t2025-01\t\tUser session management for Flask",
            "certifi\t\t\t4\tPython package for providing Mozilla's CA Bundle.",
        ],
    )
    result = run("import-listing", str(listing), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 projects imported" in result.stdout
    found = run("search", "flask", "login", "--json", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    document = json.loads(found.stdout)
    assert document["results"][0]["name"] == "flask-login"
    assert document["results"][0]["display_name"] == "Flask_Login"
    typo = run("search", "reqeusts", cwd=tmp_path)
    assert typo.stdout.splitlines()[0].split()[:2] == ["requests", "2.34.2"]


def test_malformed_listing_names_the_line_and_imports_nothing(tmp_path: Path) -> None:
    listing = write_listing(
        tmp_path / "bad.tsv.gz", ["good\t1.0\t2024-01\t\tfine", "bad name\t1.0\t2024-01\t\tno"]
    )
    result = run("import-listing", str(listing), cwd=tmp_path)
    assert result.returncode == 1
    assert "bad.tsv.gz:3: name 'bad name' is not a valid project name" in result.stderr
    assert "nothing was imported" in result.stderr
    assert "no project matches" in run("search", "good", cwd=tmp_path).stderr


def test_wrong_header_is_refused(tmp_path: Path) -> None:
    listing = tmp_path / "plain.tsv"
    listing.write_text("name\tsummary\nx\ty\n")
    result = run("import-listing", str(listing), cwd=tmp_path)
    assert result.returncode == 1 and "plain.tsv:1: expected the header" in result.stderr


def test_search_refuses_an_over_long_query(tmp_path: Path) -> None:
    result = run("search", "x" * 300, cwd=tmp_path)
    assert result.returncode == 2 and "at most 256 characters" in result.stderr


@pytest.fixture(scope="module")
def served_catalogue(catalogue: IndexedData):
    server = start_server(catalogue)
    yield server
    stop_server(server)


def test_remote_search_downloads_once_then_revalidates(
    served_catalogue, catalogue: IndexedData, tmp_path: Path
) -> None:
    from publisher.store import open_store

    cache = tmp_path / "cache"
    store, note = cached_listing_store(served_catalogue.url, cache)
    assert note is None
    remote = [e.name for e in store.search(SearchQuery.parse("http client"), 0, 10).hits]
    store.close()
    local = open_store(catalogue.db_url)
    assert remote == [e.name for e in local.search(SearchQuery.parse("http client"), 0, 10).hits]
    local.close()
    (db,) = cache.glob("*/listing.db")
    stamp = db.stat().st_mtime_ns
    again, _ = cached_listing_store(served_catalogue.url, cache)  # 304: nothing downloaded
    again.close()
    assert db.stat().st_mtime_ns == stamp
    result = run(
        "search", "scikit", "learn", "--index", served_catalogue.url, "--cache-dir", str(cache),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "scikit-learn"
    assert db.stat().st_mtime_ns == stamp


def test_unreachable_index_falls_back_to_the_cache_or_fails_clearly(tmp_path: Path) -> None:
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(RemoteListingError, match="cannot be reached"):
        cached_listing_store(url, tmp_path)
    result = run("search", "x", "--index", url, "--cache-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1 and "cannot be reached" in result.stderr


def test_cache_directory_follows_xdg(tmp_path: Path, monkeypatch) -> None:
    from publisher.remote_listing import cache_root

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_root() == tmp_path / "ldindex"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_root() == Path(os.path.expanduser("~")) / ".cache" / "ldindex"
