"""Small datasets (and queued run rows) made by the tests themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

from visionyard.db.models import Run, utcnow
from visionyard.db.session import Database

ROOT = Path(__file__).resolve().parents[1]


def make_image_folder(
    root: Path,
    classes: tuple[str, ...] = ("a", "b", "c"),
    per_class: int = 8,
    size: int = 24,
    splits: tuple = ("train", "val"),
) -> Path:
    """Class-coloured noise images: learnable in a couple of epochs."""
    rng = np.random.default_rng(0)
    for split in splits:
        for c, name in enumerate(classes):
            folder = root / split / name if split else root / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(per_class):
                pixels = rng.integers(0, 60, (size, size, 3), dtype=np.uint8)
                pixels[..., c % 3] += 150
                Image.fromarray(pixels).save(folder / f"{i}.png")
    return root


def run_cli(
    *args: str, home: Path, timeout: float = 300, env: dict[str, str] | None = None, **kwargs
) -> subprocess.CompletedProcess:
    env = {**os.environ, "VISIONYARD_HOME": str(home), "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "visionyard", *args], env=env, capture_output=True, text=True, timeout=timeout, **kwargs
    )


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


TINY = {
    "epochs": 1,
    "batch_size": 8,
    "preprocessing.image_size": 32,
    "data.num_workers": 0,
}


def queue_run(
    db: Database,
    run_id: str,
    config: dict | None = None,
    queued_at: datetime | None = None,
    executor: str | None = None,
) -> str:
    """A queued run row, as the services would leave it, for the claim tests (``executor``: the one it asks for)."""
    with db.write() as session:
        session.add(
            Run(
                id=run_id,
                status="queued",
                model="m",
                task="classification",
                dataset="d",
                dataset_path="/d",
                config=config or {},
                epochs=1,
                queued_at=queued_at or utcnow(),
                requested_executor=executor,
            )
        )
    return run_id


class PauseAtStep:
    """A control asking for a pause after training step ``step`` (never, for None), mid-epoch."""

    def __init__(self, step: int | None):
        self.step = step

    def requested(self, epoch: int, step: int, epoch_end: bool):
        return "pause" if step == self.step and not epoch_end else None


class SseMessages:
    """Server-sent event lines in, complete messages (``event``, ``id``, ``data``) out: a message cut short by a
    disconnect is never handed out."""

    def __init__(self) -> None:
        self.message: dict[str, str] = {}

    def feed(self, line: str) -> dict[str, str] | None:
        if line.startswith(":"):
            return None
        if line:
            key, _, value = line.partition(":")
            self.message[key] = value.strip()
            return None
        message, self.message = self.message, {}
        return message if "event" in message else None
