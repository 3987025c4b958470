"""Schemathesis against a running ``ldindex serve``: the whole OpenAPI document, the write API
with an admin token, every check. Bounded (fixed examples, fixed seed) to stay fast."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveServer, make_token, start_server, stop_server, writable_index

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(writable_index(tmp_path_factory.mktemp("fuzz")))
    yield live
    stop_server(live)


def schemathesis(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    token = make_token(server.data, "admin", "fuzzer")
    command = [
        str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", f"{server.url}/openapi.json",
        "--header", f"Authorization: Bearer {token}", "--seed", "1", "--no-shrink",
        "--request-timeout", "20", *args,
    ]  # fmt: skip
    # Run where its cache (.schemathesis/) lands beside the server's data, not in the checkout.
    cwd = server.data.root
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=cwd)


def test_every_route_passes_every_check(server: LiveServer) -> None:
    """No 5xx anywhere, every status declared with its body, 405s with a true Allow header,
    schema-violating bodies refused, resources readable after creation."""
    result = schemathesis(server, "--checks", "all", "--max-examples", "8")
    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    assert " passed" in summary and "failures" not in summary.lower(), summary
    selected = re.search(r"Selected: (\d+)/(\d+)", summary)
    tested = re.search(r"Tested: (\d+)", summary)
    assert selected and tested, summary
    assert int(selected[1]) == int(selected[2]) == int(tested[1]) >= 30, summary
