"""Citation files shipped in artefacts: ``CITATION.cff`` (YAML) and ``codemeta.json``.

Both are read into one shape, CFF 1.2's (``crosswalk.records.Citation.data``), with a safe
parser and bounds: at most ``MAX_SIZE`` bytes; YAML loaded with ``yaml.safe_load`` after
refusing aliases (a few lines of anchors can stand for gigabytes of structure) and documents
nested deeper than ``MAX_DEPTH``; codemeta.json read as plain JSON, never as JSON-LD with
remote contexts. A field that does not have CFF's shape is dropped with a warning naming the
file and the field; a file that does not parse is dropped with a warning. The artefact is
indexed either way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from crosswalk.records import Citation

__all__ = ["MAX_DEPTH", "MAX_SIZE", "CitationResult", "parse_citation"]

MAX_SIZE = 256 << 10
MAX_DEPTH = 16
MAX_ITEMS = 1_000

PERSON_KEYS = (
    "given-names",
    "family-names",
    "name-particle",
    "name-suffix",
    "name",
    "orcid",
    "email",
    "affiliation",
    "website",
)
TEXT_KEYS = ("title", "message", "abstract", "repository-code", "url", "doi", "cff-version")
WORK_TEXT_KEYS = ("type", "title", "doi", "journal", "collection-title", "url", "month")
WORK_NUMBER_KEYS = ("year", "volume", "issue", "start", "end")


@dataclass(frozen=True, slots=True)
class CitationResult:
    citation: Citation | None
    warnings: tuple[str, ...] = ()


class _Checker:
    """Collects what validates and a warning per field that does not."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.warnings: list[str] = []

    def warn(self, field: str, reason: str) -> None:
        self.warnings.append(f"{self.where}: field {field!r} {reason}; ignored")

    def text(self, value: Any, field: str) -> str | None:
        if isinstance(value, bool) or value is None:
            if value is not None:
                self.warn(field, "is not text")
            return None
        if isinstance(value, str | int | float):
            text = str(value).strip()
            return text or None
        if isinstance(value, dt.date):
            return value.isoformat()
        self.warn(field, "is not text")
        return None

    def texts(self, value: Any, field: str) -> list[str]:
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        if not isinstance(value, list):
            self.warn(field, "is not a list")
            return []
        found = [self.text(v, f"{field}[{i}]") for i, v in enumerate(value[:MAX_ITEMS])]
        return list(dict.fromkeys(v for v in found if v))

    def person(self, value: Any, field: str) -> dict[str, str] | None:
        if not isinstance(value, Mapping):
            self.warn(field, "is not a person or entity")
            return None
        person = {}
        for key in PERSON_KEYS:
            if key in value:
                text = self.text(value[key], f"{field}.{key}")
                if text:
                    person[key] = text
        if not any(k in person for k in ("given-names", "family-names", "name")):
            self.warn(field, "names nobody (no given-names, family-names or name)")
            return None
        return person

    def people(self, value: Any, field: str) -> list[dict[str, str]]:
        if not isinstance(value, list):
            self.warn(field, "is not a list")
            return []
        found = [self.person(v, f"{field}[{i}]") for i, v in enumerate(value[:MAX_ITEMS])]
        return [p for p in found if p]


def _depth(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests no deeper than ``limit``."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, Mapping):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def _work(check: _Checker, value: Any, field: str) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        check.warn(field, "is not a reference")
        return None
    work: dict[str, Any] = {}
    for key in (*WORK_TEXT_KEYS, *WORK_NUMBER_KEYS):
        if key in value:
            text = check.text(value[key], f"{field}.{key}")
            if text:
                work[key] = text
    if "authors" in value:
        work["authors"] = check.people(value["authors"], f"{field}.authors")
    publisher = value.get("publisher")
    if isinstance(publisher, Mapping) and isinstance(publisher.get("name"), str):
        work["publisher"] = publisher["name"].strip()
    if not work.get("title"):
        check.warn(field, "has no title")
        return None
    return work


def _from_cff(data: Mapping[str, Any], check: _Checker) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in TEXT_KEYS:
        if key in data:
            text = check.text(data[key], key)
            if text:
                out[key] = text
    if "version" in data:
        version = check.text(data["version"], "version")
        if version:
            out["version"] = version
    if "date-released" in data:
        date = check.text(data["date-released"], "date-released")
        if date:
            out["date-released"] = date
    if "authors" in data:
        out["authors"] = check.people(data["authors"], "authors")
    else:
        check.warn("authors", "is missing (CFF requires it)")
    for key in ("keywords",):
        if key in data:
            out[key] = check.texts(data[key], key)
    if "license" in data:
        out["license"] = check.texts(data["license"], "license")
    if "identifiers" in data:
        identifiers = []
        if isinstance(data["identifiers"], list):
            for i, item in enumerate(data["identifiers"][:MAX_ITEMS]):
                if isinstance(item, Mapping) and isinstance(item.get("value"), str):
                    identifiers.append(
                        {"type": str(item.get("type", "other")), "value": item["value"]}
                    )
                else:
                    check.warn(f"identifiers[{i}]", "has no value")
        else:
            check.warn("identifiers", "is not a list")
        out["identifiers"] = identifiers
    if "preferred-citation" in data:
        work = _work(check, data["preferred-citation"], "preferred-citation")
        if work:
            out["preferred-citation"] = work
    for key in ("title", "message"):
        if key not in out:
            check.warn(key, "is missing (CFF requires it)")
    return out


def _load_cff(text: str, check: _Checker) -> Mapping[str, Any] | None:
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                check.warnings.append(f"{check.where}: YAML aliases are not accepted; file ignored")
                return None
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        check.warnings.append(f"{check.where}: not valid YAML ({first}); file ignored")
        return None
    if not isinstance(data, Mapping):
        check.warnings.append(
            f"{check.where}: not a CFF document (no mapping at the top); file ignored"
        )
        return None
    return data


# -- codemeta.json -> the CFF shape ------------------------------------------------------------


def _get(node: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in node:
            return node[key]
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _codemeta_person(node: Any) -> dict[str, Any] | None:
    if isinstance(node, str):
        return {"name": node}
    if not isinstance(node, Mapping):
        return None
    person: dict[str, Any] = {}
    kind = str(_get(node, "@type", "type") or "Person")
    given, family = _get(node, "givenName"), _get(node, "familyName")
    if given is not None:
        person["given-names"] = given
    if family is not None:
        person["family-names"] = family
    name = _get(node, "name")
    if name is not None and ("Organization" in kind or not (given or family)):
        person["name"] = name
    for candidate in (_get(node, "@id", "id"), _get(node, "identifier")):
        if isinstance(candidate, str) and "orcid.org/" in candidate:
            person["orcid"] = candidate
    if _get(node, "email") is not None:
        person["email"] = _get(node, "email")
    affiliation = _get(node, "affiliation")
    if isinstance(affiliation, list):
        affiliation = affiliation[0] if affiliation else None
    if isinstance(affiliation, Mapping):
        affiliation = _get(affiliation, "name", "legalName")
    if affiliation is not None:
        person["affiliation"] = affiliation
    return person


def _codemeta_identifiers(value: Any) -> tuple[str | None, list[dict[str, str]]]:
    doi, identifiers = None, []
    for item in _as_list(value):
        if isinstance(item, Mapping):
            item = _get(item, "@id", "id", "value", "propertyID")
        if not isinstance(item, str):
            continue
        if "doi.org/" in item or item.lower().startswith(("10.", "doi:")):
            doi = doi or item
            identifiers.append({"type": "doi", "value": item})
        else:
            identifiers.append({"type": "url" if "://" in item else "other", "value": item})
    return doi, identifiers


def _codemeta_work(node: Any) -> dict[str, Any] | None:
    if isinstance(node, list):
        node = node[0] if node else None
    if not isinstance(node, Mapping):
        return None
    kind = str(_get(node, "@type", "type") or "")
    work: dict[str, Any] = {"type": "article" if "Article" in kind else "generic"}
    if _get(node, "name", "headline") is not None:
        work["title"] = _get(node, "name", "headline")
    work["authors"] = [p for p in map(_codemeta_person, _as_list(_get(node, "author"))) if p]
    doi, _ = _codemeta_identifiers(_get(node, "identifier", "@id", "id"))
    if doi:
        work["doi"] = doi
    venue = _get(node, "isPartOf")
    if isinstance(venue, Mapping) and _get(venue, "name") is not None:
        work["journal"] = _get(venue, "name")
    published = _get(node, "datePublished")
    if isinstance(published, str) and published[:4].isdigit():
        work["year"] = published[:4]
    return work


def _from_codemeta(data: Mapping[str, Any], check: _Checker) -> dict[str, Any]:
    doi, identifiers = _codemeta_identifiers(_get(data, "identifier"))
    keywords = _get(data, "keywords")
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",") if k.strip()]
    shaped: dict[str, Any] = {
        "title": _get(data, "name"),
        "abstract": _get(data, "description"),
        "version": _get(data, "version", "softwareVersion"),
        "date-released": _get(data, "datePublished", "dateCreated"),
        "repository-code": _get(data, "codeRepository"),
        "url": _get(data, "url"),
        "doi": doi,
        "keywords": keywords,
        "authors": [_codemeta_person(p) or {} for p in _as_list(_get(data, "author"))],
    }
    if identifiers:
        shaped["identifiers"] = identifiers
    work = _codemeta_work(_get(data, "referencePublication", "citation"))
    if work is not None:
        shaped["preferred-citation"] = work
    shaped = {k: v for k, v in shaped.items() if v not in (None, [], "")}
    out = _from_cff(shaped, check)
    check.warnings[:] = [w for w in check.warnings if "(CFF requires it)" not in w]
    funding = check.texts(_get(data, "funding") or [], "funding")
    funders = []
    for i, funder in enumerate(_as_list(_get(data, "funder"))):
        name = _get(funder, "name", "legalName") if isinstance(funder, Mapping) else funder
        text = check.text(name, f"funder[{i}]")
        if text:
            funders.append(text)
    if funding:
        out["funding"] = funding
    if funders:
        out["funders"] = funders
    return out


def _load_codemeta(text: str, check: _Checker) -> Mapping[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError as exc:
        check.warnings.append(f"{check.where}: not valid JSON ({exc}); file ignored")
        return None
    if not isinstance(data, Mapping):
        check.warnings.append(
            f"{check.where}: not a Codemeta document (no object at the top); file ignored"
        )
        return None
    return data


FORMATS: dict[str, tuple[Callable[..., Any], Callable[..., dict[str, Any]]]] = {
    "cff": (_load_cff, _from_cff),
    "codemeta": (_load_codemeta, _from_codemeta),
}


def parse_citation(data: bytes, fmt: str, filename: str, member: str) -> CitationResult:
    """A citation file read into a ``Citation``, or None and warnings naming file and field."""
    where = f"{filename}:{member}"
    if len(data) > MAX_SIZE:
        return CitationResult(None, (f"{where}: over {MAX_SIZE:,} bytes; file ignored",))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return CitationResult(None, (f"{where}: not UTF-8 ({exc.reason}); file ignored",))
    check = _Checker(where)
    load, shape = FORMATS[fmt]
    loaded = load(text, check)
    if loaded is None:
        return CitationResult(None, tuple(check.warnings))
    if not _depth(loaded):
        return CitationResult(
            None, (f"{where}: nested deeper than {MAX_DEPTH} levels; file ignored",)
        )
    shaped = shape(loaded, check)
    if not shaped.get("title") and not shaped.get("authors"):
        check.warnings.append(f"{where}: states neither a title nor authors; file ignored")
        return CitationResult(None, tuple(check.warnings))
    citation = Citation(filename=filename, member=member, format=fmt, data=shaped, text=text)
    return CitationResult(citation, tuple(check.warnings))
