"""HTTP serving: ``ldindex serve`` against nginx and the peers people would pick instead.

Ingests ``../shared/data/artefacts/`` (real PyPI files) into a fresh SQLite database,
``ldindex build``s the static export of the same data, and starts, on free loopback ports:

- ``ldindex serve --workers 2`` (granian, the default: cached reads through its RSGI front);
- granian (2 workers) running an empty RSGI application that answers each URL with the
  bytes and header lines ldindex sent for it and does nothing else: what granian itself
  costs per request, the ceiling of any application under it (``/granian`` in the table);
- nginx (2 worker processes) serving the export with ``examples/nginx.conf``;
- pypiserver under gunicorn with 2 workers, over the same artefact files;
- simple-repository-server (its FastAPI app under uvicorn, 2 workers) over a local
  directory of the same files, one subdirectory per project as it requires; no remote
  repository is configured, so it never goes out to the network.

Each URL is first checked (status 200, expected content type, expected content) on every
server it applies to: the project page, the simple page in HTML and in PEP 691 JSON, and a
release's codemeta.json. Then, one server at a time, ``wrk -t2 -c64 --latency`` (keep-alive)
runs for a 2 s warm-up and then ``BENCH_SECONDS`` (default 10), in ``BENCH_ROUNDS`` (default
2) interleaved rounds, the best run of each kept. Requests/s and p99 latency go to the table
and to ``bench/results/web.json``, with ldindex's ratios to nginx and to the better peer.
Targets: ldindex >= 0.5x nginx, >= 10,000 rps with 2 workers, >= 10x the better
peer. A missed target is reported, not an error; a server that fails to start or a URL that
fails its check is.

With ``--db`` naming PostgreSQL too (``bench/backends.py``; both by default), a second
``ldindex serve --workers 2`` over a PostgreSQL database of the same files is measured
beside the first, with its own ratios.

wrk and the servers share the machine's cores, so absolute numbers say little; the ratios
side by side, from one run, are the point.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
ARTEFACTS = ROOT.parent / "shared" / "data" / "artefacts"
NGINX_CONF = ROOT / "examples" / "nginx.conf"

PROJECT = "requests"
VERSION = "2.32.3"
WORKERS = 2
CONNECTIONS = 64
THREADS = 2
WARMUP_SECONDS = 2
JSON_TYPE = "application/vnd.pypi.simple.v1+json"

TARGET_NGINX_RATIO = 0.5
TARGET_RPS = 10_000
TARGET_PEER_RATIO = 10.0

LDINDEX, NGINX, PYPISERVER, SRS = "ldindex", "nginx", "pypiserver", "simple-repository-server"
LDINDEX_PG = "ldindex (PostgreSQL)"
BARE = "granian, empty app"
OURS = (LDINDEX, LDINDEX_PG)  # the same cases, on SQLite and on PostgreSQL
PEERS = (PYPISERVER, SRS)
SERVERS = (LDINDEX, LDINDEX_PG, BARE, NGINX, PYPISERVER, SRS)


@dataclass(frozen=True)
class Case:
    """One URL benchmarked on the servers it applies to."""

    label: str
    path: str
    accept: str | None
    content_types: tuple[str, ...]
    must_contain: bytes
    servers: tuple[str, ...]


CASES = (
    Case(
        "project page",
        f"/project/{PROJECT}/",
        None,
        ("text/html",),
        b"<html",
        (LDINDEX, LDINDEX_PG, BARE, NGINX),
    ),
    Case(
        "simple HTML",
        f"/simple/{PROJECT}/",
        None,
        ("text/html", "application/vnd.pypi.simple.v1+html"),
        f"{PROJECT}-{VERSION}-py3-none-any.whl".encode(),
        SERVERS,
    ),
    Case(
        "simple JSON",
        f"/simple/{PROJECT}/",
        JSON_TYPE,
        (JSON_TYPE,),
        f'"{PROJECT}-{VERSION}-py3-none-any.whl"'.encode(),
        (LDINDEX, LDINDEX_PG, BARE, NGINX, SRS),  # pypiserver 2.x has no PEP 691 JSON
    ),
    Case(
        "codemeta.json",
        f"/project/{PROJECT}/{VERSION}/codemeta.json",
        None,
        ("application/ld+json", "application/json"),
        b'"@context"',
        (LDINDEX, LDINDEX_PG, BARE, NGINX),
    ),
)


class BenchError(Exception):
    """A server did not start or a URL did not answer as it should."""


# -- the simple-repository-server app, imported by uvicorn in its worker processes ----------


def srs_app():
    """simple-repository-server's app over the local directory in ``BENCH_WEB_SRS_ROOT``.

    uvicorn runs several workers only from an import string, and the project's own CLI runs
    one; this factory gives it the same app its CLI builds, local repository only.
    """
    from simple_repository_server.__main__ import create_app

    return create_app([os.environ["BENCH_WEB_SRS_ROOT"]])


# -- the empty RSGI app, imported by granian in its worker processes ---------------------------


def bare_app():
    """Answers each benchmarked URL with what ldindex answered (``BENCH_WEB_BARE``, written by
    ``capture``), looked up by path and Accept, and does nothing else."""
    answers = {
        (a["path"], a["accept"]): ([tuple(h) for h in a["headers"]], bytes.fromhex(a["body"]))
        for a in json.loads(Path(os.environ["BENCH_WEB_BARE"]).read_text())
    }

    async def app(scope, protocol) -> None:
        found = answers.get((scope.path, scope.headers.get("accept")))
        if found is None:
            protocol.response_bytes(404, [], b"")
        else:
            protocol.response_bytes(200, *found)

    return app


def capture(server: Server, case: Case) -> dict:
    """What ``server`` answers to ``case`` as wrk asks it: header lines and body."""
    with urllib.request.urlopen(request_for(server, case), timeout=10) as response:
        # granian adds its own date and server; urllib asked to close the connection
        own = ("date", "server", "connection")
        headers = [(k.lower(), v) for k, v in response.getheaders() if k.lower() not in own]
        body = response.read()
    return {"path": case.path, "accept": case.accept, "headers": headers, "body": body.hex()}


def bare_server(work: Path, port: int, answers: list[dict]) -> Server:
    answers_file = work / "bare-answers.json"
    answers_file.write_text(json.dumps(answers))
    granian = str(Path(sys.executable).parent / "granian")
    return Server(
        BARE,
        port,
        [granian, "--interface", "rsgi", "--factory", "--working-dir", str(HERE),
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS), "--no-ws",
         "--log-level", "warning", "bench_web:bare_app"],
        env={"BENCH_WEB_BARE": str(answers_file)},
    )  # fmt: skip


# -- processes ------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    log: Path | None = None
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, work: Path) -> None:
        self.log = work / f"{self.name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                cwd=work,
                start_new_session=True,  # its own process group, stopped as a whole
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} exited ({self.process.returncode}):\n{self.tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise BenchError(
            f"{self.name} did not listen on {self.port} in {timeout:g} s:\n{self.tail()}"
        )

    def tail(self) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # Workers that outlived their parent still carry the group id.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


# -- data -----------------------------------------------------------------------------------


def project_of(filename: str) -> str:
    """The normalised project name of a distribution file name."""
    from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

    try:
        if filename.endswith(".whl"):
            return canonicalize_name(parse_wheel_filename(filename)[0])
        return canonicalize_name(parse_sdist_filename(filename)[0])
    except ValueError:  # e.g. an old .zip sdist
        stem = re.sub(r"\.(zip|tar\.gz|tar\.bz2|tgz)$", "", filename)
        return canonicalize_name(stem.rsplit("-", 1)[0])


def distributions(directory: Path) -> list[Path]:
    suffixes = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")
    return sorted(p for p in directory.iterdir() if p.is_file() and p.name.endswith(suffixes))


def link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def prepare(work: Path, base_url: str, pg_url: str | None = None) -> dict[str, Path]:
    """Ingest (into PostgreSQL too when ``pg_url`` names a database), export, and lay the
    same files out for the peers."""
    ldindex = str(Path(sys.executable).with_name("ldindex"))
    db = f"sqlite:///{work / 'ldindex.db'}"
    files = work / "ldindex-files"
    site = work / "site"
    started = time.perf_counter()
    run([ldindex, "-q", "ingest", "--db", db, "--files", str(files), str(ARTEFACTS)])
    if pg_url is not None:
        run([ldindex, "-q", "ingest", "--db", pg_url, "--files", str(files), str(ARTEFACTS)])
    run(
        [
            ldindex,
            "-q",
            "build",
            str(site),
            "--db",
            db,
            "--files",
            str(files),
            "--base-url",
            base_url,
        ]
    )
    flat = work / "flat"  # pypiserver: one directory of files
    tree = work / "tree"  # simple-repository-server: one directory per project
    flat.mkdir()
    dists = distributions(ARTEFACTS)
    for dist in dists:
        link_or_copy(dist, flat / dist.name)
        project_dir = tree / project_of(dist.name)
        project_dir.mkdir(parents=True, exist_ok=True)
        link_or_copy(dist, project_dir / dist.name)
    print(
        f"ingested and exported {len(dists)} files in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return {
        "db": Path(db.removeprefix("sqlite:///")),
        "pg_url": pg_url,
        "files": files,
        "site": site,
        "flat": flat,
        "tree": tree,
    }


def nginx_config(work: Path, site: Path, port: int) -> Path:
    """examples/nginx.conf with our root and port, inside a minimal main config."""
    example = NGINX_CONF.read_text()
    server = example.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    server = server.replace("root /srv/ldindex/site;", f"root {site};")
    if server.count(f"listen 127.0.0.1:{port};") != 1 or server.count(f"root {site};") != 1:
        raise BenchError(f"{NGINX_CONF} no longer has the 'listen 8080;' and root lines to adapt")
    prefix = work / "nginx"
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    (prefix / "ldindex.conf").write_text(server)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the temp dir
    main = f"""{user}daemon off;
worker_processes {WORKERS};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    default_type application/octet-stream;
    include {prefix}/ldindex.conf;
}}
"""
    path = prefix / "nginx.conf"
    path.write_text(main)
    return path


def make_servers(work: Path, data: dict, ports: dict[str, int]) -> list[Server]:
    bin_dir = Path(sys.executable).parent
    conf = nginx_config(work, data["site"], ports[NGINX])
    nginx = shutil.which("nginx")
    run([nginx, "-t", "-p", str(conf.parent), "-c", str(conf)])
    servers = []
    if data["pg_url"] is not None:
        servers.append(
            Server(
                LDINDEX_PG, ports[LDINDEX_PG],
                [str(bin_dir / "ldindex"), "serve", "--db", data["pg_url"], "--files",
                 str(data["files"]), "--host", "127.0.0.1", "--port", str(ports[LDINDEX_PG]),
                 "--workers", str(WORKERS), "--base-url", f"http://127.0.0.1:{ports[LDINDEX]}"],
            )
        )  # fmt: skip
    return [
        *servers,
        Server(
            LDINDEX,
            ports[LDINDEX],
            [
                str(bin_dir / "ldindex"),
                "serve",
                "--db",
                f"sqlite:///{data['db']}",
                "--files",
                str(data["files"]),
                "--host",
                "127.0.0.1",
                "--port",
                str(ports[LDINDEX]),
                "--workers",
                str(WORKERS),
            ],
        ),
        Server(NGINX, ports[NGINX], [nginx, "-p", str(conf.parent), "-c", str(conf)]),
        Server(
            PYPISERVER,
            ports[PYPISERVER],
            [
                str(bin_dir / "gunicorn"),
                "-w",
                str(WORKERS),
                "-b",
                f"127.0.0.1:{ports[PYPISERVER]}",
                "--log-level",
                "warning",
                f"pypiserver:app(root={str(data['flat'])!r}, disable_fallback=True)",
            ],
        ),
        Server(
            SRS,
            ports[SRS],
            [
                str(bin_dir / "uvicorn"),
                "--factory",
                "bench_web:srs_app",
                "--app-dir",
                str(HERE),
                "--host",
                "127.0.0.1",
                "--port",
                str(ports[SRS]),
                "--workers",
                str(WORKERS),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env={"BENCH_WEB_SRS_ROOT": str(data["tree"])},
        ),
    ]


# -- checks and measurement -----------------------------------------------------------------


def request_for(server: Server, case: Case) -> urllib.request.Request:
    """A GET of ``case`` on ``server`` with the headers wrk sends (Accept only if the case
    names one)."""
    request = urllib.request.Request(server.base + case.path)
    if case.accept:
        request.add_header("Accept", case.accept)
    return request


def check(server: Server, case: Case, timeout: float = 30.0) -> dict:
    """GET the URL (retrying while the server warms up); 200, content type, content."""
    request = request_for(server, case)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, headers, body = response.status, response.headers, response.read()
            break
        except (urllib.error.URLError, ConnectionError) as exc:
            if time.monotonic() > deadline:
                raise BenchError(f"{server.name} {case.path}: {exc}") from exc
            time.sleep(0.5)
    content_type = headers.get("Content-Type", "")
    where = f"{server.name} {case.label} {case.path}"
    if status != 200:
        raise BenchError(f"{where}: status {status}")
    if not content_type.split(";")[0].strip().startswith(case.content_types):
        raise BenchError(f"{where}: content type {content_type!r}, expected {case.content_types}")
    if case.must_contain not in body:
        raise BenchError(f"{where}: body ({len(body)} bytes) lacks {case.must_contain!r}")
    return {"content_type": content_type, "bytes": len(body)}


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk_command(url: str, accept: str | None, seconds: int) -> list[str]:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if accept:
        command += ["-H", f"Accept: {accept}"]
    return [*command, url]


def wrk(url: str, accept: str | None, seconds: int) -> dict:
    return parse_wrk(run(wrk_command(url, accept, seconds), timeout=seconds + 60).stdout)


def parse_wrk(output: str) -> dict:
    """Requests/s, latency percentiles and error counts from wrk's ``--latency`` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    if rps is None or "99" not in latency:
        raise BenchError(f"cannot parse wrk output:\n{output}")
    requests = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:(.*)", output)
    return {
        "rps": float(rps.group(1)),
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "requests": int(requests.group(1)) if requests else None,
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else None,
    }


# -- report ---------------------------------------------------------------------------------


def verdicts(rows: dict[str, dict[str, dict]]) -> list[dict]:
    found = []
    for case in CASES:
        results = rows[case.label]
        for name in OURS:
            if name not in results:
                continue
            ours = results[name]["rps"]
            found.append(
                {"url": case.label, "server": name, "target": f">= {TARGET_RPS:,} rps",
                 "value": ours, "pass": ours >= TARGET_RPS}
            )  # fmt: skip
            if NGINX in results:
                ratio = ours / results[NGINX]["rps"]
                found.append(
                    {"url": case.label, "server": name,
                     "target": f">= {TARGET_NGINX_RATIO:g}x nginx", "value": ratio,
                     "pass": ratio >= TARGET_NGINX_RATIO}
                )  # fmt: skip
            peers = [results[p]["rps"] for p in PEERS if p in results]
            if peers:
                ratio = ours / max(peers)
                found.append(
                    {"url": case.label, "server": name,
                     "target": f">= {TARGET_PEER_RATIO:g}x better peer", "value": ratio,
                     "pass": ratio >= TARGET_PEER_RATIO}
                )  # fmt: skip
    return found


def print_table(rows: dict[str, dict[str, dict]]) -> None:
    print(
        f"{'URL':<15}{'server':<26}{'rps':>10}{'p99 ms':>9}{'/nginx':>9}{'/granian':>9}{'/peer':>9}"
    )
    for case in CASES:
        results = rows[case.label]
        peers = [results[p]["rps"] for p in PEERS if p in results]
        for name in SERVERS:
            if name not in results:
                if name != LDINDEX_PG:  # PostgreSQL is left out only when not asked for
                    note = "n/a" if name == PYPISERVER and case.label == "simple JSON" else "-"
                    print(f"{case.label:<15}{name:<26}{note:>10}")
                continue
            result = results[name]
            to_nginx = to_bare = to_peer = ""
            if name in (*OURS, BARE) and NGINX in results:
                to_nginx = f"{result['rps'] / results[NGINX]['rps']:.2f}x"
            if name in OURS:
                if BARE in results:
                    to_bare = f"{result['rps'] / results[BARE]['rps']:.2f}x"
                if peers:
                    to_peer = f"{result['rps'] / max(peers):.1f}x"
            print(
                f"{case.label:<15}{name:<26}{result['rps']:>10,.0f}{result['p99_ms']:>9.2f}"
                f"{to_nginx:>9}{to_bare:>9}{to_peer:>9}"
            )


def summary_rows(rows: dict[str, dict[str, dict]]) -> list[dict]:
    """One row per URL for ``bench/run.py``'s table: rps on each backend, nginx beside."""
    found = []
    for case in CASES:
        results = rows[case.label]
        row = {"metric": f"page rps, {case.label} (2 workers)", "unit": "rps"}
        for backend, name in (("sqlite", LDINDEX), ("postgresql", LDINDEX_PG)):
            if name in results:
                row[backend] = results[name]["rps"]
        if NGINX in results:
            row["reference"], row["reference_name"] = results[NGINX]["rps"], "nginx"
        found.append(row)
    return found


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for dist in (
        "ldindex",
        "granian",
        "uvicorn",
        "uvloop",
        "httptools",
        "pypiserver",
        "gunicorn",
        "simple-repository-server",
    ):
        try:
            found[dist] = version(dist)
        except PackageNotFoundError:
            found[dist] = None
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True, check=False)
    found["nginx"] = nginx.stderr.strip().removeprefix("nginx version: ")
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    found["wrk"] = (wrk_version.stdout or wrk_version.stderr).split("\n")[0].strip()
    return found


def main() -> int:
    from backends import Databases, selected

    backends = selected()
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "2"))
    os.environ["PATH"] = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"])
    missing = [tool for tool in ("wrk", "nginx") if shutil.which(tool) is None]
    if missing:
        print(f"missing tools: {', '.join(missing)}", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="ldindex-bench-web-", dir=os.environ.get("BENCH_TMP")))
    work.chmod(0o755)
    servers: list[Server] = []
    databases = Databases()
    rows: dict[str, dict[str, dict]] = {case.label: {} for case in CASES}
    checks: dict[str, dict[str, dict]] = {case.label: {} for case in CASES}
    try:
        ports = {name: free_port() for name in SERVERS}
        # One base URL for both, so ldindex serve and the export send the same bytes.
        base_url = f"http://127.0.0.1:{ports[LDINDEX]}"
        pg_url = databases.url("postgresql", work, "web") if "postgresql" in backends else None
        data = prepare(work, base_url, pg_url)
        servers = make_servers(work, data, ports)
        for server in servers:
            server.start(work)
        for server in servers:
            server.wait_ready()
        by_name = {server.name: server for server in servers}
        for case in CASES:
            for name in case.servers:
                if name in by_name:
                    checks[case.label][name] = check(by_name[name], case)
        bare = bare_server(work, ports[BARE], [capture(by_name[LDINDEX], c) for c in CASES])
        servers.append(bare)
        bare.start(work)
        bare.wait_ready()
        by_name[BARE] = bare
        for case in CASES:
            checks[case.label][BARE] = check(bare, case)
        print("all URLs answer 200 with the expected content type", flush=True)
        # Rounds interleave the servers and each keeps its best run, so a burst of load from
        # elsewhere on the machine does not decide a ratio.
        for round_ in range(1, rounds + 1):
            for case in CASES:
                for name in (n for n in case.servers if n in by_name):
                    url = by_name[name].base + case.path
                    wrk(url, case.accept, WARMUP_SECONDS)
                    result = wrk(url, case.accept, seconds)
                    print(
                        f"  round {round_}  {case.label:<15}{name:<26}{result['rps']:>10,.0f} rps"
                        f"{result['p99_ms']:>9.2f} ms p99",
                        flush=True,
                    )
                    if result["non_2xx_3xx"]:
                        raise BenchError(f"{name} {case.path}: {result['non_2xx_3xx']} non-2xx")
                    best = rows[case.label].get(name)
                    runs = [*best["runs_rps"], result["rps"]] if best else [result["rps"]]
                    if best is None or result["rps"] > best["rps"]:
                        result["command"] = " ".join(wrk_command(url, case.accept, seconds))
                        result.update(checks[case.label][name])
                        best = result
                    best["runs_rps"] = runs
                    rows[case.label][name] = best
    except (BenchError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        print(f"error: {exc}\n{detail}", file=sys.stderr)
        return 1
    finally:
        for server in servers:
            server.stop()
        databases.close()
        shutil.rmtree(work, ignore_errors=True)

    print()
    print_table(rows)
    found = verdicts(rows)
    print()
    for verdict in found:
        value = verdict["value"]
        shown = f"{value:,.0f} rps" if "rps" in verdict["target"] else f"{value:.2f}x"
        status = "PASS" if verdict["pass"] else "FAIL"
        print(
            f"{status}  {verdict['url']:<15}{verdict['server']:<22}{verdict['target']:<22}{shown}"
        )

    RESULTS.mkdir(exist_ok=True)
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "wrk": " ".join(wrk_command("URL", None, seconds)) + "  (+ -H 'Accept: ...' for JSON)",
        "warmup_seconds": WARMUP_SECONDS,
        "seconds": seconds,
        "rounds": rounds,
        "workers": WORKERS,
        "cpus": os.cpu_count(),
        "versions": versions(),
        "results": rows,
        "targets": found,
        "summary": summary_rows(rows),
    }
    (RESULTS / "web.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
