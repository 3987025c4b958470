"""``ldindex watch DIR``: keep an index in step with a folder of artefacts (directory mode),
without serving it; and the options ``ldindex serve --watch`` shares with it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from publisher.cli.app import CLIError, db_option, files_option, main, output
from publisher.cli.output import Output, setup_logging
from publisher.store import default_files_dir

__all__ = ["folder_logging", "poll_option", "settle_option", "watch_config"]


def settle_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--settle",
        type=click.FloatRange(0.1, 600),
        default=1.0,
        show_default=True,
        metavar="SECONDS",
        help="How long a file must rest (no write, rename or change of times) before it is "
        "taken as complete.",
    )(func)


def poll_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--poll",
        is_flag=True,
        help="Poll the folder instead of using file-system notifications (inotify): for "
        "network file systems, which send none (env WATCHFILES_FORCE_POLLING as well).",
    )(func)


def folder_logging(quiet: bool, verbosity: int) -> None:
    """Route log records to stderr as the command line does, with the folder's changes
    shown by default (one line per file added, moved or removed)."""
    setup_logging(Output(quiet=quiet, verbosity=verbosity))
    level = logging.ERROR if quiet else (logging.DEBUG if verbosity >= 2 else logging.INFO)
    logging.getLogger("ldindex.folder").setLevel(level)


def watch_config(
    folder: Path, db_url: str, files_dir: Path | None, settle: float, poll: bool
) -> Any:
    from publisher.folder.service import WatchConfig

    files_root = (files_dir or default_files_dir(db_url)).absolute()
    return WatchConfig(db_url, folder.absolute(), files_root, quiet=settle, poll=poll)


@main.command()
@click.argument(
    "folder", type=click.Path(exists=True, file_okay=False, readable=True, path_type=Path)
)
@db_option
@files_option
@settle_option
@poll_option
@click.option("--once", is_flag=True, help="Bring the index in step once, then exit.")
def watch(
    folder: Path, db_url: str, files_dir: Path | None, settle: float, poll: bool, once: bool
) -> None:
    """Keep the index in step with FOLDER: the folder is the truth (directory mode).

    On start, artefacts in FOLDER (and below) are indexed where they lie, with no copy;
    files gone from it are withdrawn (a release without files, and a project without
    releases, disappear); a file whose bytes changed under a published name is withdrawn
    and refused, as PyPI refuses filename reuse. Then every change to the folder is
    followed: a file is taken once complete, a bad one is reported and skipped. Dot-files
    and temporary names (*.part, *~, *.tmp) are ignored. Creates the database if needed.

    One process per index keeps it in step: run this beside 'ldindex serve', or use
    'ldindex serve --watch FOLDER', which does both. Exit status 1 with --once if a file
    was refused.

    \b
    Examples:
      ldindex watch ~/wheelhouse/ --db /srv/index.db
      ldindex watch /mnt/share/wheels --poll --settle 5
      ldindex watch dist/ --once
    """
    from publisher.folder.service import WatchFailed, reconcile_once, watch_folder

    out = output()
    folder_logging(out.quiet, out.verbosity)
    config = watch_config(folder, db_url, files_dir, settle, poll)
    if once:
        try:
            report = reconcile_once(config)
        except WatchFailed as exc:
            raise CLIError(str(exc)) from exc
        _summary(out, config.folder, report)
        if report.refused:
            raise SystemExit(1)
        return

    stop = threading.Event()

    def ready(report, method: str) -> None:
        if report is not None:
            _summary(out, config.folder, report)
        out.note(f"watching {config.folder} ({method}); Ctrl-C stops")

    try:
        watch_folder(config, stop, ready)
    except WatchFailed as exc:
        raise CLIError(str(exc)) from exc
    except KeyboardInterrupt:
        stop.set()
        out.note("stopped")


def _summary(out: Output, folder: Path, report: Any) -> None:
    out.note(f"{folder}: {report.summary()}; {report.unchanged:,} unchanged")
