"""Wheels whose archive is sound but whose contents disagree with their filename or RECORD."""

from __future__ import annotations

from pathlib import Path

from .bad_inputs import BadInput
from .craft import (
    metadata_text,
    record_hash,
    record_text,
    wheel_content,
    wheel_text,
    write_wheel,
    write_zip,
)


def _record_without(directory: Path, name: str, left_out: str) -> Path:
    members = {f"{name}/extra.py": "y = 2\n"}
    content = wheel_content(name, members=members)
    listed = {k: v for k, v in content.items() if k != left_out}
    record = record_text(listed, f"{name}-1.0.dist-info/RECORD")
    return write_wheel(directory, name, members=members, record=record)


def _record_with(directory: Path, name: str, rows: list[str], extra: str = "y = 2\n") -> Path:
    """A wheel whose RECORD lists the usual members, then ``rows`` for ``{name}/extra.py``."""
    content = wheel_content(name)
    record = record_text(content, f"{name}-1.0.dist-info/RECORD") + "".join(f"{r}\n" for r in rows)
    return write_wheel(directory, name, members={f"{name}/extra.py": extra}, record=record)


def _without(directory: Path, name: str, left_out: str) -> Path:
    content = wheel_content(name)
    record = f"{name}-1.0.dist-info/RECORD"
    content[record] = record_text(content, record)
    content.pop(f"{name}-1.0.dist-info/{left_out}")
    return write_zip(directory / f"{name}-1.0-py3-none-any.whl", content)


EXTRA_HASH = record_hash("y = 2\n")  # what {name}/extra.py holds
OTHER_HASH = record_hash("y = 3\n")  # the same size, other bytes

WHEEL_CASES = [
    BadInput(
        "wheel-two-dist-info-directories",
        lambda d: write_wheel(d, "twodi", members={"evil-1.0.dist-info/entry_points.txt": "[x]\n"}),
        r"wheel has 2 \.dist-info directories \(evil-1\.0\.dist-info, twodi-1\.0\.dist-info\); "
        r"installers expect exactly one",
    ),
    BadInput(
        "wheel-two-dist-info-with-metadata",
        lambda d: write_wheel(
            d, "twomd", members={"other-1.0.dist-info/METADATA": metadata_text("other", "1.0")}
        ),
        r"wheel has 2 \.dist-info directories",
    ),
    BadInput(
        "wheel-dist-info-of-another-name",
        lambda d: write_wheel(d, "named", dist_info="other-1.0.dist-info"),
        r"'other-1\.0\.dist-info' is not named after the wheel's name and version \(named 1\.0\)",
    ),
    BadInput(
        "wheel-dist-info-of-another-version",
        lambda d: write_wheel(d, "versioned", dist_info="versioned-2.0.dist-info"),
        r"'versioned-2\.0\.dist-info' is not named after the wheel's name and version",
    ),
    BadInput(
        "wheel-tags-differ-from-filename",
        lambda d: write_wheel(d, "tagged", wheel=wheel_text("py2-none-any")),
        r"WHEEL's Tag lines \(py2-none-any\) do not cover the filename's tag py3-none-any",
    ),
    BadInput(
        "wheel-tags-cover-part-of-filename",
        lambda d: write_wheel(
            d, "partly", tag="py2.py3-none-any", wheel=wheel_text("py3-none-any")
        ),
        r"do not cover the filename's tag py2-none-any",
    ),
    BadInput(
        "wheel-without-root-is-purelib",
        lambda d: write_wheel(d, "purelib", wheel="Wheel-Version: 1.0\nTag: py3-none-any\n"),
        r"purelib-1\.0\.dist-info/WHEEL has no Root-Is-Purelib",
    ),
    BadInput(
        "wheel-root-is-purelib-neither",
        lambda d: write_wheel(
            d, "maybe", wheel="Wheel-Version: 1.0\nRoot-Is-Purelib: maybe\nTag: py3-none-any\n"
        ),
        r"has Root-Is-Purelib 'maybe', not true or false",
    ),
    BadInput(
        "wheel-without-wheel-version",
        lambda d: write_wheel(d, "wv", wheel="Root-Is-Purelib: true\nTag: py3-none-any\n"),
        r"WHEEL has no Wheel-Version",
    ),
    BadInput(
        "wheel-tag-set-that-explodes",
        lambda d: write_wheel(
            d,
            "explode",
            wheel=wheel_text().rstrip("\n") + "\nTag: " + "-".join([".".join("x" * 99)] * 3),
        ),
        r"has a malformed Tag line",
    ),
    BadInput(
        "wheel-without-WHEEL",
        lambda d: _without(d, "nowheel", "WHEEL"),
        r"has no nowheel-1\.0\.dist-info/WHEEL",
    ),
    BadInput(
        "wheel-without-RECORD",
        lambda d: _without(d, "norecord", "RECORD"),
        r"has no norecord-1\.0\.dist-info/RECORD",
    ),
    BadInput(
        "wheel-record-missing-a-member",
        lambda d: _record_without(d, "missing", "missing/extra.py"),
        r"RECORD does not list member 'missing/extra\.py'",
    ),
    BadInput(
        "wheel-record-lists-an-absent-file",
        lambda d: write_wheel(d, "ghost", record="ghost/gone.py,sha256=x,1\n"),
        r"RECORD lists 'ghost/gone\.py', which the wheel does not hold",
    ),
    BadInput(
        "wheel-record-size-differs",
        lambda d: _record_with(d, "sized", [f"sized/extra.py,{EXTRA_HASH},7"]),
        r"member 'sized/extra\.py' is 6 bytes; sized-1\.0\.dist-info/RECORD says 7",
    ),
    BadInput(
        "wheel-member-hash-differs-from-record",
        lambda d: _record_with(d, "hashed", [f"hashed/extra.py,{OTHER_HASH},6"]),
        r"member 'hashed/extra\.py' does not match its sha256 hash in RECORD",
    ),
    BadInput(
        "wheel-record-md5",
        lambda d: _record_with(d, "weak", ["weak/extra.py,md5=5kP1nGcMfL6kIVSoH3JLpQ,6"]),
        r"hashes 'weak/extra\.py' with md5, which the wheel format forbids",
    ),
    BadInput(
        "wheel-record-padded-hash",
        lambda d: _record_with(d, "padded", [f"padded/extra.py,{EXTRA_HASH}=,6"]),
        r"has a malformed sha256 hash for 'padded/extra\.py'",
    ),
    BadInput(
        "wheel-record-without-hash",
        lambda d: _record_with(d, "nohash", ["nohash/extra.py,,6"]),
        r"gives no hash for 'nohash/extra\.py'",
    ),
    BadInput(
        "wheel-record-lists-twice",
        lambda d: _record_with(
            d,
            "listedtwice",
            [
                f"listedtwice/extra.py,{EXTRA_HASH},6",
                f"listedtwice/extra.py,{EXTRA_HASH},6",
            ],
        ),
        r"RECORD lists 'listedtwice/extra\.py' twice",
    ),
    BadInput(
        "wheel-record-short-row",
        lambda d: _record_with(d, "short", ["short/extra.py,6"]),
        r"RECORD line 5 has 2 fields \(3 expected\)",
    ),
]
