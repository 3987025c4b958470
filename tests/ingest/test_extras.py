"""Entry points and citation files read at ingest: bounded, validated, never fatal."""

from __future__ import annotations

import json

import pytest

from crosswalk.records import Citation
from publisher.blobs import BlobStore
from publisher.ingest import ingest
from publisher.ingest.citation import MAX_SIZE, parse_citation
from publisher.ingest.entry_points import MAX_ENTRIES, parse_entry_points
from publisher.store import open_store
from tests.citation_artefacts import ASTRO_CFF, META_CODEMETA, write_citation_artefacts
from tests.ingest.craft import write_wheel


def test_entry_points_parse_as_the_specification_says():
    text = (
        b"[console_scripts]\nNormalizer = charset_normalizer.cli:cli_detect\n\n[x]\na=b:c [e1,e2]\n"
    )
    result = parse_entry_points(text, "w.whl:e.txt")
    assert result.entry_points == {
        "console_scripts": {"Normalizer": "charset_normalizer.cli:cli_detect"},
        "x": {"a": "b:c [e1,e2]"},
    }
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"no section = here\n", "no section headers"),
        (b"\xff\xfe[x]\n", "not UTF-8"),
        (b"[x]\n" + b"".join(b"n%d = m:f\n" % i for i in range(MAX_ENTRIES + 1)), "entries"),
        (b"[x]\n" + b"#" * (300 << 10), "bytes"),
    ],
)
def test_bad_entry_points_are_a_warning_naming_the_file(data, reason):
    result = parse_entry_points(data, "w.whl:w.dist-info/entry_points.txt")
    assert result.entry_points == {}
    (warning,) = result.warnings
    assert warning.startswith("w.whl:w.dist-info/entry_points.txt: ")
    assert reason in warning.lower() or reason in warning


def test_an_entry_that_is_not_an_object_reference_is_dropped_alone():
    result = parse_entry_points(b"[console_scripts]\ngood = a.b:c\nbad = not a reference!\n", "f")
    assert result.entry_points == {"console_scripts": {"good": "a.b:c"}}
    assert "'bad'" in result.warnings[0]


def test_cff_reads_into_the_cff_shape():
    result = parse_citation(ASTRO_CFF.encode(), "cff", "a.tar.gz", "a/CITATION.cff")
    assert result.warnings == ()
    c = result.citation
    assert isinstance(c, Citation) and c.text == ASTRO_CFF
    assert c.data["doi"] == "10.5281/zenodo.1234567"
    assert c.data["date-released"] == "2024-03-15"
    assert [a.get("family-names", a.get("name")) for a in c.data["authors"]] == [
        "Lovelace",
        "Hopper",
        "Turing",
        "The Astro Tool Collaboration",
    ]
    assert c.data["preferred-citation"]["type"] == "article"
    assert c.data["preferred-citation"]["volume"] == "8"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: [unclosed", "not valid YAML"),
        ("- a\n- list\n", "no mapping at the top"),
        ("a: &x [1, 2]\nb: *x\n", "aliases"),
        ("title: " + "[" * 40 + "]" * 40 + "\nauthors: []\n", "nested deeper"),
        ("message: hi\n", "neither a title nor authors"),
    ],
)
def test_unusable_cff_is_ignored_with_a_warning(text, message):
    result = parse_citation(text.encode(), "cff", "p.tar.gz", "p/CITATION.cff")
    assert result.citation is None
    assert any(w.startswith("p.tar.gz:p/CITATION.cff: ") and message in w for w in result.warnings)


def test_oversized_citation_file_is_ignored():
    result = parse_citation(b"title: x\n" + b"#" * MAX_SIZE, "cff", "p.whl", "CITATION.cff")
    assert result.citation is None and "over" in result.warnings[0]


def test_codemeta_json_reads_into_the_same_shape():
    data = json.dumps(META_CODEMETA).encode()
    result = parse_citation(data, "codemeta", "m.whl", "m/codemeta.json")
    c = result.citation
    assert c is not None and c.format == "codemeta"
    assert c.data["title"] == "meta-lib"
    assert c.data["authors"][0]["orcid"] == "https://orcid.org/0000-0002-1825-0097"
    assert c.data["authors"][0]["affiliation"] == "Analytical Engine Society"
    assert c.data["funding"] == ["Grant 42 of the Example Foundation"]
    assert c.data["funders"] == ["Example Foundation"]
    assert c.data["preferred-citation"]["title"] == "Metadata for all"


def test_ingest_keeps_extras_per_release_and_warns_on_bad_ones(tmp_path):
    write_citation_artefacts(tmp_path / "in")
    store = open_store(f"sqlite:///{tmp_path / 'index.db'}")
    outcomes = ingest([tmp_path / "in"], store, BlobStore(tmp_path / "files"))
    assert [o.status for o in outcomes] == ["added"] * 4
    broken = next(o for o in outcomes if o.path.name.startswith("broken"))
    assert any("CITATION.cff: field 'doi'" in w for w in broken.warnings)
    assert any("field 'authors[0]'" in w for w in broken.warnings)
    astro = store.get_release("astro-tool", "2.1.0")
    assert astro.citation is not None and astro.citation.member == "astro-tool-2.1.0/CITATION.cff"
    assert astro.citation.filename == "astro-tool-2.1.0.tar.gz"
    assert astro.entry_points["console_scripts"]["astro"] == "astro_tool.cli:main"
    assert store.get_release("broken-cite", "0.1").citation.data["authors"] == [
        {"family-names": "Valid", "given-names": "Person"}
    ]
    assert store.get_project("meta-lib").releases[0].citation.format == "codemeta"
    store.close()


def test_an_oversized_entry_points_member_is_a_warning_not_a_refusal(tmp_path):
    big = "[x]\n" + "#" * (300 << 10) + "\n"
    write_wheel(tmp_path, "big", "1.0", members={"big-1.0.dist-info/entry_points.txt": big})
    store = open_store(f"sqlite:///{tmp_path / 'index.db'}")
    (outcome,) = ingest([tmp_path / "big-1.0-py3-none-any.whl"], store, BlobStore(tmp_path / "f"))
    assert outcome.status == "added"
    assert "entry points ignored" in outcome.warnings[0]
    assert store.get_release("big", "1.0").entry_points == {}
    store.close()


def test_upload_time_from_the_file_modification_time(tmp_path):
    import os
    from datetime import UTC, datetime

    from publisher.ingest import IngestOptions

    path = write_wheel(tmp_path, "old", "1.0")
    os.utime(path, (1_600_000_000, 1_600_000_000))
    store = open_store(f"sqlite:///{tmp_path / 'index.db'}")
    ingest([path], store, BlobStore(tmp_path / "f"), IngestOptions(upload_time="mtime"))
    f = store.get_file(path.name)
    assert f.upload_time == datetime.fromtimestamp(1_600_000_000, UTC)
    assert store.get_release("old", "1.0").created == f.upload_time
    store.close()
