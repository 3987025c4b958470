"""SPARQL: ``/_/sparql`` over HTTP against raw pyoxigraph and rdflib on the same graph.

    .venv/bin/python bench/bench_sparql.py [--projects N] [--runs N] [--rdflib-runs N]

Builds a synthetic catalogue in a fresh SQLite database (``--projects`` projects, 4 releases
each, wheels for several platforms, 5-40 requirements on other projects, licences, authors,
classifiers, and OSV advisories: open ones on every 8th project, withdrawn ones on every
25th), shaped like real releases and mapped through the crosswalk by ``ldindex graph
rebuild`` (timed; the graph must reach 1M triples), then writes the dumps as ``ldindex
dump`` does (timed; the server would otherwise write them while the queries are timed).
Then, on the same graph, one query at a time:

- our route: ``ldindex serve`` on a loopback port (its start, until the first query is
  answered from memory, is timed), each query sent as ``GET /_/sparql`` asking for SPARQL
  JSON (or Turtle for graphs) over one keep-alive connection, as SPARQL clients and
  libraries keep one: with the standard library's ``http.client`` (``route``), and with
  httpx (``route_httpx``, reported beside: the same server, plus some 0.5 ms of httpx's
  own work a request on the client's side);
- raw pyoxigraph, in memory: ``Store.query`` on an in-memory store loaded from the same
  image the server loads, results serialised by pyoxigraph to the same format and bytes
  (Turtle with the same prefixes) in the same process, on a thread of its own as in our
  query processes (``EngineThread``), timed there: the same engine and storage as our
  route, without the protocol;
- raw pyoxigraph, on disk: the same on the published on-disk snapshot (what queries ran on
  before the graph was held in memory), for reference;
- rdflib: the same triples (the N-Triples dump) in an in-memory ``Graph``, ``Graph.query``,
  results serialised.

The queries say what they mean and nothing more: a class pattern that the properties already
imply (``?r a ldx:Release`` beside ``schema:license``, which only releases carry) is left
out. Oxigraph's planner starts from such a pattern and probes every release (some 8,800
probes, 30-65 ms a query here, against 2-4 ms without); rdflib is faster without it too
(1.4-2x); the answers are the same.

Each query runs once on each to warm up, then the route, httpx, pyoxigraph in memory and on
disk take turns, ``--runs`` rounds (more for queries under 20 ms, up to 50, so a noisy
machine's best is found for all alike; best kept); rdflib runs ``--rdflib-runs`` times.
For each query the table gives the times and two ratios: how many times faster than rdflib
the route is, and what share of raw pyoxigraph's speed it keeps (its time over ours).
Targets: >= 10x rdflib and >= 0.5x raw in-memory pyoxigraph, stated two ways: on the whole
set (the time to run every query once, as a client working through the set would see it)
and as the geometric mean of the per-query ratios, which weighs sub-millisecond lookups,
where one HTTP round trip (which the in-process engines do not pay) is most of our time, as
much as the heavy queries. Graph memory (the query host's RSS, what its query processes
hold privately, their PSS in all; rdflib's RSS growth), rebuild, dump and start times are
reported. Results: the table, and ``bench/results/sparql.json``.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import gzip
import http.client
import json
import math
import os
import queue
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import pyoxigraph as ox  # noqa: E402

from crosswalk.records import DistributionFile, PlatformFacts, PythonFacts, Target  # noqa: E402
from publisher.extrinsic.writes import create  # noqa: E402
from publisher.sparql import dumping, maintenance  # noqa: E402
from publisher.sparql.image import read_image  # noqa: E402
from publisher.sparql.location import GraphLocation, default_graph_root  # noqa: E402
from publisher.sparql.prefixes import PREFIXES  # noqa: E402
from publisher.store import Author, NewFile, Store, open_store  # noqa: E402

TARGET_RDFLIB = 10.0
TARGET_OXIGRAPH = 0.5
MIN_TRIPLES = 1_000_000
LICENSES = ["MIT", "Apache-2.0", "BSD-3-Clause", "MIT OR Apache-2.0", "GPL-3.0-or-later",
            "MPL-2.0", "ISC", "LGPL-2.1-only"]  # fmt: skip
PLATFORMS = [
    ("manylinux_2_17_x86_64", "linux", "2.17", "glibc", "x86_64"),
    ("manylinux_2_17_aarch64", "linux", "2.17", "glibc", "aarch64"),
    ("musllinux_1_2_x86_64", "linux", "1.2", "musl", "x86_64"),
    ("musllinux_1_2_aarch64", "linux", "1.2", "musl", "aarch64"),
    ("macosx_11_0_arm64", "macos", "11.0", None, "arm64"),
    ("win_amd64", "windows", None, None, "AMD64"),
]
WORDS = ["parser", "http", "async", "yaml", "crypto", "plot", "cli", "orm", "test", "image"]

PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
QUERIES = {
    "project by name": """SELECT ?p ?latest WHERE {
        ?p a ldx:Project ; schema:name "pkg-417" ; ldx:latestRelease ?latest }""",
    "latest releases": """SELECT ?name ?version WHERE {
        ?p a ldx:Project ; schema:name ?name ; ldx:latestRelease/schema:version ?version }""",
    "licences by count": """SELECT ?license (COUNT(DISTINCT ?r) AS ?n) WHERE {
        ?r schema:license ?license } GROUP BY ?license ORDER BY DESC(?n)""",
    "musllinux aarch64": """SELECT DISTINCT ?project WHERE {
        ?r schema:isPartOf ?project ; schema:downloadUrl ?f .
        ?f ldx:platform ?pl . ?pl ldx:libc "musl" ; ldx:architecture "aarch64" }""",
    "dependents of a project": """SELECT ?r WHERE {
        ?r schema:softwareRequirements/ldx:requiredProject <project/pkg-7/> }""",
    "most depended on": """SELECT ?dep (COUNT(DISTINCT ?r) AS ?n) WHERE {
        ?r schema:softwareRequirements/ldx:requiredProject ?dep }
        GROUP BY ?dep ORDER BY DESC(?n) LIMIT 20""",
    "releases in a month": """SELECT ?r ?when WHERE {
        ?r schema:datePublished ?when
        FILTER(?when >= "2024-03-01T00:00:00+00:00"^^xsd:dateTime &&
               ?when < "2024-04-01T00:00:00+00:00"^^xsd:dateTime) } ORDER BY ?when""",
    "summary contains a word": """SELECT ?r ?summary WHERE {
        ?r a ldx:Release ; schema:description ?summary FILTER(CONTAINS(?summary, "parser")) }""",
    "bytes by package type": """SELECT ?type (SUM(?size) AS ?bytes) (COUNT(?f) AS ?files) WHERE {
        ?f ldx:packagetype ?type ; ldx:sizeInBytes ?size } GROUP BY ?type""",
    "python 3.13 wheels": """SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {
        ?f ldx:pythonTarget/ldx:pythonVersion "3.13" }""",
    "any yanked": "ASK { ?r a ldx:Release ; ldx:yanked true }",
    "describe a release": "DESCRIBE <project/pkg-99/1.2.0/>",
    "first authors": """SELECT ?author (COUNT(?r) AS ?n) WHERE {
        ?r schema:author/rdf:first/schema:name ?author } GROUP BY ?author ORDER BY DESC(?n)
        LIMIT 10""",
    "open advisories": """SELECT ?project ?version ?id WHERE {
        ?release ldx:affectedBy ?advisory ; schema:version ?version ;
                 schema:isPartOf/schema:name ?project .
        ?advisory schema:identifier ?id FILTER NOT EXISTS { ?advisory ldx:withdrawn ?when } }
        ORDER BY ?project ?version""",
}


def synthetic_files(i: int, projects: int) -> list[NewFile]:
    """One release's files: project ``pkg-{i // 4}``, version ``1.{i % 4}.0``."""
    p = i // 4
    name, version = f"pkg-{p}", f"1.{i % 4}.0"
    when = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(hours=i)
    deps = [f"pkg-{(p * 7 + j * 13) % projects}" for j in range(5 + (p * 3) % 36)]
    metadata = {
        "metadata_version": "2.4",
        "name": name,
        "version": version,
        "summary": f"A {WORDS[p % len(WORDS)]} library, number {p}",
        "description": "A README body. " * 20,
        "description_content_type": "text/markdown",
        "keywords": [WORDS[p % len(WORDS)], WORDS[(p + 3) % len(WORDS)]],
        "author_email": f"Author {p % 97} <a{p % 97}@example.org>, Second <b@example.org>",
        "license_expression": LICENSES[p % len(LICENSES)],
        "requires_python": ">=3.9",
        "classifiers": [
            "Development Status :: 5 - Production/Stable",
            *(f"Programming Language :: Python :: 3.{v}" for v in range(9, 14)),
            f"Topic :: Software Development :: {WORDS[p % len(WORDS)].title()}",
        ],
        "project_urls": {
            "Source": f"https://github.com/example/pkg-{p}",
            "Documentation": f"https://pkg-{p}.example.org/",
        },
        "provides_extra": ["dev"],
        "requires_dist": [f"{d}>=1.{j % 5}" for j, d in enumerate(deps)],
    }
    platforms = [PLATFORMS[(p + k) % len(PLATFORMS)] for k in range(1 + p % 3)]
    files = []
    for k, (tag, os_, os_version, libc, arch) in enumerate(platforms):
        py = f"3{9 + (i + k) % 5}"
        filename = f"pkg_{p}-{version}-cp{py}-cp{py}-{tag}.whl"
        digest = f"{i:032x}{k:032x}"
        record = DistributionFile(
            filename=filename, project=name, version=version, packagetype="bdist_wheel",
            size=50_000 + i * 7 + k, hashes={"md5": digest[:32], "sha1": digest[:40],
                                             "sha256": digest, "blake2b_256": digest},
            upload_time=when, url_path=f"{digest[:2]}/{digest[2:4]}/{digest[4:]}/{filename}",
            requires_python=">=3.9", tags=(f"cp{py}-cp{py}-{tag}",),
            python=(PythonFacts(f"cp{py}", "CPython", f"3.{py[1:]}", f"cp{py}"),),
            platforms=(PlatformFacts(tag, os_, os_version, libc, (arch,)),),
            metadata_version="2.4", metadata_sha256=digest,
        )  # fmt: skip
        files.append(NewFile(record, name, metadata, None, 3))
    return files


def add_advisories(store: Store, projects: int) -> int:
    """OSV advisories as they are written through the API: an open one on every 8th
    project (versions before 1.2.0 affected), a withdrawn one on every 25th."""
    author, written = Author("bench"), 0
    for p in range(0, projects, 8):
        name = f"pkg-{p}"
        create(store, Target(name), {"kind": "advisory", "reason": "synthetic", "data": {
            "id": f"GHSA-bench-{p:04d}", "summary": f"Unsafe input in {name}",
            "affected": [{"package": {"ecosystem": "PyPI", "name": name},
                          "ranges": [{"type": "ECOSYSTEM",
                                      "events": [{"introduced": "0"}, {"fixed": "1.2.0"}]}]}]}},
               author)  # fmt: skip
        written += 1
    for p in range(0, projects, 25):
        name = f"pkg-{p}"
        create(store, Target(name), {"kind": "advisory", "reason": "synthetic", "data": {
            "id": f"GHSA-gone-{p:04d}", "summary": "Not a flaw after all",
            "withdrawn": "2024-06-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "PyPI", "name": name},
                          "versions": ["1.0.0"]}]}}, author)  # fmt: skip
        written += 1
    return written


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rollup_mb(pid: int | str, field: str) -> float:
    """One figure of /proc/PID/smaps_rollup (Pss:, Private_Dirty:…), in MB."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def interleaved(
    runs: dict[str, Callable[[], tuple[int, float]]], rounds: int
) -> dict[str, tuple[float, int]]:
    """The best time (and the size of the answer) of each of ``runs`` (which return both),
    taking turns for ``rounds`` rounds, so that a noisy machine slows them alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    sizes = dict.fromkeys(runs, 0)
    for _ in range(rounds):
        for name, run in runs.items():
            sizes[name], seconds = run()
            times[name].append(seconds)
    return {name: (min(times[name]), sizes[name]) for name in runs}


def timed(run: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    size = run()
    return size, time.perf_counter() - started


class EngineThread:
    """Runs and times calls on one thread of its own. The route's query processes answer on
    such a thread, whose allocations come from a malloc arena of its own (up to 1.3x faster
    on some of these queries than the main thread's arena, measured in one process); raw
    pyoxigraph runs on one too, so the comparison is of the protocol, not of arenas."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._results: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="engine", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while (run := self._calls.get()) is not None:
            try:
                self._results.put(timed(run))
            except BaseException as exc:
                self._results.put(exc)

    def timed(self, run: Callable[[], int]) -> tuple[int, float]:
        self._calls.put(run)
        result = self._results.get()
        if isinstance(result, BaseException):
            raise result
        return result

    def close(self) -> None:
        self._calls.put(None)
        self._thread.join()


def rounds_for(seconds: float, runs: int) -> int:
    """``runs`` rounds, or more (up to 50) for a query that takes under 20 ms."""
    return max(runs, min(50, int(0.02 * runs / max(seconds, 1e-6))))


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rdflib-runs", type=int, default=1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ldindex-bench-sparql-"))
    server = None
    try:
        db_url = f"sqlite:///{work / 'index.db'}"
        store = open_store(db_url)
        started = time.perf_counter()
        for i in range(args.projects * 4):
            for new in synthetic_files(i, args.projects):
                store.add_file(new)
        advisories = add_advisories(store, args.projects)
        print(f"catalogue: {args.projects} projects, {store.counts()}, {advisories} advisories, "
              f"written in {time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        location = GraphLocation(default_graph_root(db_url), base)
        report = maintenance.rebuild(store, location)
        store.close()
        snapshot = report.snapshot
        assert snapshot is not None
        disk_mb = sum(f.stat().st_size for f in location.primary.rglob("*") if f.is_file()) / 1e6
        print(f"graph rebuild: {snapshot.triples} triples in {report.seconds:.1f} s "
              f"({snapshot.triples / report.seconds:,.0f} triples/s), {disk_mb:.0f} MB on disk",
              flush=True)  # fmt: skip
        if snapshot.triples < MIN_TRIPLES:
            print(f"note: {snapshot.triples} triples is below the benchmark's {MIN_TRIPLES:,}; "
                  "raise --projects for the real measurement", flush=True)  # fmt: skip
        started = time.perf_counter()
        manifest = dumping.write_dumps(location)
        dump_seconds = time.perf_counter() - started
        image = read_image(location)
        assert image is not None and image.generation == snapshot.generation
        image_mb = image.path.stat().st_size / 1e6
        sizes = ", ".join(f"{n} {f['size'] / 1e6:.0f} MB" for n, f in manifest["files"].items())
        print(f"dumps: {sizes} and statistics in {dump_seconds:.1f} s; image {image_mb:.0f} MB",
              flush=True)  # fmt: skip

        env = {**os.environ, "LDINDEX_SPARQL_CLIENT_SECONDS": "100000",
               "LDINDEX_SPARQL_CLIENT_CONCURRENCY": "8"}  # fmt: skip
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "publisher.cli", "serve", "--db", db_url, "--port", str(port),
             "--base-url", base, "--sparql-timeout", "60", "--sparql-max-rows", "10000000",
             "--sparql-workers", "1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = httpx.Client(timeout=120)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        deadline = time.monotonic() + 300
        while True:
            try:
                if client.get(f"{base}/_/sparql", params={"query": "ASK {}"}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer SPARQL within 300 s")
            time.sleep(0.1)
        start_seconds = time.perf_counter() - started
        print(f"server: first SPARQL answer {start_seconds:.1f} s after start (the graph "
              "loaded into memory from the image)", flush=True)  # fmt: skip

        gc.collect()
        before = rss_mb()
        started = time.perf_counter()
        memory = ox.Store()
        with gzip.open(image.path, "rb") as stream:
            memory.bulk_load(stream, format=ox.RdfFormat.N_QUADS, lenient=True)
        gc.collect()
        memory_load = time.perf_counter() - started
        memory_mb = rss_mb() - before
        print(f"pyoxigraph in memory: {len(memory)} quads loaded in {memory_load:.1f} s, "
              f"+{memory_mb:.0f} MB RSS", flush=True)  # fmt: skip
        disk = ox.Store.read_only(str(snapshot.path))

        from rdflib import Graph

        gc.collect()
        before = rss_mb()
        started = time.perf_counter()
        graph = Graph()
        with gzip.open(location.dump_dir / dumping.NT_DUMP, "rb") as stream:
            graph.parse(stream, format="nt")
        gc.collect()
        rdflib_load = time.perf_counter() - started
        rdflib_mb = rss_mb() - before
        print(f"rdflib: {len(graph)} triples loaded in {rdflib_load:.1f} s, "
              f"+{rdflib_mb:.0f} MB RSS", flush=True)  # fmt: skip

        rows = []
        engine = EngineThread()
        print(f"{'query (ms)':<24} {'route':>8} {'httpx':>8} {'pyoxigraph':>10} {'disk':>8} "
              f"{'rdflib':>9}  {'x rdflib':>8} {'of pyoxigraph':>13}", flush=True)  # fmt: skip
        for name, body in QUERIES.items():
            graph_result = body.lstrip().startswith(("DESCRIBE", "CONSTRUCT"))
            accept = "text/turtle" if graph_result else "application/sparql-results+json"
            target = f"/_/sparql?{urlencode({'query': body})}"

            def route(target=target, accept=accept) -> int:
                connection.request("GET", target, headers={"Accept": accept})
                reply = connection.getresponse()
                content = reply.read()
                assert reply.status == 200, content
                return len(content)

            def route_httpx(body=body, accept=accept) -> int:
                reply = client.get(f"{base}/_/sparql", params={"query": body},
                                   headers={"Accept": accept})  # fmt: skip
                assert reply.status_code == 200, reply.text
                return len(reply.content)

            def oxigraph(body=body, graph_result=graph_result, store=memory) -> int:
                result = store.query(body, prefixes=PREFIXES, base_iri=f"{base}/",
                                     use_default_graph_as_union=True)  # fmt: skip
                if graph_result:  # Turtle with the prefixes the route writes
                    return len(ox.serialize(result, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES))
                return len(result.serialize(format=ox.QueryResultsFormat.JSON))

            def rdflib_run(body=body, graph_result=graph_result) -> int:
                result = graph.query(PROLOGUE + body, base=f"{base}/")
                fmt = "turtle" if graph_result else "json"
                return len(result.serialize(format=fmt))

            runs = {
                "route": lambda route=route: timed(route),
                "route_httpx": lambda route_httpx=route_httpx: timed(route_httpx),
                "oxigraph": lambda oxigraph=oxigraph: engine.timed(oxigraph),
                "oxigraph_disk": lambda oxigraph=oxigraph: engine.timed(
                    lambda: oxigraph(store=disk)
                ),
            }
            for run in runs.values():  # warm up
                run()
            _, seconds = runs["route"]()
            best = interleaved(runs, rounds_for(seconds, args.runs))
            best.update(interleaved({"rdflib": lambda r=rdflib_run: timed(r)}, args.rdflib_runs))
            row = {"query": name}
            row.update({f"{k}_ms": seconds * 1000 for k, (seconds, _) in best.items()})
            row.update({f"{k}_bytes": size for k, (_, size) in best.items() if "disk" not in k})
            row["route_vs_rdflib"] = row["rdflib_ms"] / row["route_ms"]
            row["route_vs_oxigraph"] = row["oxigraph_ms"] / row["route_ms"]
            row["route_httpx_vs_oxigraph"] = row["oxigraph_ms"] / row["route_httpx_ms"]
            rows.append(row)
            print(f"{name:<24} {row['route_ms']:8.2f} {row['route_httpx_ms']:8.2f} "
                  f"{row['oxigraph_ms']:10.2f} {row['oxigraph_disk_ms']:8.2f} "
                  f"{row['rdflib_ms']:9.1f}  {row['route_vs_rdflib']:7.1f}x "
                  f"{row['route_vs_oxigraph']:12.2f}x", flush=True)  # fmt: skip

        engine.close()
        host = _query_host_memory(server.pid)
        keys = ("route_ms", "route_httpx_ms", "oxigraph_ms", "oxigraph_disk_ms", "rdflib_ms")
        total = {k: sum(r[k] for r in rows) for k in keys}
        geo = {k: geometric_mean([r[k] for r in rows]) for k in keys}
        vs_rdflib = total["rdflib_ms"] / total["route_ms"]
        vs_oxigraph = total["oxigraph_ms"] / total["route_ms"]
        # the geometric mean of per-query ratios (equal to the ratio of the geometric means)
        geo_ratios = {
            "route_vs_rdflib": geometric_mean([r["route_vs_rdflib"] for r in rows]),
            "route_vs_oxigraph": geometric_mean([r["route_vs_oxigraph"] for r in rows]),
            "route_httpx_vs_rdflib": geometric_mean(
                [r["rdflib_ms"] / r["route_httpx_ms"] for r in rows]
            ),
            "route_httpx_vs_oxigraph": geometric_mean([r["route_httpx_vs_oxigraph"] for r in rows]),
        }
        met = {
            "rdflib_whole_set": vs_rdflib >= TARGET_RDFLIB,
            "rdflib_geometric_mean": geo_ratios["route_vs_rdflib"] >= TARGET_RDFLIB,
            "oxigraph_whole_set": vs_oxigraph >= TARGET_OXIGRAPH,
            "oxigraph_geometric_mean": geo_ratios["route_vs_oxigraph"] >= TARGET_OXIGRAPH,
        }

        def verdict(ok: bool) -> str:
            return "met" if ok else "MISSED"

        print(
            f"whole set: route {total['route_ms']:.0f} ms (httpx {total['route_httpx_ms']:.0f})"
            f", pyoxigraph {total['oxigraph_ms']:.0f} ms in memory "
            f"({total['oxigraph_disk_ms']:.0f} ms on disk), rdflib {total['rdflib_ms']:.0f} ms"
        )
        print(
            f"route vs rdflib (target >= {TARGET_RDFLIB:g}x): whole set {vs_rdflib:.1f}x "
            f"{verdict(met['rdflib_whole_set'])}; geometric mean of per-query ratios "
            f"{geo_ratios['route_vs_rdflib']:.1f}x {verdict(met['rdflib_geometric_mean'])}"
            f" (httpx client {geo_ratios['route_httpx_vs_rdflib']:.1f}x)"
        )
        print(
            f"route vs raw pyoxigraph in memory (target >= {TARGET_OXIGRAPH:g}x): whole set "
            f"{vs_oxigraph:.2f}x {verdict(met['oxigraph_whole_set'])}; geometric mean of "
            f"per-query ratios {geo_ratios['route_vs_oxigraph']:.2f}x "
            f"{verdict(met['oxigraph_geometric_mean'])} (httpx client "
            f"{geo_ratios['route_httpx_vs_oxigraph']:.2f}x); vs pyoxigraph on disk "
            f"{total['oxigraph_disk_ms'] / total['route_ms']:.2f}x"
        )
        print(
            f"graph memory: query host RSS {host['host_rss_mb']:.0f} MB, its query processes "
            f"{host['workers_private_mb']:.0f} MB private, {host['pss_mb']:.0f} MB PSS in all "
            f"(pyoxigraph in memory +{memory_mb:.0f} MB; rdflib +{rdflib_mb:.0f} MB; store on "
            f"disk {disk_mb:.0f} MB, image {image_mb:.0f} MB); rebuild {report.seconds:.1f} s, "
            f"dumps {dump_seconds:.1f} s, server start {start_seconds:.1f} s for "
            f"{snapshot.triples} triples"
        )
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "sparql.json").write_text(json.dumps({
            "when": datetime.datetime.now(datetime.UTC).isoformat(),
            "projects": args.projects, "advisories": advisories, "triples": snapshot.triples,
            "rebuild_seconds": report.seconds, "dump_seconds": dump_seconds,
            "server_start_seconds": start_seconds, "store_disk_mb": disk_mb,
            "image_mb": image_mb, **host, "oxigraph_memory_rss_mb": memory_mb,
            "oxigraph_memory_load_seconds": memory_load, "rdflib_rss_mb": rdflib_mb,
            "rdflib_load_seconds": rdflib_load, "queries": rows,
            "total_ms": total, "geometric_mean_ms": geo, "route_vs_rdflib": vs_rdflib,
            "route_vs_oxigraph": vs_oxigraph, "geometric_mean_ratios": geo_ratios,
            "targets": {"rdflib": TARGET_RDFLIB, "oxigraph": TARGET_OXIGRAPH}, "met": met,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "load_average": os.getloadavg(),
            # queries run on the graph in Oxigraph, never on the database: one backend says it
            "summary": [
                {"metric": "SPARQL whole set, ms (graph: any backend)", "unit": "ms",
                 "sqlite": total["route_ms"], "reference": total["rdflib_ms"],
                 "reference_name": "rdflib, same triples"},
            ],
        }, indent=2))  # fmt: skip
        return 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


def _query_host_memory(server_pid: int) -> dict[str, float]:
    """The server's query host (where the graph is held) and the query processes it forked:
    the host's RSS, what the processes no longer share with it, and their PSS in all."""
    hosts, workers = [], []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            parts = cmdline.read_bytes().split(b"\0")
            pid = int(cmdline.parent.name)
            if b"publisher.sparql.worker" in parts and b"host" in parts:
                parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
                (workers if _is_host_child(parent) else hosts).append(pid)
        except (OSError, ValueError):
            continue
    return {
        "host_rss_mb": sum(rss_mb(p) for p in hosts),
        "workers_private_mb": sum(rollup_mb(p, "Private_Dirty:") for p in workers),
        "pss_mb": sum(rollup_mb(p, "Pss:") for p in hosts + workers),
    }


def _is_host_child(parent: int) -> bool:
    try:
        parts = Path(f"/proc/{parent}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"publisher.sparql.worker" in parts and b"host" in parts


if __name__ == "__main__":
    sys.exit(main())
