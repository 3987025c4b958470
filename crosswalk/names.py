"""How names and versions are compared everywhere: PEP 503 names, PEP 440 normal forms."""

from __future__ import annotations

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

__all__ = ["canonicalize_name", "latest_version", "normalise_version", "version_key"]


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


def latest_version(versions: list[str]) -> str | None:
    """The newest version that is not a pre-release, or the newest of all if all are."""
    ordered = sorted(versions, key=version_key)
    stable = [v for v in ordered if not _is_prerelease(v)]
    candidates = stable or ordered
    return candidates[-1] if candidates else None


def _is_prerelease(version: str) -> bool:
    key = version_key(version)[1]
    return not isinstance(key, str) and key.is_prerelease
