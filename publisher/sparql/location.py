"""Where the catalogue graph of one base URL lives on disk, and what its files say.

Beside a SQLite database ``ldindex.db`` sits ``ldindex.db-graph/``; under it, one directory
per base URL, because the graph holds IRIs exactly as the pages publish them (a base URL
change builds a graph of its own rather than rewriting IRIs in queries and results):

- ``primary/`` — the Oxigraph store kept in step with the database; opened read-write
  only by whoever holds ``lock`` (a sync, a rebuild, a dump).
- ``snapshots/NNNNNNNN/`` — immutable checkpoints of it (hard links, so cheap), which query
  processes open read-only; ``current.json`` names the newest and the database generation
  it reflects. Queries never see a half-applied sync.
- ``state.json`` — the generation ``primary/`` reflects (written after its data).
- ``image.nq.gz`` / ``image.json`` — every quad of one snapshot as N-Quads, which the query
  host loads into memory far faster than it could read the snapshot (``image``).
- ``relinked.jsonl`` — projects a sync re-mapped though nothing was written to them (their
  requirements link to a project that appeared), by generation: the query host must replace
  their graphs too.

Every rebuild starts a new *lineage*, which the snapshots and the image carry: a process
holding a graph of another lineage loads the new one whole instead of replacing graphs.
- ``dump/`` — the bulk dumps and their manifest.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from publisher.store import database_key, sqlite_path

__all__ = [
    "GraphLocation",
    "GraphNotWritable",
    "Snapshot",
    "default_graph_root",
    "pinned",
    "write_json_atomically",
]

_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


class GraphNotWritable(PermissionError):
    """This user may not write the graph's directory (a read-only index, a read-only disk)."""


# Bump when the graph's layout or content rules change: older graphs rebuild.
# 2: extrinsic items in the project graphs; the N-Quads image beside the snapshots.
FORMAT = 2


def default_graph_root(db_url: str) -> Path:
    """``NAME.db-graph/`` beside a SQLite database; for a database server,
    ``./ldindex-graph/`` and a directory of that database's own, so that two indexes served
    from one working directory never share a graph."""
    if db_url.startswith("sqlite:"):
        db = sqlite_path(db_url)
        return db.with_name(f"{db.name}-graph")
    return Path("ldindex-graph") / database_key(db_url)


def base_key(base: str) -> str:
    """A directory name for a base URL: readable, and unique through a hash suffix."""
    base = base.rstrip("/")
    readable = re.sub(r"[^A-Za-z0-9.-]+", "_", base.split("://", 1)[-1])[:48].strip("_")
    return f"{readable}-{hashlib.sha256(base.encode()).hexdigest()[:10]}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A published, immutable state of the graph."""

    path: Path
    generation: int
    triples: int
    published: float
    lineage: str = ""

    @classmethod
    def from_json(cls, root: Path, data: dict[str, Any]) -> Snapshot:
        return cls(
            root / data["name"],
            int(data["generation"]),
            int(data["triples"]),
            data["published"],
            str(data.get("lineage", "")),
        )


@contextmanager
def pinned(snapshot_path: Path) -> Iterator[None]:
    """Keep a snapshot from being pruned while it is read (a shared lock on its pin file,
    which pruning must take exclusively; the kernel drops it if the reader dies). Where
    this user may not write, nobody with its rights prunes either: read unpinned."""
    try:
        pin = snapshot_path.with_name(f"{snapshot_path.name}.pin").open("a+b")
    except OSError as exc:
        if exc.errno not in _DENIED:
            raise
        yield
        return
    with pin:
        fcntl.flock(pin, fcntl.LOCK_SH)
        yield


def write_json_atomically(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as JSON: readers see the old file or the new, whole."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as out:
        out.write(orjson.dumps(data, option=orjson.OPT_INDENT_2))
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


class GraphLocation:
    """The directory of one base URL's graph, and the small files that describe it."""

    def __init__(self, root: Path, base: str) -> None:
        self.base = base.rstrip("/")
        self.dir = Path(root) / base_key(self.base)
        self.primary = self.dir / "primary"
        self.snapshots = self.dir / "snapshots"
        self.dump_dir = self.dir / "dump"
        self.state_file = self.dir / "state.json"
        self.current_file = self.dir / "current.json"
        self.image_file = self.dir / "image.nq.gz"
        self.image_meta = self.dir / "image.json"
        self.relinked_file = self.dir / "relinked.jsonl"
        self._current: tuple[int, Snapshot | None] | None = None

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Turn a refused write into ``GraphNotWritable`` naming the directory."""
        try:
            yield
        except GraphNotWritable:
            raise
        except OSError as exc:
            if exc.errno not in _DENIED:
                raise
            reason = (exc.strerror or "permission denied").lower()
            raise GraphNotWritable(
                f"cannot write the catalogue graph in {self.dir}: {reason}"
            ) from exc

    def ensure(self) -> None:
        with self.writing():
            for d in (self.dir, self.snapshots, self.dump_dir):
                d.mkdir(parents=True, exist_ok=True)
            base_file = self.dir / "base.txt"
            if not base_file.exists():
                base_file.write_text(self.base + "\n")

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive right to open ``primary/`` read-write and to publish, across processes."""
        self.ensure()
        with self.writing():
            handle = (self.dir / "lock").open("a+b")
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                with self.writing():
                    yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def record_relinked(self, generation: int, names: list[str]) -> None:
        """Note projects a sync at ``generation`` re-mapped without a write of their own."""
        line = orjson.dumps({"generation": generation, "names": names}) + b"\n"
        with self.writing(), self.relinked_file.open("ab") as log:
            log.write(line)
            log.flush()
            os.fsync(log.fileno())

    def relinked_since(self, generation: int) -> set[str]:
        """Projects re-mapped by syncs after ``generation`` (of the current lineage)."""
        found: set[str] = set()
        try:
            lines = self.relinked_file.read_bytes().splitlines()
        except FileNotFoundError:
            return found
        for line in lines:
            try:
                entry = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # a line cut short by a crash: its sync never published
            if entry.get("generation", 0) > generation:
                found.update(entry.get("names", ()))
        return found

    def forget_relinked(self) -> None:
        """A rebuild maps everything anew: what syncs re-mapped before is moot."""
        with self.writing():
            self.relinked_file.unlink(missing_ok=True)

    def read_state(self) -> dict[str, Any] | None:
        """The primary store's recorded state, or None when it must be rebuilt."""
        try:
            state = orjson.loads(self.state_file.read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return None
        if state.get("format") != FORMAT or state.get("base") != self.base:
            return None
        if not isinstance(state.get("generation"), int) or not self.primary.is_dir():
            return None
        return state

    def write_state(self, generation: int | None) -> None:
        """Record what ``primary/`` reflects; None marks it as being rebuilt (not usable)."""
        self.ensure()
        data = {"format": FORMAT, "base": self.base, "generation": generation}
        write_json_atomically(self.state_file, data)

    def current(self) -> Snapshot | None:
        """The newest published snapshot (re-read only when ``current.json`` changes)."""
        try:
            stamp = self.current_file.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        cached = self._current
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            data = orjson.loads(self.current_file.read_bytes())
            found = Snapshot.from_json(self.snapshots, data)
            if data.get("format") != FORMAT or data.get("base") != self.base:
                found = None
        except (FileNotFoundError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            found = None
        self._current = (stamp, found)
        return found
