"""``ldindex serve --watch`` with two workers over a folder that changes under it: every
step shows on the simple API, the project page and search within 2 s, a file being copied
is never served, a bad file is reported and skipped, pip installs from it, and a restart
picks up what changed while it was down."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from tests.clients.served import client_env
from tests.conftest import SHARED_ARTEFACTS, free_port

from .conftest import IDNA, NEW_MARKUPSAFE, OLD_MARKUPSAFE

STEP = 2.0  # seconds within which every change must show, on every worker
_LINK = re.compile(r'href="([^"#]+)#sha256=([0-9a-f]{64})"')


@dataclass
class Watching:
    url: str
    process: subprocess.Popen
    log: Path

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()


def start(folder: Path, db: Path, log: Path) -> Watching:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "publisher.cli", "serve", "--watch", str(folder), "--db", str(db),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--base-url", url,
        "--settle", "0.5",
    ]  # fmt: skip
    with log.open("ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=sink, env={**os.environ})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            httpx.get(f"{url}/robots.txt", timeout=1)
            return Watching(url, process, log)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"the server did not start: {log.read_text()}")


def stop(server: Watching) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        raise


def within(check: Callable[[], bool], seconds: float = STEP) -> None:
    """``check`` holds within ``seconds``, and then holds on every worker (ten reads)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not reflected within {seconds} s"
        time.sleep(0.05)
    assert all(check() for _ in range(10))


def simple_files(url: str, name: str) -> dict[str, str] | None:
    """filename → sha256 on ``/simple/NAME/``, or None when the project is not there."""
    page = httpx.get(f"{url}/simple/{name}/")
    if page.status_code == 404:
        return None
    page.raise_for_status()
    return {href.rsplit("/", 1)[-1]: digest for href, digest in _LINK.findall(page.text)}


def state(url: str, name: str) -> tuple[dict[str, str] | None, str | None, bool]:
    """What the simple API, the project page and search say of a project."""
    files = simple_files(url, name)
    page = httpx.get(f"{url}/project/{name}/")
    latest = None
    if page.status_code == 200:
        found = re.search(r"Latest release: <a[^>]*>([^<]+)</a>", page.text)
        latest = found[1] if found else "?"
    else:
        assert page.status_code == 404
    search = httpx.get(f"{url}/_/search/", params={"q": name})
    return files, latest, f'href="/project/{name}/"' in search.text


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "wheels"
    made.mkdir()
    return made


@pytest.fixture
def server(folder: Path, tmp_path: Path) -> Iterator[Watching]:
    running = start(folder, tmp_path / "index.db", tmp_path / "serve.log")
    yield running
    if running.process.poll() is None:
        stop(running)


def copy_slowly(source: Path, target: Path, url: str, chunks: int = 8) -> None:
    """Copy in chunks, checking between them that nothing of the file is served yet."""
    data = source.read_bytes()
    size = -(-len(data) // chunks)
    with target.open("wb") as out:
        for start_at in range(0, len(data), size):
            out.write(data[start_at : start_at + size])
            out.flush()
            assert simple_files(url, "markupsafe") is None or target.name not in simple_files(
                url, "markupsafe"
            ), "a half-copied file is listed"
            time.sleep(0.1)


def test_serve_watch_follows_the_folder(server: Watching, folder: Path, tmp_path: Path) -> None:
    url = server.url
    assert state(url, "markupsafe") == (None, None, False)
    watchers = [p for p in psutil.Process(server.process.pid).children(recursive=True)
                if "spawn_main" in " ".join(p.cmdline())]  # fmt: skip

    # 1. a real wheel, copied slowly: listed once complete, with its true digest
    copy_slowly(SHARED_ARTEFACTS / OLD_MARKUPSAFE, folder / OLD_MARKUPSAFE, url)
    old_digest = sha256(SHARED_ARTEFACTS / OLD_MARKUPSAFE)
    within(lambda: state(url, "markupsafe") == ({OLD_MARKUPSAFE: old_digest}, "2.1.5", True))
    href = _LINK.search(httpx.get(f"{url}/simple/markupsafe/").text)[1]
    body = httpx.get(href).content
    assert hashlib.sha256(body).hexdigest() == old_digest

    # 2. a second version
    copy_slowly(SHARED_ARTEFACTS / NEW_MARKUPSAFE, folder / NEW_MARKUPSAFE, url)
    new_digest = sha256(SHARED_ARTEFACTS / NEW_MARKUPSAFE)
    both = {OLD_MARKUPSAFE: old_digest, NEW_MARKUPSAFE: new_digest}
    within(lambda: state(url, "markupsafe") == (both, "3.0.2", True))

    # 3. a corrupt file: reported with its reason, skipped, and the watcher goes on
    (folder / "broken-1.0-py3-none-any.whl").write_bytes(b"PK\x03\x04 not really a zip")
    within(lambda: any("broken-1.0-py3-none-any.whl: skipped: not a readable zip" in line
                       for line in server.lines()))  # fmt: skip
    assert state(url, "broken") == (None, None, False)

    # pip installs the new version from the running server
    target = tmp_path / "target"
    pip = [
        sys.executable, "-m", "pip", "install", "--isolated", "--disable-pip-version-check",
        "--no-cache-dir", "--index-url", f"{url}/simple/", "--target", str(target),
        "--only-binary=:all:", "--python-version=3.12", "--implementation=cp", "--abi=cp312",
        "--platform=manylinux_2_17_x86_64", "markupsafe",
    ]  # fmt: skip
    done = subprocess.run(pip, env=client_env(tmp_path), capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (target / "MarkupSafe-3.0.2.dist-info").is_dir()

    # 4. the first wheel deleted: its release goes
    (folder / OLD_MARKUPSAFE).unlink()
    within(lambda: state(url, "markupsafe") == ({NEW_MARKUPSAFE: new_digest}, "3.0.2", True))
    assert httpx.get(f"{url}/project/markupsafe/2.1.5/").status_code == 404
    assert httpx.get(href).status_code == 404

    # 5. the last one deleted: the project leaves the simple index, its pages and search
    (folder / NEW_MARKUPSAFE).unlink()
    within(lambda: state(url, "markupsafe") == (None, None, False))
    assert "markupsafe" not in httpx.get(f"{url}/simple/").text

    # one process watched and wrote, beside the two workers
    lines = server.lines()
    assert sum(f"added {OLD_MARKUPSAFE}" in line for line in lines) == 1
    assert sum("broken-1.0-py3-none-any.whl: skipped" in line for line in lines) == 1
    assert len(watchers) == 1
    holder = int((tmp_path / "index.db-watch.lock").read_text())
    assert holder == watchers[0].pid

    # a restart with files added (and removed) while it was down picks them up
    stop(server)
    assert not watchers[0].is_running() or watchers[0].status() == psutil.STATUS_ZOMBIE
    (folder / "broken-1.0-py3-none-any.whl").unlink()
    (folder / "later").mkdir()
    (folder / "later" / IDNA).write_bytes((SHARED_ARTEFACTS / IDNA).read_bytes())
    (folder / OLD_MARKUPSAFE).write_bytes((SHARED_ARTEFACTS / OLD_MARKUPSAFE).read_bytes())
    time.sleep(0.6)  # rested before the start: in the index before the server listens
    again = start(folder, tmp_path / "index.db", tmp_path / "serve.log")
    try:
        assert simple_files(again.url, "idna") == {IDNA: sha256(SHARED_ARTEFACTS / IDNA)}
        assert simple_files(again.url, "markupsafe") == {OLD_MARKUPSAFE: old_digest}
        assert httpx.get(f"{again.url}/project/idna/").status_code == 200
    finally:
        stop(again)
