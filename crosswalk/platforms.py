"""Targets in words: Python runtimes and operating systems as people and search engines read
them ("CPython 3.12", "Linux glibc ≥ 2.17 x86-64", "macOS ≥ 11 arm64", "Windows x86-64").

One spelling per thing: the crosswalk's ``schema:runtimePlatform`` and
``schema:operatingSystem`` values and the pages' files table use these functions, so "any
OS" is always "OS Independent" and an implementation is never a programming language.
"""

from __future__ import annotations

from crosswalk.records import DistributionFile, PlatformFacts, PythonFacts

__all__ = [
    "ANY_OS",
    "OS_NAMES",
    "classifier_os_name",
    "file_os_names",
    "platform_words",
    "python_words",
    "runtime_from_requires_python",
]

ANY_OS = "OS Independent"
OS_NAMES = {
    "any": ANY_OS,
    "linux": "Linux",
    "macos": "macOS",
    "windows": "Windows",
    "android": "Android",
    "ios": "iOS",
    "freebsd": "FreeBSD",
    "openbsd": "OpenBSD",
    "netbsd": "NetBSD",
    "solaris": "Solaris",
    "cygwin": "Cygwin",
    "aix": "AIX",
}
ARCH_WORDS = {
    "x86_64": "x86-64",
    "x86": "x86 (32-bit)",
    "i686": "x86 (32-bit)",
    "i386": "x86 (32-bit)",
    "aarch64": "ARM64",
    "arm64": "ARM64",
    "arm": "ARM (32-bit)",
    "armv7l": "ARMv7",
    "ppc64le": "POWER (little-endian)",
    "s390x": "IBM Z",
    "riscv64": "RISC-V 64",
}
# Operating System classifiers' last parts, in the words OS_NAMES uses.
_CLASSIFIER_OS = {
    "OS Independent": ANY_OS,
    "MacOS X": "macOS",
    "MacOS": "macOS",
    "Microsoft": "Windows",
    "Windows": "Windows",
    "Linux": "Linux",
    "POSIX": "POSIX",
    "Unix": "Unix",
    "BSD": "BSD",
    "FreeBSD": "FreeBSD",
    "Android": "Android",
    "iOS": "iOS",
}


def classifier_os_name(parts: list[str]) -> str:
    """An ``Operating System ::`` classifier's parts as one OS name: ``["POSIX", "Linux"]``
    is "Linux", ``["Microsoft", "Windows", "Windows 10"]`` is "Windows 10"."""
    last = parts[-1]
    return _CLASSIFIER_OS.get(last, last)


def os_name(family: str) -> str:
    """A file's lower-case OS family in words."""
    return OS_NAMES.get(family, family)


def file_os_names(files: tuple[DistributionFile, ...]) -> list[str]:
    """The operating systems a release's built files run on, in words: "OS Independent"
    alone when one runs anywhere (a pure wheel) or when no file names a platform (sdists
    only)."""
    names = {os_name(p.os) for f in files for p in f.platforms}
    if not names or ANY_OS in names:
        return [ANY_OS]
    return sorted(names)


def python_words(p: PythonFacts) -> str:
    """ "CPython 3.12", "Python 3", "PyPy"."""
    return f"{p.implementation} {p.python_version}" if p.python_version else p.implementation


def _arch_words(arches: tuple[str, ...]) -> str:
    return "/".join(ARCH_WORDS.get(a, a) for a in arches)


def platform_words(p: PlatformFacts) -> str:
    """A platform tag in words: "Linux glibc ≥ 2.17 x86-64", "macOS ≥ 11 ARM64"."""
    if p.os == "any":
        return "any platform"
    name = os_name(p.os)
    version = p.os_version
    if p.os == "macos" and version and version.endswith(".0"):
        version = version[:-2]
    parts = [name]
    if p.libc:
        parts.append(f"{p.libc} ≥ {version}" if version else p.libc)
    elif version:
        parts.append(f"API {version}" if p.os == "android" else f"≥ {version}")
    if p.architectures:
        parts.append(_arch_words(p.architectures))
    return " ".join(parts)


def runtime_from_requires_python(specifier: object) -> str | None:
    """Requires-Python as a runtime platform: ">=3.8" is "Python >=3.8"."""
    if not isinstance(specifier, str) or not specifier.strip():
        return None
    return f"Python {specifier.strip()}"
