"""Every zip member's content checked once, as an installer would find it.

Each member's data is read where the structure walk found it, inflated in bounded chunks and
discarded: its length and CRC-32 must be what the headers say, and where the format records a
digest for it (a wheel's ``RECORD``), the digest must match too. Stored and deflated members —
nearly all of them — are inflated here straight from the file (with ISA-L where it is
installed, see ``deflate``), hashing as they drain; the rare bzip2 and LZMA members go through
``zipfile``.
"""

from __future__ import annotations

import hashlib
import lzma
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, BinaryIO

from publisher.ingest import deflate
from publisher.ingest.errors import ArchiveError
from publisher.ingest.zipcheck import ZipLayout, ZipMember

__all__ = ["Digest", "verify_members"]

CHUNK_SIZE = 1 << 20
# Inflated bytes per step: bounds memory whatever the compression ratio.
OUTPUT_STEP = 4 << 20
STORED, DEFLATED = 0, 8

# What a damaged member raises inside zipfile and the decompressors.
_CORRUPT = (zipfile.BadZipFile, *deflate.ERRORS, lzma.LZMAError, EOFError, OSError, ValueError)


@dataclass(frozen=True, slots=True)
class Digest:
    """The digest a member's content must have: a ``hashlib`` algorithm and the raw digest."""

    algorithm: str
    value: bytes


class _Corrupt(Exception):
    """A member's data does not decode; the message says how."""


def verify_members(
    source: BinaryIO,
    layout: ZipLayout,
    digests: Mapping[str, Digest],
    open_member: Callable[[str], IO[bytes]],
) -> None:
    """Read every member of ``layout`` from ``source``; raise ``ArchiveError`` naming the
    first whose length, CRC-32 or digest (from ``digests``, keyed by name) is wrong.

    ``open_member`` opens a member by name for the compression methods read via zipfile.
    """
    buffer = bytearray(CHUNK_SIZE)
    for member in layout.members:
        expected = digests.get(member.name)
        hasher = hashlib.new(expected.algorithm) if expected else None
        crc = 0
        produced = 0
        try:
            for piece in _content(source, member, buffer, open_member):
                produced += len(piece)
                if produced > member.size:
                    raise _Corrupt(f"it inflates past its declared {member.size:,} bytes")
                crc = deflate.crc32(piece, crc)
                if hasher is not None:
                    hasher.update(piece)
        except _Corrupt as exc:
            raise ArchiveError(f"member {member.name!r} is corrupt: {exc}") from None
        except _CORRUPT as exc:
            raise ArchiveError(f"member {member.name!r} is corrupt: {exc}") from exc
        if produced != member.size:
            raise ArchiveError(
                f"member {member.name!r} is corrupt: it inflates to {produced:,} bytes, "
                f"{member.size:,} declared"
            )
        if crc != member.crc:
            raise ArchiveError(f"member {member.name!r} is corrupt: its CRC-32 does not match")
        if expected is not None and hasher is not None and hasher.digest() != expected.value:
            raise ArchiveError(
                f"member {member.name!r} does not match its {expected.algorithm} hash in RECORD"
            )


def _content(
    source: BinaryIO,
    member: ZipMember,
    buffer: bytearray,
    open_member: Callable[[str], IO[bytes]],
) -> Iterator[bytes | memoryview]:
    """The member's uncompressed bytes, piece by piece (a piece is valid until the next)."""
    if member.compressed_size == 0 and member.size == 0:
        return  # an empty member (or directory) some writers mark as deflated
    if member.method == STORED:
        yield from _raw(source, member, buffer)
    elif member.method == DEFLATED:
        yield from _inflated(source, member, buffer)
    else:
        with open_member(member.name) as stream:
            while piece := stream.read(CHUNK_SIZE):
                yield piece


def _raw(source: BinaryIO, member: ZipMember, buffer: bytearray) -> Iterator[memoryview]:
    """The member's data as stored, in chunks read into ``buffer``."""
    source.seek(member.data_offset)
    left = member.compressed_size
    view = memoryview(buffer)
    while left:
        length = source.readinto(view[: min(left, len(buffer))])  # type: ignore[attr-defined]
        if not length:
            raise _Corrupt("its data runs past the end of the file")
        left -= length
        yield view[:length]


def _inflated(source: BinaryIO, member: ZipMember, buffer: bytearray) -> Iterator[bytes]:
    """The member's deflate stream inflated, which must end exactly where its data does."""
    inflater = deflate.decompressobj(-15)  # raw deflate, no header
    for chunk in _raw(source, member, buffer):
        if inflater.eof:
            raise _Corrupt("its deflate stream ends before its data does")
        piece = inflater.decompress(chunk, OUTPUT_STEP)
        yield piece
        # A full step may leave output pending even once the input is consumed: ask again
        # until a step comes back short.
        while not inflater.eof and (inflater.unconsumed_tail or len(piece) == OUTPUT_STEP):
            piece = inflater.decompress(inflater.unconsumed_tail, OUTPUT_STEP)
            yield piece
    if not inflater.eof:
        raise _Corrupt("its deflate stream is truncated")
    if inflater.unused_data:
        raise _Corrupt("its deflate stream ends before its data does")
