"""Metric collections per task."""
