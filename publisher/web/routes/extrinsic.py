"""``/_/api/…``: create, read, replace, patch and delete extrinsic metadata, with history.

Collections are addressed by what the items are attached to::

    /_/api/projects/{name}/items
    /_/api/projects/{name}/releases/{version}/items
    /_/api/projects/{name}/releases/{version}/files/{filename}/items

and each item by its id, wherever it is attached::

    /_/api/items/{id}                       GET, PUT, PATCH, DELETE
    /_/api/items/{id}/history               every revision, oldest first
    /_/api/items/{id}/history/{revision}    one revision

Reads are public (the same facts are on the pages); writes need a token whose scope covers
the item's project. Every item response carries a strong ETag naming its revision; a write
with ``If-Match`` naming an older one is refused with 412.
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

import orjson
from anyio import to_thread
from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response
from pydantic import ValidationError

from crosswalk.names import canonicalize_name
from crosswalk.records import EXTRINSIC_KINDS, ExtrinsicItem, Target
from publisher.conditional import etag_matches
from publisher.extrinsic import writes
from publisher.extrinsic.kinds import ItemWrite, validation_message
from publisher.store import RevisionConflict, Store
from publisher.tokens import Principal
from publisher.web.api_models import (
    HistoryOut,
    ItemListOut,
    ItemOut,
    MergePatch,
    RevisionOut,
    item_out,
    revision_out,
)
from publisher.web.auth import require_project
from publisher.web.errors import json_response, problem
from publisher.web.routes.api_common import (
    PROBLEMS,
    FilenamePath,
    NamePath,
    VersionPath,
    accepts_json,
    check_exists,
    target,
)
from publisher.web.state import state_of

__all__ = ["router"]


router = APIRouter(tags=["extrinsic metadata"], dependencies=[Depends(accepts_json)])

READ = PROBLEMS(404, 406)
WRITE = PROBLEMS(400, 401, 403, 404, 406, 409, 410, 412, 413, 422, 429)

IdPath = Path(description="Item id", pattern=r"^[0-9a-f]{16}$")
IfMatch = re.compile(r'^"([0-9a-f]{16})-r(\d{1,18})"$')


def _base(request: Request) -> str:
    return state_of(request).settings.base


def _store(request: Request) -> Store:
    return state_of(request).store


def _item_response(
    request: Request, item: ExtrinsicItem, status: int = 200, location: bool = False
) -> Response:
    headers = {"ETag": item.etag, "Cache-Control": "no-cache"}
    if location:
        headers["Location"] = f"{_base(request)}/_/api/items/{item.item_id}"
    return json_response(item_out(item, _base(request)), status, headers)


def _expected_revision(request: Request, item_id: str) -> int | None:
    """The revision an ``If-Match`` header names (None when absent or ``*``); 412 for a tag
    that can name no revision of this item."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    for tag in header.split(","):
        match = IfMatch.match(tag.strip())
        if match and match[1] == item_id:
            return int(match[2])
    raise RevisionConflict(f"If-Match {header.strip()} names no revision of item {item_id}", 0)


def _list(
    request: Request, target: Target, kind: str | None, below: bool, deleted: bool
) -> Response:
    store = _store(request)
    check_exists(store, target)
    items = store.list_items(target, kind, include_deleted=deleted, exact=not below)
    return json_response(
        {"items": [item_out(i, _base(request)) for i in items]},
        headers={"Cache-Control": "no-cache"},
    )


def project_writer(request: Request, name: str = NamePath) -> Principal:
    """The caller, if its token may write ``name``'s extrinsic metadata (checked before the
    body is looked at: 401/403 come first)."""
    return require_project(request, canonicalize_name(name))


def item_writer(request: Request, item_id: str = IdPath) -> tuple[ExtrinsicItem, Principal]:
    item = _existing(request, item_id)
    return item, require_project(request, item.target.project)


PROJECT_WRITER = Depends(project_writer)
ITEM_WRITER = Depends(item_writer)
REQUIRED_BODY = Body(..., discriminator="kind")


def _create(request: Request, target: Target, payload: Any, principal: Principal) -> Response:
    body = payload.model_dump(mode="json", exclude_none=True)
    item = writes.create(_store(request), target, body, principal.author)
    return _item_response(request, item, 201, location=True)


KindQuery = Query(None, description="Only items of this kind")
Kind = Literal[
    "advisory",
    "dependency-correction",
    "external-requirement",
    "hardware-capability",
    "external-link",
]
assert set(get_args(Kind)) == set(EXTRINSIC_KINDS)  # the same kinds as the model
BelowQuery = Query(False, description="Also items attached below (releases, files)")
DeletedQuery = Query(False, description="Also deleted items")
CREATED = {201: {"description": "Created; Location names the new item", "model": ItemOut}}


# -- collections ----------------------------------------------------------------------------


@router.get(
    "/_/api/projects/{name}/items",
    operation_id="list_project_items",
    summary="Extrinsic items attached to a project",
    response_model=ItemListOut,
    responses=PROBLEMS(404, 406, 422),
)
def list_project_items(
    request: Request,
    name: str = NamePath,
    kind: Kind | None = KindQuery,
    below: bool = BelowQuery,
    deleted: bool = DeletedQuery,
) -> Response:
    return _list(request, target(name), kind, below, deleted)


@router.post(
    "/_/api/projects/{name}/items",
    operation_id="create_project_item",
    summary="Attach an extrinsic item to a project",
    status_code=201,
    response_model=ItemOut,
    responses={**CREATED, **WRITE},
)
def create_project_item(
    request: Request,
    principal: Principal = PROJECT_WRITER,
    payload: ItemWrite = REQUIRED_BODY,
    name: str = NamePath,
) -> Response:
    return _create(request, target(name), payload, principal)


@router.get(
    "/_/api/projects/{name}/releases/{version}/items",
    operation_id="list_release_items",
    summary="Extrinsic items attached to a release",
    response_model=ItemListOut,
    responses=PROBLEMS(404, 406, 422),
)
def list_release_items(
    request: Request,
    name: str = NamePath,
    version: str = VersionPath,
    kind: Kind | None = KindQuery,
    below: bool = BelowQuery,
    deleted: bool = DeletedQuery,
) -> Response:
    return _list(request, target(name, version), kind, below, deleted)


@router.post(
    "/_/api/projects/{name}/releases/{version}/items",
    operation_id="create_release_item",
    summary="Attach an extrinsic item to a release",
    status_code=201,
    response_model=ItemOut,
    responses={**CREATED, **WRITE},
)
def create_release_item(
    request: Request,
    principal: Principal = PROJECT_WRITER,
    payload: ItemWrite = REQUIRED_BODY,
    name: str = NamePath,
    version: str = VersionPath,
) -> Response:
    return _create(request, target(name, version), payload, principal)


@router.get(
    "/_/api/projects/{name}/releases/{version}/files/{filename}/items",
    operation_id="list_file_items",
    summary="Extrinsic items attached to one file",
    response_model=ItemListOut,
    responses=PROBLEMS(404, 406, 422),
)
def list_file_items(
    request: Request,
    name: str = NamePath,
    version: str = VersionPath,
    filename: str = FilenamePath,
    kind: Kind | None = KindQuery,
    deleted: bool = DeletedQuery,
) -> Response:
    return _list(request, target(name, version, filename), kind, False, deleted)


@router.post(
    "/_/api/projects/{name}/releases/{version}/files/{filename}/items",
    operation_id="create_file_item",
    summary="Attach an extrinsic item to one file",
    status_code=201,
    response_model=ItemOut,
    responses={**CREATED, **WRITE},
)
def create_file_item(
    request: Request,
    principal: Principal = PROJECT_WRITER,
    payload: ItemWrite = REQUIRED_BODY,
    name: str = NamePath,
    version: str = VersionPath,
    filename: str = FilenamePath,
) -> Response:
    return _create(request, target(name, version, filename), payload, principal)


# -- one item -------------------------------------------------------------------------------


def _existing(request: Request, item_id: str) -> ExtrinsicItem:
    item = _store(request).get_item(item_id)
    if item is None:
        raise HTTPException(404, f"no item {item_id!r}")
    return item


ITEM_HEADERS = {"ETag": {"description": "The revision's entity tag", "schema": {"type": "string"}}}


@router.get(
    "/_/api/items/{item_id}",
    operation_id="get_item",
    summary="An item in its current state (deleted items answer 410)",
    response_model=ItemOut,
    responses={200: {"headers": ITEM_HEADERS}, **PROBLEMS(304, 404, 406, 410)},
)
def get_item(request: Request, item_id: str = IdPath) -> Response:
    item = _existing(request, item_id)
    if item.deleted:
        raise HTTPException(410, f"item {item_id} was deleted at revision {item.revision}")
    if etag_matches(request.headers.get("if-none-match", ""), item.etag):
        return Response(status_code=304, headers={"ETag": item.etag, "Cache-Control": "no-cache"})
    return _item_response(request, item)


@router.put(
    "/_/api/items/{item_id}",
    operation_id="replace_item",
    summary="Replace an item's document (restores a deleted item)",
    response_model=ItemOut,
    responses={200: {"headers": ITEM_HEADERS}, **WRITE},
)
def replace_item(
    request: Request,
    writer: tuple[ExtrinsicItem, Principal] = ITEM_WRITER,
    payload: ItemWrite = REQUIRED_BODY,
    item_id: str = IdPath,
) -> Response:
    principal = writer[1]
    expected = _expected_revision(request, item_id)
    body = payload.model_dump(mode="json", exclude_none=True)
    revised = writes.replace(_store(request), item_id, body, principal.author, expected)
    return _item_response(request, revised)


MERGE_PATCH = "application/merge-patch+json"


@router.patch(
    "/_/api/items/{item_id}",
    operation_id="update_item",
    summary="Change an item with a JSON merge patch (RFC 7396) of {kind, data, reason}",
    response_model=ItemOut,
    responses={200: {"headers": ITEM_HEADERS}, **WRITE, **PROBLEMS(415)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                MERGE_PATCH: {"schema": MergePatch.model_json_schema()},
                "application/json": {"schema": MergePatch.model_json_schema()},
            },
        }
    },
)
async def update_item(
    request: Request,
    writer: tuple[ExtrinsicItem, Principal] = ITEM_WRITER,
    item_id: str = IdPath,
) -> Response:
    store, principal = _store(request), writer[1]
    expected = _expected_revision(request, item_id)
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in (MERGE_PATCH, "application/json"):
        raise HTTPException(
            415, f"send the patch as {MERGE_PATCH} (or application/json), not {content_type!r}"
        )
    try:
        changes = orjson.loads(await request.body())
        MergePatch.model_validate(changes, strict=True)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(422, f"body: not JSON ({exc})") from None
    except ValidationError as exc:
        raise HTTPException(422, f"invalid patch: {validation_message(exc)}") from None
    revised = await to_thread.run_sync(
        writes.patch, store, item_id, changes, principal.author, expected
    )
    return _item_response(request, revised)


@router.delete(
    "/_/api/items/{item_id}",
    operation_id="delete_item",
    summary="Delete an item: a revision marking it gone (its history stays readable)",
    response_model=ItemOut,
    responses={200: {"headers": ITEM_HEADERS}, **WRITE},
)
def delete_item(
    request: Request,
    writer: tuple[ExtrinsicItem, Principal] = ITEM_WRITER,
    item_id: str = IdPath,
    reason: str | None = Query(None, max_length=500, description="Why it is deleted"),
) -> Response:
    principal = writer[1]
    if reason is not None and "\x00" in reason:
        return problem(422, "reason: must not contain the NUL character (U+0000)")
    expected = _expected_revision(request, item_id)
    deleted = writes.delete(_store(request), item_id, principal.author, reason, expected)
    return _item_response(request, deleted)


@router.get(
    "/_/api/items/{item_id}/history",
    operation_id="item_history",
    summary="Every revision of an item, oldest first: who, when, why, before and after",
    response_model=HistoryOut,
    responses=READ,
)
def item_history(request: Request, item_id: str = IdPath) -> Response:
    revisions = _store(request).item_history(item_id)
    if not revisions:
        raise HTTPException(404, f"no item {item_id!r}")
    return json_response(
        {"id": item_id, "revisions": [revision_out(r) for r in revisions]},
        headers={"Cache-Control": "no-cache"},
    )


@router.get(
    "/_/api/items/{item_id}/history/{revision}",
    operation_id="item_revision",
    summary="One revision of an item",
    response_model=RevisionOut,
    responses=READ,
)
def item_revision(
    request: Request, item_id: str = IdPath, revision: int = Path(ge=1, le=2**62)
) -> Response:
    found = _store(request).item_revision(item_id, revision)
    if found is None:
        raise HTTPException(404, f"item {item_id!r} has no revision {revision}")
    # A revision never changes: cacheable for good.
    return json_response(
        revision_out(found), headers={"Cache-Control": "public, max-age=31536000, immutable"}
    )
