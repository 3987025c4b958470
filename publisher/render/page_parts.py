"""What a release page shows a person, derived from its records and graph: files in words,
links with their labels, people, classifiers by family, dependencies, readable node labels.

The page's RDFa comes from the graph (``publisher.render.rdfa``); these helpers only decide
what is worth reading and how it reads, so no id or fragment IRI ever becomes visible text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rdflib import RDF, Graph, URIRef

from crosswalk.persons import parse_people
from crosswalk.platforms import platform_words, python_words
from crosswalk.records import DistributionFile
from crosswalk.requirements import parse_requirement
from crosswalk.urls import normalise_label
from crosswalk.vocab import SCHEMA
from publisher.render.rdfa import NodeView

__all__ = [
    "Dependency",
    "FileRow",
    "Link",
    "by_extra",
    "classifier_groups",
    "dependencies",
    "file_type",
    "human_size",
    "links",
    "node_labels",
    "people",
]

PACKAGE_TYPES = {
    "bdist_wheel": "wheel",
    "sdist": "source",
    "bdist_egg": "egg",
    "bdist_wininst": "Windows installer",
    "bdist_msi": "MSI installer",
    "bdist_rpm": "RPM",
    "bdist_dmg": "disk image",
    "bdist_dumb": "built archive",
}
# Order of well-known links in the sidebar (PEP 753 names), then the rest as given.
LINK_ORDER = ("homepage", "source", "documentation", "issues", "changelog", "funding")
_KNOWN = {
    "homepage": "Homepage",
    "home": "Homepage",
    "source": "Source",
    "sourcecode": "Source",
    "repository": "Source",
    "code": "Source",
    "github": "Source",
    "documentation": "Documentation",
    "docs": "Documentation",
    "issues": "Issues",
    "bugtracker": "Issues",
    "issuetracker": "Issues",
    "tracker": "Issues",
    "changelog": "Changelog",
    "changes": "Changelog",
    "releasenotes": "Changelog",
    "funding": "Funding",
    "donate": "Funding",
    "sponsor": "Funding",
}


def human_size(size: int) -> str:
    """Bytes in kB or MB (SI, as PyPI shows them)."""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def file_type(f: DistributionFile) -> str:
    return PACKAGE_TYPES.get(f.packagetype, f.packagetype)


@dataclass(frozen=True, slots=True)
class FileRow:
    """One file as the files table shows it, with its graph node for the RDFa."""

    record: DistributionFile
    url: str
    node: NodeView
    parts: list[NodeView]

    @property
    def kind(self) -> str:
        return file_type(self.record)

    @property
    def python(self) -> str:
        """The Pythons the file runs on; a stable-ABI (abi3) wheel runs on its version and
        every later one."""
        if self.record.packagetype == "sdist":
            return "any (built on install)"
        words = (
            f"{p.implementation} ≥ {p.python_version}"
            if p.abi_tag == "abi3" and p.python_version
            else python_words(p)
            for p in self.record.python
        )
        return ", ".join(dict.fromkeys(words)) or "—"

    @property
    def platforms(self) -> list[str]:
        """Each platform the file is built for, in words, without repeats."""
        if self.record.packagetype == "sdist":
            return ["any"]
        return list(dict.fromkeys(platform_words(p) for p in self.record.platforms)) or ["—"]

    @property
    def size(self) -> str:
        return human_size(self.record.size)

    @property
    def sha256(self) -> str:
        return self.record.hashes.get("sha256", "")


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


def links(metadata: dict) -> list[Link]:
    """Home-page, Project-URLs and Download-URL with readable labels, well-known first."""
    found: list[Link] = []
    if home := metadata.get("home_page"):
        found.append(Link("Homepage", home))
    for label, url in (metadata.get("project_urls") or {}).items():
        found.append(Link(_KNOWN.get(normalise_label(str(label)), str(label)), url))
    if download := metadata.get("download_url"):
        found.append(Link("Download", download))
    seen: set[str] = set()
    unique = []
    for link in found:
        usable = isinstance(link.url, str) and link.url.startswith(("https://", "http://"))
        if usable and link.url not in seen:
            seen.add(link.url)
            unique.append(link)

    def order(link: Link) -> int:
        key = normalise_label(link.label)
        return LINK_ORDER.index(key) if key in LINK_ORDER else len(LINK_ORDER)

    return sorted(unique, key=order)


@dataclass(frozen=True, slots=True)
class Person:
    name: str | None
    email: str | None
    about: str | None = None


def people(graph: Graph, subject: URIRef, prop: URIRef, metadata: dict, role: str) -> list[Person]:
    """Authors or maintainers as named in core metadata, with their node in the graph."""
    names, emails = metadata.get(role), metadata.get(f"{role}_email")
    persons = parse_people(names if isinstance(names, str) else None,
                           emails if isinstance(emails, str) else None)  # fmt: skip
    nodes: list = []
    for o in graph.objects(subject, prop):
        if (o, RDF.first, None) in graph:
            from rdflib.collection import Collection

            nodes.extend(Collection(graph, o))
        else:
            nodes.append(o)
    by_name = {str(graph.value(n, SCHEMA.name) or graph.value(n, SCHEMA.email)): n for n in nodes}
    return [
        Person(p.name, p.email, str(by_name.get(p.name or p.email or "", "")) or None)
        for p in persons
    ]


def classifier_groups(classifiers: object) -> dict[str, list[str]]:
    """Classifiers by their first segment, the rest of each joined with " > "."""
    groups: dict[str, list[str]] = defaultdict(list)
    for item in classifiers if isinstance(classifiers, list) else ():
        if isinstance(item, str) and "::" in item:
            head, _, rest = item.partition("::")
            groups[head.strip()].append(" > ".join(p.strip() for p in rest.split("::")))
    return dict(sorted(groups.items()))


@dataclass(frozen=True, slots=True)
class Dependency:
    name: str | None
    text: str
    extras: tuple[str, ...] = ()
    marker: str | None = None
    for_extra: str | None = None
    local: bool = False
    specifier: str | None = None

    @property
    def url(self) -> str | None:
        """The dependency's page here, when the index holds it."""
        from crosswalk.names import canonicalize_name

        return f"/project/{canonicalize_name(self.name)}/" if self.local and self.name else None


def dependencies(requires_dist: object, known: set[str]) -> list[Dependency]:
    """Requirements with their markers and extras; ``local`` when the index holds them."""
    from crosswalk.names import canonicalize_name

    found = []
    for line in requires_dist if isinstance(requires_dist, list) else ():
        if not isinstance(line, str) or not line.strip():
            continue
        req = parse_requirement(line)
        marker = req.marker
        for_extra = None
        if marker and "extra ==" in marker:
            for_extra = marker.split("extra ==", 1)[1].split()[0].strip("\"'")
        local = req.name is not None and canonicalize_name(req.name) in known
        found.append(
            Dependency(req.name, req.original, req.extras, marker, for_extra, local, req.specifier)
        )
    return found


def by_extra(found: list[Dependency]) -> list[tuple[str | None, list[Dependency]]]:
    """What every install needs first (None), then what each extra adds, by extra name."""
    groups: dict[str | None, list[Dependency]] = defaultdict(list)
    for d in found:
        groups[d.for_extra].append(d)
    return sorted(groups.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))


def node_labels(views: list[NodeView], named: dict[str, str]) -> dict[str, str]:
    """A readable label for every node of the page (never its id): its name, else what it
    is ("Checksum sha256", "list item 2"), numbered within its kind."""
    labels = dict(named)
    counts: dict[str, int] = defaultdict(int)
    for view in views:
        if view.about in labels:
            continue
        name = view.first_text("schema:name") or view.first_text("ldx:label")
        if name:
            labels[view.about] = name
            continue
        algorithm = view.first_text("spdx:algorithm")
        if algorithm:
            labels[view.about] = f"{algorithm.rsplit('_', 1)[-1]} checksum"
            continue
        kind = (
            view.types[0].split(":")[-1]
            if view.types
            else ("list item" if view.take("rdf:first") else "item")
        )
        counts[kind] += 1
        labels[view.about] = f"{kind} {counts[kind]}"
    return labels
