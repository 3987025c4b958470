"""Frames between the server and its helpers, read by a thread (``read_frame``) or by the
event loop as they arrive (``read_frame_async``): whole, in time, or a clear error."""

from __future__ import annotations

import asyncio
import io
import socket
import threading
import time

import pytest

from publisher.sparql.framing import (
    HelperDied,
    HelperTimeout,
    read_frame,
    read_frame_async,
    write_frame,
)
from tests.sparql.conftest import counting_loop_ticks

BODY = bytes(range(256)) * 12_000  # 3 MB: many reads, more than a socket buffer holds


def frame(header: dict, body: bytes = b"") -> bytes:
    """The bytes ``write_frame`` sends."""
    stream = io.BytesIO()
    write_frame(stream, header, body)
    return stream.getvalue()


def _send_slowly(sock: socket.socket, data: bytes, pieces: int = 20) -> None:
    step = len(data) // pieces + 1
    for start in range(0, len(data), step):
        sock.sendall(data[start : start + step])
        time.sleep(0.005)


def test_a_frame_arriving_in_pieces_is_read_whole_while_the_loop_runs_on() -> None:
    data = frame({"status": 200, "kind": "solutions"}, BODY)

    async def main() -> tuple[tuple[dict, bytes], int]:
        ours, theirs = socket.socketpair()
        writer = threading.Thread(target=_send_slowly, args=(theirs, data))
        writer.start()
        try:
            return await counting_loop_ticks(read_frame_async(ours.fileno(), 10))
        finally:
            writer.join()
            ours.close()
            theirs.close()

    (header, body), ticks = asyncio.run(main())
    assert header == {"status": 200, "kind": "solutions"} and body == BODY
    assert ticks > 10  # the loop went on serving while the frame came in

    ours, theirs = socket.socketpair()  # the thread's reader reads the same bytes alike
    with ours, theirs:
        threading.Thread(target=_send_slowly, args=(theirs, data)).start()
        assert read_frame(ours.fileno(), time.monotonic() + 10) == (header, body)


def test_no_answer_in_time_is_a_timeout() -> None:
    async def main() -> None:
        ours, theirs = socket.socketpair()
        with ours, theirs:
            theirs.sendall(frame({"status": 200})[:5])  # a frame begun, never finished
            await read_frame_async(ours.fileno(), 0.2)

    started = time.monotonic()
    with pytest.raises(HelperTimeout):
        asyncio.run(main())
    assert 0.2 <= time.monotonic() - started < 2


@pytest.mark.parametrize("sent", [b"", b"cut", "half"])
def test_a_helper_gone_before_its_frame_ends_is_reported(sent: bytes | str) -> None:
    async def main() -> None:
        ours, theirs = socket.socketpair()
        with ours:
            data = frame({"status": 200}, b"x" * 100)
            theirs.sendall(data[: len(data) // 2] if sent == "half" else sent)
            theirs.close()
            await read_frame_async(ours.fileno(), 5)

    with pytest.raises(HelperDied):
        asyncio.run(main())


def test_bytes_past_the_frame_are_an_error_not_the_next_answer() -> None:
    async def main() -> None:
        ours, theirs = socket.socketpair()
        with ours, theirs:
            theirs.sendall(frame({"status": 200}, b"one") + frame({"status": 200}, b"two"))
            await read_frame_async(ours.fileno(), 5)

    with pytest.raises(HelperDied, match="more than one frame"):
        asyncio.run(main())
