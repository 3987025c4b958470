"""The environment query over one store: request in, JSON or JSON-LD bytes out.

The GET route (through ``publisher.routing``), the POST route, the CLI and the
environment-scoped simple API all answer through ``QueryService``, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from crosswalk.records import DistributionFile, Project, Release
from publisher.query.dependencies import evaluate, requirement_source
from publisher.query.environment import Environment, build_environment
from publisher.query.errors import QueryNotFound
from publisher.query.extrinsic import extrinsic_records, extrinsic_section
from publisher.query.matching import Match, match, ranked_files
from publisher.query.params import QueryRequest
from publisher.query.result import result_dict
from publisher.store import Store

__all__ = ["Answer", "QueryService"]


@dataclass(frozen=True, slots=True)
class Answer:
    """A query answered: the match and the JSON-shaped result."""

    request: QueryRequest
    environment: Environment
    match: Match
    result: dict[str, Any]


class QueryService:
    """Answers environment queries against ``store``; URLs are absolute under ``base``."""

    def __init__(self, store: Store, base: str) -> None:
        self.store = store
        self.base = base.rstrip("/")

    def answer(self, request: QueryRequest) -> Answer:
        """Raise ``BadParameter`` (400) or ``QueryNotFound`` (404); otherwise the answer."""
        env = build_environment(request.environment)
        project = self._project(request.name)
        found = match(project, request, env)
        records = extrinsic_records(self.store, project.name)
        release = found.release
        shown_files = [c.file for c in found.compatible] + [
            r.file for r in found.rejected if r.release is release
        ]
        chosen = found.choice.file.filename if found.choice is not None else None
        dependencies = evaluate(
            requirement_source(release, records, chosen), release, env.markers, request.extras
        )
        extrinsic = extrinsic_section(records, release, shown_files)
        result = result_dict(request, env, found, self.base, dependencies, extrinsic)
        return Answer(request, env, found, result)

    def json(self, request: QueryRequest) -> bytes:
        return orjson.dumps(self.answer(request).result)

    def jsonld(self, request: QueryRequest) -> bytes:
        from publisher.query.linked import answer_jsonld
        from publisher.render.graphs import release_graph_of

        answer = self.answer(request)
        found = answer.match
        graph = release_graph_of(self.store, found.project, found.release, self.base)
        return orjson.dumps(answer_jsonld(answer, self.base, graph))

    def installable(
        self, name: str, env: Environment
    ) -> tuple[Project, list[tuple[Release, DistributionFile]]] | None:
        """A project's files installable in ``env`` (tags and Requires-Python; yanked files
        included and marked, as installers need them for exact pins), best first: for the
        environment-scoped simple API. None for an unknown project."""
        project = self.store.get_project(name)
        if project is None:
            return None
        return project, list(ranked_files(project, env))

    def _project(self, name: str) -> Project:
        project = self.store.get_project(name)
        if project is None:
            raise QueryNotFound(f"no project named {name!r}")
        return project
