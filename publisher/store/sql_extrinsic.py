"""Extrinsic items and their immutable revisions (mixed into ``publisher.store.sql.SQLStore``).

An item row holds the current state; each change appends one ``extrinsic_revisions`` row
with the document before and after, in the same transaction that moves the item's revision
number, so the history is complete and gap-free: revision N's ``before`` is revision N-1's
``after``. A stale ``expected_revision`` is refused inside the transaction, after the write
lock is taken, so two writers holding the same revision can never both succeed.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from crosswalk.records import ONE_PER_TARGET, Change, ExtrinsicItem, Revision, Target
from publisher.store.base import (
    Author,
    ItemConflict,
    ItemGone,
    ItemNotFound,
    RevisionConflict,
)
from publisher.store.sql_writes import bump_generation, check_target, now

__all__ = ["ExtrinsicMixin"]

_CHANGE = "action, author, token_id, at, reason"
_ITEM_SELECT = f"""
SELECT i.id, i.kind, i.project, i.version, i.filename, i.revision, i.deleted, i.data,
       c.{_CHANGE.replace(", ", ", c.")}, u.{_CHANGE.replace(", ", ", u.")}
FROM extrinsic_items i
JOIN extrinsic_revisions c ON c.item_id = i.id AND c.revision = 1
JOIN extrinsic_revisions u ON u.item_id = i.id AND u.revision = i.revision
"""
_ORDER = " ORDER BY i.kind, i.version NULLS FIRST, i.filename NULLS FIRST, c.at, i.id"


def _change(revision: int, row: tuple) -> Change:
    return Change(revision, row[0], row[1], datetime.fromisoformat(row[3]), row[4], row[2])


def _item(row: tuple) -> ExtrinsicItem:
    return ExtrinsicItem(
        item_id=row[0],
        kind=row[1],
        target=Target(row[2], row[3], row[4]),
        data=orjson.loads(row[7]),
        revision=row[5],
        created=_change(1, row[8:13]),
        updated=_change(row[5], row[13:18]),
        deleted=bool(row[6]),
    )


def _json(value: Mapping[str, Any] | None) -> bytes | None:
    return None if value is None else orjson.dumps(dict(value), option=orjson.OPT_SORT_KEYS)


class ExtrinsicMixin:
    """Create, revise, list and trace extrinsic items."""

    _db: Any  # the backend's connection (publisher.store.sql)

    def create_item(
        self, kind: str, target: Target, data: Mapping[str, Any], author: Author, reason: str | None
    ) -> ExtrinsicItem:
        item_id = secrets.token_hex(8)
        with self._transaction() as db:  # type: ignore[attr-defined]
            check_target(db, target)
            if kind in ONE_PER_TARGET:
                self._refuse_second(db, kind, target)
            db.execute(
                "INSERT INTO extrinsic_items (id, kind, project, version, filename, revision, "
                "deleted, data) VALUES (?, ?, ?, ?, ?, 1, 0, ?)",
                (item_id, kind, target.project, target.version, target.filename, _json(data)),
            )
            self._append_revision(db, item_id, 1, "create", author, reason, None, data)
            bump_generation(db, target.project)
        return self._read_item(item_id)

    @staticmethod
    def _refuse_second(db: Any, kind: str, target: Target) -> None:
        existing = db.execute(
            "SELECT id FROM extrinsic_items WHERE kind = ? AND project = ? AND deleted = 0 "
            "AND version IS NOT DISTINCT FROM ? AND filename IS NOT DISTINCT FROM ?",
            (kind, target.project, target.version, target.filename),
        ).fetchone()
        if existing is not None:
            raise ItemConflict(
                f"{target.level} already has a live {kind} (item {existing[0]}); "
                "replace or delete that one"
            )

    def revise_item(
        self,
        item_id: str,
        data: Mapping[str, Any] | None,
        author: Author,
        reason: str | None,
        expected_revision: int | None = None,
        action: str = "replace",
    ) -> ExtrinsicItem:
        with self._transaction() as db:  # type: ignore[attr-defined]
            row = db.execute(
                "SELECT kind, project, version, filename, revision, deleted, data "
                "FROM extrinsic_items WHERE id = ?",
                (item_id,),
            ).fetchone()
            if row is None:
                raise ItemNotFound(f"no item {item_id!r}")
            kind, target = row[0], Target(row[1], row[2], row[3])
            revision, deleted, current = row[4], bool(row[5]), orjson.loads(row[6])
            if expected_revision is not None and expected_revision != revision:
                raise RevisionConflict(
                    f"item {item_id} is at revision {revision}, not {expected_revision}",
                    revision,
                )
            if data is None:
                if deleted:
                    raise ItemGone(f"item {item_id} was deleted at revision {revision}")
                action, stored = "delete", current
            else:
                if deleted:
                    action = "restore"
                    if kind in ONE_PER_TARGET:
                        self._refuse_second(db, kind, target)
                stored = data
            db.execute(
                "UPDATE extrinsic_items SET revision = ?, deleted = ?, data = ? WHERE id = ?",
                (revision + 1, int(data is None), _json(stored), item_id),
            )
            before = None if deleted else current
            self._append_revision(db, item_id, revision + 1, action, author, reason, before, data)
            bump_generation(db, target.project)
        return self._read_item(item_id)

    @staticmethod
    def _append_revision(
        db: Any,
        item_id: str,
        revision: int,
        action: str,
        author: Author,
        reason: str | None,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        db.execute(
            "INSERT INTO extrinsic_revisions (item_id, revision, action, author, token_id, at, "
            "reason, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item_id,
                revision,
                action,
                author.name,
                author.token_id,
                now().isoformat(),
                reason,
                _json(before),
                _json(after),
            ),
        )

    def _read_item(self, item_id: str) -> ExtrinsicItem:
        found = self.get_item(item_id)
        if found is None:  # pragma: no cover - written just before, in this connection
            raise ItemNotFound(f"no item {item_id!r}")
        return found

    def get_item(self, item_id: str) -> ExtrinsicItem | None:
        row = self._db.execute(f"{_ITEM_SELECT} WHERE i.id = ?", (item_id,)).fetchone()
        return _item(row) if row else None

    def list_items(
        self,
        target: Target,
        kind: str | None = None,
        include_deleted: bool = False,
        exact: bool = True,
    ) -> list[ExtrinsicItem]:
        where, args = ["i.project = ?"], [target.project]
        if exact or target.version is not None:
            where.append("i.version IS NOT DISTINCT FROM ?" if exact else "i.version = ?")
            args.append(target.version)
        if exact or target.filename is not None:
            where.append("i.filename IS NOT DISTINCT FROM ?" if exact else "i.filename = ?")
            args.append(target.filename)
        if kind is not None:
            where.append("i.kind = ?")
            args.append(kind)
        if not include_deleted:
            where.append("i.deleted = 0")
        rows = self._db.execute(f"{_ITEM_SELECT} WHERE {' AND '.join(where)}{_ORDER}", args)
        return [_item(r) for r in rows]

    def item_history(self, item_id: str) -> list[Revision]:
        return self._revisions("WHERE r.item_id = ? ORDER BY r.revision", (item_id,))

    def item_revision(self, item_id: str, revision: int) -> Revision | None:
        found = self._revisions("WHERE r.item_id = ? AND r.revision = ?", (item_id, revision))
        return found[0] if found else None

    def _revisions(self, where: str, args: tuple) -> list[Revision]:
        rows = self._db.execute(
            "SELECT r.item_id, i.kind, i.project, i.version, i.filename, r.revision, "
            f"r.{_CHANGE.replace(', ', ', r.')}, r.before, r.after "
            f"FROM extrinsic_revisions r JOIN extrinsic_items i ON i.id = r.item_id {where}",
            args,
        )
        return [
            Revision(
                item_id=r[0],
                kind=r[1],
                target=Target(r[2], r[3], r[4]),
                change=_change(r[5], r[6:11]),
                before=orjson.loads(r[11]) if r[11] is not None else None,
                after=orjson.loads(r[12]) if r[12] is not None else None,
            )
            for r in rows
        ]
