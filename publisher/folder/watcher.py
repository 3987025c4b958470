"""Keeping an index in step with a folder: reconcile on start, then after every burst of
file-system events, until stopped.

Events come from ``watchfiles`` (inotify on Linux, the native notifier elsewhere, or
polling when forced or when notifications cannot be had). They only say *when* to look: a
reconciliation rescans the folder and compares it with the index, so a lost or merged
event never leaves the index out of step for longer than the next one, and a restart picks
up whatever changed while nothing watched. Bursts are batched (``debounce``); files still
being written are looked at again when they may be complete (``Report.next_check``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles

from publisher.folder.candidates import is_hidden, is_temporary
from publisher.folder.reconcile import Reconciler, Report
from publisher.folder.scan import FolderError

__all__ = ["FolderWatcher"]

log = logging.getLogger("ldindex.folder")

RETRY = 5.0  # seconds before trying again after the folder or the database failed
RESCAN = 60.0  # seconds between reconciliations without events, against events lost


class FolderWatcher:
    """Runs ``reconciler`` whenever the folder may have changed.

    ``tick`` bounds how long a stop request or a file waiting to be complete waits;
    ``debounce`` (milliseconds) is the longest a burst of events is gathered before it is
    acted on; without events, the folder is reconciled every ``rescan`` seconds all the
    same (a notifier's queue can overflow). ``ignore`` names files and directories whose
    changes never matter (the database and its companions, when inside the folder).
    """

    def __init__(
        self,
        reconciler: Reconciler,
        *,
        poll: bool = False,
        tick: float = 0.25,
        debounce: int = 400,
        rescan: float = RESCAN,
        ignore: Iterable[Path] = (),
    ) -> None:
        self.reconciler = reconciler
        self.root = reconciler.root
        self.poll = poll
        self.tick = tick
        self.debounce = debounce
        self.rescan = rescan
        self._ignore = tuple(Path(p).absolute() for p in ignore)
        self._last_error: str | None = None
        self._rewatch = False  # the folder came back: watch it anew

    @property
    def method(self) -> str:
        return "polling" if self.poll else "file-system notifications"

    def wakes(self, change: watchfiles.Change, path: str) -> bool:
        """Whether an event on ``path`` may change what the folder publishes."""
        full = Path(path)
        try:
            parts = full.relative_to(self.root).parts
        except ValueError:
            return False
        if any(is_hidden(part) for part in parts) or is_temporary(full.name):
            return False
        return not any(full == p or p in full.parents for p in self._ignore)

    def run(
        self,
        stop: threading.Event,
        on_ready: Callable[[Report | None], None] = lambda report: None,
        alive: Callable[[], bool] = lambda: True,
    ) -> None:
        """Watch until ``stop`` is set or ``alive()`` turns false. The first reconciliation
        starts once the watch is in place (so no change slips between the two);
        ``on_ready`` gets its report (None if it failed; the reason is logged)."""
        ready = False
        due = 0.0  # reconcile as soon as the watch is in place
        while not stop.is_set() and alive():
            try:
                for changes in self._events(stop):
                    if not alive():
                        return
                    now = time.monotonic()
                    if not changes and now < due:
                        continue
                    report = self._reconcile()
                    wait = RETRY if report is None else report.next_check
                    due = time.monotonic() + (
                        self.rescan if wait is None else min(wait, self.rescan)
                    )
                    if not ready:
                        ready = True
                        on_ready(report)
                    if self._rewatch:  # a folder removed and made again is a new directory
                        self._rewatch = False
                        break
            except Exception as exc:  # the notifier failed: fall back to polling
                if not self.root.is_dir():  # the folder went: wait for it to come back
                    self._reconcile()  # says why, as long as it lasts, once
                    stop.wait(RETRY)
                elif self.poll:
                    log.error("watching %s failed: %s; retrying", self.root, exc)
                    stop.wait(RETRY)
                else:
                    notice = "file-system notifications for %s failed (%s); polling instead"
                    log.warning(notice, self.root, exc)
                    self.poll = True
                due = 0.0

    def _events(self, stop: threading.Event) -> Iterable[set[tuple[watchfiles.Change, str]]]:
        return watchfiles.watch(
            self.root,
            watch_filter=self.wakes,
            debounce=self.debounce,
            step=50,
            stop_event=stop,
            rust_timeout=max(1, int(self.tick * 1000)),
            yield_on_timeout=True,
            raise_interrupt=True,
            force_polling=self.poll,
            poll_delay_ms=300,
            recursive=True,
            ignore_permission_denied=True,
        )

    def _reconcile(self) -> Report | None:
        """One reconciliation; a failure is logged (once while it lasts), never raised."""
        try:
            report = self.reconciler.run()
        except FolderError as exc:
            self._fail(f"cannot read the folder ({exc}); the index is left as it is")
            return None
        except Exception as exc:  # the database locked or gone, a disk full: try again later
            log.debug("reconciliation failed", exc_info=True)
            self._fail(f"could not bring the index in step with {self.root}: {exc}")
            return None
        if self._last_error is not None:
            log.info("%s: readable again, index in step", self.root)
            self._last_error = None
            self._rewatch = True
        return report

    def _fail(self, message: str) -> None:
        if message != self._last_error:
            log.error("%s", message)
            self._last_error = message
