"""Large site-wide documents, built to files once per burst of writes and served from disk.

The full listing (``/_/search/all``), the simple index root and the catalogue snapshot grow
with the catalogue: at PyPI's size they are tens of megabytes, too big to render per request
or to hold in every worker's response cache. Each is built here into a directory beside the
database, with its compressed variants (gzip; zstd, which packs text a quarter smaller), a
strong ETag (a hash of the body) and the time it was built, and every worker serves the
same files.

When the store's write counter has moved since a build: a document that built in under
``sync_seconds`` is rebuilt before answering, so a small index is never stale; a larger
one is served as it is while one background build, started once writes have paused for
``quiet_seconds``, replaces it — at most one build per burst of writes, never one per
request. A lock file makes processes sharing the directory build one at a time.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import orjson

from publisher.store import Store

__all__ = ["Built", "Document", "Publisher"]

log = logging.getLogger("ldindex.published")

CHUNK = 1 << 20
CODING_SUFFIX = {"gzip": ".gz", "zstd": ".zst"}
_TAG = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class Document:
    """A document built from the whole store: ``build(store, path)`` writes its body."""

    name: str
    build: Callable[[Store, Path], None]
    codings: tuple[str, ...] = ("gzip", "zstd")
    zstd_level: int = 19


@dataclass(frozen=True, slots=True)
class Built:
    """A finished build: the body's file, its compressed variants, validators."""

    path: Path
    etag: str
    last_modified: str
    size: int
    generation: int
    variants: dict[str, Path]
    seconds: float

    def variant(self, coding: str | None) -> Path:
        return self.variants.get(coding, self.path) if coding else self.path

    def etag_for(self, coding: str | None) -> str:
        """The entity tag of one content coding's variant (each is its own representation)."""
        return self.etag if coding is None else f'{self.etag[:-1]}-{coding}"'


class Publisher:
    """Builds and hands out documents of one store, under one directory."""

    def __init__(
        self,
        store: Store,
        directory: Path,
        sync_seconds: float = 0.25,
        quiet_seconds: float = 2.0,
    ) -> None:
        self.store = store
        self.directory = Path(directory)
        self.sync_seconds = sync_seconds
        self.quiet_seconds = quiet_seconds
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._manifests: dict[str, tuple[float, Built]] = {}

    # -- reading ------------------------------------------------------------------------------

    def current(self, document: Document) -> Built:
        """The build to serve now; builds first if there is none or it is cheap and stale."""
        built = self._read_manifest(document)
        generation = self.store.generation()
        if built is not None and built.generation == generation:
            return built
        if built is None or built.seconds <= self.sync_seconds:
            return self.build(document)
        self._schedule(document)
        return built

    def _manifest_path(self, document: Document) -> Path:
        return self.directory / f"{document.name}.json"

    def _read_manifest(self, document: Document) -> Built | None:
        path = self._manifest_path(document)
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:  # none yet (or no directory to hold one)
            return None
        cached = self._manifests.get(document.name)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        data = orjson.loads(path.read_bytes())
        built = Built(
            path=self.directory / data["file"],
            etag=data["etag"],
            last_modified=data["last_modified"],
            size=data["size"],
            generation=data["generation"],
            variants={k: self.directory / v for k, v in data["variants"].items()},
            seconds=data["seconds"],
        )
        self._manifests[document.name] = (stamp, built)
        return built

    # -- building -----------------------------------------------------------------------------

    def _schedule(self, document: Document) -> None:
        with self._lock:
            if document.name in self._pending:
                return
            self._pending.add(document.name)

        def later() -> None:
            try:
                seen = self.store.generation()
                while True:  # wait for writes to pause
                    time.sleep(self.quiet_seconds)
                    now = self.store.generation()
                    if now == seen:
                        break
                    seen = now
                self.build(document)
            except Exception:  # a failed build leaves the previous one served
                log.exception("building %s failed", document.name)
            finally:
                with self._lock:
                    self._pending.discard(document.name)

        threading.Thread(target=later, name=f"build-{document.name}", daemon=True).start()

    def build(self, document: Document) -> Built:
        """Build ``document`` now (one process at a time); returns the newest build."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            lock_file = (self.directory / f"{document.name}.lock").open("wb")
        except OSError:
            # A database on read-only storage (or no directory to be had there): this
            # process builds into a directory of its own instead, each worker its own copy.
            self.directory = Path(tempfile.mkdtemp(prefix="ldindex-published-"))
            log.warning("cannot write beside the database; building into %s", self.directory)
            lock_file = (self.directory / f"{document.name}.lock").open("wb")
        with lock_file as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            generation = self.store.generation()  # read before the data
            built = self._read_manifest(document)
            if built is not None and built.generation == generation:
                return built  # another process built it while this one waited
            return self._build_locked(document, generation)

    def _build_locked(self, document: Document, generation: int) -> Built:
        """Write the body and its gzip variant, and publish them; slower codings (zstd)
        follow on a background thread and join the build when done."""
        started = time.perf_counter()
        partial = self.directory / f".{document.name}.partial"
        partial.unlink(missing_ok=True)
        document.build(self.store, partial)
        digest = hashlib.blake2b(digest_size=16)
        with partial.open("rb") as body:
            while chunk := body.read(CHUNK):
                digest.update(chunk)
        tag = digest.hexdigest()
        final = self.directory / f"{document.name}.{tag}"
        os.replace(partial, final)
        variants: dict[str, Path] = {}
        quick = [c for c in document.codings if c == "gzip"]
        slow = [c for c in document.codings if c != "gzip"]
        for coding in quick:
            variants[coding] = _compress(final, coding, document.zstd_level)
        built = self._record(document, final, tag, generation, variants, started)
        self._remove_old(document, keep=tag)
        if slow:
            threading.Thread(
                target=self._add_variants,
                args=(document, final, tag, slow),
                name=f"compress-{document.name}",
                daemon=True,
            ).start()
        return built

    def _add_variants(self, document: Document, final: Path, tag: str, codings: list[str]) -> None:
        """Compress a published build with more codings, then add them to its manifest
        unless a newer build replaced it meanwhile."""
        try:
            made = {c: _compress(final, c, document.zstd_level) for c in codings}
            with (self.directory / f"{document.name}.lock").open("wb") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                manifest = self._manifest_path(document)
                data = orjson.loads(manifest.read_bytes())
                if data["file"] != final.name:
                    return
                data["variants"].update({k: v.name for k, v in made.items()})
                staged = manifest.with_name(f".{manifest.name}.partial")
                staged.write_bytes(orjson.dumps(data))
                os.replace(staged, manifest)
        except OSError:  # the build was removed under us: a newer one is served
            log.info("dropped late variants of %s", final.name)
        except subprocess.CalledProcessError as exc:
            log.error("compressing %s failed: %s", final.name, exc.stderr.decode(errors="replace"))

    def wait_for_variants(self, document: Document, timeout: float = 600.0) -> Built:
        """The current build once every coding of ``document`` is in it (for exports, tests
        and benchmarks that need all variants)."""
        deadline = time.monotonic() + timeout
        while True:
            built = self.current(document)
            if set(built.variants) >= set(document.codings) or time.monotonic() > deadline:
                return built
            time.sleep(0.05)

    def _record(
        self,
        document: Document,
        final: Path,
        tag: str,
        generation: int,
        variants: dict[str, Path],
        started: float,
    ) -> Built:
        """Write the manifest that makes a build (with the variants so far) the served one."""
        data = {
            "file": final.name,
            "etag": f'"{tag}"',
            "last_modified": formatdate(time.time(), usegmt=True),
            "size": final.stat().st_size,
            "generation": generation,
            "variants": {k: v.name for k, v in variants.items()},
            "seconds": time.perf_counter() - started,
        }
        manifest = self._manifest_path(document)
        staged = manifest.with_name(f".{manifest.name}.partial")
        staged.write_bytes(orjson.dumps(data))
        os.replace(staged, manifest)
        built = self._read_manifest(document)
        assert built is not None
        return built

    def _remove_old(self, document: Document, keep: str) -> None:
        """Drop builds but the newest two: a reader may still be sending the previous one."""
        prefix = f"{document.name}."
        bodies = sorted(
            (p for p in self.directory.iterdir()
             if p.name.startswith(prefix) and _TAG.fullmatch(p.name[len(prefix):])),
            key=lambda p: p.stat().st_mtime_ns,
        )  # fmt: skip
        older = [p for p in bodies if p.name != f"{prefix}{keep}"]
        for old in older[:-1]:
            for path in self.directory.glob(f"{old.name}*"):
                path.unlink(missing_ok=True)


def _compress(source: Path, coding: str, zstd_level: int) -> Path:
    """Write ``source`` compressed with ``coding`` beside it. zstd runs in a child process:
    at high levels it needs a few hundred megabytes of tables, which a server worker would
    keep as resident memory long after the build."""
    target = source.with_name(source.name + CODING_SUFFIX[coding])
    staged = target.with_name(f".{target.name}.partial")
    if coding == "gzip":
        with (
            source.open("rb") as raw,
            staged.open("wb") as out,
            gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0) as packed,
        ):
            shutil.copyfileobj(raw, packed, CHUNK)
    else:
        command = [sys.executable, "-m", "publisher.compress", str(zstd_level), str(source)]
        with staged.open("wb") as out:
            subprocess.run(command, stdout=out, stderr=subprocess.PIPE, check=True)
    os.replace(staged, target)
    return target
