"""The validation dashboard's curves and histograms, and the predict playground's batches."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import shoot
from tests.helpers import TINY
from tests.server import Server
from visionyard.data.demo_dense import write_shapes_change, write_shapes_detection

COUNTS = {"train": 8, "val": 4}
SCORE = re.compile(r"\((AUC|AP|AP50) ([\d.]+)\)$")
PREDICT = re.compile(r"/api/v1/runs/[^/]+/predict$")


@pytest.fixture(scope="module")
def dense_runs(ui_server: Server) -> dict[str, dict]:
    """A one-epoch Faster R-CNN on a few 64 px shapes with their boxes, and a SNUNet on 32 px before/after pairs."""
    write_shapes_detection(ui_server.home / "data" / "chart-boxes", counts=COUNTS, size=64)
    write_shapes_change(ui_server.home / "data" / "batch-changes", counts=COUNTS, size=32)
    bodies = {
        "detection": {
            "model": "fasterrcnn_mobilenet_v3_320",
            "dataset": "chart-boxes",
            "config": {**TINY, "batch_size": 4, "preprocessing.image_size": 64},
        },
        "change_detection": {"model": "snunet_cbam", "dataset": "batch-changes", "config": {**TINY, "batch_size": 4}},
    }
    ids = {task: ui_server.client.post("/api/v1/runs", json=body).json()["id"] for task, body in bodies.items()}
    return {task: ui_server.wait_for(run_id, ("completed",), timeout=300) for task, run_id in ids.items()}


def best_report(ui_server: Server, run: dict) -> dict:
    return ui_server.client.get(f"/api/v1/runs/{run['id']}/validation/best").json()


def expect_curves(figure: Locator, curves: list[dict], score: str) -> None:
    """A drawn line per class, and a legend button per class naming it with its ``score`` (when it has one)."""
    lines = figure.locator("path.recharts-line-curve")
    expect(lines).to_have_count(len(curves))
    for line in lines.all():
        expect(line).to_have_attribute("d", re.compile(r"^M[\d.]+,[\d.]+L"))
    legend = figure.get_by_role("list", name=re.compile("classes$")).get_by_role("button")
    expect(legend).to_have_count(len(curves))
    for button, curve in zip(legend.all(), curves, strict=True):
        text = button.inner_text()
        assert text.startswith(curve["class_name"]), text
        found, value = SCORE.search(text), curve.get(score)
        if value is None:
            assert found is None, text
        else:
            assert found and found[1] == score.upper() and abs(float(found[2]) - value) < 1e-3, text


def expect_histogram(figure: Locator, histograms: list[dict]) -> None:
    """A bar per bin that counted something, or a note when none did."""
    counted = sum(count > 0 for histogram in histograms for count in histogram["counts"])
    expect(figure.locator("path.recharts-rectangle")).to_have_count(counted)
    if not counted:
        expect(figure).to_contain_text("Nothing to count")


def test_the_validation_tab_draws_roc_and_pr_curves_per_class_and_the_confidence_histogram(
    page: Page, ui_server: Server, trained_run: dict
):
    report = best_report(ui_server, trained_run)
    page.goto(f"/runs/{trained_run['id']}/validation")
    charts = page.get_by_role("region", name="Curves and histograms")
    expect(charts.get_by_role("heading", name="ROC")).to_be_visible()
    roc, pr = charts.get_by_test_id("curve-roc"), charts.get_by_test_id("curve-pr")
    expect_curves(roc, report["curves"]["roc"], "auc")
    expect_curves(pr, report["curves"]["pr"], "ap")

    lines = roc.locator("path.recharts-line-curve")
    first = roc.get_by_role("button", name=re.compile("^a "))
    expect(first).to_have_attribute("aria-pressed", "true")
    first.click()
    expect(first).to_have_attribute("aria-pressed", "false")
    expect(lines).to_have_count(2)
    first.click()
    expect(lines).to_have_count(3)

    confidence = charts.get_by_test_id("histogram-confidence")
    histograms = [report["histograms"][key] for key in ("confidence_correct", "confidence_incorrect")]
    assert sum(histograms[1]["counts"]) > 0  # the relabelled images are mistakes
    expect_histogram(confidence, histograms)
    expect(confidence.get_by_role("list", name="Confidence series")).to_have_text(re.compile("correct.*incorrect"))
    expect(charts.get_by_test_id("histogram-iou")).to_have_count(0)
    shoot(page, "run-validation-charts")


def test_detection_draws_its_pr_curves_and_iou_histogram_and_change_detection_only_histograms(
    page: Page, ui_server: Server, dense_runs: dict[str, dict]
):
    run = dense_runs["detection"]
    report = best_report(ui_server, run)
    ap50 = {row["class_name"]: row["ap50"] for row in report["per_class"]}
    page.goto(f"/runs/{run['id']}/validation")
    charts = page.get_by_role("region", name="Curves and histograms")
    expect(charts.get_by_test_id("curve-roc")).to_have_count(0)
    curves = [{**curve, "ap50": ap50[curve["class_name"]]} for curve in report["curves"]["pr"]]
    assert curves
    expect_curves(charts.get_by_test_id("curve-pr"), curves, "ap50")
    expect(charts.get_by_test_id("curve-pr")).to_contain_text("IoU 0.5")
    expect_histogram(charts.get_by_test_id("histogram-iou"), [report["histograms"]["iou"]])
    tp_fp = [report["histograms"][key] for key in ("confidence_tp", "confidence_fp")]
    expect_histogram(charts.get_by_test_id("histogram-confidence"), tp_fp)
    shoot(page, "run-validation-detection-charts")

    run = dense_runs["change_detection"]
    report = best_report(ui_server, run)
    page.goto(f"/runs/{run['id']}/validation")
    charts = page.get_by_role("region", name="Curves and histograms")
    expect(charts.get_by_test_id("histogram-iou")).to_be_visible()
    expect(charts.locator("[data-testid^=curve-]")).to_have_count(0)
    expect_histogram(charts.get_by_test_id("histogram-iou"), [report["histograms"]["iou"]])
    expect_histogram(charts.get_by_test_id("histogram-confidence"), [report["histograms"]["confidence"]])


def coloured_images(folder: Path) -> list[Path]:
    paths = []
    for channel, name in enumerate(("red", "green", "blue")):
        pixels = np.full((24, 24, 3), 30, dtype=np.uint8)
        pixels[..., channel] = 200
        Image.fromarray(pixels).save(folder / f"{name}.png")
        paths.append(folder / f"{name}.png")
    return paths


def test_three_images_chosen_at_once_are_predicted_in_one_request_as_three_tiles(
    page: Page, ui_server: Server, trained_run: dict, tmp_path: Path
):
    images = coloured_images(tmp_path)
    files = [("files", (path.name, path.read_bytes(), "image/png")) for path in images]
    answer = ui_server.client.post(f"/api/v1/runs/{trained_run['id']}/predict", files=files)
    assert answer.status_code == 200, answer.text
    expected = [entry["class_name"] for entry in answer.json()["predictions"]]

    page.goto("/predict")
    page.get_by_label("Run", exact=True).select_option(trained_run["id"])
    with page.expect_response(PREDICT) as sent:
        page.get_by_label("Image", exact=True).set_input_files(images)
    assert [entry["files"] for entry in sent.value.json()["predictions"]] == [[path.name] for path in images]
    tiles = page.get_by_test_id("prediction").get_by_test_id("prediction-tile")
    expect(tiles).to_have_count(3, timeout=60_000)
    for tile, path, class_name in zip(tiles.all(), images, expected, strict=True):
        expect(tile.locator(".top-label strong")).to_have_text(class_name)
        expect(tile.get_by_role("list", name="Classes by score").get_by_role("listitem")).to_have_count(3)
        expect(tile.get_by_role("img", name=path.name)).to_be_visible()
        expect(tile.locator(".tile-name")).to_contain_text(f"{path.name} · 24\u00d724 px")
    expect(page.get_by_test_id("prediction").locator(".meta")).to_contain_text("3 images")
    shoot(page, "predict-batch")


def test_before_and_after_images_are_paired_in_order_and_unequal_counts_are_refused(
    page: Page, ui_server: Server, dense_runs: dict[str, dict]
):
    val = ui_server.home / "data" / "batch-changes" / "val"
    before, after = sorted((val / "A").iterdir()), sorted((val / "B").iterdir())
    page.goto("/predict")
    page.get_by_label("Run", exact=True).select_option(dense_runs["change_detection"]["id"])
    page.get_by_label("Before image", exact=True).set_input_files(before[:2])
    page.get_by_label("After image", exact=True).set_input_files(after[:3])
    expect(page.get_by_role("alert")).to_have_text(re.compile("2 before and 3 after images"))
    result = page.get_by_test_id("prediction")
    expect(result.get_by_test_id("prediction-tile")).to_have_count(0)

    with page.expect_response(PREDICT) as sent:
        page.get_by_label("After image", exact=True).set_input_files(after[2:4])
    pairs = [entry["files"] for entry in sent.value.json()["predictions"]]
    assert pairs == [[b.name, a.name] for b, a in zip(before[:2], after[2:4], strict=True)]
    expect(page.get_by_role("alert")).to_have_count(0)
    tiles = result.get_by_test_id("prediction-tile")
    expect(tiles).to_have_count(2, timeout=60_000)
    for tile, b, a in zip(tiles.all(), before[:2], after[2:4], strict=True):
        expect(tile.locator(".top-label strong")).to_have_text(re.compile(r"% changed$"))
        expect(tile.get_by_role("img", name=f"before: {b.name}")).to_be_visible()
        expect(tile.get_by_role("img", name=f"after: {a.name}")).to_be_visible()
    shoot(page, "predict-change-pairs")
