"""The parity check: an export run next to the PyTorch model on validation images.

Both answer the same preprocessed batches; the meter compares their raw outputs (largest
difference, top-1 / box / pixel agreement) and both outputs go through the task's recorder, so
the task metric of each is computed the way a validation computes it.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torchvision.ops import box_iou

from visionyard.common.export_formats import Tolerance
from visionyard.common.tasks import headline
from visionyard.common.training_config import TrainingConfig
from visionyard.engine.evaluation.runner import DEFAULT_SCORE_THRESHOLD, loader, record_batch, recorder_for
from visionyard.engine.export.runtimes import Runtime
from visionyard.engine.tasks.base import TaskModule
from visionyard.engine.tasks.kit import kit
from visionyard.metrics.instance_segmentation import MASK_THRESHOLD
from visionyard.metrics.matching import MATCH_IOU
from visionyard.storage.evaluation_folder import EvaluationFolder

Pairs = list[tuple[int, int]]
SCORE_MARGIN = 0.01
"""How far under the score threshold a box may score and still answer, for the parity meter, a box over the
threshold on the other side. Rounding moves scores by ~1e-6 and a float-head int8 detector by 1e-4 to 0.02; a
straddle is still measured as a score difference (full precision allows 1e-3), and a score moved further
than this across the threshold still counts as a missing box."""


class ParityMeter:
    """Accumulates the largest raw difference and the agreement of two models' outputs."""

    def __init__(
        self,
        input_size: int,
        score_threshold: float = DEFAULT_SCORE_THRESHOLD,
        score_margin: float = SCORE_MARGIN,
    ):
        self.input_size, self.score_threshold = input_size, score_threshold
        self.score_margin = score_margin
        self.max_abs_diff = 0.0
        self.agreeing = 0
        self.compared = 0

    def classes(self, reference: torch.Tensor, candidate: torch.Tensor) -> None:
        """Logits of classes (per image or per pixel): the class each picks agrees."""
        ref, cand = self._dense(reference, candidate)
        self._count(ref.argmax(dim=1) == cand.argmax(dim=1))

    def change(self, reference: torch.Tensor, candidate: torch.Tensor) -> None:
        """Change logits: change (logit >= 0) or not agrees."""
        ref, cand = self._dense(reference, candidate)
        self._count((ref >= 0) == (cand >= 0))

    def detections(self, reference: list[dict[str, torch.Tensor]], candidate: list[dict[str, torch.Tensor]]) -> None:
        for ref, cand in zip(reference, candidate, strict=True):
            self._detections(ref, cand)

    def objects(self, reference: list[dict[str, torch.Tensor]], candidate: list[dict[str, torch.Tensor]]) -> None:
        """Detections as ``detections`` compares them; a matched pair also agrees only where their masks do
        (IoU >= ``MATCH_IOU``), and the difference takes in their mask probabilities."""
        for ref, cand in zip(reference, candidate, strict=True):
            a, b, pairs = self._detections(ref, cand)
            for i, j in pairs:
                ours, theirs = a["masks"][i], b["masks"][j]
                self.max_abs_diff = max(self.max_abs_diff, float((ours - theirs).abs().max()))
                inside, outside = ours >= MASK_THRESHOLD, theirs >= MASK_THRESHOLD
                union = int((inside | outside).sum())
                if union and int((inside & outside).sum()) / union < MATCH_IOU:
                    self.agreeing -= 1

    def _dense(self, reference: torch.Tensor, candidate: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ref, cand = reference.float().cpu(), candidate.float().cpu()
        if ref.shape != cand.shape:
            raise ValueError(f"the export answers shape {tuple(cand.shape)}; PyTorch {tuple(ref.shape)}")
        self.max_abs_diff = max(self.max_abs_diff, float((ref - cand).abs().max()))
        return ref, cand

    def _count(self, same: torch.Tensor) -> None:
        self.agreeing += int(same.sum())
        self.compared += same.numel()

    def _detections(self, ref: dict[str, torch.Tensor], cand: dict[str, torch.Tensor]) -> tuple[Any, Any, Pairs]:
        """Boxes over the score threshold are what is compared. Each agrees with a box on the other side of
        the same label and IoU >= ``MATCH_IOU`` that scores at least the threshold less ``score_margin``: a box
        just over the threshold on one side and just under it on the other differs in score (which the
        difference measures), not in what was found. Boxes match one to one, in order of reference score,
        each to the free box of highest IoU; a pair under the threshold on both sides does not count.
        Unmatched boxes over the threshold disagree (the larger side's count: a box that moved is one
        disagreement). The difference is taken over matched scores and boxes (as a share of the input)."""
        a, b = (_kept(found, self.score_threshold - self.score_margin) for found in (ref, cand))
        over_a, over_b = a["scores"] >= self.score_threshold, b["scores"] >= self.score_threshold
        pairs = _match(a, b, over_a, over_b)
        matched_a, matched_b = {i for i, _ in pairs}, {j for _, j in pairs}
        unmatched = (
            sum(1 for i in over_a.nonzero().flatten().tolist() if i not in matched_a),
            sum(1 for j in over_b.nonzero().flatten().tolist() if j not in matched_b),
        )
        self.compared += len(pairs) + max(unmatched)
        self.agreeing += len(pairs)
        for i, j in pairs:
            box = float((a["boxes"][i] - b["boxes"][j]).abs().max()) / self.input_size
            self.max_abs_diff = max(self.max_abs_diff, box, float((a["scores"][i] - b["scores"][j]).abs()))
        return a, b, pairs

    def summary(self) -> dict[str, Any]:
        agreement = self.agreeing / self.compared if self.compared else None
        return {"max_abs_diff": self.max_abs_diff, "agreement": agreement, "compared": self.compared}


def _match(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], over_a: torch.Tensor, over_b: torch.Tensor) -> Pairs:
    """One-to-one pairs ``(i, j)`` of same-label boxes with IoU >= ``MATCH_IOU``, at least one of each pair over
    the threshold; greedily in order of ``a``'s score, each to the free box of ``b`` of highest IoU."""
    if not len(a["scores"]) or not len(b["scores"]):
        return []
    iou = box_iou(a["boxes"], b["boxes"])
    iou[a["labels"][:, None] != b["labels"][None, :]] = 0
    iou[~over_a[:, None] & ~over_b[None, :]] = 0
    pairs: list[tuple[int, int]] = []
    taken: set[int] = set()
    for i in a["scores"].argsort(descending=True).tolist():
        order = [j for j in iou[i].argsort(descending=True).tolist() if j not in taken]
        if order and iou[i, order[0]] >= MATCH_IOU:
            taken.add(order[0])
            pairs.append((i, order[0]))
    return pairs


def _kept(found: dict[str, torch.Tensor], threshold: float) -> dict[str, torch.Tensor]:
    keep = found["scores"].float().cpu() >= threshold
    return {k: v.cpu()[keep].float() if k != "labels" else v.cpu()[keep] for k, v in found.items()}


@dataclass(frozen=True)
class ParityReport:
    numbers: dict[str, Any]
    failures: list[str]


def check_parity(
    module: TaskModule,
    runtime: Runtime,
    task: str,
    samples: Sequence[Any],
    cfg: TrainingConfig,
    classes: Sequence[str],
    dataset_root: Path,
    tolerance: Tolerance,
    score_threshold: float = DEFAULT_SCORE_THRESHOLD,
) -> ParityReport:
    """Both models over ``samples``; numbers, and what fell outside ``tolerance`` (empty when it passes)."""
    size, task_kit = cfg.preprocessing.image_size, kit(task)
    meter = ParityMeter(size, score_threshold)
    module.eval().cpu()
    with tempfile.TemporaryDirectory() as scratch:
        recorders = {
            side: recorder_for(
                task, classes, EvaluationFolder(Path(scratch) / side), dataset_root, "val", score_threshold
            )
            for side in ("pytorch", "export")
        }
        seen = 0
        with torch.inference_mode():
            for batch in loader(task, samples, cfg):
                inputs = module.inputs_of(batch)
                reference, candidate = module.infer_batch(inputs), runtime.infer_batch(inputs)
                task_kit.parity(meter, reference, candidate)
                part = samples[seen : seen + len(batch[-1])]
                record_batch(recorders["pytorch"], task, part, reference, None, size)
                record_batch(recorders["export"], task, part, candidate, None, size)
                seen += len(part)
        metrics = {side: r.finish({"kind": "parity"}) for side, r in recorders.items()}
    name = headline(task)
    reference, exported = metrics["pytorch"].get(name), metrics["export"].get(name)
    numbers = {
        **meter.summary(),
        "images": len(samples),
        "metric": name,
        "pytorch_metric": reference,
        "export_metric": exported,
        "metric_delta": None if _missing(reference, exported) else exported - reference,
    }
    return ParityReport(numbers, _failures(numbers, tolerance))


def _missing(*values: float | None) -> bool:
    return any(v is None or math.isnan(v) for v in values)


def _failures(n: dict[str, Any], tolerance: Tolerance) -> list[str]:
    failures = []
    if tolerance.max_abs_diff is not None and n["max_abs_diff"] > tolerance.max_abs_diff:
        failures.append(f"max abs diff {n['max_abs_diff']:.3g} > {tolerance.max_abs_diff:.3g}")
    if n["agreement"] is not None and n["agreement"] < tolerance.min_agreement:
        failures.append(f"agreement {n['agreement']:.4f} < {tolerance.min_agreement}")
    if n["metric_delta"] is not None and -n["metric_delta"] > tolerance.max_metric_drop:
        drop = -n["metric_delta"]
        failures.append(f"{n['metric']} drops by {drop:.4f} ({n['pytorch_metric']:.4f} to {n['export_metric']:.4f})")
    return failures
