"""Training on several devices: DDP on the CPU (gloo), the code path a GPU box takes with NCCL.

The hardware a config asks for is checked against the host first; a 2-process run then gives what a
1-process run gives (one metrics row per epoch, one best and one last checkpoint, per-image records for
the whole validation set), and a paused 2-process run resumes to where an uninterrupted one ends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import torch
from pydantic import ValidationError

from tests.helpers import TINY, make_image_folder, run_cli
from visionyard.common.training_config import TrainingConfig
from visionyard.config import Settings
from visionyard.core.context import Context
from visionyard.engine.trainer import HardwareError, resolve_hardware
from visionyard.services import run_records
from visionyard.storage.run_folder import RunFolder

ROOT = Path(__file__).resolve().parents[2]
CPU = {"hardware.accelerator": "cpu"}
TWO = {**CPU, "hardware.devices": 2, "hardware.strategy": "ddp"}


def config(**hardware: object) -> TrainingConfig:
    return TrainingConfig.model_validate({"hardware": {"accelerator": "cpu", **hardware}})


CPU_CANNOT = [
    ({"devices": [0, 1]}, "GPU indexes needs CUDA"),
    ({"strategy": "fsdp", "devices": 2}, "fsdp needs CUDA"),
    ({"precision": "16-mixed"}, "16-mixed needs CUDA"),
]


@pytest.mark.parametrize(("hardware", "message"), CPU_CANNOT)
def test_what_a_cpu_cannot_do_is_refused_with_the_config(hardware: dict, message: str):
    with pytest.raises(ValidationError, match=message):
        config(**hardware)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a host without CUDA")
@pytest.mark.parametrize(("hardware", "message"), CPU_CANNOT)
def test_what_a_cpu_cannot_do_is_refused_when_auto_finds_no_gpu(hardware: dict, message: str):
    cfg = TrainingConfig.model_validate({"hardware": {"accelerator": "auto", **hardware}})
    with pytest.raises(HardwareError, match=message):
        resolve_hardware(cfg)


@pytest.mark.parametrize(
    ("hardware", "message"),
    [({"devices": (os.cpu_count() or 1) + 1}, "CPU cores"), ({"nodes": 2}, "Ray executor")],
)
def test_hardware_the_host_cannot_give_is_refused_with_the_reason(hardware: dict, message: str):
    with pytest.raises(HardwareError, match=message):
        resolve_hardware(config(**hardware))


def test_several_cpu_devices_train_with_ddp():
    hardware = resolve_hardware(config(devices=2))
    assert (hardware.strategy, hardware.world_size, hardware.distributed) == ("ddp", 2, True)
    assert resolve_hardware(config()).strategy == "auto"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_image_folder(tmp_path_factory.mktemp("ddp") / "colours", per_class=10)


def sets(values: dict) -> list[str]:
    return [arg for key, value in values.items() for arg in ("--set", f"{key}={value}")]


def train(home: Path, data: Path, values: dict) -> dict:
    done = run_cli("train", "small_cnn", str(data), *sets(values), "--json", home=home, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_two_process_run_reports_once_from_rank_zero_over_the_whole_validation_set(tmp_path: Path, data: Path):
    values = {**TINY, "epochs": 2, "batch_size": 4}
    alone = train(tmp_path, data, {**values, **CPU})
    pair = train(tmp_path, data, {**values, **TWO})
    assert pair["status"] == "completed"
    one, two = RunFolder(Path(alone["run_dir"])), RunFolder(Path(pair["run_dir"]))

    rows = two.read_metrics()
    assert [r["epoch"] for r in rows] == [1, 2]
    assert rows[0].keys() == one.read_metrics()[0].keys()
    assert abs(rows[-1]["val_acc"] - one.read_metrics()[-1]["val_acc"]) <= 0.2
    # each rank steps through half of the 30 training images: 3 batches of 4 per epoch
    assert rows[-1]["step"] == 6
    assert sorted(p.name for p in two.checkpoints.iterdir()) == ["best.ckpt", "last.ckpt"]

    validated = 3 * 10
    for _, folder in two.validation_epochs():
        records = json.loads(folder.records_json.read_text())
        assert len({r["image"] for r in records}) == len(records) == validated
        assert [r["index"] for r in records] == list(range(validated))
        assert json.loads(folder.report_json.read_text())["count"] == validated

    with Context(Settings(home=tmp_path)).db.session() as session:
        kinds = [e.kind for e in run_records.events(session, pair["run_id"], limit=1000)]
    assert kinds.count("epoch") == 2
    assert 2 <= kinds.count("checkpoint") <= 4  # last.ckpt each epoch, best.ckpt when it improved: rank zero's
    assert not (two.root / "ranks.json").exists()
    assert (two.log_file.parent / "rank-1.log").is_file()
    assert two.log_file.read_text().count("epoch 2:") == 1


def distributed_run(home: Path, spec: dict) -> dict:
    env = {**os.environ, "VISIONYARD_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.engine.distributed_run", json.dumps({"home": str(home), **spec})],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_paused_two_process_run_resumes_to_where_an_uninterrupted_one_ends(tmp_path: Path, data: Path):
    values = {**TINY, "epochs": 2, "batch_size": 4, **TWO}
    whole = distributed_run(tmp_path, {"dataset": str(data), "config": values})
    paused = distributed_run(tmp_path, {"dataset": str(data), "config": values, "pause_at_step": 4})
    assert (whole["status"], paused["status"]) == ("completed", "paused")
    resumed = distributed_run(tmp_path, {"resume": paused["run_id"]})
    assert resumed["status"] == "completed"

    runs = tmp_path / "runs"
    a, b = RunFolder(runs / whole["run_id"]), RunFolder(runs / paused["run_id"])
    assert [r["step"] for r in b.read_metrics()] == [r["step"] for r in a.read_metrics()] == [3, 6]
    left = torch.load(a.last_ckpt, weights_only=True)["state_dict"]
    right = torch.load(b.last_ckpt, weights_only=True)["state_dict"]
    for name, tensor in left.items():
        torch.testing.assert_close(right[name], tensor, rtol=1e-4, atol=1e-5, msg=name)


@pytest.mark.slow
def test_a_killed_rank_ends_the_attempt_as_a_retryable_failure_instead_of_a_hang(tmp_path: Path, data: Path):
    values = {**TINY, "epochs": 200, "batch_size": 4, **TWO}
    spec = json.dumps({"home": str(tmp_path), "dataset": str(data), "config": values})
    command = [sys.executable, "-m", "tests.engine.distributed_run", spec]
    env = {**os.environ, "VISIONYARD_HOME": str(tmp_path)}
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as zero:
        rank = wait_for_rank(psutil.Process(zero.pid), tmp_path / "runs")
        rank.kill()
        killed = time.monotonic()
        stdout, _ = zero.communicate(timeout=120)
    outcome = json.loads(stdout.decode().strip().splitlines()[-1])
    assert (outcome["status"], outcome["retryable"]) == ("failed", True)
    assert time.monotonic() - killed < 60  # the surviving rank sees its peer gone, not the 5-minute timeout


def wait_for_rank(zero: psutil.Process, runs: Path) -> psutil.Process:
    """Rank 1 of the run, once the run has finished an epoch."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        ranks = [p for p in zero.children(recursive=True) if "visionyard.worker.rank" in command_line(p)]
        if ranks and any(f.read_metrics() for f in map(RunFolder, runs.iterdir())):
            return ranks[0]
        time.sleep(0.2)
    raise AssertionError("rank 1 did not start training")


def command_line(process: psutil.Process) -> str:
    """Its command line; empty for one that is ending (a zombie, gone)."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


GPUS = torch.cuda.device_count()


@pytest.mark.gpu
@pytest.mark.skipif(GPUS < 1, reason="needs a CUDA device")
@pytest.mark.parametrize("precision", ["32", "16-mixed", "bf16-mixed"])
def test_a_run_on_one_gpu_in_each_precision(tmp_path: Path, data: Path, precision: str):
    values = {**TINY, "epochs": 2, "hardware.accelerator": "cuda", "hardware.precision": precision}
    done = train(tmp_path, data, values)
    assert done["status"] == "completed" and done["final_metrics"]["val_acc"] > 0.5


@pytest.mark.gpu
@pytest.mark.skipif(GPUS < 2, reason="needs two CUDA devices")
def test_a_ddp_run_on_two_gpus_matches_the_cpu_shape(tmp_path: Path, data: Path):
    values = {**TINY, "epochs": 2, "batch_size": 4, "hardware.accelerator": "cuda", "hardware.devices": [0, 1]}
    done = train(tmp_path, data, values)
    folder = RunFolder(Path(done["run_dir"]))
    assert done["status"] == "completed" and [r["step"] for r in folder.read_metrics()] == [3, 6]
    for _, kept in folder.validation_epochs():
        assert json.loads(kept.report_json.read_text())["count"] == 30


@pytest.mark.gpu
@pytest.mark.skipif(GPUS < 1, reason="needs a CUDA device")
def test_a_gpu_trained_run_predicts_and_exports(tmp_path: Path, data: Path):
    done = train(tmp_path, data, {**TINY, "hardware.accelerator": "cuda"})
    image = next((data / "val").rglob("*.png"))
    predicted = run_cli("predict", done["run_id"], str(image), "--json", home=tmp_path)
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    exported = run_cli("export", done["run_id"], "--format", "onnx", "--json", home=tmp_path, timeout=600)
    assert exported.returncode == 0, exported.stderr[-3000:]
    assert json.loads(exported.stdout.strip().splitlines()[-1])["status"] == "completed"
