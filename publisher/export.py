"""Static export: the read-only site as plain files that nginx, a CDN or ``http.server`` serves.

Layout (see DESIGN.md): ``simple/index.html`` + ``index.json``, ``simple/{name}/index.html`` +
``index.json``, ``files/{url_path}`` with ``{url_path}.metadata`` beside each wheel and
``{url_path}.asc`` beside each signed file, and a
``.gz`` (gzip -9, mtime 0, so builds are reproducible) beside every text file.

Pages come from *producers*: a project producer turns one project into ``(relative path,
bytes)`` pairs, a site producer turns the list of all projects into site-wide pages (indexes,
sitemaps). New page kinds are added by appending to ``PROJECT_PAGES`` / ``SITE_PAGES``.

The site is built in a directory beside ``out_dir`` and swapped in at the end (atomically on
Linux), so a web server never serves a half-built export. An existing ``out_dir`` is replaced
only if an earlier export left its marker file there.
"""

from __future__ import annotations

import ctypes
import gzip
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

import orjson

from crosswalk.records import DistributionFile, Project
from publisher.file_sources import FileNotFound, FileSource, Located
from publisher.render.listing import write_listing_html, write_listing_json
from publisher.render.pages import PageRenderer
from publisher.render.simple import index_html, index_json, project_html, project_json
from publisher.render.site import STATIC_FILES, SiteRenderer
from publisher.store import Store

__all__ = [
    "MARKER",
    "PROJECT_PAGES",
    "SITE_PAGES",
    "ExportContext",
    "ExportError",
    "ExportReport",
    "Page",
    "ProjectEntry",
    "build_site",
    "catalogue_pages",
    "linked_data_pages",
    "simple_index_pages",
    "simple_project_pages",
    "site_pages",
]

MARKER = ".ldindex-export"
# From a project's simple page (``simple/{name}/``) to the artefacts.
SIMPLE_FILES_URL = "../../files"
COMPRESSED_SUFFIXES = frozenset(
    {
        ".html",
        ".json",
        ".xml",
        ".txt",
        ".metadata",
        ".jsonld",
        ".ttl",
        ".css",
        ".js",
        ".bib",
        ".cff",
    }
)

Page = tuple[str, bytes]


class ExportError(RuntimeError):
    """The export cannot be built; the message says why. Nothing was replaced."""


@dataclass(frozen=True, slots=True)
class ExportContext:
    """What producers may use: the store (read only) and the deployment's base URL."""

    store: Store
    base_url: str


@dataclass(frozen=True, slots=True)
class ProjectEntry:
    """A project as site-wide producers see it, without its metadata and files."""

    name: str
    display_name: str
    summary: str | None
    releases: tuple[tuple[str, datetime | None], ...]


ProjectPages = Callable[[ExportContext, Project], Iterable[Page]]
SitePages = Callable[[ExportContext, Sequence[ProjectEntry]], Iterable[Page]]


def simple_project_pages(ctx: ExportContext, project: Project) -> Iterable[Page]:
    """A project's PEP 503 page and PEP 691 document."""
    yield f"simple/{project.name}/index.html", project_html(project, SIMPLE_FILES_URL)
    yield f"simple/{project.name}/index.json", project_json(project, SIMPLE_FILES_URL)


def simple_index_pages(ctx: ExportContext, projects: Sequence[ProjectEntry]) -> Iterable[Page]:
    """The root of the simple API, in both formats."""
    pairs = [(p.name, p.display_name) for p in projects]
    yield "simple/index.html", index_html(pairs)
    yield "simple/index.json", index_json(pairs)


def linked_data_pages(ctx: ExportContext, project: Project) -> Iterable[Page]:
    """The project page and, per release, its page, codemeta.json and data forms, so a web
    server can negotiate them by Accept as ``ldindex serve`` does."""
    pages = PageRenderer(ctx.store, ctx.base_url)
    base = f"project/{project.name}"
    yield f"{base}/index.html", _required(pages.project_html(project.name))
    yield f"{base}/index.jsonld", _required(pages.project_data(project.name, "jsonld"))
    for release in project.releases:
        here = f"{base}/{release.version}"
        yield f"{here}/index.html", _required(pages.release_html(project.name, release.version))
        codemeta = _required(pages.release_data(project.name, release.version, "codemeta"))
        yield f"{here}/codemeta.json", codemeta
        yield f"{here}/index.jsonld", codemeta
        yield (
            f"{here}/index.ttl",
            _required(pages.release_data(project.name, release.version, "turtle")),
        )
        for document, kind in (("citation.bib", "bibtex"), ("CITATION.cff", "cff")):
            body = pages.release_citation(project.name, release.version, kind)
            if body is not None:
                yield f"{here}/{document}", body


def site_pages(ctx: ExportContext, projects: Sequence[ProjectEntry]) -> Iterable[Page]:
    """The landing page, the sitemap (an index over numbered files when large) and
    robots.txt."""
    site = SiteRenderer(ctx.store, ctx.base_url)
    yield "index.html", site.landing()
    yield "sitemap.xml", site.sitemap()
    for number in range(1, site.sitemap_files() + 1):
        yield f"sitemap-{number}.xml", _required(site.sitemap_file(number))
    yield "robots.txt", site.robots()
    for name in STATIC_FILES:
        yield f"_/static/{name}", site.static(name)


def catalogue_pages(ctx: ExportContext, projects: Sequence[ProjectEntry]) -> Iterable[Page]:
    """The full listing for client-side search (``_/search/all.html`` and ``.json``) and the
    catalogue snapshot (``_/dump/catalogue.sqlite``), as ``ldindex serve`` publishes them."""
    with tempfile.TemporaryDirectory(prefix="ldindex-export-") as scratch:
        built = Path(scratch) / "document"
        for relative, write in (
            ("_/search/all.html", write_listing_html),
            ("_/search/all.json", write_listing_json),
        ):
            write(ctx.store, ctx.base_url, built)
            yield relative, built.read_bytes()
        ctx.store.snapshot_catalogue(built)
        yield "_/dump/catalogue.sqlite", built.read_bytes()


def _required(body: bytes | None) -> bytes:
    if body is None:  # the project changed while the export was being written
        raise ExportError("a project or release disappeared during the export; run it again")
    return body


PROJECT_PAGES: list[ProjectPages] = [simple_project_pages, linked_data_pages]
SITE_PAGES: list[SitePages] = [simple_index_pages, site_pages, catalogue_pages]


@dataclass(slots=True)
class ExportReport:
    """What a build wrote."""

    out_dir: Path
    projects: int = 0
    pages: int = 0
    files_linked: int = 0
    files_copied: int = 0
    metadata_files: int = 0
    compressed: int = 0
    bytes_written: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return self.files_linked + self.files_copied


def build_site(
    store: Store,
    files: FileSource,
    out_dir: Path,
    base_url: str,
    *,
    project_pages: Sequence[ProjectPages] | None = None,
    site_pages: Sequence[SitePages] | None = None,
    on_project: Callable[[str], None] | None = None,
) -> ExportReport:
    """Write the whole static site to ``out_dir``, replacing an earlier export there.

    Artefacts come from ``files`` (the file store, or a served folder: see
    ``publisher.file_sources``). ``on_project`` is called with each project's name once it
    is written (for progress bars). Raises ``ExportError`` if an artefact's bytes are missing
    or ``out_dir`` holds something other than an earlier export; ``out_dir`` is then left as
    it was.
    """
    out_dir = Path(out_dir).absolute()
    _check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.building-"))
    report = ExportReport(out_dir)
    try:
        _write_site(
            store,
            files,
            _Writer(build, report),
            ExportContext(store, base_url.rstrip("/")),
            PROJECT_PAGES if project_pages is None else project_pages,
            SITE_PAGES if site_pages is None else site_pages,
            on_project,
        )
        marker = orjson.dumps({"generator": "ldindex", "base_url": base_url})
        (build / MARKER).write_bytes(marker)
        build.chmod(0o755)
        _swap_into_place(build, out_dir)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return report


def _write_site(
    store: Store,
    files: FileSource,
    out: _Writer,
    ctx: ExportContext,
    project_pages: Sequence[ProjectPages],
    site_pages: Sequence[SitePages],
    on_project: Callable[[str], None] | None,
) -> None:
    entries: list[ProjectEntry] = []
    for project in store.iter_projects():
        for producer in project_pages:
            for path, data in producer(ctx, project):
                out.page(path, data)
        for release in project.releases:
            for f in release.files:
                out.artefact(_locate(files, f), f"files/{f.url_path}")
                if f.signature is not None:
                    out.page(f"files/{f.url_path}.asc", f.signature.encode())
                if f.packagetype == "bdist_wheel" and f.metadata_sha256:
                    metadata = store.metadata_bytes(f.filename)
                    if metadata is None:
                        out.report.warnings.append(f"{f.filename}: metadata bytes missing")
                        continue
                    out.page(f"files/{f.url_path}.metadata", metadata)
                    out.report.metadata_files += 1
        entries.append(
            ProjectEntry(
                name=project.name,
                display_name=project.display_name,
                summary=project.summary,
                releases=tuple((r.version, r.created) for r in project.releases),
            )
        )
        out.report.projects += 1
        if on_project:
            on_project(project.name)
    for site_producer in site_pages:
        for path, data in site_producer(ctx, entries):
            out.page(path, data)


def _locate(files: FileSource, record: DistributionFile) -> Located:
    try:
        found = files.locate(record)
    except FileNotFound as exc:
        raise ExportError(str(exc)) from None
    if found is None:
        raise ExportError(f"{record.filename}: artefact bytes missing from the file store")
    return found


class _Writer:
    """Writes pages (with their ``.gz``) and artefacts below the build directory."""

    def __init__(self, root: Path, report: ExportReport) -> None:
        self.root = root
        self.report = report

    def _target(self, relative: str) -> Path:
        parts = PurePosixPath(relative).parts
        if not parts or relative.startswith("/") or any(p in ("..", ".", "") for p in parts):
            raise ExportError(f"{relative!r}: not a relative path inside the export")
        target = self.root.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def page(self, relative: str, data: bytes) -> None:
        target = self._target(relative)
        target.write_bytes(data)
        self.report.pages += not relative.endswith(".metadata")
        self.report.bytes_written += len(data)
        if target.suffix in COMPRESSED_SUFFIXES:
            packed = gzip.compress(data, compresslevel=9, mtime=0)
            target.with_name(target.name + ".gz").write_bytes(packed)
            self.report.compressed += 1
            self.report.bytes_written += len(packed)

    def artefact(self, located: Located, relative: str) -> None:
        target = self._target(relative)
        source = located.path
        try:
            mode = source.stat().st_mode
        except FileNotFoundError:
            raise ExportError(f"{source}: artefact bytes missing from the blob store") from None
        # A hard link shares the blob's permissions: link only what others may read, and
        # only bytes nobody rewrites in place (not a served folder's).
        if located.immutable and mode & stat.S_IROTH:
            try:
                os.link(source, target)
                self.report.files_linked += 1
                return
            except OSError:
                pass  # another filesystem, or links not allowed: copy
        shutil.copyfile(source, target)
        self.report.files_copied += 1
        self.report.bytes_written += target.stat().st_size


def _check_replaceable(out_dir: Path) -> None:
    if not out_dir.exists() and not out_dir.is_symlink():
        return
    if not out_dir.is_dir() or out_dir.is_symlink():
        raise ExportError(f"{out_dir}: exists and is not a directory")
    if any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise ExportError(
            f"{out_dir}: not empty and not an earlier ldindex export ({MARKER} missing); "
            "refusing to replace it"
        )


def _swap_into_place(build: Path, out_dir: Path) -> None:
    """Make ``build`` appear at ``out_dir`` and remove what was there."""
    if not out_dir.exists():
        os.rename(build, out_dir)
        return
    if _exchange(build, out_dir):
        shutil.rmtree(build)  # now holds the previous export
        return
    old = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.old-"))
    os.rename(out_dir, old / "site")
    os.rename(build, out_dir)
    shutil.rmtree(old)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2(RENAME_EXCHANGE)``)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    path, fd = ctypes.c_char_p, ctypes.c_int
    renameat2.argtypes = [fd, path, fd, path, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0
