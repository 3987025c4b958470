"""Search at PyPI scale: the whole listing in ../shared/data/pypi-projects.tsv.gz (~886k projects).

Measured, in one run on one machine:

- ``ldindex import-listing`` of the whole file (wall and CPU time), and the database's size on
  disk with the search index's share (SQLite's dbstat);
- in-process search latency over the fixed queries of ``bench/data/search-queries.tsv``
  (1,000: names, prefixes, summary words, typos, nonsense), after one warm-up pass: p50/p99
  of wall time and of the thread's CPU time (the machine is shared: CPU time shows the cost
  of the search itself, wall time what a user would have waited);
- ``ldindex serve --workers 2``: the build time and size of ``/_/search/all`` (HTML and JSON;
  plain, gzip, zstd) and of ``/simple/``; worker RSS after all of it;
- requests/s under ``wrk -t2 -c64`` of ``/_/search/?q=`` cycling through the queries once
  each has been asked (renderings cached), the same with a ``per_page`` varied per request
  (every request searched and rendered), ``/_/search/all`` revalidated with its ETag (304),
  and nginx serving a static file of the size of a search page beside it, for the ratio.

Everything above runs on each backend ``--db`` names (``bench/backends.py``; SQLite and
PostgreSQL by default), one after the other, each on a fresh database; the database's size
is SQLite's dbstat or PostgreSQL's relation sizes.

Targets: import < 60 s; p50 < 2 ms and p99 < 20 ms in-process; RSS < 300 MB per worker;
listing gzip <= 25 MB, zstd <= 18 MB; on each backend. Results go to
``bench/results/search.json``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_web import BenchError, Server, free_port  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "pypi-projects.tsv.gz"
QUERIES = HERE / "data" / "search-queries.tsv"
RESULTS = HERE / "results"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
TARGETS = {
    "import_s": 60.0,
    "p50_ms": 2.0,
    "p99_ms": 20.0,
    "rss_mb": 300.0,
    "listing_gzip_mb": 25.0,
    "listing_zstd_mb": 18.0,
}
LDINDEX = [sys.executable, "-c", "from publisher.cli import main; main()"]


def queries() -> list[tuple[str, str]]:
    lines = QUERIES.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 1)) for line in lines if line]  # type: ignore[misc]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def import_listing(db_url: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [*LDINDEX, "import-listing", str(CORPUS), "--db", db_url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode:
        raise BenchError(f"import-listing failed:\n{done.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"import_s": round(wall, 1), "import_cpu_s": round(cpu, 1), "output": done.stdout}


def sizes(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        tables = dict(conn.execute("SELECT name, tbl_name FROM sqlite_schema"))
    search = sum(
        size for name, size in pages.items() if tables.get(name, name).startswith("search_")
    )
    return {
        "db_mb": round(db.stat().st_size / 1e6, 1),
        "search_index_mb": round(search / 1e6, 1),
        "projects_table_mb": round(
            sum(s for n, s in pages.items() if tables.get(n, n) == "projects") / 1e6, 1
        ),
    }


def pg_sizes(db_url: str) -> dict:
    import psycopg

    with psycopg.connect(db_url) as conn:
        total = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        tables = dict(
            conn.execute(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            ).fetchall()
        )
    return {
        "db_mb": round(total / 1e6, 1),
        "search_index_mb": round(
            sum(v for k, v in tables.items() if k.startswith("search_")) / 1e6, 1
        ),
        "projects_table_mb": round(tables.get("projects", 0) / 1e6, 1),
    }


def latency(db_url: str, batch: list[tuple[str, str]]) -> dict:
    from publisher.search import SearchQuery
    from publisher.store import open_store

    store = open_store(db_url)
    parsed = [(kind, SearchQuery.parse(text)) for kind, text in batch]
    for _, query in parsed:  # warm-up: page cache and statements
        store.search(query, 0, 20)
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for kind, query in parsed:
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        store.search(query, 0, 20)
        c1, t1 = time.thread_time_ns(), time.perf_counter_ns()
        wall.setdefault(kind, []).append((t1 - t0) / 1e6)
        cpu.setdefault(kind, []).append((c1 - c0) / 1e6)
    store.close()
    every_wall = [v for values in wall.values() for v in values]
    every_cpu = [v for values in cpu.values() for v in values]
    return {
        "queries": len(every_wall),
        "p50_ms": round(percentile(every_wall, 0.5), 3),
        "p99_ms": round(percentile(every_wall, 0.99), 3),
        "cpu_p50_ms": round(percentile(every_cpu, 0.5), 3),
        "cpu_p99_ms": round(percentile(every_cpu, 0.99), 3),
        "by_kind_wall_p50_p99_ms": {
            kind: [round(percentile(v, 0.5), 3), round(percentile(v, 0.99), 3)]
            for kind, v in sorted(wall.items())
        },
    }


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict, float]:
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=900) as response:
            body = response.read()
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, body, headers, time.perf_counter() - started
    except urllib.error.HTTPError as exc:
        headers = {k.lower(): v for k, v in exc.headers.items()}
        return exc.code, b"", headers, time.perf_counter() - started


def wait_http(base: str, timeout: float = 180) -> None:
    """Until the server answers HTTP (its socket may accept before the workers serve)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/robots.txt", timeout=10) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise BenchError(f"{base} did not answer within {timeout} s")


def wait_for_zstd(published: Path, name: str, timeout: float = 900) -> float:
    started = time.perf_counter()
    manifest = published / f"{name}.json"
    while time.perf_counter() - started < timeout:
        if manifest.exists() and "zstd" in json.loads(manifest.read_text())["variants"]:
            return time.perf_counter() - started
        time.sleep(0.5)
    raise BenchError(f"{name}: no zstd variant after {timeout} s")


def documents(base: str, published: Path) -> dict:
    out: dict[str, dict] = {}
    for label, path, accept, name in (
        ("listing_html", "/_/search/all", "text/html", "search-all.html"),
        ("listing_json", "/_/search/all", "application/json", "search-all.json"),
        ("simple_index", "/simple/", "text/html", "simple-index.html"),
    ):
        status, body, headers, first = fetch(f"{base}{path}", {"Accept": accept})
        if status != 200:
            raise BenchError(f"{path} ({accept}): HTTP {status}")
        row = {"first_request_s": round(first, 1), "plain_mb": round(len(body) / 1e6, 1)}
        _, gz, gz_headers, gz_time = fetch(
            f"{base}{path}", {"Accept": accept, "Accept-Encoding": "gzip"}
        )
        assert gz_headers.get("content-encoding") == "gzip", gz_headers
        row["gzip_mb"] = round(len(gz) / 1e6, 1)
        row["gzip_transfer_s"] = round(gz_time, 2)
        if name.startswith("search-all"):
            row["zstd_after_s"] = round(wait_for_zstd(published, name), 1)
            _, zst, z_headers, _ = fetch(
                f"{base}{path}", {"Accept": accept, "Accept-Encoding": "zstd"}
            )
            assert z_headers.get("content-encoding") == "zstd", z_headers
            row["zstd_mb"] = round(len(zst) / 1e6, 1)
        row["etag"] = headers["etag"]
        out[label] = row
    return out


def worker_rss_mb(root_pid: int) -> list[float]:
    """RSS of every process below ``root_pid`` (the server's workers), in MB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        for child in children.get(pid, []):
            stack.append(child)
            try:
                status = (Path("/proc") / str(child) / "status").read_text()
            except OSError:
                continue
            kb = re.search(r"VmRSS:\s+(\d+)", status)
            if kb:
                found.append(round(int(kb.group(1)) / 1024, 1))
    return found


def wrk(url: str, seconds: int, headers: dict[str, str] | None = None, lua: Path | None = None):
    command = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if lua:
        command += ["-s", str(lua)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if rps is None:
        raise BenchError(f"cannot parse wrk output:\n{output}")
    return {"rps": float(rps.group(1)), "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0}


def lua_script(work: Path, batch: list[tuple[str, str]], vary_per_page: bool) -> Path:
    encoded = [urllib.parse.quote(text, safe="") for _, text in batch]
    table = ",".join(json.dumps(q) for q in encoded)
    per_page = '.. "&per_page=" .. ((i % 97) + 1)' if vary_per_page else ""
    script = work / ("search-uncached.lua" if vary_per_page else "search.lua")
    script.write_text(
        f"local q = {{{table}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        f'  return wrk.format("GET", "/_/search/?q=" .. q[(i % #q) + 1] {per_page})\nend\n'
    )
    return script


def nginx(work: Path, body: bytes, port: int) -> Server:
    root = work / "static"
    root.mkdir(exist_ok=True)
    (root / "page.html").write_bytes(body)
    prefix = work / "nginx"
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = prefix / "nginx.conf"
    config.write_text(
        f"""{user}daemon off;
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
    client_body_temp_path {prefix}/client_body; proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi; uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{ listen 127.0.0.1:{port}; root {root}; }}
}}
"""
    )
    return Server("nginx", port, ["nginx", "-c", str(config), "-p", str(prefix)])


def measure(backend: str, db_url: str, work: Path, batch: list[tuple[str, str]]) -> dict:
    """Import, size, in-process latency and HTTP for one backend's fresh database."""
    from publisher.store import default_published_dir

    results: dict = {}
    print(f"{backend}: importing the listing…", flush=True)
    results["import"] = import_listing(db_url)
    if backend == "sqlite":
        results["size"] = sizes(Path(db_url.removeprefix("sqlite:///")))
        published = work / f"{Path(db_url).stem}-published"
    else:
        results["size"] = pg_sizes(db_url)
        published = work / default_published_dir(db_url)  # the server runs in ``work``
    print(f"{backend}: timing in-process search…", flush=True)
    results["latency"] = latency(db_url, batch)
    port = free_port()
    server = Server(
        f"ldindex-{backend}",
        port,
        [*LDINDEX, "serve", "--db", db_url, "--port", str(port), "--workers", "2",
         "--base-url", f"http://127.0.0.1:{port}"],
    )  # fmt: skip
    nginx_server = nginx(work, b"", free_port())
    try:
        server.start(work)
        server.wait_ready()
        base = server.base
        wait_http(base)
        print(f"{backend}: building and fetching the listing and the simple index…", flush=True)
        results["documents"] = documents(base, published)
        _, page, _, _ = fetch(f"{base}/_/search/?q=http+client")
        nginx_server = nginx(work, page, nginx_server.port)
        nginx_server.start(work)
        nginx_server.wait_ready()
        print(f"{backend}: wrk…", flush=True)
        etag = results["documents"]["listing_html"]["etag"]
        for _, text in batch:  # every query seen once: the next run reads the cache
            fetch(f"{base}/_/search/?q={urllib.parse.quote(text, safe='')}")
        results["wrk"] = {
            "nginx_static_search_page": wrk(f"{nginx_server.base}/page.html", SECONDS),
            "search_cached": wrk(base, SECONDS, lua=lua_script(work, batch, vary_per_page=False)),
            "search_uncached": wrk(base, SECONDS, lua=lua_script(work, batch, vary_per_page=True)),
            "listing_304": wrk(f"{base}/_/search/all", SECONDS, headers={"If-None-Match": etag}),
        }
        assert server.process is not None
        results["rss_mb"] = worker_rss_mb(server.process.pid)
    except BaseException:
        print(f"server log:\n{server.tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
        nginx_server.stop()
    w = results["wrk"]
    nginx_rps = w["nginx_static_search_page"]["rps"]
    w["search_cached_vs_nginx"] = round(w["search_cached"]["rps"] / nginx_rps, 3)
    w["search_uncached_vs_nginx"] = round(w["search_uncached"]["rps"] / nginx_rps, 3)
    docs = results["documents"]
    checks = {
        "import_s": results["import"]["import_s"],
        "p50_ms": results["latency"]["p50_ms"],
        "p99_ms": results["latency"]["p99_ms"],
        "rss_mb": max(results["rss_mb"] or [0.0]),
        "listing_gzip_mb": docs["listing_html"]["gzip_mb"],
        "listing_zstd_mb": docs["listing_html"]["zstd_mb"],
    }
    results["targets"] = {
        key: {"measured": value, "target": TARGETS[key], "met": value <= TARGETS[key]}
        for key, value in checks.items()
    }
    return results


def summary_rows(found: dict[str, dict]) -> list[dict]:
    rows = []
    for metric, unit, pick in (
        ("search: import 886k listing", "s", lambda r: r["import"]["import_s"]),
        ("search: in-process p50", "ms", lambda r: r["latency"]["p50_ms"]),
        ("search: in-process p99", "ms", lambda r: r["latency"]["p99_ms"]),
        ("search: cached rps (2 workers)", "rps", lambda r: r["wrk"]["search_cached"]["rps"]),
        ("search: uncached rps (2 workers)", "rps", lambda r: r["wrk"]["search_uncached"]["rps"]),
    ):
        row = {"metric": metric, "unit": unit, **{b: pick(r) for b, r in found.items()}}
        if unit == "rps":
            first = next(iter(found.values()))
            row["reference"] = first["wrk"]["nginx_static_search_page"]["rps"]
            row["reference_name"] = "nginx, static search page"
        rows.append(row)
    return rows


def main() -> int:
    from backends import LABELS, Databases, selected

    backends = selected()
    batch = queries()
    if len(batch) < 1000:
        raise BenchError(f"{QUERIES}: {len(batch)} queries, expected at least 1,000")
    found: dict[str, dict] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-search-") as scratch,
        Databases() as databases,
    ):
        for backend in backends:
            work = Path(scratch) / backend
            work.mkdir()
            found[backend] = measure(backend, databases.url(backend, work, "catalogue"), work,
                                     batch)  # fmt: skip
    results = {
        "corpus": str(CORPUS),
        "queries": len(batch),
        "backends": found,
        "summary": summary_rows(found),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search.json").write_text(json.dumps(results, indent=2))
    names = list(found)
    print(f"{'':<22}" + "".join(f"{LABELS[b]:>14}" for b in names) + f"{'target':>10}")
    for key in TARGETS:
        cells = ""
        for backend in names:
            row = found[backend]["targets"][key]
            cells += f"{row['measured']:>10}{'' if row['met'] else ' (!)':<4}"
        print(f"{key:<22}{cells}{'<= ' + str(TARGETS[key]):>10}")
    for backend in names:
        w = found[backend]["wrk"]
        print(f"{LABELS[backend]}: search cached {w['search_cached']['rps']:,.0f} rps "
              f"({w['search_cached_vs_nginx']:.2f}x nginx), uncached "
              f"{w['search_uncached']['rps']:,.0f} rps, listing 304 "
              f"{w['listing_304']['rps']:,.0f} rps")  # fmt: skip
    print("(!) marks a missed target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
