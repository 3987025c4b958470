"""Query parameters from GET and POST; dependencies evaluated for the environment; the
extrinsic section and the dependency corrections it feeds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from crosswalk.records import (
    Advisory,
    DependencyCorrection,
    ExternalLink,
    HardwareCapability,
    Release,
)
from publisher.query import BadParameter, EnvironmentSpec, QueryRequest, build_environment
from publisher.query.dependencies import evaluate, requirement_source
from publisher.query.extrinsic import KINDS, extrinsic_section
from tests.query.test_matching import dist

# -- parameters ------------------------------------------------------------------------------


def test_get_and_post_give_the_same_request() -> None:
    get = QueryRequest.from_query_string(
        "name=Markup_Safe&python=3.12&platform=win_amd64,win32&abi=cp312&extras=Socks&pre=yes"
        "&sys_platform=win32&kind=wheel"
    )
    post = QueryRequest.from_json(
        {
            "name": "markup-safe", "python": "3.12", "platform": ["win_amd64", "win32"],
            "abi": ["cp312"], "extras": ["socks"], "pre": True,
            "markers": {"sys_platform": "win32"}, "kind": "wheel",
        }
    )  # fmt: skip
    assert get == post
    assert get.name == "markup-safe"
    assert get.canonical() == post.canonical()
    assert get.canonical() == (
        "abi=cp312&extras=socks&kind=wheel&name=markup-safe&platform=win_amd64,win32&pre=true"
        "&python=3.12&sys_platform=win32"
    )


def test_version_filter() -> None:
    exact = QueryRequest.from_query_string("name=x&version=1.0")
    assert exact.version.pinned and str(exact.version.specifier) == "==1.0"
    assert QueryRequest.from_query_string("name=x&version===1.0").version.pinned
    assert not QueryRequest.from_query_string("name=x&version===1.*").version.pinned
    assert not QueryRequest.from_query_string("name=x&version=>=1,<2").version.pinned


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("python=3.12", "name"),
        ("name=x&version=latest!", "version"),
        ("name=x&kind=egg", "kind"),
        ("name=x&pre=maybe", "pre"),
        ("name=x&name=y", "name"),
        ("name=x&colour=red", "colour"),
        ("name=x&extras=-bad-", "extras"),
        ("name=x&python=" + "3" * 300, "python"),
    ],
)
def test_bad_query_strings_name_the_parameter(query: str, parameter: str) -> None:
    with pytest.raises(BadParameter) as caught:
        QueryRequest.from_query_string(query)
    assert caught.value.parameter == parameter


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ([], "body"),
        ({"name": "x", "format": "json"}, "format"),
        ({"name": "x", "platform": [1]}, "platform"),
        ({"name": "x", "tags": ["a-b-c"] * 9000}, "tags"),
        ({"name": "x", "markers": ["python_version"]}, "markers"),
        ({"name": "x", "markers": {"python_version": 3.12}}, "markers.python_version"),
        ({"name": 7}, "name"),
    ],
)
def test_bad_bodies_name_the_parameter(body: object, parameter: str) -> None:
    with pytest.raises(BadParameter) as caught:
        QueryRequest.from_json(body)
    assert caught.value.parameter == parameter


# -- dependencies ----------------------------------------------------------------------------

REQUESTS = Release(
    "requests",
    "2.32.3",
    {
        "requires_dist": [
            "idna<4,>=2.5",
            "PySocks!=1.5.7,>=1.5.6; extra == 'socks'",
            "chardet<6,>=3.0.2; extra == 'use-chardet-on-py3'",
            "win-inet-pton; sys_platform == 'win32' and extra == 'socks'",
            "tomli; python_version < '3.11'",
            "exotic; platform_release >= '6'",
            "not a requirement !!",
        ],
        "provides_extra": ["socks", "use-chardet-on-py3"],
    },
)


def evaluated(spec: EnvironmentSpec, extras: tuple[str, ...] = ()) -> dict:
    env = build_environment(spec)
    return evaluate(requirement_source(REQUESTS, ()), REQUESTS, env.markers, extras)


def test_markers_resolved_for_the_environment() -> None:
    section = evaluated(EnvironmentSpec(python="3.10", platforms=("win_amd64",)), ("socks",))
    applies = {r["requirement"]: r["applies"] for r in section["requirements"]}
    assert applies == {
        "idna<4,>=2.5": True,
        "PySocks!=1.5.7,>=1.5.6; extra == 'socks'": True,
        "chardet<6,>=3.0.2; extra == 'use-chardet-on-py3'": False,
        "win-inet-pton; sys_platform == 'win32' and extra == 'socks'": True,
        "tomli; python_version < '3.11'": True,
        "exotic; platform_release >= '6'": None,
        "not a requirement !!": None,
    }
    by_text = {r["requirement"]: r for r in section["requirements"]}
    assert by_text["exotic; platform_release >= '6'"]["undecided_by"] == "platform_release"
    assert "error" in by_text["not a requirement !!"]
    assert by_text["idna<4,>=2.5"]["name"] == "idna"
    assert section["source"] == "core-metadata"
    assert section["unknown_extras"] == []


def test_extras_only_on_request_and_unknown_ones_reported() -> None:
    section = evaluated(EnvironmentSpec(python="3.12", platforms=("manylinux_2_17_x86_64",)))
    applying = [r["name"] for r in section["requirements"] if r["applies"]]
    assert applying == ["idna"]
    unknown = evaluated(EnvironmentSpec(python="3.12"), ("nope",))
    assert unknown["unknown_extras"] == ["nope"]


def test_a_dependency_correction_replaces_requires_dist() -> None:
    correction = DependencyCorrection(
        "requests", ">=2.32", ("idna<3.11",), reason="idna 3.11 broke it"
    )
    unrelated = DependencyCorrection("requests", "<2", ("urllib3<1",))
    source = requirement_source(REQUESTS, (unrelated, correction))
    assert source.origin == "correction"
    section = evaluate(source, REQUESTS, {}, ())
    assert [r["requirement"] for r in section["requirements"]] == ["idna<3.11"]
    assert section["reason"] == "idna 3.11 broke it"
    assert requirement_source(REQUESTS, (unrelated,)).origin == "core-metadata"


def test_extrinsic_section_keeps_what_concerns_the_release_and_files() -> None:
    records = (
        Advisory("requests", "GHSA-1", "leak", version_range="<2.33", aliases=("CVE-1",)),
        Advisory("requests", "GHSA-0", "old", version_range="<2.0"),
        HardwareCapability("requests", "cpu: x86-64-v3", filename="requests-2.32.3.tar.gz"),
        HardwareCapability("requests", "gpu: cuda>=12", filename="other.whl"),
        ExternalLink("requests", "debian", "python3-requests"),
    )
    sdist = replace(dist("demo-2.32.3.tar.gz"), filename="requests-2.32.3.tar.gz")
    section = extrinsic_section(records, REQUESTS, [sdist])
    assert list(section) == list(KINDS.values())
    assert [a["advisory_id"] for a in section["advisories"]] == ["GHSA-1"]
    assert section["advisories"][0]["aliases"] == ["CVE-1"]
    assert [h["capability"] for h in section["hardware_capabilities"]] == ["cpu: x86-64-v3"]
    assert section["external_links"][0]["package"] == "python3-requests"
    assert section["dependency_corrections"] == section["external_requirements"] == []
