"""Which URLs are a repository's root on a known code forge.

A Home-page or Project-URL is taken as the code repository when it is the root of a
repository on a forge ldindex knows (``https://github.com/owner/name``, optionally ending in
``.git`` or ``/``) — never an issues, blob, wiki or docs page of it, and never a bare
owner page. Hosts are matched exactly: ``github.io`` pages are documentation, not code.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["FORGES", "is_forge_url", "repository_root"]

FORGES = frozenset(
    {
        "github.com",
        "gitlab.com",
        "codeberg.org",
        "bitbucket.org",
        "git.sr.ht",
        "sr.ht",
        "salsa.debian.org",
        "gitea.com",
        "framagit.org",
        "foss.heptapod.net",
    }
)
_SEGMENT = r"[A-Za-z0-9_.~-]+"
_ROOT = re.compile(rf"^/({_SEGMENT})/({_SEGMENT}?)(?:\.git)?/?$")


def _host(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    return host.removeprefix("www.")


def is_forge_url(url: str) -> bool:
    """Whether the URL points anywhere on a known forge."""
    return _host(url) in FORGES


def repository_root(url: str) -> bool:
    """Whether the URL is a repository root (``/owner/name`` on a known forge), with no
    query or fragment."""
    if _host(url) not in FORGES:
        return False
    parts = urlsplit(url.strip())
    if parts.query or parts.fragment:
        return False
    match = _ROOT.match(parts.path)
    return bool(match and match[2] and match[2] not in (".", ".."))
