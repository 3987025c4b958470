"""The ``ldindex`` command line: one module per verb, every verb with ``--db URL`` and ``--help``.

A verb is a function decorated with ``@main.command()`` in its own module, imported here.
"""

from __future__ import annotations

from publisher.cli import (  # noqa: F401  (registers the verbs)
    advisories,
    build,
    changes,
    dump,
    graph,
    import_listing,
    ingest,
    listing,
    migrate,
    query,
    search,
    serve,
    show,
    stats,
    token,
    watch,
    yank,
)
from publisher.cli.app import main

__all__ = ["main"]
