"""A keep-alive connection to each worker process of a live server, on purpose.

The kernel hands each new connection to whichever worker accepts it first, and one busy
worker may take most of them: reading "a few times" may never reach the other. These helpers
open connections until every worker holds one, telling workers apart by who owns the
accepted socket (``/proc/net/tcp`` gives the socket's inode from the two ports,
``/proc/PID/fd`` its owner, among the server's child processes). A test can then write
through one worker and read through the other, every time, on Linux as in CI.
"""

from __future__ import annotations

import http.client
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["Answer", "WorkerConnection", "connect_every_worker"]

ACCEPT_WAIT = 60.0  # seconds for a worker to accept a connection the kernel has queued
MAX_CONNECTIONS = 400  # tried before saying some worker never accepts


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class WorkerConnection:
    """One keep-alive HTTP connection that a known worker process (``pid``) serves."""

    pid: int
    host: str
    port: int
    connection: http.client.HTTPConnection
    server_pid: int = field(repr=False)

    def request(
        self,
        method: str,
        path: str,
        body: object | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """One request on this worker's connection; a JSON ``body`` is sent as JSON. If the
        server closed the idle connection, another one to the same worker is opened."""
        headers = dict(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        for attempt in (1, 2):
            if self.connection.sock is None:  # closed after a failure: the same worker again
                _, self.connection = _connection_to(
                    self.host, self.port, self.server_pid, {self.pid}
                )
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionError):
                self.connection.close()  # an idle connection the server closed: once more
                if attempt == 2:
                    raise
                continue
            except BaseException:
                self.connection.close()  # a timeout, say: never reuse a half-done exchange
                raise
            headers_seen = {k.lower(): v for k, v in response.getheaders()}
            return Answer(response.status, headers_seen, content)
        raise AssertionError("unreachable")

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def close(self) -> None:
        self.connection.close()


def connect_every_worker(url: str, server_pid: int, workers: int) -> list[WorkerConnection]:
    """A connection to each of the ``workers`` worker processes of the server whose main
    process is ``server_pid`` (listening at ``url``), ordered by worker pid."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    found: dict[int, http.client.HTTPConnection] = {}
    spare: list[http.client.HTTPConnection] = []
    try:
        for _ in range(MAX_CONNECTIONS):
            pid, connection = _connection_to(host, port, server_pid, None)
            if pid in found:
                spare.append(connection)  # kept open so the next one goes elsewhere
            else:
                found[pid] = connection
            if len(found) == workers:
                break
        else:
            raise AssertionError(
                f"only {len(found)} of {workers} workers accepted {MAX_CONNECTIONS} connections"
            )
    finally:
        for connection in spare:
            connection.close()
    return [WorkerConnection(pid, host, port, found[pid], server_pid) for pid in sorted(found)]


def _connection_to(
    host: str, port: int, server_pid: int, wanted: set[int] | None
) -> tuple[int, http.client.HTTPConnection]:
    """A new connection and the pid of the worker that accepted it (one of ``wanted``)."""
    for _ in range(MAX_CONNECTIONS):
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.connect()
        local_port = connection.sock.getsockname()[1]
        owner = _owner(port, local_port, server_pid)
        if wanted is None or owner in wanted:
            return owner, connection
        connection.close()
    raise AssertionError(f"no connection reached worker {wanted}")


def _owner(server_port: int, client_port: int, server_pid: int) -> int:
    """The worker process (a child of ``server_pid``) that accepted the connection; workers
    may still be starting when the socket already listens, so this waits, looking less
    often as time goes by (each look reads /proc, which costs a starting server CPU)."""
    deadline = time.monotonic() + ACCEPT_WAIT
    pause = 0.002
    while time.monotonic() < deadline:
        inode = _server_socket_inode(server_port, client_port)
        if inode:  # 0 while the connection waits in the accept queue
            target = f"socket:[{inode}]"
            for pid in _children(server_pid):
                if target in _open_files(pid):
                    return pid
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
    raise AssertionError(
        f"no worker of process {server_pid} ({_children(server_pid)}) accepted the connection "
        f"from port {client_port} (socket {_server_socket_inode(server_port, client_port)})"
    )


def _server_socket_inode(server_port: int, client_port: int) -> int:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return int(fields[9])
    return 0


def _open_files(pid: int) -> set[str]:
    """What the process's file descriptors point at (those that close meanwhile left out)."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return set()
    found = set()
    for fd in fds:
        try:
            found.add(os.readlink(fd_dir / fd))
        except OSError:
            continue
    return found


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found
