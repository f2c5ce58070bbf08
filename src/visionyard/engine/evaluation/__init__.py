"""Detailed evaluation: per-image records and reports for validation epochs and test runs."""
