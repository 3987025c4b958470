"""``ldindex changes``: what writes changed, and the CDN keys to purge for it."""

from __future__ import annotations

import sys
import time

import click
import orjson

from publisher.cli.app import db_option, main, open_index


@main.command()
@db_option
@click.option(
    "--since",
    type=click.IntRange(min=0),
    default=None,
    metavar="GENERATION",
    help="Report the changes after this generation [default: from now on].",
)
@click.option("--follow", is_flag=True, help="Keep watching, one line per change, until Ctrl-C.")
@click.option(
    "--interval",
    type=click.FloatRange(0.01, 60),
    default=0.2,
    show_default=True,
    help="Seconds between looks at the generation while following.",
)
def changes(db_url: str, since: int | None, follow: bool, interval: float) -> None:
    """Print what writes changed as JSON lines: the generation reached, the projects
    written, and the surrogate keys a CDN must purge for them (see docs/deployment.md).

    A line reads {"generation": N, "projects": [...], "purge": [...]}; "purge" names
    project:NAME for each project and "site" for the listings (and files:NAME where files
    were withdrawn), the keys ldindex puts on its responses. Without --since, the first
    line gives the current generation (and, without --follow, is all). Looking costs no
    query on either backend; a purge hook reads the lines and calls the CDN's purge API.

    \b
    Examples:
      ldindex changes                                   the current generation
      ldindex changes --since 41                        what changed after generation 41
      ldindex changes --follow --db postgresql://…      one line per change, as they land
    """
    from publisher import surrogate

    store = open_index(db_url)
    try:
        seen = store.generation() if since is None else since
        if since is None:  # where the report starts (and, without --follow, all of it)
            _emit({"generation": seen})
            if not follow:
                return
        while True:
            now = store.generation()
            if now > seen:
                projects = sorted(store.changed_since(seen))
                withdrawn = store.withdrawn_since(seen)
                purge = [surrogate.project_key(p) for p in projects] + [surrogate.SITE]
                purge += [surrogate.file_keys(p)[1] for p in withdrawn]
                _emit({"generation": now, "projects": projects, "purge": purge})
                seen = now
            elif not follow:
                _emit({"generation": now, "projects": [], "purge": []})
            if not follow:
                return
            time.sleep(interval)
    finally:
        store.close()


def _emit(line: dict) -> None:
    sys.stdout.buffer.write(orjson.dumps(line) + b"\n")
    sys.stdout.flush()
