"""``ldindex ingest`` and ``ldindex show`` as a user runs them: a real process, real files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_ARTEFACTS as ARTEFACTS
from tests.conftest import shared_artefacts
from tests.ingest.bad_inputs import CASES
from tests.ingest.craft import write_wheel
from tests.ingest.wheel_cases import WHEEL_CASES
from tests.ingest.zip_cases import ZIP_CASES

LDINDEX = [sys.executable, "-c", "from publisher.cli import main; main()"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LDINDEX, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory whose default ./ldindex.db holds every shared artefact."""
    shared_artefacts()
    cwd = tmp_path_factory.mktemp("cli")
    result = run("ingest", str(ARTEFACTS), cwd=cwd)
    assert result.returncode == 0, result.stderr
    count = len(shared_artefacts())
    assert f"{count} files: {count} added, 0 skipped, 0 failed" in result.stdout
    assert (cwd / "ldindex.db").is_file() and (cwd / "ldindex-files").is_dir()
    return cwd


def test_show_prints_the_documented_shape(indexed: Path) -> None:
    result = run("show", "ATTRS", cwd=indexed)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["name"], shown["latest_version"]) == ("attrs", "25.3.0")
    (release,) = shown["releases"]
    assert release["metadata"]["license_expression"] == "MIT"
    assert release["metadata"]["requires_python"] == ">=3.8"
    (file,) = release["files"]
    assert file["filename"] == "attrs-25.3.0-py3-none-any.whl"
    assert set(file["hashes"]) == {"md5", "sha1", "sha256", "blake2b_256"}
    assert file["packagetype"] == "bdist_wheel"
    assert file["tags"] == ["py3-none-any"]
    assert file["size"] == (ARTEFACTS / file["filename"]).stat().st_size
    assert file["verified"] is True


def test_show_one_version_and_facts(indexed: Path) -> None:
    result = run("show", "markupsafe", "3.0.2", cwd=indexed)
    assert result.returncode == 0, result.stderr
    (release,) = json.loads(result.stdout)["releases"]
    assert release["version"] == "3.0.2"
    by_name = {f["filename"]: f for f in release["files"]}
    musl = by_name["MarkupSafe-3.0.2-cp312-cp312-musllinux_1_2_x86_64.whl"]
    assert musl["platforms"] == [
        {
            "platform_tag": "musllinux_1_2_x86_64",
            "os": "linux",
            "os_version": "1.2",
            "libc": "musl",
            "architectures": ["x86_64"],
        }
    ]
    assert by_name["MarkupSafe-3.0.2-cp312-cp312-win_amd64.whl"]["architectures"] == ["x86_64"]


def test_show_unknown_project_or_version_fails(indexed: Path) -> None:
    missing = run("show", "no-such-project", cwd=indexed)
    assert missing.returncode != 0 and "no project named 'no-such-project'" in missing.stderr
    wrong = run("show", "attrs", "9.9", cwd=indexed)
    assert wrong.returncode != 0 and "has no version '9.9'" in wrong.stderr


def test_reingest_skips_everything(indexed: Path) -> None:
    result = run("ingest", str(ARTEFACTS), cwd=indexed)
    count = len(shared_artefacts())
    assert result.returncode == 0
    assert f"{count} files: 0 added, {count} skipped, 0 failed" in result.stdout


def test_variant_and_comment(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, "labels")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = run(
        "ingest", "--db", db, "--variant", "avx2", "--comment", "nightly", str(wheel), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    (file,) = json.loads(run("show", "labels", "--db", db, cwd=tmp_path).stdout)["releases"][0][
        "files"
    ]
    assert (file["variant"], file["comment"]) == ("avx2", "nightly")


def test_bad_batch_reports_each_file_on_one_line(tmp_path: Path) -> None:
    """Every bad input in one batch (limits that fail no other case), next to a good file."""
    batch = tmp_path / "batch"
    batch.mkdir()
    everything = [*CASES, *ZIP_CASES, *WHEEL_CASES]
    cases = [c for c in everything if not c.limits and c.id != "unrecognised-filename"]
    bad = [case.build(batch) for case in cases]
    good = write_wheel(batch, "zzgood")
    result = run("ingest", "--db", f"sqlite:///{tmp_path / 'b.db'}", str(batch), cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(bad)
    for case, path in zip(cases, bad, strict=True):
        (line,) = [e for e in errors if e.startswith(f"error: {path}: ")]
        assert re.search(case.reason, line), line
    assert f"{len(bad) + 1} files: 1 added, 0 skipped, {len(bad)} failed" in result.stdout
    shown = json.loads(
        run("show", "zzgood", "--db", f"sqlite:///{tmp_path / 'b.db'}", cwd=tmp_path).stdout
    )
    assert shown["releases"][0]["files"][0]["filename"] == good.name


def test_limits_from_the_command_line(tmp_path: Path) -> None:
    (case,) = [c for c in CASES if c.id == "too-many-members"]
    bad = case.build(tmp_path)
    db = f"sqlite:///{tmp_path / 'l.db'}"
    refused = run("ingest", "--db", db, "--max-members", "5", str(bad), cwd=tmp_path)
    assert refused.returncode == 1
    assert "14 members (limit 5)" in refused.stderr
    accepted = run("ingest", "--db", db, str(bad), cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr


def test_no_verify_members_skips_content_checks_only(tmp_path: Path) -> None:
    """--no-verify-members takes a wheel whose member differs from RECORD, published as not
    verified; structure checks still refuse parser confusion. The default refuses both."""
    (damaged,) = [c for c in WHEEL_CASES if c.id == "wheel-member-hash-differs-from-record"]
    (confusing,) = [c for c in ZIP_CASES if c.id == "zip-member-only-in-local-headers"]
    paths = [damaged.build(tmp_path), confusing.build(tmp_path)]
    trusted = f"sqlite:///{tmp_path / 'trusted.db'}"
    result = run("ingest", "--db", trusted, "--no-verify-members", *map(str, paths), cwd=tmp_path)
    assert result.returncode == 1
    assert "2 files: 1 added, 0 skipped, 1 failed" in result.stdout
    assert "is not in the central directory" in result.stderr
    (file,) = json.loads(run("show", "hashed", "--db", trusted, cwd=tmp_path).stdout)["releases"][
        0
    ]["files"]
    assert file["verified"] is False

    default = f"sqlite:///{tmp_path / 'default.db'}"
    result = run("ingest", "--db", default, *map(str, paths), cwd=tmp_path)
    assert "2 files: 0 added, 0 skipped, 2 failed" in result.stdout
    assert "does not match its sha256 hash in RECORD" in result.stderr
    explicit = run("ingest", "--db", default, "--verify-members", str(paths[0]), cwd=tmp_path)
    assert explicit.returncode == 1 and "does not match its sha256 hash" in explicit.stderr


def test_help_everywhere(tmp_path: Path) -> None:
    for verb in ("ingest", "show", "serve", "build"):
        result = run(verb, "--help", cwd=tmp_path)
        assert result.returncode == 0 and "--db" in result.stdout
    ingest_help = run("ingest", "--help", cwd=tmp_path).stdout
    assert "--verify-members / --no-verify-members" in ingest_help
    assert run("--help", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("fmt", ["jsonld", "turtle", "nt"])
def test_show_linked_data_formats(indexed: Path, fmt: str) -> None:
    from rdflib import Graph, Literal, URIRef

    from crosswalk.jsonld import graph_from_jsonld

    result = run(
        "show", "attrs", "25.3.0", "--format", fmt, "--base-url", "https://x.org", cwd=indexed
    )
    assert result.returncode == 0, result.stderr
    if fmt == "jsonld":
        graph = graph_from_jsonld(json.loads(result.stdout))
    else:
        graph = Graph().parse(data=result.stdout, format=fmt)
    release = URIRef("https://x.org/project/attrs/25.3.0/")
    assert graph.value(release, URIRef("http://schema.org/version")) == Literal("25.3.0")


def test_build_writes_a_static_site(indexed: Path, tmp_path: Path) -> None:
    result = run("build", str(tmp_path / "site"), "--base-url", "https://x.org", cwd=indexed)
    assert result.returncode == 0, result.stderr
    assert "exported 19 projects" in result.stderr
    site = tmp_path / "site"
    assert (site / "simple" / "attrs" / "index.json").is_file()
    assert (site / "project" / "attrs" / "25.3.0" / "codemeta.json").is_file()
    assert "https://x.org/project/attrs/" in (site / "sitemap.xml").read_text()
    refused = run("build", str(indexed), cwd=indexed)  # not an earlier export: left alone
    assert refused.returncode == 1 and refused.stderr.startswith("error: ")


def test_show_lists_commands_and_entry_points(tmp_path: Path) -> None:
    entry_points = (
        "[console_scripts]\nzzcmd = zzcmd.cli:main\n\n"
        "[gui_scripts]\nzzcmd-gui = zzcmd.gui:run\n\n"
        "[zzcmd.plugins]\nextra = zzcmd.plugins:extra\n"
    )
    members = {"zzcmd-1.0.dist-info/entry_points.txt": entry_points, "zzcmd/__init__.py": ""}
    wheel = write_wheel(tmp_path, "zzcmd", members=members)
    assert run("ingest", str(wheel), cwd=tmp_path).returncode == 0
    result = run("show", "zzcmd", "1.0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (release,) = json.loads(result.stdout)["releases"]
    assert release["commands"] == {
        "console_scripts": {"zzcmd": "zzcmd.cli:main"},
        "gui_scripts": {"zzcmd-gui": "zzcmd.gui:run"},
    }
    assert release["entry_points"]["zzcmd.plugins"] == {"extra": "zzcmd.plugins:extra"}
