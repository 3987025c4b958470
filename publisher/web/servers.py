"""Running the application under an ASGI server: granian (default) or uvicorn.

Both load ``publisher.web:app_from_env`` in each worker process, with the settings passed
through ``LDINDEX_*`` environment variables. Granian (Rust HTTP core) serves cached bytes
faster; uvicorn (uvloop + httptools) is the common choice and reads ``X-Forwarded-For``
from a proxy on loopback.
"""

from __future__ import annotations

from publisher.web.settings import Settings

__all__ = ["SERVERS", "run"]

APP = "publisher.web:app_from_env"
SERVERS = ("granian", "uvicorn")


def run(
    settings: Settings, host: str, port: int, workers: int, server: str, access_log: bool
) -> None:
    """Serve until interrupted. ``settings`` must already be in the environment."""
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces
        from granian.log import LogLevels

        Granian(
            APP,
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            workers=workers,
            factory=True,
            log_level=LogLevels.info if access_log else LogLevels.warning,
            log_access=access_log,
            respawn_failed_workers=True,
        ).serve()
    elif server == "uvicorn":
        import uvicorn

        uvicorn.run(
            APP,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info" if access_log else "warning",
            access_log=access_log,
            loop="uvloop",
            http="httptools",
            server_header=False,
        )
    else:
        raise ValueError(f"unknown server {server!r}; choose one of {', '.join(SERVERS)}")
