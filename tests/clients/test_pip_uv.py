"""pip and uv install real artefacts from the static export, over HTML and over JSON.

The export is served by ``python -m http.server`` (HTML API: directories give index.html) and
by a server that negotiates ``index.json`` by ``Accept``. Clients run isolated from this
machine's pip/uv configuration, so the loopback index is the only place they can look.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import uv

from .served import YANK_REASON, Server, Site, client_env

# Projects whose whole dependency trees are among the shared artefacts.
PROJECTS = [
    "attrs",
    "six",
    "packaging",
    "pluggy",
    "iniconfig",
    "colorama",
    "idna",
    "tomli",
    "toml",
    "typing_extensions",
]
# Pure-Python modules whose import proves the installed tree works here.
IMPORTS = ["attrs", "six", "packaging.version", "pluggy", "iniconfig", "colorama", "idna", "toml"]
# Pick wheels for one target whatever machine runs the tests (tomli's wheel is cp311 x86_64).
PIP_TARGET = [
    "--only-binary=:all:",
    "--python-version=3.11",
    "--implementation=cp",
    "--abi=cp311",
    "--platform=manylinux_2_17_x86_64",
]
UV_TARGET = ["--no-build", "--python-version=3.11", "--python-platform=x86_64-manylinux_2_17"]


def run(args: list[str], tmp: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        args, env=client_env(tmp), cwd=tmp, capture_output=True, text=True, timeout=300
    )
    assert (proc.returncode == 0) == ok, f"{args}\n{proc.stdout}\n{proc.stderr}"
    return proc


def pip(tmp: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    command, *rest = args
    base = [sys.executable, "-m", "pip", command, "--isolated", "--disable-pip-version-check"]
    return run([*base, *rest], tmp, ok)


def uv_pip(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([uv.find_uv_bin(), "pip", *args, "--no-cache", "--python", sys.executable], tmp)


def fetched(server: Server) -> list[str]:
    """Filenames (or simple pages) the server answered with 200 since the last reset."""
    return [path.rsplit("/", 1)[-1] or path for path, status in server.requests() if status == 200]


def assert_metadata_before_wheels(server: Server, wheels: list[str]) -> None:
    """Every wheel's PEP 658 file was fetched, and before the wheel itself (resolution
    needed no full download)."""
    order = fetched(server)
    for wheel in wheels:
        assert f"{wheel}.metadata" in order, f"{wheel}: PEP 658 metadata not used"
        if wheel in order:
            assert order.index(f"{wheel}.metadata") < order.index(wheel)


def installed_wheels(target: Path, site: Site) -> list[str]:
    """The wheel filenames the ``.dist-info`` directories under ``target`` came from."""
    names = []
    for info in sorted(target.glob("*.dist-info")):
        name, version = info.name.removesuffix(".dist-info").rsplit("-", 1)
        project = site.store.get_project(name)
        assert project is not None, info.name
        release = next(r for r in project.releases if r.version == version)
        wheels = [f.filename for f in release.files if f.packagetype == "bdist_wheel"]
        tags = (info / "WHEEL").read_text()
        names += [w for w in wheels if all(t in tags for t in _tags(w))]
    return names


def _tags(wheel: str) -> list[str]:
    python, abi, platform = wheel.removesuffix(".whl").split("-")[-3:]
    return [f"{python.split('.')[0]}-{abi}-"] if platform == "any" else [f"-{abi}-"]


def check_installed(target: Path, tmp: Path) -> None:
    for project in ("attrs", "six", "packaging", "tomli", "typing_extensions"):
        assert list(target.glob(f"{project}-*.dist-info/RECORD")), project
    assert (target / "six.py").is_file()
    assert (target / "packaging" / "version.py").is_file()
    code = f"import sys; sys.path.insert(0, {str(target)!r}); import {', '.join(IMPORTS)}"
    run([sys.executable, "-I", "-c", code], tmp)


def test_pip_sees_no_other_configuration(tmp_path: Path) -> None:
    listed = pip(tmp_path, "config", "list").stdout
    assert "index-url" not in listed and "find-links" not in listed
    assert "constraint" not in listed, listed


@pytest.mark.parametrize("server_name", ["http_server", "ldindex_server"])
def test_pip_resolves_from_metadata_alone(
    server_name: str, request: pytest.FixtureRequest, site: Site, tmp_path: Path
) -> None:
    http_server: Server = request.getfixturevalue(server_name)
    http_server.reset()
    report = tmp_path / "report.json"
    index = f"--index-url={http_server.index_url}"
    args = ["--dry-run", "--ignore-installed", "--no-cache-dir", index, f"--report={report}"]
    pip(tmp_path, "install", *args, *PIP_TARGET, "--target", str(tmp_path / "t"), *PROJECTS)
    resolved = json.loads(report.read_text())["install"]
    assert sorted(item["metadata"]["name"].lower().replace("-", "_") for item in resolved) == (
        sorted(p.lower() for p in PROJECTS)
    )
    got = fetched(http_server)
    assert sum(name.endswith(".whl.metadata") for name in got) == len(PROJECTS)
    assert not [n for n in got if n.endswith((".whl", ".tar.gz", ".zip"))], got
    for item in resolved:
        filename = item["download_info"]["url"].rsplit("/", 1)[-1]
        stored = site.store.get_file(filename)
        assert stored is not None
        assert item["download_info"]["archive_info"]["hashes"]["sha256"] == stored.hashes["sha256"]


@pytest.mark.parametrize("server_name", ["http_server", "json_server", "ldindex_server"])
def test_pip_install(
    server_name: str, request: pytest.FixtureRequest, site: Site, tmp_path: Path
) -> None:
    server: Server = request.getfixturevalue(server_name)
    server.reset()
    target = tmp_path / "target"
    index = f"--index-url={server.index_url}"
    pip(tmp_path, "install", "--no-cache-dir", index, *PIP_TARGET, f"--target={target}", *PROJECTS)
    check_installed(target, tmp_path)
    wheels = installed_wheels(target, site)
    assert len(wheels) == len(PROJECTS)
    assert_metadata_before_wheels(server, wheels)
    if server_name == "json_server":
        chosen = {c for path, _, c in server.accept_log if path.startswith("/simple/")}
        assert chosen == {"application/vnd.pypi.simple.v1+json"}, server.accept_log


@pytest.mark.parametrize("server_name", ["http_server", "ldindex_server"])
def test_pip_download_checks_hashes(
    server_name: str, request: pytest.FixtureRequest, site: Site, tmp_path: Path
) -> None:
    http_server: Server = request.getfixturevalue(server_name)
    out = tmp_path / "dl"
    index = f"--index-url={http_server.index_url}"
    pip(tmp_path, "download", "--no-deps", "--no-cache-dir", "-d", str(out), index, "requests")
    (wheel,) = out.iterdir()
    assert wheel.name == "requests-2.32.3-py3-none-any.whl"
    stored = site.store.get_file(wheel.name)
    assert stored is not None
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == stored.hashes["sha256"]


@pytest.mark.parametrize("server_name", ["http_server", "json_server"])
def test_pip_reports_the_yank_reason(
    server_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """MarkupSafe 3.0.2 is yanked, and for Python 3.12 the only match: pip skips it unless
    pinned, and then says why it was yanked (the reason unescaped)."""
    server: Server = request.getfixturevalue(server_name)
    out = tmp_path / "dl"
    target = ["--python-version=3.12", "--platform=manylinux_2_17_x86_64"]
    index = f"--index-url={server.index_url}"
    args = ["--no-deps", "--no-cache-dir", "-d", str(out), index, "--only-binary=:all:", *target]
    refused = pip(tmp_path, "download", *args, "markupsafe", ok=False)
    assert "Ignored the following yanked versions: 3.0.2" in refused.stderr
    proc = pip(tmp_path, "download", *args, "markupsafe==3.0.2")
    assert [p.name for p in out.iterdir()] == [
        "MarkupSafe-3.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    ]
    assert "yanked" in proc.stderr
    assert YANK_REASON in proc.stderr


@pytest.mark.parametrize("server_name", ["http_server", "json_server", "ldindex_server"])
def test_uv_install(
    server_name: str, request: pytest.FixtureRequest, site: Site, tmp_path: Path
) -> None:
    server: Server = request.getfixturevalue(server_name)
    server.reset()
    target = tmp_path / "target"
    index = ["--index-url", server.index_url]
    uv_pip(tmp_path, "install", *index, *UV_TARGET, "--target", str(target), *PROJECTS)
    check_installed(target, tmp_path)
    wheels = installed_wheels(target, site)
    assert len(wheels) == len(PROJECTS)
    assert_metadata_before_wheels(server, wheels)
    if server_name == "json_server":
        chosen = {c for path, _, c in server.accept_log if path.startswith("/simple/")}
        assert chosen == {"application/vnd.pypi.simple.v1+json"}, server.accept_log
