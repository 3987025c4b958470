"""The watcher: reconcile on start, then on every burst of events, by inotify or polling."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import watchfiles

from publisher.folder.service import WatchConfig, WatchFailed, reconcile_once, watch_folder
from publisher.store import open_store
from tests.conftest import SHARED_ARTEFACTS

from .conftest import IDNA, SIX_WHEEL


def eventually(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.05)


class Running:
    """``watch_folder`` on a thread, with what it reported when ready."""

    def __init__(self, config: WatchConfig) -> None:
        self.config = config
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.first = None
        self.method = ""
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(30) or self.error, "the watcher did not start"

    def _run(self) -> None:
        def ready(report, method: str) -> None:
            self.first, self.method = report, method
            self.ready.set()

        try:
            watch_folder(self.config, self.stop, ready)
        except BaseException as exc:
            self.error = exc
            self.ready.set()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()


def indexed(config: WatchConfig) -> set[str]:
    store = open_store(config.db_url)
    try:
        return {f.filename for p in store.iter_projects() for r in p.releases for f in r.files}
    finally:
        store.close()


@pytest.fixture(params=["inotify", "polling"])
def config(request: pytest.FixtureRequest, tmp_path: Path) -> WatchConfig:
    folder = tmp_path / "folder"
    folder.mkdir()
    return WatchConfig(
        f"sqlite:///{tmp_path / 'index.db'}",
        folder,
        tmp_path / "files",
        quiet=0.3,
        poll=request.param == "polling",
    )


@pytest.fixture
def running(config: WatchConfig) -> Iterator[Running]:
    shutil.copyfile(SHARED_ARTEFACTS / SIX_WHEEL, config.folder / SIX_WHEEL)
    time.sleep(0.4)  # rested before the start: taken by the first reconciliation
    watcher = Running(config)
    yield watcher
    watcher.close()


def test_changes_are_followed_until_stopped(running: Running, config: WatchConfig) -> None:
    assert running.error is None
    assert running.first.added == [SIX_WHEEL]
    assert running.method == ("polling" if config.poll else "file-system notifications")
    (config.folder / "sub").mkdir()
    shutil.copyfile(SHARED_ARTEFACTS / IDNA, config.folder / "sub" / IDNA)
    eventually(lambda: indexed(config) == {SIX_WHEEL, IDNA})
    (config.folder / SIX_WHEEL).unlink()
    eventually(lambda: indexed(config) == {IDNA})
    shutil.rmtree(config.folder / "sub")  # a whole directory at once
    eventually(lambda: indexed(config) == set())
    store = open_store(config.db_url)
    try:
        assert store.folder_root() == str(config.folder)
    finally:
        store.close()


def test_one_watcher_per_index(running: Running, config: WatchConfig) -> None:
    second = Running(config)
    assert isinstance(second.error, WatchFailed)
    assert "already keeps this index in step" in str(second.error)
    with pytest.raises(WatchFailed, match="already keeps this index in step"):
        reconcile_once(config)


def test_events_on_work_in_progress_and_the_index_itself_do_not_wake_it(
    config: WatchConfig,
) -> None:
    from publisher.folder.reconcile import Reconciler
    from publisher.folder.watcher import FolderWatcher

    store = open_store(config.db_url)
    try:
        watcher = FolderWatcher(Reconciler(store, config.folder), ignore=config.ignored())
        root = config.folder
        added = watchfiles.Change.added
        assert watcher.wakes(added, str(root / SIX_WHEEL))
        assert watcher.wakes(added, str(root / "sub"))  # a directory: may hold artefacts
        assert not watcher.wakes(added, str(root / f"{SIX_WHEEL}.part"))
        assert not watcher.wakes(added, str(root / ".git" / "index"))
        assert not watcher.wakes(added, str(root.parent / "elsewhere.whl"))
        inside = WatchConfig(f"sqlite:///{root / 'index.db'}", root, root / "files")
        watcher = FolderWatcher(Reconciler(store, root), ignore=inside.ignored())
        assert not watcher.wakes(added, str(root / "index.db-wal"))
        assert not watcher.wakes(added, str(root / "files" / "ab" / "cd" / SIX_WHEEL))
    finally:
        store.close()


def test_a_missing_folder_is_refused_at_start(tmp_path: Path) -> None:
    config = WatchConfig(f"sqlite:///{tmp_path / 'i.db'}", tmp_path / "nope", tmp_path / "f")
    with pytest.raises(WatchFailed, match="not a directory"):
        reconcile_once(config)


def test_a_folder_that_goes_leaves_the_index_and_is_watched_again_when_back(
    config: WatchConfig, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    import publisher.folder.watcher as watcher_module

    monkeypatch.setattr(watcher_module, "RETRY", 0.3)
    caplog.set_level(logging.INFO, "ldindex.folder")
    shutil.copyfile(SHARED_ARTEFACTS / SIX_WHEEL, config.folder / SIX_WHEEL)
    time.sleep(0.4)
    running = Running(config)
    try:
        config.folder.rename(config.folder.with_name("away"))  # unmounted: not an empty folder
        eventually(lambda: any("cannot read the folder" in r.getMessage() for r in caplog.records))
        assert indexed(config) == {SIX_WHEEL}
        config.folder.mkdir()
        shutil.copyfile(SHARED_ARTEFACTS / IDNA, config.folder / IDNA)
        eventually(lambda: indexed(config) == {IDNA})
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1  # said once while it lasted
        # and it is watched again: a change shows well before a rescan would find it
        assert watcher_module.RESCAN >= 60
        (config.folder / IDNA).unlink()
        eventually(lambda: indexed(config) == set(), timeout=30)
    finally:
        running.close()
