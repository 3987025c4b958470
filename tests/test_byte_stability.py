"""Every rendering is byte-identical for the same data in any process: across hash seeds
(worker processes, restarts) and across a server's workers, so ETags always match."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import httpx

from tests.conftest import REPO, IndexedData, start_server, stop_server

PATHS = [
    ("/project/msgpack/1.1.0/", "text/html"),
    ("/project/msgpack/1.1.0/", "application/ld+json"),
    ("/project/msgpack/1.1.0/", "text/turtle"),
    ("/project/msgpack/1.1.0/", "application/n-triples"),
    ("/project/msgpack/1.1.0/codemeta.json", "*/*"),
    ("/project/msgpack/1.1.0/citation.bib", "*/*"),
    ("/project/requests/2.32.3/", "text/html"),
    ("/project/markupsafe/", "text/html"),
    ("/project/markupsafe/", "application/ld+json"),
    ("/_/vocab", "application/ld+json"),
    ("/_/vocab", "text/html"),
    ("/", "text/html"),
    ("/sitemap.xml", "*/*"),
    ("/simple/msgpack/", "application/vnd.pypi.simple.v1+json"),
]

RENDER = """
import hashlib, json, sys
from publisher.routing import Resolver
from publisher.store import open_store
store = open_store(sys.argv[1])
resolver = Resolver(store, "http://127.0.0.1:8000")
out = {}
for path, accept in json.loads(sys.argv[2]):
    body = resolver(path, accept, "").render()
    out[f"{path} {accept}"] = hashlib.sha256(body).hexdigest()
print(json.dumps(out))
"""


def render_in_process(data: IndexedData, seed: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run(
        [sys.executable, "-c", RENDER, data.db_url, json.dumps(PATHS)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def test_renderings_do_not_depend_on_the_hash_seed(shared_index: IndexedData) -> None:
    first = render_in_process(shared_index, "1")
    second = render_in_process(shared_index, "2024")
    assert len(first) == len(PATHS)
    differing = [key for key in first if first[key] != second[key]]
    assert not differing, differing


def test_every_worker_answers_with_the_same_etag(shared_index: IndexedData) -> None:
    server = start_server(shared_index, workers=2)
    try:
        for path, accept in PATHS[:4]:
            etags, bodies = set(), set()
            for _ in range(12):  # a new connection each time, spread over both workers
                response = httpx.get(f"{server.url}{path}", headers={"Accept": accept})
                assert response.status_code == 200, path
                etags.add(response.headers["etag"])
                bodies.add(hashlib.sha256(response.content).hexdigest())
            assert len(etags) == 1 and len(bodies) == 1, (path, accept, etags)
            revalidated = httpx.get(
                f"{server.url}{path}",
                headers={"Accept": accept, "If-None-Match": etags.pop()},
            )
            assert revalidated.status_code == 304, path
    finally:
        stop_server(server)
