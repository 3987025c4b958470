"""The listening socket, bound before any server starts, so that every failure is one
message whatever the server, and the real address (``--port 0``) is known before the first
line is printed."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

__all__ = ["ListenError", "Listener", "listen", "url_host"]


class ListenError(OSError):
    """The address cannot be listened on; the message says which and why."""


_REASONS = {
    errno.EADDRINUSE: "address already in use (is another server running there?)",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
    errno.EADDRNOTAVAIL: "no such address on this machine",
}


def url_host(host: str) -> str:
    """``host`` as it appears in a URL: IPv6 literals in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@dataclass
class Listener:
    """A bound, listening TCP socket and the name the user gave its host."""

    socket: socket.socket
    host: str
    address: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{url_host(self.host)}:{self.port}"

    def close(self) -> None:
        self.socket.close()

    def hand_over(self) -> socket.socket | None:
        """Close the listening socket and keep the port reserved by a bound, non-listening
        ``SO_REUSEPORT`` socket, for a server that binds the address itself with that option
        (granian's workers on Linux): nobody else can take the port in between, and no
        connection lands on the placeholder. Close it once the server accepts. None where
        the system has no ``SO_REUSEPORT``."""
        family = self.socket.family
        self.socket.close()
        if not hasattr(socket, "SO_REUSEPORT"):
            return None
        placeholder = socket.socket(family, socket.SOCK_STREAM)
        try:
            placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if family == socket.AF_INET6:
                placeholder.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            placeholder.bind((self.address, self.port))
        except OSError:  # taken in the instant between: the server's own bind will say so
            placeholder.close()
            return None
        return placeholder


def listen(host: str, port: int, backlog: int = 1024) -> Listener:
    """Bind and listen on ``host`` (a name or address) and ``port`` (0: any free port)."""
    bare = host.removeprefix("[").removesuffix("]")
    try:
        found = socket.getaddrinfo(
            bare, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE | socket.AI_ADDRCONFIG
        )
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {host}: unknown host ({exc.strerror})") from exc
    family, kind, proto, _, address = found[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        reason = _REASONS.get(exc.errno or 0, exc.strerror or str(exc))
        raise ListenError(f"cannot listen on {url_host(host)}:{port}: {reason}") from exc
    sock.set_inheritable(True)
    bound = sock.getsockname()
    return Listener(sock, bare, bound[0], bound[1])
