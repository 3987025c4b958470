"""Crosswalk throughput: synthetic releases per second to a graph, to JSON-LD, to Turtle.

    .venv/bin/python bench/bench_crosswalk.py [--releases N] [--profile]

Releases are shaped like real ones (attrs-sized: ~40 requirements, 10 classifiers, 5 project
URLs, two authors, three wheels). pyld's general compaction is timed on a small sample for
comparison with the direct writer ``crosswalk.to_jsonld`` uses.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson

from crosswalk import project_graph, release_graph, serialise, to_jsonld
from crosswalk.jsonld import to_jsonld_pyld
from crosswalk.records import (
    DistributionFile,
    PlatformFacts,
    Project,
    PythonFacts,
    Release,
)

BASE = "http://127.0.0.1:8000"


def synthetic_release(i: int) -> Release:
    name, version = f"pkg-{i // 5}", f"1.{i % 5}.0"
    when = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    files = tuple(
        DistributionFile(
            filename=f"pkg_{i // 5}-{version}-cp312-cp312-{plat}.whl",
            project=name,
            version=version,
            packagetype="bdist_wheel",
            size=100_000 + i,
            hashes={"sha256": f"{i:064x}", "md5": f"{i:032x}", "blake2b_256": f"{i:064x}"},
            upload_time=when,
            url_path=f"{i % 256:02x}/{i % 97:02x}/{i:060x}/pkg_{i // 5}-{version}-{plat}.whl",
            requires_python=">=3.9",
            tags=(f"cp312-cp312-{plat}",),
            python=(PythonFacts("cp312", "CPython", "3.12", "cp312"),),
            platforms=(PlatformFacts(plat, os, "2.17", None, (arch,)),),
            metadata_version="2.4",
            metadata_sha256=f"{i:064x}",
        )
        for plat, os, arch in (
            ("manylinux_2_17_x86_64", "linux", "x86_64"),
            ("macosx_11_0_arm64", "macos", "arm64"),
            ("win_amd64", "windows", "AMD64"),
        )
    )
    metadata = {
        "metadata_version": "2.4",
        "name": name,
        "version": version,
        "summary": f"Synthetic package number {i}",
        "description": "A README body. " * 40,
        "description_content_type": "text/markdown",
        "keywords": ["synthetic", "benchmark", "crosswalk"],
        "author_email": "Ann Author <ann@example.org>, Bob Builder <bob@example.org>",
        "maintainer": "The Team",
        "maintainer_email": "team@example.org",
        "license_expression": "MIT OR Apache-2.0",
        "license_files": ["LICENSE"],
        "requires_python": ">=3.9",
        "classifiers": [
            "Development Status :: 5 - Production/Stable",
            "License :: OSI Approved :: MIT License",
            "Operating System :: OS Independent",
            *(f"Programming Language :: Python :: 3.{v}" for v in range(9, 14)),
            "Topic :: Software Development :: Libraries",
            "Typing :: Typed",
        ],
        "project_urls": {
            "Homepage": "https://example.org/",
            "Source": f"https://github.com/example/pkg-{i}",
            "Issues": f"https://github.com/example/pkg-{i}/issues",
            "Documentation": "https://docs.example.org/",
            "Chat": "https://chat.example.org/",
        },
        "provides_extra": ["dev", "docs", "tests"],
        "requires_dist": [
            f"dep{j}[extra]>=1.{j}; python_version >= '3.10' and extra == 'dev'" for j in range(40)
        ],
    }
    return Release(project=name, version=version, metadata=metadata, files=files, created=when)


def rate(label: str, n: int, seconds: float) -> None:
    print(f"{label:<34} {n / seconds:10.1f} releases/s  ({seconds * 1000 / n:.2f} ms each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=2000)
    parser.add_argument("--pyld-sample", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    args = parser.parse_args()

    releases = [synthetic_release(i) for i in range(args.releases)]
    projects = {}
    for r in releases:
        projects.setdefault(r.project, []).append(r)
    pairs = [(Project(n, n, tuple(rs)), r) for n, rs in projects.items() for r in rs]

    t = time.perf_counter()
    graphs = [release_graph(p, r, BASE) for p, r in pairs]
    rate("records -> graph", len(pairs), time.perf_counter() - t)
    print(f"  ({sum(len(g) for g in graphs) / len(graphs):.0f} triples per release)")

    t = time.perf_counter()
    for g in graphs:
        orjson.dumps(to_jsonld(g))
    rate("graph -> JSON-LD bytes (direct)", len(graphs), time.perf_counter() - t)

    t = time.perf_counter()
    for p, r in pairs:
        serialise(release_graph(p, r, BASE), "jsonld")
    rate("records -> JSON-LD bytes", len(pairs), time.perf_counter() - t)

    sample = graphs[: args.pyld_sample]
    t = time.perf_counter()
    for g in sample:
        to_jsonld_pyld(g)
    rate("graph -> JSON-LD (pyld compact)", len(sample), time.perf_counter() - t)

    t = time.perf_counter()
    for g in graphs[: max(1, len(graphs) // 10)]:
        serialise(g, "turtle")
    rate("graph -> Turtle", max(1, len(graphs) // 10), time.perf_counter() - t)

    t = time.perf_counter()
    for g in graphs[: max(1, len(graphs) // 10)]:
        serialise(g, "nt")
    rate("graph -> N-Triples", max(1, len(graphs) // 10), time.perf_counter() - t)

    t = time.perf_counter()
    for name, rs in projects.items():
        serialise(project_graph(Project(name, name, tuple(rs)), BASE), "jsonld")
    print(
        f"{'project -> JSON-LD bytes':<34} {len(projects) / (time.perf_counter() - t):10.1f}"
        " projects/s"
    )

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for p, r in pairs[:300]:
            serialise(release_graph(p, r, BASE), "jsonld")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
