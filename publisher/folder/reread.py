"""Reading again the files a release keeps when a withdrawal takes the file it took its
metadata or extras from, so that the store derives the release anew from them in the
withdrawal's own transaction (``Store.remove_files``): the release then says what an index
of its remaining files alone says, never what the withdrawn file said.

Each kept file is read where its bytes are (its place in the folder, or the place it was
moved to since, else the index's file store) by ingest's own reading
(``publisher.ingest.describe_file``: the same checks, parsers and ranks; nothing extracted
to disk), a few at a time, and offered in the order in which a fresh index of the folder
reads files: by path in the folder, then those of the file store by name. Among files of
equal rank the first in that order gives the metadata, as it would in a fresh index.

A kept file of the folder that can no longer be read as it was indexed (gone, other bytes,
unreadable) cannot stay published either: it is withdrawn with the others. One of the file
store that cannot be read leaves its release as it is: the withdrawal waits, and is tried
again at the next reconciliation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from crosswalk.records import DistributionFile
from publisher.blobs import BlobStore
from publisher.ingest import IngestError, IngestOptions, describe_file
from publisher.store import NewFile, Store

__all__ = ["Lost", "Reread", "reread_kept"]


@dataclass(frozen=True, slots=True)
class Lost:
    """A kept file of the folder that no longer holds the bytes indexed under its name."""

    place: str  # its path in the folder
    why: str
    going_with: tuple[str, ...]  # the withdrawn files of its release


@dataclass
class Reread:
    """What reading the kept files again found."""

    files: list[NewFile] = field(default_factory=list)  # in the order to offer them
    lost: dict[str, Lost] = field(default_factory=dict)  # filename -> why it goes too
    waiting: dict[str, str] = field(default_factory=dict)  # withdrawn filename -> why it waits


@dataclass(frozen=True, slots=True)
class _Kept:
    record: DistributionFile
    path: Path | None  # where its bytes are, if known
    place: str | None  # its path in the folder; None for the file store

    @property
    def order(self) -> tuple[int, str]:
        """Folder files by path (a fresh index's order), then the file store's by name."""
        return (0, self.place) if self.place is not None else (1, self.record.filename)


def reread_kept(
    store: Store,
    withdrawn: Iterable[str],
    root: Path,
    files_dir: Path | None,
    options: IngestOptions,
    moved: Mapping[str, str] | None = None,
) -> Reread:
    """Read again every file kept by a release that took its metadata or an extra from one
    of the ``withdrawn`` files. ``moved`` maps filenames to the paths in the folder where
    files of those names lie now, not yet recorded (moved since they were indexed)."""
    withdrawn = set(withdrawn)
    moved = moved or {}
    releases: list[tuple[str, list[str], list[_Kept]]] = []
    for project, version in store.releases_derived_from(withdrawn):
        release = store.get_release(project, version)
        if release is None:
            continue
        going = sorted(f.filename for f in release.files if f.filename in withdrawn)
        kept = [
            _locate(store, f, root, files_dir, moved.get(f.filename))
            for f in release.files
            if f.filename not in going
        ]
        if kept:
            releases.append((f"{project} {version}", going, kept))
    result = Reread()
    if not releases:
        return result
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        reads: dict[str, Future[NewFile | str]] = {
            k.record.filename: pool.submit(_read, k, options)
            for _, _, kept in releases
            for k in kept
        }
        offered: list[tuple[tuple[int, str], NewFile]] = []
        for release, going, kept in releases:
            read = [(k, reads[k.record.filename].result()) for k in kept]
            stuck = [(k, why) for k, why in read if isinstance(why, str) and k.place is None]
            if stuck:
                k, why = stuck[0]
                for filename in going:
                    result.waiting[filename] = (
                        f"{k.record.filename}, which stays in {release}, could not be read "
                        f"again from the file store ({why})"
                    )
                continue
            for k, new in read:
                if isinstance(new, str):
                    assert k.place is not None
                    result.lost[k.record.filename] = Lost(k.place, new, tuple(going))
                else:
                    offered.append((k.order, new))
    result.files = [new for _, new in sorted(offered, key=lambda item: item[0])]
    return result


def _locate(
    store: Store, record: DistributionFile, root: Path, files_dir: Path | None, now: str | None
) -> _Kept:
    entry = store.folder_entry(record.filename)
    place = now or (entry.path if entry is not None else None)
    if place is not None:
        return _Kept(record, root.joinpath(*PurePosixPath(place).parts), place)
    path = BlobStore(files_dir).path(record.url_path) if files_dir is not None else None
    return _Kept(record, path, None)


def _read(kept: _Kept, options: IngestOptions) -> NewFile | str:
    """The file as ingest describes it, or why it cannot be read as it was indexed."""
    if kept.path is None:
        return "its bytes are neither in the folder nor in a file store known here"
    try:
        new = describe_file(kept.path, options)
    except FileNotFoundError:
        return "it is gone"
    except OSError as exc:
        return f"it can no longer be read: {exc.strerror or exc}"
    except IngestError as exc:
        return f"it can no longer be indexed: {exc}"
    except Exception as exc:  # a reader's unforeseen error, as ingest reports it
        return f"it can no longer be read: unexpected {type(exc).__name__}: {exc}"
    if new.file.hashes["sha256"] != kept.record.hashes["sha256"]:
        return "it no longer holds the bytes indexed under its name"
    return new
