"""Running the application under granian (default) or uvicorn.

Each loads the application in each worker process, with the settings passed through
``LDINDEX_*`` environment variables, on a socket ``publisher.web.listen`` bound first:
uvicorn the ASGI application (``publisher.web:app_from_env``), granian the same application
behind its RSGI front (``publisher.web:rsgi_app_from_env``, see ``publisher.web.rsgi``).
Both are held to the same bounds: a request head of at most ``HEAD_MAX`` bytes and
``header_timeout`` seconds to arrive (granian's HTTP/1 settings; uvicorn through
``publisher.web.uvicorn_http``); ``publisher.web.guard`` then gives the same answers on both.
Granian (Rust HTTP core) serves cached bytes faster; uvicorn (uvloop + httptools) is the
common choice and reads ``X-Forwarded-For`` from a proxy on loopback.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

from publisher.web.guard import HEAD_MAX
from publisher.web.listen import Listener, ListenError
from publisher.web.settings import Settings

__all__ = ["SERVERS", "ServeError", "run"]

APP = "publisher.web:app_from_env"
RSGI_APP = "publisher.web:rsgi_app_from_env"
SERVERS = ("granian", "uvicorn")


class ServeError(RuntimeError):
    """The server could not start; the message says why."""


def run(
    settings: Settings,
    listener: Listener,
    workers: int,
    server: str,
    access_log: bool,
    on_ready: Callable[[], None] = lambda: None,
) -> None:
    """Serve on ``listener`` until interrupted, calling ``on_ready`` once the socket
    accepts connections. ``settings`` must already be in the environment."""
    if server == "granian":
        _run_granian(settings, listener, workers, access_log, on_ready)
    elif server == "uvicorn":
        _run_uvicorn(settings, listener, workers, access_log, on_ready)
    else:
        raise ValueError(f"unknown server {server!r}; choose one of {', '.join(SERVERS)}")


def _run_granian(
    settings: Settings,
    listener: Listener,
    workers: int,
    access_log: bool,
    on_ready: Callable[[], None],
) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    # Granian binds its own socket: hand over the address that was just proven free, held
    # by a placeholder until granian accepts on it.
    address, port = listener.address, listener.port
    placeholder = listener.hand_over()

    def ready() -> None:
        if placeholder is not None:
            placeholder.close()
        on_ready()

    app = Granian(
        RSGI_APP,
        address=address,
        port=port,
        interface=Interfaces.RSGI,
        websockets=False,
        workers=workers,
        factory=True,
        log_level=LogLevels.info if access_log else LogLevels.warning,
        log_access=access_log,
        respawn_failed_workers=True,
        http1_settings=HTTP1Settings(
            header_read_timeout=int(settings.header_timeout * 1000), max_buffer_size=HEAD_MAX
        ),
    )
    # On Linux each granian worker binds the address itself (SO_REUSEPORT) after the start-up
    # hooks run: announce once a connection is accepted, not when the hooks are called.
    app.on_startup(lambda: _when_accepting(address, port, ready))
    try:
        app.serve()
    except OSError as exc:  # the port was taken between the check and granian's bind
        raise ListenError(f"cannot listen on {listener.url}: {exc.strerror or exc}") from exc
    finally:
        if placeholder is not None:
            placeholder.close()


def _when_accepting(address: str, port: int, then: Callable[[], None]) -> None:
    """Call ``then`` from a background thread once ``address:port`` accepts connections
    (or after 60 s, so a slow start is still announced)."""

    def wait() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((address, port), timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        then()

    threading.Thread(target=wait, name="announce", daemon=True).start()


def _run_uvicorn(
    settings: Settings,
    listener: Listener,
    workers: int,
    access_log: bool,
    on_ready: Callable[[], None],
) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from publisher.web.uvicorn_http import BoundedHttpToolsProtocol

    config = uvicorn.Config(
        APP,
        factory=True,
        workers=workers,
        log_level="info" if access_log else "warning",
        access_log=access_log,
        loop="uvloop",
        http=BoundedHttpToolsProtocol,
        server_header=False,
        # A worker busy on a long render (or starved on a loaded machine) must not be taken
        # for a hung one: uvicorn's default restarts a worker silent for 5 s.
        timeout_worker_healthcheck=30,
    )
    server = uvicorn.Server(config)
    on_ready()
    try:
        if workers > 1:
            Multiprocess(config, sockets=[listener.socket]).run()
        else:
            server.run(sockets=[listener.socket])
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
    if workers == 1 and not server.started and not server.should_exit:
        raise ServeError("the server did not start; the messages above say why")
