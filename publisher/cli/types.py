"""Option types checked when the command line is parsed, so a bad value is a usage error
(exit 2) naming the option, never a traceback later."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

import click

__all__ = ["BASE_URL", "BYTE_SIZE", "HOST", "format_size"]

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")  # fmt: skip


def format_size(size: float) -> str:
    """Bytes as people read them: ``512 B``, ``1.5 MiB``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


class ByteSize(click.ParamType):
    """A size in bytes, with an optional binary unit: ``2G``, ``500M``, ``64k``, ``1024``."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            size = value
        else:
            match = _SIZE.match(str(value))
            if match is None:
                self.fail(f"{value!r} is not a size (examples: 1024, 64K, 500M, 2G)", param, ctx)
            size = int(float(match[1]) * _UNITS[match[2].lower()])
        if size < 1:
            self.fail(f"{value!r} must be at least 1 byte", param, ctx)
        return size


class BaseURL(click.ParamType):
    """An absolute http(s) URL with a host, the base of every IRI and link."""

    name = "url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if any(c.isspace() for c in text) or any(ord(c) < 32 for c in text):
            self.fail(f"{text!r} contains spaces or control characters", param, ctx)
        try:
            parts = urlsplit(text)
            port = parts.port  # raises ValueError when out of range or not a number
        except ValueError as exc:
            self.fail(f"{text!r} is not a URL ({exc})", param, ctx)
        if parts.scheme not in ("http", "https"):
            self.fail(f"{text!r} must start with http:// or https://", param, ctx)
        if not parts.hostname:
            self.fail(f"{text!r} has no host", param, ctx)
        if parts.query or parts.fragment:
            self.fail(f"{text!r} must not have a query or fragment", param, ctx)
        del port
        return text.rstrip("/")


class Host(click.ParamType):
    """An address or host name to listen on: ``127.0.0.1``, ``::1``, ``[::1]``, ``localhost``."""

    name = "host"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        bare = text.removeprefix("[").removesuffix("]")
        try:
            return str(ipaddress.ip_address(bare))
        except ValueError:
            pass
        if not _HOSTNAME.match(bare):
            self.fail(f"{text!r} is not an IP address or host name", param, ctx)
        return bare


BYTE_SIZE = ByteSize()
BASE_URL = BaseURL()
HOST = Host()
