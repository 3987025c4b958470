"""The schema of each extrinsic kind, and of a write: what the API and the CLI accept.

Every model forbids unknown fields and coerces nothing (``strict``), so a typo or a number
where text belongs is refused with a message naming the field instead of being stored. Values
with a syntax of their own are checked with the field's libraries: PEP 508 requirements and
markers with ``packaging``, package URLs with ``packageurl-python``; timestamps must be
RFC 3339. A write is ``{"kind": …, "data": {…}, "reason": …}``; ``kind`` picks the model.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from packageurl import PackageURL
from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from crosswalk.hardware import CONTROLLED_KEYS, EXTENSION_KEY, is_known_key
from crosswalk.records import (
    ADVISORY,
    DEPENDENCY_CORRECTION,
    EXTERNAL_LINK,
    EXTERNAL_REQUIREMENT,
    HARDWARE_CAPABILITY,
    Target,
)
from crosswalk.values import checked_iri

__all__ = [
    "MAX_REASON",
    "Advisory",
    "DependencyCorrection",
    "ExternalLink",
    "ExternalRequirement",
    "HardwareCapability",
    "InvalidItem",
    "ItemWrite",
    "check_target",
    "document",
    "no_nul",
    "parse_write",
    "validation_message",
]

MAX_REASON = 2000
MAX_TEXT = 100_000


class InvalidItem(ValueError):
    """A write that does not fit its kind's schema; the message names each bad field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _text(limit: int) -> Any:
    return Annotated[str, Field(min_length=1, max_length=limit)]


def no_nul(value: str) -> str:
    """Refuse the NUL character in text stored as text: PostgreSQL cannot hold it, and no
    reason or name needs it (in item data, stored as JSON, it is kept)."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (U+0000)")
    return value


def _timestamp(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone (RFC 3339 needs one, e.g. Z)")
    return value


def _requirement(value: str) -> str:
    try:
        Requirement(value)
    except InvalidRequirement as exc:
        raise ValueError(f"{value!r} is not a PEP 508 requirement: {exc}") from None
    return value.strip()


def _marker(value: str) -> str:
    try:
        return str(Marker(value))
    except InvalidMarker as exc:
        raise ValueError(f"{value!r} is not a PEP 508 environment marker: {exc}") from None


def _purl(value: str) -> str:
    try:
        return PackageURL.from_string(value).to_string()
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a package URL (purl): {exc}") from None


_SWHID = re.compile(r"^swh:1:(cnt|dir|rev|rel|snp|ori):[0-9a-f]{40}(;[^\s]*)?$")


def _link(value: str) -> str:
    """A package URL, a Software Heritage id, or an absolute http(s) IRI."""
    if value.startswith("pkg:"):
        return _purl(value)
    if value.startswith("swh:"):
        if not _SWHID.match(value):
            raise ValueError(f"{value!r} is not a Software Heritage identifier (SWHID)")
        return value
    checked = checked_iri(value)
    if checked is None or checked.startswith("mailto:"):
        raise ValueError(f"{value!r} is not an absolute http(s) IRI, a purl or a SWHID")
    return checked


def _web_iri(value: str) -> str:
    checked = checked_iri(value)
    if checked is None or checked.startswith("mailto:"):
        raise ValueError(f"{value!r} is not an absolute http(s) URL")
    return checked


def _hardware_key(value: str) -> str:
    if not is_known_key(value):
        known = ", ".join(CONTROLLED_KEYS)
        raise ValueError(
            f"unknown capability key {value!r}: use one of {known}, or an extension key "
            "under a namespace (namespace:name)"
        )
    return value


HARDWARE_KEY_PATTERN = f"^({'|'.join(CONTROLLED_KEYS)})$|{EXTENSION_KEY.pattern}"
# Patterns state in the JSON Schema (for clients and generators) what they can of each syntax;
# the validators above enforce the whole of it, with messages naming what is wrong.
PURL_PATTERN = r"^pkg:[A-Za-z][A-Za-z0-9.+-]*/\S+$"
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
Timestamp = Annotated[
    str, Field(json_schema_extra={"pattern": TIMESTAMP_PATTERN}), AfterValidator(_timestamp)
]
Identifier = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s]+$")]
Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON), AfterValidator(no_nul)]
WebIRI = Annotated[str, Field(max_length=4000), AfterValidator(_web_iri)]


# -- OSV advisories (schema 1.6) ------------------------------------------------------------


class OsvEvent(Strict):
    introduced: _text(200) | None = None
    fixed: _text(200) | None = None
    last_affected: _text(200) | None = None
    limit: _text(200) | None = None

    @model_validator(mode="after")
    def _one_event(self) -> OsvEvent:
        given = [k for k in ("introduced", "fixed", "last_affected", "limit") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("an event has exactly one of introduced, fixed, last_affected, limit")
        return self


class OsvRange(Strict):
    type: Literal["ECOSYSTEM", "SEMVER", "GIT"]
    repo: _text(4000) | None = None
    events: Annotated[list[OsvEvent], Field(min_length=1, max_length=1000)]
    database_specific: dict[str, Any] | None = None


class OsvPackage(Strict):
    ecosystem: _text(200)
    name: _text(500)
    purl: (
        Annotated[str, Field(json_schema_extra={"pattern": PURL_PATTERN}), AfterValidator(_purl)]
        | None
    ) = None


class OsvSeverity(Strict):
    type: Literal["CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu"]
    score: _text(500)


class OsvAffected(Strict):
    package: OsvPackage | None = None
    severity: list[OsvSeverity] | None = None
    ranges: Annotated[list[OsvRange], Field(max_length=1000)] | None = None
    versions: Annotated[list[_text(200)], Field(max_length=10_000)] | None = None
    ecosystem_specific: dict[str, Any] | None = None
    database_specific: dict[str, Any] | None = None


class OsvReference(Strict):
    type: Literal[
        "ADVISORY", "ARTICLE", "DETECTION", "DISCUSSION", "REPORT", "FIX", "INTRODUCED",
        "GIT", "PACKAGE", "EVIDENCE", "WEB",
    ]  # fmt: skip
    url: WebIRI


class OsvCredit(Strict):
    name: _text(1000)
    contact: list[_text(1000)] | None = None
    type: (
        Literal[
            "FINDER", "REPORTER", "ANALYST", "COORDINATOR", "REMEDIATION_DEVELOPER",
            "REMEDIATION_REVIEWER", "REMEDIATION_VERIFIER", "TOOL", "SPONSOR", "OTHER",
        ]
        | None
    ) = None  # fmt: skip


class Advisory(Strict):
    """A security advisory in the OSV schema (https://ossf.github.io/osv-schema/)."""

    schema_version: _text(20) | None = None
    id: Identifier
    modified: Timestamp | None = None
    published: Timestamp | None = None
    withdrawn: Timestamp | None = None
    aliases: list[Identifier] | None = None
    related: list[Identifier] | None = None
    upstream: list[Identifier] | None = None
    summary: _text(1000) | None = None
    details: _text(MAX_TEXT) | None = None
    severity: list[OsvSeverity] | None = None
    affected: Annotated[list[OsvAffected], Field(max_length=1000)] | None = None
    references: Annotated[list[OsvReference], Field(max_length=1000)] | None = None
    credits: list[OsvCredit] | None = None
    database_specific: dict[str, Any] | None = None


# -- the other kinds ------------------------------------------------------------------------


class DependencyCorrection(Strict):
    """A replacement Requires-Dist list; the artefact's own metadata stays as it is."""

    requires_dist: Annotated[
        list[Annotated[str, Field(max_length=2000), AfterValidator(_requirement)]],
        Field(max_length=1000),
    ]


class ExternalRequirement(Strict):
    """A dependency outside Python packaging, named by a package URL."""

    purl: Annotated[
        str,
        Field(max_length=2000, json_schema_extra={"pattern": PURL_PATTERN}),
        AfterValidator(_purl),
    ]
    version_range: _text(500) | None = None
    scope: Literal["build", "host", "run", "test"] = "run"
    marker: Annotated[str, Field(max_length=2000), AfterValidator(_marker)] | None = None
    requires_external: _text(2000) | None = Field(
        None, description="The Requires-External entry of the metadata this stands for"
    )
    note: _text(MAX_REASON) | None = None


class HardwareCapability(Strict):
    """What a release or file needs from (or can use of) the hardware."""

    key: Annotated[
        str,
        Field(max_length=130, json_schema_extra={"pattern": HARDWARE_KEY_PATTERN}),
        AfterValidator(_hardware_key),
    ] = Field(description="cpu, gpu, accelerator, memory, storage, gpu-memory, or namespace:name")
    value: _text(500)
    relation: Literal["requires", "supports"] = "requires"
    note: _text(MAX_REASON) | None = None


class ExternalLink(Strict):
    """The same software elsewhere: another package manager, an archive, a knowledge base."""

    url: Annotated[str, Field(max_length=4000), AfterValidator(_link)] = Field(
        description="A purl (pkg:conda/conda-forge/numpy), a SWHID, or an http(s) IRI"
    )
    registry: _text(200) | None = Field(
        None, description="Where it is: conda-forge, debian, homebrew, spack, wikidata, doi…"
    )
    relation: Literal["same-as", "packaged-as", "identifier", "related"] = Field(
        "same-as",
        description="same-as: the same software (schema:sameAs); packaged-as: a package of it "
        "in another manager; identifier: a persistent id (DOI, SWHID); related: a related page",
    )
    note: _text(MAX_REASON) | None = None


# -- writes ---------------------------------------------------------------------------------


class AdvisoryWrite(Strict):
    kind: Literal["advisory"]
    data: Advisory
    reason: Reason | None = None


class DependencyCorrectionWrite(Strict):
    kind: Literal["dependency-correction"]
    data: DependencyCorrection
    reason: Reason = Field(description="Why the published dependencies are wrong (required)")


class ExternalRequirementWrite(Strict):
    kind: Literal["external-requirement"]
    data: ExternalRequirement
    reason: Reason | None = None


class HardwareCapabilityWrite(Strict):
    kind: Literal["hardware-capability"]
    data: HardwareCapability
    reason: Reason | None = None


class ExternalLinkWrite(Strict):
    kind: Literal["external-link"]
    data: ExternalLink
    reason: Reason | None = None


ItemWrite = Annotated[
    AdvisoryWrite
    | DependencyCorrectionWrite
    | ExternalRequirementWrite
    | HardwareCapabilityWrite
    | ExternalLinkWrite,
    Field(discriminator="kind"),
]
_WRITE = TypeAdapter(ItemWrite)

KIND_MODELS: dict[str, type[Strict]] = {
    ADVISORY: Advisory,
    DEPENDENCY_CORRECTION: DependencyCorrection,
    EXTERNAL_REQUIREMENT: ExternalRequirement,
    HARDWARE_CAPABILITY: HardwareCapability,
    EXTERNAL_LINK: ExternalLink,
}


def validation_message(error: ValidationError, prefix: tuple[str, ...] = ()) -> str:
    """One line per bad field, each naming the field by its path."""
    lines = []
    for e in error.errors():
        where = ".".join(str(p) for p in (*prefix, *e.get("loc", ()))) or "body"
        message = " ".join(str(e.get("msg", "invalid")).removeprefix("Value error, ").split())
        if e.get("type") == "extra_forbidden":
            message = "unknown field"
        lines.append(f"{where}: {message}")
    return "; ".join(lines)


def parse_write(payload: object) -> AdvisoryWrite | DependencyCorrectionWrite | Any:
    """A write body as its model, or ``InvalidItem`` naming every bad field."""
    try:
        return _WRITE.validate_python(payload)
    except ValidationError as exc:
        raise InvalidItem(validation_message(exc)) from None


def document(write: Any) -> dict[str, Any]:
    """The kind's document as stored: JSON-shaped, absent values left out."""
    return write.data.model_dump(mode="json", exclude_none=True)


def check_target(kind: str, target: Target) -> None:
    """Refuse a kind attached where it means nothing."""
    if kind == DEPENDENCY_CORRECTION and target.level == "project":
        raise InvalidItem(
            "kind: a dependency-correction attaches to a release or a file, not a project"
        )
