"""The framework-free handler: called directly, as a WSGI app under a real server, and as CGI."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from email.parser import BytesParser
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest

from publisher.blobs import BlobStore
from publisher.handler import Handler, wsgi_app
from publisher.store import open_store
from tests.conftest import EXAMPLES, SHARED_ARTEFACTS, IndexedData

JSON = "application/vnd.pypi.simple.v1+json"
BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def handler(shared_index: IndexedData) -> Handler:
    return Handler(open_store(shared_index.db_url), BlobStore(shared_index.files_dir), BASE)


def test_direct_call_negotiates_and_redirects(handler: Handler) -> None:
    html = handler("GET", "/simple/six/", "", {"Accept": "text/html"})
    assert html.status == 200 and b"six-1.16.0.tar.gz" in html.body
    as_json = handler("GET", "/simple/six/", "", {"Accept": JSON})
    assert ("Content-Type", JSON) in as_json.headers
    moved = handler("GET", "/simple/Six/")
    assert moved.status == 301 and ("location", "/simple/six/") in moved.headers
    assert handler("GET", "/simple/nothing/").status == 404
    assert handler("POST", "/simple/").status == 405
    assert handler("HEAD", "/project/six/").body == b""


def test_direct_call_serves_files_and_metadata(handler: Handler, shared_index) -> None:
    store = open_store(shared_index.db_url)
    wheel = store.get_file("six-1.16.0-py2.py3-none-any.whl")
    reply = handler("GET", f"/files/{wheel.url_path}")
    assert reply.body == (SHARED_ARTEFACTS / wheel.filename).read_bytes()
    meta = handler("GET", f"/files/{wheel.url_path}.metadata")
    assert hashlib.sha256(meta.body).hexdigest() == wheel.metadata_sha256
    assert handler("GET", "/files/../../etc/passwd").status == 404


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def wsgi_server(shared_index: IndexedData) -> Iterator[str]:
    app = wsgi_app(shared_index.db_url, shared_index.files_dir, BASE)
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_wsgi_app_under_a_real_server(wsgi_server: str) -> None:
    page = httpx.get(f"{wsgi_server}/simple/requests/", headers={"Accept": JSON})
    assert page.status_code == 200
    assert page.headers["content-type"] == JSON
    assert page.json()["name"] == "requests"
    release = httpx.get(f"{wsgi_server}/project/requests/2.32.3/")
    assert '<script type="application/ld+json">' in release.text
    assert httpx.get(f"{wsgi_server}/project/requests/2.32.3/codemeta.json").json()["name"]


def test_example_cgi_script(tmp_path, shared_index: IndexedData) -> None:
    """The CGI script of examples/ run the way a web server runs it: environment in, HTTP
    head and body out on stdout."""
    env = {
        **os.environ,
        "LDINDEX_DB": shared_index.db_url,
        "LDINDEX_FILES": str(shared_index.files_dir),
        "LDINDEX_BASE_URL": BASE,
        "GATEWAY_INTERFACE": "CGI/1.1",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/simple/attrs/",
        "QUERY_STRING": "",
        "HTTP_ACCEPT": JSON,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "ldindex.cgi")], env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    message = BytesParser().parsebytes(head + b"\r\n\r\n")
    assert message["Status"].startswith("200")
    assert message["Content-Type"] == JSON
    assert message["Cache-Control"] == "public, max-age=60"
    assert b'"name":"attrs"' in body


def test_pages_say_how_long_they_may_be_reused_as_serve_does(shared_index) -> None:
    store = open_store(shared_index.db_url)
    short = Handler(store, BlobStore(shared_index.files_dir), BASE, max_age=5)
    for path in ("/simple/six/", "/project/six/", "/simple/"):  # the last is a built document
        page = short("GET", path)
        assert page.status == 200 and ("Cache-Control", "public, max-age=5") in page.headers
        fresh = short("GET", path, "", {"If-None-Match": dict(page.headers)["ETag"]})
        assert fresh.status == 304 and ("Cache-Control", "public, max-age=5") in fresh.headers


def test_validators_ranges_and_head(handler: Handler, shared_index) -> None:
    page = handler("GET", "/project/six/")
    etag = dict(page.headers)["ETag"]
    assert handler("GET", "/project/six/", "", {"If-None-Match": etag}).status == 304
    head = handler("HEAD", "/project/six/")
    assert head.body == b"" and dict(head.headers)["Content-Length"] == str(len(page.body))
    store = open_store(shared_index.db_url)
    wheel = store.get_file("six-1.16.0-py2.py3-none-any.whl")
    whole = (SHARED_ARTEFACTS / wheel.filename).read_bytes()
    part = handler("GET", f"/files/{wheel.url_path}", "", {"Range": "bytes=10-19"})
    assert part.status == 206 and part.body == whole[10:20]
    assert dict(part.headers)["Content-Range"] == f"bytes 10-19/{len(whole)}"
    tail = handler("GET", f"/files/{wheel.url_path}", "", {"Range": "bytes=-5"})
    assert tail.body == whole[-5:]
    refused = handler("GET", f"/files/{wheel.url_path}", "", {"Range": f"bytes={len(whole)}-"})
    assert refused.status == 416
    same = handler(
        "GET", f"/files/{wheel.url_path}", "", {"If-None-Match": f'"{wheel.hashes["sha256"]}"'}
    )
    assert same.status == 304 and same.body == b""
