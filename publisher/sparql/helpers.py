"""Helper processes seen from the server: start one, ask it something by a deadline, kill it.

Queries run in helper processes because Oxigraph cannot interrupt a running query: the only
way to stop one is to end the process running it. ``QueryPool`` keeps a fixed number of
query processes; one that overruns its deadline is killed and a fresh one started in the
background, so no process is ever left busy with a query nobody waits for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from publisher.sparql.framing import HelperDied, HelperTimeout, read_frame, write_frame

__all__ = ["HelperProcess", "PoolBusy", "QueryCrashed", "QueryPool", "QueryTimedOut"]

log = logging.getLogger("ldindex.sparql")

STARTUP_LIMIT = 60.0  # seconds a helper may take to import and say it is ready
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class PoolBusy(Exception):
    """Every query process stayed busy for as long as the caller would wait."""


class QueryTimedOut(Exception):
    """The query overran its time limit; its process was killed."""


class QueryCrashed(Exception):
    """The query process died (out of memory, or a crash in the engine)."""


class HelperProcess:
    """``python -m publisher.sparql.worker ARGS…`` with a framed pipe to it."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publisher.sparql.worker", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = STARTUP_LIMIT) -> None:
        assert self.process.stdout is not None
        read_frame(self.process.stdout.fileno(), time.monotonic() + timeout)

    def ask(self, request: dict[str, Any], timeout: float | None) -> tuple[dict[str, Any], bytes]:
        """Send a request and wait for the answer (``timeout`` None: as long as it takes)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        with self._lock:
            try:
                write_frame(self.process.stdin, request)
            except (BrokenPipeError, OSError) as exc:
                raise HelperDied from exc
            deadline = None if timeout is None else time.monotonic() + timeout
            return read_frame(self.process.stdout.fileno(), deadline)

    def kill(self) -> None:
        """End the process now (SIGKILL) and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - the kernel did not reap it
            log.error("helper %d did not exit after SIGKILL", self.process.pid)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        """Ask the process to finish by closing its input; kill it if it lingers."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.kill()


class QueryPool:
    """A fixed number of query processes; each query takes an idle one or waits for it."""

    def __init__(self, size: int, memory_mb: int) -> None:
        self.size = size
        self._memory = str(memory_mb)
        self._idle: queue.Queue[HelperProcess] = queue.Queue()
        self._all: set[HelperProcess] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.replaced = 0  # processes killed and replaced since start (overruns, crashes)
        for _ in range(size):
            self._start_one()

    def _start_one(self) -> None:
        threading.Thread(target=self._spawn, name="sparql-spawn", daemon=True).start()

    def _spawn(self) -> None:
        while not self._closed:
            helper = HelperProcess("query", self._memory)
            with self._lock:
                self._all.add(helper)
            try:
                helper.wait_ready()
            except (HelperDied, HelperTimeout):
                self._discard(helper)
                if self._closed:
                    return
                log.error("a SPARQL query process failed to start; retrying in 1 s")
                time.sleep(1.0)
                continue
            if self._closed:
                self._discard(helper)
                return
            self._idle.put(helper)
            return

    def _discard(self, helper: HelperProcess) -> None:
        helper.kill()
        with self._lock:
            self._all.discard(helper)

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(h.pid for h in self._all)

    def run(
        self, request: dict[str, Any], timeout: float, wait: float
    ) -> tuple[dict[str, Any], bytes]:
        """Run ``request`` on an idle process within ``timeout`` seconds, waiting at most
        ``wait`` seconds for one to be free."""
        try:
            helper = self._idle.get(timeout=wait)
        except queue.Empty:
            raise PoolBusy from None
        try:
            answer = helper.ask(request, timeout)
        except HelperTimeout:
            self._replace(helper)
            raise QueryTimedOut from None
        except HelperDied:
            self._replace(helper)
            raise QueryCrashed from None
        self._idle.put(helper)
        return answer

    def _replace(self, helper: HelperProcess) -> None:
        self._discard(helper)
        self.replaced += 1
        if not self._closed:
            self._start_one()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            helpers = list(self._all)
            self._all.clear()
        for helper in helpers:
            helper.kill()
