"""Dataset detail pages of every format: the check report is the one training would see."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.data.dataset_files import broken, png, write_json


def coco_dataset(root: Path) -> None:
    png(root / "train" / "a.png")
    broken(root / "train" / "b.png")
    write_json(
        root / "train" / "annotations.json",
        {
            "images": [{"id": 1, "file_name": "a.png"}, {"id": 2, "file_name": "b.png"}],
            "annotations": [
                {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5], "segmentation": [[1, 1, 6, 1, 6, 6]]},
                {"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 1, 0, 5], "segmentation": [[1, 1, 6, 1, 6, 6]]},
            ],
            "categories": [{"id": 1, "name": "cat"}],
        },
    )


def test_a_coco_dataset_is_checked_for_its_first_task_or_the_one_asked(client: TestClient, api_home: Path):
    coco_dataset(api_home / "data" / "boxes")
    detail = client.get("/api/v1/datasets/boxes").json()
    summary, report = detail["summary"], detail["report"]
    assert (summary["format"], summary["tasks"]) == ("coco", ["detection", "segmentation", "instance_segmentation"])
    assert (report["task"], report["format"], report["classes"]) == ("detection", "coco", ["cat"])
    assert sorted((i["kind"], i["skippable"]) for i in report["issues"]) == [
        ("bad_box", True),
        ("corrupt_image", True),
    ]
    segmentation = client.get("/api/v1/datasets/boxes", params={"task": "segmentation"}).json()["report"]
    assert (segmentation["task"], segmentation["classes"]) == ("segmentation", ["background", "cat"])
    assert [i["kind"] for i in segmentation["issues"]] == ["corrupt_image"]

    refused = client.get("/api/v1/datasets/boxes", params={"task": "classification"})
    assert refused.status_code == 422 and "can train: detection, segmentation" in refused.json()["error"]["message"]
    samples = client.get("/api/v1/datasets/boxes/samples", params={"per_class": 5}).json()
    assert [(s["path"], s["class_name"]) for s in samples] == [("train/a.png", None), ("train/b.png", None)]


def test_an_image_folder_detail_is_unchanged(client: TestClient):
    detail = client.get("/api/v1/datasets/tiny").json()
    assert (detail["summary"]["format"], detail["summary"]["tasks"]) == ("image_folder", ["classification"])
    assert (detail["report"]["task"], detail["report"]["issues"]) == ("classification", [])
