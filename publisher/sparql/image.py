"""The catalogue image: every quad of one snapshot as gzipped N-Quads, for loading into memory.

The query host holds the whole graph in an in-memory Oxigraph store. Reading a snapshot
quad by quad costs a database lookup per term (about 16 s for a million triples here);
parsing the same quads from N-Quads costs about 4 s. So the image is written whenever its
quads are at hand or cheap to get: by a rebuild, while it maps the projects, and by the dump
job after writes pause. A host loads the newest image and then replaces, from the current
snapshot, the graphs of the projects written since the image's generation.

Writers take ``image.lock``; the data file is renamed into place before ``image.json`` names
its generation, so a reader may pair a new file with the old description (and replace a
few graphs for nothing) but never an old file with a newer description.
"""

from __future__ import annotations

import fcntl
import gzip
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson
import pyoxigraph as ox

from publisher.sparql.location import FORMAT, GraphLocation, Snapshot, write_json_atomically

__all__ = ["Image", "ImageWriter", "read_image", "write_image"]

# Fast over small: the image is read on every start, and level 1 already shrinks it ~15x.
COMPRESSION = 1


@dataclass(frozen=True, slots=True)
class Image:
    path: Path
    generation: int
    snapshot: str
    triples: int
    lineage: str = ""


class ImageWriter:
    """Writes an image aside, quads as they come, and puts it in place on ``commit``."""

    def __init__(self, location: GraphLocation) -> None:
        location.ensure()
        self.location = location
        self._lock = (location.dir / "image.lock").open("a+b")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        for left in location.dir.glob(f".{location.image_file.name}.*.tmp"):  # a killed writer's
            left.unlink(missing_ok=True)
        self._tmp = location.image_file.with_name(f".{location.image_file.name}.{os.getpid()}.tmp")
        self._raw = self._tmp.open("wb")
        self._out: BinaryIO = gzip.GzipFile(  # type: ignore[assignment]
            fileobj=self._raw, mode="wb", compresslevel=COMPRESSION, mtime=0
        )

    def add(self, quads: list[ox.Quad]) -> None:
        ox.serialize(quads, self._out, format=ox.RdfFormat.N_QUADS)

    def dump(self, store: ox.Store) -> None:
        """Every quad of ``store`` (a snapshot) at once."""
        store.dump(self._out, format=ox.RdfFormat.N_QUADS)

    def commit(self, snapshot: Snapshot) -> Image:
        self._out.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        self._tmp.replace(self.location.image_file)
        data = {
            "format": FORMAT,
            "base": self.location.base,
            "generation": snapshot.generation,
            "snapshot": snapshot.path.name,
            "triples": snapshot.triples,
            "lineage": snapshot.lineage,
        }
        write_json_atomically(self.location.image_meta, data)
        self._lock.close()
        return Image(self.location.image_file, snapshot.generation, snapshot.path.name,
                     snapshot.triples, snapshot.lineage)  # fmt: skip

    def abort(self) -> None:
        self._out.close()
        self._raw.close()
        self._tmp.unlink(missing_ok=True)
        self._lock.close()


def write_image(location: GraphLocation, store: ox.Store, snapshot: Snapshot) -> Image:
    """The image of ``snapshot`` (opened as ``store``), unless one that new exists already."""
    found = read_image(location)
    same = found is not None and found.lineage == snapshot.lineage
    if found is not None and same and found.generation >= snapshot.generation:
        return found
    writer = ImageWriter(location)
    try:
        writer.dump(store)
    except BaseException:
        writer.abort()
        raise
    return writer.commit(snapshot)


def read_image(location: GraphLocation) -> Image | None:
    """The image on disk, if it is whole and of this graph's format and base URL."""
    try:
        data = orjson.loads(location.image_meta.read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None
    if data.get("format") != FORMAT or data.get("base") != location.base:
        return None
    if not location.image_file.is_file():
        return None
    try:
        return Image(location.image_file, int(data["generation"]), str(data["snapshot"]),
                     int(data["triples"]), str(data.get("lineage", "")))  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return None
