"""The full catalogue listing for client-side search, written as a stream.

HTML: one ``tbody > tr`` per project, its normalised name and its summary, nothing else, so
the page weighs little more than the names and summaries themselves (at PyPI's size about
86 MB plain, 24 MB gzipped); the table is a schema.org ``ItemList`` whose rows are the
projects (the project page is ``{base}/project/{name}/``, stated once in the page).

JSON: ``{"meta": …, "fields": [...], "projects": [[...], ...]}``, one array per project in
the order of ``fields`` — name, display name, summary, latest version, its upload time and
Requires-Python, download rank, keywords, commands — so a million projects cost no repeated
keys. ``ldindex search --index URL`` reads this back into the same search index.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import IO

import orjson

from publisher.store import ListingEntry, Store

__all__ = ["LISTING_FIELDS", "write_listing_html", "write_listing_json"]

LISTING_FIELDS = (
    "name", "display_name", "summary", "latest_version", "upload_time", "requires_python",
    "popularity", "keywords", "commands",
)  # fmt: skip
_BATCH = 4096


def _batched_write(out: IO[bytes], pieces: Iterable[str]) -> None:
    batch: list[str] = []
    for piece in pieces:
        batch.append(piece)
        if len(batch) >= _BATCH:
            out.write("".join(batch).encode())
            batch.clear()
    out.write("".join(batch).encode())


def write_listing_html(store: Store, base: str, path: Path) -> None:
    """Every project as a row of name and summary."""
    count = store.counts()["projects"]
    listing = f"{escape(base)}/_/search/all"
    head = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>All projects — ldindex</title>
<link rel="canonical" href="{listing}">
</head>
<body>
<h1>All {count:,} projects</h1>
<p>Each row: a project's normalised name and summary. Its page is {escape(base)}/project/NAME/;
this listing is also JSON (<code>Accept: application/json</code>) with versions.</p>
<table prefix="schema: http://schema.org/" typeof="schema:ItemList" resource="{listing}" lang="">
<thead><tr><th>Name</th><th>Summary</th></tr></thead>
<tbody>
"""
    with path.open("wb") as out:
        out.write(head.encode())
        _batched_write(
            out,
            (
                f"<tr><td>{e.name}</td><td>{escape(e.summary, quote=False) if e.summary else ''}"
                "</td></tr>\n"
                for e in store.iter_listing()
            ),
        )
        out.write(b"</tbody>\n</table>\n</body>\n</html>\n")


def _row(e: ListingEntry) -> list:
    return [
        e.name,
        e.display_name,
        e.summary,
        e.latest_version,
        e.latest_upload,
        e.requires_python,
        e.popularity,
        e.keywords,
        list(e.commands) or None,
    ]


def write_listing_json(store: Store, base: str, path: Path) -> None:
    """Every project with its latest version, upload time and Requires-Python."""
    meta = {
        "generator": "ldindex",
        "base_url": base,
        "project_url": f"{base}/project/{{name}}/",
    }
    with path.open("wb") as out:
        out.write(b'{"meta":' + orjson.dumps(meta) + b',"fields":' + orjson.dumps(LISTING_FIELDS))
        out.write(b',"projects":[')
        first = True
        batch: list[bytes] = []
        for entry in store.iter_listing():
            row = orjson.dumps(_row(entry))
            batch.append(row if first else b"," + row)
            first = False
            if len(batch) >= _BATCH:
                out.write(b"".join(batch))
                batch.clear()
        out.write(b"".join(batch) + b"]}\n")
