"""Instance segmentation as a LightningModule around a torchvision-style instance segmenter (Mask R-CNN):
a detector whose targets and answers also carry each object's mask. In train mode the model takes
``masks`` (``(N, H, W)`` 0/1) with the boxes and answers its loss dict; in eval mode it answers ``masks`` as
``(N, 1, H, W)`` probabilities with the boxes, labels and scores. Labels are shifted as detection's are.
"""

from __future__ import annotations

import torch
from torchmetrics.detection import MeanAveragePrecision

from visionyard.common.tasks import INSTANCE_SEGMENTATION
from visionyard.data import loading
from visionyard.engine import answers, predictions
from visionyard.engine.evaluation.recorders import InstanceRecorder
from visionyard.engine.export import runtimes
from visionyard.engine.export.parity import ParityMeter
from visionyard.engine.tasks import detection
from visionyard.engine.tasks.detection import DetectionModule, Target
from visionyard.engine.tasks.kit import TaskKit
from visionyard.metrics.instance_segmentation import MASK_THRESHOLD, instance_metric, summarise_instances


class InstanceSegmentationModule(DetectionModule):
    task = "instance_segmentation"

    def metric(self) -> MeanAveragePrecision:
        return instance_metric()

    def summarise(self, raw: dict[str, torch.Tensor]) -> dict[str, float]:
        return summarise_instances(raw, self.class_names)

    def for_metric(self, found: list[Target], targets: list[Target]) -> tuple[list[Target], list[Target]]:
        """Masks as booleans: the answers' probabilities thresholded, the targets' 0/1 masks."""
        thresholded = [{**f, "masks": f["masks"][:, 0] >= MASK_THRESHOLD} for f in found]
        return thresholded, [{**t, "masks": t["masks"].bool()} for t in targets]


KIT = TaskKit(
    INSTANCE_SEGMENTATION,
    loading.TaskLoading(
        loading.load_instances, loading.detection_transform, loading.finish_instances, loading.collate_detection
    ),
    InstanceRecorder,
    predictions.instance_predictions,
    answers.instance_answer,
    answers.instance_overlay,
    runtimes.objects,
    ParityMeter.objects,
    postprocessing={
        **detection.KIT.postprocessing,
        "outputs": ["boxes", "labels", "scores", "masks"],
        "masks": f"(N, 1, size, size) probabilities: resized to the image, >= {MASK_THRESHOLD} is the object",
        "mask_threshold": MASK_THRESHOLD,
    },
    snippet="""x, (width, height) = preprocess("image.jpg")
boxes, labels, scores, masks = run(x)[:4]
size = pre["resize"]["width"]
keep = scores >= meta["postprocessing"]["score_threshold"]
scale = np.array([width, height, width, height]) / size
for box, label, score, mask in zip(boxes[keep] * scale, labels[keep], scores[keep], masks[keep]):
    probabilities = Image.fromarray(mask[0].astype(np.float32)).resize((width, height), Image.BILINEAR)
    pixels = int((np.asarray(probabilities) >= meta["postprocessing"]["mask_threshold"]).sum())
    print(meta["class_names"][int(label) - 1], round(float(score), 3), box.round(1).tolist(), pixels, "pixels")
""",
)
