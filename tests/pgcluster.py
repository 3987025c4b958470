"""A throwaway PostgreSQL cluster for tests and benchmarks: ``initdb`` into a temporary
directory, ``pg_ctl start`` on a free loopback port (and a socket directory inside the
temporary directory), stopped and deleted at the end.

The server binaries are found under ``/usr/lib/postgresql/*/bin`` (the newest version) or on
``PATH``. ``initdb`` refuses to run as root: as root, every server program runs as the
``postgres`` user (``runuser``), which owns the directory; otherwise as the current user.
The cluster accepts password logins only (SCRAM), with a random password, so nothing else on
the machine can use it. A missing PostgreSQL is an error that says what to install, never a
skipped test.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

__all__ = ["Cluster", "PostgreSQLMissing", "server_binaries"]

ROLE = "ldindex"  # what the stores connect as: owns its databases, is no superuser


class PostgreSQLMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def server_binaries() -> Path:
    """The directory holding initdb, pg_ctl and postgres (the newest version installed)."""
    found = sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p, "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgreSQLMissing(
        "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin "
        "or on PATH: install the Debian package 'postgresql' (.ci/run does)"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """A running cluster: its superuser URL, and fresh databases on demand."""

    root: Path
    port: int
    password: str
    bin_dir: Path
    run_as: str | None
    _counter: int = field(default=0, repr=False)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}:{quote(self.password)}@127.0.0.1:{self.port}/{database}"

    # -- life cycle -------------------------------------------------------------------------

    @classmethod
    def start(cls, *settings: str) -> Cluster:
        """initdb and start a cluster (``settings``: more ``name=value`` server settings)."""
        bin_dir = server_binaries()
        run_as = "postgres" if os.geteuid() == 0 else None
        if run_as is not None:
            try:
                pwd.getpwnam(run_as)
            except KeyError:
                raise PostgreSQLMissing(
                    "initdb refuses to run as root, and there is no 'postgres' user to run it "
                    "as: install the Debian package 'postgresql', which creates it"
                ) from None
        # a directory the server's user can reach, whatever TMPDIR says
        root = Path(tempfile.mkdtemp(prefix="ldindex-pg-", dir="/tmp" if run_as else None))
        password = secrets.token_urlsafe(18)
        cluster = cls(root, _free_port(), password, bin_dir, run_as)
        try:
            if run_as is not None:
                user = pwd.getpwnam(run_as)
                os.chown(root, user.pw_uid, user.pw_gid)
            pwfile = root / "password"
            pwfile.write_text(password)
            if run_as is not None:
                os.chown(pwfile, pwd.getpwnam(run_as).pw_uid, -1)
            cluster._run(
                "initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=scram-sha-256",
                f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            )  # fmt: skip
            pwfile.unlink()
            cluster._start(settings)
            cluster.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}'")
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _start(self, settings: tuple[str, ...]) -> None:
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-p {self.port}",
            f"-k {self.root}",
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=300",
            "-c shared_buffers=32MB",
            *(f"-c {s}" for s in settings),
        ]
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
            "-t", "60", "-o", " ".join(options), "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                self._command("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"),
                capture_output=True,
                check=False,
                timeout=60,
            )
        shutil.rmtree(self.root, ignore_errors=True)

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin_dir / program), *args]
        return ["runuser", "-u", self.run_as, "--", *command] if self.run_as else command

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            self._command(program, *args), capture_output=True, text=True, check=False, timeout=120
        )
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr}{tail}")

    def standby(self) -> Cluster:
        """A streaming replica of this cluster (``pg_basebackup -R``), started on its own
        port; stop it before this one."""
        root = Path(tempfile.mkdtemp(prefix="ldindex-pg-standby-", dir=self.root.parent))
        standby = Cluster(root, _free_port(), self.password, self.bin_dir, self.run_as)
        try:
            if self.run_as is not None:
                user = pwd.getpwnam(self.run_as)
                os.chown(root, user.pw_uid, user.pw_gid)
            source = f"host=127.0.0.1 port={self.port} user=postgres password={self.password}"
            standby._run("pg_basebackup", "-D", str(standby.data), "-R", "-X", "stream",
                         "-d", source, "--no-sync")  # fmt: skip
            standby._start(("hot_standby=on",))
        except BaseException:
            standby.stop()
            raise
        return standby

    # -- databases --------------------------------------------------------------------------

    def execute(self, *statements: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def create_database(self, prefix: str = "ldx") -> str:
        """A new empty database owned by the unprivileged role; its URL as that role."""
        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}_{secrets.token_hex(3)}"
        self.execute(f"CREATE DATABASE {name} OWNER {ROLE} TEMPLATE template0")
        return self.url(name, ROLE)

    def wait_ready(self, timeout: float = 30) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def wait_replayed(primary_url: str, replica_url: str, timeout: float = 30) -> None:
    """Until the ldindex database at ``replica_url`` shows the store generation the one at
    ``primary_url`` has now: every write so far replayed on the standby."""
    import psycopg

    query = "SELECT value FROM store_meta WHERE key = 'generation'"
    with psycopg.connect(primary_url, autocommit=True) as conn:
        wanted = conn.execute(query).fetchone()[0]
    deadline = time.monotonic() + timeout
    while True:
        try:  # the database itself may not have reached the standby yet
            with psycopg.connect(replica_url, autocommit=True) as conn:
                if conn.execute(query).fetchone()[0] >= wanted:
                    return
        except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
            pass
        assert time.monotonic() < deadline, "the standby did not catch up"
        time.sleep(0.05)
