"""The WSGI/CGI handler pointed at a folder: brought in step on the first request and on
``POST /_/cache/invalidate`` (loopback or an admin token), files served from the folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.parser import BytesParser
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import orjson
import pytest

from publisher.folder.lock import WatchLock, lock_path
from publisher.handler import wsgi_app
from publisher.store import open_store
from tests.conftest import EXAMPLES, SHARED_ARTEFACTS, IndexedData, make_token

from .conftest import IDNA, SIX_WHEEL

BASE = "http://127.0.0.1:8000"
JSON = {"Content-Type": "application/json"}


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def rested(path: Path) -> Path:
    """Wait until a file just copied counts as complete (0.2 s rest in these tests)."""
    time.sleep(0.25)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "wheels"
    made.mkdir()
    rested(Path(shutil.copy(SHARED_ARTEFACTS / SIX_WHEEL, made)))
    return made


@pytest.fixture
def served(folder: Path, tmp_path: Path) -> Iterator[str]:
    app = wsgi_app(f"sqlite:///{tmp_path / 'index.db'}", None, BASE, folder, settle=0.2)
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_first_request_reconciles_and_files_come_from_the_folder(
    served: str, folder: Path, tmp_path: Path
) -> None:
    page = httpx.get(f"{served}/simple/six/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and SIX_WHEEL in page.text
    store = open_store(f"sqlite:///{tmp_path / 'index.db'}")
    record = store.get_file(SIX_WHEEL)
    store.close()
    wheel = httpx.get(f"{served}/files/{record.url_path}")
    assert wheel.content == (folder / SIX_WHEEL).read_bytes()
    assert not (tmp_path / "index-files").exists()  # no second copy
    # later changes wait for an invalidation
    (folder / SIX_WHEEL).unlink()
    rested(Path(shutil.copy(SHARED_ARTEFACTS / IDNA, folder)))
    assert httpx.get(f"{served}/simple/six/").status_code == 200
    assert httpx.get(f"{served}/files/{record.url_path}").status_code == 404  # gone from disk
    done = httpx.post(f"{served}/_/cache/invalidate", content=b"{}", headers=JSON)
    assert done.status_code == 200, done.text
    answer = done.json()
    assert answer["project"] is None and answer["generation"] > 0
    assert answer["folder"] == {"added": 1, "moved": 0, "removed": 1, "refused": 0, "waiting": 0}
    assert httpx.get(f"{served}/simple/six/").status_code == 404
    assert httpx.get(f"{served}/simple/idna/").status_code == 200


def test_invalidation_is_for_loopback_or_an_admin_token(served: str, tmp_path: Path) -> None:
    url = f"{served}/_/cache/invalidate"
    assert httpx.get(url).status_code == 405
    assert httpx.get(url).headers["allow"] == "POST"
    relayed = httpx.post(url, content=b"{}", headers={**JSON, "X-Forwarded-For": "203.0.113.9"})
    assert relayed.status_code == 403 and "proxy" in relayed.json()["error"]
    assert httpx.post(url, content=b"{}").status_code == 415  # a form could send that
    assert httpx.post(url, content=b"[1]", headers=JSON).status_code == 400
    assert httpx.post(url, content=b"x" * 5000, headers=JSON).status_code == 413
    one = httpx.post(url, content=orjson.dumps({"project": "Six"}), headers=JSON)
    assert one.status_code == 200 and one.json()["project"] == "six"
    data = IndexedData(tmp_path, f"sqlite:///{tmp_path / 'index.db'}", tmp_path / "files")
    admin = make_token(data, "admin")
    project = make_token(data, "project:six")
    bearer = {"Authorization": f"Bearer {admin}", "X-Forwarded-For": "203.0.113.9"}
    assert httpx.post(url, headers=bearer).status_code == 200  # no body needed with a token
    weak = httpx.post(url, headers={"Authorization": f"Bearer {project}"})
    assert weak.status_code == 403 and "admin token" in weak.json()["error"]
    wrong = httpx.post(url, headers={"Authorization": "Bearer ldx_nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")


def test_a_watcher_elsewhere_does_the_reconciling(folder: Path, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'index.db'}"
    open_store(db_url).close()
    with WatchLock(lock_path(db_url)):
        app = wsgi_app(db_url, None, BASE, folder, settle=0.2)
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/simple/six/", "wsgi.input": None}
        statuses = []
        app(environ, lambda status, headers: statuses.append(status))
        assert statuses == ["404 Not Found"]  # left to the watcher, which holds the lock


def test_example_cgi_script_serves_a_folder(folder: Path, tmp_path: Path) -> None:
    time.sleep(1.0)  # the script takes files that rested 1 s (the default)
    env = {
        **os.environ,
        "LDINDEX_DB": f"sqlite:///{tmp_path / 'index.db'}",
        "LDINDEX_FOLDER": str(folder),
        "LDINDEX_BASE_URL": BASE,
        "GATEWAY_INTERFACE": "CGI/1.1",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/simple/six/",
        "QUERY_STRING": "",
        "HTTP_ACCEPT": "application/vnd.pypi.simple.v1+json",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "ldindex.cgi")], env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    assert BytesParser().parsebytes(head + b"\r\n\r\n")["Status"].startswith("200")
    files = orjson.loads(body)["files"]
    assert [f["filename"] for f in files] == [SIX_WHEEL]
    digest = hashlib.sha256((folder / SIX_WHEEL).read_bytes()).hexdigest()
    assert files[0]["hashes"]["sha256"] == digest
