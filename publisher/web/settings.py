"""Settings of a running index, from arguments or ``LDINDEX_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from publisher.sparql.settings import SparqlSettings
from publisher.store import DEFAULT_URL, default_files_dir

__all__ = ["Settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    """What ``create_app`` needs: where the data is and under which URL it is published."""

    db_url: str = DEFAULT_URL
    db_read_url: str | None = None  # a read replica of a PostgreSQL primary
    files_dir: Path | None = None
    base_url: str = "http://127.0.0.1:8000"
    cache_max_age: int = 60
    cdn_max_age: int = 0  # seconds a CDN may keep pages (0: what cache_max_age says)
    cache_entries: int = 20_000
    cache_bytes: int = 256 << 20
    sparql: SparqlSettings = field(default_factory=SparqlSettings)
    graph_dir: Path | None = None
    header_timeout: float = 10.0  # seconds a client has to send a request head
    read_only: bool = False  # open the database for reading only (no cache invalidation)

    @property
    def files_root(self) -> Path:
        return self.files_dir or default_files_dir(self.db_url)

    @property
    def base(self) -> str:
        """The base URL without a trailing slash."""
        return self.base_url.rstrip("/")

    def to_env(self) -> dict[str, str]:
        """The environment that makes ``from_env`` rebuild these settings in a worker."""
        env = {
            "LDINDEX_DB": self.db_url,
            "LDINDEX_BASE_URL": self.base_url,
            "LDINDEX_CACHE_MAX_AGE": str(self.cache_max_age),
            "LDINDEX_CDN_MAX_AGE": str(self.cdn_max_age),
            "LDINDEX_HEADER_TIMEOUT": str(self.header_timeout),
            "LDINDEX_READ_ONLY": "1" if self.read_only else "",
        }
        if self.files_dir is not None:
            env["LDINDEX_FILES"] = str(self.files_dir)
        if self.db_read_url is not None:
            env["LDINDEX_DB_READ"] = self.db_read_url
        if self.graph_dir is not None:
            env["LDINDEX_GRAPH"] = str(self.graph_dir)
        env.update(self.sparql.to_env())
        return env

    @classmethod
    def from_env(cls) -> Settings:
        files = os.environ.get("LDINDEX_FILES")
        graph = os.environ.get("LDINDEX_GRAPH")
        return cls(
            db_url=os.environ.get("LDINDEX_DB", DEFAULT_URL),
            db_read_url=os.environ.get("LDINDEX_DB_READ") or None,
            files_dir=Path(files) if files else None,
            base_url=os.environ.get("LDINDEX_BASE_URL", cls.base_url),
            cache_max_age=int(os.environ.get("LDINDEX_CACHE_MAX_AGE", cls.cache_max_age)),
            cdn_max_age=int(os.environ.get("LDINDEX_CDN_MAX_AGE", cls.cdn_max_age)),
            sparql=SparqlSettings.from_env(),
            graph_dir=Path(graph) if graph else None,
            header_timeout=float(os.environ.get("LDINDEX_HEADER_TIMEOUT", cls.header_timeout)),
            read_only=bool(os.environ.get("LDINDEX_READ_ONLY")),
        )
