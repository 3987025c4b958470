"""Which releases of a PyPI project an OSV advisory affects, from its ranges and versions.

OSV (https://ossf.github.io/osv-schema/) lists affected packages, each with ``ranges`` of
events (``introduced``, ``fixed``, ``last_affected``, ``limit``) and an explicit ``versions``
list. PyPI advisories use ``ECOSYSTEM`` ranges whose versions are PEP 440; ``SEMVER`` ranges
are read the same way. ``GIT`` ranges name commits, which an index cannot place: only the
``versions`` list of such an entry counts. The evaluation follows the schema's reference
algorithm: walk the events in version order, ``introduced`` opens the range, ``fixed`` and
``limit`` close it at their version, ``last_affected`` just after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

__all__ = ["affected_versions", "affects", "fixed_versions", "osv_projects"]

ECOSYSTEM = "PyPI"
_ORDERED_RANGES = ("ECOSYSTEM", "SEMVER")


def _version(text: object) -> Version | None:
    if not isinstance(text, str):
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _package_name(affected: Mapping[str, Any]) -> str | None:
    """The normalised PyPI name an ``affected`` entry is about, or None for other ecosystems."""
    package = affected.get("package") or {}
    if package.get("ecosystem") == ECOSYSTEM and isinstance(package.get("name"), str):
        return canonicalize_name(package["name"])
    purl = package.get("purl")
    if isinstance(purl, str) and purl.startswith("pkg:pypi/"):
        name = purl.removeprefix("pkg:pypi/").split("@", 1)[0].split("?", 1)[0]
        return canonicalize_name(name)
    return None


def _entries(doc: Mapping[str, Any], project: str) -> Iterable[Mapping[str, Any]]:
    wanted = canonicalize_name(project)
    for affected in doc.get("affected") or ():
        if isinstance(affected, Mapping) and _package_name(affected) == wanted:
            yield affected


def osv_projects(doc: Mapping[str, Any]) -> list[str]:
    """The normalised names of the PyPI projects an advisory lists, sorted."""
    names = {_package_name(a) for a in doc.get("affected") or () if isinstance(a, Mapping)}
    return sorted(n for n in names if n)


def _event_key(event: tuple[str, Version | None]) -> tuple[int, Version]:
    version = event[1]
    # introduced "0" (None here) comes first; equal versions keep their listed order.
    return (0, Version("0")) if version is None else (1, version)


def _in_range(version: Version, events: Iterable[Mapping[str, Any]]) -> bool:
    parsed: list[tuple[str, Version | None]] = []
    limits: list[Version] = []
    for event in events:
        if not isinstance(event, Mapping):
            continue
        for kind in ("introduced", "fixed", "last_affected", "limit"):
            value = event.get(kind)
            if value is None:
                continue
            if kind == "introduced" and value == "0":
                parsed.append((kind, None))
            elif kind == "limit":
                if value != "*" and (bound := _version(value)) is not None:
                    limits.append(bound)
            elif (bound := _version(value)) is not None:
                parsed.append((kind, bound))
    if any(version >= limit for limit in limits):
        return False
    affected = False
    for kind, bound in sorted(parsed, key=_event_key):
        if kind == "introduced":
            affected = affected or bound is None or version >= bound
        elif (kind == "fixed" and version >= bound) or (
            kind == "last_affected" and version > bound
        ):
            affected = False
    return affected


def affects(doc: Mapping[str, Any], project: str, version: str) -> bool:
    """Whether the advisory lists ``version`` of ``project`` as affected (by an explicit
    ``versions`` entry or by an ``ECOSYSTEM``/``SEMVER`` range)."""
    wanted = _version(version)
    for affected in _entries(doc, project):
        listed = affected.get("versions") or ()
        if version in listed or (wanted is not None and wanted in map(_version, listed)):
            return True
        if wanted is None:
            continue
        for range_ in affected.get("ranges") or ():
            ordered = isinstance(range_, Mapping) and range_.get("type") in _ORDERED_RANGES
            if ordered and _in_range(wanted, range_.get("events") or ()):
                return True
    return False


def affected_versions(doc: Mapping[str, Any], project: str, versions: Iterable[str]) -> list[str]:
    """The versions among ``versions`` that the advisory affects, in the order given."""
    return [v for v in versions if affects(doc, project, v)]


def fixed_versions(doc: Mapping[str, Any], project: str) -> list[str]:
    """The versions named by ``fixed`` events for ``project``, in version order."""
    found = {
        event["fixed"]
        for affected in _entries(doc, project)
        for range_ in affected.get("ranges") or ()
        if isinstance(range_, Mapping)
        for event in range_.get("events") or ()
        if isinstance(event, Mapping) and isinstance(event.get("fixed"), str)
    }
    return sorted(found, key=lambda v: (_version(v) or Version("0"), v))
