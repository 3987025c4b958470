"""``ldindex show``: what the index knows of a project, as JSON or linked data."""

from __future__ import annotations

import sys

import click
import orjson

from crosswalk.plain import corrected_requirements, extrinsic_dicts, project_dict
from crosswalk.records import Target
from publisher.cli.app import CLIError, db_option, main, open_index
from publisher.cli.types import BASE_URL


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
    type=BASE_URL,
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Base URL of the IRIs in linked-data output.",
)
def show(name: str, version: str | None, db_url: str, fmt: str, base_url: str) -> None:
    """Print what the index knows of project NAME (or one VERSION of it).

    JSON by default (core metadata, files, hashes and per-file facts); with --format the
    Codemeta/schema.org graph as JSON-LD, Turtle or N-Triples. NAME is matched in its
    normalised form (Foo_Bar finds foo-bar).

    \b
    Examples:
      ldindex show requests
      ldindex show requests 2.32.3 --format turtle
      ldindex show requests --format jsonld --base-url https://index.example.org
    """
    store = open_index(db_url)
    project = store.get_project(name)
    if project is None:
        store.close()
        raise CLIError(f"no project named {name!r} in {store.url} (see ldindex list)")
    items = store.list_items(Target(project.name), exact=False)
    if version is None:
        document = project_dict(project)
    else:
        release = store.get_release(name, version)
        if release is None:
            known = ", ".join(r.version for r in project.releases)
            store.close()
            raise CLIError(f"{project.name} has no version {version!r} (has: {known})")
        document = project_dict(project, (release,))
    graph = None
    if fmt != "json":  # the graph the server publishes for the same resource
        from publisher.render.graphs import project_graph_of, release_graph_of

        if version is None:
            graph = project_graph_of(store, project, base_url, items)
        else:
            graph = release_graph_of(store, project, release, base_url, items)
    store.close()
    _add_extrinsic(document, items)
    if graph is None:
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
        return
    from crosswalk import serialise

    sys.stdout.buffer.write(serialise(graph, fmt, indent=fmt == "jsonld"))
    sys.stdout.buffer.flush()


def _add_extrinsic(document: dict, items: list) -> None:
    """Extrinsic items beside what the artefacts say: the project's own under
    ``extrinsic``, each release's (and its files') under ``releases[].extrinsic``, and the
    corrected Requires-Dist beside the published one (``requires_dist_corrected``)."""
    document["extrinsic"] = extrinsic_dicts(i for i in items if i.target.version is None)
    for release in document["releases"]:
        version = release["version"]
        release["extrinsic"] = extrinsic_dicts(i for i in items if i.target.version == version)
        release["requires_dist_corrected"] = corrected_requirements(items, version)
