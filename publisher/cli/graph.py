"""``ldindex graph rebuild|sync|status``: the catalogue graph behind ``/_/sparql``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from publisher.cli.app import CLIError, db_option, main, open_index, output
from publisher.cli.output import plural
from publisher.cli.types import BASE_URL

__all__ = ["GraphProgress", "base_url_option", "graph_dir_option", "graph_location", "writing"]


def base_url_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--base-url",
        type=BASE_URL,
        default="http://127.0.0.1:8000",
        show_default=True,
        envvar="LDINDEX_BASE_URL",
        help="Base URL of the IRIs in the graph: the one `ldindex serve` runs with "
        "(each base URL has its graph).",
    )(func)


def graph_dir_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--graph",
        "graph_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        envvar="LDINDEX_GRAPH",
        help="Directory of the catalogue graphs [default: beside the SQLite database, "
        "NAME.db-graph/] (env LDINDEX_GRAPH).",
    )(func)


def graph_location(db_url: str, graph_dir: Path | None, base_url: str):
    from publisher.sparql.location import GraphLocation, default_graph_root

    return GraphLocation(graph_dir or default_graph_root(db_url), base_url)


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """A graph directory this user may not write is one line, with the way out."""
    from publisher.sparql.location import GraphNotWritable

    try:
        yield
    except GraphNotWritable as exc:
        raise CLIError(f"{exc} (choose a writable directory with --graph DIR)") from exc


class GraphProgress:
    """A progress bar whose length is learnt once the work is counted (``total``)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._stack = contextlib.ExitStack()
        self._bar: Any = None

    def total(self, count: int) -> None:
        self._bar = self._stack.enter_context(output().progress(count, self.label))

    def step(self, name: str) -> None:
        if self._bar is not None:
            self._bar.advance(1, name)

    def close(self) -> None:
        self._stack.close()


@main.group()
def graph() -> None:
    """The catalogue graph that /_/sparql queries and the dumps are written from.

    It is kept beside the database and follows every write while `ldindex serve` runs;
    these commands build or update it without a server. They only read the database, so
    they work on a read-only index too, given a writable --graph directory.
    """


def _run(op: str, db_url: str, graph_dir: Path | None, base_url: str) -> None:
    from publisher.sparql import maintenance

    store = open_index(db_url)
    location = graph_location(db_url, graph_dir, base_url)
    progress = GraphProgress("rebuilding" if op == "rebuild" else "syncing")
    try:
        run = maintenance.rebuild if op == "rebuild" else maintenance.sync
        with writing():
            report = run(store, location, on_project=progress.step, on_total=progress.total)
    finally:
        progress.close()
        store.close()
    snapshot = report.snapshot
    triples = snapshot.triples if snapshot else 0
    verb = "rebuilt from" if report.rebuilt else "updated with"
    click.echo(
        f"graph {verb} {plural(report.projects, 'project')} in {report.seconds:.2f} s: "
        f"{triples:,} triples at generation {report.generation} ({location.dir})"
    )


@graph.command()
@db_option
@graph_dir_option
@base_url_option
def rebuild(db_url: str, graph_dir: Path | None, base_url: str) -> None:
    """Build the graph from scratch from every project in the database.

    The new graph is written beside the old one and swapped in when complete; a server
    running meanwhile keeps answering from the old one.

    \b
    Examples:
      ldindex graph rebuild
      ldindex graph rebuild --base-url https://index.example.org
      ldindex graph rebuild --db /srv/index.db --graph /var/lib/ldindex/graph
    """
    _run("rebuild", db_url, graph_dir, base_url)


@graph.command()
@db_option
@graph_dir_option
@base_url_option
def sync(db_url: str, graph_dir: Path | None, base_url: str) -> None:
    """Apply the writes made since the graph was last updated (or build it if missing).

    \b
    Examples:
      ldindex graph sync
      ldindex graph sync --base-url https://index.example.org
    """
    _run("sync", db_url, graph_dir, base_url)


@graph.command()
@db_option
@graph_dir_option
def status(db_url: str, graph_dir: Path | None) -> None:
    """List the graphs kept for this database (one per base URL) and how current each is.

    \b
    Examples:
      ldindex graph status
      ldindex graph status --graph /var/lib/ldindex/graph
    """
    from publisher.sparql.image import read_image
    from publisher.sparql.location import GraphLocation, default_graph_root

    store = open_index(db_url)
    try:
        generation = store.generation()
    finally:
        store.close()
    root = graph_dir or default_graph_root(db_url)
    bases = sorted(p for p in root.glob("*/base.txt")) if root.is_dir() else []
    if not bases:
        click.echo(f"no graph yet under {root}; `ldindex graph rebuild` builds one")
        return
    for base_file in bases:
        location = GraphLocation(root, base_file.read_text().strip())
        snapshot = location.current()
        if snapshot is None:
            click.echo(f"{location.base}: not built yet ({location.dir})")
            continue
        when = datetime.fromtimestamp(snapshot.published, UTC).isoformat(timespec="seconds")
        behind = generation - snapshot.generation
        state = "current" if behind <= 0 else f"{plural(behind, 'write')} behind"
        image = read_image(location)
        loads = "no image" if image is None else f"image at generation {image.generation}"
        click.echo(
            f"{location.base}: {snapshot.triples:,} triples, generation {snapshot.generation} "
            f"({state}), published {when}, {loads} ({location.dir})"
        )
