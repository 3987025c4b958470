"""Per-file facts of every platform wheel, against tags parsed here independently."""

from __future__ import annotations

import re

import pytest
from packaging.utils import parse_wheel_filename

from crosswalk.records import PlatformFacts
from tests.conftest import SHARED_ARTEFACTS as ARTEFACTS
from tests.conftest import shared_artefacts

from .conftest import Index

WHEELS = [p.name for p in shared_artefacts() if p.suffix == ".whl"] if ARTEFACTS.is_dir() else []
PLATFORM_WHEELS = [w for w in WHEELS if not w.endswith("-any.whl")]

LEGACY_GLIBC = {"manylinux1": "2.5", "manylinux2010": "2.12", "manylinux2014": "2.17"}


def expected_platform(tag: str) -> tuple[str, str | None, str | None, tuple[str, ...]]:
    """(os, os_version, libc, architectures) of one platform tag, by the tag grammar."""
    if m := re.fullmatch(r"manylinux_(\d+)_(\d+)_(\w+)", tag):
        return "linux", f"{m[1]}.{m[2]}", "glibc", (m[3],)
    if m := re.fullmatch(r"(manylinux1|manylinux2010|manylinux2014)_(\w+)", tag):
        return "linux", LEGACY_GLIBC[m[1]], "glibc", (m[2],)
    if m := re.fullmatch(r"musllinux_(\d+)_(\d+)_(\w+)", tag):
        return "linux", f"{m[1]}.{m[2]}", "musl", (m[3],)
    if m := re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", tag):
        return "macos", f"{m[1]}.{m[2]}", None, (m[3],)
    return {"win32": ("windows", None, None, ("x86",))}.get(
        tag, ("windows", None, None, ("x86_64",)) if tag == "win_amd64" else ("?", None, None, ())
    )


def test_there_are_platform_wheels_of_each_family() -> None:
    families = {expected_platform(t.platform)[0] for w in PLATFORM_WHEELS for t in _tags(w)}
    assert families == {"linux", "macos", "windows"}


def _tags(filename: str):
    return parse_wheel_filename(filename)[3]


@pytest.mark.parametrize("filename", PLATFORM_WHEELS)
def test_platform_facts_follow_the_filename(
    shared_index: tuple[Index, list], filename: str
) -> None:
    index, _ = shared_index
    stored = index.store.get_file(filename)
    assert stored is not None
    tags = _tags(filename)
    assert sorted(stored.tags) == sorted(str(t) for t in tags)
    got = {p.platform_tag: (p.os, p.os_version, p.libc, p.architectures) for p in stored.platforms}
    assert got == {t.platform: expected_platform(t.platform) for t in tags}
    python = {(p.interpreter_tag, p.abi_tag) for p in stored.python}
    assert python == {(t.interpreter, t.abi) for t in tags}
    for p in stored.python:
        assert p.implementation == "CPython"
        digits = p.interpreter_tag.removeprefix("cp")
        assert p.python_version == f"{digits[0]}.{digits[1:]}"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        (
            "MarkupSafe-3.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            {
                PlatformFacts("manylinux2014_x86_64", "linux", "2.17", "glibc", ("x86_64",)),
                PlatformFacts("manylinux_2_17_x86_64", "linux", "2.17", "glibc", ("x86_64",)),
            },
        ),
        (
            "MarkupSafe-3.0.2-cp312-cp312-musllinux_1_2_x86_64.whl",
            {PlatformFacts("musllinux_1_2_x86_64", "linux", "1.2", "musl", ("x86_64",))},
        ),
        (
            "PyYAML-6.0.2-cp312-cp312-macosx_11_0_arm64.whl",
            {PlatformFacts("macosx_11_0_arm64", "macos", "11.0", None, ("arm64",))},
        ),
        (
            "MarkupSafe-2.1.5-cp39-cp39-win32.whl",
            {PlatformFacts("win32", "windows", None, None, ("x86",))},
        ),
        (
            "msgpack-1.1.0-cp312-cp312-win_amd64.whl",
            {PlatformFacts("win_amd64", "windows", None, None, ("x86_64",))},
        ),
        (
            "PyYAML-6.0.2-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
            {
                PlatformFacts("manylinux2014_aarch64", "linux", "2.17", "glibc", ("aarch64",)),
                PlatformFacts("manylinux_2_17_aarch64", "linux", "2.17", "glibc", ("aarch64",)),
            },
        ),
    ],
)
def test_explicit_platform_facts(
    shared_index: tuple[Index, list], filename: str, expected: set[PlatformFacts]
) -> None:
    stored = shared_index[0].store.get_file(filename)
    assert stored is not None
    assert set(stored.platforms) == expected


def test_compressed_tag_set_yields_every_tag(shared_index: tuple[Index, list]) -> None:
    filename = (
        "psutil-6.1.0-cp36-abi3-manylinux_2_12_x86_64.manylinux2010_x86_64"
        ".manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    )
    stored = shared_index[0].store.get_file(filename)
    assert stored is not None
    assert len(stored.tags) == 4
    assert {p.os_version for p in stored.platforms} == {"2.12", "2.17"}
    assert [(p.implementation, p.python_version, p.abi_tag) for p in stored.python] == [
        ("CPython", "3.6", "abi3")
    ]
    pure = shared_index[0].store.get_file("six-1.16.0-py2.py3-none-any.whl")
    assert pure is not None
    assert sorted(pure.tags) == ["py2-none-any", "py3-none-any"]
    assert {p.os for p in pure.platforms} == {"any"}
    assert {p.python_version for p in pure.python} == {"2", "3"}
