from __future__ import annotations

from pathlib import Path

import pytest

from visionyard.storage.atomic import write_json, write_with
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
