"""pypi-simple reads every page of the exported simple API, in HTML and in JSON."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
from pypi_simple import (
    ACCEPT_HTML_ONLY,
    ACCEPT_JSON_ONLY,
    DistributionPackage,
    IndexPage,
    ProjectPage,
    PyPISimple,
)

from crosswalk.records import Project

from .served import YANK_REASON, YANKED_FILE, YANKED_RELEASE, Server, Site


def expected_files(project: Project) -> dict[str, dict]:
    """What a client must find for each file of ``project``."""
    found = {}
    for release in project.releases:
        for f in release.files:
            yanked = f.yanked or release.yanked
            found[f.filename] = {
                "version": release.version,
                "url_tail": f"/files/{f.url_path}",
                "digests": {"sha256": f.hashes["sha256"]},
                "requires_python": f.requires_python,
                "is_yanked": yanked,
                "yanked_reason": release.yanked_reason if release.yanked else None,
                "metadata": f.metadata_sha256 if f.packagetype == "bdist_wheel" else None,
                "size": f.size,
            }
    return found


def seen(pkg: DistributionPackage) -> dict:
    return {
        "version": pkg.version,
        "url_tail": pkg.url[pkg.url.index("/files/") :],
        "digests": pkg.digests,
        "requires_python": pkg.requires_python,
        "is_yanked": pkg.is_yanked,
        "yanked_reason": pkg.yanked_reason or None,
        "metadata": (pkg.metadata_digests or {}).get("sha256") if pkg.has_metadata else None,
    }


def check_page(page: ProjectPage, project: Project, with_size: bool) -> None:
    want = expected_files(project)
    got = {pkg.filename: pkg for pkg in page.packages}
    assert sorted(got) == sorted(want)
    for filename, pkg in got.items():
        expected = dict(want[filename])
        size = expected.pop("size")
        assert seen(pkg) == expected, filename
        if with_size:
            assert pkg.size == size
            assert pkg.upload_time is not None
    assert page.repository_version == "1.4"
    assert page.status is not None and page.status.value == "active"


def test_html_pages_of_every_project(site: Site, http_server: Server) -> None:
    projects = list(site.store.iter_projects())
    with PyPISimple(http_server.index_url, accept=ACCEPT_HTML_ONLY) as client:
        index = client.get_index_page()
        assert sorted(index.projects) == sorted(p.display_name for p in projects)
        for project in projects:
            check_page(client.get_project_page(project.display_name), project, with_size=False)


def test_json_pages_of_every_project(site: Site, json_server: Server) -> None:
    projects = list(site.store.iter_projects())
    with PyPISimple(json_server.index_url, accept=ACCEPT_JSON_ONLY) as client:
        index = client.get_index_page()
        assert sorted(index.projects) == sorted(p.display_name for p in projects)
        for project in projects:
            page = client.get_project_page(project.name)
            check_page(page, project, with_size=True)
            assert sorted(page.versions or []) == sorted(r.version for r in project.releases)
    served = {chosen for path, _, chosen in json_server.accept_log if path != "/simple/"}
    assert served == {"application/vnd.pypi.simple.v1+json"}


def test_exported_json_files_parse_offline(site: Site) -> None:
    """The export's index.json files, read from disk, say what the store holds."""
    root = site.root / "simple"
    index = IndexPage.from_json_data(orjson.loads((root / "index.json").read_bytes()))
    assert len(index.projects) == site.report.projects
    for project in site.store.iter_projects():
        data = orjson.loads((root / project.name / "index.json").read_bytes())
        page = ProjectPage.from_json_data(data, f"http://example.test/simple/{project.name}/")
        check_page(page, project, with_size=True)
        for pkg in page.packages:
            assert pkg.url.startswith("http://example.test/files/")


def test_yanks_reach_the_client(site: Site, http_server: Server) -> None:
    with PyPISimple(http_server.index_url, accept=ACCEPT_HTML_ONLY) as client:
        markupsafe = client.get_project_page(YANKED_RELEASE[0])
        six = client.get_project_page("six")
    yanked = [p for p in markupsafe.packages if p.version == YANKED_RELEASE[1]]
    assert yanked and all(p.is_yanked and p.yanked_reason == YANK_REASON for p in yanked)
    assert not any(p.is_yanked for p in markupsafe.packages if p.version != YANKED_RELEASE[1])
    by_name = {p.filename: p for p in six.packages}
    assert by_name[YANKED_FILE].is_yanked and not by_name[YANKED_FILE].yanked_reason
    assert not by_name["six-1.16.0-py2.py3-none-any.whl"].is_yanked


@pytest.mark.parametrize("server_name", ["http_server", "json_server"])
def test_downloads_and_metadata_verify(
    server_name: str, request: pytest.FixtureRequest, site: Site, tmp_path: Path
) -> None:
    """Every artefact downloads with a matching hash; every wheel's PEP 658 file too."""
    server: Server = request.getfixturevalue(server_name)
    checked = 0
    with PyPISimple(server.index_url) as client:
        for project in site.store.iter_projects():
            for pkg in client.get_project_page(project.name).packages:
                target = tmp_path / pkg.filename
                client.download_package(pkg, target, verify=True)
                assert pkg.digests["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
                if pkg.has_metadata:
                    text = client.get_package_metadata(pkg, verify=True)
                    assert text.startswith("Metadata-Version:")
                    checked += 1
    assert checked == site.report.metadata_files
