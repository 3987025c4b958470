"""Index administration (mixed into ``publisher.store.sql.SQLStore``): yanks and project status.

Each change updates the release, file or project row and appends an immutable
``admin_events`` row (who, when, why, state before and after) in one transaction that also
bumps the project's generation, so the simple API and the pages show it at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from crosswalk.records import AdminEvent, Target
from publisher.store.base import Author, TargetNotFound
from publisher.store.sql_writes import bump_generation, check_target, now

__all__ = ["PROJECT_STATUSES", "AdminMixin"]

# PEP 792 project status markers.
PROJECT_STATUSES = ("active", "archived", "quarantined", "deprecated")


class AdminMixin:
    """Yank, un-yank, set project status, and read back what was done."""

    _db: Any  # the backend's connection (publisher.store.sql)

    def set_yanked(
        self, target: Target, yanked: bool, reason: str | None, author: Author
    ) -> AdminEvent | None:
        if target.version is None:
            raise TargetNotFound("a yank names a release or a file, not a whole project")
        if target.filename is None:
            table, where, args = (
                "releases",
                "project = ? AND version = ?",
                (
                    target.project,
                    target.version,
                ),
            )
        else:
            table, where, args = "files", "filename = ?", (target.filename,)
        kept_reason = reason if yanked else None  # an un-yank's reason goes in the record only
        with self._transaction() as db:  # type: ignore[attr-defined]
            check_target(db, target)
            row = db.execute(f"SELECT yanked, yanked_reason FROM {table} WHERE {where}", args)
            was_yanked, was_reason = row.fetchone()
            before = {"yanked": bool(was_yanked), "yanked_reason": was_reason}
            after = {"yanked": yanked, "yanked_reason": kept_reason}
            if before == after:
                return None
            db.execute(
                f"UPDATE {table} SET yanked = ?, yanked_reason = ? WHERE {where}",
                (int(yanked), kept_reason, *args),
            )
            action = "yank" if yanked else "unyank"
            event = self._record(db, action, target, author, reason, before, after)
            bump_generation(db, target.project)
        return event

    def set_project_status(
        self, name: str, status: str, reason: str | None, author: Author
    ) -> AdminEvent | None:
        if status not in PROJECT_STATUSES:
            raise ValueError(f"unknown project status {status!r} (known: {PROJECT_STATUSES})")
        target = Target(name)
        with self._transaction() as db:  # type: ignore[attr-defined]
            check_target(db, target)
            row = db.execute(
                "SELECT status, status_reason FROM projects WHERE name = ?", (name,)
            ).fetchone()
            before = {"status": row[0] or "active", "status_reason": row[1]}
            after = {"status": status, "status_reason": reason}
            if before == after:
                return None
            db.execute(
                "UPDATE projects SET status = ?, status_reason = ? WHERE name = ?",
                (status, reason, name),
            )
            event = self._record(db, "status", target, author, reason, before, after)
            bump_generation(db, name)
        return event

    @staticmethod
    def _record(
        db: Any,
        action: str,
        target: Target,
        author: Author,
        reason: str | None,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> AdminEvent:
        at = now()
        cursor = db.execute(
            "INSERT INTO admin_events (action, project, version, filename, author, token_id, "
            "at, reason, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                action,
                target.project,
                target.version,
                target.filename,
                author.name,
                author.token_id,
                at.isoformat(),
                reason,
                orjson.dumps(before),
                orjson.dumps(after),
            ),
        )
        return AdminEvent(
            cursor.fetchone()[0],
            action,
            target,
            author.name,
            at,
            reason,
            before,
            after,
            author.token_id,
        )

    def admin_events(self, name: str) -> list[AdminEvent]:
        rows = self._db.execute(
            "SELECT id, action, project, version, filename, author, at, reason, before, after, "
            "token_id FROM admin_events WHERE project = ? ORDER BY id",
            (name,),
        )
        return [
            AdminEvent(
                r[0],
                r[1],
                Target(r[2], r[3], r[4]),
                r[5],
                datetime.fromisoformat(r[6]),
                r[7],
                orjson.loads(r[8]),
                orjson.loads(r[9]),
                r[10],
            )
            for r in rows
        ]
