"""Platform tags a target accepts, in installer preference order.

Two ways to state a target, with two meanings:

- ``pip_platforms(tag)``: what ``pip --platform TAG`` accepts, exactly as pip expands it
  (``pip._internal.utils.compatibility_tags._get_custom_platforms``): a ``manylinux_2_28`` or
  ``musllinux`` tag is taken as given; a macOS, iOS or Android tag expands to the older
  releases it runs; ``manylinux2014`` adds ``manylinux2010``/``manylinux1`` on x86.
- ``system_platforms(os, os_version, arch)``: every tag such a system accepts, as
  ``packaging.tags.sys_tags`` would list them on that machine (glibc 2.31 accepts
  ``manylinux_2_31`` … ``manylinux_2_17``, ``manylinux2014``, ``manylinux2010``,
  ``manylinux1``, then ``linux_x86_64``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from packaging.tags import Tag, android_platforms, ios_platforms, mac_platforms

from publisher.ingest.facts import MAC_MULTI_ARCH, platform_facts

__all__ = [
    "SYSTEMS",
    "TargetSystem",
    "pip_platforms",
    "system_platforms",
    "target_system",
    "validate_platform",
]

# Operating systems a platform tag may name (``publisher.ingest.facts`` classifies the tag).
KNOWN_OS = frozenset(
    {
        "any", "windows", "linux", "macos", "ios", "android", "freebsd", "netbsd", "openbsd",
        "dragonfly", "solaris", "sunos", "aix", "cygwin", "emscripten", "pyodide", "wasi",
    }
)  # fmt: skip
LINUX_ARCHES = frozenset(
    {"x86_64", "i686", "aarch64", "armv7l", "armv6l", "ppc64le", "ppc64", "s390x", "riscv64",
     "loongarch64"}
)  # fmt: skip
MAC_ARCHES = frozenset({"x86_64", "arm64", "i386", "ppc", "ppc64", *MAC_MULTI_ARCH})
SYSTEMS = ("linux", "macos", "windows")

# The legacy manylinux names of PEP 513/571/599, by the glibc version they stand for.
_LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}
_APPLE = re.compile(r"^(.+)_(\d+)_(\d+)_(.+)$")
_ANDROID = re.compile(r"^android_(\d+)_(.+)$")
_TAG = re.compile(r"^[a-z0-9_]+$")


def validate_platform(tag: str) -> str:
    """The tag if it is a platform tag of a known system; ``ValueError`` saying why if not."""
    if not _TAG.match(tag):
        raise ValueError(
            f"{tag!r} is not a platform tag (lower-case letters, digits and '_', "
            "e.g. manylinux_2_28_x86_64, musllinux_1_2_aarch64, macosx_14_0_arm64, win_amd64)"
        )
    (facts,) = platform_facts([Tag("py3", "none", tag)])
    if facts.os not in KNOWN_OS:
        raise ValueError(f"{tag!r} names no operating system ldindex knows")
    arches = set(facts.architectures)
    if facts.os == "linux" and not arches <= LINUX_ARCHES:
        raise ValueError(f"{tag!r}: unknown Linux architecture {', '.join(sorted(arches))}")
    if facts.os == "macos" and not arches <= MAC_ARCHES:
        raise ValueError(f"{tag!r}: unknown macOS architecture {', '.join(sorted(arches))}")
    if tag.startswith(("manylinux", "musllinux", "macosx", "ios", "android")) and not (
        facts.os_version
    ):
        raise ValueError(f"{tag!r}: malformed (the system version is missing)")
    return tag


def pip_platforms(tag: str) -> list[str]:
    """The platforms ``pip --platform TAG`` accepts, in pip's order."""
    prefix, sep, suffix = tag.partition("_")
    if tag.startswith("macosx"):
        return _apple(tag, "macosx_", mac_platforms)
    if tag.startswith("ios"):
        return _apple(tag, "ios_", ios_platforms)
    if prefix == "android":
        match = _ANDROID.fullmatch(tag)
        return list(android_platforms(int(match[1]), match[2])) if match else [tag]
    if prefix == "manylinux2014":
        extra = ["manylinux2010", "manylinux1"] if suffix in ("i686", "x86_64") else []
        return [tag, *(f"{legacy}{sep}{suffix}" for legacy in extra)]
    if prefix == "manylinux2010":
        return [tag, f"manylinux1{sep}{suffix}"]
    return [tag]


def _apple(tag: str, prefix: str, expand: Callable[..., Iterator[str]]) -> list[str]:
    match = _APPLE.match(tag)
    if not match:
        return [tag]
    name, major, minor, arch = match.groups()
    return [f"{name}_{p[len(prefix) :]}" for p in expand((int(major), int(minor)), arch)]


@dataclass(frozen=True, slots=True)
class TargetSystem:
    """An operating system, its version (libc for Linux) and CPU architecture, normalised."""

    os: str
    arch: str
    version: tuple[int, int] | None = None
    libc: str | None = None

    def describe(self) -> str:
        version = ".".join(map(str, self.version)) if self.version else ""
        libc = f"{self.libc} " if self.libc else ""
        return f"{self.os} {libc}{version} {self.arch}".replace("  ", " ").strip()


_OS_ALIASES = {
    "linux": "linux",
    "macos": "macos",
    "macosx": "macos",
    "osx": "macos",
    "darwin": "macos",
    "windows": "windows",
    "win": "windows",
    "win32": "windows",
}
_ARCH_ALIASES = {
    "linux": {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "x86": "i686",
              "i386": "i686", "i586": "i686"},
    "macos": {"aarch64": "arm64", "amd64": "x86_64", "x64": "x86_64"},
    "windows": {"x86_64": "amd64", "x64": "amd64", "aarch64": "arm64", "x86": "win32",
                "i686": "win32", "i386": "win32"},
}  # fmt: skip
_WINDOWS = {"amd64": "win_amd64", "win32": "win32", "arm64": "win_arm64"}
_LINUX_VERSION = re.compile(r"^(?:(glibc|musl)[ _-]?)?(\d+)\.(\d+)$")
_MAC_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.\d+)?$")


def target_system(os: str, os_version: str | None, arch: str | None) -> TargetSystem:
    """Read ``os``/``os_version``/``arch`` parameters; ``ValueError`` naming the bad one."""
    family = _OS_ALIASES.get(os.strip().lower())
    if family is None:
        raise ValueError(f"os: {os!r} is not one of {', '.join(SYSTEMS)}")
    if not arch:
        raise ValueError("arch: required with os (e.g. x86_64, aarch64, arm64)")
    raw_arch = arch.strip().lower()
    machine = _ARCH_ALIASES[family].get(raw_arch, raw_arch)
    if family == "linux":
        if machine not in LINUX_ARCHES:
            raise ValueError(f"arch: {arch!r} is not a Linux architecture ldindex knows")
        match = _LINUX_VERSION.match((os_version or "").strip().lower())
        if not match:
            raise ValueError(
                f"os_version: {os_version!r} is not a libc version "
                "(e.g. 'glibc 2.31' or 'musl 1.2'); Linux needs one"
            )
        libc = match[1] or "glibc"
        version = (int(match[2]), int(match[3]))
        if libc == "glibc" and version[0] != 2:
            raise ValueError(f"os_version: glibc {version[0]}.{version[1]} does not exist")
        if libc == "musl" and version[0] != 1:
            raise ValueError(f"os_version: musl {version[0]}.{version[1]} does not exist")
        return TargetSystem("linux", machine, version, libc)
    if family == "macos":
        if machine not in ("x86_64", "arm64"):
            raise ValueError(f"arch: {arch!r} is not a macOS architecture (x86_64 or arm64)")
        match = _MAC_VERSION.match((os_version or "").strip())
        if not match:
            raise ValueError(
                f"os_version: {os_version!r} is not a macOS version (e.g. 14 or 10.15)"
            )
        major, minor = int(match[1]), int(match[2] or 0)
        if major < 10 or (major == 10 and minor < 4) or major > 99:
            raise ValueError(f"os_version: macOS {major}.{minor} is outside what tags can name")
        return TargetSystem("macos", machine, (major, minor))
    if machine not in _WINDOWS:
        raise ValueError(f"arch: {arch!r} is not a Windows architecture (x86_64, x86, arm64)")
    return TargetSystem("windows", machine)


def system_platforms(system: TargetSystem) -> list[str]:
    """Every platform tag the system accepts, best first."""
    if system.os == "windows":
        return [_WINDOWS[system.arch]]
    if system.os == "macos":
        assert system.version is not None
        return list(mac_platforms(system.version, system.arch))
    assert system.version is not None
    if system.libc == "musl":
        tags = [f"musllinux_1_{m}_{system.arch}" for m in range(system.version[1], -1, -1)]
    else:
        tags = list(_manylinux(system.version, system.arch))
    return [*tags, f"linux_{system.arch}"]


def _manylinux(glibc: tuple[int, int], arch: str) -> Iterator[str]:
    # packaging._manylinux.platform_tags, for a stated glibc instead of the running one:
    # x86 goes back to glibc 2.5 (manylinux1), everything else to 2.17 (manylinux2014).
    oldest = 5 if arch in ("x86_64", "i686") else 17
    for minor in range(glibc[1], oldest - 1, -1):
        yield f"manylinux_2_{minor}_{arch}"
        legacy = _LEGACY_MANYLINUX.get((2, minor))
        if legacy:
            yield f"{legacy}_{arch}"
