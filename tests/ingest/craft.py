"""Build artefacts from scratch for tests: good ones, and ones broken in exactly one way."""

from __future__ import annotations

import base64
import hashlib
import io
import stat
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.tags import parse_tag

__all__ = [
    "metadata_text",
    "record_hash",
    "record_text",
    "wheel_content",
    "wheel_text",
    "write_sdist",
    "write_tar",
    "write_wheel",
    "write_zip",
]


def metadata_text(
    name: str, version: str, metadata_version: str = "2.1", extra: Iterable[str] = ()
) -> str:
    """A METADATA/PKG-INFO document with the given header lines added."""
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}"]
    lines.extend(extra)
    return "\n".join(lines) + "\n\nLong description.\n"


def write_zip(
    path: Path,
    members: dict[str, bytes | str],
    compression: int = zipfile.ZIP_DEFLATED,
    symlinks: Iterable[str] = (),
) -> Path:
    """A zip archive holding ``members``; names in ``symlinks`` get a symlink mode."""
    links = set(symlinks)
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            mode = (stat.S_IFLNK | 0o777) if name in links else (stat.S_IFREG | 0o644)
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return path


def wheel_text(tag: str = "py3-none-any", purelib: bool = True) -> str:
    """A WHEEL file with one Tag line per tag of ``tag`` (compressed tag sets expanded; a
    leading build tag, as in ``7-py3-none-any``, dropped)."""
    triple = "-".join(tag.split("-")[-3:])
    tags = "".join(f"Tag: {t}\n" for t in sorted(str(t) for t in parse_tag(triple)))
    return (
        f"Wheel-Version: 1.0\nGenerator: ldindex-tests\n"
        f"Root-Is-Purelib: {'true' if purelib else 'false'}\n{tags}\n"
    )


def _bytes(data: bytes | str) -> bytes:
    return data.encode() if isinstance(data, str) else data


def record_hash(data: bytes | str) -> str:
    """``sha256=`` and the urlsafe base64 of the digest without padding, as RECORD has it."""
    digest = hashlib.sha256(_bytes(data)).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def record_text(members: Mapping[str, bytes | str], record_name: str) -> str:
    """A RECORD listing ``members`` with their hashes and sizes, and itself without either."""
    rows = [f"{name},{record_hash(data)},{len(_bytes(data))}" for name, data in members.items()]
    return "\n".join([*rows, f"{record_name},,"]) + "\n"


def wheel_content(
    name: str = "demo",
    version: str = "1.0",
    tag: str = "py3-none-any",
    metadata: str | bytes | None = None,
    members: Mapping[str, bytes | str] | None = None,
    wheel: str | None = None,
    dist_info: str | None = None,
) -> dict[str, bytes | str]:
    """A wheel's members without RECORD: a module, METADATA, WHEEL, then ``members``."""
    dist_info = dist_info or f"{name}-{version}.dist-info"
    content: dict[str, bytes | str] = {f"{name}/__init__.py": "x = 1\n"}
    content[f"{dist_info}/METADATA"] = (
        metadata_text(name, version) if metadata is None else metadata
    )
    content[f"{dist_info}/WHEEL"] = wheel_text(tag) if wheel is None else wheel
    content.update(members or {})
    return content


def write_wheel(
    directory: Path,
    name: str = "demo",
    version: str = "1.0",
    tag: str = "py3-none-any",
    metadata: str | bytes | None = None,
    members: dict[str, bytes | str] | None = None,
    filename: str | None = None,
    wheel: str | None = None,
    record: str | None = None,
    dist_info: str | None = None,
) -> Path:
    """A consistent wheel: .dist-info/METADATA is ``metadata`` (default: a minimal valid one),
    WHEEL matches ``tag``, RECORD lists every member. ``wheel`` and ``record`` replace the
    WHEEL and RECORD texts, ``dist_info`` the directory's name, to break one thing at a time."""
    dist_info = dist_info or f"{name}-{version}.dist-info"
    content = wheel_content(name, version, tag, metadata, members, wheel, dist_info)
    record_name = f"{dist_info}/RECORD"
    content[record_name] = record_text(content, record_name) if record is None else record
    return write_zip(directory / (filename or f"{name}-{version}-{tag}.whl"), content)


def write_tar(path: Path, members: Iterable[tarfile.TarInfo | tuple[str, bytes]]) -> Path:
    """A tar archive (compression from the suffix) of regular files and prepared TarInfos."""
    mode = {".gz": "w:gz", ".tgz": "w:gz", ".bz2": "w:bz2", ".xz": "w:xz"}.get(path.suffix, "w")
    with tarfile.open(path, mode) as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(data))
    return path


def write_sdist(
    directory: Path,
    name: str = "demo",
    version: str = "1.0",
    metadata: str | bytes | None = None,
    members: Iterable[tarfile.TarInfo | tuple[str, bytes]] = (),
    suffix: str = ".tar.gz",
) -> Path:
    """An sdist ``{name}-{version}{suffix}`` with ``{name}-{version}/PKG-INFO``."""
    root = f"{name}-{version}"
    if metadata is None:
        metadata = metadata_text(name, version)
    data = metadata.encode() if isinstance(metadata, str) else metadata
    content: list[tarfile.TarInfo | tuple[str, bytes]] = [
        (f"{root}/PKG-INFO", data),
        (f"{root}/setup.py", b"from setuptools import setup\nsetup()\n"),
        *members,
    ]
    return write_tar(directory / f"{root}{suffix}", content)
