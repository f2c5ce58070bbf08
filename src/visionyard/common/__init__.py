"""Torch-free definitions every layer reads: the training config, the export formats and the error family."""
