"""``ldindex stats``: how much the index holds, and where."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

from publisher.cli.app import db_option, files_option, main, open_index
from publisher.cli.output import plural
from publisher.cli.types import format_size
from publisher.store import default_files_dir


@main.command()
@db_option
@files_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def stats(db_url: str, files_dir: Path | None, as_json: bool) -> None:
    """Counts and sizes of the index, its database, its file store and the folder it
    mirrors (directory mode).

    \b
    Examples:
      ldindex stats
      ldindex stats --json --db /srv/index.db
    """
    store = open_index(db_url)
    try:
        counts = store.counts()
        totals = store.file_totals()
        database = getattr(store, "path", None)
        folder = store.folder_root()
        folder_files = len(store.folder_entries()) if folder else 0
    finally:
        store.close()
    files_root = (files_dir or default_files_dir(db_url)).resolve()
    document = {
        **counts,
        "file_bytes": sum(size for _, size in totals.values()),
        "database": str(Path(database).resolve()) if database else db_url,
        "database_bytes": _bytes_on_disk(Path(database)) if database else None,
        "file_store": str(files_root),
        "file_store_exists": files_root.is_dir(),
        "folder": folder,  # directory mode: the folder the index mirrors
        "folder_files": folder_files,
    }
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
        return
    lines = [
        ("projects", f"{counts['projects']:,}"),
        ("releases", f"{counts['releases']:,}"),
        ("files", f"{counts['files']:,} ({format_size(document['file_bytes'])})"),
        ("database", document["database"]),
    ]
    if document["database_bytes"] is not None:
        lines[-1] = (
            "database",
            f"{document['database']} ({format_size(document['database_bytes'])})",
        )
    missing = "" if document["file_store_exists"] else " (missing)"
    lines.append(("file store", f"{files_root}{missing}"))
    if folder:
        lines.append(("folder", f"{folder} ({plural(folder_files, 'file')})"))
    for label, value in lines:
        click.echo(f"{label + ':':<12}{value}")


def _bytes_on_disk(db: Path) -> int:
    """The database with its write-ahead log, as it takes space."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())
