"""The metric each task is judged by: what checkpoints and early stopping monitor by default."""

HEADLINES = {
    "classification": "val_acc",
    "detection": "val_map",
    "segmentation": "val_miou",
    "change_detection": "val_f1",
}


def headline(task: str) -> str:
    return HEADLINES.get(task, "val_loss")
