"""Directory mode (mixed into ``publisher.store.sql.SQLStore``): the folder an index mirrors and
where each file indexed from it lies.

An entry is written in the transaction that indexes its file (``add_file`` with
``NewFile.folder``), so a file is never listed without a place to read its bytes from, and
removed in the one that withdraws it. Entries hold paths relative to the folder: a folder
moved elsewhere keeps them.
"""

from __future__ import annotations

from typing import Any

from publisher.store.base import FolderEntry

__all__ = ["FolderMixin", "upsert_folder_entry"]

_FOLDER_KEY = "folder"


def upsert_folder_entry(db: Any, entry: FolderEntry) -> None:
    """Record where a file is, replacing what was known of that file or that path."""
    db.execute(
        "DELETE FROM folder_files WHERE path = ? AND filename != ?", (entry.path, entry.filename)
    )
    db.execute(
        "INSERT INTO folder_files (filename, path, size, mtime_ns) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(filename) DO UPDATE SET path = excluded.path, size = excluded.size, "
        "mtime_ns = excluded.mtime_ns",
        (entry.filename, entry.path, entry.size, entry.mtime_ns),
    )


class FolderMixin:
    """The mirrored folder and the entries of the files found in it."""

    _db: Any  # the backend's connection (publisher.store.sql)

    def folder_root(self) -> str | None:
        row = self._db.execute(
            "SELECT value FROM store_settings WHERE key = ?", (_FOLDER_KEY,)
        ).fetchone()
        return row[0] if row else None

    def set_folder_root(self, root: str) -> None:
        self._writable()  # type: ignore[attr-defined]
        if self.folder_root() == root:
            return
        with self._transaction() as db:  # type: ignore[attr-defined]
            db.execute(
                "INSERT INTO store_settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (_FOLDER_KEY, root),
            )
            # what reads files by the root (``publisher.file_sources``) looks again
            db.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")

    def folder_entries(self) -> list[FolderEntry]:
        rows = self._db.execute(
            "SELECT filename, path, size, mtime_ns FROM folder_files ORDER BY path"
        )
        return [FolderEntry(*row) for row in rows]

    def folder_entry(self, filename: str) -> FolderEntry | None:
        row = self._db.execute(
            "SELECT filename, path, size, mtime_ns FROM folder_files WHERE filename = ?",
            (filename,),
        ).fetchone()
        return FolderEntry(*row) if row else None

    def record_folder_entry(self, entry: FolderEntry) -> bool:
        self._writable()  # type: ignore[attr-defined]
        with self._transaction() as db:  # type: ignore[attr-defined]
            indexed = db.execute("SELECT 1 FROM files WHERE filename = ?", (entry.filename,))
            if indexed.fetchone() is None:
                return False
            upsert_folder_entry(db, entry)
        return True
