"""How names and versions are compared everywhere: PEP 503 names, PEP 440 normal forms."""

from __future__ import annotations

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

__all__ = ["canonicalize_name", "normalise_version", "version_key"]


def normalise_version(version: str) -> str:
    """PEP 440 normal form of a version, or the string itself for a legacy version."""
    try:
        return str(Version(version))
    except InvalidVersion:
        return version.strip()


def version_key(version: str) -> tuple[int, Version | str]:
    """A sort key putting legacy (non-PEP 440) versions before all PEP 440 ones."""
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)
