"""A change counter in shared memory: how readers learn of writes without asking the database.

Every committed write bumps an 8-byte counter in a small file beside the database, mapped
into memory by every process that opens the store. Reading it costs a memory load, so the
response cache can check it on every request; only when it has moved does the reader ask
the database for generation counters. The bump comes after COMMIT and before the write is
acknowledged, so a reader never caches old data under a new counter value, and no cached
page outlives an acknowledged write. Writes made outside ldindex (a sqlite3 shell) do not
bump it: run ``POST /_/cache/invalidate`` after such edits.

A reader without write access maps the file read-only; when there is no file (a database
never opened for writing by this version), it reads 0: nothing can write there either.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
from pathlib import Path

__all__ = ["ChangeCounter"]

_U64 = struct.Struct("<Q")


class ChangeCounter:
    """An 8-byte counter in ``path``, shared by every process that maps it."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._map: mmap.mmap | None = None
        if read_only:
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                return
            try:
                if os.fstat(fd).st_size >= _U64.size:
                    self._map = mmap.mmap(fd, _U64.size, access=mmap.ACCESS_READ)
            finally:
                os.close(fd)
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.fstat(fd).st_size < _U64.size:
                os.ftruncate(fd, _U64.size)
            self._map = mmap.mmap(fd, _U64.size)
        finally:
            os.close(fd)

    def read(self) -> int:
        return _U64.unpack_from(self._map, 0)[0] if self._map is not None else 0

    def bump(self) -> None:
        """Add one, atomically across processes (an exclusive lock on the file)."""
        if self.read_only or self._map is None:
            raise PermissionError(f"{self.path} is open read-only")
        with self.path.open("rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _U64.pack_into(self._map, 0, self.read() + 1)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
