"""Simple Repository API pages: PEP 503 HTML and PEP 691 JSON, as bytes.

What the pages carry: ``#sha256=`` fragments and ``hashes``, Requires-Python, PEP 592 yanks
with reasons, PEP 658/714 core-metadata hashes (wheels only: an sdist's PKG-INFO may leave
fields dynamic), PEP 700 ``size``/``upload-time``/``versions`` and PEP 792 project status,
hence API version 1.4. PEP 740 provenance is left out until there is provenance to publish.

The environment-scoped pages (``/_/env/{tag}/simple/{name}/``) pass a *selection*: the
files installable there, best first, listed in that order instead of all of them.

A file's URL is ``{files_url}/{url_path}``; ``files_url`` may be absolute (``http://host/files``),
root-relative (``/files``) or relative to the project page (``../../files``): clients resolve
relative URLs against the page URL in both formats.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO
from urllib.parse import quote

import orjson

from crosswalk.names import version_key
from crosswalk.records import DistributionFile, Project, Release
from publisher.render.environment import environment

__all__ = [
    "API_VERSION",
    "SimpleFile",
    "index_html",
    "index_json",
    "project_html",
    "project_json",
    "simple_files",
    "write_index_html",
    "write_index_json",
]

API_VERSION = "1.4"

# PEP 792: a quarantined project's files must not be offered.
WITHHELD_STATUSES = frozenset({"quarantined"})


@dataclass(frozen=True, slots=True)
class SimpleFile:
    """One file as the simple API shows it; yanked if the file or its release is."""

    filename: str
    url: str
    sha256: str
    size: int
    upload_time: str
    requires_python: str | None
    yanked: bool
    yanked_reason: str | None
    metadata_sha256: str | None


def index_html(projects: Sequence[tuple[str, str]]) -> bytes:
    """The PEP 503 root page from ``(normalised name, display name)`` pairs."""
    out = io.BytesIO()
    write_index_html(projects, out)
    return out.getvalue()


def index_json(projects: Sequence[tuple[str, str]]) -> bytes:
    """The PEP 691 root document from ``(normalised name, display name)`` pairs."""
    out = io.BytesIO()
    write_index_json(projects, out)
    return out.getvalue()


_STREAM_BATCH = 4096


def write_index_html(projects: Iterable[tuple[str, str]], out: IO[bytes]) -> None:
    """The PEP 503 root page, streamed: the template renders lazily, row by row, so a
    catalogue of a million projects never sits in memory as a list."""
    rows = ({"href": f"{quote(name)}/", "display_name": display} for name, display in projects)
    page = environment().get_template("simple/index.html")
    batch: list[str] = []
    for piece in page.generate(api_version=API_VERSION, projects=rows):
        batch.append(piece)
        if len(batch) >= _STREAM_BATCH:
            out.write("".join(batch).encode())
            batch.clear()
    out.write("".join(batch).encode())


def write_index_json(projects: Iterable[tuple[str, str]], out: IO[bytes]) -> None:
    """The PEP 691 root document, streamed."""
    out.write(b'{"meta":' + orjson.dumps({"api-version": API_VERSION}) + b',"projects":[')
    batch: list[bytes] = []
    for number, (_, display) in enumerate(projects):
        row = orjson.dumps({"name": display})
        batch.append(row if number == 0 else b"," + row)
        if len(batch) >= _STREAM_BATCH:
            out.write(b"".join(batch))
            batch.clear()
    out.write(b"".join(batch) + b"]}")


Selection = Sequence[tuple[Release, DistributionFile]]


def project_html(project: Project, files_url: str, selection: Selection | None = None) -> bytes:
    """The PEP 503 page of one project (of the ``selection`` of its files, if given)."""
    page = environment().get_template("simple/project.html")
    return page.render(
        api_version=API_VERSION,
        display_name=project.display_name,
        status=project.status or "active",
        status_reason=project.status_reason,
        files=list(simple_files(project, files_url, selection)),
    ).encode()


def project_json(project: Project, files_url: str, selection: Selection | None = None) -> bytes:
    """The PEP 691 document of one project (of the ``selection`` of its files, if given)."""
    status: dict[str, str] = {"status": project.status or "active"}
    if project.status_reason:
        status["reason"] = project.status_reason
    return orjson.dumps(
        {
            "meta": {"api-version": API_VERSION},
            "name": project.name,
            "project-status": status,
            "versions": _versions(project, selection),
            "files": [_file_json(f) for f in simple_files(project, files_url, selection)],
        }
    )


def simple_files(
    project: Project, files_url: str, selection: Selection | None = None
) -> Iterator[SimpleFile]:
    """The files a project's page lists: releases oldest first, files by name; or the
    ``selection``, in its order."""
    if project.status in WITHHELD_STATUSES:
        return
    base = files_url.rstrip("/")
    for release, f in _all_files(project) if selection is None else selection:
        yanked = f.yanked or release.yanked
        yield SimpleFile(
            filename=f.filename,
            url=f"{base}/{quote(f.url_path)}",
            sha256=f.hashes["sha256"],
            size=f.size,
            upload_time=_timestamp(f.upload_time),
            requires_python=f.requires_python,
            yanked=yanked,
            yanked_reason=(f.yanked_reason or release.yanked_reason) if yanked else None,
            metadata_sha256=_metadata_sha256(f),
        )


def _all_files(project: Project) -> Iterable[tuple[Release, DistributionFile]]:
    for release in _releases(project):
        for f in sorted(release.files, key=lambda f: f.filename):
            yield release, f


def _versions(project: Project, selection: Selection | None) -> list[str]:
    """PEP 700 ``versions``: every release's, or those of the selected files, ascending."""
    if selection is None:
        return [r.version for r in _releases(project)]
    return sorted({r.version for r, _ in selection}, key=version_key)


def _releases(project: Project) -> list[Release]:
    return sorted(project.releases, key=lambda r: version_key(r.version))


def _metadata_sha256(f: DistributionFile) -> str | None:
    return f.metadata_sha256 if f.packagetype == "bdist_wheel" else None


def _timestamp(moment: datetime) -> str:
    """PEP 700 form: ISO 8601 in UTC with a ``Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _file_json(f: SimpleFile) -> dict[str, object]:
    entry: dict[str, object] = {
        "filename": f.filename,
        "url": f.url,
        "hashes": {"sha256": f.sha256},
        "size": f.size,
        "upload-time": f.upload_time,
        "yanked": (f.yanked_reason or True) if f.yanked else False,
    }
    if f.requires_python:
        entry["requires-python"] = f.requires_python
    if f.metadata_sha256:
        digest = {"sha256": f.metadata_sha256}
        entry["core-metadata"] = digest
        entry["dist-info-metadata"] = digest
    return entry
