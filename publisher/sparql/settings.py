"""The bounds of the SPARQL service, stated once: the page quotes them, the service applies them."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

__all__ = ["SparqlSettings"]

_ENV_PREFIX = "LDINDEX_SPARQL_"


@dataclass(frozen=True, slots=True)
class SparqlSettings:
    """Limits and worker counts of ``/_/sparql``; defaults suit one small machine.

    ``workers`` query processes run at once (0 turns the endpoint off); each query may run
    ``timeout`` seconds, allocate ``memory_mb`` beyond the graph it shares, and return
    ``max_rows`` rows (or triples). A query process whose own copy of the graph's pages
    grew past ``recycle_mb`` is replaced by a fresh one once idle. One client (one address)
    may have ``client_concurrency`` queries running and spend ``client_seconds`` of query
    time per minute. Dumps are rewritten once writes have paused for ``dump_quiet`` seconds,
    or every ``dump_max_age`` seconds while they go on.
    """

    workers: int = 2
    timeout: float = 2.0
    max_rows: int = 10_000
    max_query_bytes: int = 10 * 1024
    client_concurrency: int = 2
    client_seconds: float = 20.0
    memory_mb: int = 2048
    recycle_mb: int = 256
    sync_wait: float = 10.0
    dump_quiet: float = 5.0
    dump_max_age: float = 600.0

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ValueError("sparql workers: must be 0 (off) or more")
        if not 0 < self.timeout <= 60:
            raise ValueError(f"sparql timeout: {self.timeout} s is outside (0, 60]")
        for name in ("max_rows", "max_query_bytes", "client_concurrency", "memory_mb",
                     "recycle_mb"):  # fmt: skip
            if getattr(self, name) < 1:
                raise ValueError(f"sparql {name.replace('_', ' ')}: must be at least 1")
        if self.client_seconds < self.timeout:
            raise ValueError(
                f"sparql client seconds per minute ({self.client_seconds}) must be at least "
                f"the query timeout ({self.timeout}), or no query could ever run"
            )

    @property
    def enabled(self) -> bool:
        return self.workers > 0

    def to_env(self) -> dict[str, str]:
        """``LDINDEX_SPARQL_*`` variables that make ``from_env`` rebuild these settings."""
        return {f"{_ENV_PREFIX}{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_env(cls) -> SparqlSettings:
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f"{_ENV_PREFIX}{f.name.upper()}")
            if raw is not None:
                values[f.name] = float(raw) if f.type == "float" else int(raw)
        return cls(**values)
