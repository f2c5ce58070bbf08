"""The CLI as a user runs it: a real subprocess, a real run folder."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import TINY, last_json, run_cli
from tests.server import prepare_home
from visionyard.common.tasks import headline
from visionyard.config import Settings
from visionyard.core.context import Context
from visionyard.core.runs import get_run
from visionyard.db.models import Job

TINY_ARGS = [arg for key, value in TINY.items() if key != "epochs" for arg in ("--set", f"{key}={value}")]


@pytest.mark.slow
def test_train_json_reports_the_run_and_writes_its_folder(shared_home: Path, tiny_dataset: Path):
    args = ["small_cnn", str(tiny_dataset), "--epochs", "2", "--lr", "0.01", *TINY_ARGS, "--json"]
    result = run_cli("train", *args, home=shared_home, env={"VISIONYARD_HEARTBEAT_INTERVAL": "0.01"})
    assert result.returncode == 0, result.stderr
    report = last_json(result.stdout)
    assert report["status"] == "completed" and report["epochs_completed"] == 2
    assert report["best_metrics"]["monitor"] == "val_acc" and "val_acc" in report["final_metrics"]
    run_dir = Path(report["run_dir"])
    assert json.loads((run_dir / "config.json").read_text())["lr"] == 0.01
    assert json.loads((run_dir / "run.json").read_text())["status"] == "completed"
    for noise in ("litlogger", "GPU available", "deprecated", "INFO"):  # Lightning's, for the run's log only
        assert noise not in result.stderr, result.stderr
    assert "GPU available" in (run_dir / "logs" / "training.log").read_text()
    assert "epoch 2/2" in result.stderr and "images/s: " in result.stderr and "run left: 0:00:" in result.stderr
    assert "it/s" not in result.stderr
    with Context(Settings(home=shared_home)).db.session() as session:
        recorded = get_run(session, report["run_id"])
        assert (recorded.status, recorded.attempt, recorded.current_epoch) == ("completed", 1, 2)


@pytest.mark.slow
def test_train_with_serve_export_makes_the_onnx_export_here(shared_home: Path, tiny_dataset: Path):
    args = ["small_cnn", str(tiny_dataset), "--epochs", "1", *TINY_ARGS, "--serve-export", "--json"]
    result = run_cli("train", *args, home=shared_home)
    assert result.returncode == 0, result.stderr
    report = last_json(result.stdout)
    assert report["status"] == "completed"
    made = report["serve_export"]
    assert made["status"] in ("completed", "failed_parity"), made
    assert f"export {made['id']} for serving: checkpoints/best.ckpt to ONNX" in result.stderr
    with Context(Settings(home=shared_home)).db.session() as session:
        run = get_run(session, report["run_id"])
        job = session.get_one(Job, made["id"])
        assert run.serve_export and job.run_id == run.id and job.status == made["status"]
        assert (job.params["format"], job.params["checkpoint_kind"]) == ("onnx", "best")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "resnet81", "DATA"], "unknown model 'resnet81'; did you mean resnet18"),
        (["train", "small_cnn", "DATA", "--set", "optimizer.kind=sgd"], "optimizer.kind: unknown key"),
        (["train", "small_cnn", "DATA", "--set", "epochs=-1"], "epochs: Input should be greater than or equal to 1"),
        (["train", "small_cnn", "DATA", "--set", "lr"], "--set lr: expected key=value"),
        (["train", "small_cnn", "no-such-data"], "dataset 'no-such-data' not found"),
        (["train", "--resume", "../../etc"], "invalid run id '../../etc'"),
        (["train", "--resume", "20260101-000000-abcdef", "--serve-export"], "--resume takes no model, dataset"),
        (["models", "show", "mobilenet"], "did you mean mobilenet_v3_small"),
        (["train", "unet", "DATA"], "'unet' is a segmentation model and needs a coco or masks dataset"),
    ],
)
def test_bad_input_exits_non_zero_with_one_clear_line(args, message, shared_home: Path, tiny_dataset: Path):
    result = run_cli(*[str(tiny_dataset) if a == "DATA" else a for a in args], home=shared_home)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "task"),
    [("fasterrcnn_mobilenet_v3_320", "detection"), ("unet", "segmentation"), ("snunet_cbam", "change_detection")],
)
def test_train_runs_every_task(model: str, task: str, shared_home: Path, task_datasets: dict[str, Path]):
    data = str(task_datasets[task])
    result = run_cli(
        "train", model, data, "--epochs", "2", *TINY_ARGS, "--set", "batch_size=4", "--json", home=shared_home
    )
    assert result.returncode == 0, result.stderr
    report = last_json(result.stdout)
    assert (report["status"], report["epochs_completed"]) == ("completed", 2)
    assert report["best_metrics"]["monitor"] == headline(task) and headline(task) in report["final_metrics"]
    run_dir = Path(report["run_dir"])
    assert (run_dir / "checkpoints" / "best.ckpt").is_file() and (run_dir / "checkpoints" / "last.ckpt").is_file()
    assert [row["epoch"] for row in json.loads((run_dir / "metrics.json").read_text())] == [1, 2]


def test_an_empty_dataset_fails_the_run_with_the_check_report(shared_home: Path, tmp_path: Path):
    (tmp_path / "empty" / "train" / "cat").mkdir(parents=True)
    result = run_cli("train", "small_cnn", str(tmp_path / "empty"), *TINY_ARGS, "--json", home=shared_home)
    assert result.returncode == 1
    assert "dataset check failed: error: class 'cat' has no images in train" in last_json(result.stdout)["error"]


def test_models_list_and_show(shared_home: Path):
    listing = json.loads(run_cli("models", "list", "--json", "--framework", "torchvision", home=shared_home).stdout)
    assert sorted(m["name"] for m in listing["models"]) == [
        "fasterrcnn_mobilenet_v3_320",
        "lraspp_mobilenet_v3",
        "maskrcnn_mobilenet_v3_320",
        "maskrcnn_resnet50_fpn",
        "mobilenet_v3_small",
        "resnet18",
        "ssdlite320_mobilenet_v3",
    ]
    listing = json.loads(run_cli("models", "list", "--json", "--task", "change_detection", home=shared_home).stdout)
    assert [m["name"] for m in listing["models"]] == ["snunet_cbam"]
    shown = json.loads(run_cli("models", "show", "small_cnn", "--json", home=shared_home).stdout)
    assert [f["name"] for f in shown["config_schema"]["fields"]] == ["width", "depth", "dropout"]
    assert set(shown["config_schema"]["presets"]) == {"quick", "standard", "finetune"}


@pytest.mark.slow
def test_ctrl_c_stops_with_a_checkpoint_and_the_run_resumes(shared_home: Path, tiny_dataset: Path):
    env_args = ["train", "small_cnn", str(tiny_dataset), "--epochs", "200", *TINY_ARGS, "--json"]
    import os

    proc = subprocess.Popen(
        [sys.executable, "-m", "visionyard", *env_args],
        env={**os.environ, "VISIONYARD_HOME": str(shared_home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    runs = shared_home / "runs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        started = [p for p in runs.glob("*/metrics.json")] if runs.is_dir() else []
        if any(json.loads((p.parent / "run.json").read_text())["status"] == "running" for p in started):
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    report = last_json(stdout)
    assert report["status"] == "stopped" and 1 <= report["epochs_completed"] < 200
    run_dir = Path(report["run_dir"])
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    resumed = run_cli(
        "train",
        "--resume",
        report["run_id"],
        "--epochs",
        str(report["epochs_completed"] + 1),
        "--json",
        home=shared_home,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert last_json(resumed.stdout)["status"] == "completed"


@pytest.mark.slow
def test_tune_drives_a_grid_sweep_in_the_foreground(shared_home: Path, tmp_path: Path):
    home = prepare_home(tmp_path / "home", shared_home)
    space = tmp_path / "space.yaml"
    space.write_text("optimizer.type: {choices: [adam, sgd]}\n")
    args = ["small_cnn", "tiny", "--space", str(space), "--sampler", "grid", "--epochs", "1", *TINY_ARGS, "--json"]
    result = run_cli("tune", *args, home=home, env={"VISIONYARD_HEARTBEAT_INTERVAL": "0.2"})
    assert result.returncode == 0, result.stderr
    sweep = last_json(result.stdout)
    assert sweep["status"] == "completed" and sweep["n_trials"] == 2
    assert sorted(t["params"]["optimizer.type"] for t in sweep["trials"]) == ["adam", "sgd"]
    assert {t["status"] for t in sweep["trials"]} == {"completed"}
    assert "optimizer.type" in result.stderr and f"sweep {sweep['id']}: completed; best: trial" in result.stderr
    bad = run_cli("tune", "small_cnn", "tiny", "--space", str(space), "--trials", "3", "--sampler", "grid", home=home)
    assert bad.returncode == 2 and "n_trials: the grid has 2 points" in bad.stderr
