"""Citation files and commands on the pages: one graph with the citation merged, BibTeX and
CFF served beside codemeta.json, and what the release page shows a person."""

from __future__ import annotations

import pytest
import yaml
from rdflib import RDF, Literal, URIRef
from rdflib.collection import Collection

from crosswalk.vocab import CODEMETA, LDX, PROV, SCHEMA
from tests.citation_artefacts import ASTRO_CFF, write_citation_artefacts
from tests.conftest import build_index
from tests.web.conftest import BASE, client_for
from tests.web.test_pages import assert_one_graph, page_paths

ASTRO = f"{BASE}/project/astro-tool/2.1.0/"


@pytest.fixture(scope="module")
def citation_client(tmp_path_factory):
    root = tmp_path_factory.mktemp("citations")
    write_citation_artefacts(root / "in")
    data = build_index(root / "index", root / "in")
    with client_for(data) as c:
        yield c, data


def test_one_graph_for_every_citation_page(citation_client, tmp_path):
    c, data = citation_client
    for path in page_paths(data.db_url):
        assert_one_graph(c, path, tmp_path)


def test_citation_file_merges_into_the_release_graph(citation_client, tmp_path):
    c, _ = citation_client
    g = assert_one_graph(c, "/project/astro-tool/2.1.0/", tmp_path)
    release = URIRef(ASTRO)
    ada = URIRef("https://orcid.org/0000-0002-1825-0097")
    doi = URIRef("https://doi.org/10.5281/zenodo.1234567")
    assert doi in set(g.objects(release, SCHEMA.identifier))
    assert doi in set(g.objects(release, SCHEMA.sameAs))
    # the core metadata's author list and the citation file's both stay, each with its source
    core = list(Collection(g, g.value(release, SCHEMA.author)))
    assert [str(g.value(p, SCHEMA.name)) for p in core] == ["Charles Babbage"]
    cited = g.value(release, LDX.citationMetadata)
    authors = list(Collection(g, g.value(cited, SCHEMA.author)))
    assert authors[0] == ada and g.value(ada, SCHEMA.familyName) == Literal("Lovelace")
    assert len(authors) == 4
    source = g.value(cited, PROV.wasDerivedFrom)
    assert g.value(source, SCHEMA.name) == Literal("astro-tool-2.1.0/CITATION.cff")
    assert str(g.value(source, SCHEMA.isPartOf)).endswith("/astro-tool-2.1.0.tar.gz")
    article = g.value(release, SCHEMA.citation)
    assert (article, RDF.type, SCHEMA.ScholarlyArticle) in g
    assert g.value(article, SCHEMA.identifier) == URIRef("https://doi.org/10.21105/joss.05123")
    assert g.value(article, PROV.wasDerivedFrom) == source
    venue = g.value(article, SCHEMA.isPartOf)
    assert g.value(venue, SCHEMA.name) == Literal("Journal of Open Source Software")
    keywords = {str(k) for k in g.objects(release, SCHEMA.keywords)}
    assert {"astronomy", "telescopes", "photometry"} <= keywords


def test_codemeta_json_citation_carries_funding(citation_client, tmp_path):
    c, _ = citation_client
    g = assert_one_graph(c, "/project/meta-lib/1.0/", tmp_path)
    release = URIRef(f"{BASE}/project/meta-lib/1.0/")
    assert g.value(release, CODEMETA.funding) == Literal("Grant 42 of the Example Foundation")
    assert g.value(g.value(release, SCHEMA.funder), SCHEMA.name) == Literal("Example Foundation")
    # no author in the core metadata: the citation file's authors are the release's
    (ada,) = Collection(g, g.value(release, SCHEMA.author))
    assert ada == URIRef("https://orcid.org/0000-0002-1825-0097")


def test_dependencies_link_locally_only_when_held(citation_client):
    c, _ = citation_client
    g = assert_one_graph.__globals__["embedded_graph"](c.get("/project/astro-tool/2.1.0/").text)
    linked = {str(g.value(r, SCHEMA.name)): g.value(r, LDX.requiredProject)
              for r in g.objects(URIRef(ASTRO), SCHEMA.softwareRequirements)}  # fmt: skip
    assert linked["numpy"] == URIRef("pkg:pypi/numpy")
    assert linked["meta-lib"] == URIRef(f"{BASE}/project/meta-lib/")


def test_citation_documents_are_served_beside_codemeta(citation_client):
    c, _ = citation_client
    cff = c.get("/project/astro-tool/2.1.0/CITATION.cff")
    assert cff.status_code == 200 and cff.text == ASTRO_CFF  # as shipped
    bib = c.get("/project/astro-tool/2.1.0/citation.bib")
    assert bib.status_code == 200
    assert "@software{astro_tool_2_1_0," in bib.text
    assert "author = {Lovelace, Ada and Hopper, Grace and Turing, Alan and " in bib.text
    assert "doi = {10.21105/joss.05123}" in bib.text and "@article{" in bib.text
    # written from the codemeta.json, as valid CFF
    generated = yaml.safe_load(c.get("/project/meta-lib/1.0/CITATION.cff").text)
    assert generated["cff-version"] == "1.2.0"
    assert generated["authors"][0]["family-names"] == "Lovelace"
    assert generated["url"] == f"{BASE}/project/meta-lib/1.0/"
    # a malformed file still cites through what validated (its one well-formed author)
    assert c.get("/project/broken-cite/0.1/citation.bib").status_code == 200
    redirect = c.get("/project/Astro_Tool/2.1.0/CITATION.cff")
    assert redirect.status_code == 301
    assert redirect.headers["location"] == "/project/astro-tool/2.1.0/CITATION.cff"


def test_release_page_shows_commands_licence_repository_and_citation(citation_client):
    c, _ = citation_client
    html = c.get("/project/astro-tool/2.1.0/").text
    shown_texts = (
        "astro-fit",
        "astro-view",
        "https://github.com/astro/astro-tool",
        "Cite this release",
        "@software{astro_tool_2_1_0,",
        "cff-version: 1.2.0",
    )
    for shown in shown_texts:
        assert shown in html, shown
    assert 'href="https://spdx.org/licenses/MIT"' in html
