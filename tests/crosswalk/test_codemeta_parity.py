"""What codemetapy states and ldindex must state too (licence, code repository, runtime
platform, commands), on the metadata of the real releases where codemetapy was measured,
and what it gets wrong that ldindex must not repeat."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rdflib import RDF, Literal, URIRef

from crosswalk import release_graph
from crosswalk.records import DistributionFile, Project, PythonFacts, Release
from crosswalk.vocab import CODEMETA, LDX, SCHEMA, STYPE
from tests.crosswalk.conftest import BASE

MIT = URIRef("https://spdx.org/licenses/MIT")
WHEN = datetime(2024, 9, 12, tzinfo=UTC)


def graph_of(name: str, version: str, metadata: dict, **release_fields):
    release = Release(
        project=name,
        version=version,
        metadata={"name": name, "version": version, **metadata},
        created=WHEN,
        **release_fields,
    )
    project = Project(name=name, display_name=name, releases=(release,))
    return release_graph(project, release, BASE), URIRef(f"{BASE}/project/{name}/{version}/")


URLLIB3 = {
    "classifiers": [
        "License :: OSI Approved :: MIT License",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: Implementation :: CPython",
        "Programming Language :: Python :: Implementation :: PyPy",
        "Operating System :: OS Independent",
        "Topic :: Internet :: WWW/HTTP",
    ],
    "license_files": ["LICENSE.txt"],
    "requires_python": ">=3.8",
    "project_urls": {
        "Changelog": "https://github.com/urllib3/urllib3/blob/main/CHANGES.rst",
        "Documentation": "https://urllib3.readthedocs.io",
        "Code": "https://github.com/urllib3/urllib3",
        "Issue tracker": "https://github.com/urllib3/urllib3/issues",
    },
}
WRAPT = {
    "home_page": "https://github.com/GrahamDumpleton/wrapt",
    "license": "BSD",
    "classifiers": ["License :: OSI Approved :: BSD License"],
    "requires_python": ">=3.6",
    "project_urls": {
        "Bug Tracker": "https://github.com/GrahamDumpleton/wrapt/issues/",
        "Changelog": "https://wrapt.readthedocs.io/en/latest/changes.html",
        "Documentation": "https://wrapt.readthedocs.io/",
    },
}
PYCRYPTO = {
    "home_page": "http://www.pycrypto.org/",
    "license": "UNKNOWN",
    "classifiers": ["License :: Public Domain"],
}


def test_licence_from_a_classifier_alone():
    g, s = graph_of("urllib3", "2.2.3", URLLIB3)
    assert set(g.objects(s, SCHEMA.license)) == {MIT}


def test_free_text_and_ambiguous_classifier_become_a_named_licence_never_a_guessed_one():
    g, s = graph_of("wrapt", "1.16.0", WRAPT)
    (licence,) = g.objects(s, SCHEMA.license)
    assert (licence, RDF.type, SCHEMA.CreativeWork) in g
    assert g.value(licence, SCHEMA.name) == Literal("BSD")
    assert not any("BSD-3-Clause" in str(o) for o in g.objects())
    g, s = graph_of("pycrypto", "2.6.1", PYCRYPTO)
    (licence,) = g.objects(s, SCHEMA.license)
    assert g.value(licence, SCHEMA.name) == Literal("Public Domain")
    assert Literal("UNKNOWN") not in set(g.objects())


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"license": "MIT"}, {MIT}),  # a License field that is an SPDX expression
        (
            {"license": "Apache-2.0 OR MIT"},
            {MIT, URIRef("https://spdx.org/licenses/Apache-2.0")},
        ),
        ({"license_expression": "MIT", "license": "BSD"}, {MIT}),  # the expression wins
        ({"classifiers": ["License :: OSI Approved :: Python Software Foundation License"]},
         {URIRef("https://spdx.org/licenses/PSF-2.0")}),
        ({"license": "", "classifiers": []}, set()),
    ],
)  # fmt: skip
def test_licence_sources_in_order(metadata, expected):
    g, s = graph_of("demo", "1.0", metadata)
    assert set(g.objects(s, SCHEMA.license)) == expected


def test_expression_literal_relates_the_licence_iris():
    g, s = graph_of("demo", "1.0", {"license_expression": "mit or apache-2.0"})
    assert g.value(s, LDX.licenseExpression) == Literal("MIT OR Apache-2.0")
    assert len(set(g.objects(s, SCHEMA.license))) == 2


def test_whole_licence_text_is_no_licence_name():
    text = "Copyright (c) 2020 Someone\n\nPermission is hereby granted, free of charge, ..."
    g, s = graph_of("demo", "1.0", {"license": text})
    assert g.value(s, SCHEMA.license) is None
    assert g.value(s, LDX.licenseText) == Literal(text)


def test_code_repository_from_labels_and_forge_roots_never_issues_or_blobs():
    g, s = graph_of("urllib3", "2.2.3", URLLIB3)
    assert set(g.objects(s, SCHEMA.codeRepository)) == {
        URIRef("https://github.com/urllib3/urllib3")
    }
    g, s = graph_of("wrapt", "1.16.0", WRAPT)
    assert set(g.objects(s, SCHEMA.codeRepository)) == {
        URIRef("https://github.com/GrahamDumpleton/wrapt")
    }
    # a changelog is no homepage (codemetapy takes the first Project-URL as schema:url)
    assert g.value(s, SCHEMA.url) == URIRef("https://github.com/GrahamDumpleton/wrapt")
    g, s = graph_of(
        "demo",
        "1.0",
        {
            "project_urls": {
                "Source": "https://github.com/o/n/tree/main/src",
                "Homepage": "https://gitlab.com/group/project.git",
                "Docs": "https://o.github.io/n/",
            }
        },
    )
    assert set(g.objects(s, SCHEMA.codeRepository)) == {
        URIRef("https://gitlab.com/group/project.git")
    }


def test_runtime_platform_from_requires_python_and_implementations():
    g, s = graph_of("urllib3", "2.2.3", URLLIB3)
    assert set(g.objects(s, SCHEMA.runtimePlatform)) == {
        Literal("Python >=3.8"),
        Literal("CPython"),
        Literal("PyPy"),
    }
    # clean values of each kind: implementations and qualifiers are not languages
    assert set(g.objects(s, SCHEMA.programmingLanguage)) == {
        Literal("Python 3"),
        Literal("Python 3.12"),
        Literal("Python"),
    }
    assert set(g.objects(s, SCHEMA.applicationCategory)) == {Literal("DeveloperApplication")}
    assert set(g.objects(s, SCHEMA.applicationSubCategory)) == {Literal("Internet > WWW/HTTP")}


def test_runtime_platform_of_files_from_their_tags():
    f = DistributionFile(
        filename="demo-1.0-cp312-cp312-win_amd64.whl",
        project="demo",
        version="1.0",
        packagetype="bdist_wheel",
        size=10,
        hashes={"sha256": "0" * 64},
        upload_time=WHEN,
        url_path="00/00/x/demo-1.0-cp312-cp312-win_amd64.whl",
        python=(PythonFacts("cp312", "CPython", "3.12", "cp312"),),
    )
    g, s = graph_of("demo", "1.0", {}, files=(f,))
    node = URIRef(f"{BASE}/files/{f.url_path}")
    assert g.value(node, SCHEMA.runtimePlatform) == Literal("CPython 3.12")
    # without Requires-Python or implementation classifiers: the wheels' Pythons
    assert set(g.objects(s, SCHEMA.runtimePlatform)) == {Literal("CPython 3.12")}


def test_one_spelling_for_any_operating_system():
    g, s = graph_of(
        "demo", "1.0", {"platforms": ["any"], "classifiers": ["Operating System :: OS Independent"]}
    )
    assert set(g.objects(s, SCHEMA.operatingSystem)) == {Literal("OS Independent")}


def test_console_and_gui_scripts_are_applications_other_groups_entry_points():
    entry_points = {
        "console_scripts": {"normalizer": "charset_normalizer.cli:cli_detect"},
        "gui_scripts": {"viewer": "pkg.gui:main"},
        "pytest11": {"xdist": "xdist.plugin"},
    }
    g, s = graph_of("charset-normalizer", "3.4.0", {}, entry_points=entry_points)
    commands = {str(g.value(n, SCHEMA.name)): n for n in g.objects(s, CODEMETA.isSourceCodeOf)}
    assert set(commands) == {"normalizer", "viewer"}
    normalizer = commands["normalizer"]
    assert (normalizer, RDF.type, SCHEMA.SoftwareApplication) in g
    assert (normalizer, RDF.type, STYPE.CommandLineApplication) in g
    assert (commands["viewer"], RDF.type, STYPE.DesktopApplication) in g
    assert g.value(normalizer, STYPE.executableName) == Literal("normalizer")
    assert g.value(normalizer, LDX.objectReference) == Literal("charset_normalizer.cli:cli_detect")
    (plugin,) = g.objects(s, LDX.entryPoint)
    assert g.value(plugin, LDX.entryPointGroup) == Literal("pytest11")
    assert g.value(plugin, SCHEMA.name) == Literal("xdist")


def test_every_real_release_states_what_its_metadata_supports(releases):
    """Licence where the metadata names one, a repository where a URL is one, a runtime
    platform always, all with valid IRIs."""
    for project, release in releases:
        g = release_graph(project, release, BASE)
        s = URIRef(f"{BASE}/project/{project.name}/{release.version}/")
        m = release.metadata
        names_licence = any(
            (m.get("license_expression"), m.get("license") not in (None, "", "UNKNOWN"))
        ) or any(c.startswith("License ::") for c in m.get("classifiers", []))
        if names_licence:
            assert g.value(s, SCHEMA.license) is not None, (project.name, release.version)
        urls = [m.get("home_page") or "", *(m.get("project_urls") or {}).values()]
        if any(u.rstrip("/").count("/") == 4 and "github.com/" in u for u in urls):
            assert g.value(s, SCHEMA.codeRepository) is not None, (project.name, release.version)
        assert g.value(s, SCHEMA.runtimePlatform) is not None, (project.name, release.version)
