"""Project and release pages (HTML with RDFa and embedded JSON-LD) and their data forms.

The crosswalk graph of a release is made once per rendering; the RDFa views, the embedded
JSON-LD and the standalone documents (JSON-LD, codemeta.json, Turtle, N-Triples) all come
from that one graph, so they state the same triples.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from markupsafe import Markup
from packaging.requirements import InvalidRequirement, Requirement
from rdflib import Graph, URIRef

from crosswalk import jsonld as crosswalk_jsonld
from crosswalk import mapping, vocab
from crosswalk import serialise as crosswalk_serialise
from crosswalk.names import normalise_version
from crosswalk.records import DistributionFile, ExtrinsicItem, Project, Release, Target
from publisher.render.description import render_description
from publisher.render.environment import render
from publisher.render.extrinsic_view import advisory_counts, extrinsic_view
from publisher.render.rdfa import NodeView, html_safe, node_views, prefix_attribute
from publisher.render.search_engines import with_software_application
from publisher.store import Store

__all__ = ["PageRenderer", "script_json"]

DATA_FORMATS = {
    "jsonld": "application/ld+json",
    "turtle": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
}


def script_json(document: object) -> Markup:
    """JSON safe inside <script>: no '<', '>' or '&' that could close or confuse the element."""
    data = orjson.dumps(document).decode()
    return Markup(data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@dataclass(frozen=True, slots=True)
class FileRow:
    record: DistributionFile
    url: str
    node: NodeView
    parts: list[NodeView]
    python: str
    platform: str


def _python_label(f: DistributionFile) -> str:
    if f.packagetype == "sdist":
        return "source"
    return ", ".join(
        f"{p.implementation} {p.python_version}" if p.python_version else p.implementation
        for p in f.python
    )


def _platform_label(f: DistributionFile) -> str:
    parts = []
    for p in f.platforms:
        if p.os == "any":
            parts.append("any")
            continue
        libc = (
            f" ({p.libc} {p.os_version})"
            if p.libc
            else (f" {p.os_version}" if p.os_version else "")
        )
        parts.append(f"{p.os}{libc} {'/'.join(p.architectures)}".strip())
    return ", ".join(dict.fromkeys(parts)) or ("any" if f.packagetype == "sdist" else "")


class PageRenderer:
    """Renders one store's project and release resources under one base URL."""

    def __init__(self, store: Store, base: str) -> None:
        self.store = store
        self.base = base.rstrip("/")

    # -- graphs -----------------------------------------------------------------------------

    def _release(self, name: str, version: str) -> tuple[Project, Release] | None:
        project = self.store.get_project(name)
        if project is None:
            return None
        wanted = normalise_version(version)
        release = next((r for r in project.releases if r.version == wanted), None)
        return (project, release) if release else None

    def _items(self, name: str) -> list[ExtrinsicItem]:
        """The project's live extrinsic items, at every level (the graphs pick theirs)."""
        return self.store.list_items(Target(name), exact=False)

    def release_iri(self, name: str, version: str) -> str:
        return str(vocab.release_iri(self.base, name, version))

    def project_iri(self, name: str) -> str:
        return str(vocab.project_iri(self.base, name))

    # -- data documents ---------------------------------------------------------------------

    def release_data(self, name: str, version: str, fmt: str) -> bytes | None:
        """The release graph as ``jsonld``, ``codemeta`` (JSON-LD), ``turtle`` or ``nt``."""
        found = self._release(name, version)
        if found is None:
            return None
        graph = mapping.release_graph(*found, self.base, self._items(found[0].name))
        return self._data(graph, self.release_iri(name, found[1].version), fmt)

    def project_data(self, name: str, fmt: str) -> bytes | None:
        project = self.store.get_project(name)
        if project is None:
            return None
        graph = mapping.project_graph(project, self.base, self._items(project.name))
        return self._data(graph, self.project_iri(name), fmt)

    @staticmethod
    def _data(graph: Graph, root: str, fmt: str) -> bytes:
        if fmt in ("jsonld", "codemeta"):
            return orjson.dumps(crosswalk_jsonld.to_jsonld(graph, frame_root=root))
        return crosswalk_serialise(graph, fmt)

    # -- HTML -------------------------------------------------------------------------------

    def release_html(self, name: str, version: str) -> bytes | None:
        found = self._release(name, version)
        if found is None:
            return None
        project, release = found
        iri = self.release_iri(project.name, release.version)
        items = self._items(project.name)
        graph = html_safe(mapping.release_graph(project, release, self.base, items))
        with_software_application(graph, release, iri)
        file_iris = {str(vocab.file_iri(self.base, f.url_path)): f for f in release.files}
        views = node_views(graph, order=[URIRef(iri)])
        by_about = {v.about: v for v in views}
        parts = _parts_of(views, list(file_iris))
        files = [
            FileRow(
                record=f,
                url=iri_,
                node=by_about[iri_],
                parts=parts.get(iri_, []),
                python=_python_label(f),
                platform=_platform_label(f),
            )
            for iri_, f in file_iris.items()
            if iri_ in by_about
        ]
        owned = {v.about for group in parts.values() for v in group}
        others = [v for v in views if v.about not in file_iris and v.about not in owned]
        metadata = release.metadata
        return render(
            "release.html",
            canonical=iri,
            name=release.name,
            project=project.name,
            version=release.version,
            summary=metadata.get("summary") or "",
            yanked=release.yanked,
            yanked_reason=release.yanked_reason,
            description_html=Markup(
                render_description(
                    metadata.get("description"), metadata.get("description_content_type")
                )
            ),
            files=files,
            nodes=others,
            node_headings={iri: "This release", self.project_iri(project.name): "The project"},
            versions=[r.version for r in project.releases],
            links=_links(metadata),
            requires_python=metadata.get("requires_python"),
            requirements=_requirements(metadata.get("requires_dist", [])),
            extrinsic=extrinsic_view(
                items, self.base, release.version, [f.filename for f in release.files]
            ),
            prefixes=prefix_attribute(),
            jsonld=script_json(
                crosswalk_jsonld.to_jsonld(graph, embed_context=True, frame_root=iri)
            ),
        )

    def project_html(self, name: str) -> bytes | None:
        project = self.store.get_project(name)
        if project is None:
            return None
        iri = self.project_iri(project.name)
        items = self._items(project.name)
        graph = html_safe(mapping.project_graph(project, self.base, items))
        latest = project.latest
        return render(
            "project.html",
            canonical=iri,
            name=project.display_name,
            summary=project.summary or "",
            latest=latest.version if latest else None,
            releases=list(reversed(project.releases)),
            advisory_counts=advisory_counts(items, [r.version for r in project.releases]),
            extrinsic=extrinsic_view(items, self.base),
            status=project.status or "active",
            status_reason=project.status_reason,
            nodes=node_views(graph, order=[URIRef(iri)]),
            node_headings={iri: "The project"},
            prefixes=prefix_attribute(),
            jsonld=script_json(
                crosswalk_jsonld.to_jsonld(graph, embed_context=True, frame_root=iri)
            ),
        )


def _parts_of(views: list[NodeView], owners: list[str]) -> dict[str, list[NodeView]]:
    """Nodes named ``{owner}#fragment`` (a file's checksums, platforms, Python targets),
    grouped under their owner so the page shows them with it."""
    parts: dict[str, list[NodeView]] = {}
    for view in views:
        owner, hash_, _fragment = view.about.partition("#")
        if hash_ and owner in owners:
            parts.setdefault(owner, []).append(view)
    return parts


def _links(metadata: dict) -> list[tuple[str, str]]:
    links = []
    if home := metadata.get("home_page"):
        links.append(("Homepage", home))
    for label, url in (metadata.get("project_urls") or {}).items():
        links.append((label, url))
    if download := metadata.get("download_url"):
        links.append(("Download", download))
    return [(label, url) for label, url in links if url.startswith(("https://", "http://"))]


def _requirements(requires_dist: list[str]) -> list[str]:
    shown = []
    for line in requires_dist:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            shown.append(line)
            continue
        if requirement.marker is None or "extra" not in str(requirement.marker):
            shown.append(str(requirement))
    return shown
