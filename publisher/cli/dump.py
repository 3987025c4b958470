"""``ldindex dump``: the whole catalogue graph as N-Triples and JSON-LD files (gzip)."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from publisher.cli.app import CLIError, db_option, main, open_index
from publisher.cli.graph import (
    GraphProgress,
    base_url_option,
    graph_dir_option,
    graph_location,
    writing,
)
from publisher.cli.output import plural
from publisher.cli.types import format_size


@main.command()
@db_option
@graph_dir_option
@base_url_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also copy the dumps to this directory (they are always written where "
    "`ldindex serve` publishes them at /_/dump/).",
)
def dump(db_url: str, graph_dir: Path | None, base_url: str, out_dir: Path | None) -> None:
    """Write catalogue.nt.gz and catalogue.jsonld.gz: every project, release and file.

    Brings the graph up to date first (building it if needed). A running server rewrites
    its dumps by itself after bursts of writes; this command is for exports and cron jobs.
    The database is only read: a read-only index dumps to a writable --graph directory.

    \b
    Examples:
      ldindex dump
      ldindex dump --base-url https://index.example.org --out /srv/www/dumps
    """
    from publisher.sparql import dumping, maintenance

    store = open_index(db_url)
    location = graph_location(db_url, graph_dir, base_url)
    progress = GraphProgress("updating the graph")
    try:
        with writing():
            maintenance.sync(store, location, on_project=progress.step, on_total=progress.total)
    finally:
        progress.close()
        store.close()
    with writing():
        manifest = dumping.write_dumps(location)
    stats = manifest["statistics"]
    for name in dumping.DUMP_FILES:
        path = location.dump_dir / name
        if out_dir is not None:
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
                path = Path(shutil.copy2(path, out_dir / name))
            except OSError as exc:
                raise CLIError(f"{exc.filename or out_dir}: {exc.strerror or exc}") from exc
        click.echo(f"{path} ({format_size(manifest['files'][name]['size'])})")
    click.echo(
        f"{stats['triples']:,} triples about {plural(stats['entities'], 'resource')} in "
        f"{plural(stats['graphs'], 'project graph')}, generation {manifest['generation']}"
    )
