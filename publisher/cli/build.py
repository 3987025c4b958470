"""``ldindex build``: the read-only site as static files."""

from __future__ import annotations

from pathlib import Path

import click

from publisher.cli.app import (
    CLIError,
    db_option,
    db_read_option,
    files_option,
    main,
    open_index,
    output,
)
from publisher.cli.output import plural
from publisher.cli.types import BASE_URL, format_size
from publisher.store import default_files_dir


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@db_option
@db_read_option
@files_option
@click.option(
    "--base-url",
    type=BASE_URL,
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Public base URL the export will be served under (used in every IRI).",
)
def build(
    out_dir: Path, db_url: str, db_read_url: str | None, files_dir: Path | None, base_url: str
) -> None:
    """Write the whole read-only site to OUT_DIR for nginx, a CDN or python -m http.server.

    Simple API (HTML + JSON), project and release pages, JSON-LD, codemeta.json, Turtle,
    artefacts with their .metadata files, sitemap, and .gz beside every text file. The new
    export replaces an earlier one in OUT_DIR atomically.

    \b
    Examples:
      ldindex build site/ --base-url https://index.example.org
      ldindex build /var/www/index --db /srv/index.db
    """
    from publisher.export import ExportError, build_site
    from publisher.file_sources import index_files

    out = output()
    store = open_index(db_url, read_url=db_read_url)
    files = index_files(store, files_dir or default_files_dir(db_url))
    total = len(store.project_names())
    try:
        with out.progress(total, "exporting") as bar:
            report = build_site(
                store, files, out_dir, base_url, on_project=lambda name: bar.advance(1, name)
            )
    except ExportError as exc:
        raise CLIError(str(exc)) from exc
    finally:
        store.close()
    out.note(
        f"exported {plural(report.projects, 'project')} to {report.out_dir}: "
        f"{plural(report.pages, 'page')}, {plural(report.files, 'file')}, "
        f"{plural(report.metadata_files, 'metadata file')}, {report.compressed:,} .gz, "
        f"{format_size(report.bytes_written)}"
    )
