"""How raw metadata strings become RDF terms: cleaned literals and checked IRIs.

Real core metadata holds junk (``UNKNOWN``, ``http://``, URLs with spaces, ``mailto:`` with no
address). A value meant as an IRI becomes one only if it is an absolute ``http(s)`` URL with a
host (or a ``mailto:`` with an address) and holds no character an IRI may not; otherwise the
caller keeps it as a literal. Literal text is made safe for every output format, and the same
in all of them: lone surrogates are replaced, CR and CRLF line ends become LF, and C0 control
characters other than tab and LF are removed — what an HTML parser does to a page's text, so
a literal reads back from the RDFa exactly as the JSON-LD and Turtle state it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

__all__ = ["PLACEHOLDERS", "checked_iri", "clean_text"]

# Values setuptools and others write when a field was not given: they mean "absent".
PLACEHOLDERS = frozenset({"", "UNKNOWN"})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# RFC 3987: characters that may not appear in an IRI at all.
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f-\x9f]')
_HOST = re.compile(r"^[^\s@/:]+$")


def clean_text(value: object) -> str:
    """A string safe in every serialisation: valid UTF-8, LF line ends, no C0 controls but
    tab and LF."""
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return text


def checked_iri(value: object) -> str | None:
    """The value as an absolute IRI if it is a usable web or mail address, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or _NOT_IN_IRI.search(text):
        return None
    if any(unicodedata.category(c)[0] == "C" for c in text if not c.isascii()):
        return None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        host = parts.hostname or ""
        if not host or not _HOST.match(host) or text.count("#") > 1:
            return None
        if "[" in parts.netloc or "]" in parts.netloc:
            return None
        return text
    if scheme == "mailto":
        address = parts.path
        local, _, domain = address.partition("@")
        if local and domain and "." in domain and "@" not in domain and not parts.netloc:
            return text
    return None
