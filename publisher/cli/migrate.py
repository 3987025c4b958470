"""``ldindex migrate --from URL --to URL``: copy a whole index to another database."""

from __future__ import annotations

import time

import click

from publisher.cli.app import CLIError, db_url_param, main, open_index, output
from publisher.cli.output import plural


@main.command()
@click.option(
    "--from",
    "source_url",
    required=True,
    callback=db_url_param,
    metavar="URL|PATH",
    help="The index to copy (read in one snapshot, never written).",
)
@click.option(
    "--to",
    "target_url",
    required=True,
    callback=db_url_param,
    metavar="URL|PATH",
    help="An empty database to copy it into (its schema is created when it has none).",
)
def migrate(source_url: str, target_url: str) -> None:
    """Copy a whole index into another database: every table, revisions, events, tokens
    and the generation counter included, checked row count by row count.

    The source is read in one consistent snapshot, so a server may keep running on it
    (writes made after the snapshot are not copied: stop writers for a cut-over). The
    target is written in one transaction and must be empty: it holds the whole copy or
    nothing. Artefact bytes are not in the database: point --files at the same directory.

    \b
    Examples:
      ldindex migrate --from ldindex.db --to postgresql://ldindex@db.example/index
      ldindex migrate --from postgresql://ldindex@db1/index --to sqlite:///copy.db
    """
    from publisher.store import StoreError, redact_url
    from publisher.store.copy import copy_index, total_rows
    from publisher.store.sql import SQLStore

    out = output()
    if source_url == target_url:
        raise click.UsageError("--from and --to name the same database")
    source = open_index(source_url)
    try:
        target = open_index(target_url, write=True)
    except BaseException:
        source.close()
        raise
    try:
        if not isinstance(source, SQLStore) or not isinstance(target, SQLStore):
            raise CLIError("migrate copies between SQL databases (sqlite://, postgresql://)")
        started = time.monotonic()
        total = total_rows(source)
        with out.progress(total, "copying") as bar:
            report = copy_index(source, target, lambda table, n: bar.advance(n, table))
    except StoreError as exc:
        raise CLIError(str(exc)) from exc
    finally:
        target.close()
        source.close()
    tables = ", ".join(f"{table} {n:,}" for table, n in report.rows.items() if n)
    out.note(
        f"copied {plural(report.total, 'row')} from {redact_url(source_url)} to "
        f"{redact_url(target_url)} in {time.monotonic() - started:.1f} s, every count "
        f"verified ({tables})"
    )
