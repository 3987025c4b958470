"""The crosswalk table against the official Codemeta crosswalk, the contexts and the vocabulary."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from rdflib import RDF, RDFS, Graph, URIRef

from crosswalk.contexts import CONTEXTS_DIR, ldindex_context, merged_context
from crosswalk.table import load_table
from crosswalk.transforms import TRANSFORMS
from crosswalk.vocab import CODEMETA, LDX, SCHEMA

OFFICIAL = Path(__file__).parent / "data" / "codemeta-3.0-python-distutils-pypi.csv"
NAMESPACES = {"schema": SCHEMA, "codemeta": CODEMETA}


def official_rows() -> list[tuple[str, str]]:
    """(Codemeta property, distutils field) pairs of the official Python crosswalk."""
    pairs = []
    with OFFICIAL.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            source = row["Python Distutils (PyPI)"].strip()
            for field in re.split(r",\s*| / ", source) if source else ():
                pairs.append((row["Property"], field.strip()))
    return pairs


def test_official_file_is_the_one_expected():
    assert ("softwareRequirements", "install_requires") in official_rows()
    assert len(official_rows()) >= 16


def test_every_official_row_is_in_the_table():
    """Each official field maps to the official property (or to a documented deviation)."""
    rows = load_table()
    for prop, field in official_rows():
        matches = [r for r in rows if field in r.codemeta]
        assert matches, f"no row implements {field} -> {prop}"
        local = {str(r.property).rsplit("/", 1)[-1] for r in matches}
        if prop == "email":
            assert any(r.transform == "people" for r in matches), field
        elif prop not in local:
            assert all(r.note.startswith("deviation:") for r in matches), (field, prop, local)


def test_official_property_namespaces_match_codemeta_context():
    """Where the table uses the official property, it is the IRI the Codemeta context gives."""
    ctx = merged_context()
    for row in load_table():
        if row.codemeta:
            local = str(row.property).rsplit("/", 1)[-1]
            if local in ctx and isinstance(ctx[local], dict):
                prefix, _, name = ctx[local]["@id"].partition(":")
                assert row.property == URIRef(NAMESPACES[prefix] + name), row


def test_every_transform_named_in_the_table_exists():
    for row in load_table():
        assert row.transform in TRANSFORMS, row


def test_every_table_property_has_a_term():
    defined = set()
    ctx = merged_context()
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("/", "#"))}
    for d in ctx.values():
        if isinstance(d, dict):
            prefix, _, name = d["@id"].partition(":")
            defined.add(prefixes[prefix] + name)
    for row in load_table():
        assert str(row.property) in defined, row


def test_vocabulary_defines_every_ldx_term_with_label_and_comment():
    vocab = Graph().parse(CONTEXTS_DIR / "ldindex-vocab.ttl", format="turtle")
    for d in ldindex_context().values():
        if isinstance(d, dict) and d["@id"].startswith("ldx:"):
            iri = LDX[d["@id"][4:]]
            assert (iri, RDF.type, None) in vocab, iri
            assert vocab.value(iri, RDFS.label) is not None, iri
            assert vocab.value(iri, RDFS.comment) is not None, iri
    ldx_terms = {
        s
        for s in vocab.subjects(RDF.type, None)
        if str(s).startswith(str(LDX)) and s != URIRef(str(LDX))
    }
    in_context = {
        LDX[d["@id"][4:]]
        for d in ldindex_context().values()
        if isinstance(d, dict) and d["@id"].startswith("ldx:")
    }
    assert ldx_terms == in_context


def test_shipped_codemeta_context_is_codemeta_3_0():
    ctx = merged_context()
    assert ctx["schema"] == "http://schema.org/"
    assert ctx["codemeta"] == "https://codemeta.github.io/terms/"
    assert ctx["author"]["@container"] == "@list"
    assert "@vocab" not in ctx
