"""What a plugin author imports: the contract, its declarations and the ready-made adapters, and what a
plugin that declares a task of its own builds its kit from.

from visionyard.sdk import ConfigField, ConfigSchema, ModelMetadata, TorchModuleClassifier
"""

from visionyard.common.tasks import TaskSpec
from visionyard.common.training_config import TrainingConfig
from visionyard.data import loading
from visionyard.data.formats import IGNORE_INDEX
from visionyard.data.loading import TaskLoading
from visionyard.engine import answers, predictions
from visionyard.engine.adapters import (
    TimmClassifier,
    TorchModuleChangeDetector,
    TorchModuleClassifier,
    TorchModuleDetector,
    TorchModuleInstanceSegmenter,
    TorchModulePlugin,
    TorchModuleSegmenter,
    TorchvisionClassifier,
    TorchvisionDetector,
    TorchvisionInstanceSegmenter,
    TorchvisionSegmenter,
    UltralyticsDetector,
    UltralyticsInstanceSegmenter,
)
from visionyard.engine.evaluation.recorders import (
    ChangeRecorder,
    ClassificationRecorder,
    DetectionRecorder,
    InstanceRecorder,
    Recorder,
    SegmentationRecorder,
)
from visionyard.engine.export import runtimes
from visionyard.engine.export.parity import ParityMeter
from visionyard.engine.losses import BCEDiceLoss
from visionyard.engine.tasks.base import TaskModule
from visionyard.engine.tasks.kit import TaskKit
from visionyard.plugins.schema import ConfigField, ConfigSchema, ModelMetadata, WeightSource, number, switch
from visionyard.plugins.sdk import ModelPlugin

__all__ = [
    "IGNORE_INDEX",
    "BCEDiceLoss",
    "ChangeRecorder",
    "ClassificationRecorder",
    "ConfigField",
    "ConfigSchema",
    "DetectionRecorder",
    "InstanceRecorder",
    "ModelMetadata",
    "ModelPlugin",
    "ParityMeter",
    "Recorder",
    "SegmentationRecorder",
    "TaskKit",
    "TaskLoading",
    "TaskModule",
    "TaskSpec",
    "TimmClassifier",
    "TorchModuleChangeDetector",
    "TorchModuleClassifier",
    "TorchModuleDetector",
    "TorchModuleInstanceSegmenter",
    "TorchModulePlugin",
    "TorchModuleSegmenter",
    "TorchvisionClassifier",
    "TorchvisionDetector",
    "TorchvisionInstanceSegmenter",
    "TorchvisionSegmenter",
    "TrainingConfig",
    "UltralyticsDetector",
    "UltralyticsInstanceSegmenter",
    "WeightSource",
    "answers",
    "loading",
    "number",
    "predictions",
    "runtimes",
    "switch",
]
