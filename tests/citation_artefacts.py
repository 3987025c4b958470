"""Artefacts carrying citation files and entry points, shaped like real ones, for tests.

``astro-tool`` 2.1.0: an sdist whose CITATION.cff has several authors with ORCIDs, a DOI, a
preferred citation of type article, and core metadata naming another author; its wheel
carries console and GUI scripts and a pytest plugin. ``meta-lib`` 1.0: a wheel with a
codemeta.json (funding, funder, referencePublication). ``broken-cite`` 0.1: a malformed
CITATION.cff (an author that is not a mapping, a DOI list where text belongs).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.ingest.craft import metadata_text, write_sdist, write_wheel

__all__ = ["ASTRO_CFF", "write_citation_artefacts"]

ASTRO_CFF = """\
cff-version: 1.2.0
message: "If you use this software, please cite it as below."
title: "Astro Tool: photometry for everyone"
abstract: Fast aperture photometry.
authors:
  - family-names: Lovelace
    given-names: Ada
    orcid: "https://orcid.org/0000-0002-1825-0097"
    affiliation: "Analytical Engine Society"
  - family-names: Hopper
    given-names: Grace
    orcid: "https://orcid.org/0000-0001-5109-3700"
    email: grace@example.org
  - given-names: Alan
    family-names: Turing
    name-particle: ""
  - name: "The Astro Tool Collaboration"
doi: 10.5281/zenodo.1234567
identifiers:
  - type: doi
    value: 10.5281/zenodo.1234566
    description: Concept DOI
  - type: url
    value: https://example.org/astro-tool
version: 2.1.0
date-released: 2024-03-15
license: MIT
repository-code: "https://github.com/astro/astro-tool"
keywords:
  - astronomy
  - photometry
preferred-citation:
  type: article
  title: "Astro Tool: a photometry library"
  authors:
    - family-names: Lovelace
      given-names: Ada
      orcid: "https://orcid.org/0000-0002-1825-0097"
    - family-names: Hopper
      given-names: Grace
  journal: "Journal of Open Source Software"
  year: 2023
  volume: 8
  issue: 81
  start: 5123
  end: 5125
  doi: 10.21105/joss.05123
"""

BROKEN_CFF = """\
cff-version: 1.2.0
message: Please cite.
title: Broken Cite
authors:
  - just a string, not a person
  - family-names: Valid
    given-names: Person
doi: [10.1/a, 10.1/b]
keywords: astronomy
"""

META_CODEMETA = {
    "@context": "https://w3id.org/codemeta/3.0",
    "@type": "SoftwareSourceCode",
    "name": "meta-lib",
    "version": "1.0",
    "identifier": "https://doi.org/10.5281/zenodo.7654321",
    "author": [
        {
            "@type": "Person",
            "@id": "https://orcid.org/0000-0002-1825-0097",
            "givenName": "Ada",
            "familyName": "Lovelace",
            "affiliation": {"@type": "Organization", "name": "Analytical Engine Society"},
        }
    ],
    "keywords": ["metadata", "codemeta"],
    "funding": "Grant 42 of the Example Foundation",
    "funder": {"@type": "Organization", "name": "Example Foundation"},
    "referencePublication": {
        "@type": "ScholarlyArticle",
        "name": "Metadata for all",
        "identifier": "https://doi.org/10.1000/meta.1",
        "datePublished": "2022-05-01",
    },
}

ENTRY_POINTS = """\
[console_scripts]
astro = astro_tool.cli:main
astro-fit = astro_tool.fit:main [fast]

[gui_scripts]
astro-view = astro_tool.gui:run

[pytest11]
astro = astro_tool.pytest_plugin
"""


def write_citation_artefacts(directory: Path) -> list[Path]:
    """Write the three projects' artefacts into ``directory``; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    astro_meta = metadata_text(
        "astro-tool",
        "2.1.0",
        "2.4",
        [
            "Summary: Photometry for everyone",
            "Author: Charles Babbage",
            "Author-email: charles@example.org",
            "License-Expression: MIT",
            "Requires-Python: >=3.9",
            "Requires-Dist: numpy>=1.22",
            "Requires-Dist: meta-lib>=1.0",
            "Project-URL: Source, https://github.com/astro/astro-tool",
            "Keywords: astronomy,telescopes",
        ],
    )
    return [
        write_sdist(
            directory,
            "astro-tool",
            "2.1.0",
            metadata=astro_meta,
            members=[("astro-tool-2.1.0/CITATION.cff", ASTRO_CFF.encode())],
        ),
        write_wheel(
            directory,
            "astro_tool",
            "2.1.0",
            metadata=astro_meta,
            members={"astro_tool-2.1.0.dist-info/entry_points.txt": ENTRY_POINTS},
        ),
        write_wheel(
            directory,
            "meta_lib",
            "1.0",
            metadata=metadata_text("meta-lib", "1.0", "2.1", ["Summary: Metadata library"]),
            members={"meta_lib/codemeta.json": json.dumps(META_CODEMETA)},
        ),
        write_sdist(
            directory,
            "broken-cite",
            "0.1",
            members=[("broken-cite-0.1/CITATION.cff", BROKEN_CFF.encode())],
        ),
    ]
