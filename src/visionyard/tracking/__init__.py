"""The MLflow mirror: runs, metrics, artifacts and registry versions followed into MLflow (docs/tracking.md).

Importing this package does not import mlflow; building a :class:`TrackingMirror` does.
"""

from visionyard.tracking.mirror import (
    MirrorThread,
    MirrorUnavailable,
    TrackingMirror,
    TrackingUnavailable,
    drain_once,
    start_mirror,
)

__all__ = ["MirrorThread", "MirrorUnavailable", "TrackingMirror", "TrackingUnavailable", "drain_once", "start_mirror"]
