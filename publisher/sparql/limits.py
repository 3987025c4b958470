"""Per-client limits, as public SPARQL services have them: queries at once, seconds a minute.

A client is its network address. Each may have ``concurrency`` queries running and spend
``seconds`` of query time in any 60-second window (a query stopped at the time limit counts
in full). Past either, the answer is 429 with the seconds to wait in ``Retry-After``.
Counts are kept per server process.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["ClientLimits", "Refusal", "Ticket"]

WINDOW = 60.0
MAX_CLIENTS = 100_000  # tracked at once; idle ones are forgotten first


@dataclass(frozen=True, slots=True)
class Refusal:
    message: str
    retry_after: int


@dataclass(slots=True)
class _Client:
    running: int = 0
    spent: deque[tuple[float, float]] = field(default_factory=deque)  # (ended, seconds)
    total: float = 0.0  # the sum of ``spent``, kept as it changes (not summed per query)

    def used(self, now: float) -> float:
        while self.spent and self.spent[0][0] <= now - WINDOW:
            self.total -= self.spent.popleft()[1]
        if not self.spent:
            self.total = 0.0  # no rounding drift left over
        return max(0.0, self.total)

    def book(self, ended: float, seconds: float) -> None:
        self.spent.append((ended, seconds))
        self.total += seconds


class Ticket:
    """A running query's claim; ``done(seconds)`` gives it back and books the time."""

    def __init__(self, release: Callable[[float], None]) -> None:
        self._release = release
        self._done = False

    def done(self, seconds: float) -> None:
        if not self._done:
            self._done = True
            self._release(seconds)


class ClientLimits:
    def __init__(
        self, concurrency: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.concurrency = concurrency
        self.seconds = seconds
        self._clock = clock
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()

    def admit(self, client: str) -> Ticket | Refusal:
        now = self._clock()
        with self._lock:
            state = self._clients.get(client)
            if state is None:
                if len(self._clients) >= MAX_CLIENTS:
                    self._forget_idle(now)
                state = self._clients[client] = _Client()
            if state.running >= self.concurrency:
                return Refusal(
                    f"too many queries at once from {client}: at most {self.concurrency} "
                    "may run together; wait for one to finish",
                    1,
                )
            used = state.used(now)
            if used >= self.seconds:
                return Refusal(
                    f"{client} has used {used:.1f} s of query time in the last minute; the "
                    f"limit is {self.seconds:g} s a minute",
                    self._wait(state, now),
                )
            state.running += 1
        return Ticket(lambda seconds: self._finish(client, seconds))

    def _finish(self, client: str, seconds: float) -> None:
        now = self._clock()
        with self._lock:
            state = self._clients.setdefault(client, _Client())
            state.running = max(0, state.running - 1)
            state.book(now, max(0.0, seconds))

    def _wait(self, state: _Client, now: float) -> int:
        """Seconds until enough booked time leaves the window to be under the limit."""
        excess = state.used(now) - self.seconds
        for ended, seconds in state.spent:
            excess -= seconds
            if excess < 0:
                return max(1, math.ceil(ended + WINDOW - now))
        return math.ceil(WINDOW)

    def _forget_idle(self, now: float) -> None:
        for name in [n for n, c in self._clients.items() if not c.running and not c.used(now)]:
            del self._clients[name]
        if len(self._clients) >= MAX_CLIENTS:  # all busy or recent: drop the oldest idle
            for name in [n for n, c in self._clients.items() if not c.running]:
                del self._clients[name]
                if len(self._clients) < MAX_CLIENTS // 2:
                    break
