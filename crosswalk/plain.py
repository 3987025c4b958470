"""Records as plain JSON-shaped dicts: the shape ``ldindex show`` prints and tools read.

A release carries its core metadata fields under their metadata names, lower-cased with
``_``; each file its ``filename``, ``size``, ``hashes`` (keyed ``md5``, ``sha1``, ``sha256``,
``blake2b_256``), ``packagetype``, tags and per-file facts. A release also carries its
``commands`` (console and GUI scripts), all its ``entry_points`` and its ``citation`` file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crosswalk.records import (
    DEPENDENCY_CORRECTION,
    DistributionFile,
    ExtrinsicItem,
    Project,
    Release,
)

__all__ = [
    "corrected_requirements",
    "extrinsic_dicts",
    "file_dict",
    "item_dict",
    "project_dict",
    "release_dict",
]


def file_dict(f: DistributionFile) -> dict[str, Any]:
    return {
        "filename": f.filename,
        "packagetype": f.packagetype,
        "size": f.size,
        "hashes": dict(f.hashes),
        "url_path": f.url_path,
        "upload_time": f.upload_time.isoformat(),
        "requires_python": f.requires_python,
        "tags": list(f.tags),
        "python": [
            {
                "interpreter_tag": p.interpreter_tag,
                "implementation": p.implementation,
                "python_version": p.python_version,
                "abi": p.abi_tag,
            }
            for p in f.python
        ],
        "platforms": [
            {
                "platform_tag": p.platform_tag,
                "os": p.os,
                "os_version": p.os_version,
                "libc": p.libc,
                "architectures": list(p.architectures),
            }
            for p in f.platforms
        ],
        "os": list(f.os),
        "architectures": list(f.architectures),
        "build_tag": f.build_tag,
        "variant": f.variant,
        "comment": f.comment,
        "has_signature": f.signature is not None,
        "metadata_version": f.metadata_version,
        "metadata_sha256": f.metadata_sha256,
        "verified": f.verified,
        "yanked": f.yanked,
        "yanked_reason": f.yanked_reason,
    }


def release_dict(r: Release) -> dict[str, Any]:
    return {
        "version": r.version,
        "metadata": dict(r.metadata),
        "metadata_source": r.metadata_source,
        "created": r.created.isoformat() if r.created else None,
        "yanked": r.yanked,
        "yanked_reason": r.yanked_reason,
        "commands": {
            group: dict(r.entry_points[group])
            for group in ("console_scripts", "gui_scripts")
            if group in r.entry_points
        },
        "entry_points": {group: dict(entries) for group, entries in r.entry_points.items()},
        "citation": (
            {
                "file": r.citation.filename,
                "member": r.citation.member,
                "format": r.citation.format,
                "data": dict(r.citation.data),
            }
            if r.citation is not None
            else None
        ),
        "files": [file_dict(f) for f in r.files],
    }


def project_dict(p: Project, releases: tuple[Release, ...] | None = None) -> dict[str, Any]:
    latest = p.latest
    return {
        "name": p.name,
        "display_name": p.display_name,
        "summary": p.summary,
        "latest_version": latest.version if latest else None,
        "versions": [r.version for r in p.releases],
        "releases": [release_dict(r) for r in (p.releases if releases is None else releases)],
    }


def item_dict(item: ExtrinsicItem) -> dict[str, Any]:
    """An extrinsic item with its provenance: who recorded it, when, why, which revision."""
    return {
        "id": item.item_id,
        "kind": item.kind,
        "attached_to": {
            "project": item.target.project,
            "version": item.target.version,
            "filename": item.target.filename,
        },
        "data": dict(item.data),
        "provenance": {
            "revision": item.revision,
            "author": item.updated.author,
            "at": item.updated.at.isoformat(),
            "reason": item.updated.reason,
        },
    }


def extrinsic_dicts(items: Iterable[ExtrinsicItem]) -> list[dict[str, Any]]:
    return [item_dict(i) for i in items if not i.deleted]


def corrected_requirements(
    items: Iterable[ExtrinsicItem], version: str, filename: str | None = None
) -> dict[str, Any] | None:
    """The corrected Requires-Dist that applies to a release (or one of its files: a file's
    own correction wins over its release's), marked ``corrected`` with its provenance; None
    when the published list stands."""
    found: ExtrinsicItem | None = None
    for item in items:
        if item.kind != DEPENDENCY_CORRECTION or item.deleted or item.target.version != version:
            continue
        if item.target.filename == filename and filename is not None:
            found = item
            break
        if item.target.filename is None:
            found = item
    if found is None:
        return None
    described = item_dict(found)
    return {
        "corrected": True,
        "requires_dist": list(found.data.get("requires_dist") or []),
        "item": found.item_id,
        "provenance": described["provenance"],
    }
