"""``ldindex ingest: index artefact files.``"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from publisher.cli.app import db_option, files_option, main, open_index
from publisher.store import default_files_dir


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@db_option
@files_option
@click.option("--variant", help="Variant label for these files (default: the wheel build tag).")
@click.option("--comment", help="A comment stored with each file.")
@click.option("--workers", default=2, show_default=True, help="Files read in parallel.")
@click.option(
    "--max-file-size", type=int, default=None, help="Refuse files over this many bytes [2 GiB]."
)
@click.option(
    "--max-members", type=int, default=None, help="Refuse archives with more members [100000]."
)
@click.option(
    "--max-metadata-size",
    type=int,
    default=None,
    help="Refuse metadata members over this many bytes [16 MiB].",
)
@click.option(
    "--max-ratio",
    type=float,
    default=None,
    help="Refuse members expanding more than this factor once over 4 MiB [50].",
)
@click.option(
    "--upload-time",
    type=click.Choice(["ingest", "mtime"]),
    default="ingest",
    show_default=True,
    help="What a file's upload date is: the time of ingest, or the file's modification time "
    "(for a directory of artefacts kept as they were downloaded).",
)
@click.option(
    "--verify-members",
    is_flag=True,
    help="Also check every member's integrity (CRC), not only the archive's structure and "
    "metadata member; slower.",
)
def ingest(
    paths: tuple[Path, ...],
    db_url: str,
    files_dir: Path | None,
    variant: str | None,
    comment: str | None,
    workers: int,
    max_file_size: int | None,
    max_members: int | None,
    max_metadata_size: int | None,
    max_ratio: float | None,
    upload_time: str,
    verify_members: bool,
) -> None:
    """Index wheels, sdists and legacy artefacts found in PATHS (files or directories).

    Each file is read once (all digests in one pass), checked, and indexed in its own
    transaction. A file that fails is reported and skipped; the exit status is 1 if any did.
    A sibling FILE.asc is stored as the file's PGP signature.
    """
    from dataclasses import replace

    from publisher.blobs import BlobStore
    from publisher.ingest import IngestOptions, Limits, find_artefacts
    from publisher.ingest import ingest as run_ingest

    limits = Limits()
    overrides = {
        "max_file_size": max_file_size,
        "max_members": max_members,
        "max_metadata_size": max_metadata_size,
        "max_ratio": max_ratio,
    }
    limits = replace(limits, verify=verify_members, **{k: v for k, v in overrides.items() if v})
    options = IngestOptions(
        limits=limits,
        variant=variant,
        comment=comment,
        workers=workers,
        upload_time=upload_time,
    )
    store = open_index(db_url)
    blobs = BlobStore(files_dir or default_files_dir(db_url))
    found = list(find_artefacts(paths))
    total_bytes = sum(p.stat().st_size for p in found if p.is_file())
    counts = {"added": 0, "skipped": 0, "failed": 0}
    started = time.perf_counter()
    show_bar = sys.stderr.isatty()
    with click.progressbar(
        length=total_bytes,
        label="ingesting",
        file=sys.stderr,
        show_pos=False,
        show_percent=True,
        hidden=not show_bar,
        item_show_func=lambda name: name,
    ) as bar:

        def done(outcome) -> None:
            counts[outcome.status] += 1
            if outcome.status == "failed":
                click.echo(f"error: {outcome.message}", err=True)
            bar.update(outcome.size or 0, outcome.path.name)

        run_ingest(found, store, blobs, options, on_done=done)
    elapsed = time.perf_counter() - started
    store.close()
    rate = total_bytes / elapsed / 1e6 if elapsed > 0 else 0.0
    click.echo(
        f"{len(found)} files: {counts['added']} added, {counts['skipped']} skipped, "
        f"{counts['failed']} failed ({total_bytes / 1e6:.1f} MB in {elapsed:.2f} s, "
        f"{rate:.1f} MB/s)"
    )
    if counts["failed"]:
        sys.exit(1)
