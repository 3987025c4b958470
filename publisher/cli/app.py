"""The ``ldindex`` command group, the options every verb shares, and how failures read.

Every failure is one line on stderr, ``error: …``, naming the thing and the reason; usage
errors exit 2, failed work 1, an interrupt 130. Tracebacks appear only with ``-vv``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from publisher.cli.output import Output, setup_logging
from publisher.store import (
    DEFAULT_URL,
    Store,
    StoreError,
    StoreMissing,
    StoreReadOnly,
    open_store,
    redact_url,
    sqlite_path,
)

__all__ = [
    "EXIT_INTERRUPTED",
    "CLIError",
    "db_option",
    "db_read_option",
    "db_url_param",
    "files_option",
    "main",
    "open_index",
    "output",
]

log = logging.getLogger("ldindex")
EXIT_INTERRUPTED = 130


class CLIError(click.ClickException):
    """A failure the user can act on: printed as one ``error: …`` line, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class Group(click.Group):
    """Runs a verb and turns whatever goes wrong into one line and an exit status."""

    def main(self, args: Sequence[str] | None = None, **extra: Any) -> Any:  # type: ignore[override]
        extra.pop("standalone_mode", None)
        extra["prog_name"] = extra.get("prog_name") or "ldindex"  # also under python -m
        try:
            return super().main(args, standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            verb = exc.ctx.command_path if exc.ctx else "ldindex"
            message = exc.format_message().rstrip(".")
            click.echo(f"error: {_first_lower(message)} (see '{verb} --help')", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"error: {_first_lower(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except (KeyboardInterrupt, click.exceptions.Abort):
            click.echo("error: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:  # `ldindex list | head`: the reader left, nothing to say
            sys.stderr.close()
            sys.exit(1)
        except Exception as exc:
            log.debug("unexpected error", exc_info=True)
            click.echo(
                f"error: unexpected {type(exc).__name__}: {exc} (run with -vv for details)",
                err=True,
            )
            sys.exit(1)


def _open(db_url: str, write: bool, read_only: bool, modify: bool, read_url: str | None) -> Store:
    if write:
        return open_store(db_url, read_url=read_url)
    if modify:
        return open_store(db_url, create=False, read_url=read_url)
    if not read_only:
        try:
            return open_store(db_url, create=False, read_url=read_url)
        except StoreReadOnly as exc:
            log.debug("%s; opening read-only", exc)
    return open_store(db_url, read_only=True, read_url=read_url)


def _first_lower(message: str) -> str:
    """click's messages start with a capital ("Invalid value"); ours are lower case."""
    return message[:1].lower() + message[1:] if message[1:2].islower() else message


def db_url_param(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A database URL, or a plain path to a SQLite file (``ldindex.db``, ``/srv/x.sqlite``)."""
    if value is None:
        return None
    if "://" in value:
        if value.startswith("sqlite:") and not value.startswith("sqlite:///"):
            raise click.BadParameter(f"{value!r}: a SQLite URL reads sqlite:///path/to/file.db")
        return value
    if value.startswith("sqlite:"):
        raise click.BadParameter(f"{value!r}: a SQLite URL reads sqlite:///path/to/file.db")
    if not value.strip():
        raise click.BadParameter("an empty path")
    return f"sqlite:///{value}"


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        "db_url",
        default=DEFAULT_URL,
        show_default=True,
        envvar="LDINDEX_DB",
        callback=db_url_param,
        metavar="URL|PATH",
        help="Database: sqlite:///path/to.db, postgresql://user:password@host/db, or a plain "
        "path to a SQLite file (env LDINDEX_DB).",
    )(func)


def _replica_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and value.split(":", 1)[0].split("+", 1)[0] not in (
        "postgresql",
        "postgres",
    ):
        raise click.BadParameter(f"{redact_url(value)!r}: a replica is a postgresql:// URL")
    return value


def db_read_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db-read",
        "db_read_url",
        default=None,
        envvar="LDINDEX_DB_READ",
        callback=_replica_url,
        metavar="URL",
        help="A read replica of a PostgreSQL --db (postgresql://…): reads go there while it "
        "has replayed every write announced, to the primary while it lags; writes always go "
        "to --db (env LDINDEX_DB_READ).",
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


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More output: -v each file, -vv debug.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors: no progress, no summaries.")
@click.version_option(package_name="ldindex")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """ldindex: a Python package index that publishes what it knows as linked data.

    \b
    Examples:
      ldindex ingest ~/wheels/             index every artefact below a directory
      ldindex list                         the projects indexed, with latest versions
      ldindex show requests                what the index knows of a project
      ldindex serve --workers 2            the index over HTTP
      ldindex build site/                  the read-only site as static files

    Every verb takes --db (env LDINDEX_DB) and has --help.
    """
    if quiet and verbose:
        raise click.UsageError("-q and -v contradict each other", ctx)
    ctx.obj = Output(quiet=quiet, verbosity=verbose)
    setup_logging(ctx.obj)


def output() -> Output:
    """The current command's output settings (-q, -v)."""
    ctx = click.get_current_context()
    found = ctx.find_object(Output)
    return found if found is not None else Output()


def open_index(
    db_url: str,
    *,
    write: bool = False,
    read_only: bool = True,
    modify: bool = False,
    read_url: str | None = None,
) -> Store:
    """Open the index for a verb. Only creating verbs (``write``) create a database; the
    others fail with a hint when there is none. Verbs that change an existing index
    (``modify``) need write access; the rest open it read-only unless told not to
    (``read_only=False``: write if allowed, else read). ``read_url`` names a replica."""
    try:
        store = _open(db_url, write, read_only, modify, read_url)
        log.debug(
            "opened %s %s", redact_url(store.url), "read-only" if store.read_only else "for writing"
        )
        return store
    except StoreMissing as exc:
        if not db_url.startswith("sqlite:"):
            raise CLIError(str(exc)) from exc  # says what is missing: the database, or the index
        raise CLIError(
            f"no index at {sqlite_path(db_url)} (create one with ldindex ingest)"
        ) from exc
    except StoreError as exc:
        raise CLIError(str(exc)) from exc
    except PermissionError as exc:
        raise CLIError(f"{exc.filename or redact_url(db_url)}: permission denied") from exc
