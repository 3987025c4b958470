"""A client's environment, read once: the tags it accepts (best first) and its PEP 508 values.

The tag list is what pip computes for ``--python-version --implementation --abi --platform``
(``pip._internal.utils.compatibility_tags.get_supported``, built on ``packaging.tags``), so a
choice made here equals pip's. What the client leaves out must not matter: without a Python
version only files for any Python 3 qualify; without a platform only platform-independent
files. Marker values are derived from what was stated and never guessed: a value nobody
stated (``platform_release``, say) stays unknown, and markers that need it stay undecided.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from packaging.tags import Tag, compatible_tags, cpython_tags, generic_tags, parse_tag
from packaging.version import Version

from publisher.ingest.facts import IMPLEMENTATIONS, platform_facts
from publisher.query.errors import BadParameter
from publisher.query.platforms import (
    TargetSystem,
    pip_platforms,
    system_platforms,
    target_system,
    validate_platform,
)

__all__ = ["MARKER_NAMES", "Environment", "EnvironmentSpec", "build_environment"]

# PEP 508 environment markers a client may state.
MARKER_NAMES = frozenset(
    {
        "os_name", "sys_platform", "platform_machine", "platform_python_implementation",
        "platform_release", "platform_system", "platform_version", "python_version",
        "python_full_version", "implementation_name", "implementation_version",
    }
)  # fmt: skip
# Interpreter tag prefix → (implementation_name, platform_python_implementation).
_MARKER_IMPLEMENTATION = {
    "cp": ("cpython", "CPython"),
    "pp": ("pypy", "PyPy"),
    "gp": ("graalpy", "GraalPy"),
    "ip": ("ironpython", "IronPython"),
    "jy": ("jython", "Jython"),
}
_IMPLEMENTATION_NAMES = {
    **{name: prefix for prefix, (name, _) in _MARKER_IMPLEMENTATION.items()},
    **{prefix: prefix for prefix in _MARKER_IMPLEMENTATION},
}
_OS_MARKERS = {
    "linux": ("posix", "linux", "Linux"),
    "macos": ("posix", "darwin", "Darwin"),
    "windows": ("nt", "win32", "Windows"),
}
_WINDOWS_MACHINE = {"win_amd64": "AMD64", "win_arm64": "ARM64"}
_PYTHON = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?$")
_ABI = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True, slots=True)
class EnvironmentSpec:
    """The environment as the client stated it, before validation (hashable, for caching)."""

    python: str | None = None
    implementation: str | None = None
    abis: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    os: str | None = None
    os_version: str | None = None
    arch: str | None = None
    markers: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Environment:
    """What a target accepts. ``tags`` are ``interpreter-abi-platform`` strings, best first;
    ``rank`` maps each to its position (lower is better)."""

    spec: EnvironmentSpec
    tags: tuple[str, ...]
    python: Version | None
    implementation: str | None
    abis: tuple[str, ...]
    platforms: tuple[str, ...]
    system: TargetSystem | None
    markers: Mapping[str, str]
    rank: Mapping[str, int] = field(repr=False)
    interpreters: frozenset[str] = field(repr=False)
    interpreter_abis: frozenset[tuple[str, str]] = field(repr=False)
    platform_set: frozenset[str] = field(repr=False)


def build_environment(spec: EnvironmentSpec) -> Environment:
    """Validate a stated environment and compute its tags; ``BadParameter`` names what is
    wrong. Cached: a few environments account for most queries."""
    return _build(spec)


@lru_cache(maxsize=1024)
def _build(spec: EnvironmentSpec) -> Environment:
    markers = _stated_markers(spec.markers)
    python = _python(spec.python, markers)
    implementation = _implementation(spec.implementation, markers, python)
    abis = tuple(_abi(a) for a in spec.abis)
    system = None
    if spec.tags and (spec.platforms or spec.os or spec.abis):
        raise BadParameter("tags", "give either a tag list or python/abi/platform/os, not both")
    if spec.platforms and (spec.os or spec.os_version or spec.arch):
        raise BadParameter("platform", "give either platform tags or os/os_version/arch")
    if spec.os or spec.os_version or spec.arch:
        if not spec.os:
            raise BadParameter("os", "required with os_version/arch (linux, macos or windows)")
        try:
            system = target_system(spec.os, spec.os_version, spec.arch)
        except ValueError as exc:
            parameter, _, reason = str(exc).partition(": ")
            raise BadParameter(parameter, reason) from None
        platforms = system_platforms(system)
    else:
        platforms = []
        for tag in spec.platforms:
            try:
                validate_platform(tag)
            except ValueError as exc:
                raise BadParameter("platform", str(exc)) from None
            platforms += [p for p in pip_platforms(tag) if p not in platforms]
    if spec.tags:
        tags = _explicit_tags(spec.tags)
    else:
        if abis and python is None:
            raise BadParameter("abi", "needs python (the ABI belongs to a Python version)")
        tags = _supported_tags(python, implementation, abis, platforms or ["any"])
    rank: dict[str, int] = {}
    for position, tag in enumerate(tags):
        rank.setdefault(str(tag), position)
    derived = _derived_markers(python, implementation, system, _marker_platforms(spec, tags))
    return Environment(
        spec=spec,
        tags=tuple(rank),
        python=python,
        implementation=implementation,
        abis=abis,
        platforms=tuple(dict.fromkeys(t.platform for t in tags)),
        system=system,
        markers={**derived, **markers},
        rank=rank,
        interpreters=frozenset(t.interpreter for t in tags),
        interpreter_abis=frozenset((t.interpreter, t.abi) for t in tags),
        platform_set=frozenset(t.platform for t in tags),
    )


def _stated_markers(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    markers: dict[str, str] = {}
    for key, value in pairs:
        if key not in MARKER_NAMES:
            known = ", ".join(sorted(MARKER_NAMES))
            raise BadParameter(f"markers.{key}", f"not a PEP 508 marker variable ({known})")
        if not isinstance(value, str) or len(value) > 200:
            raise BadParameter(f"markers.{key}", "must be a string of at most 200 characters")
        markers[key] = value
    return markers


def _python(stated: str | None, markers: Mapping[str, str]) -> Version | None:
    source, text = "python", stated
    if text is None:
        source = "markers.python_full_version"
        text = markers.get("python_full_version")
    if text is None:
        source, text = "markers.python_version", markers.get("python_version")
    if text is None:
        return None
    match = _PYTHON.match(text.strip())
    if not match or int(match[1]) not in (2, 3):
        raise BadParameter(source, f"{text!r} is not a Python version (e.g. 3.12 or 3.12.4)")
    version = Version(text.strip())
    short = f"{version.release[0]}.{version.release[1]}"
    given = markers.get("python_version")
    if given is not None and given != short:
        raise BadParameter("markers.python_version", f"{given!r} contradicts python {short!r}")
    given = markers.get("python_full_version")
    if given is not None and not (
        given == str(version) if len(version.release) == 3 else given.startswith(f"{short}.")
    ):
        raise BadParameter("markers.python_full_version", f"{given!r} contradicts python {text!r}")
    return version


def _implementation(
    stated: str | None, markers: Mapping[str, str], python: Version | None
) -> str | None:
    if stated is not None:
        found = _IMPLEMENTATION_NAMES.get(stated.strip().lower())
        if found is None:
            known = ", ".join(p for p in IMPLEMENTATIONS if p != "py")
            raise BadParameter("implementation", f"{stated!r} is not one of {known}")
        return found
    name = markers.get("implementation_name")
    if name is not None:
        found = _IMPLEMENTATION_NAMES.get(name.lower())
        if found is None:
            raise BadParameter("markers.implementation_name", f"unknown implementation {name!r}")
        return found
    return "cp" if python is not None else None


def _abi(text: str) -> str:
    abi = text.strip().lower()
    if not _ABI.match(abi):
        raise BadParameter("abi", f"{text!r} is not an ABI tag (e.g. cp312, abi3, none)")
    return abi


def _explicit_tags(texts: Sequence[str]) -> list[Tag]:
    tags: list[Tag] = []
    for text in texts:
        parts = text.strip().split("-")
        if len(parts) != 3 or not all(parts):
            raise BadParameter("tags", f"{text!r} is not a tag (interpreter-abi-platform)")
        tags += parse_tag(text.strip())
    return tags


def _supported_tags(
    python: Version | None, implementation: str | None, abis: Sequence[str], platforms: list[str]
) -> list[Tag]:
    """pip's ``get_supported`` for a stated target."""
    if python is None:
        return list(compatible_tags(python_version=(3,), interpreter=None, platforms=platforms))
    version = python.release[:2]
    interpreter = f"{implementation}{version[0]}{version[1]}"
    if implementation == "cp":
        tags = list(
            cpython_tags(version, abis or [f"cp{version[0]}{version[1]}"], platforms=platforms)
        )
    else:
        tags = list(generic_tags(interpreter, list(abis), platforms))
    return [*tags, *compatible_tags(version, interpreter, platforms)]


def _marker_platforms(spec: EnvironmentSpec, tags: Sequence[Tag]) -> list[str]:
    """The platforms that describe the machine itself: the stated ones, or the best tag's."""
    if spec.platforms:
        return list(spec.platforms)
    best = next((t.platform for t in tags if t.platform != "any"), None)
    return [best] if best else []


def _derived_markers(
    python: Version | None,
    implementation: str | None,
    system: TargetSystem | None,
    platforms: Sequence[str],
) -> dict[str, str]:
    """The PEP 508 values that follow from the stated Python and platform."""
    markers: dict[str, str] = {}
    if python is not None:
        markers["python_version"] = f"{python.release[0]}.{python.release[1]}"
        if len(python.release) == 3:
            markers["python_full_version"] = str(python)
    if implementation in _MARKER_IMPLEMENTATION:
        name, display = _MARKER_IMPLEMENTATION[implementation]
        markers["implementation_name"] = name
        markers["platform_python_implementation"] = display
        if implementation == "cp" and python is not None and len(python.release) == 3:
            markers["implementation_version"] = str(python)
    if system is not None:
        platforms = system_platforms(system)[:1]
    candidates: list[dict[str, str]] = []
    for facts in platform_facts(Tag("py3", "none", p) for p in platforms):
        values: dict[str, str] = {}
        if facts.os in _OS_MARKERS:
            os_name, sys_platform, system_name = _OS_MARKERS[facts.os]
            values.update(os_name=os_name, sys_platform=sys_platform, platform_system=system_name)
        machine = _machine(facts.os, facts.platform_tag, facts.architectures)
        if machine:
            values["platform_machine"] = machine
        candidates.append(values)
    if candidates:  # several stated platforms: keep what they all agree on
        common = candidates[0]
        for other in candidates[1:]:
            common = {k: v for k, v in common.items() if other.get(k) == v}
        markers.update(common)
    return markers


def _machine(os: str, tag: str, arches: Sequence[str]) -> str | None:
    """``platform.machine()`` on such a system, where the tag says it unambiguously."""
    if os == "windows":
        return _WINDOWS_MACHINE.get(tag)
    if os in ("linux", "macos") and len(arches) == 1:
        return arches[0]
    return None
