"""Run the benchmarks: every ``bench/bench_*.py``, or the scripts named as arguments; then
print one table of what they measured, SQLite and PostgreSQL side by side.

``--db sqlite,postgresql`` (or ``BENCH_DB``; both by default) reaches every script as
``BENCH_DB``: each that uses a database measures the backends named, in the same run,
against the same reference (nginx, the coreutils digest tools). Each script prints its own
table and writes ``bench/results/<name>.json``, with a ``summary`` list of rows this driver
gathers; it exits non-zero if any script failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
RESULT_FILES = {  # script → its results file
    "bench_crosswalk.py": "crosswalk.json",
    "bench_ingest.py": "ingest.json",
    "bench_load.py": "load.json",
    "bench_query.py": "query.json",
    "bench_search.py": "search.json",
    "bench_sparql.py": "sparql.json",
    "bench_web.py": "web.json",
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scripts", nargs="*", help="bench_*.py scripts to run [all]")
    parser.add_argument("--db", default=None, help="backends: sqlite, postgresql [both]")
    args = parser.parse_args(argv)
    scripts = [Path(a).resolve() for a in args.scripts] or sorted(HERE.glob("bench_*.py"))
    env = {**os.environ, **({"BENCH_DB": args.db} if args.db else {})}
    failed, ran = [], []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)], env=env, check=False).returncode:
            failed.append(script.name)
        else:
            ran.append(script.name)
    rows = [
        row
        for name in ran
        if (RESULTS / RESULT_FILES.get(name, "")).is_file()
        for row in json.loads((RESULTS / RESULT_FILES[name]).read_text()).get("summary", [])
    ]
    if rows:
        print()
        print_summary(rows)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def print_summary(rows: list[dict]) -> None:
    """One line per measure: SQLite, PostgreSQL, their ratio, and the reference beside."""
    print(f"{'measure':<46}{'unit':>6}{'SQLite':>12}{'PostgreSQL':>12}{'PG/SQLite':>10}"
          f"{'reference':>12}  reference is")  # fmt: skip
    for row in rows:
        sqlite, postgresql = row.get("sqlite"), row.get("postgresql")
        ratio = f"{postgresql / sqlite:.2f}x" if sqlite and postgresql is not None else ""
        reference = row.get("reference")
        print(
            f"{row['metric']:<46}{row['unit']:>6}{_cell(sqlite)}{_cell(postgresql)}{ratio:>10}"
            f"{_cell(reference)}  {row.get('reference_name', '')}"
        )


def _cell(value: float | None) -> str:
    if value is None:
        return f"{'-':>12}"
    if isinstance(value, int):
        return f"{value:>12,}"
    return f"{value:>12,.0f}" if abs(value) >= 100 else f"{value:>12,.2f}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
