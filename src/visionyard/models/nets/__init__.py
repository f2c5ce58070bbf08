"""Plain ``torch.nn`` networks behind the segmentation and change-detection plugins."""
