"""The project's sdist and wheel, built offline once per test process from a copy of the
checkout (``python -m build --no-isolation``: the wheel is built from the sdist, so the sdist
must carry everything the wheel needs)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# What a checkout holds that is no part of the sources.
_NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache",
    ".hypothesis", ".schemathesis", "build", "dist", "site", "bench", "ldindex.db*",
    "ldindex-files",
)  # fmt: skip


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path
    version: str


def project_version() -> str:
    """The version as pyproject.toml states it: the one place it is written."""
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


@cache
def build_distributions(workdir: Path) -> Built:
    """Build the sdist and wheel into ``workdir/dist`` without network or build isolation
    (the test environment's setuptools builds them)."""
    source = workdir / "source"
    shutil.copytree(REPO, source, ignore=_NOT_SOURCES)
    out = workdir / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    version = project_version()
    return Built(
        sdist=out / f"ldindex-{version}.tar.gz",
        wheel=out / f"ldindex-{version}-py3-none-any.whl",
        version=version,
    )
