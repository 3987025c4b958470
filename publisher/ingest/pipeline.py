"""Ingest a batch of artefacts: find them, read each once, check it, and index it.

Files are read on a small thread pool (digests and decompression release the GIL) and
written to the store by the calling thread, one transaction per file, in the order they were
given. A file that fails is reported with its reason and the batch goes on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Generic, TypeVar

from crosswalk.names import normalise_version
from crosswalk.records import Citation, DistributionFile
from publisher.blobs import BlobStore
from publisher.ingest.archives import ArchiveContents, ArchiveError, Limits, read_archive
from publisher.ingest.citation import parse_citation
from publisher.ingest.digests import FileTooLarge, digest_stream
from publisher.ingest.entry_points import parse_entry_points
from publisher.ingest.facts import legacy_platform_facts, platform_facts, python_facts
from publisher.ingest.filenames import (
    ArtefactName,
    UnrecognisedFilename,
    is_artefact,
    parse_artefact_filename,
)
from publisher.ingest.metadata import (
    MetadataError,
    check_identity,
    check_publishable,
    parse_core_metadata,
)
from publisher.ingest.wheelcheck import check_wheel
from publisher.store import FolderEntry, NewFile, Store

__all__ = ["IngestError", "IngestOptions", "Outcome", "describe_file", "find_artefacts", "ingest"]

log = logging.getLogger(__name__)

# A release's metadata comes from its best file: wheels carry the newest, most complete
# metadata; sdists may mark fields Dynamic; legacy formats are last.
METADATA_RANK = {"bdist_wheel": 3, "sdist": 2, "bdist_egg": 1}

# Formats whose archives hold core metadata ldindex reads.
METADATA_FORMATS = ("bdist_wheel", "sdist", "bdist_egg", "bdist_wininst")

T = TypeVar("T")

PGP_ARMOUR = "-----BEGIN PGP SIGNATURE-----"


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """Per-batch settings: archive limits and the facts the filename cannot tell.

    ``upload_time`` says when a file was uploaded: ``"ingest"`` (now), ``"mtime"`` (the
    file's modification time, for a directory of artefacts kept as they were downloaded), or
    a callable giving the time for a path (an import from another index that knows it) or
    None to fall back to now.

    ``dry_run`` reads and checks every file as for real but stores nothing: a file that
    would be added comes out ``checked``. ``folder`` is directory mode: the files lie below
    that folder and their bytes stay there (no copy to the file store); each file's place in
    it is recorded.
    """

    limits: Limits = field(default_factory=Limits)
    variant: str | None = None
    comment: str | None = None
    workers: int = 2
    upload_time: str | Callable[[Path], datetime | None] = "ingest"
    dry_run: bool = False
    folder: Path | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one file: ``added``, ``skipped`` (already indexed), ``failed``, or
    ``checked`` (would be added; dry runs only)."""

    path: Path
    status: str
    size: int = 0
    message: str = ""
    warnings: tuple[str, ...] = ()


class IngestError(ValueError):
    """This file cannot be indexed; the message says why."""


def find_artefacts(paths: Iterable[Path]) -> Iterator[Path]:
    """The artefact files named or found below the given paths, each directory sorted."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in sorted(files):
                    if is_artefact(name):
                        yield Path(root) / name
        else:
            yield path


def ingest(
    paths: Iterable[Path],
    store: Store,
    blobs: BlobStore | None,
    options: IngestOptions | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Ingest every artefact below ``paths``; return one outcome per file, in order.

    ``blobs`` receives a copy of each new file's bytes; it is None only in directory mode
    (``options.folder``), where the bytes stay in the folder."""
    options = options or IngestOptions()
    if (blobs is None) != (options.folder is not None):
        raise ValueError("bytes go to a file store, or stay in a folder (directory mode)")
    if blobs is not None:
        blobs.sweep_temp()
    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(
        max_workers=max(1, options.workers), thread_name_prefix="ingest"
    ) as pool:
        pending: list[tuple[Path, Future[Prepared]]] = []

        def settle(path: Path, future: Future[Prepared]) -> None:
            outcome = _settle(path, future, store, blobs, options)
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)

        for path in find_artefacts(paths):
            known = store.file_sha256(path.name)
            pending.append((path, pool.submit(_prepare, path, blobs, options, known)))
            # Keep a bounded window in flight so memory stays flat on huge batches.
            while len(pending) > 2 * options.workers:
                settle(*pending.pop(0))
        for item in pending:
            settle(*item)
    return outcomes


def describe_file(path: Path, options: IngestOptions | None = None) -> NewFile:
    """Read, hash and check one file and describe it exactly as ``ingest`` does, storing
    nothing and copying no bytes: what a file already indexed says, read again where it
    lies (when a withdrawal leaves its release to derive again from the files it keeps).
    Raises ``IngestError`` for a file that cannot be indexed, ``OSError`` for one that
    cannot be read."""
    prepared = _prepare(path, None, options or IngestOptions(), None)
    assert prepared.new is not None  # read in full: nothing was known of it
    return prepared.new


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file read and checked, its bytes in a temporary blob, ready to be indexed."""

    new: NewFile | None
    temp: Path | None
    sha256: str
    size: int
    warnings: tuple[str, ...]
    mtime_ns: int = 0


def _settle(
    path: Path,
    future: Future[Prepared],
    store: Store,
    blobs: BlobStore | None,
    options: IngestOptions,
) -> Outcome:
    try:
        prepared = future.result()
    except (IngestError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return _failed(path, reason)
    except Exception as exc:  # a reader's unforeseen error fails this file, not the batch
        log.debug("%s: unexpected error", path, exc_info=True)
        return _failed(path, f"unexpected {type(exc).__name__}: {exc}")
    if options.folder is not None:
        return _settle_in_folder(path, prepared, store, options)
    assert blobs is not None
    if prepared.new is None:  # already indexed with these bytes
        return Outcome(path, "skipped", prepared.size, warnings=prepared.warnings)
    assert prepared.temp is not None
    if options.dry_run:
        blobs.discard(prepared.temp)
        return Outcome(path, "checked", prepared.size, warnings=prepared.warnings)
    record = prepared.new.file
    try:
        # Bytes reach their final place before the row that names them is committed, so a
        # crash between the two leaves an unreferenced file, never a row without its file.
        blobs.commit(prepared.temp, record.url_path)
        added = store.add_file(prepared.new)
    except Exception as exc:  # FilenameReuse, StoreError, OSError, or the driver's own errors
        blobs.discard(prepared.temp)
        if store.file_sha256(record.filename) != prepared.sha256:
            blobs.discard(blobs.path(record.url_path))
        return _failed(path, str(exc).removeprefix(f"{record.filename}: "))
    status = "added" if added else "skipped"
    return Outcome(path, status, prepared.size, warnings=prepared.warnings)


def _settle_in_folder(
    path: Path, prepared: Prepared, store: Store, options: IngestOptions
) -> Outcome:
    """Directory mode: index the file where it lies, recording its place and the stat it
    was read at, in the same transaction; a file already indexed with these bytes (found
    in the file store, or moved within the folder) is served from its new place."""
    assert options.folder is not None
    entry = FolderEntry(
        filename=path.name,
        path=path.relative_to(options.folder).as_posix(),
        size=prepared.size,
        mtime_ns=prepared.mtime_ns,
    )
    if options.dry_run:
        status = "checked" if prepared.new is not None else "skipped"
        return Outcome(path, status, prepared.size, warnings=prepared.warnings)
    try:
        added = prepared.new is not None and store.add_file(replace(prepared.new, folder=entry))
        if not added:
            store.record_folder_entry(entry)
    except Exception as exc:  # FilenameReuse, StoreError, or the driver's own errors
        return _failed(path, str(exc).removeprefix(f"{path.name}: "))
    status = "added" if added else "skipped"
    return Outcome(path, status, prepared.size, warnings=prepared.warnings)


def _failed(path: Path, reason: str) -> Outcome:
    """A failure as one line naming the file: messages from parsers may span lines."""
    one_line = re.sub(r"\s*[\r\n]+\s*", "; ", reason.strip())
    return Outcome(path, "failed", message=f"{path}: {one_line}")


def _prepare(
    path: Path, blobs: BlobStore | None, options: IngestOptions, known: str | None
) -> Prepared:
    """Read, hash, check and describe one file. Runs on a worker thread; touches no store."""
    try:
        artefact = parse_artefact_filename(path.name)
        # its name and version become URL segments and export paths: refuse unsafe ones early
        check_publishable(artefact.name, normalise_version(artefact.version))
    except UnrecognisedFilename as exc:
        raise IngestError(str(exc).removeprefix(f"{path.name}: ")) from exc
    except MetadataError as exc:
        raise IngestError(str(exc)) from exc
    limits = options.limits
    if path.exists() and not path.is_file():
        raise IngestError("not a regular file")
    if (size := path.stat().st_size) > limits.max_file_size:
        raise IngestError(f"{size:,} bytes is over the {limits.max_file_size:,}-byte limit")

    temp_file = blobs.open_temp() if known is None and blobs is not None else None
    temp = Path(temp_file.name) if temp_file else None
    before = path.stat()
    # The archive check (every member decompressed) runs beside the digest pass, each on its
    # own thread, so a file costs the longer of the two rather than their sum.
    check = _Background(_read_archive, path, artefact, limits) if known is None else None
    try:
        try:
            with path.open("rb") as source:
                hashes, size = digest_stream(source, temp_file, limits.max_file_size)
        finally:
            if temp_file:
                temp_file.close()
            contents = check.result() if check else None
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
            size != after.st_size
        ):
            raise IngestError("the file changed while it was being read")
        if known is not None:
            if known != hashes["sha256"]:
                raise IngestError(
                    f"the filename is already indexed with different contents (sha256 {known}); "
                    "a filename can be used only once"
                )
            return Prepared(None, None, known, size, (), after.st_mtime_ns)
        assert temp is not None or blobs is None
        new, warnings = _describe(path, contents, artefact, hashes, size, options)
        return Prepared(new, temp, hashes["sha256"], size, warnings, after.st_mtime_ns)
    except FileTooLarge as exc:
        _discard(blobs, temp)
        raise IngestError(str(exc)) from exc
    except (ArchiveError, MetadataError) as exc:
        _discard(blobs, temp)
        raise IngestError(str(exc)) from exc
    except BaseException:
        _discard(blobs, temp)
        raise


def _read_archive(path: Path, artefact: ArtefactName, limits: Limits) -> ArchiveContents | None:
    """Check the archive and read its members of interest (None for formats without any)."""
    if artefact.archive is None or artefact.packagetype not in METADATA_FORMATS:
        return None
    wheel = artefact.packagetype == "bdist_wheel"
    check = partial(check_wheel, artefact) if wheel else None
    return read_archive(path, artefact.archive, artefact.packagetype, limits, check)


class _Background(Generic[T]):
    """A call running on its own thread; ``result()`` joins it and returns or re-raises."""

    def __init__(self, func: Callable[..., T], *args: object) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(func, *args), daemon=True)
        self._thread.start()

    def _run(self, func: Callable[..., T], *args: object) -> None:
        try:
            self._value = func(*args)
        except BaseException as exc:
            self._error = exc

    def result(self) -> T | None:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _discard(blobs: BlobStore | None, temp: Path | None) -> None:
    if temp is not None and blobs is not None:
        blobs.discard(temp)


def _describe(
    path: Path,
    contents: ArchiveContents | None,
    artefact: ArtefactName,
    hashes: dict[str, str],
    size: int,
    options: IngestOptions,
) -> tuple[NewFile, tuple[str, ...]]:
    """Build the record of a checked, hashed file and what its archive holds, if anything."""
    warnings: list[str] = []
    member = contents.metadata if contents else None
    metadata_bytes = member.data if member else None
    if member is not None:
        parsed = parse_core_metadata(member.data, f"{path.name}:{member.name}")
        check_identity(parsed, artefact.name, artefact.version, path.name)
        warnings.extend(parsed.warnings)
        fields = parsed.fields
        display_name = parsed.name
        version = normalise_version(parsed.version)
    else:
        if artefact.archive is not None:
            warnings.append(f"{path.name}: no PKG-INFO found; recorded from the filename alone")
        fields = {"name": artefact.name, "version": artefact.version}
        display_name = artefact.name
        version = normalise_version(artefact.version)
    entry_points, citation = _extras(path.name, contents, warnings)

    if artefact.tags:
        python = python_facts(artefact.tags)
        platforms = platform_facts(artefact.tags)
    else:
        python = ()
        platforms = legacy_platform_facts(artefact.platform)
    signature, sig_warning = _signature(path, options.limits.max_signature_size)
    if sig_warning:
        warnings.append(sig_warning)

    record = DistributionFile(
        filename=path.name,
        project=artefact.name,
        version=version,
        packagetype=artefact.packagetype,
        size=size,
        hashes=hashes,
        upload_time=_upload_time(path, options),
        url_path=BlobStore.url_path(hashes["sha256"], path.name),
        requires_python=fields.get("requires_python"),
        tags=tuple(str(t) for t in artefact.tags),
        python=python,
        platforms=platforms,
        build_tag=artefact.build_tag,
        variant=options.variant or artefact.build_tag,
        comment=options.comment,
        signature=signature,
        metadata_version=fields.get("metadata_version") if member else None,
        metadata_sha256=hashlib.sha256(metadata_bytes).hexdigest() if metadata_bytes else None,
        verified=contents.verified if contents else False,
    )
    new = NewFile(
        file=record,
        display_name=display_name,
        metadata=fields,
        metadata_bytes=metadata_bytes,
        metadata_rank=METADATA_RANK.get(artefact.packagetype, 0) if member else -1,
        entry_points=entry_points,
        citation=citation,
    )
    for warning in warnings:  # also in the outcome, for callers to report or summarise
        log.debug("%s", warning)
    return new, tuple(warnings)


def _upload_time(path: Path, options: IngestOptions) -> datetime:
    chosen = options.upload_time
    if callable(chosen):
        return chosen(path) or datetime.now(UTC)
    if chosen == "mtime":
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return datetime.now(UTC)


def _extras(
    filename: str, contents: ArchiveContents | None, warnings: list[str]
) -> tuple[dict[str, dict[str, str]] | None, Citation | None]:
    """The entry points and citation file an archive carries, each read apart: a bad one
    is a warning, never a reason to refuse the artefact."""
    extras = contents.extras if contents else {}
    entry_points = None
    if (member := extras.get("entry_points")) is not None:
        parsed = parse_entry_points(member.data, f"{filename}:{member.name}")
        warnings.extend(parsed.warnings)
        entry_points = parsed.entry_points or None
    citation = None
    for role, fmt in (("citation_cff", "cff"), ("codemeta_json", "codemeta")):
        if (member := extras.get(role)) is not None:
            result = parse_citation(member.data, fmt, filename, member.name)
            warnings.extend(result.warnings)
            citation = citation or result.citation
    return entry_points, citation


def _signature(path: Path, max_size: int) -> tuple[str | None, str | None]:
    """The ASCII-armoured PGP signature beside the file (``FILE.asc``), if there is one."""
    asc = path.with_name(path.name + ".asc")
    if not asc.is_file():
        return None, None
    if asc.stat().st_size > max_size:
        return None, f"{asc.name}: over {max_size:,} bytes, not a detached signature; ignored"
    text = asc.read_bytes().decode("ascii", errors="replace")
    if not text.lstrip().startswith(PGP_ARMOUR):
        return None, f"{asc.name}: not an ASCII-armoured PGP signature; ignored"
    return text, None
