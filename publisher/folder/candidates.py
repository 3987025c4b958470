"""Which names in a watched folder are artefacts to index, and which are work in progress.

Copies in progress often go under a temporary name and are renamed when done: rsync's
``.name.XXXXXX``, browsers' ``.part``/``.crdownload``, editors' ``~`` backups. Those, every
dot-file and dot-directory, and anything not named like an artefact are left alone.
"""

from __future__ import annotations

from publisher.ingest.filenames import is_artefact

__all__ = ["TEMPORARY_SUFFIXES", "is_candidate", "is_hidden", "is_temporary"]

TEMPORARY_SUFFIXES = (
    "~",
    ".part",
    ".partial",
    ".tmp",
    ".temp",
    ".crdownload",
    ".download",
    ".swp",
    ".filepart",
)


def is_hidden(name: str) -> bool:
    """Dot-files and dot-directories (also rsync's temporary ``.name.XXXXXX``)."""
    return name.startswith(".")


def is_temporary(name: str) -> bool:
    """A name a copy in progress goes under."""
    return name.lower().endswith(TEMPORARY_SUFFIXES)


def is_candidate(name: str) -> bool:
    """Whether a file of this name in the folder is an artefact to index."""
    return not is_hidden(name) and not is_temporary(name) and is_artefact(name)
