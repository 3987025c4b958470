"""``ldindex serve: the index over HTTP.``"""

from __future__ import annotations

from pathlib import Path

import click

from publisher.cli.app import db_option, files_option, main, open_index


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
@click.option(
    "--header-timeout",
    default=10.0,
    show_default=True,
    type=float,
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
def serve(
    db_url: str,
    files_dir: Path | None,
    host: str,
    port: int,
    workers: int,
    base_url: str | None,
    cache_max_age: int,
    header_timeout: float,
    access_log: bool,
    server: str,
) -> None:
    """Serve the index over HTTP: simple API, pages, JSON-LD, files (OpenAPI at /docs)."""
    import os

    from publisher.web import Settings, servers
    from publisher.web.listen import ListenError, listen

    open_index(db_url).close()  # fail fast, with a clear message, on a bad URL or schema
    try:
        listener = listen(host, port)
    except ListenError as exc:
        raise click.ClickException(str(exc)) from exc
    settings = Settings(
        db_url=db_url,
        files_dir=files_dir.resolve() if files_dir else None,
        base_url=base_url or listener.url,
        cache_max_age=cache_max_age,
        header_timeout=header_timeout,
    )
    os.environ.update(settings.to_env())

    def ready() -> None:
        click.echo(f"serving {db_url} on {listener.url} (base URL {settings.base})", err=True)

    try:
        servers.run(settings, listener, workers, server, access_log, ready)
    except (ListenError, servers.ServeError) as exc:
        raise click.ClickException(str(exc)) from exc
