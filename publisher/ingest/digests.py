"""All four digests of a file in one streaming read, optionally copying it as it goes.

hashlib releases the GIL on buffers over 2 KiB, so the slower pair of algorithms (MD5,
BLAKE2b) runs on a second thread while this one reads, writes and runs SHA-1 and SHA-256:
one pass over the bytes, both cores busy.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from typing import BinaryIO

__all__ = ["ALGORITHMS", "CHUNK_SIZE", "FileTooLarge", "digest_stream"]

CHUNK_SIZE = 1 << 20
# The keys of the returned digests, as PyPI names them.
ALGORITHMS = ("blake2b_256", "md5", "sha1", "sha256")


class FileTooLarge(ValueError):
    """The stream grew past the size limit while being read."""


def digest_stream(
    source: BinaryIO, sink: BinaryIO | None = None, max_size: int | None = None
) -> tuple[dict[str, str], int]:
    """Read ``source`` to its end once; return its digests and size, writing it to ``sink``."""
    near = {"sha1": hashlib.sha1(), "sha256": hashlib.sha256()}
    far = {"md5": hashlib.md5(), "blake2b_256": hashlib.blake2b(digest_size=32)}
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=16)

    def far_lane() -> None:
        while (chunk := chunks.get()) is not None:
            for algorithm in far.values():
                algorithm.update(chunk)

    worker = threading.Thread(target=far_lane, name="digest-lane", daemon=True)
    worker.start()
    size = 0
    try:
        while chunk := source.read(CHUNK_SIZE):
            size += len(chunk)
            if max_size is not None and size > max_size:
                raise FileTooLarge(f"larger than the {max_size:,}-byte limit")
            chunks.put(chunk)
            for algorithm in near.values():
                algorithm.update(chunk)
            if sink is not None:
                sink.write(chunk)
    finally:
        chunks.put(None)
        worker.join()
    digests = {name: h.hexdigest() for name, h in (near | far).items()}
    return {name: digests[name] for name in ALGORITHMS}, size
