"""The two ways a query can fail before it is answered: a bad parameter, or nothing by that name."""

from __future__ import annotations

__all__ = ["BadParameter", "QueryNotFound"]


class BadParameter(ValueError):
    """A query parameter is malformed or contradicts another; answered with 400.

    ``parameter`` names it, so clients can point at the field they sent.
    """

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter
        self.reason = reason


class QueryNotFound(LookupError):
    """The project, or a version of it, is not in the index; answered with 404."""
