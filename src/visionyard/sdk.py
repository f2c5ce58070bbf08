"""What a plugin author imports: the contract, its declarations and the ready-made adapters.

from visionyard.sdk import ConfigField, ConfigSchema, ModelMetadata, TorchModuleClassifier
"""

from visionyard.engine.adapters import (
    TimmClassifier,
    TorchModuleChangeDetector,
    TorchModuleClassifier,
    TorchModuleDetector,
    TorchModuleInstanceSegmenter,
    TorchModuleSegmenter,
    TorchvisionClassifier,
    TorchvisionDetector,
    TorchvisionInstanceSegmenter,
    TorchvisionSegmenter,
    UltralyticsDetector,
    UltralyticsInstanceSegmenter,
)
from visionyard.plugins.schema import ConfigField, ConfigSchema, ModelMetadata, WeightSource, number, switch
from visionyard.plugins.sdk import ModelPlugin

__all__ = [
    "ConfigField",
    "ConfigSchema",
    "ModelMetadata",
    "ModelPlugin",
    "TimmClassifier",
    "TorchModuleChangeDetector",
    "TorchModuleClassifier",
    "TorchModuleDetector",
    "TorchModuleInstanceSegmenter",
    "TorchModuleSegmenter",
    "TorchvisionClassifier",
    "TorchvisionDetector",
    "TorchvisionInstanceSegmenter",
    "TorchvisionSegmenter",
    "UltralyticsDetector",
    "UltralyticsInstanceSegmenter",
    "WeightSource",
    "number",
    "switch",
]
