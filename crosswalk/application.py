"""What makes a release a ``schema:SoftwareApplication`` for search engines, stated in the
crosswalk so that every format carries it (the page, JSON-LD, Turtle, codemeta.json).

Google's SoftwareApplication rich result wants ``name``, ``operatingSystem``,
``applicationCategory`` and an ``offers`` with a ``price``: a package on an index is free,
price 0. The category is Google's word for tools and libraries developers install; Topic
classifiers are the sub-categories. Without Operating System classifiers or a Platform field,
the operating systems are those the release's files are built for; without Requires-Python
or implementation classifiers, the runtime platforms are the Pythons its wheels are built
for, else "Python".
"""

from __future__ import annotations

from rdflib import Literal, URIRef

from crosswalk.builder import NodeBuilder
from crosswalk.platforms import file_os_names, python_words
from crosswalk.records import Release
from crosswalk.vocab import SCHEMA, XSD

__all__ = ["CATEGORY", "describe_application"]

CATEGORY = "DeveloperApplication"
RUNTIME = "Python"


def describe_application(node: NodeBuilder, release: Release) -> None:
    """Type the release schema:SoftwareApplication with a category, systems and a free offer."""
    node.types(SCHEMA.SoftwareApplication)
    node.add(SCHEMA.applicationCategory, Literal(CATEGORY))
    if (node.subject, SCHEMA.operatingSystem, None) not in node.graph:
        for system in file_os_names(release.files):
            node.text(SCHEMA.operatingSystem, system)
    if (node.subject, SCHEMA.runtimePlatform, None) not in node.graph:
        # No Requires-Python nor implementation classifier: the wheels' Pythons, else Python.
        runtimes = {python_words(p) for f in release.files for p in f.python}
        for runtime in sorted(runtimes) or [RUNTIME]:
            node.text(SCHEMA.runtimePlatform, runtime)
    offer = node.node_at(SCHEMA.offers, URIRef(f"{node.subject}#offer"), SCHEMA.Offer)
    offer.add(SCHEMA.price, Literal("0.00", datatype=XSD.decimal))
    offer.text(SCHEMA.priceCurrency, "USD")
