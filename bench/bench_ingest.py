"""Ingest throughput against the four coreutils digest tools run one after another.

Generates about 1 GB of wheels and sdists with big members (random bytes that do not
compress, and text that does) in a temporary directory, then, in one run and from a warm page
cache: ``ldindex ingest`` into a fresh database (digests, the zip structure walk, wheel
consistency, every member's CRC-32 and RECORD hash — the default — metadata read, blob copy and
insert included), the same with ``--no-verify-members`` to show what content verification
costs, and ``md5sum``, ``sha1sum``, ``sha256sum``, ``b2sum`` each over the same files. The
combined rate of the four tools is total bytes over the sum of their times; the target is
ingest (the default, verifying) at two times that or more.

With ``--db`` naming PostgreSQL too (``bench/backends.py``; both by default), ``ldindex
ingest`` into a fresh PostgreSQL database is a contender of its own, timed the same way.

Environment: ``BENCH_SIZE_MB`` (default 1024), ``BENCH_REPEAT`` (rounds, best time kept;
default 2), ``BENCH_TMP`` (default the system temp dir), ``BENCH_DB``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RESULTS = HERE / "results"
MiB = 1 << 20
TARGET_RATIO = 2.0
TOOLS = ("md5sum", "sha1sum", "sha256sum", "b2sum")


def _text(size: int, seed: int) -> bytes:
    """Source-code-like text that deflates about 3-4x."""
    rng = random.Random(seed)
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(2, 12)))
        for _ in range(4000)
    ]
    lines = []
    total = 0
    while total < size:
        line = "    " * rng.randint(0, 3) + " ".join(rng.choices(words, k=rng.randint(3, 12)))
        lines.append(line)
        total += len(line) + 1
    return ("\n".join(lines).encode())[:size]


def _metadata(name: str, version: str) -> str:
    return (
        f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\nSummary: benchmark data\n"
        "Requires-Python: >=3.9\nRequires-Dist: numpy>=1.26\nRequires-Dist: requests; "
        "extra == 'net'\nProvides-Extra: net\n\nA large artefact for the ingest benchmark.\n"
    )


def generate(directory: Path, total_mb: int) -> list[Path]:
    """Wheels and sdists of ~32-64 MB each, half incompressible, half text, ~total_mb MB."""
    text = _text(16 * MiB, 1)
    noise = random.Random(2).randbytes(32 * MiB)
    files: list[Path] = []
    size = 0
    index = 0
    while size < total_mb * 1e6:
        name, version = f"bench{index:03d}", "1.0"
        rotate = index * 7919 % len(noise)
        blob = noise[rotate:] + noise[:rotate]
        words = text[index % 97 :] + text[: index % 97]
        if index % 4 == 3:
            path = directory / f"{name}-{version}.tar.gz"
            with tarfile.open(path, "w:gz", compresslevel=1) as archive:
                for member, data in [
                    (f"{name}-{version}/PKG-INFO", _metadata(name, version).encode()),
                    (f"{name}-{version}/data/noise.bin", blob),
                    (f"{name}-{version}/src/module.py", words),
                ]:
                    info = tarfile.TarInfo(member)
                    info.size = len(data)
                    archive.addfile(info, _Reader(data))
        else:
            path = directory / f"{name}-{version}-py3-none-any.whl"
            dist_info = f"{name}-{version}.dist-info"
            members = {
                f"{name}/noise.bin": blob,
                f"{name}/module.py": words,
                f"{dist_info}/METADATA": _metadata(name, version).encode(),
                f"{dist_info}/WHEEL": WHEEL,
            }
            members[f"{dist_info}/RECORD"] = _record(members, f"{dist_info}/RECORD")
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
                for member, data in members.items():
                    archive.writestr(member, data)
        files.append(path)
        size += path.stat().st_size
        index += 1
    return files


WHEEL = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _record(members: dict[str, bytes], record: str) -> bytes:
    """A wheel's RECORD: every member with its sha256 (urlsafe base64) and size."""
    rows = []
    for member, data in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append(f"{member},sha256={digest},{len(data)}\n")
    return "".join([*rows, f"{record},,\n"]).encode()


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.at + size
        chunk = bytes(self.data[self.at : end])
        self.at += len(chunk)
        return chunk


PG_LABEL = "ldindex ingest (PostgreSQL)"
CPU_SECONDS: dict[str, float] = {}  # per command name: CPU time of its last run


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], label: str | None = None) -> float:
    """Wall seconds of the command; its CPU seconds (all threads) go to ``CPU_SECONDS``."""
    cpu, started = _cpu(), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    CPU_SECONDS[label or command[0]] = _cpu() - cpu
    return seconds


def _ingest(
    ldindex: str, work: Path, data: Path, label: str, *extra: str, db_url: str | None = None
) -> float:
    db_url = db_url or f"sqlite:///{work / f'{label}.db'}"
    command = [ldindex, "-q", "ingest", "--db", db_url]
    command += ["--files", str(work / f"{label}-files"), *extra, str(data)]
    seconds = _timed(command, label)  # check=True: a refused file would fail the benchmark
    shutil.rmtree(work / f"{label}-files", ignore_errors=True)
    for leftover in work.glob(f"{label}.db*"):
        leftover.unlink()
    return seconds


def main() -> int:
    from backends import Databases, selected

    backends = selected()
    total_mb = int(os.environ.get("BENCH_SIZE_MB", "1024"))
    repeat = int(os.environ.get("BENCH_REPEAT", "2"))
    ldindex = str(Path(sys.executable).with_name("ldindex"))
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        print(f"missing tools: {', '.join(missing)}", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="ldindex-bench-", dir=os.environ.get("BENCH_TMP")))
    databases = Databases()
    try:
        data = work / "artefacts"
        data.mkdir()
        started = time.perf_counter()
        files = generate(data, total_mb)
        total = sum(p.stat().st_size for p in files)
        print(
            f"generated {len(files)} files, {total / 1e6:,.0f} MB "
            f"in {time.perf_counter() - started:.1f} s"
        )
        names = [str(p) for p in files]
        _timed(["cat", *names])  # warm the page cache for every contender alike
        contenders = {
            "ldindex ingest": lambda: _ingest(ldindex, work, data, "ldindex ingest"),
            "ldindex ingest --no-verify-members": lambda: _ingest(
                ldindex, work, data, "ldindex ingest --no-verify-members", "--no-verify-members"
            ),
        }
        if "postgresql" in backends:  # a fresh database each round, as SQLite gets
            contenders[PG_LABEL] = lambda: _ingest(
                ldindex, work, data, PG_LABEL, db_url=databases.url("postgresql", work, "ingest")
            )
        contenders.update({tool: (lambda tool=tool: _timed([tool, *names])) for tool in TOOLS})
        # Rounds interleave the contenders and each keeps its best time, so a burst of load
        # from elsewhere on the machine does not decide the ratio.
        rows = {label: float("inf") for label in contenders}
        cpu = {label: float("inf") for label in contenders}
        load = os.getloadavg()[0]
        for _ in range(repeat):
            for label, run in contenders.items():
                rows[label] = min(rows[label], run())
                cpu[label] = min(cpu[label], CPU_SECONDS[label])
    finally:
        databases.close()
        shutil.rmtree(work, ignore_errors=True)

    combined = sum(rows[t] for t in TOOLS)
    rate = {label: total / seconds / 1e6 for label, seconds in rows.items()}
    rate_combined = total / combined / 1e6
    ratio = rate["ldindex ingest"] / rate_combined
    cpu_combined = sum(cpu[t] for t in TOOLS)
    print(f"{'contender':<36}{'seconds':>10}{'MB/s':>10}{'CPU s':>10}")
    for label, seconds in rows.items():
        print(f"{label:<36}{seconds:>10.2f}{rate[label]:>10.1f}{cpu[label]:>10.2f}")
    tools = "four *sum tools, combined"
    print(f"{tools:<36}{combined:>10.2f}{rate_combined:>10.1f}{cpu_combined:>10.2f}")
    cpus = os.cpu_count() or 1
    if load > cpus / 2:
        # Wall-clock ratios assume the CPUs are free: on a busy machine each process gets a
        # share of them whatever its thread count, and the CPU seconds say more.
        print(f"note: load average {load:.1f} on {cpus} CPUs when the rounds began")
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"ingest / combined = {ratio:.2f} ({verdict} the {TARGET_RATIO:g}x target)")
    structure_only = rate["ldindex ingest --no-verify-members"] / rate_combined
    print(f"ingest --no-verify-members / combined = {structure_only:.2f}")

    summary = [
        {"metric": "ingest MB/s (verifying)", "unit": "MB/s", "sqlite": rate["ldindex ingest"],
         "postgresql": rate.get(PG_LABEL), "reference": rate_combined,
         "reference_name": "four *sum tools, combined"},
    ]  # fmt: skip
    if PG_LABEL in rate:
        print(f"ingest into PostgreSQL / combined = {rate[PG_LABEL] / rate_combined:.2f}")
    RESULTS.mkdir(exist_ok=True)
    result = {
        "summary": summary,
        "bytes": total,
        "files": len(files),
        "seconds": rows,
        "mb_per_s": rate,
        "combined_sum_tools_mb_per_s": rate_combined,
        "ratio": ratio,
        "ratio_no_verify_members": structure_only,
        "target_ratio": TARGET_RATIO,
        "cpu_seconds": cpu,
        "load_average": load,
        "cpus": os.cpu_count(),
        "rounds": repeat,
    }
    (RESULTS / "ingest.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
