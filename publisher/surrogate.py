"""Surrogate keys: the names a CDN purges cached responses by.

Every response a CDN may cache names what it shows, in the two headers CDNs read
(``Surrogate-Key``, space-separated, and ``Cache-Tag``, comma-separated):

- ``ldindex`` on everything, so one purge empties the whole index from the edge;
- ``project:NAME`` on a project's pages, simple page, JSON-LD and Codemeta documents;
- ``site`` on what lists every project (landing page, ``/simple/``, sitemap, search);
- ``files:NAME`` on a project's artefacts and their metadata files, purged only when files
  are withdrawn (their bytes never change otherwise).

A write to a project makes stale exactly ``project:NAME`` and ``site``, the same entries the
servers' own caches drop (``publisher.cache``); ``ldindex changes`` prints the keys to purge
as writes land, for a purge hook to send to the CDN (ldindex itself never calls out).
"""

from __future__ import annotations

__all__ = ["ALL", "SITE", "file_keys", "headers", "keys_for", "project_key"]

ALL = "ldindex"
SITE = "site"


def project_key(name: str) -> str:
    return f"project:{name}"


def file_keys(project: str) -> tuple[str, ...]:
    return (ALL, f"files:{project}")


def keys_for(project: str | None) -> tuple[str, ...]:
    """The keys of a rendering showing ``project`` (None: a page listing every project)."""
    return (ALL, project_key(project) if project else SITE)


def headers(keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """The two header lines that carry ``keys``."""
    return [("Surrogate-Key", " ".join(keys)), ("Cache-Tag", ",".join(keys))]
