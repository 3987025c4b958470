"""The web layer: ``create_app(settings)`` returns the ASGI application."""

from __future__ import annotations

from publisher.web.app import create_app
from publisher.web.rsgi import RsgiFront
from publisher.web.settings import Settings

__all__ = ["Settings", "app_from_env", "create_app", "rsgi_app_from_env"]


def app_from_env():
    """Application factory for ASGI servers' worker processes (settings from LDINDEX_*)."""
    return create_app(Settings.from_env())


def rsgi_app_from_env() -> RsgiFront:
    """Application factory for granian's RSGI worker processes (settings from LDINDEX_*)."""
    return RsgiFront(create_app(Settings.from_env()))
