"""Classification metrics: each one equals the same torchmetrics metric computed on its own."""

from __future__ import annotations

import torch
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score, MulticlassPrecision, MulticlassRecall

from visionyard.metrics.classification import classification_metrics

CLASSES = 10


def test_a_perfect_first_batch_does_not_merge_top5_with_the_macro_metrics():
    """torchmetrics guesses compute groups from equal states after the first update unless told them:
    a first batch that top-1 and top-5 both get right would tie top-5 to precision, recall and F1."""
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, CLASSES, (64,), generator=generator)
    perfect = torch.nn.functional.one_hot(labels[:32], CLASSES).float() * 10
    noisy = torch.randn(32, CLASSES, generator=generator)
    collection = classification_metrics(CLASSES)
    collection.update(perfect, labels[:32])
    collection.update(noisy, labels[32:])
    logits = torch.cat([perfect, noisy])
    alone = {
        "acc": MulticlassAccuracy(num_classes=CLASSES, average="micro"),
        "acc_top5": MulticlassAccuracy(num_classes=CLASSES, top_k=5, average="micro"),
        "precision": MulticlassPrecision(num_classes=CLASSES, average="macro"),
        "recall": MulticlassRecall(num_classes=CLASSES, average="macro"),
        "f1": MulticlassF1Score(num_classes=CLASSES, average="macro"),
    }
    computed = collection.compute()
    assert computed.keys() == alone.keys()
    for name, metric in alone.items():
        assert torch.isclose(computed[name], metric(logits, labels)), name
    assert computed["precision"] < 1
