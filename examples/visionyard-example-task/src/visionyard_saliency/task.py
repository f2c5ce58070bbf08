"""The task as the API, the dataset checks and the UI know it (torch-free)."""

from visionyard.sdk import TaskSpec

SALIENCY = TaskSpec(
    name="saliency",
    title="Salient object segmentation",
    target="mask",
    headline="val_fbeta",
    formats=("masks",),
    engine="visionyard_saliency.engine:KIT",
    fixed_classes=("background", "salient"),
)
