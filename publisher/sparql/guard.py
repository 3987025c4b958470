"""What a query may do, decided before it runs: read the local graph, nothing else.

Oxigraph follows ``SERVICE`` over HTTP, so a federated query is refused before it reaches
the engine. Checking every query with a full parser costs tens of milliseconds (rdflib's is
pure Python), so the check has two tiers: a query whose text, with SPARQL's ``\\u`` escapes
decoded and case folded, never contains the word ``service`` cannot hold a SERVICE clause
and passes at once; any other is parsed with rdflib's SPARQL grammar and refused if the
parse finds a SERVICE pattern, or if it cannot be parsed at all.

Updates (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``…) never reach an engine that could run
them: queries go to Oxigraph's query parser only, which refuses them. ``explain`` turns that
refusal into a message saying what was refused and why.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["QueryRefused", "check_query", "explain", "screen"]

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_UPDATE_WORDS = ("insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy")
_REMOTE_UPDATES = {"Load": "LOAD (fetching remote data)"}


class QueryRefused(Exception):
    """A query this endpoint will not run; ``status`` and the message go to the client."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def screen(text: str, max_bytes: int) -> None:
    """Cheap checks any process may run: present, within the size limit."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise QueryRefused(f"the query is {size} bytes; the limit is {max_bytes} bytes", 413)
    if not text.strip():
        raise QueryRefused("the query is empty")


def _folded(text: str) -> str:
    def decode(match: re.Match[str]) -> str:
        code = int(match[1] or match[2], 16)
        return chr(code) if code <= 0x10FFFF else ""

    return _ESCAPE.sub(decode, text).casefold()


def check_query(text: str) -> None:
    """Refuse a query that would reach beyond the local graph (SERVICE)."""
    if "service" not in _folded(text):
        return
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(text)
    except (ParseException, RecursionError, ValueError) as exc:
        raise QueryRefused(
            "the query mentions SERVICE and could not be checked, so it is not run: "
            f"{_first_line(exc)}"
        ) from None
    if _contains(tree, "ServiceGraphPattern"):
        raise QueryRefused(
            "SERVICE (federated query) is not allowed: this endpoint never contacts other "
            "servers; query the local graph only"
        )


def explain(text: str, syntax_error: str) -> QueryRefused:
    """The refusal for text Oxigraph's query parser rejected: an update, or bad syntax."""
    folded = _folded(text)
    if any(word in folded for word in _UPDATE_WORDS):
        update = _parse_update(text)
        if update is not None:
            ops = [getattr(op, "name", "") for op in update.get("request", [])]
            remote = [_REMOTE_UPDATES[op] for op in ops if op in _REMOTE_UPDATES]
            if remote:
                return QueryRefused(
                    f"{remote[0]} is not allowed: this endpoint is read-only and never "
                    "fetches remote data"
                )
            names = ", ".join(dict.fromkeys(_update_name(op) for op in ops)) or "update"
            return QueryRefused(
                f"SPARQL Update ({names}) is not allowed: this endpoint is read-only; "
                "send SELECT, ASK, CONSTRUCT or DESCRIBE queries"
            )
    return QueryRefused(f"the query is not valid SPARQL 1.1: {syntax_error}")


def _parse_update(text: str) -> Any | None:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        return parseUpdate(text)
    except (ParseException, RecursionError, ValueError):
        return None


def _update_name(op: str) -> str:
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", op).upper().split()
    return " ".join(words) or "update"


def _contains(node: Any, name: str, depth: int = 0) -> bool:
    """Whether rdflib's parse tree holds a ``CompValue`` called ``name`` anywhere."""
    if depth > 500:
        return True  # deeper than any honest query nests: refuse rather than guess
    if getattr(node, "name", None) == name:
        return True
    if isinstance(node, dict):
        children = node.values()
    elif isinstance(node, list | tuple) or hasattr(node, "asList"):
        children = list(node)
    else:
        return False
    return any(_contains(child, name, depth + 1) for child in children)


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]
