"""How a process learns of writes to a PostgreSQL index without a query per request.

Every transaction that moves the store-wide generation sends ``NOTIFY ldindex_changes`` with
the new value: a trigger on ``store_meta`` does it (``publisher.store.schema``), so the
notification belongs to the write's own transaction and is delivered when, and only if, it
commits, to every listening session on every machine. Each process that opens the store
keeps one connection listening on a background thread, which records the highest generation
announced; ``Store.generation()`` reads that number from memory, after draining what has
already arrived on the listening socket without waiting (non-blocking reads).

Delivery takes time, though: PostgreSQL signals the listening sessions at COMMIT, and each
then sends the notification when its server process next runs, so a reader asked the very
moment the writer returns may not have it yet. Hence the writer's side of the bargain: each
listener, once it holds a new generation in memory, says so in its session's
``application_name`` (``ldindex-listener g=N``, a setting that costs no write), and a writer
acknowledges its write only when every listener of the database shows at least the
generation it committed (``await_listeners``), or after ``CONFIRM_TIMEOUT`` seconds, when it
logs which listeners lag (a process hung, or cut off from the database). So a write
acknowledged by one worker is seen by the next request in every worker, on every machine.
The price is on writes: the round trip of the slowest listener, a millisecond or so.

When the listening connection is lost (a server restart, a network failure, kept alive by
TCP keepalives so a silent one is noticed), ``current()`` answers None and the store asks
the database on every call instead, as correct and slower; the thread reconnects with
backoff, LISTENs again and then reads the generation row, so nothing announced while it was
away is missed. A standby server cannot LISTEN: the listener always connects to the primary.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import pq

from publisher.store.schema import NOTIFY_CHANNEL

__all__ = ["APPLICATION_NAME", "GenerationListener", "await_listeners"]

log = logging.getLogger("ldindex.store")

APPLICATION_NAME = "ldindex-listener"
CONFIRM_TIMEOUT = 2.0  # seconds a writer waits for every listener to take its generation
LOCK_WAIT = 0.05  # seconds a reader waits for the thread to finish draining
IDLE_WAKE = 30.0  # seconds between looks at a silent connection
BACKOFF = (0.1, 5.0)  # first and longest wait between reconnection attempts
_CHANNEL = NOTIFY_CHANNEL.encode()
_GENERATION = "SELECT value FROM store_meta WHERE key = 'generation'"


class GenerationListener:
    """The highest store generation announced on the primary, kept by a background thread."""

    def __init__(self, conninfo: str, where: str) -> None:
        self._conninfo = conninfo
        self._where = where
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()  # guards the connection and its socket
        self._value_lock = threading.Lock()
        self._value = 0
        self._confirmed = -1  # the generation the session's application_name shows
        self._listening = False
        self._failed = False  # the last attempt to listen failed (and was said)
        self._stopping = threading.Event()
        self._wake_read, self._wake_write = os.pipe()
        self._thread: threading.Thread | None = None

    # -- what the store asks ---------------------------------------------------------------

    def start(self) -> None:
        """Connect and listen now (so the first request knows the generation), then keep
        listening on a background thread."""
        self._connect()
        self._thread = threading.Thread(target=self._run, name="ldindex-listen", daemon=True)
        self._thread.start()

    @property
    def listening(self) -> bool:
        return self._listening

    @property
    def backend_pid(self) -> int | None:
        """The server process of the listening session (None while not listening)."""
        conn = self._conn
        return conn.info.backend_pid if conn is not None and self._listening else None

    def current(self) -> int | None:
        """The latest generation announced, after taking in what has already arrived; None
        while not listening (then only the database knows)."""
        if not self._listening:
            return None
        if not self._lock.acquire(timeout=LOCK_WAIT):
            # The thread is draining what arrived (one round trip at most), or finding the
            # connection lost, and it takes long: only the database can say now. (The value
            # held before is not to be trusted meanwhile: a write is acknowledged once every
            # *listening* process has it, and this one may have stopped listening.)
            return None
        try:
            self._drain()
        finally:
            self._lock.release()
        return self._value if self._listening else None

    def saw(self, generation: int) -> None:
        """Record a generation learnt otherwise (this process's own committed write)."""
        with self._value_lock:
            if generation > self._value:
                self._value = generation

    def close(self) -> None:
        self._stopping.set()
        os.write(self._wake_write, b"x")
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            self._drop()
        os.close(self._wake_read)
        os.close(self._wake_write)

    # -- the connection --------------------------------------------------------------------

    def _connect(self) -> bool:
        """Open the listening connection, LISTEN, then read the generation: whatever commits
        after the read is announced on the connection. False (logged) if it failed."""
        conn = None
        try:
            conn = psycopg.connect(
                self._conninfo, autocommit=True, application_name=APPLICATION_NAME
            )
            conn.add_notify_handler(self._notified)  # those that arrive during the queries
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            value = conn.execute(_GENERATION).fetchone()[0]
        except psycopg.Error as exc:
            if conn is not None:
                conn.close()
            # said once per outage, not at every attempt
            level = logging.DEBUG if self._failed else logging.WARNING
            log.log(
                level,
                "%s: cannot listen for changes (%s); asking on every read",
                self._where,
                _first_line(exc),
            )
            self._failed = True
            return False
        if self._failed:
            log.warning("%s: listening for changes again", self._where)
        self._failed = False
        with self._lock:
            self._conn = conn
            with self._value_lock:
                self._value = value  # the row itself: right even after a restore
            self._confirmed = -1
            self._listening = True
            self._confirm()
        return True

    def _notified(self, notify: Any) -> None:
        if notify.channel == NOTIFY_CHANNEL and notify.payload.isdigit():
            self.saw(int(notify.payload))

    def _drain(self) -> None:
        """Take in every notification already on the socket, without waiting (lock held)."""
        conn = self._conn
        if conn is None:
            return
        pgconn = conn.pgconn
        try:
            # A server ending the session sends FATAL, then closes: one read takes the
            # message and says nothing, the next finds the close. So read while there is
            # more to read (a few times at most), and a lost connection is found at once.
            for _ in range(4):
                pgconn.consume_input()
                if pgconn.status != pq.ConnStatus.OK:
                    raise psycopg.OperationalError("the connection is no longer open")
                try:
                    if not select.select([pgconn.socket], [], [], 0)[0]:
                        break
                except (OSError, ValueError) as exc:
                    raise psycopg.OperationalError(str(exc)) from exc
        except psycopg.Error as exc:
            log.warning(
                "%s: lost the connection listening for changes (%s); reconnecting",
                self._where,
                _first_line(exc),
            )
            self._failed = True
            self._drop()
            return
        while (notify := pgconn.notifies()) is not None:
            if notify.relname == _CHANNEL and notify.extra.isdigit():
                self.saw(int(notify.extra))
        self._confirm()

    def _confirm(self) -> None:
        """Show writers the generation now held in memory (lock held)."""
        value = self._value
        if value <= self._confirmed or self._conn is None:
            return
        try:
            self._conn.execute(
                "SELECT set_config('application_name', %s, false)",
                (f"{APPLICATION_NAME} g={value}",),
            )
        except psycopg.Error as exc:
            log.warning(
                "%s: lost the connection listening for changes (%s); reconnecting",
                self._where,
                _first_line(exc),
            )
            self._drop()
            return
        self._confirmed = value

    def _drop(self) -> None:
        """Forget the connection (lock held): reads ask the database until a new one."""
        self._listening = False
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _run(self) -> None:
        delay = BACKOFF[0]
        while not self._stopping.is_set():
            conn = self._conn
            if conn is None:
                if self._connect():
                    delay = BACKOFF[0]
                else:
                    self._stopping.wait(delay)
                    delay = min(delay * 2, BACKOFF[1])
                continue
            try:
                ready, _, _ = select.select(
                    [conn.pgconn.socket, self._wake_read], [], [], IDLE_WAKE
                )
            except (OSError, ValueError, psycopg.Error):  # closed under us: look again
                ready = []
            if self._wake_read in ready:
                os.read(self._wake_read, 64)
                continue
            with self._lock:
                if self._conn is conn:
                    self._drain()


def await_listeners(
    query: Callable[[str, tuple], list[tuple]],
    generation: int,
    own_pid: int | None,
    where: str,
    timeout: float = CONFIRM_TIMEOUT,
) -> bool:
    """Wait until every listener of the database holds ``generation`` (True), or ``timeout``
    seconds have passed (False, logged with the listeners that lag). ``query`` runs one
    statement on the primary and returns its rows."""
    deadline = time.monotonic() + timeout
    pause = 0.0005
    while True:
        rows = query(
            "SELECT pid, application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name LIKE ?",
            (f"{APPLICATION_NAME}%",),
        )
        lagging = [pid for pid, name in rows if pid != own_pid and _shown(name) < generation]
        if not lagging:
            return True
        if time.monotonic() > deadline:
            log.warning(
                "%s: listeners %s have not taken generation %d after %.1f s; "
                "acknowledging the write anyway",
                where,
                lagging,
                generation,
                timeout,
            )
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.01)


def _shown(application_name: str) -> int:
    """The generation a listener's application_name shows (-1 when none yet)."""
    _, _, value = application_name.partition(" g=")
    return int(value) if value.isdigit() else -1


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
