"""The metric each task is judged by: what checkpoints and early stopping monitor by default."""

HEADLINES = {"classification": "val_acc"}


def headline(task: str) -> str:
    return HEADLINES.get(task, "val_loss")
