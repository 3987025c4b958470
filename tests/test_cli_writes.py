"""``ldindex token``, ``yank``/``unyank`` and ``show`` with extrinsic metadata, as a user runs
them: a real process on a real index."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crosswalk.records import Target
from publisher.store import Author, open_store
from publisher.tokens import authenticate
from tests.conftest import IndexedData, writable_index

LDINDEX = [sys.executable, "-c", "from publisher.cli import main; main()"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LDINDEX, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> IndexedData:
    return writable_index(tmp_path_factory.mktemp("cli-writes"))


def test_token_create_list_revoke(data: IndexedData, tmp_path: Path) -> None:
    made = run("token", "create", "--scope", "project:MarkupSafe", "--name", "ci", "--expires",
               "30d", "--db", data.db_url, cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    text = made.stdout.strip()
    parts = re.fullmatch(r"ldx_([0-9a-f]{12})_([A-Za-z0-9_-]{43})", text)
    assert parts, text
    assert "not shown again" in made.stderr and text not in made.stderr
    token_id, secret = parts[1], parts[2]

    store = open_store(data.db_url)
    record = store.get_token(token_id)
    assert record is not None and record.scope == "project:markupsafe"
    assert secret not in record.secret_hash  # only a hash is stored
    principal = authenticate(store, text, datetime.now(UTC))
    assert principal.may_write("MarkupSafe") and not principal.may_write("requests")
    store.close()
    raw = (Path(data.db_url.removeprefix("sqlite:///"))).read_bytes()
    assert secret.encode() not in raw

    listed = run("token", "list", "--json", "--db", data.db_url, cwd=tmp_path)
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert rows[token_id]["state"] == "active" and rows[token_id]["name"] == "ci"
    assert text not in listed.stdout

    assert run("token", "revoke", token_id, "--db", data.db_url, cwd=tmp_path).returncode == 0
    again = run("token", "revoke", token_id, "--db", data.db_url, cwd=tmp_path)
    assert again.returncode == 1 and "already revoked" in again.stderr
    listed = json.loads(run("token", "list", "--json", "--db", data.db_url, cwd=tmp_path).stdout)
    assert {r["id"]: r["state"] for r in listed}[token_id] == "revoked"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scope", "root"], "use 'admin' or 'project:NAME'"),
        (["--scope", "admin", "--expires", "soon"], "give a lifetime"),
        (["--scope", "admin", "--expires", "2001-01-01"], "in the past"),
    ],
)
def test_token_create_refuses_bad_options(
    data: IndexedData, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run("token", "create", *args, "--db", data.db_url, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr


def test_yank_and_unyank_from_the_cli(data: IndexedData, tmp_path: Path) -> None:
    yanked = run("yank", "MarkupSafe", "2.1.5", "--reason", "broken on 3.13", "--db",
                 data.db_url, cwd=tmp_path)  # fmt: skip
    assert yanked.returncode == 0, yanked.stderr
    store = open_store(data.db_url)
    release = store.get_release("markupsafe", "2.1.5")
    assert release.yanked and release.yanked_reason == "broken on 3.13"
    store.close()
    wheel = "MarkupSafe-3.0.2-cp312-cp312-win_amd64.whl"
    assert run("yank", "markupsafe", "3.0.2", wheel, "--reason", "bad", "--db", data.db_url,
               cwd=tmp_path).returncode == 0  # fmt: skip
    assert run("unyank", "markupsafe", "2.1.5", "--db", data.db_url, cwd=tmp_path).returncode == 0
    store = open_store(data.db_url)
    assert not store.get_release("markupsafe", "2.1.5").yanked
    assert store.get_file(wheel).yanked_reason == "bad"
    events = store.admin_events("markupsafe")
    assert [e.action for e in events] == ["yank", "yank", "unyank"]
    assert events[0].author.startswith("cli:")
    store.close()
    missing = run("yank", "markupsafe", "9.9", "--reason", "x", "--db", data.db_url, cwd=tmp_path)
    assert missing.returncode == 1 and "no release '9.9'" in missing.stderr
    no_reason = run("yank", "markupsafe", "3.0.2", "--db", data.db_url, cwd=tmp_path)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr


def test_show_serves_the_correction_beside_the_published_requirements(
    data: IndexedData, tmp_path: Path
) -> None:
    store = open_store(data.db_url)
    item = store.create_item(
        "dependency-correction",
        Target("requests", "2.32.3"),
        {"requires_dist": ["idna>=3.10", "urllib3<3"]},
        Author("curator", "abc"),
        "idna 3.7 has a bug",
    )
    store.close()
    shown = json.loads(run("show", "requests", "2.32.3", "--db", data.db_url, cwd=tmp_path).stdout)
    release = shown["releases"][0]
    assert "idna <4,>=2.5" in release["metadata"]["requires_dist"]  # untouched
    corrected = release["requires_dist_corrected"]
    assert corrected["corrected"] is True
    assert corrected["requires_dist"] == ["idna>=3.10", "urllib3<3"]
    assert corrected["item"] == item.item_id
    assert corrected["provenance"]["author"] == "curator"
    assert corrected["provenance"]["reason"] == "idna 3.7 has a bug"
    assert corrected["provenance"]["revision"] == 1
    turtle = run("show", "requests", "2.32.3", "--format", "turtle", "--db", data.db_url,
                 cwd=tmp_path).stdout  # fmt: skip
    assert "ldx:correctedDependencies" in turtle and "ldx:corrected true" in turtle
