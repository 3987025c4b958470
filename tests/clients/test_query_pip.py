"""The environment query chooses what pip chooses, and pip and uv install from the
environment-scoped simple API.

For every release with several platform wheels among the shared artefacts and a grid of
CPython environments, ``GET /_/query`` on a running ``ldindex serve`` must name the file
that ``pip download --no-deps --only-binary=:all: --platform … --python-version …
--implementation cp --abi …`` downloads from the same server, or nothing when pip finds
nothing. pip runs as its own command-line entry point, many commands per process (see
``pip_download.py``), in two processes side by side, which keeps ~500 commands under a minute.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uv

from publisher.store import open_store
from tests.conftest import IndexedData, LiveServer

from .served import client_env

PYTHONS = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]
PLATFORMS = [
    *(f"manylinux_{glibc}_{arch}" for glibc in ("2_17", "2_28") for arch in ("x86_64", "aarch64")),
    "musllinux_1_2_x86_64",
    "musllinux_1_2_aarch64",
    *(f"macosx_{major}_0_{arch}" for major in (11, 12, 13, 14) for arch in ("x86_64", "arm64")),
    "win32",
    "win_amd64",
]
PIP_PROCESSES = 2
HERE = Path(__file__).parent


def platform_releases(data: IndexedData) -> list[tuple[str, str]]:
    """(project, version) of every release with at least two platform-specific wheels."""
    store = open_store(data.db_url)
    try:
        found = []
        for project in store.iter_projects():
            for release in project.releases:
                wheels = [
                    f
                    for f in release.files
                    if f.packagetype == "bdist_wheel" and any(p.os != "any" for p in f.platforms)
                ]
                if len(wheels) >= 2:
                    found.append((project.name, release.version))
        return found
    finally:
        store.close()


def pip_choices(jobs: list[dict], tmp: Path) -> dict[str, list[str]]:
    shares = [jobs[i::PIP_PROCESSES] for i in range(PIP_PROCESSES)]

    def run(share: list[dict]) -> dict[str, list[str]]:
        proc = subprocess.run(
            [sys.executable, str(HERE / "pip_download.py")],
            input=json.dumps(share),
            capture_output=True,
            text=True,
            env=client_env(tmp),
            cwd=tmp,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout)

    with ThreadPoolExecutor(PIP_PROCESSES) as pool:
        results: dict[str, list[str]] = {}
        for part in pool.map(run, shares):
            results.update(part)
    return results


def test_query_chooses_what_pip_downloads(live_server: LiveServer, tmp_path: Path) -> None:
    releases = platform_releases(live_server.data)
    assert len(releases) >= 5, releases  # MarkupSafe 2.1.5 and 3.0.2, PyYAML, msgpack, psutil
    index = f"{live_server.url}/simple/"
    jobs, cases = [], {}
    for python in PYTHONS:
        abi = "cp" + python.replace(".", "")
        for platform in PLATFORMS:
            for name, version in releases:
                key = f"{name}=={version}|{python}|{platform}"
                cases[key] = (name, version, python, abi, platform)
                args = [
                    "--no-deps", "--only-binary=:all:", "--platform", platform,
                    "--python-version", python, "--implementation", "cp", "--abi", abi,
                    "--index-url", index, f"{name}=={version}",
                ]  # fmt: skip
                jobs.append({"id": key, "args": args})
    pip = pip_choices(jobs, tmp_path)
    mismatches, found_by_pip = [], 0
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        for key, (name, version, python, abi, platform) in cases.items():
            params = {
                "name": name, "version": version, "python": python, "implementation": "cp",
                "abi": abi, "platform": platform, "kind": "wheel",
            }  # fmt: skip
            answer = client.get("/_/query", params=params)
            assert answer.status_code == 200, answer.text
            choice = answer.json()["choice"]
            ours = [choice["filename"]] if choice else []
            found_by_pip += bool(pip[key])
            if ours != pip[key]:
                mismatches.append((key, ours, pip[key]))
    assert not mismatches, mismatches[:20]
    # The grid holds both outcomes in numbers: files pip finds, and cases where it finds none.
    assert 50 < found_by_pip < len(cases) - 50, found_by_pip


@pytest.fixture(scope="module")
def env_index(live_server: LiveServer) -> Iterator[str]:
    yield f"{live_server.url}/_/env/cp311-cp311-manylinux_2_17_x86_64/simple/"


PROJECTS = ["attrs", "six", "packaging", "idna", "tomli"]


def test_pip_installs_from_the_environment_index(env_index: str, tmp_path: Path) -> None:
    """pip, unmodified, with nothing but --index-url: it gets the environment's files."""
    target = tmp_path / "target"
    command = [
        sys.executable, "-m", "pip", "install", "--isolated", "--disable-pip-version-check",
        "--no-cache-dir", "--only-binary=:all:", "--python-version=3.11", "--implementation=cp",
        "--abi=cp311", "--platform=manylinux_2_17_x86_64", f"--target={target}",
        f"--index-url={env_index}", "--report", str(tmp_path / "report.json"), *PROJECTS,
    ]  # fmt: skip
    proc = subprocess.run(
        command, env=client_env(tmp_path), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    installed = sorted(
        item["download_info"]["url"].rsplit("/", 1)[-1]
        for item in json.loads((tmp_path / "report.json").read_text())["install"]
    )
    assert "tomli-2.2.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" in installed
    assert len(installed) == 5, installed
    assert (target / "six.py").is_file()


def test_pip_finds_only_what_the_environment_can_install(env_index: str, tmp_path: Path) -> None:
    """MarkupSafe 3.0.2 has no cp311 wheel: from the cp311 index, a wheel-only download of it
    fails although the full index has five wheels; the sdist is what is offered."""
    base = [sys.executable, "-m", "pip", "download", "--isolated", "--no-deps", "--no-cache-dir"]
    target = [f"--index-url={env_index}", "-d", str(tmp_path / "d"), "markupsafe==3.0.2"]
    wheels_only = subprocess.run(
        [*base, "--only-binary=:all:", "--python-version=3.11", "--platform=win_amd64",
         *target],
        env=client_env(tmp_path), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert wheels_only.returncode != 0
    assert "No matching distribution found for markupsafe==3.0.2" in wheels_only.stderr
    page = httpx.get(
        env_index + "markupsafe/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    ).json()
    assert [f["filename"] for f in page["files"]] == ["markupsafe-3.0.2.tar.gz"]


def test_uv_installs_from_the_environment_index(env_index: str, tmp_path: Path) -> None:
    target = tmp_path / "target"
    command = [
        uv.find_uv_bin(), "pip", "install", "--no-cache", "--python", sys.executable,
        "--index-url", env_index, "--no-build", "--python-version=3.11",
        "--python-platform=x86_64-manylinux_2_17", "--target", str(target), *PROJECTS,
    ]  # fmt: skip
    proc = subprocess.run(
        command, env=client_env(tmp_path), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert list(target.glob("tomli-2.2.1.dist-info"))
    assert (target / "six.py").is_file()
    assert list(target.glob("attrs-25.3.0.dist-info"))
