"""ZIP structure walked record by record, so every reader sees the same archive.

A zip archive lists its members twice: a local header before each member's data, and the
central directory at the end. ``zipfile`` (and so pip) reads the central directory; streaming
readers walk the local headers. When the two disagree — a member only one of them lists, a name
given twice, different sizes, data before, between or after the records — installers install
different files from the same wheel. PyPI refuses such uploads since 2025 by walking every
record of the archive, and so does this module, from the headers alone (no member data is
read or decompressed).

It refuses: a local header the central directory does not list (and the reverse), names or
sizes that differ between the two, a name twice, data descriptors, comments on members,
control or other unprintable characters in names (and non-ASCII names not marked UTF-8, which
readers decode differently), extra fields and ZIP64 fields of a length their header does not
call for, ZIP64 end records with extensible data, any record of another kind, and anything
before or after the archive — except an installer stub before it for the legacy formats that
have one (``bdist_wininst``, executable eggs).
"""

from __future__ import annotations

import posixpath
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from publisher.ingest.errors import ArchiveError

__all__ = ["MAX_CENTRAL_DIRECTORY", "ZipLayout", "ZipMember", "check_zip"]

LOCAL_SIGNATURE = b"PK\x03\x04"
CENTRAL_SIGNATURE = b"PK\x01\x02"
END_SIGNATURE = b"PK\x05\x06"
END64_SIGNATURE = b"PK\x06\x06"
LOCATOR_SIGNATURE = b"PK\x06\x07"
DESCRIPTOR_SIGNATURE = b"PK\x07\x08"

# signature, version needed, flags, method, time, date, crc, compressed, size, name, extra
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
# signature, made by, needed, flags, method, time, date, crc, compressed, size, name length,
# extra length, comment length, disk, internal attributes, external attributes, offset
CENTRAL_HEADER = struct.Struct("<4sHHHHHHIIIHHHHHII")
# signature, disk, directory's disk, entries here, entries, directory size, offset, comment
END_RECORD = struct.Struct("<4sHHHHIIH")
# signature, record size, made by, needed, disk, directory's disk, entries here, entries,
# directory size, offset
END64_RECORD = struct.Struct("<4sQHHIIQQQQ")
# signature, disk of the ZIP64 end record, its offset, number of disks
LOCATOR = struct.Struct("<4sIQI")

# The size an EOCD64 record declares when it carries no extensible data (56 - 12).
END64_BODY = END64_RECORD.size - 12
MAX_COMMENT = 0xFFFF
MAX16, MAX32 = 0xFFFF, 0xFFFFFFFF
MAX_CENTRAL_DIRECTORY = 64 << 20
# What zipfile can read: newer "version needed" values make it raise.
MAX_VERSION_NEEDED = 63

FLAG_ENCRYPTED = 1 << 0
FLAG_DESCRIPTOR = 1 << 3
FLAG_PATCHED = 1 << 5
FLAG_STRONG_ENCRYPTION = 1 << 6
FLAG_UTF8 = 1 << 11
FLAG_ENCRYPTED_DIRECTORY = 1 << 13
ENCRYPTION_FLAGS = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_ENCRYPTED_DIRECTORY

# stored, deflate, bzip2, LZMA: what Python's zipfile (and so pip) can read
METHODS = {0: "stored", 8: "deflate", 12: "bzip2", 14: "LZMA"}

ZIP64_EXTRA = 0x0001
UNICODE_PATH_EXTRA = 0x7075
# Extra blocks that change how a member is read: two of one kind would leave readers to choose.
SINGLE_EXTRAS = (ZIP64_EXTRA, UNICODE_PATH_EXTRA)

_CONTROL_BYTES = re.compile(rb"[\x00-\x1f\x7f]")
# control, format (bidi overrides, zero-width), line and paragraph separators
_UNPRINTABLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


@dataclass(frozen=True, slots=True)
class ZipMember:
    """One member as both lists agree on it, and where its data lies in the file."""

    name: str
    method: int
    crc: int
    compressed_size: int
    size: int
    data_offset: int
    mode: int

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


@dataclass(frozen=True, slots=True)
class ZipLayout:
    """The members in file order, and where the archive starts (after a stub, if any)."""

    members: tuple[ZipMember, ...]
    start: int


@dataclass(frozen=True, slots=True)
class _End:
    """Where the central directory lies, from the end records."""

    entries: int
    directory_start: int
    directory_end: int
    start: int


@dataclass(frozen=True, slots=True)
class _Central:
    """A central-directory entry, ZIP64 fields resolved."""

    raw_name: bytes
    name: str
    flags: int
    method: int
    crc: int
    compressed_size: int
    size: int
    offset: int
    mode: int


def check_zip(source: BinaryIO, max_members: int, allow_stub: bool = False) -> ZipLayout:
    """Walk the end records, the central directory and every local header of ``source``.

    Raises ``ArchiveError`` naming the member (or record) and the reason at the first
    inconsistency. ``allow_stub`` lets data precede the archive (an installer stub).
    """
    size = source.seek(0, 2)
    end = _find_end(source, size, allow_stub)
    if end.entries > max_members:
        raise ArchiveError(f"{end.entries:,} members (limit {max_members:,})")
    central = _read_central_directory(source, end)
    members = _walk_local_headers(source, end, central)
    return ZipLayout(members, end.start)


def _read_at(source: BinaryIO, offset: int, length: int) -> bytes:
    source.seek(offset)
    data = source.read(length)
    if len(data) != length:
        raise ArchiveError(f"truncated: {length:,} bytes at offset {offset:,} run past the end")
    return data


def _find_end(source: BinaryIO, size: int, allow_stub: bool) -> _End:
    """Locate the end-of-central-directory record, which must end the file exactly."""
    tail_start = max(0, size - END_RECORD.size - MAX_COMMENT)
    tail = _read_at(source, tail_start, size - tail_start)
    at = tail.rfind(END_SIGNATURE)
    if at < 0 or at + END_RECORD.size > len(tail):
        raise ArchiveError(
            "not a readable zip archive: no end-of-central-directory record (truncated?)"
        )
    # zipfile takes the last signature it finds: it must be the record that ends the file.
    _, disk, directory_disk, here, entries, directory_size, offset, comment = (
        END_RECORD.unpack_from(tail, at)
    )
    record_end = tail_start + at + END_RECORD.size + comment
    if record_end != size:
        if _earlier_end(tail, at, tail_start, size):
            raise ArchiveError("the archive comment holds a second end-of-central-directory record")
        if record_end > size:
            raise ArchiveError(
                "not a readable zip archive: the end-of-central-directory record is truncated"
            )
        raise ArchiveError(f"{size - record_end:,} bytes of data after the end of the archive")
    position = tail_start + at
    classic = (entries, here, directory_size, offset, disk, directory_disk)
    if (
        position >= LOCATOR.size
        and _read_at(source, position - LOCATOR.size, 4) == LOCATOR_SIGNATURE
    ):
        entries, directory_size, offset, directory_end, end64 = _zip64_end(
            source, position, classic
        )
    else:
        if disk != 0 or directory_disk != 0 or here != entries:
            raise ArchiveError("the archive spans several disks, which readers do not support")
        if entries == MAX16 or MAX32 in (directory_size, offset):
            raise ArchiveError(
                "the end-of-central-directory record has ZIP64 markers but there is no ZIP64 "
                "end record"
            )
        directory_end, end64 = position, None
    directory_start = directory_end - directory_size
    if directory_start < 0:
        raise ArchiveError(f"the central directory's size ({directory_size:,}) exceeds the file")
    start = directory_start - offset
    if start < 0:
        raise ArchiveError(f"the central directory's offset ({offset:,}) points past where it lies")
    if end64 is not None and end64[1] + start != end64[0]:
        raise ArchiveError(
            f"the ZIP64 locator points to offset {end64[1]:,}, not to the ZIP64 end record"
        )
    if start:
        if not allow_stub:
            raise ArchiveError(
                f"{start:,} bytes of data come before the archive (another archive or data "
                "prepended)"
            )
        if _read_at(source, 0, 4) == LOCAL_SIGNATURE:
            raise ArchiveError("another archive comes before the archive")
    return _End(entries, directory_start, directory_end, start)


def _earlier_end(tail: bytes, at: int, tail_start: int, size: int) -> bool:
    """Whether an end record before the last signature would end the file exactly."""
    while (at := tail.rfind(END_SIGNATURE, 0, at)) >= 0:
        if at + END_RECORD.size <= len(tail):
            comment = END_RECORD.unpack_from(tail, at)[-1]
            if tail_start + at + END_RECORD.size + comment == size:
                return True
    return False


def _zip64_end(
    source: BinaryIO, position: int, classic: tuple[int, int, int, int, int, int]
) -> tuple[int, int, int, int, tuple[int, int]]:
    """Read the ZIP64 locator and end record that precede the classic end record.

    Returns entries, directory size, directory offset, where the directory ends, and
    (where the ZIP64 record lies, where the locator says it lies) for the caller to compare
    once the archive's start is known.
    """
    _, record_disk, record_offset, disks = LOCATOR.unpack(
        _read_at(source, position - LOCATOR.size, LOCATOR.size)
    )
    if record_disk != 0 or disks > 1:
        raise ArchiveError("the archive spans several disks, which readers do not support")
    record_at = position - LOCATOR.size - END64_RECORD.size
    if record_at < 0:
        raise ArchiveError("malformed ZIP64 end record: it would start before the file")
    (signature, body, _, _, disk, directory_disk, here, entries, directory_size, offset) = (
        END64_RECORD.unpack(_read_at(source, record_at, END64_RECORD.size))
    )
    if signature != END64_SIGNATURE:
        raise ArchiveError(
            "malformed ZIP64 end record: not found before its locator (or it carries "
            "extensible data)"
        )
    if body != END64_BODY:
        raise ArchiveError(
            f"malformed ZIP64 end record: it declares {body:,} bytes ({END64_BODY} expected; "
            "extensible data is not allowed)"
        )
    if disk != 0 or directory_disk != 0 or here != entries:
        raise ArchiveError("the archive spans several disks, which readers do not support")
    # The classic record's fields must be the ZIP64 values or the markers that defer to them.
    markers = (MAX16, MAX16, MAX32, MAX32, MAX16, MAX16)
    wide = (entries, here, directory_size, offset, disk, directory_disk)
    pairs = zip(classic, wide, markers, strict=True)
    if any(value not in (value64, marker) for value, value64, marker in pairs):
        raise ArchiveError("the end-of-central-directory record and the ZIP64 end record disagree")
    return entries, directory_size, offset, record_at, (record_at, record_offset)


def _decode_name(raw: bytes, flags: int) -> str:
    """The member name as readers decode it; refuse names they would decode differently."""
    if _CONTROL_BYTES.search(raw):
        shown = raw.decode("utf-8", "backslashreplace")
        raise ArchiveError(f"member name {shown!r} has a control character")
    if raw.isascii():
        return raw.decode("ascii")
    if not flags & FLAG_UTF8:
        raise ArchiveError(
            f"member name {raw!r} is not ASCII and not marked UTF-8: readers would decode it "
            "differently"
        )
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ArchiveError(f"member name {raw!r} is marked UTF-8 but is not") from None
    for char in name:
        if unicodedata.category(char) in _UNPRINTABLE:
            raise ArchiveError(
                f"member name {name!r} has an unprintable character U+{ord(char):04X}"
            )
    return name


def _extra_blocks(name: str, extra: bytes) -> dict[int, bytes]:
    """The extra field's blocks by id; their lengths must fill it exactly."""
    blocks: dict[int, bytes] = {}
    at = 0
    while at < len(extra):
        if len(extra) - at < 4:
            raise ArchiveError(
                f"member {name!r} has a malformed extra field ({len(extra) - at} stray bytes)"
            )
        kind, length = struct.unpack_from("<HH", extra, at)
        if at + 4 + length > len(extra):
            raise ArchiveError(
                f"member {name!r} has a malformed extra field: block 0x{kind:04x} declares "
                f"{length} bytes, {len(extra) - at - 4} remain"
            )
        if kind in blocks and kind in SINGLE_EXTRAS:
            raise ArchiveError(f"member {name!r} has two 0x{kind:04x} extra blocks")
        blocks[kind] = extra[at + 4 : at + 4 + length]
        at += 4 + length
    return blocks


def _check_unicode_path(name: str, raw: bytes, blocks: dict[int, bytes]) -> None:
    """An Info-ZIP Unicode Path block names the member for the readers that honour it."""
    block = blocks.get(UNICODE_PATH_EXTRA)
    if block is None:
        return
    if len(block) < 5 or block[0] != 1:
        raise ArchiveError(f"member {name!r} has a malformed Unicode Path extra field")
    (name_crc,) = struct.unpack_from("<I", block, 1)
    if name_crc != zlib.crc32(raw) or block[5:] != name.encode("utf-8"):
        raise ArchiveError(f"member {name!r} carries another name in its Unicode Path extra field")


def _check_member_flags(name: str, flags: int, method: int, version_needed: int) -> None:
    if flags & ENCRYPTION_FLAGS:
        raise ArchiveError(f"member {name!r} is encrypted")
    if flags & FLAG_PATCHED:
        raise ArchiveError(f"member {name!r} holds patch data, which readers do not support")
    if flags & FLAG_DESCRIPTOR:
        raise ArchiveError(
            f"member {name!r} uses a data descriptor (sizes after its data), which PyPI refuses"
        )
    if method not in METHODS:
        raise ArchiveError(
            f"member {name!r} uses compression method {method}, which installers cannot read"
        )
    if version_needed > MAX_VERSION_NEEDED:
        raise ArchiveError(
            f"member {name!r} needs ZIP version {version_needed / 10:.1f}, newer than readers "
            "support"
        )


def _zip64_central(
    name: str, block: bytes | None, size: int, compressed: int, offset: int, disk: int
) -> tuple[int, int, int, int]:
    """Resolve a central entry's ZIP64 markers: its block holds exactly the marked fields."""
    marked = [size == MAX32, compressed == MAX32, offset == MAX32]
    expected = 8 * sum(marked) + (4 if disk == MAX16 else 0)
    if block is None:
        if expected:
            raise ArchiveError(f"member {name!r} has ZIP64 markers but no ZIP64 extra field")
        return size, compressed, offset, disk
    if len(block) != expected:
        raise ArchiveError(
            f"member {name!r} has a ZIP64 extra field of {len(block)} bytes in the central "
            f"directory ({expected} expected)"
        )
    values = list(struct.unpack_from(f"<{sum(marked)}Q", block))
    size = values.pop(0) if marked[0] else size
    compressed = values.pop(0) if marked[1] else compressed
    offset = values.pop(0) if marked[2] else offset
    if disk == MAX16:
        (disk,) = struct.unpack_from("<I", block, 8 * sum(marked))
    return size, compressed, offset, disk


def _zip64_local(name: str, block: bytes | None, size: int, compressed: int) -> tuple[int, int]:
    """Resolve a local header's ZIP64 markers: both sizes (16 bytes), or the marked ones."""
    marked = [size == MAX32, compressed == MAX32]
    if block is None:
        if any(marked):
            raise ArchiveError(f"member {name!r} has ZIP64 markers but no ZIP64 extra field")
        return size, compressed
    if len(block) == 16:
        wide_size, wide_compressed = struct.unpack("<QQ", block)
        for is_marked, value, wide in (
            (marked[0], size, wide_size),
            (marked[1], compressed, wide_compressed),
        ):
            if not is_marked and value != wide:
                raise ArchiveError(
                    f"member {name!r} gives other sizes in its ZIP64 extra field than in its "
                    "local header"
                )
        return (wide_size if marked[0] else size), (wide_compressed if marked[1] else compressed)
    if len(block) != 8 * sum(marked):
        raise ArchiveError(
            f"member {name!r} has a ZIP64 extra field of {len(block)} bytes in its local "
            "header (16 expected)"
        )
    values = list(struct.unpack(f"<{sum(marked)}Q", block))
    return (values.pop(0) if marked[0] else size), (values.pop(0) if marked[1] else compressed)


def _read_central_directory(source: BinaryIO, end: _End) -> dict[int, _Central]:
    """Every central entry, keyed by its local header's offset in the file."""
    length = end.directory_end - end.directory_start
    if length > MAX_CENTRAL_DIRECTORY:
        raise ArchiveError(
            f"the central directory is {length:,} bytes (limit {MAX_CENTRAL_DIRECTORY:,})"
        )
    data = _read_at(source, end.directory_start, length)
    by_offset: dict[int, _Central] = {}
    paths: dict[str, str] = {}
    at = 0
    while at < length:
        if data[at : at + 4] != CENTRAL_SIGNATURE:
            raise ArchiveError(
                f"unknown record (signature {data[at : at + 4].hex()}) in the central "
                f"directory at offset {end.directory_start + at:,}"
            )
        if length - at < CENTRAL_HEADER.size:
            raise ArchiveError("the central directory is truncated")
        fields = CENTRAL_HEADER.unpack_from(data, at)
        (_, _, needed, flags, method, _, _, crc, compressed, size, name_length, extra_length,
         comment_length, disk, _, external, offset) = fields  # fmt: skip
        name_at = at + CENTRAL_HEADER.size
        at = name_at + name_length + extra_length + comment_length
        if at > length:
            raise ArchiveError("the central directory is truncated")
        raw = data[name_at : name_at + name_length]
        name = _decode_name(raw, flags)
        if comment_length:
            raise ArchiveError(f"member {name!r} has a comment in the central directory")
        _check_member_flags(name, flags, method, needed)
        blocks = _extra_blocks(
            name, data[name_at + name_length : name_at + name_length + extra_length]
        )
        _check_unicode_path(name, raw, blocks)
        size, compressed, offset, disk = _zip64_central(
            name, blocks.get(ZIP64_EXTRA), size, compressed, offset, disk
        )
        if disk != 0:
            raise ArchiveError(f"member {name!r} lies on another disk")
        if method == 0 and compressed != size:
            raise ArchiveError(
                f"stored member {name!r} declares {compressed:,} bytes stored for {size:,}"
            )
        path = posixpath.normpath(name)
        if path in paths:
            other = paths[path]
            if other == name:
                raise ArchiveError(f"member {name!r} appears twice in the central directory")
            raise ArchiveError(f"members {other!r} and {name!r} name the same path")
        paths[path] = name
        position = end.start + offset
        if position in by_offset:
            raise ArchiveError(
                f"members {by_offset[position].name!r} and {name!r} share one local header"
            )
        by_offset[position] = _Central(
            raw, name, flags, method, crc, compressed, size, position, external >> 16
        )
    if len(by_offset) != end.entries:
        raise ArchiveError(
            f"the end record declares {end.entries:,} members, the central directory holds "
            f"{len(by_offset):,}"
        )
    return by_offset


def _walk_local_headers(
    source: BinaryIO, end: _End, central: dict[int, _Central]
) -> tuple[ZipMember, ...]:
    """Walk the local headers from the archive's start to the central directory, back to back."""
    members: list[ZipMember] = []
    walked: set[int] = set()
    at = end.start
    limit = end.directory_start
    while at < limit:
        if limit - at < LOCAL_HEADER.size:
            raise ArchiveError(
                f"{limit - at} bytes of unknown data at offset {at:,}, before the central directory"
            )
        header = _read_at(source, at, LOCAL_HEADER.size)
        (signature, needed, flags, method, _, _, crc, compressed, size, name_length,
         extra_length) = LOCAL_HEADER.unpack(header)  # fmt: skip
        if signature != LOCAL_SIGNATURE:
            if signature == DESCRIPTOR_SIGNATURE:
                raise ArchiveError(f"a data descriptor at offset {at:,}, which PyPI refuses")
            if signature in (CENTRAL_SIGNATURE, END_SIGNATURE):
                raise ArchiveError(
                    f"a central-directory record at offset {at:,}, among the members "
                    "(two archives in one file?)"
                )
            raise ArchiveError(
                f"unknown record (signature {signature.hex()}) at offset {at:,}, between members"
            )
        data_at = at + LOCAL_HEADER.size + name_length + extra_length
        if data_at > limit:
            raise ArchiveError(f"the local header at offset {at:,} runs into the central directory")
        tail = _read_at(source, at + LOCAL_HEADER.size, name_length + extra_length)
        raw = tail[:name_length]
        name = _decode_name(raw, flags)
        _check_member_flags(name, flags, method, needed)
        entry = central.get(at)
        if entry is None:
            raise ArchiveError(f"member {name!r} is not in the central directory")
        if raw != entry.raw_name:
            raise ArchiveError(f"member {name!r} is named {entry.name!r} in the central directory")
        blocks = _extra_blocks(name, tail[name_length:])
        _check_unicode_path(name, raw, blocks)
        size, compressed = _zip64_local(name, blocks.get(ZIP64_EXTRA), size, compressed)
        for what, local, listed in (
            ("flags", flags, entry.flags),
            ("compression method", method, entry.method),
            ("CRC-32", crc, entry.crc),
            ("compressed size", compressed, entry.compressed_size),
            ("size", size, entry.size),
        ):
            if local != listed:
                raise ArchiveError(
                    f"member {name!r} has another {what} in its local header ({local:,}) than "
                    f"in the central directory ({listed:,})"
                )
        walked.add(at)
        at = data_at + compressed
        if at > limit:
            raise ArchiveError(f"member {name!r} runs into the central directory")
        members.append(ZipMember(name, method, crc, compressed, size, data_at, entry.mode))
    if len(members) != len(central):
        missing = next(c for offset, c in central.items() if offset not in walked)
        raise ArchiveError(
            f"member {missing.name!r} of the central directory has no local header at offset "
            f"{missing.offset:,}"
        )
    return tuple(members)
