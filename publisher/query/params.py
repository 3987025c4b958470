"""The query as a value: read from a GET query string or a POST JSON body, checked, canonical.

Both transports give the same ``QueryRequest``, and its ``canonical()`` query string names the
answer (cache key, JSON-LD ``@id``) whichever way it was asked. Every value is bounded, and a
bad one raises ``BadParameter`` naming the parameter and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from publisher.query.environment import MARKER_NAMES, EnvironmentSpec
from publisher.query.errors import BadParameter

__all__ = ["KINDS", "MAX_BODY", "QueryRequest", "VersionFilter"]

KINDS = ("any", "wheel", "sdist")
MAX_BODY = 256 * 1024  # bytes of a POST body
MAX_TEXT = 200  # characters of one value
MAX_ITEMS = 64  # values of a list parameter
MAX_TAGS = 8192  # entries of a tag list (a full packaging.tags.sys_tags() is ~1,000-2,000)
_EXTRA = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}
_SINGLE = (
    "name", "version", "python", "implementation", "os", "os_version", "arch", "kind",
    "variant", "pre", "all", "format",
)  # fmt: skip
_LISTS = ("abi", "platform", "tags", "extras")


@dataclass(frozen=True, slots=True)
class VersionFilter:
    """Which versions a query admits: a PEP 440 specifier set, and whether it pins one
    version exactly (``==1.0`` or ``===1.0``), which is what lets a yanked file be chosen."""

    text: str | None
    specifier: SpecifierSet
    pinned: bool

    @classmethod
    def parse(cls, text: str | None) -> VersionFilter:
        if text is None or not text.strip():
            return cls(None, SpecifierSet(), False)
        text = text.strip()
        try:
            specifier = SpecifierSet(f"=={Version(text)}")
        except InvalidVersion:
            try:
                specifier = SpecifierSet(text)
            except InvalidSpecifier:
                raise BadParameter(
                    "version", f"{text!r} is neither a PEP 440 version nor a specifier"
                ) from None
        pinned = all(
            s.operator == "===" or (s.operator == "==" and not s.version.endswith(".*"))
            for s in specifier
        )
        return cls(text, specifier, pinned and len(specifier) > 0)


@dataclass(frozen=True, slots=True)
class QueryRequest:
    """One environment query, validated."""

    name: str
    version: VersionFilter = field(default_factory=lambda: VersionFilter.parse(None))
    pre: bool = False
    kind: str = "any"
    variant: str | None = None
    all: bool = False
    extras: tuple[str, ...] = ()
    environment: EnvironmentSpec = field(default_factory=EnvironmentSpec)

    def canonical(self) -> str:
        """The query string that names this query: parameters sorted, values normalised."""
        env = self.environment
        pairs: list[tuple[str, str]] = [("name", self.name)]
        for key, value in (
            ("version", self.version.text),
            ("python", env.python),
            ("implementation", env.implementation),
            ("abi", ",".join(env.abis)),
            ("platform", ",".join(env.platforms)),
            ("os", env.os),
            ("os_version", env.os_version),
            ("arch", env.arch),
            ("tags", ",".join(env.tags)),
            ("extras", ",".join(self.extras)),
            ("kind", self.kind if self.kind != "any" else None),
            ("variant", self.variant),
            ("pre", "true" if self.pre else None),
            ("all", "true" if self.all else None),
        ):
            if value:
                pairs.append((key, value))
        pairs += sorted(env.markers)
        return urlencode(sorted(pairs), safe=",")

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def from_query_string(cls, query: str) -> QueryRequest:
        """A GET query: ``name=…&python=3.12&platform=…``; list parameters repeat or take
        commas; PEP 508 marker variables are parameters of their own name."""
        if len(query) > MAX_BODY:
            raise BadParameter("query", f"longer than {MAX_BODY} bytes; POST a JSON body")
        values: dict[str, Any] = {}
        markers: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key in MARKER_NAMES:
                if key in markers:
                    raise BadParameter(key, "given more than once")
                markers[key] = value
            elif key in _LISTS:
                values.setdefault(key, []).extend(v for v in value.split(",") if v.strip())
            elif key in _SINGLE:
                if key in values:
                    raise BadParameter(key, "given more than once")
                values[key] = value
            else:
                raise BadParameter(key, "unknown parameter")
        if markers:
            values["markers"] = markers
        values.pop("format", None)  # read by the router's content negotiation
        return cls.from_values(values)

    @classmethod
    def from_json(cls, body: object) -> QueryRequest:
        """A POST body: a JSON object with the same keys; lists as arrays, booleans as
        booleans, ``markers`` as an object of PEP 508 values."""
        if not isinstance(body, Mapping):
            raise BadParameter("body", "must be a JSON object")
        for key in body:
            if key not in (*_SINGLE, *_LISTS, "markers") or key == "format":
                raise BadParameter(str(key), "unknown parameter")
        return cls.from_values(dict(body))

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> QueryRequest:
        name = _text(values, "name")
        if not name:
            raise BadParameter("name", "required: the project's name")
        kind = (_text(values, "kind") or "any").lower()
        if kind not in KINDS:
            raise BadParameter("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
        raw_extras = _list(values, "extras")
        for raw in raw_extras:
            if not _EXTRA.fullmatch(raw):
                raise BadParameter("extras", f"{raw!r} is not an extra name")
        extras = tuple(sorted({canonicalize_name(e) for e in raw_extras}))
        markers = values.get("markers") or {}
        if not isinstance(markers, Mapping):
            raise BadParameter("markers", "must be an object of PEP 508 marker values")
        environment = EnvironmentSpec(
            python=_text(values, "python"),
            implementation=_text(values, "implementation"),
            abis=tuple(a.lower() for a in _list(values, "abi")),
            platforms=tuple(p.lower() for p in _list(values, "platform")),
            os=_text(values, "os"),
            os_version=_text(values, "os_version"),
            arch=_text(values, "arch"),
            markers=tuple(sorted((str(k), _marker(k, v)) for k, v in markers.items())),
            tags=tuple(_list(values, "tags", MAX_TAGS)),
        )
        return cls(
            name=canonicalize_name(name),
            version=VersionFilter.parse(_text(values, "version")),
            pre=_flag(values, "pre"),
            kind=kind,
            variant=_text(values, "variant"),
            all=_flag(values, "all"),
            extras=extras,
            environment=environment,
        )


def _text(values: Mapping[str, Any], key: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadParameter(key, "must be a string")
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise BadParameter(key, f"longer than {MAX_TEXT} characters")
    return value or None


def _list(values: Mapping[str, Any], key: str, limit: int = MAX_ITEMS) -> list[str]:
    value = values.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadParameter(key, "must be a list of strings (or one comma-separated string)")
    if len(value) > limit:
        raise BadParameter(key, f"more than {limit} values")
    if any(len(v) > MAX_TEXT for v in value):
        raise BadParameter(key, f"a value is longer than {MAX_TEXT} characters")
    return [v.strip() for v in value]


def _flag(values: Mapping[str, Any], key: str) -> bool:
    value = values.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise BadParameter(key, f"{value!r} is not a boolean (true or false)")


def _marker(key: object, value: object) -> str:
    if not isinstance(value, str):
        raise BadParameter(f"markers.{key}", "must be a string")
    return value
