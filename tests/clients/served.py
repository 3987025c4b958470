"""The pieces the client tests share: the yanking store view, servers (nginx too) and a clean
client env.

Two servers serve the same export: ``python -m http.server`` (a subprocess; directories give
``index.html``, the HTML API) and a test-only ``SimpleHTTPRequestHandler`` that negotiates
``index.json`` by ``Accept`` with ``publisher.render.media.negotiate``, like nginx with
``examples/nginx.conf`` does. Both keep an access log the tests read.

One release and one file are yanked on the way out (the store has no yank command yet) so
clients see PEP 592 data with a reason that needs escaping.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crosswalk.records import Project
from publisher.export import ExportReport
from publisher.render.media import is_json, negotiate
from publisher.store.sqlite import SQLiteStore

YANKED_RELEASE = ("markupsafe", "3.0.2")
YANK_REASON = 'broken "wheels" <b>&\'</b>'
YANKED_FILE = "six-1.16.0.tar.gz"


class YankingStore:
    """A store as it reads after a yank: one release (with a reason) and one file (without)."""

    def __init__(self, inner: SQLiteStore) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get_project(self, name: str) -> Project | None:
        project = self._inner.get_project(name)
        return project and _yank(project)

    def iter_projects(self) -> Iterable[Project]:
        return (_yank(p) for p in self._inner.iter_projects())


def _yank(project: Project) -> Project:
    releases = []
    for release in project.releases:
        if (project.name, release.version) == YANKED_RELEASE:
            release = dataclasses.replace(release, yanked=True, yanked_reason=YANK_REASON)
        files = tuple(
            dataclasses.replace(f, yanked=True) if f.filename == YANKED_FILE else f
            for f in release.files
        )
        releases.append(dataclasses.replace(release, files=files))
    return dataclasses.replace(project, releases=tuple(releases))


@dataclass
class Site:
    """A built export and the store it came from."""

    root: Path
    store: YankingStore
    report: ExportReport


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def nginx_binary() -> str | None:
    """The nginx executable, on PATH or where Debian puts it, or None."""
    if found := shutil.which("nginx"):
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


@contextmanager
def running_nginx(
    binary: str, prefix: Path, site: str, port: int, log_format: str | None = None
) -> Iterator[Path]:
    """nginx with one worker serving ``site`` (``server`` blocks listening on ``port``) from
    the directory ``prefix``; yields its access log (in ``log_format`` when given) and stops
    nginx on the way out."""
    (prefix / "site.conf").write_text(site)
    temp = prefix / "tmp"
    user = "user root;" if os.geteuid() == 0 else ""
    access = f"{prefix}/access.log"
    if log_format:
        logs = f"log_format own '{log_format}';\n    access_log {access} own;"
    else:
        logs = f"access_log {access};"
    (prefix / "nginx.conf").write_text(
        f"""daemon off; worker_processes 1; {user}
pid {prefix}/nginx.pid; error_log {prefix}/error.log;
events {{}}
http {{
    {logs}
    client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp};
    uwsgi_temp_path {temp}; scgi_temp_path {temp};
    include {prefix}/site.conf;
}}
"""
    )
    command = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    subprocess.run([*command, "-t"], check=True, capture_output=True)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield Path(access)
    finally:
        process.terminate()
        process.wait(timeout=10)


REQUEST_LINE = re.compile(r'"GET (\S+) HTTP/[\d.]+" (\d{3})')


@dataclass
class Server:
    """A server over the export: its URL and the requests it answered."""

    url: str
    log_lines: Callable[[], list[str]]
    mark: int = 0
    accept_log: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def index_url(self) -> str:
        return f"{self.url}/simple/"

    def requests(self) -> list[tuple[str, int]]:
        """``(path, status)`` of the GETs since the last ``reset``."""
        found = []
        for line in self.log_lines()[self.mark :]:
            if m := REQUEST_LINE.search(line):
                found.append((m.group(1), int(m.group(2))))
        return found

    def reset(self) -> None:
        self.mark = len(self.log_lines())
        self.accept_log.clear()


class NegotiatingHandler(SimpleHTTPRequestHandler):
    """Serves a directory's ``index.json`` when the client prefers PEP 691 JSON."""

    server: LoggingServer

    def send_head(self):  # type: ignore[no-untyped-def]
        split = urlsplit(self.path)
        variant = Path(self.translate_path(self.path)) / "index.json"
        if split.path.endswith("/") and variant.is_file():
            fmt = parse_qs(split.query).get("format", [None])[0]
            chosen = negotiate(self.headers.get("Accept"), fmt)
            self.server.accept_log.append(
                (split.path, self.headers.get("Accept", ""), chosen or "406")
            )
            if chosen is None:
                self.send_error(406)
                return None
            if is_json(chosen):
                body = variant.open("rb")
                self.send_response(200)
                self.send_header("Content-Type", chosen)
                self.send_header("Content-Length", str(variant.stat().st_size))
                self.send_header("Vary", "Accept")
                self.end_headers()
                return body
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:
        self.server.lines.append(format % args)


class LoggingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: list[str] = []
        self.accept_log: list[tuple[str, str, str]] = []


_PROXY_VARS = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


def client_env(tmp: Path) -> dict[str, str]:
    """An environment with no pip/uv configuration, proxies or other indexes."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_")) and k.lower() not in _PROXY_VARS
    }
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        UV_NO_CONFIG="1",
        UV_CACHE_DIR=str(tmp / "uv-cache"),
        UV_PYTHON_DOWNLOADS="never",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        HOME=str(tmp / "home"),
        XDG_CONFIG_HOME=str(tmp / "home" / ".config"),
    )
    return env
