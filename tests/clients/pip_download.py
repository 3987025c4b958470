"""Run many ``pip download`` commands in one process and print what each downloaded.

Reads a JSON list of jobs (``{"id": …, "args": [pip download arguments]}``) on stdin and
prints a JSON object mapping each id to the filenames it left in its download directory
([] when pip found nothing). Each job is pip's own command-line entry point with the given
arguments, run in this process so the interpreter and pip start once for all of them.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

from pip._internal.cli.main import main as pip_main


def run(jobs: list[dict]) -> dict[str, list[str]]:
    found = {}
    for job in jobs:
        with tempfile.TemporaryDirectory() as out:
            pip_main(["download", "-q", "--isolated", "--disable-pip-version-check",
                      "--no-cache-dir", "-d", out, *job["args"]])  # fmt: skip
            found[job["id"]] = sorted(os.listdir(out))
    return found


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run(json.load(sys.stdin))))
