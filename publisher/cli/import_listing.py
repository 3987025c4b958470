"""``ldindex import-listing``: load a catalogue listing (names, summaries, download ranks)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from publisher.cli.app import CLIError, db_option, main, open_index, output
from publisher.cli.output import Bar


@main.command("import-listing")
@click.argument("listing", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def import_listing(listing: Path, db_url: str) -> None:
    """Add the projects of LISTING to the index, without files: their names, summaries,
    latest versions and download ranks, for search, the listing and the simple index.

    LISTING is tab-separated (gzip-compressed if it ends in .gz) with the header
    name, version, month, rank_among_15000_most_downloaded, summary — the format of
    ../shared/data/pypi-projects.tsv.gz. Projects whose files are indexed keep what their
    releases say and take only the download rank. The import is one transaction: a
    malformed line stops it with the line number and nothing is changed.
    """
    from publisher.listings import ListingFormatError

    out = output()
    store = open_index(db_url, write=True)
    started = time.perf_counter()
    try:
        with out.progress(listing.stat().st_size, "importing", as_bytes=True) as bar:
            reader = _ProgressReader(listing, bar)
            count = store.import_listing(reader.entries(), on_progress=reader.update)
    except ListingFormatError as exc:
        raise CLIError(f"{exc} (nothing was imported)") from exc
    finally:
        store.close()
    elapsed = time.perf_counter() - started
    if not out.quiet:
        click.echo(f"{count:,} projects imported from {listing} in {elapsed:.1f} s")


class _ProgressReader:
    """Entries of a listing, reporting progress by the share of the file read."""

    def __init__(self, path: Path, bar: Bar) -> None:
        self.path = path
        self.bar = bar
        self._handle = None
        self._done = 0

    def entries(self):
        from publisher.listings import read_tsv

        yield from read_tsv(self.path, on_raw=self._watch)

    def _watch(self, handle) -> None:
        self._handle = handle

    def update(self, _count: int) -> None:
        if self._handle is None:
            return
        closed = self._handle.closed  # the last batch is written after the file is read
        position = self.path.stat().st_size if closed else self._handle.tell()
        self.bar.advance(position - self._done)
        self._done = position
