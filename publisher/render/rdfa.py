"""An RDF graph as RDFa-ready views: one ``NodeView`` per subject, every triple exactly once.

Templates lay the views out for people (tables of files, lists of requirements), but each
view carries all of its node's triples, so whatever the layout, the RDFa a processor reads
from the page is the graph itself. Every node is its own block with ``about`` (blank nodes
as ``[_:id]``), references between nodes are ``resource``/``href`` links, never nesting —
so RDFa's chaining rules cannot attach a triple to the wrong subject.

Literals need no change to survive HTML parsing: the crosswalk already writes LF line ends
and no C0 controls (``crosswalk.values.clean_text``), so the page states what the JSON-LD,
Turtle and codemeta.json state.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import RDF, BNode, Graph, Literal
from rdflib.term import Node

__all__ = [
    "PREFIXES",
    "NodeView",
    "Value",
    "curie",
    "node_views",
    "prefix_attribute",
]

PREFIXES = {
    "schema": "http://schema.org/",
    "codemeta": "https://codemeta.github.io/terms/",
    "ldx": "https://w3id.org/ldindex/vocab#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "prov": "http://www.w3.org/ns/prov#",
    "stype": "https://w3id.org/software-types#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}


def prefix_attribute() -> str:
    """The value of the RDFa ``prefix`` attribute declaring ``PREFIXES``."""
    return " ".join(f"{name}: {iri}" for name, iri in PREFIXES.items())


def curie(iri: str) -> str:
    """A CURIE for ``iri`` when a declared prefix covers it with a simple local name."""
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if re.fullmatch(r"[A-Za-z_][\w.-]*", local):
                return f"{name}:{local}"
    return iri


def _label(iri: str) -> str:
    local = re.split(r"[/#:]", iri.rstrip("/#"))[-1]
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ")
    return spaced[:1].upper() + spaced[1:]


@dataclass(frozen=True, slots=True)
class Value:
    """One triple's predicate and object, ready for an RDFa attribute set."""

    predicate: str
    label: str
    kind: str  # "literal", "iri" or "node"
    text: str
    datatype: str | None = None
    lang: str | None = None


@dataclass(slots=True)
class NodeView:
    """A subject with its types and all its (predicate, object) pairs."""

    about: str
    types: list[str]
    values: list[Value] = field(default_factory=list)

    @property
    def label(self) -> str:
        """A short heading: the schema:name, else the IRI's fragment, else the IRI."""
        name = self.first_text("schema:name")
        if name:
            return name
        _, hash_, fragment = self.about.partition("#")
        return fragment if hash_ and fragment else self.about

    @property
    def typeof(self) -> str:
        return " ".join(self.types)

    def take(self, *predicates: str) -> list[Value]:
        """The values of these predicates (CURIEs), in the order asked."""
        return [v for p in predicates for v in self.values if v.predicate == p]

    def first_text(self, predicate: str, default: str = "") -> str:
        found = self.take(predicate)
        return found[0].text if found else default

    def rest(self, *shown: str) -> list[Value]:
        """The values not among ``shown`` predicates: what a layout must still render."""
        return [v for v in self.values if v.predicate not in shown]


def _node_ref(node: Node, bnode_ids: dict[BNode, str]) -> str:
    if isinstance(node, BNode):
        if node not in bnode_ids:
            bnode_ids[node] = f"n{len(bnode_ids)}"
        return f"[_:{bnode_ids[node]}]"
    return str(node)


def node_views(graph: Graph, order: Iterable[Node] = ()) -> list[NodeView]:
    """One view per subject: those in ``order`` first, then the rest sorted by identifier."""
    bnode_ids: dict[BNode, str] = {}
    by_subject: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, p, o in graph:
        by_subject[s].append((p, o))
    first = [s for s in order if s in by_subject]
    rest = sorted(
        (s for s in by_subject if s not in first), key=lambda s: (isinstance(s, BNode), str(s))
    )
    views = []
    for subject in first + rest:
        pairs = by_subject[subject]
        types = sorted(curie(str(o)) for p, o in pairs if p == RDF.type)
        ref = _node_ref(subject, bnode_ids)
        view = NodeView(about=ref, types=types)
        for predicate, obj in sorted(
            ((p, o) for p, o in pairs if p != RDF.type), key=lambda po: (str(po[0]), str(po[1]))
        ):
            view.values.append(_value(predicate, obj, bnode_ids))
        views.append(view)
    return views


def _value(predicate: Node, obj: Node, bnode_ids: dict[BNode, str]) -> Value:
    p = curie(str(predicate))
    label = _label(str(predicate))
    if isinstance(obj, Literal):
        datatype = curie(str(obj.datatype)) if obj.datatype else None
        return Value(p, label, "literal", str(obj), datatype, obj.language)
    if isinstance(obj, BNode):
        return Value(p, label, "node", _node_ref(obj, bnode_ids))
    return Value(p, label, "iri", str(obj))
