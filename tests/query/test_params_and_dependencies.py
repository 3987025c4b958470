"""Query parameters from GET and POST; dependencies evaluated for the environment; the
extrinsic section and the dependency corrections it feeds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from crosswalk.records import Change, ExtrinsicItem, Release, Target
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


def item(n: int, kind: str, target: Target, data: dict, deleted: bool = False) -> ExtrinsicItem:
    change = Change(2, "update", "curator", datetime(2025, 1, 2, tzinfo=UTC), f"why {n}")
    return ExtrinsicItem(f"{n:016x}", kind, target, data, 2, change, change, deleted)


def test_a_dependency_correction_replaces_requires_dist() -> None:
    correction = item(1, "dependency-correction", Target("requests", "2.32.3"),
                      {"requires_dist": ["idna<3.11"]})  # fmt: skip
    on_file = item(2, "dependency-correction", Target("requests", "2.32.3", "r.whl"),
                   {"requires_dist": ["idna<3.10"]})  # fmt: skip
    other_release = item(3, "dependency-correction", Target("requests", "1.0"),
                         {"requires_dist": ["urllib3<1"]})  # fmt: skip
    deleted = item(4, "dependency-correction", Target("requests", "2.32.3"),
                   {"requires_dist": ["gone"]}, deleted=True)  # fmt: skip
    records = (other_release, deleted, correction, on_file)
    source = requirement_source(REQUESTS, records)
    assert source.origin == "correction"
    section = evaluate(source, REQUESTS, {}, ())
    assert [r["requirement"] for r in section["requirements"]] == ["idna<3.11"]
    assert section["corrected"] is True and section["item"] == correction.item_id
    assert section["reason"] == "why 1"
    assert section["provenance"] == {
        "revision": 2, "author": "curator", "at": "2025-01-02T00:00:00+00:00", "reason": "why 1"
    }  # fmt: skip
    # The chosen file's own correction wins over its release's.
    assert requirement_source(REQUESTS, records, "r.whl").requirements == ("idna<3.10",)
    assert requirement_source(REQUESTS, records, "other.whl").requirements == ("idna<3.11",)
    assert requirement_source(REQUESTS, (other_release, deleted)).origin == "core-metadata"
    assert "corrected" not in evaluate(requirement_source(REQUESTS, ()), REQUESTS, {}, ())


def test_extrinsic_section_keeps_what_concerns_the_release_and_files() -> None:
    in_range = {
        "id": "GHSA-1",
        "aliases": ["CVE-1"],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "requests"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.33"}]}
                ],
            }
        ],
    }
    out_of_range = {
        "id": "GHSA-0",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "versions": ["1.0"]}],
    }
    records = (
        item(1, "advisory", Target("requests"), in_range),
        item(2, "advisory", Target("requests"), out_of_range),
        item(3, "hardware-capability", Target("requests", "2.32.3", "requests-2.32.3.tar.gz"),
             {"key": "cpu", "value": "x86-64-v3"}),
        item(4, "hardware-capability", Target("requests", "2.32.3", "other.whl"),
             {"key": "gpu", "value": "cuda>=12"}),
        item(5, "external-link", Target("requests"), {"url": "pkg:deb/debian/python3-requests"}),
        item(6, "external-link", Target("requests", "1.0"), {"url": "https://old.example"}),
    )  # fmt: skip
    sdist = replace(dist("demo-2.32.3.tar.gz"), filename="requests-2.32.3.tar.gz")
    section = extrinsic_section(records, REQUESTS, [sdist])
    assert list(section) == list(KINDS.values())
    assert [a["data"]["id"] for a in section["advisories"]] == ["GHSA-1"]
    assert section["advisories"][0]["data"]["aliases"] == ["CVE-1"]
    assert section["advisories"][0]["provenance"]["author"] == "curator"
    assert [h["data"]["value"] for h in section["hardware_capabilities"]] == ["x86-64-v3"]
    assert [x["data"]["url"] for x in section["external_links"]] == [
        "pkg:deb/debian/python3-requests"
    ]
    assert section["dependency_corrections"] == section["external_requirements"] == []
