"""Catalogue listings as files: the TSV of PyPI's projects, and ldindex's own JSON listing.

A listing names projects with what search and the listing show of them (summary, latest
version and its month or upload time, download rank), without any release files. Readers
stream entries and stop at the first malformed line with an error naming the file, the line
and the field, so an import either takes the whole file or nothing.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from crosswalk.names import canonicalize_name
from publisher.store import ListingEntry

__all__ = ["TSV_COLUMNS", "ListingFormatError", "read_json_listing", "read_tsv"]

TSV_COLUMNS = ("name", "version", "month", "rank_among_15000_most_downloaded", "summary")
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
MAX_SUMMARY = 2048  # characters kept of a summary (PyPI's own limit is 512)


class ListingFormatError(ValueError):
    """A listing that cannot be read; the message names the file, line and field."""


def _checked_name(raw: str, where: str) -> str:
    if not _NAME.match(raw):
        raise ListingFormatError(f"{where}: name {raw!r} is not a valid project name")
    if raw.islower() and "_" not in raw and "." not in raw and "--" not in raw:
        return raw  # already in PEP 503 form, as nearly every line of a large listing is
    return canonicalize_name(raw)


def read_tsv(
    path: Path, on_raw: Callable[[BinaryIO], None] | None = None
) -> Iterator[ListingEntry]:
    """Entries of a tab-separated listing (gzip-compressed if its name ends in ``.gz``)
    with the columns of ``TSV_COLUMNS``, in that order, under a header line.
    ``on_raw`` receives the underlying file (its ``tell()`` measures progress)."""
    path = Path(path)
    try:
        with path.open("rb") as raw:
            if on_raw is not None:
                on_raw(raw)
            binary = gzip.GzipFile(fileobj=raw, mode="rb") if path.suffix == ".gz" else raw
            lines = io.TextIOWrapper(binary, encoding="utf-8", newline="\n")
            header = tuple(next(lines, "").rstrip("\r\n").split("\t"))
            if header != TSV_COLUMNS:
                raise ListingFormatError(
                    f"{path}:1: expected the header {' '.join(TSV_COLUMNS)!r}, "
                    f"got {' '.join(header)!r}"
                )
            for number, line in enumerate(lines, start=2):
                yield _tsv_entry(line.rstrip("\r\n").split("\t"), f"{path}:{number}")
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
        raise ListingFormatError(f"{path}: cannot be read: {exc}") from exc


def _tsv_entry(fields: list[str], where: str) -> ListingEntry:
    if len(fields) != len(TSV_COLUMNS):
        raise ListingFormatError(
            f"{where}: expected {len(TSV_COLUMNS)} tab-separated fields, got {len(fields)}"
        )
    raw_name, version, month, rank, summary = fields
    if month and not _MONTH.match(month):
        raise ListingFormatError(f"{where}: month {month!r} is not YYYY-MM")
    if rank and not rank.isdigit():
        raise ListingFormatError(f"{where}: rank {rank!r} is not a whole number")
    return ListingEntry(
        name=_checked_name(raw_name, where),
        display_name=raw_name,
        summary=summary[:MAX_SUMMARY] or None,
        latest_version=version or None,
        latest_upload=month or None,
        popularity=int(rank) if rank else None,
    )


def read_json_listing(document: dict[str, Any], source: str) -> Iterator[ListingEntry]:
    """Entries of the JSON listing ``/_/search/all`` serves (``publisher.render.listing``)."""
    fields = document.get("fields")
    rows = document.get("projects")
    if not isinstance(fields, list) or not isinstance(rows, list):
        raise ListingFormatError(f"{source}: not an ldindex listing (no 'fields' and 'projects')")
    missing = {"name", "display_name", "summary"} - set(fields)
    if missing:
        raise ListingFormatError(f"{source}: listing fields lack {', '.join(sorted(missing))}")
    index = {field: i for i, field in enumerate(fields)}
    width = len(fields)

    def get(row: list, field: str) -> Any:
        i = index.get(field)
        return row[i] if i is not None else None

    for number, row in enumerate(rows):
        where = f"{source}: project #{number + 1}"
        if not isinstance(row, list) or len(row) != width:
            raise ListingFormatError(f"{where}: expected a list of {width} values")
        popularity = get(row, "popularity")
        if popularity is not None and not isinstance(popularity, int):
            raise ListingFormatError(f"{where}: popularity {popularity!r} is not a number")
        commands = get(row, "commands") or []
        yield ListingEntry(
            name=_checked_name(str(get(row, "name")), where),
            display_name=str(get(row, "display_name")),
            summary=get(row, "summary"),
            latest_version=get(row, "latest_version"),
            latest_upload=get(row, "upload_time"),
            requires_python=get(row, "requires_python"),
            popularity=popularity,
            keywords=get(row, "keywords"),
            commands=tuple(str(c) for c in commands),
        )
