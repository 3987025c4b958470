"""One writer per mirrored index: an exclusive lock held while a folder is reconciled.

With ``serve --workers N`` only one process watches and writes; a second ``ldindex watch``
on the same index is refused with the first one's process id, and a WSGI process finding
the lock taken leaves the reconciling to the watcher that holds it. The lock is an
``flock`` on a small file beside a SQLite database (``NAME.db-watch.lock``), or in the
temporary directory for other databases; the kernel drops it when its holder dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

from publisher.store import sqlite_path

__all__ = ["FolderBusy", "WatchLock", "lock_path"]


class FolderBusy(RuntimeError):
    """Another process holds the index's watch lock."""


def lock_path(db_url: str) -> Path:
    """Where the watch lock of the index at ``db_url`` lives."""
    if db_url.startswith("sqlite:"):
        db = sqlite_path(db_url).absolute()
        return db.with_name(f"{db.name}-watch.lock")
    digest = hashlib.sha256(db_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"ldindex-watch-{digest}.lock"


class WatchLock:
    """An exclusive, non-blocking lock; ``acquire`` raises ``FolderBusy`` when taken."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise FolderBusy(
                f"another process (pid {holder}) already keeps this index in step with a folder"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    def __enter__(self) -> WatchLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
