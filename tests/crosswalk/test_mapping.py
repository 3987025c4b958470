"""What the mapping says about real releases: the facts a consumer relies on."""

from __future__ import annotations

from rdflib import RDF, Literal, URIRef
from rdflib.collection import Collection

from crosswalk import project_graph, release_graph, to_jsonld
from crosswalk.vocab import CODEMETA, LDX, SCHEMA, SPDX, XSD
from tests.crosswalk.conftest import BASE, release_of

ATTRS = URIRef(f"{BASE}/project/attrs/25.3.0/")


def attrs_graph(projects):
    return release_graph(*release_of(projects, "attrs", "25.3.0"), BASE)


def test_release_core_fields_and_identifiers(projects):
    g = attrs_graph(projects)
    assert (ATTRS, RDF.type, SCHEMA.SoftwareSourceCode) in g
    assert g.value(ATTRS, SCHEMA.name) == Literal("attrs")
    assert g.value(ATTRS, SCHEMA.version) == Literal("25.3.0")
    assert g.value(ATTRS, SCHEMA.description) == Literal("Classes Without Boilerplate")
    assert g.value(ATTRS, SCHEMA.identifier) == URIRef("pkg:pypi/attrs@25.3.0")
    assert g.value(ATTRS, LDX.requiresPython) == Literal(">=3.8")
    assert set(g.objects(ATTRS, SCHEMA.keywords)) == {
        Literal("attribute"),
        Literal("boilerplate"),
        Literal("class"),
    }
    assert g.value(ATTRS, SCHEMA.datePublished).datatype == XSD.dateTime


def test_license_expression_becomes_spdx_iri(projects):
    g = attrs_graph(projects)
    assert g.value(ATTRS, SCHEMA.license) == URIRef("https://spdx.org/licenses/MIT")
    assert g.value(ATTRS, LDX.licenseExpression) == Literal("MIT")
    assert g.value(ATTRS, LDX.licenseFile) == Literal("LICENSE")


def test_whole_licence_text_stays_literal_and_the_classifier_names_the_licence(projects):
    project, release = release_of(projects, "tomli", "2.2.1")
    g = release_graph(project, release, BASE)
    subject = URIRef(f"{BASE}/project/tomli/2.2.1/")
    assert str(g.value(subject, LDX.licenseText)).startswith("MIT License")
    # "License :: OSI Approved :: MIT License" names exactly one SPDX licence
    assert set(g.objects(subject, SCHEMA.license)) == {URIRef("https://spdx.org/licenses/MIT")}
    project, release = release_of(projects, "certifi", "2024.8.30")
    g = release_graph(project, release, BASE)
    subject = URIRef(f"{BASE}/project/certifi/2024.8.30/")
    assert g.value(subject, SCHEMA.license) == URIRef("https://spdx.org/licenses/MPL-2.0")


def test_requirements_are_structured_nodes(projects):
    g = attrs_graph(projects)
    reqs = list(g.objects(ATTRS, SCHEMA.softwareRequirements))
    assert len(reqs) == len(release_of(projects, "attrs", "25.3.0")[1].metadata["requires_dist"])
    by_string = {str(g.value(r, LDX.requirementString)): r for r in reqs}
    node = by_string["coverage[toml]>=5.3; extra == 'cov'"]
    assert str(node).startswith(f"{ATTRS}#req-")
    assert g.value(node, SCHEMA.name) == Literal("coverage")
    assert g.value(node, LDX.specifier) == Literal(">=5.3")
    assert g.value(node, LDX.requestedExtra) == Literal("toml")
    assert g.value(node, LDX.marker) == Literal('extra == "cov"')
    # coverage is not in this index: its package URL, never a local page that answers 404
    assert g.value(node, LDX.requiredProject) == URIRef("pkg:pypi/coverage")
    known = release_graph(
        *release_of(projects, "attrs", "25.3.0"), BASE, known_project=lambda n: n == "coverage"
    )
    assert known.value(node, LDX.requiredProject) == URIRef(f"{BASE}/project/coverage/")
    assert set(g.objects(ATTRS, LDX.providesExtra)) >= {Literal("docs"), Literal("tests")}


def test_authors_are_an_ordered_list_of_people(projects):
    project, release = release_of(projects, "iniconfig", "2.0.0")
    g = release_graph(project, release, BASE)
    subject = URIRef(f"{BASE}/project/iniconfig/2.0.0/")
    people = list(Collection(g, g.value(subject, SCHEMA.author)))
    assert [str(g.value(p, SCHEMA.name)) for p in people] == ["Ronny Pfannschmidt", "Holger Krekel"]
    assert g.value(people[1], SCHEMA.email) == Literal("holger.krekel@gmail.com")
    assert (people[0], RDF.type, SCHEMA.Person) in g


def test_maintainer_name_and_email_make_one_person(projects):
    project, release = release_of(projects, "markupsafe", "2.1.5")
    g = release_graph(project, release, BASE)
    subject = URIRef(f"{BASE}/project/markupsafe/2.1.5/")
    (person,) = g.objects(subject, CODEMETA.maintainer)
    assert g.value(person, SCHEMA.name) == Literal("Pallets")
    assert g.value(person, SCHEMA.email) == Literal("contact@palletsprojects.com")


def test_project_urls_map_by_pep753_label(projects):
    project, release = release_of(projects, "markupsafe", "2.1.5")
    g = release_graph(project, release, BASE)
    subject = URIRef(f"{BASE}/project/markupsafe/2.1.5/")
    assert g.value(subject, SCHEMA.codeRepository) == URIRef(
        "https://github.com/pallets/markupsafe/"
    )
    assert g.value(subject, CODEMETA.issueTracker) == URIRef(
        "https://github.com/pallets/markupsafe/issues/"
    )
    assert g.value(subject, SCHEMA.releaseNotes) == URIRef(
        "https://markupsafe.palletsprojects.com/changes/"
    )
    assert g.value(subject, CODEMETA.funding) == URIRef("https://palletsprojects.com/donate")
    labels = {
        str(g.value(n, LDX.label)): g.value(n, SCHEMA.url)
        for n in g.objects(subject, LDX.projectUrl)
    }
    assert labels["Chat"] == URIRef("https://discord.gg/pallets")  # unknown label kept
    assert g.value(subject, SCHEMA.url) == URIRef("https://palletsprojects.com/p/markupsafe/")


def test_classifiers_map_as_the_codemeta_crosswalk_says(projects):
    g = attrs_graph(projects)
    assert g.value(ATTRS, CODEMETA.developmentStatus) == URIRef(
        "https://www.repostatus.org/#active"
    )
    assert Literal("Python 3.8") in set(g.objects(ATTRS, SCHEMA.programmingLanguage))
    assert Literal("Typing :: Typed") in set(g.objects(ATTRS, LDX.classifier))
    project, release = release_of(projects, "idna", "3.10")
    g = release_graph(project, release, BASE)
    subject = URIRef(f"{BASE}/project/idna/3.10/")
    assert Literal("Internet > Name Service (DNS)") in set(
        g.objects(subject, SCHEMA.applicationSubCategory)
    )
    # one category word for search engines, never a Trove path
    assert set(g.objects(subject, SCHEMA.applicationCategory)) == {Literal("DeveloperApplication")}
    assert set(g.objects(subject, SCHEMA.operatingSystem)) == {Literal("OS Independent")}
    project, release = release_of(projects, "docopt", "0.6.2")
    g = release_graph(project, release, BASE)
    assert g.value(URIRef(f"{BASE}/project/docopt/0.6.2/"), CODEMETA.developmentStatus) == (
        URIRef("https://www.repostatus.org/#wip")
    )


def test_unknown_placeholders_are_dropped(projects):
    project, release = release_of(projects, "mock", "1.0.1")
    g = release_graph(project, release, BASE)
    subject = URIRef(f"{BASE}/project/mock/1.0.1/")
    assert g.value(subject, LDX.licenseText) is None
    assert Literal("UNKNOWN") not in set(g.objects())


def test_files_carry_per_file_facts(projects):
    project, release = release_of(projects, "msgpack", "1.1.0")
    g = release_graph(project, release, BASE)
    subject = URIRef(f"{BASE}/project/msgpack/1.1.0/")
    files = list(g.objects(subject, SCHEMA.downloadUrl))
    assert len(files) == len(release.files)
    record = next(f for f in release.files if "musllinux" in f.filename)
    node = URIRef(f"{BASE}/files/{record.url_path}")
    assert node in files
    assert (node, RDF.type, SCHEMA.MediaObject) in g
    assert (subject, LDX.distributionFile, node) in g
    assert g.value(node, SCHEMA.contentSize) == Literal(f"{record.size} B")
    assert g.value(node, LDX.sizeInBytes) == Literal(record.size, datatype=XSD.integer)
    assert g.value(node, SCHEMA.fileSize) is None  # a bare number reads as kilobytes
    assert g.value(node, SCHEMA.runtimePlatform) == Literal("CPython 3.12")
    assert g.value(node, LDX.os) == Literal("linux")
    assert g.value(node, LDX.architecture) == Literal("x86_64")
    platform = g.value(node, LDX.platform)
    assert g.value(platform, LDX.libc) == Literal("musl")
    assert g.value(platform, LDX.osVersion) == Literal("1.2")
    sha = URIRef(f"{node}#checksum-sha256")
    assert (node, SPDX.checksum, sha) in g
    assert g.value(sha, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert g.value(sha, SPDX.checksumValue) == Literal(record.hashes["sha256"])
    assert g.value(node, LDX.metadataFile) == URIRef(f"{node}.metadata")
    assert g.value(node, LDX.yanked) == Literal(False)
    assert g.value(node, LDX.contentVerified) == Literal(True)


def test_release_and_project_link_both_ways(projects):
    project, release = release_of(projects, "markupsafe", "2.1.5")
    g = release_graph(project, release, BASE)
    proj = URIRef(f"{BASE}/project/markupsafe/")
    rel = URIRef(f"{BASE}/project/markupsafe/2.1.5/")
    assert (rel, SCHEMA.isPartOf, proj) in g and (proj, SCHEMA.hasPart, rel) in g
    assert g.value(proj, LDX.latestRelease) == URIRef(f"{BASE}/project/markupsafe/3.0.2/")
    pg = project_graph(project, BASE)
    assert set(pg.objects(proj, SCHEMA.hasPart)) == {
        rel,
        URIRef(f"{BASE}/project/markupsafe/3.0.2/"),
    }
    assert pg.value(proj, LDX.latestRelease) == URIRef(f"{BASE}/project/markupsafe/3.0.2/")
    assert pg.value(proj, SCHEMA.identifier) == URIRef("pkg:pypi/markupsafe")


def test_jsonld_is_codemeta_shaped_with_release_as_root(projects):
    doc = to_jsonld(attrs_graph(projects))
    assert doc["@context"][0] == "https://w3id.org/codemeta/3.0"
    assert isinstance(doc["@context"][1], dict)
    assert doc["id"] == str(ATTRS)
    assert "SoftwareSourceCode" in doc["type"]
    assert doc["name"] == "attrs"
    assert doc["license"] == "https://spdx.org/licenses/MIT"
    assert doc["author"][0]["name"] == "Hynek Schlawack"
    assert doc["isPartOf"]["id"] == f"{BASE}/project/attrs/"
    # downloadUrl is the file's URL as a string; the file is described on its own node
    assert doc["downloadUrl"] == doc["distributionFile"]["id"]
    assert doc["downloadUrl"].startswith(f"{BASE}/files/")
    assert doc["distributionFile"]["sizeInBytes"] == 63815
    assert doc["distributionFile"]["contentSize"] == "63815 B"
    assert "@graph" not in doc


def test_names_are_normalised_in_iris(projects):
    project, release = release_of(projects, "typing-extensions", "4.12.2")
    g = release_graph(project, release, BASE)
    subject = URIRef(f"{BASE}/project/typing-extensions/4.12.2/")
    assert g.value(subject, SCHEMA.name) == Literal("typing_extensions")
    assert g.value(subject, SCHEMA.identifier) == URIRef("pkg:pypi/typing-extensions@4.12.2")
