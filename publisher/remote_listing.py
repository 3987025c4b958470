"""A remote index's full listing, kept in a local cache and searched like a local index.

``ldindex search --index URL`` downloads ``URL/_/search/all`` as JSON (compressed, zstd or
gzip) once, imports it into a SQLite store in the cache directory (the same schema and
search as the server's, so results rank alike), and keeps the ETag. Later searches send
``If-None-Match``: a 304 means the cached store is current and nothing is downloaded. If the
index cannot be reached, the cached store is used with a note saying so.

This is the one place ldindex makes an outbound request, and only when a user names
``--index``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import orjson

from publisher.listings import ListingFormatError, read_json_listing
from publisher.store import Store, open_store

__all__ = ["RemoteListingError", "cache_root", "cached_listing_store"]

TIMEOUT = 60.0
CHUNK = 1 << 20


class RemoteListingError(RuntimeError):
    """The listing could not be fetched or read, and no cached copy exists."""


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache directory: given, else ``$XDG_CACHE_HOME/ldindex``, else ``~/.cache/ldindex``."""
    if cache_dir:
        return Path(cache_dir)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ldindex"


def cached_listing_store(
    index_url: str, cache_dir: str | os.PathLike | None = None
) -> tuple[Store, str | None]:
    """A store holding the index's current listing, and a note for the user (or None)."""
    if not index_url.startswith(("http://", "https://")):
        raise RemoteListingError(f"--index {index_url!r}: expected an http:// or https:// URL")
    base = index_url.rstrip("/")
    folder = cache_root(cache_dir) / hashlib.sha256(base.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    db, etag_file = folder / "listing.db", folder / "etag"
    have = db.is_file() and etag_file.is_file()
    request = urllib.request.Request(
        f"{base}/_/search/all",
        headers={
            "Accept": "application/json",
            "Accept-Encoding": _accepted_codings(),
            "User-Agent": "ldindex-search",
            **({"If-None-Match": etag_file.read_text().strip()} if have else {}),
        },
    )
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and have:
            return open_store(f"sqlite:///{db}"), None
        return _stale(db, have, f"{request.full_url}: HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return _stale(db, have, f"{request.full_url}: cannot be reached ({reason})")
    with response:
        etag = response.headers.get("ETag", "")
        coding = response.headers.get("Content-Encoding", "").strip().lower()
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            body = Path(scratch) / "listing"
            with body.open("wb") as out:
                shutil.copyfileobj(response, out, CHUNK)
            document = _decode(body, coding, request.full_url)
            fresh = Path(scratch) / "listing.db"
            store = open_store(f"sqlite:///{fresh}")
            try:
                store.import_listing(read_json_listing(document, request.full_url))
            except ListingFormatError as exc:
                raise RemoteListingError(str(exc)) from exc
            finally:
                store.close()
            del document
            for suffix in ("-wal", "-shm", "-changes"):
                Path(f"{fresh}{suffix}").unlink(missing_ok=True)
            for suffix in ("-wal", "-shm", "-changes"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            os.replace(fresh, db)
    etag_file.write_text(etag)
    return open_store(f"sqlite:///{db}"), None


def _accepted_codings() -> str:
    try:
        import zstandard  # noqa: F401
    except ImportError:
        return "gzip"
    return "zstd, gzip"


def _decode(body: Path, coding: str, url: str) -> dict:
    try:
        if coding == "gzip":
            with gzip.open(body, "rb") as packed:
                data = packed.read()
        elif coding == "zstd":
            import zstandard

            with body.open("rb") as packed:
                data = zstandard.ZstdDecompressor().stream_reader(packed).read()
        elif coding in ("", "identity"):
            data = body.read_bytes()
        else:
            raise RemoteListingError(f"{url}: unsupported Content-Encoding {coding!r}")
        document = orjson.loads(data)
    except (OSError, EOFError, orjson.JSONDecodeError) as exc:
        raise RemoteListingError(f"{url}: not a readable listing ({exc})") from exc
    if not isinstance(document, dict):
        raise RemoteListingError(f"{url}: not an ldindex listing")
    return document


def _stale(db: Path, have: bool, problem: str) -> tuple[Store, str | None]:
    if not have:
        raise RemoteListingError(problem)
    return open_store(f"sqlite:///{db}"), f"warning: {problem}; searching the cached listing"
