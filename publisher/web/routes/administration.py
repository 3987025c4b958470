"""``/_/api/projects/{name}/…``: yank and un-yank (PEP 592), project status (PEP 792).

Only admin tokens may change these; the simple API and the pages show a change as soon as
the request returns. Each change is recorded (who, when, why, before, after) and readable at
``/_/api/projects/{name}/events``.
"""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, HTTPException, Request, Response

from crosswalk.records import Target
from publisher.store import Store
from publisher.tokens import Principal
from publisher.web.api_models import (
    AdminEventsOut,
    ProjectStatusIn,
    ProjectStatusOut,
    UnyankIn,
    YankIn,
    YankOut,
    admin_event_out,
    target_out,
)
from publisher.web.auth import require_admin
from publisher.web.errors import json_response
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

router = APIRouter(tags=["administration"], dependencies=[Depends(accepts_json)])

ADMIN_WRITE = PROBLEMS(400, 401, 403, 404, 406, 413, 422, 429)


ADMIN = Depends(require_admin)
REQUIRED_BODY = Body(...)
OPTIONAL_BODY = Body(None)


def _store(request: Request) -> Store:
    return state_of(request).store


def _yank(
    request: Request, target: Target, yanked: bool, reason: str | None, who: Principal
) -> Response:
    store = _store(request)
    event = store.set_yanked(target, yanked, reason, who.author)
    if target.filename is None:
        release = store.get_release(target.project, target.version or "")
        state = (release.yanked, release.yanked_reason) if release else (yanked, reason)
    else:
        found = store.get_file(target.filename)
        state = (found.yanked, found.yanked_reason) if found else (yanked, reason)
    return json_response(
        {
            "target": target_out(target),
            "yanked": state[0],
            "yanked_reason": state[1],
            "changed": event is not None,
        }
    )


RELEASE = "/_/api/projects/{name}/releases/{version}"
FILE = RELEASE + "/files/{filename}"


@router.post(
    f"{RELEASE}/yank",
    operation_id="yank_release",
    summary="Yank a release (PEP 592): installers skip it unless pinned",
    response_model=YankOut,
    responses=ADMIN_WRITE,
)
def yank_release(
    request: Request,
    principal: Principal = ADMIN,
    body: YankIn = REQUIRED_BODY,
    name: str = NamePath,
    version: str = VersionPath,
) -> Response:
    return _yank(request, target(name, version), True, body.reason, principal)


@router.post(
    f"{RELEASE}/unyank",
    operation_id="unyank_release",
    summary="Un-yank a release",
    response_model=YankOut,
    responses=ADMIN_WRITE,
)
def unyank_release(
    request: Request,
    principal: Principal = ADMIN,
    body: UnyankIn | None = OPTIONAL_BODY,
    name: str = NamePath,
    version: str = VersionPath,
) -> Response:
    reason = body.reason if body else None
    return _yank(request, target(name, version), False, reason, principal)


@router.post(
    f"{FILE}/yank",
    operation_id="yank_file",
    summary="Yank one file of a release",
    response_model=YankOut,
    responses=ADMIN_WRITE,
)
def yank_file(
    request: Request,
    principal: Principal = ADMIN,
    body: YankIn = REQUIRED_BODY,
    name: str = NamePath,
    version: str = VersionPath,
    filename: str = FilenamePath,
) -> Response:
    return _yank(request, target(name, version, filename), True, body.reason, principal)


@router.post(
    f"{FILE}/unyank",
    operation_id="unyank_file",
    summary="Un-yank one file",
    response_model=YankOut,
    responses=ADMIN_WRITE,
)
def unyank_file(
    request: Request,
    principal: Principal = ADMIN,
    body: UnyankIn | None = OPTIONAL_BODY,
    name: str = NamePath,
    version: str = VersionPath,
    filename: str = FilenamePath,
) -> Response:
    reason = body.reason if body else None
    return _yank(request, target(name, version, filename), False, reason, principal)


def _status(request: Request, name: str, changed: bool) -> Response:
    project = _store(request).get_project(name)
    if project is None:
        raise HTTPException(404, f"no project named {name!r}")
    return json_response(
        {
            "project": project.name,
            "status": project.status or "active",
            "reason": project.status_reason,
            "changed": changed,
        }
    )


@router.get(
    "/_/api/projects/{name}/status",
    operation_id="project_status",
    summary="A project's status (PEP 792)",
    response_model=ProjectStatusOut,
    responses=PROBLEMS(404, 406),
)
def project_status(request: Request, name: str = NamePath) -> Response:
    return _status(request, target(name).project, False)


@router.put(
    "/_/api/projects/{name}/status",
    operation_id="set_project_status",
    summary="Set a project's status (PEP 792): active, archived, quarantined, deprecated",
    response_model=ProjectStatusOut,
    responses=ADMIN_WRITE,
)
def set_project_status(
    request: Request,
    principal: Principal = ADMIN,
    body: ProjectStatusIn = REQUIRED_BODY,
    name: str = NamePath,
) -> Response:
    project = target(name).project
    event = _store(request).set_project_status(project, body.status, body.reason, principal.author)
    return _status(request, project, event is not None)


@router.get(
    "/_/api/projects/{name}/events",
    operation_id="project_events",
    summary="A project's administrative changes (yanks, status), oldest first",
    response_model=AdminEventsOut,
    responses=PROBLEMS(404, 406),
)
def project_events(request: Request, name: str = NamePath) -> Response:
    project = target(name)
    check_exists(_store(request), project)
    events = _store(request).admin_events(project.project)
    return json_response(
        {"project": project.project, "events": [admin_event_out(e) for e in events]},
        headers={"Cache-Control": "no-cache"},
    )
