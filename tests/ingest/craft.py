"""Build artefacts from scratch for tests: good ones, and ones broken in exactly one way."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "metadata_text",
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


def write_wheel(
    directory: Path,
    name: str = "demo",
    version: str = "1.0",
    tag: str = "py3-none-any",
    metadata: str | bytes | None = None,
    members: dict[str, bytes | str] | None = None,
    filename: str | None = None,
) -> Path:
    """A wheel whose .dist-info/METADATA is ``metadata`` (default: a minimal valid one)."""
    dist_info = f"{name}-{version}.dist-info"
    content: dict[str, bytes | str] = {f"{name}/__init__.py": "x = 1\n"}
    if metadata is None:
        metadata = metadata_text(name, version)
    content[f"{dist_info}/METADATA"] = metadata
    content[f"{dist_info}/WHEEL"] = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
    content.update(members or {})
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
