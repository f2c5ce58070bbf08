from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from visionyard.common.errors import DiskFull
from visionyard.storage.atomic import atomic_open, write_json, write_with
from visionyard.storage.run_folder import InvalidRunId, RunFolder


def test_a_failed_write_leaves_the_old_file_and_no_temp_files(tmp_path: Path):
    target = tmp_path / "run.json"
    write_json(target, {"status": "running"})

    def explode(handle):
        handle.write(b"{half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_with(target, explode)
    assert target.read_text() == '{\n  "status": "running"\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_no_space_left_is_a_disk_full_error_however_the_writer_wrapped_it(tmp_path: Path):
    target = tmp_path / "last.ckpt"
    write_json(target, {"epoch": 3})

    def full(handle):  # as torch.save reports it: a RuntimeError raised while handling the OSError
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise RuntimeError("unexpected pos 704 vs 598") from None

    with pytest.raises(DiskFull, match=r"the disk is full: no space left to write .*last\.ckpt"):
        write_with(target, full)
    assert target.read_text() == '{\n  "epoch": 3\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]


def test_a_new_attempt_drops_what_a_killed_one_left_half_written(tmp_path: Path):
    folder = RunFolder(tmp_path / "r1")
    folder.create()
    write_json(folder.checkpoints / "last.ckpt", {})
    half = [folder.checkpoints / ".last.ckpt.x1.tmp", folder.validation_epoch(2).root / ".records.json.x2.tmp"]
    complete, incomplete = folder.validation_epoch(1), folder.validation_epoch(2)
    complete.write({"metrics": {}}, [])
    write_json(incomplete.records_json, [])
    half.append(folder.root / f".run.json.{_ended_pid()}-x3.tmp")  # its writer (a killed worker) is gone
    keep = folder.root / f".run.json.{os.getpid()}-x4.tmp"  # another process is writing run.json now
    for path in [*half, keep]:
        path.write_bytes(b"half")

    folder.drop_partial_writes()
    assert not any(p.exists() for p in half) and not incomplete.root.exists()
    assert complete.exists() and (folder.checkpoints / "last.ckpt").is_file() and keep.exists()


def _ended_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temp_files_name_their_writer(tmp_path: Path):
    seen: list[str] = []
    with atomic_open(tmp_path / "run.json", "w") as handle:
        seen += [p.name for p in tmp_path.iterdir()]
        handle.write("{}")
    assert len(seen) == 1 and seen[0].startswith(f".run.json.{os.getpid()}-") and seen[0].endswith(".tmp")


def test_run_ids_cannot_leave_the_runs_folder(tmp_path: Path):
    for bad in ("../etc", "a/b", "", "A", "x" * 65, ".hidden"):
        with pytest.raises(InvalidRunId):
            RunFolder.of(tmp_path, bad)


def test_metrics_are_written_as_json_and_csv(tmp_path: Path):
    folder = RunFolder(tmp_path / "r1")
    folder.create()
    folder.write_metrics([{"epoch": 1, "train_loss": 0.5}, {"epoch": 2, "train_loss": 0.4, "val_acc": 0.9}])
    assert folder.metrics_csv.read_text().splitlines() == ["epoch,train_loss,val_acc", "1,0.5,", "2,0.4,0.9"]
    assert folder.read_metrics()[1]["val_acc"] == 0.9
