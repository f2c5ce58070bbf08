"""The artifact store against moto's S3 server: pushes of changed files only, pulls on read, deletes."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.s3 import S3Server
from tests.server import free_port
from visionyard.config import Settings
from visionyard.engine.reporting import NullReporter
from visionyard.storage.artifacts import MANIFEST, ArtifactStore, RemoteStore, artifact_store
from visionyard.storage.run_folder import RunFolder
from visionyard.storage.s3 import S3_CONFIG, CorruptDownload, StorageError
from visionyard.worker.syncing import FolderPusher, PushingReporter


def make_run(settings: Settings, run_id: str = "r1") -> RunFolder:
    folder = RunFolder.of(settings.runs_dir, run_id)
    folder.create()
    folder.write_run({"id": run_id, "status": "completed"})
    folder.write_config({"epochs": 1})
    folder.best_ckpt.write_bytes(b"best" * 1000)
    folder.last_ckpt.write_bytes(b"last" * 1000)
    folder.log_file.write_text("epoch 1\n")
    (folder.checkpoints / ".last.ckpt.x1y2.tmp").write_bytes(b"half a checkpoint")
    (folder.root / "bundle.partial").write_bytes(b"half a zip")
    return folder


def bump(path: Path, data: bytes) -> None:
    """Rewrite a file with a modification time that surely differs from the last one."""
    before = path.stat().st_mtime_ns
    path.write_bytes(data)
    os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def test_a_run_folder_is_pushed_changed_files_only_and_deletions_follow_on_request(
    settings: Settings, s3: S3Server, bucket
):
    store = artifact_store(settings)
    assert store is artifact_store(settings) and store.remote
    assert store.describe() == f"s3://{bucket}/store via {s3.endpoint}"
    folder = make_run(settings)

    assert store.push(folder.root) == 5
    keys = s3.keys(bucket)
    assert keys == [
        f"store/runs/r1/{name}"
        for name in ("checkpoints/best.ckpt", "checkpoints/last.ckpt", "config.json", "logs/training.log", "run.json")
    ]  # temp files, partial files and the manifest stay local
    assert s3.get(bucket, "store/runs/r1/checkpoints/best.ckpt") == b"best" * 1000
    assert (folder.root / MANIFEST).is_file()

    assert store.push(folder.root) == 0  # nothing changed
    bump(folder.last_ckpt, b"LAST" * 1000)  # same size, new content: told apart by the modification time
    folder.update_run(status="completed", error=None)
    assert store.push(folder.root) == 2
    assert s3.get(bucket, "store/runs/r1/checkpoints/last.ckpt") == b"LAST" * 1000
    assert json.loads(s3.get(bucket, "store/runs/r1/run.json"))["error"] is None

    folder.best_ckpt.unlink()  # evicted here, or removed by the run (a pruned checkpoint, an old validation epoch)
    assert store.push(folder.root) == 0
    assert "store/runs/r1/checkpoints/best.ckpt" in s3.keys(bucket)  # by default a push never removes
    assert store.push(folder.root, remove_deleted=True) == 0  # the folder is whole here: deletions follow
    assert "store/runs/r1/checkpoints/best.ckpt" not in s3.keys(bucket)

    assert store.push(folder.run_json) == 1  # one file: always sent


def test_missing_files_are_pulled_back_atomically_and_never_overwrite_local_ones(settings: Settings, s3, bucket):
    store = artifact_store(settings)
    folder = make_run(settings)
    store.push(folder.root)
    for path in folder.checkpoints.iterdir():
        path.unlink()
    assert store.exists(folder.best_ckpt) and not folder.best_ckpt.exists()

    assert store.ensure_local(folder.best_ckpt) == folder.best_ckpt
    assert folder.best_ckpt.read_bytes() == b"best" * 1000
    assert sorted(p.name for p in folder.checkpoints.iterdir()) == ["best.ckpt"]  # no temp file left

    missing = folder.checkpoints / "epoch-0009.ckpt"
    assert store.ensure_local(missing) == missing and not missing.exists() and not store.exists(missing)

    folder.config_json.write_text('{"epochs": 2}')  # a local file is the working copy: never replaced
    assert store.ensure_local(folder.root) == folder.root
    assert folder.last_ckpt.read_bytes() == b"last" * 1000
    assert json.loads(folder.config_json.read_text()) == {"epochs": 2}

    gone = RunFolder.of(settings.runs_dir, "r1")
    shutil.rmtree(gone.root)  # a fresh host: the whole folder comes back
    store.ensure_local(gone.root)
    assert gone.read_run()["status"] == "completed" and gone.log_file.read_text() == "epoch 1\n"


def test_a_log_another_host_writes_is_caught_up_and_one_written_here_is_kept(settings: Settings, s3, bucket):
    store = artifact_store(settings)
    folder = make_run(settings)
    store.push(folder.log_file)
    folder.log_file.write_text("epoch 1\nepoch 2\n")  # written on here since the push: longer than the store's
    assert store.catch_up(folder.log_file) == folder.log_file
    assert folder.log_file.read_text() == "epoch 1\nepoch 2\n"

    store.push(folder.log_file)
    folder.log_file.write_text("epoch 1\n")  # this host's copy is behind (a node pushed more)
    store.catch_up(folder.log_file)
    assert folder.log_file.read_text() == "epoch 1\nepoch 2\n"
    folder.log_file.unlink()
    store.catch_up(folder.log_file)
    assert folder.log_file.read_text() == "epoch 1\nepoch 2\n"
    missing = folder.root / "logs" / "rank-1.log"
    assert store.catch_up(missing) == missing and not missing.exists()


def test_a_private_copy_is_the_stores_file_whatever_the_working_copy_holds(settings: Settings, s3, bucket):
    store = artifact_store(settings)
    folder = make_run(settings)
    store.push(folder.root)
    folder.best_ckpt.write_bytes(b"an earlier attempt's")  # a node's stale working copy
    copy = store.pull_copy(folder.best_ckpt, folder.root / "tests" / "t1" / ".inputs" / "best.ckpt")
    assert copy.read_bytes() == b"best" * 1000 and folder.best_ckpt.read_bytes() == b"an earlier attempt's"
    with pytest.raises(StorageError, match="is not in"):
        store.pull_copy(folder.checkpoints / "epoch-0009.ckpt", folder.root / ".inputs" / "epoch-0009.ckpt")


def test_delete_removes_one_run_and_nothing_beside_it(settings: Settings, s3: S3Server, bucket):
    store = artifact_store(settings)
    for run_id in ("r1", "r10"):
        store.push(make_run(settings, run_id).root)
    store.delete(settings.runs_dir / "r1")
    assert s3.keys(bucket, "store/runs/r1/") == []
    assert len(s3.keys(bucket, "store/runs/r10/")) == 5
    store.delete(settings.runs_dir / "r10" / "run.json")
    assert "store/runs/r10/run.json" not in s3.keys(bucket)
    store.delete(settings.runs_dir / "never-pushed")  # nothing there: nothing to do


def test_paths_outside_home_are_refused(settings: Settings, tmp_path: Path):
    for store in (artifact_store(settings), ArtifactStore(settings.root)):
        for path in (tmp_path / "elsewhere", settings.root, settings.runs_dir / ".." / ".." / "x"):
            with pytest.raises(ValueError, match="not inside"):
                store.push(path)
            with pytest.raises(ValueError, match="not inside"):
                store.ensure_local(path)
            with pytest.raises(ValueError, match="not inside"):
                store.delete(path)


def test_without_a_storage_url_home_is_the_store(tmp_path: Path):
    settings = Settings(home=tmp_path / "home")
    store = artifact_store(settings)
    folder = make_run(settings)
    assert not store.remote and store.push(folder.root) == 0 and not (folder.root / MANIFEST).exists()
    folder.best_ckpt.unlink()
    assert store.ensure_local(folder.best_ckpt) == folder.best_ckpt and not store.exists(folder.best_ckpt)
    assert "local folder" in store.describe()


def test_a_folder_url_is_a_store_too(tmp_path: Path):
    """Any fsspec URL works the same way; a plain folder gets its uploads by rename."""
    settings = Settings(home=tmp_path / "home", storage_url=(tmp_path / "nas").as_uri())
    store = artifact_store(settings)
    folder = make_run(settings)
    assert store.push(folder.root) == 5
    assert (tmp_path / "nas" / "runs" / "r1" / "checkpoints" / "last.ckpt").read_bytes() == b"last" * 1000
    assert not list((tmp_path / "nas").rglob("*.partial"))
    folder.last_ckpt.unlink()
    assert store.ensure_local(folder.last_ckpt).read_bytes() == b"last" * 1000


def test_a_download_that_does_not_match_its_listing_is_refused(settings: Settings, s3, bucket, monkeypatch):
    store = artifact_store(settings)
    assert isinstance(store, RemoteStore)
    folder = make_run(settings)
    store.push(folder.root)
    folder.best_ckpt.unlink()

    real = store.fs.get_file

    def flipped(rpath: str, lpath: str, **kwargs) -> None:
        real(rpath, lpath, **kwargs)
        data = bytearray(Path(lpath).read_bytes())
        data[0] ^= 0xFF  # same size: only the MD5 of the ETag can tell
        Path(lpath).write_bytes(bytes(data))

    monkeypatch.setattr(store.fs, "get_file", flipped)
    with pytest.raises(CorruptDownload, match="MD5"):
        store.ensure_local(folder.best_ckpt)
    assert sorted(p.name for p in folder.checkpoints.iterdir()) == [".last.ckpt.x1y2.tmp", "last.ckpt"]


def test_an_unreachable_store_fails_pushes_clearly_and_never_stops_training(tmp_path: Path, s3, caplog, monkeypatch):
    monkeypatch.setitem(S3_CONFIG, "retries", {"max_attempts": 1, "mode": "standard"})  # fail fast
    dead = f"http://127.0.0.1:{free_port()}"
    settings = Settings(home=tmp_path / "home", storage_url="s3://nowhere/x", s3_endpoint_url=dead)
    store = artifact_store(settings)
    folder = make_run(settings)
    started = time.monotonic()
    with pytest.raises(StorageError, match="cannot upload"):
        store.push(folder.root)
    assert time.monotonic() - started < 20
    assert json.loads((folder.root / MANIFEST).read_text())["files"] == {}

    pusher = FolderPusher(store, folder.root, attempts=1)
    reporter = PushingReporter(NullReporter(), pusher)
    with caplog.at_level(logging.WARNING, logger="visionyard.worker"):
        reporter.checkpoint_saved("last", str(folder.last_ckpt), 1, 10)  # in the background: returns at once
        assert pusher.close() is False
    assert "stays whole here" in caplog.text


def test_checkpoints_reported_during_training_are_pushed_in_the_background(settings: Settings, s3, bucket):
    store = artifact_store(settings)
    folder = make_run(settings)
    pusher = FolderPusher(store, folder.root)
    reporter = PushingReporter(NullReporter(), pusher)
    reporter.checkpoint_saved("best", str(folder.best_ckpt), 1, 10)
    deadline = time.monotonic() + 20
    while "store/runs/r1/checkpoints/best.ckpt" not in s3.keys(bucket) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "store/runs/r1/checkpoints/best.ckpt" in s3.keys(bucket)
    folder.update_run(status="stopped")
    assert pusher.close() is True
    assert json.loads(s3.get(bucket, "store/runs/r1/run.json"))["status"] == "stopped"
    reporter.checkpoint_removed(str(folder.best_ckpt))  # after close: ignored, no thread left behind
    reporter.epoch_end({"epoch": 1})  # passed on
