"""``ldindex query`` as a user runs it: the same answer as ``/_/query``, readable or as JSON."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import IndexedData

LDINDEX = [sys.executable, "-c", "from publisher.cli import main; main()"]


def query(data: IndexedData, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LDINDEX, "query", "--db", data.db_url, *args],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_summary_names_the_choice_and_the_misfits(shared_index: IndexedData) -> None:
    done = query(shared_index, "PyYAML", "--python", "3.12", "--os", "linux",
                 "--os-version", "glibc 2.31", "--arch", "aarch64")  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "PyYAML 6.0.2"
    assert lines[1] == (
        "chosen: PyYAML-6.0.2-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"
    )
    assert any(line.startswith("  sha256: ") for line in lines)
    assert "also fits: pyyaml-6.0.2.tar.gz" in lines
    assert any(
        line.startswith("does not fit: PyYAML-6.0.2-cp312-cp312-win_amd64.whl (platform:")
        for line in lines
    )


def test_json_is_the_http_answer(shared_index: IndexedData) -> None:
    done = query(shared_index, "requests", "--python", "3.12", "--extra", "socks", "--json",
                 "--base-url", "http://index.example")  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["choice"]["filename"] == "requests-2.32.3-py3-none-any.whl"
    assert result["choice"]["url"].startswith("http://index.example/files/")
    assert result["query"]["extras"] == ["socks"]
    assert "pysocks" in {r["name"] for r in result["dependencies"]["requirements"] if r["applies"]}


def test_nothing_fits_exits_1_and_says_why(shared_index: IndexedData) -> None:
    done = query(shared_index, "msgpack", "--python", "3.8", "--platform", "win32",
                 "--kind", "wheel")  # fmt: skip
    assert done.returncode == 1
    assert "chosen: nothing fits this environment" in done.stdout
    assert "does not fit: msgpack-1.1.0-cp312-cp312-win_amd64.whl" in done.stdout


def test_errors_name_the_option_or_the_project(shared_index: IndexedData) -> None:
    bad = query(shared_index, "six", "--os", "linux", "--arch", "x86_64")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: invalid value for --os-version")
    missing = query(shared_index, "no-such-project")
    assert missing.returncode == 1
    assert "no project named 'no-such-project'" in missing.stderr
    version = query(shared_index, "six", "--version", "9")
    assert "six has no version 9" in version.stderr
