"""A wheel's ``entry_points.txt``: the commands it installs and the plugins it registers.

The file is INI-shaped (the entry-points specification): ``[group]`` sections of
``name = object reference`` lines, read with ``configparser`` as ``importlib.metadata`` reads
it (``=`` as the only delimiter, names kept as written, no interpolation). It is bounded: a
file over ``MAX_SIZE`` bytes or ``MAX_ENTRIES`` entries, or one that does not parse, is
ignored with a warning naming the file; the artefact is still indexed.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass

__all__ = ["MAX_ENTRIES", "MAX_SIZE", "EntryPointsResult", "parse_entry_points"]

MAX_SIZE = 256 << 10
MAX_ENTRIES = 2_000
# The specification: names are "any characters except =", object references
# "importable.module:object.attr" optionally followed by [extras].
_REFERENCE = re.compile(r"^[\w.]+(?:\s*:\s*[\w.]+)?(?:\s*\[[\w\s,.-]*\])?$")


@dataclass(frozen=True, slots=True)
class EntryPointsResult:
    entry_points: dict[str, dict[str, str]]
    warnings: tuple[str, ...] = ()


def parse_entry_points(data: bytes, where: str) -> EntryPointsResult:
    """Group -> name -> object reference, or nothing and a warning naming ``where``."""
    if len(data) > MAX_SIZE:
        return EntryPointsResult({}, (f"{where}: over {MAX_SIZE:,} bytes; entry points ignored",))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return EntryPointsResult({}, (f"{where}: not UTF-8 ({exc.reason}); entry points ignored",))
    parser = configparser.ConfigParser(
        delimiters=("=",), interpolation=None, strict=False, comment_prefixes=("#", ";")
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # names as written
    try:
        parser.read_string(text, source=where)
    except configparser.Error as exc:
        first_line = str(exc).splitlines()[0]
        return EntryPointsResult({}, (f"{where}: {first_line}; entry points ignored",))
    found: dict[str, dict[str, str]] = {}
    warnings: list[str] = []
    count = 0
    for group in parser.sections():
        for name, reference in parser.items(group, raw=True):
            count += 1
            if count > MAX_ENTRIES:
                return EntryPointsResult(
                    {}, (f"{where}: over {MAX_ENTRIES:,} entries; entry points ignored",)
                )
            name, reference = name.strip(), (reference or "").strip()
            if not name or not _REFERENCE.match(reference):
                warnings.append(
                    f"{where}: [{group}] {name!r}: {reference!r} is not an object reference; "
                    "entry ignored"
                )
                continue
            found.setdefault(group.strip(), {})[name] = reference
    return EntryPointsResult(found, tuple(warnings))
