"""A per-client count of refused attempts, for answering 429 to a client that keeps guessing."""

from __future__ import annotations

import threading
import time
from collections import deque

__all__ = ["FailureThrottle"]


class FailureThrottle:
    """At most ``limit`` refused attempts per client within ``window`` seconds."""

    def __init__(self, limit: int = 30, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, client: str) -> int | None:
        """Seconds the client must wait, or None if it may try now."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if len(times) < self.limit:
                if not times:
                    self._failures.pop(client, None)
                return None
            return max(1, int(times[0] + self.window - now) + 1)

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > 100_000:  # bound memory under a flood of addresses
                self._failures.clear()
            self._recent(client, now).append(now)
