"""What a run's folder must hold after any interruption."""

from __future__ import annotations

import json
from pathlib import Path

import torch


def run_files_hold(run_folder: Path, epochs: int) -> None:
    """What a run's folder must hold after any interruption: every checkpoint loads, the JSON files parse,
    one metrics row per epoch 1..epochs, every complete validation folder reads, no temp file is left."""
    for checkpoint in run_folder.glob("checkpoints/*.ckpt"):
        loaded = torch.load(checkpoint, weights_only=True, map_location="cpu")
        assert "state_dict" in loaded and loaded["epoch"] >= 0, checkpoint
    for name in ("run.json", "config.json"):
        json.loads((run_folder / name).read_text())
    rows = json.loads((run_folder / "metrics.json").read_text())
    assert [r["epoch"] for r in rows] == list(range(1, epochs + 1))
    for report in run_folder.glob("validation/epoch-*/report.json"):
        json.loads(report.read_text()), json.loads((report.parent / "records.json").read_text())
    assert not [p for p in run_folder.rglob(".*.tmp") if "logs" not in p.parts]
