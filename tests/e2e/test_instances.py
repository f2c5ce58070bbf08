"""Instance segmentation in the browser: an evaluation's objects drawn with their boxes and their class-coloured
masks, and the playground's answer with each kept object's mask decoded from its COCO RLE."""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import shoot
from tests.helpers import TINY
from tests.server import Server
from visionyard.data import rle
from visionyard.data.demo_dense import write_shapes_detection

COUNTS = {"train": 8, "val": 4}
PREDICT = re.compile(r"/api/v1/runs/[^/]+/predict$")
CLASSES = ["circle", "square", "triangle"]

# Every colour an <img> mask layer is drawn in, as "rgb(r, g, b)" (its clear pixels left out).
MASK_COLOURS = """async (img) => {
  await img.decode();
  const canvas = document.createElement("canvas");
  [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const found = new Set();
  for (let i = 0; i < pixels.length; i += 4)
    if (pixels[i + 3]) found.add(`rgb(${pixels[i]}, ${pixels[i + 1]}, ${pixels[i + 2]})`);
  return [...found];
}"""
# Whether a canvas has as many opaque pixels as asked for (it is drawn after the render that sized it).
OPAQUE_PIXELS = """([canvas, count]) => {
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let opaque = 0;
  for (let i = 3; i < pixels.length; i += 4) opaque += pixels[i] > 0;
  return opaque === count;
}"""
CANVAS_PIXELS = "(canvas) => Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data)"


@pytest.fixture(scope="module")
def instance_run(ui_server: Server) -> dict:
    """A one-epoch Mask R-CNN on a few 64 px shapes with their polygons; it keeps its boxes of every score, as a
    model this young scores each object low."""
    write_shapes_detection(ui_server.home / "data" / "objects", counts=COUNTS, size=64)
    body = {
        "model": "maskrcnn_mobilenet_v3_320",
        "dataset": "objects",
        "config": {**TINY, "batch_size": 4, "preprocessing.image_size": 64, "model.box_score_thresh": 0.0},
    }
    run = ui_server.client.post("/api/v1/runs", json=body).json()
    return ui_server.wait_for(run["id"], ("completed",), timeout=300)


def box_colours(layer: Locator) -> dict[str, str]:
    """Each class's box colour in an SVG box layer."""
    return {
        box.get_attribute("data-class"): box.locator("rect").first.get_attribute("stroke")
        for box in layer.locator("g.frame-box").all()
    }


def test_an_instance_evaluation_draws_boxes_and_masks_in_the_colours_of_their_classes(
    page: Page, ui_server: Server, instance_run: dict
):
    run_id = instance_run["id"]
    base = f"/api/v1/runs/{run_id}/validation/best"
    records = ui_server.client.get(f"{base}/images").json()["items"]
    first = records[0]
    painted = np.asarray(Image.open(io.BytesIO(ui_server.client.get(f"{base}/images/0/files/truth_mask").content)))

    page.goto(f"/runs/{run_id}/validation")
    expect(page.locator(".run-facts .fact").filter(has_text="Task")).to_contain_text("Instance segmentation")
    expect(page.get_by_text(re.compile(r"detections counted from score 0\.25"))).to_be_visible()
    charts = page.get_by_role("region", name="Curves and histograms")
    expect(charts.get_by_test_id("curve-pr")).to_be_visible()
    expect(charts.get_by_test_id("histogram-iou")).to_contain_text("Best mask IoU with a true object")
    # objects' masks colour every class, the first one included (it is no background)
    expect(page.get_by_role("list", name="Mask colours").get_by_role("listitem")).to_have_text(CLASSES)

    grid = page.get_by_role("list", name="Evaluated images")
    expect(grid.get_by_role("listitem")).to_have_count(COUNTS["val"])
    truth, predicted = grid.locator("img[data-layer=truth]"), grid.locator("img[data-layer=prediction]")
    expect(predicted).to_have_count(COUNTS["val"])  # the predicted masks only, as segmentation starts
    expect(truth).to_have_count(0)
    page.get_by_label("Show true boxes and masks").check()
    expect(truth).to_have_count(COUNTS["val"])
    tile = grid.get_by_role("listitem").first
    true_boxes = tile.locator("svg[data-layer=truth]")
    expect(true_boxes.locator("g.frame-box")).to_have_count(len(first["truth"]["boxes"]))
    colours = box_colours(true_boxes)
    expected = {colours[CLASSES[value - 1]] for value in np.unique(painted) if value}
    assert expected
    assert set(tile.locator("img[data-layer=truth]").evaluate(MASK_COLOURS)) == expected
    shoot(page, "run-validation-instances")

    tile.get_by_role("button").click()
    dialog = page.get_by_role("dialog")
    panels = {name: dialog.locator("figure").filter(has_text=name) for name in ("Ground truth", "Prediction")}
    expect(panels["Ground truth"].locator("img[data-layer=truth]")).to_have_count(1)
    expect(panels["Ground truth"].locator("svg[data-layer=truth] g.frame-box")).to_have_count(
        len(first["truth"]["boxes"])
    )
    expect(panels["Prediction"].locator("img[data-layer=prediction]")).to_have_count(1)
    dialog.get_by_label("Score threshold").fill("0")
    found = panels["Prediction"].locator("svg[data-layer=prediction] g.frame-box")
    expect(found).to_have_count(len(first["prediction"]["boxes"]))
    dialog.get_by_label("Show true boxes and masks").uncheck()
    expect(dialog.locator("[data-layer=truth]")).to_have_count(0)
    shoot(page, "run-validation-instance-detail")
    page.keyboard.press("Escape")

    page.goto(f"/runs/{run_id}/tests")
    expect(page.get_by_role("form", name="Start a test run").get_by_label("Score threshold")).to_have_value("0.25")
    page.goto("/runs")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=run_id))
    expect(row).to_contain_text("val_mask_map")  # the task's headline metric


def test_the_playground_fills_each_kept_objects_mask_in_its_box_colour(
    page: Page, ui_server: Server, instance_run: dict
):
    run_id = instance_run["id"]
    picture = sorted((ui_server.home / "data" / "objects" / "val" / "images").iterdir())[0]
    page.goto("/predict")
    page.get_by_label("Run", exact=True).select_option(run_id)
    with page.expect_response(PREDICT, timeout=120_000) as sent:  # the first call loads the model
        page.get_by_label("Image", exact=True).set_input_files(picture)
    (answer,) = sent.value.json()["predictions"]
    assert answer["scores"] and len(answer["masks"]) == len(answer["scores"])
    threshold = math.floor(sorted(answer["scores"])[len(answer["scores"]) // 2] * 100) / 100
    kept = [i for i, score in enumerate(answer["scores"]) if score >= threshold]

    tile = page.get_by_test_id("prediction").get_by_test_id("prediction-tile")
    page.get_by_label("Score threshold").fill(str(threshold))
    boxes = tile.locator("svg.frame-layer")
    expect(boxes.locator("g.frame-box")).to_have_count(len(kept))
    expect(tile.locator(".top-label")).to_contain_text(f"{len(kept)} objects")
    colours = box_colours(boxes)

    height, width = answer["height"], answer["width"]
    expected = np.zeros((height, width, 4), dtype=np.uint8)
    masks = rle.decode([answer["masks"][i] for i in kept], height, width)
    for mask, i in sorted(zip(masks, kept, strict=True), key=lambda pair: answer["scores"][pair[1]]):
        r, g, b = (int(v) for v in re.findall(r"\d+", colours[answer["class_names"][i]]))
        expected[mask.astype(bool)] = (r, g, b, 255)  # the higher-scoring object over the lower
    canvas = tile.locator("canvas.frame-layer")
    expect(canvas).to_have_attribute("width", str(width))
    page.wait_for_function(OPAQUE_PIXELS, arg=[canvas.element_handle(), int(expected[..., 3].astype(bool).sum())])
    drawn = np.asarray(canvas.evaluate(CANVAS_PIXELS), dtype=np.uint8).reshape(height, width, 4)
    assert drawn[..., 3].any()
    np.testing.assert_array_equal(drawn, expected)
    page.get_by_label("Mask opacity").fill("0.8")
    expect(canvas).to_have_css("opacity", "0.8")
    shoot(page, "predict-instances")
