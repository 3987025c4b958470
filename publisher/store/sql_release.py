"""What a release takes from its files: the one rule ``add_file`` and ``remove_files`` share.

A release takes its core metadata from its highest-ranked file (``NewFile.metadata_rank``:
wheels over sdists over legacy formats), the first one offered among equals, and each kind of
extra (entry points, a citation) from the first file offered that carries one. ``add_file``
offers each file as it is ingested. When a withdrawal leaves a release with files, and the
release took its metadata or an extra from a withdrawn one, ``remove_files`` derives it again
from the files it keeps, read again and offered in the order the caller gives (a folder's
reconciler gives the order in which a fresh index of the folder reads them): the release then
says what an index of those files alone says, never what a withdrawn file said.

A project's display name is the name a file's metadata spells when the file becomes its
release's source (a file known from its filename alone names nothing). When a withdrawal
takes away the last release that spells the name so, the project takes its latest release's
spelling.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from crosswalk.names import latest_version
from publisher.store.base import NewFile

__all__ = [
    "add_extras",
    "derive_release",
    "metadata_source",
    "names_project",
    "set_metadata",
    "settle_display_name",
    "sources_among",
    "takes_metadata",
]


def takes_metadata(rank: int, current: int | None) -> bool:
    """Whether a file of metadata rank ``rank`` becomes its release's metadata source over
    the current one (of rank ``current``; None for a release the file creates). Only a
    strictly better file does: the first one offered among equals keeps it."""
    return current is None or rank > current


def names_project(rank: int, current: int | None) -> bool:
    """Whether a file's display name becomes its project's: when the file becomes its
    release's metadata source and has core metadata."""
    return rank >= 0 and takes_metadata(rank, current)


def metadata_source(files: Sequence[NewFile]) -> NewFile:
    """The file a release made of ``files``, offered in this order, takes its metadata from."""
    best = files[0]
    for new in files[1:]:
        if takes_metadata(new.metadata_rank, best.metadata_rank):
            best = new
    return best


def set_metadata(db: Any, new: NewFile) -> None:
    """Make ``new`` its release's metadata source."""
    f = new.file
    db.execute(
        "UPDATE releases SET metadata = ?, metadata_source = ?, metadata_rank = ? "
        "WHERE project = ? AND version = ?",
        (orjson.dumps(dict(new.metadata)), f.filename, new.metadata_rank, f.project, f.version),
    )


def add_extras(db: Any, new: NewFile) -> None:
    """Keep each extra ``new`` carries, unless its release has one of that kind already."""
    f = new.file
    for kind, data in _extras(new):
        db.execute(
            "INSERT INTO release_extras (project, version, kind, source, data) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project, version, kind) DO NOTHING",
            (f.project, f.version, kind, f.filename, data),
        )


def _extras(new: NewFile) -> list[tuple[str, bytes]]:
    """The release_extras rows a file brings."""
    rows = []
    if new.entry_points:
        rows.append(("entry_points", orjson.dumps(new.entry_points)))
    if new.citation is not None:
        c = new.citation
        data = {"member": c.member, "format": c.format, "data": c.data, "text": c.text}
        rows.append(("citation", orjson.dumps(data)))
    return rows


def derive_release(db: Any, files: Sequence[NewFile]) -> None:
    """Derive a release again from all the files it keeps, offered in this order: its
    metadata, its extras, and its creation time (the upload time of the first file offered,
    which created it in an index of those files alone). Its yank state stays."""
    first = files[0].file
    key = (first.project, first.version)
    db.execute(
        "UPDATE releases SET created = (SELECT upload_time FROM files WHERE filename = ?) "
        "WHERE project = ? AND version = ?",
        (first.filename, *key),
    )
    set_metadata(db, metadata_source(files))
    db.execute("DELETE FROM release_extras WHERE project = ? AND version = ?", key)
    for new in files:
        add_extras(db, new)


def sources_among(db: Any, project: str, version: str, filenames: Iterable[str]) -> list[str]:
    """Those of ``filenames`` that the release took its metadata or an extra from, sorted."""
    key = (project, version)
    sources = {
        r[0]
        for r in db.execute(
            "SELECT metadata_source FROM releases WHERE project = ? AND version = ?", key
        )
    }
    sources.update(
        r[0]
        for r in db.execute(
            "SELECT source FROM release_extras WHERE project = ? AND version = ?", key
        )
    )
    return sorted(sources.intersection(filenames))


def settle_display_name(db: Any, project: str) -> None:
    """After a withdrawal: keep the project's display name while one of its releases still
    takes its metadata from a file spelling it so; otherwise take the latest release's."""
    spelled = {
        r[0]: str(orjson.loads(r[1]).get("name") or project)
        for r in db.execute(
            "SELECT version, metadata FROM releases WHERE project = ? AND metadata_rank >= 0",
            (project,),
        )
    }
    current = db.execute("SELECT display_name FROM projects WHERE name = ?", (project,)).fetchone()
    if not spelled or current is None or current[0] in spelled.values():
        return
    db.execute(
        "UPDATE projects SET display_name = ? WHERE name = ?",
        (spelled[latest_version(list(spelled))], project),
    )
