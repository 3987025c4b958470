"""The one error every archive check raises, so ingest reports any of them the same way."""

from __future__ import annotations

__all__ = ["ArchiveError"]


class ArchiveError(ValueError):
    """The archive is unsafe, corrupt, inconsistent, or lacks what its format requires."""
