"""API tokens (mixed into ``publisher.store.sql.SQLStore``): only the SHA-256 of a secret is
kept. Tokens are always read from the primary database, never a replica: a token revoked a
moment ago must not be honoured by a replica that has not caught up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from publisher.store.base import TokenRecord

__all__ = ["TokenMixin"]

_COLUMNS = "id, name, scope, secret_hash, created, expires, revoked"


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _token(row: tuple) -> TokenRecord:
    return TokenRecord(
        row[0], row[1], row[2], row[3], datetime.fromisoformat(row[4]), _when(row[5]), _when(row[6])
    )


class TokenMixin:
    _primary: Any  # the backend's connection to the primary database (publisher.store.sql)

    def add_token(self, token: TokenRecord) -> None:
        with self._transaction() as db:  # type: ignore[attr-defined]
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
        row = self._primary.execute(f"SELECT {_COLUMNS} FROM tokens WHERE id = ?", (token_id,))
        found = row.fetchone()
        return _token(found) if found else None

    def list_tokens(self) -> list[TokenRecord]:
        rows = self._primary.execute(f"SELECT {_COLUMNS} FROM tokens ORDER BY created, id")
        return [_token(r) for r in rows]

    def revoke_token(self, token_id: str, when: datetime) -> bool:
        with self._transaction() as db:  # type: ignore[attr-defined]
            cursor = db.execute(
                "UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                (when.isoformat(), token_id),
            )
            return cursor.rowcount == 1
