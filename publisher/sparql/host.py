"""The query host: one process holding the catalogue graph in memory, forking query processes.

Oxigraph cannot stop a running query, so a query past its time limit is stopped by killing
the process running it; the replacement must be ready at once, not after reloading a graph
of a million triples. The host loads the graph (``memory``) and forks the query processes,
which inherit it copy-on-write; a killed or exited one is replaced by a fresh fork within
milliseconds.

It talks to the server over two sockets it is given:

- ``control`` (stream, framed): the server asks ``{"op": "load", …}`` and the host answers
  once the graph is at that generation; then it forks a new set of query processes (a new
  *epoch*), and the server retires the older ones as they finish what they are running.
- ``handoff`` (datagrams): the host hands each new query process to the server, its socket
  and a pidfd (so the server can kill exactly it) passed as file descriptors, and asks the
  server to retire a process whose private memory grew past ``recycle_mb``.

Reading the graph dirties its pages in each query process (Oxigraph writes as it reads), so
processes drift from sharing the host's copy to holding their own; retiring the ones past
``recycle_mb`` bounds that. Each query process also has its address space capped at what it
inherited plus ``memory_mb``: a query that needs more ends its own process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import select
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from publisher.sparql.framing import HelperDied, read_frame, write_frame
from publisher.sparql.memory import MemoryGraph

__all__ = ["run_host"]

log = logging.getLogger("ldindex.sparql")

POLICE_EVERY = 2.0  # seconds between looks at the query processes' private memory
ARENA_PROBE = 64 << 10  # bytes: under glibc's mmap threshold, so served from an arena


@dataclass(slots=True)
class _Child:
    epoch: int
    retiring: bool = False


class Host:
    def __init__(
        self, control: socket.socket, handoff: socket.socket, size: int, memory_mb: int,
        recycle_mb: int,
    ) -> None:  # fmt: skip
        self.control = control
        self.handoff = handoff
        self.size = size
        self.memory_mb = memory_mb
        self.recycle_mb = recycle_mb
        self.graph = MemoryGraph()
        self.epoch = 0  # counts loads: processes forked before the last one hold older graphs
        self.children: dict[int, _Child] = {}
        self._control_out = control.makefile("wb")
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(self._wake_w)
        write_frame(self._control_out, {"status": 200, "ready": True})
        policed = time.monotonic()
        try:
            while True:
                readable, _, _ = select.select([self.control, self._wake_r], [], [], 1.0)
                if self._wake_r in readable:
                    with contextlib.suppress(BlockingIOError):
                        os.read(self._wake_r, 4096)
                if self.control in readable and not self._request():
                    return
                self._reap()
                self._top_up()
                if time.monotonic() - policed >= POLICE_EVERY:
                    self._police()
                    policed = time.monotonic()
        finally:
            self._shutdown()

    def _request(self) -> bool:
        """Answer one control request; False once the server has gone."""
        try:
            request, _ = read_frame(self.control.fileno())
        except HelperDied:
            return False
        if request.get("op") != "load":
            write_frame(self._control_out, {"status": 400, "error": "unknown operation"})
            return True
        try:
            report = self.graph.load(
                request["snapshot"], request["generation"], request.get("graphs"),
                request.get("image"),
            )  # fmt: skip
        except Exception as exc:  # the server retries; existing processes keep serving
            log.exception("loading the catalogue graph failed")
            write_frame(self._control_out, {"status": 500, "error": f"{type(exc).__name__}: {exc}"})
            return True
        self.epoch += 1
        write_frame(self._control_out, {"status": 200, **report})
        self._retire_older()
        return True

    # -- query processes --------------------------------------------------------------------

    def _current(self) -> list[int]:
        return [
            pid
            for pid, child in self.children.items()
            if child.epoch == self.epoch and not child.retiring
        ]

    def _top_up(self) -> None:
        if self.graph.store is None or self.graph.generation is None:
            return
        for _ in range(self.size - len(self._current())):
            self._fork()

    def _fork(self) -> None:
        generation = self.graph.generation
        assert generation is not None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                ours.close()
                self._forget_parent()
                if _on_own_arena(_serve_queries, theirs, self.graph.store, self.memory_mb):
                    status = 0
            except BaseException:  # a child never returns into the host's loop
                log.exception("query process failed")
            finally:
                os._exit(status)
        theirs.close()
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:  # the process is gone already (or pidfds are missing): hand no pidfd
            pidfd = -1
        try:
            fds = [ours.fileno()] + ([pidfd] if pidfd >= 0 else [])
            message = orjson.dumps({"event": "worker", "pid": pid, "generation": generation,
                                    "epoch": self.epoch})  # fmt: skip
            socket.send_fds(self.handoff, [message], fds)
        except OSError:
            log.warning("could not hand query process %d to the server", pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        finally:
            ours.close()
            if pidfd >= 0:
                os.close(pidfd)
        self.children[pid] = _Child(self.epoch)

    def _forget_parent(self) -> None:
        """In a new query process: drop the host's sockets and signal handling."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)
        self._control_out.close()
        self.control.close()
        self.handoff.close()

    def _reap(self) -> None:
        for pid in list(self.children):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                del self.children[pid]

    def _retire_older(self) -> None:
        """Processes forked before this load finish what they run; the server closes them."""
        for child in self.children.values():
            if child.epoch != self.epoch:
                child.retiring = True

    def _police(self) -> None:
        for pid in self._current():
            if _private_mb(pid) > self.recycle_mb:
                self.children[pid].retiring = True
                with contextlib.suppress(OSError):
                    self.handoff.send(orjson.dumps({"event": "retire", "pid": pid}))

    def _shutdown(self) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in list(self.children):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.children.clear()


def _on_own_arena(serve: Callable[..., None], *args: Any) -> bool:
    """Run ``serve(*args)`` on a new thread, so that what queries allocate comes from a malloc
    arena of its own; True if it returned without an error.

    The main thread's allocations would come from the arena the host loaded the graph with,
    whose free space is shared copy-on-write: glibc hands it out piece by piece, so every
    query would write to pages not yet copied (hundreds of page faults, and megabytes more
    private memory, a query; a millisecond query took three). A new arena is this process's
    own from the start, and reused query after query.
    """
    failed: list[BaseException] = []

    def run() -> None:
        try:
            serve(*args)
        except BaseException as exc:
            log.exception("query process failed")
            failed.append(exc)

    thread = threading.Thread(target=run, name="queries")
    thread.start()
    thread.join()
    return not failed


def _serve_queries(sock: socket.socket, store: Any, memory_mb: int) -> None:
    """A query process: answer frames until the server closes the socket."""
    from publisher.sparql.runner import QueryRunner

    _claim_arena()
    _cap_memory(memory_mb)
    runner = QueryRunner(store)
    out = sock.makefile("wb")
    while True:
        try:
            request, _ = read_frame(sock.fileno())
        except HelperDied:
            return
        try:
            header, body = runner(request)
        except Exception as exc:  # a bug, not the client's doing: report it, keep serving
            log.exception("query failed")
            header, body = {"status": 500, "error": f"internal error: {type(exc).__name__}"}, b""
        try:
            write_frame(out, header, body)
        except OSError:  # the server stopped waiting (it is about to kill us)
            return


def _claim_arena() -> None:
    """Allocate once on this thread, so glibc makes its arena (an address-space reservation)
    before the cap; under a small cap it would fall back to the shared one."""
    probe = bytearray(ARENA_PROBE)
    del probe


def _cap_memory(megabytes: int) -> None:
    """Cap the address space at what this process already maps plus ``megabytes``."""
    mapped = 0
    with open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"VmSize:"):
                mapped = int(line.split()[1]) << 10
    limit = mapped + (megabytes << 20)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an engine abort leaves no core file


def _private_mb(pid: int) -> float:
    """Memory the process no longer shares with the host (copied-on-write or its own)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Private_Dirty:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_host(control_fd: int, handoff_fd: int, size: int, memory_mb: int, recycle_mb: int) -> None:
    control = socket.socket(fileno=control_fd)
    handoff = socket.socket(fileno=handoff_fd)
    Host(control, handoff, size, memory_mb, recycle_mb).run()
