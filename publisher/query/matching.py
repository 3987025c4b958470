"""Choosing a project's file for an environment, the way installers choose, with reasons.

Every file of every release the version filter admits is checked against the environment:
format and ``kind``, ``variant``, compatibility tags (the environment's ordered tag list;
the file's best-ranked tag is its priority), Requires-Python. Among the files that fit, pip's
order decides (``pip._internal.index.package_finder.CandidateEvaluator._sort_key``): not
yanked before yanked, newer version first, then better tag, sdists after every wheel of their
version, higher build tag first. Pre-releases count only when asked for (``pre``, or a
specifier naming one) or when nothing else fits; yanked files only under an exact pin with
nothing but yanked files fitting (PEP 592, as pip's resolver applies it).

Every file that does not fit gets its reasons, each with a code a program can test and a
sentence a person can read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from crosswalk.names import version_key
from crosswalk.records import DistributionFile, Project, Release
from publisher.ingest.facts import IMPLEMENTATIONS
from publisher.query.environment import Environment
from publisher.query.errors import QueryNotFound
from publisher.query.params import QueryRequest, VersionFilter

__all__ = ["INSTALLABLE", "Candidate", "Match", "Reason", "Rejection", "match", "ranked_files"]

INSTALLABLE = {"bdist_wheel": "wheel", "sdist": "sdist"}
WITHHELD_STATUSES = frozenset({"quarantined"})  # PEP 792: files must not be offered
MAX_REJECTIONS = 500  # rejected files listed when nothing fits (newest releases first)
_BUILD = re.compile(r"^(\d+)(.*)$")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a file does not fit: ``code`` is one of ``withheld``, ``format``, ``kind``,
    ``variant``, ``platform``, ``python``, ``abi``, ``tags``, ``requires-python``,
    ``pre-release``, ``yanked``."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file that fits the environment. ``rank`` is its best tag's position in the
    environment's list (an sdist ranks after every tag); ``tag`` is that tag."""

    file: DistributionFile
    release: Release
    rank: int
    tag: str | None

    @property
    def yanked(self) -> bool:
        return self.file.yanked or self.release.yanked

    @property
    def yanked_reason(self) -> str | None:
        if not self.yanked:
            return None
        return self.file.yanked_reason or self.release.yanked_reason


@dataclass(frozen=True, slots=True)
class Rejection:
    file: DistributionFile
    release: Release
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """The answer for one project: the release shown, the choice (None when nothing fits or
    ``all`` was asked), the release's fitting files best first, and rejected files with
    reasons (the shown release's; every admitted release's when nothing fits)."""

    project: Project
    release: Release
    choice: Candidate | None
    compatible: tuple[Candidate, ...]
    rejected: tuple[Rejection, ...]
    rejected_omitted: int = 0


def match(project: Project, request: QueryRequest, env: Environment) -> Match:
    """Choose among ``project``'s files for ``env``; ``QueryNotFound`` when no release is
    admitted by the requested version."""
    releases = _admitted(project, request.version)
    fitting: list[Candidate] = []
    rejected: dict[str, Rejection] = {}
    for release in releases:
        for f in release.files:
            reasons = _misfits(f, project, request, env)
            if reasons:
                rejected[f.filename] = Rejection(f, release, tuple(reasons))
            else:
                rank, tag = _rank(f, env)
                fitting.append(Candidate(f, release, rank, tag))
    applicable = _by_version_rules(fitting, request, rejected)
    applicable.sort(key=_preference, reverse=True)
    choice = applicable[0] if applicable and not request.all else None
    shown = choice.release if choice else _newest(releases, request)
    compatible = tuple(c for c in applicable if c.release is shown)
    if choice is not None or request.all:
        listed = [r for r in rejected.values() if r.release is shown]
        omitted = 0
    else:
        newest_first = sorted(rejected.values(), key=lambda r: _version_key(r.release.version))
        listed = newest_first[::-1][:MAX_REJECTIONS]
        omitted = max(len(rejected) - MAX_REJECTIONS, 0)
    listed.sort(key=lambda r: r.file.filename)
    listed.sort(key=lambda r: _version_key(r.release.version), reverse=True)
    return Match(project, shown, choice, compatible, tuple(listed), omitted)


def ranked_files(project: Project, env: Environment) -> Iterator[tuple[Release, DistributionFile]]:
    """Every wheel and sdist of the project that installs in ``env`` (tags, Requires-Python),
    yanked ones included: newest version first, best tag first, sdists last."""
    request = QueryRequest(project.name)
    fitting = [
        Candidate(f, release, *_rank(f, env))
        for release in project.releases
        for f in release.files
        if not _misfits(f, project, request, env)
    ]
    fitting.sort(key=lambda c: (_version_key(c.release.version), -c.rank), reverse=True)
    return ((c.release, c.file) for c in fitting)


# -- versions ---------------------------------------------------------------------------------


def _admitted(project: Project, wanted: VersionFilter) -> list[Release]:
    releases = [r for r in project.releases if _contains(wanted.specifier, r.version)]
    if not releases:
        known = ", ".join(r.version for r in sorted(project.releases, key=_release_key))
        what = f"version {wanted.text}" if wanted.pinned else f"version matching {wanted.text!r}"
        raise QueryNotFound(f"{project.name} has no {what} (has: {known or 'none'})")
    return releases


def _contains(specifier: SpecifierSet, version: str) -> bool:
    if not specifier:
        return True
    try:
        return specifier.contains(version, prereleases=True)
    except (InvalidVersion, InvalidSpecifier):
        return False


def _is_pre(version: str) -> bool:
    key = _version_key(version)[1]
    return isinstance(key, Version) and key.is_prerelease


def _pre_allowed(request: QueryRequest) -> bool:
    return request.pre or bool(request.version.specifier.prereleases)


def _by_version_rules(
    fitting: list[Candidate], request: QueryRequest, rejected: dict[str, Rejection]
) -> list[Candidate]:
    """Apply the pre-release and yank rules to the fitting files; reject the others."""
    kept = fitting
    if not _pre_allowed(request) and any(not _is_pre(c.release.version) for c in kept):
        for c in kept:
            if _is_pre(c.release.version):
                message = "a pre-release; ask with pre=true or a specifier naming it"
                _reject(rejected, c, Reason("pre-release", message))
        kept = [c for c in kept if not _is_pre(c.release.version)]
    if request.version.pinned and all(c.yanked for c in kept):
        return list(kept)  # PEP 592: an exact pin may select a yanked release
    for c in kept:
        if c.yanked:
            why = f" ({c.yanked_reason})" if c.yanked_reason else ""
            rule = (
                "another file fits and is not yanked"
                if request.version.pinned
                else "only an exact pin (version==…) selects a yanked file"
            )
            _reject(rejected, c, Reason("yanked", f"yanked{why}; {rule}"))
    return [c for c in kept if not c.yanked]


def _reject(rejected: dict[str, Rejection], c: Candidate, reason: Reason) -> None:
    rejected[c.file.filename] = Rejection(c.file, c.release, (reason,))


def _newest(releases: Sequence[Release], request: QueryRequest) -> Release:
    """The release a query shows when it chooses nothing: the newest admitted, preferring
    final releases (unless pre-releases are asked for) and releases not yanked."""
    pre = _pre_allowed(request)

    def key(r: Release) -> tuple:
        return (not r.yanked, pre or not _is_pre(r.version), _version_key(r.version))

    return max(releases, key=key)


def _release_key(release: Release) -> tuple:
    return version_key(release.version)


# -- files ------------------------------------------------------------------------------------


def _preference(c: Candidate) -> tuple:
    build: tuple = ()
    if c.file.build_tag and (found := _BUILD.match(c.file.build_tag)):
        build = (int(found[1]), found[2])
    return (not c.yanked, _version_key(c.release.version), -c.rank, build)


def _rank(f: DistributionFile, env: Environment) -> tuple[int, str | None]:
    if f.packagetype != "bdist_wheel":
        return len(env.tags), None
    return min((env.rank[t], t) for t in f.tags if t in env.rank)


def _misfits(
    f: DistributionFile, project: Project, request: QueryRequest, env: Environment
) -> list[Reason]:
    reasons: list[Reason] = []
    if project.status in WITHHELD_STATUSES:
        reasons.append(Reason("withheld", f"the project is {project.status}: no file is offered"))
    kind = INSTALLABLE.get(f.packagetype)
    if kind is None:
        reasons.append(Reason("format", f"a {f.packagetype} file: pip and uv install none"))
    elif request.kind != "any" and kind != request.kind:
        reasons.append(Reason("kind", f"a {kind}; kind={request.kind} was asked for"))
    if request.variant is not None and f.variant != request.variant:
        has = f"variant {f.variant!r}" if f.variant else "no variant"
        reasons.append(Reason("variant", f"has {has}; variant={request.variant!r} was asked for"))
    if f.packagetype == "bdist_wheel" and not any(t in env.rank for t in f.tags):
        reasons += _tag_reasons(f.tags, env)
    if env.python is not None and f.requires_python:
        specifier = _requires_python(f.requires_python)
        # as pip does: an invalid Requires-Python does not exclude
        fits = specifier is None or specifier.contains(env.python, prereleases=True)
        if not fits:
            reasons.append(
                Reason(
                    "requires-python",
                    f"requires Python {f.requires_python}; this environment has {env.python}",
                )
            )
    return reasons


@lru_cache(maxsize=4096)
def _requires_python(text: str) -> SpecifierSet | None:
    """Parsed once: the same few Requires-Python strings recur across files and queries."""
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


@lru_cache(maxsize=8192)
def _version_key(version: str) -> tuple:
    return version_key(version)


def _tag_reasons(file_tags: Iterable[str], env: Environment) -> list[Reason]:
    parts = [t.split("-") for t in file_tags]
    platforms = sorted({p for _, _, p in parts})
    interpreters = sorted({i for i, _, _ in parts})
    reasons = []
    if not any(p in env.platform_set for p in platforms):
        reasons.append(Reason("platform", f"built for {', '.join(platforms)}; {_accepts(env)}"))
    # The environment's own Python: its interpreters with a version-specific or no ABI
    # (cp311 is accepted by a 3.12 environment only for abi3 wheels).
    own = {i for i, a in env.interpreter_abis if a not in ("abi3", "abi3t")}
    if not any(i in own or (i, a) in env.interpreter_abis for i, a, _ in parts):
        reasons.append(
            Reason("python", f"built for {', '.join(interpreters)}; {_python_text(env)}")
        )
    elif not any((i, a) in env.interpreter_abis for i, a, _ in parts):
        abis = sorted({a for _, a, _ in parts})
        accepted = sorted({a for i, a in env.interpreter_abis if i in interpreters})
        reasons.append(
            Reason("abi", f"needs ABI {', '.join(abis)}; this environment accepts "
                          f"{', '.join(accepted)}")
        )  # fmt: skip
    if not reasons:
        reasons.append(
            Reason("tags", f"no combination of its tags ({', '.join(sorted(file_tags))}) is "
                           "among the environment's")
        )  # fmt: skip
    return reasons


def _accepts(env: Environment) -> str:
    real = [p for p in env.platforms if p != "any"]
    if not real:
        return "no platform was stated, so only platform-independent files fit"
    shown = ", ".join(real[:4])
    more = f" and {len(real) - 4} more" if len(real) > 4 else ""
    return f"this environment accepts {shown}{more}"


def _python_text(env: Environment) -> str:
    if env.python is None:
        return "no Python version was stated, so only files for any Python 3 fit"
    short = "".join(map(str, env.python.release[:2]))
    name = IMPLEMENTATIONS.get(env.implementation or "", env.implementation or "Python")
    version = ".".join(map(str, env.python.release[:2]))
    return f"this environment is {name} {version} ({env.implementation}{short})"
