"""Project and release pages (HTML with RDFa and embedded JSON-LD) and their data forms.

The crosswalk graph of a release is made once per rendering; the RDFa views, the embedded
JSON-LD and the standalone documents (JSON-LD, codemeta.json, Turtle, N-Triples) all come
from that one graph, so they state the same triples.
"""

from __future__ import annotations

import orjson
from markupsafe import Markup
from packaging.version import InvalidVersion, Version
from rdflib import Graph, URIRef

from crosswalk import jsonld as crosswalk_jsonld
from crosswalk import serialise as crosswalk_serialise
from crosswalk import vocab
from crosswalk.names import normalise_version
from crosswalk.records import DistributionFile, Project, Release
from publisher.render.citation import citation_bibtex, citation_cff
from publisher.render.description import render_description
from publisher.render.environment import render
from publisher.render.extrinsic_view import advisory_counts, extrinsic_view
from publisher.render.graphs import known_projects, live_items, project_graph_of, release_graph_of
from publisher.render.page_parts import (
    FileRow,
    by_extra,
    classifier_groups,
    dependencies,
    links,
    node_labels,
    people,
)
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
        graph = release_graph_of(self.store, *found, self.base)
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
        graph = project_graph_of(self.store, project, self.base)
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
        subject = URIRef(iri)
        project_iri = self.project_iri(project.name)
        items = live_items(self.store, project.name)
        known = known_projects(self.store, release, items)
        graph = release_graph_of(self.store, project, release, self.base, items, known)
        file_iris = {str(vocab.file_iri(self.base, f.url_path)): f for f in release.files}
        views = node_views(graph, order=[subject])
        by_about = {v.about: v for v in views}
        parts = _parts_of(views, list(file_iris))
        files = [
            FileRow(record=f, url=url, node=by_about[url], parts=parts.get(url, []))
            for url, f in sorted(file_iris.items(), key=lambda kv: _file_order(kv[1]))
            if url in by_about
        ]
        owned = {v.about for group in parts.values() for v in group}
        others = [v for v in views if v.about not in file_iris and v.about not in owned]
        metadata = release.metadata
        extrinsic = extrinsic_view(
            items, self.base, release.version, [f.filename for f in release.files]
        )
        schema = vocab.SCHEMA
        entry_points = release.entry_points or {}
        return render(
            "release.html",
            canonical=iri,
            name=release.name,
            project=project.name,
            project_iri=project_iri,
            version=release.version,
            summary=metadata.get("summary") or "",
            yanked=release.yanked,
            yanked_reason=release.yanked_reason,
            prerelease=_is_prerelease(release.version),
            latest=project.latest.version if project.latest else None,
            description_html=Markup(
                render_description(
                    metadata.get("description"), metadata.get("description_content_type")
                )
            ),
            files=files,
            nodes=others,
            labels=node_labels(views, {iri: "This release", project_iri: "The project"}),
            versions=list(reversed(project.releases)),
            links=links(metadata),
            requires_python=metadata.get("requires_python"),
            licence=_licence(graph, subject),
            authors=people(graph, subject, schema.author, metadata, "author"),
            maintainers=people(graph, subject, vocab.CODEMETA.maintainer, metadata, "maintainer"),
            keywords=sorted(str(o) for o in graph.objects(subject, schema.keywords)),
            classifiers=classifier_groups(metadata.get("classifiers")),
            repositories=sorted(str(o) for o in graph.objects(subject, schema.codeRepository)),
            commands=[
                (group, command, reference)
                for group in ("console_scripts", "gui_scripts")
                for command, reference in sorted(entry_points.get(group, {}).items())
            ],
            plugins=[
                (group, entry, reference)
                for group, entries in sorted(entry_points.items())
                if group not in ("console_scripts", "gui_scripts")
                for entry, reference in sorted(entries.items())
            ],
            dependencies=by_extra(dependencies(metadata.get("requires_dist"), known)),
            corrected={
                c.item.item_id: dependencies(c.data.get("requires_dist"), known)
                for c in extrinsic.corrections
            },
            extrinsic=extrinsic,
            extras=metadata.get("provides_extra") or [],
            uploaded=release.created,
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
        items = live_items(self.store, project.name)
        graph = project_graph_of(self.store, project, self.base, items)
        latest = project.latest
        listed = None if project.releases else self.store.listing_entry(project.name)
        views = node_views(graph, order=[URIRef(iri)])
        labels = node_labels(views, {iri: "The project"})
        for r in project.releases:
            label = f"{project.display_name} {r.version}"
            labels[self.release_iri(project.name, r.version)] = label
        return render(
            "project.html",
            canonical=iri,
            name=project.display_name,
            project=project.name,
            summary=project.summary or (listed.summary if listed else None) or "",
            listed=listed,
            latest=latest,
            latest_iri=self.release_iri(project.name, latest.version) if latest else None,
            links=links(latest.metadata) if latest else [],
            releases=[
                (r, self.release_iri(project.name, r.version), _is_prerelease(r.version))
                for r in reversed(project.releases)
            ],
            advisory_counts=advisory_counts(items, [r.version for r in project.releases]),
            extrinsic=extrinsic_view(items, self.base),
            status=project.status or "active",
            status_reason=project.status_reason,
            nodes=views,
            labels=labels,
            prefixes=prefix_attribute(),
            jsonld=script_json(
                crosswalk_jsonld.to_jsonld(graph, embed_context=True, frame_root=iri)
            ),
        )


def _is_prerelease(version: str) -> bool:
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    return parsed.is_prerelease or parsed.is_devrelease


def _file_order(f: DistributionFile) -> tuple:
    """Source first, then wheels by platform and name: files people look for together."""
    return (f.packagetype != "sdist", f.packagetype, f.filename)


def _parts_of(views: list[NodeView], owners: list[str]) -> dict[str, list[NodeView]]:
    """Nodes named ``{owner}#fragment`` (a file's checksums, platforms, Python targets),
    grouped under their owner so the page shows them with it."""
    parts: dict[str, list[NodeView]] = {}
    for view in views:
        owner, hash_, _fragment = view.about.partition("#")
        if hash_ and owner in owners:
            parts.setdefault(owner, []).append(view)
    return parts


def _licence(graph: Graph, release: URIRef) -> list[tuple[str, str | None, str]]:
    """The licences as (name, SPDX link or None, node): SPDX ids linked to the SPDX page."""
    shown = []
    for o in sorted(graph.objects(release, vocab.SCHEMA.license), key=str):
        if str(o).startswith(str(vocab.SPDX_LICENSE)):
            shown.append((str(o)[len(str(vocab.SPDX_LICENSE)) :], str(o), str(o)))
        else:
            shown.append((str(graph.value(o, vocab.SCHEMA.name) or ""), None, str(o)))
    return shown
