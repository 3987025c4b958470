"""What the write API's routes share: JSON-only negotiation, error responses as declared in
OpenAPI, path parameters, and turning a path into a target."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Path, Request

from crosswalk.names import canonicalize_name, normalise_version
from crosswalk.records import Target
from publisher.render import media
from publisher.store import Store
from publisher.web.api_models import Problem

__all__ = [
    "PROBLEMS",
    "FilenamePath",
    "NamePath",
    "VersionPath",
    "accepts_json",
    "check_exists",
    "target",
]


def accepts_json(request: Request) -> None:
    """406 unless the client accepts JSON (no Accept header means it does)."""
    accept = request.headers.get("accept")
    if accept and media.negotiate(accept, None, ("application/json",), {}) is None:
        raise HTTPException(406, "this API answers in application/json only")


_STATUS_TEXT = {
    400: "The body could not be read as JSON text",
    304: "Not modified: the item still has the ETag sent in If-None-Match",
    401: "No token, or one that is unknown, revoked or expired",
    403: "The token's scope does not cover this project",
    404: "No such project, release, file, item or revision",
    406: "The client does not accept application/json",
    409: "Conflicts with what is there (a second dependency correction, a change of kind)",
    410: "The item was deleted (its history is still readable)",
    412: "If-Match names a revision that is no longer current",
    413: "The request body is larger than 1 MiB",
    415: "The patch is not sent as application/merge-patch+json or application/json",
    422: "The body or a parameter is invalid; the message names each bad field",
    429: "Too many refused tokens from this client; see Retry-After",
}


def PROBLEMS(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error statuses, each with the ``Problem`` body."""
    return {
        s: {"description": _STATUS_TEXT[s]}
        if s == 304
        else {"model": Problem, "description": _STATUS_TEXT[s]}
        for s in statuses
    }


NamePath = Path(description="Project name (any spelling; normalised per PEP 503)", max_length=200)
VersionPath = Path(description="Release version (normalised per PEP 440)", max_length=200)
FilenamePath = Path(description="A file of that release", max_length=500)


def target(name: str, version: str | None = None, filename: str | None = None) -> Target:
    return Target(
        canonicalize_name(name), normalise_version(version) if version else None, filename
    )


def check_exists(store: Store, target: Target) -> None:
    if target.version is None:
        if store.get_project(target.project) is None:
            raise HTTPException(404, f"no project named {target.project!r}")
        return
    release = store.get_release(target.project, target.version)
    if release is None:
        raise HTTPException(404, f"{target.project} has no release {target.version!r}")
    if target.filename is not None and target.filename not in {f.filename for f in release.files}:
        raise HTTPException(
            404, f"{target.project} {target.version} has no file named {target.filename!r}"
        )
