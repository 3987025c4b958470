"""Environments: tag lists equal pip's, systems expand as packaging would on that machine,
marker values follow from what was stated and nothing else, bad input names the parameter."""

from __future__ import annotations

import pytest
from packaging.tags import mac_platforms
from pip._internal.utils.compatibility_tags import get_supported

from publisher.query import BadParameter, EnvironmentSpec, build_environment
from publisher.query.platforms import pip_platforms


@pytest.mark.parametrize("python", ["3.8", "3.11", "3.13"])
@pytest.mark.parametrize(
    "platform",
    [
        "manylinux_2_17_x86_64", "manylinux_2_28_aarch64", "manylinux2014_x86_64",
        "manylinux2010_i686", "musllinux_1_2_x86_64", "macosx_14_0_arm64", "macosx_10_9_x86_64",
        "win32", "win_amd64", "android_24_arm64_v8a", "ios_13_0_arm64_iphoneos",
    ],
)  # fmt: skip
def test_tags_equal_pips_for_the_same_options(python: str, platform: str) -> None:
    abi = "cp" + python.replace(".", "")
    env = build_environment(EnvironmentSpec(python=python, abis=(abi,), platforms=(platform,)))
    expected = get_supported(
        version=python.replace(".", ""), platforms=[platform], impl="cp", abis=[abi]
    )
    assert list(env.tags) == list(dict.fromkeys(str(t) for t in expected))


def test_pypy_tags_equal_pips() -> None:
    env = build_environment(
        EnvironmentSpec(
            python="3.10", implementation="pp", abis=("pypy310_pp73",), platforms=("win_amd64",)
        )
    )
    expected = get_supported(
        version="310", platforms=["win_amd64"], impl="pp", abis=["pypy310_pp73"]
    )
    assert list(env.tags) == list(dict.fromkeys(str(t) for t in expected))


def test_platform_means_what_pip_platform_means() -> None:
    assert pip_platforms("manylinux_2_28_x86_64") == ["manylinux_2_28_x86_64"]
    assert pip_platforms("musllinux_1_2_aarch64") == ["musllinux_1_2_aarch64"]
    assert pip_platforms("manylinux2014_x86_64") == [
        "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64",
    ]  # fmt: skip
    assert pip_platforms("manylinux2014_aarch64") == ["manylinux2014_aarch64"]
    assert pip_platforms("macosx_12_0_arm64")[:3] == [
        "macosx_12_0_arm64", "macosx_12_0_universal2", "macosx_11_0_arm64",
    ]  # fmt: skip


def test_glibc_system_accepts_every_older_manylinux() -> None:
    env = build_environment(
        EnvironmentSpec(python="3.12", os="linux", os_version="glibc 2.31", arch="x86_64")
    )
    platforms = list(env.platforms)
    expected = [f"manylinux_2_{m}_x86_64" for m in range(31, 4, -1)]
    assert [p for p in platforms if p.startswith("manylinux_")] == expected
    for legacy in ("manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"):
        assert legacy in platforms
    # the legacy name sits right after the glibc version it stands for, as packaging lists it
    assert platforms.index("manylinux2014_x86_64") == platforms.index("manylinux_2_17_x86_64") + 1
    assert platforms[-2:] == ["linux_x86_64", "any"]
    assert not any(p.startswith("musllinux") for p in platforms)
    assert env.tags[0] == "cp312-cp312-manylinux_2_31_x86_64"


def test_aarch64_and_musl_systems() -> None:
    arm = build_environment(
        EnvironmentSpec(python="3.12", os="linux", os_version="2.28", arch="arm64")
    )
    manylinux = [p for p in arm.platforms if p.startswith("manylinux")]
    assert manylinux[0] == "manylinux_2_28_aarch64"
    assert manylinux[-2:] == ["manylinux_2_17_aarch64", "manylinux2014_aarch64"]
    musl = build_environment(
        EnvironmentSpec(python="3.12", os="linux", os_version="musl 1.2", arch="x86_64")
    )
    assert list(musl.platforms) == [
        "musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "musllinux_1_0_x86_64",
        "linux_x86_64", "any",
    ]  # fmt: skip


def test_macos_and_windows_systems() -> None:
    mac = build_environment(
        EnvironmentSpec(python="3.12", os="macos", os_version="14", arch="arm64")
    )
    assert list(mac.platforms)[:-1] == list(mac_platforms((14, 0), "arm64"))
    win = build_environment(EnvironmentSpec(python="3.12", os="windows", arch="x86"))
    assert list(win.platforms) == ["win32", "any"]


def test_markers_follow_from_what_was_stated() -> None:
    env = build_environment(
        EnvironmentSpec(
            python="3.12.4", platforms=("win_amd64",), markers=(("platform_release", "10"),)
        )
    )
    assert dict(env.markers) == {
        "python_version": "3.12", "python_full_version": "3.12.4",
        "implementation_name": "cpython", "platform_python_implementation": "CPython",
        "implementation_version": "3.12.4", "os_name": "nt", "sys_platform": "win32",
        "platform_system": "Windows", "platform_machine": "AMD64", "platform_release": "10",
    }  # fmt: skip
    short = build_environment(EnvironmentSpec(python="3.11", platforms=("macosx_14_0_arm64",)))
    assert "python_full_version" not in short.markers  # 3.11.x: not known, not guessed
    assert short.markers["platform_machine"] == "arm64"
    assert short.markers["sys_platform"] == "darwin"


def test_nothing_stated_means_platform_and_python_independent() -> None:
    env = build_environment(EnvironmentSpec())
    assert env.tags == ("py3-none-any",)
    assert dict(env.markers) == {}
    python_only = build_environment(EnvironmentSpec(python="3.12"))
    assert set(python_only.platforms) == {"any"}
    assert python_only.tags[0] == "cp312-cp312-any"


def test_explicit_tag_list_is_taken_in_order() -> None:
    env = build_environment(
        EnvironmentSpec(
            tags=("cp312-cp312-manylinux_2_17_x86_64", "py3-none-any"),
            markers=(("python_full_version", "3.12.1"),),
        )
    )
    assert env.tags == ("cp312-cp312-manylinux_2_17_x86_64", "py3-none-any")
    assert str(env.python) == "3.12.1"
    assert env.markers["sys_platform"] == "linux"


@pytest.mark.parametrize(
    ("spec", "parameter", "words"),
    [
        (EnvironmentSpec(python="3.x"), "python", "not a Python version"),
        (EnvironmentSpec(python="4.1"), "python", "not a Python version"),
        (EnvironmentSpec(python="3.12", implementation="xx"), "implementation", "'xx'"),
        (EnvironmentSpec(python="3.12", platforms=("manylinux_2_17_x86_65",)), "platform",
         "unknown Linux architecture"),
        (EnvironmentSpec(python="3.12", platforms=("Win_AMD64!",)), "platform", "not a platform"),
        (EnvironmentSpec(python="3.12", platforms=("beos_5_x86",)), "platform", "no operating"),
        (EnvironmentSpec(python="3.12", os="linux", arch="x86_64"), "os_version", "libc version"),
        (EnvironmentSpec(python="3.12", os="plan9", arch="x86_64"), "os", "'plan9'"),
        (EnvironmentSpec(python="3.12", os="linux", os_version="glibc 2.31", arch="z80"),
         "arch", "'z80'"),
        (EnvironmentSpec(python="3.12", os="macos", os_version="fourteen", arch="arm64"),
         "os_version", "macOS version"),
        (EnvironmentSpec(os_version="14"), "os", "required"),
        (EnvironmentSpec(python="3.12", platforms=("win32",), os="windows", arch="x86"),
         "platform", "either"),
        (EnvironmentSpec(tags=("cp312-cp312",)), "tags", "not a tag"),
        (EnvironmentSpec(abis=("cp312",)), "abi", "needs python"),
        (EnvironmentSpec(python="3.12", markers=(("python_version", "3.11"),)),
         "markers.python_version", "contradicts"),
        (EnvironmentSpec(markers=(("platform", "linux"),)), "markers.platform", "PEP 508"),
    ],
)  # fmt: skip
def test_bad_environments_name_the_parameter(
    spec: EnvironmentSpec, parameter: str, words: str
) -> None:
    with pytest.raises(BadParameter) as caught:
        build_environment(spec)
    assert caught.value.parameter == parameter
    assert words in caught.value.reason
