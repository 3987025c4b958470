"""What every route needs, held once per application."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from publisher.cache import ResponseCache
from publisher.file_sources import FileSource
from publisher.sparql.endpoint import Endpoint
from publisher.store import Store
from publisher.web.settings import Settings
from publisher.web.throttle import FailureThrottle

__all__ = ["AppState", "state_of"]


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    store: Store
    files: FileSource  # the file store, or the served folder first (directory mode)
    cache: ResponseCache
    sparql: Endpoint
    throttle: FailureThrottle = field(default_factory=FailureThrottle)


def state_of(request: Request) -> AppState:
    return request.app.state.ldindex
