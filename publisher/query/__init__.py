"""The environment query: from a stated environment to the file an installer would choose.

``QueryRequest`` reads the question (GET query string or POST JSON), ``build_environment``
turns it into the tags and PEP 508 values of the target, ``match`` chooses among a project's
files with reasons for every misfit, and ``QueryService`` answers over a store as JSON or
JSON-LD, for the HTTP routes, the CLI and the environment-scoped simple API alike.
"""

from __future__ import annotations

from publisher.query.environment import Environment, EnvironmentSpec, build_environment
from publisher.query.errors import BadParameter, QueryNotFound
from publisher.query.matching import Match, match
from publisher.query.params import MAX_BODY, QueryRequest
from publisher.query.service import Answer, QueryService

__all__ = [
    "MAX_BODY",
    "Answer",
    "BadParameter",
    "Environment",
    "EnvironmentSpec",
    "Match",
    "QueryNotFound",
    "QueryRequest",
    "QueryService",
    "build_environment",
    "match",
]
