"""``ldindex token create|list|revoke``: API tokens for the write API."""

from __future__ import annotations

from datetime import UTC, datetime

import click
import orjson

from publisher.cli.app import db_option, main, open_index
from publisher.tokens import issue_token, parse_expiry, parse_scope


@main.group()
def token() -> None:
    """API tokens: create one (shown once), list them, revoke one."""


@token.command("create")
@click.option(
    "--scope",
    required=True,
    help="admin (everything) or project:NAME (extrinsic metadata of one project).",
)
@click.option("--name", "label", default=None, help="A label saying whose token it is.")
@click.option("--expires", default=None, help="Lifetime (12h, 30d, 8w) or a date (2026-12-31).")
@db_option
def create(scope: str, label: str | None, expires: str | None, db_url: str) -> None:
    """Create a token and print it once; only its hash is stored."""
    now = datetime.now(UTC)
    try:
        scope = parse_scope(scope)
        until = parse_expiry(expires, now) if expires else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    store = open_index(db_url, write=True)
    try:
        record, text = issue_token(store, label or scope, scope, now, until)
    finally:
        store.close()
    until_text = record.expires.isoformat() if record.expires else "never"
    click.echo(
        f"token {record.token_id} ({record.scope}), expires {until_text}; "
        "store it now, it is not shown again:",
        err=True,
    )
    click.echo(text)


@token.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_(db_url: str, as_json: bool) -> None:
    """List tokens (never their secrets)."""
    store = open_index(db_url)
    try:
        tokens = store.list_tokens()
    finally:
        store.close()
    now = datetime.now(UTC)
    rows = [
        {
            "id": t.token_id,
            "name": t.name,
            "scope": t.scope,
            "created": t.created.isoformat(),
            "expires": t.expires.isoformat() if t.expires else None,
            "revoked": t.revoked.isoformat() if t.revoked else None,
            "state": "revoked"
            if t.revoked
            else ("expired" if t.expires and t.expires <= now else "active"),
        }
        for t in tokens
    ]
    if as_json:
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    for r in rows:
        until = r["expires"] or "never"
        click.echo(f"{r['id']}  {r['state']:<8} {r['scope']:<30} {r['name']}  (expires {until})")


@token.command("revoke")
@click.argument("token_id")
@db_option
def revoke(token_id: str, db_url: str) -> None:
    """Revoke token TOKEN_ID (the id `token list` shows) at once."""
    store = open_index(db_url, modify=True)
    try:
        if store.get_token(token_id) is None:
            raise click.ClickException(f"no token with id {token_id!r}")
        if not store.revoke_token(token_id, datetime.now(UTC)):
            raise click.ClickException(f"token {token_id} was already revoked")
    finally:
        store.close()
    click.echo(f"revoked token {token_id}", err=True)
