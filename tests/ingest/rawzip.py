"""A zip writer with every record under the test's control, to build what zipfile never would:
members only one of the two listings names, duplicates, data descriptors, comments, odd ZIP64
fields, foreign records, data around the archive."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["RawMember", "build_zip", "zip64_extra"]

LOCAL = struct.Struct("<4sHHHHHIIIHH")
CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
END = struct.Struct("<4sHHHHIIH")
END64 = struct.Struct("<4sQHHIIQQQQ")
LOCATOR = struct.Struct("<4sIQI")
MODE_FILE = 0o100644 << 16


@dataclass
class RawMember:
    """One member; the ``local_*``/``central_*`` fields override what each listing says."""

    name: str | bytes
    data: bytes = b""
    method: int = 8
    flags: int | None = None
    local_extra: bytes = b""
    central_extra: bytes = b""
    comment: bytes = b""
    in_local: bool = True
    in_central: bool = True
    local_name: bytes | None = None
    local: dict[str, int] = field(default_factory=dict)
    central: dict[str, int] = field(default_factory=dict)
    before: bytes = b""  # bytes written just before this member's local header
    mangle: Callable[[bytes], bytes] | None = None  # applied to the stored (compressed) bytes

    @property
    def raw_name(self) -> bytes:
        return self.name.encode() if isinstance(self.name, str) else self.name


def zip64_extra(*values: int, size: int | None = None) -> bytes:
    """A ZIP64 extra block of 8-byte values (``size`` overrides the declared length)."""
    body = b"".join(struct.pack("<Q", v) for v in values)
    return struct.pack("<HH", 0x0001, len(body) if size is None else size) + body


def build_zip(
    members: Sequence[RawMember],
    prefix: bytes = b"",
    trailing: bytes = b"",
    comment: bytes = b"",
    zip64_end: bool = False,
    end64_size: int = 44,
    relative_to_prefix: bool = True,
) -> bytes:
    """The archive's bytes. Offsets count from the archive's start (after ``prefix``) unless
    ``relative_to_prefix`` is false; ``zip64_end`` adds a ZIP64 end record and locator."""
    out = bytearray(prefix)
    base = len(prefix) if relative_to_prefix else 0
    directory = bytearray()
    count = 0
    for member in members:
        out += member.before
        name = member.raw_name
        flags = member.flags if member.flags is not None else (0 if name.isascii() else 0x800)
        if member.method == 8:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            stored = packer.compress(member.data) + packer.flush()
        else:
            stored = member.data
        if member.mangle is not None:
            stored = member.mangle(stored)
        crc = zlib.crc32(member.data)
        offset = len(out) - base
        values = {"crc": crc, "compressed": len(stored), "size": len(member.data)}
        if member.in_local:
            local = {**values, **member.local}
            descriptor = flags & 0x08
            local_name = member.local_name if member.local_name is not None else name
            out += LOCAL.pack(
                b"PK\x03\x04", 20, flags, member.method, 0, 0x5821,
                0 if descriptor else local["crc"],
                0 if descriptor else local["compressed"],
                0 if descriptor else local["size"],
                len(local_name), len(member.local_extra),
            )  # fmt: skip
            out += local_name + member.local_extra + stored
            if descriptor:
                out += struct.pack("<4sIII", b"PK\x07\x08", crc, len(stored), len(member.data))
        if member.in_central:
            central = {**values, "offset": offset, **member.central}
            directory += CENTRAL.pack(
                b"PK\x01\x02", 0x031E, 20, flags, member.method, 0, 0x5821,
                central["crc"], central["compressed"], central["size"],
                len(name), len(member.central_extra), len(member.comment),
                0, 0, MODE_FILE, central["offset"],
            )  # fmt: skip
            directory += name + member.central_extra + member.comment
            count += 1
    directory_at = len(out) - base
    out += directory
    if zip64_end:
        record_at = len(out) - base
        out += END64.pack(
            b"PK\x06\x06", end64_size, 45, 45, 0, 0, count, count, len(directory), directory_at
        )
        out += LOCATOR.pack(b"PK\x06\x07", 0, record_at, 1)
        out += END.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, len(comment))
    else:
        out += END.pack(
            b"PK\x05\x06", 0, 0, count, count, len(directory), directory_at, len(comment)
        )
    return bytes(out + comment + trailing)
