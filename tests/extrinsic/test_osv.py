"""OSV range evaluation (crosswalk.osv) and ``ldindex advisories import`` of OSV documents."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crosswalk.osv import affected_versions, affects, fixed_versions, osv_projects
from tests.conftest import IndexedData, writable_index

LDINDEX = [sys.executable, "-c", "from publisher.cli import main; main()"]


def osv(
    osv_id: str, name: str, ranges: list | None = None, versions: list | None = None, **extra
) -> dict:
    """An advisory in the OSV schema (1.6), as osv.dev and the GitHub advisory database
    publish them for PyPI packages."""
    affected: dict = {"package": {"ecosystem": "PyPI", "name": name, "purl": f"pkg:pypi/{name}"}}
    if ranges is not None:
        affected["ranges"] = ranges
    if versions is not None:
        affected["versions"] = versions
    return {
        "schema_version": "1.6.0",
        "id": osv_id,
        "modified": "2024-12-23T15:34:52Z",
        "published": "2024-12-23T15:34:52Z",
        "aliases": [f"CVE-{osv_id[-4:]}"],
        "summary": f"{name}: a test advisory",
        "details": "Crafted for the tests.",
        "affected": [affected],
        "references": [{"type": "WEB", "url": f"https://example.org/{osv_id}"}],
        "database_specific": {"severity": "MODERATE", "cwe_ids": ["CWE-79"]},
        **extra,
    }


def ecosystem(*events: dict) -> list[dict]:
    return [{"type": "ECOSYSTEM", "events": list(events)}]


VERSIONS = ["0.9", "1.0", "1.5", "2.0", "2.0.1", "2.1", "3.0rc1", "3.0"]


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        (({"introduced": "0"}, {"fixed": "2.0"}), ["0.9", "1.0", "1.5"]),
        (({"introduced": "1.0"}, {"last_affected": "2.0"}), ["1.0", "1.5", "2.0"]),
        (({"introduced": "2.0"},), ["2.0", "2.0.1", "2.1", "3.0rc1", "3.0"]),
        (({"introduced": "0"}, {"fixed": "1.0"}, {"introduced": "2.0"}, {"fixed": "2.1"}),
         ["0.9", "2.0", "2.0.1"]),
        (({"introduced": "1.0"}, {"limit": "1.5"}), ["1.0"]),
        (({"fixed": "2.0"}, {"introduced": "1.0"}), ["1.0", "1.5"]),  # order does not matter
    ],
)  # fmt: skip
def test_ecosystem_ranges(events: tuple, expected: list[str]) -> None:
    doc = osv("GHSA-aaaa-bbbb-0001", "Demo_Pkg", ecosystem(*events))
    assert affected_versions(doc, "demo-pkg", VERSIONS) == expected


def test_versions_list_git_ranges_and_other_ecosystems() -> None:
    doc = osv(
        "PYSEC-2024-0002",
        "demo",
        [{"type": "GIT", "repo": "https://example.org/r", "events": [{"introduced": "0"}]}],
        versions=["1.5", "2.0.0"],
    )
    assert affected_versions(doc, "demo", VERSIONS) == ["1.5", "2.0"]  # 2.0.0 == 2.0
    npm = {**doc, "affected": [{"package": {"ecosystem": "npm", "name": "demo"},
                                "versions": ["1.5"]}]}  # fmt: skip
    assert not affects(npm, "demo", "1.5") and osv_projects(npm) == []
    assert osv_projects(doc) == ["demo"]


def test_fixed_versions_in_version_order() -> None:
    doc = osv("GHSA-x", "demo", ecosystem({"introduced": "0"}, {"fixed": "10.0"},
                                          {"introduced": "11"}, {"fixed": "9.1"}))  # fmt: skip
    assert fixed_versions(doc, "demo") == ["9.1", "10.0"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LDINDEX, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> IndexedData:
    return writable_index(tmp_path_factory.mktemp("osv"))


def _advisories(data: IndexedData) -> dict[str, list[str]]:
    from crosswalk.records import ADVISORY, Target
    from publisher.store import open_store

    store = open_store(data.db_url)
    try:
        items = store.list_items(Target("markupsafe"), ADVISORY, exact=False)
    finally:
        store.close()
    found: dict[str, list[str]] = {}
    for item in items:
        found.setdefault(item.data["id"], []).append(item.target.version)
    return {k: sorted(v) for k, v in found.items()}


def test_import_attaches_to_affected_releases_and_stays_in_step(
    data: IndexedData, tmp_path: Path
) -> None:
    folder = tmp_path / "osv"
    (folder / "nested").mkdir(parents=True)
    old_only = osv("GHSA-old0-0000-0001", "MarkupSafe", ecosystem({"introduced": "0"},
                                                                   {"fixed": "3.0.0"}))  # fmt: skip
    both = osv("PYSEC-2025-0002", "markupsafe", versions=["2.1.5", "3.0.2"])
    other = osv("GHSA-else-0000-0003", "not-in-this-index", versions=["1.0"])
    (folder / "a.json").write_text(json.dumps(old_only))
    (folder / "nested" / "b.json").write_text(json.dumps([both, other]))
    (folder / "notes.txt").write_text("ignored")

    result = run("advisories", "import", str(folder), "--db", data.db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 advisories: 3 attached, 0 updated, 0 unchanged, 0 detached" in result.stderr
    assert "not in this index: not-in-this-index" in result.stderr
    assert _advisories(data) == {
        "GHSA-old0-0000-0001": ["2.1.5"],
        "PYSEC-2025-0002": ["2.1.5", "3.0.2"],
    }

    again = run("advisories", "import", str(folder), "--db", data.db_url, cwd=tmp_path)
    assert "0 attached, 0 updated, 3 unchanged, 0 detached" in again.stderr

    # The database narrows one advisory and amends the other: the import follows.
    narrowed = {**both, "affected": [{**both["affected"][0], "versions": ["3.0.2"]}]}
    amended = {**old_only, "summary": "amended"}
    (folder / "a.json").write_text(json.dumps(amended))
    (folder / "nested" / "b.json").write_text(json.dumps([narrowed]))
    third = run("advisories", "import", str(folder), "--db", data.db_url, cwd=tmp_path)
    assert "0 attached, 2 updated, 0 unchanged, 1 detached" in third.stderr, third.stderr
    assert _advisories(data) == {
        "GHSA-old0-0000-0001": ["2.1.5"],
        "PYSEC-2025-0002": ["3.0.2"],
    }


def test_import_refuses_invalid_documents_naming_them(data: IndexedData, tmp_path: Path) -> None:
    bad = osv("GHSA-bad0-0000-0001", "markupsafe", versions=["3.0.2"])
    bad["severity"] = [{"type": "CVSS_V9", "score": "x"}]
    bad["unexpected"] = True
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    (tmp_path / "broken.json").write_text("{not json")
    result = run("advisories", "import", str(tmp_path), "--db", data.db_url, cwd=tmp_path)
    assert result.returncode == 1
    assert "bad.json: advisory.data.severity.0.type" in result.stderr
    assert "data.unexpected: unknown field" in result.stderr
    assert "broken.json" in result.stderr
    assert "GHSA-bad0-0000-0001" not in _advisories(data)
