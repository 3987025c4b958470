"""Core metadata in two tiers, as ``packaging.metadata`` reads it: a forgiving raw parse, then
validation whose failures become warnings naming the field, so nothing that parsed is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from packaging.metadata import (
    ExceptionGroup,
    InvalidMetadata,
    Metadata,
    RawMetadata,
    parse_email,
)
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from crosswalk.names import normalise_version

__all__ = [
    "CoreMetadata",
    "MetadataError",
    "check_identity",
    "check_publishable",
    "parse_core_metadata",
]

# What names and versions may look like once indexed: they become URL path segments, file
# paths of the static export and IRIs. Normalised PEP 508 names; PEP 440 versions and the
# legacy versions PyPI holds (letters, digits, . _ + ! -), never "." or "..".
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+!-]*$")


class MetadataError(ValueError):
    """The metadata cannot describe this file: undecodable, nameless, or for another file."""


@dataclass(frozen=True, slots=True)
class CoreMetadata:
    """Parsed core metadata: ``fields`` in RawMetadata shape, and what did not validate."""

    fields: dict[str, Any]
    warnings: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.fields["name"]

    @property
    def version(self) -> str:
        return self.fields["version"]

    @property
    def metadata_version(self) -> str | None:
        return self.fields.get("metadata_version")


def parse_core_metadata(data: bytes, member: str) -> CoreMetadata:
    """Parse METADATA/PKG-INFO bytes; ``member`` names the source in errors and warnings."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MetadataError(
            f"{member} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from exc
    raw, unparsed = parse_email(text)
    warnings = [
        f"{member}: field {name!r} could not be parsed and is left out ({len(values)} value(s))"
        for name, values in unparsed.items()
    ]
    for key in ("name", "version"):
        if key in unparsed:
            raise MetadataError(f"{member} has {len(unparsed[key])} {key.capitalize()} fields")
        if not raw.get(key, "").strip():
            raise MetadataError(f"{member} has no {key.capitalize()} field")
    problems = _validate(raw)
    declared = raw.get("metadata_version", "")
    if _is_newer(declared) and any(p.field == "metadata-version" for p in problems):
        # A newer Metadata-Version is read as the newest one packaging knows, not refused:
        # its fields are still checked, and the declared version is stored as it was.
        for known in KNOWN_NEWEST_FIRST:
            retry = _validate({**raw, "metadata_version": known})
            if not any(p.field == "metadata-version" for p in retry):
                warnings.append(
                    f"{member}: Metadata-Version {declared} is newer than this ldindex "
                    f"knows; read as {known}"
                )
                problems = retry
                break
    for problem in problems:
        warnings.append(f"{member}: field {problem.field!r} kept unvalidated: {problem}")
    fields: dict[str, Any] = {k: v for k, v in raw.items() if v not in (None, "", [], {})}
    return CoreMetadata(fields, tuple(warnings))


# Newest first: the versions a newer Metadata-Version falls back to, if packaging knows them.
KNOWN_NEWEST_FIRST = ("2.6", "2.5", "2.4")


def _validate(raw: RawMetadata) -> list[InvalidMetadata]:
    try:
        Metadata.from_raw(raw, validate=True)
    except ExceptionGroup as group:
        return [
            exc if isinstance(exc, InvalidMetadata) else InvalidMetadata("?", str(exc))
            for exc in group.exceptions
        ]
    return []


def _is_newer(declared: str) -> bool:
    try:
        return Version(declared) > Version(KNOWN_NEWEST_FIRST[-1])
    except InvalidVersion:
        return False


def check_identity(metadata: CoreMetadata, name: str, version: str, filename: str) -> None:
    """Refuse metadata whose Name or Version disagrees with the filename."""
    if canonicalize_name(metadata.name) != canonicalize_name(name):
        raise MetadataError(
            f"metadata Name {metadata.name!r} does not match the filename's {name!r}"
        )
    if normalise_version(metadata.version) != normalise_version(version):
        raise MetadataError(
            f"metadata Version {metadata.version!r} does not match the filename's {version!r}"
        )


def check_publishable(name: str, version: str) -> None:
    """Refuse a normalised name or a version that could not be a safe URL path segment."""
    if not _NAME.match(name):
        raise MetadataError(f"project name {name!r} is not a valid PEP 508 name")
    if not _VERSION.match(version):
        raise MetadataError(f"version {version!r} has characters no version may have")
