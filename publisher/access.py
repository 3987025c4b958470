"""Who may call the administrative endpoints: the machine's own user, on loopback.

``loopback_refusal(peer, headers)`` names why a request is not a direct local call, or
returns None; the ASGI routes and the WSGI/CGI handler ask it alike. A direct call comes
from a loopback peer, carries no header any proxy adds (a reverse proxy on this machine
would otherwise relay the world as a loopback peer), names a loopback host (a DNS-rebound
page names its own), and no cross-site browser ``Origin`` or ``Sec-Fetch-Site``. Token
checks, when an endpoint accepts them, are OR-ed with this one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

__all__ = ["PROXY_HEADERS", "is_loopback_host", "loopback_refusal"]

# Headers that proxies, load balancers and CDNs add to say whom they relay.
PROXY_HEADERS = frozenset(
    {
        "forwarded",
        "via",
        "x-real-ip",
        "true-client-ip",
        "client-ip",
        "x-client-ip",
        "x-cluster-client-ip",
        "cf-connecting-ip",
        "fastly-client-ip",
        "x-original-forwarded-for",
        "x-envoy-external-address",
        "x-proxyuser-ip",
    }
)
_PROXY_PREFIXES = ("x-forwarded-", "x-original-")


def is_loopback_host(host: str) -> bool:
    """Whether a host name or address (no port) names this machine's loopback interface."""
    host = host.strip().lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


def _authority_host(authority: str) -> str:
    """The host of a ``host[:port]`` authority, IPv6 literals included."""
    return urlsplit(f"//{authority}").hostname or ""


def loopback_refusal(peer: str, headers: Mapping[str, str]) -> str | None:
    """Why a request from ``peer`` (an address) with ``headers`` (lower-case names) is not
    a direct call from this machine, or None when it is."""
    if not is_loopback_host(peer):
        return "the client is not on a loopback address"
    relayed = sorted(
        name for name in headers if name in PROXY_HEADERS or name.startswith(_PROXY_PREFIXES)
    )
    if relayed:
        return f"the request came through a proxy ({', '.join(relayed)})"
    try:
        host = _authority_host(headers.get("host", ""))
    except ValueError:
        host = ""
    if not is_loopback_host(host):
        return "the Host header does not name a loopback address"
    origin = headers.get("origin")
    if origin is not None:
        try:
            parsed = urlsplit(origin)
            local = parsed.scheme in ("http", "https") and is_loopback_host(parsed.hostname or "")
        except ValueError:
            local = False
        if not local:
            return "the request comes from another site's page (Origin)"
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return "the request comes from another site's page (Sec-Fetch-Site)"
    return None
