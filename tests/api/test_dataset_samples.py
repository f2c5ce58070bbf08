"""The samples route gives the boxes of detection datasets, for the web UI to draw."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from visionyard.data.demo_dense import write_shapes_detection


def test_the_samples_of_a_coco_dataset_carry_their_boxes(client: TestClient, api_home: Path):
    root = api_home / "data" / "shapes"
    write_shapes_detection(root, {"train": 3}, size=64)
    response = client.get("/api/v1/datasets/shapes/samples", params={"per_class": 1})
    assert response.status_code == 200, response.text
    samples = response.json()
    assert [s["path"] for s in samples] == [f"train/images/00000{i}.png" for i in (1, 2, 3)]
    coco = json.loads((root / "train" / "annotations.json").read_text())
    names = {c["id"]: c["name"] for c in coco["categories"]}
    for sample, entry in zip(samples, coco["images"], strict=True):
        expected = [
            (
                names[a["category_id"]],
                [a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]],
            )
            for a in coco["annotations"]
            if a["image_id"] == entry["id"]
        ]
        drawn = [(b["class_name"], [round(v * 64, 3) for v in b["box"]]) for b in sample["boxes"]]
        assert drawn == [(name, [round(v, 3) for v in box]) for name, box in expected] and expected
    plain = client.get("/api/v1/datasets/tiny/samples", params={"per_class": 1}).json()
    assert plain and all(s["boxes"] is None for s in plain)
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schema["SampleBox"]["properties"]) == {"class_name", "box"}
    assert "boxes" in schema["SampleImage"]["properties"]
