"""API tokens in SQLite (mixed into ``SQLiteStore``): only the SHA-256 of a secret is kept."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from publisher.store.base import TokenRecord
from publisher.store.sqlite_writes import write_transaction

__all__ = ["TokenMixin"]

_COLUMNS = "id, name, scope, secret_hash, created, expires, revoked"


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _token(row: tuple) -> TokenRecord:
    return TokenRecord(
        row[0], row[1], row[2], row[3], datetime.fromisoformat(row[4]), _when(row[5]), _when(row[6])
    )


class TokenMixin:
    _db: sqlite3.Connection

    def add_token(self, token: TokenRecord) -> None:
        with write_transaction(self) as db:
            db.execute(
                f"INSERT INTO tokens ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    token.token_id,
                    token.name,
                    token.scope,
                    token.secret_hash,
                    token.created.isoformat(),
                    token.expires.isoformat() if token.expires else None,
                    token.revoked.isoformat() if token.revoked else None,
                ),
            )

    def get_token(self, token_id: str) -> TokenRecord | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM tokens WHERE id = ?", (token_id,))
        found = row.fetchone()
        return _token(found) if found else None

    def list_tokens(self) -> list[TokenRecord]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM tokens ORDER BY created, id")
        return [_token(r) for r in rows]

    def revoke_token(self, token_id: str, when: datetime) -> bool:
        with write_transaction(self) as db:
            cursor = db.execute(
                "UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                (when.isoformat(), token_id),
            )
            return cursor.rowcount == 1
