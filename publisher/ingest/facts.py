"""Per-file facts from compatibility tags: Python implementation/version/ABI, OS, OS version,
libc and architecture, so a tool can match a file to a target without re-parsing its name.

The tag grammar is PEP 425/600/656 (``manylinux_2_17_x86_64``, ``musllinux_1_2_aarch64``),
with the legacy aliases of PEP 513/571/599, macOS multi-arch names, Windows, and the mobile
platforms of PEP 730 (iOS) and PEP 738 (Android).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.tags import Tag

from crosswalk.records import PlatformFacts, PythonFacts

__all__ = ["legacy_platform_facts", "platform_facts", "python_facts"]

IMPLEMENTATIONS = {
    "py": "Python",
    "cp": "CPython",
    "pp": "PyPy",
    "ip": "IronPython",
    "jy": "Jython",
    "gp": "GraalPy",
}

# Architecture spellings across platforms, folded to one name each. ``i686`` stays ``i686``
# (a real 32-bit x86 baseline); Windows' ``win32`` is 32-bit x86 of no stated level.
ARCH_ALIASES = {
    "amd64": "x86_64",
    "x64": "x86_64",
    "win32": "x86",
    "arm32": "arm",
    "aarch64": "aarch64",
}

MANYLINUX_LEGACY = {"manylinux1": "2.5", "manylinux2010": "2.12", "manylinux2014": "2.17"}

# macOS fat binaries: https://github.com/pypa/packaging tags.py _mac_binary_formats.
MAC_MULTI_ARCH = {
    "universal2": ("x86_64", "arm64"),
    "universal": ("i386", "ppc", "x86_64", "ppc64"),
    "intel": ("i386", "x86_64"),
    "fat": ("i386", "ppc"),
    "fat3": ("i386", "ppc", "x86_64"),
    "fat32": ("i386", "ppc"),
    "fat64": ("x86_64", "ppc64"),
}

_PY_TAG = re.compile(r"^(?P<impl>[a-z]+?)(?P<digits>\d*)$")
_GLIBC = re.compile(r"^manylinux_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.+)$")
_MUSL = re.compile(r"^musllinux_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.+)$")
_LEGACY_MANYLINUX = re.compile(r"^(?P<policy>manylinux1|manylinux2010|manylinux2014)_(?P<arch>.+)$")
_MACOS = re.compile(r"^macosx_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.+)$")
_IOS = re.compile(r"^ios_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.+?)_(?:iphoneos|iphonesimulator)$")
_ANDROID = re.compile(r"^android_(?P<api>\d+)_(?P<arch>.+)$")
_GENERIC = re.compile(r"^(?P<os>[a-z]+)_(?P<rest>.+)$")


def python_facts(tags: Iterable[Tag]) -> tuple[PythonFacts, ...]:
    """One entry per distinct interpreter/ABI pair among the tags."""
    seen: dict[tuple[str, str], PythonFacts] = {}
    for tag in tags:
        key = (tag.interpreter, tag.abi)
        if key not in seen:
            seen[key] = _python(tag.interpreter, tag.abi)
    return tuple(seen.values())


def _python(interpreter: str, abi: str) -> PythonFacts:
    match = _PY_TAG.match(interpreter)
    prefix, digits = (match["impl"], match["digits"]) if match else (interpreter, "")
    implementation = IMPLEMENTATIONS.get(prefix, prefix)
    if not digits:
        version = None
    elif len(digits) == 1:
        version = digits
    else:
        version = f"{digits[0]}.{digits[1:]}"
    if prefix == "pp" and digits and len(digits) == 2 and digits[0] == "7":
        version = None  # pp73-style tags name the PyPy release, not the Python version
    return PythonFacts(interpreter, implementation, version, abi)


def platform_facts(tags: Iterable[Tag]) -> tuple[PlatformFacts, ...]:
    """One entry per distinct platform tag, in tag order."""
    platforms = dict.fromkeys(tag.platform for tag in tags)
    return tuple(_platform(p) for p in platforms)


def _arch(raw: str) -> str:
    return ARCH_ALIASES.get(raw, raw)


def _platform(tag: str) -> PlatformFacts:
    if tag == "any":
        return PlatformFacts(tag, "any")
    if tag in ("win32", "win_amd64", "win_arm64", "win_ia64", "win_arm32"):
        arch = "x86" if tag == "win32" else _arch(tag.removeprefix("win_"))
        return PlatformFacts(tag, "windows", None, None, (arch,))
    if match := _GLIBC.match(tag):
        version = f"{match['major']}.{match['minor']}"
        return PlatformFacts(tag, "linux", version, "glibc", (_arch(match["arch"]),))
    if match := _LEGACY_MANYLINUX.match(tag):
        version = MANYLINUX_LEGACY[match["policy"]]
        return PlatformFacts(tag, "linux", version, "glibc", (_arch(match["arch"]),))
    if match := _MUSL.match(tag):
        version = f"{match['major']}.{match['minor']}"
        return PlatformFacts(tag, "linux", version, "musl", (_arch(match["arch"]),))
    if tag.startswith("linux_"):
        return PlatformFacts(tag, "linux", None, None, (_arch(tag.removeprefix("linux_")),))
    if match := _MACOS.match(tag):
        arch = match["arch"]
        arches = MAC_MULTI_ARCH.get(arch, (_arch(arch),))
        return PlatformFacts(tag, "macos", f"{match['major']}.{match['minor']}", None, arches)
    if match := _IOS.match(tag):
        return PlatformFacts(
            tag, "ios", f"{match['major']}.{match['minor']}", None, (_arch(match["arch"]),)
        )
    if match := _ANDROID.match(tag):
        return PlatformFacts(tag, "android", match["api"], None, (_arch(match["arch"]),))
    if match := _GENERIC.match(tag):
        # freebsd_14_0_release_amd64, solaris_2_11_i86pc_64bit, cygwin_3_5_x86_64: the OS is
        # the first word, the architecture the last; what lies between is the OS release.
        rest = match["rest"].split("_")
        version = ".".join(p for p in rest[:-1] if p.isdigit()) or None
        return PlatformFacts(tag, match["os"], version, None, (_arch(rest[-1]),))
    return PlatformFacts(tag, tag)


def legacy_platform_facts(platform: str | None) -> tuple[PlatformFacts, ...]:
    """Facts from the platform part of a legacy (egg, wininst, msi, rpm, dmg) filename."""
    if not platform:
        return ()
    if platform in ("win32", "win-amd64", "win-arm64", "win-arm32"):
        return (_platform(platform.replace("-", "_")),)
    normalised = platform.replace("-", "_").replace(".", "_")
    if normalised in ("noarch", "src"):
        return (PlatformFacts(platform, "any"),)
    if re.fullmatch(r"x86_64|i[3-6]86|aarch64|ppc64le|s390x|armv7hl", normalised):
        return (PlatformFacts(platform, "linux", None, None, (_arch(normalised),)),)
    if match := re.fullmatch(r"macosx_?(\d+)_(\d+)(?:_(.+))?", normalised):
        arch = match[3]
        arches = MAC_MULTI_ARCH.get(arch, (_arch(arch),)) if arch else ()
        return (PlatformFacts(platform, "macos", f"{match[1]}.{match[2]}", None, arches),)
    return (_platform(normalised),)
