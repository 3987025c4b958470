"""examples/nginx-front.conf in front of two ``ldindex serve`` app servers over one PostgreSQL
database and one shared file store, as docs/deployment.md lays it out: nginx sends the
artefacts from the shared directory itself, the app servers answer everything else, and a
write through the front is read back through it at once, whichever app server answers."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import (
    LiveServer,
    free_port,
    make_token,
    start_server,
    stop_server,
    writable_index,
)

from .served import client_env, nginx_binary, running_nginx

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nginx-front.conf"
JSON = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True)
class Front:
    url: str
    log: Path
    apps: tuple[LiveServer, ...]


def _nginx_config(example: str, port: int, apps: list[int], files: Path) -> str:
    upstreams = "".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in apps)
    config, count = re.subn(
        r"(upstream ldindex_app \{\n)(?:    server [^\n]+\n)+", rf"\g<1>{upstreams}", example
    )
    assert count == 1, "examples/nginx-front.conf has no upstream block to adapt"
    config, count = re.subn(r"listen \d+;", f"listen 127.0.0.1:{port};", config)
    assert count == 1
    config, count = re.subn(r"alias [^;]+;", f"alias {files}/;", config)
    assert count == 1
    return config


@pytest.fixture(scope="module")
def front(pg_cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Front]:
    binary = nginx_binary()
    assert binary is not None, "nginx is not installed; .ci/run installs it"
    root = tmp_path_factory.mktemp("front")
    data = writable_index(root / "index", pg_cluster.create_database())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    apps: list[LiveServer] = []
    try:
        for _ in range(2):
            apps.append(start_server(data, 1, "granian", "--base-url", url))
        prefix = root / "nginx"
        prefix.mkdir()
        site = _nginx_config(
            EXAMPLE.read_text(), port, [int(a.url.rsplit(":", 1)[1]) for a in apps], data.files_dir
        )
        log_format = "$request_method $uri $status upstream=$upstream_addr"
        with running_nginx(binary, prefix, site, port, log_format) as access_log:
            yield Front(url, access_log, tuple(apps))
    finally:
        for app in apps:
            stop_server(app)


def _log_lines(front: Front, path_part: str) -> list[str]:
    return [line for line in front.log.read_text().splitlines() if path_part in line]


def test_pip_installs_with_artefacts_sent_by_the_front(front: Front, tmp_path: Path) -> None:
    target = tmp_path / "target"
    options = ["--isolated", "--no-cache-dir", "--only-binary=:all:", f"--target={target}"]
    command = [sys.executable, "-m", "pip", "install", *options,
               f"--index-url={front.url}/simple/", "idna==3.10"]  # fmt: skip
    done = subprocess.run(command, env=client_env(tmp_path), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (target / "idna" / "__init__.py").is_file()
    wheel = "idna-3.10-py3-none-any.whl"
    (sent,) = [line for line in _log_lines(front, wheel) if ".metadata" not in line]
    assert sent.startswith("GET /files/") and sent.endswith(" 200 upstream=-")  # from disk
    (metadata,) = _log_lines(front, f"{wheel}.metadata")
    app_ports = {a.url.rsplit(":", 1)[1] for a in front.apps}
    assert metadata.rsplit(":", 1)[1] in app_ports  # from an app server: in the database
    page = _log_lines(front, "/simple/idna/")[-1]
    assert page.rsplit(":", 1)[1] in app_ports


def test_the_bytes_sent_are_the_ones_indexed(front: Front) -> None:
    listed = httpx.get(f"{front.url}/simple/requests/", headers={"Accept": JSON}).json()
    for entry in listed["files"]:
        body = httpx.get(entry["url"])
        assert body.status_code == 200 and "immutable" in body.headers["cache-control"]
        assert hashlib.sha256(body.content).hexdigest() == entry["hashes"]["sha256"]
    assert httpx.get(f"{front.url}/files/.tmp/").status_code == 403


def test_a_write_through_the_front_is_read_through_it_at_once(front: Front) -> None:
    admin = {"Authorization": f"Bearer {make_token(front.apps[0].data, 'admin')}"}
    before = len(front.log.read_text().splitlines())
    for round_ in range(6):
        reason = f"withdrawn in round {round_}"
        yanked = httpx.post(
            f"{front.url}/_/api/projects/idna/releases/3.10/yank",
            json={"reason": reason},
            headers=admin,
        )
        assert yanked.status_code == 200, yanked.text
        for _ in range(4):  # nginx alternates between the app servers
            page = httpx.get(f"{front.url}/simple/idna/", headers={"Accept": JSON}).json()
            assert {f["yanked"] for f in page["files"] if "3.10" in f["filename"]} == {reason}
    served = front.log.read_text().splitlines()[before:]
    upstreams = {line.rsplit(":", 1)[1] for line in served if "GET /simple/idna/" in line}
    assert upstreams == {a.url.rsplit(":", 1)[1] for a in front.apps}  # both answered
    httpx.post(f"{front.url}/_/api/projects/idna/releases/3.10/unyank", headers=admin)
