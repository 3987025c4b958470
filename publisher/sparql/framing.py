"""Messages between the server and its helper processes: a JSON header, then opaque bytes.

Each frame is ``<4-byte header length><8-byte body length><header JSON><body>`` on a pipe.
Reading takes a deadline, so a caller never waits on a helper longer than it chose to.
"""

from __future__ import annotations

import os
import select
import struct
import time
from typing import Any, BinaryIO

import orjson

__all__ = ["HelperDied", "HelperTimeout", "read_frame", "write_frame"]

_LENGTHS = struct.Struct("<IQ")


class HelperDied(Exception):
    """The other end closed the pipe: the process exited or was killed."""


class HelperTimeout(Exception):
    """No complete answer before the deadline."""


def write_frame(stream: BinaryIO, header: dict[str, Any], body: bytes = b"") -> None:
    data = orjson.dumps(header)
    stream.write(_LENGTHS.pack(len(data), len(body)) + data + body)
    stream.flush()


def read_frame(fd: int, deadline: float | None = None) -> tuple[dict[str, Any], bytes]:
    """The next frame from file descriptor ``fd``; ``deadline`` is a ``time.monotonic()``."""
    head_len, body_len = _LENGTHS.unpack(_read_exact(fd, _LENGTHS.size, deadline))
    header = orjson.loads(_read_exact(fd, head_len, deadline))
    return header, _read_exact(fd, body_len, deadline)


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    missing = size
    while missing:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise HelperTimeout
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise HelperDied
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)
