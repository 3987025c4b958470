"""``ldindex serve``: the index over HTTP."""

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
from publisher.cli.graph import graph_dir_option
from publisher.cli.output import plural
from publisher.cli.types import BASE_URL, HOST
from publisher.cli.watch import folder_logging, poll_option, settle_option, watch_config


@main.command()
@db_option
@db_read_option
@files_option
@click.option("--host", type=HOST, default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to bind (0: any free port).",
)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Processes."
)
@click.option(
    "--base-url",
    type=BASE_URL,
    default=None,
    help="Public base URL of the index, used in every IRI and link [http://HOST:PORT].",
)
@click.option(
    "--cache-max-age",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="Cache-Control max-age of pages, in seconds.",
)
@click.option(
    "--cdn-max-age",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seconds a CDN may keep pages (Surrogate-Control, CDN-Cache-Control), purged "
    "sooner by the keys 'ldindex changes' prints; 0: not sent.",
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(0.1, 3600),
    default=10.0,
    show_default=True,
    help="Seconds a client has to send a request's head before it is disconnected.",
)
@click.option("--access-log", is_flag=True, help="Log every request to stderr.")
@click.option(
    "--server",
    type=click.Choice(["granian", "uvicorn"]),
    default="granian",
    show_default=True,
    help="ASGI server: granian (fastest here) or uvicorn.",
)
@click.option(
    "--watch",
    "watch_dir",
    type=click.Path(exists=True, file_okay=False, readable=True, path_type=Path),
    default=None,
    metavar="FOLDER",
    help="Directory mode: serve FOLDER's artefacts from where they lie, and keep the index in "
    "step as files come and go (creates the database if needed).",
)
@settle_option
@poll_option
@graph_dir_option
@click.option(
    "--sparql-workers",
    default=2,
    show_default=True,
    type=click.IntRange(min=0),
    help="Query processes per server worker for /_/sparql (0 turns the endpoint off).",
)
@click.option(
    "--sparql-timeout",
    default=2.0,
    show_default=True,
    type=click.FloatRange(min=0, max=60, min_open=True),
    help="Seconds a SPARQL query may run before it is stopped.",
)
@click.option(
    "--sparql-max-rows",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows (or triples) a SPARQL result may hold; longer ones are cut and flagged.",
)
def serve(
    db_url: str,
    db_read_url: str | None,
    files_dir: Path | None,
    host: str,
    port: int,
    workers: int,
    base_url: str | None,
    cache_max_age: int,
    cdn_max_age: int,
    header_timeout: float,
    access_log: bool,
    server: str,
    watch_dir: Path | None,
    settle: float,
    poll: bool,
    graph_dir: Path | None,
    sparql_workers: int,
    sparql_timeout: float,
    sparql_max_rows: int,
) -> None:
    """Serve the index over HTTP: simple API, pages, JSON-LD, files, SPARQL (OpenAPI at /docs).

    Nothing is created: the database must exist (ldindex ingest makes one). A database
    this user may only read is served read-only, without cache invalidation. Other SPARQL
    limits come from LDINDEX_SPARQL_* variables (see the README).

    With --watch FOLDER (directory mode), the index mirrors FOLDER: it is brought in step
    before the server listens, then one process beside the workers follows every change
    (see 'ldindex watch --help'); artefacts are served from FOLDER itself.

    \b
    Examples:
      ldindex serve                                   http://127.0.0.1:8000
      ldindex serve --workers 2 --base-url https://index.example.org
      ldindex serve --host ::1 --port 0               any free port, printed at start
      ldindex serve --db /srv/index.db --server uvicorn
      ldindex serve --watch ~/wheelhouse/ --workers 2
      ldindex serve --db postgresql://ldindex@db1/index --workers 4 --files /srv/files
      ldindex serve --db postgresql://ldindex@db1/index --db-read postgresql://ldindex@db2/index
    """
    import os
    from dataclasses import replace

    from publisher.sparql.location import default_graph_root
    from publisher.sparql.settings import SparqlSettings
    from publisher.store import default_files_dir, redact_url
    from publisher.web import Settings, servers
    from publisher.web.listen import ListenError, listen

    out = output()
    if watch_dir is not None and db_read_url is not None:
        raise click.UsageError("--watch writes the index: it cannot go with --db-read")
    try:
        sparql = replace(
            SparqlSettings.from_env(),
            workers=sparql_workers,
            timeout=sparql_timeout,
            max_rows=sparql_max_rows,
        )
    except ValueError as exc:
        raise CLIError(str(exc)) from exc
    store = open_index(db_url, write=watch_dir is not None, read_only=False, read_url=db_read_url)
    try:
        counts = store.counts()
        read_only = store.read_only
        where = getattr(store, "path", None) or redact_url(db_url)
    finally:
        store.close()
    files_root = (files_dir or default_files_dir(db_url)).resolve()
    try:
        listener = listen(host, port)
    except ListenError as exc:
        raise CLIError(str(exc)) from exc
    settings = Settings(
        db_url=db_url,
        db_read_url=db_read_url,
        files_dir=files_root,
        base_url=base_url or listener.url,
        cache_max_age=cache_max_age,
        cdn_max_age=cdn_max_age,
        header_timeout=header_timeout,
        read_only=read_only,
        sparql=sparql,
        graph_dir=graph_dir.resolve() if graph_dir else None,
    )
    os.environ.update(settings.to_env())
    if not files_root.is_dir() and watch_dir is None:
        out.warning(f"no file store at {files_root}: artefacts will answer 404 (see --files)")
    if read_only:
        out.warning(f"{where} is read-only for this user: serving without cache invalidation")
    if db_read_url is not None:
        out.note(f"reading from the replica {redact_url(db_read_url)} while it is up to date")
    graph_root = (graph_dir or default_graph_root(db_url)).resolve()
    if sparql.enabled and not _writable(graph_root):
        out.warning(
            f"{graph_root} is not writable: /_/sparql serves the catalogue graph built there, "
            "if any, as it is (see --graph)"
        )

    def ready() -> None:
        out.note(
            f"serving {where} ({plural(counts['projects'], 'project')}, "
            f"{plural(counts['files'], 'file')}) with artefacts from "
            f"{(watch_dir or files_root).absolute()}"
        )
        base = "" if settings.base == listener.url else f", base URL {settings.base}"
        out.note(
            f"listening on {listener.url}{base} ({server}, {plural(workers, 'worker')}); "
            "Ctrl-C stops"
        )

    watcher = None
    if watch_dir is not None:
        try:
            watcher = _start_watcher(out, watch_config(watch_dir, db_url, files_dir, settle, poll))
        except BaseException:
            listener.close()
            raise
        counts = _counts(db_url)
    try:
        servers.run(settings, listener, workers, server, access_log, ready)
    except (ListenError, servers.ServeError) as exc:
        raise CLIError(str(exc)) from exc
    finally:
        if watcher is not None:
            watcher.close()


def _start_watcher(out, config):
    """The folder watcher in a process of its own, once it has brought the index in step."""
    from functools import partial

    from publisher.folder.service import WatcherProcess, WatchFailed

    watcher = WatcherProcess(config, partial(folder_logging, out.quiet, out.verbosity))
    try:
        report, method = watcher.start()
    except WatchFailed as exc:
        raise CLIError(str(exc)) from exc
    except BaseException:
        watcher.close()
        raise
    if report is not None:
        out.note(f"{config.folder}: {report.summary()}; {report.unchanged:,} unchanged")
    out.note(f"watching {config.folder} ({method})")
    return watcher


def _counts(db_url: str) -> dict[str, int]:
    store = open_index(db_url)
    try:
        return store.counts()
    finally:
        store.close()


def _writable(path: Path) -> bool:
    """Whether this user could create or change ``path`` (its nearest existing ancestor)."""
    import os

    while not path.exists() and path != path.parent:
        path = path.parent
    return os.access(path, os.W_OK)
