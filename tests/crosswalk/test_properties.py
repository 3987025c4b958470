"""Property-based: arbitrary strings in every metadata field never break a graph or its JSON-LD."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.compare import isomorphic

from crosswalk import release_graph, serialise, to_jsonld
from crosswalk.jsonld import graph_from_jsonld
from crosswalk.records import DistributionFile, PlatformFacts, Project, PythonFacts, Release

SINGLE = [
    "name", "version", "summary", "description", "description_content_type", "home_page",
    "download_url", "author", "author_email", "maintainer", "maintainer_email", "license",
    "license_expression", "requires_python", "metadata_version",
]  # fmt: skip
MULTI = [
    "keywords", "classifiers", "requires_dist", "requires", "provides_extra",
    "requires_external", "license_files", "platforms", "supported_platforms", "provides_dist",
    "obsoletes_dist", "provides", "obsoletes", "dynamic", "import_names", "import_namespaces",
]  # fmt: skip

text = st.text(max_size=40)
# Strings shaped like the real thing as well as noise, so the parsers' happy paths run too.
likely = st.one_of(
    text,
    st.sampled_from([
        "UNKNOWN", "http://", "https://example.org/x", "mailto:", "A <a@b.org>, B <b@c.org>",
        "MIT OR Apache-2.0", "requests[socks]>=2; python_version<'3.9'",
        "Development Status :: 4 - Beta", "Topic :: Utilities", "Programming Language :: C",
    ]),
)  # fmt: skip
metadata = st.fixed_dictionaries(
    {},
    optional={
        **{f: likely for f in SINGLE},
        **{f: st.lists(likely, max_size=3) for f in MULTI},
        "project_urls": st.dictionaries(text, likely, max_size=3),
    },
)
files = st.builds(
    DistributionFile,
    filename=text,
    project=text,
    version=text,
    packagetype=text,
    size=st.integers(min_value=0, max_value=2**62),
    hashes=st.dictionaries(st.sampled_from(["md5", "sha256", "blake2b_256", "xx"]), text),
    upload_time=st.datetimes(timezones=st.just(UTC)),
    url_path=text,
    requires_python=st.none() | text,
    tags=st.lists(text, max_size=2).map(tuple),
    python=st.lists(st.builds(PythonFacts, text, text, st.none() | text, text), max_size=2).map(
        tuple
    ),
    platforms=st.lists(
        st.builds(PlatformFacts, text, text, st.none() | text, st.none() | text), max_size=2
    ).map(tuple),
    comment=st.none() | text,
    yanked=st.booleans(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=text,
    version=text,
    meta=metadata,
    fs=st.lists(files, max_size=2, unique_by=lambda f: f.url_path),
)
def test_any_metadata_serialises_and_round_trips(name, version, meta, fs):
    release = Release(
        project=name,
        version=version,
        metadata=meta,
        files=tuple(fs),
        created=datetime(2024, 1, 2, tzinfo=UTC),
    )
    project = Project(name=name, display_name=name, releases=(release,))
    graph = release_graph(project, release, "http://127.0.0.1:8000")
    doc = json.loads(serialise(graph, "jsonld"))
    assert isomorphic(graph, graph_from_jsonld(doc))
    embedded = to_jsonld(graph, embed_context=True)
    assert isomorphic(graph, Graph().parse(data=json.dumps(embedded), format="json-ld"))
    assert isomorphic(graph, Graph().parse(data=serialise(graph, "turtle"), format="turtle"))
    assert isomorphic(graph, Graph().parse(data=serialise(graph, "nt"), format="nt"))
