"""What a folder holds: each artefact's path relative to it, with its size and times.

A scan is a walk with ``os.scandir`` and one ``stat`` per artefact (no reading), so it is
cheap enough to run after every burst of events. It goes through subdirectories, but not
hidden ones, nor symbolic links to directories (they could loop or leave the folder), nor
the directories given in ``exclude`` (the index's own file store, if it lies inside); a
directory it cannot read is reported, not fatal.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from publisher.folder.candidates import is_candidate, is_hidden

__all__ = ["FolderError", "Scan", "Seen", "scan"]


class FolderError(OSError):
    """The folder itself cannot be read (missing, not a directory, no permission)."""


@dataclass(frozen=True, slots=True)
class Seen:
    """A file as a scan saw it. ``ctime_ns`` moves with every write, rename or change of
    times, and no tool can set it back: it tells a file that was just put in place."""

    size: int
    mtime_ns: int
    ctime_ns: int

    @property
    def stamp(self) -> tuple[int, int]:
        """What the index records of a file's state (``FolderEntry`` size and mtime)."""
        return self.size, self.mtime_ns


@dataclass
class Scan:
    """Artefacts found (relative POSIX path → stat), and what could not be looked into."""

    files: dict[str, Seen] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)


def scan(root: Path, exclude: Iterable[Path] = ()) -> Scan:
    """Every artefact below ``root``. Raises ``FolderError`` if ``root`` is not a readable
    directory: an unreadable folder must never read as an empty one."""
    try:
        info = os.stat(root)
    except OSError as exc:
        raise FolderError(f"{root}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise FolderError(f"{root}: not a directory")
    excluded = {key for key in map(_identity, exclude) if key is not None}
    found = Scan()
    try:
        _walk(Path(root), "", excluded, found, top=True)
    except PermissionError as exc:
        raise FolderError(f"{root}: {exc.strerror or exc}") from None
    return found


def _walk(directory: Path, prefix: str, excluded: set, found: Scan, top: bool = False) -> None:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        if top:
            raise
        found.problems.append((prefix.rstrip("/"), (exc.strerror or str(exc)).lower()))
        return
    for entry in entries:
        relative = prefix + entry.name
        if is_hidden(entry.name):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                if (info.st_dev, info.st_ino) not in excluded:
                    _walk(Path(entry.path), relative + "/", excluded, found)
                continue
            if entry.is_symlink() and entry.is_dir():
                found.problems.append((relative, "a symbolic link to a directory (not followed)"))
                continue
            if not is_candidate(entry.name):
                continue
            info = entry.stat()  # a symbolic link to a file is served as that file
        except OSError as exc:  # vanished between listing and stat, or a dangling link
            if os.path.lexists(entry.path) and not isinstance(exc, FileNotFoundError):
                found.problems.append((relative, (exc.strerror or str(exc)).lower()))
            continue
        if stat.S_ISREG(info.st_mode):
            found.files[relative] = Seen(info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino
