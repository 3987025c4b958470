"""Load on two workers: steady reads while writes go on, on SQLite and on PostgreSQL.

For each backend (``--db``, ``bench/backends.py``): ``../shared/data/artefacts/`` and
``BENCH_PROJECTS`` (default 1,000) small generated wheels, one project each, are ingested
into a fresh database, an admin token issued, an advisory created on each project's newest
release, and ``ldindex serve --workers 2`` (granian) started; keep-alive connections are
opened to each worker on purpose (``tests/workers.py``), and every path read once through
each (the caches of a server that has been up a while). Then, after a ``WARMUP_SECONDS``
warm-up under the same load, for ``BENCH_SECONDS`` (default 20):

- **reads**: ``READ_CONNECTIONS`` connections, half to each worker, send ``BENCH_READ_RPS``
  (default 400: more than PyPI's whole origin load, see docs/deployment.md) GETs per second
  between them on a fixed schedule. Each read picks a project by a Zipf law over a fixed
  popularity order (a few projects are read all the time, most rarely, as on a real index)
  and one of its project page, simple page (HTML or PEP 691 JSON) and newest release's
  codemeta.json. Latency counts from the scheduled moment, so a server that falls behind
  cannot hide its queue;
- **writes**: two writers, one per worker, ``BENCH_WRITE_RPS`` (default 50) writes per second
  between them through the write API, on projects drawn uniformly (each writer its own
  half), alternating a yank with a new reason and a revision of the release's advisory
  (with ``If-Match``). Every write makes its project's cached pages stale in both workers;
- **stale reads**: once a write is acknowledged, the resource it changed (the simple page
  for a yank, the release's codemeta.json for an advisory) is read at once through *both*
  workers, the other one first; an answer that does not show the write is a stale read.

The server is the page-serving tier of docs/deployment.md: ``--sparql-workers 0``, since on
a server with the SPARQL endpoint on, every write also re-maps its project into the
catalogue graph (``BENCH_LOAD_SPARQL=1`` measures that server instead).

Errors (a non-2xx answer or a failed connection) and stale reads must both be 0, else the
script exits 1. Reported per backend: reads/s achieved against the target, read p50/p99,
writes/s, write p50/p99 (until acknowledged), and, in-process on one thread, what a cache
miss costs: rendering plus compression of a simple page and of a project page, and
(PostgreSQL) the statements each runs. Results go to ``bench/results/load.json``, with the
ratios PostgreSQL/SQLite side by side. Client, servers and PostgreSQL share the machine's
cores.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from backends import LABELS, ROOT, Databases, selected  # noqa: E402
from bench_web import ARTEFACTS, RESULTS, BenchError, Server, free_port, run  # noqa: E402

from tests.workers import WorkerConnection, connect_every_worker  # noqa: E402

WORKERS = 2
READ_CONNECTIONS = 8
WARMUP_SECONDS = 5
ZIPF_EXPONENT = 1.0
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


@dataclass
class Stats:
    """Latencies (ms) and failures of one kind of request."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies.append(ms)
            if error is not None:
                self.errors.append(error)

    def summary(self, seconds: float) -> dict:
        ordered = sorted(self.latencies)
        if not ordered:
            return {"count": 0, "per_second": 0.0, "errors": len(self.errors)}
        return {
            "count": len(ordered),
            "per_second": len(ordered) / seconds,
            "p50_ms": statistics.median(ordered),
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            "max_ms": ordered[-1],
            "errors": len(self.errors),
            "first_errors": self.errors[:5],
        }


@dataclass(frozen=True)
class Target:
    """A project's newest release and the advisory the writers revise on it."""

    project: str
    version: str
    item_path: str


def generated_wheels(directory: Path, count: int) -> list[Path]:
    """``count`` small, valid wheels, one project each (``loadNNNN``), with a summary."""
    from bench_ingest import WHEEL, _record

    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        name = f"load{index:04d}"
        dist_info = f"{name}-1.0.dist-info"
        metadata = (
            f"Metadata-Version: 2.4\nName: {name}\nVersion: 1.0\n"
            f"Summary: generated project {index} for the load benchmark\n"
            "Requires-Python: >=3.9\nRequires-Dist: requests>=2\n\nGenerated.\n"
        )
        members = {
            f"{name}/__init__.py": f"VALUE = {index}\n".encode(),
            f"{dist_info}/METADATA": metadata.encode(),
            f"{dist_info}/WHEEL": WHEEL,
        }
        members[f"{dist_info}/RECORD"] = _record(members, f"{dist_info}/RECORD")
        path = directory / f"{name}-1.0-py3-none-any.whl"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in members.items():
                archive.writestr(member, data)
        paths.append(path)
    return paths


def prepare(db_url: str, work: Path, projects: int) -> tuple[list[tuple[str, str]], str]:
    """Ingest the artefacts and the generated wheels; each project's newest release, and an
    admin token."""
    from datetime import UTC
    from datetime import datetime as dt

    from packaging.version import Version

    from publisher.store import open_store
    from publisher.tokens import issue_token

    generated = generated_wheels(work / "generated", projects)
    ldindex = str(Path(sys.executable).with_name("ldindex"))
    run([ldindex, "-q", "ingest", "--db", db_url, "--files", str(work / "files"),
         str(ARTEFACTS), str(generated[0].parent)], timeout=1800)  # fmt: skip
    store = open_store(db_url)
    try:
        releases = []
        for project in store.iter_projects():
            newest = max(project.releases, key=lambda r: Version(r.version))
            releases.append((project.name, newest.version))
        _, token = issue_token(store, "load", "admin", dt.now(UTC))
    finally:
        store.close()
    return releases, token


def read_sequence(releases: list[tuple[str, str]], length: int = 200_000) -> list[str]:
    """Paths to read, in order: projects by a Zipf law over a fixed shuffled popularity
    order, each read one of its four paths (``json:`` marks a PEP 691 JSON request)."""
    rng = random.Random(20250101)
    order = releases[:]
    rng.shuffle(order)
    weights = [1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(order))]
    paths = []
    for name, version in rng.choices(order, weights, k=length):
        paths.append(rng.choice((f"/project/{name}/", f"/simple/{name}/", f"json:/simple/{name}/",
                                 f"/project/{name}/{version}/codemeta.json")))  # fmt: skip
    return paths


def on_schedule(start: float, interval: float, stop: float) -> Iterator[tuple[int, float]]:
    """Each step's number and the time it was due, one every ``interval`` seconds from
    ``start`` until ``stop``, sleeping until each is due (a late step is not skipped: its
    lateness counts in the latency measured from when it was due)."""
    n = 0
    while (scheduled := start + n * interval) < stop:
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield n, scheduled
        n += 1


def reader(
    connection: WorkerConnection,
    paths: list[str],
    offset: int,
    interval: float,
    start: float,
    stop: float,
    stats: Stats,
) -> None:
    for n, scheduled in on_schedule(start, interval, stop):
        path = paths[(offset + n) % len(paths)]
        headers = JSON if path.startswith("json:") else None
        try:
            answer = connection.get(path.removeprefix("json:"), headers)
            error = None if answer.status == 200 else f"GET {path}: {answer.status}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"GET {path}: {exc}"
        stats.add((time.perf_counter() - scheduled) * 1000, error)


def writer(
    own: WorkerConnection,
    both: list[WorkerConnection],
    targets: list[Target],
    token: str,
    interval: float,
    start: float,
    stop: float,
    writes: Stats,
    checks: Stats,
    stale: list[str],
    tag: str,
) -> None:
    admin = {"Authorization": f"Bearer {token}"}
    etags: dict[str, str] = {}
    for n, scheduled in on_schedule(start, interval, stop):
        target = targets[n % len(targets)]
        release = f"/_/api/projects/{target.project}/releases/{target.version}"
        mark = f"load {tag}-{n}"
        try:
            if n % 2 == 0:
                answer = own.request("POST", f"{release}/yank", {"reason": mark}, admin)
                check, headers, expected = f"/simple/{target.project}/", JSON, f'"yanked":"{mark}"'
            else:
                if target.item_path not in etags:
                    etags[target.item_path] = own.get(target.item_path).headers["etag"]
                body = {"kind": "advisory",
                        "data": {"id": advisory_id(target.project), "summary": mark}}  # fmt: skip
                answer = own.request("PUT", target.item_path, body,
                                     {**admin, "If-Match": etags[target.item_path]})  # fmt: skip
                if answer.status == 200:
                    etags[target.item_path] = answer.headers["etag"]
                check = f"/project/{target.project}/{target.version}/codemeta.json"
                headers, expected = None, mark
            acked = time.perf_counter()
            error = None if answer.status == 200 else f"write {mark}: {answer.status}"
        except (OSError, http.client.HTTPException) as exc:
            acked, error = time.perf_counter(), f"write {mark}: {exc}"
        writes.add((acked - scheduled) * 1000, error)
        if error is None:
            for worker in both:  # the other worker first: the harder case
                began = time.perf_counter()
                try:
                    seen = worker.get(check, headers)
                    problem = None if seen.status == 200 else f"GET {check}: {seen.status}"
                    if problem is None and expected not in seen.text:
                        stale.append(f"{check} on worker {worker.pid} lacks {mark!r}")
                except (OSError, http.client.HTTPException) as exc:
                    problem = f"GET {check}: {exc}"
                checks.add((time.perf_counter() - began) * 1000, problem)


def advisory_id(project: str) -> str:
    return f"PYSEC-2099-{zlib.crc32(project.encode()) % 100000:05d}"


def create_advisories(
    connection: WorkerConnection, releases: list[tuple[str, str]], token: str
) -> list[Target]:
    admin = {"Authorization": f"Bearer {token}"}
    targets = []
    for name, version in releases:
        body = {"kind": "advisory", "data": {"id": advisory_id(name), "summary": "start"}}
        made = connection.request(
            "POST", f"/_/api/projects/{name}/releases/{version}/items", body, admin
        )
        if made.status != 201:
            raise BenchError(f"creating the advisory of {name} {version}: {made.status}")
        location = made.headers["location"]
        targets.append(Target(name, version, "/" + location.split("/", 3)[3]))
    return targets


def tree_cpu_seconds(root: int | None) -> float:
    """User and system CPU time of a process and all its descendants (from /proc)."""
    if root is None:
        return 0.0
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += times.get(pid, 0.0)
        stack += [child for child, parent in parents.items() if parent == pid]
    return total


def load(
    backend: str,
    db_url: str,
    work: Path,
    seconds: int,
    read_rps: float,
    write_rps: float,
    projects: int,
    database_pid: int | None,
    sparql: bool,
) -> dict:
    releases, token = prepare(db_url, work, projects)
    paths = read_sequence(releases)
    port = free_port()
    ldindex = str(Path(sys.executable).with_name("ldindex"))
    server = Server(
        f"ldindex-{backend}", port,
        [ldindex, "serve", "--db", db_url, "--files", str(work / "files"), "--host",
         "127.0.0.1", "--port", str(port), "--workers", str(WORKERS),
         "--sparql-workers", "2" if sparql else "0"],
    )  # fmt: skip
    server.start(work)
    connections: list[WorkerConnection] = []
    try:
        server.wait_ready()
        wait_answering(server.base)
        assert server.process is not None
        for _ in range(READ_CONNECTIONS // WORKERS):
            connections += connect_every_worker(server.base, server.process.pid, WORKERS)
        writers = connect_every_worker(server.base, server.process.pid, WORKERS)
        # each writer checks its writes through a pair of its own, the other worker first
        checkers = [
            connect_every_worker(server.base, server.process.pid, WORKERS)[:: -1 if i == 0 else 1]
            for i in range(WORKERS)
        ]
        connections += writers + [c for pair in checkers for c in pair]
        targets = create_advisories(writers[0], releases, token)
        random.Random(7).shuffle(targets)  # writes fall on projects popular or not alike
        warm(checkers[0], sorted(set(paths)))
        results = {}
        phases = (
            ("warm-up", WARMUP_SECONDS, read_rps, write_rps),
            ("reads alone", seconds, read_rps, 0.0),
            ("writes alone", seconds, 0.0, write_rps),
            ("together", seconds, read_rps, write_rps),
        )
        for number, (phase, length, phase_reads, phase_writes) in enumerate(phases):
            results[phase] = run_phase(
                Phase(phase, length, phase_reads, phase_writes, offset=number * 20_000),
                connections[:READ_CONNECTIONS], writers, checkers, paths, targets, token,
                (server.process.pid, database_pid),
            )  # fmt: skip
        measured = results.pop("together")
        measured["phases"] = results
        measured["projects"] = len(releases)
        measured["sparql_endpoint"] = sparql
        measured["read_rps_target"] = read_rps
        measured["write_rps_target"] = write_rps
        return measured
    finally:
        for connection in connections:
            connection.close()
        server.stop()


@dataclass(frozen=True)
class Phase:
    name: str
    seconds: float
    read_rps: float
    write_rps: float
    offset: int  # where in the read sequence its readers start


def run_phase(
    phase: Phase,
    readers: list[WorkerConnection],
    writers: list[WorkerConnection],
    checkers: list[list[WorkerConnection]],
    paths: list[str],
    targets: list[Target],
    token: str,
    measured_pids: tuple[int, int | None],
) -> dict:
    """One stretch of steady load; what it achieved and what it cost in CPU time."""
    reads, writes, checks, stale = Stats(), Stats(), Stats(), []
    start = time.perf_counter() + 0.2
    stop = start + phase.seconds
    threads = []
    if phase.read_rps:
        threads += [
            threading.Thread(
                target=reader,
                args=(
                    c,
                    paths,
                    phase.offset + i * 2_000,
                    len(readers) / phase.read_rps,
                    start,
                    stop,
                    reads,
                ),
            )
            for i, c in enumerate(readers)
        ]
    if phase.write_rps:
        halves = [targets[i::WORKERS] for i in range(WORKERS)]
        threads += [
            threading.Thread(
                target=writer,
                args=(
                    writers[i],
                    checkers[i],
                    halves[i],
                    token,
                    WORKERS / phase.write_rps,
                    start,
                    stop,
                    writes,
                    checks,
                    stale,
                    f"{phase.offset}-{i}",
                ),
            )
            for i in range(WORKERS)
        ]
    app_pid, database_pid = measured_pids
    before = (tree_cpu_seconds(app_pid), tree_cpu_seconds(database_pid), time.process_time())
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = max(time.perf_counter() - start, phase.seconds)
    after = (tree_cpu_seconds(app_pid), tree_cpu_seconds(database_pid), time.process_time())
    app, database, client = (b - a for a, b in zip(before, after, strict=True))
    served = len(reads.latencies) + len(writes.latencies) + len(checks.latencies)
    per = {"app_workers": app * 1000 / max(served, 1), "database": None}
    if database_pid is not None:
        per["database"] = database * 1000 / max(served, 1)
    if writes.latencies and not reads.latencies:  # a write with the reads that check it
        per["app_per_write"] = app * 1000 / len(writes.latencies)
        if database_pid is not None:
            per["database_per_write"] = database * 1000 / len(writes.latencies)
    return {
        "reads": reads.summary(elapsed),
        "writes": writes.summary(elapsed),
        "checks_after_write": checks.summary(elapsed),
        "stale_reads": len(stale),
        "first_stale": stale[:5],
        "cpu_seconds": {"app_workers": app, "database": database, "load_client": client},
        "cpu_ms_per_request": per,
    }


def warm(workers: list[WorkerConnection], paths: list[str]) -> None:
    """Every path read once through each worker, the workers in parallel: the caches of a
    server that has been running a while."""

    def fill(worker: WorkerConnection) -> None:
        for path in paths:
            worker.get(path.removeprefix("json:"), JSON if path.startswith("json:") else None)

    threads = [threading.Thread(target=fill, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def wait_answering(base: str, timeout: float = 120) -> None:
    """Until a worker answers HTTP (the socket listens before the workers have started)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/robots.txt", timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise BenchError(f"{base} did not answer within {timeout:g} s") from None
            time.sleep(0.2)


def miss_costs(db_url: str, work: Path) -> dict:
    """In-process, one thread: what answering a request the cache does not hold costs, over
    the projects of the real artefacts (their pages are as large as real ones)."""
    sys.path.insert(0, str(ROOT))
    from publisher.cache import make_rendering
    from publisher.routing import Resolver
    from publisher.store import open_store

    store = open_store(db_url, read_only=True)
    counter = None
    if hasattr(store, "_primary_reads"):  # PostgreSQL: count the statements
        counter = store._primary_reads = _Counting(store._primary_reads)
    resolver = Resolver(store, "http://127.0.0.1:8000", work / f"published-{os.getpid()}")
    names = [n for n in store.project_names() if not n.startswith("load")]  # real projects
    found = {}
    try:
        for label, path, accept in (
            ("simple_json", "/simple/{}/", JSON["Accept"]),
            ("project_page", "/project/{}/", "text/html"),
        ):
            for name in names:  # first touch: imports, templates, the database's cache
                resolver(path.format(name), accept, "").render()
            times, statements = [], 0
            for _ in range(3):
                for name in names:
                    target = resolver(path.format(name), accept, "")
                    before = counter.count if counter else 0
                    started = time.perf_counter()
                    body = target.render()
                    make_rendering(body, target.media_type, target.project, 1,
                                   target.vary_accept, 9)  # fmt: skip
                    times.append((time.perf_counter() - started) * 1000)
                    statements += (counter.count - before) if counter else 0
            times.sort()
            found[label] = {
                "p50_ms": statistics.median(times),
                "p90_ms": times[int(len(times) * 0.9)],
                "statements": statements / len(times) if counter else None,
            }
    finally:
        store.close()
    return found


class _Counting:
    def __init__(self, inner: object) -> None:
        self.inner, self.count = inner, 0

    def execute(self, *args: object):
        self.count += 1
        return self.inner.execute(*args)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def main() -> int:
    backends = selected()
    seconds = int(os.environ.get("BENCH_SECONDS", "20"))
    read_rps = float(os.environ.get("BENCH_READ_RPS", "400"))
    write_rps = float(os.environ.get("BENCH_WRITE_RPS", "50"))
    projects = int(os.environ.get("BENCH_PROJECTS", "1000"))
    sparql = os.environ.get("BENCH_LOAD_SPARQL", "0") not in ("", "0")
    work_root = Path(
        tempfile.mkdtemp(prefix="ldindex-bench-load-", dir=os.environ.get("BENCH_TMP"))
    )
    found: dict[str, dict] = {}
    try:
        with Databases() as databases:
            for backend in backends:
                work = work_root / backend
                work.mkdir()
                db_url = databases.url(backend, work, "load")
                print(f"{LABELS[backend]}: {seconds} s of {read_rps:g} reads/s and "
                      f"{write_rps:g} writes/s on {WORKERS} workers, SPARQL endpoint "
                      f"{'on' if sparql else 'off'}", flush=True)  # fmt: skip
                database_pid = databases.server_pid() if backend == "postgresql" else None
                result = load(backend, db_url, work, seconds, read_rps, write_rps, projects,
                              database_pid, sparql)  # fmt: skip
                result["miss"] = miss_costs(db_url, work)
                found[backend] = result
    except (BenchError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        import shutil

        shutil.rmtree(work_root, ignore_errors=True)

    print()
    print_table(found)
    failures, samples = [], []
    for backend, result in found.items():
        every = {"together": result, **result["phases"]}
        errors = sum(
            phase[kind]["errors"]
            for phase in every.values()
            for kind in ("reads", "writes", "checks_after_write")
        )
        stale = sum(phase["stale_reads"] for phase in every.values())
        if errors or stale:
            failures.append(f"{LABELS[backend]}: {errors} errors, {stale} stale reads")
        for name, phase in every.items():
            samples += [f"{LABELS[backend]}, {name}: {s}" for s in phase["first_stale"]]
            for kind in ("reads", "writes", "checks_after_write"):
                samples += [
                    f"{LABELS[backend]}, {name}: {s}" for s in phase[kind].get("first_errors", [])
                ]
    for failure in failures:
        print(f"FAIL  {failure}")
    for sample in samples[:20]:
        print(f"  {sample}")
    if not failures:
        print("PASS  0 errors and 0 stale reads after write acknowledgement on every backend")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps({
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "seconds": seconds,
        "workers": WORKERS,
        "read_connections": READ_CONNECTIONS,
        "cpus": os.cpu_count(),
        "backends": found,
        "summary": summary_rows(found),
    }, indent=2) + "\n")  # fmt: skip
    return 1 if failures else 0


def summary_rows(found: dict[str, dict]) -> list[dict]:
    """The rows ``bench/run.py`` shows in its table across benchmarks."""
    rows = []
    for label, key, unit in (
        ("load: reads/s (2 workers, with writes)", ("reads", "per_second"), "rps"),
        ("load: read p99", ("reads", "p99_ms"), "ms"),
        ("load: writes/s acknowledged", ("writes", "per_second"), "rps"),
        ("load: write p99 until acknowledged", ("writes", "p99_ms"), "ms"),
        ("load: stale reads after ack", ("stale_reads",), "count"),
        ("load: app CPU per request", ("cpu_ms_per_request", "app_workers"), "ms"),
        ("miss: project page render+compress p50", ("miss", "project_page", "p50_ms"), "ms"),
        ("miss: simple JSON render+compress p50", ("miss", "simple_json", "p50_ms"), "ms"),
    ):
        row = {"metric": label, "unit": unit}
        for backend, result in found.items():
            value = result
            for part in key:
                value = value.get(part) if isinstance(value, dict) else value
            row[backend] = value
        rows.append(row)
    return rows


def print_table(found: dict[str, dict]) -> None:
    names = list(found)
    head = f"{'':<34}" + "".join(f"{LABELS[n]:>14}" for n in names)
    if len(names) == 2:
        head += f"{'PG/SQLite':>11}"
    print(head)

    def line(label: str, values: list[float | None], fmt: str) -> None:
        text = f"{label:<34}" + "".join(
            f"{'-':>14}" if v is None else f"{format(v, fmt):>14}" for v in values
        )
        if len(values) == 2 and None not in values and values[0]:
            text += f"{values[1] / values[0]:>10.2f}x"
        print(text)

    def pick(*keys: str) -> list[float | None]:
        out = []
        for n in names:
            value = found[n]
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            out.append(value)
        return out

    line("reads/s achieved", pick("reads", "per_second"), ",.0f")
    line("  of target", pick("read_rps_target"), ",.0f")
    line("read p50 ms", pick("reads", "p50_ms"), ".2f")
    line("read p99 ms", pick("reads", "p99_ms"), ".2f")
    line("writes/s acknowledged", pick("writes", "per_second"), ",.1f")
    line("write p50 ms (until acknowledged)", pick("writes", "p50_ms"), ".2f")
    line("write p99 ms", pick("writes", "p99_ms"), ".2f")
    line("read-after-write p99 ms", pick("checks_after_write", "p99_ms"), ".2f")
    line("read-after-write checks", pick("checks_after_write", "count"), ",.0f")
    line(
        "errors",
        [
            found[n]["reads"]["errors"]
            + found[n]["writes"]["errors"]
            + found[n]["checks_after_write"]["errors"]
            for n in names
        ],
        "d",
    )
    line("stale reads after acknowledgement", pick("stale_reads"), "d")
    line("app CPU ms per request, together", pick("cpu_ms_per_request", "app_workers"), ".2f")
    line("PostgreSQL CPU ms per request", pick("cpu_ms_per_request", "database"), ".2f")
    print("reads alone, then writes alone:")
    line("  reads/s achieved", pick("phases", "reads alone", "reads", "per_second"), ",.0f")
    line("  read p99 ms", pick("phases", "reads alone", "reads", "p99_ms"), ".2f")
    line(
        "  app CPU ms per read",
        pick("phases", "reads alone", "cpu_ms_per_request", "app_workers"),
        ".3f",
    )
    line("  writes/s acknowledged", pick("phases", "writes alone", "writes", "per_second"), ",.1f")
    line("  write p50 ms", pick("phases", "writes alone", "writes", "p50_ms"), ".2f")
    line(
        "  app CPU ms per write (+2 checks)",
        pick("phases", "writes alone", "cpu_ms_per_request", "app_per_write"),
        ".2f",
    )
    line(
        "  PostgreSQL CPU ms per write",
        pick("phases", "writes alone", "cpu_ms_per_request", "database_per_write"),
        ".2f",
    )
    print("in-process, one thread:")
    line("miss: simple JSON p50 ms", pick("miss", "simple_json", "p50_ms"), ".2f")
    line("miss: project page p50 ms", pick("miss", "project_page", "p50_ms"), ".2f")
    line("miss: statements per project page", pick("miss", "project_page", "statements"), ".1f")


if __name__ == "__main__":
    sys.exit(main())
