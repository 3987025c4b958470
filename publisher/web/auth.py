"""Bearer tokens on the write API: who is calling, and may they touch this project?

No token, or one that grants nothing (unknown, revoked, expired, malformed) → 401 with a
``WWW-Authenticate: Bearer`` challenge; a valid token without the scope → 403. Every refusal is
logged with the client's address (never the secret). A client that fails too often within a
minute is answered 429 for a while, so guessing cannot run at full speed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import HTTPException, Request

from publisher.tokens import Principal, TokenRefused, authenticate
from publisher.web.state import state_of

__all__ = ["bearer", "require_admin", "require_project"]

log = logging.getLogger("ldindex.auth")

REALM = 'Bearer realm="ldindex"'


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _unauthorised(message: str, error: str | None = None) -> HTTPException:
    challenge = REALM if error is None else f'{REALM}, error="{error}"'
    return HTTPException(401, message, headers={"WWW-Authenticate": challenge})


def bearer(request: Request) -> Principal | None:
    """The caller's principal; None when no Authorization header was sent."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    state = state_of(request)
    client = _client(request)
    wait = state.throttle.retry_after(client)
    if wait is not None:
        raise HTTPException(
            429, f"too many refused tokens; retry in {wait} s", {"Retry-After": str(wait)}
        )
    scheme, _, presented = header.partition(" ")
    try:
        if scheme.lower() != "bearer" or not presented.strip():
            raise TokenRefused("the Authorization header must read 'Bearer TOKEN'")
        return authenticate(state.store, presented.strip(), datetime.now(UTC))
    except TokenRefused as exc:
        state.throttle.failed(client)
        log.warning("refused a token from %s for %s %s: %s", client, request.method,
                    request.url.path, exc)  # fmt: skip
        raise _unauthorised(f"token refused: {exc}", "invalid_token") from None


def _required(request: Request) -> Principal:
    principal = bearer(request)
    if principal is None:
        log.warning("no token from %s for %s %s", _client(request), request.method,
                    request.url.path)  # fmt: skip
        raise _unauthorised("this needs a token: send 'Authorization: Bearer TOKEN'")
    return principal


def require_project(request: Request, project: str) -> Principal:
    """A principal allowed to change ``project``'s extrinsic metadata, or 401/403."""
    principal = _required(request)
    if not principal.may_write(project):
        log.warning("token %s (%s) refused for project %s", principal.token_id, principal.scope,
                    project)  # fmt: skip
        raise HTTPException(403, f"token scope {principal.scope} does not cover project {project}")
    return principal


def require_admin(request: Request) -> Principal:
    """An admin principal, or 401/403."""
    principal = _required(request)
    if not principal.is_admin:
        log.warning("token %s (%s) refused for %s", principal.token_id, principal.scope,
                    request.url.path)  # fmt: skip
        raise HTTPException(403, f"this needs an admin token; token scope is {principal.scope}")
    return principal
