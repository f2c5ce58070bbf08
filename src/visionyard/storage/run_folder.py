"""The layout of one run's folder (ARCHITECTURE.md "A run's life") and its small JSON/CSV files."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visionyard.common.errors import NotFound
from visionyard.storage.atomic import remove_abandoned_writes, remove_partial_writes, write_json, write_text
from visionyard.storage.evaluation_folder import EvaluationFolder

RUN_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class InvalidRunId(NotFound):
    code = "run_not_found"


def check_run_id(run_id: str) -> str:
    if not RUN_ID_PATTERN.fullmatch(run_id):
        raise InvalidRunId(f"invalid run id {run_id!r}: lowercase letters, digits and '-' only")
    return run_id


@dataclass(frozen=True)
class RunFolder:
    root: Path

    @classmethod
    def of(cls, runs_dir: Path, run_id: str) -> RunFolder:
        return cls(runs_dir / check_run_id(run_id))

    @property
    def run_id(self) -> str:
        return self.root.name

    @property
    def run_json(self) -> Path:
        return self.root / "run.json"

    @property
    def config_json(self) -> Path:
        return self.root / "config.json"

    @property
    def metrics_json(self) -> Path:
        return self.root / "metrics.json"

    @property
    def metrics_csv(self) -> Path:
        return self.root / "metrics.csv"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def best_ckpt(self) -> Path:
        return self.checkpoints / "best.ckpt"

    @property
    def last_ckpt(self) -> Path:
        return self.checkpoints / "last.ckpt"

    @property
    def validation(self) -> Path:
        """Detailed validation results, one folder per kept epoch (the latest and the best)."""
        return self.root / "validation"

    def validation_epoch(self, epoch: int) -> EvaluationFolder:
        return EvaluationFolder(self.validation / f"epoch-{epoch:04d}")

    def validation_epochs(self) -> list[tuple[int, EvaluationFolder]]:
        """Kept validation epochs that are complete, oldest first."""
        if not self.validation.is_dir():
            return []
        found = [(p.name.removeprefix("epoch-"), EvaluationFolder(p)) for p in self.validation.glob("epoch-*")]
        return sorted((int(epoch), folder) for epoch, folder in found if epoch.isdigit() and folder.exists())

    def job_folder(self, kind: str, job_id: str) -> Path:
        """Where a job of the run (a test, an export) keeps its files: ``tests/<id>``, ``exports/<id>``."""
        return self.root / f"{kind}s" / check_run_id(job_id)

    @property
    def log_file(self) -> Path:
        return self.root / "logs" / "training.log"

    @property
    def worker_log(self) -> Path:
        """The worker process's own output (tracebacks, native crashes)."""
        return self.root / "logs" / "worker.log"

    def create(self) -> None:
        for folder in (self.root, self.checkpoints, self.log_file.parent):
            folder.mkdir(parents=True, exist_ok=True)

    def drop_partial_writes(self) -> None:
        """What a killed attempt left half-written: temp files of checkpoints and validation files,
        validation folders without their report, and temp files of the run's own files (run.json, metrics)
        whose writer is gone (the server writes run.json too). Only while no worker of the run is writing."""
        remove_abandoned_writes(self.root)
        remove_partial_writes(self.checkpoints)
        remove_partial_writes(self.validation)
        if self.validation.is_dir():
            for epoch in self.validation.glob("epoch-*"):
                if not EvaluationFolder(epoch).exists():
                    EvaluationFolder(epoch).remove()

    def exists(self) -> bool:
        return self.run_json.is_file()

    def read_run(self) -> dict[str, Any]:
        return json.loads(self.run_json.read_text())

    def write_run(self, record: dict[str, Any]) -> None:
        write_json(self.run_json, record)

    def update_run(self, **changes: Any) -> dict[str, Any]:
        record = self.read_run()
        record.update(changes)
        self.write_run(record)
        return record

    def read_config(self) -> dict[str, Any]:
        return json.loads(self.config_json.read_text())

    def write_config(self, config: dict[str, Any]) -> None:
        write_json(self.config_json, config)

    def read_metrics(self) -> list[dict[str, Any]]:
        if not self.metrics_json.is_file():
            return []
        return json.loads(self.metrics_json.read_text())

    def write_metrics(self, rows: list[dict[str, Any]]) -> None:
        """metrics.json and metrics.csv, one row per epoch, both replaced atomically."""
        write_json(self.metrics_json, rows)
        columns: list[str] = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        write_text(self.metrics_csv, buffer.getvalue())

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_file.is_file():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def list_run_folders(runs_dir: Path) -> list[RunFolder]:
    if not runs_dir.is_dir():
        return []
    folders = [RunFolder(p) for p in runs_dir.iterdir() if RUN_ID_PATTERN.fullmatch(p.name)]
    return sorted((f for f in folders if f.exists()), key=lambda f: f.run_id)
