"""Choosing a file: pip's order, PEP 592 yanks, pre-releases, Requires-Python, filters, and a
reason for every file that does not fit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from crosswalk.records import DistributionFile, Project, Release
from publisher.query import EnvironmentSpec, QueryNotFound, QueryRequest, build_environment, match

LINUX_312 = EnvironmentSpec(python="3.12", platforms=("manylinux_2_17_x86_64",))
WHEN = datetime(2024, 1, 1, tzinfo=UTC)


def dist(filename: str, **changes) -> DistributionFile:
    sdist = not filename.endswith(".whl")
    tags: tuple[str, ...] = ()
    if not sdist:
        python, abi, platforms = filename.removesuffix(".whl").split("-")[-3:]
        tags = tuple(f"{i}-{abi}-{p}" for i in python.split(".") for p in platforms.split("."))
    version = filename.split("-")[1].removesuffix(".tar.gz").removesuffix(".zip")
    record = DistributionFile(
        filename=filename,
        project="demo",
        version=version,
        packagetype="sdist" if sdist else "bdist_wheel",
        size=1,
        hashes={"sha256": "0" * 64, "md5": "", "sha1": "", "blake2b_256": ""},
        upload_time=WHEN,
        url_path=f"00/00/00/{filename}",
        tags=tags,
    )
    return replace(record, **changes)


def project(*files: DistributionFile, yanked: tuple[str, ...] = (), **changes) -> Project:
    versions = sorted({f.version for f in files})
    releases = tuple(
        Release("demo", v, {"name": "demo"}, tuple(f for f in files if f.version == v),
                yanked=v in yanked, yanked_reason="broken" if v in yanked else None)
        for v in versions
    )  # fmt: skip
    return Project("demo", "demo", releases, **changes)


def choose(p: Project, spec: EnvironmentSpec = LINUX_312, **query):
    request = QueryRequest.from_values({"name": "demo", **query})
    return match(p, request, build_environment(spec))


def test_best_tag_newest_version_sdist_last() -> None:
    p = project(
        dist("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
        dist("demo-2.0-py3-none-any.whl"),
        dist("demo-2.0-cp312-abi3-manylinux_2_17_x86_64.whl"),
        dist("demo-2.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
        dist("demo-2.0.tar.gz"),
    )
    found = choose(p)
    assert found.choice is not None
    assert found.choice.file.filename == "demo-2.0-cp312-cp312-manylinux_2_17_x86_64.whl"
    assert found.choice.tag == "cp312-cp312-manylinux_2_17_x86_64"
    assert [c.file.filename for c in found.compatible] == [
        "demo-2.0-cp312-cp312-manylinux_2_17_x86_64.whl",
        "demo-2.0-cp312-abi3-manylinux_2_17_x86_64.whl",
        "demo-2.0-py3-none-any.whl",
        "demo-2.0.tar.gz",
    ]
    assert found.release.version == "2.0"
    assert found.rejected == ()  # 1.0's wheel fits too; it is just older


def test_newer_sdist_beats_older_wheel_unless_wheels_only() -> None:
    p = project(dist("demo-1.0-cp312-cp312-win_amd64.whl"), dist("demo-2.0.tar.gz"))
    win = EnvironmentSpec(python="3.12", platforms=("win_amd64",))
    assert choose(p, win).choice.file.filename == "demo-2.0.tar.gz"
    wheels = choose(p, win, kind="wheel")
    assert wheels.choice.file.filename == "demo-1.0-cp312-cp312-win_amd64.whl"
    assert wheels.release.version == "1.0"


def test_higher_build_tag_wins_among_equals() -> None:
    p = project(
        dist("demo-1.0-1-py3-none-any.whl", build_tag="1"),
        dist("demo-1.0-2-py3-none-any.whl", build_tag="2"),
    )
    assert choose(p).choice.file.filename == "demo-1.0-2-py3-none-any.whl"


def test_yanked_files_need_an_exact_pin_and_nothing_else_fitting() -> None:
    p = project(
        dist("demo-1.0-py3-none-any.whl"),
        dist("demo-2.0-py3-none-any.whl", yanked=True, yanked_reason="bad build"),
    )
    unpinned = choose(p)
    assert unpinned.choice.file.filename == "demo-1.0-py3-none-any.whl"
    pinned = choose(p, version="2.0")
    assert pinned.choice.file.filename == "demo-2.0-py3-none-any.whl"
    assert pinned.choice.yanked and pinned.choice.yanked_reason == "bad build"
    ranged = choose(p, version=">=2.0")
    assert ranged.choice is None
    (rejection,) = ranged.rejected
    assert [r.code for r in rejection.reasons] == ["yanked"]
    assert "bad build" in rejection.reasons[0].message
    assert "exact pin" in rejection.reasons[0].message


def test_a_yanked_file_loses_to_a_fitting_file_of_the_same_pinned_release() -> None:
    p = project(
        dist("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", yanked=True),
        dist("demo-1.0.tar.gz"),
    )
    found = choose(p, version="==1.0")
    assert found.choice.file.filename == "demo-1.0.tar.gz"
    assert [r.code for r in found.rejected[0].reasons] == ["yanked"]


def test_a_yanked_release_yanks_its_files() -> None:
    p = project(
        dist("demo-1.0-py3-none-any.whl"), dist("demo-2.0-py3-none-any.whl"), yanked=("2.0",)
    )
    assert choose(p).choice.file.version == "1.0"
    pinned = choose(p, version="2.0")
    assert pinned.choice.yanked_reason == "broken"


def test_pre_releases_only_when_asked_or_alone() -> None:
    p = project(dist("demo-1.0-py3-none-any.whl"), dist("demo-2.0rc1-py3-none-any.whl"))
    assert choose(p).choice.file.version == "1.0"
    assert choose(p, pre="true").choice.file.version == "2.0rc1"
    assert choose(p, version="==2.0rc1").choice.file.version == "2.0rc1"
    only_pre = project(dist("demo-2.0rc1-py3-none-any.whl"))
    assert choose(only_pre).choice.file.version == "2.0rc1"


def test_requires_python_is_honoured() -> None:
    p = project(
        dist("demo-1.0-py3-none-any.whl", requires_python=">=3.8"),
        dist("demo-2.0-py3-none-any.whl", requires_python=">=3.13"),
        dist("demo-3.0-py3-none-any.whl", requires_python="not a specifier"),
    )
    found = choose(p, version="<3")
    assert found.choice.file.version == "1.0"
    pinned = choose(p, version="2.0")
    assert pinned.choice is None
    assert [r.code for r in pinned.rejected[0].reasons] == ["requires-python"]
    assert ">=3.13" in pinned.rejected[0].reasons[0].message
    assert choose(p).choice.file.version == "3.0"  # an invalid Requires-Python excludes nothing


def test_every_misfit_is_explained_and_nothing_fitting_lists_all_releases() -> None:
    p = project(
        dist("demo-1.0-cp39-cp39-win32.whl"),
        dist("demo-2.0-cp312-cp312-macosx_11_0_arm64.whl"),
        dist("demo-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
        dist("demo-2.0-cp312-abi9-manylinux_2_17_x86_64.whl"),
        dist("demo-2.0.zip", packagetype="bdist_dumb"),
    )
    found = choose(p)
    assert found.choice is None
    assert found.release.version == "2.0"
    codes = {r.file.filename: [x.code for x in r.reasons] for r in found.rejected}
    assert codes == {
        "demo-2.0-cp312-cp312-macosx_11_0_arm64.whl": ["platform"],
        "demo-2.0-cp311-cp311-manylinux_2_17_x86_64.whl": ["python"],
        "demo-2.0-cp312-abi9-manylinux_2_17_x86_64.whl": ["abi"],
        "demo-2.0.zip": ["format"],
        "demo-1.0-cp39-cp39-win32.whl": ["platform", "python"],
    }
    assert [r.release.version for r in found.rejected][-1] == "1.0"  # newest first


def test_kind_and_variant_filters() -> None:
    p = project(
        dist("demo-1.0-py3-none-any.whl", variant="cuda12"),
        dist("demo-1.0-1-py3-none-any.whl", build_tag="1"),
        dist("demo-1.0.tar.gz"),
    )
    assert choose(p, kind="sdist").choice.file.filename == "demo-1.0.tar.gz"
    found = choose(p, variant="cuda12")
    assert found.choice.file.filename == "demo-1.0-py3-none-any.whl"
    codes = {r.file.filename: r.reasons[0].code for r in found.rejected}
    assert codes == {"demo-1.0-1-py3-none-any.whl": "variant", "demo-1.0.tar.gz": "variant"}


def test_a_quarantined_project_offers_nothing() -> None:
    p = project(dist("demo-1.0-py3-none-any.whl"), status="quarantined")
    found = choose(p)
    assert found.choice is None
    assert found.rejected[0].reasons[0].code == "withheld"


def test_without_an_environment_a_pure_wheel_or_the_sdist() -> None:
    p = project(dist("demo-1.0-cp312-cp312-win_amd64.whl"), dist("demo-1.0.tar.gz"))
    found = choose(p, EnvironmentSpec())
    assert found.choice.file.filename == "demo-1.0.tar.gz"
    assert [r.file.filename for r in found.rejected] == ["demo-1.0-cp312-cp312-win_amd64.whl"]


def test_all_lists_every_file_without_choosing() -> None:
    p = project(dist("demo-1.0-py3-none-any.whl"), dist("demo-1.0-cp312-cp312-win_amd64.whl"))
    found = choose(p, all="true")
    assert found.choice is None
    listed = {c.file.filename for c in found.compatible} | {r.file.filename for r in found.rejected}
    assert listed == {f.filename for f in found.release.files}


def test_unknown_versions_are_not_found() -> None:
    p = project(dist("demo-1.0-py3-none-any.whl"))
    with pytest.raises(QueryNotFound, match=r"demo has no version 9\.9 \(has: 1\.0\)"):
        choose(p, version="9.9")
    with pytest.raises(QueryNotFound, match="no version matching '>=2'"):
        choose(p, version=">=2")
