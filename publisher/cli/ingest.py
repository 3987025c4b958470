"""``ldindex ingest``: index artefact files."""

from __future__ import annotations

import logging
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import click
import orjson

from publisher.cli.app import EXIT_INTERRUPTED, db_option, files_option, main, open_index, output
from publisher.cli.output import Output, plural
from publisher.cli.types import BYTE_SIZE, format_size
from publisher.store import default_files_dir

log = logging.getLogger("ldindex.ingest")
_MEMBER = re.compile(r"^[^\s:]+/[^\s:]+: ")  # "pkg.dist-info/METADATA: " before a message


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@files_option
@click.option("--variant", help="Variant label for these files (default: the wheel build tag).")
@click.option("--comment", help="A comment stored with each file.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="Files read in parallel.",
)
@click.option(
    "--max-file-size",
    type=BYTE_SIZE,
    default=None,
    help="Refuse files over this size (bytes, or with a unit: 500M, 2G) [2G].",
)
@click.option(
    "--max-members",
    type=click.IntRange(min=1),
    default=None,
    help="Refuse archives with more members [100000].",
)
@click.option(
    "--max-metadata-size",
    type=BYTE_SIZE,
    default=None,
    help="Refuse metadata members over this size (bytes, or 64K, 16M) [16M].",
)
@click.option(
    "--max-ratio",
    type=click.FloatRange(min=1, min_open=False),
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
    "--verify-members/--no-verify-members",
    default=True,
    show_default=True,
    help="Check every member's content: its CRC-32 and, in a wheel, its hash and size "
    "against RECORD. --no-verify-members checks structure and metadata only, for bulk loads "
    "from a trusted source; such files are published as not verified.",
)
@click.option("--dry-run", is_flag=True, help="Read and check every file; store nothing.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object per file (path, status, reason, warnings) on stdout.",
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
    dry_run: bool,
    as_json: bool,
) -> None:
    """Index wheels, sdists and legacy artefacts found in PATHS (files or directories).

    Each file is read once (all digests in one pass), checked, and indexed in its own
    transaction. A file that fails, or a path that is missing or unreadable, is reported
    and the batch goes on; the exit status is then 1. A sibling FILE.asc is stored as the
    file's PGP signature. Creates the database and file store when they do not exist.

    \b
    Examples:
      ldindex ingest dist/*.whl dist/*.tar.gz
      ldindex ingest ~/wheelhouse/ --db /srv/index.db
      ldindex ingest big/ --max-file-size 4G --workers 4
      ldindex ingest incoming/ --dry-run --json
    """
    from dataclasses import replace

    from publisher.blobs import BlobStore
    from publisher.ingest import IngestOptions, Limits
    from publisher.ingest import ingest as run_ingest
    from publisher.ingest.walk import collect

    out = output()
    limits = Limits()
    overrides = {
        "max_file_size": max_file_size,
        "max_members": max_members,
        "max_metadata_size": max_metadata_size,
        "max_ratio": max_ratio,
    }
    limits = replace(
        limits, verify=verify_members, **{k: v for k, v in overrides.items() if v is not None}
    )
    options = IngestOptions(
        limits=limits,
        variant=variant,
        comment=comment,
        workers=workers,
        upload_time=upload_time,
        dry_run=dry_run,
    )
    log.debug("limits: %s", limits)
    files_root = files_dir or default_files_dir(db_url)
    batch = collect(paths, exclude=[files_root])
    log.debug("%d paths given, %d files found", len(paths), len(batch.files))
    for path, reason in batch.skipped:
        out.warning(f"{path}: skipped ({reason})")
    report = Report(out, as_json, dry_run)
    for path, reason in batch.failures:
        report.failed(path, reason)

    if not batch.files:  # nothing to read: no reason to create an index
        report.finish()
        sys.exit(1 if report.counts["failed"] else 0)
    with tempfile.TemporaryDirectory(prefix="ldindex-dry-run-") as scratch:
        if dry_run:  # check against the index if there is one; write nothing anywhere
            store = _dry_run_store(db_url, Path(scratch))
            blobs = BlobStore(Path(scratch) / "files")
        else:
            store = open_index(db_url, write=True)
            blobs = BlobStore(files_root)
        total_bytes = sum(_size(p) for p in batch.files)
        try:
            with out.progress(total_bytes, "checking" if dry_run else "ingesting", True) as bar:

                def done(outcome) -> None:
                    report.add(outcome)
                    bar.advance(outcome.size or _size(outcome.path), outcome.path.name)

                run_ingest(batch.files, store, blobs, options, on_done=done)
        except KeyboardInterrupt:
            report.interrupted(len(batch.files) + len(batch.failures))
            sys.exit(EXIT_INTERRUPTED)
        finally:
            store.close()
    report.finish()
    if report.counts["failed"]:
        sys.exit(1)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _dry_run_store(db_url: str, scratch: Path):
    """The index read-only when it exists, else an empty scratch index."""
    from publisher.store import StoreMissing, open_store

    try:
        return open_store(db_url, read_only=True)
    except StoreMissing:
        return open_store(f"sqlite:///{scratch / 'empty.db'}")


class Report:
    """Counts, messages and JSON lines of one batch, and the summary at its end."""

    def __init__(self, out: Output, as_json: bool, dry_run: bool) -> None:
        self.out = out
        self.as_json = as_json
        self.dry_run = dry_run
        self.counts: Counter[str] = Counter()
        self.warnings: Counter[str] = Counter()
        self.bytes = 0
        self.started = time.perf_counter()

    def _emit(self, record: dict) -> None:
        if self.as_json:
            sys.stdout.buffer.write(orjson.dumps(record) + b"\n")
            sys.stdout.flush()

    def failed(self, path: Path, reason: str) -> None:
        self.counts["failed"] += 1
        self.out.error(f"{path}: {reason}")
        self._emit({"path": str(path), "status": "failed", "reason": reason})

    def add(self, outcome) -> None:
        self.counts[outcome.status] += 1
        self.bytes += outcome.size
        record = {"path": str(outcome.path), "status": outcome.status, "size": outcome.size}
        if outcome.status == "failed":
            reason = outcome.message.removeprefix(f"{outcome.path}: ")
            self.out.error(outcome.message)
            record = {"path": str(outcome.path), "status": "failed", "reason": reason}
        elif self.out.verbosity >= 1:
            self.out.note(f"{outcome.status}: {outcome.path}")
        for warning in outcome.warnings:
            self.warnings[self._kind(outcome.path, warning)] += 1
            if self.out.verbosity >= 1:
                self.out.warning(warning)
        if outcome.warnings:
            record["warnings"] = list(outcome.warnings)
        self._emit(record)

    @staticmethod
    def _kind(path: Path, warning: str) -> str:
        """A warning without the file it is about, so that files can share it."""
        rest = warning.removeprefix(f"{path.name}:").removeprefix(f"{path}:").lstrip()
        return _MEMBER.sub("", rest)

    def _summary(self) -> str:
        total = sum(self.counts.values())
        elapsed = time.perf_counter() - self.started
        rate = self.bytes / elapsed if elapsed > 0 else 0.0
        first = "checked" if self.dry_run else "added"
        parts = [
            f"{self.counts[first]:,} {'would be added' if self.dry_run else 'added'}",
            f"{self.counts['skipped']:,} skipped",
            f"{self.counts['failed']:,} failed",
        ]
        return (
            f"{plural(total, 'file')}: {', '.join(parts)} ({format_size(self.bytes)} in "
            f"{elapsed:.1f} s, {format_size(rate)}/s)"
        )

    def finish(self) -> None:
        """One line per kind of warning (-v lists each file's), then the summary."""
        if self.out.verbosity == 0:
            for kind, count in sorted(self.warnings.items()):
                where = plural(count, "file") if count > 1 else "1 file"
                self.out.warning(f"{kind} ({where}; -v names them)")
        if self.as_json:
            self.out.note(self._summary())
        elif not self.out.quiet:
            click.echo(self._summary())

    def interrupted(self, total: int) -> None:
        done = sum(self.counts.values())
        self.out.error(
            f"interrupted after {done:,} of {plural(total, 'file')} "
            f"({self.counts['added']:,} added, {self.counts['skipped']:,} skipped, "
            f"{self.counts['failed']:,} failed); run the same command again to finish"
        )
