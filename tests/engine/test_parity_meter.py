"""The parity meter on detections built by hand: boxes over the score threshold are compared, and a box just
over it on one side agrees with the same box just under it on the other (a score difference, not a miss)."""

from __future__ import annotations

import pytest
import torch

from visionyard.engine.export.parity import SCORE_MARGIN, ParityMeter

THRESHOLD = 0.25
BOX = [10.0, 10.0, 30.0, 30.0]
ELSEWHERE = [40.0, 40.0, 60.0, 60.0]


def found(*boxes: tuple[list[float], int, float]) -> dict[str, torch.Tensor]:
    """Detections of one image from ``(box, label, score)`` triples."""
    return {
        "boxes": torch.tensor([b for b, _, _ in boxes], dtype=torch.float32).reshape(-1, 4),
        "labels": torch.tensor([label for _, label, _ in boxes], dtype=torch.int64),
        "scores": torch.tensor([s for _, _, s in boxes], dtype=torch.float32),
    }


def measure(reference: dict[str, torch.Tensor], candidate: dict[str, torch.Tensor]) -> dict:
    meter = ParityMeter(input_size=64, score_threshold=THRESHOLD)
    meter.detections([reference], [candidate])
    return meter.summary()


@pytest.mark.parametrize("ref_score, cand_score", [(0.2502, 0.2498), (0.2498, 0.2502)])
def test_a_box_straddling_the_threshold_agrees_and_its_score_difference_is_kept(ref_score, cand_score):
    numbers = measure(found((BOX, 1, ref_score)), found((BOX, 1, cand_score)))
    assert numbers["compared"] == 1 and numbers["agreement"] == 1.0
    assert numbers["max_abs_diff"] == pytest.approx(4e-4, abs=1e-6)


def test_a_box_further_under_the_threshold_than_the_margin_is_a_miss():
    numbers = measure(found((BOX, 1, 0.30)), found((BOX, 1, THRESHOLD - SCORE_MARGIN - 0.01)))
    assert numbers["compared"] == 1 and numbers["agreement"] == 0.0


def test_boxes_under_the_threshold_on_both_sides_are_not_compared():
    numbers = measure(found((BOX, 1, THRESHOLD - 0.001)), found((BOX, 1, THRESHOLD - 0.002)))
    assert numbers["compared"] == 0 and numbers["agreement"] is None


def test_an_unmatched_box_over_the_threshold_still_disagrees():
    """The candidate's box just under the threshold answers the reference's box just over it; a second
    reference box elsewhere, over the threshold, has nothing to match and disagrees."""
    numbers = measure(found((BOX, 1, 0.2502), (ELSEWHERE, 1, 0.9)), found((BOX, 1, 0.2498)))
    assert numbers["compared"] == 2 and numbers["agreement"] == 0.5


def test_labels_and_places_must_agree():
    same = found((BOX, 1, 0.9), (ELSEWHERE, 2, 0.8))
    assert measure(same, same) == {"max_abs_diff": 0.0, "agreement": 1.0, "compared": 2}
    moved = measure(same, found((BOX, 1, 0.9), ([0.0, 0.0, 8.0, 8.0], 2, 0.8)))
    assert moved["compared"] == 2 and moved["agreement"] == 0.5  # one box moved: one disagreement
    relabelled = measure(same, found((BOX, 0, 0.9), (ELSEWHERE, 2, 0.8)))
    assert relabelled["compared"] == 2 and relabelled["agreement"] == 0.5
