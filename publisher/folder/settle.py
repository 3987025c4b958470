"""When a file in the folder is complete: nothing has written, renamed or re-timed it for a
quiet interval.

Event streams do not say when a writer has finished (``watchfiles`` reports no
close-write), so completeness is judged from the file itself. A file is settled once
either holds:

- its last change (the later of mtime and ctime: ctime moves with every write and rename
  and cannot be set back, so a copy that restores an old mtime still counts as fresh) is at
  least ``quiet`` seconds in the past; or
- this process has seen the same size and times for at least ``quiet`` seconds of its own
  clock (for files whose times lie in the future, from a clock elsewhere).

A copy that stalls for longer than ``quiet`` is taken early; its archive check then fails,
it is reported, and it is read again as soon as it changes. Copying under a temporary name
and renaming (``publisher.folder.candidates``) avoids even that.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from publisher.folder.scan import Seen

__all__ = ["Settling"]


class Settling:
    """Tracks files not yet settled and says when to look again."""

    def __init__(
        self,
        quiet: float,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.quiet = quiet
        self._wall = wall
        self._monotonic = monotonic
        self._first: dict[str, tuple[Seen, float]] = {}  # path → (stat, when first seen so)

    def settled(self, path: str, seen: Seen) -> bool:
        """Whether ``path``, seen now as ``seen``, is complete."""
        changed = max(seen.mtime_ns, seen.ctime_ns) / 1e9
        if self._wall() - changed >= self.quiet:
            self._first.pop(path, None)
            return True
        now = self._monotonic()
        first = self._first.get(path)
        if first is None or first[0] != seen:
            self._first[path] = (seen, now)
            return False
        if now - first[1] >= self.quiet:
            del self._first[path]
            return True
        return False

    def next_check(self) -> float | None:
        """Seconds until a file waiting now may be settled (None: none is waiting)."""
        if not self._first:
            return None
        now, wall = self._monotonic(), self._wall()

        def remaining(seen: Seen, since: float) -> float:
            by_times = max(seen.mtime_ns, seen.ctime_ns) / 1e9 + self.quiet - wall
            return min(self.quiet - (now - since), by_times)

        return max(0.0, min(remaining(*first) for first in self._first.values()))

    def forget(self, keep: set[str]) -> None:
        """Drop what is known of paths not in ``keep`` (gone, or dealt with)."""
        for path in [p for p in self._first if p not in keep]:
            del self._first[path]
