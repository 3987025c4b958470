"""``create_app(settings)``: the ASGI application serving one index."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from publisher.cache import ResponseCache
from publisher.file_sources import index_files
from publisher.routing import Resolver
from publisher.sparql.endpoint import Endpoint
from publisher.sparql.service import SparqlService
from publisher.store import open_store, redact_url
from publisher.web.errors import install_error_handlers
from publisher.web.hot import HotReads
from publisher.web.limits import BodyLimit
from publisher.web.openapi import describe_request_limits
from publisher.web.routes import (
    admin,
    administration,
    extrinsic,
    files,
    hot_routes,
    query,
    sparql,
)
from publisher.web.settings import Settings
from publisher.web.state import AppState

__all__ = ["create_app"]

log = logging.getLogger("ldindex.web")


def create_app(settings: Settings | None = None) -> HotReads:
    """Build the application: cached hot reads in front of a FastAPI app (OpenAPI at /docs)."""
    settings = settings or Settings()
    store = open_store(settings.db_url, read_only=settings.read_only, read_url=settings.db_read_url)
    cache = ResponseCache(store, settings.cache_entries, settings.cache_bytes)
    service = SparqlService(
        store,
        settings.db_url,
        settings.base,
        settings.sparql,
        settings.graph_dir,
        read_url=settings.db_read_url,
    )
    sources = index_files(store, settings.files_root)
    state = AppState(settings, store, sources, cache, Endpoint(service))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("serving %s at %s", redact_url(settings.db_url), settings.base)
        service.start()
        yield
        service.close()
        store.close()

    api = FastAPI(
        title="ldindex",
        summary="A Python package index that publishes what it knows as linked data",
        version="0.1.0",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        redirect_slashes=False,  # publisher.web.errors.slash_redirect: relative Location
    )
    api.state.ldindex = state
    install_error_handlers(api)
    api.include_router(files.router)
    api.include_router(admin.router)
    api.include_router(extrinsic.router)
    api.include_router(administration.router)
    api.include_router(hot_routes.router)
    api.include_router(query.router)
    api.include_router(sparql.router)
    describe_request_limits(api)
    resolver = Resolver(store, settings.base)
    api.state.resolver = resolver
    direct = {"/_/sparql": sparql.in_front(state.sparql)}
    return HotReads(
        BodyLimit(api), cache, resolver, settings.cache_max_age, direct, settings.cdn_max_age
    )
