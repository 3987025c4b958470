"""A wheel checked as installers read it, against its own filename and its own manifest.

Installers unpack what the archive holds and trust the ``.dist-info`` directory they find there:
a wheel whose ``WHEEL`` tags differ from its filename, that carries two ``.dist-info``
directories, or whose ``RECORD`` leaves members out, installs something other than what its
index entry describes. As the binary distribution format specifies, a wheel has exactly one
``{name}-{version}.dist-info`` (compared in normalised form, with ``packaging.utils``), a
``WHEEL`` file in email-header form whose ``Tag`` lines cover the filename's tags and which
says ``Root-Is-Purelib``, and a ``RECORD`` (CSV) listing every member with its hash
(``algorithm=urlsafe-base64``, no padding) and size — ``RECORD`` itself and its signatures
(``RECORD.jws``, ``RECORD.p7s``) excepted.

Sizes are checked here against the archive's listing; the hashes are returned for the content
pass to verify, since that needs every member's bytes.
"""

from __future__ import annotations

import base64
import binascii
import csv
import email.message
import email.parser
import email.policy
import hashlib
import io
import re

from packaging.tags import Tag, parse_tag
from packaging.utils import canonicalize_name, canonicalize_version

from publisher.ingest.archives import ArchiveContents, Member, MemberInfo
from publisher.ingest.errors import ArchiveError
from publisher.ingest.filenames import ArtefactName
from publisher.ingest.zipcontent import Digest

__all__ = ["check_wheel"]

DIST_INFO = ".dist-info"
SIGNATURE_FILES = ("RECORD.jws", "RECORD.p7s")
# The wheel spec forbids these in RECORD: signatures rely on strong hashes.
WEAK_HASHES = frozenset({"md5", "sha1"})
# A Tag line is one tag, or a compressed set; this bounds what one line may expand to.
MAX_TAGS = 4096
_WHEEL_VERSION = re.compile(r"^\d+(?:\.\d+)*$")


def check_wheel(artefact: ArtefactName, contents: ArchiveContents) -> dict[str, Digest]:
    """Refuse a wheel inconsistent with its filename or its RECORD (``ArchiveError``); return
    the digest RECORD gives for each member, for the content pass to verify."""
    dist_info = _dist_info(artefact, contents.members)
    _check_wheel_file(artefact, dist_info, contents.extras.get("wheel_file"))
    return _check_record(dist_info, contents)


def _dist_info(artefact: ArtefactName, members: tuple[MemberInfo, ...]) -> str:
    """The one top-level ``.dist-info`` directory, named after the wheel's name and version."""
    found = sorted(
        {
            top
            for member in members
            if "/" in member.name and (top := member.name.split("/", 1)[0]).endswith(DIST_INFO)
        }
    )
    if not found:
        raise ArchiveError("wheel has no .dist-info directory")
    if len(found) > 1:
        raise ArchiveError(
            f"wheel has {len(found)} .dist-info directories ({', '.join(found)}); "
            "installers expect exactly one"
        )
    directory = found[0]
    stem = directory.removesuffix(DIST_INFO)
    version = canonicalize_version(artefact.version)
    # The name part has no "-" once escaped, but old wheels may not escape it: try each split.
    for at in (i for i, char in enumerate(stem) if char == "-"):
        if (
            canonicalize_name(stem[:at]) == artefact.name
            and canonicalize_version(stem[at + 1 :]) == version
        ):
            return directory
    raise ArchiveError(
        f"{directory!r} is not named after the wheel's name and version "
        f"({artefact.name} {artefact.version})"
    )


def _decoded(member: Member) -> str:
    try:
        return member.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArchiveError(
            f"{member.name} is not valid UTF-8 (byte 0x{member.data[exc.start]:02x} at offset "
            f"{exc.start})"
        ) from None


def _one(headers: email.message.Message, field: str, name: str) -> str:
    """The one value of a single-use WHEEL field: missing or repeated, readers would differ."""
    values = headers.get_all(field) or []
    if not values:
        raise ArchiveError(f"{name} has no {field}")
    if len(values) > 1:
        raise ArchiveError(f"{name} has {len(values)} {field} fields")
    return values[0].strip()


def _check_wheel_file(artefact: ArtefactName, dist_info: str, member: Member | None) -> None:
    """``WHEEL``: a Wheel-Version, a Root-Is-Purelib, and Tag lines covering the filename's."""
    name = f"{dist_info}/WHEEL"
    if member is None or member.name != name:
        raise ArchiveError(f"wheel has no {name}")
    # The header parse installers use (pip reads WHEEL with the email parser, as packaging
    # reads METADATA).
    headers = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(_decoded(member))
    if not _WHEEL_VERSION.match(version := _one(headers, "Wheel-Version", name)):
        raise ArchiveError(f"{name} has a malformed Wheel-Version {version!r}")
    purelib = _one(headers, "Root-Is-Purelib", name)
    if purelib.lower() not in ("true", "false"):
        raise ArchiveError(f"{name} has Root-Is-Purelib {purelib!r}, not true or false")
    declared: set[Tag] = set()
    for line in headers.get_all("Tag") or []:
        declared.update(_tags(name, line.strip()))
    if not declared:
        raise ArchiveError(f"{name} has no Tag lines")
    uncovered = sorted(str(tag) for tag in set(artefact.tags) - declared)
    if uncovered:
        raise ArchiveError(
            f"{name}'s Tag lines ({', '.join(sorted(map(str, declared)))}) do not cover the "
            f"filename's tag {', '.join(uncovered)}"
        )


def _tags(name: str, line: str) -> frozenset[Tag]:
    """The tags of one Tag line; a compressed tag set may expand to at most ``MAX_TAGS``."""
    parts = line.split("-")
    expands = 1
    for part in parts:
        expands *= part.count(".") + 1
    if len(parts) != 3 or expands > MAX_TAGS:
        raise ArchiveError(f"{name} has a malformed Tag line {line!r}")
    try:
        return parse_tag(line)
    except ValueError:
        raise ArchiveError(f"{name} has a malformed Tag line {line!r}") from None


def _check_record(dist_info: str, contents: ArchiveContents) -> dict[str, Digest]:
    """``RECORD`` lists every member once, each with a hash and its size."""
    name = f"{dist_info}/RECORD"
    record = contents.extras.get("record")
    if record is None or record.name != name:
        raise ArchiveError(f"wheel has no {name}")
    try:
        rows = list(csv.reader(io.StringIO(_decoded(record), newline="")))
    except csv.Error as exc:
        raise ArchiveError(f"{name} is not valid CSV: {exc}") from None
    unhashed = {name, *(f"{dist_info}/{signature}" for signature in SIGNATURE_FILES)}
    members = {member.name: member for member in contents.members}
    listed: set[str] = set()
    digests: dict[str, Digest] = {}
    for line, row in enumerate(rows, 1):
        if not any(row):
            continue
        if len(row) != 3:
            raise ArchiveError(f"{name} line {line} has {len(row)} fields (3 expected)")
        path, hash_field, size_field = row
        if path in listed:
            raise ArchiveError(f"{name} lists {path!r} twice")
        listed.add(path)
        member = members.get(path)
        if member is None:
            raise ArchiveError(f"{name} lists {path!r}, which the wheel does not hold")
        if path in unhashed or member.is_dir:
            continue  # RECORD cannot hash itself; signatures sign it; directories hold nothing
        if not hash_field:
            raise ArchiveError(f"{name} gives no hash for {path!r}")
        digests[path] = _digest(name, path, hash_field)
        if not (size_field.isascii() and size_field.isdigit()):
            raise ArchiveError(f"{name} gives no size for {path!r}")
        if int(size_field) != member.size:
            raise ArchiveError(
                f"member {path!r} is {member.size:,} bytes; {name} says {int(size_field):,}"
            )
    unlisted = [
        m.name for m in contents.members if not (m.is_dir or m.name in listed or m.name in unhashed)
    ]
    if unlisted:
        more = f" (and {len(unlisted) - 1:,} more)" if len(unlisted) > 1 else ""
        raise ArchiveError(f"{name} does not list member {unlisted[0]!r}{more}")
    return digests


def _digest(name: str, path: str, field: str) -> Digest:
    """A RECORD hash, ``algorithm=`` and the urlsafe base64 of the digest without padding."""
    algorithm, _, encoded = field.partition("=")
    if algorithm in WEAK_HASHES:
        raise ArchiveError(
            f"{name} hashes {path!r} with {algorithm}, which the wheel format forbids"
        )
    if algorithm not in hashlib.algorithms_guaranteed or algorithm.startswith("shake"):
        raise ArchiveError(f"{name} hashes {path!r} with unknown algorithm {algorithm!r}")
    try:
        value = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        value = b""
    canonical = base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")
    if canonical != encoded or len(value) != hashlib.new(algorithm).digest_size:
        raise ArchiveError(
            f"{name} has a malformed {algorithm} hash for {path!r} (RECORD hashes are urlsafe "
            "base64 without padding)"
        )
    return Digest(algorithm, value)
