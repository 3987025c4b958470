"""All four digests of a file in one streaming read, optionally copying it as it goes.

hashlib releases the GIL on buffers over 2 KiB, so half of the algorithms (BLAKE2b and
SHA-256, about half the work) run on a second thread while this one reads, writes and runs
MD5 and SHA-1: one pass over the bytes, both cores busy. Chunks are read into a fixed pool
of reused buffers, so a large file costs no allocation (and no page faults) per chunk.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from typing import BinaryIO

__all__ = ["ALGORITHMS", "CHUNK_SIZE", "FileTooLarge", "digest_stream"]

CHUNK_SIZE = 1 << 20
BUFFERS = 8
# The keys of the returned digests, as PyPI names them.
ALGORITHMS = ("blake2b_256", "md5", "sha1", "sha256")


class FileTooLarge(ValueError):
    """The stream grew past the size limit while being read."""


def digest_stream(
    source: BinaryIO, sink: BinaryIO | None = None, max_size: int | None = None
) -> tuple[dict[str, str], int]:
    """Read ``source`` to its end once; return its digests and size, writing it to ``sink``."""
    near = {"md5": hashlib.md5(), "sha1": hashlib.sha1()}
    far = {"blake2b_256": hashlib.blake2b(digest_size=32), "sha256": hashlib.sha256()}
    free: queue.Queue[bytearray] = queue.Queue()
    for _ in range(BUFFERS):
        free.put(bytearray(CHUNK_SIZE))
    filled: queue.Queue[tuple[bytearray, int] | None] = queue.Queue()

    def far_lane() -> None:
        while (item := filled.get()) is not None:
            buffer, length = item
            view = memoryview(buffer)[:length]
            for algorithm in far.values():
                algorithm.update(view)
            view.release()
            free.put(buffer)

    worker = threading.Thread(target=far_lane, name="digest-lane", daemon=True)
    worker.start()
    size = 0
    try:
        while True:
            buffer = free.get()
            length = source.readinto(buffer)  # type: ignore[attr-defined]
            if not length:
                free.put(buffer)
                break
            size += length
            if max_size is not None and size > max_size:
                raise FileTooLarge(f"larger than the {max_size:,}-byte limit")
            filled.put((buffer, length))
            with memoryview(buffer)[:length] as view:
                for algorithm in near.values():
                    algorithm.update(view)
                if sink is not None:
                    sink.write(view)
    finally:
        filled.put(None)
        worker.join()
    digests = {name: h.hexdigest() for name, h in (near | far).items()}
    return {name: digests[name] for name in ALGORITHMS}, size
