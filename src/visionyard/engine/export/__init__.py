"""Deployment formats: writing, loading with each runtime, parity check, benchmark and self-description."""
