"""Fixtures for directory mode: an index and a folder of real artefacts it mirrors."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.folder.reconcile import Reconciler
from publisher.folder.settle import Settling
from publisher.store import Store, open_store
from tests.conftest import SHARED_ARTEFACTS

SIX_WHEEL = "six-1.16.0-py2.py3-none-any.whl"
SIX_SDIST = "six-1.16.0.tar.gz"
IDNA = "idna-3.10-py3-none-any.whl"
OLD_MARKUPSAFE = "MarkupSafe-2.1.5-cp39-cp39-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
NEW_MARKUPSAFE = "MarkupSafe-3.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"


def later() -> float:
    """A wall clock a minute ahead: every file in the folder has rested long enough."""
    return time.time() + 60


@dataclass
class Mirror:
    """A folder, the index mirroring it, and the reconciler between them."""

    folder: Path
    store: Store
    reconciler: Reconciler

    def put(self, name: str, where: str = "", as_name: str | None = None) -> Path:
        """Copy a real artefact into the folder (``where``: a subdirectory)."""
        target = self.folder / where / (as_name or name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED_ARTEFACTS / name, target)
        return target

    def run(self):
        return self.reconciler.run()

    def indexed(self) -> set[str]:
        return {f.filename for p in self.store.iter_projects() for r in p.releases for f in r.files}


def make_mirror(root: Path, settling: Settling | None = None) -> Mirror:
    folder = root / "folder"
    folder.mkdir(exist_ok=True)
    store = open_store(f"sqlite:///{root / 'index.db'}")
    store.set_folder_root(str(folder))
    reconciler = Reconciler(
        store,
        folder,
        exclude=[root / "files"],
        settling=settling or Settling(1.0, wall=later),
        files_dir=root / "files",
    )
    return Mirror(folder, store, reconciler)


def fresh_index(folder: Path, db: Path) -> Store:
    """An index of ``folder`` built from scratch at ``db``, in one reconciliation."""
    store = open_store(f"sqlite:///{db}")
    store.set_folder_root(str(folder))
    Reconciler(store, folder, settling=Settling(1.0, wall=later)).run()
    return store


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    made = make_mirror(tmp_path)
    yield made
    made.store.close()
