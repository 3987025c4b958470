"""``ldindex serve: the index over HTTP.``"""

from __future__ import annotations

from pathlib import Path

import click

from publisher.cli.app import db_option, files_option, main, open_index
from publisher.cli.graph import graph_dir_option


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
    files_dir: Path | None,
    host: str,
    port: int,
    workers: int,
    base_url: str | None,
    cache_max_age: int,
    access_log: bool,
    server: str,
    graph_dir: Path | None,
    sparql_workers: int,
    sparql_timeout: float,
    sparql_max_rows: int,
) -> None:
    """Serve the index over HTTP: simple API, pages, JSON-LD, files, SPARQL (OpenAPI at /docs).

    Other SPARQL limits come from LDINDEX_SPARQL_* variables (see the README).
    """
    import os
    from dataclasses import replace

    from publisher.sparql.settings import SparqlSettings
    from publisher.web import Settings, servers

    try:
        sparql = replace(
            SparqlSettings.from_env(),
            workers=sparql_workers,
            timeout=sparql_timeout,
            max_rows=sparql_max_rows,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    settings = Settings(
        db_url=db_url,
        files_dir=files_dir.resolve() if files_dir else None,
        base_url=base_url or f"http://{host}:{port}",
        cache_max_age=cache_max_age,
        sparql=sparql,
        graph_dir=graph_dir.resolve() if graph_dir else None,
    )
    open_index(db_url).close()  # fail fast, with a clear message, on a bad URL or schema
    os.environ.update(settings.to_env())
    click.echo(f"serving {db_url} on http://{host}:{port} (base URL {settings.base})", err=True)
    servers.run(settings, host, port, workers, server, access_log)
