"""A query's answer as a JSON-shaped dict: what was asked, the choice and why.

Files carry what ``ldindex show`` prints for them (``crosswalk.plain.file_dict``: size, all
hashes, tags, per-file facts) plus their download, PEP 658 metadata and PGP signature URLs,
and, for fitting files, the tag that made them fit and its rank.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from crosswalk.plain import file_dict
from crosswalk.records import DistributionFile, Release
from publisher.query.environment import Environment
from publisher.query.matching import INSTALLABLE, Candidate, Match, Rejection
from publisher.query.params import QueryRequest

__all__ = ["file_entry", "result_dict"]

SHOWN_TAGS = 12  # the environment's best tags echoed back; the count says how many in all


def result_dict(
    request: QueryRequest,
    env: Environment,
    found: Match,
    base: str,
    dependencies: dict[str, Any],
    extrinsic: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    project, release = found.project, found.release
    result: dict[str, Any] = {
        "query": query_dict(request),
        "environment": environment_dict(env),
        "project": {
            "name": project.name,
            "display_name": project.display_name,
            "status": project.status or "active",
            "status_reason": project.status_reason,
            "url": f"{base}/project/{quote(project.name)}/",
        },
        "release": release_dict(release, base),
        "choice": file_entry(found.choice, base) if found.choice else None,
        "compatible": [file_entry(c, base) for c in found.compatible],
        "reasons": [rejection_dict(r, base) for r in found.rejected],
    }
    if found.rejected_omitted:
        result["reasons_omitted"] = found.rejected_omitted
    result["dependencies"] = dependencies
    result["extrinsic"] = extrinsic
    return result


def query_dict(request: QueryRequest) -> dict[str, Any]:
    return {
        "name": request.name,
        "version": request.version.text,
        "pinned": request.version.pinned,
        "pre": request.pre,
        "kind": request.kind,
        "variant": request.variant,
        "all": request.all,
        "extras": list(request.extras),
        "canonical": request.canonical(),
    }


def environment_dict(env: Environment) -> dict[str, Any]:
    system = env.system
    return {
        "python": str(env.python) if env.python else None,
        "implementation": env.implementation,
        "abis": list(env.abis),
        "platforms": list(env.spec.platforms),
        "system": (
            {
                "os": system.os,
                "os_version": ".".join(map(str, system.version)) if system.version else None,
                "libc": system.libc,
                "arch": system.arch,
            }
            if system
            else None
        ),
        "markers": dict(sorted(env.markers.items())),
        "tag_count": len(env.tags),
        "best_tags": list(env.tags[:SHOWN_TAGS]),
    }


def release_dict(release: Release, base: str) -> dict[str, Any]:
    return {
        "version": release.version,
        "url": f"{base}/project/{quote(release.project)}/{quote(release.version)}/",
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason,
        "metadata_source": release.metadata_source,
        "metadata": dict(release.metadata),
    }


def file_urls(f: DistributionFile, base: str) -> dict[str, str | None]:
    url = f"{base}/files/{quote(f.url_path)}"
    return {
        "url": url,
        "metadata_url": f"{url}.metadata" if _has_metadata_file(f) else None,
        "signature_url": f"{url}.asc" if f.signature else None,
    }


def file_entry(c: Candidate, base: str) -> dict[str, Any]:
    entry = _file(c.file, c.release, base)
    entry["matched_tag"] = c.tag
    entry["rank"] = c.rank
    return entry


def rejection_dict(r: Rejection, base: str) -> dict[str, Any]:
    entry = _file(r.file, r.release, base)
    entry["reasons"] = [{"code": x.code, "message": x.message} for x in r.reasons]
    return entry


def _file(f: DistributionFile, release: Release, base: str) -> dict[str, Any]:
    entry = {"version": release.version, "kind": INSTALLABLE.get(f.packagetype, f.packagetype)}
    entry.update(file_urls(f, base))
    entry.update(file_dict(f))
    entry["yanked"] = f.yanked or release.yanked
    entry["yanked_reason"] = (f.yanked_reason or release.yanked_reason) if entry["yanked"] else None
    return entry


def _has_metadata_file(f: DistributionFile) -> bool:
    # As the simple API says (publisher.render.simple): wheels only, since an sdist's
    # PKG-INFO may leave fields dynamic.
    return f.packagetype == "bdist_wheel" and f.metadata_sha256 is not None
