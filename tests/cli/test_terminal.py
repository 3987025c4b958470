"""What a person at a terminal sees: a progress bar that fits 80 columns and lets error lines
through whole, drawn only on a terminal; and ``serve`` announcing what it serves once, and
only once, its socket is bound, in the same words under either server."""

from __future__ import annotations

import fcntl
import gzip
import os
import pty
import re
import select
import socket
import struct
import subprocess
import termios
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import ATTRS, LDINDEX, SIX, clean_env, cli, one_error_line
from tests.ingest.craft import write_wheel

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def run_in_terminal(args: list[str], cwd: Path, columns: int = 80) -> tuple[int, str]:
    """Run ``ldindex ARGS`` with stdout and stderr on a pseudo-terminal of ``columns``."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in clean_env().items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen(
        [*LDINDEX, *args], cwd=cwd, stdin=follower, stdout=follower, stderr=follower,
        env=env | {"TERM": "xterm-256color"}, close_fds=True,
    )  # fmt: skip
    os.close(follower)
    received = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other side closed
                break
            if not chunk:
                break
            received += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(timeout=30), received.decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_fits_and_lets_errors_through(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    padding = {f"pad/m{j}.py": "x = 1\n" * 400 for j in range(10)}
    for i in range(120):
        write_wheel(batch, f"zzbar{i:03d}", members=padding)
    broken = batch / "zzbroken-1.0-py3-none-any.whl"
    broken.write_bytes(b"not a zip")
    status, screen = run_in_terminal(["ingest", "--workers", "1", str(batch)], tmp_path)
    assert status == 1
    assert "━" in screen  # the bar was drawn
    frames = [ANSI.sub("", frame) for frame in re.split(r"[\r\n]", screen)]
    bars = [frame for frame in frames if "━" in frame]
    assert bars and all(len(frame) <= 80 for frame in bars), max(bars, key=len)
    # the error line stands on its own, not inside a frame of the bar
    errors = [frame for frame in frames if "zzbroken" in frame and "error:" in frame]
    assert errors and all(frame.startswith("error: ") for frame in errors), errors
    assert "121 files: 120 added, 0 skipped, 1 failed" in screen


def test_no_bar_without_a_terminal(tmp_path: Path) -> None:
    result = subprocess.run(
        [*LDINDEX, "ingest", str(SIX)], cwd=tmp_path, env=clean_env(), capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0
    assert result.stderr == "" and "━" not in result.stdout


def test_quiet_draws_no_bar_even_on_a_terminal(tmp_path: Path) -> None:
    status, screen = run_in_terminal(["-q", "ingest", str(SIX), str(ATTRS)], tmp_path)
    assert status == 0 and ANSI.sub("", screen).strip() == ""


# -- serve -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("serve")
    assert cli("ingest", SIX, ATTRS, cwd=home).exit_code == 0
    return home


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_a_port_in_use_is_one_line_and_nothing_was_announced(index: Path, server: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*LDINDEX, "serve", "--port", str(port), "--server", server], cwd=index,
            env=clean_env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 1
    assert one_error_line(result.stderr) == (
        f"error: cannot listen on 127.0.0.1:{port}: address already in use "
        "(is another server running there?)"
    )


def _serve_until_announced(args: list[str], cwd: Path) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        [*LDINDEX, "serve", *args], cwd=cwd, env=clean_env(), stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    assert process.stderr is not None
    while not any(line.startswith("listening on ") for line in lines):
        line = process.stderr.readline()
        assert line, f"serve ended early: {lines}"
        lines.append(line.rstrip("\n"))
    return process, lines


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_serve_announces_what_and_where_once_bound(index: Path, server: str) -> None:
    process, lines = _serve_until_announced(
        ["--port", "0", "--server", server, "--files", "no-such-dir"], index
    )
    try:
        listening = lines[-1]
        url = re.match(r"listening on (http://127\.0\.0\.1:(\d+))", listening)
        assert url and url[2] != "0", listening
        assert f"({server}, 1 worker); Ctrl-C stops" in listening
        assert "serving ldindex.db (2 projects, 2 files) with artefacts from" in "\n".join(lines)
        assert any(
            line.startswith("warning: no file store at") and "no-such-dir" in line for line in lines
        )
        page = httpx.get(f"{url[1]}/simple/six/", timeout=10)  # bound before announced
        assert page.status_code == 200 and f"{url[1]}/files/" in page.text  # the real port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_ipv6_hosts_are_bracketed(index: Path) -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    process, lines = _serve_until_announced(["--host", "::1", "--port", "0"], index)
    try:
        url = re.match(r"listening on (http://\[::1\]:\d+)", lines[-1])
        assert url, lines
        assert f"{url[1]}/files/" in httpx.get(f"{url[1]}/simple/six/", timeout=10).text
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_localhost_is_served_under_that_name(index: Path) -> None:
    process, lines = _serve_until_announced(["--host", "localhost", "--port", "0"], index)
    try:
        url = re.match(r"listening on (http://localhost:\d+)", lines[-1])
        assert url, lines
        assert httpx.get(f"{url[1]}/simple/six/", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


# -- import-listing --------------------------------------------------------------------------


def _listing(path: Path, count: int) -> Path:
    header = "name\tversion\tmonth\trank_among_15000_most_downloaded\tsummary\n"
    rows = "".join(f"zzlisted{i}\t1.{i}\t2026-01\t\tProject number {i}\n" for i in range(count))
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(header + rows)
    return path


def test_import_listing_draws_the_shared_bar_and_prints_its_summary(tmp_path: Path) -> None:
    listing = _listing(tmp_path / "listing.tsv.gz", 20_000)
    status, screen = run_in_terminal(["import-listing", str(listing)], tmp_path)
    assert status == 0, screen
    frames = [ANSI.sub("", frame) for frame in re.split(r"[\r\n]", screen)]
    bars = [frame for frame in frames if "━" in frame]
    assert bars and all(len(frame) <= 80 for frame in bars), bars
    assert any(frame.startswith("importing") for frame in bars), bars
    assert "20,000 projects imported from" in screen


def test_quiet_import_listing_prints_nothing(tmp_path: Path) -> None:
    listing = _listing(tmp_path / "listing.tsv.gz", 200)
    status, screen = run_in_terminal(["-q", "import-listing", str(listing)], tmp_path)
    assert status == 0 and ANSI.sub("", screen).strip() == ""
    found = subprocess.run(
        [*LDINDEX, "search", "zzlisted7", "--json"], cwd=tmp_path, env=clean_env(),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert found.returncode == 0 and '"zzlisted7"' in found.stdout
