"""A query's answer as JSON-LD: the release's own graph (as its page states it), plus the answer.

The answer node (``{base}/_/query?{canonical query}``, an ``ldx:EnvironmentQuery``) is about
the release and names the chosen file, the fitting files in order (an RDF list), each
rejected file with its reason, the requirements evaluated for the environment and the target
environment itself. Release, files, hashes and core metadata are the crosswalk's own nodes,
so the answer states the same triples as the release's JSON-LD page about them.
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph, URIRef

from crosswalk import jsonld
from crosswalk.builder import NodeBuilder
from crosswalk.vocab import LDX, SCHEMA, file_iri, project_iri, release_iri
from publisher.query.service import Answer

__all__ = ["answer_jsonld"]


def answer_jsonld(answer: Answer, base: str, graph: Graph) -> dict[str, Any]:
    """The answer added to ``graph``, the release's own graph (as its page states it)."""
    found, env = answer.match, answer.environment
    project, release = found.project, found.release
    subject = URIRef(f"{base}/_/query?{answer.request.canonical()}")
    node = NodeBuilder(graph, subject)
    node.types(LDX.EnvironmentQuery)
    node.add(SCHEMA.about, release_iri(base, project.name, release.version))
    if found.choice is not None:
        node.add(LDX.chosenFile, file_iri(base, found.choice.file.url_path))
    node.ordered(LDX.compatibleFiles, [file_iri(base, c.file.url_path) for c in found.compatible])
    target = node.child(LDX.targetEnvironment, "environment", LDX.TargetEnvironment)
    if env.python is not None:
        target.text(LDX.pythonVersion, str(env.python))
    target.text(LDX.implementation, env.implementation)
    for abi in env.abis:
        target.text(LDX.abiTag, abi)
    for platform in env.spec.platforms:
        target.text(LDX.platformTag, platform)
    if env.system is not None:
        target.text(LDX.os, env.system.os)
        if env.system.version is not None:
            target.text(LDX.osVersion, ".".join(map(str, env.system.version)))
        target.text(LDX.libc, env.system.libc)
        target.text(LDX.architecture, env.system.arch)
    for rejection in found.rejected:
        for reason in rejection.reasons:
            why = node.child(LDX.rejectedFile, "rejection", LDX.Rejection)
            why.add(LDX.rejected, file_iri(base, rejection.file.url_path))
            why.text(LDX.reasonCode, reason.code)
            why.text(SCHEMA.description, reason.message)
    for entry in answer.result["dependencies"]["requirements"]:
        req = node.child(LDX.evaluatedRequirement, "requirement", LDX.Requirement)
        req.text(LDX.requirementString, entry["requirement"])
        if entry.get("name"):
            req.add(LDX.requiredProject, project_iri(base, entry["name"]))
        req.text(LDX.specifier, entry.get("specifier"))
        req.text(LDX.marker, entry.get("marker"))
        for extra in entry.get("extras", ()):
            req.text(LDX.requestedExtra, extra)
        if entry["applies"] is not None:
            req.typed(LDX.appliesToEnvironment, entry["applies"])
        req.text(LDX.undecidedBy, entry.get("undecided_by"))
    return jsonld.to_jsonld(graph, frame_root=str(subject))
