"""The ``ldindex`` command group and the options every verb shares."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from publisher.store import DEFAULT_URL, Store, StoreError, open_store

__all__ = ["db_option", "files_option", "main", "open_index"]

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


def open_index(db_url: str) -> Store:
    try:
        return open_store(db_url)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
