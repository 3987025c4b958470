"""The write operations on extrinsic items, shared by the HTTP API and the CLI.

Each validates first and writes once, so a refused body leaves nothing behind. ``patch``
applies a JSON merge patch to the item as last read and writes it conditionally on that
revision; without an If-Match from the caller it re-reads and re-applies on a conflict, so
concurrent patches compose instead of overwriting each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crosswalk.records import ExtrinsicItem, Target
from publisher.extrinsic.kinds import InvalidItem, check_target, document, parse_write
from publisher.extrinsic.merge_patch import merge_patch
from publisher.store import Author, ItemGone, ItemNotFound, RevisionConflict, Store

__all__ = ["KindMismatch", "create", "delete", "patch", "replace"]

PATCH_ATTEMPTS = 20


class KindMismatch(Exception):
    """A replacement or patch that would change an item's kind."""


def create(store: Store, target: Target, payload: object, author: Author) -> ExtrinsicItem:
    write = parse_write(payload)
    check_target(write.kind, target)
    return store.create_item(write.kind, target, document(write), author, write.reason)


def _current(store: Store, item_id: str) -> ExtrinsicItem:
    item = store.get_item(item_id)
    if item is None:
        raise ItemNotFound(f"no item {item_id!r}")
    return item


def _same_kind(item: ExtrinsicItem, kind: object) -> None:
    if kind != item.kind:
        raise KindMismatch(f"item {item.item_id} is a {item.kind}; its kind cannot change")


def replace(
    store: Store, item_id: str, payload: object, author: Author, expected: int | None
) -> ExtrinsicItem:
    """PUT: the whole document anew (a deleted item is restored)."""
    item = _current(store, item_id)
    if isinstance(payload, Mapping) and "kind" in payload:
        _same_kind(item, payload["kind"])
    write = parse_write(payload)
    return store.revise_item(item_id, document(write), author, write.reason, expected, "replace")


def patch(
    store: Store, item_id: str, changes: object, author: Author, expected: int | None
) -> ExtrinsicItem:
    """PATCH: ``changes`` is a merge patch of ``{"kind", "data", "reason"}``."""
    if not isinstance(changes, Mapping):
        raise InvalidItem("body: a merge patch is a JSON object")
    for attempt in range(PATCH_ATTEMPTS):
        item = _current(store, item_id)
        if item.deleted:
            raise ItemGone(f"item {item_id} was deleted at revision {item.revision}")
        if expected is not None and item.revision != expected:
            raise RevisionConflict(
                f"item {item_id} is at revision {item.revision}, not {expected}", item.revision
            )
        if "kind" in changes:
            _same_kind(item, changes["kind"])
        merged: dict[str, Any] = merge_patch({"kind": item.kind, "data": item.data}, changes)
        write = parse_write(merged)
        try:
            return store.revise_item(
                item_id, document(write), author, write.reason, item.revision, "update"
            )
        except RevisionConflict:
            if expected is not None or attempt == PATCH_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def delete(
    store: Store, item_id: str, author: Author, reason: str | None, expected: int | None
) -> ExtrinsicItem:
    """DELETE: a revision marking the item gone; its history stays readable."""
    _current(store, item_id)
    return store.revise_item(item_id, None, author, reason, expected, "delete")
