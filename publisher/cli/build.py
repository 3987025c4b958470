"""``ldindex build: the read-only site as static files.``"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from publisher.cli.app import db_option, files_option, main, open_index
from publisher.store import default_files_dir


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@db_option
@files_option
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Public base URL the export will be served under (used in every IRI).",
)
def build(out_dir: Path, db_url: str, files_dir: Path | None, base_url: str) -> None:
    """Write the whole read-only site to OUT_DIR for nginx, a CDN or python -m http.server.

    Simple API (HTML + JSON), project and release pages, JSON-LD, codemeta.json, Turtle,
    artefacts with their .metadata files, sitemap, and .gz beside every text file. The new
    export replaces an earlier one in OUT_DIR atomically.
    """
    from publisher.blobs import BlobStore
    from publisher.export import ExportError, build_site

    store = open_index(db_url)
    blobs = BlobStore(files_dir or default_files_dir(db_url))
    total = len(store.project_names())
    with click.progressbar(
        length=total, label="exporting", file=sys.stderr, hidden=not sys.stderr.isatty()
    ) as bar:
        try:
            report = build_site(
                store, blobs, out_dir, base_url, on_project=lambda _name: bar.update(1)
            )
        except ExportError as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            store.close()
    click.echo(
        f"exported {report.projects} projects to {report.out_dir}: {report.pages} pages, "
        f"{report.files} files, {report.metadata_files} metadata files, "
        f"{report.compressed} .gz, {report.bytes_written / 1e6:.1f} MB"
    )
