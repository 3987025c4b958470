"""``ldindex query``: the environment query from the command line, as ``/_/query`` answers it."""

from __future__ import annotations

import click
import orjson

from publisher.cli.app import db_option, main, open_index
from publisher.cli.types import BASE_URL


@main.command()
@click.argument("name")
@db_option
@click.option("--version", "version", help="A version, or a PEP 440 specifier such as '<3'.")
@click.option("--python", help="Python version of the target, e.g. 3.12 or 3.12.4.")
@click.option("--implementation", help="cp (default with --python), pp, gp, ...")
@click.option("--abi", multiple=True, help="ABI tag(s), e.g. cp312 (default: the Python's).")
@click.option(
    "--platform",
    multiple=True,
    help="Platform tag(s), meaning what pip --platform means (e.g. manylinux_2_28_x86_64).",
)
@click.option("--os", "os_name", help="linux, macos or windows (with --os-version and --arch).")
@click.option("--os-version", help="'glibc 2.31', 'musl 1.2', or a macOS version such as 14.")
@click.option("--arch", help="x86_64, aarch64, arm64, x86, ...")
@click.option("--extra", "extras", multiple=True, help="Extras whose dependencies to include.")
@click.option(
    "--kind",
    type=click.Choice(["any", "wheel", "sdist"]),
    default="any",
    show_default=True,
    help="Which kind of file may be chosen.",
)
@click.option("--variant", help="Only files with this variant label.")
@click.option("--pre", is_flag=True, help="Admit pre-releases.")
@click.option("--all", "all_files", is_flag=True, help="List every file without choosing.")
@click.option("--json", "as_json", is_flag=True, help="Print the full answer as JSON.")
@click.option(
    "--base-url",
    type=BASE_URL,
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Base URL of the download links.",
)
def query(
    name: str,
    db_url: str,
    version: str | None,
    python: str | None,
    implementation: str | None,
    abi: tuple[str, ...],
    platform: tuple[str, ...],
    os_name: str | None,
    os_version: str | None,
    arch: str | None,
    extras: tuple[str, ...],
    kind: str,
    variant: str | None,
    pre: bool,
    all_files: bool,
    as_json: bool,
    base_url: str,
) -> None:
    """Which file of project NAME an installer would choose for an environment, and why
    the others do not fit.

    Without an environment, the choice is a pure-Python wheel or the sdist. Exits with
    status 1 when nothing fits (the reasons are printed).

    \b
    Examples:
      ldindex query markupsafe --python 3.12 --platform manylinux_2_17_x86_64
      ldindex query markupsafe --python 3.12 --os macos --os-version 14 --arch arm64
      ldindex query requests --version '<3' --json
    """
    from publisher.query import BadParameter, QueryNotFound, QueryRequest, QueryService

    values = {
        "name": name, "version": version, "python": python, "implementation": implementation,
        "abi": list(abi), "platform": list(platform), "os": os_name, "os_version": os_version,
        "arch": arch, "extras": list(extras), "kind": kind, "variant": variant, "pre": pre,
        "all": all_files,
    }  # fmt: skip
    store = open_index(db_url)
    try:
        request = QueryRequest.from_values(values)
        answer = QueryService(store, base_url).answer(request)
    except BadParameter as exc:
        option = "NAME" if exc.parameter == "name" else f"--{exc.parameter.replace('_', '-')}"
        raise click.BadParameter(exc.reason, param_hint=option) from None
    except QueryNotFound as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    result = answer.result
    if as_json:
        click.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    else:
        _print_summary(result)
    if result["choice"] is None and not all_files:
        raise SystemExit(1)


def _print_summary(result: dict) -> None:
    release, choice = result["release"], result["choice"]
    click.echo(f"{result['project']['display_name']} {release['version']}")
    if choice is not None:
        click.echo(f"chosen: {choice['filename']}")
        click.echo(f"  url: {choice['url']}")
        click.echo(f"  sha256: {choice['hashes']['sha256']}")
        click.echo(f"  size: {choice['size']:,} bytes")
    elif not result["query"]["all"]:
        click.echo("chosen: nothing fits this environment")
    others = [f for f in result["compatible"] if choice is None or f["url"] != choice["url"]]
    for f in others:
        click.echo(f"also fits: {f['filename']}")
    for rejected in result["reasons"]:
        why = "; ".join(f"{r['code']}: {r['message']}" for r in rejected["reasons"])
        click.echo(f"does not fit: {rejected['filename']} ({why})")
    applying = [
        r["requirement"] if r["applies"] else f"{r['requirement']} (undecided: {r['undecided_by']})"
        for r in result["dependencies"]["requirements"]
        if r["applies"] is not False and "error" not in r
    ]
    if applying:
        click.echo(f"dependencies: {', '.join(applying)}")
