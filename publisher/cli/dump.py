"""``ldindex dump``: the whole catalogue graph as N-Triples and JSON-LD files (gzip)."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from publisher.cli.app import db_option, main, open_index
from publisher.cli.graph import Progress, base_url_option, graph_dir_option, graph_location


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
    """
    from publisher.sparql import dumping, maintenance

    store = open_index(db_url)
    location = graph_location(db_url, graph_dir, base_url)
    progress = Progress("updating the graph")
    try:
        maintenance.sync(store, location, on_project=progress.step, on_total=progress.total)
    finally:
        progress.close()
        store.close()
    manifest = dumping.write_dumps(location)
    stats = manifest["statistics"]
    for name in dumping.DUMP_FILES:
        path = location.dump_dir / name
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            path = Path(shutil.copy2(path, out_dir / name))
        click.echo(f"{path} ({manifest['files'][name]['size'] / 1e6:.1f} MB)")
    click.echo(
        f"{stats['triples']} triples about {stats['entities']} resources in {stats['graphs']} "
        f"project graphs, generation {manifest['generation']}"
    )
