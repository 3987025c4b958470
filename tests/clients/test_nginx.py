"""examples/nginx.conf serving the export: HTML or JSON by Accept, gzip_static, and pip."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

from .served import Site, client_env, nginx_binary, running_nginx

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nginx.conf"
PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)
JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture(scope="module")
def nginx(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    binary = nginx_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed; .ci/run installs it")
        pytest.skip("nginx is not installed")
    prefix = tmp_path_factory.mktemp("nginx")
    port = free_port()
    server = EXAMPLE.read_text()
    server = re.sub(r"listen \d+;", f"listen 127.0.0.1:{port};", server)
    server = re.sub(r"root [^;]+;", f"root {site.root};", server)
    with running_nginx(binary, prefix, server, port) as access_log:
        yield f"http://127.0.0.1:{port}", access_log


def get(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, headers=headers, trust_env=False, follow_redirects=False)


@pytest.mark.parametrize(
    ("accept", "fmt", "variant"),
    [
        (None, None, "index.html"),
        ("text/html", None, "index.html"),
        (PIP_ACCEPT, None, "index.json"),
        ("application/vnd.pypi.simple.latest+json", None, "index.json"),
        (f"{JSON};q=0, text/html", None, "index.html"),
        ("text/html", "application/vnd.pypi.simple.v1+json", "index.json"),
        (PIP_ACCEPT, "text/html", "index.html"),
    ],
)
def test_negotiation(
    nginx: tuple[str, Path], site: Site, accept: str | None, fmt: str | None, variant: str
) -> None:
    base, _ = nginx
    for path in ("simple/", "simple/markupsafe/"):
        headers = {"Accept": accept} if accept else {}
        params = {"format": fmt} if fmt else None
        response = httpx.get(f"{base}/{path}", headers=headers, params=params, trust_env=False)
        assert response.status_code == 200
        assert response.content == (site.root / path / variant).read_bytes()
        kind = JSON if variant == "index.json" else "text/html"
        assert response.headers["content-type"].split(";")[0] == kind
        assert "Accept" in response.headers.get_list("vary")


def test_gzip_static_and_redirects(nginx: tuple[str, Path], site: Site) -> None:
    base, _ = nginx
    response = httpx.get(
        f"{base}/simple/six/", headers={"Accept-Encoding": "gzip"}, trust_env=False
    )
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == (site.root / "simple/six/index.html").read_bytes()
    raw = (site.root / "simple/six/index.html.gz").read_bytes()
    assert gzip.decompress(raw) == response.content
    moved = get(f"{base}/simple/six")
    assert moved.status_code == 301 and moved.headers["location"] == "/simple/six/"
    assert get(f"{base}/.ldindex-export").status_code == 403


def test_files_and_metadata(nginx: tuple[str, Path], site: Site) -> None:
    base, _ = nginx
    project = site.store.get_project("attrs")
    assert project is not None
    wheel = project.releases[0].files[0]
    artefact = get(f"{base}/files/{wheel.url_path}")
    assert artefact.status_code == 200
    assert artefact.content == (site.root / "files" / wheel.url_path).read_bytes()
    assert "immutable" in artefact.headers["cache-control"]
    metadata = get(f"{base}/files/{wheel.url_path}.metadata")
    assert metadata.content.startswith(b"Metadata-Version:")


def test_pip_installs_through_nginx(nginx: tuple[str, Path], tmp_path: Path) -> None:
    base, log = nginx
    target = tmp_path / "target"
    options = ["--isolated", "--no-cache-dir", "--only-binary=:all:", f"--target={target}"]
    index = f"--index-url={base}/simple/"
    command = [sys.executable, "-m", "pip", "install", *options, index, "attrs", "six", "iniconfig"]
    proc = subprocess.run(command, env=client_env(tmp_path), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (target / "six.py").is_file() and (target / "attrs" / "__init__.py").is_file()
    requests = log.read_text()
    for wheel in ("attrs-25.3.0-py3-none-any.whl", "six-1.16.0-py2.py3-none-any.whl"):
        assert f"{wheel}.metadata HTTP" in requests


def test_listing_and_catalogue_from_the_export(nginx: tuple[str, Path]) -> None:
    base, _ = nginx
    page = get(f"{base}/_/search/all")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<tr><td>six</td>" in page.text
    data = get(f"{base}/_/search/all", accept="application/json")
    assert data.headers["content-type"] == "application/json"
    assert "six" in [row[0] for row in data.json()["projects"]]
    packed = get(f"{base}/_/search/all", **{"accept-encoding": "gzip"})
    assert packed.headers.get("content-encoding") == "gzip"
    dump = get(f"{base}/_/dump/catalogue.sqlite")
    assert dump.headers["content-type"] == "application/vnd.sqlite3"
    assert dump.content.startswith(b"SQLite format 3\x00")
