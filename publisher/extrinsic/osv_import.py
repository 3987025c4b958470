"""Importing OSV advisories: each attached to every release it affects, idempotently.

An advisory becomes one item per affected release of each PyPI project it lists (that the
index holds). Importing again updates the items whose document changed, leaves the others,
and deletes (with a revision saying why) the items of releases the advisory no longer
affects; so a directory of OSV files can be re-imported whenever the database updates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from crosswalk.osv import affected_versions, osv_projects
from crosswalk.records import ADVISORY, Target
from publisher.extrinsic.kinds import InvalidItem, document, parse_write
from publisher.store import Author, Store

__all__ = ["ImportReport", "import_advisories", "read_documents"]

MAX_DOCUMENT = 16 << 20


@dataclass
class ImportReport:
    """What an import did, and what it refused (one message per refused document)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    advisories: int = 0
    refused: list[str] = field(default_factory=list)
    unknown_projects: set[str] = field(default_factory=set)


def read_documents(paths: Iterable[Path], report: ImportReport) -> Iterator[tuple[str, object]]:
    """(source, parsed JSON) of each ``.json`` file given or found under a directory given;
    a file holding a JSON array yields each element."""
    for path in paths:
        files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
        for file in files:
            try:
                if file.stat().st_size > MAX_DOCUMENT:
                    raise ValueError(f"larger than {MAX_DOCUMENT >> 20} MiB")
                parsed = orjson.loads(file.read_bytes())
            except (OSError, ValueError) as exc:
                report.refused.append(f"{file}: {exc}")
                continue
            if isinstance(parsed, list):
                for n, doc in enumerate(parsed):
                    yield f"{file}[{n}]", doc
            else:
                yield str(file), parsed


def import_advisories(
    store: Store,
    documents: Iterable[tuple[str, object]],
    author: Author,
    report: ImportReport | None = None,
) -> ImportReport:
    """Attach each valid document; count what changed into ``report`` (a new one if None)."""
    report = report if report is not None else ImportReport()
    for source, doc in documents:
        try:
            write = parse_write({"kind": ADVISORY, "data": doc})
        except InvalidItem as exc:
            report.refused.append(f"{source}: {exc}")
            continue
        report.advisories += 1
        _attach(store, document(write), source, author, report)
    return report


def _attach(store: Store, data: dict, source: str, author: Author, report: ImportReport) -> None:
    reason = f"OSV import of {data['id']}"
    for name in osv_projects(data):
        project = store.get_project(name)
        if project is None:
            report.unknown_projects.add(name)
            continue
        affected = affected_versions(data, name, [r.version for r in project.releases])
        existing = {
            item.target.version: item
            for item in store.list_items(Target(name), ADVISORY, exact=False)
            if item.target.filename is None
            and item.target.version is not None
            and item.data.get("id") == data["id"]
        }
        for version in affected:
            item = existing.get(version)
            if item is None:
                store.create_item(ADVISORY, Target(name, version), data, author, reason)
                report.created += 1
            elif dict(item.data) != data:
                store.revise_item(item.item_id, data, author, reason, item.revision, "replace")
                report.updated += 1
            else:
                report.unchanged += 1
        for version, item in existing.items():
            if version not in affected:
                why = f"{reason}: {version} is no longer affected"
                store.revise_item(item.item_id, None, author, why, item.revision)
                report.removed += 1
