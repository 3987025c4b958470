"""The helper processes behind ``/_/sparql``: the query host and the graph maintainer.

``python -m publisher.sparql.worker host CONTROL_FD HANDOFF_FD SIZE MEMORY_MB RECYCLE_MB``
holds the catalogue graph in memory and forks the processes that run queries (``host``).

``python -m publisher.sparql.worker maintain GRAPH_ROOT BASE`` syncs the graph, rebuilds it
and writes dumps, one request at a time, reading requests as frames on stdin and answering
on stdout (``publisher.sparql.framing``). It is never killed for taking long. The database's
URL (and a read replica's) come in the environment, ``LDINDEX_MAINTAIN_DB`` (and
``LDINDEX_MAINTAIN_DB_READ``), never as arguments: a URL may hold a password, and every
local user can read a process's arguments.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from publisher.sparql.framing import HelperDied, read_frame, write_frame

log = logging.getLogger("ldindex.sparql")

Answer = tuple[dict[str, Any], bytes]
MAINTAIN_DB = "LDINDEX_MAINTAIN_DB"
MAINTAIN_DB_READ = "LDINDEX_MAINTAIN_DB_READ"


class Maintainer:
    """Sync, rebuild and dump jobs for one database and base URL."""

    def __init__(
        self, db_url: str, graph_root: str, base: str, read_url: str | None = None
    ) -> None:
        from publisher.sparql.location import GraphLocation
        from publisher.store import open_store

        # Read-only: the graph is written beside the database, the database never.
        self.store = open_store(db_url, read_only=True, read_url=read_url)
        self.location = GraphLocation(Path(graph_root), base)

    def __call__(self, request: dict[str, Any]) -> Answer:
        from publisher.sparql.location import GraphNotWritable

        try:
            return self._run(request["op"])
        except GraphNotWritable as exc:
            return {"status": 403, "error": str(exc)}, b""

    def _run(self, op: str) -> Answer:
        from publisher.sparql import dumping, maintenance

        if op in ("sync", "rebuild"):
            run = maintenance.sync if op == "sync" else maintenance.rebuild
            report = run(self.store, self.location)
            return {"status": 200, "generation": report.generation, "projects": report.projects,
                    "seconds": report.seconds}, b""  # fmt: skip
        if op == "dump":
            manifest = dumping.write_dumps(self.location)
            return {"status": 200, "generation": manifest["generation"]}, b""
        return {"status": 400, "error": f"unknown operation {op!r}"}, b""


def serve(handler: Any) -> None:
    """Say ready, then answer frames from stdin until it closes. Frames go to a private copy
    of stdout; anything else printed lands on stderr and cannot corrupt them."""
    stdin = sys.stdin.buffer.fileno()
    stdout = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    write_frame(stdout, {"status": 200, "ready": True})
    while True:
        try:
            request, _body = read_frame(stdin)
        except HelperDied:
            return
        try:
            header, body = handler(request)
        except Exception as exc:  # a bug, or the disk: report it, keep serving
            log.exception("sparql helper failed on %s", request.get("op"))
            header, body = {"status": 500, "error": f"{type(exc).__name__}: {exc}"}, b""
        write_frame(stdout, header, body)


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    role = argv[0] if argv else ""
    if role == "host" and len(argv) == 6:
        from publisher.sparql.host import run_host

        run_host(*(int(a) for a in argv[1:6]))
    elif role == "maintain" and len(argv) == 3 and os.environ.get(MAINTAIN_DB):
        read_url = os.environ.get(MAINTAIN_DB_READ) or None
        serve(Maintainer(os.environ[MAINTAIN_DB], *argv[1:3], read_url))
    else:
        sys.exit("usage: python -m publisher.sparql.worker "
                 "host CONTROL_FD HANDOFF_FD SIZE MEMORY_MB RECYCLE_MB | "
                 "maintain DB_URL GRAPH_ROOT BASE")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
