"""Messages between the server and its helper processes: a JSON header, then opaque bytes.

Each frame is ``<4-byte header length><8-byte body length><header JSON><body>`` on a pipe.
Reading takes a deadline, so a caller never waits on a helper longer than it chose to; an
event loop reads one without a thread (``read_frame_async``), as the bytes arrive.
"""

from __future__ import annotations

import asyncio
import os
import select
import struct
import time
from typing import Any, BinaryIO

import orjson

__all__ = ["HelperDied", "HelperTimeout", "read_frame", "read_frame_async", "write_frame"]

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


async def read_frame_async(fd: int, timeout: float) -> tuple[dict[str, Any], bytes]:
    """The next frame from ``fd``, read by the running event loop whenever ``fd`` is readable
    (a read then takes what has arrived, never waiting), within ``timeout`` seconds.

    The helper must send nothing more until it is asked again: a frame is read with what
    follows it in the same read, and bytes past its end are an error."""
    loop = asyncio.get_running_loop()
    reader = _FrameReader(fd, loop.create_future())
    loop.add_reader(fd, reader.readable)
    timer = loop.call_later(timeout, reader.fail, HelperTimeout())
    try:
        return await reader.done
    finally:
        timer.cancel()
        loop.remove_reader(fd)


class _FrameReader:
    """Collects one frame as it arrives."""

    FIRST_READ = 1 << 16  # the lengths, and most answers whole
    READ = 1 << 20

    def __init__(self, fd: int, done: asyncio.Future[tuple[dict[str, Any], bytes]]) -> None:
        self.fd = fd
        self.done = done
        self._buffer = bytearray()
        self._size: int | None = None  # of the whole frame, once its lengths are read
        self._header_length = 0

    def fail(self, exc: Exception) -> None:
        if not self.done.done():
            self.done.set_exception(exc)

    def readable(self) -> None:
        if self.done.done():
            return
        wanted = self.FIRST_READ if self._size is None else self._size - len(self._buffer)
        try:
            chunk = os.read(self.fd, min(wanted, self.READ))
        except OSError as exc:
            self.fail(HelperDied(str(exc)))
            return
        if not chunk:
            self.fail(HelperDied())
            return
        self._buffer += chunk
        if self._size is None:
            if len(self._buffer) < _LENGTHS.size:
                return
            self._header_length, body_length = _LENGTHS.unpack_from(self._buffer)
            self._size = _LENGTHS.size + self._header_length + body_length
        if len(self._buffer) < self._size:
            return
        if len(self._buffer) > self._size:
            self.fail(HelperDied("the helper sent more than one frame"))
            return
        start = _LENGTHS.size + self._header_length
        try:
            header = orjson.loads(memoryview(self._buffer)[_LENGTHS.size : start])
        except orjson.JSONDecodeError as exc:
            self.fail(HelperDied(f"unreadable frame: {exc}"))
            return
        self.done.set_result((header, bytes(memoryview(self._buffer)[start:])))
