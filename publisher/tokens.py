"""API tokens: issued once, stored as a hash, scoped, checked in constant time.

A token reads ``ldx_{id}_{secret}``: ``id`` finds the stored row (it is no secret), ``secret``
is 32 random bytes (URL-safe base64). Only SHA-256 of the secret is stored; a slow password
hash would add nothing for 256 bits of entropy. The comparison with the stored hash is
constant-time (``hmac.compare_digest``). Scopes: ``admin`` (everything) or ``project:NAME``
(extrinsic metadata of that one project).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from crosswalk.names import canonicalize_name
from publisher.store import Author, Store, TokenRecord

__all__ = [
    "ADMIN",
    "Principal",
    "TokenRefused",
    "authenticate",
    "issue_token",
    "parse_expiry",
    "parse_scope",
]

ADMIN = "admin"
PREFIX = "ldx_"
_TOKEN = re.compile(r"^ldx_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_PROJECT_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_DURATION = re.compile(r"^(\d+)([hdw])$")


class TokenRefused(Exception):
    """Why a presented token grants nothing (the message never repeats the secret)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid token speaks for, and what it may touch."""

    token_id: str
    name: str
    scope: str

    @property
    def is_admin(self) -> bool:
        return self.scope == ADMIN

    def may_write(self, project: str) -> bool:
        """Whether this token may change extrinsic metadata of ``project``."""
        return self.is_admin or self.scope == f"project:{canonicalize_name(project)}"

    @property
    def author(self) -> Author:
        return Author(self.name, self.token_id)


def parse_scope(text: str) -> str:
    """``admin`` or ``project:NAME`` (the name normalised); ValueError otherwise."""
    if text == ADMIN:
        return ADMIN
    kind, _, name = text.partition(":")
    if kind == "project" and _PROJECT_NAME.match(name):
        return f"project:{canonicalize_name(name)}"
    raise ValueError(f"scope {text!r}: use 'admin' or 'project:NAME'")


def parse_expiry(text: str, now: datetime) -> datetime:
    """A lifetime (``12h``, ``30d``, ``8w``) or an ISO date/time; ValueError otherwise."""
    if match := _DURATION.match(text.strip()):
        amount, unit = int(match[1]), match[2]
        if amount == 0:
            raise ValueError(f"expiry {text!r}: a lifetime must be longer than zero")
        return now + {"h": timedelta(hours=amount), "d": timedelta(days=amount)}.get(
            unit, timedelta(weeks=amount)
        )
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"expiry {text!r}: give a lifetime (12h, 30d, 8w) or a date (2026-12-31)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=now.tzinfo)
    if when <= now:
        raise ValueError(f"expiry {text!r} is in the past")
    return when


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    store: Store, name: str, scope: str, now: datetime, expires: datetime | None = None
) -> tuple[TokenRecord, str]:
    """Create a token; returns its record and the token text, which is never seen again."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    record = TokenRecord(token_id, name, parse_scope(scope), _hash(secret), now, expires)
    store.add_token(record)
    return record, f"{PREFIX}{token_id}_{secret}"


def authenticate(store: Store, presented: str, now: datetime) -> Principal:
    """The principal a token speaks for; ``TokenRefused`` saying why not."""
    match = _TOKEN.match(presented)
    if match is None:
        raise TokenRefused("malformed token")
    token_id, secret = match[1], match[2]
    record = store.get_token(token_id)
    # Compare against a hash even for an unknown id, so timing does not tell ids apart.
    expected = record.secret_hash if record is not None else _hash("")
    if not hmac.compare_digest(expected, _hash(secret)) or record is None:
        raise TokenRefused(f"unknown token {token_id}")
    if record.revoked is not None and record.revoked <= now:
        raise TokenRefused(f"token {token_id} was revoked")
    if record.expires is not None and record.expires <= now:
        raise TokenRefused(f"token {token_id} expired")
    return Principal(record.token_id, record.name, record.scope)
