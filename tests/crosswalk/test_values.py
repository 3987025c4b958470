"""Junk in, no broken IRIs out; parsers for people, labels, licences and requirements."""

from __future__ import annotations

import logging
import socket

import pytest
from pyld.jsonld import JsonLdError
from rdflib import Literal, URIRef

from crosswalk import release_graph, serialise
from crosswalk.jsonld import RemoteContextError, document_loader, graph_from_jsonld, to_jsonld
from crosswalk.licenses import license_ids
from crosswalk.persons import Person, parse_people
from crosswalk.records import Project, Release
from crosswalk.requirements import parse_requirement
from crosswalk.urls import normalise_label, property_for_label
from crosswalk.values import checked_iri, clean_text
from crosswalk.vocab import CODEMETA, LDX, SCHEMA

BASE = "https://index.example"


@pytest.mark.parametrize(
    "value",
    ["UNKNOWN", "http://", "https://", "http://exa mple.org", "https://x.org/a b", "mailto:",
     "mailto:nobody", "www.example.org", "example.org/path", "javascript:alert(1)",
     "http://[::1", "http://host:99999/", "ftp://example.org/", "", "  ", None, 42],
)  # fmt: skip
def test_junk_is_not_an_iri(value):
    assert checked_iri(value) is None


@pytest.mark.parametrize(
    "value",
    ["https://github.com/pallets/markupsafe/", "http://docopt.org", "mailto:a@b.org",
     "https://example.org/ü/?q=1#frag"],
)  # fmt: skip
def test_good_addresses_are_iris(value):
    assert checked_iri(value) == value


def test_clean_text_removes_what_xml_cannot_hold():
    assert clean_text("a\x00b\x1bc\td\ne") == "abc\td\ne"
    assert clean_text("x\ud800y") == "x?y"


def test_people_from_name_and_address_fields():
    assert parse_people("Kenneth Reitz", "me@kennethreitz.org") == [
        Person("Kenneth Reitz", "me@kennethreitz.org")
    ]
    assert parse_people(None, '"A, B" <ab@x.org>, C <c@y.org>') == [
        Person("A, B", "ab@x.org"),
        Person("C", "c@y.org"),
    ]
    assert parse_people("UNKNOWN", "UNKNOWN") == []


def test_pep753_labels():
    assert normalise_label("Bug Tracker") == normalise_label("bug-tracker") == "bugtracker"
    assert property_for_label("Source Code") == SCHEMA.codeRepository
    assert property_for_label("Issue Tracker") == CODEMETA.issueTracker
    assert property_for_label("What's New") == SCHEMA.releaseNotes
    assert property_for_label("Tidelift") is None


def test_license_expressions():
    assert license_ids("mit OR apache-2.0") == ("MIT OR Apache-2.0", ("MIT", "Apache-2.0"))
    assert license_ids("GPL-2.0-or-later WITH Classpath-exception-2.0") == (
        "GPL-2.0-or-later WITH Classpath-exception-2.0",
        ("GPL-2.0-or-later",),
    )
    assert license_ids("LicenseRef-Proprietary")[1] == ()
    assert license_ids("MIT License") == (None, ())


def test_unparsable_requirement_is_kept_whole():
    req = parse_requirement("foo >= = 1 ;;")
    assert req.original == "foo >= = 1 ;;" and req.name is None
    req = parse_requirement('pytest-xdist[psutil] >=3; python_version < "3.12"')
    assert (req.name, req.specifier, req.extras) == ("pytest-xdist", ">=3", ("psutil",))
    assert req.marker == 'python_version < "3.12"'


def junk_release() -> tuple[Project, Release]:
    metadata = {
        "name": "Junk_Pkg",
        "version": "1.0",
        "home_page": "UNKNOWN",
        "download_url": "http://",
        "author": "A Person",
        "author_email": "mailto:",
        "license": "UNKNOWN",
        "project_urls": {"Homepage": "https://ok.example/", "Docs": "not a url", "Bad": "http://"},
        "requires_dist": ["ok>=1", "broken >= = 1"],
        "classifiers": ["Development Status :: 9 - Imaginary", "Topic :: "],
    }
    release = Release(project="junk-pkg", version="1.0", metadata=metadata)
    return Project("junk-pkg", "Junk_Pkg", (release,)), release


def test_bad_values_are_kept_as_literals_with_a_warning(caplog):
    project, release = junk_release()
    with caplog.at_level(logging.WARNING, logger="crosswalk"):
        g = release_graph(project, release, BASE)
    subject = URIRef(f"{BASE}/project/junk-pkg/1.0/")
    assert g.value(subject, SCHEMA.downloadUrl) is None
    assert Literal("http://") in set(g.objects(subject, LDX.invalidUrl))
    assert g.value(subject, SCHEMA.url) == URIRef("https://ok.example/")
    docs = next(
        n for n in g.objects(subject, LDX.projectUrl) if str(g.value(n, LDX.label)) == "Docs"
    )
    assert g.value(docs, SCHEMA.url) is None
    assert g.value(docs, LDX.invalidUrl) == Literal("not a url")
    assert "not a url" in caplog.text
    assert g.value(subject, CODEMETA.developmentStatus) is None
    reqs = {
        str(g.value(n, LDX.requirementString))
        for n in g.objects(subject, SCHEMA.softwareRequirements)
    }
    assert reqs == {"ok>=1", "broken >= = 1"}
    for fmt in ("jsonld", "turtle", "nt"):
        assert serialise(g, fmt)
    assert len(graph_from_jsonld(to_jsonld(g))) == len(g)


def _causes(error: BaseException | None):
    while error is not None:
        yield error
        error = getattr(error, "cause", None) or error.__cause__


def test_document_loader_never_fetches(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert document_loader("https://w3id.org/codemeta/3.0")["document"]["@context"]["schema"]
    with pytest.raises(RemoteContextError):
        document_loader("https://schema.org/")
    doc = {"@context": "https://example.org/remote-context.jsonld", "name": "x"}
    with pytest.raises(JsonLdError) as raised:
        graph_from_jsonld(doc)
    assert any(isinstance(e, RemoteContextError) for e in _causes(raised.value))


def test_unknown_format_is_refused():
    project, release = junk_release()
    with pytest.raises(ValueError, match="unknown format"):
        serialise(release_graph(project, release, BASE), "rdfxml")
