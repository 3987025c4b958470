"""What an artefact's filename says: distribution type, name, version, tags.

Wheels and sdists are parsed by ``packaging.utils``; the legacy formats PyPI still holds
(eggs, bdist_wininst ``.exe``, bdist_msi ``.msi``, bdist_rpm ``.rpm``, bdist_dmg ``.dmg``)
follow the distutils naming conventions, read here as far as they go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

__all__ = ["ArtefactName", "UnrecognisedFilename", "is_artefact", "parse_artefact_filename"]


class UnrecognisedFilename(ValueError):
    """The filename is not one of the distribution formats ldindex knows."""


@dataclass(frozen=True, slots=True)
class ArtefactName:
    """The facts a filename carries. ``archive`` says how to open the file for metadata."""

    filename: str
    packagetype: str
    name: NormalizedName
    version: str
    archive: str | None
    tags: tuple[Tag, ...] = ()
    build_tag: str | None = None
    python_version: str | None = None
    platform: str | None = None


# (suffix, archive kind) for sdists; the first match wins, so longer suffixes come first.
SDIST_SUFFIXES = (
    (".tar.gz", "tar"),
    (".tar.bz2", "tar"),
    (".tar.xz", "tar"),
    (".tgz", "tar"),
    (".tar", "tar"),
    (".zip", "zip"),
)

_EGG = re.compile(
    r"^(?P<name>[^-]+)-(?P<version>[^-]+)(?:-py(?P<py>\d+(?:\.\d+)?))?(?:-(?P<platform>.+))?\.egg$"
)
# bdist_wininst: "name-version.win32(-py2.7).exe"; bdist_msi likewise with ".msi".
_WININST = re.compile(
    r"^(?P<name>.+?)-(?P<version>\d[^-]*?)\.(?P<platform>win32|win-amd64|win-arm64|win-arm32)"
    r"(?:-py(?P<py>\d+(?:\.\d+)?))?\.(?:exe|msi)$"
)
# bdist_rpm: "name-version-release.arch.rpm" (release is the rpm release number).
_RPM = re.compile(r"^(?P<name>.+)-(?P<version>[^-]+)-(?P<release>[^-]+)\.(?P<arch>[^.]+)\.rpm$")
# bdist_dmg: "name-version-py2.7-macosx10.9.dmg" (python and platform optional).
_DMG = re.compile(
    r"^(?P<name>.+?)-(?P<version>\d[^-]*?)(?:-py(?P<py>\d+(?:\.\d+)?))?(?:-(?P<platform>[^-]+))?\.dmg$"
)

ARTEFACT_SUFFIXES = (
    ".whl",
    ".egg",
    ".exe",
    ".msi",
    ".rpm",
    ".dmg",
    *(s for s, _ in SDIST_SUFFIXES),
)


def is_artefact(filename: str) -> bool:
    """Whether a directory walk should treat this file as an artefact."""
    lower = filename.lower()
    return lower.endswith(ARTEFACT_SUFFIXES) and not lower.endswith(".asc")


def parse_artefact_filename(filename: str) -> ArtefactName:
    """Read distribution type, name, version and tags from an artefact's filename."""
    lower = filename.lower()
    if lower.endswith(".whl"):
        return _wheel(filename)
    for suffix, archive in SDIST_SUFFIXES:
        if lower.endswith(suffix):
            return _sdist(filename, suffix, archive)
    if lower.endswith(".egg"):
        return _legacy(filename, _EGG, "bdist_egg", "zip")
    if lower.endswith(".exe"):
        return _legacy(filename, _WININST, "bdist_wininst", "zip")
    if lower.endswith(".msi"):
        return _legacy(filename, _WININST, "bdist_msi", None)
    if lower.endswith(".rpm"):
        return _legacy(filename, _RPM, "bdist_rpm", None)
    if lower.endswith(".dmg"):
        return _legacy(filename, _DMG, "bdist_dmg", None)
    raise UnrecognisedFilename(f"{filename}: not a wheel, sdist or known legacy format")


def _wheel(filename: str) -> ArtefactName:
    try:
        name, version, build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        raise UnrecognisedFilename(f"{filename}: invalid wheel filename: {exc}") from exc
    ordered = tuple(sorted(tags, key=str))
    build_tag = f"{build[0]}{build[1]}" if build else None
    return ArtefactName(filename, "bdist_wheel", name, str(version), "zip", ordered, build_tag)


def _sdist(filename: str, suffix: str, archive: str) -> ArtefactName:
    if suffix in (".tar.gz", ".zip"):
        try:
            name, version = parse_sdist_filename(filename)
            return ArtefactName(filename, "sdist", name, str(version), archive)
        except InvalidSdistFilename:
            pass  # legacy sdists with non-PEP 440 versions: split like distutils did
    stem = filename[: -len(suffix)]
    name, sep, version = stem.rpartition("-")
    if not sep or not name or not version:
        raise UnrecognisedFilename(
            f"{filename}: sdist filename has no '-' between name and version"
        )
    return ArtefactName(filename, "sdist", canonicalize_name(name), version, archive)


def _legacy(filename: str, pattern: re.Pattern[str], packagetype: str, archive: str | None):
    match = pattern.match(filename)
    if not match:
        raise UnrecognisedFilename(f"{filename}: does not follow the {packagetype} naming scheme")
    groups = match.groupdict()
    platform = groups.get("platform") or groups.get("arch")
    return ArtefactName(
        filename,
        packagetype,
        canonicalize_name(groups["name"].replace("_", "-")),
        groups["version"],
        archive,
        python_version=groups.get("py"),
        platform=platform,
    )
