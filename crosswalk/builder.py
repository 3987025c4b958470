"""Adds one subject's triples to a graph, turning raw values into clean RDF terms on the way.

Values meant as IRIs are checked (``crosswalk.values``); a rejected one is logged and kept as
a literal under ``ldx:invalidUrl``, so one bad value never spoils the graph. Child nodes get
IRIs under their parent's (``{release}#req-1``), never random blank-node labels; the only
blank nodes are the cells of ordered lists, whose labels derive from the owning IRI.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from crosswalk.values import PLACEHOLDERS, checked_iri, clean_text
from crosswalk.vocab import LDX, XSD

__all__ = ["NodeBuilder"]

log = logging.getLogger("crosswalk")


class NodeBuilder:
    """The triples of one subject. ``child`` makes a builder for a node it points to."""

    __slots__ = ("_counters", "graph", "subject")

    def __init__(self, graph: Graph, subject: URIRef) -> None:
        self.graph = graph
        self.subject = subject
        self._counters: dict[str, int] = {}

    def add(self, prop: URIRef, obj: Node) -> None:
        self.graph.add((self.subject, prop, obj))

    def types(self, *classes: URIRef) -> None:
        for cls in classes:
            self.graph.add((self.subject, RDF.type, cls))

    def text(self, prop: URIRef, value: object) -> None:
        """A plain literal, unless the value is empty or a placeholder such as ``UNKNOWN``."""
        if value is None:
            return
        text = clean_text(value)
        if text.strip() in PLACEHOLDERS:
            return
        self.graph.add((self.subject, prop, Literal(text)))

    def typed(self, prop: URIRef, value: int | bool | datetime) -> None:
        if isinstance(value, bool):
            self.graph.add((self.subject, prop, Literal(value)))
        elif isinstance(value, int):
            self.graph.add((self.subject, prop, Literal(value, datatype=XSD.integer)))
        else:
            self.graph.add((self.subject, prop, Literal(value.isoformat(), datatype=XSD.dateTime)))

    def iri(self, prop: URIRef, value: object, field: str) -> bool:
        """An IRI if the value is a usable address; else ``ldx:invalidUrl`` and a warning."""
        checked = checked_iri(value)
        if checked is not None:
            self.graph.add((self.subject, prop, URIRef(checked)))
            return True
        text = clean_text(value).strip() if value is not None else ""
        if text not in PLACEHOLDERS:
            log.warning(
                "%s: %s %r is not a usable IRI; kept as a literal", self.subject, field, text
            )
            self.graph.add((self.subject, LDX.invalidUrl, Literal(text)))
        return False

    def child(self, prop: URIRef | None, name: str, *classes: URIRef) -> NodeBuilder:
        """A node ``{subject}#{name}-N`` (N counting from 1 per name), linked by ``prop``."""
        n = self._counters.get(name, 0) + 1
        self._counters[name] = n
        return self.node_at(prop, URIRef(f"{self.subject.split('#', 1)[0]}#{name}-{n}"), *classes)

    def node_at(self, prop: URIRef | None, iri: URIRef, *classes: URIRef) -> NodeBuilder:
        if prop is not None:
            self.graph.add((self.subject, prop, iri))
        node = NodeBuilder(self.graph, iri)
        node.types(*classes)
        return node

    def ordered(self, prop: URIRef, items: Iterable[Node]) -> None:
        """An RDF list, its cells labelled from this subject and property."""
        items = list(items)
        if not items:
            return
        seed = hashlib.sha1(f"{self.subject} {prop}".encode()).hexdigest()[:16]
        cells = [BNode(f"l{seed}n{i}") for i in range(len(items))]
        self.graph.add((self.subject, prop, cells[0]))
        for i, (cell, item) in enumerate(zip(cells, items, strict=True)):
            self.graph.add((cell, RDF.first, item))
            self.graph.add((cell, RDF.rest, cells[i + 1] if i + 1 < len(cells) else RDF.nil))
