"""``ldindex search``: search a local index, or a remote one through its cached listing."""

from __future__ import annotations

import shutil

import click
import orjson

from publisher.cli.app import CLIError, db_option, main, open_index


@main.command()
@click.argument("terms", nargs=-1, required=True)
@click.option(
    "--index",
    "index_url",
    metavar="URL",
    help="Search the ldindex at URL: its full listing is downloaded once into the cache "
    "directory, revalidated by ETag on later searches (unchanged: no download), and "
    "searched locally with the same ranking as the server.",
)
@db_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    envvar="LDINDEX_CACHE_DIR",
    help="Where remote listings are kept [default: $XDG_CACHE_HOME/ldindex or "
    "~/.cache/ldindex] (env LDINDEX_CACHE_DIR).",
)
def search(
    terms: tuple[str, ...],
    index_url: str | None,
    db_url: str,
    limit: int,
    as_json: bool,
    cache_dir: str | None,
) -> None:
    """Find projects by name, summary, keywords or command: the exact name first, then
    popular projects a typo away, then prefix and full-text matches by popularity.

    TERMS are joined into one query (ldindex search scikit learn). Without --index, the
    database given by --db is searched directly.
    """
    from publisher.remote_listing import RemoteListingError, cached_listing_store
    from publisher.search import QueryError, SearchQuery

    try:
        query = SearchQuery.parse(" ".join(terms))
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="TERMS") from exc
    if index_url:
        try:
            store, note = cached_listing_store(index_url, cache_dir)
        except RemoteListingError as exc:
            raise CLIError(str(exc)) from exc
        if note:
            click.echo(note, err=True)
    else:
        store = open_index(db_url)
    try:
        results = store.search(query, 0, limit)
    finally:
        store.close()
    if as_json:
        click.echo(
            orjson.dumps(
                {
                    "query": query.terms,
                    "total": results.total,
                    "more": results.more,
                    "results": [
                        {
                            "name": e.name,
                            "display_name": e.display_name,
                            "summary": e.summary,
                            "latest_version": e.latest_version,
                        }
                        for e in results.hits
                    ],
                },
                option=orjson.OPT_INDENT_2,
            ).decode()
        )
        return
    if not results.hits:
        click.echo(f"no project matches {query.terms!r}", err=True)
        return
    width = shutil.get_terminal_size((100, 20)).columns
    name_width = min(max(len(e.display_name) for e in results.hits), 40)
    for e in results.hits:
        line = f"{e.display_name:<{name_width}}  {e.latest_version or '':<12}  {e.summary or ''}"
        click.echo(line[:width].rstrip())
