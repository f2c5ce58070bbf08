"""The files of one evaluation (a validation epoch or a test run): ``report.json`` (metrics, per-class
table, confusion matrix, curves, histograms), ``records.json`` (one record per image) and ``masks/``
(predicted masks of dense tasks, one PNG per image). Torch-free, so the API reads them."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visionyard.storage.atomic import write_json


@dataclass(frozen=True)
class EvaluationFolder:
    root: Path

    @property
    def report_json(self) -> Path:
        return self.root / "report.json"

    @property
    def records_json(self) -> Path:
        return self.root / "records.json"

    @property
    def masks(self) -> Path:
        return self.root / "masks"

    def mask_path(self, index: int) -> Path:
        return self.masks / f"{index:06d}.png"

    def exists(self) -> bool:
        return self.report_json.is_file()

    def write(self, report: dict[str, Any], records: list[dict[str, Any]]) -> None:
        """Records first: a folder with a report is complete."""
        write_json(self.records_json, records)
        write_json(self.report_json, report)

    def read_report(self) -> dict[str, Any]:
        return json.loads(self.report_json.read_text())

    def read_records(self) -> list[dict[str, Any]]:
        return json.loads(self.records_json.read_text())

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
