"""The ``ldindex`` command line. Every verb takes ``--db URL`` and has ``--help``."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import orjson

from crosswalk.plain import project_dict
from publisher.store import DEFAULT_URL, StoreError, default_files_dir, open_store

log = logging.getLogger("ldindex")


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        "db_url",
        default=DEFAULT_URL,
        show_default=True,
        envvar="LDINDEX_DB",
        help="Database URL: sqlite:///path/to.db (env LDINDEX_DB).",
    )(func)


def files_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--files",
        "files_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        envvar="LDINDEX_FILES",
        help="Directory holding artefact bytes [default: beside the SQLite database, "
        "NAME-files/] (env LDINDEX_FILES).",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(package_name="ldindex")
def main(verbose: int, quiet: bool) -> None:
    """ldindex: a Python package index that publishes what it knows as linked data."""
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)


def _open(db_url: str):
    try:
        return open_store(db_url)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@db_option
@files_option
@click.option("--variant", help="Variant label for these files (default: the wheel build tag).")
@click.option("--comment", help="A comment stored with each file.")
@click.option("--workers", default=2, show_default=True, help="Files read in parallel.")
@click.option(
    "--max-file-size", type=int, default=None, help="Refuse files over this many bytes [2 GiB]."
)
@click.option(
    "--max-members", type=int, default=None, help="Refuse archives with more members [100000]."
)
@click.option(
    "--max-metadata-size",
    type=int,
    default=None,
    help="Refuse metadata members over this many bytes [16 MiB].",
)
@click.option(
    "--max-ratio",
    type=float,
    default=None,
    help="Refuse members expanding more than this factor once over 4 MiB [50].",
)
@click.option(
    "--verify-members",
    is_flag=True,
    help="Also check every member's integrity (CRC), not only the archive's structure and "
    "metadata member; slower.",
)
def ingest(
    paths: tuple[Path, ...],
    db_url: str,
    files_dir: Path | None,
    variant: str | None,
    comment: str | None,
    workers: int,
    max_file_size: int | None,
    max_members: int | None,
    max_metadata_size: int | None,
    max_ratio: float | None,
    verify_members: bool,
) -> None:
    """Index wheels, sdists and legacy artefacts found in PATHS (files or directories).

    Each file is read once (all digests in one pass), checked, and indexed in its own
    transaction. A file that fails is reported and skipped; the exit status is 1 if any did.
    A sibling FILE.asc is stored as the file's PGP signature.
    """
    from dataclasses import replace

    from publisher.blobs import BlobStore
    from publisher.ingest import IngestOptions, Limits, find_artefacts
    from publisher.ingest import ingest as run_ingest

    limits = Limits()
    overrides = {
        "max_file_size": max_file_size,
        "max_members": max_members,
        "max_metadata_size": max_metadata_size,
        "max_ratio": max_ratio,
    }
    limits = replace(limits, verify=verify_members, **{k: v for k, v in overrides.items() if v})
    options = IngestOptions(limits=limits, variant=variant, comment=comment, workers=workers)
    store = _open(db_url)
    blobs = BlobStore(files_dir or default_files_dir(db_url))
    found = list(find_artefacts(paths))
    total_bytes = sum(p.stat().st_size for p in found if p.is_file())
    counts = {"added": 0, "skipped": 0, "failed": 0}
    started = time.perf_counter()
    show_bar = sys.stderr.isatty()
    with click.progressbar(
        length=total_bytes,
        label="ingesting",
        file=sys.stderr,
        show_pos=False,
        show_percent=True,
        hidden=not show_bar,
        item_show_func=lambda name: name,
    ) as bar:

        def done(outcome) -> None:
            counts[outcome.status] += 1
            if outcome.status == "failed":
                click.echo(f"error: {outcome.message}", err=True)
            bar.update(outcome.size or 0, outcome.path.name)

        run_ingest(found, store, blobs, options, on_done=done)
    elapsed = time.perf_counter() - started
    store.close()
    rate = total_bytes / elapsed / 1e6 if elapsed > 0 else 0.0
    click.echo(
        f"{len(found)} files: {counts['added']} added, {counts['skipped']} skipped, "
        f"{counts['failed']} failed ({total_bytes / 1e6:.1f} MB in {elapsed:.2f} s, "
        f"{rate:.1f} MB/s)"
    )
    if counts["failed"]:
        sys.exit(1)


@main.command()
@click.argument("name")
@click.argument("version", required=False)
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonld", "turtle", "nt"]),
    default="json",
    show_default=True,
    help="json: the store's record; jsonld/turtle/nt: the crosswalk's linked-data graph.",
)
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Base URL of the IRIs in linked-data output.",
)
def show(name: str, version: str | None, db_url: str, fmt: str, base_url: str) -> None:
    """Print what the index knows of project NAME (or one VERSION of it).

    JSON by default (core metadata, files, hashes and per-file facts); with --format the
    Codemeta/schema.org graph as JSON-LD, Turtle or N-Triples.
    """
    store = _open(db_url)
    project = store.get_project(name)
    if project is None:
        raise click.ClickException(f"no project named {name!r}")
    if version is None:
        document = project_dict(project)
    else:
        release = store.get_release(name, version)
        if release is None:
            known = ", ".join(r.version for r in project.releases)
            raise click.ClickException(f"{project.name} has no version {version!r} (has: {known})")
        document = project_dict(project, (release,))
    store.close()
    if fmt == "json":
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
        return
    from crosswalk import project_graph, release_graph, serialise

    if version is None:
        graph = project_graph(project, base_url)
    else:
        graph = release_graph(project, release, base_url)
    sys.stdout.buffer.write(serialise(graph, fmt, indent=fmt == "jsonld"))
    sys.stdout.buffer.flush()


@main.command()
@db_option
@files_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
@click.option(
    "--base-url",
    default=None,
    help="Public base URL of the index, used in every IRI and link [http://HOST:PORT].",
)
@click.option("--cache-max-age", default=60, show_default=True, help="Cache-Control max-age (s).")
@click.option("--access-log", is_flag=True, help="Log every request to stderr.")
@click.option(
    "--server",
    type=click.Choice(["granian", "uvicorn"]),
    default="granian",
    show_default=True,
    help="ASGI server: granian (fastest here) or uvicorn.",
)
def serve(
    db_url: str,
    files_dir: Path | None,
    host: str,
    port: int,
    workers: int,
    base_url: str | None,
    cache_max_age: int,
    access_log: bool,
    server: str,
) -> None:
    """Serve the index over HTTP: simple API, pages, JSON-LD, files (OpenAPI at /docs)."""
    import os

    from publisher.web import Settings, servers

    settings = Settings(
        db_url=db_url,
        files_dir=files_dir.resolve() if files_dir else None,
        base_url=base_url or f"http://{host}:{port}",
        cache_max_age=cache_max_age,
    )
    _open(db_url).close()  # fail fast, with a clear message, on a bad URL or schema
    os.environ.update(settings.to_env())
    click.echo(f"serving {db_url} on http://{host}:{port} (base URL {settings.base})", err=True)
    servers.run(settings, host, port, workers, server, access_log)


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

    store = _open(db_url)
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


if __name__ == "__main__":
    main()
