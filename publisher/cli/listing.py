"""``ldindex list``: the projects in the index, with their latest versions and file counts."""

from __future__ import annotations

import sys

import click
import orjson

from publisher.cli.app import db_option, main, open_index, output


@main.command(name="list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON array of projects on stdout.")
def list_projects(db_url: str, as_json: bool) -> None:
    """List the projects in the index: name, latest version, number of files.

    \b
    Examples:
      ldindex list
      ldindex list --json | jq -r '.[].name'
      ldindex list --db /srv/index.db
    """
    store = open_index(db_url)
    try:
        listing = store.project_listing()
        files = {name: count for name, (count, _) in store.file_totals().items()}
    finally:
        store.close()
    rows = [
        {
            "name": p.name,
            "display_name": p.display_name,
            "latest_version": p.latest_version,
            "files": files.get(p.name, 0),
            "summary": p.summary,
        }
        for p in listing
    ]
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2) + b"\n")
        return
    if not rows:
        output().note(f"the index at {store.url} holds no projects yet (see ldindex ingest)")
        return
    width = max(len(r["display_name"]) for r in rows)
    version_width = max(len(r["latest_version"] or "-") for r in rows)
    for row in rows:
        click.echo(
            f"{row['display_name']:<{width}}  {row['latest_version'] or '-':<{version_width}}  "
            f"{row['files']:>4} {'file' if row['files'] == 1 else 'files'}"
        )
