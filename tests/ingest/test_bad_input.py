"""Each kind of bad input fails alone, with one line naming the file and why, leaving nothing:
unsafe or corrupt archives, zip parser confusion, wheels inconsistent with themselves."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from publisher.ingest import Limits

from .bad_inputs import CASES, BadInput
from .conftest import Index
from .craft import metadata_text, write_sdist, write_wheel
from .wheel_cases import WHEEL_CASES
from .zip_cases import ZIP_CASES

ALL_CASES = [*CASES, *ZIP_CASES, *WHEEL_CASES]


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_bad_input_fails_alone(index: Index, tmp_path: Path, case: BadInput) -> None:
    bad = case.build(tmp_path)
    good = write_wheel(tmp_path, "zzgood")  # after the bad file, in the same batch
    outcomes = index.run([bad, good], limits=replace(Limits(), **case.limits))
    assert [(o.path, o.status) for o in outcomes] == [(bad, "failed"), (good, "added")]
    message = outcomes[0].message
    assert "\n" not in message
    assert message.startswith(f"{bad}: ")
    assert re.search(case.reason, message), message
    index.assert_nothing_of(bad.name)
    assert index.store.get_file(good.name) is not None


def test_corrupt_member_passes_unverified(index: Index, tmp_path: Path) -> None:
    """The member check is what catches it: without it (--no-verify-members) the file goes
    in, published as not verified."""
    (case,) = [c for c in CASES if c.id == "corrupt-member"]
    path = case.build(tmp_path)
    (outcome,) = index.run([path], limits=Limits(verify=False))
    assert outcome.status == "added"
    stored = index.store.get_file(path.name)
    assert stored is not None and stored.verified is False


@pytest.mark.parametrize("declared", ["2.7", "3.0"])
def test_newer_metadata_version_is_stored_with_a_warning(
    index: Index, tmp_path: Path, declared: str
) -> None:
    text = metadata_text("future", "1.0", declared, ["Requires-Python: >=3.9", "Summary: s"])
    wheel = write_wheel(tmp_path, "future", metadata=text)
    (outcome,) = index.run([wheel])
    assert outcome.status == "added", outcome.message
    assert any(f"Metadata-Version {declared} is newer" in w for w in outcome.warnings)
    stored = index.store.get_file(wheel.name)
    assert stored is not None
    assert stored.metadata_version == declared
    assert stored.requires_python == ">=3.9"
    assert index.store.metadata_bytes(wheel.name) == text.encode()


def test_invalid_fields_are_kept_raw_with_a_warning(index: Index, tmp_path: Path) -> None:
    extra = ["Requires-Python: >=>3", "Requires-Dist: foo >=> 1", "Requires-Dist: bar>=1"]
    sdist = write_sdist(tmp_path, "sloppy", metadata=metadata_text("sloppy", "1.0", "2.1", extra))
    (outcome,) = index.run([sdist])
    assert outcome.status == "added", outcome.message
    fields = sorted(re.findall(r"field '([\w-]+)' kept unvalidated", " ".join(outcome.warnings)))
    assert fields == ["requires-dist", "requires-python"]
    release = index.store.get_release("sloppy", "1.0")
    assert release is not None
    assert release.metadata["requires_python"] == ">=>3"
    assert release.metadata["requires_dist"] == ["foo >=> 1", "bar>=1"]
