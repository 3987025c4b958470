"""What the write API answers, as models: the JSON shapes its OpenAPI description declares."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from crosswalk.records import AdminEvent, Change, ExtrinsicItem, Revision, Target
from publisher.extrinsic.kinds import no_nul

__all__ = [
    "AdminEventOut",
    "ChangeOut",
    "HistoryOut",
    "ItemListOut",
    "ItemOut",
    "MergePatch",
    "Problem",
    "ProjectStatusIn",
    "ProjectStatusOut",
    "RevisionOut",
    "TargetOut",
    "YankIn",
    "YankOut",
    "admin_event_out",
    "item_out",
    "revision_out",
]

Reason = str
ReasonIn = Annotated[str, Field(max_length=2000), AfterValidator(no_nul)]


class Problem(BaseModel):
    """An error: what went wrong, and the status again."""

    error: str
    status: int


class TargetOut(BaseModel):
    project: str
    version: str | None = None
    filename: str | None = None
    level: Literal["project", "release", "file"]


class ChangeOut(BaseModel):
    revision: int
    action: Literal["create", "replace", "update", "delete", "restore"]
    author: str = Field(description="The name of the token (or CLI user) that made it")
    at: str = Field(description="RFC 3339 timestamp")
    reason: str | None = None


class ItemLinks(BaseModel):
    self: str
    history: str


class ItemOut(BaseModel):
    id: str
    kind: str
    target: TargetOut
    revision: int
    etag: str
    deleted: bool
    data: dict[str, Any]
    created: ChangeOut
    updated: ChangeOut
    links: ItemLinks


class ItemListOut(BaseModel):
    items: list[ItemOut]


class RevisionOut(BaseModel):
    id: str
    kind: str
    target: TargetOut
    revision: int
    action: str
    author: str
    at: str
    reason: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class HistoryOut(BaseModel):
    id: str
    revisions: list[RevisionOut]


class MergePatch(BaseModel):
    """A JSON merge patch (RFC 7396) of the item's ``{"kind", "data"}``, with the change's
    ``reason``: objects merge, ``null`` removes a field, arrays are replaced whole."""

    model_config = ConfigDict(extra="forbid")

    kind: str | None = Field(None, description="If given, must be the item's kind")
    data: dict[str, Any] | None = None
    reason: ReasonIn | None = None


class YankIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    reason: Annotated[ReasonIn, Field(min_length=1)]


class UnyankIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    reason: ReasonIn | None = None


class YankOut(BaseModel):
    target: TargetOut
    yanked: bool
    yanked_reason: str | None = None
    changed: bool


class ProjectStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    status: Literal["active", "archived", "quarantined", "deprecated"]
    reason: ReasonIn | None = None


class ProjectStatusOut(BaseModel):
    project: str
    status: Literal["active", "archived", "quarantined", "deprecated"]
    reason: str | None = None
    changed: bool


class AdminEventOut(BaseModel):
    id: int
    action: Literal["yank", "unyank", "status", "remove"]
    target: TargetOut
    author: str
    at: str
    reason: str | None = None
    before: dict[str, Any]
    after: dict[str, Any]


class AdminEventsOut(BaseModel):
    project: str
    events: list[AdminEventOut]


def target_out(target: Target) -> dict[str, Any]:
    return {
        "project": target.project,
        "version": target.version,
        "filename": target.filename,
        "level": target.level,
    }


def change_out(change: Change) -> dict[str, Any]:
    return {
        "revision": change.revision,
        "action": change.action,
        "author": change.author,
        "at": change.at.isoformat(),
        "reason": change.reason,
    }


def item_out(item: ExtrinsicItem, base: str) -> dict[str, Any]:
    url = f"{base}/_/api/items/{item.item_id}"
    return {
        "id": item.item_id,
        "kind": item.kind,
        "target": target_out(item.target),
        "revision": item.revision,
        "etag": item.etag,
        "deleted": item.deleted,
        "data": dict(item.data),
        "created": change_out(item.created),
        "updated": change_out(item.updated),
        "links": {"self": url, "history": f"{url}/history"},
    }


def revision_out(revision: Revision) -> dict[str, Any]:
    change = revision.change
    return {
        "id": revision.item_id,
        "kind": revision.kind,
        "target": target_out(revision.target),
        "revision": change.revision,
        "action": change.action,
        "author": change.author,
        "at": change.at.isoformat(),
        "reason": change.reason,
        "before": None if revision.before is None else dict(revision.before),
        "after": None if revision.after is None else dict(revision.after),
    }


def admin_event_out(event: AdminEvent) -> dict[str, Any]:
    return {
        "id": event.event_id,
        "action": event.action,
        "target": target_out(event.target),
        "author": event.author,
        "at": event.at.isoformat(),
        "reason": event.reason,
        "before": dict(event.before),
        "after": dict(event.after),
    }
