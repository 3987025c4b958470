"""One reconciliation of a folder with the index: the folder is the truth.

``plan`` compares a scan with the index's folder entries and decides, without touching
anything: which new files to read, which known files changed (their stat moved), which
disappeared, which wait to be complete, and which repeat a filename another path serves.
``Reconciler.run`` carries a plan out, each change in its own transaction:

- a file that disappeared is withdrawn (``Store.remove_files``); a release or project left
  without files goes with it, and a release that keeps files but took its metadata, commands
  or citation from a withdrawn one is derived anew from the files it keeps, read again, in
  the same transaction (``publisher.folder.reread``);
- a new file is ingested where it lies (``publisher.ingest`` in directory mode, its
  modification time as upload time); one that cannot be indexed is reported with its reason
  and skipped until it changes;
- a known file whose stat moved is hashed: the same bytes (a touch, a copy in place) only
  update the entry; other bytes under a published filename are withdrawn and refused, as
  PyPI refuses filename reuse (serving the old record would announce a digest the folder no
  longer holds);
- a file moved within the folder keeps its record (same filename, same bytes).

Reports are logged on ``ldindex.folder``: changes at INFO, refusals at WARNING, each once
per state of the file.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from publisher.folder.reread import reread_kept
from publisher.folder.scan import Seen, scan
from publisher.folder.settle import Settling
from publisher.ingest import IngestOptions, ingest
from publisher.ingest.pipeline import Outcome
from publisher.store import Author, FolderEntry, Store

__all__ = ["AUTHOR", "Plan", "Reconciler", "Report", "plan"]

log = logging.getLogger("ldindex.folder")

AUTHOR = Author("folder watcher")
CHUNK = 1 << 20


@dataclass
class Plan:
    """What a reconciliation will do. Paths are relative to the folder."""

    ingest: list[str] = field(default_factory=list)
    check: list[tuple[str, FolderEntry]] = field(default_factory=list)
    gone: list[FolderEntry] = field(default_factory=list)
    # gone from their path while a file of the same name elsewhere is read or awaited
    held: list[FolderEntry] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, path serving it)
    waiting: list[str] = field(default_factory=list)
    unchanged: int = 0


def plan(
    files: Mapping[str, Seen],
    entries: Iterable[FolderEntry],
    settled: Callable[[str, Seen], bool],
    refused: Mapping[str, Seen],
) -> Plan:
    """Decide what to do; ``refused`` holds paths already refused in the state they are in."""
    entries = list(entries)
    by_path = {e.path: e for e in entries}
    claimed = {e.filename: e.path for e in entries if e.path in files}
    result = Plan()
    for path, seen in sorted(files.items()):
        entry = by_path.get(path)
        if entry is not None:
            if seen.stamp == (entry.size, entry.mtime_ns):
                result.unchanged += 1
            elif settled(path, seen):
                result.check.append((path, entry))
            else:
                result.waiting.append(path)
            continue
        if refused.get(path) == seen:
            continue
        name = posixpath.basename(path)
        if name in claimed:
            result.duplicates.append((path, claimed[name]))
            continue
        claimed[name] = path
        if settled(path, seen):
            result.ingest.append(path)
        else:
            result.waiting.append(path)
    for entry in entries:
        if entry.path in files:
            continue
        if claimed.get(entry.filename, entry.path) != entry.path:
            result.held.append(entry)
        else:
            result.gone.append(entry)
    return result


@dataclass
class Report:
    """What one reconciliation did (paths relative to the folder; filenames withdrawn)."""

    added: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    unchanged: int = 0
    next_check: float | None = None  # seconds until a waiting file may be complete

    @property
    def changed(self) -> bool:
        return bool(self.added or self.moved or self.removed)

    def then(self, later: Report) -> Report:
        """This report followed by a later one: changes of both, the later one's state."""
        return Report(
            self.added + later.added,
            self.moved + later.moved,
            self.removed + later.removed,
            self.refused + later.refused,
            later.waiting,
            later.unchanged,
            later.next_check,
        )

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.removed)} removed"]
        if self.moved:
            parts.append(f"{len(self.moved)} moved")
        parts.append(f"{len(self.refused)} refused")
        if self.waiting:
            parts.append(f"{len(self.waiting)} still being written")
        return ", ".join(parts)


class Reconciler:
    """Brings the index in step with one folder; keeps what it learnt between runs (files
    refused in their current state, files waiting to be complete). Not thread-safe: one
    reconciler per index, run by one thread at a time (see ``publisher.folder.lock``)."""

    def __init__(
        self,
        store: Store,
        root: Path,
        *,
        quiet: float = 1.0,
        exclude: Iterable[Path] = (),
        options: IngestOptions | None = None,
        settling: Settling | None = None,
        files_dir: Path | None = None,
    ) -> None:
        """``files_dir`` is the index's file store, where files not in the folder are read
        from when a withdrawal leaves their release to derive again."""
        self.store = store
        self.root = Path(root).absolute()
        self.exclude = tuple(exclude)
        self.files_dir = files_dir
        self.options = replace(
            options or IngestOptions(), folder=self.root, upload_time="mtime", dry_run=False
        )
        self.settling = settling or Settling(quiet)
        self._refused: dict[str, Seen] = {}
        self._said: dict[str, tuple[Seen, str]] = {}
        self._problems: set[tuple[str, str]] = set()
        self._postponed: set[str] = set()  # withdrawals waiting, as said in this run
        self._postponed_before: set[str] = set()  # and in the one before
        self._moving: dict[str, str] = {}  # filename -> a new path of it in this run

    def run(self) -> Report:
        """Reconcile once. Raises ``FolderError`` when the folder cannot be read: the index
        is then left as it is (an unreadable folder is not an empty one)."""
        self._postponed_before, self._postponed = self._postponed, set()
        found = scan(self.root, self.exclude)
        for path, reason in sorted(set(found.problems) - self._problems):
            log.warning("%s: skipped (%s)", path, reason)
        self._problems = set(found.problems)
        files = found.files
        todo = plan(files, self.store.folder_entries(), self.settling.settled, self._refused)
        report = Report(waiting=todo.waiting, unchanged=todo.unchanged)
        for path, serving in todo.duplicates:
            self._say_once(
                path,
                files[path],
                logging.WARNING,
                f"{path}: skipped: {serving} already publishes a file of that name",
            )
        # files about to be recorded at a new place, where a withdrawal reads them if need be
        self._moving = {posixpath.basename(p): p for p in todo.ingest}
        self._withdraw(todo.gone, "no longer in the folder", report)
        for path, entry in todo.check:
            self._check(path, entry, files[path], report)
        failed = self._ingest(todo.ingest, files, report)
        names = {posixpath.basename(p) for p in failed}
        self._withdraw(
            [e for e in todo.held if e.filename in names],
            "no longer in the folder (a file of that name elsewhere in it holds other bytes)",
            report,
        )
        self._forget(files)
        report.next_check = self.settling.next_check()
        return report

    # -- the three kinds of change -----------------------------------------------------------

    def _withdraw(self, entries: list[FolderEntry], reason: str, report: Report) -> None:
        if not entries:
            return
        places = {e.filename: e.path for e in entries}
        kept = reread_kept(
            self.store, places, self.root, self.files_dir, self.options, self._moving
        )
        for filename, why in sorted(kept.waiting.items()):
            message = f"{places.pop(filename)}: withdrawal postponed: {why}"
            self._postponed.add(message)
            if message not in self._postponed_before:
                log.warning("%s", message)
        for filename, lost in sorted(kept.lost.items()):
            places[filename] = lost.place
            log.warning(
                "%s: withdrawn with %s: %s", lost.place, ", ".join(lost.going_with), lost.why
            )
        if not places:
            return
        removed = self.store.remove_files(sorted(places), AUTHOR, reason, kept.files)
        for record in removed:
            report.removed.append(record.filename)
            where = places[record.filename]
            log.info("removed %s (%s %s): %s", where, record.project, record.version, reason)
        for project, version in sorted({(r.project, r.version) for r in removed}):
            if self.store.get_release(project, version) is None:
                gone = self.store.get_project(project) is None
                also = f"; {project} is gone from the index" if gone else ""
                log.info("%s %s has no files left%s", project, version, also)

    def _check(self, path: str, entry: FolderEntry, seen: Seen, report: Report) -> None:
        """A known file whose size or mtime moved: the same bytes, or a reuse of its name."""
        if seen.size == entry.size:
            digest = self._digest(path, seen)
            if digest is None:  # written to while being read: look again next time
                return
            if digest == self.store.file_sha256(entry.filename):
                self.store.record_folder_entry(FolderEntry(entry.filename, path, *seen.stamp))
                log.debug("%s: touched, same bytes", path)
                return
        reason = f"its bytes changed in the folder ({path}); a filename names one set of bytes"
        self._withdraw([entry], reason, report)
        self._refused[path] = seen
        report.refused.append(path)
        self._say_once(
            path,
            seen,
            logging.WARNING,
            f"{path}: refused: its bytes changed, and a published filename cannot name other "
            "bytes (as on PyPI); withdrawn from the index. Publish the new build under a new "
            "version or build tag; putting the original bytes back publishes it again",
        )

    def _ingest(self, paths: list[str], files: Mapping[str, Seen], report: Report) -> list[str]:
        """Read new files where they lie; return the paths that failed."""
        failed: list[str] = []
        if not paths:
            return failed

        def done(outcome: Outcome) -> None:
            path = outcome.path.relative_to(self.root).as_posix()
            if outcome.status == "failed":
                failed.append(path)
                self._refused[path] = files[path]
                report.refused.append(path)
                reason = outcome.message.removeprefix(f"{outcome.path}: ")
                self._say_once(path, files[path], logging.WARNING, f"{path}: skipped: {reason}")
            elif outcome.status == "added":
                report.added.append(path)
                record = self.store.get_file(outcome.path.name)
                what = f" ({record.project} {record.version})" if record else ""
                log.info("added %s%s", path, what)
            else:  # already indexed with these bytes: moved, or until now in the file store
                report.moved.append(path)
                log.info("%s: already indexed; served from here now", path)
            for warning in outcome.warnings:
                log.debug("%s", warning)

        ingest([self.root / p for p in paths], self.store, None, self.options, on_done=done)
        return failed

    # -- helpers ---------------------------------------------------------------------------

    def _digest(self, path: str, seen: Seen) -> str | None:
        """The sha256 of a file, or None if it changed or vanished while being read."""
        full = self.root / path
        digest = hashlib.sha256()
        try:
            with full.open("rb") as stream:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
            after = full.stat()
        except OSError:
            return None
        return digest.hexdigest() if (after.st_size, after.st_mtime_ns) == seen.stamp else None

    def _say_once(self, path: str, seen: Seen, level: int, message: str) -> None:
        """Log ``message`` unless it was said of ``path`` in this same state."""
        if self._said.get(path) == (seen, message):
            return
        self._said[path] = (seen, message)
        log.log(level, "%s", message)

    def _forget(self, files: Mapping[str, Seen]) -> None:
        """Drop what is remembered of paths that are gone or changed since."""
        for path in [p for p, seen in self._refused.items() if files.get(p) != seen]:
            del self._refused[path]
        for path in [p for p, (seen, _) in self._said.items() if p not in files]:
            del self._said[path]
        self.settling.forget(set(files))
