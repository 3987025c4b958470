"""``ldindex advisories import FILE|DIR``: OSV advisories onto the releases they affect."""

from __future__ import annotations

from pathlib import Path

import click

from publisher.cli.app import db_option, main, open_index
from publisher.cli.yank import cli_author
from publisher.extrinsic.osv_import import ImportReport, import_advisories, read_documents


@main.group()
def advisories() -> None:
    """Security advisories (OSV format)."""


@advisories.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@db_option
def import_(paths: tuple[Path, ...], db_url: str) -> None:
    """Import OSV JSON documents (files, or directories searched for *.json).

    Each advisory is attached to every release of the PyPI projects it lists whose version
    its affected ranges or versions include. Re-importing updates changed advisories and
    detaches them from releases they no longer affect.
    """
    store = open_index(db_url, modify=True)
    report = ImportReport()
    try:
        import_advisories(store, read_documents(paths, report), cli_author(), report)
    finally:
        store.close()
    for message in report.refused:
        click.echo(f"error: {message}", err=True)
    if report.unknown_projects:
        names = ", ".join(sorted(report.unknown_projects))
        click.echo(f"note: not in this index: {names}", err=True)
    click.echo(
        f"{report.advisories} advisories: {report.created} attached, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} detached",
        err=True,
    )
    if report.refused:
        raise SystemExit(1)
