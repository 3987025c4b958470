"""A helper process seen from the server: start it, ask it something by a deadline, kill it.

The graph maintainer runs as one (``python -m publisher.sparql.worker maintain …``), so the
CPU-heavy crosswalk, RDF writing and compression never run on the server's own threads.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from publisher.sparql.framing import HelperDied, read_frame, write_frame

__all__ = ["HelperProcess"]

log = logging.getLogger("ldindex.sparql")

STARTUP_LIMIT = 60.0  # seconds a helper may take to import and say it is ready
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class HelperProcess:
    """``python -m publisher.sparql.worker ARGS…`` with a framed pipe to it; ``env`` adds to
    its environment (where secrets go: the arguments are visible to every local user)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        env = {**os.environ, **(env or {})}
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
