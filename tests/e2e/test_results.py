"""A trained run's results in the browser: validation, tests, predictions, exports, the registry."""

from __future__ import annotations

import itertools
import json
import re
import socket
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import axis_ticks, shoot
from tests.helpers import TINY
from tests.server import Server
from visionyard.data.demo_dense import write_shapes_detection, write_shapes_segmentation

RECORD_IMAGE = re.compile(r"/images/\d+/files/image$")
PENDING = re.compile(r"Test \S+ (queued|running)")
DENSE = {"train": 8, "val": 4}


@pytest.fixture(scope="module")
def dense_runs(ui_server: Server) -> dict[str, dict]:
    """A one-epoch U-Net on a few 32 px shapes with their masks, and a Faster R-CNN on their boxes."""
    write_shapes_segmentation(ui_server.home / "data" / "masks", counts=DENSE, size=32)
    write_shapes_detection(ui_server.home / "data" / "boxes", counts=DENSE, size=64)
    bodies = {
        "segmentation": {
            "model": "unet",
            "dataset": "masks",
            "config": {**TINY, "batch_size": 4, "model.base_channel": 4, "model.depth": 2},
        },
        "detection": {
            "model": "fasterrcnn_mobilenet_v3_320",
            "dataset": "boxes",
            "config": {**TINY, "batch_size": 4, "preprocessing.image_size": 64},
        },
    }
    ids = {task: ui_server.client.post("/api/v1/runs", json=body).json()["id"] for task, body in bodies.items()}
    return {task: ui_server.wait_for(run_id, ("completed",), timeout=300) for task, run_id in ids.items()}


def loaded_width(image: Locator) -> int:
    expect(image).to_have_js_property("complete", True)
    return image.evaluate("img => img.naturalWidth")


def test_the_validation_grid_filters_to_the_mistakes_and_shows_one_beside_its_truth(
    page: Page, ui_server: Server, trained_run: dict
):
    requested: list[str] = []
    page.on("request", lambda sent: requested.append(sent.url))
    base = f"/api/v1/runs/{trained_run['id']}/validation/best"
    mistakes = ui_server.client.get(f"{base}/images", params={"correct": "false", "limit": 100}).json()
    assert mistakes["total"] >= 6  # the relabelled third of the validation images, at least

    page.goto(f"/runs/{trained_run['id']}/validation")
    matrix = page.get_by_role("table", name=re.compile("Confusion matrix"))
    expect(matrix).to_be_visible()
    expect(matrix.get_by_role("rowheader")).to_have_text(["a", "b", "c"])
    expect(page.get_by_role("list", name="Evaluated images").get_by_role("listitem")).to_have_count(18)

    page.get_by_label("Correctness").select_option("false")
    tiles = page.get_by_role("list", name="Evaluated images").get_by_role("listitem")
    expect(tiles).to_have_count(mistakes["total"])
    expect(page.get_by_text(f"1\N{EN DASH}{mistakes['total']} of {mistakes['total']} images")).to_be_visible()
    expect(tiles.locator(".verdict.ok")).to_have_count(0)
    page.get_by_label("Sort by").select_option("loss:desc")
    by_loss = sorted(mistakes["items"], key=lambda r: -r["loss"])
    expect(tiles.first.locator("button")).to_have_attribute("data-index", str(by_loss[0]["index"]))
    first = by_loss[0]
    truth, predicted = first["truth_name"], first["class_name"]
    assert truth != predicted
    tile_image = tiles.first.locator("img").first
    expect(tile_image).to_have_attribute("data-src", re.compile(rf"/images/{first['index']}/files/image$"))
    assert loaded_width(tile_image) == 24  # the image itself, at its own size: nothing burned into it
    caption = tiles.first.locator("figcaption")
    for words in ("mistake", f"truth {truth}", f"predicted {predicted}", f"{first['confidence']:.2f}"):
        expect(caption).to_contain_text(words)
    shoot(page, "run-validation-mistakes")

    tiles.first.locator("button").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("mistake", exact=True)).to_be_visible()
    expect(dialog.get_by_role("heading", name="Ground truth")).to_be_visible()
    expect(dialog.get_by_role("heading", name="Prediction")).to_be_visible()
    expect(dialog.locator(".truth-prediction")).to_contain_text(truth)
    expect(dialog.locator(".truth-prediction")).to_contain_text(predicted)
    image = dialog.get_by_role("img", name=f"Image {first['index']}: the image")
    expect(image).to_have_attribute("data-src", RECORD_IMAGE)
    assert loaded_width(image) == 24
    shoot(page, "run-validation-detail")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(tiles.first.locator("button")).to_be_focused()
    assert not [url for url in requested if url.endswith("/render") or "/render?" in url]


def test_masks_and_boxes_are_drawn_over_the_clean_image_and_toggled_in_the_grid_and_the_dialog(
    page: Page, dense_runs: dict[str, dict]
):
    page.goto(f"/runs/{dense_runs['segmentation']['id']}/validation")
    grid = page.get_by_role("list", name="Evaluated images")
    expect(grid.get_by_role("listitem")).to_have_count(DENSE["val"])
    expect(grid.locator(".frame > img:first-child")).to_have_count(DENSE["val"])
    for image in grid.locator(".frame > img:first-child").all():
        expect(image).to_have_attribute("data-src", RECORD_IMAGE)
    truth, predicted = grid.locator("img[data-layer=truth]"), grid.locator("img[data-layer=prediction]")
    expect(predicted).to_have_count(DENSE["val"])  # the grid starts with the predicted masks only
    expect(truth).to_have_count(0)
    page.get_by_label("Show true masks").check()
    expect(truth).to_have_count(DENSE["val"])
    page.get_by_label("Show predicted masks").uncheck()
    expect(predicted).to_have_count(0)
    page.get_by_label("Mask opacity").focus()
    page.keyboard.press("ArrowRight")
    expect(truth.first).to_have_css("opacity", "0.55")
    expect(grid.locator(".frame > img:first-child").first).to_be_visible()
    shoot(page, "run-validation-masks")

    grid.get_by_role("button").first.click()
    dialog = page.get_by_role("dialog")
    panels = {name: dialog.locator("figure").filter(has_text=name) for name in ("Ground truth", "Prediction")}
    for panel in panels.values():
        assert loaded_width(panel.locator(".frame > img:first-child")) == 32
        expect(panel.locator(".frame > img:first-child")).to_have_attribute("data-src", RECORD_IMAGE)
    expect(panels["Ground truth"].locator("img[data-layer=truth]")).to_have_count(1)
    expect(panels["Prediction"].locator("img[data-layer=prediction]")).to_have_count(1)
    dialog.get_by_label("Show true masks").uncheck()
    expect(dialog.locator("img[data-layer=truth]")).to_have_count(0)
    expect(panels["Ground truth"].locator(".frame > img:first-child")).to_be_visible()
    shoot(page, "run-validation-mask-detail")
    page.keyboard.press("Escape")

    run = dense_runs["detection"]
    records = page.request.get(f"/api/v1/runs/{run['id']}/validation/best/images").json()["items"]
    page.goto(f"/runs/{run['id']}/validation")
    tile = page.get_by_role("list", name="Evaluated images").get_by_role("listitem").first
    true_boxes = tile.locator("svg[data-layer=truth] g.frame-box")
    expect(true_boxes).to_have_count(len(records[0]["truth"]["boxes"]))
    page.get_by_label("Show true boxes").uncheck()
    expect(true_boxes).to_have_count(0)
    tile.get_by_role("button").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("svg[data-layer=truth] g.frame-box")).to_have_count(len(records[0]["truth"]["boxes"]))
    dialog.get_by_label("Score threshold").fill("0")
    found = dialog.locator("svg[data-layer=prediction] g.frame-box")
    expect(found).to_have_count(len(records[0]["prediction"]["boxes"]))
    dialog.get_by_label("Show predicted boxes").uncheck()
    expect(found).to_have_count(0)
    shoot(page, "run-validation-box-detail")


def rgb(css: str) -> tuple[int, ...]:
    return tuple(int(v) for v in re.findall(r"\d+", css)[:3])


def test_the_run_page_says_where_the_run_trained(page: Page, trained_run: dict):
    page.goto(f"/runs/{trained_run['id']}")
    worker = page.locator(".fact", has=page.get_by_text("Worker", exact=True)).locator("dd")
    expect(worker).to_have_text(f"local on {socket.gethostname()}")


def test_the_charts_tell_their_series_apart_keep_to_possible_values_and_hide_a_series(page: Page, trained_run: dict):
    page.goto(f"/runs/{trained_run['id']}")
    for chart, (low, high) in {"loss": (0, None), "metrics": (0, 1), "lr": (0, None)}.items():
        figure = page.get_by_test_id(f"chart-{chart}")
        lines = figure.locator(".recharts-line-curve")
        expect(lines.first).to_be_visible()
        colours = [rgb(c) for c in lines.evaluate_all("paths => paths.map((p) => getComputedStyle(p).stroke)")]
        for a, b in itertools.combinations(colours, 2):
            assert sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5 > 80, (chart, colours)
        ticks = axis_ticks(page, chart)
        assert ticks and min(ticks) >= low and (high is None or max(ticks) <= high), (chart, ticks)

    metrics = page.get_by_test_id("chart-metrics")
    lines = metrics.locator(".recharts-line-curve")
    drawn = lines.count()
    series = metrics.get_by_role("button", name="val_acc", exact=True)
    expect(series).to_have_attribute("aria-pressed", "true")
    series.click()
    expect(series).to_have_attribute("aria-pressed", "false")
    expect(lines).to_have_count(drawn - 1)
    series.click()
    expect(lines).to_have_count(drawn)


def test_two_test_runs_are_started_and_compared(page: Page, ui_server: Server, trained_run: dict):
    page.goto(f"/runs/{trained_run['id']}/tests")
    form = page.get_by_role("form", name="Start a test run")
    for split in ("val", "train"):
        form.get_by_label("Split").select_option(split)
        form.get_by_role("button", name="Start test").click()
        expect(form.get_by_role("status")).to_contain_text(PENDING)  # the notice follows the job's status
    rows = page.locator(".tests-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.locator(".badge.status-completed")).to_have_count(2, timeout=120_000)
    expect(form.get_by_role("status")).to_have_count(0)  # the notice goes once the test has run
    for split in ("val", "train"):
        row = rows.filter(has=page.get_by_role("cell", name=split, exact=True))
        expect(row).to_contain_text(f"{split}_acc")  # named after the split it measured
    expect(rows.filter(has_text="test_acc")).to_have_count(0)
    for box in page.get_by_role("checkbox", name=re.compile("Select test")).all():
        box.check()
    page.get_by_role("button", name="Compare selected").click()
    comparison = page.get_by_role("region", name="Comparison")
    for split in ("val", "train"):
        expect(comparison.get_by_role("columnheader").filter(has_text=f"split {split}")).to_have_count(1)
    expect(comparison.get_by_role("rowheader", name="acc", exact=True)).to_be_visible()

    tests = ui_server.client.get(f"/api/v1/runs/{trained_run['id']}/tests").json()
    accuracy = {t["split"]: t["metrics"][f"{t['split']}_acc"] for t in tests}
    for value in accuracy.values():
        expect(comparison).to_contain_text(f"{value:.4f}".rstrip("0").rstrip(".")[:4])
    shoot(page, "run-tests-compared")


def test_an_image_dropped_on_the_playground_is_classified_as_the_api_does(
    page: Page, ui_server: Server, trained_run: dict, tmp_path: Path
):
    image = tmp_path / "green.png"
    pixels = np.full((24, 24, 3), 30, dtype=np.uint8)
    pixels[..., 1] = 200
    Image.fromarray(pixels).save(image)
    with image.open("rb") as sent:
        answer = ui_server.client.post(
            f"/api/v1/runs/{trained_run['id']}/predict", files={"files": ("green.png", sent, "image/png")}
        ).json()
    expected = answer["predictions"][0]["class_name"]

    page.goto("/predict")
    page.get_by_label("Run", exact=True).select_option(trained_run["id"])
    page.get_by_label("Image", exact=True).set_input_files(image)
    result = page.get_by_test_id("prediction")
    expect(result.locator(".top-label strong")).to_have_text(expected, timeout=60_000)
    expect(result.get_by_role("list", name="Classes by score").get_by_role("listitem")).to_have_count(3)
    expect(result.get_by_role("img", name="green.png")).to_be_visible()
    shoot(page, "predict-classification")


def test_an_onnx_export_is_checked_benchmarked_and_downloaded(
    page: Page, ui_server: Server, trained_run: dict, tmp_path: Path
):
    page.goto(f"/runs/{trained_run['id']}/exports")
    form = page.get_by_role("form", name="New export")
    form.get_by_label("Format").select_option("onnx")
    form.get_by_role("button", name="Export", exact=True).click()
    row = page.locator(".exports-table tbody tr").filter(has_text="onnx").first
    expect(row.locator(".badge")).to_have_text("completed", timeout=180_000)
    expect(row).to_contain_text("agreement 1")
    benchmark = page.get_by_role("region", name="Benchmark").get_by_role("table")
    expect(benchmark.get_by_role("row").filter(has_text="pytorch")).to_have_count(1)
    expect(benchmark.get_by_role("row").filter(has_text="onnx")).to_have_count(1)
    measured = ui_server.client.get(f"/api/v1/runs/{trained_run['id']}/benchmark").json()["rows"]
    onnx_row = next(r for r in measured if r["format"] == "onnx")
    caption = benchmark.locator("caption")
    expect(caption).to_contain_text(f"Metric on {onnx_row['images']} parity images")
    expect(caption).to_contain_text(f"throughput at batch {onnx_row['batch']}")
    expect(caption).to_contain_text(onnx_row["hardware"])
    expect(benchmark.get_by_role("row").filter(has_text="onnx")).to_contain_text(f"on {onnx_row['images']} images")
    shoot(page, "run-exports")

    export_id = onnx_row["export_id"]
    detail = ui_server.client.get(f"/api/v1/runs/{trained_run['id']}/exports/{export_id}").json()
    row.get_by_role("button", name=f"Details of onnx export {export_id}").click()
    details = page.locator(".export-details")
    expect(details.get_by_role("heading", name=re.compile("Deploying"))).to_be_visible()
    code = details.locator(".code-block code")
    expect(code).to_contain_text("onnxruntime")
    assert code.text_content() in detail["snippet"] and "```" not in details.inner_text()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    details.get_by_role("button", name="Copy the python snippet").click()
    expect(details.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == code.text_content()
    assert {"model.json", "DEPLOY.md"} <= {d["name"] for d in detail["downloads"]}
    with page.expect_download() as sidecar:
        details.get_by_role("button", name="Download model.json").click()
    assert sidecar.value.suggested_filename.endswith("model.json")
    assert json.loads(Path(sidecar.value.path()).read_text())["task"] == "classification"
    shoot(page, "run-export-details")

    with page.expect_download() as fetched:
        row.get_by_role("button", name="Download onnx").click()
    download = fetched.value
    assert download.suggested_filename.endswith(".onnx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    session = onnxruntime.InferenceSession(saved, providers=["CPUExecutionProvider"])
    shape = [1, 3, 32, 32]
    (logits,) = session.run(None, {session.get_inputs()[0].name: np.zeros(shape, dtype=np.float32)})
    assert logits.shape == (1, 3)

    # the playground predicts with the checked export unless PyTorch is chosen
    image = tmp_path / "red.png"
    Image.fromarray(np.full((24, 24, 3), (200, 30, 30), dtype=np.uint8)).save(image)
    page.goto(f"/predict?run={trained_run['id']}")
    page.get_by_label("Image", exact=True).set_input_files(image)
    meta = page.get_by_test_id("prediction").locator(".meta")
    expect(meta).to_contain_text(f"onnx export {export_id}", timeout=60_000)
    page.get_by_label("Runtime", exact=True).select_option(label="PyTorch (the checkpoint)")
    expect(meta).to_contain_text("in PyTorch", timeout=60_000)


def test_a_run_is_published_and_an_alias_is_set_with_its_history(page: Page, ui_server: Server, trained_run: dict):
    page.goto(f"/runs/{trained_run['id']}/publish")
    page.get_by_label("Model name").fill("ui-noisy")
    page.get_by_label("Alias").fill("staging")
    page.get_by_role("button", name="Publish").click()
    notice = page.get_by_role("status").filter(has_text="Published")
    expect(notice).to_contain_text("ui-noisy version 1")
    notice.get_by_role("link", name="Open ui-noisy in the registry").click()

    expect(page.get_by_role("heading", name="ui-noisy", exact=True)).to_be_visible()
    page.get_by_label("Alias", exact=True).fill("production")
    page.get_by_label("Reason").fill("beats the baseline")
    page.get_by_role("button", name="Set alias").click()
    expect(page.get_by_role("status").filter(has_text="production now points at v1")).to_be_visible()
    history = page.get_by_role("region", name="Alias history")
    expect(history).to_contain_text("beats the baseline")
    shoot(page, "registry-model")

    model = ui_server.client.get("/api/v1/registry/models/ui-noisy").json()
    assert model["aliases"] == {"staging": 1, "production": 1}
    trail = ui_server.client.get("/api/v1/registry/models/ui-noisy/aliases").json()
    assert {(c["alias"], c["to_version"], c["reason"]) for c in trail} >= {("production", 1, "beats the baseline")}
