"""Running a folder watcher for an index: in this process (``ldindex watch``), or in a
process of its own beside a server (``ldindex serve --watch``).

The server's workers only read; the one watcher process writes. It is started with the
``spawn`` method rather than as a thread of the server's supervisor, which forks its workers
(and forks them again when one dies): a fork taken while a watcher thread held a lock, in
SQLite or in logging, would leave that lock held forever in the worker. The watcher stops
when asked, and on its own as soon as the process that started it is gone.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from publisher.folder.lock import FolderBusy, WatchLock, lock_path
from publisher.folder.reconcile import Reconciler, Report
from publisher.folder.scan import FolderError
from publisher.folder.watcher import FolderWatcher
from publisher.ingest import IngestOptions
from publisher.store import Store, StoreError, open_store, sqlite_path

__all__ = [
    "FolderSync",
    "WatchConfig",
    "WatchFailed",
    "WatcherProcess",
    "reconcile_once",
    "watch_folder",
]

_SIDECARS = ("", "-wal", "-shm", "-journal", "-changes", "-watch.lock")


class WatchFailed(RuntimeError):
    """The watcher could not start; the message says why."""


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """Which index mirrors which folder, and how closely to watch it."""

    db_url: str
    folder: Path
    files_dir: Path  # the index's own file store: never scanned, even inside the folder
    quiet: float = 1.0  # seconds a file must rest before it is taken as complete
    poll: bool = False
    workers: int = 2  # files read in parallel

    def ignored(self) -> list[Path]:
        """Paths inside the folder whose changes never matter: the database and its
        companions, and the file store."""
        paths = [self.files_dir]
        if self.db_url.startswith("sqlite:"):
            db = sqlite_path(self.db_url).absolute()
            paths += [db.with_name(db.name + suffix) for suffix in _SIDECARS]
        return paths


class _Session:
    """The lock, the store and the reconciler of one watcher, opened in that order."""

    def __init__(self, config: WatchConfig) -> None:
        folder = config.folder.absolute()
        if not folder.is_dir():
            raise WatchFailed(f"{folder}: not a directory")
        self.lock = WatchLock(lock_path(config.db_url))
        try:
            self.lock.acquire()
        except FolderBusy as exc:
            raise WatchFailed(str(exc)) from None
        try:
            self.store = open_store(config.db_url)
            self.store.set_folder_root(str(folder))
        except (StoreError, OSError) as exc:
            self.lock.release()
            raise WatchFailed(str(exc)) from None
        self.reconciler = Reconciler(
            self.store,
            folder,
            quiet=config.quiet,
            exclude=[config.files_dir],
            options=IngestOptions(workers=config.workers),
            files_dir=config.files_dir,
        )

    def close(self) -> None:
        self.store.close()
        self.lock.release()


def reconcile_once(config: WatchConfig) -> Report:
    """Bring the index in step with the folder once (``ldindex watch --once``), waiting for
    files still being written to be complete."""
    session = _Session(config)
    try:
        report = Report()
        while True:
            try:
                report = report.then(session.reconciler.run())
            except FolderError as exc:
                raise WatchFailed(str(exc)) from None
            if not report.waiting:
                return report
            time.sleep(max(0.05, report.next_check or config.quiet))
    finally:
        session.close()


def watch_folder(
    config: WatchConfig,
    stop: threading.Event,
    on_ready: Callable[[Report | None, str], None] = lambda report, method: None,
    alive: Callable[[], bool] = lambda: True,
) -> None:
    """Keep the index in step until ``stop`` is set; ``on_ready`` gets the first
    reconciliation's report and the way changes are noticed. Raises ``WatchFailed``."""
    session = _Session(config)
    try:
        watcher = FolderWatcher(session.reconciler, poll=config.poll, ignore=config.ignored())
        watcher.run(stop, lambda report: on_ready(report, watcher.method), alive)
    finally:
        session.close()


class WatcherProcess:
    """``watch_folder`` in a process of its own. ``start`` returns once the first
    reconciliation is done (its report and the way changes are noticed)."""

    def __init__(self, config: WatchConfig, prepare: Callable[[], None]) -> None:
        """``prepare`` runs first in the new process (logging set-up); it must be picklable,
        a module-level function or a ``functools.partial`` of one."""
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._receive, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_run_child,
            args=(config, prepare, self._stop, send),
            name="ldindex-watch",
            daemon=True,
        )

    def start(self) -> tuple[Report | None, str]:
        self.process.start()
        while not self._receive.poll(0.2):
            if not self.process.is_alive():
                raise WatchFailed("the folder watcher stopped at start; see the messages above")
        kind, *rest = self._receive.recv()
        if kind == "error":
            self.close()
            raise WatchFailed(rest[0])
        return rest[0], rest[1]

    def close(self, timeout: float = 10.0) -> None:
        """Ask the watcher to stop (it finishes the file in hand) and wait for it."""
        self._stop.set()
        if self.process.pid is None:
            return
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


def _run_child(config: WatchConfig, prepare: Callable[[], None], stop, send) -> None:
    # Ctrl-C reaches every process of the terminal: the server's supervisor handles it and
    # then stops this one, which finishes cleanly rather than mid-write.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    prepare()
    parent = multiprocessing.parent_process()

    def ready(report: Report | None, method: str) -> None:
        send.send(("ready", report, method))

    try:
        watch_folder(config, stop, ready, alive=lambda: parent is None or parent.is_alive())
    except WatchFailed as exc:
        send.send(("error", str(exc)))


class FolderSync:
    """Reconciliation on demand, for hosts that run no watcher (the WSGI/CGI handler): the
    index is brought in step when asked, unless a watcher holds the index's lock and keeps
    it in step already. Thread-safe."""

    def __init__(self, store: Store, config: WatchConfig) -> None:
        folder = config.folder.absolute()
        if not folder.is_dir():
            raise WatchFailed(f"{folder}: not a directory")
        self.store = store
        self.root = folder
        self._lock_path = lock_path(config.db_url)
        self._reconciler = Reconciler(
            store,
            folder,
            quiet=config.quiet,
            exclude=[config.files_dir],
            options=IngestOptions(workers=config.workers),
            files_dir=config.files_dir,
        )
        self._mutex = threading.Lock()

    def __call__(self) -> Report | None:
        """Reconcile now; None when a watcher elsewhere does it. Raises ``FolderError``."""
        with self._mutex:
            lock = WatchLock(self._lock_path)
            try:
                lock.acquire()
            except FolderBusy:
                return None
            try:
                if self.store.folder_root() != str(self.root):
                    self.store.set_folder_root(str(self.root))
                return self._reconciler.run()
            finally:
                lock.release()
