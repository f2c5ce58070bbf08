"""visionyard: a self-hosted training service for image models."""

__version__ = "0.1.0"
