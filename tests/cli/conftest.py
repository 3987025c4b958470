"""Running ``ldindex`` as a user does: in-process through click's runner for speed, as a
real process where terminals, signals or servers matter, and without the capabilities that
let root ignore file modes where permissions must mean something (the suite may run as
root)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from publisher.cli import main
from tests.conftest import SHARED_ARTEFACTS

LDINDEX = [sys.executable, "-c", "from publisher.cli import main; main()"]
SIX = SHARED_ARTEFACTS / "six-1.16.0-py2.py3-none-any.whl"
ATTRS = SHARED_ARTEFACTS / "attrs-25.3.0-py3-none-any.whl"
IS_ROOT = os.geteuid() == 0
# Root passes every permission check; without these capabilities it meets file modes.
UNPRIVILEGED = (
    ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"] if IS_ROOT else []
)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LDINDEX_")}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "200"}


def cli(*args: str | Path, cwd: Path) -> Result:
    """``ldindex ARGS`` in-process, in ``cwd``; stderr apart from stdout."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        runner = CliRunner()
        return runner.invoke(
            main,
            [str(a) for a in args],
            env=_unset_env(),
            catch_exceptions=False,
            prog_name="ldindex",
        )
    finally:
        os.chdir(old)


def _unset_env() -> dict[str, str | None]:
    return {k: None for k in os.environ if k.startswith("LDINDEX_")}


def run(*args: str | Path, cwd: Path, unprivileged: bool = False, timeout: float = 120):
    """``ldindex ARGS`` as a real process; ``unprivileged``: file modes apply even to root."""
    return subprocess.run(
        [*(UNPRIVILEGED if unprivileged else []), *LDINDEX, *(str(a) for a in args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(),
        check=False,
    )


def one_error_line(stderr: str) -> str:
    """The single ``error: …`` line a failure prints, and nothing else."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


@dataclass(frozen=True)
class World:
    """A directory every user can enter, for tests that drop privileges."""

    root: Path

    def mkdir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True)
        path.chmod(0o777)
        return path


@pytest.fixture
def world() -> Iterator[World]:
    yield from world_directory("ldindex-cli-")


def world_directory(prefix: str) -> Iterator[World]:
    """A fresh ``World`` for one test, removed afterwards whatever its modes became."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)
    yield World(root)
    for path in [root, *root.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(root, ignore_errors=True)
