"""Safe reading of artefact archives: check every member, read only the members of interest.

Nothing is extracted to disk. Each archive is checked against ``Limits``: member count, names
(absolute or ``..`` paths), member types (only regular files and directories), declared sizes
against the compression ratio, and the integrity of what is read — as PyPI checks uploads.
A zip archive's structure is walked record by record first (``zipcheck``), so every reader
sees the same members. With ``verify`` on (the default), every member's content is checked
too, decompressed in bounded chunks and discarded: each zip member's CRC-32 and, where the
format records one, its digest (a wheel's ``RECORD``, via the format's ``MemberCheck``), and
a compressed tar stream's trailing checksum. ``ldindex ingest --no-verify-members`` skips
that for bulk loads from a trusted source; structure checks always run.
"""

from __future__ import annotations

import bz2
import lzma
import posixpath
import re
import stat
import tarfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from publisher.ingest import deflate
from publisher.ingest.errors import ArchiveError
from publisher.ingest.zipcheck import ZipLayout, check_zip
from publisher.ingest.zipcontent import Digest, verify_members

__all__ = [
    "EXTRA_MEMBERS",
    "ArchiveContents",
    "ArchiveError",
    "Limits",
    "Member",
    "MemberCheck",
    "MemberInfo",
    "read_archive",
]

MiB = 1 << 20

# What a damaged archive raises while it is read: the stdlib's own errors, and the
# decompressors' errors, which zipfile and tarfile let through unwrapped.
CORRUPT = (
    zipfile.BadZipFile,
    tarfile.TarError,
    OSError,
    EOFError,
    *deflate.ERRORS,
    lzma.LZMAError,
    NotImplementedError,
)

# Leading bytes of each tar compression, for ``tarfile.open`` mode ``r:{kind}``.
TAR_MAGIC = ((b"\x1f\x8b", "gz"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"))


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what an archive may hold before it is refused."""

    max_file_size: int = 2 << 30
    max_members: int = 100_000
    max_metadata_size: int = 16 * MiB
    max_ratio: float = 50.0
    ratio_threshold: int = 4 * MiB
    max_total_size: int = 16 << 30
    max_signature_size: int = 64 << 10
    verify: bool = True


@dataclass(frozen=True, slots=True)
class Member:
    """A member read from an archive: its name in the archive and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """A member as the archive lists it: its name, its uncompressed size, whether a directory."""

    name: str
    size: int
    is_dir: bool = False


@dataclass(frozen=True, slots=True)
class ArchiveContents:
    """What ingest reads of an archive: the core-metadata member, the shallowest member
    matching each role of ``EXTRA_MEMBERS`` (keyed by role), every member's name and size, and
    whether every member's content was verified against the checksums the archive carries."""

    metadata: Member | None
    extras: Mapping[str, Member] = field(default_factory=dict)
    members: tuple[MemberInfo, ...] = ()
    verified: bool = False


# A format's consistency check, run once the members of interest are read and before content
# is verified: it raises ``ArchiveError``, or returns the digest each member must have.
MemberCheck = Callable[[ArchiveContents], Mapping[str, Digest]]


# Where each format keeps its core metadata, as (pattern, required). Patterns match member names.
WHEEL_METADATA = re.compile(r"^[^/]+\.dist-info/METADATA$")
SDIST_METADATA = re.compile(r"^[^/]+/PKG-INFO$")
EGG_METADATA = re.compile(r"^EGG-INFO/PKG-INFO$")
WININST_METADATA = re.compile(r"^(?:PURELIB|PLATLIB)/[^/]+\.egg-info(?:/PKG-INFO)?$")

METADATA_PATTERNS = {
    "bdist_wheel": WHEEL_METADATA,
    "sdist": SDIST_METADATA,
    "bdist_egg": EGG_METADATA,
    "bdist_wininst": WININST_METADATA,
}

# Members read besides the core metadata, per format: role -> (name pattern, size cap in
# bytes). A member over its cap is refused like an oversized metadata member.
ExtraMembers = Mapping[str, tuple[re.Pattern[str], int]]

# Entry points of a wheel, and citation files: at the top of an sdist, or in a wheel's
# .dist-info/licenses/ or package root. The caps here refuse absurd members; the parsers
# (publisher.ingest.entry_points, .citation) apply the tighter limits, as warnings.
EXTRA_CAP = 1 * MiB
WHEEL_ENTRY_POINTS = re.compile(r"^[^/]+\.dist-info/entry_points\.txt$")
WHEEL_CITATION = re.compile(r"^(?:[^/]+\.dist-info/licenses/|[^/]+/)?CITATION\.cff$")
WHEEL_CODEMETA = re.compile(r"^(?:[^/]+\.dist-info/licenses/|[^/]+/)?codemeta\.json$")
SDIST_CITATION = re.compile(r"^[^/]+/CITATION\.cff$")
SDIST_CODEMETA = re.compile(r"^[^/]+/codemeta\.json$")

EXTRA_MEMBERS: dict[str, ExtraMembers] = {
    "bdist_wheel": {
        "wheel_file": (re.compile(r"^[^/]+\.dist-info/WHEEL$"), 64 << 10),
        "record": (re.compile(r"^[^/]+\.dist-info/RECORD$"), 64 * MiB),
        "entry_points": (WHEEL_ENTRY_POINTS, EXTRA_CAP),
        "citation_cff": (WHEEL_CITATION, EXTRA_CAP),
        "codemeta_json": (WHEEL_CODEMETA, EXTRA_CAP),
    },
    "sdist": {
        "citation_cff": (SDIST_CITATION, EXTRA_CAP),
        "codemeta_json": (SDIST_CODEMETA, EXTRA_CAP),
    },
    "bdist_egg": {},
    "bdist_wininst": {},
}


# Legacy formats whose archive may follow an installer stub (bdist_wininst's .exe, eggs made
# executable by a shell-script prefix); any other zip must start with its first member.
STUB_FORMATS = frozenset({"bdist_wininst", "bdist_egg"})


def read_archive(
    path: Path,
    archive: str,
    packagetype: str,
    limits: Limits,
    check: MemberCheck | None = None,
) -> ArchiveContents:
    """Check the archive at ``path`` and read its core-metadata member and extra members.

    ``check`` (zip archives only) is the format's consistency check; the digests it returns
    are verified with the members' content. Raises ``ArchiveError`` naming the reason when the
    archive is unsafe, corrupt or inconsistent, or when a wheel has no ``.dist-info/METADATA``.
    """
    pattern = METADATA_PATTERNS[packagetype]
    extras = EXTRA_MEMBERS.get(packagetype, {})
    if archive == "zip":
        return _read_zip(path, packagetype, pattern, extras, limits, check)
    if archive == "tar":
        if check is not None:
            raise ValueError("a member check needs a zip archive")
        return _read_tar(path, pattern, extras, limits)
    raise ValueError(f"unknown archive kind {archive!r}")


def _check_name(name: str) -> None:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise ArchiveError(f"member {name!r} has an absolute path")
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        raise ArchiveError(f"member {name!r} escapes the archive with '..'")


def _check_ratio(subject: str, declared: int, compressed: int, limits: Limits) -> None:
    """Refuse ``subject`` (a member, or the archive) expanding past the ratio limit."""
    if declared > limits.ratio_threshold and declared > limits.max_ratio * max(compressed, 1):
        raise ArchiveError(
            f"{subject} expands {declared / max(compressed, 1):,.0f}x "
            f"(limit {limits.max_ratio:g}x): possible decompression bomb"
        )


def _over_cap(role: str, name: str, cap: int) -> ArchiveError:
    kind = "metadata member" if role == "metadata" else f"{role.replace('_', ' ')} member"
    return ArchiveError(f"{kind} {name!r} is over the {cap:,}-byte limit")


def _read_capped(stream, role: str, name: str, cap: int) -> bytes:
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise _over_cap(role, name, cap)
    return data


def _drain_tail(stream, compressed_size: int, limits: Limits) -> None:
    """Read the compressed stream to its end, which checks its CRC and length, within the
    same ratio bound as the members (a bomb can hide after the end-of-archive blocks)."""
    try:
        while stream.read(MiB):
            _check_ratio("the archive's tail", stream.tell(), compressed_size, limits)
    except CORRUPT as exc:
        raise ArchiveError(f"compressed stream is corrupt or truncated: {exc}") from exc


def _choose(candidates: list[str], kind: str) -> str | None:
    if len(candidates) > 1 and kind == "wheel":
        directories = ", ".join(name.rpartition("/")[0] for name in candidates)
        raise ArchiveError(
            f"wheel has {len(candidates)} .dist-info directories ({directories}); "
            "installers expect exactly one"
        )
    return candidates[0] if candidates else None


def _read_zip(
    path: Path,
    packagetype: str,
    pattern: re.Pattern[str],
    extras: ExtraMembers,
    limits: Limits,
    check: MemberCheck | None,
) -> ArchiveContents:
    with path.open("rb") as source:
        layout = check_zip(source, limits.max_members, packagetype in STUB_FORMATS)
        _check_zip_members(layout, path.stat().st_size, limits)
        try:
            archive = zipfile.ZipFile(source)
        except (*CORRUPT, ValueError) as exc:
            raise ArchiveError(f"not a readable zip archive: {exc}") from exc
        with archive:
            files = [m.name for m in layout.members if not m.is_dir]
            wanted = _wanted_members(files, pattern, extras, limits)
            read: dict[str, Member] = {}
            try:
                for role, (name, cap) in wanted.items():
                    info = archive.getinfo(name)
                    if info.file_size > cap:
                        raise _over_cap(role, name, cap)
                    with archive.open(info) as stream:
                        read[role] = Member(name, _read_capped(stream, role, name, cap))
            except CORRUPT as exc:
                raise ArchiveError(f"corrupt zip archive: {exc}") from exc
            metadata = read.pop("metadata", None)
            if metadata is None and packagetype == "bdist_wheel":
                raise ArchiveError("wheel has no .dist-info/METADATA")
            members = tuple(MemberInfo(m.name, m.size, m.is_dir) for m in layout.members)
            contents = ArchiveContents(metadata, read, members)
            digests = check(contents) if check is not None else {}
            if limits.verify:
                verify_members(source, layout, digests, archive.open)
    return ArchiveContents(metadata, read, members, verified=limits.verify)


def _check_zip_members(layout: ZipLayout, file_size: int, limits: Limits) -> None:
    """Names, member types and sizes of every member, before any is read."""
    total = 0
    for member in layout.members:
        _check_name(member.name)
        if stat.S_ISLNK(member.mode):
            raise ArchiveError(f"member {member.name!r} is a symbolic link")
        if (
            stat.S_ISCHR(member.mode)
            or stat.S_ISBLK(member.mode)
            or stat.S_ISFIFO(member.mode)
            or stat.S_ISSOCK(member.mode)
        ):
            raise ArchiveError(f"member {member.name!r} is a device or special file")
        _check_ratio(f"member {member.name!r}", member.size, member.compressed_size, limits)
        total += member.size
        if total > limits.max_total_size:
            raise ArchiveError(f"members total over {limits.max_total_size:,} bytes")
    # many members each under the per-member threshold can still add up to a bomb
    _check_ratio("the archive", total, file_size, limits)


def _wanted_members(
    files: list[str], pattern: re.Pattern[str], extras: ExtraMembers, limits: Limits
) -> dict[str, tuple[str, int]]:
    """Role -> (member name, size cap) of the members to read: metadata and extras."""
    names = [name for name in files if pattern.match(name)]
    # A wheel holds one .dist-info; an sdist's PKG-INFO is the shallowest one.
    chosen = _choose(sorted(names, key=len), "wheel" if "dist-info" in pattern.pattern else "")
    wanted: dict[str, tuple[str, int]] = {}
    if chosen is not None:
        wanted["metadata"] = (chosen, limits.max_metadata_size)
    for role, (extra, cap) in extras.items():
        matches = sorted((name for name in files if extra.match(name)), key=len)
        if matches:
            wanted[role] = (matches[0], cap)
    return wanted


def _tar_compression(path: Path) -> str:
    """The compression a tar file's first bytes announce ("" for none)."""
    with path.open("rb") as stream:
        head = stream.read(8)
    return next((kind for magic, kind in TAR_MAGIC if head.startswith(magic)), "")


class _BoundedStream:
    """A decompressed stream that refuses to go past ``limit`` bytes, checked before each
    read is made, so tar headers that declare huge extended data (PAX, GNU long names)
    cannot make tarfile allocate it."""

    def __init__(self, stream: BinaryIO, limit: int, compressed_size: int) -> None:
        self._stream = stream
        self._limit = limit
        self._compressed = compressed_size

    def _check(self, end: int) -> None:
        if end > self._limit:
            raise ArchiveError(
                f"decompresses past {self._limit:,} bytes from {self._compressed:,}: "
                "possible decompression bomb"
            )

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._limit - self._stream.tell() + 1
        self._check(self._stream.tell() + size if size > MiB else self._stream.tell())
        data = self._stream.read(size)
        self._check(self._stream.tell())
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        target = offset if whence == 0 else self._stream.tell() + offset
        if whence not in (0, 1):
            raise OSError("only absolute and relative seeks")
        self._check(target)
        return self._stream.seek(target)

    def tell(self) -> int:
        return self._stream.tell()


def _decompressed(raw: BinaryIO, kind: str) -> BinaryIO:
    if kind == "gz":
        return deflate.GzipFile(fileobj=raw, mode="rb")
    if kind == "bz2":
        return bz2.BZ2File(raw)
    if kind == "xz":
        return lzma.LZMAFile(raw)
    return raw


def _read_tar(
    path: Path, pattern: re.Pattern[str], extras: ExtraMembers, limits: Limits
) -> ArchiveContents:
    compressed_size = path.stat().st_size
    compression = _tar_compression(path)
    bound = min(
        limits.max_total_size, int(limits.max_ratio * compressed_size) + limits.ratio_threshold
    )
    best: dict[str, Member] = {}
    roles = {"metadata": (pattern, limits.max_metadata_size), **extras}
    declared = 0
    members: list[MemberInfo] = []
    paths: set[str] = set()
    try:
        with (
            path.open("rb") as raw,
            _decompressed(raw, compression) as plain,
            tarfile.open(
                fileobj=_BoundedStream(plain, bound, compressed_size), mode="r:"
            ) as archive,  # type: ignore[arg-type]
        ):
            while (member := archive.next()) is not None:
                if len(members) >= limits.max_members:
                    raise ArchiveError(f"over {limits.max_members:,} members")
                _check_name(member.name)
                _check_tar_type(member)
                # "a/b", "./a/b" and "a//b" land on one path when extracted
                key = posixpath.normpath(member.name)
                if key in paths:
                    raise ArchiveError(f"member {member.name!r} appears twice")
                paths.add(key)
                declared += member.size
                _check_ratio("the archive", declared, compressed_size, limits)
                if declared > limits.max_total_size:
                    raise ArchiveError(f"members total over {limits.max_total_size:,} bytes")
                members.append(MemberInfo(member.name, member.size, member.isdir()))
                if member.isfile():
                    _keep_shallowest(archive, member, roles, best)
            if limits.verify:
                _drain_tail(archive.fileobj, compressed_size, limits)
    except ArchiveError:
        raise
    except (*CORRUPT, ValueError) as exc:
        raise ArchiveError(f"not a readable tar archive: {exc}") from exc
    metadata = best.pop("metadata", None)
    # Only a compressed stream carries a checksum of the content; a plain tar has none.
    verified = limits.verify and compression != ""
    return ArchiveContents(metadata, best, tuple(members), verified)


# What each tar member type is, for refusals: only regular files and directories may be in
# an artefact (links, devices, FIFOs, contiguous and sparse files are not).
TAR_KINDS = {
    tarfile.SYMTYPE: "symbolic link",
    tarfile.LNKTYPE: "hard link",
    tarfile.CHRTYPE: "character device",
    tarfile.BLKTYPE: "block device",
    tarfile.FIFOTYPE: "FIFO",
    tarfile.CONTTYPE: "contiguous file",
    tarfile.GNUTYPE_SPARSE: "sparse file",
}
TAR_ALLOWED = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE)


def _check_tar_type(member: tarfile.TarInfo) -> None:
    if member.type not in TAR_ALLOWED:
        kind = TAR_KINDS.get(member.type)
        what = f"a {kind}" if kind else f"of type {member.type.decode('latin-1')!r}"
        raise ArchiveError(f"member {member.name!r} is {what}, not a regular file or directory")
    if member.issparse():
        raise ArchiveError(f"member {member.name!r} is a sparse file")


def _keep_shallowest(
    archive: tarfile.TarFile,
    member: tarfile.TarInfo,
    roles: ExtraMembers,
    best: dict[str, Member],
) -> None:
    """Read ``member`` into ``best`` under each role it matches, if it is shallower (a
    shorter name) than what that role holds; only the kept bytes stay in memory."""
    for role, (pattern, cap) in roles.items():
        if not pattern.match(member.name):
            continue
        if member.size > cap:
            raise _over_cap(role, member.name, cap)
        held = best.get(role)
        if held is None or len(member.name) < len(held.name):
            stream = archive.extractfile(member)
            if stream is not None:
                best[role] = Member(member.name, _read_capped(stream, role, member.name, cap))
