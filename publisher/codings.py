"""Content coding by ``Accept-Encoding``, as RFC 9110 §12.5.3 says.

Codings are matched case-insensitively with their q-values; ``*`` stands for every coding
not named; ``identity`` is acceptable unless refused by name or by ``*;q=0``. Among the
codings the client rates highest, the server's order decides (brotli before gzip). When
nothing offered is acceptable, the body goes out as it is: RFC 9110 lets a server answer
without content coding rather than with 406, and every client can read that.
"""

from __future__ import annotations

import math
from functools import lru_cache

__all__ = ["choose_coding"]

IDENTITY = "identity"
_MEMO_LIMIT = 128  # longer headers are parsed every time, never remembered


def choose_coding(accept_encoding: str, available: tuple[str, ...]) -> str | None:
    """The coding of ``available`` (server order) to send, or None for the body as it is."""
    if not accept_encoding:
        return None
    if len(accept_encoding) > _MEMO_LIMIT:
        return _choose(accept_encoding, available)
    return _choose_memo(accept_encoding, available)


def _parse(header: str) -> dict[str, float]:
    """Each named coding (lower case) with its q; malformed q-values count as 0."""
    rated: dict[str, float] = {}
    for part in header.split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        coding = coding.lower()
        if not coding:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0) if math.isfinite(q) else 0.0
        rated[coding] = q
    return rated


def _choose(header: str, available: tuple[str, ...]) -> str | None:
    rated = _parse(header)
    anything = rated.get("*")
    best, best_q = None, 0.0
    for coding in available:
        q = rated.get(coding, anything if anything is not None else 0.0)
        if q > best_q:
            best, best_q = coding, q
    # a coding wins unless the client rated identity, by name, above it
    return None if rated.get(IDENTITY, 0.0) > best_q else best


_choose_memo = lru_cache(maxsize=256)(_choose)
