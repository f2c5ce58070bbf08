"""Task adapters: everything of the plugin contract except the network.

A plugin subclasses one and says which ``nn.Module`` to build (``create_model``), or names a
torchvision or timm architecture.
"""

from visionyard.engine.adapters.base import EXPORT_FORMATS, TorchModulePlugin
from visionyard.engine.adapters.change_detection import TorchModuleChangeDetector
from visionyard.engine.adapters.classification import TimmClassifier, TorchModuleClassifier, TorchvisionClassifier
from visionyard.engine.adapters.detection import TorchModuleDetector, TorchvisionDetector
from visionyard.engine.adapters.instance_segmentation import TorchModuleInstanceSegmenter, TorchvisionInstanceSegmenter
from visionyard.engine.adapters.segmentation import TorchModuleSegmenter, TorchvisionSegmenter
from visionyard.engine.adapters.ultralytics import UltralyticsDetector, UltralyticsInstanceSegmenter

__all__ = [
    "EXPORT_FORMATS",
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
    "UltralyticsDetector",
    "UltralyticsInstanceSegmenter",
]
