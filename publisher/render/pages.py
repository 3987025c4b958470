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
from crosswalk.names import canonicalize_name, normalise_version
from crosswalk.records import DistributionFile, Project, Release
from crosswalk.requirements import parse_requirement
from publisher.render.citation import citation_bibtex, citation_cff
from publisher.render.description import render_description
from publisher.render.environment import render
from publisher.render.rdfa import NodeView, node_views, prefix_attribute
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

    def _graph(self, project: Project, release: Release) -> Graph:
        """The release's one graph, for the page and every data form alike."""
        names = set()
        for line in release.metadata.get("requires_dist") or ():
            if isinstance(line, str) and (parsed := parse_requirement(line)).name:
                names.add(canonicalize_name(parsed.name))
        known = self.store.known_projects(names) if names else set()
        return mapping.release_graph(
            project, release, self.base, lambda n: canonicalize_name(n) in known
        )

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
        graph = self._graph(*found)
        return self._data(graph, self.release_iri(name, found[1].version), fmt)

    def release_citation(self, name: str, version: str, fmt: str) -> bytes | None:
        """The release's citation as ``bibtex`` or ``cff``, where it can be cited."""
        found = self._release(name, version)
        if found is None:
            return None
        project, release = found
        url = self.release_iri(project.name, release.version)
        return (citation_bibtex if fmt == "bibtex" else citation_cff)(release, url)

    def project_data(self, name: str, fmt: str) -> bytes | None:
        project = self.store.get_project(name)
        if project is None:
            return None
        graph = mapping.project_graph(project, self.base)
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
        graph = self._graph(project, release)
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
            licence=_licence(graph, URIRef(iri)),
            repositories=sorted(
                str(o) for o in graph.objects(URIRef(iri), vocab.SCHEMA.codeRepository)
            ),
            commands=sorted((release.entry_points or {}).get("console_scripts", {}))
            + sorted((release.entry_points or {}).get("gui_scripts", {})),
            requirements=_requirements(metadata.get("requires_dist", [])),
            bibtex=(citation_bibtex(release, iri) or b"").decode(),
            cff=(citation_cff(release, iri) or b"").decode(),
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
        graph = mapping.project_graph(project, self.base)
        latest = project.latest
        return render(
            "project.html",
            canonical=iri,
            name=project.display_name,
            summary=project.summary or "",
            latest=latest.version if latest else None,
            releases=list(reversed(project.releases)),
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


def _licence(graph: Graph, release: URIRef) -> list[tuple[str, str | None]]:
    """The licences as (name, link): SPDX ids linked to the SPDX page, names as they are."""
    shown = []
    for o in sorted(graph.objects(release, vocab.SCHEMA.license), key=str):
        if str(o).startswith(str(vocab.SPDX_LICENSE)):
            shown.append((str(o)[len(str(vocab.SPDX_LICENSE)) :], str(o)))
        else:
            shown.append((str(graph.value(o, vocab.SCHEMA.name) or ""), None))
    return shown


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
