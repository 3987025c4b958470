"""``ldindex serve`` as a real process: it starts, answers over TCP, and serves the docs."""

from __future__ import annotations

import httpx


def test_serve_answers_over_tcp(live_server) -> None:
    response = httpx.get(f"{live_server.url}/simple/attrs/")
    assert response.status_code == 200
    assert f"{live_server.url}/files/" in response.text


def test_openapi_description(live_server) -> None:
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    assert "/files/{path}" in spec["paths"]
    assert "/simple/{name}/" in spec["paths"]
    assert httpx.get(f"{live_server.url}/docs").status_code == 200
