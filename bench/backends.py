"""The databases a benchmark runs on: SQLite files, and PostgreSQL in a throwaway cluster.

Every benchmark that reads or writes the store takes ``--db sqlite,postgresql`` (or the
environment's ``BENCH_DB``; both by default) and measures each backend named, side by side
in one run. The PostgreSQL cluster is ``tests/pgcluster.py``'s, started once per benchmark
process on a loopback port and deleted afterwards, but with the durability SQLite gets from
WAL with ``synchronous=NORMAL``: ``fsync`` and full-page writes on, ``synchronous_commit``
off (a crash loses at most the last moments of commits, never consistency).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pgcluster import Cluster  # noqa: E402

__all__ = ["BACKENDS", "LABELS", "Databases", "selected"]

BACKENDS = ("sqlite", "postgresql")
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SETTINGS = (
    "fsync=on",
    "full_page_writes=on",
    "synchronous_commit=off",
    "shared_buffers=256MB",
    "max_connections=300",
)


def selected(argv: list[str] | None = None) -> list[str]:
    """The backends named by ``--db`` (comma-separated), else ``BENCH_DB``, else both."""
    parser = argparse.ArgumentParser(add_help=True)
    parser.add_argument(
        "--db",
        default=os.environ.get("BENCH_DB", ",".join(BACKENDS)),
        help="backends to measure, comma-separated: sqlite, postgresql [both]",
    )
    args, _ = parser.parse_known_args(argv)
    names = [n.strip() for n in args.db.split(",") if n.strip()]
    unknown = [n for n in names if n not in BACKENDS]
    if unknown or not names:
        parser.error(f"--db: unknown backend {', '.join(unknown) or '(none)'}; "
                     f"known: {', '.join(BACKENDS)}")  # fmt: skip
    return names


class Databases:
    """Fresh databases on demand; ``close()`` stops the PostgreSQL cluster if one started."""

    def __init__(self) -> None:
        self._cluster: Cluster | None = None

    def url(self, backend: str, work: Path, name: str = "ldindex") -> str:
        """The URL of a new, empty database of ``backend``."""
        if backend == "sqlite":
            return f"sqlite:///{work / f'{name}.db'}"
        if self._cluster is None:
            self._cluster = Cluster.start(*SETTINGS)
        return self._cluster.create_database(prefix=name.replace("-", "_"))

    def server_pid(self) -> int | None:
        """The PostgreSQL postmaster's pid, when a cluster runs (its CPU time is measured)."""
        if self._cluster is None:
            return None
        return int((self._cluster.data / "postmaster.pid").read_text().split()[0])

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.stop()
            self._cluster = None

    def __enter__(self) -> Databases:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
