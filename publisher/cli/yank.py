"""``ldindex yank|unyank NAME VERSION [FILE]``: PEP 592 from the command line."""

from __future__ import annotations

import getpass

import click

from crosswalk.names import canonicalize_name, normalise_version
from crosswalk.records import Target
from publisher.cli.app import db_option, main, open_index
from publisher.store import Author, TargetNotFound


def cli_author() -> Author:
    """Writes from the CLI are made by the local user, with no token."""
    return Author(f"cli:{getpass.getuser()}")


def _set(
    name: str, version: str, filename: str | None, yanked: bool, reason: str | None, db_url: str
) -> None:
    target = Target(canonicalize_name(name), normalise_version(version), filename)
    store = open_index(db_url, modify=True)
    try:
        event = store.set_yanked(target, yanked, reason, cli_author())
    except TargetNotFound as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    what = filename or f"{target.project} {target.version}"
    state = "yanked" if yanked else "not yanked"
    click.echo(f"{what}: {state}" + ("" if event else " (unchanged)"), err=True)


@main.command()
@click.argument("name")
@click.argument("version")
@click.argument("filename", required=False)
@click.option("--reason", required=True, help="Why (shown to installers, PEP 592).")
@db_option
def yank(name: str, version: str, filename: str | None, reason: str, db_url: str) -> None:
    """Yank release VERSION of NAME, or only its file FILENAME."""
    _set(name, version, filename, True, reason, db_url)


@main.command()
@click.argument("name")
@click.argument("version")
@click.argument("filename", required=False)
@db_option
def unyank(name: str, version: str, filename: str | None, db_url: str) -> None:
    """Un-yank release VERSION of NAME, or only its file FILENAME."""
    _set(name, version, filename, False, None, db_url)
