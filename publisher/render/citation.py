"""A release's citation as people paste it: BibTeX and CFF 1.2.

The data is the release's citation file where it ships one (``CITATION.cff`` is then served
as shipped), else its core metadata: name, version, authors, licence, repository and the
release's page as the URL. Without a citation file or an author there is nothing to cite
from, and both documents are absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from crosswalk import licenses
from crosswalk.citation import person_name
from crosswalk.persons import parse_people
from crosswalk.records import Release

__all__ = ["citation_bibtex", "citation_cff", "citation_data"]

CFF_VERSION = "1.2.0"
MESSAGE = "If you use this software, please cite it as below."
_BIBTEX_SPECIAL = re.compile(r"([{}\\%&#$_^~])")
_KEY = re.compile(r"[^A-Za-z0-9]+")


def _core_authors(metadata: Mapping[str, Any]) -> list[dict[str, str]]:
    authors = []
    for person in parse_people(metadata.get("author"), metadata.get("author_email")):
        if person.name:
            entry = {"name": person.name}
            if person.email:
                entry["email"] = person.email
            authors.append(entry)
    return authors


def citation_data(release: Release, url: str) -> dict[str, Any] | None:
    """The release's citation in CFF's shape, or None when nothing names an author."""
    metadata = release.metadata
    if release.citation is not None:
        data = dict(release.citation.data)
    else:
        data = {"authors": _core_authors(metadata)}
    if not data.get("authors"):
        return None
    data.setdefault("title", release.name)
    data.setdefault("version", release.version)
    if release.created is not None:
        data.setdefault("date-released", release.created.date().isoformat())
    data.setdefault("url", url)
    statement = licenses.resolve(
        metadata.get("license_expression"), metadata.get("license"), metadata.get("classifiers")
    )
    if statement.expression or statement.spdx_ids:
        data.setdefault("license", statement.expression or " AND ".join(statement.spdx_ids))
    return {"cff-version": CFF_VERSION, "message": data.pop("message", MESSAGE), **data}


def citation_cff(release: Release, url: str) -> bytes | None:
    """CITATION.cff: the shipped file as it is, else one written from the core metadata."""
    if release.citation is not None and release.citation.format == "cff":
        return release.citation.text.encode("utf-8")
    data = citation_data(release, url)
    if data is None:
        return None
    data = {k: v for k, v in data.items() if k not in ("funding", "funders")}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")


def _escape(text: object) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def _bib_person(person: Mapping[str, str]) -> str:
    family = person.get("family-names")
    if family:
        particle = person.get("name-particle")
        family = f"{particle} {family}" if particle else family
        given = person.get("given-names")
        return _escape(f"{family}, {given}" if given else family)
    return "{" + _escape(person_name(person) or "") + "}"


def _entry(kind: str, key: str, fields: list[tuple[str, object]]) -> str:
    lines = [f"@{kind}{{{key},"]
    for name, value in fields:
        if value not in (None, "", []):
            lines.append(f"  {name} = {{{value}}},")
    lines.append("}")
    return "\n".join(lines)


def _doi(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", value.strip(), flags=re.I)


def citation_bibtex(release: Release, url: str) -> bytes | None:
    """A @software entry for the release, and the preferred citation as its own entry."""
    data = citation_data(release, url)
    if data is None:
        return None
    key = _KEY.sub("_", f"{release.project}_{release.version}").strip("_")
    year = str(data.get("date-released", ""))[:4] or None
    entries = [
        _entry(
            "software",
            key,
            [
                ("author", " and ".join(_bib_person(p) for p in data["authors"])),
                ("title", _escape(data["title"])),
                ("version", _escape(data["version"])),
                ("year", year),
                ("doi", _escape(_doi(data.get("doi")) or "")),
                ("url", _escape(data["url"])),
                (
                    "license",
                    _escape(data.get("license", ""))
                    if isinstance(data.get("license"), str)
                    else None,
                ),
            ],
        )
    ]
    preferred = data.get("preferred-citation")
    if isinstance(preferred, Mapping):
        kind = "article" if preferred.get("type") in ("article", "conference-paper") else "misc"
        entries.append(
            _entry(
                kind,
                f"{key}_cite",
                [
                    ("author", " and ".join(_bib_person(p) for p in preferred.get("authors", []))),
                    ("title", _escape(preferred.get("title", ""))),
                    ("journal", _escape(preferred.get("journal", "")) or None),
                    ("year", _escape(preferred.get("year", "")) or None),
                    ("volume", _escape(preferred.get("volume", "")) or None),
                    ("number", _escape(preferred.get("issue", "")) or None),
                    (
                        "pages",
                        f"{_escape(preferred['start'])}--{_escape(preferred['end'])}"
                        if preferred.get("start") and preferred.get("end")
                        else None,
                    ),
                    ("doi", _escape(_doi(preferred.get("doi")) or "")),
                ],
            )
        )
    return ("\n\n".join(entries) + "\n").encode("utf-8")
