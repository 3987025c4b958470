"""The named transforms of ``crosswalk.csv``: how one field's value becomes triples.

Each transform is ``(builder, row, value, context) -> None`` and is registered under the name
the table uses. ``value`` is the field's value (a tuple for ``a+b`` fields); it may be junk of
any type, so every transform tolerates what it cannot use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rdflib import URIRef

from crosswalk import licenses
from crosswalk.builder import NodeBuilder
from crosswalk.citation import add_citation
from crosswalk.classifiers import classifier_parts, language_words, repostatus
from crosswalk.commands import add_entry_points
from crosswalk.forges import is_forge_url, repository_root
from crosswalk.persons import parse_people
from crosswalk.platforms import (
    ANY_OS,
    classifier_os_name,
    python_words,
    runtime_from_requires_python,
)
from crosswalk.records import Citation, DistributionFile, Release
from crosswalk.requirements import parse_requirement
from crosswalk.table import Row
from crosswalk.urls import property_for_label
from crosswalk.values import checked_iri, clean_text
from crosswalk.vocab import (
    LDX,
    SCHEMA,
    SPDX,
    file_iri,
    license_iri,
    project_iri,
    project_purl,
    release_purl,
)

__all__ = ["TRANSFORMS", "Context", "Transform", "requirement_node"]


@dataclass(frozen=True, slots=True)
class Context:
    """What transforms need beyond the value: where IRIs live, how to map a file, which
    projects the index holds (a requirement links to the local page only for those), and
    the release being mapped."""

    base_url: str
    name: str
    version: str
    map_file: Callable[[NodeBuilder, DistributionFile], None]
    known_project: Callable[[str], bool]
    release: Release | None = None


Transform = Callable[[NodeBuilder, Row, Any, Context], None]
TRANSFORMS: dict[str, Transform] = {}


def transform(name: str) -> Callable[[Transform], Transform]:
    def register(fn: Transform) -> Transform:
        TRANSFORMS[name] = fn
        return fn

    return register


def _items(value: Any) -> Iterable[Any]:
    """A multiple-use field's values; a single value as one item; nothing for None."""
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return (value,)
    if isinstance(value, Mapping):
        return tuple(value.values())
    return value


@transform("text")
def _text(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for item in _items(value):
        b.text(row.property, item)


@transform("iri")
def _iri(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for item in _items(value):
        b.iri(row.property, item, row.field)


@transform("integer")
def _integer(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        b.typed(row.property, value)


@transform("boolean")
def _boolean(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    if isinstance(value, bool):
        b.typed(row.property, value)


@transform("present")
def _present(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    b.typed(row.property, bool(value))


@transform("datetime")
def _datetime(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    if isinstance(value, datetime):
        b.typed(row.property, value)


@transform("purl")
def _purl(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    b.add(row.property, release_purl(ctx.name, ctx.version))


@transform("people")
def _people(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    names, emails = (v if isinstance(v, str) else None for v in value)
    role = row.fields[0]
    nodes = []
    for person in parse_people(names, emails):
        node = b.child(None if row.kind == "list" else row.property, role, SCHEMA.Person)
        node.text(SCHEMA.name, person.name)
        node.text(SCHEMA.email, person.email)
        nodes.append(node.subject)
    if row.kind == "list":
        b.ordered(row.property, nodes)


def requirement_node(
    b: NodeBuilder,
    prop: URIRef,
    text: str,
    base_url: str,
    known_project: Callable[[str], bool],
) -> NodeBuilder:
    """An ``ldx:Requirement`` node ``{subject}#req-N`` for one PEP 508 string, its parts as
    separate literals (only the original string when it does not parse). The required
    project links to its page here when ``known_project(name)``, else to ``pkg:pypi/{name}``:
    a link to a page this index does not have would answer 404."""
    req = parse_requirement(clean_text(text))
    node = b.child(prop, "req", LDX.Requirement)
    node.text(LDX.requirementString, req.original)
    if req.name is None:
        return node
    node.text(SCHEMA.name, req.name)
    if known_project(req.name):
        node.add(LDX.requiredProject, project_iri(base_url, req.name))
    else:
        node.add(LDX.requiredProject, project_purl(req.name))
    node.text(LDX.specifier, req.specifier)
    for extra in req.extras:
        node.text(LDX.requestedExtra, extra)
    node.text(LDX.marker, req.marker)
    if req.url is not None:
        node.iri(SCHEMA.url, req.url, "requires_dist")
    return node


@transform("requirements")
def _requirements(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for item in _items(value):
        if isinstance(item, str) and item.strip():
            requirement_node(b, row.property, item, ctx.base_url, ctx.known_project)


@transform("project_urls")
def _project_urls(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    if not isinstance(value, Mapping):
        return
    for label, url in value.items():
        node = b.child(row.property, "url", LDX.ProjectURL)
        node.text(LDX.label, label)
        if node.iri(SCHEMA.url, url, f"Project-URL {label}"):
            iri = str(checked_iri(url))
            prop = property_for_label(str(label))
            if prop == SCHEMA.codeRepository and is_forge_url(iri) and not repository_root(iri):
                prop = None  # a "Source" label on an issues, blob or docs page of a forge
            if prop is not None:
                b.add(prop, URIRef(iri))
            if repository_root(iri):
                b.add(SCHEMA.codeRepository, URIRef(iri))


@transform("home_page")
def _home_page(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    """Home-page as schema:url, and as the code repository when it is a forge's repository."""
    for item in _items(value):
        if b.iri(row.property, item, row.field) and repository_root(str(checked_iri(item))):
            b.add(SCHEMA.codeRepository, URIRef(str(checked_iri(item))))


def _classifiers(value: Any, family: str | None) -> Iterable[list[str]]:
    for item in _items(value):
        if isinstance(item, str) and family:
            parts = classifier_parts(item, family)
            if parts:
                yield parts


@transform("programming_language")
def _programming_language(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for parts in _classifiers(value, row.selector):
        b.text(row.property, language_words(parts))


@transform("python_implementation")
def _python_implementation(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for parts in _classifiers(value, row.selector):
        if len(parts) == 3 and parts[:2] == ["Python", "Implementation"]:
            b.text(row.property, parts[2])


@transform("python_runtime")
def _python_runtime(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    b.text(row.property, runtime_from_requires_python(value))


@transform("operating_system")
def _operating_system(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for parts in _classifiers(value, row.selector):
        b.text(row.property, classifier_os_name(parts))


@transform("operating_system_text")
def _operating_system_text(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for item in _items(value):
        if isinstance(item, str):
            text = item.strip()
            b.text(row.property, ANY_OS if text.lower() in ("any", "all", "*") else text)


@transform("classifier_path")
def _classifier_path(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for parts in _classifiers(value, row.selector):
        b.text(row.property, " > ".join(parts))


@transform("repostatus")
def _repostatus(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for parts in _classifiers(value, row.selector):
        iri = repostatus(parts[0])
        if iri is not None:
            b.add(row.property, iri)


@transform("license")
def _license(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    expression, text, classifiers = value
    statement = licenses.resolve(expression, text, classifiers)
    for spdx_id in statement.spdx_ids:
        b.add(row.property, license_iri(spdx_id))
    if statement.expression is not None:
        b.text(LDX.licenseExpression, statement.expression)
    elif isinstance(expression, str):
        b.text(LDX.licenseExpression, expression)  # not an SPDX expression: kept as written
    for name in statement.names:
        node = b.child(row.property, "license", SCHEMA.CreativeWork)
        node.text(SCHEMA.name, name)


@transform("files")
def _files(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for f in sorted(value or (), key=lambda f: f.filename):
        node = b.node_at(row.property, file_iri(ctx.base_url, f.url_path))
        b.add(SCHEMA.downloadUrl, node.subject)
        ctx.map_file(node, f)


@transform("entry_points")
def _entry_points(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    add_entry_points(b, value)


@transform("citation")
def _citation(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    if not isinstance(value, Citation):
        return
    files = ctx.release.files if ctx.release is not None else ()
    source = next((f for f in files if f.filename == value.filename), None)
    iri = file_iri(ctx.base_url, source.url_path) if source is not None else None
    has_authors = (b.subject, SCHEMA.author, None) in b.graph
    add_citation(b, value, iri, has_authors)


@transform("content_size")
def _content_size(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        b.text(row.property, f"{value} B")
        b.typed(LDX.sizeInBytes, value)


@transform("file_runtimes")
def _file_runtimes(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for p in value or ():
        b.text(row.property, python_words(p))


# Hash names as the records key them -> SPDX checksum algorithm individuals.
SPDX_ALGORITHMS = {
    "md5": SPDX.checksumAlgorithm_md5,
    "sha1": SPDX.checksumAlgorithm_sha1,
    "sha224": SPDX.checksumAlgorithm_sha224,
    "sha256": SPDX.checksumAlgorithm_sha256,
    "sha384": SPDX.checksumAlgorithm_sha384,
    "sha512": SPDX.checksumAlgorithm_sha512,
    "blake2b_256": SPDX.checksumAlgorithm_blake2b256,
}


@transform("checksums")
def _checksums(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    if not isinstance(value, Mapping):
        return
    for algorithm in sorted(value):
        spdx_algorithm = SPDX_ALGORITHMS.get(algorithm)
        if spdx_algorithm is None:
            continue
        node = b.node_at(row.property, URIRef(f"{b.subject}#checksum-{algorithm}"), SPDX.Checksum)
        node.add(SPDX.algorithm, spdx_algorithm)
        node.text(SPDX.checksumValue, value[algorithm])


@transform("python_targets")
def _python_targets(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for p in value or ():
        node = b.child(row.property, "python", LDX.PythonTarget)
        node.text(LDX.interpreterTag, p.interpreter_tag)
        node.text(LDX.implementation, p.implementation)
        node.text(LDX.pythonVersion, p.python_version)
        node.text(LDX.abiTag, p.abi_tag)


@transform("platforms")
def _platforms(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    for p in value or ():
        node = b.child(row.property, "platform", LDX.Platform)
        node.text(LDX.platformTag, p.platform_tag)
        node.text(LDX.os, p.os)
        node.text(LDX.osVersion, p.os_version)
        node.text(LDX.libc, p.libc)
        for arch in p.architectures:
            node.text(LDX.architecture, arch)


@transform("metadata_file")
def _metadata_file(b: NodeBuilder, row: Row, value: Any, ctx: Context) -> None:
    if isinstance(value, str) and value:
        b.add(row.property, URIRef(f"{b.subject}.metadata"))
        b.text(LDX.metadataSha256, value)
