"""The files a batch names: paths given, directories walked, problems reported, not raised.

A missing or unreadable path is one failure of the batch, not the end of it. A directory
walk goes through subdirectories in sorted order and tells what it leaves out: hidden
directories quietly, unreadable ones and symbolic links to directories (which could loop or
leave the tree) with a reason, and the index's own file store, whose artefacts are already
indexed. A file named twice, or reached twice, counts once.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from publisher.ingest.filenames import is_artefact

__all__ = ["Batch", "collect"]


@dataclass
class Batch:
    """What a batch will read, and what it could not or would not."""

    files: list[Path] = field(default_factory=list)
    failures: list[tuple[Path, str]] = field(default_factory=list)  # named, unusable
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # left out of a walk


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    return (exc.strerror or str(exc)).lower()


def _readable(path: Path) -> str | None:
    """Why a file cannot be read, or None (non-blocking: a named pipe must not hang us)."""
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    except OSError as exc:
        return _reason(exc)
    return None


def collect(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> Batch:
    """The artefacts below ``paths``, never entering a directory in ``exclude``."""
    batch = Batch()
    excluded = {_identity(p) for p in exclude}
    seen: set[tuple[int, int] | Path] = set()

    def add(path: Path) -> None:
        key = _identity(path) or path.resolve()
        if key in seen:
            return
        seen.add(key)
        batch.files.append(path)

    for path in paths:
        try:
            info = path.stat()
        except OSError as exc:
            batch.failures.append((path, _reason(exc)))
            continue
        if not path.is_dir():
            if (reason := _readable(path)) is not None:
                batch.failures.append((path, reason))
            else:
                add(path)
            continue
        if (info.st_dev, info.st_ino) in excluded:
            batch.skipped.append((path, "the index's own file store"))
            continue
        _walk(path, batch, excluded, add)
    return batch


def _walk(top: Path, batch: Batch, excluded: set, add) -> None:
    def refused(exc: OSError) -> None:
        batch.skipped.append((Path(exc.filename or top), _reason(exc)))

    for root, dirs, files in os.walk(top, onerror=refused):
        here = Path(root)
        kept = []
        for name in sorted(dirs):
            sub = here / name
            if name.startswith("."):
                continue
            if sub.is_symlink():
                batch.skipped.append((sub, "a symbolic link to a directory (not followed)"))
            elif _identity(sub) in excluded:
                batch.skipped.append((sub, "the index's own file store"))
            else:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if not is_artefact(name):
                continue
            path = here / name
            if (reason := _readable(path)) is not None:
                batch.failures.append((path, reason))
            else:
                add(path)


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of an existing path, so two spellings of it compare equal."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino
