"""The query host seen from the server: load it, take its query processes, kill overrunning ones.

``QueryPool`` starts the host (``python -m publisher.sparql.worker host``, see ``host``),
asks it to load snapshots, and receives the query processes it forks: each arrives as a
socket and a pidfd, tagged with the graph generation it holds. A query takes an idle process
of at least the generation it must see; one that overruns its deadline is killed through its
pidfd (never a recycled pid) and the host forks its replacement at once. Processes of an
older generation, or that the host asks to retire, are closed once idle and exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from publisher.sparql.framing import (
    HelperDied,
    HelperTimeout,
    read_frame,
    read_frame_async,
    write_frame,
)

__all__ = ["PoolBusy", "QueryCrashed", "QueryPool", "QueryTimedOut"]

log = logging.getLogger("ldindex.sparql")

STARTUP_LIMIT = 60.0  # seconds the host may take to import and say it is ready
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class PoolBusy(Exception):
    """No query process of the generation needed became free in time."""


class QueryTimedOut(Exception):
    """The query overran its time limit; its process was killed."""


class QueryCrashed(Exception):
    """The query process died (out of memory, or a crash in the engine)."""


@dataclass(eq=False, slots=True)
class _Worker:
    sock: socket.socket
    pid: int
    pidfd: int
    generation: int  # of the database the graph it holds reflects
    epoch: int  # the host's load it was forked after: a newer one supersedes it
    retiring: bool = False
    out: Any = field(default=None)

    def ask(self, request: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bytes]:
        self._send(request)
        return read_frame(self.sock.fileno(), time.monotonic() + timeout)

    async def ask_async(
        self, request: dict[str, Any], timeout: float
    ) -> tuple[dict[str, Any], bytes]:
        self._send(request)  # a request is small: the socket's buffer takes it at once
        return await read_frame_async(self.sock.fileno(), timeout)

    def _send(self, request: dict[str, Any]) -> None:
        if self.out is None:
            self.out = self.sock.makefile("wb")
        try:
            write_frame(self.out, request)
        except OSError as exc:
            raise HelperDied from exc

    def kill(self) -> None:
        """SIGKILL exactly this process (its pidfd cannot name another one), then close."""
        try:
            if self.pidfd >= 0:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.close()

    def close(self) -> None:
        """Close our end: an idle process reads end-of-file and exits."""
        if self.out is not None:
            with contextlib.suppress(OSError):
                self.out.close()
        self.sock.close()
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1


class QueryPool:
    """The host process and the query processes it hands over."""

    def __init__(self, size: int, memory_mb: int, recycle_mb: int) -> None:
        self.size = size
        self.memory_mb = memory_mb
        self.recycle_mb = recycle_mb
        self.generation: int | None = None  # what the host has loaded
        self.lineage: str | None = None  # of the graph the host has loaded
        self.replaced = 0  # processes killed at the time limit or lost to a crash
        self.loads = 0  # snapshots loaded into the host (full or incremental)
        self.last_load: dict[str, Any] | None = None
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._all: dict[int, _Worker] = {}
        self._newest = -1  # epoch of the newest process handed over
        self._control_lock = threading.Lock()
        self._closed = False
        self._process: subprocess.Popen | None = None
        self._start()

    # -- the host ---------------------------------------------------------------------------

    def _start(self) -> None:
        control, control_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        handoff, handoff_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
        args = [str(control_theirs.fileno()), str(handoff_theirs.fileno()), str(self.size),
                str(self.memory_mb), str(self.recycle_mb)]  # fmt: skip
        self._process = subprocess.Popen(
            [sys.executable, "-m", "publisher.sparql.worker", "host", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=env,
            pass_fds=(control_theirs.fileno(), handoff_theirs.fileno()),
        )
        control_theirs.close()
        handoff_theirs.close()
        self._control = control
        self._control_out = control.makefile("wb")
        self._handoff = handoff
        self.generation = None
        self.lineage = None
        read_frame(control.fileno(), time.monotonic() + STARTUP_LIMIT)
        threading.Thread(
            target=self._receive, args=(handoff,), name="sparql-handoff", daemon=True
        ).start()

    @property
    def host_pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def restart(self) -> None:
        """Start a new host after the old one died. Its query processes finish what they
        run and are closed: the new host forks its own once it has loaded the graph."""
        self.generation = self.lineage = None
        with self._cond:
            self._newest = -1  # the new host counts its loads from the start
            for worker in list(self._all.values()):
                worker.retiring = True
                if worker in self._idle:
                    self._drop(worker)
        with self._control_lock:
            self._stop_host()
            if not self._closed:
                self._start()

    def load(self, request: dict[str, Any], timeout: float = 600.0) -> dict[str, Any]:
        """Have the host load a snapshot (``{"snapshot", "generation", "graphs", "image"}``);
        returns its report, or raises RuntimeError with the host's reason."""
        with self._control_lock:
            try:
                write_frame(self._control_out, {"op": "load", **request})
                header, _ = read_frame(self._control.fileno(), time.monotonic() + timeout)
            except (HelperDied, HelperTimeout, OSError) as exc:
                raise RuntimeError("the SPARQL query host stopped while loading") from exc
        if header.get("status") != 200:
            raise RuntimeError(f"loading the catalogue graph failed: {header.get('error')}")
        self.generation = header["generation"]
        self.lineage = request.get("lineage", "")
        self.last_load = header
        self.loads += 1
        return header

    def _receive(self, handoff: socket.socket) -> None:
        """Take the processes and retirements the host sends, until it closes the socket."""
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(handoff, 4096, 2)
            except OSError:
                data, fds = b"", []
            if not data:
                for fd in fds:
                    os.close(fd)
                return
            message = orjson.loads(data)
            if message.get("event") == "worker" and fds:
                sock = socket.socket(fileno=fds[0])
                worker = _Worker(sock, message["pid"], fds[1] if len(fds) > 1 else -1,
                                 message["generation"], message["epoch"])  # fmt: skip
                self._arrived(worker)
            elif message.get("event") == "retire":
                self._retire(message["pid"])
            else:
                for fd in fds:
                    os.close(fd)

    def _arrived(self, worker: _Worker) -> None:
        with self._cond:
            if self._closed:
                worker.close()
                return
            self._all[worker.pid] = worker
            if worker.epoch > self._newest:
                self._newest = worker.epoch
                for old in [w for w in self._idle if w.epoch < worker.epoch]:
                    self._drop(old)
            self._idle.append(worker)
            self._cond.notify_all()

    def _retire(self, pid: int) -> None:
        with self._cond:
            worker = self._all.get(pid)
            if worker is None:
                return
            worker.retiring = True
            if worker in self._idle:
                self._drop(worker)

    def _drop(self, worker: _Worker) -> None:
        """Forget and close a process (holding ``_cond``)."""
        if worker in self._idle:
            self._idle.remove(worker)
        self._all.pop(worker.pid, None)
        worker.close()

    # -- queries ----------------------------------------------------------------------------

    def pids(self) -> list[int]:
        """The query processes handed over and not yet closed."""
        with self._cond:
            return sorted(self._all)

    def idle_pids(self, generation: int | None = None) -> list[int]:
        with self._cond:
            return sorted(w.pid for w in self._idle if generation is None
                          or w.generation >= generation)  # fmt: skip

    def run(
        self, request: dict[str, Any], timeout: float, wait: float, generation: int
    ) -> tuple[dict[str, Any], bytes]:
        """Run ``request`` within ``timeout`` seconds on a process holding at least
        ``generation``, waiting at most ``wait`` seconds for one to be free."""
        worker = self._take(generation, wait)
        try:
            answer = worker.ask(request, timeout)
        except (HelperTimeout, HelperDied) as exc:
            raise self._lost(worker, exc) from None
        self._give_back(worker)
        return answer

    async def run_async(
        self, request: dict[str, Any], timeout: float, wait: float, generation: int
    ) -> tuple[dict[str, Any], bytes]:
        """``run`` for an event loop: the answer is awaited on the loop, not on a thread
        (two thread switches a query, some 0.15 ms in a busy server). When no process is
        free, the wait for one is left to a thread, as ``run`` waits."""
        with self._cond:
            if self._closed:
                raise PoolBusy
            worker = self._idle_fit(generation)
        if worker is None:
            return await asyncio.to_thread(self.run, request, timeout, wait, generation)
        try:
            answer = await worker.ask_async(request, timeout)
        except (HelperTimeout, HelperDied) as exc:
            raise self._lost(worker, exc) from None
        except BaseException:  # cancelled: its answer must never reach the next query
            self._forget(worker)
            worker.kill()
            raise
        self._give_back(worker)
        return answer

    def _idle_fit(self, generation: int) -> _Worker | None:
        """Take the newest idle process holding at least ``generation`` (holding ``_cond``)."""
        fit = [w for w in self._idle if w.generation >= generation]
        if not fit:
            return None
        worker = max(fit, key=lambda w: w.epoch)
        self._idle.remove(worker)
        return worker

    def _take(self, generation: int, wait: float) -> _Worker:
        """An idle process for ``generation``; PoolBusy if none came free within ``wait`` s."""
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                if self._closed:
                    raise PoolBusy
                worker = self._idle_fit(generation)
                if worker is not None:
                    return worker
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PoolBusy
                self._cond.wait(left)

    def _forget(self, worker: _Worker, replaced: bool = False) -> None:
        with self._cond:
            self._all.pop(worker.pid, None)
            self.replaced += replaced

    def _lost(self, worker: _Worker, exc: Exception) -> Exception:
        """Forget a process that overran (killed) or died (closed): the error to raise."""
        self._forget(worker, replaced=True)
        if isinstance(exc, HelperTimeout):
            worker.kill()
            return QueryTimedOut()
        worker.close()
        return QueryCrashed()

    def _give_back(self, worker: _Worker) -> None:
        with self._cond:
            if worker.retiring or worker.epoch < self._newest or self._closed:
                self._drop(worker)
            else:
                self._idle.append(worker)
                self._cond.notify_all()

    # -- shutting down ------------------------------------------------------------------------

    def _stop_host(self) -> None:
        process = self._process
        if process is None:
            return
        with contextlib.suppress(OSError):
            self._control_out.close()
        with contextlib.suppress(OSError):
            self._control.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        with contextlib.suppress(OSError):
            self._handoff.shutdown(socket.SHUT_RDWR)  # wakes the receiving thread
        with contextlib.suppress(OSError):
            self._handoff.close()
        self._process = None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers = list(self._all.values())
            self._all.clear()
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            worker.kill()
        with self._control_lock:
            self._stop_host()
