"""The ``ldindex`` command line: one module per verb, every verb with ``--db URL`` and ``--help``.

A verb is a function decorated with ``@main.command()`` in its own module, imported here.
"""

from __future__ import annotations

from publisher.cli import (  # noqa: F401  (registers the verbs)
    build,
    dump,
    graph,
    ingest,
    query,
    serve,
    show,
)
from publisher.cli.app import main

__all__ = ["main"]
