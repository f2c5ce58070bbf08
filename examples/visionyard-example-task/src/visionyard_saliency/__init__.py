"""Salient object segmentation as a visionyard task, declared by a plugin package."""
